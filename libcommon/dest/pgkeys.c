/*
 * pgkeys: the ascent of a merge table's bigint key in each copied file,
 * and the merge's question about it (pgkeys.h).
 */
#include <stdio.h>
#include <string.h>

#include "pgkeys.h"
#include "sql.h"

void
pgkeys_start(struct pgkeys *k, const struct dfile *f,
    const enum coltype *kinds)
{
	int c;

	memset(k, 0, sizeof *k);
	k->col = -1;
	if (f->t.disp != DISP_MERGE || f->t.npk != 1)
		return;
	if ((c = dtable_col(&f->t, f->t.pk[0])) < 0 || kinds[c] != CT_BIGINT)
		return;
	k->col = c;
	k->ok = 1;
}

static uint64_t
be_bytes(const unsigned char *p, int n)
{
	uint64_t v = 0;

	for (int i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

void
pgkeys_field(struct pgkeys *k, size_t i, const struct buf *out, size_t off)
{
	const unsigned char *p;
	int64_t v;

	if (!k->ok || (long)i != k->col)
		return;
	/* a NULL (length -1) or anything but an int8's 8 bytes: unknown */
	if (out->len != off + 12 ||
	    be_bytes((const unsigned char *)out->p + off, 4) != 8) {
		k->ok = 0;
		return;
	}
	p = (const unsigned char *)out->p + off + 4;
	v = (int64_t)be_bytes(p, 8);
	if (k->n && v <= k->hi) {
		k->ok = 0;
		return;
	}
	if (!k->n++)
		k->lo = v;
	k->hi = v;
}

int
pgkeys_record(struct buf *b, const struct pgkeys *k, const struct dfile *f,
    int64_t file_no)
{
	if (k->col < 0 || !k->ok || !k->n)
		return 0;
	buf_adds(b, "UPDATE ");
	sql_staging_name(b, f->t.dataset, "_stage_files");
	buf_printf(b, " SET key_lo = %lld, key_hi = %lld WHERE file_no = "
	    "%lld", (long long)k->lo, (long long)k->hi, (long long)file_no);
	return 1;
}

void
pgkeys_missing(struct buf *q, const char *schema)
{
	struct buf n = BUF_INIT;

	sql_qname(&n, schema, "_stage_files");
	buf_adds(q, "SELECT count(*) < 2 FROM pg_attribute WHERE attrelid = "
	    "to_regclass(");
	sql_str(q, n.p);
	buf_adds(q, ") AND attname IN ('key_lo', 'key_hi') AND NOT "
	    "attisdropped");
	buf_free(&n);
}

void
pgkeys_add(struct buf *b, const char *schema)
{
	buf_adds(b, "ALTER TABLE ");
	sql_qname(b, schema, "_stage_files");
	buf_adds(b, " ADD COLUMN IF NOT EXISTS key_lo bigint, "
	    "ADD COLUMN IF NOT EXISTS key_hi bigint");
}

/* "t's key column in the table named rel (quoted) is bigint" */
static void
key_is_bigint(struct buf *q, const struct dtable *t, const char *rel)
{
	buf_adds(q, "(SELECT a.atttypid = 'bigint'::regtype FROM pg_attribute "
	    "a WHERE a.attrelid = to_regclass(");
	sql_str(q, rel);
	buf_adds(q, ") AND a.attname = ");
	sql_str(q, t->pk[0]);
	buf_adds(q, " AND NOT a.attisdropped) IS TRUE");
}

void
pgkeys_unique_query(struct buf *q, const struct dtable *t,
    const char *load_id)
{
	struct buf n = BUF_INIT;

	if (t->npk != 1) {
		buf_adds(q, "SELECT 1");
		return;
	}
	sql_staging_name(&n, t->dataset, t->name);
	buf_adds(q, "SELECT CASE WHEN ");
	key_is_bigint(q, t, n.p);
	buf_free(&n);
	buf_adds(q, " THEN (SELECT count(*) FROM (SELECT lo, hi, lag(hi) "
	    "OVER (ORDER BY lo, hi) AS prev FROM (SELECT (to_jsonb(f) ->> "
	    "'key_lo')::bigint AS lo, (to_jsonb(f) ->> 'key_hi')::bigint AS "
	    "hi FROM ");
	sql_staging_name(q, t->dataset, "_stage_files");
	buf_adds(q, " AS f WHERE f.load_id = ");
	sql_str(q, load_id);
	buf_adds(q, " AND f.table_name = ");
	sql_str(q, t->name);
	buf_adds(q, " AND f.\"rows\" > 0) AS r) AS w WHERE lo IS NULL OR hi "
	    "IS NULL OR lo <= prev) ELSE 1 END");
}

void
pgkeys_span_query(struct buf *q, const struct dtable *t, const char *load_id)
{
	struct buf n = BUF_INIT;

	sql_qname(&n, t->dataset, t->name);
	buf_adds(q, "SELECT f.key_lo, f.key_hi, f.\"rows\", ");
	key_is_bigint(q, t, n.p);
	buf_adds(q, " FROM ");
	sql_staging_name(q, t->dataset, "_stage_files");
	buf_adds(q, " AS f WHERE f.load_id = ");
	sql_str(q, load_id);
	buf_adds(q, " AND f.table_name = ");
	sql_str(q, t->name);
	buf_adds(q, " AND f.\"rows\" > 0 ORDER BY f.key_lo");
	buf_free(&n);
}

static void
span_flush(struct pgspan *s)
{
	if (!s->open)
		return;
	buf_adds(s->out, s->n ? " OR " : "(");
	sql_ident(s->out, s->key);
	buf_printf(s->out, " BETWEEN %lld AND %lld", (long long)s->lo,
	    (long long)s->hi);
	s->n++;
	s->open = 0;
}

void
pgkeys_span_start(struct pgspan *s, struct buf *out, const char *key)
{
	memset(s, 0, sizeof *s);
	s->out = out;
	s->key = key;
	s->ok = 1;
}

int
pgkeys_span_row(struct pgspan *s, const char *const *v, int n)
{
	long long lo, hi, rows;

	if (!s->ok)
		return 0;
	if (n != 4 || !v[0] || !v[1] || !v[2] || !v[3] ||
	    strcmp(v[3], "t") != 0 || sscanf(v[0], "%lld", &lo) != 1 ||
	    sscanf(v[1], "%lld", &hi) != 1 || sscanf(v[2], "%lld", &rows) != 1 ||
	    rows < 1 || hi < lo ||
	    (unsigned long long)hi - (unsigned long long)lo !=
	    (unsigned long long)rows - 1) {
		s->ok = 0;	/* a gap in a file's keys: not exact */
		return 0;
	}
	if (s->open && lo <= s->hi) {
		s->ok = 0;	/* overlaps: keys_known said otherwise */
		return 0;
	}
	if (s->open && s->hi < INT64_MAX && lo == s->hi + 1) {
		s->hi = hi;	/* adjacent: one range */
		return 0;
	}
	span_flush(s);
	if (s->n >= PGKEYS_SPAN_MAX) {
		s->ok = 0;
		return 0;
	}
	s->lo = lo;
	s->hi = hi;
	s->open = 1;
	return 0;
}

int
pgkeys_span_end(struct pgspan *s)
{
	span_flush(s);
	if (!s->ok || !s->n) {
		buf_reset(s->out);
		return 0;
	}
	buf_addc(s->out, ')');
	return 1;
}
