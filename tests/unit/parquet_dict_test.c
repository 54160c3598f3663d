/* Unit tests of a Parquet column's dictionary (parquet_col.c), built by
 * pqcol_encode from the group's PLAIN values: every value maps to the
 * entry that holds exactly its bytes, entries are in first-seen order,
 * values that differ only in a double's sign or a string's middle stay
 * apart, and the fallbacks (mostly distinct after PQW_DICT_PROBE values,
 * a dictionary past PQW_DICT_BYTES) leave the PLAIN values intact and
 * the column PLAIN for the rest of the file. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "parquet_write.h"
#include "tap.h"

/* Entry k's bytes as the dictionary page will hold them. */
static const unsigned char *
entry_of(const struct pqcol *c, uint32_t k, size_t *n)
{
	const unsigned char *d = (const unsigned char *)c->dvals.p;
	uint32_t len;

	if (c->width) {
		*n = c->width;
		return d + (size_t)k * c->width;
	}
	memcpy(&len, d + c->doff[k], 4);
	*n = len;
	return d + c->doff[k] + 4;
}

/* Every value i (of vals, each of size[i] bytes) maps to an entry with
 * its bytes, and entry k first appears before entry k + 1. */
static int
maps_back(const struct pqcol *c, const void *const *vals,
    const size_t *size, size_t nv)
{
	uint32_t next = 0;

	if (!c->dict || c->nenc != nv || c->nvals != nv)
		return 0;
	for (size_t i = 0; i < nv; i++) {
		size_t n;
		const unsigned char *e;
		if (c->idx[i] > next || c->idx[i] >= c->ndict)
			return 0;
		if (c->idx[i] == next)
			next++;
		e = entry_of(c, c->idx[i], &n);
		if (n != size[i] || memcmp(e, vals[i], n) != 0)
			return 0;
	}
	return next == c->ndict;
}

static void
test_doubles(void)
{
	struct pqw_colspec sp = { "d", CT_DOUBLE, 0 };
	struct pqcol c;
	static double v[4000];
	static const void *pv[4000];
	static size_t sz[4000];
	size_t n = 0;

	/* x and -x, 0.0 and -0.0, each twice; 1000 distinct of 2000 */
	for (int r = 0; r < 2; r++)
		for (int i = 0; i < 500; i++) {
			v[n++] = i * 0.25;
			v[n++] = -(i * 0.25);
		}
	pqcol_init(&c, &sp);
	for (size_t i = 0; i < n; i++) {
		pv[i] = &v[i];
		sz[i] = 8;
		pqcol_add(&c, i, &v[i], 8);
	}
	pqcol_encode(&c);
	ok(c.ndict == 1000 && maps_back(&c, pv, sz, n),
	    "doubles: x and -x (0.0 and -0.0) are distinct entries, "
	    "repeats share theirs, first-seen order");
	pqcol_free(&c);
}

static void
test_dates(void)
{
	struct pqw_colspec sp = { "d", CT_DATE, 0 };
	struct pqcol c;
	static int32_t v[30000];
	static const void *pv[30000];
	static size_t sz[30000];

	pqcol_init(&c, &sp);
	for (size_t i = 0; i < 30000; i++) {
		v[i] = (int32_t)((i * 7919) % 3000) - 1500;
		pv[i] = &v[i];
		sz[i] = 4;
		pqcol_add(&c, i, &v[i], 4);
	}
	pqcol_encode(&c);
	ok(c.ndict == 3000 && maps_back(&c, pv, sz, 30000),
	    "4-byte values through several rehashes: 3000 entries");
	pqcol_free(&c);
}

static void
test_strings(void)
{
	struct pqw_colspec sp = { "s", CT_TEXT, 0 };
	struct pqcol c;
	static char text[80][40];
	static const void *pv[160];
	static size_t sz[160];
	size_t n = 0;

	/* lengths 0 to 39, each as "a..a" and as "a..b..a" (a byte in the
	 * middle differs, the head and tail the hash reads are the same) */
	for (size_t len = 0; len < 40; len++) {
		memset(text[len], 'a', len);
		memset(text[40 + len], 'a', len);
		if (len)
			text[40 + len][len / 2] = 'b';
	}
	pqcol_init(&c, &sp);
	for (int r = 0; r < 2; r++)
		for (size_t k = 0; k < 80; k++) {
			pv[n] = text[k];
			sz[n] = k % 40;
			pqcol_add(&c, n, text[k], k % 40);
			n++;
		}
	pqcol_encode(&c);
	/* 79 distinct: text[40] is "" as text[0] is */
	ok(c.ndict == 79 && maps_back(&c, pv, sz, n),
	    "strings of 0 to 39 bytes differing in one middle byte are "
	    "distinct entries; equal ones share theirs");
	pqcol_free(&c);
}

