/*
 * fb_forward.c - a reply handed to sendmail(1) unchanged (fb_forward.h).
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bg_addr.h"
#include "fb_forward.h"
#include "fb_text.h"

/* Returns the length of a Return-Path header (with its continuation lines) at the top of msg, else 0. */
static size_t
return_path_len(const char *msg, size_t len)
{
	size_t i = 12;

	if (len < 12 || strncasecmp(msg, "Return-Path:", 12) != 0)
		return 0;
	for (;;) {
		const char *nl = memchr(msg + i, '\n', len - i);

		if (nl == NULL)
			return 0;
		i = (size_t)(nl - msg) + 1;
		if (i >= len || (msg[i] != ' ' && msg[i] != '\t'))
			return i;
	}
}

/* Writes the envelope sender for -f into out: the normalised sender, or "<>" for the null or a bad one. */
static void
sender_arg(const char *sender, char *out, size_t len)
{
	struct bg_addr a;

	if (sender == NULL || fb_sender_is_null(sender) ||
	    bg_addr_normalise(sender, strlen(sender), BG_ADDR_KEEP_CASE, &a) != BG_ADDR_OK)
		snprintf(out, len, "<>");
	else
		snprintf(out, len, "%s", a.text);
}

/* Runs sendmail with argv on a pipe in *fd; returns its pid or -1. */
static pid_t
start(char *const argv[], int *fd)
{
	int p[2];
	pid_t pid;

	if (pipe(p) < 0)
		return -1;
	if ((pid = fork()) == 0) {
		dup2(p[0], 0);
		close(p[0]);
		close(p[1]);
		execv(FB_SENDMAIL, argv);
		_exit(75);
	}
	close(p[0]);
	if (pid < 0)
		close(p[1]);
	*fd = p[1];
	return pid;
}

/* Writes the n bytes at s to fd; 0 or -1. */
static int
write_all(int fd, const char *s, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, s, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

enum fb_forward_result
fb_forward(const char *mailbox, const char *sender, const char *msg, size_t len, char *err, size_t errlen)
{
	char from[BG_ADDR_MAX + 1];
	size_t skip = return_path_len(msg, len);
	char *argv[] = {"sendmail", "-i", "-f", from, "--", (char *)mailbox, NULL};
	int fd, status = 0, wrote;
	pid_t pid;

	if (len - skip > FB_FORWARD_MAX) {
		snprintf(err, errlen, "reply of %zu bytes over %u", len - skip, FB_FORWARD_MAX);
		return FB_FORWARD_TOO_BIG;
	}
	sender_arg(sender, from, sizeof(from));
	signal(SIGPIPE, SIG_IGN); /* a sendmail that dies early is seen in its exit status */
	if ((pid = start(argv, &fd)) < 0) {
		snprintf(err, errlen, "%s: %s", FB_SENDMAIL, strerror(errno));
		return FB_FORWARD_TEMPFAIL;
	}
	wrote = write_all(fd, msg + skip, len - skip);
	close(fd);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (wrote < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		snprintf(err, errlen, "%s %s (exit %d)", FB_SENDMAIL, wrote < 0 ? "did not take the message" : "failed",
		         WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		return FB_FORWARD_TEMPFAIL;
	}
	return FB_FORWARD_OK;
}
