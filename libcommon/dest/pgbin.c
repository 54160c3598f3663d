/*
 * pgbin: PostgreSQL's binary COPY format (see pgbin.h).  Integers go out
 * in network byte order; timestamps are microseconds and dates days since
 * 2000-01-01 (PostgreSQL's epoch), times microseconds since midnight.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pgbin.h"

#define PG_EPOCH_DAYS 10957	/* 1970-01-01 to 2000-01-01 */
#define USECS_PER_DAY 86400000000LL

static void
put_be(struct buf *b, uint64_t v, int n)
{
	unsigned char x[8];

	for (int i = n - 1; i >= 0; i--) {
		x[i] = (unsigned char)(v & 0xff);
		v >>= 8;
	}
	buf_add(b, x, (size_t)n);
}

int
pgbin_takes(enum coltype t)
{
	return t != CT_NONE;
}

void
pgbin_header(struct buf *b)
{
	buf_add(b, "PGCOPY\n\377\r\n\0", 11);
	put_be(b, 0, 4);	/* flags: no OIDs */
	put_be(b, 0, 4);	/* no header extension */
}

void
pgbin_trailer(struct buf *b)
{
	put_be(b, 0xffff, 2);
}

void
pgbin_tuple(struct buf *b, int n)
{
	put_be(b, (uint64_t)n, 2);
}

void
pgbin_null(struct buf *b)
{
	put_be(b, 0xffffffff, 4);
}

void
pgbin_int8(struct buf *b, int64_t v)
{
	put_be(b, 8, 4);
	put_be(b, (uint64_t)v, 8);
}

static int
parse_int8(const char *s, size_t n, int64_t *v)
{
	uint64_t m = 0, lim;
	size_t i = 0;
	int neg = n > 0 && s[0] == '-';

	i = (size_t)neg;
	if (i == n || n - i > 19)
		return -1;
	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		m = m * 10 + (uint64_t)(s[i] - '0');
		if (m > lim)
			return -1;
	}
	*v = neg ? (int64_t)(0 - m) : (int64_t)m;
	return 0;
}

/* -?D+(.D+)?([eE][-+]?D+)? */
static int
float_shape(const char *s, size_t n)
{
	size_t i = s[0] == '-', d;

	for (d = i; i < n && s[i] >= '0' && s[i] <= '9'; i++)
		;
	if (i == d)
		return 0;
	if (i < n && s[i] == '.') {
		for (d = ++i; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			;
		if (i == d)
			return 0;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '-' || s[i] == '+'))
			i++;
		for (d = i; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			;
		if (i == d)
			return 0;
	}
	return i == n;
}

static int
parse_float8(const char *s, size_t n, double *v)
{
	char *end;

	if (n == 0 || !float_shape(s, n))
		return -1;
	errno = 0;
	*v = strtod(s, &end);
	/* float8in refuses what overflows or underflows to zero; a value
	 * that is merely subnormal it takes, but so strange a value may as
	 * well be left to it */
	if (errno || end != s + n || !isfinite(*v))
		return -1;
	return 0;
}

