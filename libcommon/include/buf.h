/*
 * buf: a growable byte buffer, always NUL-terminated after len so that it
 * can be handed to C string functions.  The owner frees it with buf_free.
 */
#ifndef STAGE_BUF_H
#define STAGE_BUF_H

#include <stddef.h>
#include <stdint.h>

#include "log.h"

struct buf {
	char *p;
	size_t len;
	size_t cap;
};

#define BUF_INIT { NULL, 0, 0 }

void buf_grow(struct buf *b, size_t extra);
void buf_add(struct buf *b, const void *p, size_t n);
void buf_adds(struct buf *b, const char *s);
void buf_printf(struct buf *b, const char *fmt, ...) PRINTF_LIKE(2, 3);
void buf_add_i64(struct buf *b, int64_t v);
void buf_add_u64(struct buf *b, uint64_t v);
/* Appends the bytes that n hex digits (either case) spell; -1 for an odd
 * n or a non-hex digit (b then holds the bytes before it). */
int buf_add_unhex(struct buf *b, const char *hex, size_t n);
void buf_free(struct buf *b);

static inline void
buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->p)
		b->p[0] = '\0';
}

static inline void
buf_addc(struct buf *b, char c)
{
	if (b->len + 2 > b->cap)
		buf_grow(b, 1);
	b->p[b->len++] = c;
	b->p[b->len] = '\0';
}

#endif
