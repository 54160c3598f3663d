/* Unit test of the Parquet reader's pieces: the Thrift compact decoder,
 * the RLE / bit-packed hybrid, and the CSV text of values
 * (parquet_text.h), on hand-made bytes whose meaning is worked out in
 * the comments from parquet-format's and Thrift's specifications. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "parquet_chunk.h"
#include "parquet_meta.h"
#include "parquet_text.h"
#include "tap.h"
#include "thrift_read.h"

static void
thrift(void)
{
	/* struct { 1: i32 -3, 3: string "ab", 4: bool true, 20: i64 300,
	 * 21: list<i32> [1, 2], stop } */
	static const uint8_t b[] = {
		0x15, 0x05,		/* field 1 (delta 1), i32, zigzag 5 = -3 */
		0x28, 0x02, 'a', 'b',	/* field 3 (delta 2), binary */
		0x11,			/* field 4 (delta 1), bool true */
		0x06, 0x28, 0xd8, 0x04,	/* long form: i64, id 20, 300 */
		0x19, 0x25, 0x02, 0x04,	/* field 21, list of 2 i32 */
		0x00
	};
	struct thr t;
	int16_t last = 0, id;
	int type, n = 0, elem;
	const uint8_t *p;
	size_t len;
	int32_t v1 = 0;
	int64_t v20 = 0;
	int bl = 0;

	thr_init(&t, b, sizeof b);
	while (thr_field(&t, &last, &type, &id)) {
		n++;
		if (id == 1)
			v1 = thr_i32(&t);
		else if (id == 3)
			thr_bin(&t, &p, &len);
		else if (id == 4)
			bl = thr_bool(&t, type);
		else if (id == 20)
			v20 = thr_i64(&t);
		else if (id == 21 && thr_list(&t, &elem) == 2) {
			thr_skip(&t, elem);
			thr_skip(&t, elem);
		}
	}
	ok(!t.err && n == 5 && v1 == -3 && len == 2 && bl && v20 == 300,
	    "compact struct: ids by delta and long form, zigzag, bool in "
	    "the header");
	thr_init(&t, b, 5);
	last = 0;
	while (thr_field(&t, &last, &type, &id))
		thr_skip(&t, type);
	ok(t.err != NULL, "a struct cut short fails: %s", t.err);

	/* a list claiming 2^32 elements in 3 bytes */
	static const uint8_t big[] = { 0xf5, 0xff, 0xff, 0xff, 0xff, 0x0f };
	thr_init(&t, big, sizeof big);
	ok(thr_list(&t, &elem) == 0 && t.err, "a list longer than its "
	    "bytes fails");

	/* structs nested 100 deep */
	uint8_t deep[201];
	for (int i = 0; i < 100; i++) {
		deep[2 * i] = 0x1c;	/* field 1, struct */
		deep[2 * i + 1] = 0x1c;
	}
	deep[200] = 0;
	thr_init(&t, deep, sizeof deep);
	thr_skip(&t, THR_STRUCT);
	ok(t.err && strstr(t.err, "deep"), "deep nesting fails: %s", t.err);
}

static void
rle(void)
{
	/* bit width 3: an RLE run of 4 fives (header 4<<1, value byte),
	 * then one bit-packed group (header 1<<1|1) of 0..7 */
	static const uint8_t b[] = { 0x08, 0x05, 0x03, 0x88, 0xc6, 0xfa };
	struct pq_rle r;
	uint32_t v, got[12];
	int n = 0;

	pq_rle_init(&r, b, b + sizeof b, 3);
	while (n < 12 && pq_rle_next(&r, &v) == 0)
		got[n++] = v;
	ok(n == 12 && got[0] == 5 && got[3] == 5 && got[4] == 0 &&
	    got[5] == 1 && got[11] == 7, "RLE run then bit-packed group");
	ok(pq_rle_next(&r, &v) < 0, "the hybrid ends with its bytes");
	/* a bit-packed run claiming 1000 groups in 1 byte */
	static const uint8_t lie[] = { 0xd1, 0x0f, 0xff };
	pq_rle_init(&r, lie, lie + sizeof lie, 3);
	n = 0;
	while (n < 100 && pq_rle_next(&r, &v) == 0)
		n++;
	ok(n == 2, "a run longer than its bytes yields what is there (%d)",
	    n);
}

static const char *
text(struct pq_out *o, struct pq_val *v)
{
	static struct buf b;
	char why[120];

	buf_reset(&b);
	if (pq_text_put(&b, o, v, why, sizeof why) < 0) {
		buf_reset(&b);
		buf_adds(&b, "ERR ");
		buf_adds(&b, why);
	}
	return b.p ? b.p : "";
}

