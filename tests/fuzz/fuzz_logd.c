/*
 * fuzz_logd.c - libFuzzer target for bulkguard-logd's line parser.
 *
 * Invariants: every field is NUL-terminated within its bound, a record that
 * is not LD_NONE has a queue id, a pool IP number is set exactly when a pool
 * name is, and parsing is deterministic.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../logd/ld_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ld_record a, b;

	ld_parse((const char *)data, size, &a);
	ld_parse((const char *)data, size, &b);
	if (memcmp(&a, &b, sizeof(a)) != 0)
		abort();
	if (strlen(a.qid) > LD_QID_MAX || strlen(a.pool) > LD_POOL_MAX || strlen(a.addr) > LD_ADDR_MAX ||
	    strlen(a.dsn) > LD_DSN_MAX)
		abort();
	if (a.kind != LD_NONE && a.qid[0] == '\0')
		abort();
	if ((a.ip > 0) != (a.pool[0] != '\0'))
		abort();
	return 0;
}
