/*
 * rle_write: the RLE / bit-packed hybrid encoder (rle_write.h).
 */
#include "rle_write.h"
#include "thrift_write.h"

#define MIN_RUN 8

int
rle_bit_width(uint32_t max)
{
	int bw = 1;

	while (bw < 32 && (max >> bw))
		bw++;
	return bw;
}

static void
put_run(struct buf *out, uint32_t v, size_t count, int bw)
{
	tw_varint(out, (uint64_t)count << 1);
	for (int i = 0; i < (bw + 7) / 8; i++)
		buf_addc(out, (char)(v >> (8 * i)));
}

/* v[0..n) bit-packed, padded with zeros to a multiple of 8 values. */
static void
put_packed(struct buf *out, const uint32_t *v, size_t n, int bw)
{
	size_t groups = (n + 7) / 8;
	uint64_t acc = 0;
	int nb = 0;
	unsigned char *w;

	tw_varint(out, (uint64_t)groups << 1 | 1);
	buf_grow(out, groups * (size_t)bw + 8);
	w = (unsigned char *)out->p + out->len;
	for (size_t i = 0; i < groups * 8; i++) {
		acc |= (uint64_t)(i < n ? v[i] : 0) << nb;
		nb += bw;
		while (nb >= 8) {
			*w++ = (unsigned char)acc;
			acc >>= 8;
			nb -= 8;
		}
	}
	out->len = (size_t)(w - (unsigned char *)out->p);
	out->p[out->len] = '\0';
}

void
rle_encode(struct buf *out, const uint32_t *v, size_t n, int bw)
{
	size_t i = 0, lit = 0;

	while (i < n) {
		size_t r = 1;
		while (i + r < n && v[i + r] == v[i])
			r++;
		if (r < MIN_RUN) {
			i += r;
			continue;
		}
		if (i > lit) {
			size_t pad = (8 - (i - lit) % 8) % 8;
			put_packed(out, v + lit, i - lit + pad, bw);
			i += pad;
			r -= pad;
		}
		put_run(out, v[i], r, bw);
		i += r;
		lit = i;
	}
	if (lit < n)
		put_packed(out, v + lit, n - lit, bw);
}
