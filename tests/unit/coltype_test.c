/* Unit tests of type inference, widening and pinned-type checks. */
#include <string.h>

#include "coltype.h"
#include "json.h"
#include "tap.h"

static struct json_doc d;

static const struct json_tok *
tok(const char *json)
{
	if (json_parse(&d, json, strlen(json)) < 0)
		return NULL;
	return &d.tok[0];
}

static void
infer(const char *json, enum coltype want)
{
	const struct json_tok *t = tok(json);
	enum coltype got = t ? coltype_infer(t) : CT_NONE;

	ok(got == want, "%s is %s (got %s)", json, coltype_name(want),
	    coltype_name(got));
}

static void
widen(enum coltype a, enum coltype b, enum coltype want)
{
	enum coltype got = coltype_widen(a, b);

	ok(got == want && coltype_widen(b, a) == want, "%s + %s -> %s (got %s)",
	    coltype_name(a), coltype_name(b), coltype_name(want),
	    coltype_name(got));
}

static void
accepts(enum coltype ct, const char *json, int want)
{
	const struct json_tok *t = tok(json);

	ok(t && coltype_accepts(ct, t) == want, "%s %s %s", coltype_name(ct),
	    want ? "accepts" : "refuses", json);
}

int
main(void)
{
	infer("1", CT_BIGINT);
	infer("-9223372036854775808", CT_BIGINT);
	infer("9223372036854775808", CT_DECIMAL);
	infer("123456789012345678901234567890", CT_DECIMAL);
	infer("1.5", CT_DOUBLE);
	infer("1e3", CT_DOUBLE);
	infer("1e999", CT_DECIMAL);	/* no double holds it */
	infer("-1.5e400", CT_DECIMAL);
	infer("1e-999", CT_DECIMAL);	/* a double would be 0 (PostgreSQL refuses) */
	infer("true", CT_BOOL);
	infer("false", CT_BOOL);
	infer("\"x\"", CT_TEXT);
	infer("\"2024-01-02\"", CT_DATE);
	infer("\"2024-01-02T03:04:05Z\"", CT_TIMESTAMP);
	infer("\"2024-01-02 03:04:05.123456+02:00\"", CT_TIMESTAMP);
	infer("\"2024-01-02T03:04\"", CT_TIMESTAMP);
	infer("\"2024-13-02\"", CT_TEXT);
	infer("\"2023-02-29\"", CT_TEXT);
	infer("\"2024-02-29\"", CT_DATE);
	infer("\"1900-02-29\"", CT_TEXT);
	infer("\"2000-02-29T00:00:00Z\"", CT_TIMESTAMP);
	infer("\"2024-04-31\"", CT_TEXT);
	infer("\"0000-01-01\"", CT_TEXT);
	infer("\"2024-01-02T25:00:00\"", CT_TEXT);
	infer("\"2024-01-02X\"", CT_TEXT);
	infer("\"12:30:00\"", CT_TEXT);
	infer("[1,2]", CT_JSON);

	widen(CT_BIGINT, CT_DOUBLE, CT_DECIMAL);
	widen(CT_BIGINT, CT_DECIMAL, CT_DECIMAL);
	widen(CT_DECIMAL, CT_DOUBLE, CT_DECIMAL);
	widen(CT_DATE, CT_TIMESTAMP, CT_TIMESTAMP);
	widen(CT_BOOL, CT_BIGINT, CT_TEXT);
	widen(CT_JSON, CT_TEXT, CT_TEXT);
	widen(CT_TIMESTAMP, CT_BIGINT, CT_TEXT);
	widen(CT_NONE, CT_BOOL, CT_BOOL);
	widen(CT_TEXT, CT_TEXT, CT_TEXT);

	accepts(CT_BIGINT, "42", 1);
	accepts(CT_BIGINT, "\"42\"", 1);
	accepts(CT_BIGINT, "\"abc\"", 0);
	accepts(CT_BIGINT, "1.5", 0);
	accepts(CT_BIGINT, "99999999999999999999", 0);
	accepts(CT_DOUBLE, "1.5", 1);
	accepts(CT_DOUBLE, "\"-1.5e3\"", 1);
	accepts(CT_DOUBLE, "\"1.\"", 0);
	accepts(CT_DECIMAL, "99999999999999999999", 1);
	accepts(CT_BOOL, "true", 1);
	accepts(CT_BOOL, "\"false\"", 1);
	accepts(CT_BOOL, "1", 0);
	accepts(CT_TIMESTAMP, "\"2024-01-02T03:04:05Z\"", 1);
	accepts(CT_TIMESTAMP, "\"2024-01-02\"", 1);
	accepts(CT_TIMESTAMP, "\"yesterday\"", 0);
	accepts(CT_DATE, "\"2024-01-02\"", 1);
	accepts(CT_DATE, "\"2024-01-02T03:04:05Z\"", 0);
	accepts(CT_TIME, "\"12:30:00.5\"", 1);
	accepts(CT_TIME, "\"12:61:00\"", 0);
	accepts(CT_TEXT, "[1]", 1);
	accepts(CT_JSON, "\"s\"", 1);
	accepts(CT_BINARY, "\"AAEC\"", 1);
	accepts(CT_BINARY, "5", 0);
	accepts(CT_BIGINT, "null", 1);
	json_doc_free(&d);
	return tap_done();
}
