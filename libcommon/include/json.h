/*
 * json: a strict RFC 8259 reader and a writer, built for NDJSON.
 *
 * json_parse() reads one JSON text in place into a flat array of tokens (a
 * "tape"), validating UTF-8 and the grammar, with no allocation per value:
 * the token array is reused from call to call.  Strings are not decoded:
 * a string token points at the raw bytes between its quotes and says
 * whether they hold escapes; json_str_decode() decodes on demand.
 * Containers span their whole source text, so a subtree can be copied
 * through unchanged.
 */
#ifndef STAGE_JSON_H
#define STAGE_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

enum json_type {
	JSON_NULL, JSON_FALSE, JSON_TRUE, JSON_NUMBER, JSON_STRING,
	JSON_ARRAY, JSON_OBJECT
};

enum {
	JSON_F_ESCAPED = 1,	/* string: holds at least one backslash */
	JSON_F_INT = 2,		/* number: no fraction, no exponent */
	JSON_F_ASCII = 4	/* string: every byte is < 0x80 */
};

struct json_tok {
	const char *p;		/* string: after the quote; else the first byte */
	uint32_t len;		/* string: raw bytes between quotes; else span */
	uint32_t end;		/* index of the first token after this subtree */
	uint8_t type;
	uint8_t flags;
};

struct json_doc {
	struct json_tok *tok;
	size_t ntok;
	size_t cap;
	size_t err_off;		/* byte offset of the error in the text */
	char err[96];		/* what went wrong, when json_parse fails */
};

#define JSON_MAX_DEPTH 256

void json_doc_free(struct json_doc *d);

/* Parses s[0..n) as exactly one JSON text (surrounding white space
 * allowed).  Returns 0, or -1 with d->err and d->err_off set. */
int json_parse(struct json_doc *d, const char *s, size_t n);

/* Index of the value of member key in object token obj, or -1. */
int json_obj_get(const struct json_doc *d, int obj, const char *key);

/* Appends the decoded (UTF-8) bytes of string token t to out. */
void json_str_decode(const struct json_tok *t, struct buf *out);
/* The decoded string member key of object token obj, in a new C string
 * (the caller frees it), or NULL: obj < 0, key absent, or not a string. */
char *json_obj_str(const struct json_doc *d, int obj, const char *key);

/* 1 if string token t equals the C string s once decoded. */
int json_str_eq(const struct json_tok *t, const char *s);

/* Integer value of number token t; -1 if it is not an integer or does not
 * fit in 64 bits. */
int json_int64(const struct json_tok *t, int64_t *v);

/* Writer: appends s[0..n) as a quoted JSON string (s must be UTF-8). */
void json_put_str(struct buf *b, const char *s, size_t n);
/* Like json_put_str for bytes that may not be UTF-8: each byte of an
 * invalid sequence becomes U+FFFD (for echoing bad input back). */
void json_put_str_lossy(struct buf *b, const char *s, size_t n);
/* Appends a string token as a JSON string, copying raw bytes when it can. */
void json_put_tok_str(struct buf *b, const struct json_tok *t);
/* Appends the source text of any token (a subtree copied through). */
void json_put_raw(struct buf *b, const struct json_tok *t);

/* 1 if s[0..n) is valid UTF-8 (no overlongs, no surrogates). */
int utf8_valid(const char *s, size_t n);

#endif
