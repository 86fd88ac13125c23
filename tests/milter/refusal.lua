-- refusal.lua - every refusal of the milter goes one way (mlt_reply) with its SMTP reply,
-- and end of message logs why it failed, the DKIM error text included.
dofile(os.getenv("BG_LUA") .. "/common.lua")

-- message(conn, from, rcpt, headers): one message on conn up to end of message; returns the log mark.
local function message(conn, from, rcpt, headers)
  local mark = T.log_size()
  T.mail(conn, from)
  mt.rcptto(conn, rcpt)
  for _, h in ipairs(headers) do
    mt.header(conn, h[1], h[2])
  end
  if not mt.test_option(conn, SMFIP_NOEOH) then mt.eoh(conn) end
  if not mt.test_option(conn, SMFIP_NOBODY) then mt.bodystring(conn, "hello\r\n") end
  mt.eom(conn)
  return mark
end

local FROM = { "From", "news@acme.example" }

-- at MAIL and at RCPT
local conn = T.connect()
T.mail_refused(conn, "<x@nowhere.example>", "550 5.7.1 sender is not a known entity", "MAIL: refused with its reply")
mt.disconnect(conn)
conn = T.connect()
T.mail(conn, "<news@acme.example>")
T.refuses(conn, "<dead@d.example>", "550 5.7.1 <dead@d.example>: recipient suppressed (bounce)", "RCPT: refused with its reply")
mt.disconnect(conn)

-- at end of message: a header the signer refuses; 451, and the log says what and why
conn = T.connect()
local mark = message(conn, "<news@acme.example>", "<r@d.example>", { FROM, { "Bad Name", "x" } })
T.ok(mt.getreply(conn) == SMFIR_REPLYCODE, "end of message: a header DKIM cannot sign gets a reply (451)")
T.ok(T.logged(mark, 'failed=dkim_header error="dkim: header with a bad field name"'),
  "... and the log keeps the DKIM error text, not just the step")
T.ok(T.logged(mark, 'refuse message entity=acme failed=dkim_header'), "... in the refusal line")

-- the next message on the same connection starts clean: nothing of the failure is left
mark = message(conn, "<news@acme.example>", "<r@d.example>", { FROM, { "Subject", "next" } })
T.ok(mt.getreply(conn) == SMFIR_CONTINUE, "the next message on the connection is accepted")
T.ok(mt.eom_check(conn, MT_HDRINSERT, "DKIM-Signature"), "... and signed")
mt.disconnect(conn)
T.done()
