# postfix.sh - a private Postfix instance and an smtp-sink receiver (sourced).
#
# Source after common.sh. Everything lives under $BG_TMP: the system Postfix
# (/etc/postfix, /var/spool/postfix) is never read for configuration, written
# or started, and port 25 is never used.
#
#   sink_start [PORT]      smtp-sink on SINK_PORT, one file per delivered
#                          transaction in SINK_DIR (X-Rcpt-Args: lines name
#                          the envelope recipients)
#   postfix_start MILTER   Postfix with smtpd on 127.0.0.1:PF_PORT relaying
#                          everything to the sink; MILTER is Postfix's milter
#                          socket ("unix:/path", "inet:host:port") or ""
#   postfix_wait_empty [S] waits up to S seconds (30) for an empty queue
#   postfix_stop           stops the instance (registered with at_exit)
#   sock_wait PATH [PID]   waits for a milter's unix socket, opens it to smtpd
#   sink_count ADDR        deliveries to ADDR so far; sink_total, sink_files
#   proc_stop PID [S]      TERM, bounded wait, KILL (for daemons started by a test)
#   milter_proc_stop PID SOCKET  the same for a libmilter program, without its 5 s delay
#
# PF_MAIN_EXTRA and PF_MASTER_EXTRA, when set, are appended to main.cf and
# master.cf (one setting or service a line). The maillog is $PF_LOG.

: "${POSTFIX:=/usr/sbin/postfix}"
: "${SMTP_SINK:=/usr/sbin/smtp-sink}"
PF_DIR=$BG_TMP/postfix
PF_LOG=$BG_TMP/postfix/maillog
PF_PORT=
SINK_PID=
SINK_DIR=$BG_TMP/sink
PF_STARTED=

# port_wait PORT: waits (5 s at most) until something accepts on 127.0.0.1:PORT.
port_wait() {
	/usr/bin/python3 - "$1" <<'EOF'
import socket, sys, time
for _ in range(100):
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), 0.2).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.05)
sys.exit(1)
EOF
}

# sock_wait PATH [PID]: waits (10 s at most, less if PID dies) for a unix socket and opens it to smtpd.
sock_wait() {
	for _i in $(seq 1 200); do
		if [ -S "$1" ]; then
			chmod 666 "$1"
			return 0
		fi
		if [ -n "${2:-}" ] && ! pid_alive "$2"; then
			echo "process $2 died before creating $1" >&2
			return 1
		fi
		sleep 0.05
	done
	echo "no socket at $1" >&2
	return 1
}

# sink_start [PORT]: starts smtp-sink on SINK_PORT (chosen when unset) keeping each transaction in SINK_DIR.
sink_start() {
	SINK_PORT=${1:-${SINK_PORT:-$(free_port)}}
	mkdir -p "$SINK_DIR"
	chown postfix "$SINK_DIR"
	"$SMTP_SINK" -u postfix -d "$SINK_DIR/m." -h sink.test "127.0.0.1:$SINK_PORT" 256 \
		>>"$BG_TMP/sink.log" 2>&1 &
	SINK_PID=$!
	at_exit sink_stop
	port_wait "$SINK_PORT" || { echo "smtp-sink did not start on $SINK_PORT" >&2; return 1; }
}

# sink_stop: stops smtp-sink.
sink_stop() {
	[ -n "$SINK_PID" ] || return 0
	kill "$SINK_PID" 2>/dev/null
	wait "$SINK_PID" 2>/dev/null
	SINK_PID=
}

# sink_files: prints how many transactions the sink has kept.
sink_files() {
	find "$SINK_DIR" -type f -name 'm.*' 2>/dev/null | wc -l
}

# sink_count ADDR: prints how many times ADDR was an envelope recipient at the sink.
sink_count() {
	find "$SINK_DIR" -type f -name 'm.*' -exec cat {} + 2>/dev/null |
		awk -v want="X-Rcpt-Args: <$1>" 'index(tolower($0), tolower(want)) == 1 { n++ } END { print n + 0 }'
}

# sink_total: prints how many recipient deliveries the sink has seen.
sink_total() {
	find "$SINK_DIR" -type f -name 'm.*' -exec cat {} + 2>/dev/null |
		grep -c '^X-Rcpt-Args:' || true
}

# sink_clear: forgets what the sink has kept.
sink_clear() {
	find "$SINK_DIR" -type f -name 'm.*' -delete 2>/dev/null
}

# pf_main_cf MILTER: writes main.cf.
pf_main_cf() {
	cat >"$PF_DIR/etc/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $PF_DIR/queue
data_directory = $PF_DIR/data
mail_owner = postfix
setgid_group = postdrop
myhostname = mta.bulkguard.test
mydomain = bulkguard.test
myorigin = \$myhostname
mydestination =
local_recipient_maps =
alias_maps =
alias_database =
inet_interfaces = loopback-only
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject
smtpd_recipient_restrictions =
relayhost = [127.0.0.1]:$SINK_PORT
smtp_dns_support_level = disabled
smtp_tls_security_level = none
smtpd_tls_security_level = none
maillog_file = $PF_LOG
maillog_file_prefixes = $BG_TMP
biff = no
queue_run_delay = 2s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
smtp_connect_timeout = 5s
milter_default_action = tempfail
milter_protocol = 6
smtpd_milters = $1
non_smtpd_milters =
${PF_MAIN_EXTRA:-}
EOF
}

