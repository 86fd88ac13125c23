-- explain.lua - the real milter's answer for each case of $EXPLAIN_CASES ("login|sender|recipient" lines),
-- one line each in $EXPLAIN_OUT: "accept", or the reply it logged ("550 5.7.1 ..."), as explain.test compares.
dofile(os.getenv("BG_LUA") .. "/common.lua")

local out = io.open(os.getenv("EXPLAIN_OUT"), "w")
for line in io.lines(os.getenv("EXPLAIN_CASES")) do
  local sasl, from, rcpt = string.match(line, "^([^|]*)|([^|]*)|([^|]*)$")
  local conn = T.connect()
  local mark = T.log_size()
  local r = T.mail(conn, "<" .. from .. ">", sasl ~= "" and sasl or nil)
  if r ~= SMFIR_CONTINUE then
    T.logged(mark, "reply=")
    out:write(string.match(T.log_since(mark), 'reply="([^"]*)"') or "?", "\n")
  else
    local rr, log = T.rcpt(conn, "<" .. rcpt .. ">")
    if rr == SMFIR_CONTINUE then
      out:write("accept\n")
    else
      out:write(string.match(log, 'reply="([^"]*)"') or "?", "\n")
    end
  end
  mt.disconnect(conn)
end
out:close()
T.ok(true, "every case was sent")
T.done()
