/* Unit tests of the Parquet writer's encoders: Thrift compact bytes of
 * known fields (as the compact protocol's spec spells them), the RLE /
 * bit-packed hybrid's example from the Parquet spec, decimals at scale 9
 * and dates and timestamps as Parquet stores them, and a column's min
 * and max in its type's order. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "parquet_value.h"
#include "parquet_write.h"
#include "rle_write.h"
#include "tap.h"
#include "thrift_write.h"

static int
bytes_are(const struct buf *b, const char *want, size_t n)
{
	if (b->len != n || memcmp(b->p, want, n) != 0) {
		for (size_t i = 0; i < b->len; i++)
			printf("%02x ", (unsigned char)b->p[i]);
		printf("\n");
		return 0;
	}
	return 1;
}

static void
test_thrift(void)
{
	struct buf b = BUF_INIT;
	struct tw w;

	tw_init(&w, &b);
	tw_i32(&w, 1, 3);
	tw_i64(&w, 2, -1);
	tw_binary(&w, 20, "ab", 2);
	tw_bool(&w, 21, 1);
	tw_bool(&w, 22, 0);
	tw_struct(&w, 23);
	tw_i32(&w, 1, -64);
	tw_end(&w);
	tw_i32(&w, 24, 0);
	tw_end(&w);
	ok(bytes_are(&b, "\x15\x06" "\x16\x01" "\x08\x28\x02" "ab" "\x11" "\x12"
	    "\x1c" "\x15\x7f" "\x00" "\x15\x00" "\x00", 18),
	    "compact fields: short and long id deltas, zigzag, bools in the "
	    "header, nested struct ids restart");
	buf_reset(&b);
	tw_init(&w, &b);
	tw_list(&w, 1, TW_I32, 16);
	for (int i = 0; i < 16; i++)
		tw_elem_i32(&w, i);
	ok(b.len == 3 + 16 && (unsigned char)b.p[0] == 0x19 &&
	    (unsigned char)b.p[1] == 0xf5 && b.p[2] == 16 && b.p[3] == 0 &&
	    b.p[4] == 2, "a list of 16 has its size after the 0xf header");
	buf_reset(&b);
	tw_varint(&b, 300);
	ok(bytes_are(&b, "\xac\x02", 2), "varint 300");
	buf_free(&b);
}

static void
test_rle(void)
{
	static const uint32_t seq[] = { 0, 1, 2, 3, 4, 5, 6, 7 };
	uint32_t run[100], mix[13] = { 1, 2, 3, 4, 4, 4, 4, 4, 4, 4, 4, 4,
	    4 };
	struct buf b = BUF_INIT;

	rle_encode(&b, seq, 8, 3);
	ok(bytes_are(&b, "\x03\x88\xc6\xfa", 4),
	    "the spec's bit-packing example (0..7 at width 3)");
	for (int i = 0; i < 100; i++)
		run[i] = 5;
	buf_reset(&b);
	rle_encode(&b, run, 100, 3);
	ok(bytes_are(&b, "\xc8\x01\x05", 3), "a run of 100 fives");
	buf_reset(&b);
	rle_encode(&b, mix, 13, 3);
	/* one group of 8 (the 3 literals and 5 of the run), then the run's
	 * other 5 */
	ok(bytes_are(&b, "\x03\xd1\x48\x92" "\x0a\x04", 6),
	    "a literal before a run takes a group's worth of the run");
	buf_reset(&b);
	rle_encode(&b, seq, 3, 3);
	ok(bytes_are(&b, "\x03\x88\x00\x00", 4),
	    "the last literal is padded with zeros to a group");
	ok(rle_bit_width(0) == 1 && rle_bit_width(1) == 1 &&
	    rle_bit_width(2) == 2 && rle_bit_width(255) == 8 &&
	    rle_bit_width(256) == 9 && rle_bit_width(UINT32_MAX) == 32,
	    "bit widths");
	buf_free(&b);
}

static int
dec_is(const char *s, int64_t hi, uint64_t lo)
{
	unsigned char o[16], w[16];

	for (int i = 0; i < 8; i++) {
		w[i] = (unsigned char)((uint64_t)hi >> (56 - 8 * i));
		w[8 + i] = (unsigned char)(lo >> (56 - 8 * i));
	}
	if (pqv_decimal(s, strlen(s), o) < 0)
		return 0;
	return memcmp(o, w, 16) == 0;
}

static int
dec_bad(const char *s)
{
	unsigned char o[16];

	return pqv_decimal(s, strlen(s), o) < 0;
}

