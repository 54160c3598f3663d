/* parquet_typed + pgbin_value: a Parquet value sent typed into binary
 * COPY must be byte for byte the field pgbin_field makes of the CSV text
 * parquet_text writes for it (the path it replaces), or be refused
 * where that path refuses, over edge values of each typed kind. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "parquet_text.h"
#include "parquet_typed.h"
#include "pgbin.h"
#include "tap.h"

/* The field both ways: 1 when equal (both refused counts as equal). */
static int
same(const struct pq_schema *s, enum coltype want, const struct pq_val *v,
    int *typed)
{
	struct buf a = BUF_INIT, b = BUF_INIT, txt = BUF_INIT, tmp = BUF_INIT;
	struct pq_out o;
	struct fval fv;
	char why[120];
	int ra, rb, eq;

	if (pq_text_kind(s, want, &o, why, sizeof why) < 0)
		return 0;
	ra = pq_text_put(&txt, &o, v, why, sizeof why);
	if (ra == 0)
		ra = pgbin_field(&a, want, txt.p, txt.len, 0, 0);
	buf_reset(&txt);
	rb = pq_typed(&fv, &o, want, v, 0, &txt, why, sizeof why);
	*typed = rb == 0 && fv.kind != FV_TEXT;
	if (rb == 0)
		rb = pgbin_value(&b, want, &fv, 0, &tmp);
	eq = ra == rb && (ra < 0 || (a.len == b.len &&
	    memcmp(a.p, b.p, a.len) == 0));
	buf_free(&a);
	buf_free(&b);
	buf_free(&txt);
	buf_free(&tmp);
	return eq;
}

static struct pq_schema
col(enum pq_type t, enum pq_logical l, enum pq_unit u)
{
	struct pq_schema s;

	memset(&s, 0, sizeof s);
	s.has_type = 1;
	s.type = t;
	s.logical = l;
	s.unit = u;
	return s;
}

static void
ints(void)
{
	static const int64_t v[] = { 0, 1, -1, 42, INT64_MAX, INT64_MIN,
	    (INT64_C(1) << 53) + 1 };
	struct pq_schema s = col(PQT_INT64, PQL_NONE, PQU_MICROS);
	struct pq_val x;
	int t;

	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		x.u.i = v[i];
		ok(same(&s, CT_BIGINT, &x, &t) && t, "bigint %lld typed",
		    (long long)v[i]);
		ok(same(&s, CT_DOUBLE, &x, &t) && !t, "bigint %lld as double "
		    "goes as text", (long long)v[i]);
	}
}

static void
doubles(void)
{
	static const double v[] = { 0.0, -0.0, 0.1, 1.5, -2.75, 1.0 / 3,
	    DBL_MAX, -DBL_MAX, DBL_MIN, 1e15, 1e300, 123456789.123456789,
	    5e-324, 2.5e-310, NAN, INFINITY, -INFINITY };
	struct pq_schema s = col(PQT_DOUBLE, PQL_NONE, PQU_MICROS);
	struct pq_val x;
	int t;

	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		x.u.d = v[i];
		ok(same(&s, CT_DOUBLE, &x, &t) &&
		    t == (isfinite(v[i]) && (v[i] == 0 ||
		    fabs(v[i]) >= DBL_MIN)), "double %.17g", v[i]);
	}
}

static void
bools(void)
{
	struct pq_schema s = col(PQT_BOOLEAN, PQL_NONE, PQU_MICROS);
	struct pq_val x;
	int t;

	for (int i = 0; i < 2; i++) {
		x.u.i = i;
		ok(same(&s, CT_BOOL, &x, &t) && t, "bool %d typed", i);
		ok(same(&s, CT_TEXT, &x, &t) && !t, "bool %d as text", i);
	}
}

static void
stamps(void)
{
	static const int64_t us[] = { 0, -1, 1, -62135596800000000,
	    253402300799999999, 253402300800000000, -62135596800000001,
	    4102444800000001 };
	static const int64_t days[] = { 0, -1, -719162, 2932896, 2932897,
	    -719163 };
	struct pq_schema s = col(PQT_INT64, PQL_TIMESTAMP, PQU_MICROS);
	struct pq_schema ms = col(PQT_INT64, PQL_TIMESTAMP, PQU_MILLIS);
	struct pq_schema ns = col(PQT_INT64, PQL_TIMESTAMP, PQU_NANOS);
	struct pq_schema d = col(PQT_INT32, PQL_DATE, PQU_MICROS);
	struct pq_val x;
	int t;

	for (size_t i = 0; i < sizeof us / sizeof us[0]; i++) {
		x.u.i = us[i];
		ok(same(&s, CT_TIMESTAMP, &x, &t), "timestamp %lld us",
		    (long long)us[i]);
		x.u.i = us[i] / 1000;
		ok(same(&ms, CT_TIMESTAMP, &x, &t), "timestamp %lld ms",
		    (long long)x.u.i);
		x.u.i = us[i] % 1000000000 * 1000 + (i % 2);
		ok(same(&ns, CT_TIMESTAMP, &x, &t) && !t, "timestamp %lld ns "
		    "as text", (long long)x.u.i);
	}
	for (size_t i = 0; i < sizeof days / sizeof days[0]; i++) {
		x.u.i = days[i];
		ok(same(&d, CT_TIMESTAMP, &x, &t), "date %lld as timestamp",
		    (long long)days[i]);
	}
}

static void
texts(void)
{
	static const char *const v[] = { "", "a", "q\"uo,te\nnl\r\n",
	    "zß水🦀" };
	struct pq_schema s = col(PQT_BYTE_ARRAY, PQL_STRING, PQU_MICROS);
	struct pq_val x;
	int t;

	/* the CSV text is quoted where needed, and csvin unquotes it: the
	 * value's bytes are what pgbin_field got */
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		struct buf a = BUF_INIT, b = BUF_INIT, txt = BUF_INIT;
		struct pq_out o;
		struct fval fv;
		char why[120];
		x.p = (const uint8_t *)v[i];
		x.u.n = strlen(v[i]);
		pgbin_field(&a, CT_TEXT, v[i], strlen(v[i]), 0, 0);
		t = pq_text_kind(&s, CT_TEXT, &o, why, sizeof why) == 0 &&
		    pq_typed(&fv, &o, CT_TEXT, &x, 0, &txt, why,
		    sizeof why) == 0 &&
		    pgbin_value(&b, CT_TEXT, &fv, 0, &txt) == 0;
		ok(t && a.len == b.len && memcmp(a.p, b.p, a.len) == 0,
		    "text %zu", i);
		buf_free(&a);
		buf_free(&b);
		buf_free(&txt);
	}
}

int
main(void)
{
	ints();
	doubles();
	bools();
	stamps();
	texts();
	return tap_done();
}
