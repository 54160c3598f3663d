/*
 * md5x8_rounds: the vector half of md5x8.c, included there once for each
 * instruction set with these defined: V(name), the name of this set's
 * copy; CPU, its target attribute; ROTL(x, s), a lane-wise rotation by
 * a constant; FF, GG, HH and II, RFC 1321's round functions of b, c, d.
 * It undefines them at its end, ready for the next set.  Not a header of
 * its own: md5x8.c includes it, nothing else.
 */
/* Step i: a = b + rotl(a + f + M[g] + T[i], S[i]), which step i's
 * round picks f and g for. */
static inline __attribute__((always_inline)) CPU __m256i
V(step)(int i, __m256i a, __m256i b, __m256i c, __m256i d, const __m256i *w)
{
	__m256i f;
	int g;

	if (i < 16) {
		f = FF(b, c, d);
		g = i;
	} else if (i < 32) {
		f = GG(b, c, d);
		g = (5 * i + 1) & 15;
	} else if (i < 48) {
		f = HH(b, c, d);
		g = (3 * i + 5) & 15;
	} else {
		f = II(b, c, d);
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
static inline __attribute__((always_inline)) CPU void
V(load_half)(const unsigned char *const p[MD5X8_LANES], size_t off,
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
static inline __attribute__((always_inline)) CPU void
V(load_words)(const unsigned char *const p[MD5X8_LANES], size_t off,
    __m256i w[16])
{
	V(load_half)(p, off, w);
	V(load_half)(p, off + 32, w + 8);
}

/* One 64-byte block into the lanes that are on (all bits set in
 * their word of on); the others keep their state. */
static CPU void
V(compress)(uint32_t st[4][MD5X8_LANES], const __m256i w[16], __m256i on)
{
	__m256i a0 = _mm256_loadu_si256((const __m256i *)st[0]);
	__m256i b0 = _mm256_loadu_si256((const __m256i *)st[1]);
	__m256i c0 = _mm256_loadu_si256((const __m256i *)st[2]);
	__m256i d0 = _mm256_loadu_si256((const __m256i *)st[3]);
	__m256i a = a0, b = b0, c = c0, d = d0;

	/* Unrolled, so that each step's round, word and shift are
	 * constants. */
#define R4(i) \
	a = V(step)(i, a, b, c, d, w); d = V(step)(i + 1, d, a, b, c, w); \
	c = V(step)(i + 2, c, d, a, b, w); b = V(step)(i + 3, b, c, d, a, w)
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
V(blocks)(struct md5x8 *m, const unsigned char *const p[MD5X8_LANES],
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
		V(load_words)(p, off, w);
		V(compress)(m->st, w, _mm256_set1_epi32(-1));
	}
	for (; off + 64 <= n[longest]; off += 64) {
		for (int l = 0; l < MD5X8_LANES; l++) {
			on[l] = off + 64 <= n[l] ? -1 : 0;
			q[l] = (on[l] ? p[l] : p[longest]) + off;
		}
		V(load_words)(q, 0, w);
		V(compress)(m->st, w,
		    _mm256_loadu_si256((const __m256i *)on));
	}
}

#undef CPU
#undef V
#undef ROTL
#undef FF
#undef GG
#undef HH
#undef II
