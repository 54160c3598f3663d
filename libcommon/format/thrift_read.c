/*
 * thrift_read: Thrift's compact protocol (varints, zigzag integers,
 * delta field ids), read with bounds and depth checked at every step.
 */
#include <string.h>

#include "thrift_read.h"

void
thr_init(struct thr *t, const void *p, size_t n)
{
	memset(t, 0, sizeof *t);
	t->p = p;
	t->end = t->p + n;
}

int
thr_fail(struct thr *t, const char *why)
{
	if (!t->err)
		t->err = why;
	t->p = t->end;
	return -1;
}

static uint64_t
varint(struct thr *t)
{
	uint64_t v = 0;

	for (int shift = 0; shift < 64; shift += 7) {
		uint8_t b;
		if (t->p >= t->end) {
			thr_fail(t, "truncated");
			return 0;
		}
		b = *t->p++;
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return v;
	}
	thr_fail(t, "varint too long");
	return 0;
}

static int64_t
zigzag(uint64_t v)
{
	return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

int64_t
thr_i64(struct thr *t)
{
	return zigzag(varint(t));
}

int32_t
thr_i32(struct thr *t)
{
	int64_t v = thr_i64(t);

	if (v < INT32_MIN || v > INT32_MAX) {
		thr_fail(t, "i32 out of range");
		return 0;
	}
	return (int32_t)v;
}

int
thr_bool(struct thr *t, int type)
{
	if (type == THR_TRUE)
		return 1;
	if (type == THR_FALSE)
		return 0;
	if (t->p >= t->end) {
		thr_fail(t, "truncated");
		return 0;
	}
	return *t->p++ == 1;
}

void
thr_bin(struct thr *t, const uint8_t **p, size_t *n)
{
	uint64_t len = varint(t);

	*p = t->p;
	*n = 0;
	if (len > (uint64_t)(t->end - t->p)) {
		thr_fail(t, "string runs past the end");
		return;
	}
	*n = (size_t)len;
	t->p += len;
}

int
thr_field(struct thr *t, int16_t *last, int *type, int16_t *id)
{
	uint8_t b;
	int delta;

	if (t->err || t->p >= t->end) {
		thr_fail(t, "truncated");
		return 0;
	}
	b = *t->p++;
	*type = b & 0x0f;
	if (*type == THR_STOP)
		return 0;
	delta = b >> 4;
	if (delta) {
		*id = (int16_t)(*last + delta);
	} else {
		int64_t v = thr_i64(t);
		if (v < INT16_MIN || v > INT16_MAX) {
			thr_fail(t, "field id out of range");
			return 0;
		}
		*id = (int16_t)v;
	}
	*last = *id;
	if (*type > THR_STRUCT) {
		thr_fail(t, "unknown field type");
		return 0;
	}
	return !t->err;
}

uint32_t
thr_list(struct thr *t, int *elem)
{
	uint8_t b;
	uint64_t n;

	if (t->p >= t->end) {
		thr_fail(t, "truncated");
		return 0;
	}
	b = *t->p++;
	*elem = b & 0x0f;
	n = b >> 4;
	if (n == 15)
		n = varint(t);
	/* every element takes a byte at least (a bool in a list does) */
	if (n > (uint64_t)(t->end - t->p)) {
		thr_fail(t, "list longer than its bytes");
		return 0;
	}
	return (uint32_t)n;
}

int
thr_enter(struct thr *t)
{
	if (++t->depth > THR_MAX_DEPTH)
		return thr_fail(t, "nested too deeply");
	return t->err ? -1 : 0;
}

void
thr_leave(struct thr *t)
{
	t->depth--;
}

static void
skip_struct(struct thr *t)
{
	thr_struct(t, NULL, 0, NULL, NULL, NULL);
}

/* A bool inside a list or map takes a byte. */
static int
in_list(int type)
{
	return type == THR_TRUE || type == THR_FALSE ? THR_BYTE : type;
}

static void
skip_list(struct thr *t, int type)
{
	uint32_t n;
	int elem, kv = 0;

	if (thr_enter(t) < 0)
		return;
	if (type == THR_MAP) {
		uint64_t m = varint(t);
		if (m > (uint64_t)(t->end - t->p))
			thr_fail(t, "map longer than its bytes");
		else if (m && t->p < t->end) {
			kv = *t->p++;
			for (uint64_t i = 0; i < m && !t->err; i++) {
				thr_skip(t, in_list(kv >> 4));
				thr_skip(t, in_list(kv & 0x0f));
			}
		}
	} else {
		n = thr_list(t, &elem);
		for (uint32_t i = 0; i < n && !t->err; i++)
			thr_skip(t, in_list(elem));
	}
	thr_leave(t);
}

void
thr_skip(struct thr *t, int type)
{
	const uint8_t *p;
	size_t n;

	switch (type) {
	case THR_TRUE:
	case THR_FALSE:
		break;
	case THR_BYTE:
		if (t->p >= t->end)
			thr_fail(t, "truncated");
		else
			t->p++;
		break;
	case THR_I16:
	case THR_I32:
	case THR_I64:
		(void)varint(t);
		break;
	case THR_DOUBLE:
		if (t->end - t->p < 8)
			thr_fail(t, "truncated");
		else
			t->p += 8;
		break;
	case THR_BINARY:
		thr_bin(t, &p, &n);
		break;
	case THR_LIST:
	case THR_SET:
	case THR_MAP:
		skip_list(t, type);
		break;
	case THR_STRUCT:
		skip_struct(t);
		break;
	default:
		thr_fail(t, "unknown type");
	}
}

/* The value of a field of member m's type, stored into its member. */
static void
member_store(struct thr *t, const struct thr_member *m, int type, void *obj)
{
	char *dst = (char *)obj + m->off;
	int64_t v;

	if (m->type == THR_TRUE)
		v = thr_bool(t, type);
	else if (m->type == THR_BYTE)
		v = t->p < t->end ? (int8_t)*t->p++ : thr_fail(t, "truncated");
	else if (m->type == THR_I64)
		v = thr_i64(t);
	else
		v = thr_i32(t);
	if (m->size == 8) {
		memcpy(dst, &v, 8);
	} else if (m->size == 4) {
		int32_t w = (int32_t)v;
		memcpy(dst, &w, 4);
	} else {
		int8_t b = (int8_t)v;
		memcpy(dst, &b, 1);
	}
}

static const struct thr_member *
member_find(const struct thr_member *m, size_t n, int16_t id, int type)
{
	if (type == THR_FALSE)
		type = THR_TRUE;
	for (size_t i = 0; i < n; i++)
		if (m[i].id == id && m[i].type == type)
			return &m[i];
	return NULL;
}

void
thr_fields(struct thr *t, const struct thr_member *m, size_t n, void *obj,
    thr_more_fn *more, void *ctx)
{
	const struct thr_member *mm;
	int16_t last = 0, id;
	int type;

	while (thr_field(t, &last, &type, &id)) {
		if ((mm = member_find(m, n, id, type)))
			member_store(t, mm, type, obj);
		else if (!more || !more(t, id, type, ctx))
			thr_skip(t, type);
	}
}

void
thr_struct(struct thr *t, const struct thr_member *m, size_t n, void *obj,
    thr_more_fn *more, void *ctx)
{
	if (thr_enter(t) < 0)
		return;
	thr_fields(t, m, n, obj, more, ctx);
	thr_leave(t);
}