static void
test_decimal(void)
{
	ok(dec_is("1.5", 0, 1500000000), "1.5 is 1500000000 at scale 9");
	ok(dec_is("-1", -1, (uint64_t)-1000000000), "-1, two's complement");
	ok(dec_is("-0", 0, 0) && dec_is("0e-400", 0, 0) && dec_is("0.0", 0, 0),
	    "zeros");
	ok(dec_is("1E+2", 0, 100000000000ULL) && dec_is("100e-11", 0, 1),
	    "exponents");
	ok(dec_is("0.000000001", 0, 1) && dec_is("1.0000000000000", 0,
	    1000000000), "9 fraction digits, and zeros past them");
	/* 10^38 - 1 = 0x4b3b4ca85a86c47a_098a223fffffffff */
	ok(dec_is("99999999999999999999999999999.999999999",
	    0x4b3b4ca85a86c47aLL, 0x098a223fffffffffULL),
	    "the largest DECIMAL(38, 9)");
	ok(dec_is("-99999999999999999999999999999.999999999",
	    (int64_t)~0x4b3b4ca85a86c47aULL, ~0x098a223fffffffffULL + 1),
	    "the smallest DECIMAL(38, 9)");
	ok(dec_bad("100000000000000000000000000000") && dec_bad("1e29") &&
	    dec_bad("1e400") && dec_bad("0.1234567891") && dec_bad("1e-10") &&
	    dec_bad("") && dec_bad("-") && dec_bad(".") && dec_bad("1.2.3") &&
	    dec_bad("12a"), "values beyond (38, 9), and non-numbers, "
	    "are refused");
}

static int
time_is(enum coltype ct, const char *s, int64_t want)
{
	int64_t v;

	return pqv_time(ct, s, strlen(s), &v) == 0 && v == want;
}

static void
test_time(void)
{
	ok(pqv_days(1970, 1, 1) == 0 && pqv_days(1969, 12, 31) == -1 &&
	    pqv_days(2000, 3, 1) == 11017 && pqv_days(1, 1, 1) == -719162 &&
	    pqv_days(9999, 12, 31) == 2932896, "days from 1970-01-01");
	ok(time_is(CT_TIMESTAMP, "2020-01-01T00:00:00+01:00",
	    1577833200000000LL), "a zone is applied");
	ok(time_is(CT_TIMESTAMP, "1969-12-31T23:59:59.999999Z", -1) &&
	    time_is(CT_TIMESTAMP, "1970-01-01 00:00:01", 1000000),
	    "before 1970; no zone is UTC");
	ok(time_is(CT_TIMESTAMP, "2020-02-29", 1582934400000000LL),
	    "a date in a timestamp column is its midnight");
	ok(time_is(CT_DATE, "2100-02-28", 47540) &&
	    time_is(CT_TIME, "23:59:59.999999", 86399999999LL),
	    "dates in days, times in microseconds");
	ok(!time_is(CT_DATE, "2020-01-01T00:00:00Z", 0) &&
	    !time_is(CT_TIME, "2020-01-01", 0), "a text of another type "
	    "is refused");
}

static void
test_minmax(void)
{
	struct pqw_colspec sp = { "c", CT_TEXT, 0 };
	struct pqcol c;
	struct buf lo = BUF_INIT, hi = BUF_INIT;
	const char *v[] = { "b", "\xc3\xa9", "Z", "a", "" };

	pqcol_init(&c, &sp);
	for (size_t i = 0; i < 5; i++) {
		pqcol_row(&c, i);
		pqcol_add(&c, i, v[i], strlen(v[i]));
	}
	ok(pqcol_minmax(&c, &lo, &hi) && lo.len == 0 && hi.len == 2 &&
	    memcmp(hi.p, "\xc3\xa9", 2) == 0, "strings in byte order");
	pqcol_free(&c);

	sp.type = CT_DECIMAL;
	pqcol_init(&c, &sp);
	unsigned char a[16], b[16], m[16];
	pqv_decimal("-5", 2, a);
	pqv_decimal("3", 1, b);
	pqv_decimal("-7.5", 4, m);
	pqcol_row(&c, 2);
	pqcol_add(&c, 0, a, 16);
	pqcol_add(&c, 1, b, 16);
	pqcol_add(&c, 2, m, 16);
	ok(pqcol_minmax(&c, &lo, &hi) && memcmp(lo.p, m, 16) == 0 &&
	    memcmp(hi.p, b, 16) == 0, "decimals signed");
	pqcol_free(&c);
	buf_free(&lo);
	buf_free(&hi);
}

int
main(void)
{
	test_thrift();
	test_rle();
	test_decimal();
	test_time();
	test_minmax();
	return tap_done();
}
