/* libFuzzer harness for the Thrift compact encoder: the input is a
 * program of fields (i32, i64, bool, binary, nested structs, lists of
 * i32 or of structs) with rising ids; what thrift_write.c encodes of it,
 * this harness's own decoder (written from the compact protocol's spec)
 * must read back as the same fields, values and nesting, to the last
 * byte. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "thrift_write.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct in {
	const uint8_t *p, *e;
};

static unsigned
byte(struct in *in)
{
	return in->p < in->e ? *in->p++ : 0;
}

static uint64_t
bytes8(struct in *in, int n)
{
	uint64_t v = 0;

	for (int i = 0; i < n; i++)
		v = v << 8 | byte(in);
	return v;
}

/* A log line per event: kind, id, value. */
static void
logev(struct buf *l, int kind, int id, uint64_t v)
{
	buf_printf(l, "%d %d %llu\n", kind, id, (unsigned long long)v);
}

static void
encode_struct(struct in *in, struct tw *w, struct buf *l, int depth)
{
	int id = 0;

	while (in->p < in->e) {
		unsigned op = byte(in) % 8, d = byte(in);
		int64_t v;
		id += d >= 250 ? 1000 : (int)(d % 20) + 1;
		if (id > 30000 || op == 7)
			break;		/* end of this struct */
		switch (op) {
		case 0:
			v = (int32_t)bytes8(in, 4);
			tw_i32(w, (int16_t)id, (int32_t)v);
			logev(l, 5, id, (uint64_t)v);
			break;
		case 1:
			v = (int64_t)bytes8(in, 8);
			tw_i64(w, (int16_t)id, v);
			logev(l, 6, id, (uint64_t)v);
			break;
		case 2:
			v = byte(in) & 1;
			tw_bool(w, (int16_t)id, (int)v);
			logev(l, 1, id, (uint64_t)v);
			break;
		case 3: {
			size_t n = byte(in) % 40;
			char s[40];
			for (size_t i = 0; i < n; i++)
				s[i] = (char)byte(in);
			tw_binary(w, (int16_t)id, s, n);
			logev(l, 8, id, n);
			buf_add(l, s, n);
			break;
		}
		case 4:
			if (depth >= TW_DEPTH - 2)
				break;
			tw_struct(w, (int16_t)id);
			logev(l, 12, id, 0);
			encode_struct(in, w, l, depth + 1);
			tw_end(w);
			logev(l, 0, 0, 0);
			break;
		case 5: {
			size_t n = byte(in) % 40;
			tw_list(w, (int16_t)id, TW_I32, n);
			logev(l, 9, id, n);
			for (size_t i = 0; i < n; i++) {
				v = (int32_t)bytes8(in, 2) - 30000;
				tw_elem_i32(w, (int32_t)v);
				logev(l, 5, 0, (uint64_t)v);
			}
			break;
		}
		case 6: {
			size_t n = byte(in) % 20;
			if (depth >= TW_DEPTH - 2)
				break;
			tw_list(w, (int16_t)id, TW_STRUCT, n);
			logev(l, 9, id, n);
			for (size_t i = 0; i < n; i++) {
				tw_elem_struct(w);
				encode_struct(in, w, l, depth + 1);
				tw_end(w);
				logev(l, 0, 0, 0);
			}
			break;
		}
		}
	}
}

/* The decoder. */
struct rd {
	const unsigned char *p, *e;
};

static uint64_t
rvarint(struct rd *r)
{
	uint64_t v = 0;

	for (int shift = 0; shift < 70; shift += 7) {
		if (r->p >= r->e)
			abort();
		v |= (uint64_t)(*r->p & 0x7f) << shift;
		if (!(*r->p++ & 0x80))
			return v;
	}
	abort();
}

static int64_t
unzig(uint64_t v)
{
	return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

static void decode_struct(struct rd *r, struct buf *l);

static void
decode_value(struct rd *r, struct buf *l, int type, int id)
{
	uint64_t n;

	switch (type) {
	case 1: case 2:
		logev(l, 1, id, type == 1);
		break;
	case 5: case 6:
		logev(l, type, id, (uint64_t)unzig(rvarint(r)));
		break;
	case 8:
		n = rvarint(r);
		if ((uint64_t)(r->e - r->p) < n)
			abort();
		logev(l, 8, id, n);
		buf_add(l, r->p, n);
		r->p += n;
		break;
	case 12:
		logev(l, 12, id, 0);
		decode_struct(r, l);
		logev(l, 0, 0, 0);
		break;
	case 9: {
		unsigned h;
		if (r->p >= r->e)
			abort();
		h = *r->p++;
		n = h >> 4;
		if (n == 15)
			n = rvarint(r);
		logev(l, 9, id, n);
		for (uint64_t i = 0; i < n; i++) {
			if ((h & 15) == 12) {
				decode_struct(r, l);
				logev(l, 0, 0, 0);
			} else {
				logev(l, 5, 0, (uint64_t)unzig(rvarint(r)));
			}
		}
		break;
	}
	default:
		abort();
	}
}

static void
decode_struct(struct rd *r, struct buf *l)
{
	int last = 0;

	for (;;) {
		unsigned b;
		int id;
		if (r->p >= r->e)
			abort();
		b = *r->p++;
		if (b == 0)
			return;
		id = (b >> 4) ? last + (int)(b >> 4) : (int)unzig(rvarint(r));
		last = id;
		decode_value(r, l, (int)(b & 15), id);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf enc = BUF_INIT, want = BUF_INIT, got = BUF_INIT;
	struct in in = { data, data + size };
	struct rd r;
	struct tw w;

	tw_init(&w, &enc);
	encode_struct(&in, &w, &want, 0);
	tw_end(&w);
	r.p = (const unsigned char *)enc.p;
	r.e = r.p + enc.len;
	decode_struct(&r, &got);
	if (r.p != r.e || want.len != got.len ||
	    (want.len && memcmp(want.p, got.p, want.len) != 0))
		abort();
	buf_free(&enc);
	buf_free(&want);
	buf_free(&got);
	return 0;
}
