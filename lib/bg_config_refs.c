/*
 * bg_config_refs.c - references between blocks, addresses, sockets and key
 * files: what would otherwise pass -n and then fail at start, or protect
 * less (an undefined pool is no limit at all).
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bg_config_int.h"
#include "bg_config_refs.h"

/* True when s is a port, 1 to 65535, in decimal. */
static bool
port_ok(const char *s, size_t len)
{
	long v = 0;

	if (len == 0 || len > 5)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	return v >= 1 && v <= 65535;
}

/* True when host (len bytes) is an IP address, or a name of letters, digits, dots and hyphens. */
static bool
host_ok(const char *host, size_t len)
{
	char buf[256];
	unsigned char ip[16];

	if (len == 0 || len >= sizeof(buf))
		return false;
	memcpy(buf, host, len);
	buf[len] = '\0';
	if (inet_pton(AF_INET, buf, ip) == 1 || inet_pton(AF_INET6, buf, ip) == 1)
		return true;
	if (strspn(buf, "0123456789.") == len) /* looks like IPv4 but is not one: 192.0.2.300 */
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((buf[i] >= 'a' && buf[i] <= 'z') || (buf[i] >= 'A' && buf[i] <= 'Z') ||
		      (buf[i] >= '0' && buf[i] <= '9') || buf[i] == '.' || buf[i] == '-'))
			return false;
	return true;
}

/* Checks a libmilter socket specification. */
static const char *
milter_socket_problem(const char *s)
{
	const char *at, *port;

	if (s[0] == '/' || strncmp(s, "unix:/", 6) == 0 || strncmp(s, "local:/", 7) == 0)
		return NULL;
	if (strncmp(s, "inet:", 5) != 0 && strncmp(s, "inet6:", 6) != 0)
		return "is not unix:/path, local:/path, inet:port@host or inet6:port@host";
	port = strchr(s, ':') + 1;
	at = strchr(port, '@');
	if (!port_ok(port, at ? (size_t)(at - port) : strlen(port)))
		return "has no port from 1 to 65535";
	if (at != NULL && !host_ok(at + 1, strlen(at + 1)))
		return "has a host that is not an address or a name";
	return NULL;
}

/* Checks a listen address: unix:/path, host:port or [v6]:port. */
static const char *
listen_problem(const char *s)
{
	const char *colon, *host = s, *close;
	size_t hlen;
	unsigned char ip[16];
	char v6[64];

	if (strncmp(s, "unix:", 5) == 0)
		return s[5] == '/' ? NULL : "needs an absolute path after unix:";
	if (s[0] == '[') {
		if ((close = strchr(s, ']')) == NULL || close[1] != ':' || (size_t)(close - s - 1) >= sizeof(v6))
			return "is not [v6]:port";
		memcpy(v6, s + 1, (size_t)(close - s - 1));
		v6[close - s - 1] = '\0';
		if (inet_pton(AF_INET6, v6, ip) != 1)
			return "has no IPv6 address inside [ ]";
		return port_ok(close + 2, strlen(close + 2)) ? NULL : "has no port from 1 to 65535";
	}
	if ((colon = strrchr(s, ':')) == NULL)
		return "is not host:port, [v6]:port or unix:/path";
	hlen = (size_t)(colon - host);
	if (!host_ok(host, hlen))
		return "has a host that is not an address or a name";
	return port_ok(colon + 1, strlen(colon + 1)) ? NULL : "has no port from 1 to 65535";
}

const char *
bg_config_str_problem(const struct bg_opt_row *row, const char *value)
{
	if (row->set == BG_SET_MILTER && strcmp(row->name, "socket") == 0)
		return milter_socket_problem(value);
	if ((row->set == BG_SET_POLICY || row->set == BG_SET_UNSUB) && strcmp(row->name, "listen") == 0)
		return listen_problem(value);
	if (strcmp(row->name, "metrics_listen") == 0 && *value != '\0')
		return strncmp(value, "unix:", 5) == 0 ? "is not host:port or [v6]:port" : listen_problem(value);
	return NULL;
}

/* True when name is a pool block's. */
static bool
pool_defined(const struct bg_config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->n_pools; i++)
		if (strcmp(cfg->pools[i].name, name) == 0)
			return true;
	return false;
}

/* Checks that each pool an entity names exists. */
static int
check_entity_pools(struct bg_load *ld, const struct bg_config *cfg, const struct bg_entity *e)
{
	const char *names[4] = {"pool", "mandated_pool", "transactional_pool", "confirmation_pool"};
	const char *v[4] = {e->pool, e->mandated_pool, e->transactional_pool, e->confirmation_pool};

	for (int i = 0; i < 4; i++)
		if (v[i] != NULL && *v[i] != '\0' && !pool_defined(cfg, v[i])) {
			bg_config_errat(ld, e->line,
			                "entity \"%s\": %s \"%s\" is not a pool block (no limit at all)", e->name,
			                names[i], v[i]);
			return -1;
		}
	return 0;
}

