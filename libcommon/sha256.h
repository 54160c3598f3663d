/*
 * sha256: SHA-256 through OpenSSL's EVP interface, streaming, as lowercase
 * hex (the manifest's "sha256") or raw bytes (for signing).
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

#endif
