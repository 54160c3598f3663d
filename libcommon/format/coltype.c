/*
 * coltype: inference and widening work on the raw token (no decoding), so
 * they cost a few comparisons per value on the hot path.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "coltype.h"

static const char *const names[] = {
	[CT_NONE] = "null", [CT_TEXT] = "text", [CT_BIGINT] = "bigint",
	[CT_DOUBLE] = "double", [CT_BOOL] = "bool",
	[CT_TIMESTAMP] = "timestamp", [CT_DATE] = "date", [CT_TIME] = "time",
	[CT_DECIMAL] = "decimal", [CT_JSON] = "json", [CT_BINARY] = "binary",
};

const char *
coltype_name(enum coltype t)
{
	return names[t];
}

int
coltype_parse(const char *name, enum coltype *t)
{
	for (int i = CT_TEXT; i <= CT_BINARY; i++)
		if (strcmp(name, names[i]) == 0) {
			*t = (enum coltype)i;
			return 0;
		}
	return -1;
}

static int
numeric(enum coltype t)
{
	return t == CT_BIGINT || t == CT_DECIMAL || t == CT_DOUBLE;
}

enum coltype
coltype_widen(enum coltype a, enum coltype b)
{
	if (a == b || b == CT_NONE)
		return a;
	if (a == CT_NONE)
		return b;
	if (numeric(a) && numeric(b))
		return CT_DECIMAL;
	if ((a == CT_DATE && b == CT_TIMESTAMP) ||
	    (a == CT_TIMESTAMP && b == CT_DATE))
		return CT_TIMESTAMP;
	return CT_TEXT;
}

static int
dig(const char *s, size_t i)
{
	return s[i] >= '0' && s[i] <= '9';
}

static int
num2(const char *s, size_t i, int lo, int hi)
{
	int v;

	if (!dig(s, i) || !dig(s, i + 1))
		return 0;
	v = (s[i] - '0') * 10 + (s[i + 1] - '0');
	return v >= lo && v <= hi;
}

/* HH:MM[:SS[.frac]] at s[0..n) into t; returns the bytes used, or 0.
 * ISO 8601's comma before a fraction is not taken: PostgreSQL refuses
 * it, so such a string is text everywhere. */
static size_t
clock_part(const char *s, size_t n, struct isotime *t)
{
	size_t i;

	if (n < 5 || !num2(s, 0, 0, 23) || s[2] != ':' || !num2(s, 3, 0, 59))
		return 0;
	t->hour = (s[0] - '0') * 10 + (s[1] - '0');
	t->min = (s[3] - '0') * 10 + (s[4] - '0');
	i = 5;
	if (i < n && s[i] == ':') {
		if (n - i < 3 || !num2(s, i + 1, 0, 60))
			return 0;
		t->sec = (s[i + 1] - '0') * 10 + (s[i + 2] - '0');
		i += 3;
		if (i < n && s[i] == '.') {
			size_t j = ++i;
			t->frac_sep = s[i - 1];
			for (; i < n && dig(s, i); i++)
				if (i - j < 6)
					t->usec = t->usec * 10 + (s[i] - '0');
			if (i == j)
				return 0;
			t->frac_digits = (int)(i - j);
			for (size_t k = i - j; k < 6; k++)
				t->usec *= 10;
		}
	}
	return i;
}

/* Z, +HH, +HHMM, +HH:MM, or nothing, filling s[0..n) exactly, into t.
 * Hours up to 15, as PostgreSQL takes them (real zones end at +14). */
static int
zone_part(const char *s, size_t n, struct isotime *t)
{
	int m = 0;

	if (n == 0)
		return 1;
	t->zoned = 1;
	if (n == 1)
		return s[0] == 'Z' || s[0] == 'z';
	if ((s[0] != '+' && s[0] != '-') || !num2(s, 1, 0, 15))
		return 0;
	if (n == 5 && num2(s, 3, 0, 59))
		m = (s[3] - '0') * 10 + (s[4] - '0');
	else if (n == 6 && s[3] == ':' && num2(s, 4, 0, 59))
		m = (s[4] - '0') * 10 + (s[5] - '0');
	else if (n != 3)
		return 0;
	t->zone_min = ((s[1] - '0') * 10 + (s[2] - '0')) * 60 + m;
	if (s[0] == '-')
		t->zone_min = -t->zone_min;
	return 1;
}