/* Checks a limit's pool, entity and group. */
static int
check_limit(struct bg_load *ld, const struct bg_config *cfg, const struct bg_limit *l)
{
	bool group = false;

	if (l->pool != NULL && *l->pool != '\0' && !pool_defined(cfg, l->pool)) {
		bg_config_errat(ld, l->line, "limit: pool \"%s\" is not a pool block", l->pool);
		return -1;
	}
	if (l->entity != NULL && *l->entity != '\0' && !(bg_config_entity_named(cfg, l->entity) != NULL)) {
		bg_config_errat(ld, l->line, "limit: entity \"%s\" is not an entity block", l->entity);
		return -1;
	}
	if (l->group == NULL || *l->group == '\0' || strchr(l->group, '.') != NULL)
		return 0;
	for (size_t i = 0; i < cfg->n_groups; i++)
		group = group || strcasecmp(cfg->groups[i].name, l->group) == 0;
	if (!group) {
		bg_config_errat(ld, l->line, "limit: group \"%s\" is neither a domain_group nor a domain",
		                l->group);
		return -1;
	}
	return 0;
}

/* Checks that every IP of a pool is an address (postfix-config writes them into master.cf). */
static int
check_pool_ips(struct bg_load *ld, const struct bg_config *cfg, const struct bg_pool *p)
{
	unsigned char buf[16];

	for (size_t i = 0; i < p->ips.n; i++)
		if (inet_pton(AF_INET, p->ips.v[i], buf) != 1 && inet_pton(AF_INET6, p->ips.v[i], buf) != 1) {
			bg_config_errat(ld, p->line, "pool \"%s\": ips: \"%s\" is not an IP address", p->name,
			                p->ips.v[i]);
			return -1;
		}
	return 0;
}

int
bg_config_check_refs(struct bg_load *ld, const struct bg_config *cfg)
{
	for (size_t i = 0; i < cfg->n_entities; i++)
		if (check_entity_pools(ld, cfg, &cfg->entities[i]) < 0)
			return -1;
	for (size_t i = 0; i < cfg->n_limits; i++)
		if (check_limit(ld, cfg, &cfg->limits[i]) < 0)
			return -1;
	for (size_t i = 0; i < cfg->n_pools; i++)
		if (check_pool_ips(ld, cfg, &cfg->pools[i]) < 0)
			return -1;
	return 0;
}

/* Opens path as a key file would be: readable, regular, closed to group and others. NULL or the problem. */
static const char *
key_problem(const char *path, char *buf, size_t len)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	const char *why = NULL;

	if (fd < 0) {
		snprintf(buf, len, "cannot be opened: %s", strerror(errno));
		return buf;
	}
	if (fstat(fd, &st) < 0)
		why = "cannot be examined";
	else if (!S_ISREG(st.st_mode))
		why = "is not a regular file";
	else if ((st.st_mode & 077) != 0) {
		snprintf(buf, len, "is open to group or others (mode %04o; chmod 600)", (unsigned)(st.st_mode & 07777));
		why = buf;
	}
	close(fd);
	return why;
}

/* True when some entity puts tokens or VERPs in its mail. */
static bool
uses_tokens(const struct bg_config *cfg)
{
	for (size_t i = 0; i < cfg->n_entities; i++) {
		const struct bg_entity *e = &cfg->entities[i];
		if ((e->unsubscribe_url && *e->unsubscribe_url) || (e->return_path_domain && *e->return_path_domain))
			return true;
	}
	return false;
}

/* Checks the key files of a list of dkim blocks. */
static int
check_dkim_keys(const struct bg_config *cfg, const struct bg_dkim_conf *d, size_t n, char *err, size_t errlen)
{
	char buf[256];
	const char *why;

	for (size_t i = 0; i < n; i++)
		if (d[i].key != NULL && *d[i].key != '\0' && (why = key_problem(d[i].key, buf, sizeof(buf))) != NULL) {
			snprintf(err, errlen, "%s:%d: dkim key \"%s\" %s", cfg->file, d[i].line, d[i].key, why);
			return -1;
		}
	return 0;
}

int
bg_config_check_files(const struct bg_config *cfg, const char *program, char *err, size_t errlen)
{
	bool signs = strcmp(program, "bulkguard-milter") == 0 || strcmp(program, "bulkguard-ctl") == 0;
	bool tokens = strcmp(program, "bulkguard-unsubd") == 0 || strcmp(program, "bulkguard-feedback") == 0;
	const char *kf = cfg->unsubscribe.key_file, *why = NULL;
	char buf[256];

	if (signs) {
		if (check_dkim_keys(cfg, cfg->esp_dkim, cfg->n_esp_dkim, err, errlen) < 0)
			return -1;
		for (size_t i = 0; i < cfg->n_entities; i++)
			if (check_dkim_keys(cfg, cfg->entities[i].dkim, cfg->entities[i].n_dkim, err, errlen) < 0)
				return -1;
		tokens = uses_tokens(cfg) || (kf != NULL && access(kf, F_OK) == 0);
	}
	if (tokens && (kf == NULL || *kf == '\0' || (why = key_problem(kf, buf, sizeof(buf))) != NULL)) {
		snprintf(err, errlen, "%s: unsubscribe key_file \"%s\" %s", cfg->file, kf ? kf : "",
		         kf && *kf ? why : "is not set");
		return -1;
	}
	return 0;
}