# pf_master_cf: writes master.cf: Debian's services, none chrooted, smtpd on PF_PORT.
pf_master_cf() {
	cat >"$PF_DIR/etc/master.cf" <<EOF
127.0.0.1:$PF_PORT inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
${PF_MASTER_EXTRA:-}
EOF
}

# pf_dirs: creates the instance's directories; the queue tree is made by postfix itself.
pf_dirs() {
	mkdir -p "$PF_DIR/etc" "$PF_DIR/queue" "$PF_DIR/data"
	chown root:root "$PF_DIR/queue"
	chown postfix:postfix "$PF_DIR/data"
	chmod 755 "$PF_DIR" "$PF_DIR/etc" "$PF_DIR/queue"
	chmod 700 "$PF_DIR/data"
}

# postfix_start MILTER: writes the configuration and starts the instance; MILTER may be "".
postfix_start() {
	postfix_stop
	PF_PORT=$(free_port)
	SINK_PORT=${SINK_PORT:-$(free_port)}
	pf_dirs
	pf_main_cf "$1"
	pf_master_cf
	# Postfix rereads a config file younger than a few seconds until it settles (2.4 s lost)
	touch -d "@$(($(date +%s) - 60))" "$PF_DIR/etc/main.cf" "$PF_DIR/etc/master.cf"
	[ -n "$PF_STARTED" ] || at_exit postfix_stop
	PF_STARTED=1
	if ! "$POSTFIX" -c "$PF_DIR/etc" start >>"$BG_TMP/postfix-start.log" 2>&1; then
		echo "postfix did not start; see below" >&2
		cat "$BG_TMP/postfix-start.log" "$PF_LOG" >&2 2>/dev/null
		return 1
	fi
	# master -w returns once master listens on PF_PORT: no probe needed
}

# pid_alive PID: true while PID runs (a zombie left for init to reap counts as gone).
pid_alive() {
	_st=$(sed -n 's/^[0-9]* (.*) \([A-Za-z]\).*/\1/p' "/proc/$1/stat" 2>/dev/null)
	[ -n "$_st" ] && [ "$_st" != Z ] && [ "$_st" != X ]
}

# pf_master_pid: prints the master's pid, or nothing when it is not running.
pf_master_pid() {
	_pid=$(sed -n '1s/ //gp' "$PF_DIR/queue/pid/master.pid" 2>/dev/null)
	[ -n "$_pid" ] && pid_alive "$_pid" && echo "$_pid"
	return 0
}

# postfix_stop: stops the instance: TERM to master, then (after 10 s) KILL to its process group.
postfix_stop() {
	_pid=$(pf_master_pid)
	[ -n "$_pid" ] || return 0
	kill -TERM "$_pid" 2>/dev/null
	for _i in $(seq 1 200); do
		pid_alive "$_pid" || return 0
		sleep 0.05
	done
	kill -KILL "-$_pid" 2>/dev/null
	return 0
}

# pf_queued: prints how many messages are in the queue (incoming, active, deferred, hold, maildrop).
pf_queued() {
	_q=$PF_DIR/queue
	find "$_q/incoming" "$_q/active" "$_q/deferred" "$_q/hold" "$_q/maildrop" \
		-type f 2>/dev/null | wc -l
}

# postfix_wait_empty [SECONDS]: waits (30 s by default) until the queue is empty; 1 if it never is.
postfix_wait_empty() {
	_n=$(( ${1:-30} * 20 ))
	while [ "$_n" -gt 0 ]; do
		[ "$(pf_queued)" -eq 0 ] && return 0
		sleep 0.05
		_n=$((_n - 1))
	done
	echo "postfix queue not empty: $(pf_queued) messages" >&2
	return 1
}

# proc_stop PID [SECONDS]: TERM, then KILL if PID still runs after SECONDS (10); returns PID's exit status
# when it is a child of this shell.
proc_stop() {
	[ -n "$1" ] || return 0
	kill -TERM "$1" 2>/dev/null
	_n=$(( ${2:-10} * 20 ))
	while [ "$_n" -gt 0 ] && pid_alive "$1"; do
		sleep 0.05
		_n=$((_n - 1))
	done
	pid_alive "$1" && kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

# milter_proc_stop PID SOCKET: stops a libmilter program at once: its listener only sees SIGTERM
# when select() wakes (every 5 s), so a connection to its unix SOCKET wakes it.
milter_proc_stop() {
	[ -n "$1" ] || return 0
	kill -TERM "$1" 2>/dev/null
	/usr/bin/python3 -c 'import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(1)
try:
    s.connect(sys.argv[1])
except OSError:
    pass' "$2"
	proc_stop "$1" 10
}
