/*
 * bulkguard-logd - outcomes from Postfix's own log: counters and brakes.
 *
 * Reads reputation.maillog (or -l FILE; "-" is standard input, a pipe from
 * syslog) line by line (ld_parse), attributes each delivery, deferral and
 * bounce to its pool IP through the transport's syslog_name and to its
 * entity through the queue id's VERP (checked with the token key file, so
 * a stranger's envelope sender names nobody), and writes the counters of
 * lib/bg_stat.h. Lines are applied in batches, each one MULTI/EXEC that also
 * moves the checkpoint (inode and offset, in Redis), so a restart or a
 * crash never counts a line twice nor skips one; on a Redis Cluster a batch
 * is journaled under the checkpoint and applied slot by slot with markers
 * (ld_cluster.h), with the same guarantee. A rotated file (postfix
 * logrotate, logrotate with create) is read to its end before the new one;
 * a truncated one is read from its start. A delivery clears the recipient's
 * bounce history. Throttling and block signals and the periodic check drive
 * the brakes (ld_brake.h). -o reads to the end of the file once and exits.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bg_addr.h"
#include "bg_hold.h"
#include "bg_log.h"
#include "bg_redis.h"
#include "bg_server.h"
#include "bg_stat.h"
#include "bg_token.h"
#include "bg_util.h"
#include "bg_verp.h"
#include "ld_brake.h"
#include "ld_cluster.h"
#include "ld_metrics.h"
#include "ld_parse.h"
#include "ld_qid.h"

#define NAME        "bulkguard-logd"
#define BUF_SIZE    (256 * 1024)
#define BATCH_LINES 4000
#define SIGNALS_MAX 256

/* A brake signal seen in a batch, applied once the batch is written. */
struct signal_rec {
	char pool[LD_POOL_MAX + 1];
	char group[LD_ADDR_MAX + 1];
	enum ld_signal sig;
};

struct logd {
	struct bg_server *srv;
	struct bg_held *g; /* the configuration in force, held while it is used */
	const struct bg_config *cfg;
	struct bg_redis *r;
	struct ld_cl *cl; /* on a Cluster: the batch's journal (commands go there, not to r) */
	bool unsettled;   /* on a Cluster: a batch failed; ld_cl_recover says whether it is applied */
	off_t unsettled_end;
	char host[256];
	const struct bg_token_keys *keys; /* the held generation's; NULL: counted per IP only */
	struct bg_verp_window win;
	struct ld_qid *qids;
	const char *path; /* a copy */
	char ckey[300], qkey[300];
	int fd;
	ino_t ino;
	off_t off; /* the offset of the first byte not yet applied */
	char *buf;
	size_t len;
	int queued;                 /* replies the batch will read */
	unsigned long batch;        /* the batch's number (from 1) */
	struct bg_stat_batch *stat; /* its counters, summed */
	char **fresh;               /* queue ids its from= lines put */
	size_t n_fresh, cap_fresh;
	struct signal_rec sig[SIGNALS_MAX];
	int n_sig;
	unsigned long long lines;
};

static volatile sig_atomic_t stopping, reload_wanted;
static const char *opt_path; /* -l */
static bool opt_once;        /* -o */

/* SIGTERM, SIGINT: finish the batch and stop. */
static void
on_stop(int s)
{
	(void)s;
	stopping = 1;
}

/* SIGHUP: reload between batches. */
static void
on_hup(int s)
{
	(void)s;
	reload_wanted = 1;
}

/* Returns the configured pool called name, or NULL. */
static const struct bg_pool *
pool_named(const struct bg_config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->n_pools; i++)
		if (strcmp(cfg->pools[i].name, name) == 0)
			return &cfg->pools[i];
	return NULL;
}

/* The entity of a delivery: the qid's sender must be a VERP made for this recipient. */
static const char *
entity_of(struct logd *d, const struct ld_record *rec)
{
	const char *sender = ld_qid_get(d->qids, rec->qid);
	struct bg_verp_info info;

	if (sender == NULL || d->keys == NULL ||
	    bg_verp_check(d->keys, sender, strlen(sender), rec->addr, &d->win, &info) != BG_VERP_OK ||
	    info.version != 2)
		return NULL;
	for (size_t i = 0; i < d->cfg->n_entities; i++)
		if (d->cfg->entities[i].verp_tag != NULL && strcmp(d->cfg->entities[i].verp_tag, info.tag) == 0)
			return d->cfg->entities[i].name;
	return NULL;
}

