#!/bin/sh
# demo.sh BUILD_DIR [--keep] - the whole of bulkguard on loopback, with sample mail.
#
# Run by `contrib/quickstart demo [--keep]`. Starts, under one temporary
# directory, a private redis-server, bulkguard-milter (unix socket),
# bulkguard-policyd, bulkguard-unsubd and a private Postfix instance
# (tests/lib/*.sh; never the system's Postfix or Redis, never port 25, every
# port picked free at run time on 127.0.0.1). Postfix has two smtpd services:
# the submission service, where the milter and policyd judge every recipient,
# and a "port 25" service without them that receives bounces for the return
# path domain and pipes them to bulkguard-feedback (pipe(8), as nobody). It
# relays what it accepts to an smtp-sink receiver, except mail for gone.example,
# whose receiver (a second smtp-sink) refuses every recipient with 550 5.1.1.
#
# Loads sample recipients with redis-cli, submits bulk, mandated and
# transactional mail, shows a newsletter as it arrived (List-Unsubscribe with a
# token bulkguard-ctl opens, VERP, DKIM signatures python3-dkim verifies),
# closes the loop twice (the one-click URL POSTed to unsubd; a 5.1.1 bounce
# coming back as Postfix's DSN to the VERP, while a forged one changes
# nothing), paces a newsletter with a per-destination limit and sends the
# mandated notice from its own pool's address, suspends the entity's bulk
# mail, stops Redis, and ends with what bulkguard-ctl shows for each person.
# Each step ends with a verdict line ("=> step N: as expected (...)").
# Everything is stopped at the end; with --keep it stays up and the commands
# to talk to it and stop it are printed.
#
# Exit status: 0 when every step went as expected, 1 otherwise (the demo is a
# smoke test too: tests/contrib/demo.test), 64 for bad usage.

set -u
if [ $# -lt 1 ] || [ ! -d "$1" ] || { [ $# -ge 2 ] && [ "$2" != --keep ]; }; then
	echo "usage: sh contrib/demo.sh BUILD_DIR [--keep]" >&2
	exit 64
fi
BG_SRC=$(cd "$(dirname "$0")/.." && pwd)
BG_BUILD=$(cd "$1" && pwd)
KEEP=
[ "${2:-}" = --keep ] && KEEP=1
export BG_SRC BG_BUILD

. "$BG_SRC/tests/lib/common.sh"
. "$BG_SRC/tests/lib/postfix.sh"
. "$BG_SRC/tests/lib/milter.sh"

PY=/usr/bin/python3
SEND="$BG_SRC/tests/lib/smtp_send.py"
CTL="$BG_BUILD/ctl/bulkguard-ctl"
POLICYD="$BG_BUILD/policy/bulkguard-policyd"
UNSUBD="$BG_BUILD/feedback/bulkguard-unsubd"
FEEDBACK="$BG_BUILD/feedback/bulkguard-feedback"
CURL=${CURL:-curl}
OUT=$BG_TMP/smtp.out
POLICYD_LOG=$BG_TMP/policyd.log
UNSUBD_LOG=$BG_TMP/unsubd.log
FEEDBACK_LOG=$BG_TMP/feedback.log
GONE_DIR=$BG_TMP/gone
FAILS=0
STEP_FAILS=0
T0=$(date +%s)
NOW=$T0
POLICYD_PID=
UNSUBD_PID=
GONE_PID=

# the sample recipients: address and what Redis knows about them
R_UNSUB=alice@example.com
R_DEAD=dave@example.com
R_OK=bob@example.com
R_NONE=carol@example.com
ALL="$R_UNSUB $R_DEAD $R_OK $R_NONE"
# a shop customer whose mailbox no longer exists (gone.example's receiver refuses her)
R_GONE=erin@gone.example
# (step 8 adds ann, ben, cat, dan and eve at bigmail.example: acme's subscribers at one big provider)

# ---------------------------------------------------------------- output helpers

heading() { printf '\n== %s\n\n' "$*"; }
note() { printf '%s\n' "$*"; }

# fail TEXT: records an unexpected outcome.
fail() {
	FAILS=$((FAILS + 1))
	printf '   !! UNEXPECTED: %s\n' "$*"
}

# op COMMAND-LINE: prints a command as an operator would type it, runs it, shows its output indented.
op() {
	printf '  $ %s\n' "$1"
	eval "$1" 2>&1 | sed 's/^/      /'
}

# ctl_op ARGS...: shows "$ bulkguard-ctl -c bulkguard.conf ARGS" as an operator types it, runs it, output indented.
ctl_op() {
	printf '  $ bulkguard-ctl -c bulkguard.conf %s\n' "$*"
	"$CTL" -c "$MILTER_CONF" "$@" 2>&1 | sed 's/^/      /'
}

# record ADDR: what Redis holds for ADDR, in one line.
record() {
	_r=$(rcli HGETALL "bg:rcpt:$1" 2>/dev/null | paste -sd' ' -)
	[ -n "$_r" ] && printf '%s' "$_r" || printf '(no record)'
}

# --------------------------------------------------------------- sending mail

# send SUBJECT FROM RCPT...: submits one message through Postfix; replies go to $OUT.
send() {
	_subj=$1; _from=$2; shift 2
	_n=$#
	for _r in "$@"; do set -- "$@" --rcpt "$_r"; done
	shift "$_n"
	"$PY" "$SEND" --port "$PF_PORT" --from "$_from" --subject "$_subj" \
		--header "X-Demo: $_subj" "$@" >"$OUT" 2>&1
}

# reply STEP [ADDR]: the reply the last send got at MAIL, DATA, or RCPT of ADDR.
reply() {
	if [ "$1" = RCPT ]; then
		sed -n "s/^RCPT $2 //p" "$OUT" | head -n 1
	else
		sed -n "s/^$1 //p" "$OUT" | head -n 1
	fi
}

# verdict REPLY: accepted / refused / deferred, from the reply code.
verdict() {
	case "$1" in
	2*) echo accepted ;;
	4*) echo deferred ;;
	5*) echo refused ;;
	*) echo "no answer" ;;
	esac
}

# submit SUBJECT FROM ADDR=EXPECTED...: sends one message to every ADDR and prints one line per
# recipient; EXPECTED is the start of the reply that must come back (e.g. "250 " or "550 5.7.1 <x>: ...").
submit() {
	_subj=$1; _from=$2; shift 2
	_rcpts=
	for _p in "$@"; do _rcpts="$_rcpts ${_p%%=*}"; done
	# shellcheck disable=SC2086
	send "$_subj" "$_from" $_rcpts
	printf '  "%s"  MAIL FROM:<%s>  ->  %s\n\n' "$_subj" "$_from" "$(reply MAIL | cut -c1-3)"
	printf '    %-20s %-9s %s\n' RECIPIENT RESULT "SMTP REPLY"
	for _p in "$@"; do
		_a=${_p%%=*}; _want=${_p#*=}
		_got=$(reply RCPT "$_a")
		printf '    %-20s %-9s %s\n' "$_a" "$(verdict "$_got")" "$_got"
		case "$_got" in
		"$_want"*) ;;
		*) fail "wanted \"$_want...\" for $_a" ;;
		esac
	done
	_data=$(reply DATA)
	if [ -n "$_data" ]; then
		printf '    %-20s %-9s %s\n' "(message)" "$(verdict "$_data")" "$_data"
	else
		printf '    %-20s %-9s %s\n' "(message)" "not sent" "no recipient accepted, no DATA"
	fi
}

