/*
 * md5x8: eight MD5s at once, one in each 32-bit lane of the CPU's vector
 * unit (AVX2), for Azure's Content-MD5 of eight blocks of one size
 * (storage_azure.c).  One MD5 is a chain no CPU can run faster than
 * OpenSSL does (about 0.7 GB/s); eight chains side by side cost little
 * more than one, so the blocks' MD5s take a fraction of the CPU.
 *
 * The lanes take the same number of bytes, a multiple of 64 but at the
 * end.  Where the compiler or the CPU lacks AVX2, or STAGE_NO_CPU_MD5=1
 * is set, md5x8_available() says 0 and the caller hashes one by one.
 */
#ifndef STAGE_MD5X8_H
#define STAGE_MD5X8_H

#include <stddef.h>
#include <stdint.h>

#define MD5X8_LANES 8

struct md5x8 {
	uint32_t st[4][MD5X8_LANES];	/* a, b, c, d of each lane */
	uint64_t total;			/* bytes so far, each lane */
};

int md5x8_available(void);
void md5x8_init(struct md5x8 *m);
/* Adds n bytes (a multiple of 64) from each p[i] to lane i. */
void md5x8_update(struct md5x8 *m, const unsigned char *const p[MD5X8_LANES],
    size_t n);
/* Ends every lane (all took total bytes): digest i into out[i]. */
void md5x8_final(struct md5x8 *m, unsigned char out[MD5X8_LANES][16]);

#endif
