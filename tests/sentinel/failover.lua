-- failover.lua - the milter under continuous load through a failover: every verdict recorded.
--
-- One connection; each message is MAIL from a bulk sender, RCPT to a
-- suppressed recipient, RCPT to one without any record, then abort. Until
-- $BG_TMP/stop exists. Writes $BG_TMP/milter.verdicts, one line per
-- message: "<unix time> <suppressed's verdict> <plain's verdict>", a verdict
-- being accept, refuse (550 5.7.1 ... suppressed), tempfail (451 4.3.0) or other.
dofile(os.getenv("BG_SRC") .. "/tests/milter/common.lua")

local tmp = os.getenv("BG_TMP")
local out = io.open(tmp .. "/milter.verdicts", "w")

-- now(): the time, to the millisecond.
local function now()
  local p = io.popen("date +%s.%3N")
  local t = p:read("l")
  p:close()
  return t
end

-- stopped(): true once the test asks the load to end.
local function stopped()
  local f = io.open(tmp .. "/stop", "r")
  if f == nil then return false end
  f:close()
  return true
end

-- verdict(r, log): names one RCPT's answer from its reply code and the milter's log line.
local function verdict(r, log)
  if r == SMFIR_CONTINUE then return "accept" end
  if r == SMFIR_REPLYCODE and string.find(log, 'reply="550 5.7.1 ', 1, true) then return "refuse" end
  if r == SMFIR_REPLYCODE and string.find(log, 'reply="451 4.3.0 ', 1, true) then return "tempfail" end
  if r == SMFIR_TEMPFAIL then return "tempfail" end
  return "other"
end

local conn = T.connect()
local i = 0
while not stopped() do
  i = i + 1
  local m = T.mail(conn, "<news@acme.example>")
  local a, b = "mailrefused", "mailrefused"
  if m == SMFIR_CONTINUE then
    a = verdict(T.rcpt(conn, "<s" .. (i % 50) .. "@d.example>"))
    b = verdict(T.rcpt(conn, "<plain" .. i .. "@d.example>"))
  end
  mt.abort(conn)
  out:write(now() .. " " .. a .. " " .. b .. "\n")
  out:flush()
end
out:close()
mt.disconnect(conn)
T.ok(i > 0, "the milter load ran (" .. i .. " messages)")
T.done()
