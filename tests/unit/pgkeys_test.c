/* Unit test of pgkeys.h: a file's key ascent as binary COPY encodes it,
 * the exact span of a load's keys, and the DELETE that uses the span. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dest.h"
#include "pgbin.h"
#include "pgkeys.h"
#include "sql.h"
#include "tap.h"

static char *pk_id[] = { "id" };
static struct dcol cols[] = { { .name = "id", .type = CT_BIGINT },
    { .name = "v", .type = CT_TEXT } };

static struct dfile
file_of(enum disposition disp)
{
	struct dfile f;

	memset(&f, 0, sizeof f);
	f.t.dataset = "ds";
	f.t.name = "t";
	f.t.disp = disp;
	f.t.pk = pk_id;
	f.t.npk = 1;
	f.t.cols = cols;
	f.t.ncols = 2;
	return f;
}

/* keys[0..n) through pgkeys as bin_row feeds it: tag, key, text */
static void
feed(struct pgkeys *k, const char *const *keys, size_t n)
{
	struct buf out = BUF_INIT;

	for (size_t r = 0; r < n; r++) {
		size_t at;
		buf_reset(&out);
		pgbin_tuple(&out, 3);
		pgbin_int8(&out, 42);
		at = out.len;
		pgbin_field(&out, CT_BIGINT, keys[r] ? keys[r] : "",
		    keys[r] ? strlen(keys[r]) : 0, !keys[r], 1);
		pgkeys_field(k, 0, &out, at);
		at = out.len;
		pgbin_field(&out, CT_TEXT, "x", 1, 0, 1);
		pgkeys_field(k, 1, &out, at);
	}
	buf_free(&out);
}

static void
test_ascent(void)
{
	static const enum coltype big[] = { CT_BIGINT, CT_TEXT };
	static const enum coltype text[] = { CT_TEXT, CT_TEXT };
	const char *up[] = { "-5", "0", "7", "9000000000" };
	const char *again[] = { "1", "2", "2" };
	const char *down[] = { "2", "1" };
	const char *null[] = { "1", NULL };
	struct dfile f = file_of(DISP_MERGE), a = file_of(DISP_APPEND);
	struct pgkeys k;
	struct buf b = BUF_INIT;

	pgkeys_start(&k, &f, big);
	feed(&k, up, 4);
	ok(k.ok && k.n == 4 && k.lo == -5 && k.hi == 9000000000LL,
	    "ascending keys: first -5, last 9000000000");
	ok(pgkeys_record(&b, &k, &f, 3) && strcmp(b.p, "UPDATE "
	    "\"ds_staging\".\"_stage_files\" SET key_lo = -5, key_hi = "
	    "9000000000 WHERE file_no = 3") == 0, "recorded: %s", b.p);
	pgkeys_start(&k, &f, big);
	feed(&k, again, 3);
	buf_reset(&b);
	ok(!k.ok && !pgkeys_record(&b, &k, &f, 3) && b.len == 0,
	    "a key twice: nothing recorded");
	pgkeys_start(&k, &f, big);
	feed(&k, down, 2);
	ok(!k.ok, "keys that go down: not ascending");
	pgkeys_start(&k, &f, big);
	feed(&k, null, 2);
	ok(!k.ok, "a NULL key: not ascending");
	pgkeys_start(&k, &f, text);
	feed(&k, up, 4);
	ok(k.col < 0 && !pgkeys_record(&b, &k, &f, 3),
	    "a staging key column of text: not watched");
	pgkeys_start(&k, &a, big);
	ok(k.col < 0, "an append table: not watched");
	pgkeys_start(&k, &f, big);
	feed(&k, up, 0);
	ok(!pgkeys_record(&b, &k, &f, 3), "no rows: nothing recorded");
	buf_free(&b);
}

/* rows of the span query: lo, hi, rows, "t"/"f" */
static int
span_of(struct buf *out, const char *const (*rows)[4], size_t n)
{
	struct pgspan s;

	buf_reset(out);
	pgkeys_span_start(&s, out, "id");
	for (size_t i = 0; i < n; i++)
		pgkeys_span_row(&s, rows[i], 4);
	return pgkeys_span_end(&s);
}

