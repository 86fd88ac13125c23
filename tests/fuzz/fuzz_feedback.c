/*
 * fuzz_feedback.c - libFuzzer target for the feedback classifier (fb_classify).
 *
 * Each input is a whole message, fed as an exact-size copy to fb_classify
 * under a fixed in-memory key set: to a plain envelope recipient from the
 * null sender, to a forged short-form VERP from the null sender, from a
 * person, to a genuine named VERP from the null sender, to a genuine and to a forged reply address (reply_domain),
 * and to an abuse address. It aborts when an invariant breaks: the kind and classes
 * are in range, at most FB_RCPT_MAX recipients, every string of the record is NUL-terminated inside its buffer, a DSN
 * recipient with a class has a status, a not-feedback record names nobody, nothing is verified
 * without a VERP of ours, mail from a person is never a DSN, a genuine VERP or reply address verifies its own
 * recipient only, a forged reply address nobody. The
 * corpus holds a DSN, a non-standard bounce, an ARF report, an unsubscribe mail, a broken multipart, a reply and a
 * complaint forwarded to an abuse address. Build:
 *   clang -fsanitize=fuzzer,address,undefined -I. -Ilib -Ifeedback $(pkg-config --cflags gmime-3.0 json-glib-1.0) \
 *       lib/bg_addr.c lib/bg_token.c lib/bg_token_keys.c lib/bg_verp.c lib/bg_from.c feedback/fb_classify.c \
 *       feedback/fb_dsn.c feedback/fb_mime.c feedback/fb_text.c feedback/fb_ses.c feedback/fb_reply.c \
 *       tests/fuzz/fuzz_feedback.c $(pkg-config --libs gmime-3.0 json-glib-1.0) -lidn2 -lsodium
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bg_token.h"
#include "bg_verp.h"
#include "fb_classify.h"
#include "fb_text.h"

#define FUZZ_KEYS "7 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct bg_token_keys *keys;
static struct fb_record rec;
/* made with the fuzz key for alice@example.com, tag pnpe (acme's default), 2026-12-07 */
#define GENUINE "b2-auj2ckjpmccspnpe-alice=example.com@bounce.esp.example"
static const struct bg_verp_window window = {20794, 30, 20794}; /* 2026-12-07, version 1 too */
static char reply[BG_ADDR_MAX + 1], forged[BG_ADDR_MAX + 1];    /* alice's reply address, and one with a bad MAC */

/* Reports a broken invariant and aborts, so libFuzzer keeps the input. */
static void
fail(const char *what)
{
	fprintf(stderr, "fuzz_feedback: %s\n", what);
	abort();
}

/* Aborts unless s holds a NUL within its size bytes. */
static void
terminated(const char *s, size_t size, const char *what)
{
	if (memchr(s, '\0', size) == NULL)
		fail(what);
}

/* Checks one DSN recipient. */
static void
check_rcpt(const struct fb_rcpt *x)
{
	terminated(x->addr.text, sizeof(x->addr.text), "address not terminated");
	terminated(x->status, sizeof(x->status), "status not terminated");
	terminated(x->action, sizeof(x->action), "action not terminated");
	terminated(x->diag, sizeof(x->diag), "diag not terminated");
	if ((unsigned)x->cls > FB_CLASS_BLOCK)
		fail("class out of range");
	if (x->cls != FB_CLASS_NONE && x->status[0] == '\0')
		fail("a class without a status");
	if (x->addr.len != strlen(x->addr.text))
		fail("address length wrong");
}

/* The genuine VERP verifies alice and nobody else: at most one recipient, hers. */
static void
check_genuine(const struct fb_record *r)
{
	for (size_t i = 0; i < r->n_rcpt; i++) {
		check_rcpt(&r->rcpt[i]);
		if (r->rcpt[i].verp == BG_VERP_OK &&
		    (r->n_rcpt != 1 || strcmp(r->rcpt[i].addr.text, "alice@example.com") != 0))
			fail("a genuine VERP verifies somebody else");
	}
	if (r->kind == FB_DSN && (r->n_rcpt != 1 || r->rcpt[0].verp != BG_VERP_OK))
		fail("a DSN to a genuine named VERP is not about its recipient");
}

