/* libFuzzer harness for the JSON reader and writer.  Property: any input
 * either fails to parse (with an error offset inside it) or parses to a
 * tape that, written back out canonically (strings decoded and re-encoded
 * by json_put_str), parses again to the same canonical text. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Canonical text of the subtree at token i; returns the next token. */
static uint32_t
canon(const struct json_doc *d, uint32_t i, struct buf *out, struct buf *tmp)
{
	const struct json_tok *t = &d->tok[i];
	uint32_t j, end = t->end;
	int first = 1;

	switch (t->type) {
	case JSON_STRING:
		buf_reset(tmp);
		json_str_decode(t, tmp);
		if (!utf8_valid(tmp->p ? tmp->p : "", tmp->len))
			abort();
		json_put_str(out, tmp->p ? tmp->p : "", tmp->len);
		return i + 1;
	case JSON_ARRAY:
	case JSON_OBJECT:
		buf_addc(out, t->type == JSON_ARRAY ? '[' : '{');
		for (j = i + 1; j < end;) {
			if (!first)
				buf_addc(out, ',');
			first = 0;
			if (t->type == JSON_OBJECT) {
				j = canon(d, j, out, tmp);
				buf_addc(out, ':');
			}
			j = canon(d, j, out, tmp);
		}
		buf_addc(out, t->type == JSON_ARRAY ? ']' : '}');
		return end;
	default:
		buf_add(out, t->p, t->len);
		return i + 1;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_doc d = { 0 };
	struct buf a = BUF_INIT, b = BUF_INIT, tmp = BUF_INIT;
	char *copy = malloc(size + 1);

	/* The parser must not read past n: give it an exact-size copy. */
	memcpy(copy, data, size);
	if (json_parse(&d, copy, size) < 0) {
		if (d.err_off > size || !d.err[0])
			abort();
		goto out;
	}
	canon(&d, 0, &a, &tmp);
	if (json_parse(&d, a.p, a.len) < 0)
		abort();
	canon(&d, 0, &b, &tmp);
	if (a.len != b.len || memcmp(a.p, b.p, a.len) != 0)
		abort();
	/* The lossy writer must always produce valid JSON. */
	buf_reset(&b);
	json_put_str_lossy(&b, copy, size);
	if (json_parse(&d, b.p, b.len) < 0)
		abort();
out:
	json_doc_free(&d);
	buf_free(&a);
	buf_free(&b);
	buf_free(&tmp);
	free(copy);
	return 0;
}
