/*
 * parquet_text: a Parquet value as the CSV text the other formats' paths
 * give the destinations for the manifest column's type (format.h), so
 * that every destination loads a Parquet file exactly as it loads the same
 * rows from CSV or JSONL:
 *
 *   bool       true, false
 *   bigint     the integer (signed or unsigned as the file says)
 *   double     text that reads back as the same double: an integral
 *              value as an integer, else 17 significant digits, or
 *              fewer where that is a short decimal (0.1); NaN,
 *              Infinity, -Infinity
 *   decimal    the unscaled integer with the point placed by the scale
 *              (DECIMAL of INT32, INT64, FIXED_LEN_BYTE_ARRAY, BYTE_ARRAY)
 *   timestamp  YYYY-MM-DDTHH:MM:SS[.ffffff]Z (TIMESTAMP of any unit,
 *              nine fraction digits only where nanoseconds are not 0;
 *              legacy INT96; a DATE is its midnight)
 *   date       YYYY-MM-DD;  time  HH:MM:SS[.ffffff]
 *   text, json the bytes: quoted when empty or holding a quote, comma
 *              or line break, else bare
 *   binary     \x and the bytes in hex, as PostgreSQL's bytea text
 *
 * A column whose Parquet type cannot hold the manifest's type is refused
 * at open (pq_text_kind); a value outside what the destinations take
 * (a year before 1 or after 9999) is refused with its row.
 */
#ifndef STAGE_PARQUET_TEXT_H
#define STAGE_PARQUET_TEXT_H

#include <stddef.h>

#include "buf.h"
#include "coltype.h"
#include "parquet_chunk.h"
#include "parquet_meta.h"

enum pq_kind {
	PK_BOOL, PK_INT, PK_UINT, PK_FLOAT, PK_DOUBLE, PK_TEXT, PK_BIN,
	PK_HEX, PK_DATE, PK_DATE_TS, PK_TIME, PK_TS, PK_TS96, PK_DEC,
	PK_UNKNOWN
};

struct pq_out {
	enum pq_kind kind;
	enum pq_type type;
	enum pq_unit unit;
	int32_t scale;
};

/* How column s's values print for a manifest column of type want: 0, or
 * -1 with why ("the file has BYTE_ARRAY (STRING)"). */
int pq_text_kind(const struct pq_schema *s, enum coltype want,
    struct pq_out *o, char *why, size_t whylen);
/* Appends v's CSV field: 0, or -1 with why. */
int pq_text_put(struct buf *b, const struct pq_out *o, const struct pq_val *v,
    char *why, size_t whylen);
/* Appends s (n bytes) as a quoted CSV field. */
void pq_text_quoted(struct buf *b, const void *s, size_t n);

#endif
