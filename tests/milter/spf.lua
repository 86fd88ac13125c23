-- spf.lua - SPF of the envelope sender's domain must authorise the entity's pool.
dofile(os.getenv("BG_LUA") .. "/common.lua")

local conn = T.connect()
T.ok(T.mail(conn, "<news@acme.example>") == SMFIR_CONTINUE, "pass: MAIL accepted")
T.accepts(conn, "<r@d.example>", "pass: the message goes on")
mt.abort(conn)
T.mail_refused(conn, "<news@fail.example>", "550 5.7.23 SPF of fail.example does not authorize 192.0.2.10", "fail: 550 5.7.23")
T.mail_refused(conn, "<news@half.example>", "550 5.7.23 SPF of half.example does not authorize 192.0.2.11",
  "one IP of the pool not authorised: refused, naming that IP")
T.mail_refused(conn, "<news@soft.example>", "550 5.7.23 SPF of soft.example does not authorize 192.0.2.10 (softfail)",
  "softfail with spf_policy = refuse (default): refused")
T.mail_refused(conn, "<news@none.example>", "550 5.7.23 SPF of none.example does not authorize 192.0.2.10 (no SPF record)",
  "no SPF record with spf_policy = refuse: refused")
T.mail_refused(conn, "<news@temp.example>", "451 4.7.24 SPF of temp.example could not be checked (temporary DNS error)",
  "temperror: 451 4.7.24")
T.mail_refused(conn, "<news@broken.example>", "550 5.7.24 SPF record of broken.example is broken", "permerror: 550 5.7.24")
T.ok(T.mail(conn, "<news@loose.example>") == SMFIR_CONTINUE, "neutral with spf_policy = accept: accepted")
mt.abort(conn)
T.ok(T.mail(conn, "<news@nocheck.example>") == SMFIR_CONTINUE, "an entity without spf_ips is not checked")
mt.abort(conn)
T.ok(T.mail(conn, "<news@acme.example>") == SMFIR_CONTINUE, "pass again (from the cache)")
mt.disconnect(conn)
T.done()
