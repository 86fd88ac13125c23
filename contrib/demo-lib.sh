# demo-lib.sh - what contrib/demo.sh uses to run its steps (sourced, after tests/lib/*.sh).
#
# Output (headings, commands as an operator types them, one verdict line per
# step), sending mail through the private Postfix and reading each SMTP reply,
# counting what the receiver kept, the new lines of each log, and starting and
# stopping everything: the keys, the one bulkguard.conf, the daemons, the two
# receivers and the Postfix instance, or with --keep, the stop.sh and the
# commands to talk to each part.

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
	# acme's application sends its own one-click pair (keep_unsubscribe): bulk mail never leaves without one
	case $_from in
	*@acme.example) set -- "$@" --header "List-Unsubscribe: <https://acme.example/u/demo>" \
		--header "List-Unsubscribe-Post: List-Unsubscribe=One-Click" ;;
	esac
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
  keep_unsubscribe      = true                        # its application adds its own one-click pair
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
