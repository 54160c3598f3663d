/*
 * md5x8: eight MD5 chains in the eight 32-bit lanes of AVX2 (md5x8.h),
 * RFC 1321's rounds written once for a vector of lanes.  Compiled where
 * the compiler has the intrinsics (GCC and clang on x86-64: target
 * attribute, CPUID at run time); elsewhere md5x8_available() says 0.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "md5x8.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define MD5X8_AVX2
#endif

#ifdef MD5X8_AVX2

#include <immintrin.h>

#define CPU __attribute__((target("avx2")))

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

#define ROTL(x, s) _mm256_or_si256(_mm256_slli_epi32((x), (s)), \
	_mm256_srli_epi32((x), 32 - (s)))

/* Step i: a = b + rotl(a + f + M[g] + T[i], S[i]), which step i's
 * round picks f and g for. */
static inline __attribute__((always_inline, target("avx2"))) __m256i
step(int i, __m256i a, __m256i b, __m256i c, __m256i d, const __m256i *w)
{
	__m256i f;
	int g;

	if (i < 16) {
		f = _mm256_xor_si256(d, _mm256_and_si256(b,
		    _mm256_xor_si256(c, d)));
		g = i;
	} else if (i < 32) {
		f = _mm256_xor_si256(c, _mm256_and_si256(d,
		    _mm256_xor_si256(b, c)));
		g = (5 * i + 1) & 15;
	} else if (i < 48) {
		f = _mm256_xor_si256(_mm256_xor_si256(b, c), d);
		g = (3 * i + 5) & 15;
	} else {
		f = _mm256_xor_si256(c, _mm256_or_si256(b,
		    _mm256_xor_si256(d, _mm256_set1_epi32(-1))));
		g = (7 * i) & 15;
	}
	a = _mm256_add_epi32(_mm256_add_epi32(a, f),
	    _mm256_add_epi32(w[g], _mm256_set1_epi32((int)T[i])));
	switch (S[i]) {	/* the shift must be a constant */
	case 4: a = ROTL(a, 4); break;
	case 5: a = ROTL(a, 5); break;
	case 6: a = ROTL(a, 6); break;
	case 7: a = ROTL(a, 7); break;
	case 9: a = ROTL(a, 9); break;
	case 10: a = ROTL(a, 10); break;
	case 11: a = ROTL(a, 11); break;
	case 12: a = ROTL(a, 12); break;
	case 14: a = ROTL(a, 14); break;
	case 15: a = ROTL(a, 15); break;
	case 16: a = ROTL(a, 16); break;
	case 17: a = ROTL(a, 17); break;
	case 20: a = ROTL(a, 20); break;
	case 21: a = ROTL(a, 21); break;
	case 22: a = ROTL(a, 22); break;
	default: a = ROTL(a, 23); break;
	}
	return _mm256_add_epi32(a, b);
}

/* Words j0 to j0 + 7 of each lane's 64-byte block (little-endian, as x86
 * is) into w[j0..j0 + 7]: the lanes' 32 bytes loaded whole and turned
 * (an 8 x 8 transpose of 32-bit words in 24 shuffles), not gathered a
 * word at a time. */
static inline CPU void
load_half(const unsigned char *const p[MD5X8_LANES], size_t off,
    __m256i *w)
{
	__m256i r[8], t[8], u[8];

	for (int l = 0; l < 8; l++)
		r[l] = _mm256_loadu_si256((const __m256i *)(p[l] + off));
	for (int l = 0; l < 8; l += 2) {
		t[l] = _mm256_unpacklo_epi32(r[l], r[l + 1]);
		t[l + 1] = _mm256_unpackhi_epi32(r[l], r[l + 1]);
	}
	for (int k = 0; k < 8; k += 4) {
		u[k] = _mm256_unpacklo_epi64(t[k], t[k + 2]);
		u[k + 1] = _mm256_unpackhi_epi64(t[k], t[k + 2]);
		u[k + 2] = _mm256_unpacklo_epi64(t[k + 1], t[k + 3]);
		u[k + 3] = _mm256_unpackhi_epi64(t[k + 1], t[k + 3]);
	}
	for (int j = 0; j < 4; j++) {
		w[j] = _mm256_permute2x128_si256(u[j], u[j + 4], 0x20);
		w[j + 4] = _mm256_permute2x128_si256(u[j], u[j + 4], 0x31);
	}
}

