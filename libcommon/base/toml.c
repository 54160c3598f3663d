/*
 * toml: a recursive-descent reader for dlt's TOML subset.  Scalars reach
 * the caller as (dotted key, text, line); arrays as JSON text, so that a
 * value like primary_key = ["id", "ts"] can be handed on unchanged.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "json.h"
#include "toml.h"

struct tp {
	const char *p, *e;
	size_t line;
	struct buf table;	/* current [table] prefix, "" at top */
	char **seen;		/* full keys defined so far */
	size_t nseen;
	toml_entry_fn fn;
	void *ctx;
	char *err;
	size_t errlen;
};

static int
fail(struct tp *t, const char *why)
{
	snprintf(t->err, t->errlen, "%s", why);
	return -1;
}

static int
at(const struct tp *t, const char *s)
{
	size_t n = strlen(s);

	return (size_t)(t->e - t->p) >= n && memcmp(t->p, s, n) == 0;
}

static void
skip_blank(struct tp *t)
{
	while (t->p < t->e && (*t->p == ' ' || *t->p == '\t'))
		t->p++;
}

static void
skip_comment(struct tp *t)
{
	if (t->p < t->e && *t->p == '#')
		while (t->p < t->e && *t->p != '\n')
			t->p++;
}

/* Blank lines, comments and newlines (inside arrays). */
static void
skip_space(struct tp *t)
{
	for (;;) {
		skip_blank(t);
		skip_comment(t);
		if (t->p < t->e && *t->p == '\r' && t->p + 1 < t->e &&
		    t->p[1] == '\n')
			t->p++;
		if (t->p < t->e && *t->p == '\n') {
			t->p++;
			t->line++;
			continue;
		}
		return;
	}
}

/* The end of a line after a header or a key/value pair. */
static int
end_of_line(struct tp *t)
{
	skip_blank(t);
	skip_comment(t);
	if (t->p < t->e && *t->p == '\r')
		t->p++;
	if (t->p >= t->e)
		return 0;
	if (*t->p != '\n')
		return fail(t, "expected the end of the line");
	t->p++;
	t->line++;
	return 0;
}

static int
bare_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '-';
}

static int hex_escape(struct tp *t, int ndig, struct buf *out);

static int
basic_escape(struct tp *t, struct buf *out)
{
	char c;

	t->p++;
	if (t->p >= t->e)
		return fail(t, "unterminated string");
	c = *t->p++;
	switch (c) {
	case 'b': buf_addc(out, '\b'); return 0;
	case 't': buf_addc(out, '\t'); return 0;
	case 'n': buf_addc(out, '\n'); return 0;
	case 'f': buf_addc(out, '\f'); return 0;
	case 'r': buf_addc(out, '\r'); return 0;
	case '"': buf_addc(out, '"'); return 0;
	case '\\': buf_addc(out, '\\'); return 0;
	case 'u': return hex_escape(t, 4, out);
	case 'U': return hex_escape(t, 8, out);
	default: return fail(t, "invalid escape in string");
	}
}

static int
hex_escape(struct tp *t, int ndig, struct buf *out)
{
	unsigned long u = 0;
	unsigned char c[4];
	size_t n;

	for (int i = 0; i < ndig; i++, t->p++) {
		char h = t->p < t->e ? *t->p : 0;
		int d = h >= '0' && h <= '9' ? h - '0' :
		    h >= 'a' && h <= 'f' ? h - 'a' + 10 :
		    h >= 'A' && h <= 'F' ? h - 'A' + 10 : -1;
		if (d < 0)
			return fail(t, "invalid unicode escape in string");
		u = u << 4 | (unsigned long)d;
	}
	if (u > 0x10FFFF || (u >= 0xD800 && u <= 0xDFFF))
		return fail(t, "invalid unicode scalar in string");
	if (u < 0x80) {
		c[0] = (unsigned char)u;
		n = 1;
	} else if (u < 0x800) {
		c[0] = (unsigned char)(0xC0 | u >> 6);
		c[1] = (unsigned char)(0x80 | (u & 0x3F));
		n = 2;
	} else if (u < 0x10000) {
		c[0] = (unsigned char)(0xE0 | u >> 12);
		c[1] = (unsigned char)(0x80 | (u >> 6 & 0x3F));
		c[2] = (unsigned char)(0x80 | (u & 0x3F));
		n = 3;
	} else {
		c[0] = (unsigned char)(0xF0 | u >> 18);
		c[1] = (unsigned char)(0x80 | (u >> 12 & 0x3F));
		c[2] = (unsigned char)(0x80 | (u >> 6 & 0x3F));
		c[3] = (unsigned char)(0x80 | (u & 0x3F));
		n = 4;
	}
	buf_add(out, c, n);
	return 0;
}

