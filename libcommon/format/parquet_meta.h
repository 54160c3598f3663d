/*
 * parquet_meta: a Parquet file's footer (FileMetaData) and page headers,
 * decoded from Thrift's compact protocol (thrift_read.h) into the few
 * members the reader uses; the rest is skipped.  Strings point into the
 * footer's bytes, which the caller keeps while it uses the metadata.
 *
 * Field numbers and enum values are those of parquet-format's
 * parquet.thrift.  Only what a reader of flat tables needs is kept.
 */
#ifndef STAGE_PARQUET_META_H
#define STAGE_PARQUET_META_H

#include <stddef.h>
#include <stdint.h>

/* Physical types. */
enum pq_type {
	PQT_BOOLEAN, PQT_INT32, PQT_INT64, PQT_INT96, PQT_FLOAT, PQT_DOUBLE,
	PQT_BYTE_ARRAY, PQT_FIXED
};

/* What a column's logical (or legacy converted) type says, reduced. */
enum pq_logical {
	PQL_NONE, PQL_STRING, PQL_JSON, PQL_DECIMAL, PQL_DATE, PQL_TIME,
	PQL_TIMESTAMP, PQL_INT, PQL_UINT, PQL_OTHER
};

enum pq_unit { PQU_MILLIS, PQU_MICROS, PQU_NANOS };

enum pq_codec_id {
	PQC_NONE = 0, PQC_SNAPPY = 1, PQC_GZIP = 2, PQC_LZO = 3,
	PQC_BROTLI = 4, PQC_LZ4 = 5, PQC_ZSTD = 6, PQC_LZ4_RAW = 7
};

enum pq_encoding {
	PQE_PLAIN = 0, PQE_PLAIN_DICTIONARY = 2, PQE_RLE = 3,
	PQE_BIT_PACKED = 4, PQE_DELTA_BINARY_PACKED = 5,
	PQE_DELTA_LENGTH_BYTE_ARRAY = 6, PQE_DELTA_BYTE_ARRAY = 7,
	PQE_RLE_DICTIONARY = 8, PQE_BYTE_STREAM_SPLIT = 9
};

enum pq_page { PQP_DATA = 0, PQP_INDEX = 1, PQP_DICT = 2, PQP_DATA_V2 = 3 };

struct pq_schema {
	const uint8_t *name;
	size_t namelen;
	int has_type;
	enum pq_type type;
	int32_t type_length;
	int repetition;		/* 0 required, 1 optional, 2 repeated */
	int32_t num_children;
	enum pq_logical logical;
	enum pq_unit unit;
	int32_t scale, precision;
	int bits;		/* PQL_INT, PQL_UINT: bit width */
};

struct pq_chunk {
	int has_meta;
	int has_path;		/* file_path: data in another file */
	enum pq_type type;
	enum pq_codec_id codec;
	int64_t num_values;
	int64_t total_compressed;
	int64_t data_off, dict_off;	/* dict_off 0: none */
	const uint8_t *path;	/* its last path_in_schema element */
	size_t pathlen;
	uint32_t path_depth;
};

struct pq_rowgroup {
	int64_t num_rows;
	struct pq_chunk *cols;
	uint32_t ncols;
};

struct pq_meta {
	int64_t num_rows;
	struct pq_schema *schema;
	uint32_t nschema;
	struct pq_rowgroup *rg;
	uint32_t nrg;
};

struct pq_page_header {
	int type;		/* enum pq_page, -1: none given */
	int32_t uncompressed, compressed;
	int has_crc;
	uint32_t crc;
	int32_t num_values;
	enum pq_encoding encoding;
	/* v2 */
	int32_t num_nulls, num_rows;
	int32_t def_len, rep_len;
	int is_compressed;
};

/* Decodes a footer; 0, or -1 with *why set. */
int pq_meta_parse(struct pq_meta *m, const void *p, size_t n,
    const char **why);
void pq_meta_free(struct pq_meta *m);
/* Decodes the page header at p (at most n bytes): its length in *used. */
int pq_page_header_parse(struct pq_page_header *h, const void *p, size_t n,
    size_t *used, const char **why);

#endif
