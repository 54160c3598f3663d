/*
 * sha256: SHA-256 through OpenSSL's EVP interface.  A context is allocated
 * by sha256_init and freed by either final call, so a caller that finishes
 * never leaks.  OpenSSL failing to set up a digest means the library or
 * memory is broken, which is not recoverable: we die like the x-allocators.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "log.h"
#include "sha256.h"

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

void
sha256_final_hex(struct sha256 *h, char hex[65])
{
	static const char digits[] = "0123456789abcdef";
	unsigned char raw[32];

	sha256_final_raw(h, raw);
	for (int i = 0; i < 32; i++) {
		hex[2 * i] = digits[raw[i] >> 4];
		hex[2 * i + 1] = digits[raw[i] & 15];
	}
	hex[64] = '\0';
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
