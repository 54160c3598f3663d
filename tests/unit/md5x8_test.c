/* Unit tests of md5x8, eight MD5s in the lanes of AVX2: each lane's
 * digest equals OpenSSL's MD5 of the same bytes, for lanes of different
 * contents, for lengths around the padding's edges and fed in pieces. */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "md5x8.h"
#include "tap.h"

static void
md5_ref(const unsigned char *p, size_t n, unsigned char out[16])
{
	unsigned int dn = 0;

	EVP_Digest(p, n, out, &dn, EVP_md5(), NULL);
}

/* Lanes of n bytes (a multiple of 64 but the last piece), fed in pieces
 * of piece bytes: 1 if every lane matches. */
static int
lanes_match(size_t n, size_t piece, unsigned seed)
{
	unsigned char *buf[MD5X8_LANES], got[MD5X8_LANES][16], want[16];
	const unsigned char *p[MD5X8_LANES];
	struct md5x8 m;
	int ok = 1;

	srand(seed);
	for (int l = 0; l < MD5X8_LANES; l++) {
		buf[l] = malloc(n ? n : 1);
		for (size_t i = 0; i < n; i++)
			buf[l][i] = (unsigned char)rand();
	}
	md5x8_init(&m);
	for (size_t off = 0; off < n; off += piece) {
		for (int l = 0; l < MD5X8_LANES; l++)
			p[l] = buf[l] + off;
		md5x8_update(&m, p, n - off < piece ? n - off : piece);
	}
	md5x8_final(&m, got);
	for (int l = 0; l < MD5X8_LANES; l++) {
		md5_ref(buf[l], n, want);
		ok &= memcmp(got[l], want, 16) == 0;
		free(buf[l]);
	}
	return ok;
}

int
main(void)
{
	if (!md5x8_available()) {
		printf("# no AVX2 here (or STAGE_NO_CPU_MD5=1): skipped\n");
		ok(1, "md5x8 not available, callers hash lane by lane");
		return tap_done();
	}
	ok(lanes_match(0, 64, 1), "empty lanes: MD5 of nothing");
	ok(lanes_match(64, 64, 2), "one block: the padding in a block "
	    "of its own");
	ok(lanes_match(128, 64, 3), "two blocks fed one by one");
	ok(lanes_match(4096, 1024, 4), "4 KiB in 1 KiB pieces");
	ok(lanes_match(1 << 20, 1 << 16, 5), "1 MiB in 64 KiB pieces");
	ok(lanes_match(3 * 64, 3 * 64, 6), "three blocks at once");
	return tap_done();
}
