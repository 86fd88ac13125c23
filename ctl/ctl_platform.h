/*
 * ctl_platform.h - reading other platforms' exports for "bulkguard-ctl
 * import --format sendgrid|mailchimp|ses", and the reason words import
 * accepts.
 *
 * Columns are found by their header names (compared without case): the
 * address, the reason or status where the export has one, and a time.
 * Each row becomes one row of bulkguard's own CSV (ctl_csv.h). Reason words
 * are mapped to the contract's (bounce, invalid, complaint, unsubscribe,
 * manual; doc/design.md 3.2): each format's table, then the operator's
 * --reason-map FROM=TO; any other word refuses the row, since a stored word
 * outside the contract reads as an unsubscribe, and a dead address or a
 * complainer would then still get transactional or mandated mail. Pure.
 */
#ifndef CTL_PLATFORM_H
#define CTL_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>

#define CTL_PLATFORM_MAPS 32 /* --reason-map options */
#define CTL_PLATFORM_WORD 32 /* bytes of a reason word */

enum ctl_format { CTL_FMT_BULKGUARD = 0, CTL_FMT_SENDGRID, CTL_FMT_MAILCHIMP, CTL_FMT_SES };

/* How one import reads its file; filled by the functions below. */
struct ctl_platform {
	enum ctl_format format;
	int col_address, col_reason, col_time; /* column numbers; -1: none */
	const char *reason;                    /* --reason: the word of every row, when no column says */
	const char *entity, *list;             /* --entity, --list: the scope of every row; NULL: global */
	char source[32];                       /* "import:<format>" */
	struct {
		char from[CTL_PLATFORM_WORD + 1], to[CTL_PLATFORM_WORD + 1];
	} map[CTL_PLATFORM_MAPS];
	int nmap;
};

/* Sets p->format from a name (bulkguard, sendgrid, mailchimp, ses); -1 when unknown. */
int ctl_platform_format(struct ctl_platform *p, const char *name);

/* Adds "FROM=TO" (TO one of the contract's words) to p's map; NULL, or why not (static). */
const char *ctl_platform_map(struct ctl_platform *p, const char *arg);

/* Finds p's columns in the header fields; NULL, or why the file cannot be read (static). */
const char *ctl_platform_header(struct ctl_platform *p, const char *const *fields, int n);

/*
 * Maps a reason word (of any case) to the contract's into out (at least
 * CTL_PLATFORM_WORD + 1 bytes): the operator's map first, then the
 * contract's own words, then the format's table. Returns 1 when mapped, 0
 * when the word names no suppression in that format (Mailchimp's
 * subscribed, pending...: the row is skipped), -1 when it is not known.
 */
int ctl_platform_reason(const struct ctl_platform *p, const char *word, char *out);

/*
 * Turns a platform row into the 8 fields of bulkguard's CSV: out[] point
 * into buf (len bytes) or at static strings. Returns NULL, or why the row is
 * bad (static; for an unknown reason word out[4] is that word); *skip is
 * set for a row that is not a suppression.
 */
const char *ctl_platform_row(const struct ctl_platform *p, const char *const *fields, int n, char *buf, size_t len,
                             const char *out[8], bool *skip);

/* Writes into out the words --reason-map should give for an unknown word, for messages. */
void ctl_platform_hint(const char *word, char *out, size_t len);

#endif
