/*
 * parquet_col: one column's buffered row group (parquet_write.h): the
 * definition bits, the values PLAIN or as dictionary indices, and the
 * group's min and max in the column's type-defined order: signed for
 * integers and decimals, IEEE order without NaN for doubles (-0.0 as a
 * minimum, +0.0 as a maximum, as the format asks), false < true, and
 * unsigned byte order for byte arrays (UTF-8's code point order).
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "parquet_write.h"

static size_t
plain_width(enum pq_phys p)
{
	switch (p) {
	case PQ_BOOLEAN: return 1;	/* buffered as a byte, packed later */
	case PQ_INT32: return 4;
	case PQ_INT64: case PQ_DOUBLE: return 8;
	case PQ_FLBA: return 16;
	default: return 0;
	}
}

static enum pq_phys
phys_of(enum coltype t)
{
	switch (t) {
	case CT_BIGINT: case CT_TIMESTAMP: case CT_TIME: return PQ_INT64;
	case CT_DOUBLE: return PQ_DOUBLE;
	case CT_BOOL: return PQ_BOOLEAN;
	case CT_DATE: return PQ_INT32;
	case CT_DECIMAL: return PQ_FLBA;
	default: return PQ_BYTE_ARRAY;
	}
}

void
pqcol_init(struct pqcol *c, const struct pqw_colspec *s)
{
	memset(c, 0, sizeof *c);
	c->name = s->name;
	c->ct = s->type;
	c->phys = phys_of(s->type);
	c->width = plain_width(c->phys);
	c->required = s->required;
	c->nodict = c->phys == PQ_BOOLEAN;
	pqcol_reset(c);
}

static void
dict_clear(struct pqcol *c)
{
	free(c->idx);
	free(c->doff);
	free(c->slots);
	free(c->keys);
	buf_free(&c->dvals);
	c->idx = c->doff = NULL;
	c->slots = NULL;
	c->keys = NULL;
	c->idxcap = c->doffcap = c->ndict = c->nslots = 0;
}

void
pqcol_free(struct pqcol *c)
{
	dict_clear(c);
	buf_free(&c->vals);
	free(c->def);
	c->def = NULL;
}

void
pqcol_reset(struct pqcol *c)
{
	if (c->def)
		memset(c->def, 0, c->defcap);
	c->nulls = 0;
	c->nvals = 0;
	c->nenc = 0;
	c->plain_bytes = 0;
	buf_reset(&c->vals);
	dict_clear(c);
	c->dict = !c->nodict;
}

void
pqcol_row(struct pqcol *c, size_t row)
{
	if (row / 8 < c->defcap)
		return;
	size_t n = c->defcap ? c->defcap * 2 : 256;
	while (n <= row / 8)
		n *= 2;
	c->def = xrealloc(c->def, n);
	memset(c->def + c->defcap, 0, n - c->defcap);
	c->defcap = n;
}

/* The last 1 to 7 bytes of a value as one word, without a copy of
 * variable length (a call per value): overlapping loads instead. */
static uint64_t
tail_word(const unsigned char *p, size_t n)
{
	uint32_t a, b;

	if (n >= 4) {
		memcpy(&a, p, 4);
		memcpy(&b, p + n - 4, 4);
		return (uint64_t)a | (uint64_t)b << 32;
	}
	if (n == 0)
		return 0;
	return (uint64_t)p[0] | (uint64_t)p[n / 2] << 8 |
	    (uint64_t)p[n - 1] << 16;
}

static uint64_t
hash_bytes(const unsigned char *p, size_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ n, x;
	size_t left = n;

	for (; left >= 8; p += 8, left -= 8) {
		memcpy(&x, p, 8);
		h = (h ^ x) * 0xff51afd7ed558ccdULL;
		h ^= h >> 32;
	}
	if (left && n >= 8)
		memcpy(&x, p + left - 8, 8);	/* the last 8, overlapping */
	else
		x = tail_word(p, left);
	h = (h ^ x) * 0xc4ceb9fe1a85ec53ULL;
	return h ^ (h >> 29);
}

/* Entry k's value (without a byte array's length). */
static const unsigned char *
entry(const struct pqcol *c, size_t k, size_t *n)
{
	const unsigned char *d = (const unsigned char *)c->dvals.p;
	uint32_t len;

	if (c->width) {
		*n = c->width;
		return d + k * c->width;
	}
	memcpy(&len, d + c->doff[k], 4);	/* written in host order */
	*n = len;
	return d + c->doff[k] + 4;
}

