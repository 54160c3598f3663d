/*
 * parquet_chunk: pages of a column chunk, then the values in them.  Every
 * length read from the file is checked against the bytes that are there
 * before it is used; a value count that its bytes cannot hold is refused
 * before anything is allocated for it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>
#include <zstd.h>

#include "log.h"
#include "parquet_chunk.h"
#include "snappy.h"

/* A page may not claim more than this uncompressed (pyarrow and DuckDB
 * write pages of about 1 MiB). */
#define PAGE_MAX (256u << 20)
/* What a page header is read in (pyarrow's and DuckDB's are under 100
 * bytes; statistics of long strings make them longer). */
#define HEADER_MAX (256u << 10)

static int
fail(struct pq_col *c, const char *fmt, ...) PRINTF_LIKE(2, 3);

static int
fail(struct pq_col *c, const char *fmt, ...)
{
	va_list ap;

	if (c->err[0])
		return -1;
	va_start(ap, fmt);
	vsnprintf(c->err, sizeof c->err, fmt, ap);
	va_end(ap);
	return -1;
}

static uint64_t
le(const uint8_t *p, int n)
{
	uint64_t v = 0;

	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static int
uvarint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
	*v = 0;
	for (int shift = 0; shift < 64 && *p < end; shift += 7) {
		uint8_t b = *(*p)++;
		*v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return 0;
	}
	return -1;
}