# want_data YES|NO: checks whether the last message was queued.
want_data() {
	_d=$(reply DATA)
	case "$1:$_d" in
	yes:250*|no:) ;;
	yes:*) fail "message not queued: ${_d:-no DATA}" ;;
	no:*) fail "DATA should not have been sent: $_d" ;;
	esac
}

# ---------------------------------------------------------------- the receiver

# delivered SUBJECT ADDR: prints how many times ADDR received the message SUBJECT at the sink (one awk
# over every file: the X-Rcpt-Args lines come before the X-Demo header in each).
delivered() {
	_subj=$1 _addr=$2
	set -- "$SINK_DIR"/m.*
	[ -f "$1" ] || { echo 0; return; }
	awk -v subj="X-Demo: $_subj" -v want="x-rcpt-args: <$_addr>" '
		FNR == 1 { if (hit) n += c; hit = 0; c = 0 }
		$0 == subj { hit = 1 }
		index(tolower($0), want) == 1 { c++ }
		END { if (hit) n += c; print n + 0 }' "$@"
}

# deliveries_head: the heading of the delivery table (one column per sample recipient).
deliveries_head() {
	_l=$(printf '%-28s' MESSAGE)
	for _a in $ALL; do _l="$_l$(printf '%-8s' "${_a%%@*}")"; done
	printf '    %s\n' "$_l" | sed 's/ *$//'
}

# show_deliveries SUBJECT EXPECTED-RECIPIENTS...: how often each sample recipient got SUBJECT, checked.
show_deliveries() {
	_subj=$1; shift
	_bad=
	_l=$(printf '%-28s' "$_subj")
	for _a in $ALL; do
		_n=$(delivered "$_subj" "$_a")
		_w=0
		for _e in "$@"; do [ "$_e" = "$_a" ] && _w=1; done
		_l="$_l$(printf '%-8s' "$_n")"
		[ "$_n" -eq "$_w" ] || _bad="$_bad $_a=$_n (wanted $_w)"
	done
	printf '    %s\n' "$_l" | sed 's/ *$//'
	[ -z "$_bad" ] || fail "\"$_subj\" received by:$_bad"
}

# wait_delivered: waits until Postfix's queue is empty.
wait_delivered() {
	postfix_wait_empty 20 || fail "Postfix's queue did not drain"
}

# new_lines FILE [SED-EXPR]: the lines FILE got since the last call for FILE, indented, edited by SED-EXPR.
new_lines() {
	_key=$(printf '%s' "$1" | tr -c 'A-Za-z0-9' _)
	eval "_seen=\${SEEN_$_key:-0}"
	_total=$(wc -l <"$1" 2>/dev/null || echo 0)
	[ "$_total" -gt "$_seen" ] && sed -n "$((_seen + 1)),${_total}p" "$1" | sed "${2:-}" | sed 's/^/    /'
	eval "SEEN_$_key=$_total"
}

# new_log_lines: the milter's log lines written since the last call, without the program name.
new_log_lines() {
	new_lines "$MILTER_LOG" 's/^bulkguard-milter: //'
}

# maillog_lines PATTERN: Postfix's log lines since the last call that match PATTERN (grep -E), without
# the date, host, delays and what the client said at HELO; the lines in between are skipped.
maillog_lines() {
	new_lines "$PF_LOG" "s|^[^ ]* [^ ]* \([^ ]*\) [^ ]* |\1 |; s/ delay=[^,]*, delays=[^,]*,//; s/; from=<[^;]*//;
		s/ proto=.*//; s/relay=127.0.0.1\[127.0.0.1\]:/relay=127.0.0.1:/; s/ (in reply to RCPT TO command)//" |
		grep -E "$1"
}

# skip_lines FILE: the lines FILE has now count as shown.
skip_lines() {
	new_lines "$1" >/dev/null
}

# wait_for SECONDS COMMAND: runs COMMAND every 50 ms until it succeeds; 1 when it never did.
wait_for() {
	_n=$(($1 * 20))
	shift
	while [ "$_n" -gt 0 ]; do
		eval "$1" && return 0
		sleep 0.05
		_n=$((_n - 1))
	done
	return 1
}

# check WHAT GOT WANT: records an unexpected outcome unless GOT starts with WANT.
check() {
	case "$2" in
	"$3"*) ;;
	*) fail "$1: got \"$2\", wanted \"$3...\"" ;;
	esac
}

# step_verdict N CLAIM: the step's last line: as expected (CLAIM), or how many outcomes were not.
step_verdict() {
	_n=$((FAILS - STEP_FAILS))
	STEP_FAILS=$FAILS
	note ""
	if [ "$_n" -eq 0 ]; then
		note "  => step $1: as expected ($2)"
	else
		note "  => step $1: NOT as expected, $_n unexpected outcome(s) (wanted: $2)"
	fi
}

# -------------------------------------------------------------- start and stop