/* Adds the queued replies of one counting call. */
static void
queued(struct logd *d, int n)
{
	if (n < 0 || d->queued < 0)
		d->queued = -1;
	else
		d->queued += n;
}

/* Appends one command to the batch; nothing more once an append failed (a new connection has no MULTI). */
static void
cmd(struct logd *d, int argc, const char **argv)
{
	if (d->cl != NULL)
		ld_cl_add(d->cl, argc, argv);
	else if (d->queued >= 0)
		queued(d, bg_redis_append(d->r, argc, argv, NULL) < 0 ? -1 : 1);
}

/* A delivery that left: the recipient's bounce history is cleared (only consecutive bounces count). */
static void
clear_bounces(struct logd *d, const char *rcpt)
{
	struct bg_addr a;
	char key[BG_ADDR_MAX + 64];
	const char *argv[] = {"DEL", key};

	if (bg_addr_normalise(rcpt, strlen(rcpt), d->cfg->keep_local_case ? BG_ADDR_KEEP_CASE : 0, &a) != BG_ADDR_OK)
		return;
	snprintf(key, sizeof(key), "%sbounces:%s", d->cfg->redis.prefix, a.text);
	cmd(d, 2, argv);
}

/* Counts one delivery line for its entity and its pool IP; notes a brake signal. */
static void
delivery(struct logd *d, const struct ld_record *rec, time_t now)
{
	static const enum bg_stat_field by_status[] = {BG_ST_DELIVERED, BG_ST_DEFERRED, BG_ST_BOUNCED, BG_ST_BOUNCED};
	const char *at = strrchr(rec->addr, '@');
	const char *group = bg_stat_group(d->cfg, at ? at + 1 : NULL);
	const struct bg_pool *p = rec->ip > 0 ? pool_named(d->cfg, rec->pool) : NULL;
	enum bg_stat_field f = by_status[rec->status];

	ld_metrics_delivery(p != NULL ? p->name : NULL, rec);
	bg_stat_batch_entity(d->stat, d->cfg, entity_of(d, rec), NULL, group, now, f, 1);
	if (rec->status == LD_SENT)
		clear_bounces(d, rec->addr);
	if (p == NULL || (size_t)rec->ip > p->ips.n)
		return;
	if (rec->signal == LD_SIG_THROTTLE)
		f = BG_ST_THROTTLED;
	else if (rec->signal == LD_SIG_BLOCK)
		f = BG_ST_BLOCK;
	bg_stat_batch_ip(d->stat, d->cfg, p->ips.v[rec->ip - 1], group, now, f, 1);
	if ((rec->signal == LD_SIG_THROTTLE || rec->signal == LD_SIG_BLOCK) && d->n_sig < SIGNALS_MAX) {
		snprintf(d->sig[d->n_sig].pool, sizeof(d->sig[0].pool), "%s", p->name);
		snprintf(d->sig[d->n_sig].group, sizeof(d->sig[0].group), "%s", group);
		d->sig[d->n_sig++].sig = rec->signal;
	}
}

/* Applies one line to the batch. */
static void
apply_line(struct logd *d, const char *line, size_t len, time_t now)
{
	struct ld_record rec;

	d->lines++;
	ld_metrics_line();
	switch (ld_parse(line, len, &rec)) {
	case LD_FROM:
		ld_qid_put(d->qids, rec.qid, rec.addr, d->batch);
		if (d->n_fresh == d->cap_fresh) {
			d->cap_fresh = d->cap_fresh ? 2 * d->cap_fresh : 1024;
			d->fresh = bg_xreallocarray(d->fresh, d->cap_fresh, sizeof(*d->fresh));
		}
		d->fresh[d->n_fresh++] = bg_xstrdup(rec.qid);
		break;
	case LD_REMOVED:
		if (!ld_qid_del(d->qids, rec.qid,
		                d->batch)) /* put and removed within the batch: Redis never hears of it */
			cmd(d, 3, (const char *[]){"HDEL", d->qkey, rec.qid});
		break;
	case LD_DELIVERY: delivery(d, &rec, now); break;
	default: break;
	}
}

