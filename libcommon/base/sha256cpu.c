/*
 * sha256cpu: SHA-256 block functions on the CPU's SHA instructions (x86
 * SHA-NI, ARMv8 SHA2), for sha256.c's one-pass pair of hashes (sha256.h).
 *
 * OpenSSL already uses these instructions for one hash; what it cannot do
 * is run two hashes over the same bytes at once.  A round instruction is
 * slow to deliver its result but can start a new one before, so one chain
 * leaves the unit idle half the time: two chains interleaved over one
 * block share its message schedule and fill those gaps, and cost about
 * 1.3x one chain instead of 2x.  So there is only the two-chain function;
 * one chain alone (a partial block, the padding) is the two run on the
 * same state, which costs the 0.3x more on those few blocks only.
 *
 * Compiled where the compiler has the intrinsics: GCC and clang on x86-64
 * (target attribute, CPUID at run time); on AArch64, compilers that
 * target SHA2 already (macOS, -march=...+crypto), or GCC on Linux (target
 * attribute, HWCAP at run time).  The build needs no flags.  Everywhere
 * else sha256cpu_available() says 0 and sha256.c uses OpenSSL alone, as
 * it does with STAGE_NO_CPU_SHA256=1 in the environment (the tests take
 * that path on machines that have the instructions).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sha256cpu.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define SHA256CPU_X86
#elif defined(__aarch64__) && defined(__ARM_FEATURE_SHA2)
#define SHA256CPU_ARM
#elif defined(__aarch64__) && defined(__linux__) && defined(__GNUC__) && \
    !defined(__clang__)
#define SHA256CPU_ARM
#endif

#if defined(SHA256CPU_X86) || defined(SHA256CPU_ARM)
static const uint32_t K[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
	0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
	0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
	0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};
#endif

#ifdef SHA256CPU_X86

#include <cpuid.h>
#include <immintrin.h>

#define CPU __attribute__((target("sha,sse4.1,ssse3")))
#define VEC __m128i
#define ADD _mm_add_epi32

static int
cpu_has(void)
{
	unsigned a, b, c, d;

	/* SSSE3 and SSE4.1 (leaf 1, ECX bits 9 and 19), SHA (leaf 7,
	 * EBX bit 29). */
	if (!__get_cpuid(1, &a, &b, &c, &d) ||
	    !(c & (1u << 9)) || !(c & (1u << 19)))
		return 0;
	if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
		return 0;
	return (b >> 29) & 1;
}

/* The instructions keep the state as ABEF and CDGH. */
CPU static void
load_state(const uint32_t h[8], __m128i *abef, __m128i *cdgh)
{
	__m128i dcba = _mm_loadu_si128((const __m128i *)&h[0]);
	__m128i hgfe = _mm_loadu_si128((const __m128i *)&h[4]);
	__m128i cdab = _mm_shuffle_epi32(dcba, 0xB1);
	__m128i efgh = _mm_shuffle_epi32(hgfe, 0x1B);

	*abef = _mm_alignr_epi8(cdab, efgh, 8);
	*cdgh = _mm_blend_epi16(efgh, cdab, 0xF0);
}

CPU static void
store_state(uint32_t h[8], __m128i abef, __m128i cdgh)
{
	__m128i feba = _mm_shuffle_epi32(abef, 0x1B);
	__m128i dchg = _mm_shuffle_epi32(cdgh, 0xB1);

	_mm_storeu_si128((__m128i *)&h[0], _mm_blend_epi16(feba, dchg, 0xF0));
	_mm_storeu_si128((__m128i *)&h[4], _mm_alignr_epi8(dchg, feba, 8));
}

/* Message words 16 bytes at a time, big-endian; the next four from the
 * last sixteen (a: oldest .. d: newest; the result replaces a). */
#define LOAD(m, i) ((m) = _mm_shuffle_epi8(_mm_loadu_si128( \
	(const __m128i *)(p + 16 * (i))), _mm_set_epi64x( \
	0x0c0d0e0f08090a0bLL, 0x0405060700010203LL)))
#define SCHED(a, b, c, d) ((a) = _mm_sha256msg2_epu32(_mm_add_epi32( \
	_mm_sha256msg1_epu32(a, b), _mm_alignr_epi8(d, c, 4)), d))
#define KW(m, g) _mm_add_epi32(m, \
	_mm_loadu_si128((const __m128i *)&K[4 * (g)]))

