/*
 * parquet_text: Parquet values as CSV fields (parquet_text.h lists the
 * forms).  Dates are turned into the civil calendar with the days-from-
 * civil inverse that pgbin uses the other way, on 64-bit integers, so no
 * value of the file can overflow them.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parquet_text.h"

#define DEC_MAX_BYTES 128
#define SCALE_MAX 1000

static const char *const type_names[] = {
	"BOOLEAN", "INT32", "INT64", "INT96", "FLOAT", "DOUBLE",
	"BYTE_ARRAY", "FIXED_LEN_BYTE_ARRAY"
};

static const char *const logical_names[] = {
	"", " (STRING)", " (JSON)", " (DECIMAL)", " (DATE)", " (TIME)",
	" (TIMESTAMP)", " (INTEGER)", " (UNSIGNED INTEGER)", " (other)"
};

/* What a column's values are, before the manifest has a say. */
static enum pq_kind
natural(const struct pq_schema *s)
{
	switch (s->type) {
	case PQT_BOOLEAN:
		return s->logical == PQL_NONE ? PK_BOOL : PK_UNKNOWN;
	case PQT_INT32:
	case PQT_INT64:
		switch (s->logical) {
		case PQL_NONE:
		case PQL_INT: return PK_INT;
		case PQL_UINT: return PK_UINT;
		case PQL_DECIMAL: return PK_DEC;
		case PQL_DATE: return s->type == PQT_INT32 ? PK_DATE :
		    PK_UNKNOWN;
		case PQL_TIME: return PK_TIME;
		case PQL_TIMESTAMP: return s->type == PQT_INT64 ? PK_TS :
		    PK_UNKNOWN;
		default: return PK_UNKNOWN;
		}
	case PQT_INT96:
		return PK_TS96;
	case PQT_FLOAT:
		return s->logical == PQL_NONE ? PK_FLOAT : PK_UNKNOWN;
	case PQT_DOUBLE:
		return s->logical == PQL_NONE ? PK_DOUBLE : PK_UNKNOWN;
	case PQT_BYTE_ARRAY:
	case PQT_FIXED:
		if (s->logical == PQL_DECIMAL)
			return PK_DEC;
		if (s->logical == PQL_STRING || s->logical == PQL_JSON)
			return PK_TEXT;
		return s->logical == PQL_NONE ? PK_BIN : PK_UNKNOWN;
	}
	return PK_UNKNOWN;
}

static int
fits(enum coltype want, enum pq_kind *k)
{
	switch (want) {
	case CT_NONE:
	case CT_TEXT:
		if (*k == PK_BIN)
			*k = PK_TEXT;
		return 1;
	case CT_JSON:
		if (*k == PK_BIN)
			*k = PK_TEXT;
		return *k == PK_TEXT;
	case CT_BINARY:
		if (*k == PK_BIN || *k == PK_TEXT)
			*k = PK_HEX;
		return *k == PK_HEX;
	case CT_BIGINT:
		return *k == PK_INT || *k == PK_UINT;
	case CT_DOUBLE:
	case CT_DECIMAL:
		return *k == PK_INT || *k == PK_UINT || *k == PK_FLOAT ||
		    *k == PK_DOUBLE || *k == PK_DEC;
	case CT_BOOL:
		return *k == PK_BOOL;
	case CT_TIMESTAMP:
		if (*k == PK_DATE)
			*k = PK_DATE_TS;
		return *k == PK_TS || *k == PK_TS96 || *k == PK_DATE_TS;
	case CT_DATE:
		return *k == PK_DATE;
	case CT_TIME:
		return *k == PK_TIME;
	}
	return 0;
}

int
pq_text_kind(const struct pq_schema *s, enum coltype want, struct pq_out *o,
    char *why, size_t whylen)
{
	enum pq_kind k = natural(s);

	memset(o, 0, sizeof *o);
	o->type = s->type;
	o->unit = s->unit;
	o->scale = s->scale;
	if (k == PK_DEC && (s->scale < 0 || s->scale > SCALE_MAX))
		k = PK_UNKNOWN;
	if (s->type == PQT_FIXED && s->type_length <= 0)
		k = PK_UNKNOWN;
	if (k != PK_UNKNOWN && fits(want, &k)) {
		o->kind = k;
		return 0;
	}
	snprintf(why, whylen, "the manifest says %s, the file has %s%s",
	    coltype_name(want), type_names[s->type],
	    logical_names[s->logical]);
	return -1;
}

