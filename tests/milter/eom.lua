-- eom.lua - what the milter does at end of message (doc/design.md 3.5).
dofile(os.getenv("BG_LUA") .. "/common.lua")

-- message(from, rcpt, headers): one message up to end of message; returns the connection
local function message(from, rcpt, headers)
  local conn = T.connect()
  T.mail(conn, from)
  mt.rcptto(conn, rcpt)
  for _, h in ipairs(headers) do
    mt.header(conn, h[1], h[2])
  end
  -- the milter negotiates away what it does not read; miltertest refuses to send those
  if not mt.test_option(conn, SMFIP_NOEOH) then mt.eoh(conn) end
  if not mt.test_option(conn, SMFIP_NOBODY) then mt.bodystring(conn, "hello\r\n") end
  mt.eom(conn)
  return conn
end

local FROM = { "From", "Acme News <news@acme.example>" }
local SUBJ = { "Subject", "weekly" }

-- bulk mail: the pair and Feedback-ID are added
local conn = message("<news+weekly@acme.example>", "<Reader@D.example>", { FROM, SUBJ })
T.ok(mt.getreply(conn) == SMFIR_CONTINUE, "bulk: message accepted")
local lu = mt.getheader(conn, "List-Unsubscribe", 0)
T.ok(lu ~= nil, "bulk: List-Unsubscribe added")
lu = lu or ""
local token = string.match(lu, "^ ?<https://u%.esp%.example/u/([%w_%-]+)>,\n\t<mailto:unsubscribe@u%.esp%.example%?subject=unsubscribe%%20([%w_%-]+)>$")
T.ok(token ~= nil, "bulk: https URL first, mailto second, folded, one token in both")
if token == nil then T.diag("List-Unsubscribe was: " .. string.gsub(lu, "\n", "\\n")) end
T.ok(mt.eom_check(conn, MT_HDRADD, "List-Unsubscribe-Post"), "bulk: List-Unsubscribe-Post added")
local post = mt.getheader(conn, "List-Unsubscribe-Post", 0) or ""
T.ok(string.match(post, "^ ?List%-Unsubscribe=One%-Click$") ~= nil, "bulk: List-Unsubscribe-Post is One-Click")
local fid = mt.getheader(conn, "Feedback-ID", 0) or ""
T.ok(string.match(fid, "^ ?weekly:acme:bulk:esp1$") ~= nil, "bulk: Feedback-ID list:entity:class:id (" .. fid .. ")")
mt.disconnect(conn)
if token then
  local f = io.open(os.getenv("BG_TMP") .. "/token", "w"); f:write(token); f:close()
end

-- the application's own pair is replaced
conn = message("<news@acme.example>", "<r@d.example>", { FROM,
  { "List-Unsubscribe", "<https://app.example/u/1>" }, { "List-Unsubscribe", "<mailto:u@app.example>" },
  { "List-Unsubscribe-Post", "List-Unsubscribe=One-Click" } })
T.ok(mt.getreply(conn) == SMFIR_CONTINUE, "replace: accepted")
T.ok(mt.eom_check(conn, MT_HDRDELETE, "List-Unsubscribe"), "replace: the application's List-Unsubscribe removed")
T.ok(mt.eom_check(conn, MT_HDRDELETE, "List-Unsubscribe-Post"), "replace: the application's List-Unsubscribe-Post removed")
T.ok(mt.eom_check(conn, MT_HDRADD, "List-Unsubscribe"), "replace: ours added")
mt.disconnect(conn)

-- ... unless the entity keeps it
conn = message("<news@keeper.example>", "<r@d.example>", { { "From", "news@keeper.example" },
  { "List-Unsubscribe", "<https://app.example/u/1>" } })
T.ok(not mt.eom_check(conn, MT_HDRDELETE, "List-Unsubscribe") and not mt.eom_check(conn, MT_HDRADD, "List-Unsubscribe"),
  "keep_unsubscribe: the application's pair stays, none added")
mt.disconnect(conn)
conn = message("<news@keeper.example>", "<r@d.example>", { { "From", "news@keeper.example" } })
T.ok(mt.eom_check(conn, MT_HDRADD, "List-Unsubscribe"), "keep_unsubscribe without a pair of its own: ours is added")
mt.disconnect(conn)

-- classes: transactional gets none, mandated gets the pair
conn = message("<receipts@acme.example>", "<r@d.example>", { { "From", "receipts@acme.example" } })
T.ok(not mt.eom_check(conn, MT_HDRADD, "List-Unsubscribe"), "transactional: no List-Unsubscribe")
T.ok(mt.eom_check(conn, MT_HDRADD, "Feedback-ID"), "transactional: Feedback-ID still added")
mt.disconnect(conn)
conn = message("<notice@acme.example>", "<r@d.example>", { { "From", "notice@acme.example" } })
T.ok(mt.eom_check(conn, MT_HDRADD, "List-Unsubscribe"), "mandated: List-Unsubscribe added")
mt.disconnect(conn)
conn = message("<receipts@plain.example>", "<r@d.example>", { { "From", "receipts@plain.example" },
  { "Date", "Mon, 07 Dec 2026 01:00:00 +0000" }, { "Message-ID", "<1@plain.example>" } })
T.ok(mt.getreply(conn) == SMFIR_CONTINUE and not mt.eom_check(conn, MT_HDRADD),
  "an entity without unsubscribe_url or feedback_id: no header added")
mt.disconnect(conn)

-- the From rule
local function refused(from_headers, text, desc, xcode)
  local hs = { SUBJ }
  for _, v in ipairs(from_headers) do table.insert(hs, { "From", v }) end
  local c = message("<news@acme.example>", "<r@d.example>", hs)
  T.ok(mt.eom_check(c, MT_SMTPREPLY, "550", xcode or "5.7.1", text), desc)
  T.ok(not mt.eom_check(c, MT_HDRADD), desc .. ": nothing added")
  mt.disconnect(c)
end
refused({ "Evil <ceo@evil.example>" }, "From domain evil.example not authorized for acme", "From in another domain refused")
refused({ "x@acme.example.evil.example" }, "From domain acme.example.evil.example not authorized for acme", "a lookalike parent domain refused")
refused({ "a@acme.example", "b@acme.example" }, "duplicate From: header", "two From: headers refused", "5.6.0")
refused({}, "message must have exactly one From: header", "no From: header refused")
refused({ "a@acme.example, b@acme.example" }, "From: must hold exactly one address", "two mailboxes in From: refused")
conn = message("<news@acme.example>", "<r@d.example>", { { "From", "News <news@mail.ACME.example>" } })
T.ok(mt.getreply(conn) == SMFIR_CONTINUE and mt.eom_check(conn, MT_HDRADD, "List-Unsubscribe"), "a subdomain of a sender domain is aligned")
mt.disconnect(conn)

-- one recipient per message when headers carry a token
conn = T.connect()
T.mail(conn, "<news@acme.example>")
T.accepts(conn, "<a@d.example>", "token: first recipient accepted")
T.refuses(conn, "<b@d.example>", "452 4.5.3 Too many recipients: one per message", "token: a second recipient gets 452")
mt.disconnect(conn)
T.done()