/* Four rounds of both chains (s and t) on words m. */
#define ROUNDS(m, g) do {						\
	__m128i k_ = KW(m, g), kh_ = _mm_shuffle_epi32(k_, 0x0E);	\
	s1 = _mm_sha256rnds2_epu32(s1, s0, k_);				\
	t1 = _mm_sha256rnds2_epu32(t1, t0, k_);				\
	s0 = _mm_sha256rnds2_epu32(s0, s1, kh_);			\
	t0 = _mm_sha256rnds2_epu32(t0, t1, kh_);			\
} while (0)

#elif defined(SHA256CPU_ARM)

#include <arm_neon.h>

#ifdef __ARM_FEATURE_SHA2
#define CPU
static int
cpu_has(void)
{
	return 1;
}
#elif defined(__linux__)
#include <sys/auxv.h>
#define CPU __attribute__((target("+crypto")))
static int
cpu_has(void)
{
	return (getauxval(AT_HWCAP) & HWCAP_SHA2) != 0;
}
#endif

#define VEC uint32x4_t
#define ADD vaddq_u32

/* The instructions keep the state as ABCD and EFGH, as it is. */
CPU static void
load_state(const uint32_t h[8], uint32x4_t *abcd, uint32x4_t *efgh)
{
	*abcd = vld1q_u32(&h[0]);
	*efgh = vld1q_u32(&h[4]);
}

CPU static void
store_state(uint32_t h[8], uint32x4_t abcd, uint32x4_t efgh)
{
	vst1q_u32(&h[0], abcd);
	vst1q_u32(&h[4], efgh);
}

/* As on x86 (same names, other instructions). */
#define LOAD(m, i) ((m) = vreinterpretq_u32_u8(vrev32q_u8( \
	vld1q_u8(p + 16 * (i)))))
#define SCHED(a, b, c, d) ((a) = vsha256su1q_u32(vsha256su0q_u32(a, b), \
	c, d))
#define KW(m, g) vaddq_u32(m, vld1q_u32(&K[4 * (g)]))

#define ROUNDS(m, g) do {						\
	uint32x4_t k_ = KW(m, g), a_ = s0, b_ = t0;			\
	s0 = vsha256hq_u32(s0, s1, k_);					\
	t0 = vsha256hq_u32(t0, t1, k_);					\
	s1 = vsha256h2q_u32(s1, a_, k_);				\
	t1 = vsha256h2q_u32(t1, b_, k_);				\
} while (0)

#endif

#if defined(SHA256CPU_X86) || defined(SHA256CPU_ARM)

/* The 64 rounds of a block, written out so that no compiler keeps the
 * message words in memory: the first sixteen words loaded, then three
 * times sixteen scheduled from the last sixteen. */
#define SCHED16(g) do {							\
	SCHED(m0, m1, m2, m3); ROUNDS(m0, (g));				\
	SCHED(m1, m2, m3, m0); ROUNDS(m1, (g) + 1);			\
	SCHED(m2, m3, m0, m1); ROUNDS(m2, (g) + 2);			\
	SCHED(m3, m0, m1, m2); ROUNDS(m3, (g) + 3);			\
} while (0)
#define BLOCK() do {							\
	LOAD(m0, 0); ROUNDS(m0, 0); LOAD(m1, 1); ROUNDS(m1, 1);		\
	LOAD(m2, 2); ROUNDS(m2, 2); LOAD(m3, 3); ROUNDS(m3, 3);		\
	SCHED16(4); SCHED16(8); SCHED16(12);				\
} while (0)

CPU void
sha256cpu_blocks2(uint32_t h[8], uint32_t g[8], const unsigned char *p,
    size_t n)
{
	VEC s0, s1, t0, t1, m0, m1, m2, m3;

	load_state(h, &s0, &s1);
	load_state(g, &t0, &t1);
	for (; n > 0; n--, p += 64) {
		VEC a0 = s0, a1 = s1, b0 = t0, b1 = t1;
		BLOCK();
		s0 = ADD(s0, a0);
		s1 = ADD(s1, a1);
		t0 = ADD(t0, b0);
		t1 = ADD(t1, b1);
	}
	store_state(h, s0, s1);
	store_state(g, t0, t1);
}

#else

static int
cpu_has(void)
{
	return 0;
}

/* Never called where sha256cpu_available() is 0. */
void
sha256cpu_blocks2(uint32_t h[8], uint32_t g[8], const unsigned char *p,
    size_t n)
{
	(void)h, (void)g, (void)p, (void)n;
}

#endif

int
sha256cpu_available(void)
{
	const char *no = getenv("STAGE_NO_CPU_SHA256");

	return !(no && *no && strcmp(no, "0") != 0) && cpu_has();
}
