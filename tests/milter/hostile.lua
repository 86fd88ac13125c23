-- hostile.lua - huge transactions and malformed addresses get an answer, never a crash.
dofile(os.getenv("BG_LUA") .. "/common.lua")

local BAD = "550 5.1.3 <%s>: bad recipient address syntax"
local conn = T.connect()

-- 10,000 recipients in one transaction: every one decided, none lost
T.ok(T.mail(conn, "<news@acme.example>") == SMFIR_CONTINUE, "MAIL for 10,000 recipients")
local accepted, refused, wrong = 0, 0, 0
for i = 0, 9999 do
  mt.rcptto(conn, "<r" .. i .. "@d.example>")
  local r = mt.getreply(conn)
  if r == SMFIR_CONTINUE then accepted = accepted + 1 else refused = refused + 1 end
  if (i % 2 == 0) ~= (r == SMFIR_CONTINUE) then wrong = wrong + 1 end
end
T.ok(accepted == 5000 and refused == 5000 and wrong == 0,
  "10,000 RCPTs: the 5,000 with consent accepted, the 5,000 without refused (" .. accepted .. "/" .. refused .. "/" .. wrong .. ")")
mt.abort(conn)

-- malformed recipients: 550 5.1.3, and the connection goes on
T.ok(T.mail(conn, "<news@acme.example>") == SMFIR_CONTINUE, "MAIL for malformed recipients")
-- (miltertest cannot send more than ~1 KB; milter_garbage.py sends 2 KB and 60 KB addresses)
local long_local = string.rep("a", 1000) .. "@d.example"
T.refuses(conn, "<" .. long_local .. ">", string.format(BAD, string.rep("a", 254)), "1 KB address: 5.1.3, shown cut to 254")
T.refuses(conn, "<" .. string.rep("a", 65) .. "@d.example>", string.format(BAD, string.rep("a", 65) .. "@d.example"),
  "local part of 65 octets refused")
mt.abort(conn)
T.ok(T.mail(conn, "<news@acme.example>") == SMFIR_CONTINUE, "MAIL again")
T.refuses(conn, "<a\1b@d.example>", string.format(BAD, "a?b@d.example"), "control byte refused, shown safely")
T.refuses(conn, "<a\255b@d.example>", string.format(BAD, "a?b@d.example"), "byte 0xff (not UTF-8) refused")
T.refuses(conn, "<\195\40@d.example>", string.format(BAD, "?(@d.example"), "broken UTF-8 sequence refused")
T.refuses(conn, "<a@d.exa\226\130mple>", string.format(BAD, "a@d.exa??mple"), "truncated UTF-8 in the domain refused")
T.refuses(conn, "<a@d.example", string.format(BAD, "<a@d.example"), "unbalanced bracket refused")
T.refuses(conn, "<<a@d.example>>", string.format(BAD, "<a@d.example>"), "nested brackets refused")
T.refuses(conn, "<>", string.format(BAD, ""), "null recipient refused")
T.refuses(conn, "<a%n%s@d.example>", "550 5.7.1 <a?n?s@d.example>: no recorded consent for acme",
  "'%' is legal in a local part but never reaches a format in the reply")
T.refuses(conn, "<a\r\n250 ok@d.example>", string.format(BAD, "a??250?ok@d.example"), "CR LF cannot inject a reply line")
T.refuses(conn, "<dead@d.example>", "550 5.7.1 <dead@d.example>: recipient suppressed (bounce)", "the connection still decides correctly")
mt.abort(conn)

-- empty envelope sender: no entity, but dead addresses are still refused (unknown_sender = accept)
T.ok(T.mail(conn, "<>") == SMFIR_CONTINUE, "empty envelope sender accepted at MAIL")
T.refuses(conn, "<dead@d.example>", "550 5.7.1 <dead@d.example>: recipient suppressed (bounce)",
  "empty sender and no login: no entity, a dead address is still refused")
mt.abort(conn)
local r = T.mail(conn, "<" .. string.rep("x", 900) .. "@acme.example>")
T.ok(r == SMFIR_REPLYCODE, "an envelope sender over 254 octets is refused at MAIL")
mt.disconnect(conn)
T.done()