/* A control character other than tab is not allowed in a string. */
static int
plain_char(struct tp *t, struct buf *out, int multiline)
{
	unsigned char c = (unsigned char)*t->p;

	if (c == '\n' && multiline) {
		t->line++;
	} else if ((c < 0x20 && c != '\t' && !(multiline && c == '\r')) ||
	    c == 0x7F) {
		return fail(t, multiline ? "control character in string" :
		    "unterminated string (newline before the closing quote)");
	}
	buf_addc(out, (char)c);
	t->p++;
	return 0;
}

static int
string_basic(struct tp *t, struct buf *out)
{
	t->p++;
	while (t->p < t->e && *t->p != '"') {
		if (*t->p == '\\' ? basic_escape(t, out) :
		    plain_char(t, out, 0))
			return -1;
	}
	if (t->p >= t->e)
		return fail(t, "unterminated string");
	t->p++;
	return 0;
}

static int
string_literal(struct tp *t, struct buf *out)
{
	t->p++;
	while (t->p < t->e && *t->p != '\'')
		if (plain_char(t, out, 0))
			return -1;
	if (t->p >= t->e)
		return fail(t, "unterminated string");
	t->p++;
	return 0;
}

/* Skips a backslash at the end of a line and the white space after it. */
static int
line_continuation(struct tp *t)
{
	const char *q = t->p + 1;

	while (q < t->e && (*q == ' ' || *q == '\t' || *q == '\r'))
		q++;
	if (q >= t->e || *q != '\n')
		return 0;
	t->p = q;
	while (t->p < t->e && (*t->p == ' ' || *t->p == '\t' ||
	    *t->p == '\r' || *t->p == '\n'))
		if (*t->p++ == '\n')
			t->line++;
	return 1;
}

static int
string_multi(struct tp *t, struct buf *out, int literal)
{
	const char *close = literal ? "'''" : "\"\"\"";

	t->p += 3;
	if (at(t, "\r\n"))
		t->p++;
	if (at(t, "\n")) {
		t->p++;
		t->line++;
	}
	for (;;) {
		if (t->p >= t->e)
			return fail(t, "unterminated multi-line string");
		if (at(t, close)) {
			/* Up to two quotes may end the content itself. */
			int extra = 0;
			while (extra < 2 && t->p + 3 + extra < t->e &&
			    t->p[3 + extra] == close[0])
				extra++;
			buf_add(out, t->p, (size_t)extra);
			t->p += 3 + extra;
			return 0;
		}
		if (!literal && *t->p == '\\') {
			if (line_continuation(t))
				continue;
			if (basic_escape(t, out))
				return -1;
		} else if (plain_char(t, out, 1)) {
			return -1;
		}
	}
}

static int
parse_string(struct tp *t, struct buf *out)
{
	if (at(t, "\"\"\""))
		return string_multi(t, out, 0);
	if (at(t, "'''"))
		return string_multi(t, out, 1);
	if (*t->p == '"')
		return string_basic(t, out);
	return string_literal(t, out);
}

/* One key part: bare, "basic" or 'literal'. */
static int
key_part(struct tp *t, struct buf *out)
{
	const char *q = t->p;

	if (t->p < t->e && (*t->p == '"' || *t->p == '\'')) {
		if (at(t, "\"\"\"") || at(t, "'''"))
			return fail(t, "a key cannot be a multi-line string");
		return parse_string(t, out);
	}
	while (q < t->e && bare_char(*q))
		q++;
	if (q == t->p)
		return fail(t, "expected a key");
	buf_add(out, t->p, (size_t)(q - t->p));
	t->p = q;
	return 0;
}

/* A dotted key, appended to out with '.' between parts. */
static int
parse_key(struct tp *t, struct buf *out)
{
	buf_grow(out, 16);	/* an empty key ('') is still a string */
	for (;;) {
		skip_blank(t);
		if (key_part(t, out))
			return -1;
		skip_blank(t);
		if (t->p >= t->e || *t->p != '.')
			return 0;
		t->p++;
		buf_addc(out, '.');
	}
}

/* A date-time may hold one space between date and time. */
static int
date_space(const struct tp *t, const char *q)
{
	return *q == ' ' && q - t->p == 10 && t->p[4] == '-' &&
	    q + 1 < t->e && q[1] >= '0' && q[1] <= '9';
}

