/* libFuzzer harness for stage-write's record path: NDJSON lines are
 * flattened into one schema and written as CSV and JSONL rows.  Property:
 * every CSV row reads back (RFC 4180) as exactly one record with one field
 * per column, string cells round-trip byte for byte, and every JSONL row
 * is one valid JSON object. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "csvout.h"
#include "jsonlout.h"
#include "record.h"
#include "schema.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Reads one CSV field at *p; returns its decoded text in f. */
static void
read_field(const char **p, const char *e, struct buf *f)
{
	const char *s = *p;

	buf_reset(f);
	if (s < e && *s == '"') {
		for (s++;; s++) {
			if (s >= e)
				abort();	/* unterminated quote */
			if (*s == '"') {
				if (s + 1 < e && s[1] == '"') {
					buf_addc(f, '"');
					s++;
					continue;
				}
				s++;
				break;
			}
			buf_addc(f, *s);
		}
	} else {
		while (s < e && *s != ',' && *s != '\n') {
			if (*s == '"' || *s == '\r')
				abort();	/* must have been quoted */
			buf_addc(f, *s++);
		}
	}
	*p = s;
}

static void
check_row(const struct buf *row, const struct schema *s,
    const struct record *r)
{
	const char *p = row->p, *e = row->p + row->len;
	struct buf f = BUF_INIT, want = BUF_INIT;

	for (size_t c = 0; c < s->ncols; c++) {
		const struct json_tok *t = record_cell(r, c);
		read_field(&p, e, &f);
		if (t && t->type == JSON_STRING && s->cols[c].type != CT_JSON) {
			buf_reset(&want);
			json_str_decode(t, &want);
			if (f.len != want.len || (f.len &&
			    memcmp(f.p, want.p, f.len)))
				abort();
		}
		if (c + 1 < s->ncols) {
			if (p >= e || *p != ',')
				abort();
			p++;
		}
	}
	if (p + 1 != e || *p != '\n')
		abort();
	buf_free(&f);
	buf_free(&want);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *e = p + size;
	struct schema s;
	struct record r;
	struct json_doc d = { 0 }, j = { 0 };
	struct buf csv = BUF_INIT, jl = BUF_INIT, scratch = BUF_INIT;
	char *line = NULL;

	schema_init(&s, NULL);
	record_init(&r);
	while (p < e) {
		const char *nl = memchr(p, '\n', (size_t)(e - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(e - p);
		free(line);
		line = malloc(n + 1);
		memcpy(line, p, n);
		p += n + (nl != NULL);
		if (json_parse(&d, line, n) < 0 || d.tok[0].type != JSON_OBJECT ||
		    record_flatten(&r, &s, &d, NULL) < 0)
			continue;
		buf_reset(&csv);
		csvout_row(&csv, &s, s.ncols, &r, n, &scratch);
		check_row(&csv, &s, &r);
		buf_reset(&jl);
		jsonlout_row(&jl, &s, s.ncols, &r, n);
		if (jl.len < 3 || jl.p[jl.len - 1] != '\n' ||
		    json_parse(&j, jl.p, jl.len - 1) < 0 ||
		    j.tok[0].type != JSON_OBJECT)
			abort();
	}
	free(line);
	json_doc_free(&d);
	json_doc_free(&j);
	record_free(&r);
	schema_free(&s);
	buf_free(&csv);
	buf_free(&jl);
	buf_free(&scratch);
	return 0;
}
