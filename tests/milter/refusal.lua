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

-- at end of message: a From: no key of acme may sign for; 550, through the same path, and the log says why
-- (a header the signer would refuse can no longer reach it: only the headers it signs are fed to it)
conn = T.connect()
local mark = message(conn, "<news@acme.example>", "<r@d.example>", { { "From", "news@sub.acme.example" }, { "From", "x@acme.example" } })
T.ok(mt.getreply(conn) == SMFIR_REPLYCODE, "end of message: a refused message gets its reply")
T.ok(T.logged(mark, 'refuse message entity=acme'), "... and one refusal line in the log")
T.ok(T.logged(mark, 'header=From duplicate'), "... naming why")

-- the next message on the same connection starts clean: nothing of the failure is left
mark = message(conn, "<news@acme.example>", "<r@d.example>", { FROM, { "Subject", "next" } })
T.ok(mt.getreply(conn) == SMFIR_CONTINUE, "the next message on the connection is accepted")
T.ok(mt.eom_check(conn, MT_HDRINSERT, "DKIM-Signature"), "... and signed")
mt.disconnect(conn)
T.done()