void
pq_text_quoted(struct buf *b, const void *vs, size_t n)
{
	const char *s = vs, *q;

	buf_grow(b, n + 3);
	b->p[b->len++] = '"';
	while (n && (q = memchr(s, '"', n))) {
		size_t k = (size_t)(q - s) + 1;
		buf_add(b, s, k);
		buf_addc(b, '"');
		s += k;
		n -= k;
	}
	buf_add(b, s, n);
	buf_addc(b, '"');
}

/* s as a CSV field: bare when nothing in it needs quotes (and it is not
 * empty, which would read as NULL), else quoted.  Bare fields save the
 * scanners downstream (row tagger, CSV reader) their quote handling. */
static void
put_field(struct buf *b, const uint8_t *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] == '"' || s[i] == ',' || s[i] == '\n' ||
		    s[i] == '\r') {
			pq_text_quoted(b, s, n);
			return;
		}
	if (n == 0) {
		buf_adds(b, "\"\"");
		return;
	}
	buf_add(b, s, n);
}

static void
put_hex(struct buf *b, const uint8_t *p, size_t n)
{
	static const char hx[] = "0123456789abcdef";

	buf_grow(b, 2 * n + 3);
	b->p[b->len++] = '\\';
	b->p[b->len++] = 'x';
	for (size_t i = 0; i < n; i++) {
		b->p[b->len++] = hx[p[i] >> 4];
		b->p[b->len++] = hx[p[i] & 15];
	}
	b->p[b->len] = '\0';
}

/* Rounds the n digits d[] half to even at remainder f of 2^k; 1 when
 * a carry left the first digit (then d[] holds 10...0, one digit
 * more, written from d[-1]). */
static int
round_digits(char *d, int n, uint64_t f, int k)
{
	uint64_t half = k ? (uint64_t)1 << (k - 1) : 0;
	int i;

	if (!k || f < half || (f == half && (d[n - 1] - '0') % 2 == 0))
		return 0;
	for (i = n - 1; i >= 0 && d[i] == '9'; i--)
		d[i] = '0';
	if (i >= 0) {
		d[i]++;
		return 0;
	}
	d[-1] = '1';
	return 1;
}

/* x (2^-8 <= x < 2^53) to 17 significant digits, correctly rounded, so
 * that it reads back as x, in integer arithmetic: x is m / 2^k with m
 * of 53 bits and k <= 60, so each fraction digit is one multiply.  0
 * when x is outside that range (the caller uses snprintf). */
static size_t
fast17(double x, char *out)
{
	char buf[48], *d = buf + 1;
	int e, k, n = 0, point, sig = 0;
	uint64_t m, ip, f;
	size_t len;

	m = (uint64_t)ldexp(frexp(x, &e), 53);
	k = 53 - e;
	if (k < 1 || k > 60)
		return 0;
	ip = m >> k;
	f = m & (((uint64_t)1 << k) - 1);
	if (ip)
		n = snprintf(d, 20, "%llu", (unsigned long long)ip);
	point = n;
	sig = n;
	while (sig < 17) {
		f *= 10;
		d[n++] = (char)('0' + (f >> k));
		f &= ((uint64_t)1 << k) - 1;
		if (sig || d[n - 1] != '0')
			sig++;
	}
	if (round_digits(d, n, f, k)) {
		d--;
		n++;
		point++;
	}
	while (n > point && d[n - 1] == '0')
		n--;
	len = 0;
	if (point == 0)
		out[len++] = '0';
	memcpy(out + len, d, (size_t)point);
	len += (size_t)point;
	if (n > point) {
		out[len++] = '.';
		memcpy(out + len, d + point, (size_t)(n - point));
		len += (size_t)(n - point);
	}
	out[len] = '\0';
	return len;
}

/* The shortest of 15, 16 or 17 significant digits that reads back as x.
 * 17 always do, and are as short as the value when it is an exact short
 * decimal (1.5); only a value that is not (0.1) shows a run of 0s or 9s
 * there, and only then are the shorter forms tried: one conversion for
 * most values (in integer arithmetic where fast17 can), where trying
 * each would cost three. */
static void
put_double(struct buf *b, double x, int is_float)
{
	char s[48];
	double ax = fabs(x);

	if (isnan(x)) {
		buf_adds(b, "NaN");
		return;
	}
	if (isinf(x)) {
		buf_adds(b, x < 0 ? "-Infinity" : "Infinity");
		return;
	}
	if (ax < 1e15 && x == (double)(int64_t)x) {
		if (x == 0 && signbit(x))
			buf_adds(b, "-0.0");	/* not the integer 0 */
		else
			buf_add_i64(b, (int64_t)x);
		return;
	}
	s[0] = '-';
	if (is_float || !fast17(ax, s + (x < 0)))
		snprintf(s, sizeof s, "%.*g", is_float ? 9 : 17, x);
	if (strstr(s, "000") || strstr(s, "999")) {
		char t[40];
		for (int p = is_float ? 6 : 15; p < (is_float ? 9 : 17); p++) {
			snprintf(t, sizeof t, "%.*g", p, x);
			if (is_float ? strtof(t, NULL) == (float)x :
			    strtod(t, NULL) == x) {
				memcpy(s, t, sizeof t);
				break;
			}
		}
	}
	buf_adds(b, s);
}

