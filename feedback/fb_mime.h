/*
 * fb_mime.h - the GMime side of reading feedback mail, shared by fb_classify.c and fb_dsn.c.
 *
 * Internal to bulkguard-feedback. Bounded: FB_PARTS_MAX parts walked, 8
 * levels of nesting, 40 field blocks a report part, the byte counts given.
 */
#ifndef FB_MIME_H
#define FB_MIME_H

#include <gmime/gmime.h>
#include <stdbool.h>
#include <stddef.h>

#include "bg_addr.h"

/* What the walk over the MIME tree found. */
struct fb_walk {
	int parts;
	GMimePart *dsn;        /* message/delivery-status */
	GMimePart *arf;        /* message/feedback-report */
	GMimeObject *reported; /* message/rfc822 or text/rfc822-headers after the report */
	GMimeTextPart *text;   /* the first text/plain outside an attached message */
	GMimeMultipart *bare;  /* the first multipart without parts (a broken boundary) */
};

/* Fills *w (zeroed by the caller) from the MIME tree under o; attached messages are kept, not entered. */
void fb_walk_object(GMimeObject *o, struct fb_walk *w, int depth);

/* Returns the decoded content of part as a byte array the caller unrefs (at most max bytes kept), or NULL. */
GByteArray *fb_part_bytes(GMimePart *part, size_t max);

/* Returns the value of header name of o (NULL when o or the header is absent); owned by o. */
const char *fb_hdr(GMimeObject *o, const char *name);

/* Normalises the address after the "type;" of a DSN/ARF field value v (or the whole value) into a; false: none. */
bool fb_field_addr(const char *v, struct bg_addr *a);

/* Calls fn on each blank-line separated block of the n bytes at s, parsed as header fields by GMime. */
void fb_each_block(const char *s, size_t n, void (*fn)(GMimeObject *, void *), void *arg);

/* Returns the reported message o holds (message/rfc822 or text/rfc822-headers) as a message the caller unrefs. */
GMimeMessage *fb_reported_message(GMimeObject *o);

/* Copies a field value v (NULL: none) into out (len bytes), printable and lower case. */
void fb_copy_lower(const char *v, char *out, size_t len);

#endif
