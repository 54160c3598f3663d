/*
 * ident: dlt's snake_case convention, step by step, on bytes.
 *
 * 1. trim spaces around the name;
 * 2. reduce the alphabet: '+' and '*' -> 'x', '-' -> '_', '@' -> 'a',
 *    '|' -> 'l'; every other run of bytes outside [A-Za-z0-9_] (UTF-8
 *    included) -> one '_';
 * 3. break camel case: "aB" -> "a_B", "xAbc" -> "x_Abc" (the two regular
 *    expressions of dlt, applied left to right without overlap), then
 *    lower-case;
 * 4. a leading digit gets a '_' prefix; trailing '_' become 'x';
 * 5. runs of '_' collapse to one, so "__" stays free for nesting;
 * 6. a name longer than its limit is shortened with a hash tag
 *    (ident_shorten), as dlt does with its destination's limit.
 * A name left empty (e.g. "") becomes "x", like dlt's "_" would.
 */
#include <string.h>

#include <openssl/evp.h>

#include "ident.h"
#include "log.h"

static int
is_upper(int c)
{
	return c >= 'A' && c <= 'Z';
}

static int
is_lower(int c)
{
	return c >= 'a' && c <= 'z';
}

static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int
is_word(int c)
{
	return is_upper(c) || is_lower(c) || is_digit(c) || c == '_';
}

/* Step 2: tmp gets the name over the reduced alphabet. */
static void
reduce(struct buf *tmp, const char *s, size_t n)
{
	int gap = 0;

	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)s[i];
		switch (c) {
		case '+': case '*': c = 'x'; break;
		case '-': c = '_'; break;
		case '@': c = 'a'; break;
		case '|': c = 'l'; break;
		}
		if (is_word(c)) {
			buf_addc(tmp, (char)c);
			gap = 0;
		} else if (!gap) {
			buf_addc(tmp, '_');
			gap = 1;
		}
	}
}

/* Step 3, first pattern: ([^_])([A-Z][a-z]+) -> \1_\2. */
static void
break_words(struct buf *out, const char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		if (s[i] != '_' && i + 2 < n && is_upper(s[i + 1]) &&
		    is_lower(s[i + 2])) {
			size_t j = i + 3;
			while (j < n && is_lower(s[j]))
				j++;
			buf_addc(out, s[i]);
			buf_addc(out, '_');
			buf_add(out, s + i + 1, j - i - 1);
			i = j;
		} else {
			buf_addc(out, s[i++]);
		}
	}
}

/* Step 3, second pattern: ([a-z0-9])([A-Z]) -> \1_\2, then lower case. */
static void
break_humps(struct buf *out, const char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		int c = (unsigned char)s[i];
		if ((is_lower(c) || is_digit(c)) && i + 1 < n &&
		    is_upper(s[i + 1])) {
			buf_addc(out, (char)c);
			buf_addc(out, '_');
			buf_addc(out, (char)(s[i + 1] - 'A' + 'a'));
			i += 2;
		} else {
			buf_addc(out, (char)(is_upper(c) ? c - 'A' + 'a' : c));
			i++;
		}
	}
}

/* Steps 4 and 5 from s onto out. */
static void
finish(struct buf *out, const char *s, size_t n)
{
	size_t trail = 0, start = out->len;

	while (trail < n && s[n - 1 - trail] == '_')
		trail++;
	if (n > 0 && is_digit(s[0]))
		buf_addc(out, '_');
	for (size_t i = 0; i < n - trail; i++) {
		if (s[i] == '_' && out->len > start &&
		    out->p[out->len - 1] == '_')
			continue;
		buf_addc(out, s[i]);
	}
	for (size_t i = 0; i < trail; i++)
		buf_addc(out, 'x');
	/* "_1_" -> "_1x": collapsing cannot create a trailing '_' since
	 * the trailing run was turned into x's; an empty name becomes "x". */
	if (out->len == start)
		buf_addc(out, 'x');
}

/* dlt's _compute_tag: SHAKE-128 of the name, 4 bytes of it in base64
 * without padding, '/' and '+' made 'a' and 'b', lower case. */