/* v (0 <= v < 10^width) in width digits, zero-padded, at o; returns
 * the end.  Dates and times are composed in a local array and appended
 * once: a buf_add per piece cost more than the digits. */
static char *
digits(char *o, int64_t v, int width)
{
	for (int i = width - 1; i >= 0; i--) {
		o[i] = (char)('0' + v % 10);
		v /= 10;
	}
	return o + width;
}

/* Days since 1970-01-01 -> civil date (Howard Hinnant's algorithm). */
static void
civil(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

/* 0001-01-01 to 9999-12-31, else -1 with why. */
static int
date_ok(int64_t days, char *why, size_t whylen)
{
	if (days >= -719162 && days <= 2932896)
		return 0;
	snprintf(why, whylen, "date %lld days from 1970 is outside the years "
	    "1 to 9999", (long long)days);
	return -1;
}

static char *
date_text(char *o, int64_t days)
{
	int64_t y;
	int m, d;

	civil(days, &y, &m, &d);
	o = digits(o, y, 4);
	*o++ = '-';
	o = digits(o, m, 2);
	*o++ = '-';
	return digits(o, d, 2);
}

static int
put_date(struct buf *b, int64_t days, char *why, size_t whylen)
{
	char t[16];

	if (date_ok(days, why, whylen) < 0)
		return -1;
	buf_add(b, t, (size_t)(date_text(t, days) - t));
	return 0;
}

static int64_t
per_second(enum pq_unit u)
{
	return u == PQU_MILLIS ? 1000 : u == PQU_MICROS ? 1000000 :
	    1000000000;
}

/* A time of day of v units (0 <= v < a day), the fraction in as few
 * digits as hold it exactly. */
static char *
clock_text(char *o, int64_t v, enum pq_unit u)
{
	int64_t ps = per_second(u), s = v / ps, f = v % ps;
	int n = u == PQU_MILLIS ? 3 : u == PQU_MICROS ? 6 : 9;

	o = digits(o, s / 3600, 2);
	*o++ = ':';
	o = digits(o, s / 60 % 60, 2);
	*o++ = ':';
	o = digits(o, s % 60, 2);
	if (f == 0)
		return o;
	while (f % 10 == 0) {
		f /= 10;
		n--;
	}
	*o++ = '.';
	return digits(o, f, n);
}

static int64_t
floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

static int
put_ts(struct buf *b, int64_t days, int64_t clock, enum pq_unit u,
    char *why, size_t whylen)
{
	char t[48], *o;

	if (date_ok(days, why, whylen) < 0)
		return -1;
	o = date_text(t, days);
	*o++ = 'T';
	o = clock_text(o, clock, u);
	*o++ = 'Z';
	buf_add(b, t, (size_t)(o - t));
	return 0;
}

static int
put_time(struct buf *b, int64_t v, enum pq_unit u, char *why, size_t whylen)
{
	char t[32];

	if (v < 0 || v >= 86400 * per_second(u)) {
		snprintf(why, whylen, "time of day %lld is out of range",
		    (long long)v);
		return -1;
	}
	buf_add(b, t, (size_t)(clock_text(t, v, u) - t));
	return 0;
}

/* The digits of an unscaled value with the point placed by scale. */
static void
put_scaled(struct buf *b, int neg, const char *digits, size_t n,
    int32_t scale)
{
	if (neg)
		buf_addc(b, '-');
	if (scale <= 0) {
		buf_add(b, digits, n);
		return;
	}
	if (n <= (size_t)scale) {
		buf_adds(b, "0.");
		for (size_t i = n; i < (size_t)scale; i++)
			buf_addc(b, '0');
		buf_add(b, digits, n);
		return;
	}
	buf_add(b, digits, n - (size_t)scale);
	buf_addc(b, '.');
	buf_add(b, digits + n - (size_t)scale, (size_t)scale);
}

static void
put_dec_int(struct buf *b, int64_t v, int32_t scale)
{
	char d[24];
	uint64_t m = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	int n = snprintf(d, sizeof d, "%llu", (unsigned long long)m);

	put_scaled(b, v < 0 && m != 0, d, (size_t)n, scale);
}

/* A big-endian two's complement integer of n bytes, scaled. */
static int
put_dec_bytes(struct buf *b, const uint8_t *p, size_t n, int32_t scale,
    char *why, size_t whylen)
{
	uint8_t mag[DEC_MAX_BYTES];
	char dig[DEC_MAX_BYTES * 3 + 1];
	size_t nd = 0, lo = 0;
	int neg = n && (p[0] & 0x80);

	if (n > DEC_MAX_BYTES) {
		snprintf(why, whylen, "decimal of %zu bytes (at most %d)",
		    n, DEC_MAX_BYTES);
		return -1;
	}
	memcpy(mag, p, n);
	if (neg) {	/* magnitude: invert and add one */
		int carry = 1;
		for (size_t i = n; i-- > 0;) {
			int x = (uint8_t)~mag[i] + carry;
			mag[i] = (uint8_t)x;
			carry = x >> 8;
		}
	}
	while (lo < n && mag[lo] == 0)
		lo++;
	while (lo < n) {	/* divide by 10, least digit first */
		unsigned rem = 0;
		for (size_t i = lo; i < n; i++) {
			unsigned x = rem << 8 | mag[i];
			mag[i] = (uint8_t)(x / 10);
			rem = x % 10;
		}
		dig[nd++] = (char)('0' + rem);
		while (lo < n && mag[lo] == 0)
			lo++;
	}
	if (nd == 0)
		dig[nd++] = '0';
	for (size_t i = 0; i < nd / 2; i++) {
		char t = dig[i];
		dig[i] = dig[nd - 1 - i];
		dig[nd - 1 - i] = t;
	}
	put_scaled(b, neg && !(nd == 1 && dig[0] == '0'), dig, nd, scale);
	return 0;
}

static int
put_ts96(struct buf *b, const uint8_t *p, char *why, size_t whylen)
{
	int64_t nanos = 0, jd = 0;

	for (int i = 7; i >= 0; i--)
		nanos = (int64_t)((uint64_t)nanos << 8 | p[i]);
	for (int i = 11; i >= 8; i--)
		jd = jd << 8 | p[i];
	if (nanos < 0 || nanos >= 86400 * INT64_C(1000000000)) {
		snprintf(why, whylen, "INT96 time of day %lld ns is out of "
		    "range", (long long)nanos);
		return -1;
	}
	return put_ts(b, jd - 2440588, nanos, PQU_NANOS, why, whylen);
}

static int
put_unsigned(struct buf *b, const struct pq_out *o, const struct pq_val *v)
{
	buf_add_u64(b, o->type == PQT_INT32 ? (uint32_t)v->u.i :
	    (uint64_t)v->u.i);
	return 0;
}

int
pq_text_put(struct buf *b, const struct pq_out *o, const struct pq_val *v,
    char *why, size_t whylen)
{
	int64_t per_day;

	switch (o->kind) {
	case PK_BOOL:
		buf_adds(b, v->u.i ? "true" : "false");
		return 0;
	case PK_INT:
		buf_add_i64(b, v->u.i);
		return 0;
	case PK_UINT:
		return put_unsigned(b, o, v);
	case PK_FLOAT:
	case PK_DOUBLE:
		put_double(b, v->u.d, o->kind == PK_FLOAT);
		return 0;
	case PK_TEXT:
	case PK_BIN:
		put_field(b, v->p, (size_t)v->u.n);
		return 0;
	case PK_HEX:
		put_hex(b, v->p, (size_t)v->u.n);
		return 0;
	case PK_DATE:
		return put_date(b, v->u.i, why, whylen);
	case PK_DATE_TS:
		return put_ts(b, v->u.i, 0, PQU_MICROS, why, whylen);
	case PK_TIME:
		return put_time(b, v->u.i, o->unit, why, whylen);
	case PK_TS:
		per_day = 86400 * per_second(o->unit);
		return put_ts(b, floor_div(v->u.i, per_day),
		    v->u.i - floor_div(v->u.i, per_day) * per_day, o->unit,
		    why, whylen);
	case PK_TS96:
		return put_ts96(b, v->p, why, whylen);
	case PK_DEC:
		if (o->type == PQT_INT32 || o->type == PQT_INT64) {
			put_dec_int(b, v->u.i, o->scale);
			return 0;
		}
		return put_dec_bytes(b, v->p, (size_t)v->u.n, o->scale, why,
		    whylen);
	default:
		snprintf(why, whylen, "unreadable value");
		return -1;
	}
}
