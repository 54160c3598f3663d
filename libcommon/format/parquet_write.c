/*
 * parquet_write: row groups, pages, codecs and the footer of a Parquet
 * file (parquet_write.h).  The structures and field ids are those of
 * parquet-format's parquet.thrift.  Values are buffered PLAIN in the
 * file's byte order, little-endian, so a big-endian host is refused at
 * build time rather than writing wrong files.
 */
#include <stdlib.h>
#include <string.h>

#include <zlib.h>
#include <zstd.h>

#include "log.h"
#include "parquet_write.h"
#include "rle_write.h"
#include "snappy.h"
#include "thrift_write.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "parquet_write buffers values in host order: little-endian only"
#endif

enum { PAGE_DATA = 0, PAGE_DICT = 2 };
enum { ENC_PLAIN = 0, ENC_RLE = 3, ENC_RLE_DICT = 8 };
enum { ZSTD_LEVEL = 3, GZIP_LEVEL = 6 };

struct pqw {
	struct pqcol *cols;
	size_t ncols;
	enum pq_codec codec;
	uint64_t group_rows, group_bytes;
	struct buf *out;
	uint64_t pos;		/* file offset of out's end */
	size_t rows;		/* in the current group */
	uint64_t held;
	uint64_t total_rows;
	size_t ngroups;
	struct tw gw;		/* RowGroup structs, into groups */
	struct buf groups;
	struct buf body, comp, hdr, min, max;
	uint32_t *lv;		/* levels of one page */
	size_t lvcap;
	ZSTD_CCtx *zc;
	char *created_by;
};

static void
emit(struct pqw *q, const void *p, size_t n)
{
	buf_add(q->out, p, n);
	q->pos += n;
}

struct pqw *
pqw_new(const struct pqw_colspec *cols, size_t ncols, enum pq_codec codec,
    uint64_t group_rows, uint64_t group_bytes, struct buf *out,
    const char *created_by)
{
	struct pqw *q = xcalloc(1, sizeof *q);

	q->cols = xcalloc(ncols ? ncols : 1, sizeof *q->cols);
	q->ncols = ncols;
	for (size_t i = 0; i < ncols; i++)
		pqcol_init(&q->cols[i], &cols[i]);
	q->codec = codec;
	q->group_rows = group_rows;
	q->group_bytes = group_bytes;
	q->out = out;
	q->created_by = xstrdup(created_by);
	tw_init(&q->gw, &q->groups);
	emit(q, "PAR1", 4);
	return q;
}

void
pqw_put(struct pqw *q, size_t c, const void *p, size_t n)
{
	pqcol_add(&q->cols[c], q->rows, p, n);
	q->held += n + 4;
}

void
pqw_null(struct pqw *q, size_t c)
{
	pqcol_row(&q->cols[c], q->rows);
	q->cols[c].nulls++;
}

const char *
pqw_colname(const struct pqw *q, size_t c)
{
	return q->cols[c].name;
}

uint64_t
pqw_held(const struct pqw *q)
{
	return q->held;
}

/* body compressed with the file's codec, in q->comp, or body itself. */
static const struct buf *
page_compress(struct pqw *q, const struct buf *body)
{
	size_t cap;

	buf_reset(&q->comp);
	switch (q->codec) {
	case PQ_SNAPPY:
		buf_grow(&q->comp, snappy_max_compressed_length(body->len));
		q->comp.len = snappy_compress(body->p, body->len, q->comp.p);
		return &q->comp;
	case PQ_ZSTD:
		cap = ZSTD_compressBound(body->len);
		buf_grow(&q->comp, cap);
		if (!q->zc && !(q->zc = ZSTD_createCCtx()))
			die(EXIT_FAIL, "out of memory");
		q->comp.len = ZSTD_compressCCtx(q->zc, q->comp.p, cap,
		    body->p, body->len, ZSTD_LEVEL);
		if (ZSTD_isError(q->comp.len))
			die(EXIT_FAIL, "zstd: %s",
			    ZSTD_getErrorName(q->comp.len));
		return &q->comp;
	case PQ_GZIP: {
		z_stream zs;
		memset(&zs, 0, sizeof zs);
		if (deflateInit2(&zs, GZIP_LEVEL, Z_DEFLATED, 15 + 16, 8,
		    Z_DEFAULT_STRATEGY) != Z_OK)
			die(EXIT_FAIL, "out of memory");
		cap = deflateBound(&zs, body->len) + 32;
		buf_grow(&q->comp, cap);
		zs.next_in = (Bytef *)body->p;
		zs.avail_in = (uInt)body->len;
		zs.next_out = (Bytef *)q->comp.p;
		zs.avail_out = (uInt)cap;
		if (deflate(&zs, Z_FINISH) != Z_STREAM_END)
			die(EXIT_FAIL, "gzip: deflate failed");
		q->comp.len = zs.total_out;
		deflateEnd(&zs);
		return &q->comp;
	}
	default:
		return body;
	}
}

