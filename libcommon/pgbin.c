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
digits(const char *s, size_t n, int64_t *v)
{
	*v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*v = *v * 10 + (s[i] - '0');
	}
	return 0;
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

static int
leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
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

/* YYYY-MM-DD: *days since 2000-01-01. */
static int
parse_date(const char *s, size_t n, int64_t *days)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	int64_t y, m, d;

	if (n != 10 || s[4] != '-' || s[7] != '-' || digits(s, 4, &y) ||
	    digits(s + 5, 2, &m) || digits(s + 8, 2, &d))
		return -1;
	if (y < 1 || m < 1 || m > 12 || d < 1 ||
	    d > mdays[m - 1] + (m == 2 && leap(y)))
		return -1;
	*days = days_from_civil(y, m, d) - PG_EPOCH_DAYS;
	return 0;
}

/* HH:MM:SS[.f{1,6}] at the start of s: its length, *us; 0 if none. */
static size_t
parse_clock(const char *s, size_t n, int64_t *us)
{
	int64_t h, m, sec, f = 0;
	size_t i = 8, k;

	if (n < 8 || s[2] != ':' || s[5] != ':' || digits(s, 2, &h) ||
	    digits(s + 3, 2, &m) || digits(s + 6, 2, &sec) || h > 23 ||
	    m > 59 || sec > 59)
		return 0;
	if (n > 8 && s[8] == '.') {
		for (k = 0, i = 9; i < n && s[i] >= '0' && s[i] <= '9';
		    i++, k++)
			if (k < 6)
				f = f * 10 + (s[i] - '0');
		if (k == 0 || k > 6)
			return 0;
		for (; k < 6; k++)
			f *= 10;
	}
	*us = ((h * 60 + m) * 60 + sec) * 1000000 + f;
	return i;
}

/* Z, z, ±HH, ±HHMM or ±HH:MM: the offset east of UTC in seconds. */
static int
parse_zone(const char *s, size_t n, int64_t *off)
{
	int64_t h, m = 0;

	if (n == 1 && (s[0] == 'Z' || s[0] == 'z')) {
		*off = 0;
		return 0;
	}
	if (n < 3 || (s[0] != '+' && s[0] != '-') || digits(s + 1, 2, &h))
		return -1;
	if (n == 5 && digits(s + 3, 2, &m) == 0)
		;
	else if (n == 6 && s[3] == ':' && digits(s + 4, 2, &m) == 0)
		;
	else if (n != 3)
		return -1;
	if (h > 15 || m > 59)
		return -1;
	*off = (h * 3600 + m * 60) * (s[0] == '-' ? -1 : 1);
	return 0;
}

static int
parse_timestamptz(const char *s, size_t n, int utc, int64_t *us)
{
	int64_t days, clock = 0, off = 0;
	size_t k;

	if (n < 10 || parse_date(s, 10, &days) < 0)
		return -1;
	if (n == 10) {
		if (!utc)
			return -1;
	} else {
		if (s[10] != 'T' && s[10] != 't' && s[10] != ' ')
			return -1;
		if (!(k = parse_clock(s + 11, n - 11, &clock)))
			return -1;
		k += 11;
		if (k == n ? !utc : parse_zone(s + k, n - k, &off) < 0)
			return -1;
	}
	*us = days * USECS_PER_DAY + clock - off * 1000000;
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
	int64_t i;
	double d;
	uint64_t bits;
	size_t k;
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
		if (parse_date(s, len, &i) < 0)
			return -1;
		put_be(b, 4, 4);
		put_be(b, (uint64_t)i, 4);
		return 0;
	case CT_TIME:
		if (!(k = parse_clock(s, len, &i)) || k != len)
			return -1;
		pgbin_int8(b, i);
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