static int
parse_bool(const char *s, size_t n)
{
	if ((n == 4 && memcmp(s, "true", 4) == 0) ||
	    (n == 1 && (s[0] == 't' || s[0] == '1')))
		return 1;
	if ((n == 5 && memcmp(s, "false", 5) == 0) ||
	    (n == 1 && (s[0] == 'f' || s[0] == '0')))
		return 0;
	return -1;
}

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static int64_t
days_from_civil(int64_t y, int64_t m, int64_t d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* s as an ISO 8601 value (coltype.h's isotime_parse) of kind want, in
 * the forms PostgreSQL reads the same way: no leap second, at most 6
 * fraction digits.  *t gets its fields. */
static int
iso_value(const char *s, size_t n, enum coltype want, struct isotime *t)
{
	enum coltype k = isotime_parse(s, n, t);

	if (k != want && !(want == CT_TIMESTAMP && k == CT_DATE))
		return -1;
	if (t->sec == 60 || t->frac_digits > 6 ||
	    t->zone_min > 959 || t->zone_min < -959)
		return -1;
	return 0;
}

static int64_t
days_of(const struct isotime *t)
{
	return days_from_civil(t->year, t->mon, t->day) - PG_EPOCH_DAYS;
}

static int64_t
clock_of(const struct isotime *t)
{
	return ((t->hour * 60 + t->min) * 60 + (int64_t)t->sec) * 1000000 +
	    t->usec;
}

/* Microseconds since 2000-01-01 UTC.  Without a zone (or as a date
 * alone) only in a UTC session (utc): elsewhere the server's time zone
 * decides. */
static int
parse_timestamptz(const char *s, size_t n, int utc, int64_t *us)
{
	struct isotime t;

	if (iso_value(s, n, CT_TIMESTAMP, &t) < 0 || (!t.zoned && !utc))
		return -1;
	*us = days_of(&t) * USECS_PER_DAY + clock_of(&t) -
	    (int64_t)t.zone_min * 60000000;
	return 0;
}

/* numeric: -?D+(.D+)? as base-10000 digits grouped from the decimal
 * point: ndigits, weight (of the first group), sign, dscale (digits after
 * the point), then the groups.  Zero is positive, as numeric_in makes
 * it; the server strips zero groups at either end. */
static int
put_numeric(struct buf *b, const char *s, size_t n)
{
	size_t i = s[0] == '-', ib, ie, fe;
	int64_t ndig, weight, scale, lead;
	unsigned g[4096];
	size_t ng = 0;
	int zero = 1;

	for (ib = i; i < n && s[i] >= '0' && s[i] <= '9'; i++)
		;
	if ((ie = i) == ib)
		return -1;
	fe = ie;
	if (i < n && s[i] == '.') {
		for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			;
		if (i == ie + 1)
			return -1;
		fe = i;
	}
	if (i != n)
		return -1;
	scale = fe > ie ? (int64_t)(fe - ie - 1) : 0;
	ndig = (int64_t)(ie - ib);
	if (scale > 1000 || ndig > 1000)
		return -1;
	/* integer digits padded on the left to a multiple of 4, fraction
	 * digits padded on the right */
	lead = (4 - ndig % 4) % 4;
	weight = (ndig + lead) / 4 - 1;
	for (int64_t k = -lead; k < ndig + (scale + 3) / 4 * 4; k += 4) {
		unsigned v = 0;
		for (int64_t j = k; j < k + 4; j++) {
			int c = 0;
			if (j >= 0 && j < ndig)
				c = s[ib + (size_t)j] - '0';
			else if (j >= ndig && j - ndig < scale)
				c = s[ie + 1 + (size_t)(j - ndig)] - '0';
			v = v * 10 + (unsigned)c;
		}
		zero &= v == 0;
		g[ng++] = v;
	}
	put_be(b, 8 + 2 * ng, 4);
	put_be(b, ng, 2);
	put_be(b, (uint64_t)weight, 2);
	put_be(b, s[0] == '-' && !zero ? 0x4000 : 0, 2);
	put_be(b, (uint64_t)scale, 2);
	for (size_t k = 0; k < ng; k++)
		put_be(b, g[k], 2);
	return 0;
}

static int
put_bytea(struct buf *b, const char *s, size_t n)
{
	if (n < 2 || s[0] != '\\' || s[1] != 'x' || n % 2)
		return -1;
	put_be(b, (n - 2) / 2, 4);
	return buf_add_unhex(b, s + 2, n - 2);
}

int
pgbin_field(struct buf *b, enum coltype t, const char *s, size_t len,
    int null, int utc)
{
	struct isotime tm;
	int64_t i;
	double d;
	uint64_t bits;
	int v;

	if (null) {
		pgbin_null(b);
		return 0;
	}
	switch (t) {
	case CT_TEXT:
		put_be(b, len, 4);
		buf_add(b, s, len);
		return 0;
	case CT_BIGINT:
		if (parse_int8(s, len, &i) < 0)
			return -1;
		pgbin_int8(b, i);
		return 0;
	case CT_DOUBLE:
		if (parse_float8(s, len, &d) < 0)
			return -1;
		memcpy(&bits, &d, sizeof bits);
		put_be(b, 8, 4);
		put_be(b, bits, 8);
		return 0;
	case CT_BOOL:
		if ((v = parse_bool(s, len)) < 0)
			return -1;
		put_be(b, 1, 4);
		buf_addc(b, (char)v);
		return 0;
	case CT_TIMESTAMP:
		if (parse_timestamptz(s, len, utc, &i) < 0)
			return -1;
		pgbin_int8(b, i);
		return 0;
	case CT_DATE:
		if (iso_value(s, len, CT_DATE, &tm) < 0)
			return -1;
		put_be(b, 4, 4);
		put_be(b, (uint64_t)days_of(&tm), 4);
		return 0;
	case CT_TIME:
		if (iso_value(s, len, CT_TIME, &tm) < 0 || tm.zoned)
			return -1;
		pgbin_int8(b, clock_of(&tm));
		return 0;
	case CT_JSON:
		if (len == 0)
			return -1;
		put_be(b, len + 1, 4);
		buf_addc(b, 1);	/* jsonb's binary format version */
		buf_add(b, s, len);
		return 0;
	case CT_BINARY:
		return put_bytea(b, s, len);
	case CT_DECIMAL:
		return len ? put_numeric(b, s, len) : -1;
	default:
		return -1;
	}
}
