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
# The helpers (output, sending, logs, start and stop) are in contrib/demo-lib.sh.
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
. "$BG_SRC/contrib/demo-lib.sh"
trap demo_exit EXIT

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
	note ""
	note "  The counters the reputation brakes read (bg:stat:, written only from verified origins):"
	ctl_op stats --entity shop
	_stats=$("$CTL" -c "$MILTER_CONF" stats --entity shop 2>&1)
	case $_stats in
	*unsub-one-click=1*) ;;
	*) fail "bulkguard-ctl stats shows no unsub-one-click=1 for shop" ;;
	esac
	case $_stats in
	*bounce-dead=1*) ;;
	*) fail "bulkguard-ctl stats shows no bounce-dead=1 for shop" ;;
	esac
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
