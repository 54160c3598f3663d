/*
 * jsonlout: column names are [a-z0-9_] only, so they go out unescaped;
 * string values are copied as their raw (already valid) JSON text.  As in
 * csvout, room for the worst case is reserved once per row (a value at
 * most doubles when quoted as a string) and pieces are then copied in
 * without capacity checks.
 */
#include <string.h>

#include "jsonlout.h"

static inline void
put(struct buf *b, const void *p, size_t n)
{
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

static void
put_value(struct buf *out, const struct json_tok *t, enum coltype ct)
{
	if (t->type == JSON_STRING && coltype_is_scalar(ct)) {
		put(out, t->p, t->len);		/* validated, unescaped */
	} else if (t->type == JSON_STRING) {
		out->p[out->len++] = '"';
		put(out, t->p, t->len);
		out->p[out->len++] = '"';
	} else if (ct == CT_TEXT) {
		json_put_str(out, t->p, t->len);	/* within the room */
	} else {
		put(out, t->p, t->len);
	}
}

void
jsonlout_row(struct buf *out, const struct schema *s, size_t ncols,
    const struct record *r, size_t linelen)
{
	int first = 1;

	buf_grow(out, 2 * linelen + s->namebytes + 8 * ncols + 16);
	out->p[out->len++] = '{';
	for (size_t c = 0; c < ncols; c++) {
		const struct json_tok *t = record_cell(r, c);
		if (!t)
			continue;
		if (!first)
			out->p[out->len++] = ',';
		first = 0;
		out->p[out->len++] = '"';
		put(out, s->cols[c].name, s->cols[c].namelen);
		put(out, "\":", 2);
		put_value(out, t, s->cols[c].type);
	}
	put(out, "}\n", 2);
	out->p[out->len] = '\0';
}