/* The fixed widths compare inline, without a call. */
static inline int
same(const unsigned char *a, const void *b, size_t n)
{
	switch (n) {
	case 4: return memcmp(a, b, 4) == 0;
	case 8: return memcmp(a, b, 8) == 0;
	case 16: return memcmp(a, b, 16) == 0;
	default:
		if (n > 16)
			return memcmp(a, b, n) == 0;
		for (size_t i = 0; i < n; i++)	/* short: no call */
			if (a[i] != ((const unsigned char *)b)[i])
				return 0;
		return 1;
	}
}

/* A slot is 32 bits, to keep the table small in the cache: a 12-bit tag
 * of the hash over the entry's number + 1 (0 empty), so most probes end
 * on the tag without touching the entry.  The dictionary stays below
 * 2^20 entries (PQW_DICT_BYTES of at least 4 bytes each). */
#define TAG_SHIFT 20
#define ENTRY_MASK ((1u << TAG_SHIFT) - 1)

static uint32_t
tag_of(uint64_t h)
{
	return (uint32_t)(h >> 52) << TAG_SHIFT;
}

static void
rehash(struct pqcol *c)
{
	size_t ns = c->nslots ? c->nslots * 2 : 1024;

	free(c->slots);
	c->slots = xcalloc(ns, sizeof *c->slots);
	c->nslots = ns;
	for (size_t k = 0; k < c->ndict; k++) {
		size_t n;
		const unsigned char *p = entry(c, k, &n);
		uint64_t h = hash_bytes(p, n);
		size_t s = (size_t)h & (ns - 1);
		while (c->slots[s])
			s = (s + 1) & (ns - 1);
		c->slots[s] = tag_of(h) | (uint32_t)(k + 1);
	}
}

static uint32_t
dict_insert(struct pqcol *c, const void *p, size_t n)
{
	size_t s, m;
	uint64_t h = hash_bytes(p, n);
	uint32_t k, v, tag = tag_of(h), len = (uint32_t)n;

	if (2 * (c->ndict + 1) > c->nslots)
		rehash(c);
	s = (size_t)h & (c->nslots - 1);
	while ((v = c->slots[s]) != 0) {
		if ((v & ~ENTRY_MASK) == tag) {
			const unsigned char *e = entry(c, (v & ENTRY_MASK) - 1,
			    &m);
			if (m == n && same(e, p, n))
				return (v & ENTRY_MASK) - 1;
		}
		s = (s + 1) & (c->nslots - 1);
	}
	k = (uint32_t)c->ndict++;
	c->slots[s] = tag | (k + 1);
	if (!c->width) {
		if (c->ndict > c->doffcap) {
			c->doffcap = c->doffcap ? c->doffcap * 2 : 256;
			c->doff = xrealloc(c->doff, c->doffcap *
			    sizeof *c->doff);
		}
		c->doff[k] = (uint32_t)c->dvals.len;
		buf_add(&c->dvals, &len, 4);
	}
	buf_add(&c->dvals, p, n);
	return k;
}

/* A 4- or 8-byte value as a 64-bit key (zero-extended), and its hash:
 * the high half folded in first, so values differing only in a
 * double's sign or exponent spread as well as any others. */
static uint64_t
fixed_key(const void *p, size_t n)
{
	uint64_t x = 0;

	memcpy(&x, p, n);
	return x;
}

static size_t
fixed_hash(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	return (size_t)(x ^ x >> 33);
}

static void
fixed_rehash(struct pqcol *c)
{
	size_t ns = c->nslots ? c->nslots * 2 : 1024, mask = ns - 1;
	const unsigned char *d = (const unsigned char *)c->dvals.p;

	free(c->keys);
	c->keys = xcalloc(ns, sizeof *c->keys);
	c->nslots = ns;
	for (size_t k = 0; k < c->ndict; k++) {
		uint64_t x = fixed_key(d + k * c->width, c->width);
		size_t s = fixed_hash(x) & mask;
		while (c->keys[s].ent)
			s = (s + 1) & mask;
		c->keys[s].key = x;
		c->keys[s].ent = (uint32_t)(k + 1);
	}
}

/* dict_insert for 4- and 8-byte values: the same entries in the same
 * order, found through struct pqkey's slots. */
static uint32_t
fixed_insert(struct pqcol *c, const void *p, size_t n)
{
	uint64_t x = fixed_key(p, n);
	size_t s, mask;
	uint32_t e;

	if (2 * (c->ndict + 1) > c->nslots)
		fixed_rehash(c);
	mask = c->nslots - 1;
	s = fixed_hash(x) & mask;
	while ((e = c->keys[s].ent) != 0) {
		if (c->keys[s].key == x)
			return e - 1;
		s = (s + 1) & mask;
	}
	c->keys[s].key = x;
	c->keys[s].ent = (uint32_t)c->ndict + 1;
	buf_add(&c->dvals, p, n);
	return (uint32_t)c->ndict++;
}

