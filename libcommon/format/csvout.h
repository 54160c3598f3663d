/*
 * csvout: rows in the CSV dialect every destination reads the same way:
 * RFC 4180, comma, header row, '\n' line ends, '"' quoting with doubled
 * quotes.  NULL is an empty unquoted field and the empty string is "",
 * so NULL and '' stay distinct (PostgreSQL COPY CSV, Redshift CSV,
 * Snowflake FIELD_OPTIONALLY_ENCLOSED_BY='"' EMPTY_FIELD_AS_NULL=TRUE,
 * BigQuery).  A field is quoted when it holds a comma, quote, CR or LF,
 * starts or ends with a space, or is empty.  Strings are written decoded,
 * json values and json-typed columns as JSON text, numbers and booleans
 * as in the input.
 */
#ifndef STAGE_CSVOUT_H
#define STAGE_CSVOUT_H

#include <stddef.h>

#include "buf.h"
#include "record.h"
#include "schema.h"

/* Appends one field, quoted if it must be. */
void csvout_field(struct buf *out, const char *s, size_t n);
/* The header: the names of columns 0..ncols-1. */
void csvout_header(struct buf *out, const struct schema *s, size_t ncols);
/* One row of columns 0..ncols-1 from r; linelen is the length of the
 * record's source text, which bounds the row's size. */
void csvout_row(struct buf *out, const struct schema *s, size_t ncols,
    const struct record *r, size_t linelen, struct buf *scratch);

#endif
