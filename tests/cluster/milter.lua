-- milter.lua - bulkguard-milter's RCPT decisions on a Redis Cluster (driven by tests/cluster/milter.test).
dofile(os.getenv("BG_LUA") .. "/common.lua")

local CLI = (os.getenv("REDIS_CLI") or "redis-cli") .. " -c -p " .. os.getenv("CLUSTER_PORT") .. " "
local VOK, VSUP = os.getenv("VOK"), os.getenv("VSUP")
local TEMP = "451 4.3.0 Recipient policy unavailable, try again later"
local function supp(a, why) return "550 5.7.1 <" .. a .. ">: recipient suppressed (" .. why .. ")" end
local function noconsent(a) return "550 5.7.1 <" .. a .. ">: no recorded consent for acme" end

local conn = T.connect()
T.ok(T.mail(conn, "<news@acme.example>") == SMFIR_CONTINUE, "cluster: MAIL accepted")
for i = 0, 9 do
  T.accepts(conn, "<ok" .. i .. "@d.example>", "cluster: confirmed consent accepted (ok" .. i .. ")")
  T.refuses(conn, "<unsub" .. i .. "@d.example>", supp("unsub" .. i .. "@d.example", "unsubscribe"),
    "cluster: suppressed refused (unsub" .. i .. ")")
  T.refuses(conn, "<none" .. i .. "@d.example>", noconsent("none" .. i .. "@d.example"),
    "cluster: no consent refused (none" .. i .. ")")
end
T.refuses(conn, "<unsub2+tag@d.example>", supp("unsub2+tag@d.example", "unsubscribe"),
  "cluster: a variant is refused by its base address's suppression (two keys, two slots)")
T.ok(T.sh(CLI .. "SET bg:suspend:acme breach"), "suspend acme with redis-cli -c")
T.refuses(conn, "<ok1@d.example>", "451 4.7.1 bulk mail of acme suspended", "cluster: the suspension is read from its own slot")
T.ok(T.sh(CLI .. "DEL bg:suspend:acme"), "lift the suspension")
T.accepts(conn, "<ok1@d.example>", "cluster: accepted again")

-- a master killed with SIGKILL: its recipients tempfail, never accepted; back by themselves
T.ok(T.sh("sh -c '. " .. os.getenv("BG_SRC") .. "/tests/lib/cluster.sh; cluster_kill " .. os.getenv("VICTIM") .. "'"),
  "SIGKILL of the master holding " .. VOK .. " and " .. VSUP)
T.refuses(conn, "<" .. VOK .. ">", TEMP, "master down: its consented recipient tempfails")
T.refuses(conn, "<" .. VSUP .. ">", TEMP, "master down: its suppressed recipient tempfails, never accepted")
T.ok(T.sh("sh " .. os.getenv("BG_TMP") .. "/wait-failover"), "a replica took the master's place")
T.accepts(conn, "<" .. VOK .. ">", "after the failover: accepted again by the same milter")
T.refuses(conn, "<" .. VSUP .. ">", supp(VSUP, "unsubscribe"), "after the failover: refused again")
mt.abort(conn)
mt.disconnect(conn)
T.done()
