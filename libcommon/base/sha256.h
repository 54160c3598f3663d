/*
 * sha256: SHA-256 through OpenSSL's EVP interface, streaming, as lowercase
 * hex (the manifest's "sha256") or raw bytes (for signing); and a pair of
 * hashes taken in one pass (sha256_pair below).
 */
#ifndef STAGE_SHA256_H
#define STAGE_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct sha256 {
	void *ctx;		/* EVP_MD_CTX */
};

void sha256_init(struct sha256 *h);
void sha256_update(struct sha256 *h, const void *p, size_t n);
/* Finishes and frees the context; hex gets 64 digits and a NUL. */
void sha256_final_hex(struct sha256 *h, char hex[65]);
void sha256_final_raw(struct sha256 *h, unsigned char out[32]);
void sha256_hex(const void *p, size_t n, char hex[65]);
/* Hashes a whole file; -1 with errno set on an I/O error. */
int sha256_file(const char *path, char hex[65], uint64_t *bytes);

/*
 * Two hashes in one pass over a stream cut into pieces: the whole
 * stream's and each piece's own (an S3 part is signed with its SHA-256,
 * the manifest holds the file's).  Where the CPU has SHA instructions
 * the two chains run interleaved over each block (sha256cpu.h), at about
 * two thirds of the cost of two passes; elsewhere OpenSSL makes two.
 */
struct sha256_cpu {
	uint32_t h[8];
	unsigned char tail[64];	/* the partial block */
	size_t ntail;
	uint64_t total;		/* bytes so far */
};

struct sha256_pair {
	int cpu;			/* on the SHA instructions: in w, pc */
	struct sha256_cpu w, pc;
	struct sha256 whole, piece;	/* else through OpenSSL */
};

/* On the SHA instructions where the CPU has them, unless
 * STAGE_NO_CPU_SHA256 is set (sha256cpu.c). */
void sha256_pair_init(struct sha256_pair *sp);
/* Adds p to the whole and to the current piece. */
void sha256_pair_update(struct sha256_pair *sp, const void *p, size_t n);
/* Ends the current piece with its hash; the next update starts one. */
void sha256_pair_piece_hex(struct sha256_pair *sp, char hex[65]);
/* The whole stream's hash; frees what the pair holds. */
void sha256_pair_final_hex(struct sha256_pair *sp, char hex[65]);
/* Frees a pair that will not be finished (a no-op after final). */
void sha256_pair_free(struct sha256_pair *sp);

#endif
