/*
 * json: strict RFC 8259 parsing into a reusable token tape, and escaping
 * for output.  The parser is recursive descent with a depth limit, checks
 * every byte once, and allocates only when the tape must grow.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

struct parser {
	struct json_doc *d;
	const unsigned char *s, *p, *e;
	int depth;
};

static int
fail(struct parser *ps, const char *msg)
{
	ps->d->err_off = (size_t)(ps->p - ps->s);
	snprintf(ps->d->err, sizeof ps->d->err, "%s", msg);
	return -1;
}

static inline void
skip_ws(struct parser *ps)
{
	/* Machine-written NDJSON has no white space: one test decides. */
	while (ps->p < ps->e && *ps->p <= ' ' && (*ps->p == ' ' ||
	    *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
		ps->p++;
}

static void
grow_tape(struct json_doc *d)
{
	d->cap = d->cap ? d->cap * 2 : 256;
	d->tok = xrealloc(d->tok, d->cap * sizeof *d->tok);
}

static inline int
new_tok(struct parser *ps, enum json_type type, const unsigned char *p)
{
	struct json_doc *d = ps->d;
	struct json_tok *t;

	if (d->ntok == d->cap)
		grow_tape(d);
	t = &d->tok[d->ntok];
	t->p = (const char *)p;
	t->len = 0;
	t->end = (uint32_t)d->ntok + 1;
	t->type = (uint8_t)type;
	t->flags = 0;
	return (int)d->ntok++;
}

/* Length of the valid UTF-8 sequence at p (lead byte >= 0x80), or 0. */
static size_t
utf8_seq(const unsigned char *p, const unsigned char *e)
{
	unsigned c = p[0];
	size_t n;
	unsigned lo = 0x80, hi = 0xBF;

	if (c >= 0xC2 && c <= 0xDF)
		n = 2;
	else if (c >= 0xE0 && c <= 0xEF) {
		n = 3;
		if (c == 0xE0)
			lo = 0xA0;
		else if (c == 0xED)
			hi = 0x9F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4;
		if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F;
	} else
		return 0;
	if ((size_t)(e - p) < n || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xBF)
			return 0;
	return n;
}

int
utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *e = p + n;

	while (p < e) {
		if (*p < 0x80) {
			p++;
			continue;
		}
		size_t k = utf8_seq(p, e);
		if (!k)
			return 0;
		p += k;
	}
	return 1;
}

static int
hex4(const unsigned char *p, unsigned *v)
{
	unsigned x = 0;

	for (int i = 0; i < 4; i++) {
		unsigned c = p[i], d;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return -1;
		x = x << 4 | d;
	}
	*v = x;
	return 0;
}

/* Checks one escape after the backslash at ps->p; advances past it. */
static int
parse_escape(struct parser *ps)
{
	unsigned u, lo;

	ps->p++;
	if (ps->p >= ps->e)
		return fail(ps, "unterminated string");
	switch (*ps->p) {
	case '"': case '\\': case '/': case 'b': case 'f': case 'n':
	case 'r': case 't':
		ps->p++;
		return 0;
	case 'u':
		break;
	default:
		return fail(ps, "invalid escape in string");
	}
	if (ps->e - ps->p < 5 || hex4(ps->p + 1, &u))
		return fail(ps, "invalid \\u escape in string");
	ps->p += 5;
	if (u >= 0xDC00 && u <= 0xDFFF)
		return fail(ps, "lone low surrogate in string");
	if (u < 0xD800 || u > 0xDBFF)
		return 0;
	if (ps->e - ps->p < 6 || ps->p[0] != '\\' || ps->p[1] != 'u' ||
	    hex4(ps->p + 2, &lo) || lo < 0xDC00 || lo > 0xDFFF)
		return fail(ps, "lone high surrogate in string");
	ps->p += 6;
	return 0;
}

/* SWAR (eight bytes per step, in portable C): nonzero if any byte of v
 * may be '"', '\\', a control character or non-ASCII.  It may flag a byte
 * after the first real one, never miss one; the byte loop decides. */
#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL
static inline uint64_t
has_zero(uint64_t v)
{
	return (v - ONES) & ~v & HIGHS;
}

static inline uint64_t
str_special(uint64_t v)
{
	return (v & HIGHS) | ((v - 0x20 * ONES) & ~v & HIGHS) |
	    has_zero(v ^ ('"' * ONES)) | has_zero(v ^ ('\\' * ONES));
}

