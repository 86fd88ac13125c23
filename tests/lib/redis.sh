# redis.sh - a private redis-server for one test (sourced).
#
# redis_start starts a real redis-server on a free loopback port with no
# persistence, its files in $BG_TMP; REDIS_PORT is set and exported.
# redis_stop kills it (SIGKILL: a crash, as the tests want); redis_start
# "$REDIS_PORT" brings it back on the same port. The same operations are
# available to miltertest scripts through tests/lib/redisctl.

: "${REDIS_SERVER:=redis-server}"
: "${REDIS_CLI:=redis-cli}"
export REDIS_SERVER REDIS_CLI

# free_port: prints a TCP port nobody listens on now.
free_port() {
	/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# redis_start [PORT]: starts redis-server and waits until it answers PING.
redis_start() {
	REDIS_PORT=${1:-${REDIS_PORT:-$(free_port)}}
	export REDIS_PORT BG_TMP
	sh "$BG_SRC/tests/lib/redisctl" start
}

# redis_stop: kills the server at once.
redis_stop() {
	[ -n "${REDIS_PORT:-}" ] || return 0
	sh "$BG_SRC/tests/lib/redisctl" stop
}

# rcli ARGS...: redis-cli against the test server.
rcli() {
	"$REDIS_CLI" -p "$REDIS_PORT" "$@"
}

# redis_restart: kills the server and starts it again on the same port.
redis_restart() {
	redis_stop
	redis_start "$REDIS_PORT"
}
