/*
 * sha256: SHA-256 through OpenSSL's EVP interface.  A context is allocated
 * by sha256_init and freed by either final call, so a caller that finishes
 * never leaks.  OpenSSL failing to set up a digest means the library or
 * memory is broken, which is not recoverable: we die like the x-allocators.
 *
 * The pair of hashes (sha256.h) has a path of its own on the CPU's SHA
 * instructions, the padding done here and the blocks in sha256cpu.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "log.h"
#include "sha256.h"
#include "sha256cpu.h"

/* Large reads keep the syscall count low on multi-gigabyte files. */
#define SHA256_FILE_BUF (1024 * 1024)

void
sha256_init(struct sha256 *h)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
		die(EXIT_FAIL, "sha256: cannot set up OpenSSL digest");
	h->ctx = ctx;
}

void
sha256_update(struct sha256 *h, const void *p, size_t n)
{
	if (n && EVP_DigestUpdate(h->ctx, p, n) != 1)
		die(EXIT_FAIL, "sha256: OpenSSL digest update failed");
}

void
sha256_final_raw(struct sha256 *h, unsigned char out[32])
{
	unsigned int len = 0;

	if (EVP_DigestFinal_ex(h->ctx, out, &len) != 1 || len != 32)
		die(EXIT_FAIL, "sha256: OpenSSL digest final failed");
	EVP_MD_CTX_free(h->ctx);
	h->ctx = NULL;
}

static void
to_hex(const unsigned char raw[32], char hex[65])
{
	static const char digits[] = "0123456789abcdef";

	for (int i = 0; i < 32; i++) {
		hex[2 * i] = digits[raw[i] >> 4];
		hex[2 * i + 1] = digits[raw[i] & 15];
	}
	hex[64] = '\0';
}

void
sha256_final_hex(struct sha256 *h, char hex[65])
{
	unsigned char raw[32];

	sha256_final_raw(h, raw);
	to_hex(raw, hex);
}

void
sha256_hex(const void *p, size_t n, char hex[65])
{
	struct sha256 h;

	sha256_init(&h);
	sha256_update(&h, p, n);
	sha256_final_hex(&h, hex);
}

int
sha256_file(const char *path, char hex[65], uint64_t *bytes)
{
	struct sha256 h;
	char *buf = NULL;
	uint64_t total = 0;
	int fd, ret = -1, saved;
	ssize_t r;

	if ((fd = open(path, O_RDONLY)) < 0)
		return -1;
	buf = xmalloc(SHA256_FILE_BUF);
	sha256_init(&h);
	for (;;) {
		r = read(fd, buf, SHA256_FILE_BUF);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			goto out;
		if (r == 0)
			break;
		sha256_update(&h, buf, (size_t)r);
		total += (uint64_t)r;
	}
	ret = 0;
out:
	saved = errno;
	if (ret == 0) {
		sha256_final_hex(&h, hex);
		if (bytes)
			*bytes = total;
	} else {
		EVP_MD_CTX_free(h.ctx);
	}
	free(buf);
	close(fd);
	errno = saved;
	return ret;
}

/* SHA-256 on the CPU's instructions: the padding and the partial block
 * around sha256cpu_blocks2, one chain alone being both on one state. */
static void
cpu_init(struct sha256_cpu *s)
{
	static const uint32_t iv[8] = {
		0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
		0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
	};

	memcpy(s->h, iv, sizeof iv);
	s->ntail = 0;
	s->total = 0;
}

static void
cpu_update(struct sha256_cpu *s, const unsigned char *p, size_t n)
{
	s->total += n;
	if (s->ntail) {
		size_t k = 64 - s->ntail < n ? 64 - s->ntail : n;
		memcpy(s->tail + s->ntail, p, k);
		s->ntail += k;
		p += k;
		n -= k;
		if (s->ntail < 64)
			return;
		sha256cpu_blocks2(s->h, s->h, s->tail, 1);
		s->ntail = 0;
	}
	sha256cpu_blocks2(s->h, s->h, p, n / 64);
	s->ntail = n % 64;
	memcpy(s->tail, p + (n - s->ntail), s->ntail);
}

static void
cpu_final_hex(struct sha256_cpu *s, char hex[65])
{
	uint64_t bits = s->total * 8;
	unsigned char raw[32];

	s->tail[s->ntail++] = 0x80;
	if (s->ntail > 56) {
		memset(s->tail + s->ntail, 0, 64 - s->ntail);
		sha256cpu_blocks2(s->h, s->h, s->tail, 1);
		s->ntail = 0;
	}
	memset(s->tail + s->ntail, 0, 56 - s->ntail);
	for (int i = 0; i < 8; i++)
		s->tail[63 - i] = (unsigned char)(bits >> (8 * i));
	sha256cpu_blocks2(s->h, s->h, s->tail, 1);
	for (int i = 0; i < 8; i++) {
		raw[4 * i] = (unsigned char)(s->h[i] >> 24);
		raw[4 * i + 1] = (unsigned char)(s->h[i] >> 16);
		raw[4 * i + 2] = (unsigned char)(s->h[i] >> 8);
		raw[4 * i + 3] = (unsigned char)s->h[i];
	}
	to_hex(raw, hex);
}

void
sha256_pair_init(struct sha256_pair *sp)
{
	memset(sp, 0, sizeof *sp);
	sp->cpu = sha256cpu_available();
	if (sp->cpu) {
		cpu_init(&sp->w);
		cpu_init(&sp->pc);
	} else {
		sha256_init(&sp->whole);
		sha256_init(&sp->piece);
	}
}

void
sha256_pair_update(struct sha256_pair *sp, const void *p, size_t n)
{
	const unsigned char *b = p;

	if (!sp->cpu) {
		sha256_update(&sp->whole, p, n);
		sha256_update(&sp->piece, p, n);
		return;
	}
	/* While neither chain has a partial block, both take the same
	 * blocks; a piece that starts inside a block of the whole puts
	 * them out of step, and then each goes alone. */
	if (sp->w.ntail == 0 && sp->pc.ntail == 0) {
		size_t nb = n / 64;
		sha256cpu_blocks2(sp->w.h, sp->pc.h, b, nb);
		sp->w.total += nb * 64;
		sp->pc.total += nb * 64;
		b += nb * 64;
		n -= nb * 64;
	}
	cpu_update(&sp->w, b, n);
	cpu_update(&sp->pc, b, n);
}

void
sha256_pair_piece_hex(struct sha256_pair *sp, char hex[65])
{
	if (sp->cpu) {
		cpu_final_hex(&sp->pc, hex);
		cpu_init(&sp->pc);
	} else {
		sha256_final_hex(&sp->piece, hex);
		sha256_init(&sp->piece);
	}
}

void
sha256_pair_final_hex(struct sha256_pair *sp, char hex[65])
{
	if (sp->cpu)
		cpu_final_hex(&sp->w, hex);
	else
		sha256_final_hex(&sp->whole, hex);
	sha256_pair_free(sp);
}

void
sha256_pair_free(struct sha256_pair *sp)
{
	EVP_MD_CTX_free(sp->whole.ctx);
	EVP_MD_CTX_free(sp->piece.ctx);
	sp->whole.ctx = sp->piece.ctx = NULL;
}
