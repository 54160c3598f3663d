/* libFuzzer harness for the RLE / bit-packed hybrid encoder: any values
 * at any bit width encode into runs that this harness's own decoder
 * (written from the Parquet spec, not from rle_write.c) reads back as
 * exactly the same values, and no more bytes than plain bit-packing
 * plus the headers take. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "rle_write.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t
varint(const unsigned char **p, const unsigned char *e)
{
	uint64_t v = 0;
	int shift = 0;

	while (*p < e) {
		unsigned b = *(*p)++;
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return v;
		shift += 7;
		if (shift > 63)
			abort();
	}
	abort();
}

/* Decodes n values of width bw from p[0..len) into out. */
static void
decode(const unsigned char *p, size_t len, int bw, uint32_t *out, size_t n)
{
	const unsigned char *e = p + len;
	size_t at = 0;

	while (at < n) {
		uint64_t h = varint(&p, e);
		if (h & 1) {
			size_t vals = (size_t)(h >> 1) * 8;
			uint64_t acc = 0;
			int nb = 0;
			if (vals == 0 || (size_t)(e - p) < vals / 8 * (size_t)bw)
				abort();
			for (size_t i = 0; i < vals; i++) {
				while (nb < bw) {
					acc |= (uint64_t)*p++ << nb;
					nb += 8;
				}
				if (at < n)
					out[at++] = (uint32_t)(acc &
					    ((1ULL << bw) - 1));
				acc >>= bw;
				nb -= bw;
			}
		} else {
			size_t count = (size_t)(h >> 1);
			uint32_t v = 0;
			if (count == 0 || count > n - at ||
			    (size_t)(e - p) < (size_t)(bw + 7) / 8)
				abort();
			for (int i = 0; i < (bw + 7) / 8; i++)
				v |= (uint32_t)*p++ << (8 * i);
			while (count--)
				out[at++] = v;
		}
	}
	if (p != e)
		abort();	/* trailing bytes */
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf b = BUF_INIT;
	int bw;
	size_t n;
	uint32_t *v, *back, mask;

	if (size < 1)
		return 0;
	bw = data[0] % 32 + 1;
	mask = bw == 32 ? UINT32_MAX : (1u << bw) - 1;
	data++;
	size--;
	n = size / 2;		/* two bytes a value, runs are likely */
	v = malloc((n ? n : 1) * sizeof *v);
	back = malloc((n ? n : 1) * sizeof *back);
	for (size_t i = 0; i < n; i++) {
		uint32_t x = (uint32_t)data[2 * i] | (uint32_t)data[2 * i + 1] << 8;
		/* spread the bits over the width */
		v[i] = (x * 0x9e3779b1u) & mask;
		if (data[2 * i] < 128)
			v[i] = x & mask;
	}
	rle_encode(&b, v, n, bw);
	if (n)
		decode((const unsigned char *)b.p, b.len, bw, back, n);
	if (n && memcmp(v, back, n * sizeof *v) != 0)
		abort();
	if (b.len > (n + 7) / 8 * (size_t)bw + 10 + n / 8 * 10)
		abort();
	if (rle_bit_width(mask) != bw)
		abort();
	free(v);
	free(back);
	buf_free(&b);
	return 0;
}