/*
 * Starts a batch: MULTI, its reply read at once, so that when MULTI is
 * refused (an ACL without it) no command of the batch runs outside the
 * transaction. Returns 0, or -1 with the reason on the connection.
 */
static int
begin(struct logd *d)
{
	redisReply *rep;
	int ok;

	if (d->cl != NULL) /* a Cluster: the batch is journaled */
		return 0;
	if (bg_redis_append(d->r, 1, (const char *[]){"MULTI"}, NULL) < 0 || (rep = bg_redis_reply(d->r)) == NULL)
		return -1;
	ok = rep->type == REDIS_REPLY_STATUS;
	if (!ok)
		bg_redis_reply_error(d->r, rep, "MULTI refused");
	freeReplyObject(rep);
	return ok ? 0 : -1;
}

/* Mirrors the queue ids the batch put and still holds (logd:qid:<host>). */
static void
mirror_fresh(struct logd *d)
{
	for (size_t i = 0; i < d->n_fresh; i++) {
		const char *sender = ld_qid_fresh(d->qids, d->fresh[i], d->batch);

		if (sender != NULL)
			cmd(d, 4, (const char *[]){"HSET", d->qkey, d->fresh[i], sender});
		free(d->fresh[i]);
	}
	d->n_fresh = 0;
}

/* One Redis: the counters, the checkpoint in the same transaction, EXEC, every reply. Returns 0 or -1. */
static int
commit_one(struct logd *d, const char *ino, const char *offs)
{
	const char *hset[] = {"HSET", d->ckey, "ino", ino, "off", offs};
	redisReply *rep;
	int rc = 0;

	if (d->queued >= 0)
		queued(d, bg_stat_batch_append(d->r, d->stat));
	else
		bg_stat_batch_clear(d->stat);
	if (strcmp(d->path, "-") != 0) /* a pipe has no position to come back to */
		cmd(d, 6, hset);
	cmd(d, 1, (const char *[]){"EXEC"});
	/* every QUEUED reply, then EXEC's (read even after an error reply, so the connection stays in step) */
	if (d->queued < 0)
		rc = -1;
	else {
		rc = bg_stat_drain(d->r, d->queued - 1);
		if ((rep = bg_redis_reply(d->r)) == NULL)
			rc = -1;
		else {
			if (rep->type != REDIS_REPLY_ARRAY)
				rc = -1;
			freeReplyObject(rep);
		}
	}
	d->queued = 0;
	return rc;
}

/* A Cluster: the counters journaled, the batch applied slot by slot (ld_cl_commit). Returns 0 or -1. */
static int
commit_cluster(struct logd *d, const char *ino, const char *offs)
{
	ld_cl_add_stat(d->cl, d->stat);
	return ld_cl_commit(d->cl, d->r, strcmp(d->path, "-") != 0 ? ino : NULL, offs);
}

/* Ends the batch: its counters and the checkpoint at off written; then the brakes. Returns 0 or -1. */
static int
commit(struct logd *d, off_t off, time_t now)
{
	char ino[32], offs[32];
	int rc;

	mirror_fresh(d);
	snprintf(ino, sizeof(ino), "%llu", (unsigned long long)d->ino);
	snprintf(offs, sizeof(offs), "%lld", (long long)off);
	rc = d->cl != NULL ? commit_cluster(d, ino, offs) : commit_one(d, ino, offs);
	if (rc == 0)
		for (int i = 0; i < d->n_sig; i++)
			if ((d->sig[i].sig == LD_SIG_THROTTLE ? ld_brake_throttle : ld_brake_block)(
			        d->r, d->cfg, d->sig[i].pool, d->sig[i].group, now) < 0)
				bg_log_warn("brake pool=%s group=%s redis=\"%s\" (signal lost)", d->sig[i].pool,
				            d->sig[i].group, bg_redis_error(d->r));
	d->n_sig = 0;
	return rc;
}

