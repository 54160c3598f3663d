/*
 * pgbin: PostgreSQL's binary COPY format, from the text of CSV fields.
 *
 * COPY ... (FORMAT binary) spares the server its text parsing: a 1M-row
 * file loads in about 60% of the time of the same rows as CSV.  The price
 * is that the client must produce exactly the value the server's input
 * function would have made of the text, so this encoder takes only the
 * canonical forms it can convert exactly and refuses everything else
 * (pgbin_field returns -1): the caller then loads the file as CSV and
 * PostgreSQL judges the text itself, with its own error messages.
 *
 * Taken, per column type (the types stage creates, dest_postgres.c):
 *   bigint       -?[0-9]+ within 64 bits
 *   double       -?[0-9]+(.[0-9]+)?([eE][-+]?[0-9]+)?, finite, no
 *                overflow or underflow to zero (strtod, as float8in)
 *   boolean      true false t f 1 0
 *   text         any bytes (the server still checks the encoding)
 *   timestamptz  YYYY-MM-DD[Tt ]HH:MM[:SS[.f{1,6}]][Z|z|±HH[[:]MM]]
 *                (coltype.h's isotime_parse: year 0001-9999, real days),
 *                no leap second, zones within ±15:59; without a zone,
 *                or as a date alone, only when the session's time zone
 *                is UTC (utc)
 *   date         YYYY-MM-DD
 *   time         HH:MM[:SS[.f{1,6}]], hour 00-23, no zone
 *   jsonb        any text (the server parses it)
 *   bytea        \x and an even number of hex digits
 *   numeric      -?[0-9]+(.[0-9]+)?, at most 1000 digits each side
 * An empty unquoted field is NULL for every type; an empty quoted one is a
 * value only text takes.
 */
#ifndef STAGE_PGBIN_H
#define STAGE_PGBIN_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "coltype.h"
#include "format.h"

/* 1 if columns of type t can be sent in binary. */
int pgbin_takes(enum coltype t);

/* The 19-byte header and the 2-byte trailer of a binary COPY stream. */
void pgbin_header(struct buf *b);
void pgbin_trailer(struct buf *b);

/* A tuple of n fields starts; then n fields follow. */
void pgbin_tuple(struct buf *b, int n);
void pgbin_null(struct buf *b);
void pgbin_int8(struct buf *b, int64_t v);

/* Appends the field whose CSV text is s (len bytes, NUL-terminated;
 * null: an empty unquoted field) as a value of type t.  0, or -1 when s
 * is not in a form listed above (b then holds a partial field). */
int pgbin_field(struct buf *b, enum coltype t, const char *s, size_t len,
    int null, int utc);

/* Appends typed value v (format.h) as a value of type t: the typed kinds
 * directly when t is theirs (FV_TS a timestamptz), text through
 * pgbin_field (tmp holds it NUL-terminated where t needs that).  0, or
 * -1 as pgbin_field's, and for a typed kind of another type. */
int pgbin_value(struct buf *b, enum coltype t, const struct fval *v, int utc,
    struct buf *tmp);

#endif
