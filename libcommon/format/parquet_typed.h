/*
 * parquet_typed: a Parquet value as a typed row value (format.h's struct
 * fval) for a reader whose caller takes rows typed.  The typed kinds are
 * given only where the value is exactly what the CSV text of
 * parquet_text.h would read back as: integers, finite doubles that are
 * normal or zero, booleans, and timestamps in micro- or milliseconds
 * (and dates read as timestamps) within the years 1 to 9999; anything
 * else is that CSV text itself (FV_TEXT), and text and json values are
 * their bytes.  The same values are refused as by pq_text_put, with its
 * messages.
 */
#ifndef STAGE_PARQUET_TYPED_H
#define STAGE_PARQUET_TYPED_H

#include <stddef.h>

#include "buf.h"
#include "coltype.h"
#include "format.h"
#include "parquet_chunk.h"
#include "parquet_text.h"

/* v (or a null) of a column printed as o, for a manifest column of
 * type want, into *fv; text forms are written into txt, which fv then
 * points into until txt changes.  0, or -1 with why. */
int pq_typed(struct fval *fv, const struct pq_out *o, enum coltype want,
    const struct pq_val *v, int null, struct buf *txt, char *why,
    size_t whylen);

#endif