/* On a Cluster: a pending batch replayed (ld_cl_recover), and logged. Returns as ld_cl_recover. */
static int
recover(struct logd *d)
{
	struct ld_cl_replay rp;
	int rc = ld_cl_recover(d->cl, d->r, &rp);

	if (rc >= 0 && rp.id[0] != '\0')
		bg_log_warn("replay batch=%s slots=%zu skipped=%zu (applied before) action=checkpoint", rp.id, rp.slots,
		            rp.skipped);
	return rc;
}

/* Empties the queue id table and loads the mirror again. Returns 0, or -1 when Redis failed. */
static int
reload_qids(struct logd *d)
{
	ld_qid_free(d->qids);
	d->qids = ld_qid_new();
	return ld_qid_load(d->qids, d->r, d->qkey);
}

/*
 * After a failed batch on a Cluster: ld_cl_recover finishes it when its
 * intent was written (its lines are then passed over), else nothing of it
 * was applied and the queue ids it changed in memory are read back from
 * their mirror, so its lines apply again as they first did. Returns 0 or -1.
 */
static int
settle(struct logd *d)
{
	int applied = recover(d);
	off_t skip = d->unsettled_end - d->off;

	if (applied < 0 || (applied == 0 && reload_qids(d) < 0))
		return -1;
	if (applied && skip >= 0 && (size_t)skip <= d->len) {
		memmove(d->buf, d->buf + skip, d->len - (size_t)skip);
		d->len -= (size_t)skip;
		d->off += skip;
	}
	d->unsettled = false;
	return 0;
}

/* Applies the whole lines in the buffer as batches; returns 0, or -1 when Redis failed (nothing moved). */
static int
apply_buffer(struct logd *d)
{
	size_t pos = 0;
	time_t now = time(NULL);

	if (d->unsettled && settle(d) < 0) {
		bg_log_error("batch redis=\"%s\" action=retry (settling the last one)", bg_redis_error(d->r));
		return -1;
	}
	while (pos < d->len) {
		size_t start = pos, n = 0;

		bg_verp_window_set(&d->win, now, d->cfg->feedback.verp_max_age,
		                   (time_t)d->cfg->feedback.verp_upgrade_date);
		d->queued = 0;
		d->batch++;
		if (begin(d) < 0) {
			bg_log_error("batch redis=\"%s\" action=retry", bg_redis_error(d->r));
			break;
		}
		while (pos < d->len && n < BATCH_LINES) {
			char *nl = memchr(d->buf + pos, '\n', d->len - pos);

			if (nl == NULL)
				break;
			apply_line(d, d->buf + pos, (size_t)(nl - (d->buf + pos)), now);
			pos = (size_t)(nl - d->buf) + 1;
			n++;
		}
		if (n == 0) {
			if (d->cl != NULL)
				ld_cl_clear(d->cl);
			else {
				cmd(d, 1, (const char *[]){"DISCARD"});
				bg_stat_drain(d->r, d->queued);
			}
			d->queued = 0;
			break;
		}
		if (commit(d, d->off + (off_t)pos, now) < 0) {
			bg_log_error("batch lines=%zu redis=\"%s\" action=retry", n, bg_redis_error(d->r));
			d->unsettled = d->cl != NULL;
			d->unsettled_end = d->off + (off_t)pos;
			pos = start;
			break;
		}
	}
	memmove(d->buf, d->buf + pos, d->len - pos);
	d->len -= pos;
	d->off += (off_t)pos;
	return pos == 0 && d->len > 0 && memchr(d->buf, '\n', d->len) != NULL ? -1 : 0;
}

/* Reads what the file holds now and applies it; returns bytes read (0 at the end), -1 on error. */
static ssize_t
read_some(struct logd *d)
{
	ssize_t got;

	if (d->len > 0 && memchr(d->buf, '\n', d->len) != NULL && apply_buffer(d) < 0)
		return -1;        /* the lines of a refused batch go first, again, before anything new is read */
	if (d->len == BUF_SIZE) { /* a line longer than the buffer: dropped */
		d->off += (off_t)d->len;
		d->len = 0;
	}
	got = read(d->fd, d->buf + d->len, BUF_SIZE - d->len);
	if (got > 0) {
		d->len += (size_t)got;
		if (apply_buffer(d) < 0)
			return -1;
	}
	return got;
}

