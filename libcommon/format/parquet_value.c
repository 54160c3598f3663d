/*
 * parquet_value: dates with Howard Hinnant's days_from_civil (exact
 * over the proleptic Gregorian calendar, years 1 to 9999 and beyond);
 * decimals in two 64-bit halves, checked against 10^38 before every
 * step so nothing overflows.
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "parquet_value.h"
#include "parquet_write.h"

int64_t
pqv_days(int y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int
pqv_time(enum coltype ct, const char *s, size_t n, int64_t *v)
{
	struct isotime it;
	enum coltype k;
	int64_t secs;

	k = isotime_parse(s, n, &it);
	if (k == CT_NONE || (k != ct && !(ct == CT_TIMESTAMP && k == CT_DATE)))
		return -1;
	if (ct == CT_DATE) {
		*v = pqv_days(it.year, it.mon, it.day);
		return 0;
	}
	secs = (int64_t)it.hour * 3600 + it.min * 60 + it.sec;
	if (ct == CT_TIMESTAMP)
		secs += pqv_days(it.year, it.mon, it.day) * 86400 -
		    (int64_t)it.zone_min * 60;
	*v = secs * 1000000 + it.usec;
	return 0;
}

struct u128 {
	uint64_t hi, lo;
};

static int
mul10_add(struct u128 *x, unsigned d)
{
	/* x * 10 + d < 10^38 exactly when x < 10^37 =
	 * 0x0785ee10d5da46d9_00f436a000000000 */
	static const struct u128 lim = { 0x0785ee10d5da46d9ULL,
	    0x00f436a000000000ULL };
	uint64_t lo8 = x->lo << 3, lo2 = x->lo << 1;
	uint64_t hi = (x->hi << 3) + (x->lo >> 61) + (x->hi << 1) +
	    (x->lo >> 63);
	uint64_t lo = lo8 + lo2;

	if (x->hi > lim.hi || (x->hi == lim.hi && x->lo >= lim.lo))
		return -1;
	hi += lo < lo8;
	lo += d;
	hi += lo < d;
	x->hi = hi;
	x->lo = lo;
	return 0;
}

int
pqv_decimal(const char *s, size_t n, unsigned char out[16])
{
	const char *e = s + n, *digits, *dend;
	struct u128 x = { 0, 0 };
	long exp = 0, frac = 0, shift;
	int neg = 0, point = 0;
	size_t nd = 0;

	if (s < e && (*s == '-' || *s == '+'))
		neg = *s++ == '-';
	digits = s;
	for (; s < e && ((*s >= '0' && *s <= '9') || (*s == '.' && !point));
	    s++) {
		if (*s == '.')
			point = 1;
		else
			frac += point;
	}
	dend = s;
	if (s < e && (*s == 'e' || *s == 'E')) {
		int eneg = 0;
		s++;
		if (s < e && (*s == '-' || *s == '+'))
			eneg = *s++ == '-';
		for (; s < e && *s >= '0' && *s <= '9'; s++)
			if (exp < 100000)
				exp = exp * 10 + (*s - '0');
		if (eneg)
			exp = -exp;
	}
	for (const char *d = digits; d < dend; d++)
		nd += *d != '.';
	if (s != e || nd == 0)
		return -1;
	shift = exp - frac + PQW_DEC_SCALE;
	for (const char *d = digits; d < dend; d++) {
		if (*d == '.')
			continue;
		if (shift < 0 && (long)nd <= -shift) {
			if (*d != '0')
				return -1;	/* a digit past the scale */
		} else if (mul10_add(&x, (unsigned)(*d - '0')) < 0) {
			return -1;
		}
		nd--;
	}
	for (; shift > 0 && (x.hi || x.lo); shift--)
		if (mul10_add(&x, 0) < 0)
			return -1;
	if (neg) {
		x.lo = ~x.lo + 1;
		x.hi = ~x.hi + (x.lo == 0);
	}
	for (int i = 0; i < 8; i++) {
		out[i] = (unsigned char)(x.hi >> (56 - 8 * i));
		out[8 + i] = (unsigned char)(x.lo >> (56 - 8 * i));
	}
	return 0;
}


/* Clinger's fast path: a mantissa below 2^53 times or divided by an
 * exact power of ten up to 10^22 is one correctly rounded IEEE
 * operation, so it equals strtod's result; anything else goes to
 * strtod.  1 when done. */
static int
fast_double(const char *s, size_t n, double *d)
{
	static const double p10[] = { 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7,
	    1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18,
	    1e19, 1e20, 1e21, 1e22 };
	const char *p = s, *e = s + n, *f;
	uint64_t m = 0;		/* wraps past 19 digits: refused below */
	int neg = 0, frac = 0, digits;

	if (p < e && *p == '-') {
		neg = 1;
		p++;
	}
	f = p;
	while (p < e && (unsigned char)(*p - '0') < 10)
		m = m * 10 + (uint64_t)(*p++ - '0');
	digits = (int)(p - f);
	if (p < e && *p == '.') {
		f = ++p;
		while (p < e && (unsigned char)(*p - '0') < 10)
			m = m * 10 + (uint64_t)(*p++ - '0');
		frac = (int)(p - f);
		digits += frac;
	}
	if (p != e || digits == 0 || digits > 15 || (neg && m == 0))
		return 0;	/* exponents, -0, long mantissas: strtod */
	*d = frac ? (double)m / p10[frac] : (double)m;
	if (neg)
		*d = -*d;
	return 1;
}

int
pqv_double(const char *p, size_t n, double *d)
{
	char tmp[64], *end, *s = tmp;
	int ok;

	if (fast_double(p, n, d))
		return 0;
	if (n >= sizeof tmp)
		s = xmalloc(n + 1);
	memcpy(s, p, n);
	s[n] = '\0';
	*d = strtod(s, &end);
	ok = end == s + n && n > 0;
	if (s != tmp)
		free(s);
	return ok ? 0 : -1;
}
