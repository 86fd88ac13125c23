#!/bin/sh
# demo.sh BUILD_DIR [--keep] - the whole of bulkguard on loopback, with sample mail.
#
# Run by `contrib/quickstart demo [--keep]`. Starts, under one temporary
# directory, a private redis-server, bulkguard-milter (unix socket) and a
# private Postfix instance that relays everything it accepts to an smtp-sink
# receiver (tests/lib/*.sh; never the system's Postfix or Redis, never port 25).
# Loads sample recipients with redis-cli, submits bulk, mandated and
# transactional mail, shows a newsletter as it arrived (List-Unsubscribe with a
# token bulkguard-ctl opens, VERP, DKIM signatures python3-dkim verifies),
# suspends the entity's bulk mail, stops Redis, and prints what happened to
# each recipient. Everything is stopped at the end; with
# --keep it stays up and the commands to talk to it and stop it are printed.
#
# Exit status: 0 when every step went as expected, 1 otherwise (the demo is a
# smoke test too), 64 for bad usage.

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
OUT=$BG_TMP/smtp.out
FAILS=0
T0=$(date +%s)
NOW=$T0
LOG_SEEN=0

# the sample recipients: address and what Redis knows about them
R_UNSUB=alice@example.com
R_DEAD=dave@example.com
R_OK=bob@example.com
R_NONE=carol@example.com
ALL="$R_UNSUB $R_DEAD $R_OK $R_NONE"

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