/* Position of the first byte flagged in a str_special mask: exact, since
 * false flags only follow a true one.  Needs a count-trailing-zeros
 * builtin and a little-endian load; elsewhere the byte loop finds it. */
#if (defined(__GNUC__) || defined(__clang__)) && \
    defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define FIRST_FLAGGED(m) ((unsigned)__builtin_ctzll(m) >> 3)
#endif

/* 1 for the bytes that end a plain run in a string. */
#define STR_STOP(c) ((unsigned)(c) - 0x20u >= 0x60u || (c) == '"' || \
    (c) == '\\')

/* The end of the run of plain bytes (printable ASCII but '"' and '\\')
 * starting at p. */
static inline const unsigned char *
plain_run(const unsigned char *p, const unsigned char *e)
{
	while (e - p >= 8) {
		uint64_t v, m;
		memcpy(&v, p, 8);
		if ((m = str_special(v)) != 0) {
#ifdef FIRST_FLAGGED
			return p + FIRST_FLAGGED(m);
#else
			break;
#endif
		}
		p += 8;
	}
	while (p < e && !STR_STOP(*p))
		p++;
	return p;
}

static int
parse_string(struct parser *ps)
{
	int i = new_tok(ps, JSON_STRING, ps->p + 1);
	uint8_t flags = JSON_F_ASCII;
	const unsigned char *e = ps->e;

	ps->p++;
	for (;;) {
		const unsigned char *p = plain_run(ps->p, e);
		ps->p = p;
		if (p >= e)
			return fail(ps, "unterminated string");
		if (*p == '"')
			break;
		if (*p == '\\') {
			flags |= JSON_F_ESCAPED;
			if (parse_escape(ps))
				return -1;
		} else if (*p < 0x20) {
			return fail(ps, "control character in string");
		} else {
			size_t k = utf8_seq(p, e);
			if (!k)
				return fail(ps, "invalid UTF-8 in string");
			flags &= (uint8_t)~JSON_F_ASCII;
			ps->p += k;
		}
	}
	ps->d->tok[i].len = (uint32_t)(ps->p - (const unsigned char *)
	    ps->d->tok[i].p);
	ps->d->tok[i].flags = flags;
	ps->p++;
	return i;
}

static int
digits(struct parser *ps)
{
	const unsigned char *p = ps->p;

	while (ps->p < ps->e && *ps->p >= '0' && *ps->p <= '9')
		ps->p++;
	return ps->p > p ? 0 : -1;
}

static int
parse_number(struct parser *ps)
{
	const unsigned char *start = ps->p;
	int i = new_tok(ps, JSON_NUMBER, start);
	uint8_t flags = JSON_F_INT;

	if (*ps->p == '-')
		ps->p++;
	if (ps->p < ps->e && *ps->p == '0')
		ps->p++;
	else if (digits(ps))
		return fail(ps, "invalid number");
	if (ps->p < ps->e && *ps->p == '.') {
		ps->p++;
		flags = 0;
		if (digits(ps))
			return fail(ps, "invalid number: digit expected after '.'");
	}
	if (ps->p < ps->e && (*ps->p == 'e' || *ps->p == 'E')) {
		ps->p++;
		flags = 0;
		if (ps->p < ps->e && (*ps->p == '+' || *ps->p == '-'))
			ps->p++;
		if (digits(ps))
			return fail(ps, "invalid number: digit expected in exponent");
	}
	ps->d->tok[i].len = (uint32_t)(ps->p - start);
	ps->d->tok[i].flags = flags;
	return i;
}

static int
parse_literal(struct parser *ps, const char *word, enum json_type type)
{
	size_t n = strlen(word);
	int i;

	if ((size_t)(ps->e - ps->p) < n || memcmp(ps->p, word, n))
		return fail(ps, "invalid literal");
	i = new_tok(ps, type, ps->p);
	ps->d->tok[i].len = (uint32_t)n;
	ps->p += n;
	return i;
}

static int parse_value(struct parser *ps);