static const unsigned char *next_value(const struct pqcol *c,
    const struct buf *b, size_t *off, size_t *n);

/* A PLAIN value onto vals: a byte array's length little-endian, then
 * its bytes.  Room is made once per value and the fixed widths copy
 * with a constant size, inline: this runs for every value. */
static void
plain_add(struct pqcol *c, const void *p, size_t n)
{
	struct buf *b = &c->vals;
	unsigned char *d;

	if (b->len + n + 5 > b->cap)
		buf_grow(b, n + 4);
	d = (unsigned char *)b->p + b->len;
	switch (c->width) {
	case 8: memcpy(d, p, 8); break;
	case 4: memcpy(d, p, 4); break;
	case 0:
		d[0] = (unsigned char)n;
		d[1] = (unsigned char)(n >> 8);
		d[2] = (unsigned char)(n >> 16);
		d[3] = (unsigned char)(n >> 24);
		if (n)
			memcpy(d + 4, p, n);
		n += 4;
		break;
	default: memcpy(d, p, n); break;
	}
	b->len += n;
	b->p[b->len] = '\0';
}

/* The group's PLAIN values into a fresh vals, leaving the dictionary:
 * the encoded ones from their entries, then those still pending. */
static void
to_plain(struct pqcol *c)
{
	struct buf pending = c->vals;

	c->vals = (struct buf)BUF_INIT;
	buf_grow(&c->vals, c->plain_bytes);
	for (size_t i = 0; i < c->nenc; i++) {
		size_t n;
		const unsigned char *p = entry(c, c->idx[i], &n);
		plain_add(c, p, n);
	}
	if (pending.len)
		buf_add(&c->vals, pending.p, pending.len);
	buf_free(&pending);
	dict_clear(c);
	c->dict = 0;
	c->nenc = 0;
}

void
pqcol_undict(struct pqcol *c)
{
	if (c->dict)
		to_plain(c);
}

/* Whether the dictionary, after its first nv values, is given up. */
static int
dict_fails(const struct pqcol *c, size_t nv)
{
	return c->dvals.len > PQW_DICT_BYTES || c->ndict >= ENTRY_MASK ||
	    (nv == PQW_DICT_PROBE && c->ndict > PQW_DICT_PROBE / 10 * 9);
}

/* How many values ahead encode_fixed asks for a slot's cache line:
 * the lookups then overlap instead of waiting one by one. */
#define AHEAD 16
#if defined(__GNUC__) || defined(__clang__)
#define PREFETCH(p) __builtin_prefetch(p)
#else
#define PREFETCH(p) ((void)(p))
#endif

/* The pending 4- and 8-byte values, the group's from start on, into
 * the dictionary; -1 when it fails. */
static int
encode_fixed(struct pqcol *c, size_t start)
{
	const unsigned char *v = (const unsigned char *)c->vals.p;
	size_t w = c->width, m = c->nvals - start;

	for (size_t i = 0; i < m; i++) {
		if (i + AHEAD < m && c->keys)
			PREFETCH(&c->keys[fixed_hash(fixed_key(v + (i + AHEAD) *
			    w, w)) & (c->nslots - 1)]);
		c->idx[start + i] = fixed_insert(c, v + i * w, w);
		if (dict_fails(c, start + i + 1))
			return -1;
	}
	return 0;
}

/* The same for byte arrays (and 16-byte decimals). */
static int
encode_bytes(struct pqcol *c, size_t start)
{
	size_t off = 0, n;

	for (size_t i = start; i < c->nvals; i++) {
		const unsigned char *p = next_value(c, &c->vals, &off, &n);
		c->idx[i] = dict_insert(c, p, n);
		if (dict_fails(c, i + 1))
			return -1;
	}
	return 0;
}

void
pqcol_encode(struct pqcol *c)
{
	size_t start = c->nenc;
	int r;

	if (!c->dict || start == c->nvals)
		return;
	if (c->nvals > c->idxcap) {
		c->idxcap = c->idxcap * 2 > c->nvals ? c->idxcap * 2 :
		    c->nvals;
		c->idx = xrealloc(c->idx, c->idxcap * sizeof *c->idx);
	}
	r = c->width == 4 || c->width == 8 ? encode_fixed(c, start) :
	    encode_bytes(c, start);
	if (r < 0) {
		/* too many distinct values: PLAIN for the file */
		to_plain(c);
		c->nodict = 1;
		return;
	}
	c->nenc = c->nvals;
	buf_reset(&c->vals);
}