/* Opens path at offset off; returns 0 or -1. */
static int
open_at(struct logd *d, const char *path, off_t off)
{
	struct stat st;
	int fd = strcmp(path, "-") == 0 ? dup(0) : open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (d->fd >= 0)
		close(d->fd);
	d->fd = fd;
	d->ino = st.st_ino;
	d->len = 0;
	d->off = S_ISREG(st.st_mode) && off <= st.st_size ? off : 0;
	if (S_ISREG(st.st_mode))
		lseek(fd, d->off, SEEK_SET);
	return 0;
}

/* Finds the rotated file that had inode ino, beside path; writes its name into out. */
static int
find_rotated(const char *path, ino_t ino, char *out, size_t len)
{
	char tmp[4096], dir[4096];
	DIR *dh;
	struct dirent *de;
	struct stat st;
	int found = -1;

	snprintf(tmp, sizeof(tmp), "%s", path);
	snprintf(dir, sizeof(dir), "%s", dirname(tmp));
	if ((dh = opendir(dir)) == NULL)
		return -1;
	while (found < 0 && (de = readdir(dh)) != NULL) {
		if ((size_t)snprintf(out, len, "%s/%s", dir, de->d_name) >= len)
			continue;
		if (stat(out, &st) == 0 && S_ISREG(st.st_mode) && st.st_ino == ino)
			found = 0;
	}
	closedir(dh);
	return found;
}

/*
 * Where to start: on a Cluster a pending batch finished first; the queue ids
 * of the messages in flight; the checkpoint's file and offset, a rotated file
 * first when the inode moved. Returns 0, or -1 when the checkpoint cannot be
 * read (never starting over from guesswork, which would count lines twice).
 */
static int
resume(struct logd *d)
{
	const char *argv[] = {"HMGET", d->ckey, "ino", "off"};
	redisReply *rep = NULL;
	unsigned long long ino = 0;
	long long off = 0;
	char rotated[4096 + 512];
	struct stat st;

	if ((d->cl != NULL && recover(d) < 0) || reload_qids(d) < 0)
		return -1;
	if (bg_redis_append(d->r, 4, argv, NULL) == 0 && (rep = bg_redis_reply(d->r)) != NULL &&
	    rep->type == REDIS_REPLY_ARRAY && rep->elements == 2 && rep->element[0]->type == REDIS_REPLY_STRING &&
	    rep->element[1]->type == REDIS_REPLY_STRING) {
		ino = strtoull(rep->element[0]->str, NULL, 10);
		off = strtoll(rep->element[1]->str, NULL, 10);
	} else if (rep == NULL || rep->type != REDIS_REPLY_ARRAY) {
		bg_redis_reply_error(d->r, rep, "checkpoint: unexpected reply");
		if (rep != NULL)
			freeReplyObject(rep);
		return -1;
	}
	if (rep != NULL)
		freeReplyObject(rep);
	if (ino != 0 && stat(d->path, &st) == 0 && st.st_ino != (ino_t)ino &&
	    find_rotated(d->path, (ino_t)ino, rotated, sizeof(rotated)) == 0 && open_at(d, rotated, off) == 0) {
		bg_log_info("resume file=%s off=%lld (rotated while stopped)", rotated, off);
		while (read_some(d) > 0)
			;
		off = 0;
	} else if (ino != 0 && stat(d->path, &st) == 0 && st.st_ino != (ino_t)ino)
		off = 0;
	if (open_at(d, d->path, off) < 0)
		bg_log_warn("file=%s error=\"%s\" (waiting for it)", d->path, strerror(errno));
	else
		bg_log_info("resume file=%s off=%lld", d->path, (long long)d->off);
	return 0;
}

/* Reads the checkpoint, again each second while Redis refuses; -1 when stopped first or run once. */
static int
resume_retrying(struct logd *d, bool once)
{
	while (resume(d) < 0) {
		bg_log_error("checkpoint key=%s redis=\"%s\" action=%s", d->ckey, bg_redis_error(d->r),
		             once ? "exit" : "retry");
		if (once || stopping)
			return -1;
		sleep(1);
	}
	return 0;
}