static int
zvarint(const uint8_t **p, const uint8_t *end, int64_t *v)
{
	uint64_t u;

	if (uvarint(p, end, &u) < 0)
		return -1;
	*v = (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
	return 0;
}

/* width bits (up to 64) at bit offset bit of p[0..len), LSB first. */
static int
bits_at(const uint8_t *p, size_t len, uint64_t bit, int width, uint64_t *v)
{
	*v = 0;
	if (width == 0)
		return 0;
	if (bit + (uint64_t)width > (uint64_t)len * 8)
		return -1;
	for (int got = 0; got < width;) {
		uint64_t byte = p[bit >> 3] >> (bit & 7);
		int take = 8 - (int)(bit & 7);
		if (take > width - got)
			take = width - got;
		*v |= (byte & ((1u << take) - 1)) << got;
		got += take;
		bit += (uint64_t)take;
	}
	return 0;
}

void
pq_rle_init(struct pq_rle *r, const uint8_t *p, const uint8_t *end, int bw)
{
	memset(r, 0, sizeof *r);
	r->p = p;
	r->end = end;
	r->bw = bw;
}

static uint32_t
cap32(uint64_t v)
{
	return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

static int
rle_run(struct pq_rle *r)
{
	uint64_t h, have;

	if (uvarint(&r->p, r->end, &h) < 0)
		return -1;
	have = (uint64_t)(r->end - r->p);
	if (h & 1) {
		uint64_t groups = h >> 1, bytes = have;
		if (r->bw && groups <= have / (uint64_t)r->bw)
			bytes = groups * (uint64_t)r->bw;
		r->packed = 1;
		r->bp = r->p;
		r->bplen = (size_t)bytes;
		r->bit = 0;
		r->left = r->bw ? cap32(bytes * 8 / (uint64_t)r->bw) :
		    cap32(groups * 8);
		if (r->left > groups * 8)
			r->left = cap32(groups * 8);
		r->p += bytes;
	} else {
		int nb = (r->bw + 7) / 8;
		if (have < (uint64_t)nb)
			return -1;
		r->packed = 0;
		r->val = le(r->p, nb);
		r->p += nb;
		r->left = cap32(h >> 1);
	}
	return 0;
}

int
pq_rle_next(struct pq_rle *r, uint32_t *v)
{
	uint64_t x;

	while (r->left == 0)
		if (r->p >= r->end || rle_run(r) < 0)
			return -1;
	r->left--;
	if (!r->packed) {
		*v = (uint32_t)r->val;
		return 0;
	}
	if (bits_at(r->bp, r->bplen, r->bit, r->bw, &x) < 0)
		return -1;
	r->bit += (uint64_t)r->bw;
	*v = (uint32_t)x;
	return 0;
}

/* DELTA_BINARY_PACKED: the header, then values on demand. */
static int
delta_init(struct pq_delta *d, const uint8_t *p, const uint8_t *end)
{
	uint64_t first;

	memset(d, 0, sizeof *d);
	d->p = p;
	d->end = end;
	if (uvarint(&d->p, end, &d->block) < 0 ||
	    uvarint(&d->p, end, &d->mini_n) < 0 ||
	    uvarint(&d->p, end, &d->total) < 0 ||
	    zvarint(&d->p, end, (int64_t *)&first) < 0)
		return -1;
	if (d->block == 0 || d->block % 128 || d->block > (1u << 20) ||
	    d->mini_n == 0 || d->block % d->mini_n ||
	    (d->block / d->mini_n) % 32)
		return -1;
	d->per_mini = d->block / d->mini_n;
	d->last = (int64_t)first;
	return 0;
}

static int
delta_mini(struct pq_delta *d)
{
	uint64_t bytes, have;

	if (!d->bw || d->mini_i == d->mini_n) {
		if (zvarint(&d->p, d->end, &d->min_delta) < 0 ||
		    (uint64_t)(d->end - d->p) < d->mini_n)
			return -1;
		d->bw = d->p;
		d->p += d->mini_n;
		d->mini_i = 0;
	}
	d->width = d->bw[d->mini_i++];
	if (d->width > 64)
		return -1;
	bytes = d->per_mini * (uint64_t)d->width / 8;
	have = (uint64_t)(d->end - d->p);
	if (bytes > have)	/* a last miniblock may be cut short */
		bytes = have;
	d->mp = d->p;
	d->mlen = (size_t)bytes;
	d->mbit = 0;
	d->p += bytes;
	d->mini_left = d->per_mini;
	return 0;
}

static int
delta_next(struct pq_delta *d, int64_t *v)
{
	uint64_t x;

	if (d->done >= d->total)
		return -1;
	if (d->done++ == 0) {
		*v = d->last;
		return 0;
	}
	if (d->mini_left == 0 && delta_mini(d) < 0)
		return -1;
	if (bits_at(d->mp, d->mlen, d->mbit, d->width, &x) < 0)
		return -1;
	d->mbit += (uint64_t)d->width;
	d->mini_left--;
	d->last = (int64_t)((uint64_t)d->last + (uint64_t)d->min_delta + x);
	*v = d->last;
	return 0;
}

/* Where a DELTA_BINARY_PACKED run of d->total values ends, and the sum
 * of its values (byte array lengths: none negative). */
static int
delta_end(struct pq_delta d, const uint8_t **end, uint64_t *sum)
{
	int64_t v;

	*sum = 0;
	while (d.done < d.total) {
		if (delta_next(&d, &v) < 0 || v < 0 ||
		    (uint64_t)v > UINT64_MAX / 2 - *sum)
			return -1;
		*sum += (uint64_t)v;
	}
	*end = d.p;
	return 0;
}

/* DELTA_LENGTH_BYTE_ARRAY at p: lengths, then the bytes; with pfx, the
 * suffixes of DELTA_BYTE_ARRAY after its prefix lengths. */
static int
dlba_init(struct pq_col *c, const uint8_t *p, const uint8_t *end)
{
	uint64_t sum;

	if (delta_init(&c->delta, p, end) < 0 ||
	    delta_end(c->delta, &c->dp, &sum) < 0 ||
	    sum > (uint64_t)(end - c->dp))
		return -1;
	c->dend = end;
	return 0;
}

static int
dba_init(struct pq_col *c, const uint8_t *p, const uint8_t *end)
{
	const uint8_t *q;
	uint64_t sum;

	if (delta_init(&c->pfx, p, end) < 0 ||
	    delta_end(c->pfx, &q, &sum) < 0)
		return -1;
	buf_reset(&c->prev);
	return dlba_init(c, q, end);
}

static int
dlba_value(struct pq_col *c, struct pq_val *v)
{
	int64_t n;

	if (delta_next(&c->delta, &n) < 0 || n < 0 ||
	    (uint64_t)n > (uint64_t)(c->dend - c->dp))
		return -1;
	v->p = c->dp;
	v->u.n = (uint64_t)n;
	c->dp += n;
	return 0;
}

static int
dba_value(struct pq_col *c, struct pq_val *v)
{
	int64_t k;
	struct pq_val s;

	if (delta_next(&c->pfx, &k) < 0 || k < 0 ||
	    (uint64_t)k > c->prev.len || dlba_value(c, &s) < 0)
		return -1;
	c->prev.len = (size_t)k;
	buf_add(&c->prev, s.p, (size_t)s.u.n);
	v->p = (const uint8_t *)(c->prev.p ? c->prev.p : "");
	v->u.n = c->prev.len;
	return 0;
}

static int
value_width(const struct pq_col *c)
{
	switch (c->type) {
	case PQT_INT32: case PQT_FLOAT: return 4;
	case PQT_INT64: case PQT_DOUBLE: return 8;
	case PQT_INT96: return 12;
	case PQT_FIXED: return c->type_length;
	default: return 0;
	}
}

/* Fixed-width bytes b of one value of c's type into v. */
static void
fixed_value(const struct pq_col *c, const uint8_t *b, struct pq_val *v)
{
	float f;

	v->p = b;
	switch (c->type) {
	case PQT_INT32:
		v->u.i = (int32_t)(uint32_t)le(b, 4);
		break;
	case PQT_INT64:
		v->u.i = (int64_t)le(b, 8);
		break;
	case PQT_FLOAT:
		memcpy(&f, b, 4);
		v->u.d = f;
		break;
	case PQT_DOUBLE:
		memcpy(&v->u.d, b, 8);
		break;
	default:
		v->u.n = (uint64_t)c->type_length;
	}
}

/* One PLAIN value from *pp (booleans: bit *bit of p0). */
static int
plain_value(const struct pq_col *c, const uint8_t *p0, const uint8_t **pp,
    const uint8_t *end, uint64_t *bit, struct pq_val *v)
{
	int w = value_width(c);
	uint64_t n;

	if (c->type == PQT_BOOLEAN) {
		if (*bit >> 3 >= (uint64_t)(end - p0))
			return -1;
		v->u.i = p0[*bit >> 3] >> (*bit & 7) & 1;
		(*bit)++;
		return 0;
	}
	if (c->type == PQT_BYTE_ARRAY) {
		if (end - *pp < 4)
			return -1;
		n = le(*pp, 4);
		*pp += 4;
		if (n > (uint64_t)(end - *pp))
			return -1;
		v->p = *pp;
		v->u.n = n;
		*pp += n;
		return 0;
	}
	if (end - *pp < w)
		return -1;
	fixed_value(c, *pp, v);
	*pp += w;
	return 0;
}

static int
inflate_gzip(const uint8_t *in, size_t n, uint8_t *out, size_t outlen)
{
	z_stream zs;
	int r;

	memset(&zs, 0, sizeof zs);
	if (inflateInit2(&zs, 15 + 32) != Z_OK)
		return -1;
	zs.next_in = (Bytef *)(uintptr_t)in;
	zs.avail_in = (uInt)n;
	zs.next_out = out;
	zs.avail_out = (uInt)outlen;
	r = inflate(&zs, Z_FINISH);
	inflateEnd(&zs);
	return r == Z_STREAM_END && zs.total_out == outlen ? 0 : -1;
}

/* The page's n bytes at in, decompressed to outlen bytes into b (or
 * in itself when not compressed): *out. */
static int
page_bytes(struct pq_col *c, int codec, const uint8_t *in, size_t n,
    size_t outlen, struct buf *b, const uint8_t **out)
{
	size_t r;

	if (codec == PQC_NONE) {
		if (n != outlen)
			return fail(c, "uncompressed page of %zu bytes says "
			    "%zu", n, outlen);
		*out = in;
		return 0;
	}
	if (outlen > PAGE_MAX)
		return fail(c, "page of %zu bytes uncompressed: too large",
		    outlen);
	buf_reset(b);
	buf_grow(b, outlen + 1);
	*out = (const uint8_t *)b->p;
	switch (codec) {
	case PQC_SNAPPY:
		if (snappy_uncompressed_length(in, n, &r) < 0 ||
		    r != outlen || snappy_decompress(in, n, b->p, outlen) < 0)
			return fail(c, "corrupt snappy page");
		return 0;
	case PQC_GZIP:
		if (inflate_gzip(in, n, (uint8_t *)b->p, outlen) < 0)
			return fail(c, "corrupt gzip page");
		return 0;
	case PQC_ZSTD:
		if (!c->zd && !(c->zd = ZSTD_createDCtx()))
			return fail(c, "out of memory");
		r = ZSTD_decompressDCtx(c->zd, b->p, outlen, in, n);
		if (ZSTD_isError(r) || r != outlen)
			return fail(c, "corrupt zstd page");
		return 0;
	default:
		return fail(c, "compression codec %d is not supported (none, "
		    "snappy, gzip, zstd are)", codec);
	}
}

static int
dict_page(struct pq_col *c, const struct pq_page_header *h,
    const uint8_t *body)
{
	const uint8_t *p, *q;
	uint64_t bit = 0;

	if (c->has_dict)
		return fail(c, "a second dictionary page");
	if (h->encoding != PQE_PLAIN && h->encoding != PQE_PLAIN_DICTIONARY)
		return fail(c, "dictionary page in encoding %d",
		    (int)h->encoding);
	if (page_bytes(c, c->codec, body, (size_t)h->compressed,
	    (size_t)h->uncompressed, &c->dictbuf, &p) < 0)
		return -1;
	if (p == body && c->fill) {	/* the window moves on: keep it */
		buf_reset(&c->dictbuf);
		buf_add(&c->dictbuf, body, (size_t)h->compressed);
		p = (const uint8_t *)c->dictbuf.p;
	}
	if (h->num_values < 0 ||
	    (uint64_t)h->num_values > (uint64_t)h->uncompressed * 8)
		return fail(c, "dictionary of %d values in %d bytes",
		    (int)h->num_values, (int)h->uncompressed);
	c->ndict = (uint32_t)h->num_values;
	c->dict = xcalloc(c->ndict ? c->ndict : 1, sizeof *c->dict);
	q = p;
	for (uint32_t i = 0; i < c->ndict; i++)
		if (plain_value(c, p, &q, p + h->uncompressed, &bit,
		    &c->dict[i]) < 0)
			return fail(c, "dictionary page holds fewer than its "
			    "%u values", c->ndict);
	c->has_dict = 1;
	return 0;
}

static const char *
encoding_name(int e)
{
	static const char *const n[] = { "PLAIN", "GROUP_VAR_INT",
	    "PLAIN_DICTIONARY", "RLE", "BIT_PACKED", "DELTA_BINARY_PACKED",
	    "DELTA_LENGTH_BYTE_ARRAY", "DELTA_BYTE_ARRAY", "RLE_DICTIONARY",
	    "BYTE_STREAM_SPLIT" };

	return e >= 0 && e < 10 ? n[e] : "(unknown)";
}

static const char *
type_name(enum pq_type t)
{
	static const char *const n[] = { "BOOLEAN", "INT32", "INT64",
	    "INT96", "FLOAT", "DOUBLE", "BYTE_ARRAY",
	    "FIXED_LEN_BYTE_ARRAY" };

	return (unsigned)t < 8 ? n[t] : "(unknown)";
}

/* The values of a data page at p..end in encoding enc. */
static int
values_init(struct pq_col *c, int enc, const uint8_t *p, const uint8_t *end)
{
	int w = value_width(c);

	c->enc = enc;
	c->dp = NULL;
	c->vp = p;
	c->vend = end;
	c->bitpos = 0;
	switch (enc) {
	case PQE_PLAIN:
		return 0;
	case PQE_PLAIN_DICTIONARY:
	case PQE_RLE_DICTIONARY:
		if (!c->has_dict)
			return fail(c, "dictionary-encoded page without a "
			    "dictionary");
		if (p < end && *p > 32)
			return fail(c, "dictionary index width %d", *p);
		pq_rle_init(&c->idx, p < end ? p + 1 : p, end,
		    p < end ? *p : 0);
		return 0;
	case PQE_RLE:
		if (c->type != PQT_BOOLEAN || end - p < 4 ||
		    le(p, 4) > (uint64_t)(end - p - 4))
			break;
		pq_rle_init(&c->idx, p + 4, p + 4 + le(p, 4), 1);
		return 0;
	case PQE_DELTA_BINARY_PACKED:
		if (c->type != PQT_INT32 && c->type != PQT_INT64)
			break;
		if (delta_init(&c->delta, p, end) < 0)
			return fail(c, "corrupt DELTA_BINARY_PACKED header");
		return 0;
	case PQE_DELTA_LENGTH_BYTE_ARRAY:
		if (c->type != PQT_BYTE_ARRAY)
			break;
		if (p < end && dlba_init(c, p, end) < 0)
			return fail(c, "corrupt DELTA_LENGTH_BYTE_ARRAY lengths");
		return 0;
	case PQE_DELTA_BYTE_ARRAY:
		if (c->type != PQT_BYTE_ARRAY && c->type != PQT_FIXED)
			break;
		if (p < end && dba_init(c, p, end) < 0)
			return fail(c, "corrupt DELTA_BYTE_ARRAY lengths");
		return 0;
	case PQE_BYTE_STREAM_SPLIT:
		if (c->type != PQT_INT32 && c->type != PQT_INT64 &&
		    c->type != PQT_FLOAT && c->type != PQT_DOUBLE)
			break;
		c->bss_i = 0;
		c->bss_n = (uint64_t)(end - p) / (uint64_t)w;
		return 0;
	}
	return fail(c, "encoding %s of a %s column is not supported",
	    encoding_name(enc), type_name(c->type));
}

static int
levels(struct pq_col *c, const uint8_t *p, const uint8_t *end)
{
	pq_rle_init(&c->defs, p, end, 1);
	return 0;
}

static int
page_count(struct pq_col *c, int32_t n)
{
	if (n < 0 || n > c->num_values - c->seen)
		return fail(c, "a page of %d values where the chunk has %lld "
		    "left", (int)n, (long long)(c->num_values - c->seen));
	c->page_left = (uint32_t)n;
	return 0;
}

static int
data_v1(struct pq_col *c, const struct pq_page_header *h,
    const uint8_t *body)
{
	const uint8_t *p, *end;
	uint64_t n;

	if (page_bytes(c, c->codec, body, (size_t)h->compressed,
	    (size_t)h->uncompressed, &c->page, &p) < 0)
		return -1;
	end = p + h->uncompressed;
	if (c->optional) {
		if (end - p < 4 || (n = le(p, 4)) > (uint64_t)(end - p - 4))
			return fail(c, "definition levels run past the page");
		levels(c, p + 4, p + 4 + n);
		p += 4 + n;
	}
	if (page_count(c, h->num_values) < 0)
		return -1;
	return values_init(c, (int)h->encoding, p, end);
}

static int
data_v2(struct pq_col *c, const struct pq_page_header *h,
    const uint8_t *body)
{
	const uint8_t *p;
	int64_t lv = (int64_t)h->def_len + h->rep_len;

	if (h->def_len < 0 || h->rep_len != 0 || lv > h->compressed ||
	    lv > h->uncompressed)
		return fail(c, "level lengths do not fit the v2 page");
	if (c->optional)
		levels(c, body, body + h->def_len);
	if (page_bytes(c, h->is_compressed ? c->codec : PQC_NONE, body + lv,
	    (size_t)(h->compressed - lv), (size_t)(h->uncompressed - lv),
	    &c->page, &p) < 0)
		return -1;
	if (page_count(c, h->num_values) < 0)
		return -1;
	return values_init(c, (int)h->encoding, p,
	    p + (h->uncompressed - lv));
}

/* Where the chunk ends in the file. */
static uint64_t
chunk_end(const struct pq_col *c)
{
	return c->base + (c->fill ? c->flen : (uint64_t)(c->end - c->p));
}

/* The chunk's bytes from file offset at (at most its end): *p, and *have
 * of them, want at least where the chunk has them; read into the window
 * when the chunk is not in memory. */
static int
window(struct pq_col *c, uint64_t at, uint64_t want, const uint8_t **p,
    uint64_t *have)
{
	uint64_t end = chunk_end(c), len;

	if (want > end - at)
		want = end - at;
	if (!c->fill) {
		*p = c->p + (at - c->base);
		*have = end - at;
		return 0;
	}
	if (at < c->win_off || at + want > c->win_off + c->win.len) {
		/* what the window holds from at on is kept, not read again */
		uint64_t keep = at >= c->win_off &&
		    at < c->win_off + c->win.len ?
		    c->win_off + c->win.len - at : 0;
		len = want > c->seg ? want : c->seg;
		if (len > end - at)
			len = end - at;
		if (keep)
			memmove(c->win.p, c->win.p + (at - c->win_off),
			    (size_t)keep);
		c->win.len = (size_t)keep;
		c->win_off = at;
		if (c->fill(c->fill_ctx, at + keep, len - keep, &c->win) < 0 ||
		    c->win.len != len)
			return fail(c, "cannot read bytes %llu-%llu",
			    (unsigned long long)(at + keep),
			    (unsigned long long)(at + len));
	}
	*p = (const uint8_t *)c->win.p + (at - c->win_off);
	*have = c->win_off + c->win.len - at;
	return 0;
}

/* Reads page headers until a data page is set up. */
static int
next_page(struct pq_col *c)
{
	struct pq_page_header h;
	const uint8_t *hp, *body;
	const char *why;
	uint64_t end = chunk_end(c), have;
	size_t used;

	for (;;) {
		uint64_t at = c->next;
		if (at >= end)
			return fail(c, "the column chunk ends after %lld of "
			    "its %lld values", (long long)c->seen,
			    (long long)c->num_values);
		if (window(c, at, HEADER_MAX, &hp, &have) < 0)
			return -1;
		if (pq_page_header_parse(&h, hp, (size_t)have, &used,
		    &why) < 0)
			return fail(c, "page header at byte %llu: %s",
			    (unsigned long long)at, why);
		if (h.compressed < 0 ||
		    (uint64_t)h.compressed > end - at - used)
			return fail(c, "page at byte %llu runs past its "
			    "column chunk", (unsigned long long)at);
		if (window(c, at + used, (uint64_t)h.compressed, &body,
		    &have) < 0)
			return -1;
		c->next = at + used + (uint64_t)h.compressed;
		if (h.has_crc && (uint32_t)crc32(0, body, (uInt)h.compressed) !=
		    h.crc)
			return fail(c, "page at byte %llu: checksum mismatch",
			    (unsigned long long)at);
		if ((h.type == PQP_DICT ? dict_page(c, &h, body) :
		    h.type == PQP_DATA ? data_v1(c, &h, body) :
		    h.type == PQP_DATA_V2 ? data_v2(c, &h, body) :
		    h.type == PQP_INDEX ? 0 :
		    fail(c, "unknown page type %d", h.type)) < 0) {
			size_t k = strlen(c->err);
			if (k + 24 < sizeof c->err && !strstr(c->err, "byte"))
				snprintf(c->err + k, sizeof c->err - k,
				    " (page at byte %llu)",
				    (unsigned long long)at);
			return -1;
		}
		if (h.type == PQP_DATA || h.type == PQP_DATA_V2)
			return 0;
	}
}

static int
bss_value(struct pq_col *c, struct pq_val *v)
{
	int w = value_width(c);
	uint8_t b[8];

	if (c->bss_i >= c->bss_n)
		return -1;
	for (int k = 0; k < w; k++)
		b[k] = c->vp[(uint64_t)k * c->bss_n + c->bss_i];
	c->bss_i++;
	fixed_value(c, b, v);
	v->p = NULL;	/* b is gone: only numbers are read this way */
	return 0;
}

static int
value(struct pq_col *c, struct pq_val *v)
{
	uint32_t k;

	switch (c->enc) {
	case PQE_PLAIN:
		return plain_value(c, c->vp, &c->vp, c->vend, &c->bitpos, v);
	case PQE_PLAIN_DICTIONARY:
	case PQE_RLE_DICTIONARY:
		if (pq_rle_next(&c->idx, &k) < 0)
			return -1;
		if (k >= c->ndict)
			return fail(c, "dictionary index %u of %u entries", k,
			    c->ndict);
		*v = c->dict[k];
		return 0;
	case PQE_RLE:
		if (pq_rle_next(&c->idx, &k) < 0)
			return -1;
		v->u.i = k & 1;
		return 0;
	case PQE_DELTA_LENGTH_BYTE_ARRAY:
		return c->dp ? dlba_value(c, v) : -1;
	case PQE_DELTA_BYTE_ARRAY:
		return c->dp ? dba_value(c, v) : -1;
	case PQE_DELTA_BINARY_PACKED:
		if (delta_next(&c->delta, &v->u.i) < 0)
			return -1;
		if (c->type == PQT_INT32)
			v->u.i = (int32_t)(uint32_t)(uint64_t)v->u.i;
		return 0;
	default:
		return bss_value(c, v);
	}
}

int
pq_col_next(struct pq_col *c, struct pq_val *v, int *null)
{
	uint32_t d = 1;

	if (!c->started) {
		c->next = c->base;
		c->started = 1;
	}
	while (c->page_left == 0)
		if (next_page(c) < 0)
			return -1;
	c->page_left--;
	c->seen++;
	if (c->optional && pq_rle_next(&c->defs, &d) < 0)
		return fail(c, "definition levels end early");
	if (d > 1)
		return fail(c, "definition level %u of a flat column", d);
	*null = d == 0;
	if (*null)
		return 0;
	if (value(c, v) < 0)
		return fail(c, "values end before the page's count");
	return 0;
}

int
pq_col_end(struct pq_col *c)
{
	if (c->page_left || c->seen != c->num_values)
		return fail(c, "the column chunk holds %lld values, the row "
		    "group %lld rows", (long long)c->num_values,
		    (long long)c->seen);
	return 0;
}

void
pq_col_free(struct pq_col *c)
{
	buf_free(&c->page);
	buf_free(&c->dictbuf);
	buf_free(&c->prev);
	buf_free(&c->win);
	free(c->dict);
	ZSTD_freeDCtx(c->zd);
	c->dict = NULL;
	c->zd = NULL;
}
