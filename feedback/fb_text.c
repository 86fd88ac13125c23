/*
 * fb_text.c - reading bounce text: status codes and their classes, the phrases MTAs use,
 * auto-reply subjects, the null sender, and tokens in text.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fb_classify.h"
#include "fb_text.h"

#define FB_TOKEN_MIN 70 /* characters of the shortest token */
#define FB_TRIES_MAX 16 /* token candidates tried in one text */

/* Copies n bytes of s into out (len bytes) as printable ASCII on one line, trimmed. */
void
fb_copy_printable(const char *s, size_t n, char *out, size_t len)
{
	size_t o = 0;

	while (n > 0 && isspace((unsigned char)*s))
		s++, n--;
	for (size_t i = 0; i < n && o + 1 < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\t' || c == '\r' || c == '\n')
			c = ' ';
		if (c < 0x20 || c > 0x7e)
			c = '?';
		if (c == ' ' && o > 0 && out[o - 1] == ' ')
			continue;
		out[o++] = (char)c;
	}
	while (o > 0 && out[o - 1] == ' ')
		o--;
	out[o] = '\0';
}

/* True when s[i] may precede or follow a status code (not a digit, dot or letter). */
static bool
code_edge(const char *s, size_t n, size_t i)
{
	return i >= n || !(isalnum((unsigned char)s[i]) || s[i] == '.');
}

/* Length of the enhanced status code [45].d{1,3}.d{1,3} at s[i], or 0. */
static size_t
enhanced_at(const char *s, size_t n, size_t i)
{
	size_t j = i + 1, k;

	if (i >= n || (s[i] != '4' && s[i] != '5') || (i > 0 && !code_edge(s, n, i - 1)))
		return 0;
	for (int part = 0; part < 2; part++) {
		if (j >= n || s[j] != '.')
			return 0;
		for (k = ++j; j < n && j - k < 4 && isdigit((unsigned char)s[j]); j++)
			;
		if (j == k || j - k > 3)
			return 0;
	}
	return code_edge(s, n, j) ? j - i : 0;
}

/* True when s[i] ends a line that a folded line continues (Postfix's "said: 550\n    <a@x>: ..."). */
static bool
folded_after_code(const char *s, size_t n, size_t i)
{
	if (i < n && s[i] == '\r')
		i++;
	return i + 1 < n && s[i] == '\n' && (s[i + 1] == ' ' || s[i + 1] == '\t');
}

/* Length of an SMTP reply code [45]dd followed by a space, a '-' or a folded line at s[i], or 0. */
static size_t
smtp_at(const char *s, size_t n, size_t i)
{
	if (i + 3 >= n || (s[i] != '4' && s[i] != '5') || !isdigit((unsigned char)s[i + 1]) ||
	    !isdigit((unsigned char)s[i + 2]) ||
	    (s[i + 3] != ' ' && s[i + 3] != '-' && !folded_after_code(s, n, i + 3)))
		return 0;
	if (i > 0 && (isalnum((unsigned char)s[i - 1]) || strchr(".:/-+#=", s[i - 1]) != NULL))
		return 0;
	return 3;
}

/* Case-insensitive search for needle in n bytes of s; returns its offset or -1. */
long
fb_find_ci(const char *s, size_t n, const char *needle)
{
	size_t m = strlen(needle);

	for (size_t i = 0; m <= n && i <= n - m; i++)
		if (strncasecmp(s + i, needle, m) == 0)
			return (long)i;
	return -1;
}

/* True when n bytes of s hold one of the NULL-terminated phrases (without case). */
static bool
says_any(const char *s, size_t n, const char *const *phrases)
{
	for (int i = 0; phrases[i] != NULL; i++)
		if (fb_find_ci(s, n, phrases[i]) >= 0)
			return true;
	return false;
}

/*
 * What MTAs write, by what it means. Learnt from the bounces of the corpus
 * and the MTAs' documentation; matched without case anywhere in the text.
 * Each table is one thing a text can say; fb_text_says reads them in the
 * order of says_order.
 */

