/*
 * parquet_write: the Parquet file writer under format_parquet.c.  Values
 * arrive column by column, row by row, already in their PLAIN encoding
 * (little-endian integers and doubles, a boolean as one byte 0/1, a
 * byte array's bytes without its length, a decimal's 16 big-endian
 * bytes); a row group is buffered (at most one), then written as one
 * column chunk per column: an optional dictionary page and data pages
 * (DataPage v1: RLE definition levels for optional columns, then the
 * values PLAIN or RLE_DICTIONARY), each page compressed with the file's
 * codec.  The footer (FileMetaData, Thrift compact) follows the last row
 * group, with the schema, per-chunk statistics (null count; min and max in
 * the column's type-defined order) and the created_by string.
 *
 * Dictionary encoding is tried per column chunk and abandoned (PLAIN for
 * the rest of that column in the file) when the dictionary passes
 * PQW_DICT_BYTES or most of the first PQW_DICT_PROBE values are
 * distinct; a chunk whose dictionary would not make it smaller is
 * written PLAIN.  Bytes go to out as each row group completes; pos
 * counts everything appended since pqw_new (the file's offsets).
 */
#ifndef STAGE_PARQUET_WRITE_H
#define STAGE_PARQUET_WRITE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "coltype.h"

#define PQW_DICT_BYTES (1u << 20)	/* dictionary page limit */
/* After this many values of a group, a column with more than 9/10 of
 * them distinct leaves the dictionary for the file: it would hardly
 * shrink the column and costs a hash of every value. */
#define PQW_DICT_PROBE 8192
#define PQW_DICT_BATCH 1024	/* values looked up together */
#define PQW_PAGE_BYTES (1u << 20)	/* data page target */
#define PQW_PAGE_ROWS 200000
#define PQW_STAT_MAX 4096	/* longer min/max values are left out */
#define PQW_DEC_PRECISION 38
#define PQW_DEC_SCALE 9

enum pq_phys {
	PQ_BOOLEAN = 0, PQ_INT32 = 1, PQ_INT64 = 2, PQ_DOUBLE = 5,
	PQ_BYTE_ARRAY = 6, PQ_FLBA = 7
};

enum pq_codec {
	PQ_UNCOMPRESSED = 0, PQ_SNAPPY = 1, PQ_GZIP = 2, PQ_ZSTD = 6
};

struct pqw_colspec {
	const char *name;
	enum coltype type;
	int required;		/* never null: no definition levels */
};

/* A slot of the dictionary's hash for 4- and 8-byte values: the value
 * itself beside its entry's number + 1 (0 empty), so a probe reads one
 * cache line and never the entries. */
struct pqkey {
	uint64_t key;
	uint32_t ent;
};

struct pqcol {
	const char *name;
	enum coltype ct;
	enum pq_phys phys;
	size_t width;		/* PLAIN width; 0 for byte arrays */
	int required;
	unsigned char *def;	/* this group's rows: bit set when defined */
	size_t defcap;		/* bytes */
	uint64_t nulls;
	size_t nvals;
	uint64_t plain_bytes;	/* PLAIN size of the group's values */
	struct buf vals;	/* PLAIN values, when not dictionary-encoding */
	int dict;		/* dictionary-encoding this group */
	size_t nenc;		/* values in the dictionary (idx); vals then
				 * holds those after them, PLAIN */
	int nodict;		/* dictionary given up for the file */
	uint32_t *idx;		/* per value: its dictionary entry */
	size_t idxcap;
	struct buf dvals;	/* dictionary entries, PLAIN */
	uint32_t *doff;		/* byte arrays: entry k at dvals + doff[k] */
	size_t ndict, doffcap;
	uint32_t *slots;	/* hash of entries: tag | entry + 1 */
	struct pqkey *keys;	/* 4- and 8-byte values: hash of entries */
	size_t nslots;
};

struct pqw;

/* A writer of one file appending to out; group_rows and group_bytes (of
 * PLAIN values) bound a row group.  Appends the leading magic. */
struct pqw *pqw_new(const struct pqw_colspec *cols, size_t ncols,
    enum pq_codec codec, uint64_t group_rows, uint64_t group_bytes,
    struct buf *out, const char *created_by);
/* The current row's value of column c, PLAIN (see above). */
void pqw_put(struct pqw *q, size_t c, const void *p, size_t n);
/* The current row's column c is null. */
void pqw_null(struct pqw *q, size_t c);
/* Ends the row (every column put or null); may write a row group. */
void pqw_row(struct pqw *q);
const char *pqw_colname(const struct pqw *q, size_t c);
/* PLAIN bytes buffered in the current row group. */
uint64_t pqw_held(const struct pqw *q);
/* Writes the last row group and the footer. */
void pqw_finish(struct pqw *q);
void pqw_free(struct pqw *q);

/* parquet_col.c: one column's buffered row group. */
void pqcol_init(struct pqcol *c, const struct pqw_colspec *s);
void pqcol_free(struct pqcol *c);
/* Starts a row group. */
void pqcol_reset(struct pqcol *c);
/* Adds a value (PLAIN, without a byte array's length) at row, making
 * room for its definition bit.  A dictionary column keeps it PLAIN
 * until PQW_DICT_BATCH values are pending, then pqcol_encode looks
 * them up in one tight loop rather than one per row between the
 * parsing of records (the hash stays in the cache). */
void pqcol_add(struct pqcol *c, size_t row, const void *p, size_t n);
/* Makes room for row's definition bit. */
void pqcol_row(struct pqcol *c, size_t row);
/* Looks the group's pending PLAIN values up in the dictionary, or
 * leaves the dictionary for the file when it grows too large or too
 * distinct (vals then holds all of the group's values PLAIN). */
void pqcol_encode(struct pqcol *c);
/* Leaves dictionary encoding for this group, rebuilding its PLAIN
 * values from the dictionary. */
void pqcol_undict(struct pqcol *c);
/* Whether the group's values are smaller with the dictionary. */
int pqcol_dict_pays(const struct pqcol *c);
/* The group's min and max (PLAIN, byte arrays without length) into
 * min and max: 1 when set, 0 when there are none to give (no values,
 * only NaNs, or a value longer than PQW_STAT_MAX). */
int pqcol_minmax(const struct pqcol *c, struct buf *min, struct buf *max);

#endif
