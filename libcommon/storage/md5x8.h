/*
 * md5x8: eight MD5s at once, one in each 32-bit lane of the CPU's vector
 * unit (AVX2, or AVX-512 where there is), for Azure's Content-MD5 of
 * eight blocks of one size
 * (storage_azure.c).  One MD5 is a chain no CPU can run faster than
 * OpenSSL does (about 0.7 GB/s); eight chains side by side cost little
 * more than one, so the blocks' MD5s take a fraction of the CPU.
 *
 * The lanes may take different numbers of bytes (eight small files'
 * Put Blobs side by side): md5x8_update_lanes adds n[i] bytes to lane i,
 * a lane given 0 keeping its state while the others go on, and the final
 * pads each lane at its own length.  A lane's pieces are multiples of 64
 * bytes but its last, after which it takes no more.  Where the compiler
 * or the CPU lacks AVX2, or STAGE_NO_CPU_MD5=1 is set, md5x8_available()
 * says 0 and the caller hashes one by one.
 */
#ifndef STAGE_MD5X8_H
#define STAGE_MD5X8_H

#include <stddef.h>
#include <stdint.h>

#define MD5X8_LANES 8
/* The instruction sets (md5x8_available), the best by default. */
#define MD5X8_AVX2 1
#define MD5X8_AVX512 2	/* AVX-512F and VL: the same lanes, fewer steps */

struct md5x8 {
	uint32_t st[4][MD5X8_LANES];	/* a, b, c, d of each lane */
	uint64_t total[MD5X8_LANES];	/* bytes so far, each lane */
	unsigned char tail[MD5X8_LANES][64];	/* a last piece's bytes
						 * past its last 64 */
	int isa;		/* MD5X8_AVX2 or MD5X8_AVX512 (a test may
				 * lower it after md5x8_init) */
};

/* The best instruction set here, or 0: none (then hash one by one). */
int md5x8_available(void);
void md5x8_init(struct md5x8 *m);
/* Adds n bytes from each p[i] to lane i. */
void md5x8_update(struct md5x8 *m, const unsigned char *const p[MD5X8_LANES],
    size_t n);
/* Adds n[i] bytes from p[i] to lane i; p[i] is not read when n[i] is 0. */
void md5x8_update_lanes(struct md5x8 *m,
    const unsigned char *const p[MD5X8_LANES], const size_t n[MD5X8_LANES]);
/* Ends every lane, each at its own length: digest i into out[i]. */
void md5x8_final(struct md5x8 *m, unsigned char out[MD5X8_LANES][16]);

#endif