/* The sender, its IP, domain, authentication or content was refused: says nothing about the mailbox. */
static const char *const says_blocked[] = {
    /* blocklists */
    "blacklist", "black list", "blocklist", "block list", "blocked using", "spamhaus", "spamcop", "sorbs.net",
    "barracudacentral", "dnsbl", " rbl", "rbl:", "listed at", "is listed on", "ip blocked", "ip address blocked",
    "message was blocked", "was blocked because", "blocked by", "blocked for", "banned", "poor reputation",
    "bad reputation", "low reputation", "reputation", "not whitelisted",
    /* the sending host: PTR, HELO, relaying client, too many connections, greylisting */
    "reverse dns", "reverse lookup", "rdns", "ptr record", "no ptr", "ptr lookup", "reverse hostname",
    "client host rejected", "helo command rejected", "too many connections", "too many concurrent", "connection rate",
    "rate limit", "ratelimit", "rate-limit", "too many messages", "too many emails", "unexpected volume", "greylist",
    "graylist", "temporarily deferred", "deferred due to", "tss0", "frequency limited", "blocked ip",
    "not accepting connections", "mismatches client ip", "too many recipients", "at a rate that", "relay quota",
    "service refuse",
    "unusual rate", /* Gmail's 4.7.28/5.7.28: "an unusual rate of mail originating from your IP address" */
    /* the sender: its address or domain, authentication (SPF, DKIM, DMARC) */
    "sender address rejected", "sender rejected", "sender denied", "sender verify failed", "sender verification",
    "domain of sender", "sender domain", "mail from rejected", "not authorized to send", "unauthenticated",
    "invalid sender", /* Orange's OFR_506 "Emetteur invalide. Invalid Sender" */
    "notauthorized",  /* Exchange's RESOLVER.RST.NotAuthorized: the recipient's delivery restrictions refuse us */
    "authentication", "dmarc", "spf ", "spf:", "spf=", "spf check", "sender policy framework", "dkim", "5.7.26",
    "5.7.27", "5.7.509", "5.7.515", "5.7.25 ",
    /* content and policy */
    "spam", "junk mail", "unsolicited", "bulk mail", "virus", "malware", "infected", "content rejected",
    "message content", "message rejected due to", "policy violation", "protocol violation", "violates",
    "purported responsible address", "violation of", "security policy", "local policy", "not accepted due to",
    "refused by policy", "denied by policy", "rejected by policy", "prohibited", "suspicious", "mail refused",
    "message refused", "not accept mail from", "does not accept mail from", "don't accept mail from", "mail rejected",
    "not allowed", "message not accepted", "header error", "access denied",
    /* a mailing list that takes posts from its members only (Google Groups writes in the sender's language) */
    "not a member of", "groups.google.com/support", "send mail as", "does not advertise auth",
    /* the message's From: (GoDaddy's IB506 "From: Domain is invalid. Please provide a valid From:") */
    "provide a valid from",
    /* Gmail's 5.7.1 "Messages missing a valid address in From: header ... are not accepted" */
    "from: header", NULL};

/* The domain does not exist or has no mail host. */
static const char *const says_host_unknown[] = {"host not found",
                                                "host unknown",
                                                "unknown host",
                                                "host or domain name not found",
                                                "domain not found",
                                                "domain does not exist",
                                                "domain doesn't exist",
                                                "no such domain",
                                                "unknown domain",
                                                "domain name not found",
                                                "unrouteable mail domain",
                                                "name or service not known",
                                                "nxdomain",
                                                "no mx record",
                                                "no mail exchanger",
                                                "mx lookup failed",
                                                "couldn't find any host",
                                                "could not find any host",
                                                "unable to resolve",
                                                "dns lookup failed",
                                                "host name lookup failure",
                                                "domain is not valid",
                                                "invalid domain",
                                                "no route to host",
                                                "illegal host/domain",
                                                "not a valid domain",
                                                "mail for domain",
                                                "hostname lookup failed",
                                                "domain is not reachable",
                                                "domain couldn't be found",
                                                "domain could not be found",
                                                NULL};

