/*
 * writer: the heart of stage-write.  Records go in one at a time; loader
 * files come out, one current file per table, and a manifest line goes to
 * stdout as each file is closed (after its atomic rename).
 *
 * Each file starts with a look-ahead: its first rows (up to lookahead_rows
 * or lookahead_bytes of input) are only buffered, so that the file's
 * column set and order are known before its header is written.  The
 * columns of a file are every column its table has seen so far, in
 * first-seen order.  A row that brings a new column after the look-ahead
 * closes the file and starts the next one with that row, so a header is
 * always exact.  A type that widens within a file only changes the type
 * the manifest line gives for it, unless the format fixes its files'
 * types (format.h, fits: Parquet), which ends the file before the row;
 * types never narrow from file to file.
 * Files rotate after max_rows rows or max_bytes plain (uncompressed)
 * bytes, those the format holds back included.  The format (format.h)
 * writes the bytes; the writer owns files, look-ahead and rotation.
 */
#ifndef STAGE_WRITER_H
#define STAGE_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "compress.h"
#include "format.h"
#include "schema.h"

struct writer_opts {
	const char *dir;		/* absolute, existing */
	const char *dataset;		/* normalized */
	const char *load_id;
	const char *table;		/* normalized, or NULL */
	const char *table_field;	/* raw member name, or NULL */
	enum format_id format;		/* one with a format_ops */
	enum compression comp;
	const char *disposition;
	struct schema_hints hints;	/* names normalized */
	uint64_t max_rows;		/* 0: no limit */
	uint64_t max_bytes;		/* 0: no limit */
	uint64_t group_rows;		/* Parquet row groups; 0: default */
	uint64_t group_bytes;		/* 0: default */
	size_t lookahead_rows;
	size_t lookahead_bytes;
};

struct writer;

struct writer *writer_new(const struct writer_opts *o);
/* Takes one record (the text of one NDJSON line).  0 when taken; -1 when
 * the record is bad, with the reason in err (the caller names source and
 * line).  I/O errors end the program (exit 1; temporaries removed). */
int writer_record(struct writer *w, const char *line, size_t len,
    char *err, size_t errlen);
/* Closes every file (emitting their manifest lines), then the end line. */
void writer_finish(struct writer *w);
/* How many loader files the writer has begun so far. */
unsigned writer_files(const struct writer *w);
/* Removes the temporaries of every open file. */
void writer_abort(struct writer *w);
void writer_free(struct writer *w);

#endif