/* At the end of the file: follows a rotation (after the old file's last lines) or a truncation. */
static void
follow(struct logd *d)
{
	struct stat st, cur;

	if (stat(d->path, &st) < 0)
		return;
	if (d->fd >= 0 && fstat(d->fd, &cur) == 0 && st.st_ino == d->ino) {
		if (cur.st_size < d->off) {
			bg_log_warn("file=%s truncated; reading from its start", d->path);
			lseek(d->fd, 0, SEEK_SET);
			d->off = 0;
			d->len = 0;
		}
		return;
	}
	for (ssize_t got = 1; d->fd >= 0 && got > 0;) /* what the old file got before the switch */
		if ((got = read_some(d)) < 0)
			return; /* Redis refused its batch: stay on the old file until its lines are applied */
	if (open_at(d, d->path, 0) == 0)
		bg_log_info("file=%s rotated; reading the new one", d->path);
}

static void adopt(struct logd *d);

/* The main loop: read, apply, follow, tick the brakes every check_interval. */
static int
run(struct logd *d, bool once)
{
	time_t next_tick = 0;
	ssize_t got;

	while (!stopping) {
		time_t now = time(NULL);

		if (reload_wanted) {
			reload_wanted = 0;
			if (bg_server_reload(d->srv) == 0)
				adopt(d);
		}
		if (!once && now >= next_tick) {
			if (ld_brake_tick(d->r, d->cfg, now) < 0)
				bg_log_warn("brake check redis=\"%s\"", bg_redis_error(d->r));
			next_tick = now + d->cfg->reputation.check_interval;
		}
		got = d->fd >= 0 ? read_some(d) : 0;
		if (got > 0)
			continue;
		if (got < 0 && once)
			return 75; /* EX_TEMPFAIL: Redis refused a batch; the checkpoint stays before it */
		if (got < 0)
			sleep(1);
		if (once)
			break;
		if (strcmp(d->path, "-") != 0)
			follow(d);
		else if (got == 0)
			break; /* the pipe closed */
		poll(NULL, 0, 100);
	}
	return 0;
}

/* The flags of logd's own: -o (once, in the foreground) and -l FILE. */
static void
own_flag(int ch, const char *arg, struct bg_daemon_opts *o)
{
	if (ch == 'o')
		opt_once = o->foreground = true;
	else
		opt_path = arg;
}

/* The key file, derived from each configuration: a missing one only narrows what is counted. */
static void *
derive(const struct bg_config *cfg, char *err, size_t errlen)
{
	struct bg_token_keys **state;
	char why[512];

	(void)err;
	(void)errlen;
	state = bg_xcalloc(1, sizeof(*state));
	if (bg_token_init() < 0 || (*state = bg_token_keys_load(cfg->unsubscribe.key_file, why, sizeof(why))) == NULL)
		bg_log_warn("key file: %s (deliveries are counted per IP only, never for an entity)",
		            *state == NULL ? why : "libsodium");
	return state;
}

/* Frees what derive made. */
static void
state_free(void *state)
{
	struct bg_token_keys **keys = state;

	bg_token_keys_free(*keys);
	free(keys);
}

/* Registers logd's counters, before anything else. */
static int
prepare(char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	ld_metrics_init();
	return 0;
}

/* Where /metrics and /healthz are served: reputation.metrics_listen. */
static const char *
metrics_listen(const struct bg_config *cfg)
{
	return cfg->reputation.metrics_listen;
}

/* What a reload cannot change here: the file read (unless -l named it) and the prefix of the checkpoint's key. */
static int
fixed(const struct bg_config *now, const struct bg_config *next, char *what, size_t len)
{
	if (opt_path == NULL && strcmp(now->reputation.maillog, next->reputation.maillog) != 0) {
		snprintf(what, len, "reputation.maillog changed from %s to %s", now->reputation.maillog,
		         next->reputation.maillog);
		return -1;
	}
	if (strcmp(now->redis.prefix, next->redis.prefix) != 0) {
		snprintf(what, len, "redis.prefix changed from \"%s\" to \"%s\" (it names the checkpoint)",
		         now->redis.prefix, next->redis.prefix);
		return -1;
	}
	return 0;
}

