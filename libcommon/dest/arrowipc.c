/*
 * arrowipc: the Arrow IPC stream reader (arrowipc.h).
 *
 * Flatbuffers are read in place: a table starts with the signed offset of
 * its vtable, the vtable lists each field's offset in the table (0:
 * absent), and tables, vectors and strings are reached through unsigned
 * offsets relative to where they are stored.  Every read goes through
 * fb_* helpers that check it lies inside the message.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arrowipc.h"

#define MAX_COLS 4096

enum atype { A_INT, A_BOOL, A_FLOAT, A_DECIMAL, A_UTF8, A_BINARY };

struct acol {
	enum atype t;
	int bits;	/* Int: 8..64; Float: 16/32/64 */
	int sign;	/* Int: signed */
	int scale;	/* Int (Snowflake metadata), Decimal */
};

struct fb {
	const uint8_t *p;
	size_t n;
	int bad;
};

static uint64_t
le(const uint8_t *p, int bytes)
{
	uint64_t v = 0;

	for (int i = bytes - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static uint64_t
fb_rd(struct fb *f, size_t pos, int bytes)
{
	if (f->bad || pos > f->n || f->n - pos < (size_t)bytes) {
		f->bad = 1;
		return 0;
	}
	return le(f->p + pos, bytes);
}

/* Absolute position of field idx of the table at t, or 0 if absent. */
static size_t
fb_field(struct fb *f, size_t t, int idx)
{
	int64_t so = (int32_t)fb_rd(f, t, 4);
	int64_t vt = (int64_t)t - so;
	size_t vlen, off;

	if (f->bad || vt < 0 || (uint64_t)vt >= f->n) {
		f->bad = 1;
		return 0;
	}
	vlen = (size_t)fb_rd(f, (size_t)vt, 2);
	if (f->bad || vlen < 4 || (vlen & 1)) {
		f->bad = 1;
		return 0;
	}
	if (4 + 2 * (size_t)idx + 2 > vlen)
		return 0;
	off = (size_t)fb_rd(f, (size_t)vt + 4 + 2 * (size_t)idx, 2);
	if (!off)
		return 0;
	if (off >= (size_t)fb_rd(f, (size_t)vt + 2, 2) || t + off >= f->n) {
		f->bad = 1;
		return 0;
	}
	return t + off;
}

/* The object an offset stored at pos points at. */
static size_t
fb_deref(struct fb *f, size_t pos)
{
	uint64_t o = fb_rd(f, pos, 4);

	if (f->bad || o == 0 || pos + o >= f->n) {
		f->bad = 1;
		return 0;
	}
	return pos + (size_t)o;
}

/* A vector at field idx of t: its first element's position and count. */
static int
fb_vec(struct fb *f, size_t t, int idx, size_t elem, size_t *first,
    size_t *count)
{
	size_t at = fb_field(f, t, idx), v;

	*count = 0;
	if (!at)
		return f->bad ? -1 : 0;
	v = fb_deref(f, at);
	*count = (size_t)fb_rd(f, v, 4);
	*first = v + 4;
	if (f->bad || *count > (f->n - *first) / elem) {
		f->bad = 1;
		return -1;
	}
	return 0;
}

/* A string at pos (an offset to it), into a NUL-ended copy. */
static int
fb_str(struct fb *f, size_t pos, struct buf *out)
{
	size_t s = fb_deref(f, pos), n = (size_t)fb_rd(f, s, 4);

	if (f->bad || n > f->n - s - 4) {
		f->bad = 1;
		return -1;
	}
	buf_reset(out);
	buf_add(out, f->p + s + 4, n);
	buf_adds(out, "");
	return 0;
}

static int64_t
fb_int_field(struct fb *f, size_t t, int idx, int bytes, int64_t dflt)
{
	size_t at = fb_field(f, t, idx);
	uint64_t v;

	if (!at)
		return dflt;
	v = fb_rd(f, at, bytes);
	if (bytes == 4)
		return (int32_t)v;
	if (bytes == 2)
		return (int16_t)v;
	if (bytes == 1)
		return (uint8_t)v;
	return (int64_t)v;
}

/* The Snowflake "scale" of a field's custom metadata, else 0. */
static int
meta_scale(struct fb *f, size_t field)
{
	struct buf k = BUF_INIT, v = BUF_INIT;
	size_t first, n;
	int scale = 0;

	if (fb_vec(f, field, 6, 4, &first, &n) < 0)
		return 0;
	for (size_t i = 0; i < n && !f->bad; i++) {
		size_t kv = fb_deref(f, first + 4 * i), kp, vp;

		if (!(kp = fb_field(f, kv, 0)) || !(vp = fb_field(f, kv, 1)))
			continue;
		if (fb_str(f, kp, &k) == 0 && strcmp(k.p, "scale") == 0 &&
		    fb_str(f, vp, &v) == 0)
			scale = atoi(v.p);
	}
	buf_free(&k);
	buf_free(&v);
	return scale < 0 || scale > 38 ? -1 : scale;
}

static int
read_field(struct fb *f, size_t fld, struct acol *c, struct buf *why)
{
	int tt = (int)fb_int_field(f, fld, 2, 1, 0);
	size_t tp = fb_field(f, fld, 3), ty = tp ? fb_deref(f, tp) : 0;
	size_t nch;
	size_t first;

	if (f->bad)
		return -1;
	if (fb_field(f, fld, 4)) {
		buf_adds(why, "dictionary-encoded columns are not supported");
		return -1;
	}
	if (fb_vec(f, fld, 5, 4, &first, &nch) < 0)
		return -1;
	memset(c, 0, sizeof *c);
	switch (tt) {
	case 2:
		c->t = A_INT;
		c->bits = (int)fb_int_field(f, ty, 0, 4, 0);
		c->sign = (int)fb_int_field(f, ty, 1, 1, 0);
		c->scale = meta_scale(f, fld);
		if (c->bits != 8 && c->bits != 16 && c->bits != 32 &&
		    c->bits != 64)
			goto bad;
		break;
	case 3: {
		int prec = (int)fb_int_field(f, ty, 0, 2, 0);
		c->t = A_FLOAT;
		c->bits = prec == 2 ? 64 : prec == 1 ? 32 : 0;
		if (!c->bits)
			goto bad;
		break;
	}
	case 4: c->t = A_BINARY; break;
	case 5: c->t = A_UTF8; break;
	case 6: c->t = A_BOOL; break;
	case 7:
		c->t = A_DECIMAL;
		c->scale = (int)fb_int_field(f, ty, 1, 4, 0);
		if (fb_int_field(f, ty, 2, 4, 128) != 128 || c->scale < 0 ||
		    c->scale > 38)
			goto bad;
		break;
	default:
		goto bad;
	}
	if (!ty || nch || c->scale < 0 || f->bad)
		goto bad;
	return 0;
bad:
	if (!f->bad && !why->len)
		buf_printf(why, "column type %d is not supported here", tt);
	return -1;
}

static int
read_schema(struct fb *f, size_t hdr, struct acol **cols, size_t *ncols,
    struct buf *why)
{
	size_t first, n;

	if (fb_int_field(f, hdr, 0, 2, 0) != 0) {
		buf_adds(why, "big-endian data is not supported");
		return -1;
	}
	if (fb_vec(f, hdr, 1, 4, &first, &n) < 0 || n > MAX_COLS)
		return -1;
	*cols = xcalloc(n + 1, sizeof **cols);
	*ncols = n;
	for (size_t i = 0; i < n; i++)
		if (read_field(f, fb_deref(f, first + 4 * i), &(*cols)[i],
		    why) < 0)
			return -1;
	return 0;
}

/* One column's buffers in a batch body. */
struct abuf {
	const uint8_t *p;
	size_t n;
};

struct batch {
	const struct acol *cols;
	size_t ncols;
	int64_t rows;
	struct abuf *bufs;	/* per column: validity, then 1 or 2 */
};

static int
nbufs(const struct acol *c)
{
	return c->t == A_UTF8 || c->t == A_BINARY ? 3 : 2;
}

/* value * 10^-scale of a two's complement integer of 128 bits (hi, lo). */
static void
put_scaled(struct buf *b, uint64_t hi, uint64_t lo, int scale)
{
	char dig[48];
	int nd = 0, neg = (int64_t)hi < 0;

	if (neg) {
		hi = ~hi;
		lo = ~lo + 1;
		if (lo == 0)
			hi++;
	}
	do {	/* divide (hi, lo) by 10, 32 bits at a time */
		uint64_t parts[4] = { hi >> 32, hi & 0xffffffffu, lo >> 32,
		    lo & 0xffffffffu }, rem = 0;
		for (int i = 0; i < 4; i++) {
			uint64_t cur = rem << 32 | parts[i];
			parts[i] = cur / 10;
			rem = cur % 10;
		}
		hi = parts[0] << 32 | parts[1];
		lo = parts[2] << 32 | parts[3];
		dig[nd++] = (char)('0' + rem);
	} while (hi || lo);
	while (nd <= scale)
		dig[nd++] = '0';
	if (neg)
		buf_addc(b, '-');
	for (int i = nd - 1; i >= 0; i--) {
		buf_addc(b, dig[i]);
		if (i == scale && scale)
			buf_addc(b, '.');
	}
}

static int
valid(const struct abuf *v, int64_t i)
{
	if (!v->n)
		return 1;
	return (v->p[i >> 3] >> (i & 7)) & 1;
}

static void
put_value(struct buf *b, const struct acol *c, const struct abuf *bf,
    int64_t i)
{
	switch (c->t) {
	case A_INT: {
		uint64_t v = le(bf[1].p + (size_t)i * (size_t)(c->bits / 8),
		    c->bits / 8);
		uint64_t hi = 0;
		if (c->sign && c->bits < 64 && (v >> (c->bits - 1)) & 1)
			v |= ~(uint64_t)0 << c->bits;
		if (c->sign && (int64_t)v < 0)
			hi = ~(uint64_t)0;
		put_scaled(b, hi, v, c->scale);
		break;
	}
	case A_DECIMAL:
		put_scaled(b, le(bf[1].p + (size_t)i * 16 + 8, 8),
		    le(bf[1].p + (size_t)i * 16, 8), c->scale);
		break;
	case A_BOOL:
		buf_adds(b, (bf[1].p[i >> 3] >> (i & 7)) & 1 ? "true" :
		    "false");
		break;
	case A_FLOAT: {
		uint64_t v = le(bf[1].p + (size_t)i * (size_t)(c->bits / 8),
		    c->bits / 8);
		double d;
		if (c->bits == 64)
			memcpy(&d, &v, 8);
		else {
			uint32_t w = (uint32_t)v;
			float fl;
			memcpy(&fl, &w, 4);
			d = fl;
		}
		buf_printf(b, "%.17g", d);
		break;
	}
	case A_UTF8:
	case A_BINARY: {
		uint32_t a = (uint32_t)le(bf[1].p + (size_t)i * 4, 4);
		uint32_t z = (uint32_t)le(bf[1].p + (size_t)i * 4 + 4, 4);
		if (c->t == A_UTF8)
			buf_add(b, bf[2].p + a, z - a);
		else
			for (uint32_t k = a; k < z; k++)
				buf_printf(b, "%02x", bf[2].p[k]);
		break;
	}
	}
}

/* Checks that column c's buffers hold rows values. */
static int
check_col(const struct acol *c, const struct abuf *bf, int64_t rows)
{
	size_t r = (size_t)rows;

	if (bf[0].n && bf[0].n < (r + 7) / 8)
		return -1;
	switch (c->t) {
	case A_INT:
	case A_FLOAT:
		return bf[1].n / (size_t)(c->bits / 8) < r ? -1 : 0;
	case A_DECIMAL:
		return bf[1].n / 16 < r ? -1 : 0;
	case A_BOOL:
		return bf[1].n < (r + 7) / 8 ? -1 : 0;
	case A_UTF8:
	case A_BINARY:
		if (bf[1].n / 4 < r + 1)
			return -1;
		for (size_t i = 0; i <= r; i++) {
			uint32_t o = (uint32_t)le(bf[1].p + i * 4, 4);
			if (o > bf[2].n || (i && o < (uint32_t)le(bf[1].p +
			    (i - 1) * 4, 4)))
				return -1;
		}
		return 0;
	}
	return -1;
}

static long long
emit_rows(const struct batch *bt, arrow_row_fn *row, void *arg)
{
	struct buf vals = BUF_INIT;
	size_t *at = xcalloc(bt->ncols + 1, sizeof *at);
	const char **v = xcalloc(bt->ncols + 1, sizeof *v);
	long long r = bt->rows;

	for (int64_t i = 0; i < bt->rows; i++) {
		const struct abuf *bf = bt->bufs;
		buf_reset(&vals);
		for (size_t c = 0; c < bt->ncols; c++) {
			at[c] = (size_t)-1;
			if (valid(&bf[0], i)) {
				at[c] = vals.len;
				put_value(&vals, &bt->cols[c], bf, i);
			}
			buf_addc(&vals, '\0');
			bf += nbufs(&bt->cols[c]);
		}
		for (size_t c = 0; c < bt->ncols; c++)
			v[c] = at[c] == (size_t)-1 ? NULL : vals.p + at[c];
		if (row(arg, v, (int)bt->ncols) < 0) {
			r = -2;
			break;
		}
	}
	free(at);
	free(v);
	buf_free(&vals);
	return r;
}

static long long
read_batch(struct fb *f, size_t hdr, const uint8_t *body, size_t blen,
    const struct acol *cols, size_t ncols, arrow_row_fn *row, void *arg,
    struct buf *why)
{
	struct batch bt = { cols, ncols, 0, NULL };
	size_t nf, nn, bf, nb, need = 0, k = 0;
	long long r = -1;

	bt.rows = fb_int_field(f, hdr, 0, 8, 0);
	if (fb_field(f, hdr, 3)) {
		buf_adds(why, "compressed record batches are not supported");
		return -1;
	}
	if (fb_vec(f, hdr, 1, 16, &nf, &nn) < 0 ||
	    fb_vec(f, hdr, 2, 16, &bf, &nb) < 0 || bt.rows < 0 ||
	    bt.rows > INT32_MAX)
		return -1;
	if (ncols == 0 && bt.rows > 0) {
		/* rows of no values: nothing bounds their count but int32 */
		buf_printf(why, "a record batch of %lld rows has no columns",
		    (long long)bt.rows);
		return -1;
	}
	for (size_t c = 0; c < ncols; c++)
		need += (size_t)nbufs(&cols[c]);
	if (nn != ncols || nb != need)
		return -1;
	bt.bufs = xcalloc(need + 1, sizeof *bt.bufs);
	for (size_t i = 0; i < nb; i++) {
		uint64_t off = fb_rd(f, bf + 16 * i, 8);
		uint64_t len = fb_rd(f, bf + 16 * i + 8, 8);
		if (f->bad || off > blen || len > blen - off)
			goto out;
		bt.bufs[i].p = body + off;
		bt.bufs[i].n = (size_t)len;
	}
	for (size_t c = 0; c < ncols; c++) {
		if (fb_rd(f, nf + 16 * c, 8) != (uint64_t)bt.rows ||
		    check_col(&cols[c], &bt.bufs[k], bt.rows) < 0)
			goto out;
		k += (size_t)nbufs(&cols[c]);
	}
	r = emit_rows(&bt, row, arg);
out:
	free(bt.bufs);
	return r;
}

long long
arrowipc_rows(const void *data, size_t n, arrow_row_fn *row, void *arg,
    struct buf *why)
{
	const uint8_t *p = data;
	struct acol *cols = NULL;
	size_t ncols = 0, off = 0;
	long long total = 0, r;
	int have_schema = 0;

	for (;;) {
		struct fb f = { NULL, 0, 0 };
		uint64_t len, blen;
		size_t msg, hdr;
		int kind;

		if (n - off < 4)
			goto bad;
		len = le(p + off, 4);
		off += 4;
		if (len == 0xffffffffu) {
			if (n - off < 4)
				goto bad;
			len = le(p + off, 4);
			off += 4;
		}
		if (len == 0)
			break;
		if (len > n - off || len < 8)
			goto bad;
		f.p = p + off;
		f.n = (size_t)len;
		off += (size_t)len;
		msg = fb_deref(&f, 0);
		kind = (int)fb_int_field(&f, msg, 1, 1, 0);
		hdr = fb_field(&f, msg, 2) ? fb_deref(&f, fb_field(&f, msg, 2))
		    : 0;
		blen = (uint64_t)fb_int_field(&f, msg, 3, 8, 0);
		if (f.bad || !hdr || blen > n - off)
			goto bad;
		if (kind == 1 && !have_schema) {
			if (read_schema(&f, hdr, &cols, &ncols, why) < 0)
				goto bad;
			have_schema = 1;
		} else if (kind == 3 && have_schema) {
			r = read_batch(&f, hdr, p + off, (size_t)blen, cols,
			    ncols, row, arg, why);
			if (r < 0) {
				total = r;
				if (r == -1)
					goto bad;
				goto out;
			}
			total += r;
		} else {
			if (!why->len)
				buf_printf(why, "unexpected message (type %d)",
				    kind);
			goto bad;
		}
		off += (size_t)blen;
		if (off == n)
			break;	/* a stream ends at its end marker or EOF */
	}
	if (!have_schema)
		goto bad;
	goto out;
bad:
	if (!why->len)
		buf_adds(why, "malformed Arrow IPC stream");
	total = -1;
out:
	free(cols);
	return total;
}
