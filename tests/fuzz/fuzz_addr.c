/*
 * fuzz_addr.c - libFuzzer target for the address normaliser (bg_addr).
 *
 * Feeds the input to bg_addr_normalise() under each flag combination and
 * aborts when an invariant breaks: an accepted address fits the limits, is
 * NUL-terminated at len with '@' at at, and normalises to itself again; a
 * refused one leaves an empty record. The base address of an accepted one
 * (bg_addr_base) is a well-formed address that is its own base. Build:
 *   clang -fsanitize=fuzzer,address,undefined -I. -Ilib lib/bg_addr.c \
 *       tests/fuzz/fuzz_addr.c -lidn2
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bg_addr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Reports a broken invariant and aborts, so libFuzzer keeps the input. */
static void
fail(const char *what, const struct bg_addr *a)
{
	fprintf(stderr, "fuzz_addr: %s (len %zu, text \"%.*s\")\n", what, a->len,
		(int)sizeof(a->text), a->text);
	abort();
}

/* Checks an accepted record, including that it is a fixed point. */
static void
check_ok(const struct bg_addr *a, unsigned flags)
{
	struct bg_addr again;

	if (a->len > BG_ADDR_MAX || a->text[a->len] != '\0' || strlen(a->text) != a->len)
		fail("bad length or terminator", a);
	if (a->at == 0 || a->at >= a->len - 1 || a->text[a->at] != '@')
		fail("bad '@' index", a);
	if (a->at > BG_ADDR_LOCAL_MAX || a->len - a->at - 1 > BG_ADDR_DOMAIN_MAX)
		fail("part over its limit", a);
	if (bg_addr_normalise(a->text, a->len, flags, &again) != BG_ADDR_OK)
		fail("output refused when normalised again", a);
	if (again.len != a->len || again.at != a->at || memcmp(again.text, a->text, a->len) != 0)
		fail("output changed when normalised again", a);
}

/* Checks the base address of an accepted record: well formed, and a fixed point. */
static void
check_base(const struct bg_addr *a)
{
	static const char delims[] = { '+', '-', '\0' };
	struct bg_addr base, again;

	for (size_t i = 0; i < sizeof(delims); i++) {
		bool differs = bg_addr_base(a, delims[i], &base);

		if (base.len == 0 || base.len > BG_ADDR_MAX || base.text[base.len] != '\0' ||
		    strlen(base.text) != base.len || base.text[base.at] != '@')
			fail("base address malformed", &base);
		if (differs != (base.len != a->len || memcmp(base.text, a->text, a->len) != 0))
			fail("base says it differs when it does not, or the reverse", &base);
		if (bg_addr_base(&base, delims[i], &again))
			fail("the base of a base differs", &again);
	}
}

/* Normalises data under flags and checks the result. */
static void
run(const uint8_t *data, size_t size, unsigned flags)
{
	struct bg_addr a;
	enum bg_addr_status st;

	st = bg_addr_normalise((const char *)data, size, flags, &a);
	if (st == BG_ADDR_OK) {
		check_ok(&a, flags);
		check_base(&a);
	}
	else if (a.len != 0 || a.text[0] != '\0')
		fail("refused but record not empty", &a);
	else if (st == BG_ADDR_NULL && !(flags & BG_ADDR_ALLOW_NULL))
		fail("null without BG_ADDR_ALLOW_NULL", &a);
	if (bg_addr_strerror(st) == NULL)
		fail("no text for status", &a);
}

/* Runs both flag sets on an exact-size copy, so over-reads are caught. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size ? size : 1);

	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	run(copy, size, 0);
	run(copy, size, BG_ADDR_KEEP_CASE | BG_ADDR_ALLOW_NULL);
	free(copy);
	return 0;
}
