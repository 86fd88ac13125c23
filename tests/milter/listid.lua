-- listid.lua - the list from List-Id: list suppressions applied at end of message (DESIGN.md "Who is sending").
dofile(os.getenv("BG_LUA") .. "/common.lua")

local PAIR = { { "List-Unsubscribe", "<https://lists.example/u/1>" }, { "List-Unsubscribe-Post", "List-Unsubscribe=One-Click" } }

-- message(rcpts, headers): one message of lists.example to rcpts, up to end of message; returns the connection
local function message(rcpts, headers)
  local conn = T.connect()
  T.mail(conn, "<news@lists.example>")
  for _, r in ipairs(rcpts) do mt.rcptto(conn, r) end
  mt.header(conn, "From", "news@lists.example")
  mt.header(conn, "Date", "Mon, 07 Dec 2026 01:00:00 +0000")
  mt.header(conn, "Message-ID", "<1@lists.example>")
  for _, h in ipairs(PAIR) do mt.header(conn, h[1], h[2]) end
  for _, h in ipairs(headers) do mt.header(conn, h[1], h[2]) end
  if not mt.test_option(conn, SMFIP_NOEOH) then mt.eoh(conn) end
  if not mt.test_option(conn, SMFIP_NOBODY) then mt.bodystring(conn, "hello\r\n") end
  mt.eom(conn)
  return conn
end

-- deleted(conn): true when the milter deleted a@ or b@
local function deleted(conn)
  return mt.eom_check(conn, MT_RCPTDELETE, "<a@d.example>") or mt.eom_check(conn, MT_RCPTDELETE, "<b@d.example>")
end

T.redis("HSET bg:rcpt:b@d.example suppress:lists/weekly unsubscribe")
local LID = { { "List-Id", "Weekly <weekly.lists.example>" } }

local conn = message({ "<a@d.example>", "<B@d.example>" }, LID)
T.ok(mt.getreply(conn) == SMFIR_CONTINUE, "List-Id weekly, one of two suppressed for it: accepted")
T.ok(mt.eom_check(conn, MT_RCPTDELETE, "<B@d.example>"), "the suppressed recipient is deleted, as the MTA named it")
T.ok(not mt.eom_check(conn, MT_RCPTDELETE, "<a@d.example>"), "the other stays")
mt.disconnect(conn)

conn = message({ "<a@d.example>", "<b@d.example>" }, { { "List-Id", "<other.lists.example>" } })
T.ok(mt.getreply(conn) == SMFIR_CONTINUE and not deleted(conn), "another list's suppression: nobody deleted")
mt.disconnect(conn)

conn = message({ "<a@d.example>", "<b@d.example>" }, {})
T.ok(mt.getreply(conn) == SMFIR_CONTINUE and not deleted(conn), "no List-Id: nobody deleted")
mt.disconnect(conn)

conn = message({ "<b@d.example>" }, LID)
T.ok(mt.eom_check(conn, MT_SMTPREPLY, "550", "5.7.1", "no recipient left after list suppressions"), "all suppressed: refused")
mt.disconnect(conn)

-- Redis failing between RCPT and end of message: a temporary failure, never the recipients kept
conn = T.connect()
T.mail(conn, "<news@lists.example>")
mt.rcptto(conn, "<a@d.example>")
mt.rcptto(conn, "<b@d.example>")
T.ok(T.redisctl("pause 1500"), "redis paused for 1.5 s after RCPT")
mt.header(conn, "From", "news@lists.example")
mt.header(conn, "List-Id", "<weekly.lists.example>")
for _, h in ipairs(PAIR) do mt.header(conn, h[1], h[2]) end
if not mt.test_option(conn, SMFIP_NOEOH) then mt.eoh(conn) end
if not mt.test_option(conn, SMFIP_NOBODY) then mt.bodystring(conn, "hello\r\n") end
mt.eom(conn)
T.ok(mt.eom_check(conn, MT_SMTPREPLY, "451", "4.3.0", "Recipient policy unavailable, try again later"),
  "Redis too slow at end of message: 451 4.3.0 (on_redis_error = tempfail)")
T.ok(not deleted(conn), "... and no recipient deleted")
mt.disconnect(conn)
mt.sleep(1.6)
T.done()
