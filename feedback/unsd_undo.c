/*
 * unsd_undo.c - bulkguard-unsubd's Redis writes (as Lua scripts, each atomic
 * with its audit entry) and the MAC that lets the done page undo one.
 */
#include "config.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "bg_audit.h"
#include "bg_suppress.h"
#include "unsd_undo.h"

#define KDF_CTX "bgundo01"
#define KDF_ID  1

/* KEYS: the recipient's hash, the audit stream. ARGV: field, value, audit, who, address, maxlen. */
static const char write_lua[] =
    "local old = redis.call('HGET', KEYS[1], ARGV[1])\n"
    "redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])\n"
    "if ARGV[3] == '1' then redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[6], '*', 'who', ARGV[4], "
    "'what', 'suppress', 'address', ARGV[5], 'field', ARGV[1], 'value', ARGV[2]) end\n"
    "if old then return 0 end\n"
    "return 1\n";

/* Same KEYS and ARGV: deletes the field only while it holds the value. */
static const char undo_lua[] =
    "if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end\n"
    "redis.call('HDEL', KEYS[1], ARGV[1])\n"
    "if ARGV[3] == '1' then redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[6], '*', 'who', ARGV[4], "
    "'what', 'resubscribe', 'address', ARGV[5], 'field', ARGV[1], 'value', ARGV[2]) end\n"
    "return 1\n";

/* Runs script on c; returns its integer, or UNSD_STORE_DOWN / REFUSED. */
static int
run(struct bg_redis *r, const char *script, const struct unsd_change *c, char *err, size_t errlen)
{
	char key[512], stream[128];
	const char *argv[11] = {
	    "EVAL",     script,         "2", key, stream, c->field, c->value, c->audit ? "1" : "0", c->who,
	    c->address, BG_AUDIT_MAXLEN};
	redisReply *rep;
	int rc;

	if (snprintf(key, sizeof(key), "%srcpt:%s", c->prefix, c->address) >= (int)sizeof(key)) {
		snprintf(err, errlen, "key too long");
		return UNSD_STORE_REFUSED;
	}
	if (bg_audit_stream(r, c->prefix, key, stream, sizeof(stream)) < 0) { /* a Cluster: the part in key's slot */
		snprintf(err, errlen, "audit stream name too long");
		return UNSD_STORE_REFUSED;
	}
	if (bg_redis_append(r, 11, argv, NULL) < 0 || (rep = bg_redis_reply(r)) == NULL)
		return UNSD_STORE_DOWN;
	if (rep->type == REDIS_REPLY_INTEGER)
		rc = rep->integer == 1 ? 1 : 0;
	else {
		snprintf(err, errlen, "%.*s", rep->type == REDIS_REPLY_ERROR ? (int)rep->len : 0, rep->str);
		rc = UNSD_STORE_REFUSED;
	}
	freeReplyObject(rep);
	return rc;
}

int
unsd_store_write(struct bg_redis *r, const struct unsd_change *c, char *err, size_t errlen)
{
	return run(r, write_lua, c, err, errlen);
}

int
unsd_store_undo(struct bg_redis *r, const struct unsd_change *c, char *err, size_t errlen)
{
	return run(r, undo_lua, c, err, errlen);
}

/* Computes the raw MAC into out (crypto_auth_hmacsha512256_BYTES); -1 when no subkey can be derived. */
static int
mac_raw(const struct bg_token_keys *keys, const char *token, long long at, const char *field, const char *value,
        unsigned char *out)
{
	unsigned char key[crypto_auth_hmacsha512256_KEYBYTES];
	crypto_auth_hmacsha512256_state st;
	char when[24];

	if (bg_token_keys_derive(keys, 0, KDF_CTX, KDF_ID, key, sizeof(key)) < 0)
		return -1;
	snprintf(when, sizeof(when), "%lld", at);
	crypto_auth_hmacsha512256_init(&st, key, sizeof(key));
	crypto_auth_hmacsha512256_update(&st, (const unsigned char *)token, strlen(token) + 1); /* each with its NUL */
	crypto_auth_hmacsha512256_update(&st, (const unsigned char *)when, strlen(when) + 1);
	crypto_auth_hmacsha512256_update(&st, (const unsigned char *)field, strlen(field) + 1);
	crypto_auth_hmacsha512256_update(&st, (const unsigned char *)value, strlen(value) + 1);
	crypto_auth_hmacsha512256_final(&st, out);
	sodium_memzero(key, sizeof(key));
	sodium_memzero(&st, sizeof(st));
	return 0;
}

int
unsd_undo_mac(const struct bg_token_keys *keys, const char *token, long long at, const char *field, const char *value,
              char *mac)
{
	unsigned char raw[crypto_auth_hmacsha512256_BYTES];

	if (mac_raw(keys, token, at, field, value, raw) < 0)
		return -1;
	sodium_bin2base64(mac, UNSD_MAC_LEN + 1, raw, sizeof(raw), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return 0;
}

bool
unsd_undo_verify(const struct bg_token_keys *keys, const char *token, long long at, const char *field,
                 const char *value, const char *mac)
{
	unsigned char want[crypto_auth_hmacsha512256_BYTES], got[crypto_auth_hmacsha512256_BYTES];
	size_t len = 0;

	if (strlen(mac) != UNSD_MAC_LEN || mac_raw(keys, token, at, field, value, want) < 0)
		return false;
	if (sodium_base642bin(got, sizeof(got), mac, UNSD_MAC_LEN, NULL, &len, NULL,
	                      sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    len != sizeof(got))
		return false;
	return sodium_memcmp(want, got, sizeof(want)) == 0;
}
