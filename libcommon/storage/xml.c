/*
 * xml: element lookup by plain string search; entities decoded: the five
 * named ones and numeric character references (as UTF-8).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xml.h"

static const char *
find(const char *p, const char *end, const char *s)
{
	size_t n = strlen(s);

	for (; p + n <= end; p++) {
		p = memchr(p, s[0], (size_t)(end - p));
		if (!p || p + n > end)
			return NULL;
		if (memcmp(p, s, n) == 0)
			return p;
	}
	return NULL;
}

size_t
xml_find(const char *p, size_t n, const char *tag, const char **inner,
    size_t *len)
{
	const char *end = p + n, *s = p, *open, *close;
	char pat[80];
	size_t tl = strlen(tag);

	if (tl + 4 > sizeof pat)
		return 0;
	snprintf(pat, sizeof pat, "<%s", tag);
	for (;;) {
		if (!(open = find(s, end, pat)))
			return 0;
		s = open + tl + 1;
		if (s < end && (*s == '>' || *s == ' ' || *s == '/'))
			break;
	}
	if (!(s = memchr(s, '>', (size_t)(end - s))))
		return 0;
	if (s[-1] == '/') {		/* <tag/> */
		*inner = s + 1;
		*len = 0;
		return (size_t)(s + 1 - p);
	}
	snprintf(pat, sizeof pat, "</%s>", tag);
	if (!(close = find(s + 1, end, pat)))
		return 0;
	*inner = s + 1;
	*len = (size_t)(close - (s + 1));
	return (size_t)(close + tl + 3 - p);
}

static void
put_utf8(struct buf *out, unsigned long c)
{
	if (c < 0x80) {
		buf_addc(out, (char)c);
	} else if (c < 0x800) {
		buf_addc(out, (char)(0xc0 | c >> 6));
		buf_addc(out, (char)(0x80 | (c & 0x3f)));
	} else if (c < 0x10000) {
		buf_addc(out, (char)(0xe0 | c >> 12));
		buf_addc(out, (char)(0x80 | ((c >> 6) & 0x3f)));
		buf_addc(out, (char)(0x80 | (c & 0x3f)));
	} else {
		buf_addc(out, (char)(0xf0 | c >> 18));
		buf_addc(out, (char)(0x80 | ((c >> 12) & 0x3f)));
		buf_addc(out, (char)(0x80 | ((c >> 6) & 0x3f)));
		buf_addc(out, (char)(0x80 | (c & 0x3f)));
	}
}

static void
decode(struct buf *out, const char *s, size_t n)
{
	static const struct { const char *name; char c; } ents[] = {
		{ "amp;", '&' }, { "lt;", '<' }, { "gt;", '>' },
		{ "quot;", '"' }, { "apos;", '\'' },
	};
	const char *end = s + n;

	while (s < end) {
		size_t i, rest;
		if (*s != '&') {
			buf_addc(out, *s++);
			continue;
		}
		s++;
		rest = (size_t)(end - s);
		for (i = 0; i < 5; i++) {
			size_t el = strlen(ents[i].name);
			if (rest >= el && memcmp(s, ents[i].name, el) == 0) {
				buf_addc(out, ents[i].c);
				s += el;
				break;
			}
		}
		if (i < 5)
			continue;
		if (rest > 2 && *s == '#') {
			char *e;
			int hex = s[1] == 'x';
			unsigned long c = strtoul(s + 1 + hex, &e, hex ? 16 : 10);
			if (e < end && *e == ';' && c <= 0x10ffff) {
				put_utf8(out, c);
				s = e + 1;
				continue;
			}
		}
		buf_addc(out, '&');
	}
}

int
xml_text(const char *p, size_t n, const char *tag, struct buf *out)
{
	const char *in;
	size_t len;

	buf_reset(out);
	if (!p || !xml_find(p, n, tag, &in, &len))
		return -1;
	decode(out, in, len);
	return 0;
}

void
xml_escape(struct buf *out, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		switch (s[i]) {
		case '&': buf_adds(out, "&amp;"); break;
		case '<': buf_adds(out, "&lt;"); break;
		case '>': buf_adds(out, "&gt;"); break;
		case '"': buf_adds(out, "&quot;"); break;
		case '\'': buf_adds(out, "&apos;"); break;
		default: buf_addc(out, s[i]);
		}
	}
}
