# milter.sh - the real bulkguard-milter for one test (sourced).
#
# milter_conf writes a configuration for the test's Redis and a unix socket in
# $BG_TMP, with the entity blocks given on standard input. milter_start runs
# the milter in the foreground (logging to $MILTER_LOG) and waits for its
# socket; it is stopped with SIGTERM at the end of the test.

MILTER_BIN="$BG_BUILD/milter/bulkguard-milter"
MILTER_SOCK_PATH="$BG_TMP/milter.sock"
MILTER_SOCK="unix:$MILTER_SOCK_PATH"
MILTER_LOG="$BG_TMP/milter.log"
MILTER_CONF="$BG_TMP/bulkguard.conf"
export MILTER_SOCK MILTER_LOG

# milter_conf [EXTRA-MILTER-OPTIONS]: writes $MILTER_CONF; entity blocks come on stdin.
milter_conf() {
	{
		echo 'user = ""'
		echo "redis { address = \"127.0.0.1:$REDIS_PORT\" timeout_ms = ${REDIS_TIMEOUT_MS:-250} }"
		echo "milter { socket = \"$MILTER_SOCK\" socket_mode = 0666 ${1:-} }"
		cat
	} >"$MILTER_CONF"
}

# milter_start: starts the milter and waits (bounded) for its socket.
milter_start() {
	rm -f "$MILTER_SOCK_PATH"
	"$MILTER_BIN" -f -c "$MILTER_CONF" 2>>"$MILTER_LOG" &
	MILTER_PID=$!
	export MILTER_PID
	at_exit milter_kill
	for _i in $(seq 1 200); do
		[ -S "$MILTER_SOCK_PATH" ] && return 0
		kill -0 "$MILTER_PID" 2>/dev/null || break
		sleep 0.025
	done
	echo "bulkguard-milter did not start:" >&2
	cat "$MILTER_LOG" >&2
	return 1
}

# milter_stop: SIGTERM, and wait until it is gone; returns its exit status.
milter_stop() {
	[ -n "${MILTER_PID:-}" ] || return 0
	kill -TERM "$MILTER_PID" 2>/dev/null
	wait "$MILTER_PID"
	_st=$?
	MILTER_PID=
	return $_st
}

# milter_kill: stops the milter if it still runs (SIGTERM, then SIGKILL after 5 s).
milter_kill() {
	[ -n "${MILTER_PID:-}" ] || return 0
	kill -TERM "$MILTER_PID" 2>/dev/null
	for _i in $(seq 1 100); do
		kill -0 "$MILTER_PID" 2>/dev/null || break
		sleep 0.05
	done
	kill -9 "$MILTER_PID" 2>/dev/null
	MILTER_PID=
}

# run_miltertest SCRIPT: runs a miltertest script; its TAP lines become the test's own.
run_miltertest() {
	BG_LUA="$BG_SRC/tests/milter"
	export BG_LUA BG_SRC BG_TMP
	"${MILTERTEST:-miltertest}" -s "$1" >"$BG_TMP/miltertest.out" 2>&1
	_st=$?
	# the script numbers its checks from 1: renumber them after the test's own
	_base=$TAP_N
	grep -v '^1\.\.' "$BG_TMP/miltertest.out" | awk -v base="$_base" '
		/^ok [0-9]+/ { sub(/^ok [0-9]+/, "ok " (base + $2)) }
		/^not ok [0-9]+/ { sub(/^not ok [0-9]+/, "not ok " (base + $3)) }
		{ print }'
	TAP_N=$((_base + $(grep -cE '^(not )?ok ' "$BG_TMP/miltertest.out")))
	TAP_FAILED=$((TAP_FAILED + $(grep -c '^not ok ' "$BG_TMP/miltertest.out")))
	tap_check "$_st" "miltertest $(basename "$1") ran to its end"
}

# milter_finish: the milter stops cleanly on SIGTERM and logged no sanitizer report.
milter_finish() {
	milter_stop
	tap_check $? "bulkguard-milter exits 0 on SIGTERM"
	! grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$MILTER_LOG"
	tap_check $? "no sanitizer report in the milter's log"
	grep -E 'Sanitizer|runtime error' -A12 "$MILTER_LOG" | sed 's/^/# /' | head -n 40
}
