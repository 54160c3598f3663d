/* libFuzzer harness for the Snappy decompressor: any input either
 * decompresses into exactly the length it announces or is refused,
 * never read or written out of bounds; what decompresses compresses and
 * decompresses back to the same bytes. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "snappy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
recompress(const unsigned char *p, size_t n)
{
	unsigned char *c = malloc(snappy_max_compressed_length(n));
	unsigned char *d = malloc(n + 1);
	size_t len = snappy_compress(p, n, c);

	if (len > snappy_max_compressed_length(n) ||
	    snappy_decompress(c, len, d, n) != 0 || memcmp(d, p, n) != 0)
		abort();
	free(c);
	free(d);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n;
	unsigned char *out;

	if (snappy_uncompressed_length(data, size, &n) < 0 || n > 1 << 20)
		return 0;
	out = malloc(n + 1);
	if (snappy_decompress(data, size, out, n) == 0)
		recompress(out, n);
	/* the raw input is also something to compress */
	recompress(data, size);
	free(out);
	return 0;
}