/* The mailbox does not exist. Not RFC 5321's generic 550 text, "mailbox unavailable", which any refusal uses. */
static const char *const says_user_unknown[] = {"user unknown",
                                                "unknown user",
                                                "user is unknown",
                                                "no such user",
                                                "no such recipient",
                                                "no such mailbox",
                                                "no such address",
                                                "no such account",
                                                "unknown recipient",
                                                "recipient unknown",
                                                "recipient not found",
                                                "recipient does not exist",
                                                "recipient doesn't exist",
                                                "user not found",
                                                "user doesn't exist",
                                                "user does not exist",
                                                "mailbox not found",
                                                "mailbox does not exist",
                                                "mailbox doesn't exist",
                                                "mailbox unknown",
                                                "unknown mailbox",
                                                "not a valid mailbox",
                                                "invalid mailbox",
                                                "not a valid recipient",
                                                "invalid address",
                                                "address unknown",
                                                "addressee unknown",
                                                "unknown address",
                                                "address does not exist",
                                                "address doesn't exist",
                                                "account does not exist",
                                                "account doesn't exist",
                                                "account or domain may not exist",
                                                "no mailbox here",
                                                "no mailbox by that name",
                                                "not listed in domino directory",
                                                "not listed in public",
                                                "invalid final delivery userid",
                                                "no account by that name",
                                                "unrouteable address",
                                                "unknown local part",
                                                "unknown or illegal alias",
                                                "bad destination mailbox",
                                                "is not a known user",
                                                "nosuchuser",
                                                "no_such_user",
                                                "user invalid",
                                                "invalid user",
                                                "name is not recognized",
                                                "address couldn't be found",
                                                "address could not be found",
                                                "is not a valid",
                                                "unknown or invalid",
                                                "user account is unavailable",
                                                "no valid recipients",
                                                "not exist",
                                                NULL};

/* The mailbox exists but takes no mail: disabled, suspended, inactive, moved. Counted, not dead at once. */
static const char *const says_disabled[] = {"disabled",
                                            "account is inactive",
                                            "tried to reach is inactive",
                                            "suspended",
                                            "discontinued",
                                            "has moved",
                                            "no longer",
                                            "not our customer",
                                            "not our user",
                                            "on hold",
                                            "account has been",
                                            "account is not active",
                                            "expired account",
                                            "does not accept mail", /* a null MX (RFC 7505): the host takes none */
                                            NULL};

/*
 * Read before the refusals of the sender: the receiver takes no mail for
 * this address here (no relaying) or refuses the message's form, which is
 * not the sender's standing. Counted, like a disabled mailbox; so is Zoho's
 * "Relaying disallowed. Invalid Domain" (a domain it does not host), read
 * before its "invalid domain": the domain exists, its mail host refuses it.
 */
static const char *const says_not_served[] = {"relaying denied",     "relay access denied",  "relay denied",
                                              "relay not permitted", "relaying not allowed", "relaying disallowed",
                                              "no relaying",         "unable to relay",      "not permitted to relay",
                                              "we do not relay",     "rfc 5322 compliant",   NULL};

/*
 * The provider's own sentence that it has no such account (Yahoo's "This user
 * doesn't have a yahoo.com account", La Poste's "Invalid recipient"): a
 * directory lookup, whenever in the dialogue it was answered.
 */
static const char *const says_no_account[] = {"doesn't have a", "does not have an account", "invalid recipient", NULL};

/*
 * "User unknown" with the address left out ("550 : User unknown"): what the
 * Japanese carriers' filters (au/ezweb, docomo) answer when the recipient's
 * own settings refuse the sender; the mailbox exists. Counted, not dead. The
 * same words in brackets after an address, without any SMTP reply, are a
 * filtering gateway's own summary of what its next hop did.
 */
static const char *const says_filtered[] = {"550 : user unknown", "550: : user unknown", ": : user unknown",
                                            /* a gateway's list, "addr [User unknown]": no reply of the mailbox host */
                                            "[user unknown]", NULL};

