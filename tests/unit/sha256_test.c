/* Unit tests of sha256: known vectors, streaming in odd pieces, files. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sha256.h"
#include "tap.h"

#define MIB (1024 * 1024)
/* python3: hashlib.sha256(bytes((i*131+7)&255 for i in range(1<<20))) */
#define PATTERN_SHA256 \
	"b7f7ba5ce5463b3c84a283f779d7a652cbf99122de5923ba51627607ff1497d5"

static void
test_vectors(void)
{
	static const struct { const char *in, *out; } v[] = {
		{ "", "e3b0c44298fc1c149afbf4c8996fb924"
		    "27ae41e4649b934ca495991b7852b855" },
		{ "abc", "ba7816bf8f01cfea414140de5dae2223"
		    "b00361a396177a9cb410ff61f20015ad" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		    "248d6a61d20638b8e5c026930c3e6039"
		    "a33ce45964ff2167f6ecedd419db06c1" },
	};
	char hex[65];

	for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
		sha256_hex(v[i].in, strlen(v[i].in), hex);
		ok(strcmp(hex, v[i].out) == 0, "vector \"%.10s\": %s",
		    v[i].in, hex);
	}
}

static void
test_raw(void)
{
	struct sha256 h;
	unsigned char raw[32];

	sha256_init(&h);
	sha256_update(&h, "abc", 3);
	sha256_final_raw(&h, raw);
	ok(raw[0] == 0xba && raw[31] == 0xad, "raw digest of abc");
}

static void
test_streaming(const unsigned char *b)
{
	static const size_t pieces[] = { 1, 3, 7, 63, 64, 65, 4093, 65537 };
	struct sha256 h;
	char one[65], many[65];
	size_t off = 0, i = 0;

	sha256_hex(b, MIB, one);
	ok(strcmp(one, PATTERN_SHA256) == 0, "1 MiB buffer in one piece");
	sha256_init(&h);
	while (off < MIB) {
		size_t n = pieces[i++ % (sizeof pieces / sizeof *pieces)];

		if (n > MIB - off)
			n = MIB - off;
		sha256_update(&h, b + off, n);
		off += n;
	}
	sha256_final_hex(&h, many);
	ok(strcmp(one, many) == 0, "same digest fed in odd-sized pieces");
}

static void
test_file(const unsigned char *b)
{
	char path[] = "/tmp/sha256_test.XXXXXX", hex[65];
	uint64_t bytes = 0;
	FILE *f;
	int fd = mkstemp(path);

	ok(fd >= 0, "temp file");
	if (fd < 0)
		return;
	f = fdopen(fd, "w");
	/* Two and a half buffers' worth, to cross sha256_file's reads. */
	fwrite(b, 1, MIB, f);
	fwrite(b, 1, MIB, f);
	fwrite(b, 1, MIB / 2, f);
	fclose(f);
	ok(sha256_file(path, hex, &bytes) == 0, "hashes a file");
	ok(bytes == 5 * (uint64_t)MIB / 2, "counts %llu bytes",
	    (unsigned long long)bytes);
	{
		struct sha256 h;
		char want[65];

		sha256_init(&h);
		sha256_update(&h, b, MIB);
		sha256_update(&h, b, MIB);
		sha256_update(&h, b, MIB / 2);
		sha256_final_hex(&h, want);
		ok(strcmp(hex, want) == 0, "file digest matches memory");
	}
	unlink(path);
	errno = 0;
	ok(sha256_file(path, hex, &bytes) == -1 && errno == ENOENT,
	    "missing file: -1 with ENOENT");
}

/* Cuts b into pieces (sizes from a seeded generator, aligned or not,
 * empty ones too) and checks a pair's piece and whole digests against
 * OpenSSL's; 1 if every one matched. */
static int
pair_matches(const unsigned char *b, size_t len, unsigned seed)
{
	struct sha256_pair sp;
	char piece[65], want[65];
	size_t off = 0;
	int good = 1;

	sha256_pair_init(&sp);
	while (off < len) {
		size_t n;

		seed = seed * 1103515245 + 12345;
		switch ((seed >> 16) % 4) {
		case 0: n = (seed >> 8) % 200; break;
		case 1: n = ((seed >> 8) % 64) * 64; break;
		default: n = (seed >> 4) % 300000; break;
		}
		if (n > len - off)
			n = len - off;
		/* A piece in up to three updates. */
		sha256_pair_update(&sp, b + off, n / 3);
		sha256_pair_update(&sp, b + off + n / 3, n / 3 + n % 3);
		sha256_pair_update(&sp, b + off + 2 * (n / 3) + n % 3, n / 3);
		sha256_pair_piece_hex(&sp, piece);
		sha256_hex(b + off, n, want);
		good &= strcmp(piece, want) == 0;
		off += n;
	}
	sha256_pair_final_hex(&sp, piece);
	sha256_hex(b, len, want);
	return good && strcmp(piece, want) == 0;
}

/* pair_matches over lengths around block edges and many cuttings. */
static int
pair_all_match(const unsigned char *b)
{
	static const size_t lens[] = { 0, 1, 55, 56, 63, 64, 119, 120, 128,
	    4096 + 57, MIB };
	int good = 1;

	for (unsigned seed = 1; seed <= 40; seed++)
		for (size_t i = 0; i < sizeof lens / sizeof *lens; i++)
			good &= pair_matches(b, lens[i], seed);
	return good;
}

static void
test_pair(const unsigned char *b)
{
	struct sha256_pair sp;
	char hex[65];

	sha256_pair_init(&sp);
	ok(pair_all_match(b), "pair on this CPU (%s): pieces and whole "
	    "match OpenSSL", sp.cpu ? "SHA instructions" : "OpenSSL");
	sha256_pair_free(&sp);
	setenv("STAGE_NO_CPU_SHA256", "1", 1);
	sha256_pair_init(&sp);
	ok(!sp.cpu, "STAGE_NO_CPU_SHA256=1 takes the OpenSSL path");
	sha256_pair_free(&sp);
	ok(pair_all_match(b), "pair through OpenSSL: pieces and whole match");
	unsetenv("STAGE_NO_CPU_SHA256");
	sha256_pair_init(&sp);
	sha256_pair_update(&sp, "abc", 3);
	sha256_pair_piece_hex(&sp, hex);
	sha256_pair_free(&sp);
	sha256_pair_free(&sp);
	ok(strcmp(hex, "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad") == 0,
	    "pair piece of abc; an unfinished pair is freed, twice safely");
}

int
main(void)
{
	unsigned char *b = malloc(MIB);

	for (size_t i = 0; i < MIB; i++)
		b[i] = (unsigned char)(i * 131 + 7);
	test_vectors();
	test_raw();
	test_streaming(b);
	test_file(b);
	test_pair(b);
	free(b);
	return tap_done();
}