/* Checks the whole record. */
static void
check(const struct fb_record *r)
{
	if ((unsigned)r->kind > FB_REPLY)
		fail("kind out of range");
	if (r->n_rcpt > FB_RCPT_MAX)
		fail("too many recipients");
	if (r->kind == FB_NOT_FEEDBACK && r->n_rcpt != 0)
		fail("not-feedback with recipients");
	for (size_t i = 0; i < r->n_rcpt; i++) {
		check_rcpt(&r->rcpt[i]);
		if (r->rcpt[i].verp == BG_VERP_OK)
			fail("a recipient verified without a VERP of ours");
	}
	terminated(r->arf.feedback_type, sizeof(r->arf.feedback_type), "feedback type not terminated");
	terminated(r->arf.dkim_domain, sizeof(r->arf.dkim_domain), "d= not terminated");
	terminated(r->arf.from_domain, sizeof(r->arf.from_domain), "from domain not terminated");
	terminated(r->arf.verp_domain, sizeof(r->arf.verp_domain), "verp domain not terminated");
	terminated(r->why, sizeof(r->why), "why not terminated");
	if (r->arf.verp_status == BG_VERP_OK && r->arf.verp_rcpt.len == 0)
		fail("a good VERP without a recipient");
	if (r->kind == FB_REPLY && r->reply.rcpt.len != strlen(r->reply.rcpt.text))
		fail("reply recipient length wrong");
}

/* A reply to the genuine reply address verifies alice or nobody; any other address verifies nobody. */
static void
check_reply(const struct fb_record *r, int genuine)
{
	check(r);
	if (r->kind != FB_REPLY || r->reply.status != BG_VERP_OK)
		return;
	if (!genuine)
		fail("a forged reply address verifies");
	if (strcmp(r->reply.rcpt.text, "alice@example.com") != 0)
		fail("a genuine reply address verifies somebody else");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[128];
	char *copy;

	if (keys == NULL) {
		if (bg_token_init() < 0 ||
		    (keys = bg_token_keys_parse(FUZZ_KEYS, strlen(FUZZ_KEYS), "fuzz", err, sizeof(err))) == NULL ||
		    bg_verp_reply_make(keys, "alice@example.com", "pnpe", 20794, "reply.esp.example", reply,
		                       sizeof(reply)) != BG_VERP_OK)
			fail("key set");
		snprintf(forged, sizeof(forged), "%s", reply);
		forged[10] = forged[10] == 'a' ? 'b' : 'a';
	}
	if ((copy = malloc(size ? size : 1)) == NULL)
		return 0;
	memcpy(copy, data, size);
	fb_classify(copy, size, &(struct fb_envelope){"bounces@bounce.esp.example", "", keys, window}, &rec);
	check(&rec);
	fb_classify(copy, size,
	            &(struct fb_envelope){"b2-auj2aaaaaaaaacme@bounce.esp.example", "MAILER-DAEMON", keys, window},
	            &rec);
	check(&rec);
	fb_classify(copy, size,
	            &(struct fb_envelope){"bounces@bounce.esp.example", "someone@example.com", keys, window}, &rec);
	check(&rec);
	if (rec.kind == FB_DSN)
		fail("a DSN from a sender that is not null");
	fb_classify(copy, size, &(struct fb_envelope){GENUINE, "", keys, window}, &rec);
	check_genuine(&rec);
	fb_classify(copy, size, &(struct fb_envelope){reply, "alice@example.com", keys, window, true, false}, &rec);
	check_reply(&rec, 1);
	fb_classify(copy, size, &(struct fb_envelope){forged, "alice@example.com", keys, window, true, false}, &rec);
	check_reply(&rec, 0);
	fb_classify(copy, size,
	            &(struct fb_envelope){"abuse@esp.example", "someone@example.com", keys, window, false, true}, &rec);
	check(&rec);
	free(copy);
	return 0;
}
