/*
 * parquet_read: footer, column mapping, then row groups in order, each
 * read in one ranged request and turned into CSV row by row across its
 * column cursors (parquet_chunk.h).  Contract in parquet_read.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dest.h"
#include "parquet_chunk.h"
#include "parquet_meta.h"
#include "parquet_read.h"
#include "parquet_text.h"
#include "parquet_typed.h"

#define TAIL (64 * 1024)
#define CHUNK (256 * 1024)
/* A row group up to READ_MAX is read in one request; a larger one column
 * by column as it is decoded, READ_SEG at a time: memory is then one
 * segment per column, and rows leave while the rest is read. */
#define READ_MAX (16u << 20)
#define READ_SEG (1u << 20)

struct pqr {
	struct format_read *r;
	struct buf tail, footer, rg, out, tmp;
	struct pq_meta meta;
	uint64_t data_end;	/* where the footer starts */
	size_t *leaf;		/* manifest column -> leaf (chunk) index */
	struct pq_out *outs;
	struct pq_col *cols;
	struct fval *fv;	/* typed rows (r->row): one row's values */
	struct buf *txt;	/* and their text forms, one per column */
	int64_t row;		/* rows written */
};

static int
err(struct pqr *q, const char *fmt, ...) PRINTF_LIKE(2, 3);

static int
err(struct pqr *q, const char *fmt, ...)
{
	va_list ap;

	if (q->r->err[0])
		return -1;
	va_start(ap, fmt);
	vsnprintf(q->r->err, sizeof q->r->err, fmt, ap);
	va_end(ap);
	return -1;
}

struct grab {
	struct buf *b;
	uint64_t want;
};

static int
grab(void *ctx, const void *p, size_t n)
{
	struct grab *g = ctx;

	if (g->b->len + n > g->want)
		return -1;
	buf_add(g->b, p, n);
	return 0;
}

/* Bytes [off, off + len) of the object into b. */
static int
fetch(struct pqr *q, uint64_t off, uint64_t len, struct buf *b)
{
	struct buf e = BUF_INIT;
	struct grab g = { b, len };
	int r;

	buf_reset(b);
	buf_grow(b, (size_t)len + 1);
	r = q->r->range(q->r->range_ctx, off, len, grab, &g, &e);
	if (r < 0 || b->len != len) {
		if (r < 0 && e.len)
			err(q, "reading bytes %llu-%llu: %s",
			    (unsigned long long)off,
			    (unsigned long long)(off + len), e.p);
		else
			err(q, "truncated: bytes %llu-%llu of the manifest's "
			    "%llu are not all there (%zu read)",
			    (unsigned long long)off,
			    (unsigned long long)(off + len),
			    (unsigned long long)q->r->size, b->len);
	}
	buf_free(&e);
	return q->r->err[0] ? -1 : 0;
}

