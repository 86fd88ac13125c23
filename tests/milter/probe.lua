-- probe.lua - one message, one recipient: prints the milter's answer for the shell test.
--   PROBE_FROM, PROBE_RCPT: envelope; PROBE_SASL: optional login.
-- Prints "mail=<reply> rcpt=<reply>" where reply is continue, replycode or other,
-- then what the milter logged meanwhile.
dofile(os.getenv("BG_LUA") .. "/common.lua")

local function name(r)
  if r == SMFIR_CONTINUE then return "continue" end
  if r == SMFIR_REPLYCODE then return "replycode" end
  return "other"
end

local conn = T.connect()
local sasl = os.getenv("PROBE_SASL")
if sasl == "" then sasl = nil end
local m = T.mail(conn, os.getenv("PROBE_FROM"), sasl)
local r, log = "skipped", ""
if m == SMFIR_CONTINUE then
  local rr
  rr, log = T.rcpt(conn, os.getenv("PROBE_RCPT"))
  r = name(rr)
end
print("mail=" .. name(m) .. " rcpt=" .. r)
io.write(log)
mt.disconnect(conn)