/* Exceptions read before the refusals of the sender: the mailbox does not exist, whatever else the text says. */
static const char *const says_user_unknown_first[] = {"recipient address rejected: access denied", NULL};

/* The mailbox is full. */
static const char *const says_full[] = {"over quota",
                                        "quota exceeded",
                                        "exceeded quota",
                                        "exceeds quota",
                                        "quota",
                                        "mailbox full",
                                        "mailbox is full",
                                        "mailbox has exceeded",
                                        "full mailbox",
                                        "insufficient storage",
                                        "exceeded storage",
                                        "storage space",
                                        "mailbox size limit",
                                        "mail box is full",
                                        "is over the",
                                        "insufficient",
                                        NULL};

/* The message was given up after retrying: a final failure. */
static const char *const says_expired[] = {"retry timeout exceeded",
                                           "retry time not reached",
                                           "message expired",
                                           "delivery time expired",
                                           "too long in the queue",
                                           "was not delivered within",
                                           "could not be delivered within",
                                           "delivery expired",
                                           "has expired",
                                           "expired after",
                                           "giving up",
                                           "gave up",
                                           "maximum time",
                                           "timed out",
                                           "timeout",
                                           "time-out",
                                           "delivery failed after",
                                           "period expired",
                                           "in the queue too long",
                                           "envelope expired",
                                           "failed after",
                                           "attempts:",
                                           NULL};

/* The message is still being retried: a warning, nothing failed yet. */
static const char *const says_delayed[] = {"has been delayed",
                                           "warning message only",
                                           "will be retried",
                                           "will retry",
                                           "delivery delayed",
                                           "still trying",
                                           "not yet been delivered",
                                           "delivery attempts will continue",
                                           "no action is required",
                                           "will continue to try",
                                           "still being retried",
                                           "delayed mail",
                                           NULL};

/* The order tables are read in: the first that matches decides. */
static const struct {
	enum fb_says says;
	const char *const *phrases;
} says_order[] = {
    {FB_SAYS_DELAYED, says_delayed},           {FB_SAYS_USER_UNKNOWN, says_user_unknown_first},
    {FB_SAYS_DISABLED, says_not_served},       {FB_SAYS_BLOCKED, says_blocked},
    {FB_SAYS_HOST_UNKNOWN, says_host_unknown}, {FB_SAYS_FULL, says_full},
    {FB_SAYS_DISABLED, says_disabled},         {FB_SAYS_FILTERED, says_filtered},
    {FB_SAYS_NO_ACCOUNT, says_no_account},     {FB_SAYS_USER_UNKNOWN, says_user_unknown},
    {FB_SAYS_EXPIRED, says_expired},
};

/* Where in the SMTP dialogue a remote server refused, as MTAs write it. */
static const char *const stage_sender[] = {"in reply to mail from",
                                           "after mail from",
                                           "did not like our mail from",
                                           "sender was rejected",
                                           "in reply to helo",
                                           "in reply to ehlo",
                                           "after helo",
                                           "after ehlo",
                                           "my name was rejected",
                                           "after initial connection",
                                           "while connected to",
                                           "initial greeting",
                                           "refused to talk to me",
                                           NULL};
static const char *const stage_data[] = {
    "in reply to end of data", "in reply to data", "after end of data", "after data", "did not like our final data",
    "did not like our data",   "for text command", "smtp command data", NULL};
static const char *const stage_rcpt[] = {
    "in reply to rcpt to", "after rcpt to", "did not like our rcpt to", "after rcpt command",
    "smtp:rcpt",           "[rcpt_to]",     "rcpt to command",          NULL};

/*
 * The SMTP command of a transcript (">>> CMD" lines, "<<< reply" lines) that
 * the first 4xx or 5xx reply answers. With pipelining the replies to RCPT
 * TO come after DATA: fb_says_at_stage weighs that.
 */
