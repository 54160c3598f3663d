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
 * 5. runs of '_' collapse to one, so "__" stays free for nesting.
 * A name left empty (e.g. "") becomes "x", like dlt's "_" would.
 */
#include <string.h>

#include "ident.h"

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

void
ident_normalize(struct buf *out, const char *s, size_t n)
{
	struct buf a = BUF_INIT, b = BUF_INIT;

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
	buf_free(&a);
	buf_free(&b);
}

void
ident_normalize_path(struct buf *out, const char *s, size_t n)
{
	const char *e = s + n;

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
}
