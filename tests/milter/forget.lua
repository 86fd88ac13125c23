-- forget.lua - an address forgotten with --keep-blocked stays refused, for every class and its variants.
dofile(os.getenv("BG_LUA") .. "/common.lua")

local BLOCKED = "550 5.7.1 <gone@d.example>: recipient suppressed (blocked)"
local conn = T.connect()
T.ok(T.mail(conn, "<receipts@acme.example>") == SMFIR_CONTINUE, "transactional MAIL")
T.refuses(conn, "<gone@d.example>", BLOCKED, "a forgotten, blocked address is refused even for transactional mail")
mt.abort(conn)
T.ok(T.mail(conn, "<receipts@acme.example>") == SMFIR_CONTINUE, "transactional MAIL")
T.refuses(conn, "<gone+x@d.example>", "550 5.7.1 <gone+x@d.example>: recipient suppressed (blocked)",
  "... and so is a variant of it (gone+x@)")
mt.abort(conn)
T.ok(T.mail(conn, "<unknown@nobody.example>") == SMFIR_CONTINUE, "MAIL of no entity")
T.refuses(conn, "<gone@d.example>", BLOCKED, "... and mail of no entity")
mt.abort(conn)
T.ok(T.mail(conn, "<receipts@acme.example>") == SMFIR_CONTINUE, "transactional MAIL")
T.accepts(conn, "<kept@d.example>", "an address forgotten without --keep-blocked is mailed again")
mt.disconnect(conn)
T.done()
