/* Unit tests of the JSON reader and writer. */
#include <string.h>

#include "json.h"
#include "tap.h"

static int
parses(const char *s)
{
	struct json_doc d = { 0 };
	int r = json_parse(&d, s, strlen(s));

	json_doc_free(&d);
	return r == 0;
}

static void
test_grammar(void)
{
	static const char *good[] = {
		"{}", "[]", "0", "-0", "1.5e-3", "\"a\\u00e9\\ud83d\\ude00\"",
		" {\"a\":[1,2,{\"b\":null}],\"c\":true} ", "\"\xc3\xa9\"",
	};
	static const char *bad[] = {
		"", "{", "[1,]", "{\"a\"}", "01", "1.", "-", "tru", "\"a",
		"\"\\x\"", "\"\\ud800\"", "\"\\udc00\"", "{\"a\":1}x",
		"\"\xc0\xaf\"", "\"\xed\xa0\x80\"", "\"\x01\"", "{'a':1}",
		"[1 2]", "NaN",
	};
	for (size_t i = 0; i < sizeof good / sizeof *good; i++)
		ok(parses(good[i]), "accepts %s", good[i]);
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		ok(!parses(bad[i]), "rejects bad input #%zu", i);
}

static void
test_access(void)
{
	struct json_doc d = { 0 };
	const char *s = "{\"a\":{\"x\":[1,2]},\"b\\u0020c\":\"d\\n\",\"n\":-42}";
	struct buf b = BUF_INIT;
	int64_t v = 0;
	int i;

	ok(json_parse(&d, s, strlen(s)) == 0, "parses an object");
	i = json_obj_get(&d, 0, "b c");
	ok(i > 0 && d.tok[i].type == JSON_STRING, "finds an escaped key");
	json_str_decode(&d.tok[i], &b);
	ok(b.len == 2 && memcmp(b.p, "d\n", 2) == 0, "decodes escapes");
	i = json_obj_get(&d, 0, "n");
	ok(i > 0 && json_int64(&d.tok[i], &v) == 0 && v == -42, "reads -42");
	i = json_obj_get(&d, 0, "a");
	buf_reset(&b);
	json_put_raw(&b, &d.tok[i]);
	ok(strcmp(b.p, "{\"x\":[1,2]}") == 0, "copies a subtree raw");
	buf_reset(&b);
	json_put_str(&b, "q\"\\\x01", 4);
	ok(strcmp(b.p, "\"q\\\"\\\\\\u0001\"") == 0, "escapes on output");
	buf_free(&b);
	json_doc_free(&d);
}

static void
test_int64(void)
{
	struct json_doc d = { 0 };
	int64_t v;

	json_parse(&d, "9223372036854775807", 19);
	ok(json_int64(&d.tok[0], &v) == 0 && v == INT64_MAX, "INT64_MAX");
	json_parse(&d, "-9223372036854775808", 20);
	ok(json_int64(&d.tok[0], &v) == 0 && v == INT64_MIN, "INT64_MIN");
	json_parse(&d, "9223372036854775808", 19);
	ok(json_int64(&d.tok[0], &v) == -1, "overflow detected");
	json_doc_free(&d);
}

int
main(void)
{
	test_grammar();
	test_access();
	test_int64();
	return tap_done();
}
