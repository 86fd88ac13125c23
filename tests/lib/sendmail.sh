# sendmail.sh - a private Sendmail 8.17 from Debian's packages, unpacked, never installed (sourced).
#
# Debian's sendmail-bin conflicts with postfix, so it is not installed:
# sendmail_fetch downloads sendmail-bin and sendmail-cf with `apt-get
# download` into a cache ($BG_BUILD/tests/sendmail-cache, kept between runs)
# and unpacks them there with dpkg-deb -x. Their shared libraries come from
# apt like every other dependency (contrib/quickstart installs liblockfile1
# and libwrap0, which nothing else pulls in). Source after common.sh and
# postfix.sh (for sink_start and port_wait).
#
#   sendmail_fetch          downloads and unpacks once; SM_ROOT is the unpacked tree
#   sendmail_start MC-LINES Sendmail on 127.0.0.1:SM_PORT relaying everything to
#                           the sink (SINK_PORT); MC-LINES (a file) are added to
#                           its sendmail.mc before the mailers (the milter lines)
#   sendmail_stop           stops it (registered with at_exit)
#   sendmail_wait_empty [S] waits up to S seconds (30) for an empty queue
#
# Everything else lives in $BG_TMP/sendmail: sendmail.cf built with the m4
# files of sendmail-cf, the queue, the pid file. Sendmail is started as root
# (as Debian starts it) and runs its deliveries as the unprivileged user
# nobody (RunAsUser); it never binds port 25 and never reads /etc/mail.

SM_CACHE=${SM_CACHE:-$BG_BUILD/tests/sendmail-cache}
SM_ROOT=$SM_CACHE/root
SM_BIN=$SM_ROOT/usr/libexec/sendmail/sendmail
SM_DIR=$BG_TMP/sendmail
SM_PORT=
SM_PID=

# sendmail_fetch: downloads and unpacks sendmail-bin and sendmail-cf into SM_CACHE once.
sendmail_fetch() {
	[ -x "$SM_BIN" ] && [ -f "$SM_ROOT/usr/share/sendmail/cf/m4/cf.m4" ] && sendmail_libs && return 0
	mkdir -p "$SM_CACHE/debs" && rm -rf "$SM_ROOT.new" && mkdir -p "$SM_ROOT.new" || return 1
	# as root apt wants to drop to _apt, which cannot write a private directory
	(cd "$SM_CACHE/debs" && apt-get -q -o APT::Sandbox::User=root download sendmail-bin sendmail-cf) \
		>"$SM_CACHE/download.log" 2>&1 || { cat "$SM_CACHE/download.log" >&2; return 1; }
	for _d in "$SM_CACHE"/debs/sendmail-bin_*.deb "$SM_CACHE"/debs/sendmail-cf_*.deb; do
		dpkg-deb -x "$_d" "$SM_ROOT.new" || return 1
	done
	rm -rf "$SM_ROOT" && mv "$SM_ROOT.new" "$SM_ROOT" && sendmail_libs
}

# sendmail_libs: true when the unpacked sendmail finds all its shared libraries.
sendmail_libs() {
	_missing=$(ldd "$SM_BIN" 2>&1 | sed -n 's/^[[:space:]]*\([^ ]*\) => not found.*/\1/p' | tr '\n' ' ')
	[ -z "$_missing" ] && return 0
	echo "sendmail needs $_missing(Debian: apt-get install liblockfile1 libwrap0)" >&2
	return 1
}

