/* pgbin: the binary COPY encodings of canonical values, and the forms
 * it refuses (left to PostgreSQL's text input). */
#include <stdio.h>
#include <string.h>

#include "pgbin.h"
#include "tap.h"

/* The field as hex ("-" when refused). */
static const char *
enc(enum coltype t, const char *s, int null, int utc)
{
	static char hex[256];
	struct buf b = BUF_INIT;
	size_t k = 0;

	if (pgbin_field(&b, t, s, strlen(s), null, utc) < 0) {
		buf_free(&b);
		return "-";
	}
	for (size_t i = 0; i < b.len && k + 3 < sizeof hex; i++)
		k += (size_t)snprintf(hex + k, sizeof hex - k, "%02x",
		    (unsigned char)b.p[i]);
	hex[k] = '\0';
	buf_free(&b);
	return hex;
}

#define is(t, s, utc, want) do {					\
	const char *got_ = enc(t, s, 0, utc);				\
	ok(strcmp(got_, want) == 0, "%s %s: %s", #t, s, got_);		\
} while (0)

int
main(void)
{
	struct buf b = BUF_INIT;

	pgbin_header(&b);
	pgbin_trailer(&b);
	ok(b.len == 21 && memcmp(b.p, "PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0\377\377",
	    21) == 0, "header and trailer");
	buf_free(&b);
	ok(strcmp(enc(CT_BIGINT, "", 1, 0), "ffffffff") == 0, "NULL");

	is(CT_BIGINT, "-1", 0, "00000008ffffffffffffffff");
	is(CT_BIGINT, "007", 0, "000000080000000000000007");
	is(CT_BIGINT, "-9223372036854775808", 0, "000000088000000000000000");
	is(CT_BIGINT, "9223372036854775807", 0, "000000087fffffffffffffff");
	is(CT_BIGINT, "9223372036854775808", 0, "-");
	is(CT_BIGINT, "", 0, "-");
	is(CT_BIGINT, " 1", 0, "-");
	is(CT_BIGINT, "+1", 0, "-");
	is(CT_BIGINT, "1.0", 0, "-");

	is(CT_DOUBLE, "1.5", 0, "000000083ff8000000000000");
	is(CT_DOUBLE, "-0", 0, "000000088000000000000000");
	is(CT_DOUBLE, "1E3", 0, "00000008408f400000000000");
	is(CT_DOUBLE, "1e999", 0, "-");
	is(CT_DOUBLE, "1e-999", 0, "-");
	is(CT_DOUBLE, "NaN", 0, "-");
	is(CT_DOUBLE, ".5", 0, "-");
	is(CT_DOUBLE, "5.", 0, "-");
	is(CT_DOUBLE, "0x10", 0, "-");

	is(CT_BOOL, "true", 0, "0000000101");
	is(CT_BOOL, "f", 0, "0000000100");
	is(CT_BOOL, "yes", 0, "-");
	is(CT_BOOL, "TRUE", 0, "-");

	is(CT_TEXT, "", 0, "00000000");
	is(CT_TEXT, "a,b", 0, "00000003612c62");

	is(CT_TIMESTAMP, "2000-01-01T00:00:00Z", 0, "000000080000000000000000");
	is(CT_TIMESTAMP, "2000-01-01 00:00:01+00:00", 0, "0000000800000000000f4240");
	is(CT_TIMESTAMP, "1999-12-31t23:00:00-01", 0, "000000080000000000000000");
	is(CT_TIMESTAMP, "2000-01-01T05:30:00.000001+0530", 0, "000000080000000000000001");
	is(CT_TIMESTAMP, "1970-01-01T00:00:00Z", 0, "00000008fffca2fec4c82000");
	is(CT_TIMESTAMP, "2000-01-01T00:00:00", 1, "000000080000000000000000");
	is(CT_TIMESTAMP, "2000-01-01", 1, "000000080000000000000000");
	is(CT_TIMESTAMP, "2000-01-01T00:00:00", 0, "-");
	is(CT_TIMESTAMP, "2000-01-01", 0, "-");
	is(CT_TIMESTAMP, "2000-02-30T00:00:00Z", 0, "-");
	is(CT_TIMESTAMP, "2000-01-01T24:00:00Z", 0, "-");
	is(CT_TIMESTAMP, "2000-01-01T00:00:60Z", 0, "-");
	is(CT_TIMESTAMP, "2000-01-01T00:00:00.1234567Z", 0, "-");
	is(CT_TIMESTAMP, "0000-01-01T00:00:00Z", 0, "-");
	is(CT_TIMESTAMP, "2000-01-01T00:00:00+16", 0, "-");
	is(CT_TIMESTAMP, "2000-01-01T00:00:00,5Z", 0, "-");
	is(CT_TIMESTAMP, "2000-01-01 00:01+15:59", 0, "00000008fffffff29decce00");
	is(CT_TIMESTAMP, "2000-01-01T00:00:00 UTC", 0, "-");
	is(CT_TIMESTAMP, "infinity", 1, "-");

	is(CT_DATE, "2000-01-02", 0, "0000000400000001");
	is(CT_DATE, "1999-12-31", 0, "00000004ffffffff");
	is(CT_DATE, "2100-02-29", 0, "-");
	is(CT_DATE, "2000-02-29", 0, "000000040000003b");
	is(CT_DATE, "2026-1-05", 0, "-");

	is(CT_TIME, "00:00:01.5", 0, "00000008000000000016e360");
	is(CT_TIME, "23:59:59.999999", 0, "00000008000000141dd75fff");
	is(CT_TIME, "00:01", 0, "000000080000000003938700");
	is(CT_TIME, "24:00:00", 0, "-");
	is(CT_TIME, "10:00:00+02", 0, "-");
	is(CT_TIME, "", 0, "-");

	is(CT_JSON, "{}", 0, "00000003017b7d");
	is(CT_JSON, "", 0, "-");

	is(CT_BINARY, "\\x0aFF", 0, "000000020aff");
	is(CT_BINARY, "\\x", 0, "00000000");
	is(CT_BINARY, "\\x0", 0, "-");
	is(CT_BINARY, "\\xzz", 0, "-");
	is(CT_BINARY, "\\000", 0, "-");

	/* ndigits, weight, sign, dscale, base-10000 groups */
	is(CT_DECIMAL, "1.5", 0, "0000000c000200000000000100011388");
	is(CT_DECIMAL, "-12345.678", 0, "0000000e0003000140000003000109291a7c");
	is(CT_DECIMAL, "-0.00", 0, "0000000c000200000000000200000000");
	is(CT_DECIMAL, "10000", 0, "0000000c000200010000000000010000");
	is(CT_DECIMAL, "1e3", 0, "-");
	is(CT_DECIMAL, ".5", 0, "-");
	is(CT_DECIMAL, "NaN", 0, "-");
	is(CT_DECIMAL, "", 0, "-");
	ok(!pgbin_takes(CT_NONE) && pgbin_takes(CT_DECIMAL), "types taken");
	return tap_done();
}