# keep_info: with --keep, writes $BG_TMP/stop.sh and prints how to use what is left running.
keep_info() {
	_redis_pid=$(cat "$BG_TMP/redis-$REDIS_PORT.pid" 2>/dev/null)
	_master=$(pf_master_pid)
	_pids="${_master:-0} ${MILTER_PID:-0} ${POLICYD_PID:-0} ${UNSUBD_PID:-0} ${SINK_PID:-0} ${GONE_PID:-0} ${_redis_pid:-0}"
	cat >"$BG_TMP/stop.sh" <<EOF
#!/bin/sh
# stop.sh - stops what 'contrib/demo.sh --keep' left running and removes $BG_TMP.
$POSTFIX -c $PF_DIR/etc stop 2>/dev/null
kill -TERM ${MILTER_PID:-0} 2>/dev/null
# libmilter notices SIGTERM when a connection wakes its listener
$PY -c 'import socket; s = socket.socket(socket.AF_UNIX); s.settimeout(1); s.connect("$MILTER_SOCK_PATH")' 2>/dev/null
kill -TERM ${POLICYD_PID:-0} ${UNSUBD_PID:-0} ${SINK_PID:-0} ${GONE_PID:-0} ${_redis_pid:-0} 2>/dev/null
for i in \$(seq 1 100); do
	alive=
	for p in $_pids; do
		[ "\$p" -gt 0 ] && kill -0 "\$p" 2>/dev/null && alive="\$alive \$p"
	done
	[ -z "\$alive" ] && break
	sleep 0.1
done
[ -n "\$alive" ] && kill -KILL \$alive 2>/dev/null
rm -rf $BG_TMP
echo "bulkguard demo stopped; $BG_TMP removed"
EOF
	chmod 755 "$BG_TMP/stop.sh"
	heading "Still running (--keep)"
	printf '  %-18s %s\n' \
		"directory" "$BG_TMP" \
		"redis-server" "pid ${_redis_pid:-?}, 127.0.0.1:$REDIS_PORT" \
		"bulkguard-milter" "pid ${MILTER_PID:-?}, $MILTER_SOCK" \
		"bulkguard-policyd" "pid ${POLICYD_PID:-?}, 127.0.0.1:$POLICY_PORT" \
		"bulkguard-unsubd" "pid ${UNSUBD_PID:-?}, http://127.0.0.1:$UNSUB_PORT/u/<token>" \
		"postfix master" "pid ${_master:-?}, submission 127.0.0.1:$PF_PORT, port 25 role 127.0.0.1:$MX_PORT" \
		"smtp-sink" "pid ${SINK_PID:-?}, 127.0.0.1:$SINK_PORT, one file per message in $SINK_DIR" \
		"gone.example's MX" "pid ${GONE_PID:-?}, 127.0.0.1:$GONE_PORT (refuses every recipient: 550 5.1.1)" \
		"configuration" "$MILTER_CONF (one file for every program)"
	cat <<EOF

  look a recipient up, change it:
    $CTL -c $MILTER_CONF suppress show $R_OK
    redis-cli -p $REDIS_PORT HSET bg:rcpt:$R_NONE consent:acme "confirmed \$(date +%s) 192.0.2.1 web"
    redis-cli -p $REDIS_PORT DEL bg:suspend:acme
  send a message through the milter and policyd (prints every SMTP reply):
    $PY $SEND --port $PF_PORT --from news@acme.example --rcpt $R_OK --rcpt $R_NONE
  unsubscribe with one click (the URL of a List-Unsubscribe, its path sent to unsubd):
    curl -d List-Unsubscribe=One-Click http://127.0.0.1:$UNSUB_PORT/u/\$($CTL -c $MILTER_CONF token make --entity shop $R_NONE)
  bounce a message (gone.example refuses everyone; Postfix's DSN goes to the VERP and
  bulkguard-feedback reads it, log in $FEEDBACK_LOG):
    redis-cli -p $REDIS_PORT HSET bg:rcpt:frank@gone.example consent:shop confirmed
    $PY $SEND --port $PF_PORT --from news@shop.example --rcpt frank@gone.example
    redis-cli -p $REDIS_PORT HGETALL bg:rcpt:frank@gone.example
  the bounces bulkguard-feedback did not believe:
    redis-cli -p $REDIS_PORT HGETALL bg:unverified
  the Postfix side of the pools:
    $CTL -c $MILTER_CONF postfix-config
  logs:
    milter    $MILTER_LOG
    policyd   $POLICYD_LOG
    unsubd    $UNSUBD_LOG
    postfix   $PF_LOG
    postfix   postqueue -c $PF_DIR/etc -p      (the queue)
  reload a daemon after editing the configuration:  kill -HUP ${MILTER_PID:-?} ${POLICYD_PID:-?} ${UNSUBD_PID:-?}
  stop it all and remove the directory:
    sh $BG_TMP/stop.sh
EOF
}

# demo_exit: stops everything (common.sh's cleanup), or with --keep leaves it running.
demo_exit() {
	demo_st=$?
	if [ -n "$KEEP" ] && [ -n "${PF_PORT:-}" ]; then
		keep_info
	else
		bg_cleanup
	fi
	exit "$demo_st"
}
trap demo_exit EXIT