void
pqcol_add(struct pqcol *c, size_t row, const void *p, size_t n)
{
	if (row / 8 >= c->defcap)
		pqcol_row(c, row);
	c->def[row / 8] |= (unsigned char)(1u << (row % 8));
	c->plain_bytes += n + (c->width ? 0 : 4);
	plain_add(c, p, n);
	c->nvals++;
	if (c->dict && c->nvals - c->nenc >= PQW_DICT_BATCH)
		pqcol_encode(c);
}

int
pqcol_dict_pays(const struct pqcol *c)
{
	uint64_t bw = 1;

	while (bw < 32 && (c->ndict - 1) >> bw)
		bw++;
	return c->dvals.len + (c->nvals * bw + 7) / 8 < c->plain_bytes;
}

/* Negative when a < b in the column's order. */
static int
cmp(const struct pqcol *c, const unsigned char *a, size_t na,
    const unsigned char *b, size_t nb)
{
	int64_t x, y;
	int32_t i, j;
	double d, e;
	int r;

	switch (c->phys) {
	case PQ_INT64:
		memcpy(&x, a, 8);
		memcpy(&y, b, 8);
		return (x > y) - (x < y);
	case PQ_INT32:
		memcpy(&i, a, 4);
		memcpy(&j, b, 4);
		return (i > j) - (i < j);
	case PQ_DOUBLE:
		memcpy(&d, a, 8);
		memcpy(&e, b, 8);
		return (d > e) - (d < e);
	case PQ_BOOLEAN:
		return (*a > *b) - (*a < *b);
	case PQ_FLBA:		/* big-endian two's complement */
		if ((a[0] ^ 0x80) != (b[0] ^ 0x80))
			return (a[0] ^ 0x80) < (b[0] ^ 0x80) ? -1 : 1;
		return memcmp(a + 1, b + 1, 15);
	default:
		r = memcmp(a, b, na < nb ? na : nb);
		return r ? r : (na > nb) - (na < nb);
	}
}

static int
is_nan(const struct pqcol *c, const unsigned char *p)
{
	double d;

	if (c->phys != PQ_DOUBLE)
		return 0;
	memcpy(&d, p, 8);
	return d != d;
}

/* The next value of the PLAIN buffer or of the dictionary at *off. */
static const unsigned char *
next_value(const struct pqcol *c, const struct buf *b, size_t *off,
    size_t *n)
{
	const unsigned char *p = (const unsigned char *)b->p + *off;
	uint32_t len;

	if (c->width) {
		*n = c->width;
		*off += c->width;
		return p;
	}
	if (b == &c->dvals) {		/* host order, see dict_insert */
		memcpy(&len, p, 4);
	} else {
		len = (uint32_t)p[0] | (uint32_t)p[1] << 8 |
		    (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
	}
	*n = len;
	*off += 4 + len;
	return p + 4;
}

/* The least and greatest of the values in b into *lo and *hi. */
static void
scan_minmax(const struct pqcol *c, const struct buf *b,
    const unsigned char **lo, size_t *nlo, const unsigned char **hi,
    size_t *nhi)
{
	size_t off = 0;

	while (off < b->len) {
		size_t n;
		const unsigned char *p = next_value(c, b, &off, &n);
		if (is_nan(c, p))
			continue;
		if (!*lo || cmp(c, p, n, *lo, *nlo) < 0) {
			*lo = p;
			*nlo = n;
		}
		if (!*hi || cmp(c, p, n, *hi, *nhi) > 0) {
			*hi = p;
			*nhi = n;
		}
	}
}

int
pqcol_minmax(const struct pqcol *c, struct buf *min, struct buf *max)
{
	const unsigned char *lo = NULL, *hi = NULL;
	size_t nlo = 0, nhi = 0;
	double d;

	buf_reset(min);
	buf_reset(max);
	/* the dictionary's entries are the encoded values' */
	if (c->dict)
		scan_minmax(c, &c->dvals, &lo, &nlo, &hi, &nhi);
	scan_minmax(c, &c->vals, &lo, &nlo, &hi, &nhi);
	if (!lo || nlo > PQW_STAT_MAX || nhi > PQW_STAT_MAX)
		return 0;
	buf_add(min, lo, nlo);
	buf_add(max, hi, nhi);
	if (c->phys == PQ_DOUBLE) {
		memcpy(&d, min->p, 8);
		if (d == 0) {
			d = -0.0;
			memcpy(min->p, &d, 8);
		}
		memcpy(&d, max->p, 8);
		if (d == 0) {
			d = 0.0;
			memcpy(max->p, &d, 8);
		}
	}
	return 1;
}