static int
parse_container(struct parser *ps, int object)
{
	const unsigned char *start = ps->p;
	int i = new_tok(ps, object ? JSON_OBJECT : JSON_ARRAY, start);
	unsigned char close = object ? '}' : ']';

	if (++ps->depth > JSON_MAX_DEPTH)
		return fail(ps, "nesting too deep");
	ps->p++;
	skip_ws(ps);
	if (ps->p < ps->e && *ps->p == close)
		goto done;
	for (;;) {
		if (object) {
			skip_ws(ps);
			if (ps->p >= ps->e || *ps->p != '"')
				return fail(ps, "object key expected");
			if (parse_string(ps) < 0)
				return -1;
			skip_ws(ps);
			if (ps->p >= ps->e || *ps->p != ':')
				return fail(ps, "':' expected after object key");
			ps->p++;
		}
		if (parse_value(ps) < 0)
			return -1;
		skip_ws(ps);
		if (ps->p < ps->e && *ps->p == ',') {
			ps->p++;
			continue;
		}
		if (ps->p < ps->e && *ps->p == close)
			break;
		return fail(ps, object ? "',' or '}' expected" :
		    "',' or ']' expected");
	}
done:
	ps->p++;
	ps->depth--;
	ps->d->tok[i].len = (uint32_t)(ps->p - start);
	ps->d->tok[i].end = (uint32_t)ps->d->ntok;
	return i;
}

static int
parse_value(struct parser *ps)
{
	skip_ws(ps);
	if (ps->p >= ps->e)
		return fail(ps, "value expected");
	switch (*ps->p) {
	case '{': return parse_container(ps, 1);
	case '[': return parse_container(ps, 0);
	case '"': return parse_string(ps);
	case 't': return parse_literal(ps, "true", JSON_TRUE);
	case 'f': return parse_literal(ps, "false", JSON_FALSE);
	case 'n': return parse_literal(ps, "null", JSON_NULL);
	default:
		if (*ps->p == '-' || (*ps->p >= '0' && *ps->p <= '9'))
			return parse_number(ps);
		return fail(ps, "unexpected character");
	}
}

int
json_parse(struct json_doc *d, const char *s, size_t n)
{
	struct parser ps = { d, (const unsigned char *)s,
	    (const unsigned char *)s, (const unsigned char *)s + n, 0 };

	d->ntok = 0;
	d->err[0] = '\0';
	d->err_off = 0;
	if (n > UINT32_MAX) {
		snprintf(d->err, sizeof d->err, "text larger than 4 GiB");
		return -1;
	}
	if (parse_value(&ps) < 0)
		return -1;
	skip_ws(&ps);
	if (ps.p != ps.e)
		return fail(&ps, "trailing characters after JSON value");
	return 0;
}

void
json_doc_free(struct json_doc *d)
{
	free(d->tok);
	d->tok = NULL;
	d->ntok = d->cap = 0;
}

int
json_obj_get(const struct json_doc *d, int obj, const char *key)
{
	uint32_t i, end;

	if (obj < 0 || d->tok[obj].type != JSON_OBJECT)
		return -1;
	end = d->tok[obj].end;
	for (i = (uint32_t)obj + 1; i < end; i = d->tok[i + 1].end)
		if (json_str_eq(&d->tok[i], key))
			return (int)i + 1;
	return -1;
}

static void
put_utf8(struct buf *out, unsigned u)
{
	char c[4];
	size_t n;

	if (u < 0x80) {
		c[0] = (char)u;
		n = 1;
	} else if (u < 0x800) {
		c[0] = (char)(0xC0 | u >> 6);
		c[1] = (char)(0x80 | (u & 0x3F));
		n = 2;
	} else if (u < 0x10000) {
		c[0] = (char)(0xE0 | u >> 12);
		c[1] = (char)(0x80 | (u >> 6 & 0x3F));
		c[2] = (char)(0x80 | (u & 0x3F));
		n = 3;
	} else {
		c[0] = (char)(0xF0 | u >> 18);
		c[1] = (char)(0x80 | (u >> 12 & 0x3F));
		c[2] = (char)(0x80 | (u >> 6 & 0x3F));
		c[3] = (char)(0x80 | (u & 0x3F));
		n = 4;
	}
	buf_add(out, c, n);
}

