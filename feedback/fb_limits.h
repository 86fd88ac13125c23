/*
 * fb_limits.h - what one message may cost bulkguard-feedback, and what
 * happens past it.
 *
 * The program holds at most FB_MEMORY_MAX bytes of address space and
 * FB_CPU_SECONDS of CPU (setrlimit). Before GMime sees a message, the lines
 * that can open a MIME part are counted and a message with more than
 * FB_STRUCTURE_MAX of them is not parsed at all. The message is then read
 * in a child process, so that a limit reached while GMime parses ends the
 * child only: the parent says why, and the message is dropped (exit 0)
 * rather than retried for ever by Postfix.
 *
 * Sanitizer builds reserve terabytes of address space before main (the
 * allocator's arena among them), so no address-space limit can bound
 * them: when more than FB_MEMORY_MAX / 4 is mapped at start, RLIMIT_DATA
 * limits what the heap adds to FB_MEMORY_MAX instead (their shadow memory
 * comes on top). Run them with ASAN_OPTIONS=allocator_may_return_null=1 so
 * that running out fails as in a plain build (GLib aborts) rather than with
 * the sanitizer's report and exit 1.
 *
 * DIAGNOSTICS: fb_limits_set logs a warning when a limit cannot be set;
 * fb_limits_fork logs when it cannot fork and returns EX_TEMPFAIL.
 */
#ifndef FB_LIMITS_H
#define FB_LIMITS_H

#include <stddef.h>

#define FB_MEMORY_MAX    (256ul * 1024 * 1024) /* bytes of address space */
#define FB_CPU_SECONDS   10                    /* of CPU for one message (the child's) */
#define FB_STRUCTURE_MAX 10000                 /* lines starting "--" or "Content-Type" */
#define FB_LIMITS_CHILD  (-1)                  /* fb_limits_fork: this is the child */

/* Sets the memory and CPU limits for this process and the children it makes. */
void fb_limits_set(void);

/*
 * Counts the lines of the len bytes at msg that can open a MIME part (a
 * boundary starts with "--"; a nested message needs a Content-Type).
 * Returns NULL, or the reason ("too-many-parts") when there are more than
 * FB_STRUCTURE_MAX: then the message must not be parsed.
 */
const char *fb_limits_scan(const char *msg, size_t len);

/*
 * Forks. In the child returns FB_LIMITS_CHILD: it reads the message and
 * exits with its status (after freeing what it holds, as the parent does). In the parent waits for the child and
 * returns the child's exit status; when the child was ended by a limit (a signal), returns 0 with the reason in *why
 * ("cpu-limit ..." or "memory-limit
 * ...", a static string), else leaves *why alone.
 */
int fb_limits_fork(const char **why);

#endif