/* Word j of each lane's 64-byte block. */
static inline CPU void
load_words(const unsigned char *const p[MD5X8_LANES], size_t off,
    __m256i w[16])
{
	load_half(p, off, w);
	load_half(p, off + 32, w + 8);
}

/* One 64-byte block into the lanes that are on (all bits set in
 * their word of on); the others keep their state. */
static CPU void
compress(uint32_t st[4][MD5X8_LANES], const __m256i w[16], __m256i on)
{
	__m256i a0 = _mm256_loadu_si256((const __m256i *)st[0]);
	__m256i b0 = _mm256_loadu_si256((const __m256i *)st[1]);
	__m256i c0 = _mm256_loadu_si256((const __m256i *)st[2]);
	__m256i d0 = _mm256_loadu_si256((const __m256i *)st[3]);
	__m256i a = a0, b = b0, c = c0, d = d0;

	/* Unrolled, so that each step's round, word and shift are
	 * constants. */
#define R4(i) \
	a = step(i, a, b, c, d, w); d = step(i + 1, d, a, b, c, w); \
	c = step(i + 2, c, d, a, b, w); b = step(i + 3, b, c, d, a, w)
	R4(0); R4(4); R4(8); R4(12); R4(16); R4(20); R4(24); R4(28);
	R4(32); R4(36); R4(40); R4(44); R4(48); R4(52); R4(56); R4(60);
#undef R4
#define KEEP(x, x0) _mm256_blendv_epi8((x0), _mm256_add_epi32((x), (x0)), on)
	_mm256_storeu_si256((__m256i *)st[0], KEEP(a, a0));
	_mm256_storeu_si256((__m256i *)st[1], KEEP(b, b0));
	_mm256_storeu_si256((__m256i *)st[2], KEEP(c, c0));
	_mm256_storeu_si256((__m256i *)st[3], KEEP(d, d0));
#undef KEEP
}

/* The whole 64-byte blocks of n[l] bytes from p[l] into lane l, lanes
 * of fewer blocks left as they are once theirs are in.  A lane that is
 * off for a block is loaded from the longest lane (in bounds, its
 * result dropped). */
static CPU void
blocks(struct md5x8 *m, const unsigned char *const p[MD5X8_LANES],
    const size_t n[MD5X8_LANES])
{
	const unsigned char *q[MD5X8_LANES];
	int32_t on[MD5X8_LANES];
	__m256i w[16];
	int longest = 0, shortest = 0;
	size_t off;

	for (int l = 1; l < MD5X8_LANES; l++) {
		if (n[l] > n[longest])
			longest = l;
		if (n[l] < n[shortest])
			shortest = l;
	}
	/* Every lane on, the common case, without choosing per block. */
	for (off = 0; off + 64 <= n[shortest]; off += 64) {
		load_words(p, off, w);
		compress(m->st, w, _mm256_set1_epi32(-1));
	}
	for (; off + 64 <= n[longest]; off += 64) {
		for (int l = 0; l < MD5X8_LANES; l++) {
			on[l] = off + 64 <= n[l] ? -1 : 0;
			q[l] = (on[l] ? p[l] : p[longest]) + off;
		}
		load_words(q, 0, w);
		compress(m->st, w,
		    _mm256_loadu_si256((const __m256i *)on));
	}
}

static CPU void
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
static CPU void
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

	return __builtin_cpu_supports("avx2") && !(no && *no == '1');
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
