/*
 * parquet_read: the reader side of the Parquet format (format.h).  A
 * staged Parquet file becomes the CSV every destination loads: its footer
 * is read first through r->range (the last 64 KiB of the object, or the
 * footer's exact length when it is larger), then one row group at a time:
 * one ranged read of its column chunks, or, for a row group larger than
 * r->read_max (default 16 MiB), each column's chunk read in windows of
 * r->read_seg (1 MiB) as its values are decoded; so memory is bounded by
 * the largest row group up to that size and by a window per column
 * beyond it, never by the file.
 *
 * Flat files only (one leaf column per top-level field).  The file's
 * columns must be the manifest line's columns, matched by name (order may
 * differ); each column's Parquet type must hold the manifest's type
 * (parquet_text.h).  Anything else -- not Parquet, truncated, a footer
 * whose lengths or offsets do not fit the object, an unknown codec,
 * encoding or type, a page checksum that does not match -- is refused
 * with r->err naming the row group, column and byte where it applies,
 * before or instead of the rows that would have been wrong: the
 * destination's transaction then loads nothing of the file.
 *
 * With r->row set the rows go to it as typed values (parquet_typed.h)
 * instead of CSV to r->sink, in the same order and with the same checks.
 */
#ifndef STAGE_PARQUET_READ_H
#define STAGE_PARQUET_READ_H

#include "format.h"

/* 0, or -1 with r->err set (empty when the sink failed). */
int parquet_read(struct format_read *r);

#endif
