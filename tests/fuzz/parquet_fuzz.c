/* libFuzzer harness for the Parquet reader (parquet_read.h): any bytes,
 * read as a staged object through the ranged read, are either refused
 * with a message or give exactly the footer's rows of CSV (a header and
 * num_rows rows), never a read out of bounds, a crash or a leak.  The
 * manifest's columns are the file's own leaves, each given the first
 * type of a list that its Parquet type holds, the list rotated by the
 * input's size, so that every printer runs.  The same bytes are then read
 * as typed rows (r->row): the same outcome, the same number of rows,
 * each value of a kind its column's type allows, its text readable.
 * Inputs of odd size have their row groups read column by column in
 * small windows (read_max, read_seg) instead of at once.
 * Build with tests/fuzz/build; seeds (pyarrow and DuckDB files) in
 * tests/fuzz/corpus/parquet. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dest.h"
#include "format.h"
#include "parquet_meta.h"
#include "parquet_read.h"
#include "parquet_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct obj {
	const uint8_t *p;
	size_t n;
};

static int
range(void *ctx, uint64_t off, uint64_t len, zsink sink, void *sink_ctx,
    struct buf *err)
{
	struct obj *o = ctx;

	if (off >= o->n) {
		buf_adds(err, "past the end");
		return -1;
	}
	if (len > o->n - off)
		len = o->n - off;
	return sink(sink_ctx, o->p + off, (size_t)len);
}

struct rows {
	uint64_t n;
	int in_quote;
};

static int
count(void *ctx, const void *vp, size_t n)
{
	struct rows *r = ctx;
	const char *p = vp;

	for (size_t i = 0; i < n; i++) {
		if (p[i] == '"')
			r->in_quote = !r->in_quote;
		else if (p[i] == '\n' && !r->in_quote)
			r->n++;
	}
	return 0;
}

struct typed {
	const struct dtable *t;
	uint64_t n;
	unsigned sum;
};

static int
kind_ok(enum fval_kind k, enum coltype t)
{
	return k == FV_NULL || k == FV_TEXT ||
	    (k == FV_INT && t == CT_BIGINT) ||
	    (k == FV_DOUBLE && t == CT_DOUBLE) ||
	    (k == FV_BOOL && t == CT_BOOL) ||
	    (k == FV_TS && t == CT_TIMESTAMP);
}

static int
typed_row(void *ctx, const struct fval *v, size_t n)
{
	struct typed *y = ctx;

	if (n != y->t->ncols)
		abort();
	for (size_t i = 0; i < n; i++) {
		if (!kind_ok(v[i].kind, y->t->cols[i].type))
			abort();
		if (v[i].kind == FV_BOOL && (v[i].i & ~(int64_t)1))
			abort();
		for (size_t k = 0; v[i].kind == FV_TEXT && k < v[i].n; k++)
			y->sum += (unsigned char)v[i].p[k];
	}
	y->n++;
	return 0;
}

/* The file's leaves as manifest columns; 0 when the footer is unread. */
static size_t
columns(const uint8_t *d, size_t n, struct dtable *t, int64_t *rows)
{
	static const enum coltype pick[] = { CT_TIMESTAMP, CT_DATE, CT_TIME,
	    CT_BOOL, CT_BIGINT, CT_DOUBLE, CT_DECIMAL, CT_BINARY, CT_TEXT };
	enum { NPICK = sizeof pick / sizeof pick[0] };
	struct pq_meta m;
	const char *why;
	uint32_t flen;

	memset(t, 0, sizeof *t);
	memset(&m, 0, sizeof m);
	if (n < 12)
		return 0;
	flen = (uint32_t)d[n - 8] | (uint32_t)d[n - 7] << 8 |
	    (uint32_t)d[n - 6] << 16 | (uint32_t)d[n - 5] << 24;
	if ((uint64_t)flen + 8 > n ||
	    pq_meta_parse(&m, d + n - 8 - flen, flen, &why) < 0) {
		pq_meta_free(&m);
		return 0;
	}
	*rows = m.num_rows;
	t->cols = calloc(m.nschema + 1, sizeof *t->cols);
	for (uint32_t i = 1; i < m.nschema; i++) {
		struct dcol *c = &t->cols[t->ncols++];
		struct pq_out o;
		char w[120];
		c->name = strndup(m.schema[i].name ?
		    (const char *)m.schema[i].name : "", m.schema[i].namelen);
		c->type = CT_TEXT;
		for (size_t k = 0; k < NPICK; k++) {
			enum coltype ct = pick[(k + n) % NPICK];
			if (pq_text_kind(&m.schema[i], ct, &o, w,
			    sizeof w) == 0) {
				c->type = ct;
				break;
			}
		}
	}
	pq_meta_free(&m);
	return t->ncols;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct obj o = { data, size };
	struct rows rows = { 0, 0 };
	struct format_read r;
	struct dtable t;
	int64_t want = -1;
	int rc;

	columns(data, size, &t, &want);
	memset(&r, 0, sizeof r);
	r.t = &t;
	r.object = "fuzz.parquet";
	r.sink = count;
	r.ctx = &rows;
	r.size = size;
	r.range = range;
	r.range_ctx = &o;
	if (size % 2) {		/* every row group read as it goes */
		r.read_max = 1;
		r.read_seg = 1 + size % 97;
	}
	rc = parquet_read(&r);
	if (rc < 0 && !r.err[0])
		abort();	/* our sink never fails: a message is owed */
	if (rc == 0 && (int64_t)rows.n != want + 1)
		abort();	/* the rows the footer promises, and a header */
	{
		struct typed y = { &t, 0, 0 };
		int trc;
		r.row = typed_row;
		r.row_ctx = &y;
		r.err[0] = '\0';
		trc = parquet_read(&r);
		if (trc != rc || (trc < 0 && !r.err[0]))
			abort();	/* typed or not, one outcome */
		if (trc == 0 && (int64_t)y.n != want)
			abort();
	}
	for (size_t i = 0; i < t.ncols; i++)
		free(t.cols[i].name);
	free(t.cols);
	return 0;
}
