/*
 * md5x8: eight MD5 chains in the eight 32-bit lanes of AVX2 (md5x8.h),
 * RFC 1321's rounds written once for a vector of lanes
 * (md5x8_rounds.h), compiled for AVX2 and for AVX-512's shorter forms of
 * the same steps, the CPU's best chosen at run time.  Compiled where the
 * compiler has the intrinsics (GCC and clang on x86-64: target
 * attribute, CPUID at run time); elsewhere md5x8_available() says 0.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "md5x8.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define MD5X8_VECTOR
#endif

#ifdef MD5X8_VECTOR

#include <immintrin.h>

static const uint32_t T[64] = {
	0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a,
	0xa8304613, 0xfd469501, 0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be,
	0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821, 0xf61e2562, 0xc040b340,
	0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
	0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8,
	0x676f02d9, 0x8d2a4c8a, 0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c,
	0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70, 0x289b7ec6, 0xeaa127fa,
	0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
	0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92,
	0xffeff47d, 0x85845dd1, 0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1,
	0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391,
};
static const int S[64] = {
	7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
	5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20,
	4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
	6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
};

/* AVX2: rotations as two shifts, the round functions in two or three
 * operations. */
#define CPU __attribute__((target("avx2")))
#define V(name) name##_avx2
#define ROTL(x, s) _mm256_or_si256(_mm256_slli_epi32((x), (s)), \
	_mm256_srli_epi32((x), 32 - (s)))
#define FF(b, c, d) _mm256_xor_si256(d, _mm256_and_si256(b, \
	_mm256_xor_si256(c, d)))
#define GG(b, c, d) _mm256_xor_si256(c, _mm256_and_si256(d, \
	_mm256_xor_si256(b, c)))
#define HH(b, c, d) _mm256_xor_si256(_mm256_xor_si256(b, c), d)
#define II(b, c, d) _mm256_xor_si256(c, _mm256_or_si256(b, \
	_mm256_xor_si256(d, _mm256_set1_epi32(-1))))
#include "md5x8_rounds.h"

/* AVX-512 (its VL forms, on the same 256-bit registers): a rotation in
 * one instruction, each round function in one (a ternary-logic table of
 * b, c, d), about two thirds of AVX2's work a step. */
#define CPU __attribute__((target("avx2,avx512f,avx512vl")))
#define V(name) name##_avx512
#define ROTL(x, s) _mm256_rol_epi32((x), (s))
#define FF(b, c, d) _mm256_ternarylogic_epi32(b, c, d, 0xca)
#define GG(b, c, d) _mm256_ternarylogic_epi32(b, c, d, 0xe4)
#define HH(b, c, d) _mm256_ternarylogic_epi32(b, c, d, 0x96)
#define II(b, c, d) _mm256_ternarylogic_epi32(b, c, d, 0x39)
#include "md5x8_rounds.h"

static void
blocks(struct md5x8 *m, const unsigned char *const p[MD5X8_LANES],
    const size_t n[MD5X8_LANES])
{
	if (m->isa == MD5X8_AVX512)
		blocks_avx512(m, p, n);
	else
		blocks_avx2(m, p, n);
}

static void
update(struct md5x8 *m, const unsigned char *const p[MD5X8_LANES],
    const size_t n[MD5X8_LANES])
{
	blocks(m, p, n);
	for (int l = 0; l < MD5X8_LANES; l++) {
		size_t r = n[l] % 64;
		if (r)
			memcpy(m->tail[l], p[l] + n[l] - r, r);
		m->total[l] += n[l];
	}
}

/* Each lane's padding: its tail, 0x80, zeros, its bit length, in one
 * block or two. */
static void
pad(struct md5x8 *m)
{
	unsigned char blk[MD5X8_LANES][128];
	const unsigned char *p[MD5X8_LANES];
	size_t n[MD5X8_LANES];

	memset(blk, 0, sizeof blk);
	for (int l = 0; l < MD5X8_LANES; l++) {
		size_t r = m->total[l] % 64;
		uint64_t bits = m->total[l] * 8;
		memcpy(blk[l], m->tail[l], r);
		blk[l][r] = 0x80;
		n[l] = r < 56 ? 64 : 128;
		for (int i = 0; i < 8; i++)
			blk[l][n[l] - 8 + i] = (unsigned char)(bits >> (8 * i));
		p[l] = blk[l];
	}
	blocks(m, p, n);
}

int
md5x8_available(void)
{
	const char *no = getenv("STAGE_NO_CPU_MD5");

	if (no && *no == '1')
		return 0;
	if (__builtin_cpu_supports("avx512f") &&
	    __builtin_cpu_supports("avx512vl"))
		return MD5X8_AVX512;
	return __builtin_cpu_supports("avx2") ? MD5X8_AVX2 : 0;
}

void
md5x8_update_lanes(struct md5x8 *m, const unsigned char *const p[MD5X8_LANES],
    const size_t n[MD5X8_LANES])
{
	update(m, p, n);
}

void
md5x8_final(struct md5x8 *m, unsigned char out[MD5X8_LANES][16])
{
	pad(m);
	for (int l = 0; l < MD5X8_LANES; l++)
		for (int k = 0; k < 4; k++)
			for (int i = 0; i < 4; i++)
				out[l][4 * k + i] =
				    (unsigned char)(m->st[k][l] >> (8 * i));
}

#else

int
md5x8_available(void)
{
	return 0;
}

void
md5x8_update_lanes(struct md5x8 *m, const unsigned char *const p[MD5X8_LANES],
    const size_t n[MD5X8_LANES])
{
	(void)m;
	(void)p;
	(void)n;
}

void
md5x8_final(struct md5x8 *m, unsigned char out[MD5X8_LANES][16])
{
	(void)m;
	memset(out, 0, MD5X8_LANES * 16);
}

#endif

void
md5x8_init(struct md5x8 *m)
{
	static const uint32_t iv[4] = { 0x67452301, 0xefcdab89, 0x98badcfe,
		0x10325476 };

	for (int k = 0; k < 4; k++)
		for (int l = 0; l < MD5X8_LANES; l++)
			m->st[k][l] = iv[k];
	memset(m->total, 0, sizeof m->total);
	m->isa = md5x8_available();
}

void
md5x8_update(struct md5x8 *m, const unsigned char *const p[MD5X8_LANES],
    size_t n)
{
	size_t ns[MD5X8_LANES];

	for (int l = 0; l < MD5X8_LANES; l++)
		ns[l] = n;
	md5x8_update_lanes(m, p, ns);
}
