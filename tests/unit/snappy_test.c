/* Unit tests of snappy: round trips over shapes that exercise every tag
 * (literals of every length class, copies with 1-, 2-byte offsets and
 * overlap), the size bound, hand-made blocks, and corrupt or truncated
 * blocks refused without reading or writing out of bounds.
 * With arguments it is the bats test's tool for the cross-check with
 * another implementation: snappy_test -c|-d IN OUT compresses or
 * decompresses file IN into OUT. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "snappy.h"
#include "tap.h"

static void
fill(unsigned char *p, size_t n, int shape, uint64_t seed)
{
	uint64_t x = seed | 1;

	for (size_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		switch (shape) {
		case 0: p[i] = (unsigned char)x; break;		/* random */
		case 1: p[i] = 'a'; break;			/* one byte */
		case 2: p[i] = "abcdefg"[i % 7]; break;		/* short period */
		case 3: p[i] = (unsigned char)(x % 4 + 'a'); break; /* low entropy */
		default:					/* text-like */
			p[i] = i % 97 < 60 ? (unsigned char)("the quick brown "
			    "fox "[i % 20]) : (unsigned char)(x % 26 + 'a');
		}
	}
}

static int
roundtrip(const unsigned char *in, size_t n, size_t *clen)
{
	unsigned char *c = malloc(snappy_max_compressed_length(n));
	unsigned char *d = malloc(n + 1);
	size_t len, m = 0;
	int ok = 0;

	len = snappy_compress(in, n, c);
	*clen = len;
	if (len <= snappy_max_compressed_length(n) &&
	    snappy_uncompressed_length(c, len, &m) == 0 && m == n &&
	    snappy_decompress(c, len, d, n) == 0 && memcmp(d, in, n) == 0)
		ok = 1;
	/* every truncation is refused */
	for (size_t k = 0; ok && k < len && k < 300; k++)
		if (snappy_decompress(c, k, d, n) == 0)
			ok = 0;
	free(c);
	free(d);
	return ok;
}

static void
test_roundtrips(void)
{
	static const size_t sizes[] = { 0, 1, 3, 4, 14, 15, 16, 60, 61, 255,
	    256, 257, 4096, 65535, 65536, 65537, 200000, 1 << 20 };
	unsigned char *buf = malloc(1 << 20);

	for (int shape = 0; shape < 5; shape++)
		for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
			size_t clen;
			fill(buf, sizes[i], shape, i + 1);
			ok(roundtrip(buf, sizes[i], &clen),
			    "shape %d, %zu bytes round-trip (%zu compressed)",
			    shape, sizes[i], clen);
			if (shape == 1 && sizes[i] == 1 << 20)
				ok(clen < 50000, "1 MiB of one byte compresses "
				    "to %zu bytes", clen);
		}
	free(buf);
}

static void
test_handmade(void)
{
	/* "abcd" literal then a 1-byte-offset copy of 8 with offset 4, and
	 * a 2-byte-offset copy of 2, offset 1 (overlap) */
	static const unsigned char blk[] = { 14, 3 << 2, 'a', 'b', 'c', 'd',
	    (4 << 2) | 1, 4, (1 << 2) | 2, 1, 0 };
	unsigned char out[14];

	ok(snappy_decompress(blk, sizeof blk, out, 14) == 0 &&
	    memcmp(out, "abcdabcdabcddd", 14) == 0, "hand-made block with "
	    "literal, overlapping copies");
	ok(snappy_decompress(blk, sizeof blk, out, 13) < 0,
	    "a length other than the announced one is refused");
	/* a literal with a 2-byte length: 300 bytes */
	unsigned char big[3 + 2 + 300];
	big[0] = 0xac; big[1] = 0x02;	/* 300 */
	big[2] = 61 << 2; big[3] = (299 & 0xff); big[4] = 299 >> 8;
	memset(big + 5, 'x', 300);
	unsigned char o300[300];
	ok(snappy_decompress(big, sizeof big, o300, 300) == 0 &&
	    o300[299] == 'x', "literal with a two-byte length");
}

static void
test_corrupt(void)
{
	static const unsigned char before[] = { 8, 0, 'a', (4 << 2) | 1, 2 };
	static const unsigned char zero_off[] = { 5, 0, 'a', (0 << 2) | 1, 0 };
	static const unsigned char overrun[] = { 4, 0, 'a', (4 << 2) | 1, 1 };
	static const unsigned char longhdr[] = { 0xff, 0xff, 0xff, 0xff, 0x7f };
	static const unsigned char lit_past[] = { 10, 9 << 2, 'a' };
	unsigned char out[64];
	size_t n;

	ok(snappy_decompress(before, sizeof before, out, 8) < 0,
	    "a copy from before the start is refused");
	ok(snappy_decompress(zero_off, sizeof zero_off, out, 5) < 0,
	    "a copy with offset 0 is refused");
	ok(snappy_decompress(overrun, sizeof overrun, out, 4) < 0,
	    "a copy past the announced length is refused");
	ok(snappy_uncompressed_length(longhdr, sizeof longhdr, &n) < 0,
	    "a length beyond 32 bits is refused");
	ok(snappy_uncompressed_length(longhdr, 2, &n) < 0,
	    "a header cut short is refused");
	ok(snappy_decompress(lit_past, sizeof lit_past, out, 10) < 0,
	    "a literal past the end of the input is refused");
}

static int
file_tool(const char *mode, const char *inpath, const char *outpath)
{
	struct buf in = BUF_INIT;
	unsigned char chunk[65536], *out;
	size_t k, n;
	FILE *f = fopen(inpath, "rb"), *o;

	if (!f)
		return 2;
	while ((k = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_add(&in, chunk, k);
	fclose(f);
	if (strcmp(mode, "-c") == 0) {
		out = malloc(snappy_max_compressed_length(in.len));
		n = snappy_compress(in.p, in.len, out);
	} else if (snappy_uncompressed_length(in.p, in.len, &n) < 0 ||
	    !(out = malloc(n + 1)) ||
	    snappy_decompress(in.p, in.len, out, n) < 0) {
		fprintf(stderr, "%s: corrupt snappy block\n", inpath);
		return 1;
	}
	if (!(o = fopen(outpath, "wb")) || fwrite(out, 1, n, o) != n ||
	    fclose(o) != 0)
		return 2;
	free(out);
	buf_free(&in);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc == 4)
		return file_tool(argv[1], argv[2], argv[3]);
	test_roundtrips();
	test_handmade();
	test_corrupt();
	return tap_done();
}
