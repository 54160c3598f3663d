/*
 * arrowipc: a small, strict reader of Apache Arrow IPC streams, for the
 * query results Snowflake's session protocol sends as "rowsetBase64".
 *
 * It reads the stream format (a Schema message, then RecordBatch
 * messages, then the end marker; the continuation marker optional, as
 * older writers omit it) and hands every row to a callback as text, the
 * way a libpq result reads: NULL for a null, integers in decimal (scaled
 * by the field's Snowflake "scale" metadata or the Decimal type's scale),
 * booleans as "true"/"false", doubles with 17 digits, strings as their
 * bytes.  Column types: Int (8-64 bits), Bool, FloatingPoint, Decimal128,
 * Utf8 and Binary (as hex).  Anything else (structs, dictionaries,
 * compressed bodies, big-endian data) is refused with a reason, never
 * guessed at: every offset and length is checked against the bytes
 * given, so hostile input costs an error message, not a crash.
 */
#ifndef STAGE_ARROWIPC_H
#define STAGE_ARROWIPC_H

#include <stddef.h>

#include "buf.h"

/* Called per row with its n values as text (NULL for null): 0 goes on,
 * -1 stops. */
typedef int arrow_row_fn(void *arg, const char *const *v, int n);

/* Reads the stream p[0..n) and calls row per row.  Returns the rows
 * read, or -1 with why (a malformed or unsupported stream), or -2 when
 * row said stop. */
long long arrowipc_rows(const void *p, size_t n, arrow_row_fn *row,
    void *arg, struct buf *why);

#endif