# keys_start: starts making the DKIM keys (RSA-2048 twice in the background: most of the start-up
# time, so the rest starts meanwhile), makes the Ed25519 key and the token key file.
keys_start() {
	DKIM_DIR=$BG_TMP/keys
	mkdir -p "$DKIM_DIR"
	openssl genpkey -algorithm rsa -pkeyopt rsa_keygen_bits:2048 -out "$DKIM_DIR/shop.pem" 2>/dev/null &
	KEY_PIDS=$!
	openssl genpkey -algorithm rsa -pkeyopt rsa_keygen_bits:2048 -out "$DKIM_DIR/esp.pem" 2>/dev/null &
	KEY_PIDS="$KEY_PIDS $!"
	openssl genpkey -algorithm ed25519 -out "$DKIM_DIR/shop.ed25519" || return 1
	printf '1 %s\n' "$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')" >"$DKIM_DIR/token.keys"
	chmod 600 "$DKIM_DIR"/*
	# bulkguard-feedback runs as nobody under pipe(8): the token key (VERP MACs) must be its own
	chown nobody "$DKIM_DIR/token.keys"
}

# keys_finish: waits for the RSA keys; writes the keys' DNS records for the verifier.
keys_finish() {
	for _p in $KEY_PIDS; do wait "$_p" || return 1; done
	chmod 600 "$DKIM_DIR"/*.pem
	{
		echo "bg1._domainkey.shop.example v=DKIM1; k=rsa; p=$(openssl pkey -in "$DKIM_DIR/shop.pem" -pubout -outform DER | base64 -w0)"
		echo "bg1e._domainkey.shop.example v=DKIM1; k=ed25519; p=$(openssl pkey -in "$DKIM_DIR/shop.ed25519" -pubout -outform DER | tail -c 32 | base64 -w0)"
		echo "s2026._domainkey.esp.example v=DKIM1; k=rsa; p=$(openssl pkey -in "$DKIM_DIR/esp.pem" -pubout -outform DER | base64 -w0)"
	} >"$DKIM_DIR/records"
}

# write_conf: the one bulkguard.conf every program reads.
write_conf() {
	milter_conf <<EOF
# the key seals the tokens in List-Unsubscribe (and the VERPs' MACs); bulkguard-unsubd
# listens here (in production behind a TLS proxy for the unsubscribe URL's host)
unsubscribe { key_file = "$DKIM_DIR/token.keys"  listen = "127.0.0.1:$UNSUB_PORT" }
# bulkguard-policyd: Postfix's check_policy_service
policy { listen = "127.0.0.1:$POLICY_PORT" }
esp {                                                # the platform signs every message too
  dkim { domain = "esp.example" selector = "s2026" key = "$DKIM_DIR/esp.pem" }
}
# a brand with one-click unsubscribe, VERP and its own DKIM keys
entity "shop" {
  sender_domains     = { "shop.example" }
  consent            = "confirmed"
  unsubscribe_url    = "https://u.esp.example/u/%t"
  unsubscribe_mailto = "unsubscribe@u.esp.example"
  feedback_id        = "demo"
  return_path_domain = "bounce.esp.example"           # bounces come back to a VERP here
  dkim { domain = "shop.example" selector = "bg1"  key = "$DKIM_DIR/shop.pem" }
  dkim { domain = "shop.example" selector = "bg1e" key = "$DKIM_DIR/shop.ed25519" algorithm = "ed25519-sha256" }
}
# the sending party of steps 3, 4 and 8 to 10: a brand whose mail comes from @acme.example
entity "acme" {
  sender_domains        = { "acme.example" }          # envelope sender domain -> entity acme
  consent               = "confirmed"                 # bulk mail needs double opt-in consent
  mandated_senders      = { "notice@acme.example" }   # breach/recall notices: reach unsubscribers
  transactional_senders = { "receipts@acme.example" } # receipts: only dead addresses refused
  pool                  = "shared-a"                  # its mail leaves from these IPs...
  mandated_pool         = "notify"                    # ... and its notices from these
}
pool "shared-a" { ips = { "127.0.0.2" }  helo = "bulk.esp.example"    rate = "600/m" }
pool "notify"   { ips = { "127.0.0.3" }  helo = "notice.esp.example"  rate = "600/m" }
domain_group "bigmail" { domains = { "bigmail.example" } }  # one mailbox provider
limit { pool = "shared-a"  group = "bigmail"  rate = "3/m" }  # what it takes from pool shared-a
EOF
}

# start_bg LOG COMMAND...: starts a daemon in the foreground of its own, stderr to LOG; sets BG_PID.
# (stdout away from the caller: a --keep daemon must not hold a pipe open)
start_bg() {
	_log=$1
	shift
	"$@" >/dev/null 2>>"$_log" &
	BG_PID=$!
}

# feedback_pipe: what pipe(8) runs as nobody: a copy of bulkguard-feedback in $BG_TMP (the build tree
# may be where nobody cannot go), logging to stderr (-f), which is kept in $FEEDBACK_LOG.
feedback_pipe() {
	mkdir -p "$BG_TMP/bin"
	cp "$FEEDBACK" "$BG_TMP/bin/bulkguard-feedback"
	cat >"$BG_TMP/bin/feedback-pipe" <<EOF
#!/bin/sh
exec $BG_TMP/bin/bulkguard-feedback -f "\$@" 2>>$FEEDBACK_LOG
EOF
	chmod 755 "$BG_TMP/bin" "$BG_TMP/bin/bulkguard-feedback" "$BG_TMP/bin/feedback-pipe"
	touch "$FEEDBACK_LOG"
	chown nobody "$FEEDBACK_LOG"
}

# free_ports N: N distinct TCP ports nobody listens on now, on one line.
free_ports() {
	"$PY" -c 'import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))' "$1"
}

# ports_wait PORT...: waits (5 s at most) until something accepts on each 127.0.0.1:PORT.
ports_wait() {
	"$PY" - "$@" <<'EOF'
import socket, sys, time
for port in sys.argv[1:]:
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", int(port)), 0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    else:
        sys.exit(1)
EOF
}

# start_all: Redis, the daemons, the two receivers and Postfix, all under $BG_TMP.
start_all() {
	for _p in "$MILTER_BIN" "$POLICYD" "$UNSUBD" "$FEEDBACK" "$CTL" "$POSTFIX" "$SMTP_SINK" "$REDIS_SERVER" \
		"$REDIS_CLI" "$PY" "$CURL" openssl; do
		command -v "$_p" >/dev/null 2>&1 || { echo "demo: $_p not found (contrib/quickstart install)" >&2; exit 1; }
	done
	keys_start || { echo "demo: openssl could not make keys" >&2; exit 1; }
	read -r UNSUB_PORT POLICY_PORT MX_PORT GONE_PORT SINK_PORT <<-EOF
	$(free_ports 5)
	EOF
	redis_start || { echo "demo: redis-server did not start" >&2; exit 1; }
	write_conf
	start_bg "$POLICYD_LOG" "$POLICYD" -f -c "$MILTER_CONF"
	POLICYD_PID=$BG_PID
	at_exit 'proc_stop "$POLICYD_PID"; POLICYD_PID='
	start_bg "$UNSUBD_LOG" "$UNSUBD" -f -c "$MILTER_CONF"
	UNSUBD_PID=$BG_PID
	at_exit 'proc_stop "$UNSUBD_PID"; UNSUBD_PID='
	# the receiver (sink_start waits for it) and gone.example's: it knows no mailbox (a hard 5.1.1)
	sink_start "$SINK_PORT" || { echo "demo: smtp-sink did not start" >&2; exit 1; }
	mkdir -p "$GONE_DIR"
	chown postfix "$GONE_DIR"
	start_bg "$BG_TMP/sink.log" "$SMTP_SINK" -u postfix -d "$GONE_DIR/m." -h mx.gone.example -f RCPT \
		-B "550 5.1.1 mailbox unavailable" "127.0.0.1:$GONE_PORT" 16
	GONE_PID=$BG_PID
	at_exit 'proc_stop "$GONE_PID"; GONE_PID='
	feedback_pipe
	ports_wait "$POLICY_PORT" "$UNSUB_PORT" "$GONE_PORT" || {
		echo "demo: bulkguard-policyd, bulkguard-unsubd or gone.example's smtp-sink did not start:" >&2
		cat "$POLICYD_LOG" "$UNSUBD_LOG" >&2
		exit 1
	}
	# the Postfix side of the pools, as bulkguard-ctl prints it, then the demo's own routing
	PF_MASTER_EXTRA="$("$CTL" -c "$MILTER_CONF" postfix-config master)
127.0.0.1:$MX_PORT inet n - n - - smtpd -o syslog_name=postfix/port25 -o smtpd_milters= -o smtpd_recipient_restrictions= -o smtpd_relay_restrictions=reject_unauth_destination
bgfeedback unix - n n - 4 pipe flags=Rq user=nobody argv=$BG_TMP/bin/feedback-pipe -c $MILTER_CONF -r \${recipient} -s \${sender}"
	PF_MAIN_EXTRA="$("$CTL" -c "$MILTER_CONF" postfix-config main | grep -v -e '^#' -e '^smtpd_relay_restrictions')
smtpd_recipient_restrictions = \$bulkguard_submission_recipient_restrictions
smtpd_relay_restrictions = permit_mynetworks, reject
relay_domains = bounce.esp.example
transport_maps = inline:{ bounce.esp.example=bgfeedback:, gone.example=smtp:[127.0.0.1]:$GONE_PORT }
bgfeedback_destination_recipient_limit = 1
default_filter_nexthop = [127.0.0.1]:$SINK_PORT"
	# Postfix asks the milter only when mail comes: it starts while the RSA keys are made
	postfix_start "$MILTER_SOCK" || exit 1
	keys_finish || { echo "demo: openssl could not make keys" >&2; exit 1; }
	milter_start >/dev/null || exit 1
	# stop it at once at the end (libmilter otherwise notices SIGTERM only every 5 s)
	at_exit 'milter_proc_stop "$MILTER_PID" "$MILTER_SOCK_PATH"; MILTER_PID='
}

# redis_stop (redis.sh's, replaced): kill -9, then wait until the server is gone or a zombie
# (redisctl waits until kill -0 fails, which takes its full 2 s where init is slow to reap).
redis_stop() {
	[ -n "${REDIS_PORT:-}" ] && [ -f "$BG_TMP/redis-$REDIS_PORT.pid" ] || return 0
	_rpid=$(cat "$BG_TMP/redis-$REDIS_PORT.pid")
	kill -9 "$_rpid" 2>/dev/null
	wait_for 2 '! pid_alive "$_rpid"'
	rm -f "$BG_TMP/redis-$REDIS_PORT.pid"
}

# ---------------------------------------------------------------------- steps

step_start() {
	heading "1. Starting everything under $BG_TMP"
	start_all
	printf '  %-18s %s\n' \
		"redis-server" "127.0.0.1:$REDIS_PORT (private, no persistence)" \
		"bulkguard-milter" "$MILTER_SOCK (pid $MILTER_PID)" \
		"bulkguard-policyd" "127.0.0.1:$POLICY_PORT (pid $POLICYD_PID)" \
		"bulkguard-unsubd" "127.0.0.1:$UNSUB_PORT (pid $UNSUBD_PID), what a TLS proxy for u.esp.example forwards to" \
		"postfix smtpd" "127.0.0.1:$PF_PORT, the submission service: milter and policyd on every recipient" \
		"postfix smtpd" "127.0.0.1:$MX_PORT, the port 25 service: no milter; takes bounces for bounce.esp.example" \
		"postfix pipe(8)" "bounce.esp.example -> bulkguard-feedback as nobody" \
		"smtp-sink" "127.0.0.1:$SINK_PORT (the receiver; keeps each message)" \
		"smtp-sink" "127.0.0.1:$GONE_PORT (gone.example's receiver: refuses every recipient, 550 5.1.1)"
	note ""
	note "  Postfix main.cf, the milter, the policy service and the demo's routing:"
	postconf -c "$PF_DIR/etc" smtpd_milters milter_default_action milter_protocol smtpd_recipient_restrictions \
		bulkguard_submission_recipient_restrictions transport_maps default_filter_nexthop 2>/dev/null | sed 's/^/    /'
	note "  (no DNS here: every destination is 127.0.0.1, so FILTER's next hop is the receiver)"
	note ""
	note "  bulkguard configuration ($MILTER_CONF):"
	sed 's/^/    /' "$MILTER_CONF"
	note ""
	for _prog in "$MILTER_BIN" "$POLICYD" "$UNSUBD" "$FEEDBACK"; do
		note "  \$ ${_prog##*/} -n -c bulkguard.conf"
		"$_prog" -n -c "$MILTER_CONF" >"$BG_TMP/check.out" 2>&1 || fail "${_prog##*/}: $(cat "$BG_TMP/check.out")"
		sed 's/^/      /' "$BG_TMP/check.out"
	done
	step_verdict 1 "every part runs; every program takes the one configuration file"
}