static enum fb_stage
transcript_stage(const char *s, size_t n)
{
	long reply = fb_find_ci(s, n, "<<< 5");
	long cmd = -1;

	if (reply < 0)
		reply = fb_find_ci(s, n, "<<< 4");
	if (reply < 0)
		return FB_STAGE_UNKNOWN;
	for (long i = reply; i >= 0 && cmd < 0; i--)
		if (strncmp(s + i, ">>> ", 4) == 0)
			cmd = i + 4;
	if (cmd < 0)
		return FB_STAGE_UNKNOWN;
	if (strncasecmp(s + cmd, "MAIL", 4) == 0 || strncasecmp(s + cmd, "HELO", 4) == 0 ||
	    strncasecmp(s + cmd, "EHLO", 4) == 0)
		return FB_STAGE_SENDER;
	return strncasecmp(s + cmd, "DATA", 4) == 0 ? FB_STAGE_DATA : FB_STAGE_RCPT;
}

/*
 * Copies n bytes of s into a new string with each run of white space (line
 * breaks and folding included) made one space; the caller frees it.
 */
static char *
one_line(const char *s, size_t n, size_t *len)
{
	char *out = malloc(n + 1);
	size_t o = 0;

	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		bool space = s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n';

		if (!space)
			out[o++] = s[i];
		else if (o > 0 && out[o - 1] != ' ')
			out[o++] = ' ';
	}
	out[o] = '\0';
	*len = o;
	return out;
}

enum fb_stage
fb_text_stage(const char *s, size_t n)
{
	enum fb_stage t;
	size_t len;
	char *line;

	if (s == NULL)
		return FB_STAGE_UNKNOWN;
	if ((t = transcript_stage(s, n)) != FB_STAGE_UNKNOWN)
		return t;
	if ((line = one_line(s, n, &len)) == NULL)
		return FB_STAGE_UNKNOWN;
	if (says_any(line, len, stage_sender))
		t = FB_STAGE_SENDER;
	else if (says_any(line, len, stage_data))
		t = FB_STAGE_DATA;
	else if (says_any(line, len, stage_rcpt))
		t = FB_STAGE_RCPT;
	free(line);
	return t;
}

/*
 * True when status is an enhanced x.2.x or x.3.x code (RFC 3463's mailbox
 * and mail system status): the address itself was not what failed.
 */
static bool
status_says_address_exists(const char *status)
{
	return status != NULL && (status[0] == '4' || status[0] == '5') &&
	       (strncmp(status + 1, ".2.", 3) == 0 || strncmp(status + 1, ".3.", 3) == 0);
}

enum fb_says
fb_says_at_stage(enum fb_says says, enum fb_stage stage, const char *status)
{
	if (stage == FB_STAGE_SENDER && says != FB_SAYS_DELAYED && says != FB_SAYS_FULL && says != FB_SAYS_EXPIRED)
		return FB_SAYS_BLOCKED; /* refused before any recipient was named (a full disk is the receiver's state)
		                         */
	if (stage == FB_STAGE_DATA && says == FB_SAYS_USER_UNKNOWN && fb_status_class(status) != FB_CLASS_BOUNCE)
		return FB_SAYS_FILTERED; /* a filter's words after the content, not a directory lookup */
	if (stage != FB_STAGE_RCPT && says == FB_SAYS_USER_UNKNOWN && status_says_address_exists(status))
		return FB_SAYS_FILTERED; /* not the address, and not answering RCPT TO: a filter's words */
	return says;
}

enum fb_says
fb_text_says(const char *s, size_t n)
{
	enum fb_says says = FB_SAYS_NOTHING;
	size_t len;
	char *line;

	if (s == NULL || (line = one_line(s, n, &len)) == NULL)
		return FB_SAYS_NOTHING;
	for (size_t i = 0; i < sizeof(says_order) / sizeof(says_order[0]) && says == FB_SAYS_NOTHING; i++)
		if (says_any(line, len, says_order[i].phrases))
			says = says_order[i].says;
	free(line);
	return says;
}

