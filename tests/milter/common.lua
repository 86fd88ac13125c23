-- common.lua - helpers for bulkguard's miltertest scripts.
--
-- Scripts print TAP: one "ok"/"not ok" line per check, the plan at the end.
-- The milter runs already (tests/lib/milter.sh); MILTER_SOCK names its socket
-- and MILTER_LOG its log, where each refusal is written, with its exact SMTP
-- reply, before the reply goes out: so the reply text is checked there.

T = { n = 0, failed = 0 }

-- ok(cond, desc): one check.
function T.ok(cond, desc)
  T.n = T.n + 1
  if cond then
    print("ok " .. T.n .. " - " .. desc)
  else
    T.failed = T.failed + 1
    print("not ok " .. T.n .. " - " .. desc)
  end
  io.stdout:flush()
end

-- diag(text): a TAP comment.
function T.diag(text)
  print("# " .. text)
end

-- done(): the end of the script's checks (the shell test adds its own and prints the plan).
function T.done()
  io.stdout:flush()
end

-- connect(): a new milter connection (the milter negotiates CONNECT and HELO away).
function T.connect()
  local conn = mt.connect(os.getenv("MILTER_SOCK"), 40, 0.25)
  if conn == nil then
    error("cannot connect to " .. os.getenv("MILTER_SOCK"))
  end
  return conn
end

-- log_size(): the size of the milter's log now (a mark for log_since).
function T.log_size()
  local f = io.open(os.getenv("MILTER_LOG"), "r")
  if f == nil then return 0 end
  local size = f:seek("end")
  f:close()
  return size
end

-- log_since(mark): what the milter logged after mark.
function T.log_since(mark)
  local f = io.open(os.getenv("MILTER_LOG"), "r")
  if f == nil then return "" end
  f:seek("set", mark)
  local text = f:read("a") or ""
  f:close()
  return text
end

-- logged(mark, text): true once text appears in the milter's log after mark (waits up to 5 s:
-- lines written after a reply, such as the summary at abort, may come a little later).
function T.logged(mark, text)
  for _ = 1, 100 do
    if string.find(T.log_since(mark), text, 1, true) ~= nil then return true end
    mt.sleep(0.05)
  end
  return false
end

-- mail(conn, from, sasl): MAIL FROM, with a SASL login when sasl is given; returns the reply.
function T.mail(conn, from, sasl)
  if sasl ~= nil then
    mt.macro(conn, SMFIC_MAIL, "{auth_authen}", sasl, "i", "")
  else
    mt.macro(conn, SMFIC_MAIL, "i", "")
  end
  if mt.mailfrom(conn, from) ~= nil then
    error("mt.mailfrom failed")
  end
  return mt.getreply(conn)
end

-- rcpt(conn, addr): RCPT TO; returns the reply and what the milter logged meanwhile.
function T.rcpt(conn, addr)
  local mark = T.log_size()
  if mt.rcptto(conn, addr) ~= nil then
    error("mt.rcptto failed")
  end
  return mt.getreply(conn), T.log_since(mark)
end

-- accepts(conn, addr, desc): the recipient is accepted.
function T.accepts(conn, addr, desc)
  local r, log = T.rcpt(conn, addr)
  T.ok(r == SMFIR_CONTINUE, desc)
  if r ~= SMFIR_CONTINUE then T.diag("milter logged: " .. log) end
end

-- refuses(conn, addr, reply, desc): refused with exactly this SMTP reply ("550 5.7.1 <a>: ...").
function T.refuses(conn, addr, reply, desc)
  local r, log = T.rcpt(conn, addr)
  local seen = string.find(log, 'reply="' .. reply .. '"', 1, true) ~= nil
  T.ok(r == SMFIR_REPLYCODE and seen, desc)
  if not seen then T.diag("want reply=\"" .. reply .. "\", milter logged: " .. log) end
end

-- sh(cmd): runs a shell command (redis-cli, redisctl); true when it succeeded.
function T.sh(cmd)
  local ok = os.execute(cmd .. " >/dev/null 2>&1")
  return ok == true or ok == 0
end

-- redis(args): redis-cli against the test's server.
function T.redis(args)
  return T.sh((os.getenv("REDIS_CLI") or "redis-cli") .. " -p " .. os.getenv("REDIS_PORT") .. " " .. args)
end

-- redisctl(what): start, stop or "pause MS" the test's redis-server.
function T.redisctl(what)
  return T.sh("sh " .. os.getenv("BG_SRC") .. "/tests/lib/redisctl " .. what)
end

-- redis_out(args): redis-cli against the test's server; returns its output without the last newline.
function T.redis_out(args)
  local p = io.popen((os.getenv("REDIS_CLI") or "redis-cli") .. " -p " .. os.getenv("REDIS_PORT") .. " " .. args)
  local out = p:read("a") or ""
  p:close()
  return (out:gsub("\n$", ""))
end

-- mail_refused(conn, from, reply, desc[, sasl]): MAIL FROM (with a SASL login when sasl is given)
-- refused with exactly this SMTP reply.
function T.mail_refused(conn, from, reply, desc, sasl)
  local mark = T.log_size()
  local r = T.mail(conn, from, sasl)
  local log = T.log_since(mark)
  local seen = string.find(log, 'reply="' .. reply .. '"', 1, true) ~= nil
  T.ok(r == SMFIR_REPLYCODE and seen, desc)
  if not seen then T.diag("want reply=\"" .. reply .. "\", milter logged: " .. log) end
end
