/*
 * format_parquet: Parquet loader files.  The writer side is here
 * (parquet_write.h writes the bytes; this file turns each record's JSON
 * values into the columns' PLAIN values); the reader side is
 * parquet_read.h's, which stage-copy reads staged objects with.  Types, as stage-write(1) documents them:
 *
 *   bigint    INT64                  timestamp INT64 TIMESTAMP(UTC, MICROS)
 *   double    DOUBLE                 date      INT32 DATE
 *   bool      BOOLEAN                time      INT64 TIME(local, MICROS)
 *   text      BYTE_ARRAY STRING      decimal   FIXED_LEN_BYTE_ARRAY(16)
 *   json      BYTE_ARRAY JSON                  DECIMAL(38, 9)
 *   binary    BYTE_ARRAY
 *
 * A timestamp with a zone is converted to UTC, one without is taken as
 * UTC; a date in a timestamp column is its midnight.  A binary value
 * spelled \x and hex digits is those bytes, any other string its UTF-8
 * bytes.  A decimal value must fit DECIMAL(38, 9) exactly (29 digits
 * before the point, 9 after); one that does not ends stage-write with an
 * error naming the file and column, as rounding would change the data.
 * A file's column types are those when the file began: a value that
 * widens a column's type after that ends the file (fits), and the next
 * file has the wider type.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coltype.h"
#include "format.h"
#include "json.h"
#include "parquet_value.h"
#include "parquet_read.h"
#include "parquet_write.h"
#include "version.h"

#define GROUP_ROWS 122880		/* DuckDB's default row group */
#define GROUP_BYTES (32u << 20)		/* of PLAIN values */

struct pqfile {
	struct pqw *q;
	enum coltype *types;		/* as the file began */
	size_t ncols;
	const char *path;
	struct buf s;
};

static enum pq_codec
codec_of(enum compression c)
{
	switch (c) {
	case COMP_SNAPPY: return PQ_SNAPPY;
	case COMP_GZIP: return PQ_GZIP;
	case COMP_ZSTD: return PQ_ZSTD;
	default: return PQ_UNCOMPRESSED;
	}
}

static void
pq_begin(struct format_file *f)
{
	struct pqfile *p = xcalloc(1, sizeof *p);
	struct pqw_colspec *cs = xcalloc(f->ncols ? f->ncols : 1, sizeof *cs);

	p->types = xcalloc(f->ncols ? f->ncols : 1, sizeof *p->types);
	p->ncols = f->ncols;
	p->path = f->path;
	for (size_t c = 0; c < f->ncols; c++) {
		const struct schema_col *col = &f->sch->cols[c];
		p->types[c] = col->type;
		cs[c] = (struct pqw_colspec){ col->name, col->type, col->pk };
	}
	p->q = pqw_new(cs, f->ncols, codec_of(f->comp),
	    f->group_rows ? f->group_rows : GROUP_ROWS,
	    f->group_bytes ? f->group_bytes : GROUP_BYTES, f->out,
	    "stage version " STAGE_VERSION);
	free(cs);
	f->state = p;
}

static int
pq_fits(const struct format_file *f, const struct record *r)
{
	const struct pqfile *p = f->state;

	for (size_t c = 0; c < p->ncols; c++)
		if (f->sch->cols[c].type != p->types[c] && record_cell(r, c))
			return 0;
	return 1;
}

static _Noreturn void
bad_value(const struct pqfile *p, size_t c, const struct json_tok *t,
    const char *why)
{
	die(EXIT_FAIL, "%s: column %s: %.*s%s: %s", p->path ? p->path : "?",
	    pqw_colname(p->q, c), t->len > 60 ? 60 : (int)t->len, t->p,
	    t->len > 60 ? "..." : "", why);
}

/* A number's text, from a number token or a string spelling one (a
 * pinned numeric column takes both). */
static int
int_value(const struct json_tok *t, int64_t *v)
{
	struct json_tok n = *t;

	if (t->type == JSON_STRING)
		n.type = JSON_NUMBER;
	return json_int64(&n, v);
}


