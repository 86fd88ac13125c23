-- unknown.lua - no mail escapes the gate (issue 9): mail of no entity under unknown_sender = $UNKNOWN_MODE.
dofile(os.getenv("BG_LUA") .. "/common.lua")

local mode = os.getenv("UNKNOWN_MODE")
local UNKNOWN = "550 5.7.1 sender is not a known entity"
local function supp(a, why) return "550 5.7.1 <" .. a .. ">: recipient suppressed (" .. why .. ")" end

T.ok(T.redis("HSET bg:rcpt:dead@d.example suppress bounce"), "setup: a bounced address")
T.ok(T.redis("HSET bg:rcpt:inv@d.example suppress \"invalid 1763800000\""), "setup: an invalid address")
T.ok(T.redis("HSET bg:rcpt:unsub@d.example suppress unsubscribe"), "setup: an unsubscribed address")
T.ok(T.redis("HSET bg:rcpt:compl@d.example suppress complaint"), "setup: a complainer")

local conn = T.connect()
if mode == "accept" then
  for _, from in ipairs({ "<someone@unknown.example>", "<>" }) do
    T.ok(T.mail(conn, from) == SMFIR_CONTINUE, from .. ": MAIL accepted")
    T.refuses(conn, "<dead@d.example>", supp("dead@d.example", "bounce"), from .. ": bounced address refused")
    T.refuses(conn, "<inv@d.example>", supp("inv@d.example", "invalid"), from .. ": invalid address refused")
    T.accepts(conn, "<unsub@d.example>", from .. ": unsubscribed address accepted (transactional semantics)")
    T.accepts(conn, "<compl@d.example>", from .. ": complainer accepted (transactional semantics)")
    T.accepts(conn, "<new@d.example>", from .. ": no consent needed")
    T.refuses(conn, "<a@@d.example>", "550 5.1.3 <a@@d.example>: bad recipient address syntax", from .. ": bad syntax refused")
    mt.abort(conn)
  end
  T.ok(T.redisctl("stop"), "redis killed")
  T.ok(T.mail(conn, "<someone@unknown.example>") == SMFIR_CONTINUE, "redis down: MAIL")
  T.refuses(conn, "<new@d.example>", "451 4.3.0 Recipient policy unavailable, try again later",
    "redis down: mail of no entity is a temporary failure, never an accept")
  mt.abort(conn)
  T.ok(T.redisctl("start"), "redis back")
elseif mode == "reject" then
  T.mail_refused(conn, "<someone@unknown.example>", UNKNOWN, "unknown domain refused at MAIL")
  T.mail_refused(conn, "<>", UNKNOWN, "null sender refused at MAIL")
  T.mail_refused(conn, "<news@acme.example>", UNKNOWN, "unlisted login refused at MAIL", "intruder")
  T.ok(T.mail(conn, "<news@acme.example>") == SMFIR_CONTINUE, "an entity's sender still passes MAIL")
  mt.abort(conn)
elseif mode == "pass" then
  for _, from in ipairs({ "<someone@unknown.example>", "<>" }) do
    T.ok(T.mail(conn, from) == SMFIR_CONTINUE, from .. ": MAIL accepted")
    T.accepts(conn, "<dead@d.example>", from .. ": unknown_sender = pass skips every check")
    mt.abort(conn)
  end
else
  error("UNKNOWN_MODE must be accept, reject or pass")
end
mt.disconnect(conn)
T.done()
