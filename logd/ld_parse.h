/*
 * ld_parse.h - one line of Postfix's log into a record (pure: bytes in, record out).
 *
 * Postfix writes through postlogd (maillog_file) or syslog; both give
 * "<time> <host> <syslog_name>/<service>[<pid>]: <message>", the time in
 * either the classic "Mmm dd hh:mm:ss" or RFC 3339 form. The records
 * bulkguard-logd uses:
 *
 *   qmgr      "<qid>: from=<sender>, size=..."          LD_FROM
 *   delivery  "<qid>: to=<rcpt>, ..., dsn=X.Y.Z, status=sent|deferred|bounced|expired (text)"
 *   qmgr      "<qid>: removed"                          LD_REMOVED
 *
 * A delivery by a pool transport (syslog_name ".../bg-<pool>-<n>", as
 * bulkguard-ctl postfix-config writes) names its pool and IP number. The
 * reply text is classified: a throttling reply, a block, a dead address.
 * Everything else is LD_NONE. Lines are untrusted only in the sense that
 * they are long or odd; every field is bounded and cut, never overrun.
 */
#ifndef LD_PARSE_H
#define LD_PARSE_H

#include <stddef.h>

#define LD_LINE_MAX 8192 /* bytes of one line looked at */
#define LD_QID_MAX  31
#define LD_POOL_MAX 63
#define LD_ADDR_MAX 320
#define LD_DSN_MAX  15

enum ld_kind { LD_NONE = 0, LD_FROM, LD_DELIVERY, LD_REMOVED };
enum ld_status { LD_SENT = 0, LD_DEFERRED, LD_BOUNCED, LD_EXPIRED };
enum ld_signal {
	LD_SIG_NONE = 0,
	LD_SIG_THROTTLE, /* 421, 4.7.28, 450/451 4.7.x rate limited, Yahoo's TS codes */
	LD_SIG_BLOCK,    /* a blocklisting or reputation block */
	LD_SIG_DEAD,     /* 5.1.1, 5.1.2, 5.1.10 */
};

struct ld_record {
	enum ld_kind kind;
	char qid[LD_QID_MAX + 1];
	char pool[LD_POOL_MAX + 1]; /* "" when not a pool transport */
	long ip;                    /* the pool IP's number (1-based), 0 when not a pool transport */
	char addr[LD_ADDR_MAX + 1]; /* LD_FROM: the sender; LD_DELIVERY: the recipient; without <> */
	char dsn[LD_DSN_MAX + 1];
	enum ld_status status;
	enum ld_signal signal;
};

/* Reads the len bytes at line (no newline needed) into *r; returns r->kind. */
enum ld_kind ld_parse(const char *line, size_t len, struct ld_record *r);

/* Classifies a delivery's dsn and reply text (pure); exported for the unit table. */
enum ld_signal ld_classify(enum ld_status st, const char *dsn, const char *text, size_t len);

/* Names, for logs; static. */
const char *ld_status_name(enum ld_status s);
const char *ld_signal_name(enum ld_signal s);

#endif