const char *
fb_says_name(enum fb_says says)
{
	static const char *names[] = {"nothing", "user-unknown", "host-unknown", "blocked",    "full",   "expired",
	                              "delayed", "disabled",     "filtered",     "no-account", "program"};

	return (unsigned)says < sizeof(names) / sizeof(names[0]) ? names[says] : "?";
}

const char *
fb_says_status(enum fb_says says)
{
	static const char *status[] = {"",      "5.1.1", "5.1.2", "5.7.1", "5.2.2", "4.4.7",
	                               "4.4.7", "5.2.1", "5.0.0", "5.1.1", "5.0.0"};

	return (unsigned)says < sizeof(status) / sizeof(status[0]) ? status[says] : "";
}

bool
fb_subject_auto_reply(const char *subject)
{
	static const char *starts[] = {"automatic reply",
	                               "automatische antwort",
	                               "auto reply",
	                               "auto-reply",
	                               "autoreply",
	                               "auto response",
	                               "auto-response",
	                               "autoresponse",
	                               "automatic response",
	                               "auto:",
	                               "[auto",
	                               "(auto",
	                               "out of office",
	                               "out of the office",
	                               "ooo:",
	                               "abwesend",
	                               "abwesenheit",
	                               "vacation",
	                               "on vacation",
	                               "away from",
	                               "r\xc3\xa9ponse automatique",
	                               "reponse automatique",
	                               "risposta automatica",
	                               "respuesta autom",
	                               "automatisch antwoord",
	                               "resposta autom",
	                               NULL};

	if (subject == NULL)
		return false;
	while (*subject == ' ' || *subject == '\t')
		subject++;
	for (int i = 0; starts[i] != NULL; i++)
		if (strncasecmp(subject, starts[i], strlen(starts[i])) == 0)
			return true;
	return false;
}

bool
fb_find_status(const char *s, size_t n, char *status, size_t slen, char *diag, size_t dlen)
{
	size_t i, at = n, k = 0;
	bool smtp = false;

	status[0] = diag[0] = '\0';
	for (i = 0; i < n && at == n; i++)
		if ((k = enhanced_at(s, n, i)) > 0)
			at = i;
	for (i = 0; i < n && at == n; i++)
		if ((k = smtp_at(s, n, i)) > 0)
			at = i, smtp = true;
	if (at == n)
		return false;
	if (smtp)
		snprintf(status, slen, "%c.0.0", s[at]);
	else
		snprintf(status, slen, "%.*s", (int)k, s + at);
	for (i = at; i > 0 && s[i - 1] != '\n'; i--)
		;
	for (k = at; k < n && s[k] != '\n'; k++)
		;
	fb_copy_printable(s + i, k - i, diag, dlen);
	return !smtp;
}

void
fb_status_refine(char *status, size_t len, enum fb_says says)
{
	const char *said = fb_says_status(says);

	if (said[0] == '\0')
		return;
	if (status[0] == '\0' || (status[0] == said[0] && strcmp(status + 1, ".0.0") == 0))
		snprintf(status, len, "%s", said);
}

/* True for a base64url character. */
static bool
b64url(char c)
{
	return isalnum((unsigned char)c) || c == '-' || c == '_';
}

/* Tries the run of len characters at s, and its tails after each '-', as a token. */
static bool
try_run(const char *s, size_t len, const struct bg_token_keys *keys, struct bg_token *out, int *tries)
{
	for (size_t i = 0; i < len && *tries < FB_TRIES_MAX; i++) {
		if (i > 0 && s[i - 1] != '-')
			continue;
		if (len - i < FB_TOKEN_MIN)
			break;
		if (len - i > BG_TOKEN_MAX)
			continue;
		++*tries;
		if (bg_token_open(keys, s + i, len - i, out) == BG_TOKEN_OK)
			return true;
	}
	return false;
}