static uint32_t
le32(const void *vp)
{
	const uint8_t *p = vp;

	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

/* The footer's bytes (into q->tail or q->footer): *p, *n. */
static int
read_footer(struct pqr *q, const uint8_t **p, size_t *n)
{
	uint64_t size = q->r->size, tl = size < TAIL ? size : TAIL;
	const char *end;
	uint32_t flen;

	if (size < 12)
		return err(q, "not a Parquet file: %llu bytes",
		    (unsigned long long)size);
	if (fetch(q, size - tl, tl, &q->tail) < 0)
		return -1;
	end = q->tail.p + tl;
	if (memcmp(end - 4, "PARE", 4) == 0)
		return err(q, "an encrypted Parquet file: not supported");
	if (memcmp(end - 4, "PAR1", 4) != 0 ||
	    (tl == size && memcmp(q->tail.p, "PAR1", 4) != 0))
		return err(q, "not a Parquet file (no PAR1 magic)");
	flen = le32(end - 8);
	if ((uint64_t)flen + 12 > size)
		return err(q, "the footer's length %u does not fit the "
		    "file's %llu bytes", flen, (unsigned long long)size);
	q->data_end = size - 8 - flen;
	if ((uint64_t)flen + 8 <= tl) {
		*p = (const uint8_t *)end - 8 - flen;
	} else {
		if (fetch(q, q->data_end, flen, &q->footer) < 0)
			return -1;
		*p = (const uint8_t *)q->footer.p;
	}
	*n = flen;
	return 0;
}

static int
name_is(const uint8_t *p, size_t n, const char *s)
{
	return strlen(s) == n && (n == 0 || memcmp(p, s, n) == 0);
}

/* Every leaf is a top-level column of a type (a flat file). */
static int
check_flat(struct pqr *q)
{
	const struct pq_meta *m = &q->meta;

	for (uint32_t i = 1; i < m->nschema; i++) {
		const struct pq_schema *s = &m->schema[i];
		if (s->num_children > 0 || !s->has_type)
			return err(q, "column \"%.*s\" is a group: only flat "
			    "tables are read", (int)s->namelen, s->name);
		if (s->repetition == 2)
			return err(q, "column \"%.*s\" is repeated: only flat "
			    "tables are read", (int)s->namelen, s->name);
	}
	if (m->nschema < 1 || m->schema[0].num_children !=
	    (int32_t)(m->nschema - 1))
		return err(q, "the schema's root does not hold its %u columns",
		    m->nschema ? m->nschema - 1 : 0);
	return 0;
}

static int
find_leaf(struct pqr *q, const char *name, size_t *leaf)
{
	const struct pq_meta *m = &q->meta;

	for (uint32_t i = 1; i < m->nschema; i++)
		if (name_is(m->schema[i].name, m->schema[i].namelen, name)) {
			*leaf = i - 1;
			return 0;
		}
	return -1;
}

/* Manifest columns to leaves, and how each prints. */
static int
map_columns(struct pqr *q)
{
	const struct dtable *t = q->r->t;
	const struct pq_meta *m = &q->meta;
	char why[120];

	if (check_flat(q) < 0)
		return -1;
	q->leaf = xcalloc(t->ncols + 1, sizeof *q->leaf);
	q->outs = xcalloc(t->ncols + 1, sizeof *q->outs);
	for (size_t i = 0; i < t->ncols; i++) {
		const char *name = t->cols[i].name;
		const struct pq_schema *s;
		if (find_leaf(q, name, &q->leaf[i]) < 0)
			return err(q, "column \"%s\" of the manifest is not in "
			    "the file", name);
		s = &m->schema[q->leaf[i] + 1];
		if (pq_text_kind(s, t->cols[i].type, &q->outs[i], why,
		    sizeof why) < 0)
			return err(q, "column \"%s\": %s", name, why);
	}
	for (uint32_t i = 1; i < m->nschema; i++) {
		size_t k;
		for (k = 0; k < t->ncols; k++)
			if (q->leaf[k] == i - 1)
				break;
		if (k == t->ncols)
			return err(q, "the file has column \"%.*s\", which the "
			    "manifest does not list",
			    (int)m->schema[i].namelen, m->schema[i].name);
	}
	return 0;
}

static const char *
codec_name(int c)
{
	static const char *const n[] = { "none", "snappy", "gzip", "lzo",
	    "brotli", "lz4", "zstd", "lz4_raw" };

	return c >= 0 && c < 8 ? n[c] : "unknown";
}

/* Where chunk c's pages start and end, checked against the file. */
static int
chunk_span(struct pqr *q, uint32_t g, size_t i, uint64_t *lo, uint64_t *hi)
{
	const struct pq_chunk *c = &q->meta.rg[g].cols[q->leaf[i]];
	const struct pq_schema *s = &q->meta.schema[q->leaf[i] + 1];
	const char *name = q->r->t->cols[i].name;
	int64_t start;

	if (!c->has_meta || c->has_path)
		return err(q, "row group %u, column \"%s\": %s", g + 1, name,
		    c->has_path ? "its data is in another file" :
		    "no column metadata");
	if (c->type != s->type || c->path_depth != 1 ||
	    !name_is(c->path, c->pathlen, name))
		return err(q, "row group %u, column \"%s\": the column chunk "
		    "does not match the schema", g + 1, name);
	if (c->codec != PQC_NONE && c->codec != PQC_SNAPPY &&
	    c->codec != PQC_GZIP && c->codec != PQC_ZSTD)
		return err(q, "row group %u, column \"%s\": compression codec "
		    "%s is not supported (none, snappy, gzip, zstd are)", g + 1,
		    name,
		    codec_name(c->codec));
	start = c->dict_off > 0 && c->dict_off < c->data_off ? c->dict_off :
	    c->data_off;
	if (start < 4 || c->total_compressed <= 0 ||
	    c->num_values != q->meta.rg[g].num_rows ||
	    (uint64_t)c->total_compressed > q->data_end - (uint64_t)start ||
	    (uint64_t)start > q->data_end)
		return err(q, "row group %u, column \"%s\": the footer's "
		    "offsets or counts do not fit the file", g + 1, name);
	*lo = (uint64_t)start;
	*hi = (uint64_t)start + (uint64_t)c->total_compressed;
	return 0;
}

static void
cols_free(struct pqr *q)
{
	for (size_t i = 0; q->cols && i < q->r->t->ncols; i++)
		pq_col_free(&q->cols[i]);
	free(q->cols);
	q->cols = NULL;
}

static int
flush(struct pqr *q)
{
	if (q->out.len && q->r->sink(q->r->ctx, q->out.p, q->out.len) < 0)
		return -1;
	buf_reset(&q->out);
	return 0;
}

/* A column cursor's read of the file (pq_col's fill): appended. */
static int
fill(void *ctx, uint64_t off, uint64_t len, struct buf *into)
{
	struct pqr *q = ctx;

	if (fetch(q, off, len, &q->tmp) < 0)
		return -1;
	buf_add(into, q->tmp.p, q->tmp.len);
	return 0;
}

/* Cursors over the row group's chunks: in q->rg, which starts at lo,
 * or (lo UINT64_MAX) each read as it goes. */
static int
cols_open(struct pqr *q, uint32_t g, uint64_t lo)
{
	const struct dtable *t = q->r->t;

	q->cols = xcalloc(t->ncols + 1, sizeof *q->cols);
	for (size_t i = 0; i < t->ncols; i++) {
		const struct pq_chunk *c = &q->meta.rg[g].cols[q->leaf[i]];
		const struct pq_schema *s = &q->meta.schema[q->leaf[i] + 1];
		struct pq_col *k = &q->cols[i];
		uint64_t a, b;
		if (chunk_span(q, g, i, &a, &b) < 0)
			return -1;
		k->type = s->type;
		k->type_length = s->type_length;
		k->optional = s->repetition == 1;
		k->codec = c->codec;
		if (lo == UINT64_MAX) {
			k->fill = fill;
			k->fill_ctx = q;
			k->flen = b - a;
			k->seg = q->r->read_seg ? (size_t)q->r->read_seg :
			    READ_SEG;
		} else {
			k->p = (const uint8_t *)q->rg.p + (a - lo);
			k->end = k->p + (b - a);
		}
		k->base = a;
		k->num_values = c->num_values;
	}
	return 0;
}

static int
one_row(struct pqr *q, uint32_t g)
{
	const struct dtable *t = q->r->t;
	struct pq_val v;
	char why[120];
	int null;

	for (size_t i = 0; i < t->ncols; i++) {
		if (i)
			buf_addc(&q->out, ',');
		if (pq_col_next(&q->cols[i], &v, &null) < 0)
			return err(q, "row group %u, column \"%s\": %s", g + 1,
			    t->cols[i].name, q->cols[i].err);
		if (!null && pq_text_put(&q->out, &q->outs[i], &v, why,
		    sizeof why) < 0)
			return err(q, "row %lld, column \"%s\": %s",
			    (long long)q->row + 1, t->cols[i].name, why);
	}
	buf_addc(&q->out, '\n');
	q->row++;
	return 0;
}

/* One row handed over typed (r->row) instead of as CSV. */
static int
typed_row(struct pqr *q, uint32_t g)
{
	const struct dtable *t = q->r->t;
	struct pq_val v;
	char why[120];
	int null;

	for (size_t i = 0; i < t->ncols; i++) {
		if (pq_col_next(&q->cols[i], &v, &null) < 0)
			return err(q, "row group %u, column \"%s\": %s", g + 1,
			    t->cols[i].name, q->cols[i].err);
		if (pq_typed(&q->fv[i], &q->outs[i], t->cols[i].type, &v,
		    null, &q->txt[i], why, sizeof why) < 0)
			return err(q, "row %lld, column \"%s\": %s",
			    (long long)q->row + 1, t->cols[i].name, why);
	}
	q->row++;
	return q->r->row(q->r->row_ctx, q->fv, t->ncols);
}

static int
row_group(struct pqr *q, uint32_t g)
{
	const struct dtable *t = q->r->t;
	int64_t n = q->meta.rg[g].num_rows;
	uint64_t lo = UINT64_MAX, hi = 0, a, b;
	int r = -1;

	if (n == 0)
		return 0;
	for (size_t i = 0; i < t->ncols; i++) {
		if (chunk_span(q, g, i, &a, &b) < 0)
			return -1;
		lo = a < lo ? a : lo;
		hi = b > hi ? b : hi;
	}
	if (t->ncols == 0)
		goto out;
	if (hi - lo > (q->r->read_max ? q->r->read_max : READ_MAX)) {
		buf_free(&q->rg);
		lo = UINT64_MAX;
	} else if (fetch(q, lo, hi - lo, &q->rg) < 0) {
		goto out;
	}
	if (cols_open(q, g, lo) < 0)
		goto out;
	for (int64_t k = 0; k < n; k++) {
		if ((q->r->row ? typed_row(q, g) : one_row(q, g)) < 0)
			goto out;
		if (q->out.len >= CHUNK && flush(q) < 0)
			goto out;
	}
	for (size_t i = 0; i < t->ncols; i++)
		if (pq_col_end(&q->cols[i]) < 0) {
			err(q, "row group %u, column \"%s\": %s", g + 1,
			    t->cols[i].name, q->cols[i].err);
			goto out;
		}
	r = 0;
out:
	cols_free(q);
	return r;
}

static int
check_rows(struct pqr *q)
{
	int64_t sum = 0;

	for (uint32_t g = 0; g < q->meta.nrg; g++) {
		if (q->meta.rg[g].num_rows < 0 ||
		    q->meta.rg[g].num_rows > INT64_MAX - sum)
			return err(q, "row group %u: %lld rows", g + 1,
			    (long long)q->meta.rg[g].num_rows);
		sum += q->meta.rg[g].num_rows;
		if (q->meta.rg[g].ncols != q->meta.nschema - 1)
			return err(q, "row group %u has %u column chunks for "
			    "%u columns", g + 1, q->meta.rg[g].ncols,
			    q->meta.nschema - 1);
	}
	if (sum != q->meta.num_rows)
		return err(q, "the row groups hold %lld rows, the footer says "
		    "%lld", (long long)sum, (long long)q->meta.num_rows);
	return 0;
}

static void
header(struct pqr *q)
{
	const struct dtable *t = q->r->t;

	for (size_t i = 0; i < t->ncols; i++) {
		if (i)
			buf_addc(&q->out, ',');
		pq_text_quoted(&q->out, t->cols[i].name,
		    strlen(t->cols[i].name));
	}
	buf_addc(&q->out, '\n');
}

int
parquet_read(struct format_read *r)
{
	struct pqr q;
	const uint8_t *fp = NULL;
	const char *why;
	size_t fn = 0;
	int rc = -1;

	memset(&q, 0, sizeof q);
	q.r = r;
	r->err[0] = '\0';
	if (read_footer(&q, &fp, &fn) < 0)
		goto out;
	if (pq_meta_parse(&q.meta, fp, fn, &why) < 0) {
		err(&q, "corrupt footer: %s", why);
		goto out;
	}
	if (map_columns(&q) < 0 || check_rows(&q) < 0)
		goto out;
	if (r->row) {
		q.fv = xcalloc(r->t->ncols + 1, sizeof *q.fv);
		q.txt = xcalloc(r->t->ncols + 1, sizeof *q.txt);
	} else {
		header(&q);
	}
	for (uint32_t g = 0; g < q.meta.nrg; g++)
		if (row_group(&q, g) < 0)
			goto out;
	if (flush(&q) < 0)
		goto out;
	rc = 0;
out:
	pq_meta_free(&q.meta);
	free(q.leaf);
	free(q.outs);
	for (size_t i = 0; q.txt && i < r->t->ncols; i++)
		buf_free(&q.txt[i]);
	free(q.txt);
	free(q.fv);
	buf_free(&q.tail);
	buf_free(&q.footer);
	buf_free(&q.rg);
	buf_free(&q.out);
	buf_free(&q.tmp);
	return rc;
}
