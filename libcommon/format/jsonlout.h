/*
 * jsonlout: rows as JSON Lines, one object per line with the normalized
 * (flattened) column names of the CSV output, in column order.  Null and
 * absent values are left out.  Values keep their JSON form, except that a
 * text column holding a non-string value gets it as a string of its JSON
 * text, and a column pinned to a number or bool type gets a string value
 * ("42") as the bare literal (42).
 */
#ifndef STAGE_JSONLOUT_H
#define STAGE_JSONLOUT_H

#include <stddef.h>

#include "buf.h"
#include "record.h"
#include "schema.h"

/* One row of columns 0..ncols-1 from r; linelen is the length of the
 * record's source text, which bounds the row's size. */
void jsonlout_row(struct buf *out, const struct schema *s, size_t ncols,
    const struct record *r, size_t linelen);

#endif