step_recipients() {
	heading "2. Sample recipients, written with redis-cli"
	op "redis-cli -p $REDIS_PORT HSET bg:rcpt:$R_UNSUB suppress \"unsubscribe $NOW one-click\""
	op "redis-cli -p $REDIS_PORT HSET bg:rcpt:$R_DEAD suppress \"bounce $NOW dsn-5.1.1\""
	op "redis-cli -p $REDIS_PORT HSET bg:rcpt:$R_OK consent:acme \"confirmed $NOW 198.51.100.7 signup-form\""
	note "  ($R_NONE: no record at all)"
	note ""
	printf '    %-20s %s\n' RECIPIENT "bg:rcpt:<address> IN REDIS"
	for _a in $ALL; do printf '    %-20s %s\n' "$_a" "$(record "$_a")"; done
	[ "$(rcli HLEN "bg:rcpt:$R_OK")" = 1 ] || fail "records not written"
	step_verdict 2 "three records written, carol has none"
}

step_classes() {
	heading "3. Three kinds of mail from acme, each to all four"
	note "(a) bulk: needs confirmed consent, respects every suppression"
	submit "acme weekly newsletter" news@acme.example \
		"$R_UNSUB=550 5.7.1 <$R_UNSUB>: recipient suppressed (unsubscribe)" \
		"$R_DEAD=550 5.7.1 <$R_DEAD>: recipient suppressed (bounce)" \
		"$R_OK=250 " \
		"$R_NONE=550 5.7.1 <$R_NONE>: no recorded consent for acme"
	want_data yes
	note ""
	note "(b) mandated breach notice: reaches unsubscribers, never dead addresses"
	submit "acme security notice" notice@acme.example \
		"$R_UNSUB=250 " \
		"$R_DEAD=550 5.7.1 <$R_DEAD>: recipient suppressed (bounce)" \
		"$R_OK=250 " \
		"$R_NONE=250 "
	want_data yes
	note ""
	note "(c) transactional receipt: only dead addresses are refused"
	submit "acme receipt 1001" receipts@acme.example \
		"$R_UNSUB=250 " \
		"$R_DEAD=550 5.7.1 <$R_DEAD>: recipient suppressed (bounce)" \
		"$R_OK=250 " \
		"$R_NONE=250 "
	want_data yes
	step_verdict 3 "each class refused exactly whom it must, with the reason"
}

step_delivery() {
	heading "4. What the receiver got (smtp-sink behind Postfix)"
	wait_delivered
	note "  copies each recipient received:"
	deliveries_head
	show_deliveries "acme weekly newsletter" "$R_OK"
	show_deliveries "acme security notice" "$R_UNSUB" "$R_OK" "$R_NONE"
	show_deliveries "acme receipt 1001" "$R_UNSUB" "$R_OK" "$R_NONE"
	_files=$(sink_files); _total=$(sink_total)
	note ""
	note "  $_files message files in $SINK_DIR, $_total recipient deliveries in all"
	[ "$_files" -eq 3 ] && [ "$_total" -eq 7 ] || fail "wanted 3 files and 7 deliveries"
	note ""
	note "  bulkguard-milter's log ($MILTER_LOG); a line written before Postfix"
	note "  gave the message its queue id (at the first accepted recipient) names the connection:"
	new_log_lines
	grep -q 'class=bulk accepted=1 refused=3' "$MILTER_LOG" || fail "no summary line for the bulk message"
	step_verdict 4 "only accepted recipients got mail, each once"
}