static int
word_is(const char *p, size_t n, const char *w)
{
	if (n && (*p == '+' || *p == '-')) {
		p++;
		n--;
	}
	return n == strlen(w) && memcmp(p, w, n) == 0;
}

static int
number_or_date(struct tp *t, struct buf *out)
{
	const char *q = t->p;
	int digits = 0;

	while (q < t->e && (bare_char(*q) || *q == '+' || *q == '.' ||
	    *q == ':' || date_space(t, q))) {
		digits += *q >= '0' && *q <= '9';
		q++;
	}
	if (q == t->p)
		return fail(t, "expected a value");
	if (!digits && !word_is(t->p, (size_t)(q - t->p), "inf") &&
	    !word_is(t->p, (size_t)(q - t->p), "nan"))
		return fail(t, "invalid value (strings need quotes)");
	for (const char *c = t->p; c < q; c++)
		if (*c != '_')
			buf_addc(out, *c);
	t->p = q;
	return 0;
}

static int json_value(struct tp *t, struct buf *out, int depth);

/* Numbers go into arrays as JSON numbers; dates, inf, 0x1F as strings. */
static int
is_json_number(const char *s, size_t n)
{
	struct json_doc d = { 0 };
	int r = json_parse(&d, s, n) == 0 && d.tok[0].type == JSON_NUMBER;

	json_doc_free(&d);
	return r;
}

static int
json_array(struct tp *t, struct buf *out, int depth)
{
	int first = 1;

	t->p++;
	buf_addc(out, '[');
	for (;;) {
		skip_space(t);
		if (t->p >= t->e)
			return fail(t, "unterminated array");
		if (*t->p == ']')
			break;
		if (!first) {
			if (*t->p != ',')
				return fail(t, "expected ',' or ']' in array");
			t->p++;
			skip_space(t);
			if (t->p < t->e && *t->p == ']')
				break;
			buf_addc(out, ',');
		}
		first = 0;
		if (json_value(t, out, depth + 1))
			return -1;
	}
	t->p++;
	buf_addc(out, ']');
	return 0;
}

static int
json_inline_table(struct tp *t, struct buf *out, int depth)
{
	struct buf key = BUF_INIT;
	int first = 1, r = -1;

	t->p++;
	buf_addc(out, '{');
	for (;;) {
		skip_blank(t);
		if (t->p < t->e && *t->p == '}' && first)
			break;
		buf_reset(&key);
		if (parse_key(t, &key))
			goto out;
		skip_blank(t);
		if (t->p >= t->e || *t->p != '=') {
			fail(t, "expected '=' after key");
			goto out;
		}
		t->p++;
		skip_blank(t);
		if (!first)
			buf_addc(out, ',');
		first = 0;
		json_put_str(out, key.p, key.len);
		buf_addc(out, ':');
		if (json_value(t, out, depth + 1))
			goto out;
		skip_blank(t);
		if (t->p < t->e && *t->p == ',') {
			t->p++;
			continue;
		}
		if (t->p < t->e && *t->p == '}')
			break;
		fail(t, "expected ',' or '}' in inline table");
		goto out;
	}
	t->p++;
	buf_addc(out, '}');
	r = 0;
out:
	buf_free(&key);
	return r;
}

/* Any value as JSON text (inside arrays and inline tables). */
static int
json_value(struct tp *t, struct buf *out, int depth)
{
	struct buf s = BUF_INIT;
	int r;

	if (depth > 64)
		return fail(t, "values nested too deeply");
	if (t->p >= t->e)
		return fail(t, "expected a value");
	if (*t->p == '[')
		return json_array(t, out, depth);
	if (*t->p == '{')
		return json_inline_table(t, out, depth);
	if (*t->p == '"' || *t->p == '\'') {
		r = parse_string(t, &s);
		if (!r)
			json_put_str(out, s.p ? s.p : "", s.len);
	} else if (at(t, "true") || at(t, "false")) {
		size_t n = *t->p == 't' ? 4 : 5;
		buf_add(out, t->p, n);
		t->p += n;
		r = 0;
	} else {
		r = number_or_date(t, &s);
		if (!r && is_json_number(s.p, s.len))
			buf_add(out, s.p, s.len);
		else if (!r)
			json_put_str(out, s.p, s.len);
	}
	buf_free(&s);
	return r;
}

