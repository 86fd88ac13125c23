/*
 * fb_limits.c - setrlimit, the part-line count and the child process.
 *
 * Out of address space, GLib aborts (SIGTRAP or SIGABRT) and a deep parse
 * may overflow the stack (SIGSEGV); out of CPU, the kernel sends SIGXCPU
 * at the soft limit and SIGKILL a second later. The child gets no core
 * file. The parent maps the child's signal to the reason it logs.
 */
#include "config.h" /* _GNU_SOURCE: sigabbrev_np */

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

#include "bg_log.h"
#include "fb_limits.h"

/* Reads the address space and the writable data mapped now, in bytes (0 when unknown). */
static void
mapped_now(unsigned long *size, unsigned long *data)
{
	FILE *f = fopen("/proc/self/statm", "r");
	unsigned long page = (unsigned long)sysconf(_SC_PAGESIZE), skip;

	*size = *data = 0;
	if (f == NULL)
		return;
	if (fscanf(f, "%lu %lu %lu %lu %lu %lu", size, &skip, &skip, &skip, &skip, data) != 6)
		*size = *data = 0;
	fclose(f);
	*size *= page;
	*data *= page;
}

/* Lowers resource res to soft and hard (never raises either); false on failure. */
static bool
lower(int res, rlim_t soft, rlim_t hard)
{
	struct rlimit rl;

	if (getrlimit(res, &rl) < 0)
		return false;
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < hard)
		hard = rl.rlim_max;
	if (soft > hard)
		soft = hard;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < soft)
		soft = rl.rlim_cur;
	rl.rlim_cur = soft;
	rl.rlim_max = hard;
	return setrlimit(res, &rl) == 0;
}

void
fb_limits_set(void)
{
	unsigned long size, data;
	int res = RLIMIT_AS;
	rlim_t max = FB_MEMORY_MAX;

	mapped_now(&size, &data);
	if (size > FB_MEMORY_MAX / 4) { /* a sanitizer's reservations: count what the heap adds */
		res = RLIMIT_DATA;
		max = data + FB_MEMORY_MAX;
	}
	if (!lower(res, max, max))
		bg_log_warn("cannot limit memory to %lu bytes: %s", (unsigned long)max, strerror(errno));
	if (!lower(RLIMIT_CPU, FB_CPU_SECONDS, FB_CPU_SECONDS + 1))
		bg_log_warn("cannot limit CPU to %d s: %s", FB_CPU_SECONDS, strerror(errno));
}

/* Returns whether the line at p (n bytes left) can open a MIME part. */
static bool
opens_part(const char *p, size_t n)
{
	return (n >= 2 && p[0] == '-' && p[1] == '-') || (n >= 12 && strncasecmp(p, "content-type", 12) == 0);
}

const char *
fb_limits_scan(const char *msg, size_t len)
{
	const char *p = msg, *end = msg + len, *nl;
	size_t lines = 0;

	while (p < end) {
		if (opens_part(p, (size_t)(end - p)) && ++lines > FB_STRUCTURE_MAX)
			return "too-many-parts";
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			break;
		p = nl + 1;
	}
	return NULL;
}

/* Returns the reason a child ended by signal sig gives, a static string. */
static const char *
signal_reason(int sig)
{
	static char why[64];
	const char *name = sigabbrev_np(sig);

	snprintf(why, sizeof(why), "%s signal=SIG%s", sig == SIGXCPU || sig == SIGKILL ? "cpu-limit" : "memory-limit",
	         name ? name : "?");
	return why;
}

int
fb_limits_fork(const char **why)
{
	int status;
	pid_t pid;

	fflush(NULL); /* nothing buffered is written twice */
	if ((pid = fork()) < 0) {
		bg_log_error("cannot fork to read the message: %s", strerror(errno));
		return EX_TEMPFAIL;
	}
	if (pid == 0) {
		lower(RLIMIT_CORE, 0, 0);
		return FB_LIMITS_CHILD;
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			bg_log_error("cannot wait for the child: %s", strerror(errno));
			return EX_TEMPFAIL;
		}
	if (WIFSIGNALED(status)) {
		*why = signal_reason(WTERMSIG(status));
		return 0;
	}
	return WEXITSTATUS(status);
}
