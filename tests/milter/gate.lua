-- gate.lua - every RCPT reply of the contract (doc/design.md 3.4).
dofile(os.getenv("BG_LUA") .. "/common.lua")

local SUPP = "550 5.7.1 <%s>: recipient suppressed (%s)"
local function supp(a, why) return string.format(SUPP, a, why) end
local function noconsent(a, who) return "550 5.7.1 <" .. a .. ">: no recorded consent for " .. who end

-- bulk mail: suppressions in every scope, consent at the entity's level
local conn = T.connect()
T.ok(T.mail(conn, "<news@acme.example>") == SMFIR_CONTINUE, "bulk: MAIL accepted")
T.accepts(conn, "<ok@d.example>", "bulk: confirmed consent is accepted")
T.accepts(conn, "<OK@D.EXAMPLE>", "bulk: the address is normalised before the lookup")
T.refuses(conn, "<unsub@d.example>", supp("unsub@d.example", "unsubscribe"), "bulk: global unsubscribe refused")
T.refuses(conn, "<dead@d.example>", supp("dead@d.example", "bounce"), "bulk: bounced address refused")
T.refuses(conn, "<inv@d.example>", supp("inv@d.example", "invalid"), "bulk: invalid address refused")
T.refuses(conn, "<compl@d.example>", supp("compl@d.example", "complaint"), "bulk: complainer refused")
T.refuses(conn, "<entunsub@d.example>", supp("entunsub@d.example", "unsubscribe"), "bulk: entity-scope unsubscribe refused")
T.accepts(conn, "<listunsub@d.example>", "bulk: a list suppression does not apply to mail to no list")
T.refuses(conn, "<none@d.example>", noconsent("none@d.example", "acme"), "bulk: no consent refused")
T.refuses(conn, "<single@d.example>", noconsent("single@d.example", "acme"), "bulk: consent below the entity's level refused")
T.refuses(conn, "<a@@d.example>", "550 5.1.3 <a@@d.example>: bad recipient address syntax", "bad syntax: 550 5.1.3")
T.refuses(conn, "<wrongtype@d.example>", "451 4.3.0 Recipient policy unavailable, try again later",
  "a malformed Redis answer (wrong type) is a temporary failure, never an accept")
mt.abort(conn)

-- bulk mail to a list: list scope counts, the stronger consent counts
T.ok(T.mail(conn, "<news+weekly@acme.example>") == SMFIR_CONTINUE, "list: MAIL accepted")
T.refuses(conn, "<listunsub@d.example>", supp("listunsub@d.example", "unsubscribe"), "list: list-scope unsubscribe refused")
T.accepts(conn, "<listok@d.example>", "list: consent to the list is enough")
T.accepts(conn, "<ok@d.example>", "list: consent to the entity is enough")
T.refuses(conn, "<none@d.example>", noconsent("none@d.example", "acme/weekly"), "list: reply names entity/list")
mt.abort(conn)

-- mandated notices: unsubscribes do not apply, complaints and dead addresses do
T.ok(T.mail(conn, "<notice@acme.example>") == SMFIR_CONTINUE, "mandated: MAIL accepted")
T.accepts(conn, "<unsub@d.example>", "mandated: reaches an unsubscribed address")
T.accepts(conn, "<none@d.example>", "mandated: needs no consent")
T.refuses(conn, "<compl@d.example>", supp("compl@d.example", "complaint"), "mandated: complainer refused by default")
T.refuses(conn, "<dead@d.example>", supp("dead@d.example", "bounce"), "mandated: dead address refused")
mt.abort(conn)
T.ok(T.mail(conn, "<notice+recall2026@acme.example>") == SMFIR_CONTINUE, "mandated: sender with extension")
T.accepts(conn, "<unsub@d.example>", "mandated: the class survives an address extension")
mt.abort(conn)
T.ok(T.mail(conn, "<alert@loud.example>") == SMFIR_CONTINUE, "mandated (reaches complainers): MAIL")
T.accepts(conn, "<compl@d.example>", "mandated: mandated_reaches_complainers lets a notice reach a complainer")
T.refuses(conn, "<dead@d.example>", supp("dead@d.example", "bounce"), "mandated: never a dead address")
mt.abort(conn)

-- transactional mail: only dead addresses are refused
T.ok(T.mail(conn, "<receipts@acme.example>") == SMFIR_CONTINUE, "transactional: MAIL accepted")
T.accepts(conn, "<unsub@d.example>", "transactional: unsubscribe not applied")
T.accepts(conn, "<compl@d.example>", "transactional: complaint not applied")
T.accepts(conn, "<none@d.example>", "transactional: needs no consent")
T.refuses(conn, "<dead@d.example>", supp("dead@d.example", "bounce"), "transactional: bounced refused")
T.refuses(conn, "<inv@d.example>", supp("inv@d.example", "invalid"), "transactional: invalid refused")
mt.abort(conn)

-- confirmation requests: no consent needed, one per address per interval
T.ok(T.mail(conn, "<confirm@acme.example>") == SMFIR_CONTINUE, "confirmation: MAIL accepted")
T.accepts(conn, "<newbie@d.example>", "confirmation: first request accepted without consent")
T.refuses(conn, "<unsub@d.example>", supp("unsub@d.example", "unsubscribe"), "confirmation: unsubscribed refused")
mt.abort(conn)
T.ok(T.mail(conn, "<confirm@acme.example>") == SMFIR_CONTINUE, "confirmation: second message")
T.refuses(conn, "<newbie@d.example>", "550 5.7.1 <newbie@d.example>: confirmation sent recently",
  "confirmation: a second request within the interval is refused")
