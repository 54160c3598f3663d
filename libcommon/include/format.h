/*
 * format: the loader file formats behind one interface, picked by name the
 * way storage.h picks a back end by scheme (table in format.c: "csv" ->
 * format_csv.c, "jsonl" -> format_jsonl.c; a new format is one new file
 * and one table row).
 *
 * enum format_id is the one list of the formats a manifest line may name
 * (its "format" member, with format_parse and format_name), implemented
 * in this build or not: a line naming a format without a table row is
 * well formed, and only the step that must write or read the file fails.
 *
 * A format has two sides:
 *  - the writer side (stage-write, writer.c): per loader file, begin once
 *    the file's columns are fixed, row per record, end before the file is
 *    committed.  The format appends the file's bytes to f->out, which the
 *    writer moves to disk; what it holds back (a Parquet row group) it
 *    counts in f->held, so that rotation by size sees it.
 *  - the reader side (stage-copy, source.c): a staged object becomes
 *    plain CSV for r->sink (a header row, then one row per record, NULL an
 *    empty unquoted field and '' a quoted "", csvin.h's dialect), which
 *    every destination loads.  A streamed format takes the object's plain
 *    bytes in order (feed, finish); a format that needs random access (a
 *    Parquet footer) has read instead and reads through r->range.
 *
 * Compression: a format that does not compress itself has its whole byte
 * stream wrapped in the manifest's compression (compress.h: gzip, zstd)
 * on both sides, and its files get the codec's suffix (".csv.gz").  One
 * that compresses itself (self_compressing) gets the codec in f->comp to
 * use inside the file (Parquet compresses its pages) and sees its bytes
 * unwrapped; its files keep the bare extension.
 */
#ifndef STAGE_FORMAT_H
#define STAGE_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "compress.h"
#include "record.h"
#include "schema.h"

enum format_id { FMT_CSV, FMT_JSONL, FMT_PARQUET };

/* "csv", "jsonl", "parquet" <-> enum; -1 for a name no format has. */
int format_parse(const char *name, enum format_id *id);
const char *format_name(enum format_id id);

/* One loader file being written. */
struct format_file {
	const struct schema *sch;	/* the file's columns: 0..ncols-1 */
	size_t ncols;
	enum compression comp;		/* self_compressing: the codec */
	struct buf *out;		/* the file's bytes, in order */
	struct buf *scratch;		/* the writer's, for any row */
	uint64_t held;			/* plain bytes held back, not in out */
	void *state;			/* the format's own, or NULL */
	const char *path;		/* the file, for messages */
	/* A format that buffers row groups: their bound in rows and in
	 * plain bytes, 0 for the format's default. */
	uint64_t group_rows, group_bytes;
};

/* A ranged read: bytes [off, off + len) of the object to sink, in
 * pieces; 0, or -1 with err set (a sink's failure is the sink's). */
typedef int (*format_range)(void *ctx, uint64_t off, uint64_t len,
    zsink sink, void *sink_ctx, struct buf *err);

struct dtable;

/* One value of a row handed over typed (format_read's row), which spares
 * a destination that sends values in binary the CSV text and its parse.
 * A typed kind is given only for a column of the matching manifest type
 * (FV_INT bigint, FV_DOUBLE double: finite, normal or zero; FV_BOOL bool,
 * i 0 or 1; FV_TS timestamp, i microseconds since 1970-01-01 UTC);
 * every other value is FV_TEXT: its CSV field unquoted (a text or json
 * value's bytes, any other type's text as the CSV has it), p n bytes
 * long, not NUL-terminated. */
enum fval_kind { FV_NULL, FV_TEXT, FV_INT, FV_DOUBLE, FV_BOOL, FV_TS };

struct fval {
	enum fval_kind kind;
	const char *p;
	size_t n;
	int64_t i;
	double d;
};

/* A row's n values in manifest column order: 0, or -1 to stop. */
typedef int (*format_row)(void *ctx, const struct fval *v, size_t n);

/* One staged object being read. */
struct format_read {
	const struct dtable *t;		/* columns in manifest order */
	const char *object;		/* for messages */
	zsink sink;			/* the CSV */
	void *ctx;
	/* For a format with read: the object's size and a ranged read of
	 * it (range is NULL where the storage offers none). */
	uint64_t size;
	format_range range;
	void *range_ctx;
	/* For a format with typed_rows: set, each row goes to row (no
	 * header) in place of the CSV to sink; its -1 stops the read (a
	 * -1 of read's with err empty). */
	format_row row;
	void *row_ctx;
	/* A format with read: row groups larger than this (0: the format's
	 * default) are read column by column as they are decoded, in
	 * ranged reads of read_seg bytes (0: its default), not at once. */
	uint64_t read_max, read_seg;
	/* A data error ("line 3: not a JSON object"), which the caller
	 * reports once it knows the object is the one the manifest names;
	 * empty when a -1 came from the sink (which reported it). */
	char err[200];
	void *state;			/* the format's own, or NULL */
};

struct format_ops {
	enum format_id id;
	const char *name;		/* as format_name(id) */
	const char *ext;		/* file name extension, no dot */
	int self_compressing;
	/* Writer side.  begin, end and discard may be NULL (nothing before
	 * the first row or after the last, no state); end and discard free
	 * f->state; end returns -1 with errno set on failure. */
	void (*begin)(struct format_file *f);
	void (*row)(struct format_file *f, const struct record *r,
	    size_t linelen);
	int (*end)(struct format_file *f);
	void (*discard)(struct format_file *f);
	/* May be NULL.  0 when record r cannot go into the file as begun
	 * (a format whose files fix their column types, and a type widened
	 * since begin): the writer then ends the file before the record. */
	int (*fits)(const struct format_file *f, const struct record *r);
	/* Reader side: feed and finish (streamed; feed is a zsink on the
	 * struct format_read), or read (random access through r->range).
	 * open, finish and close may be NULL; each returns 0, or -1 after setting
	 * r->err or after the sink failed. */
	int (*open)(struct format_read *r);
	int (*feed)(void *r, const void *p, size_t n);
	int (*finish)(struct format_read *r);
	int (*read)(struct format_read *r);
	void (*close)(struct format_read *r);
	/* read honours r->row (typed rows, struct fval). */
	int typed_rows;
};

/* The format's implementation, or NULL when this build has none. */
const struct format_ops *format_get(enum format_id id);
/* The implemented format of that name, or NULL. */
const struct format_ops *format_find(const char *name);
/* Appends the file name extension of a file of that format and
 * compression (names as in the manifest): "csv.gz", "jsonl"; a format
 * that compresses itself takes no codec suffix ("parquet"); a format this
 * build lacks gets its name and the suffix. */
void format_file_ext(struct buf *out, const char *format,
    const char *compression);
/* Appends "csv, jsonl": the implemented formats, for messages. */
void format_names(struct buf *b);

/* JSONL -> CSV, one object (format_jsonl.c; exposed for the unit test). */
int format_jsonl_csv_row(const struct dtable *t, const char *line,
    size_t len, struct json_doc *doc, struct buf *out, char *err,
    size_t errlen);

#endif
