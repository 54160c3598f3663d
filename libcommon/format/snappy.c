/*
 * snappy: compressor and decompressor of Snappy's raw block format
 * (snappy.h).  Element tags: the low two bits say literal (0), copy with
 * a 1-byte offset (1: length 4-11, offset below 2048), 2-byte offset (2:
 * length 1-64) or 4-byte offset (3).  A literal's length minus one sits in
 * the tag's upper six bits when below 60, else in the 1-4 bytes after it.
 */
#include <stdint.h>
#include <string.h>

#include "snappy.h"

#define BLOCK 65536		/* compress in pieces of this size */
#define HASH_BITS 14
#define MARGIN 15		/* bytes kept after the last match start */

static inline uint32_t
load32(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static inline uint32_t
hash4(uint32_t v)
{
	return (v * 0x1e35a7bdU) >> (32 - HASH_BITS);
}

size_t
snappy_max_compressed_length(size_t n)
{
	return 32 + n + n / 6;
}

static unsigned char *
put_varint(unsigned char *o, size_t v)
{
	while (v >= 0x80) {
		*o++ = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	*o++ = (unsigned char)v;
	return o;
}

static unsigned char *
put_literal(unsigned char *o, const unsigned char *p, size_t n)
{
	size_t m = n - 1;

	if (m < 60) {
		*o++ = (unsigned char)(m << 2);
	} else {
		int k = m < 0x100 ? 1 : m < 0x10000 ? 2 : m < 0x1000000 ? 3 : 4;
		*o++ = (unsigned char)((59 + k) << 2);
		for (int i = 0; i < k; i++)
			*o++ = (unsigned char)(m >> (8 * i));
	}
	memcpy(o, p, n);
	return o + n;
}

static unsigned char *
put_copy2(unsigned char *o, size_t off, size_t len)
{
	*o++ = (unsigned char)(((len - 1) << 2) | 2);
	*o++ = (unsigned char)off;
	*o++ = (unsigned char)(off >> 8);
	return o;
}

/* A copy of len >= 4 bytes from off (1..65535) back. */
static unsigned char *
put_copy(unsigned char *o, size_t off, size_t len)
{
	while (len >= 68) {
		o = put_copy2(o, off, 64);
		len -= 64;
	}
	if (len > 64) {
		o = put_copy2(o, off, 60);
		len -= 60;
	}
	if (len < 12 && off < 2048) {
		*o++ = (unsigned char)(((off >> 8) << 5) | ((len - 4) << 2) | 1);
		*o++ = (unsigned char)off;
		return o;
	}
	return put_copy2(o, off, len);
}

static size_t
match_len(const unsigned char *a, const unsigned char *b,
    const unsigned char *end)
{
	const unsigned char *s = b;

	while (b + 8 <= end) {
		uint64_t x, y;
		memcpy(&x, a, 8);
		memcpy(&y, b, 8);
		if (x != y)
			break;
		a += 8;
		b += 8;
	}
	while (b < end && *a == *b) {
		a++;
		b++;
	}
	return (size_t)(b - s);
}

/* Compresses one piece of at most BLOCK bytes; offsets stay inside it. */
static unsigned char *
compress_block(const unsigned char *base, size_t n, unsigned char *o,
    uint16_t *table)
{
	const unsigned char *ip = base, *end = base + n, *emit = base;
	const unsigned char *limit = n >= MARGIN ? end - MARGIN : base;

	memset(table, 0, sizeof(uint16_t) << HASH_BITS);
	if (n < MARGIN)
		goto rest;
	ip++;
	for (;;) {
		const unsigned char *cand;
		uint32_t skip = 32;

		for (;;) {
			uint32_t h = hash4(load32(ip));
			const unsigned char *next = ip + (skip++ >> 5);
			if (next > limit)
				goto rest;
			cand = base + table[h];
			table[h] = (uint16_t)(ip - base);
			if (load32(ip) == load32(cand))
				break;
			ip = next;
		}
		o = put_literal(o, emit, (size_t)(ip - emit));
		do {
			size_t len = 4 + match_len(cand + 4, ip + 4, end);
			o = put_copy(o, (size_t)(ip - cand), len);
			ip += len;
			emit = ip;
			if (ip >= limit)
				goto rest;
			table[hash4(load32(ip - 1))] = (uint16_t)(ip - 1 - base);
			uint32_t h = hash4(load32(ip));
			cand = base + table[h];
			table[h] = (uint16_t)(ip - base);
		} while (load32(ip) == load32(cand));
		ip++;
	}
rest:
	if (emit < end)
		o = put_literal(o, emit, (size_t)(end - emit));
	return o;
}

size_t
snappy_compress(const void *in, size_t n, void *out)
{
	const unsigned char *p = in;
	unsigned char *o = put_varint(out, n);
	uint16_t table[1 << HASH_BITS];

	for (size_t at = 0; at < n; at += BLOCK) {
		size_t k = n - at < BLOCK ? n - at : BLOCK;
		o = compress_block(p + at, k, o, table);
	}
	return (size_t)(o - (unsigned char *)out);
}

/* The header varint: its value and length in bytes, or 0 if bad. */
static size_t
get_varint(const unsigned char *p, size_t n, uint32_t *v)
{
	uint64_t x = 0;

	for (size_t i = 0; i < n && i < 5; i++) {
		x |= (uint64_t)(p[i] & 0x7f) << (7 * i);
		if (!(p[i] & 0x80)) {
			if (x > UINT32_MAX)
				return 0;
			*v = (uint32_t)x;
			return i + 1;
		}
	}
	return 0;
}

int
snappy_uncompressed_length(const void *in, size_t n, size_t *out_len)
{
	uint32_t v;

	if (!get_varint(in, n, &v))
		return -1;
	*out_len = v;
	return 0;
}

/* A copy of len bytes from off back; overlapping copies repeat. */
static int
do_copy(unsigned char *out, size_t *at, size_t cap, size_t off, size_t len)
{
	unsigned char *d = out + *at;
	const unsigned char *s;

	if (off == 0 || off > *at || len > cap - *at)
		return -1;
	s = d - off;
	if (off >= len) {
		memcpy(d, s, len);
	} else {
		for (size_t i = 0; i < len; i++)
			d[i] = s[i];
	}
	*at += len;
	return 0;
}

int
snappy_decompress(const void *in, size_t n, void *vout, size_t out_len)
{
	const unsigned char *p = in, *end;
	unsigned char *out = vout;
	size_t at = 0, k;
	uint32_t want;

	if (!(k = get_varint(p, n, &want)) || want != out_len)
		return -1;
	end = p + n;
	p += k;
	while (p < end) {
		unsigned tag = *p++, kind = tag & 3;
		size_t len, off;
		if (kind == 0) {
			len = (tag >> 2) + 1;
			if (len > 60) {
				size_t nb = len - 60;
				if ((size_t)(end - p) < nb)
					return -1;
				len = 0;
				for (size_t i = 0; i < nb; i++)
					len |= (size_t)p[i] << (8 * i);
				len++;
				p += nb;
			}
			if ((size_t)(end - p) < len || len > out_len - at)
				return -1;
			memcpy(out + at, p, len);
			p += len;
			at += len;
			continue;
		}
		if (kind == 1) {
			if (end - p < 1)
				return -1;
			len = 4 + ((tag >> 2) & 7);
			off = ((size_t)(tag >> 5) << 8) | p[0];
			p += 1;
		} else if (kind == 2) {
			if (end - p < 2)
				return -1;
			len = (tag >> 2) + 1;
			off = (size_t)p[0] | (size_t)p[1] << 8;
			p += 2;
		} else {
			if (end - p < 4)
				return -1;
			len = (tag >> 2) + 1;
			off = (size_t)p[0] | (size_t)p[1] << 8 |
			    (size_t)p[2] << 16 | (size_t)p[3] << 24;
			p += 4;
		}
		if (do_copy(out, &at, out_len, off, len) < 0)
			return -1;
	}
	return at == out_len ? 0 : -1;
}
