/*
 * pgbin_value: typed row values (format.h's struct fval) in PostgreSQL's
 * binary COPY format (pgbin.h), with no text in between: the value a
 * typed kind carries is the one pgbin_field would have parsed from its
 * CSV text.
 */
#include <string.h>

#include "pgbin.h"

#define PG_EPOCH_US (INT64_C(10957) * INT64_C(86400000000))

static void
be(uint8_t *x, uint64_t v, int n)
{
	for (int i = n - 1; i >= 0; i--) {
		x[i] = (uint8_t)(v & 0xff);
		v >>= 8;
	}
}

/* A field of 8 bytes: its length, then v. */
static void
put8(struct buf *b, uint64_t v)
{
	uint8_t x[12];

	be(x, 8, 4);
	be(x + 4, v, 8);
	buf_add(b, x, sizeof x);
}

static int
text_value(struct buf *b, enum coltype t, const struct fval *v, int utc,
    struct buf *tmp)
{
	if (t == CT_TEXT || t == CT_JSON)
		return pgbin_field(b, t, v->p, v->n, 0, utc);
	buf_reset(tmp);
	buf_add(tmp, v->p, v->n);
	return pgbin_field(b, t, tmp->p, tmp->len, 0, utc);
}

int
pgbin_value(struct buf *b, enum coltype t, const struct fval *v, int utc,
    struct buf *tmp)
{
	uint64_t bits;

	switch (v->kind) {
	case FV_NULL:
		pgbin_null(b);
		return 0;
	case FV_TEXT:
		return text_value(b, t, v, utc, tmp);
	case FV_INT:
		if (t != CT_BIGINT)
			return -1;
		put8(b, (uint64_t)v->i);
		return 0;
	case FV_DOUBLE:
		if (t != CT_DOUBLE)
			return -1;
		memcpy(&bits, &v->d, sizeof bits);
		put8(b, bits);
		return 0;
	case FV_BOOL:
		if (t != CT_BOOL)
			return -1;
		buf_add(b, v->i ? "\0\0\0\1\1" : "\0\0\0\1\0", 5);
		return 0;
	case FV_TS:
		if (t != CT_TIMESTAMP)
			return -1;
		put8(b, (uint64_t)(v->i - PG_EPOCH_US));
		return 0;
	}
	return -1;
}
