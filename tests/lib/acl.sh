# acl.sh - a redis-server run with bulkguard's ACL file for one test (sourced after common.sh).
#
# acl_start writes $BG_TMP/acl.conf once: contrib/redis-acl.conf as shipped,
# with a fresh password added to each of its users (bg-milter's is also in
# $BG_TMP/milter.pass, mode 600, and so on), and an administrator bg-admin
# for the test's own reads and writes (admin). It starts redis-server with
# that file on REDIS_PORT, with redisctl's pid file so redis_stop (and the
# test's end) stops it; acl_start "$REDIS_PORT" brings it back.

ACL_USERS="milter policyd unsubd feedback logd ctl"

# acl_pw: prints a fresh random password.
acl_pw() {
	od -An -tx1 -N12 /dev/urandom | tr -d ' \n'
}

# acl_file: writes $BG_TMP/acl.conf and the password files, once.
acl_file() {
	[ -f "$BG_TMP/acl.conf" ] && return 0
	cp "$BG_SRC/contrib/redis-acl.conf" "$BG_TMP/acl.conf"
	for _u in $ACL_USERS; do
		_p=$(acl_pw)
		printf '%s\n' "$_p" >"$BG_TMP/$_u.pass"
		chmod 600 "$BG_TMP/$_u.pass"
		sed -i "s/^user bg-$_u on /user bg-$_u on >$_p /" "$BG_TMP/acl.conf"
	done
	acl_pw >"$BG_TMP/admin.pass"
	echo "user bg-admin on >$(cat "$BG_TMP/admin.pass") ~* &* +@all" >>"$BG_TMP/acl.conf"
}

# admin ARGS...: redis-cli as bg-admin.
admin() {
	"$REDIS_CLI" -p "$REDIS_PORT" --user bg-admin --pass "$(cat "$BG_TMP/admin.pass")" --no-auth-warning "$@"
}

# acl_start [PORT]: starts redis-server with the ACL file; waits until bg-admin's PING answers.
acl_start() {
	REDIS_PORT=${1:-${REDIS_PORT:-$(free_port)}}
	export REDIS_PORT BG_TMP
	acl_file
	"$REDIS_SERVER" --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$BG_TMP" \
		--logfile "$BG_TMP/redis-$REDIS_PORT.log" --aclfile "$BG_TMP/acl.conf" \
		--daemonize yes --pidfile "$BG_TMP/redis-$REDIS_PORT.pid" || return 1
	for _i in $(seq 1 100); do
		admin PING 2>/dev/null | grep -q PONG && return 0
		sleep 0.05
	done
	echo "redis-server with $BG_TMP/acl.conf did not start on port $REDIS_PORT" >&2
	cat "$BG_TMP/redis-$REDIS_PORT.log" >&2
	return 1
}