static void
test_probe_fallback(void)
{
	struct pqw_colspec sp = { "i", CT_BIGINT, 0 };
	struct pqcol c;
	int64_t v;
	int ok_plain = 1;

	pqcol_init(&c, &sp);
	for (size_t i = 0; i < PQW_DICT_PROBE + 100; i++) {
		v = (int64_t)i * 1000003;
		pqcol_add(&c, i, &v, 8);
	}
	pqcol_encode(&c);
	for (size_t i = 0; i < PQW_DICT_PROBE + 100; i++) {
		memcpy(&v, c.vals.p + i * 8, 8);
		ok_plain &= v == (int64_t)i * 1000003;
	}
	ok(!c.dict && c.nodict && c.ndict == 0 && ok_plain &&
	    c.vals.len == (PQW_DICT_PROBE + 100) * 8,
	    "mostly distinct after %d values: PLAIN for the file, the values "
	    "intact", PQW_DICT_PROBE);
	pqcol_reset(&c);
	ok(!c.dict, "the next group starts PLAIN");
	pqcol_free(&c);
}

static void
test_bytes_fallback(void)
{
	struct pqw_colspec sp = { "s", CT_TEXT, 0 };
	struct pqcol c;
	static char s[2000];
	size_t rows = 0;
	int same = 1;

	/* 600 distinct strings of 2000 bytes, each 20 times: few distinct
	 * (passes the probe), but the dictionary passes 1 MiB */
	pqcol_init(&c, &sp);
	for (int r = 0; r < 20; r++)
		for (int k = 0; k < 600; k++) {
			memset(s, 'a' + k % 26, sizeof s);
			snprintf(s, 8, "%05d", k);
			pqcol_add(&c, rows++, s, sizeof s);
		}
	pqcol_encode(&c);
	for (size_t i = 0; i < rows; i++) {
		const unsigned char *p = (const unsigned char *)c.vals.p +
		    i * (4 + sizeof s);
		char want[8];
		snprintf(want, sizeof want, "%05d", (int)(i % 600));
		same &= p[0] == (sizeof s & 0xff) && p[1] == sizeof s >> 8 &&
		    memcmp(p + 4, want, 5) == 0;
	}
	ok(!c.dict && c.nodict && same && c.plain_bytes == c.vals.len,
	    "a dictionary past %u bytes: PLAIN for the file, the values "
	    "intact", PQW_DICT_BYTES);
	pqcol_free(&c);
}

static void
test_minmax_either_way(void)
{
	struct pqw_colspec sp = { "d", CT_DOUBLE, 0 };
	struct pqcol c;
	struct buf lo = BUF_INIT, hi = BUF_INIT, lo2 = BUF_INIT, hi2 = BUF_INIT;
	double v, d1, d2;

	pqcol_init(&c, &sp);
	for (size_t i = 0; i < 1000; i++) {
		v = (double)((i * 37) % 101) - 50.5;
		pqcol_add(&c, i, &v, 8);
	}
	ok(pqcol_minmax(&c, &lo, &hi), "min and max before the dictionary");
	pqcol_encode(&c);
	ok(c.dict && c.nenc == c.nvals && pqcol_minmax(&c, &lo2, &hi2) &&
	    lo.len == 8 && lo2.len == 8 && memcmp(lo.p, lo2.p, 8) == 0 &&
	    memcmp(hi.p, hi2.p, 8) == 0, "the same min and max from the "
	    "dictionary");
	memcpy(&d1, lo2.p, 8);
	memcpy(&d2, hi2.p, 8);
	ok(d1 == -50.5 && d2 == 49.5, "min -50.5, max 49.5");
	pqcol_free(&c);
	buf_free(&lo);
	buf_free(&hi);
	buf_free(&lo2);
	buf_free(&hi2);
}

static void
test_minmax_pending(void)
{
	struct pqw_colspec sp = { "i", CT_BIGINT, 0 };
	struct pqcol c;
	struct buf lo = BUF_INIT, hi = BUF_INIT;
	int64_t v, a, b;
	size_t n = PQW_DICT_BATCH + PQW_DICT_BATCH / 2;

	/* the extremes only among the values still pending */
	pqcol_init(&c, &sp);
	for (size_t i = 0; i < n; i++) {
		v = i < PQW_DICT_BATCH ? (int64_t)(i % 10) :
		    i == n - 1 ? -1000 : i == n - 2 ? 1000 : 5;
		pqcol_add(&c, i, &v, 8);
	}
	ok(c.dict && c.nenc == PQW_DICT_BATCH && pqcol_minmax(&c, &lo, &hi),
	    "a batch in the dictionary, the rest pending");
	memcpy(&a, lo.p, 8);
	memcpy(&b, hi.p, 8);
	ok(a == -1000 && b == 1000, "min and max over both");
	pqcol_undict(&c);
	ok(!c.dict && c.vals.len == n * 8 && memcmp(c.vals.p + 7 * 8,
	    &(int64_t){ 7 }, 8) == 0 && memcmp(c.vals.p + (n - 1) * 8,
	    &(int64_t){ -1000 }, 8) == 0, "undict: every value PLAIN, in order");
	pqcol_free(&c);
	buf_free(&lo);
	buf_free(&hi);
}

int
main(void)
{
	test_doubles();
	test_dates();
	test_strings();
	test_probe_fallback();
	test_bytes_fallback();
	test_minmax_either_way();
	test_minmax_pending();
	return tap_done();
}
