/*
 * fb_ses.c - Amazon SES notifications read with json-glib (fb_ses.h).
 */
#include "config.h"

#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "fb_ses.h"

#define FB_SES_TAIL_TRIES 4 /* closing braces tried as the end of the JSON */

/* Returns member name of object o as a string, or NULL (absent, or not a string). */
static const char *
member_string(JsonObject *o, const char *name)
{
	JsonNode *n = o != NULL ? json_object_get_member(o, name) : NULL;

	return n != NULL && JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_STRING
	           ? json_node_get_string(n)
	           : NULL;
}

/* Returns member name of object o as an object, or NULL. */
static JsonObject *
member_object(JsonObject *o, const char *name)
{
	JsonNode *n = o != NULL ? json_object_get_member(o, name) : NULL;

	return n != NULL && JSON_NODE_HOLDS_OBJECT(n) ? json_node_get_object(n) : NULL;
}

/* Returns member name of object o as an array, or NULL. */
static JsonArray *
member_array(JsonObject *o, const char *name)
{
	JsonNode *n = o != NULL ? json_object_get_member(o, name) : NULL;

	return n != NULL && JSON_NODE_HOLDS_ARRAY(n) ? json_node_get_array(n) : NULL;
}

/* Copies member name of o (a string) into out (len bytes), "" when absent. */
static void
copy_member(JsonObject *o, const char *name, char *out, size_t len)
{
	const char *v = member_string(o, name);

	snprintf(out, len, "%s", v != NULL ? v : "");
}

/* Reads the recipients of list (bouncedRecipients or complainedRecipients) into out. */
static void
read_recipients(JsonArray *list, struct fb_ses *out)
{
	guint n = list != NULL ? json_array_get_length(list) : 0;

	for (guint i = 0; i < n && out->n_rcpt < FB_SES_RCPT_MAX; i++) {
		JsonNode *e = json_array_get_element(list, i);
		JsonObject *o = JSON_NODE_HOLDS_OBJECT(e) ? json_node_get_object(e) : NULL;
		struct fb_ses_rcpt *x = &out->rcpt[out->n_rcpt];

		if (member_string(o, "emailAddress") == NULL)
			continue;
		copy_member(o, "emailAddress", x->address, sizeof(x->address));
		copy_member(o, "status", x->status, sizeof(x->status));
		copy_member(o, "action", x->action, sizeof(x->action));
		copy_member(o, "diagnosticCode", x->diag, sizeof(x->diag));
		out->n_rcpt++;
	}
}

/* Reads mail.source and the List-Unsubscribe among mail.headers. */
static void
read_mail(JsonObject *mail, struct fb_ses *out)
{
	JsonArray *headers = member_array(mail, "headers");
	guint n = headers != NULL ? json_array_get_length(headers) : 0;

	copy_member(mail, "source", out->source, sizeof(out->source));
	for (guint i = 0; i < n; i++) {
		JsonNode *e = json_array_get_element(headers, i);
		JsonObject *h = JSON_NODE_HOLDS_OBJECT(e) ? json_node_get_object(e) : NULL;
		const char *name = member_string(h, "name");

		if (name != NULL && strcasecmp(name, "List-Unsubscribe") == 0) {
			copy_member(h, "value", out->list_unsubscribe, sizeof(out->list_unsubscribe));
			return;
		}
	}
}

/* Reads the notification object top into out; false when it is none. */
static bool
read_notification(JsonObject *top, struct fb_ses *out)
{
	const char *type = member_string(top, "notificationType");
	JsonObject *bounce = member_object(top, "bounce"), *complaint = member_object(top, "complaint");
	const char *bounce_type = member_string(bounce, "bounceType");

	if (type == NULL)
		type = member_string(top, "eventType"); /* the configuration-set event form */
	if (type == NULL)
		return false;
	if (strcmp(type, "Bounce") == 0 && bounce != NULL) {
		out->type = FB_SES_BOUNCE;
		out->permanent = bounce_type != NULL && strcmp(bounce_type, "Permanent") == 0;
		read_recipients(member_array(bounce, "bouncedRecipients"), out);
	} else if (strcmp(type, "Complaint") == 0 && complaint != NULL) {
		out->type = FB_SES_COMPLAINT;
		copy_member(complaint, "complaintFeedbackType", out->feedback_type, sizeof(out->feedback_type));
		read_recipients(member_array(complaint, "complainedRecipients"), out);
	}
	read_mail(member_object(top, "mail"), out);
	return true;
}

/* Parses len bytes of JSON; returns its root object's parser (caller unrefs) with *top set, or NULL. */
static JsonParser *
parse_object(const char *s, gssize len, JsonObject **top)
{
	JsonParser *p = json_parser_new();
	JsonNode *root;

	*top = NULL;
	if (!json_parser_load_from_data(p, s, len, NULL) || (root = json_parser_get_root(p)) == NULL ||
	    !JSON_NODE_HOLDS_OBJECT(root)) {
		g_object_unref(p);
		return NULL;
	}
	*top = json_node_get_object(root);
	return p;
}

/*
 * Returns the n bytes at s without the line breaks a mail transport put into
 * the one long line of JSON: CR and LF, a space after them (folding), a "!"
 * before them (sendmail's mark for a line it broke). The caller g_frees it.
 * JSON has no raw line break inside a string, so nothing of the data is lost.
 */
static char *
unwrap(const char *s, size_t n, size_t *len)
{
	char *out = g_malloc(n + 1);
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '!' && i + 1 < n && (s[i + 1] == '\r' || s[i + 1] == '\n'))
			continue;
		if (s[i] == '\r' || s[i] == '\n') {
			while (i + 1 < n && (s[i + 1] == '\r' || s[i + 1] == '\n'))
				i++;
			if (i + 1 < n && s[i + 1] == ' ')
				i++;
			continue;
		}
		out[o++] = s[i];
	}
	out[o] = '\0';
	*len = o;
	return out;
}

bool
fb_ses_parse(const char *s, size_t n, struct fb_ses *out)
{
	JsonParser *p, *inner = NULL;
	JsonObject *top, *message;
	const char *wrapped;
	char *json;
	size_t len;
	bool ok = false;

	memset(out, 0, sizeof(*out));
	while (n > 0 && (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n'))
		s++, n--;
	if (n == 0 || *s != '{' || n > G_MAXSSIZE)
		return false;
	json = unwrap(s, n, &len);
	p = NULL;
	/* SNS appends a footer after the JSON ("--", how to unsubscribe): it ends at one of its last braces */
	for (int tries = 0; p == NULL && tries < FB_SES_TAIL_TRIES && len > 0; tries++) {
		while (len > 0 && json[len - 1] != '}')
			len--;
		if (len > 0)
			p = parse_object(json, (gssize)len--, &top);
	}
	g_free(json);
	if (p == NULL)
		return false;
	/* an SNS envelope ({"Type":"Notification","Message":"{...}"}) carries the notification as a string */
	if ((wrapped = member_string(top, "Message")) != NULL && member_string(top, "notificationType") == NULL &&
	    (inner = parse_object(wrapped, -1, &message)) != NULL)
		top = message;
	ok = read_notification(top, out);
	if (inner != NULL)
		g_object_unref(inner);
	g_object_unref(p);
	if (!ok)
		memset(out, 0, sizeof(*out));
	return ok;
}
