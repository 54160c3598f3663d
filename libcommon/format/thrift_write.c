/*
 * thrift_write: compact protocol encoding (thrift_write.h).  A field
 * header is one byte, (id delta << 4) | type, when the delta from the
 * previous field is 1-15, else the type byte and the id as a zigzag
 * varint; booleans keep their value in the header's type; integers are
 * zigzag varints; binaries a varint length and the bytes.
 */
#include "thrift_write.h"

enum {
	CT_TRUE = 1, CT_FALSE = 2
};

void
tw_varint(struct buf *b, uint64_t v)
{
	unsigned char t[10];
	size_t n = 0;

	while (v >= 0x80) {
		t[n++] = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	t[n++] = (unsigned char)v;
	buf_add(b, t, n);
}

static uint64_t
zigzag(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

void
tw_init(struct tw *w, struct buf *b)
{
	w->b = b;
	w->last = 0;
	w->depth = 0;
}

static void
field(struct tw *w, int16_t id, int type)
{
	int delta = id - w->last;

	if (delta > 0 && delta <= 15) {
		buf_addc(w->b, (char)(delta << 4 | type));
	} else {
		buf_addc(w->b, (char)type);
		tw_varint(w->b, zigzag(id));
	}
	w->last = id;
}

void
tw_i32(struct tw *w, int16_t id, int32_t v)
{
	field(w, id, TW_I32);
	tw_varint(w->b, zigzag(v));
}

void
tw_i64(struct tw *w, int16_t id, int64_t v)
{
	field(w, id, TW_I64);
	tw_varint(w->b, zigzag(v));
}

void
tw_bool(struct tw *w, int16_t id, int v)
{
	field(w, id, v ? CT_TRUE : CT_FALSE);
}

void
tw_binary(struct tw *w, int16_t id, const void *p, size_t n)
{
	field(w, id, TW_BINARY);
	tw_elem_binary(w, p, n);
}

void
tw_string(struct tw *w, int16_t id, const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	tw_binary(w, id, s, n);
}

static void
push(struct tw *w)
{
	if (w->depth == TW_DEPTH)
		die(EXIT_FAIL, "internal error: thrift structs nested too deep");
	w->stack[w->depth++] = w->last;
	w->last = 0;
}

void
tw_struct(struct tw *w, int16_t id)
{
	field(w, id, TW_STRUCT);
	push(w);
}

void
tw_list(struct tw *w, int16_t id, enum tw_type t, size_t n)
{
	field(w, id, TW_LIST);
	if (n < 15) {
		buf_addc(w->b, (char)(n << 4 | t));
	} else {
		buf_addc(w->b, (char)(0xf0 | t));
		tw_varint(w->b, n);
	}
}

void
tw_elem_i32(struct tw *w, int32_t v)
{
	tw_varint(w->b, zigzag(v));
}

void
tw_elem_binary(struct tw *w, const void *p, size_t n)
{
	tw_varint(w->b, n);
	buf_add(w->b, p, n);
}

void
tw_elem_struct(struct tw *w)
{
	push(w);
}

void
tw_end(struct tw *w)
{
	buf_addc(w->b, 0);
	if (w->depth > 0)
		w->last = w->stack[--w->depth];
}
