/*
 * mlt_reply.c - the one way the milter refuses (mlt_reply.h).
 */
#include "config.h"

#include "mlt_reply.h"

sfsistat
mlt_reply(SMFICTX *ctx, const char *code, const char *xcode, const char *text)
{
	if (smfi_setreply(ctx, (char *)code, (char *)xcode, (char *)text) != MI_SUCCESS)
		return SMFIS_TEMPFAIL;
	return code[0] == '5' ? SMFIS_REJECT : SMFIS_TEMPFAIL;
}
