/*
 * csvout: the row writer reserves room for the worst case once per row (a
 * field at most doubles when quoted, and cells are disjoint pieces of the
 * source line), then writes through a plain pointer: no per-field checks
 * of capacity on the hot path.
 */
#include <stdint.h>
#include <string.h>

#include "csvout.h"

#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL

static inline uint64_t
has_byte(uint64_t v, unsigned char c)
{
	v ^= c * ONES;
	return (v - ONES) & ~v & HIGHS;
}

static inline uint64_t
special_in(uint64_t v)
{
	return has_byte(v, ',') | has_byte(v, '"') | has_byte(v, '\n') |
	    has_byte(v, '\r');
}

/* has_byte flags false bytes only beside a true one, so a nonzero mask
 * always means a special byte is there.  A field starting "\." is quoted
 * because a line that is just \. ends the data for PostgreSQL's COPY FROM
 * STDIN and psql's \copy, even in CSV mode: in a one-column file the
 * unquoted value would silently truncate the load for such a reader. */
static int
needs_quotes(const unsigned char *s, size_t n)
{
	uint64_t v;
	size_t i = 0;

	if (n == 0 || s[0] == ' ' || s[n - 1] == ' ')
		return 1;
	if (n >= 2 && s[0] == '\\' && s[1] == '.')
		return 1;
	for (; i + 8 <= n; i += 8) {
		memcpy(&v, s + i, 8);
		if (special_in(v))
			return 1;
	}
	if (i == n)
		return 0;
	if (n >= 8) {		/* the tail, as the last eight bytes */
		memcpy(&v, s + n - 8, 8);
		return special_in(v) != 0;
	}
	for (; i < n; i++)
		if (s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r')
			return 1;
	return 0;
}

/* Writes field s[0..n) at w, which has room for 2n + 2; returns the end. */
static char *
put_field(char *w, const char *s, size_t n)
{
	const char *e = s + n, *q;

	if (!needs_quotes((const unsigned char *)s, n)) {
		memcpy(w, s, n);
		return w + n;
	}
	*w++ = '"';
	while ((q = memchr(s, '"', (size_t)(e - s))) != NULL) {
		memcpy(w, s, (size_t)(q - s + 1));
		w += q - s + 1;
		*w++ = '"';
		s = q + 1;
	}
	memcpy(w, s, (size_t)(e - s));
	w += e - s;
	*w++ = '"';
	return w;
}

void
csvout_field(struct buf *out, const char *s, size_t n)
{
	buf_grow(out, 2 * n + 2);
	out->len = (size_t)(put_field(out->p + out->len, s, n) - out->p);
	out->p[out->len] = '\0';
}

void
csvout_header(struct buf *out, const struct schema *s, size_t ncols)
{
	for (size_t c = 0; c < ncols; c++) {
		if (c)
			buf_addc(out, ',');
		csvout_field(out, s->cols[c].name, s->cols[c].namelen);
	}
	buf_addc(out, '\n');
}

static char *
put_cell(char *w, const struct json_tok *t, enum coltype ct,
    struct buf *scratch)
{
	if (t->type != JSON_STRING)
		return ct == CT_JSON || t->type == JSON_ARRAY ||
		    t->type == JSON_OBJECT ? put_field(w, t->p, t->len) :
		    (memcpy(w, t->p, t->len), w + t->len);
	if (ct == CT_JSON) {
		buf_reset(scratch);
		json_put_tok_str(scratch, t);
		return put_field(w, scratch->p, scratch->len);
	}
	if (t->flags & JSON_F_ESCAPED) {
		buf_reset(scratch);
		json_str_decode(t, scratch);
		return put_field(w, scratch->p, scratch->len);
	}
	return put_field(w, t->p, t->len);
}

void
csvout_row(struct buf *out, const struct schema *s, size_t ncols,
    const struct record *r, size_t linelen, struct buf *scratch)
{
	char *w;

	buf_grow(out, 2 * linelen + 8 * ncols + 16);
	w = out->p + out->len;
	for (size_t c = 0; c < ncols; c++) {
		const struct json_tok *t = record_cell(r, c);
		if (c)
			*w++ = ',';
		if (t)
			w = put_cell(w, t, s->cols[c].type, scratch);
	}
	*w++ = '\n';
	out->len = (size_t)(w - out->p);
	out->p[out->len] = '\0';
}