static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* A string's bytes into s: \x and hex digits decoded for binary. */
static void
bytes_value(struct buf *s, const struct json_tok *t, enum coltype ct)
{
	buf_reset(s);
	if (t->type != JSON_STRING) {
		buf_add(s, t->p, t->len);	/* a number, true, [..], {..} */
		return;
	}
	if (ct == CT_JSON) {
		json_put_tok_str(s, t);
		return;
	}
	if (t->flags & JSON_F_ESCAPED)
		json_str_decode(t, s);
	else
		buf_add(s, t->p, t->len);
	if (ct == CT_BINARY && s->len >= 2 && s->len % 2 == 0 &&
	    s->p[0] == '\\' && s->p[1] == 'x') {
		size_t n = 0, i;
		for (i = 2; i < s->len; i += 2) {
			int h = hexval(s->p[i]), l = hexval(s->p[i + 1]);
			if (h < 0 || l < 0)
				return;
			s->p[n++] = (char)(h << 4 | l);
		}
		s->len = n;
	}
}

static void
put_cell(struct pqfile *p, size_t c, const struct json_tok *t)
{
	enum coltype ct = p->types[c];
	unsigned char dec[16];
	int64_t v;
	int32_t d32;
	double d;
	unsigned char b;

	switch (ct) {
	case CT_BIGINT:
		if (int_value(t, &v) < 0)
			bad_value(p, c, t, "not a 64-bit integer");
		pqw_put(p->q, c, &v, 8);
		return;
	case CT_DOUBLE:
		if (pqv_double(t->p, t->len, &d) < 0)
			bad_value(p, c, t, "not a number");
		pqw_put(p->q, c, &d, 8);
		return;
	case CT_BOOL:
		b = t->type == JSON_TRUE || (t->type == JSON_STRING &&
		    t->len == 4 && memcmp(t->p, "true", 4) == 0);
		pqw_put(p->q, c, &b, 1);
		return;
	case CT_TIMESTAMP:
	case CT_TIME:
	case CT_DATE:
		if (t->type != JSON_STRING || pqv_time(ct, t->p, t->len, &v) < 0)
			bad_value(p, c, t, "not a date or time of the "
			    "column's type");
		if (ct == CT_DATE) {
			d32 = (int32_t)v;
			pqw_put(p->q, c, &d32, 4);
		} else {
			pqw_put(p->q, c, &v, 8);
		}
		return;
	case CT_DECIMAL:
		if (pqv_decimal(t->p, t->len, dec) < 0)
			bad_value(p, c, t, "does not fit the Parquet decimal "
			    "(38, 9): at most 29 digits before the point and 9 "
			    "after; pin the column to double or text "
			    "(--column NAME:double)");
		pqw_put(p->q, c, dec, 16);
		return;
	default:
		if (t->type != JSON_STRING ||
		    (ct == CT_TEXT && !(t->flags & JSON_F_ESCAPED))) {
			/* the token's bytes as they are: no copy */
			pqw_put(p->q, c, t->p, t->len);
			return;
		}
		bytes_value(&p->s, t, ct);
		pqw_put(p->q, c, p->s.p ? p->s.p : "", p->s.len);
	}
}

static void
pq_row(struct format_file *f, const struct record *r, size_t linelen)
{
	struct pqfile *p = f->state;

	(void)linelen;
	for (size_t c = 0; c < p->ncols; c++) {
		const struct json_tok *t = record_cell(r, c);
		if (t && t->type != JSON_NULL)
			put_cell(p, c, t);
		else
			pqw_null(p->q, c);
	}
	pqw_row(p->q);
	f->held = pqw_held(p->q);
}

static void
pq_free(struct format_file *f)
{
	struct pqfile *p = f->state;

	if (!p)
		return;
	pqw_free(p->q);
	free(p->types);
	buf_free(&p->s);
	free(p);
	f->state = NULL;
}

static int
pq_end(struct format_file *f)
{
	struct pqfile *p = f->state;

	pqw_finish(p->q);
	f->held = 0;
	pq_free(f);
	return 0;
}

const struct format_ops format_parquet_ops = {
	.id = FMT_PARQUET,
	.name = "parquet",
	.ext = "parquet",
	.self_compressing = 1,
	.begin = pq_begin,
	.row = pq_row,
	.fits = pq_fits,
	.end = pq_end,
	.discard = pq_free,
	.read = parquet_read,
	.typed_rows = 1,
};