void
json_str_decode(const struct json_tok *t, struct buf *out)
{
	const unsigned char *p = (const unsigned char *)t->p, *e = p + t->len;
	unsigned u, lo;

	if (!(t->flags & JSON_F_ESCAPED)) {
		buf_add(out, t->p, t->len);
		return;
	}
	buf_grow(out, t->len);
	while (p < e) {
		const unsigned char *q = memchr(p, '\\', (size_t)(e - p));
		if (!q)
			q = e;
		buf_add(out, p, (size_t)(q - p));
		if (q == e)
			break;
		p = q + 2;
		switch (q[1]) {
		case 'b': buf_addc(out, '\b'); break;
		case 'f': buf_addc(out, '\f'); break;
		case 'n': buf_addc(out, '\n'); break;
		case 'r': buf_addc(out, '\r'); break;
		case 't': buf_addc(out, '\t'); break;
		case 'u':
			hex4(p, &u);
			p += 4;
			if (u >= 0xD800 && u <= 0xDBFF) {
				hex4(p + 2, &lo);
				p += 6;
				u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
			}
			put_utf8(out, u);
			break;
		default: buf_addc(out, (char)q[1]); break;
		}
	}
}

char *
json_obj_str(const struct json_doc *d, int obj, const char *key)
{
	int i = obj >= 0 ? json_obj_get(d, obj, key) : -1;
	struct buf b = BUF_INIT;

	if (i < 0 || d->tok[i].type != JSON_STRING)
		return NULL;
	json_str_decode(&d->tok[i], &b);
	buf_adds(&b, "");
	return b.p;
}

int
json_str_eq(const struct json_tok *t, const char *s)
{
	size_t n = strlen(s);
	struct buf tmp = BUF_INIT;
	int eq;

	if (t->type != JSON_STRING)
		return 0;
	if (!(t->flags & JSON_F_ESCAPED))
		return t->len == n && memcmp(t->p, s, n) == 0;
	json_str_decode(t, &tmp);
	eq = tmp.len == n && memcmp(tmp.p, s, n) == 0;
	buf_free(&tmp);
	return eq;
}

int
json_int64(const struct json_tok *t, int64_t *v)
{
	const char *p = t->p, *e = p + t->len;
	int neg = 0;
	uint64_t x = 0, lim;

	if (t->type != JSON_NUMBER || !(t->flags & JSON_F_INT))
		return -1;
	if (*p == '-') {
		neg = 1;
		p++;
	}
	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; p < e; p++) {
		unsigned d = (unsigned)(*p - '0');
		if (x > (lim - d) / 10)
			return -1;
		x = x * 10 + d;
	}
	*v = neg ? (int64_t)(0 - x) : (int64_t)x;
	return 0;
}

static const char hexdig[] = "0123456789abcdef";

void
json_put_str(struct buf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *e = p + n;

	buf_grow(b, n + 2);
	buf_addc(b, '"');
	while (p < e) {
		const unsigned char *q = p;
		while (q < e && *q >= 0x20 && *q != '"' && *q != '\\')
			q++;
		buf_add(b, p, (size_t)(q - p));
		if (q == e)
			break;
		switch (*q) {
		case '"': buf_add(b, "\\\"", 2); break;
		case '\\': buf_add(b, "\\\\", 2); break;
		case '\n': buf_add(b, "\\n", 2); break;
		case '\r': buf_add(b, "\\r", 2); break;
		case '\t': buf_add(b, "\\t", 2); break;
		default: {
			char u[6] = { '\\', 'u', '0', '0', hexdig[*q >> 4],
			    hexdig[*q & 15] };
			buf_add(b, u, 6);
		}
		}
		p = q + 1;
	}
	buf_addc(b, '"');
}

void
json_put_str_lossy(struct buf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *e = p + n;
	struct buf tmp = BUF_INIT;

	buf_grow(&tmp, n);
	while (p < e) {
		const unsigned char *q = p;
		size_t k = 0;
		while (q < e && (*q < 0x80 || (k = utf8_seq(q, e)) != 0))
			q += *q < 0x80 ? 1 : k;
		buf_add(&tmp, p, (size_t)(q - p));
		if (q == e)
			break;
		buf_add(&tmp, "\xef\xbf\xbd", 3);	/* U+FFFD */
		p = q + 1;
	}
	json_put_str(b, tmp.p ? tmp.p : "", tmp.len);
	buf_free(&tmp);
}

void
json_put_tok_str(struct buf *b, const struct json_tok *t)
{
	/* A parsed string's raw bytes are already valid JSON string text. */
	buf_grow(b, t->len + 2);
	buf_addc(b, '"');
	buf_add(b, t->p, t->len);
	buf_addc(b, '"');
}

void
json_put_raw(struct buf *b, const struct json_tok *t)
{
	if (t->type == JSON_STRING)
		json_put_tok_str(b, t);
	else
		buf_add(b, t->p, t->len);
}