bool
fb_find_token(const char *s, size_t n, const struct bg_token_keys *keys, struct bg_token *out)
{
	int tries = 0;
	size_t i = 0;

	if (keys == NULL || s == NULL)
		return false;
	while (i < n && tries < FB_TRIES_MAX) {
		size_t start;

		if (s[i] == '%' && i + 2 < n && isxdigit((unsigned char)s[i + 1]) &&
		    isxdigit((unsigned char)s[i + 2])) {
			i += 3;
			continue;
		}
		if (!b64url(s[i])) {
			i++;
			continue;
		}
		for (start = i; i < n && b64url(s[i]); i++)
			;
		if (try_run(s + start, i - start, keys, out, &tries))
			return true;
	}
	memset(out, 0, sizeof(*out));
	return false;
}

/* The x.y.z of a status; false when it is no enhanced status code. */
static bool
status_parts(const char *s, int part[3])
{
	return s != NULL && sscanf(s, "%d.%d.%d", &part[0], &part[1], &part[2]) == 3 && (part[0] == 4 || part[0] == 5);
}

/* Codes that refuse the sender, not the mailbox (RFC 7372, Microsoft's and Google's documented codes). */
static bool
status_blocks(const int part[3])
{
	static const int codes[][2] = {
	    {7, 25},  /* reverse DNS required (RFC 7372) */
	    {7, 26},  /* multiple authentication checks failed (RFC 7372), Google's DMARC/SPF/DKIM */
	    {7, 27},  /* sender address has a null MX (RFC 7505) */
	    {7, 509}, /* Microsoft: DMARC reject */
	    {7, 515}, /* Microsoft: the sending domain fails its authentication requirements */
	    {7, 606}, /* Microsoft: the sending IP is banned (5.7.606 to 5.7.649) */
	};

	if (part[1] == 6 || (part[1] == 7 && part[2] >= 606 && part[2] <= 649))
		return true; /* x.6.x: the message's content or media was refused (RFC 3463) */
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (part[1] == codes[i][0] && part[2] == codes[i][1])
			return true;
	return false;
}

enum fb_class
fb_status_class(const char *s)
{
	int part[3];

	if (!status_parts(s, part))
		return FB_CLASS_NONE;
	if (status_blocks(part))
		return FB_CLASS_BLOCK;
	if (part[0] == 5 && part[1] == 1 && (part[2] == 1 || part[2] == 2 || part[2] == 10))
		return FB_CLASS_BOUNCE;
	return FB_CLASS_HARD;
}

/* True when action says the message reached, or was passed on toward, the recipient. */
static bool
action_no_failure(const char *action)
{
	return strcasecmp(action, "delivered") == 0 || strcasecmp(action, "relayed") == 0 ||
	       strcasecmp(action, "expanded") == 0;
}

enum fb_class
fb_rcpt_class(const char *status, const char *action, enum fb_says says)
{
	int part[3];
	bool coded = status_parts(status, part);

	if (action != NULL && action_no_failure(action))
		return FB_CLASS_NONE;
	if (action != NULL && action[0] != '\0' ? strcasecmp(action, "delayed") == 0 : says == FB_SAYS_DELAYED)
		return coded ? FB_CLASS_SOFT : FB_CLASS_NONE;
	switch (says) {
	case FB_SAYS_BLOCKED: return FB_CLASS_BLOCK;
	case FB_SAYS_USER_UNKNOWN:
	case FB_SAYS_NO_ACCOUNT: return FB_CLASS_BOUNCE;
	case FB_SAYS_HOST_UNKNOWN: /* a temporary DNS failure proves nothing */
		return coded && part[0] == 4 ? FB_CLASS_HARD : FB_CLASS_BOUNCE;
	case FB_SAYS_FULL:
	case FB_SAYS_EXPIRED:
	case FB_SAYS_DISABLED:
	case FB_SAYS_FILTERED:
	case FB_SAYS_PROGRAM: return FB_CLASS_HARD;
	default: break;
	}
	return fb_status_class(status); /* a final failure: 4.x.x counts like 5.x.x */
}
bool
fb_sender_is_null(const char *sender)
{
	return sender != NULL &&
	       (sender[0] == '\0' || strcmp(sender, "<>") == 0 || strcasecmp(sender, "MAILER-DAEMON") == 0);
}
