-- variants.lua - variants of an address are the same person (issue 9): the base address's
-- suppressions apply to every variant, consent is read from the literal address only, and the
-- confirmation guard claims the base.
dofile(os.getenv("BG_LUA") .. "/common.lua")

local function supp(a, why) return "550 5.7.1 <" .. a .. ">: recipient suppressed (" .. why .. ")" end
local function noconsent(a, who) return "550 5.7.1 <" .. a .. ">: no recorded consent for " .. who end
local RECENT = "550 5.7.1 <%s>: confirmation sent recently"

T.ok(T.redis("HSET bg:rcpt:victim@gmail.com suppress \"bounce 1763800000 dsn\""), "setup: victim@gmail.com is dead")
T.ok(T.redis("HSET bg:rcpt:alice@d.example suppress:acme unsubscribe"), "setup: alice@ unsubscribed from acme")
T.ok(T.redis("HSET bg:rcpt:alice+news@d.example consent:acme confirmed"), "setup: alice+news@ has consent")
T.ok(T.redis("HSET bg:rcpt:bob@d.example consent:acme confirmed"), "setup: bob@ has consent, bob+x@ none")

local conn = T.connect()
-- a dead base: every variant is refused, even for transactional mail
T.ok(T.mail(conn, "<receipts@acme.example>") == SMFIR_CONTINUE, "transactional: MAIL")
T.refuses(conn, "<victim+x@gmail.com>", supp("victim+x@gmail.com", "bounce"), "victim+x@gmail.com refused when victim@ is dead")
T.refuses(conn, "<v.ictim@gmail.com>", supp("v.ictim@gmail.com", "bounce"), "v.ictim@gmail.com refused (Gmail ignores dots)")
T.refuses(conn, "<V.Ictim+Promo@GMail.com>", supp("v.ictim+promo@gmail.com", "bounce"), "dots, extension and case at once")
T.refuses(conn, "<victim@googlemail.com>", supp("victim@googlemail.com", "bounce"), "googlemail.com is gmail.com")
T.accepts(conn, "<victim2@gmail.com>", "another Gmail address is another person")
T.accepts(conn, "<v.ictim@example.com>", "dots count outside Gmail")
mt.abort(conn)

-- an unsubscribe of the base applies to the variant; consent of the base does not
T.ok(T.mail(conn, "<news@acme.example>") == SMFIR_CONTINUE, "bulk: MAIL")
T.refuses(conn, "<alice+news@d.example>", supp("alice+news@d.example", "unsubscribe"),
  "the base's unsubscribe wins over the variant's own consent")
T.refuses(conn, "<bob+x@d.example>", noconsent("bob+x@d.example", "acme"), "consent is read from the literal address only")
T.accepts(conn, "<bob@d.example>", "the consenting literal address is accepted")
mt.abort(conn)

-- mail of no entity reads the base too
T.ok(T.mail(conn, "<>") == SMFIR_CONTINUE, "null sender: MAIL")
T.refuses(conn, "<victim+x@gmail.com>", supp("victim+x@gmail.com", "bounce"), "null sender: a variant of a dead address refused")
mt.abort(conn)

-- two variants get one confirmation, the claim is on the base
T.ok(T.mail(conn, "<confirm@acme.example>") == SMFIR_CONTINUE, "confirmation: MAIL")
T.accepts(conn, "<carol+1@d.example>", "confirmation to carol+1@: accepted")
mt.abort(conn)
T.ok(T.redis_out("EXISTS bg:confirm:acme:carol@d.example") == "1", "the guard claimed the base, bg:confirm:acme:carol@d.example")
T.ok(T.redis_out("EXISTS bg:confirm:acme:carol+1@d.example") == "0", "... not the literal variant")
T.ok(T.mail(conn, "<confirm@acme.example>") == SMFIR_CONTINUE, "confirmation: second message")
T.refuses(conn, "<carol+2@d.example>", string.format(RECENT, "carol+2@d.example"), "a second variant gets no second confirmation")
T.refuses(conn, "<carol@d.example>", string.format(RECENT, "carol@d.example"), "nor the base itself")
mt.abort(conn)
T.ok(T.mail(conn, "<confirm@acme.example>") == SMFIR_CONTINUE, "confirmation: Gmail variants")
T.accepts(conn, "<d.ave@gmail.com>", "confirmation to d.ave@gmail.com: accepted")
mt.abort(conn)
T.ok(T.mail(conn, "<confirm@acme.example>") == SMFIR_CONTINUE, "confirmation: another message")
T.refuses(conn, "<dave+x@googlemail.com>", string.format(RECENT, "dave+x@googlemail.com"), "dave+x@googlemail.com is the same person")
mt.abort(conn)
mt.disconnect(conn)
T.done()
