# nodes.sh - private redis-server nodes for one test: what cluster.sh and sentinel.sh share (sourced).
#
# A node is a redis-server on 127.0.0.1, no persistence, daemonized, with its
# files (redis.log, redis.pid, what it writes) in a directory of its own.
# node_start starts one and waits until it answers; node_kill kills one with
# SIGKILL (a crash, as the tests want) and waits until it is gone; ncli talks
# to one. Needs REDIS_SERVER and REDIS_CLI (redis.sh sets them).

: "${REDIS_SERVER:=redis-server}"
: "${REDIS_CLI:=redis-cli}"

# ncli PORT ARGS...: redis-cli against one node (no redirects followed).
ncli() {
	_p=$1; shift
	"$REDIS_CLI" -p "$_p" "$@"
}

# node_start DIR PORT CONF [ARGS...]: starts a node (with the config file CONF unless ""; ARGS added)
# on PORT with its files in DIR; waits until it answers PING (PONG, or NOAUTH when it wants a user).
node_start() {
	_nd=$1 _np=$2 _nc=$3; shift 3
	mkdir -p "$_nd"
	"$REDIS_SERVER" ${_nc:+"$_nc"} --port "$_np" --bind 127.0.0.1 --save '' --appendonly no --dir "$_nd" \
		--repl-diskless-sync-delay 0 --logfile "$_nd/redis.log" --daemonize yes --pidfile "$_nd/redis.pid" \
		"$@" || return 1
	for _i in $(seq 1 100); do
		ncli "$_np" PING 2>/dev/null | grep -qE "PONG|NOAUTH" && return 0
		sleep 0.05
	done
	echo "redis-server did not start on port $_np" >&2
	return 1
}

# node_kill DIR: kills the node whose files are in DIR with SIGKILL and waits until it is gone.
node_kill() {
	_f="$1/redis.pid"
	[ -f "$_f" ] || return 0
	_pid=$(cat "$_f")
	kill -9 "$_pid" 2>/dev/null
	for _i in $(seq 1 100); do
		kill -0 "$_pid" 2>/dev/null || break
		sleep 0.02
	done
	rm -f "$_f"
}