# delivered SUBJECT ADDR: prints how many times ADDR received the message SUBJECT at the sink.
delivered() {
	_n=0
	for _f in "$SINK_DIR"/m.*; do
		[ -f "$_f" ] && grep -qxF "X-Demo: $1" "$_f" || continue
		_n=$((_n + $(awk -v want="x-rcpt-args: <$2>" 'index(tolower($0), want) == 1 { n++ } END { print n + 0 }' "$_f")))
	done
	echo "$_n"
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

# new_log_lines: the milter's log lines written since the last call, without the program name.
new_log_lines() {
	_total=$(wc -l <"$MILTER_LOG")
	tail -n +"$((LOG_SEEN + 1))" "$MILTER_LOG" | sed 's/^bulkguard-milter: //; s/^/    /'
	LOG_SEEN=$_total
}

# -------------------------------------------------------------- start and stop

# keep_info: with --keep, writes $BG_TMP/stop.sh and prints how to use what is left running.
keep_info() {
	_redis_pid=$(cat "$BG_TMP/redis-$REDIS_PORT.pid" 2>/dev/null)
	_master=$(pf_master_pid)
	cat >"$BG_TMP/stop.sh" <<EOF
#!/bin/sh
# stop.sh - stops what 'contrib/demo.sh --keep' left running and removes $BG_TMP.
$POSTFIX -c $PF_DIR/etc stop 2>/dev/null
kill -TERM ${MILTER_PID:-0} 2>/dev/null
# libmilter notices SIGTERM when a connection wakes its listener
$PY -c 'import socket; s = socket.socket(socket.AF_UNIX); s.settimeout(1); s.connect("$MILTER_SOCK_PATH")' 2>/dev/null
kill -TERM ${SINK_PID:-0} 2>/dev/null
kill -TERM ${_redis_pid:-0} 2>/dev/null
for i in \$(seq 1 100); do
	alive=
	for p in ${_master:-0} ${MILTER_PID:-0} ${SINK_PID:-0} ${_redis_pid:-0}; do
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
	printf '  %-16s %s\n' \
		"directory" "$BG_TMP" \
		"redis-server" "pid ${_redis_pid:-?}, 127.0.0.1:$REDIS_PORT" \
		"bulkguard-milter" "pid ${MILTER_PID:-?}, $MILTER_SOCK, config $MILTER_CONF" \
		"postfix master" "pid ${_master:-?}, smtpd on 127.0.0.1:$PF_PORT, config $PF_DIR/etc" \
		"smtp-sink" "pid ${SINK_PID:-?}, 127.0.0.1:$SINK_PORT, one file per message in $SINK_DIR"
	cat <<EOF

  look a recipient up, change it:
    redis-cli -p $REDIS_PORT HGETALL bg:rcpt:$R_OK
    redis-cli -p $REDIS_PORT HSET bg:rcpt:$R_NONE consent:acme "confirmed \$(date +%s) 192.0.2.1 web"
    redis-cli -p $REDIS_PORT DEL bg:suspend:acme
  send a message (prints every SMTP reply):
    $PY $SEND --port $PF_PORT --from news@acme.example --rcpt $R_OK --rcpt $R_NONE
  logs:
    milter   $MILTER_LOG
    postfix  $PF_LOG
    postfix  postqueue -c $PF_DIR/etc -p      (the queue)
  reload the milter after editing its config:  kill -HUP ${MILTER_PID:-?}
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

# make_keys: DKIM keys (RSA-2048, Ed25519), their DNS records for the verifier, a token key file.
make_keys() {
	DKIM_DIR=$BG_TMP/keys
	mkdir -p "$DKIM_DIR"
	openssl genpkey -algorithm rsa -pkeyopt rsa_keygen_bits:2048 -out "$DKIM_DIR/shop.pem" 2>/dev/null &&
		openssl genpkey -algorithm ed25519 -out "$DKIM_DIR/shop.ed25519" &&
		openssl genpkey -algorithm rsa -pkeyopt rsa_keygen_bits:2048 -out "$DKIM_DIR/esp.pem" 2>/dev/null || return 1
	printf '1 %s\n' "$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')" >"$DKIM_DIR/token.keys"
	chmod 600 "$DKIM_DIR"/*
	{
		echo "bg1._domainkey.shop.example v=DKIM1; k=rsa; p=$(openssl pkey -in "$DKIM_DIR/shop.pem" -pubout -outform DER | base64 -w0)"
		echo "bg1e._domainkey.shop.example v=DKIM1; k=ed25519; p=$(openssl pkey -in "$DKIM_DIR/shop.ed25519" -pubout -outform DER | tail -c 32 | base64 -w0)"
		echo "s2026._domainkey.esp.example v=DKIM1; k=rsa; p=$(openssl pkey -in "$DKIM_DIR/esp.pem" -pubout -outform DER | base64 -w0)"
	} >"$DKIM_DIR/records"
}

# start_all: Redis, the milter, the receiver and Postfix, all under $BG_TMP.
start_all() {
	for _p in "$MILTER_BIN" "$POSTFIX" "$SMTP_SINK" "$REDIS_SERVER" "$REDIS_CLI" "$PY"; do
		command -v "$_p" >/dev/null 2>&1 || { echo "demo: $_p not found (contrib/quickstart install)" >&2; exit 1; }
	done
	redis_start || { echo "demo: redis-server did not start" >&2; exit 1; }
	make_keys || { echo "demo: openssl could not make keys" >&2; exit 1; }
	milter_conf <<EOF
unsubscribe { key_file = "$DKIM_DIR/token.keys" }   # seals the tokens in List-Unsubscribe
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
  return_path_domain = "bounce.esp.example"
  dkim { domain = "shop.example" selector = "bg1"  key = "$DKIM_DIR/shop.pem" }
  dkim { domain = "shop.example" selector = "bg1e" key = "$DKIM_DIR/shop.ed25519" algorithm = "ed25519-sha256" }
}
# the sending party of sections 2 to 4: a brand whose mail comes from @acme.example
entity "acme" {
  sender_domains        = { "acme.example" }          # envelope sender domain -> entity acme
  consent               = "confirmed"                 # bulk mail needs double opt-in consent
  mandated_senders      = { "notice@acme.example" }   # breach/recall notices: reach unsubscribers
  transactional_senders = { "receipts@acme.example" } # receipts: only dead addresses refused
}
EOF
	# stdout away from the caller: a --keep milter must not hold a pipe open
	milter_start >/dev/null || exit 1
	# stop it at once at the end (libmilter otherwise notices SIGTERM only every 5 s)
	at_exit 'milter_proc_stop "$MILTER_PID" "$MILTER_SOCK_PATH"; MILTER_PID='
	sink_start || { echo "demo: smtp-sink did not start" >&2; exit 1; }
	postfix_start "$MILTER_SOCK" || exit 1
}

# ---------------------------------------------------------------------- steps

step_start() {
	heading "1. Starting everything under $BG_TMP"
	start_all
	printf '  %-18s %s\n' \
		"redis-server" "127.0.0.1:$REDIS_PORT (private, no persistence)" \
		"bulkguard-milter" "$MILTER_SOCK (pid $MILTER_PID)" \
		"postfix smtpd" "127.0.0.1:$PF_PORT, relays to the receiver" \
		"smtp-sink" "127.0.0.1:$SINK_PORT (the receiver; keeps each message)"
	note ""
	note "  Postfix main.cf, milter settings:"
	postconf -c "$PF_DIR/etc" smtpd_milters milter_default_action milter_protocol | sed 's/^/    /'
	note ""
	note "  bulkguard configuration ($MILTER_CONF):"
	sed 's/^/    /' "$MILTER_CONF"
	"$MILTER_BIN" -n -c "$MILTER_CONF" >"$BG_TMP/check.out" 2>&1 || fail "$(cat "$BG_TMP/check.out")"
	note ""
	note "  $ bulkguard-milter -n -c bulkguard.conf"
	sed 's/^/      /' "$BG_TMP/check.out"
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
}

# step_oneclick: a brand with one-click unsubscribe, VERP and DKIM; the message as it arrived.
step_oneclick() {
	heading "5. What leaves with the mail: one-click unsubscribe, VERP, DKIM"
	note "  Entity \"shop\" has unsubscribe_url, return_path_domain and two DKIM keys (RSA-2048 and"
	note "  Ed25519); the platform signs everything too (esp block). One newsletter to $R_OK:"
	note ""
	op "redis-cli -p $REDIS_PORT HSET bg:rcpt:$R_OK consent:shop \"confirmed $NOW 198.51.100.7 checkout\""
	submit "shop spring sale" news+sale@shop.example "$R_OK=250 "
	want_data YES
	wait_delivered
	_msg=$(grep -l '^Subject: shop spring sale' "$SINK_DIR"/m.* 2>/dev/null | head -n 1)
	[ -n "$_msg" ] || { fail "the shop newsletter did not arrive"; return; }
	note ""
	note "  as it arrived (envelope and the headers bulkguard added, values cut at 100 characters):"
	grep -E '^(X-Mail-Args|X-Rcpt-Args):' "$_msg" | sed 's/^/    /'
	"$PY" - "$_msg" <<'PYEOF' | sed 's/^/    /'
import email, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"))
for name in ("DKIM-Signature", "From", "Subject", "List-Unsubscribe", "List-Unsubscribe-Post", "Feedback-ID"):
    for v in m.get_all(name) or []:
        v = " ".join(str(v).split())
        print("%s: %s" % (name, v if len(v) <= 100 else v[:97] + "..."))
PYEOF
	note ""
	note "  an independent verifier (python3-dkim, offline, with the keys' DNS records):"
	"$PY" "$BG_SRC/tests/lib/dkim_verify.py" "$_msg" "$DKIM_DIR/records" >"$BG_TMP/verify.out" 2>&1 ||
		fail "a DKIM signature did not verify"
	sed 's/^/    signature /' "$BG_TMP/verify.out"
	_token=$("$PY" -c 'import email,re,sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"))
print(re.search(r"/u/([A-Za-z0-9_-]+)>", m["List-Unsubscribe"]).group(1))' "$_msg")
	note ""
	note "  \$ bulkguard-ctl -c bulkguard.conf token open ${_token%"${_token#????????????}"}..."
	"$BG_BUILD/ctl/bulkguard-ctl" -c "$MILTER_CONF" token open "$_token" 2>&1 | sed 's/^/      /'
	"$BG_BUILD/ctl/bulkguard-ctl" -c "$MILTER_CONF" token open "$_token" 2>/dev/null | grep -q "address=$R_OK" ||
		fail "the token does not open to $R_OK"
	new_log_lines
}

step_suspend() {
	heading "6. Suspending acme's bulk mail while the breach notice runs"
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
}

step_redis_down() {
	heading "7. Redis goes away: fail closed"
	note "  (this Redis keeps nothing on disk by itself; SAVE first so a restart finds the records)"
	op "redis-cli -p $REDIS_PORT SAVE"
	note "  kill -9 redis-server"
	redis_stop
	note ""
	submit "acme weekly newsletter #3" news@acme.example \
		"$R_OK=451 4.3.0 Recipient policy unavailable, try again later"
	want_data no
	pid_alive "$MILTER_PID" || fail "bulkguard-milter died with Redis"
	note ""
	note "  redis-server started again on port $REDIS_PORT"
	redis_start "$REDIS_PORT" || fail "redis-server did not restart"
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
	show_deliveries "acme weekly newsletter #4" "$R_OK"
	note ""
	note "  milter log:"
	new_log_lines
}

step_summary() {
	heading "Summary"
	_secs=$(($(date +%s) - T0))
	cat <<EOF | tr '\n' ' ' | fold -s -w 76 | sed 's/ *$//; s/^/  /'
A real Postfix asked bulkguard-milter about every recipient, and the milter
answered from one Redis hash per address written with plain redis-cli. Acme's
bulk newsletter reached only $R_OK, the one recipient with confirmed consent;
the unsubscribed, the bounced and the unknown were refused with a reply naming
the address and the reason. The mandated breach notice and the receipt skipped
the unsubscribe and the missing consent but never went to the bounced address.
Shop's newsletter left with a List-Unsubscribe whose token bulkguard-ctl opens
to its one recipient, a VERP return path, and three DKIM signatures that an
independent verifier accepts. Setting bg:suspend:acme made bulk mail wait (451 4.7.1) while the breach notice
still went out. With Redis gone the milter deferred (451 4.3.0) instead of
accepting anything, and it recovered by itself when Redis came back. Only
accepted recipients arrived at the receiver, each exactly once. The demo took
$_secs s.
EOF
	echo
}

# ------------------------------------------------------------------------ main

printf 'bulkguard demo: Postfix + bulkguard-milter + Redis on 127.0.0.1 (%s)\n' "$(date '+%Y-%m-%d %H:%M:%S')"
step_start
step_recipients
step_classes
step_delivery
step_oneclick
step_suspend
step_redis_down
if [ "$FAILS" -eq 0 ]; then
	step_summary
	note ""
	note "RESULT: every step went as expected."
	exit 0
fi
note ""
note "RESULT: $FAILS unexpected outcome(s): see the lines marked '!!' above."
note "  postfix log (last lines):"
tail -n 15 "$PF_LOG" 2>/dev/null | sed 's/^/    /'
exit 1
