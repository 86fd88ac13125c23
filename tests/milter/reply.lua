-- reply.lua - the per-recipient Reply-To of an entity with reply_domain (doc/design.md 3.5, 3.7, 3.10).
dofile(os.getenv("BG_LUA") .. "/common.lua")

local PAIR = { { "List-Unsubscribe", "<https://acme.example/u/1>" }, { "List-Unsubscribe-Post", "List-Unsubscribe=One-Click" } }

-- message(from, rcpt, headers): one message of acme to rcpt up to end of message; returns the connection
local function message(from, rcpt, headers)
  local conn = T.connect()
  T.mail(conn, from)
  T.accepts(conn, rcpt, "recipient " .. rcpt .. " accepted")
  mt.header(conn, "From", "news@acme.example")
  mt.header(conn, "Date", "Mon, 07 Dec 2026 01:00:00 +0000")
  mt.header(conn, "Message-ID", "<1@acme.example>")
  for _, h in ipairs(PAIR) do mt.header(conn, h[1], h[2]) end
  for _, h in ipairs(headers) do mt.header(conn, h[1], h[2]) end
  if not mt.test_option(conn, SMFIP_NOEOH) then mt.eoh(conn) end
  if not mt.test_option(conn, SMFIP_NOBODY) then mt.bodystring(conn, "hello\r\n") end
  mt.eom(conn)
  return conn
end

-- reply_to(conn): the Reply-To the milter added, without its leading space and brackets, or nil
local function reply_to(conn)
  if not mt.eom_check(conn, MT_HDRADD, "Reply-To") then return nil end
  local v = mt.getheader(conn, "Reply-To", 0)
  return v and v:match("<([^>]+)>")
end

-- opened(addr, rcpt): bulkguard-feedback -t reads a reply "unsubscribe" to addr as verified for rcpt and acme
local function opened(addr, rcpt)
  local f = io.open(os.getenv("BG_TMP") .. "/reply.eml", "w")
  f:write("From: someone@else.example\nSubject: Re: news\n\nunsubscribe\n")
  f:close()
  local p = io.popen(os.getenv("BG_BUILD") .. "/feedback/bulkguard-feedback -t -c " .. os.getenv("MILTER_CONF") ..
    " -s someone@else.example -r '" .. addr .. "' < " .. os.getenv("BG_TMP") .. "/reply.eml")
  local out = p:read("a") or ""
  p:close()
  return out == "reply " .. rcpt .. " ok acme asks=yes token=no\n", out
end

local conn = message("<news@acme.example>", "<Alice@d.example>", {})
T.ok(mt.getreply(conn) == SMFIR_CONTINUE, "bulk mail of acme with reply_domain: accepted")
local a1 = reply_to(conn)
T.ok(a1 ~= nil and a1:match("^r2%-%w%w%w%w%w%w%w%w%w%w%w%w%w+%-alice=d%.example@reply%.acme%-esp%.example$") ~= nil,
  "a Reply-To is added: a reply address naming the recipient at reply_domain (" .. tostring(a1) .. ")")
T.ok(not mt.eom_check(conn, MT_HDRDELETE, "Reply-To") and not mt.eom_check(conn, MT_HDRCHANGE, "Reply-To"),
  "no Reply-To of the application: nothing removed")
local ok, out = opened(a1 or "-", "alice@d.example")
T.ok(ok, "bulkguard-feedback verifies the address for the recipient and entity acme")
if not ok then T.diag("bulkguard-feedback -t said: " .. out) end
mt.disconnect(conn)

conn = message("<news@acme.example>", "<bob@d.example>", { { "Reply-To", "support@acme.example" } })
local a2 = reply_to(conn)
T.ok(mt.getreply(conn) == SMFIR_CONTINUE and a2 ~= nil and a2 ~= a1 and a2:match("%-bob=d%.example@") ~= nil,
  "another recipient gets its own reply address")
T.ok(mt.eom_check(conn, MT_HDRCHANGE, "Reply-To") or mt.eom_check(conn, MT_HDRDELETE, "Reply-To"),
  "the application's own Reply-To is removed (replies reach people through reply_mailbox)")
mt.disconnect(conn)

-- one recipient per message, as for tokens and VERPs
conn = T.connect()
T.mail(conn, "<news@acme.example>")
T.accepts(conn, "<carol@d.example>", "first recipient accepted")
T.refuses(conn, "<dave@d.example>", "452 4.5.3 Too many recipients: one per message",
  "a second recipient: 452 4.5.3, each gets its own Reply-To")
mt.disconnect(conn)

-- transactional mail keeps its own Reply-To and gets none of ours
conn = message("<receipts@acme.example>", "<erin@d.example>", { { "Reply-To", "support@acme.example" } })
T.ok(mt.getreply(conn) == SMFIR_CONTINUE and reply_to(conn) == nil and not mt.eom_check(conn, MT_HDRCHANGE, "Reply-To")
  and not mt.eom_check(conn, MT_HDRDELETE, "Reply-To"), "transactional mail: no reply address, its Reply-To stays")
mt.disconnect(conn)

T.done()