# step_message: a brand with one-click unsubscribe, VERP and DKIM; the message as it arrived.
step_message() {
	heading "5. What leaves with the mail: one-click unsubscribe, VERP, DKIM"
	note "  Entity \"shop\" has unsubscribe_url, return_path_domain and two DKIM keys (RSA-2048 and"
	note "  Ed25519); the platform signs everything too (esp block). One newsletter to $R_OK:"
	note ""
	op "redis-cli -p $REDIS_PORT HSET bg:rcpt:$R_OK consent:shop \"confirmed $NOW 198.51.100.7 checkout\""
	submit "shop spring sale" news+sale@shop.example "$R_OK=250 "
	want_data yes
	wait_delivered
	SHOP_MSG=$(grep -l '^Subject: shop spring sale' "$SINK_DIR"/m.* 2>/dev/null | head -n 1)
	if [ -z "$SHOP_MSG" ]; then
		fail "the shop newsletter did not arrive"
		step_verdict 5 "the newsletter arrives signed, with a token and a VERP"
		return
	fi
	note ""
	note "  as it arrived (envelope and the headers bulkguard added, values cut at 100 characters):"
	grep -E '^(X-Mail-Args|X-Rcpt-Args):' "$SHOP_MSG" | sed 's/^/    /'
	"$PY" - "$SHOP_MSG" <<'PYEOF' | sed 's/^/    /'
import email, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"))
for name in ("DKIM-Signature", "From", "Subject", "List-Unsubscribe", "List-Unsubscribe-Post", "Feedback-ID"):
    for v in m.get_all(name) or []:
        v = " ".join(str(v).split())
        print("%s: %s" % (name, v if len(v) <= 100 else v[:97] + "..."))
PYEOF
	note ""
	note "  an independent verifier (python3-dkim, offline, with the keys' DNS records):"
	"$PY" "$BG_SRC/tests/lib/dkim_verify.py" "$SHOP_MSG" "$DKIM_DIR/records" >"$BG_TMP/verify.out" 2>&1 ||
		fail "a DKIM signature did not verify"
	sed 's/^/    signature /' "$BG_TMP/verify.out"
	_token=$(shop_url "$SHOP_MSG" | sed 's|.*/u/||')
	note ""
	note "  \$ bulkguard-ctl -c bulkguard.conf token open ${_token%"${_token#????????????}"}..."
	"$CTL" -c "$MILTER_CONF" token open "$_token" 2>&1 | sed 's/^/      /'
	"$CTL" -c "$MILTER_CONF" token open "$_token" 2>/dev/null | grep -q "address=$R_OK" ||
		fail "the token does not open to $R_OK"
	new_log_lines
	step_verdict 5 "it arrived with List-Unsubscribe, a VERP and three signatures that verify"
}

# shop_url MESSAGE-FILE: the https URL in the List-Unsubscribe header of a message as it arrived.
shop_url() {
	"$PY" -c 'import email, re, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"))
print(re.search(r"<(https://[^>]+)>", m["List-Unsubscribe"]).group(1))' "$1"
}

# step_unsubscribe: the List-Unsubscribe URL of step 5's message POSTed to unsubd, as Gmail does.
step_unsubscribe() {
	heading "6. One click closes the loop: bulkguard-unsubd"
	if [ -z "${SHOP_MSG:-}" ]; then
		fail "no message from step 5"
		step_verdict 6 "the one-click POST unsubscribes bob from shop"
		return
	fi
	_url=$(shop_url "$SHOP_MSG")
	_path=${_url#https://u.esp.example}
	_short="${_path%"${_path#??????????????????}"}..."
	note "  Bob clicks \"unsubscribe\" in his mailbox. The provider POSTs, as RFC 8058 says,"
	note "  List-Unsubscribe=One-Click to the URL of the message as it arrived:"
	note "    $(printf '%s' "$_url" | cut -c1-90)..."
	note "  The TLS proxy for u.esp.example passes the path to bulkguard-unsubd. A link scanner's"
	note "  GET comes first; it only gets a page with a button:"
	note ""
	note "  \$ curl -s http://127.0.0.1:$UNSUB_PORT$_short"
	_page=$("$CURL" -s -w '\n%{http_code}' "http://127.0.0.1:$UNSUB_PORT$_path" 2>&1)
	printf '      HTTP %s  "%s"\n' "$(printf '%s' "$_page" | tail -n 1)" \
		"$(printf '%s' "$_page" | sed -n 's|.*<p>\([^<]*\)</p>.*|\1|p' | head -n 1)"
	check "GET of the URL" "$(printf '%s' "$_page" | tail -n 1)" 200
	check "bob's record after the GET" "$(rcli HGET "bg:rcpt:$R_OK" suppress:shop)" ""
	note ""
	note "  \$ curl -s -d List-Unsubscribe=One-Click http://127.0.0.1:$UNSUB_PORT$_short"
	_page=$("$CURL" -s -w '\n%{http_code}' -d List-Unsubscribe=One-Click "http://127.0.0.1:$UNSUB_PORT$_path" 2>&1)
	printf '      HTTP %s  "%s"\n' "$(printf '%s' "$_page" | tail -n 1)" \
		"$(printf '%s' "$_page" | sed -n 's|.*<p>\([^<]*\)</p>.*|\1|p' | head -n 1)"
	check "one-click POST" "$(printf '%s' "$_page" | tail -n 1)" 200
	note ""
	note "  bulkguard-unsubd's log:"
	new_lines "$UNSUBD_LOG" 's/^bulkguard-unsubd: //; s|\(/u/.\{12\}\)[^ ]*|\1...|'
	note ""
	printf '    %-20s %s\n' RECIPIENT "bg:rcpt:<address> IN REDIS" "$R_OK" "$(record "$R_OK")"
	check "bob's suppression for shop" "$(rcli HGET "bg:rcpt:$R_OK" suppress:shop)" "unsubscribe "
	note ""
	note "  shop's next newsletter to bob (acme's mail still reaches him: the suppression is shop's):"
	submit "shop summer sale" news+sale@shop.example \
		"$R_OK=550 5.7.1 <$R_OK>: recipient suppressed (unsubscribe)"
	want_data no
	note ""
	note "  milter log:"
	new_log_lines
	step_verdict 6 "a GET changed nothing; the one-click POST suppressed bob for shop; shop's next newsletter was refused at RCPT"
}

# dsn_body FINAL-RECIPIENT STATUS: an RFC 3464 report body (after the headers smtp_send.py writes).
dsn_body() {
	printf -- '--B\nContent-Type: text/plain\n\nI could not deliver your message.\n\n'
	printf -- '--B\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.com\n\n'
	printf 'Final-Recipient: rfc822; %s\nAction: failed\nStatus: %s\nDiagnostic-Code: smtp; 550 %s mailbox unavailable\n\n--B--\n' "$1" "$2" "$2"
}

# step_bounce: a 5.1.1 from the receiving side comes back to the VERP; a forged bounce does nothing.
step_bounce() {
	heading "7. A bounce closes the loop: Postfix's DSN to the VERP, bulkguard-feedback"
	note "  Erin subscribed to shop; her mailbox has since been closed. gone.example's receiver"
	note "  (127.0.0.1:$GONE_PORT) answers every RCPT with 550 5.1.1."
	note ""
	op "redis-cli -p $REDIS_PORT HSET bg:rcpt:$R_GONE consent:shop \"confirmed $NOW 203.0.113.9 checkout\""
	submit "shop weekly deals" news+sale@shop.example "$R_GONE=250 "
	want_data yes
	note ""
	note "  Postfix delivers, gone.example refuses, Postfix sends its DSN from the null sender to"
	note "  the message's VERP, and transport_maps routes bounce.esp.example to bulkguard-feedback:"
	wait_for 15 '[ -n "$(rcli HGET "bg:rcpt:$R_GONE" suppress)" ]' || fail "no suppression for $R_GONE"
	wait_delivered
	maillog_lines "to=<$R_GONE>|from=<>|non-delivery|relay=bgfeedback"
	_verp=$(sed -n "s/.*from=<\(b2-[^>]*-erin=gone.example@bounce.esp.example\)>.*/\1/p" "$PF_LOG" | head -n 1)
	note ""
	note "  the message had left with erin's VERP as its return path:"
	ctl_op verp open "$_verp"
	check "erin's VERP" "$("$CTL" -c "$MILTER_CONF" verp open "$_verp" 2>&1)" "recipient=$R_GONE entity=shop"
	grep -q "to=<$R_GONE>.*status=bounced.*550 5.1.1" "$PF_LOG" || fail "Postfix did not log the 5.1.1 bounce"
	_dsn_to=$(sed -n 's/.*to=<\(b2-[^>]*\)>.*relay=bgfeedback.*status=sent.*/\1/p' "$PF_LOG" | tail -n 1)
	check "the DSN's recipient" "$_dsn_to" "$_verp"
	note ""
	note "  bulkguard-feedback's log (pipe(8) ran it as nobody):"
	new_lines "$FEEDBACK_LOG" 's/^bulkguard-feedback: //'
	note ""
	printf '    %-20s %s\n' RECIPIENT "bg:rcpt:<address> IN REDIS" "$R_GONE" "$(record "$R_GONE")"
	check "erin's suppression" "$(rcli HGET "bg:rcpt:$R_GONE" suppress)" "bounce "
	note ""
	note "  shop's next newsletter to erin:"
	submit "shop autumn sale" news+sale@shop.example "$R_GONE=550 5.7.1 <$R_GONE>: recipient suppressed (bounce)"
	want_data no
	note ""
	note "  A forged bounce: someone who saw erin's VERP writes carol's address into one like it"
	note "  and sends a 5.1.1 report for carol from the null sender to the port 25 service."
	_forged=$(printf '%s' "$_verp" | sed "s/-erin=gone\.example@/-carol=example.com@/")
	dsn_body "$R_NONE" 5.1.1 >"$BG_TMP/forged.txt"
	"$PY" "$SEND" --port "$MX_PORT" --from "" --rcpt "$_forged" --subject "Undelivered Mail Returned to Sender" \
		--header "From: MAILER-DAEMON@mx.example.com" \
		--header 'Content-Type: multipart/report; report-type=delivery-status; boundary="B"' \
		--body-file "$BG_TMP/forged.txt" >"$OUT" 2>&1
	note "    MAIL FROM:<>  RCPT TO:<$_forged>"
	note "    -> $(reply RCPT "$_forged"), message $(reply DATA)"
	check "the forged bounce's DATA" "$(reply DATA)" "250 "
	wait_for 15 '[ -n "$(rcli HGET bg:unverified bad-mac)" ]' || fail "the forged bounce was not counted"
	wait_delivered
	note ""
	note "  bulkguard-feedback's log:"
	new_lines "$FEEDBACK_LOG" 's/^bulkguard-feedback: //'
	note ""
	op "redis-cli -p $REDIS_PORT HGETALL bg:unverified"
	printf '    %-20s %s\n' RECIPIENT "bg:rcpt:<address> IN REDIS" "$R_NONE" "$(record "$R_NONE")"
	check "the bad-mac count" "$(rcli HGET bg:unverified bad-mac)" 1
	check "carol's record" "$(record "$R_NONE")" "(no record)"
	note ""
	note "  carol's next receipt from acme (refused only if she were dead):"
	submit "acme receipt 1002" receipts@acme.example "$R_NONE=250 "
	want_data yes
	skip_lines "$MILTER_LOG"
	step_verdict 7 "the 5.1.1 came back to the VERP, feedback suppressed erin and shop's next newsletter was refused; the forged bounce wrote nothing, was counted in bg:unverified, and carol still gets her receipt"
}

# sink_client RCPT SUBJECT: the client address and HELO name the receiver saw for RCPT's copy of SUBJECT.
sink_client() {
	for _f in $(grep -l "^X-Demo: $2\$" "$SINK_DIR"/m.* 2>/dev/null); do
		grep -qi "^X-Rcpt-Args: <$1>" "$_f" || continue
		printf '%s %s\n' "$(sed -n 's/^X-Client-Addr: //p' "$_f" | head -n 1)" \
			"$(sed -n 's/^X-Helo-Args: //p' "$_f" | head -n 1)"
	done | sort -u | tr '\n' ' ' | sed 's/ $//'
}

# step_pools: bulkguard-policyd in the same Postfix: a per-destination limit, the pools' addresses.
step_pools() {
	heading "8. The pools pace the mail: bulkguard-policyd"
	note "  Postfix asks bulkguard-policyd at every RCPT of the submission service (before the milter)."
	note "  Acme's mail leaves from pool shared-a (127.0.0.2), its mandated notices from pool notify"
	note "  (127.0.0.3); pool shared-a may send 3 messages a minute to the destination group bigmail."
	note "  The transports Postfix needs, as bulkguard-ctl prints them (and as this Postfix runs them):"
	note ""
	note "  \$ bulkguard-ctl -c bulkguard.conf postfix-config master"
	"$CTL" -c "$MILTER_CONF" postfix-config master 2>&1 | sed 's/^/      /'
	note "  \$ bulkguard-ctl -c bulkguard.conf postfix-config main"
	"$CTL" -c "$MILTER_CONF" postfix-config main 2>&1 | grep -v '^#' | sed 's/^/      /'
	"$CTL" -c "$MILTER_CONF" postfix-config master 2>/dev/null | grep -q '^bg-notify-1 .*smtp_bind_address=127.0.0.3' ||
		fail "postfix-config does not print pool notify's transport"
	note ""
	op "for u in ann ben cat dan eve; do redis-cli -p $REDIS_PORT HSET bg:rcpt:\$u@bigmail.example consent:acme \"confirmed $NOW 198.51.100.9 signup-form\"; done | paste -sd' '"
	note ""
	_rl="Recipient address rejected: Rate limit for pool shared-a to bigmail reached, retry in"
	submit "acme weekly newsletter (bigmail)" news@acme.example \
		"ann@bigmail.example=250 " "ben@bigmail.example=250 " "cat@bigmail.example=250 " \
		"dan@bigmail.example=450 4.7.1 <dan@bigmail.example>: $_rl" \
		"eve@bigmail.example=450 4.7.1 <eve@bigmail.example>: $_rl"
	want_data yes
	note ""
	note "  (the application keeps dan's and eve's copies and tries again after the time given)"
	note ""
	submit "acme recall notice" notice@acme.example "ann@bigmail.example=250 " "dan@bigmail.example=250 "
	want_data yes
	wait_delivered
	note ""
	note "  policyd's log (it logs what it defers):"
	new_lines "$POLICYD_LOG" 's/^bulkguard-policyd: //'
	note ""
	note "  Postfix's log: the answers at RCPT, and the transports that delivered:"
	maillog_lines "bigmail" | grep -E 'FILTER|reject:|status='
	note ""
	note "  where each copy came from (the receiver's X-Client-Addr and X-Helo-Args):"
	printf '    %-34s %-22s %s\n' MESSAGE RECIPIENT "FROM (address, HELO)"
	for _a in ann ben cat dan eve; do
		_c=$(sink_client "$_a@bigmail.example" "acme weekly newsletter (bigmail)")
		printf '    %-34s %-22s %s\n' "acme weekly newsletter (bigmail)" "$_a@bigmail.example" "${_c:-(not delivered)}"
		case $_a in
		ann | ben | cat) check "the newsletter to $_a" "$_c" "127.0.0.2 bulk.esp.example" ;;
		*) check "the newsletter to $_a" "$_c" "" ;;
		esac
	done
	for _a in ann dan; do
		_c=$(sink_client "$_a@bigmail.example" "acme recall notice")
		printf '    %-34s %-22s %s\n' "acme recall notice" "$_a@bigmail.example" "${_c:-(not delivered)}"
		check "the recall notice to $_a" "$_c" "127.0.0.3 notice.esp.example"
	done
	skip_lines "$MILTER_LOG"
	step_verdict 8 "3 of 5 recipients accepted and sent from 127.0.0.2, the excess deferred with 450 4.7.1; the recall notice left from pool notify's 127.0.0.3"
}

step_suspend() {
	heading "9. Suspending acme's bulk mail while the breach notice runs"
	op "redis-cli -p $REDIS_PORT SET bg:suspend:acme \"breach notice running\""
	note ""
	submit "acme weekly newsletter #2" news@acme.example \
		"$R_OK=451 4.7.1 bulk mail of acme suspended"
	want_data no
	note ""
	submit "acme security notice #2" notice@acme.example "$R_OK=250 " "$R_UNSUB=250 "
	want_data yes
	wait_delivered
	note ""
	note "  copies each recipient received:"
	deliveries_head
	show_deliveries "acme weekly newsletter #2"
	show_deliveries "acme security notice #2" "$R_UNSUB" "$R_OK"
	note ""
	op "redis-cli -p $REDIS_PORT DEL bg:suspend:acme"
	note ""
	note "  milter log:"
	new_log_lines
	step_verdict 9 "the newsletter waits (451 4.7.1), the notice goes out"
}

step_redis_down() {
	heading "10. Redis goes away: fail closed"
	note "  (this Redis keeps nothing on disk by itself; SAVE first so a restart finds the records)"
	op "redis-cli -p $REDIS_PORT SAVE"
	note "  kill -9 redis-server"
	redis_stop
	note ""
	note "  acme has a pool, so policyd answers first; shop has none, so the milter does:"
	submit "acme weekly newsletter #3" news@acme.example \
		"$R_OK=450 4.3.0 <$R_OK>: Recipient address rejected: Policy unavailable, try again later"
	want_data no
	note ""
	submit "shop winter sale" news+sale@shop.example \
		"$R_UNSUB=451 4.3.0 Recipient policy unavailable, try again later"
	want_data no
	pid_alive "$MILTER_PID" || fail "bulkguard-milter died with Redis"
	pid_alive "$POLICYD_PID" || fail "bulkguard-policyd died with Redis"
	note ""
	note "  redis-server started again on port $REDIS_PORT"
	redis_start "$REDIS_PORT" || fail "redis-server did not restart"
	note "  (policyd reconnects by itself every half second; the milter at its next lookup)"
	wait_for 5 '[ "$(rcli CLIENT LIST | grep -vc "cmd=client")" -ge 1 ]' || fail "policyd did not reconnect"
	note ""
	submit "acme weekly newsletter #4" news@acme.example \
		"$R_OK=250 " \
		"$R_UNSUB=550 5.7.1 <$R_UNSUB>: recipient suppressed (unsubscribe)"
	want_data yes
	wait_delivered
	note ""
	note "  copies each recipient received:"
	deliveries_head
	show_deliveries "acme weekly newsletter #3"
	show_deliveries "shop winter sale"
	show_deliveries "acme weekly newsletter #4" "$R_OK"
	note ""
	note "  logs:"
	new_lines "$POLICYD_LOG" 's/^bulkguard-policyd: /policyd: /'
	new_lines "$MILTER_LOG" 's/^bulkguard-milter: /milter:  /'
	step_verdict 10 "policyd and the milter deferred (4.3.0) and accepted nothing; both recovered by themselves"
}

# operator_view: what bulkguard-ctl shows for everyone the demo touched, checked.
operator_view() {
	note ""
	note "  What the operator sees now, for the people the demo touched:"
	note "  \$ bulkguard-ctl -c bulkguard.conf suppress show ADDRESS"
	for _a in "$R_UNSUB" "$R_DEAD" "$R_OK" "$R_NONE" "$R_GONE" ann@bigmail.example dan@bigmail.example; do
		"$CTL" -c "$MILTER_CONF" suppress show "$_a" >"$BG_TMP/show.out" 2>&1
		_st=$?
		[ "$_st" -eq 0 ] || sed -i "\$s/\$/ (exit $_st)/" "$BG_TMP/show.out"
		printf '%s\n' "$_a" | cat - "$BG_TMP/show.out" | awk 'NR == 1 { a = $0; next } { printf "    %-20s %s\n", a, $0; a = "" }'
		case $_a in
		"$R_UNSUB") _want="suppress global reason=unsubscribe" ;;
		"$R_DEAD") _want="suppress global reason=bounce" ;;
		"$R_OK") _want="suppress shop reason=unsubscribe .*source=one-click" ;;
		"$R_GONE") _want="suppress global reason=bounce .*source=dsn-5.1.1" ;;
		"$R_NONE") _want="bulkguard-ctl: suppress show: no suppression or consent recorded .*(exit 1)" ;;
		*) _want="consent acme level=confirmed" ;;
		esac
		grep -q "^$_want" "$BG_TMP/show.out" || fail "bulkguard-ctl shows no \"$_want\" for $_a"
	done
	note ""
	op "redis-cli -p $REDIS_PORT HGETALL bg:unverified"
	check "bg:unverified" "$(rcli HGETALL bg:unverified | paste -sd' ' -)" "bad-mac 1"
}

