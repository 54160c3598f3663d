/*
 * source: a staged object as a stream of plain CSV bytes.
 *
 * source_stream reads the file's staged copy (its url: file://, s3://
 * through storage.h; else its local "file" path), decompresses it (gzip,
 * zstd; not for a format that compresses itself) and has its format's
 * reader (format.h) turn it into CSV rows in the manifest's column order
 * with a header row first, so that every destination that takes CSV
 * (PostgreSQL COPY, Redshift, a CSV parser for SQLite) gets one format.
 * The CSV is RFC 4180: NULL is an empty unquoted field, an empty string
 * is "".  Memory is bounded by the read buffer and what the format's
 * reader holds (JSONL: the longest line).
 */
#ifndef STAGE_SOURCE_H
#define STAGE_SOURCE_H

#include "compress.h"
#include "dest.h"
#include "format.h"

/* With file_no >= 0 every CSV row is led by the staging bookkeeping: the
 * header by "_stage_row," and data row n (from 1) by sql_row_tag(file_no,
 * n) and a comma.  Computing them here costs the client a byte scan;
 * column defaults would cost the server a function call per row. */
#define SOURCE_TAG_COLUMN "_stage_row"

/* Storages of remote objects kept open from one object to the next
 * (same bucket, endpoint, region and addressing), so that one worker's
 * reads share a configuration, credentials and connections.  Starts as
 * a NULL pointer the caller owns; one per thread; NULL in place of the
 * pointer's address opens a storage per object. */
struct sources;
void sources_free(struct sources *s);

/* Calls sink with consecutive pieces of CSV.  Returns 0, or -1 after
 * reporting "object: why" (a sink failure is reported by the sink and
 * returns -1 without a message here). */
int source_stream(struct sources **s, const struct dfile *f,
    int64_t file_no, zsink sink, void *ctx);

/* 1 when f's format hands its rows over typed (format.h: struct fval),
 * which source_rows then reads. */
int source_typed(const struct dfile *f);
/* Reads f as source_stream does, but hands row each row's values in the
 * manifest's column order (no header, no tags) instead of CSV text.
 * Returns 0, or -1 after reporting (a -1 of row's without a message). */
int source_rows(struct sources **s, const struct dfile *f, format_row row,
    void *ctx);

/* Removes the staged object (url, else the local file); an object that
 * is already gone counts as removed.  -1 after reporting. */
int source_delete(struct sources **s, const struct dfile *f);

#endif