/* YYYY-MM-DD with a real day of that month (destinations refuse
 * 2023-02-29), year 0001 to 9999, into t. */
static int
date_part(const char *s, size_t n, struct isotime *t)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	int max;

	if (n < 10 || !dig(s, 0) || !dig(s, 1) || !dig(s, 2) || !dig(s, 3) ||
	    s[4] != '-' || !num2(s, 5, 1, 12) || s[7] != '-' ||
	    !num2(s, 8, 1, 31))
		return 0;
	t->year = (s[0] - '0') * 1000 + (s[1] - '0') * 100 +
	    (s[2] - '0') * 10 + (s[3] - '0');
	t->mon = (s[5] - '0') * 10 + (s[6] - '0');
	t->day = (s[8] - '0') * 10 + (s[9] - '0');
	max = mdays[t->mon - 1];
	if (t->mon == 2 && t->year % 4 == 0 &&
	    (t->year % 100 != 0 || t->year % 400 == 0))
		max = 29;
	return t->year > 0 && t->day <= max;
}

enum coltype
isotime_parse(const char *s, size_t n, struct isotime *t)
{
	size_t k;

	memset(t, 0, sizeof *t);
	if (n >= 5 && dig(s, 0) && dig(s, 1) && s[2] == ':') {
		k = clock_part(s, n, t);
		return k && zone_part(s + k, n - k, t) ? CT_TIME : CT_NONE;
	}
	if (!date_part(s, n, t))
		return CT_NONE;
	if (n == 10)
		return CT_DATE;
	if (s[10] != 'T' && s[10] != 't' && s[10] != ' ')
		return CT_NONE;
	k = clock_part(s + 11, n - 11, t);
	if (!k || !zone_part(s + 11 + k, n - 11 - k, t))
		return CT_NONE;
	return CT_TIMESTAMP;
}

enum coltype
isotime_kind(const char *s, size_t n)
{
	struct isotime t;

	return isotime_parse(s, n, &t);
}

int
isotime_fits(enum coltype ct, const char *s, size_t n)
{
	enum coltype k = isotime_kind(s, n);

	if (ct == CT_TIMESTAMP)
		return k == CT_TIMESTAMP || k == CT_DATE;
	return k != CT_NONE && k == ct;
}

/* 1 if the number has more significant digits than a double keeps (17):
 * as double it would be rounded, as decimal it is kept. */
static int
beyond_digits(const struct json_tok *t)
{
	int n = 0, lead = 1;

	if (t->len <= 18)
		return 0;
	for (size_t i = 0; i < t->len; i++) {
		char c = t->p[i];
		if (c == 'e' || c == 'E')
			break;
		if (c < '0' || c > '9' || (lead && c == '0'))
			continue;
		lead = 0;
		n++;
	}
	return n > 17;
}

/* 1 if no double holds the number: it overflows (1e999) or a non-zero
 * number underflows to zero (1e-400).  As double precision the
 * destinations would refuse it or store Inf or 0; as decimal (numeric)
 * they take it. */
static int
beyond_double(const struct json_tok *t)
{
	const char *e = memchr(t->p, 'e', t->len);
	char small[64], *s;
	double v;
	int r;

	if (!e)
		e = memchr(t->p, 'E', t->len);
	/* The hot path: no exponent of 3 digits or more, few digits. */
	if (t->len < 300 && (!e || t->p + t->len - e < 4 ||
	    (t->p + t->len - e == 4 && (e[1] == '+' || e[1] == '-'))))
		return 0;
	if (!(s = t->len < sizeof small ? small : malloc((size_t)t->len + 1)))
		return 0;
	memcpy(s, t->p, t->len);
	s[t->len] = '\0';
	errno = 0;
	v = strtod(s, NULL);
	r = errno == ERANGE && (isinf(v) || v == 0);
	if (s != small)
		free(s);
	return r;
}

