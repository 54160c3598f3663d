/* libFuzzer harness for the Parquet writer (parquet_write.c and
 * parquet_col.c): the input picks columns (type, required), a codec,
 * tiny row group bounds, and then cells (null or bytes); whatever it is,
 * the writer must produce a file framed by PAR1 whose footer length is
 * inside the file and whose footer is one well-formed Thrift compact
 * struct to its last byte (a skipping decoder of this harness's own),
 * without a leak, overflow or undefined behaviour. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "parquet_write.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct in {
	const uint8_t *p, *e;
};

static unsigned
byte(struct in *in)
{
	return in->p < in->e ? *in->p++ : 0;
}

struct rd {
	const unsigned char *p, *e;
};

static uint64_t
rvarint(struct rd *r)
{
	uint64_t v = 0;

	for (int shift = 0; shift < 70; shift += 7) {
		if (r->p >= r->e)
			abort();
		v |= (uint64_t)(*r->p & 0x7f) << shift;
		if (!(*r->p++ & 0x80))
			return v;
	}
	abort();
}

static void skip_struct(struct rd *r, int depth);

static void
skip_value(struct rd *r, int type, int depth)
{
	uint64_t n;

	switch (type) {
	case 1: case 2:
		break;
	case 3:
		if (r->p >= r->e)
			abort();
		r->p++;
		break;
	case 4: case 5: case 6:
		rvarint(r);
		break;
	case 8:
		n = rvarint(r);
		if ((uint64_t)(r->e - r->p) < n)
			abort();
		r->p += n;
		break;
	case 9: {
		unsigned h;
		if (r->p >= r->e)
			abort();
		h = *r->p++;
		n = h >> 4;
		if (n == 15)
			n = rvarint(r);
		for (uint64_t i = 0; i < n; i++)
			skip_value(r, (int)(h & 15), depth);
		break;
	}
	case 12:
		skip_struct(r, depth + 1);
		break;
	default:
		abort();
	}
}

static void
skip_struct(struct rd *r, int depth)
{
	if (depth > 10)
		abort();
	for (;;) {
		unsigned b;
		if (r->p >= r->e)
			abort();
		b = *r->p++;
		if (b == 0)
			return;
		if (!(b >> 4))
			rvarint(r);
		skip_value(r, (int)(b & 15), depth);
	}
}

static void
check_file(const struct buf *f)
{
	const unsigned char *p = (const unsigned char *)f->p;
	uint32_t flen;
	struct rd r;

	if (f->len < 12 || memcmp(p, "PAR1", 4) || memcmp(p + f->len - 4,
	    "PAR1", 4))
		abort();
	flen = (uint32_t)p[f->len - 8] | (uint32_t)p[f->len - 7] << 8 |
	    (uint32_t)p[f->len - 6] << 16 | (uint32_t)p[f->len - 5] << 24;
	if (flen > f->len - 12)
		abort();
	r.p = p + f->len - 8 - flen;
	r.e = p + f->len - 8;
	skip_struct(&r, 0);
	if (r.p != r.e)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum coltype types[] = { CT_TEXT, CT_BIGINT, CT_DOUBLE,
	    CT_BOOL, CT_TIMESTAMP, CT_DATE, CT_TIME, CT_DECIMAL, CT_JSON,
	    CT_BINARY };
	static const enum pq_codec codecs[] = { PQ_UNCOMPRESSED, PQ_SNAPPY,
	    PQ_GZIP, PQ_ZSTD };
	static const char *const names[] = { "a", "b", "c", "d", "e", "f" };
	struct in in = { data, data + size };
	struct pqw_colspec cs[6];
	struct buf out = BUF_INIT;
	struct pqw *q;
	size_t ncols = byte(&in) % 6 + 1;
	enum pq_codec codec = codecs[byte(&in) % 4];
	uint64_t grows = byte(&in) % 40 + 1, gbytes = (byte(&in) % 64 + 1) * 64;

	for (size_t c = 0; c < ncols; c++) {
		unsigned b = byte(&in);
		cs[c] = (struct pqw_colspec){ names[c], types[b % 10],
		    (b >> 4) & 1 };
	}
	q = pqw_new(cs, ncols, codec, grows, gbytes, &out, "fuzz");
	while (in.p < in.e) {
		for (size_t c = 0; c < ncols; c++) {
			unsigned b = byte(&in);
			unsigned char v[16];
			size_t n;
			if (!cs[c].required && b < 64) {
				pqw_null(q, c);
				continue;
			}
			switch (cs[c].type) {
			case CT_BIGINT: case CT_DOUBLE: case CT_TIMESTAMP:
			case CT_TIME: n = 8; break;
			case CT_DATE: n = 4; break;
			case CT_DECIMAL: n = 16; break;
			case CT_BOOL: n = 1; break;
			default: n = b % 17; break;
			}
			for (size_t i = 0; i < n; i++)
				v[i] = (unsigned char)(b % 5 ? byte(&in) : b);
			if (cs[c].type == CT_BOOL)
				v[0] &= 1;
			pqw_put(q, c, v, n);
		}
		pqw_row(q);
	}
	pqw_finish(q);
	check_file(&out);
	pqw_free(q);
	buf_free(&out);
	return 0;
}
