/* Unit tests of the one grammar of dates and times (isotime_fits) and of
 * the number inference that keeps digits (issue 16, items 5 and 19). */
#include <string.h>

#include "coltype.h"
#include "json.h"
#include "tap.h"

static struct json_doc d;

static void
fits(enum coltype ct, const char *s, int want)
{
	ok(isotime_fits(ct, s, strlen(s)) == want, "%s %s %s",
	    coltype_name(ct), want ? "takes" : "refuses", s);
}

static void
infer(const char *json, enum coltype want)
{
	enum coltype got = CT_NONE;

	if (json_parse(&d, json, strlen(json)) == 0)
		got = coltype_infer(&d.tok[0]);
	ok(got == want, "%s is %s (got %s)", json, coltype_name(want),
	    coltype_name(got));
}

int
main(void)
{
	fits(CT_TIMESTAMP, "2024-01-01t10:00:00", 1);
	fits(CT_TIMESTAMP, "2024-01-01 10:00", 1);
	fits(CT_TIMESTAMP, "2024-01-01T10:00:00.123456789z", 1);
	fits(CT_TIMESTAMP, "2024-01-01T10:00:00+15:59", 1);
	fits(CT_TIMESTAMP, "2024-01-01T10:00:00-0800", 1);
	fits(CT_TIMESTAMP, "2024-01-01", 1);
	fits(CT_TIMESTAMP, "2024-01-01T10:00:00,5", 0);
	fits(CT_TIMESTAMP, "2024-01-01T10:00:00+16:00", 0);
	fits(CT_TIMESTAMP, "2024-01-01T24:00:00", 0);
	fits(CT_TIMESTAMP, "2023-02-30T10:00:00", 0);
	fits(CT_TIMESTAMP, "2024-01-01T10:00:00 +05:00", 0);
	fits(CT_DATE, "2024-02-29", 1);
	fits(CT_DATE, "2023-02-29", 0);
	fits(CT_DATE, "2024-01-01T00:00:00", 0);
	fits(CT_DATE, "0000-01-01", 0);
	fits(CT_TIME, "23:59:59.5", 1);
	fits(CT_TIME, "24:00:00", 0);
	fits(CT_TIME, "2024-01-01", 0);
	fits(CT_TEXT, "2024-01-01", 0);

	infer("1.5", CT_DOUBLE);
	infer("0.30000000000000004", CT_DOUBLE);
	infer("-1.2345678901234567e300", CT_DOUBLE);
	infer("0.000000000000000000012345", CT_DOUBLE);
	infer("123456789012345678.5", CT_DECIMAL);
	infer("99999999.1234567890123", CT_DECIMAL);
	infer("1.23456789012345678e5", CT_DECIMAL);
	infer("1e999", CT_DECIMAL);
	infer("\"2024-01-01T10:00:00,5\"", CT_TEXT);
	infer("\"2024-01-01T10:00:00+16:00\"", CT_TEXT);
	infer("\"2024-01-01t10:00:00\"", CT_TIMESTAMP);
	json_doc_free(&d);
	return tap_done();
}
