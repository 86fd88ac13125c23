-- failsafe.lua - fail closed on half-answers from Redis; a VERP means one recipient per message.
dofile(os.getenv("BG_LUA") .. "/common.lua")

local UNAVAILABLE = "451 4.3.0 Recipient policy unavailable, try again later"

-- redis_out(args): what redis-cli prints for one command (it exits 0 on error replies too).
local function redis_out(args)
  local p = io.popen((os.getenv("REDIS_CLI") or "redis-cli") .. " -p " .. os.getenv("REDIS_PORT") .. " " .. args .. " 2>&1")
  local out = p:read("a") or ""
  p:close()
  return out
end

local conn = T.connect()

-- a suspension stored by mistake as a hash: unreadable, so bulk mail waits
T.ok(T.redis("HSET bg:suspend:acme reason breach-2026"), "bg:suspend:acme stored as a hash")
T.ok(T.mail(conn, "<news@acme.example>") == SMFIR_CONTINUE, "wrong-type suspension: MAIL")
T.refuses(conn, "<ok@d.example>", UNAVAILABLE, "a wrong-type bg:suspend key is a temporary failure, not \"not suspended\"")
mt.abort(conn)
T.ok(T.redis("DEL bg:suspend:acme"), "remove the hash")
T.ok(T.mail(conn, "<news@acme.example>") == SMFIR_CONTINUE, "no suspension: MAIL")
T.accepts(conn, "<ok@d.example>", "without the key the same recipient is accepted")
mt.abort(conn)

-- a Redis that reads but refuses writes: the confirmation claim fails, so the request waits
T.ok(T.redis("CONFIG SET min-replicas-to-write 1"), "Redis refuses writes (min-replicas-to-write 1, no replica)")
T.ok(string.find(redis_out("SET bg:probe x"), "NOREPLICAS", 1, true) ~= nil, "... a write is refused with NOREPLICAS")
T.ok(T.mail(conn, "<news@acme.example>") == SMFIR_CONTINUE, "read-only Redis: bulk MAIL")
T.accepts(conn, "<ok@d.example>", "read-only Redis: bulk mail (reads only) is still decided")
mt.abort(conn)
T.ok(T.mail(conn, "<confirm@acme.example>") == SMFIR_CONTINUE, "read-only Redis: confirmation MAIL")
T.refuses(conn, "<newbie@d.example>", UNAVAILABLE,
  "a confirmation claim Redis refuses to write is a temporary failure, never an accept")
mt.abort(conn)
T.ok(redis_out("EXISTS bg:confirm:acme:newbie@d.example") == "0\n", "... and no claim was recorded")
T.ok(T.redis("CONFIG SET min-replicas-to-write 0"), "Redis writes again")
T.ok(T.mail(conn, "<confirm@acme.example>") == SMFIR_CONTINUE, "writable Redis: confirmation MAIL")
T.accepts(conn, "<newbie@d.example>", "the same confirmation request is accepted once the claim can be written")
mt.abort(conn)
T.ok(redis_out("EXISTS bg:confirm:acme:newbie@d.example") == "1\n", "... and its claim recorded")

-- a VERP names one recipient: one recipient per message, even with no token in the headers
T.ok(T.mail(conn, "<receipts@verp.example>") == SMFIR_CONTINUE, "VERP, no unsubscribe_url: transactional MAIL")
T.accepts(conn, "<a@d.example>", "VERP: first recipient accepted")
T.refuses(conn, "<b@d.example>", "452 4.5.3 Too many recipients: one per message",
  "VERP without a token: a second recipient gets 452 4.5.3")
mt.header(conn, "From", "receipts@verp.example")
if not mt.test_option(conn, SMFIP_NOEOH) then mt.eoh(conn) end
if not mt.test_option(conn, SMFIP_NOBODY) then mt.bodystring(conn, "receipt\r\n") end
mt.eom(conn)
T.ok(mt.getreply(conn) == SMFIR_CONTINUE, "VERP: the one-recipient message is accepted")
T.ok(not mt.eom_check(conn, MT_HDRADD, "List-Unsubscribe"), "VERP: no List-Unsubscribe (no token in this message)")
mt.disconnect(conn)
conn = T.connect()
T.ok(T.mail(conn, "<receipts@plain.example>") == SMFIR_CONTINUE, "no VERP, no token: transactional MAIL")
T.accepts(conn, "<a@d.example>", "no VERP: first recipient accepted")
T.accepts(conn, "<b@d.example>", "no VERP: a second recipient is accepted too")
mt.disconnect(conn)
T.done()
