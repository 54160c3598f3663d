/* Unit tests of the CSV dialect and of flattening records into rows. */
#include <string.h>

#include "csvout.h"
#include "record.h"
#include "schema.h"
#include "tap.h"

static void
field(const char *in, size_t n, const char *want)
{
	struct buf b = BUF_INIT;

	csvout_field(&b, in, n);
	ok(b.len == strlen(want) && memcmp(b.p, want, b.len) == 0,
	    "field [%s] -> [%s] (got [%s])", in, want, b.p);
	buf_free(&b);
}

/* Runs records through one schema; returns the CSV of the last one. */
static void
rows(const char **recs, size_t n, const char *want_header,
    const char *want_row)
{
	struct schema s;
	struct record r;
	struct json_doc d = { 0 };
	struct buf out = BUF_INIT, scratch = BUF_INIT, head = BUF_INIT;

	schema_init(&s, NULL);
	record_init(&r);
	for (size_t i = 0; i < n; i++) {
		json_parse(&d, recs[i], strlen(recs[i]));
		record_flatten(&r, &s, &d, NULL);
	}
	csvout_header(&head, &s, s.ncols);
	csvout_row(&out, &s, s.ncols, &r, strlen(recs[n - 1]), &scratch);
	ok(strcmp(head.p, want_header) == 0, "header %s (got %s)",
	    want_header, head.p);
	ok(strcmp(out.p, want_row) == 0, "row %s (got %s)", want_row, out.p);
	json_doc_free(&d);
	record_free(&r);
	schema_free(&s);
	buf_free(&out);
	buf_free(&scratch);
	buf_free(&head);
}

int
main(void)
{
	field("plain", 5, "plain");
	field("", 0, "\"\"");
	field("a,b", 3, "\"a,b\"");
	field("say \"hi\"", 8, "\"say \"\"hi\"\"\"");
	field("two\nlines", 9, "\"two\nlines\"");
	field("cr\r", 3, "\"cr\r\"");
	field(" lead", 5, "\" lead\"");
	field("trail ", 6, "\"trail \"");
	field("in side", 7, "in side");
	field("a long field with no specials at all", 36,
	    "a long field with no specials at all");
	field("a long field with a comma, late", 31,
	    "\"a long field with a comma, late\"");

	const char *r1[] = {
		"{\"a\":1,\"b\":{\"c\":\"x\",\"d\":{\"e\":true}},\"f\":[1,\"2\"],"
		"\"g\":null,\"h\":\"\",\"i\":\"q\\\"\\u00e9\"}",
	};
	rows(r1, 1, "a,b__c,b__d__e,f,h,i\n",
	    "1,x,true,\"[1,\"\"2\"\"]\",\"\",\"q\"\"\xc3\xa9\"\n");
	const char *r2[] = {
		"{\"Name\":\"a\",\"name\":\"b\"}",
		"{\"name\":\"c\"}",
	};
	rows(r2, 2, "name,name_2\n", ",c\n");
	const char *r3[] = {
		"{\"x\":null}",
		"{\"y\":1}",
		"{\"x\":2,\"y\":null}",
	};
	rows(r3, 3, "y,x\n", ",2\n");
	return tap_done();
}
