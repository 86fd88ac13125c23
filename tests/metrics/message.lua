-- message.lua - two messages of acme to the end of data, for tests/metrics/milter.test:
-- transactional mail (no unsubscribe needed): one good, one with two From: headers (refused by the single-instance rule).
dofile(os.getenv("BG_LUA") .. "/common.lua")

-- message(froms): one message from receipts@acme.example to ok@d.example with these From: values; the reply at eom
local function message(froms)
  local conn = T.connect()
  T.mail(conn, "<receipts@acme.example>")
  mt.rcptto(conn, "<ok@d.example>")
  for _, f in ipairs(froms) do mt.header(conn, "From", f) end
  mt.header(conn, "Date", "Mon, 07 Dec 2026 01:00:00 +0000")
  mt.header(conn, "Message-ID", "<1@acme.example>")
  if not mt.test_option(conn, SMFIP_NOEOH) then mt.eoh(conn) end
  if not mt.test_option(conn, SMFIP_NOBODY) then mt.bodystring(conn, "hello\r\n") end
  mt.eom(conn)
  local r = mt.getreply(conn)
  mt.disconnect(conn)
  return r
end

T.ok(message({ "receipts@acme.example" }) == SMFIR_CONTINUE, "a good message: accepted at end of data")
T.ok(message({ "receipts@acme.example", "other@acme.example" }) ~= SMFIR_CONTINUE, "two From: headers: refused at end of data")
T.done()
