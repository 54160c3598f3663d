/*
 * parquet_chunk: one column chunk of one row group, read value by value.
 * The chunk's bytes are in memory (the reader fetched the row group), or
 * read through fill a window at a time as the cursor needs them; the
 * cursor walks its pages in order, decompressing one page at a time
 * (codecs none, snappy, gzip, zstd), checking each page's CRC when it has
 * one, decoding the dictionary page, the definition levels (RLE /
 * bit-packed hybrid) and the values (PLAIN, PLAIN_DICTIONARY /
 * RLE_DICTIONARY, RLE booleans, DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY,
 * DELTA_BYTE_ARRAY, BYTE_STREAM_SPLIT).  Memory: one
 * decompressed page and the dictionary.
 *
 * Flat columns only: no repetition levels, a definition level of 0 or 1.
 */
#ifndef STAGE_PARQUET_CHUNK_H
#define STAGE_PARQUET_CHUNK_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "parquet_meta.h"

/* One value: integers, booleans, dates in i; FLOAT and DOUBLE in d;
 * BYTE_ARRAY, FIXED_LEN_BYTE_ARRAY and INT96 bytes at p, n long (into the
 * page or the dictionary: valid until the next pq_col_next). */
struct pq_val {
	const uint8_t *p;
	union {
		int64_t i;
		double d;
		uint64_t n;
	} u;
};

/* The RLE / bit-packed hybrid of levels and dictionary indices. */
struct pq_rle {
	const uint8_t *p, *end;
	int bw;
	uint32_t left;		/* values left in the current run */
	int packed;
	uint64_t val;		/* an RLE run's value */
	const uint8_t *bp;	/* a bit-packed run: its bytes */
	size_t bplen;
	uint64_t bit;		/* next value's bit offset in them */
};

/* DELTA_BINARY_PACKED. */
struct pq_delta {
	const uint8_t *p, *end;
	uint64_t block, mini_n, per_mini;
	uint64_t total, done;
	int64_t last, min_delta;
	uint64_t mini_left, mini_i;	/* values left in miniblock, index */
	const uint8_t *bw;		/* this block's bit widths */
	const uint8_t *mp;		/* this miniblock's bytes */
	size_t mlen;
	uint64_t mbit;
	int width;
};

struct pq_col {
	/* set by the caller */
	enum pq_type type;
	int32_t type_length;	/* FIXED_LEN_BYTE_ARRAY */
	int optional;		/* max definition level 1 */
	enum pq_codec_id codec;
	const uint8_t *p, *end;	/* the chunk's bytes, from its first page */
	uint64_t base;		/* the chunk's offset in the file */
	int64_t num_values;	/* as its metadata says */
	/* Or, with fill set, the chunk is read as the cursor goes (p and
	 * end unset): fill appends bytes [off, off + len) of the file to
	 * into (0, or -1), at least seg of them where the chunk's flen
	 * bytes from base have that many; memory is then one window of
	 * them, a decompressed page and the dictionary. */
	int (*fill)(void *ctx, uint64_t off, uint64_t len, struct buf *into);
	void *fill_ctx;
	uint64_t flen;
	size_t seg;

	/* the cursor */
	uint64_t next;		/* next page header's offset in the file */
	int started;
	struct buf win;		/* fill: bytes from win_off */
	uint64_t win_off;
	struct buf page, dictbuf;
	struct pq_val *dict;
	uint32_t ndict;
	int has_dict;
	int64_t seen;		/* values of the chunk read */
	uint32_t page_left;	/* values left in the page */
	struct pq_rle defs;
	enum pq_encoding enc;
	const uint8_t *vp, *vend;	/* PLAIN values */
	uint64_t bitpos;	/* PLAIN booleans */
	struct pq_rle idx;	/* dictionary indices, RLE booleans */
	struct pq_delta delta;	/* integers; byte array lengths */
	struct pq_delta pfx;	/* DELTA_BYTE_ARRAY prefix lengths */
	const uint8_t *dp, *dend;	/* DELTA_*BYTE_ARRAY bytes */
	struct buf prev;	/* DELTA_BYTE_ARRAY: the last value */
	uint64_t bss_i, bss_n;	/* BYTE_STREAM_SPLIT: value, count */
	void *zd;		/* a zstd context, once needed */
	char err[120];
};

/* 0 (*null set, *v the value unless null), or -1 with c->err set. */
int pq_col_next(struct pq_col *c, struct pq_val *v, int *null);
/* -1 with c->err set when the chunk holds values past those read. */
int pq_col_end(struct pq_col *c);
void pq_col_free(struct pq_col *c);

/* Exposed for the unit test: the hybrid over p..end with bit width bw. */
void pq_rle_init(struct pq_rle *r, const uint8_t *p, const uint8_t *end,
    int bw);
int pq_rle_next(struct pq_rle *r, uint32_t *v);

#endif
