/*
 * fb_mime.c - the GMime side of reading feedback mail (fb_mime.h): parts, fields, the walk over the tree.
 */
#include "config.h"

#include <ctype.h>
#include <gmime/gmime.h>
#include <string.h>
#include <strings.h>

#include "fb_mime.h"
#include "fb_text.h"

#define FB_DEPTH_MAX  8  /* MIME nesting followed */
#define FB_BLOCKS_MAX 40 /* field blocks read from one report part */

/* Returns the decoded content of part as a byte array the caller unrefs (at most max bytes kept). */
GByteArray *
fb_part_bytes(GMimePart *part, size_t max)
{
	GMimeDataWrapper *w = g_mime_part_get_content(part);
	GMimeStream *mem;
	GByteArray *ba;

	if (w == NULL)
		return NULL;
	mem = g_mime_stream_mem_new();
	g_mime_data_wrapper_write_to_stream(w, mem);
	ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(mem), FALSE); /* the array is ours now */
	g_object_unref(mem);
	if (ba->len > max)
		g_byte_array_set_size(ba, (guint)max);
	return ba;
}

/* Parses len bytes of field text with GMime; returns the part (caller unrefs) or NULL. */
static GMimeObject *
parse_fields(const char *s, size_t len)
{
	GMimeStream *st;
	GMimeParser *p;
	GMimeObject *o;

	if (s == NULL || len == 0)
		return NULL;
	st = g_mime_stream_mem_new_with_buffer(s, len);
	p = g_mime_parser_new_with_stream(st);
	o = g_mime_parser_construct_part(p, NULL);

	g_object_unref(p);
	g_object_unref(st);
	return o;
}

/* Returns the value of header name of o (NULL when absent). */
const char *
fb_hdr(GMimeObject *o, const char *name)
{
	return o != NULL ? g_mime_object_get_header(o, name) : NULL;
}

/* Normalises the address after the "type;" of a DSN/ARF field value (or the whole value) into a. */
bool
fb_field_addr(const char *v, struct bg_addr *a)
{
	const char *semi;

	memset(a, 0, sizeof(*a));
	if (v == NULL)
		return false;
	if ((semi = strchr(v, ';')) != NULL)
		v = semi + 1;
	while (isspace((unsigned char)*v))
		v++;
	return bg_addr_normalise(v, strlen(v), BG_ADDR_KEEP_CASE, a) == BG_ADDR_OK;
}

/* The field that opens a recipient's block of a delivery-status part: a second one in a block starts the next. */
static const char block_opener[] = "Final-Recipient:";
#define BLOCK_OPENER_LEN (sizeof(block_opener) - 1)

/*
 * Calls fn on each block of the n bytes at s, up to FB_BLOCKS_MAX: blocks end
 * at a blank line, or where a second Final-Recipient starts (AOL writes its
 * recipients' blocks with no blank line between them).
 */
void
fb_each_block(const char *s, size_t n, void (*fn)(GMimeObject *, void *), void *arg)
{
	size_t i = 0, blocks = 0;

	while (i < n && blocks < FB_BLOCKS_MAX) {
		size_t start, end, line;
		bool opened = false;
		GMimeObject *o;

		while (i < n && (s[i] == '\r' || s[i] == '\n' || s[i] == ' ' || s[i] == '\t'))
			i++;
		for (start = end = i; end < n; end = line + 1) {
			bool opener =
			    n - end >= BLOCK_OPENER_LEN && strncasecmp(s + end, block_opener, BLOCK_OPENER_LEN) == 0;

			for (line = end; line < n && s[line] != '\n'; line++)
				;
			if (line == end || (line == end + 1 && s[end] == '\r') || (opener && opened))
				break;
			opened = opened || opener;
		}
		if (end > n)
			end = n;
		if (end > start && (o = parse_fields(s + start, end - start)) != NULL) {
			fn(o, arg);
			g_object_unref(o);
			blocks++;
		}
		i = end;
	}
}

/* ---- the MIME walk ------------------------------------------------------ */

/* Looks at one leaf: report parts, reported headers, the first text. */
static void
walk_leaf(GMimeObject *o, struct fb_walk *w)
{
	GMimeContentType *ct = g_mime_object_get_content_type(o);

	if (!GMIME_IS_PART(o) || ct == NULL)
		return;
	if (g_mime_content_type_is_type(ct, "message", "delivery-status") ||
	    g_mime_content_type_is_type(ct, "message", "global-delivery-status")) {
		if (w->dsn == NULL)
			w->dsn = GMIME_PART(o);
	} else if (g_mime_content_type_is_type(ct, "message", "feedback-report")) {
		if (w->arf == NULL)
			w->arf = GMIME_PART(o);
	} else if (g_mime_content_type_is_type(ct, "text", "rfc822-headers")) {
		if (w->reported == NULL)
			w->reported = o;
	} else if (g_mime_content_type_is_type(ct, "text", "plain") && GMIME_IS_TEXT_PART(o)) {
		if (w->text == NULL)
			w->text = GMIME_TEXT_PART(o);
	}
}

/* Walks o: multiparts into their children, attached messages are kept, not entered. */
void
fb_walk_object(GMimeObject *o, struct fb_walk *w, int depth)
{
	if (o == NULL || depth > FB_DEPTH_MAX || ++w->parts > FB_PARTS_MAX)
		return;
	if (GMIME_IS_MULTIPART(o)) {
		GMimeMultipart *mp = GMIME_MULTIPART(o);
		int n = g_mime_multipart_get_count(mp);

		if (n == 0 && w->bare == NULL)
			w->bare = mp;
		for (int i = 0; i < n && w->parts <= FB_PARTS_MAX; i++)
			fb_walk_object(g_mime_multipart_get_part(mp, i), w, depth + 1);
	} else if (GMIME_IS_MESSAGE_PART(o)) {
		if (w->reported == NULL)
			w->reported = o;
	} else {
		walk_leaf(o, w);
	}
}

/* Returns the reported message as a GMimeMessage the caller unrefs, or NULL. */
GMimeMessage *
fb_reported_message(GMimeObject *o)
{
	GMimeMessage *m = NULL;
	GByteArray *ba;

	if (o == NULL)
		return NULL;
	if (GMIME_IS_MESSAGE_PART(o)) {
		if ((m = g_mime_message_part_get_message(GMIME_MESSAGE_PART(o))) != NULL)
			g_object_ref(m);
		return m;
	}
	if ((ba = fb_part_bytes(GMIME_PART(o), FB_TEXT_MAX)) != NULL && ba->len == 0) {
		g_byte_array_unref(ba);
		return NULL;
	}
	if (ba != NULL) {
		GMimeStream *st = g_mime_stream_mem_new_with_buffer((const char *)ba->data, ba->len);
		GMimeParser *p = g_mime_parser_new_with_stream(st);

		m = g_mime_parser_construct_message(p, NULL);
		g_object_unref(p);
		g_object_unref(st);
		g_byte_array_unref(ba);
	}
	return m;
}

/* Copies a field value (NULL: none) into out, lower case. */
void
fb_copy_lower(const char *v, char *out, size_t len)
{
	out[0] = '\0';
	if (v != NULL)
		fb_copy_printable(v, strlen(v), out, len);
	for (char *c = out; *c; c++)
		*c = (char)tolower((unsigned char)*c);
}