static void
test_span(void)
{
	const char *const dense[][4] = { { "1", "250000", "250000", "t" },
	    { "250001", "500000", "250000", "t" },
	    { "600001", "600010", "10", "t" } };
	const char *const gap[][4] = { { "1", "10", "9", "t" } };
	const char *const notbig[][4] = { { "1", "10", "10", "f" } };
	const char *const overlap[][4] = { { "1", "10", "10", "t" },
	    { "10", "19", "10", "t" } };
	const char *const nul[][4] = { { NULL, "10", "10", "t" } };
	const char *const wide[][4] = { { "-9223372036854775808",
	    "9223372036854775807", "2", "t" } };
	struct buf b = BUF_INIT;
	char lo[32], hi[32];

	ok(span_of(&b, dense, 3) && strcmp(b.p, "(\"id\" BETWEEN 1 AND "
	    "500000 OR \"id\" BETWEEN 600001 AND 600010)") == 0,
	    "dense files, adjacent ones joined: %s", b.p);
	ok(!span_of(&b, gap, 1) && b.len == 0, "a gap in a file: no span");
	ok(!span_of(&b, notbig, 1), "a final key column not bigint: no span");
	ok(!span_of(&b, overlap, 2), "ranges that overlap: no span");
	ok(!span_of(&b, nul, 1), "a NULL range: no span");
	ok(!span_of(&b, wide, 1), "a range wider than its rows: no span");
	{
		const char *many[PGKEYS_SPAN_MAX + 1][4];
		static char txt[PGKEYS_SPAN_MAX + 1][2][24];
		for (int i = 0; i <= PGKEYS_SPAN_MAX; i++) {
			snprintf(txt[i][0], sizeof txt[i][0], "%d", 10 * i);
			snprintf(txt[i][1], sizeof txt[i][1], "%d", 10 * i + 1);
			many[i][0] = txt[i][0];
			many[i][1] = txt[i][1];
			many[i][2] = "2";
			many[i][3] = "t";
		}
		ok(span_of(&b, (const char *const (*)[4])many,
		    PGKEYS_SPAN_MAX), "%d ranges: a span", PGKEYS_SPAN_MAX);
		ok(!span_of(&b, (const char *const (*)[4])many,
		    PGKEYS_SPAN_MAX + 1), "%d ranges: none",
		    PGKEYS_SPAN_MAX + 1);
	}
	snprintf(lo, sizeof lo, "%s", "9223372036854775806");
	snprintf(hi, sizeof hi, "%s", "9223372036854775807");
	{
		const char *const top[][4] = { { lo, lo, "1", "t" },
		    { hi, hi, "1", "t" } };
		ok(span_of(&b, top, 2) && strcmp(b.p, "(\"id\" BETWEEN "
		    "9223372036854775806 AND 9223372036854775807)") == 0,
		    "the largest bigint: %s", b.p);
	}
	buf_free(&b);
}

static void
new_id(struct buf *b, const char *lit)
{
	buf_printf(b, "ID(%s)", lit);
}

static void
test_delete(void)
{
	static const struct sql_dialect dia = {
		NULL, sql_file_shift, new_id, SQL_ON_CONFLICT, "NOW()"
	};
	struct dfile f = file_of(DISP_MERGE);
	struct merge_opts o = { MERGE_DELETE_INSERT, NULL, 0, NULL, 1,
	    "(\"id\" BETWEEN 1 AND 9)" };
	struct sqlv v = { 0 };
	char *mk[] = { "v" };

	sql_merge_table(&v, &dia, &f.t, "L", &o);
	ok(v.n == 2 && strcmp(v.v[0], "DELETE FROM \"ds\".\"t\" WHERE "
	    "(\"id\" BETWEEN 1 AND 9)") == 0, "the DELETE by span: %s",
	    v.v[0]);
	sqlv_free(&v);
	f.t.mk = mk;
	f.t.nmk = 1;
	sql_merge_table(&v, &dia, &f.t, "L", &o);
	ok(v.n == 2 && strstr(v.v[0], "EXISTS") != NULL,
	    "with a merge key: the join, span unused");
	sqlv_free(&v);
}

int
main(void)
{
	test_ascent();
	test_span();
	test_delete();
	return tap_done();
}
