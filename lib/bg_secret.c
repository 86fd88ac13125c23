/*
 * bg_secret.c - reading a password file: owner-only, bounded, one line.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bg_secret.h"
#include "bg_util.h"

/* Opens path and checks it is a regular file closed to group and others; the fd, or -1 with err. */
static int
open_private(const char *path, char *err, size_t errlen)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

	if (fd < 0) {
		snprintf(err, errlen, "cannot be read: %s", strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		snprintf(err, errlen, "is not a regular file");
	else if ((st.st_mode & 077) != 0)
		snprintf(err, errlen, "is open to group or others (mode %04o; chmod 600)",
		         (unsigned)(st.st_mode & 07777));
	else
		return fd;
	close(fd);
	return -1;
}

/* Reads at most len bytes of fd into buf; the count, or -1. */
static ssize_t
read_some(int fd, char *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;

	while (got < len && (n = read(fd, buf + got, len - got)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

/* Cuts buf (n bytes) at its first line's end; the secret's length, or -1 when it is not one usable line. */
static ssize_t
first_line(char *buf, ssize_t n)
{
	char *nl = memchr(buf, '\n', (size_t)n);
	size_t len = nl ? (size_t)(nl - buf) : (size_t)n;

	if (nl == NULL && n > BG_SECRET_MAX)
		return -1;
	if (len > 0 && buf[len - 1] == '\r')
		len--;
	if (len == 0 || len > BG_SECRET_MAX || memchr(buf, '\0', len) != NULL)
		return -1;
	buf[len] = '\0';
	return (ssize_t)len;
}

int
bg_secret_read(const char *path, char **out, char *err, size_t errlen)
{
	char buf[BG_SECRET_MAX + 3];
	ssize_t n, len;
	int fd = open_private(path, err, errlen);

	*out = NULL;
	if (fd < 0)
		return -1;
	n = read_some(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0) {
		snprintf(err, errlen, "cannot be read: %s", strerror(errno));
		return -1;
	}
	len = first_line(buf, n);
	if (len < 0)
		snprintf(err, errlen, "must hold the password on its first line (1 to %d bytes, no NUL)",
		         BG_SECRET_MAX);
	else
		*out = bg_xstrndup(buf, (size_t)len);
	explicit_bzero(buf, sizeof(buf));
	return len < 0 ? -1 : 0;
}

void
bg_secret_free(char *secret)
{
	if (secret == NULL)
		return;
	explicit_bzero(secret, strlen(secret));
	free(secret);
}