enum coltype
coltype_infer(const struct json_tok *t)
{
	int64_t v;

	switch (t->type) {
	case JSON_TRUE:
	case JSON_FALSE:
		return CT_BOOL;
	case JSON_NUMBER:
		if (!(t->flags & JSON_F_INT))
			return beyond_double(t) || beyond_digits(t) ?
			    CT_DECIMAL : CT_DOUBLE;
		if (t->len <= 18 || json_int64(t, &v) == 0)
			return CT_BIGINT;
		return CT_DECIMAL;
	case JSON_STRING:
		/* Dates are short, unescaped and start with a digit. */
		if (t->len >= 10 && t->len <= 40 && !(t->flags & JSON_F_ESCAPED) &&
		    t->p[0] >= '0' && t->p[0] <= '9' && t->p[4] == '-') {
			enum coltype k = isotime_kind(t->p, t->len);
			if (k == CT_DATE || k == CT_TIMESTAMP)
				return k;
		}
		return CT_TEXT;
	case JSON_ARRAY:
	case JSON_OBJECT:
		return CT_JSON;
	default:
		return CT_NONE;
	}
}

/* 1 if s[0..n) is a JSON number; *isint says whether it is an integer. */
static int
number_text(const char *s, size_t n, int *isint)
{
	size_t i = 0, j;

	*isint = 1;
	if (i < n && s[i] == '-')
		i++;
	j = i;
	while (i < n && dig(s, i))
		i++;
	if (i == j || (s[j] == '0' && i - j > 1))
		return 0;
	if (i < n && s[i] == '.') {
		*isint = 0;
		j = ++i;
		while (i < n && dig(s, i))
			i++;
		if (i == j)
			return 0;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		*isint = 0;
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		j = i;
		while (i < n && dig(s, i))
			i++;
		if (i == j)
			return 0;
	}
	return i == n;
}

/* A string token as the number it spells, for pinned numeric columns. */
static int
string_number(const struct json_tok *t, struct json_tok *num)
{
	int isint;

	if (t->flags & JSON_F_ESCAPED || !number_text(t->p, t->len, &isint))
		return 0;
	*num = *t;
	num->type = JSON_NUMBER;
	num->flags = isint ? JSON_F_INT : 0;
	return 1;
}

int
coltype_accepts(enum coltype ct, const struct json_tok *t)
{
	struct json_tok num;
	int64_t v;

	if (t->type == JSON_NULL)
		return 1;
	if (t->type == JSON_STRING && (ct == CT_BIGINT || ct == CT_DOUBLE ||
	    ct == CT_DECIMAL)) {
		if (!string_number(t, &num))
			return 0;
		t = &num;
	}
	switch (ct) {
	case CT_TEXT:
	case CT_JSON:
	case CT_NONE:
		return 1;
	case CT_BINARY:
		return t->type == JSON_STRING;
	case CT_BIGINT:
		return t->type == JSON_NUMBER && json_int64(t, &v) == 0;
	case CT_DOUBLE:
		return t->type == JSON_NUMBER && !beyond_double(t);
	case CT_DECIMAL:
		return t->type == JSON_NUMBER;
	case CT_BOOL:
		if (t->type == JSON_STRING)
			return (t->len == 4 && memcmp(t->p, "true", 4) == 0) ||
			    (t->len == 5 && memcmp(t->p, "false", 5) == 0);
		return t->type == JSON_TRUE || t->type == JSON_FALSE;
	case CT_TIMESTAMP:
	case CT_DATE:
	case CT_TIME:
		if (t->type != JSON_STRING || t->flags & JSON_F_ESCAPED)
			return 0;
		return isotime_fits(ct, t->p, t->len);
	}
	return 0;
}

int
coltype_is_scalar(enum coltype ct)
{
	return ct == CT_BIGINT || ct == CT_DOUBLE || ct == CT_DECIMAL ||
	    ct == CT_BOOL;
}