/*
 * The Redis changed (or was first made): a Cluster gets a journal, one Redis
 * none. A batch left unsettled on the old Cluster stays pending there (its
 * intent is replayed if logd comes back to it); its lines apply to the new one.
 */
static void
switch_store(struct logd *d)
{
	if (d->unsettled)
		bg_log_warn("redis %s: a batch left pending on the old Cluster (replayed there if it is used again)",
		            bg_redis_address(d->r));
	d->unsettled = false;
	ld_cl_free(d->cl);
	d->cl = NULL;
	if (bg_redis_is_cluster(d->r) && d->ckey[0] != '\0')
		d->cl = ld_cl_new(d->ckey, d->cfg->redis.prefix, d->host);
}

/* Takes the configuration in force: its settings, its key file, a connection to its Redis. */
static void
adopt(struct logd *d)
{
	struct bg_held *g = bg_hold_acquire(bg_server_hold(d->srv));
	const struct bg_redis_conf *rc = &bg_held_cfg(g)->redis;
	const char *why = NULL;
	struct bg_redis *r = NULL;

	if (d->r == NULL || !bg_redis_conf_same(&d->cfg->redis, rc)) {
		if ((r = bg_redis_new(rc, &why)) == NULL) {
			bg_log_error("redis address %s: %s", rc->address, why);
			bg_held_release(g);
			return;
		}
		bg_redis_free(d->r);
		d->r = r;
	}
	if (d->g != NULL)
		bg_held_release(d->g);
	d->g = g;
	d->cfg = bg_held_cfg(g);
	d->keys = *(struct bg_token_keys **)bg_held_state(g);
	if (r != NULL)
		switch_store(d);
}

/* Reads from where it stopped, follows the file, and stops on SIGTERM (or at its end with -o). */
static int
serve(struct bg_server *srv)
{
	struct logd d = {.srv = srv, .fd = -1};
	struct sigaction sa = {.sa_handler = on_stop}; /* no SA_RESTART: a blocked read returns */
	char where[600];
	int rc;

	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_hup;
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	adopt(&d);
	if (d.r == NULL)
		return BG_EX_CONFIG;
	d.path = bg_xstrdup(opt_path != NULL ? opt_path : d.cfg->reputation.maillog); /* outlives a reload */
	snprintf(d.host, sizeof(d.host), "localhost");
	gethostname(d.host, sizeof(d.host) - 1);
	snprintf(d.ckey, sizeof(d.ckey), "%slogd:checkpoint:%s", d.cfg->redis.prefix, d.host);
	snprintf(d.qkey, sizeof(d.qkey), "%slogd:qid:%s", d.cfg->redis.prefix, d.host);
	switch_store(&d); /* now that the checkpoint has its name */
	d.buf = bg_xcalloc(1, BUF_SIZE);
	d.qids = ld_qid_new();
	d.stat = bg_stat_batch_new();
	snprintf(where, sizeof(where), "%s", d.path);
	bg_server_ready(srv, where);
	rc = resume_retrying(&d, opt_once) < 0 ? (opt_once ? 75 : 0) : run(&d, opt_once);
	if (stopping)
		bg_server_stopping(SIGTERM);
	bg_log_info("lines=%llu", d.lines);
	if (d.fd >= 0)
		close(d.fd);
	free(d.buf);
	ld_qid_free(d.qids);
	bg_stat_batch_free(d.stat);
	free(d.fresh);
	free((char *)d.path);
	ld_cl_free(d.cl);
	bg_redis_free(d.r);
	bg_held_release(d.g);
	return rc;
}

static const struct bg_service logd_service = {
    .name = NAME,
    .usage = "[-f] [-n] [-o] [-V] [-c file] [-l maillog]",
    .own_flags = "ol:",
    .own_flag = own_flag,
    .metrics_listen = metrics_listen,
    .prepare = prepare,
    .derive = derive,
    .state_free = state_free,
    .fixed = fixed,
    .run = serve,
};

int
main(int argc, char **argv)
{
	return bg_server_main(argc, argv, &logd_service);
}