static void
values(void)
{
	struct pq_schema s;
	struct pq_out o;
	struct pq_val v;
	char why[120];
	static const uint8_t neg[] = { 0xff, 0xff, 0xff, 0x85 };
	static const uint8_t big[16] = { 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff,
	    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

	memset(&s, 0, sizeof s);
	s.type = PQT_INT64;
	s.logical = PQL_TIMESTAMP;
	s.unit = PQU_MICROS;
	ok(pq_text_kind(&s, CT_TIMESTAMP, &o, why, sizeof why) == 0,
	    "INT64 TIMESTAMP fits timestamp");
	v.u.i = -14182940000000 + 123456;	/* 1969-07-20T20:17:40.123456 */
	ok(strcmp(text(&o, &v), "1969-07-20T20:17:40.123456Z") == 0,
	    "a timestamp before 1970: %s", text(&o, &v));
	v.u.i = INT64_C(5680281600000000) + 500000;	/* 2150-01-01 */
	ok(strcmp(text(&o, &v), "2150-01-01T00:00:00.5Z") == 0,
	    "after 2100, fraction trimmed: %s", text(&o, &v));
	s.unit = PQU_NANOS;
	pq_text_kind(&s, CT_TIMESTAMP, &o, why, sizeof why);
	v.u.i = -1;
	ok(strcmp(text(&o, &v), "1969-12-31T23:59:59.999999999Z") == 0,
	    "nanoseconds kept: %s", text(&o, &v));

	s.type = PQT_INT32;
	s.logical = PQL_DATE;
	pq_text_kind(&s, CT_DATE, &o, why, sizeof why);
	v.u.i = -719163;
	ok(strncmp(text(&o, &v), "ERR ", 4) == 0, "a date before year 1 is "
	    "refused: %s", text(&o, &v));
	v.u.i = 2932896;
	ok(strcmp(text(&o, &v), "9999-12-31") == 0, "9999-12-31");

	s.type = PQT_FIXED;
	s.type_length = 4;
	s.logical = PQL_DECIMAL;
	s.scale = 2;
	ok(pq_text_kind(&s, CT_DECIMAL, &o, why, sizeof why) == 0,
	    "FIXED DECIMAL fits decimal");
	v.p = neg;
	v.u.n = 4;	/* -123 */
	ok(strcmp(text(&o, &v), "-1.23") == 0, "negative two's complement: "
	    "%s", text(&o, &v));
	v.p = big;
	v.u.n = 16;	/* 2^127 - 1 */
	ok(strcmp(text(&o, &v), "1701411834604692317316873037158841057.27")
	    == 0, "128-bit decimal: %s", text(&o, &v));

	s.type = PQT_DOUBLE;
	s.logical = PQL_NONE;
	pq_text_kind(&s, CT_DOUBLE, &o, why, sizeof why);
	v.u.d = 0.1;
	ok(strcmp(text(&o, &v), "0.1") == 0, "shortest double: %s",
	    text(&o, &v));
	{
		/* integer arithmetic's digits, each read back */
		static const double d[] = { 134.36424411240122, -123.45,
		    0.0039062500000000009, 0.99999999999999989,
		    9007199254740991.5, 4503599627370495.5, 1e-300,
		    -2.2250738585072014e-308, 3.0000000000000004 };
		static const char *const want[] = { "134.36424411240122",
		    "-123.45", "0.003906250000000001",
		    "0.9999999999999999", "9007199254740992",
		    "4503599627370495.5", "1e-300",
		    "-2.2250738585072014e-308", "3.0000000000000004" };
		for (size_t i = 0; i < sizeof d / sizeof d[0]; i++) {
			v.u.d = d[i];
			ok(strcmp(text(&o, &v), want[i]) == 0 &&
			    strtod(text(&o, &v), NULL) == d[i],
			    "%s reads back", text(&o, &v));
		}
	}
	v.u.d = 1.7976931348623157e308;	/* no integer holds it */
	ok(strcmp(text(&o, &v), "1.7976931348623157e+308") == 0, "the "
	    "largest double: %s", text(&o, &v));
	v.u.d = -0.0;
	ok(strcmp(text(&o, &v), "-0.0") == 0, "negative zero: %s",
	    text(&o, &v));
	v.u.d = 1e15;
	ok(strcmp(text(&o, &v), "1e+15") == 0, "1e15: %s",
	    text(&o, &v));
	v.u.d = -HUGE_VAL;
	ok(strcmp(text(&o, &v), "-Infinity") == 0, "-Infinity");
	v.u.d = NAN;
	ok(strcmp(text(&o, &v), "NaN") == 0, "NaN");

	s.type = PQT_BYTE_ARRAY;
	pq_text_kind(&s, CT_BINARY, &o, why, sizeof why);
	v.p = (const uint8_t *)"\x00\xff";
	v.u.n = 2;
	ok(strcmp(text(&o, &v), "\\x00ff") == 0, "binary as bytea hex");
	pq_text_kind(&s, CT_TEXT, &o, why, sizeof why);
	v.p = (const uint8_t *)"a\"b";
	v.u.n = 3;
	ok(strcmp(text(&o, &v), "\"a\"\"b\"") == 0, "text quoted: %s",
	    text(&o, &v));
	v.u.n = 0;
	ok(strcmp(text(&o, &v), "\"\"") == 0, "the empty string quoted, "
	    "not NULL");
	v.p = (const uint8_t *)" x\\y ";
	v.u.n = 5;
	ok(strcmp(text(&o, &v), " x\\y ") == 0, "plain text bare: %s",
	    text(&o, &v));
	s.logical = PQL_STRING;
	ok(pq_text_kind(&s, CT_BIGINT, &o, why, sizeof why) < 0 &&
	    strcmp(why, "the manifest says bigint, the file has BYTE_ARRAY "
	    "(STRING)") == 0, "a type that does not fit is named: %s", why);
}

int
main(void)
{
	thrift();
	rle();
	values();
	return tap_done();
}