mt.abort(conn)

-- suspension: bulk and confirmation wait, mandated goes on
T.ok(T.redis("SET bg:suspend:acme breach-2026"), "suspend acme")
T.ok(T.mail(conn, "<news@acme.example>") == SMFIR_CONTINUE, "suspended: MAIL")
T.refuses(conn, "<ok@d.example>", "451 4.7.1 bulk mail of acme suspended", "suspended: bulk tempfails")
T.refuses(conn, "<dead@d.example>", supp("dead@d.example", "bounce"), "suspended: a dead address is still refused for good")
mt.abort(conn)
T.ok(T.mail(conn, "<confirm@acme.example>") == SMFIR_CONTINUE, "suspended: confirmation MAIL")
T.refuses(conn, "<other@d.example>", "451 4.7.1 bulk mail of acme suspended", "suspended: confirmation tempfails")
mt.abort(conn)
T.ok(T.mail(conn, "<notice@acme.example>") == SMFIR_CONTINUE, "suspended: mandated MAIL")
T.accepts(conn, "<ok@d.example>", "suspended: the mandated notice goes on")
mt.abort(conn)
T.ok(T.redis("DEL bg:suspend:acme"), "lift the suspension")
T.ok(T.mail(conn, "<confirm@acme.example>") == SMFIR_CONTINUE, "after suspension: confirmation MAIL")
T.accepts(conn, "<other@d.example>", "a suspended confirmation did not use up the address's one request")
mt.abort(conn)

-- one recipient per message
T.ok(T.mail(conn, "<mail@solo.example>") == SMFIR_CONTINUE, "per_recipient: MAIL")
T.refuses(conn, "<dead@d.example>", supp("dead@d.example", "bounce"), "per_recipient: a refused recipient does not count")
T.accepts(conn, "<a@d.example>", "per_recipient: first accepted recipient")
T.refuses(conn, "<b@d.example>", "452 4.5.3 Too many recipients: one per message", "per_recipient: second gets 452")
mt.abort(conn)
T.ok(T.mail(conn, "<mail@solo.example>") == SMFIR_CONTINUE, "per_recipient: next message")
T.accepts(conn, "<b@d.example>", "per_recipient: the resent recipient is accepted in its own transaction")
mt.abort(conn)

-- entity from the SASL login; mail of no entity is still refused for dead addresses (login.lua, unknown.lua: the rest)
T.ok(T.mail(conn, "<news@acme.example>", "acme-app") == SMFIR_CONTINUE, "sasl: MAIL")
T.refuses(conn, "<none@d.example>", noconsent("none@d.example", "acme"), "sasl: the login names the entity")
mt.abort(conn)
T.ok(T.mail(conn, "<someone@unknown.example>") == SMFIR_CONTINUE, "unknown sender: MAIL accepted")
T.refuses(conn, "<dead@d.example>", supp("dead@d.example", "bounce"), "unknown sender: a dead address is refused (unknown_sender = accept)")
T.accepts(conn, "<unsub@d.example>", "unknown sender: an unsubscribed address is accepted (transactional semantics)")
mt.abort(conn)
T.ok(T.mail(conn, "<>") == SMFIR_CONTINUE, "null sender: MAIL accepted")
T.refuses(conn, "<dead@d.example>", supp("dead@d.example", "bounce"), "null sender: a dead address is refused")
T.accepts(conn, "<none@d.example>", "null sender without login: no consent needed")
mt.abort(conn)

-- consent that expires
T.ok(T.mail(conn, "<x@aged.example>") == SMFIR_CONTINUE, "aged: MAIL")
T.refuses(conn, "<old@d.example>", noconsent("old@d.example", "aged"), "aged: consent older than consent_max_age_days refused")
T.accepts(conn, "<fresh@d.example>", "aged: recent consent accepted")
T.refuses(conn, "<notime@d.example>", noconsent("notime@d.example", "aged"), "aged: consent without a time cannot prove its age")
mt.abort(conn)

-- Redis killed in the middle of a conversation, then back
T.ok(T.mail(conn, "<news@acme.example>") == SMFIR_CONTINUE, "redis: MAIL")
T.accepts(conn, "<ok@d.example>", "redis up: accepted")
T.ok(T.redisctl("stop"), "redis killed")
T.refuses(conn, "<ok@d.example>", "451 4.3.0 Recipient policy unavailable, try again later", "redis down: tempfail")
T.refuses(conn, "<dead@d.example>", "451 4.3.0 Recipient policy unavailable, try again later", "redis down: never accepted")
T.ok(T.redisctl("start"), "redis back (empty)")
T.redis("HSET bg:rcpt:ok@d.example consent:acme confirmed")
T.accepts(conn, "<ok@d.example>", "redis back: the milter recovers by itself")
T.refuses(conn, "<none@d.example>", noconsent("none@d.example", "acme"), "redis back: decisions as before")

-- Redis slower than timeout_ms
T.ok(T.redisctl("pause 1500"), "redis paused for 1.5 s (timeout_ms = 250)")
T.refuses(conn, "<ok@d.example>", "451 4.3.0 Recipient policy unavailable, try again later", "slow redis: tempfail")
mt.sleep(1.6)
T.accepts(conn, "<ok@d.example>", "slow redis: recovers when Redis answers again")
mt.disconnect(conn)
T.done()