step_summary() {
	heading "Summary"
	_secs=$(($(date +%s) - T0))
	[ "$FAILS" -eq 0 ] && cat <<EOF | tr '\n' ' ' | fold -s -w 76 | sed 's/ *$//; s/^/  /'
A real Postfix asked bulkguard-policyd and bulkguard-milter about every
recipient, and the milter answered from one Redis hash per address written
with plain redis-cli. Acme's bulk newsletter reached only $R_OK, the one
recipient with confirmed consent; the unsubscribed, the bounced and the
unknown were refused with a reply naming the address and the reason. The
mandated breach notice and the receipt skipped the unsubscribe and the missing
consent but never went to the bounced address. Shop's newsletter left with a
List-Unsubscribe whose token bulkguard-ctl opens to its one recipient, a VERP
return path, and three DKIM signatures that an independent verifier accepts.
The loop closed twice without anyone touching Redis: the one-click POST of
that URL made bulkguard-unsubd suppress bob for shop, and a 5.1.1 refusal came
back as Postfix's DSN to the VERP, through bulkguard-feedback, so shop's next
newsletters to bob and erin were refused at RCPT; a forged bounce for carol
wrote nothing and was counted in bg:unverified. Policyd deferred what pool
shared-a may not send to bigmail yet (450 4.7.1, with the time to wait) and
sent acme's recall notice from pool notify's address. Setting bg:suspend:acme
made bulk mail wait (451 4.7.1) while the breach notice still went out. With
Redis gone policyd and the milter deferred (4.3.0) instead of accepting
anything, and they recovered by themselves when Redis came back. Only accepted
recipients arrived at the receiver, each exactly once. The demo took $_secs s.
EOF
	[ "$FAILS" -eq 0 ] && echo
	operator_view
}

# ------------------------------------------------------------------------ main

printf 'bulkguard demo: Postfix + bulkguard-milter, -policyd, -unsubd, -feedback + Redis on 127.0.0.1 (%s)\n' \
	"$(date '+%Y-%m-%d %H:%M:%S')"
step_start
step_recipients
step_classes
step_delivery
step_message
step_unsubscribe
step_bounce
step_pools
step_suspend
step_redis_down
step_summary
if [ "$FAILS" -eq 0 ]; then
	note ""
	note "RESULT: every step went as expected."
	exit 0
fi
note ""
note "RESULT: $FAILS unexpected outcome(s): see the lines marked '!!' above."
note "  postfix log (last lines):"
tail -n 15 "$PF_LOG" 2>/dev/null | sed 's/^/    /'
exit 1
