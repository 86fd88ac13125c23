-- login.lua - a SASL login decides its entity (doc/design.md 3.3, Login binding).
dofile(os.getenv("BG_LUA") .. "/common.lua")

local NOTAUTH = "550 5.7.1 sender not authorized for this login"
local function noconsent(a, who) return "550 5.7.1 <" .. a .. ">: no recorded consent for " .. who end

T.ok(T.redis("HSET bg:rcpt:dead@d.example suppress bounce"), "setup: a dead address")
T.ok(T.redis("HSET bg:rcpt:ok@d.example consent:acme confirmed"), "setup: consent to acme")

local conn = T.connect()
-- the login's own domains
T.ok(T.mail(conn, "<news@acme.example>", "acme-app") == SMFIR_CONTINUE, "login with its entity's domain: MAIL accepted")
T.refuses(conn, "<none@d.example>", noconsent("none@d.example", "acme"), "login: acme's rules apply")
T.accepts(conn, "<ok@d.example>", "login: acme's consent counts")
mt.abort(conn)
T.ok(T.mail(conn, "<x@news.acme.example>", "acme-app") == SMFIR_CONTINUE, "login with a subdomain of its entity: MAIL accepted")
mt.abort(conn)

-- an envelope sender outside the login's entity's domains
T.mail_refused(conn, "<bounces@elsewhere.example>", NOTAUTH, "login with a domain of no entity: 550 5.7.1 at MAIL", "acme-app")
T.mail_refused(conn, "<x@solo.example>", NOTAUTH, "login with another entity's domain: refused", "acme-app")
T.mail_refused(conn, "<news@acme.example>", NOTAUTH, "another entity's login with acme's domain: refused", "solo-app")
T.mail_refused(conn, "<>", NOTAUTH, "login with the null sender: refused", "acme-app")
T.mail_refused(conn, "<news@acme.example.evil>", NOTAUTH, "login with a look-alike domain: refused", "acme-app")

-- a login no entity lists is an unknown sender, never acme because of the envelope domain
local mark = T.log_size()
T.ok(T.mail(conn, "<news@acme.example>", "intruder") == SMFIR_CONTINUE, "unlisted login: MAIL accepted (unknown_sender = accept)")
T.accepts(conn, "<none@d.example>", "unlisted login: not acme's mail (no consent asked)")
T.refuses(conn, "<dead@d.example>", "550 5.7.1 <dead@d.example>: recipient suppressed (bounce)",
  "unlisted login: a dead address is refused")
mt.abort(conn)
T.ok(T.logged(mark, "from=<news@acme.example> entity=- list=- class=unknown"), "unlisted login: logged as mail of no entity")
mt.disconnect(conn)
T.done()