/* One page: its header (PageHeader), then its body compressed. */
static void
page(struct pqw *q, int type, int32_t nvals, int enc, uint64_t *usize,
    uint64_t *csize)
{
	const struct buf *c = page_compress(q, &q->body);
	struct tw w;

	if (q->body.len > INT32_MAX || c->len > INT32_MAX)
		die(EXIT_FAIL, "a Parquet page over 2 GiB");
	buf_reset(&q->hdr);
	tw_init(&w, &q->hdr);
	tw_i32(&w, 1, type);
	tw_i32(&w, 2, (int32_t)q->body.len);
	tw_i32(&w, 3, (int32_t)c->len);
	tw_struct(&w, type == PAGE_DATA ? 5 : 7);
	tw_i32(&w, 1, nvals);
	tw_i32(&w, 2, enc);
	if (type == PAGE_DATA) {
		tw_i32(&w, 3, ENC_RLE);
		tw_i32(&w, 4, ENC_RLE);
	}
	tw_end(&w);
	tw_end(&w);
	emit(q, q->hdr.p, q->hdr.len);
	emit(q, c->p, c->len);
	*usize += q->hdr.len + q->body.len;
	*csize += q->hdr.len + c->len;
}

static int
defined(const struct pqcol *c, size_t row)
{
	return c->required || (c->def[row / 8] >> (row % 8) & 1);
}

/* The definition levels of rows [r, r + n), with their 4-byte length. */
static size_t
put_levels(struct pqw *q, const struct pqcol *c, size_t r, size_t n)
{
	size_t k = 0, at;
	uint32_t len;

	if (n > q->lvcap) {
		q->lvcap = n;
		q->lv = xrealloc(q->lv, n * sizeof *q->lv);
	}
	for (size_t i = 0; i < n; i++)
		k += q->lv[i] = (uint32_t)defined(c, r + i);
	if (c->required)
		return n;
	at = q->body.len;
	buf_add(&q->body, "\0\0\0\0", 4);
	rle_encode(&q->body, q->lv, n, 1);
	len = (uint32_t)(q->body.len - at - 4);
	for (int i = 0; i < 4; i++)
		q->body.p[at + i] = (char)(len >> (8 * i));
	return k;
}

/* k booleans (one byte each in vals) packed LSB first. */
static void
put_bools(struct buf *b, const unsigned char *v, size_t k)
{
	for (size_t i = 0; i < k; i += 8) {
		unsigned char byte = 0;
		for (size_t j = 0; j < 8 && i + j < k; j++)
			byte |= (unsigned char)((v[i + j] & 1) << j);
		buf_addc(b, (char)byte);
	}
}

/* The values [v, v + k) of c, whose PLAIN bytes start at *off. */
static void
put_values(struct pqw *q, const struct pqcol *c, int bw, size_t v, size_t k,
    size_t *off)
{
	const unsigned char *p = (const unsigned char *)c->vals.p;
	size_t end = *off;

	if (k == 0 && !c->dict)
		return;		/* all null: vals may have no buffer at all */
	if (c->dict) {
		buf_addc(&q->body, (char)bw);
		rle_encode(&q->body, c->idx + v, k, bw);
		return;
	}
	if (c->phys == PQ_BOOLEAN) {
		put_bools(&q->body, p + v, k);
		return;
	}
	if (c->width) {
		end += k * c->width;
	} else {
		for (size_t i = 0; i < k; i++)
			end += 4 + ((uint32_t)p[end] | (uint32_t)p[end + 1] << 8 |
			    (uint32_t)p[end + 2] << 16 |
			    (uint32_t)p[end + 3] << 24);
	}
	buf_add(&q->body, p + *off, end - *off);
	*off = end;
}

static size_t
rows_per_page(const struct pqcol *c, size_t rows, int bw)
{
	uint64_t bytes = c->dict ? (c->nvals * (uint64_t)bw + 7) / 8 :
	    c->plain_bytes;
	uint64_t per = bytes ? (uint64_t)PQW_PAGE_BYTES * rows / bytes : rows;

	if (per > PQW_PAGE_ROWS)
		per = PQW_PAGE_ROWS;
	return per ? (size_t)per : 1;
}