# sendmail_mc MC-LINES: writes the test's sendmail.mc: loopback only, no DNS, everything to the sink.
sendmail_mc() {
	cat <<EOF
divert(-1)
divert(0)dnl
OSTYPE(\`linux')dnl
define(\`confDOMAIN_NAME', \`mta.bulkguard.test')dnl
define(\`confCF_VERSION', \`bulkguard-test')dnl
define(\`QUEUE_DIR', \`$SM_DIR/queue')dnl
define(\`confPID_FILE', \`$SM_DIR/sendmail.pid')dnl
define(\`STATUS_FILE', \`$SM_DIR/statistics')dnl
define(\`ALIAS_FILE', \`$SM_DIR/aliases')dnl
define(\`HELP_FILE', \`$SM_DIR/helpfile')dnl
define(\`confSERVICE_SWITCH_FILE', \`$SM_DIR/service.switch')dnl
define(\`confHOSTS_FILE', \`$SM_DIR/hosts')dnl
define(\`confRUN_AS_USER', \`nobody:nogroup')dnl
define(\`confDONT_PROBE_INTERFACES', \`True')dnl
define(\`confDONT_BLAME_SENDMAIL', \`GroupReadableKeyFile')dnl
define(\`confDELIVERY_MODE', \`background')dnl
define(\`confTO_CONNECT', \`5s')dnl
define(\`confTO_QUEUERETURN', \`1h')dnl
define(\`confMIN_QUEUE_AGE', \`0')dnl
define(\`SMART_HOST', \`[127.0.0.1]')dnl
define(\`RELAY_MAILER_ARGS', \`TCP \$h $SINK_PORT')dnl
define(\`ESMTP_MAILER_ARGS', \`TCP \$h $SINK_PORT')dnl
define(\`SMTP_MAILER_ARGS', \`TCP \$h $SINK_PORT')dnl
DAEMON_OPTIONS(\`Family=inet, Addr=127.0.0.1, Port=$SM_PORT, Name=MTA-test')dnl
FEATURE(\`no_default_msa')dnl
FEATURE(\`nocanonify')dnl
FEATURE(\`promiscuous_relay')dnl
FEATURE(\`accept_unresolvable_domains')dnl
EOF
	cat "$1"
	echo "MAILER(\`local')dnl"
	echo "MAILER(\`smtp')dnl"
}

# sendmail_start MC-LINES: builds sendmail.cf and starts the daemon on SM_PORT.
sendmail_start() {
	SM_PORT=$(free_port)
	mkdir -p "$SM_DIR/queue"
	chmod 700 "$SM_DIR/queue"
	chown nobody:nogroup "$SM_DIR/queue"
	: >"$SM_DIR/aliases" && : >"$SM_DIR/statistics" && : >"$SM_DIR/helpfile"
	echo 'hosts files' >"$SM_DIR/service.switch"
	printf '127.0.0.1 localhost mta.bulkguard.test\n' >"$SM_DIR/hosts"
	sendmail_mc "$1" >"$SM_DIR/sendmail.mc"
	m4 -D_CF_DIR_="$SM_ROOT/usr/share/sendmail/cf/" "$SM_ROOT/usr/share/sendmail/cf/m4/cf.m4" \
		"$SM_DIR/sendmail.mc" >"$SM_DIR/sendmail.cf" 2>"$SM_DIR/m4.log" ||
		{ cat "$SM_DIR/m4.log" >&2; return 1; }
	chmod 644 "$SM_DIR/sendmail.cf"
	# -bD: the daemon in the foreground (it still forks a child per connection). Sendmail
	# sleeps 60 s when the host name has no domain ("vm"): give it one in a private UTS namespace.
	unshare --uts sh -c 'hostname mta.bulkguard.test && exec "$0" "$@"' \
		"$SM_BIN" -C "$SM_DIR/sendmail.cf" -bD -q2s -L sm-test >"$SM_DIR/sendmail.log" 2>&1 &
	SM_PID=$!
	at_exit sendmail_stop
	port_wait "$SM_PORT" || { echo "sendmail did not start on $SM_PORT:" >&2; cat "$SM_DIR/sendmail.log" >&2; return 1; }
}

# sendmail_stop: stops the daemon and its children.
sendmail_stop() {
	[ -n "$SM_PID" ] || return 0
	proc_stop "$SM_PID" 5
	SM_PID=
}

# sm_queued: prints how many messages wait in the queue (one qf file each).
sm_queued() {
	find "$SM_DIR/queue" -name 'qf*' -type f 2>/dev/null | wc -l
}

# sendmail_wait_empty [SECONDS]: waits (30 s by default) until the queue is empty.
sendmail_wait_empty() {
	_n=$(( ${1:-30} * 20 ))
	while [ "$_n" -gt 0 ]; do
		[ "$(sm_queued)" -eq 0 ] && return 0
		sleep 0.05
		_n=$((_n - 1))
	done
	echo "sendmail queue not empty: $(sm_queued) messages" >&2
	return 1
}
