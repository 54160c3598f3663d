/*
 * csvin: a strict RFC 4180 CSV reader, push style.
 *
 * Bytes go in with csvin_feed (any split, so it can be a zsink) and
 * csvin_finish; each complete record comes out through the callback as
 * an array of fields.  Records end with LF or CRLF; a field is either
 * unquoted (no '"', CR or LF inside) or quoted ("" for a quote; commas,
 * CR and LF allowed).  An empty unquoted field is NULL (null = 1), an
 * empty quoted field ("") the empty string: the convention of
 * PostgreSQL's COPY CSV that source.h produces.  An empty line is a
 * record of one NULL field.  The last record needs no line end.
 *
 * Anything else (a quote inside an unquoted field, text after a closing
 * quote, a CR not followed by LF, a NUL byte, an unterminated quote) is
 * an error that names the line and field (csvin_error).  Memory is
 * bounded by the longest record.  Field bytes are NUL-terminated and stay
 * valid until the callback returns.
 */
#ifndef STAGE_CSVIN_H
#define STAGE_CSVIN_H

#include <stddef.h>

struct csvfield {
	const char *p;		/* NUL-terminated; "" for NULL */
	size_t len;
	int null;		/* empty and unquoted */
};

/* One record: n fields, starting on physical line `line` (from 1).
 * Returns 0 to go on, -1 to stop (the callback reports why). */
typedef int (*csvin_row)(void *ctx, const struct csvfield *f, size_t n,
    size_t line);

struct csvin;

struct csvin *csvin_new(csvin_row cb, void *ctx);
/* 0, or -1: a syntax error (csvin_error says what) or the callback
 * stopped (csvin_error returns NULL).  Signature of a zsink. */
int csvin_feed(void *c, const void *p, size_t n);
/* Ends the input: the last record, or an error for an open quote. */
int csvin_finish(struct csvin *c);
/* "line 3, field 2: text after a closing quote", or NULL. */
const char *csvin_error(const struct csvin *c);
void csvin_free(struct csvin *c);

#endif
