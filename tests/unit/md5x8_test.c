/* Unit tests of md5x8, eight MD5s in the lanes of AVX2 (and of AVX-512
 * where the CPU has it, each set in turn): each lane's
 * digest equals OpenSSL's MD5 of the same bytes, for lanes of different
 * contents, for lengths around the padding's edges and fed in pieces,
 * and for lanes of different lengths, each ended at its own. */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "md5x8.h"
#include "tap.h"

/* The instruction set under test (each the CPU has, in turn). */
static int isa;

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
	m.isa = isa;
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

/* Lanes of the lengths len[] fed piece bytes a turn (each lane's last
 * piece shorter, then 0 while the others go on; a lane may also sit
 * out the first turns, from its start): 1 if every lane matches. */
static int
ragged_match(const size_t len[MD5X8_LANES], size_t piece, int late,
    unsigned seed)
{
	unsigned char *buf[MD5X8_LANES], got[MD5X8_LANES][16], want[16];
	const unsigned char *p[MD5X8_LANES];
	size_t at[MD5X8_LANES] = { 0 }, n[MD5X8_LANES];
	struct md5x8 m;
	int ok = 1, more = 1;

	srand(seed);
	for (int l = 0; l < MD5X8_LANES; l++) {
		buf[l] = malloc(len[l] ? len[l] : 1);
		for (size_t i = 0; i < len[l]; i++)
			buf[l][i] = (unsigned char)rand();
	}
	md5x8_init(&m);
	m.isa = isa;
	for (int turn = 0; more; turn++) {
		more = 0;
		for (int l = 0; l < MD5X8_LANES; l++) {
			size_t left = len[l] - at[l];
			n[l] = turn < late * (l % 3) ? 0 :
			    left < piece ? left : piece;
			p[l] = n[l] ? buf[l] + at[l] : NULL;
			at[l] += n[l];
			more |= at[l] < len[l];
		}
		md5x8_update_lanes(&m, p, n);
	}
	md5x8_final(&m, got);
	for (int l = 0; l < MD5X8_LANES; l++) {
		md5_ref(buf[l], len[l], want);
		ok &= memcmp(got[l], want, 16) == 0;
		free(buf[l]);
	}
	return ok;
}

/* Every case, on the instruction set isa. */
static void
run_all(void)
{
	static const size_t edges[MD5X8_LANES] = { 0, 1, 55, 56, 63, 64,
		65, 119 };
	static const size_t more[MD5X8_LANES] = { 120, 127, 128, 129, 191,
		4096 + 55, 0, 1000 };
	static const size_t big[MD5X8_LANES] = { (1 << 20) + 3, 0, 5 << 20,
		1, (1 << 18) - 1, (1 << 18) + 57, 3 << 18, (1 << 20) - 64 };

	ok(lanes_match(0, 64, 1), "empty lanes: MD5 of nothing");
	ok(lanes_match(64, 64, 2), "one block: the padding in a block "
	    "of its own");
	ok(lanes_match(128, 64, 3), "two blocks fed one by one");
	ok(lanes_match(4096, 1024, 4), "4 KiB in 1 KiB pieces");
	ok(lanes_match(1 << 20, 1 << 16, 5), "1 MiB in 64 KiB pieces");
	ok(lanes_match(3 * 64, 3 * 64, 6), "three blocks at once");
	ok(lanes_match(1000, 1000, 7), "lanes of 1000 bytes: a tail of "
	    "40 and the padding after it");
	ok(ragged_match(edges, 64, 0, 8), "lanes of 0, 1, 55, 56, 63, 64, "
	    "65, 119 bytes, each padded at its own length");
	ok(ragged_match(more, 64, 0, 9), "lanes of 120 to 4151 bytes: a "
	    "one-block and a two-block padding side by side");
	ok(ragged_match(edges, 256, 0, 10), "short lanes fed in one piece "
	    "each");
	ok(ragged_match(big, 1 << 18, 0, 11), "lanes of 0 to 5 MiB in 256 "
	    "KiB pieces: ended lanes keep their state while the others "
	    "go on");
	ok(ragged_match(big, 1 << 16, 2, 12), "lanes that start turns late "
	    "keep the initial state until they do");
	ok(ragged_match(more, 128, 3, 13), "short lanes starting late, 128 "
	    "bytes a turn");
}

int
main(void)
{
	if (!md5x8_available()) {
		printf("# no AVX2 here (or STAGE_NO_CPU_MD5=1): skipped\n");
		ok(1, "md5x8 not available, callers hash lane by lane");
		return tap_done();
	}
	for (isa = md5x8_available(); isa >= MD5X8_AVX2; isa--) {
		printf("# %s\n", isa == MD5X8_AVX512 ? "AVX-512" : "AVX2");
		run_all();
	}
	return tap_done();
}
