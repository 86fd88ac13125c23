-- alive.lua - the milter still answers a normal conversation.
dofile(os.getenv("BG_LUA") .. "/common.lua")
local conn = T.connect()
T.ok(T.mail(conn, "<news@acme.example>") == SMFIR_CONTINUE, "after abuse: MAIL")
T.refuses(conn, "<dead@d.example>", "550 5.7.1 <dead@d.example>: recipient suppressed (bounce)", "after abuse: decisions as before")
T.accepts(conn, "<r0@d.example>", "after abuse: consented recipient accepted")
mt.disconnect(conn)
T.done()