static void
compute_tag(char tag[7], const char *s, size_t n)
{
	static const char b64[] =
	    "abcdefghijklmnopqrstuvwxyz"	/* the upper-case half, lowered */
	    "abcdefghijklmnopqrstuvwxyz0123456789ba";
	unsigned char h[4];
	EVP_MD_CTX *c = EVP_MD_CTX_new();

	if (!c || EVP_DigestInit_ex(c, EVP_shake128(), NULL) != 1 ||
	    EVP_DigestUpdate(c, s, n) != 1 ||
	    EVP_DigestFinalXOF(c, h, sizeof h) != 1)
		die(EXIT_FAIL, "SHAKE-128 is not available (OpenSSL)");
	EVP_MD_CTX_free(c);
	tag[0] = b64[h[0] >> 2];
	tag[1] = b64[(h[0] & 3) << 4 | h[1] >> 4];
	tag[2] = b64[(h[1] & 15) << 2 | h[2] >> 6];
	tag[3] = b64[h[2] & 63];
	tag[4] = b64[h[3] >> 2];
	tag[5] = b64[(h[3] & 3) << 4];
	tag[6] = '\0';
}

void
ident_shorten(struct buf *out, size_t start, const char *src, size_t n,
    size_t max)
{
	size_t len = out->len - start, head, tail;
	char tag[7], *name = out->p + start;

	if (len <= max || max < 6)
		return;
	if (src)
		compute_tag(tag, src, n);
	else
		compute_tag(tag, name, len);
	head = (max - 6) / 2 + (max - 6) % 2;
	tail = (max - 6) / 2;
	memmove(name + head + 6, name + len - tail, tail);
	memcpy(name + head, tag, 6);
	out->len = start + max;
	out->p[out->len] = '\0';
}

static void
normalize(struct buf *out, const char *s, size_t n, size_t max)
{
	struct buf a = BUF_INIT, b = BUF_INIT;
	size_t start = out->len;

	while (n > 0 && (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')) {
		s++;
		n--;
	}
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' ||
	    s[n - 1] == '\n' || s[n - 1] == '\r'))
		n--;
	buf_grow(&a, n + 1);
	reduce(&a, s, n);
	buf_grow(&b, a.len * 2 + 1);
	break_words(&b, a.p, a.len);
	buf_reset(&a);
	break_humps(&a, b.p, b.len);
	finish(out, a.p, a.len);
	ident_shorten(out, start, s, n, max);
	buf_free(&a);
	buf_free(&b);
}

void
ident_normalize(struct buf *out, const char *s, size_t n)
{
	normalize(out, s, n, IDENT_MAX);
}

void
ident_normalize_dataset(struct buf *out, const char *s, size_t n)
{
	normalize(out, s, n, IDENT_DATASET_MAX);
}

void
ident_normalize_path(struct buf *out, const char *s, size_t n)
{
	const char *e = s + n;
	size_t start = out->len;

	for (;;) {
		const char *sep = NULL;
		for (const char *q = s; q + 1 < e; q++)
			if (q[0] == '_' && q[1] == '_') {
				sep = q;
				break;
			}
		ident_normalize(out, s, sep ? (size_t)(sep - s) : (size_t)(e - s));
		if (!sep)
			break;
		buf_add(out, IDENT_SEP, 2);
		s = sep + 2;
	}
	ident_shorten(out, start, NULL, 0, IDENT_MAX);
}

static int
starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

const char *
ident_reserved(enum ident_kind k, const char *name)
{
	size_t n = strlen(name), sn = strlen(IDENT_STAGING_SUFFIX);

	switch (k) {
	case IDENT_TABLE:
		if (starts(name, "_dlt_") || starts(name, "_stage_"))
			return "is reserved: tables named _dlt_* and _stage_* "
			    "are the bookkeeping of dlt and stage";
		break;
	case IDENT_COLUMN:
		if (strcmp(name, "_dlt_id") == 0 ||
		    strcmp(name, "_dlt_load_id") == 0 ||
		    starts(name, "_stage_"))
			return "is reserved: _dlt_id, _dlt_load_id and _stage_* "
			    "are the bookkeeping columns of dlt and stage";
		break;
	case IDENT_DATASET:
		if (n >= sn && strcmp(name + n - sn, IDENT_STAGING_SUFFIX) == 0)
			return "is reserved: a name ending in _staging is the "
			    "staging dataset of another dataset";
		break;
	}
	return NULL;
}

const char *
ident_unnamed(const char *raw, size_t n)
{
	int blank = 1;

	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)raw[i];
		if (is_upper(c) || is_lower(c) || is_digit(c))
			return NULL;
		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			blank = 0;
	}
	return blank ? "is empty" : "holds no ASCII letter or digit (its "
	    "normalized name would be \"x\", like that of every such name)";
}