static int
define(struct tp *t, const char *key)
{
	size_t n = strlen(key);

	for (size_t i = 0; i < t->nseen; i++) {
		size_t m = strlen(t->seen[i]);
		/* a.b = 1 then a.b.c = 2 (or the reverse) is a conflict too */
		if (strcmp(t->seen[i], key) == 0 ||
		    (m < n && key[m] == '.' && !strncmp(key, t->seen[i], m)) ||
		    (n < m && t->seen[i][n] == '.' && !strncmp(key, t->seen[i], n)))
			return fail(t, "duplicate or conflicting key");
	}
	t->seen = xrealloc(t->seen, (t->nseen + 1) * sizeof *t->seen);
	t->seen[t->nseen++] = xstrdup(key);
	return 0;
}

static int emit_value(struct tp *t, struct buf *key, int depth);

/* An inline table at top level defines one entry per scalar. */
static int
emit_inline_table(struct tp *t, struct buf *key, int depth)
{
	size_t base = key->len;
	int first = 1;

	t->p++;
	for (;;) {
		skip_blank(t);
		if (t->p < t->e && *t->p == '}' && first)
			break;
		key->len = base;
		buf_addc(key, '.');
		if (parse_key(t, key))
			return -1;
		skip_blank(t);
		if (t->p >= t->e || *t->p != '=')
			return fail(t, "expected '=' after key");
		t->p++;
		skip_blank(t);
		if (emit_value(t, key, depth + 1))
			return -1;
		first = 0;
		skip_blank(t);
		if (t->p < t->e && *t->p == ',') {
			t->p++;
			continue;
		}
		if (t->p < t->e && *t->p == '}')
			break;
		return fail(t, "expected ',' or '}' in inline table");
	}
	t->p++;
	key->len = base;
	key->p[base] = '\0';
	return 0;
}

static int
emit_value(struct tp *t, struct buf *key, int depth)
{
	struct buf v = BUF_INIT;
	int r;

	if (depth > 64)
		return fail(t, "values nested too deeply");
	if (t->p >= t->e || *t->p == '\n' || *t->p == '#')
		return fail(t, "expected a value after '='");
	if (*t->p == '{')
		return emit_inline_table(t, key, depth);
	if (*t->p == '[')
		r = json_array(t, &v, depth);
	else if (*t->p == '"' || *t->p == '\'')
		r = parse_string(t, &v);
	else if (at(t, "true") || at(t, "false")) {
		size_t n = *t->p == 't' ? 4 : 5;
		buf_add(&v, t->p, n);
		t->p += n;
		r = 0;
	} else
		r = number_or_date(t, &v);
	if (!r)
		r = define(t, key->p);
	if (!r)
		t->fn(t->ctx, key->p, v.p ? v.p : "", t->line);
	buf_free(&v);
	return r;
}

static int
header(struct tp *t)
{
	if (at(t, "[["))
		return fail(t, "arrays of tables ([[…]]) are not supported");
	t->p++;
	buf_reset(&t->table);
	if (parse_key(t, &t->table))
		return -1;
	if (t->p >= t->e || *t->p != ']')
		return fail(t, "expected ']' after table name");
	t->p++;
	return end_of_line(t);
}

static int
keyval(struct tp *t)
{
	struct buf key = BUF_INIT;
	int r = -1;

	if (t->table.len) {
		buf_add(&key, t->table.p, t->table.len);
		buf_addc(&key, '.');
	}
	if (parse_key(t, &key))
		goto out;
	if (t->p >= t->e || *t->p != '=') {
		fail(t, "expected '=' after key");
		goto out;
	}
	t->p++;
	skip_blank(t);
	if (emit_value(t, &key, 0))
		goto out;
	r = end_of_line(t);
out:
	buf_free(&key);
	return r;
}

int
toml_parse(const char *text, size_t len, toml_entry_fn fn, void *ctx,
    size_t *err_line, char *err, size_t errlen)
{
	struct tp t = { text, text + len, 1, BUF_INIT, NULL, 0, fn, ctx,
	    err, errlen };
	int r = 0;

	if (!utf8_valid(text, len)) {
		*err_line = 1;
		snprintf(err, errlen, "not valid UTF-8");
		return -1;
	}
	buf_adds(&t.table, "");
	while (!r) {
		skip_space(&t);
		if (t.p >= t.e)
			break;
		r = *t.p == '[' ? header(&t) : keyval(&t);
	}
	*err_line = t.line;
	for (size_t i = 0; i < t.nseen; i++)
		free(t.seen[i]);
	free(t.seen);
	buf_free(&t.table);
	return r;
}