static void
data_pages(struct pqw *q, const struct pqcol *c, uint64_t *usize,
    uint64_t *csize)
{
	int bw = c->dict ? rle_bit_width(c->ndict ? (uint32_t)c->ndict - 1 :
	    0) : 0;
	size_t per = rows_per_page(c, q->rows, bw), v = 0, off = 0;

	for (size_t r = 0; r < q->rows; r += per) {
		size_t n = q->rows - r < per ? q->rows - r : per, k;
		buf_reset(&q->body);
		k = put_levels(q, c, r, n);
		put_values(q, c, bw, v, k, &off);
		page(q, PAGE_DATA, (int32_t)n, c->dict ? ENC_RLE_DICT :
		    ENC_PLAIN, usize, csize);
		v += k;
	}
}

static void
chunk_meta(struct pqw *q, const struct pqcol *c, uint64_t start,
    uint64_t dict_off, uint64_t data_off, uint64_t usize, uint64_t csize)
{
	struct tw *w = &q->gw;

	tw_elem_struct(w);			/* ColumnChunk */
	tw_i64(w, 2, (int64_t)start);
	tw_struct(w, 3);			/* ColumnMetaData */
	tw_i32(w, 1, c->phys);
	tw_list(w, 2, TW_I32, c->dict ? 3 : 2);
	tw_elem_i32(w, ENC_PLAIN);
	tw_elem_i32(w, ENC_RLE);
	if (c->dict)
		tw_elem_i32(w, ENC_RLE_DICT);
	tw_list(w, 3, TW_BINARY, 1);
	tw_elem_binary(w, c->name, strlen(c->name));
	tw_i32(w, 4, q->codec);
	tw_i64(w, 5, (int64_t)q->rows);
	tw_i64(w, 6, (int64_t)usize);
	tw_i64(w, 7, (int64_t)csize);
	tw_i64(w, 9, (int64_t)data_off);
	if (c->dict)
		tw_i64(w, 11, (int64_t)dict_off);
	tw_struct(w, 12);			/* Statistics */
	tw_i64(w, 3, (int64_t)c->nulls);
	if (pqcol_minmax(c, &q->min, &q->max)) {
		tw_binary(w, 5, q->max.p, q->max.len);
		tw_binary(w, 6, q->min.p, q->min.len);
	}
	tw_end(w);
	tw_end(w);
	tw_end(w);
}

/* One column's chunk of the group: its pages, then its ColumnChunk. */
static void
chunk(struct pqw *q, struct pqcol *c, uint64_t *usum, uint64_t *csum)
{
	uint64_t start = q->pos, dict_off = 0, usize = 0, csize = 0;

	pqcol_encode(c);
	if (c->dict && !pqcol_dict_pays(c))
		pqcol_undict(c);
	if (c->dict) {
		dict_off = q->pos;
		buf_reset(&q->body);
		buf_add(&q->body, c->dvals.p, c->dvals.len);
		page(q, PAGE_DICT, (int32_t)c->ndict, ENC_PLAIN, &usize,
		    &csize);
	}
	uint64_t data_off = q->pos;
	data_pages(q, c, &usize, &csize);
	chunk_meta(q, c, start, dict_off, data_off, usize, csize);
	*usum += usize;
	*csum += csize;
}

static void
flush_group(struct pqw *q)
{
	uint64_t start = q->pos, usum = 0, csum = 0;
	struct tw *w = &q->gw;

	if (q->rows == 0)
		return;
	tw_elem_struct(w);			/* RowGroup */
	tw_list(w, 1, TW_STRUCT, q->ncols);
	for (size_t i = 0; i < q->ncols; i++)
		chunk(q, &q->cols[i], &usum, &csum);
	tw_i64(w, 2, (int64_t)usum);
	tw_i64(w, 3, (int64_t)q->rows);
	tw_i64(w, 5, (int64_t)start);
	tw_i64(w, 6, (int64_t)csum);
	tw_end(w);
	q->total_rows += q->rows;
	q->ngroups++;
	q->rows = 0;
	q->held = 0;
	for (size_t i = 0; i < q->ncols; i++)
		pqcol_reset(&q->cols[i]);
}

void
pqw_row(struct pqw *q)
{
	q->rows++;
	q->held += q->ncols / 8 + 1;
	if (q->rows >= q->group_rows || q->held >= q->group_bytes)
		flush_group(q);
}

static void
empty_struct(struct tw *w, int16_t id)
{
	tw_struct(w, id);
	tw_end(w);
}

