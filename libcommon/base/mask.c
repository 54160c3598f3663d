/*
 * mask: secrets out of what gets printed.
 *
 * A password can hide in a URL in more ways than "user:secret@": libpq
 * percent-decodes query keys ("pass%77ord=") and takes the last of
 * repeated parameters, and keyword strings quote and escape values.  So
 * mask_conninfo masks the text by the same rules, then hands both the
 * original and the masked text to PQconninfoParse: every option must come
 * out the same except the password, which must come out "***" (or absent
 * in both).  A string libpq cannot parse, or one whose check fails, is
 * printed as its scheme followed by "***", or as "***": libpq's reading
 * of it is unknown, so any part of it may be the password.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "log.h"
#include "mask.h"

#define MASK "***"

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* A query key that is (or may be) "password" once percent-decoded; one
 * that does not decode counts, since nobody can say what it names. */
static int
password_key(const char *k, size_t n)
{
	static const char want[] = "password";
	size_t j = 0;

	for (size_t i = 0; i < n; i++, j++) {
		int c = (unsigned char)k[i];
		if (c == '%') {
			int h, l;
			if (i + 2 >= n)
				return 1;
			if ((h = hexval(k[i + 1])) < 0 ||
			    (l = hexval(k[i + 2])) < 0)
				return 1;
			c = h * 16 + l;
			i += 2;
		}
		if (j >= sizeof want - 1 || c != want[j])
			return 0;
	}
	return j == sizeof want - 1;
}

/* key=value&key=value, each value of a password key masked. */
static void
put_query(struct buf *b, const char *q, int *had)
{
	while (*q) {
		size_t n = strcspn(q, "&");
		const char *eq = memchr(q, '=', n);

		if (eq && password_key(q, (size_t)(eq - q))) {
			buf_add(b, q, (size_t)(eq + 1 - q));
			buf_adds(b, MASK);
			*had = 1;
		} else
			buf_add(b, q, n);
		q += n;
		if (*q == '&')
			buf_addc(b, *q++);
	}
}

/* User info ends at the first '@' before any '/', as libpq reads it. */
char *
mask_url(const char *url, int *had)
{
	const char *p = strstr(url, "://"), *end, *colon, *q;
	struct buf b = BUF_INIT;

	*had = 0;
	if (!p)
		return xstrdup(url);
	p += 3;
	end = p + strcspn(p, "@/");
	buf_add(&b, url, (size_t)(p - url));
	if (*end == '@') {
		colon = memchr(p, ':', (size_t)(end - p));
		if (colon) {
			buf_add(&b, p, (size_t)(colon + 1 - p));
			buf_adds(&b, MASK);
			*had = 1;
		} else
			buf_add(&b, p, (size_t)(end - p));
		p = end;
	}
	q = strchr(p, '?');
	buf_add(&b, p, q ? (size_t)(q + 1 - p) : strlen(p));
	if (q)
		put_query(&b, q + 1, had);
	if (!b.p)
		buf_adds(&b, "");
	return b.p;
}

char *
mask_userinfo(const char *url)
{
	const char *p = strstr(url, "://"), *end;
	struct buf b = BUF_INIT;

	if (!p)
		return xstrdup(url);
	p += 3;
	end = p + strcspn(p, "@/");
	if (*end != '@')
		return xstrdup(url);
	buf_add(&b, url, (size_t)(p - url));
	buf_adds(&b, MASK);
	buf_adds(&b, end);
	return b.p;
}

/* The end of a keyword string's value at p, as libpq's conninfo_parse
 * reads it: single-quoted with backslash escapes, or up to white space. */
static const char *
value_end(const char *p)
{
	if (*p != '\'') {
		for (; *p && !isspace((unsigned char)*p); p++)
			if (*p == '\\' && p[1])
				p++;
		return p;
	}
	for (p++; *p && *p != '\''; p++)
		if (*p == '\\' && p[1])
			p++;
	return *p ? p + 1 : NULL;
}

static const char *
skip_space(struct buf *b, const char *p)
{
	const char *s = p;

	while (isspace((unsigned char)*p))
		p++;
	buf_add(b, s, (size_t)(p - s));
	return p;
}

/* "host=h password='x y'" -> "host=h password=***"; NULL when it does
 * not read as keyword=value pairs. */
static char *
mask_keywords(const char *s)
{
	struct buf b = BUF_INIT;
	const char *p = skip_space(&b, s), *k, *v;

	while (*p) {
		k = p;
		while (*p && *p != '=' && !isspace((unsigned char)*p))
			p++;
		buf_add(&b, k, (size_t)(p - k));
		if (*(p = skip_space(&b, p)) != '=')
			goto fail;
		buf_addc(&b, *p++);
		v = p = skip_space(&b, p);
		if (!(p = value_end(p)))
			goto fail;
		if (p - k >= 8 && strncmp(k, "password", 8) == 0 &&
		    (k[8] == '=' || isspace((unsigned char)k[8])))
			buf_adds(&b, MASK);
		else
			buf_add(&b, v, (size_t)(p - v));
		p = skip_space(&b, p);
	}
	if (!b.p)
		buf_adds(&b, "");
	return b.p;
fail:
	buf_free(&b);
	return NULL;
}

static int
is_uri(const char *s)
{
	return strncmp(s, "postgresql://", 13) == 0 ||
	    strncmp(s, "postgres://", 11) == 0;
}

static int
same_val(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

/* m is o with the password, if any, reading "***". */
static int
masked_alike(const PQconninfoOption *o, const PQconninfoOption *m)
{
	for (; o->keyword; o++, m++) {
		if (!m->keyword || strcmp(o->keyword, m->keyword))
			return 0;
		if (strcmp(o->keyword, "password") == 0 ?
		    !(o->val ? same_val(m->val, MASK) : !m->val) :
		    !same_val(o->val, m->val))
			return 0;
	}
	return !m->keyword;
}

static char *
mask_whole(const char *s)
{
	const char *p = strstr(s, "://");
	struct buf b = BUF_INIT;

	if (p)
		buf_add(&b, s, (size_t)(p + 3 - s));
	buf_adds(&b, MASK);
	return b.p;
}

char *
mask_conninfo(const char *conninfo, int *had)
{
	PQconninfoOption *o = NULL, *m = NULL;
	char *out = NULL;
	int dummy;

	*had = 0;
	if (!(o = PQconninfoParse(conninfo, NULL)))
		goto out;
	for (const PQconninfoOption *i = o; i->keyword; i++)
		if (strcmp(i->keyword, "password") == 0 && i->val)
			*had = 1;
	out = is_uri(conninfo) ? mask_url(conninfo, &dummy) :
	    mask_keywords(conninfo);
	if (out && (!(m = PQconninfoParse(out, NULL)) ||
	    !masked_alike(o, m))) {
		free(out);
		out = NULL;
	}
out:
	if (!out)
		out = mask_whole(conninfo);
	PQconninfoFree(o);
	PQconninfoFree(m);
	return out;
}

void
mask_quoted(struct buf *out, const char *msg)
{
	const char *e = msg + strcspn(msg, "\n"), *q;

	while ((q = memchr(msg, '"', (size_t)(e - msg))) != NULL) {
		buf_add(out, msg, (size_t)(q - msg));
		buf_adds(out, "\"" MASK "\"");
		q = memchr(q + 1, '"', (size_t)(e - q - 1));
		msg = q ? q + 1 : e;
	}
	buf_add(out, msg, (size_t)(e - msg));
}
