/*
 * jsonlout: column names are [a-z0-9_] only, so they go out unescaped;
 * string values are copied as their raw (already valid) JSON text.
 */
#include "jsonlout.h"

static void
put_value(struct buf *out, const struct json_tok *t, enum coltype ct)
{
	if (t->type == JSON_STRING && coltype_is_scalar(ct))
		buf_add(out, t->p, t->len);	/* validated, unescaped */
	else if (t->type != JSON_STRING && ct == CT_TEXT)
		json_put_str(out, t->p, t->len);
	else
		json_put_raw(out, t);
}

void
jsonlout_row(struct buf *out, const struct schema *s, size_t ncols,
    const struct record *r)
{
	int first = 1;

	buf_addc(out, '{');
	for (size_t c = 0; c < ncols; c++) {
		const struct json_tok *t = record_cell(r, c);
		if (!t)
			continue;
		if (!first)
			buf_addc(out, ',');
		first = 0;
		buf_addc(out, '"');
		buf_add(out, s->cols[c].name, s->cols[c].namelen);
		buf_add(out, "\":", 2);
		put_value(out, t, s->cols[c].type);
	}
	buf_add(out, "}\n", 2);
}