static void
time_type(struct tw *w, int16_t id, int utc)
{
	tw_struct(w, id);
	tw_bool(w, 1, utc);
	tw_struct(w, 2);		/* TimeUnit */
	empty_struct(w, 2);		/* MICROS */
	tw_end(w);
	tw_end(w);
}

/* The column's SchemaElement: type, repetition, name, logical type and
 * the converted type older readers know. */
static void
schema_col(struct tw *w, const struct pqcol *c)
{
	static const int conv[] = { [CT_TEXT] = 0, [CT_DECIMAL] = 5,
	    [CT_DATE] = 6, [CT_TIMESTAMP] = 10, [CT_JSON] = 19 };

	tw_elem_struct(w);
	tw_i32(w, 1, c->phys);
	if (c->phys == PQ_FLBA)
		tw_i32(w, 2, 16);
	tw_i32(w, 3, c->required ? 0 : 1);
	tw_string(w, 4, c->name);
	if (c->ct == CT_TEXT || c->ct == CT_NONE || c->ct == CT_DECIMAL ||
	    c->ct == CT_DATE || c->ct == CT_TIMESTAMP || c->ct == CT_JSON)
		tw_i32(w, 6, conv[c->ct == CT_NONE ? CT_TEXT : c->ct]);
	if (c->ct == CT_DECIMAL) {
		tw_i32(w, 7, PQW_DEC_SCALE);
		tw_i32(w, 8, PQW_DEC_PRECISION);
	}
	switch (c->ct) {
	case CT_TEXT: case CT_NONE:
		tw_struct(w, 10);
		empty_struct(w, 1);
		tw_end(w);
		break;
	case CT_DECIMAL:
		tw_struct(w, 10);
		tw_struct(w, 5);
		tw_i32(w, 1, PQW_DEC_SCALE);
		tw_i32(w, 2, PQW_DEC_PRECISION);
		tw_end(w);
		tw_end(w);
		break;
	case CT_DATE:
		tw_struct(w, 10);
		empty_struct(w, 6);
		tw_end(w);
		break;
	case CT_TIME:
	case CT_TIMESTAMP:
		tw_struct(w, 10);
		time_type(w, c->ct == CT_TIME ? 7 : 8, c->ct == CT_TIMESTAMP);
		tw_end(w);
		break;
	case CT_JSON:
		tw_struct(w, 10);
		empty_struct(w, 12);
		tw_end(w);
		break;
	default:
		break;
	}
	tw_end(w);
}

static void
footer(struct pqw *q)
{
	struct buf f = BUF_INIT;
	struct tw w;
	unsigned char len[4];

	tw_init(&w, &f);
	tw_i32(&w, 1, 2);				/* version */
	tw_list(&w, 2, TW_STRUCT, q->ncols + 1);
	tw_elem_struct(&w);				/* the root */
	tw_string(&w, 4, "schema");
	tw_i32(&w, 5, (int32_t)q->ncols);
	tw_end(&w);
	for (size_t i = 0; i < q->ncols; i++)
		schema_col(&w, &q->cols[i]);
	tw_i64(&w, 3, (int64_t)q->total_rows);
	tw_list(&w, 4, TW_STRUCT, q->ngroups);
	buf_add(&f, q->groups.p, q->groups.len);
	tw_string(&w, 6, q->created_by);
	tw_list(&w, 7, TW_STRUCT, q->ncols);		/* column_orders */
	for (size_t i = 0; i < q->ncols; i++) {
		tw_elem_struct(&w);
		empty_struct(&w, 1);			/* TYPE_ORDER */
		tw_end(&w);
	}
	tw_end(&w);
	for (int i = 0; i < 4; i++)
		len[i] = (unsigned char)(f.len >> (8 * i));
	emit(q, f.p, f.len);
	emit(q, len, 4);
	emit(q, "PAR1", 4);
	buf_free(&f);
}

void
pqw_finish(struct pqw *q)
{
	flush_group(q);
	footer(q);
}

void
pqw_free(struct pqw *q)
{
	if (!q)
		return;
	for (size_t i = 0; i < q->ncols; i++)
		pqcol_free(&q->cols[i]);
	free(q->cols);
	buf_free(&q->groups);
	buf_free(&q->body);
	buf_free(&q->comp);
	buf_free(&q->hdr);
	buf_free(&q->min);
	buf_free(&q->max);
	free(q->lv);
	ZSTD_freeCCtx(q->zc);
	free(q->created_by);
	free(q);
}
