/* Unit tests of CRC-32C's three-lane path on the CPU's crc32 instruction
 * and its joins (crc32c.h): the lanes' constants, the same values as the
 * tables at every length and alignment around the lanes' edges, pieces,
 * and crc32c_combine. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crc32c.h"
#include "tap.h"

#define N (3 * 3 * 8192 + 4096)

static uint32_t
tables(const unsigned char *p, size_t n)
{
	uint32_t c;

	setenv("STAGE_NO_CPU_CRC32C", "1", 1);
	c = crc32c_update(0, p, n);
	unsetenv("STAGE_NO_CPU_CRC32C");
	return c;
}

int
main(void)
{
	static unsigned char b[N + 8];
	static const size_t lens[] = { 0, 1, 7, 8, 9, 24575, 24576, 24577,
		2 * 24576 - 1, 2 * 24576 + 13, N };
	int same = 1, pieces = 1, joined = 1;

	for (size_t i = 0; i < sizeof b; i++)
		b[i] = (unsigned char)(i * 167 + (i >> 7) + (i >> 13));
	ok(crc32c_shift_const(8192) == 0x28461564u &&
	    crc32c_shift_const(16384) == 0xbf455269u,
	    "the lanes' constants are x^(8 LANE) and x^(16 LANE) mod P");
	ok(crc32c_update(0, "123456789", 9) == 0xe3069283u, "check value");
	for (size_t l = 0; l < sizeof lens / sizeof *lens; l++)
		for (size_t off = 0; off < 8; off++)
			if (crc32c_update(0, b + off, lens[l]) !=
			    tables(b + off, lens[l])) {
				same = 0;
				printf("# differs: length %zu offset %zu\n",
				    lens[l], off);
			}
	ok(same, "the instruction's lanes and the tables agree at every "
	    "length and alignment around the lanes' edges");
	for (size_t step = 1000; step < N; step = step * 3 + 7) {
		uint32_t c = 0;
		for (size_t off = 0; off < N; off += step)
			c = crc32c_update(c, b + off,
			    N - off < step ? N - off : step);
		pieces &= c == crc32c_update(0, b, N);
	}
	ok(pieces, "in pieces of any size: the same as at once");
	for (size_t cut = 0; cut <= N; cut += 9973) {
		uint32_t a = crc32c_update(0, b, cut);
		uint32_t c = crc32c_update(0, b + cut, N - cut);
		joined &= crc32c_combine(a, c, N - cut) ==
		    crc32c_update(0, b, N);
	}
	ok(joined, "crc32c_combine joins two pieces' CRCs");
	ok(crc32c_combine(0xe3069283u, 0, 0) == 0xe3069283u,
	    "joined with nothing: unchanged");
	return tap_done();
}
