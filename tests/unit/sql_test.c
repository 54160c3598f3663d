/* Unit tests of the destination-neutral parts: sql.c's quoting and merge
 * statements, dest.c's type widening, source.c's JSONL conversion and row
 * tags. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dest.h"
#include "source.h"
#include "sql.h"
#include "tap.h"

static void
new_id(struct buf *b, const char *lit)
{
	buf_printf(b, "ID(%s)", lit);
}

static const struct sql_dialect dia = {
	NULL, sql_file_shift, new_id, SQL_ON_CONFLICT, "NOW()"
};
/* a warehouse's: no >>, no ON CONFLICT */
static const struct sql_dialect wh = {
	NULL, sql_file_div, new_id, SQL_MERGE, "NOW()"
};

static void
test_quoting(void)
{
	struct buf b = BUF_INIT;

	sql_ident(&b, "x\"; drop table y; --");
	ok(strcmp(b.p, "\"x\"\"; drop table y; --\"") == 0, "ident: %s", b.p);
	buf_reset(&b);
	sql_str(&b, "it's");
	ok(strcmp(b.p, "'it''s'") == 0, "literal: %s", b.p);
	buf_reset(&b);
	sql_staging_name(&b, "d\"s", "t");
	ok(strcmp(b.p, "\"d\"\"s_staging\".\"t\"") == 0, "staging name: %s",
	    b.p);
	buf_free(&b);
}

/* A load's columns widen by coltype_widen (its own cases are in
 * coltype_test): bigint then double is decimal, as stage-manifest(5)
 * says. */
static void
test_widen(void)
{
	struct dcol a[] = { { "x", CT_BIGINT, 1 }, { "d", CT_DATE, 1 } };
	struct dcol b[] = { { "x", CT_DOUBLE, 1 }, { "d", CT_DATE, 1 } };
	struct dtable ta = { 0 }, tb = { 0 }, dst = { 0 };

	ta.dataset = tb.dataset = "d";
	ta.name = tb.name = "t";

	ta.cols = a;
	ta.ncols = 2;
	tb.cols = b;
	tb.ncols = 2;
	dtable_copy(&dst, &ta);
	ok(dtable_merge_cols(&dst, &tb) == 1, "bigint+double changes");
	ok(dst.cols[0].type == CT_DECIMAL, "bigint+double: %s",
	    coltype_name(dst.cols[0].type));
	ok(dst.cols[1].type == CT_DATE, "same stays");
	ok(dtable_merge_cols(&dst, &tb) == 0, "merging again: no change");
	dtable_free(&dst);
}

static struct dtable
table(enum disposition d, int pk, int mk)
{
	static char *pkv[] = { "id" }, *mkv[] = { "day" };
	static struct dcol cols[] = {
		{ "id", CT_BIGINT, 1 }, { "day", CT_DATE, 1 },
		{ "gone", CT_BOOL, 1 },
	};
	struct dtable t = { "ds", "t", d, pk ? pkv : NULL, (size_t)pk,
		mk ? mkv : NULL, (size_t)mk, cols, 3 };
	return t;
}

static void
test_merge_sql(void)
{
	struct merge_opts o = { MERGE_DELETE_INSERT, NULL, 0, "gone", 0, NULL };
	struct dtable t = table(DISP_MERGE, 1, 1);
	struct sqlv v = { 0 };

	sql_merge_table(&v, &dia, &t, "L1", &o);
	ok(v.n == 2, "delete-insert: 2 statements");
	ok(v.n == 2 && strstr(v.v[0], "DELETE FROM \"ds\".\"t\" WHERE EXISTS") &&
	    strstr(v.v[0], "(s.\"id\" = \"ds\".\"t\".\"id\") OR "
	    "(s.\"day\" = \"ds\".\"t\".\"day\")"),
	    "delete by primary OR merge key: %s", v.n ? v.v[0] : "");
	ok(v.n == 2 && strstr(v.v[1], "ROW_NUMBER() OVER (PARTITION BY s.\"id\" "
	    "ORDER BY f.seq DESC, s.\"_stage_row\" DESC)") &&
	    strstr(v.v[1], "\"_stage_rn\" = 1 AND NOT COALESCE(s.\"gone\", "
	    "false)") && strstr(v.v[1], "ID('L1')"),
	    "insert: last row per key, hard deletes left out: %s",
	    v.n > 1 ? v.v[1] : "");
	sqlv_free(&v);

	o.dedup_sort = "day";
	o.dedup_desc = 1;
	sql_merge_table(&v, &dia, &t, "L1", &o);
	ok(v.n == 2 && strstr(v.v[1], "ORDER BY s.\"day\" DESC, f.seq DESC"),
	    "dedup sort desc, input order breaks ties");
	sqlv_free(&v);

	o.dedup_sort = "nosuch";
	sql_merge_table(&v, &dia, &t, "L1", &o);
	ok(v.n == 2 && !strstr(v.v[1], "nosuch"),
	    "dedup sort column absent from the table: input order");
	sqlv_free(&v);

	o.strategy = MERGE_UPSERT;
	o.dedup_sort = NULL;
	sql_merge_table(&v, &dia, &t, "L1", &o);
	ok(v.n == 2 && strstr(v.v[1], "ON CONFLICT (\"id\") DO UPDATE SET") &&
	    strstr(v.v[0], "DELETE"), "upsert: delete flagged, then upsert");
	sqlv_free(&v);

	sql_merge_table(&v, &wh, &t, "L1", &o);
	ok(v.n == 2 && strstr(v.v[0], "DELETE") && strstr(v.v[1], "MERGE INTO "
	    "\"ds\".\"t\" AS d USING (SELECT s.\"id\", s.\"day\", s.\"gone\", "
	    "'L1' AS \"_dlt_load_id\", ID('L1') AS \"_dlt_id\" FROM (SELECT") &&
	    strstr(v.v[1], ") AS s ON (s.\"id\" = d.\"id\") WHEN MATCHED THEN "
	    "UPDATE SET \"day\" = s.\"day\", \"gone\" = s.\"gone\", "
	    "\"_dlt_load_id\" = s.\"_dlt_load_id\" WHEN NOT MATCHED THEN INSERT "
	    "(\"id\", \"day\", \"gone\", \"_dlt_load_id\", \"_dlt_id\") VALUES "
	    "(s.\"id\", s.\"day\", s.\"gone\", s.\"_dlt_load_id\", "
	    "s.\"_dlt_id\")") && strstr(v.v[1], "f.file_no = FLOOR(s.\"_stage_row\" "
	    "/ 4294967296)") && !strstr(v.v[1], ">>"),
	    "upsert as MERGE, file number by division: %s",
	    v.n > 1 ? v.v[1] : "");
	sqlv_free(&v);

	t = table(DISP_REPLACE, 0, 0);
	sql_merge_table(&v, &dia, &t, "it's", &o);
	ok(v.n == 2 && strcmp(v.v[0], "DELETE FROM \"ds\".\"t\"") == 0 &&
	    strstr(v.v[1], "= 'it''s'"), "replace: DELETE (no TRUNCATE), "
	    "then insert, load id quoted");
	sqlv_free(&v);
}

static void
test_jsonl(void)
{
	struct dtable t = table(DISP_APPEND, 0, 0);
	struct json_doc d = { 0 };
	struct buf out = BUF_INIT;
	char err[100];
	const char *l1 = "{\"id\":1,\"day\":\"a\\\"b\",\"gone\":true}";
	const char *l2 = "{\"id\":null,\"day\":\"\"}";

	ok(format_jsonl_csv_row(&t, l1, strlen(l1), &d, &out, err, sizeof err) == 0
	    && strcmp(out.p, "1,\"a\"\"b\",true\n") == 0, "jsonl row: %s",
	    out.p);
	buf_reset(&out);
	ok(format_jsonl_csv_row(&t, l2, strlen(l2), &d, &out, err, sizeof err) == 0
	    && strcmp(out.p, ",\"\",\n") == 0,
	    "null and missing: empty, empty string: \"\": %s", out.p);
	ok(format_jsonl_csv_row(&t, "[1]", 3, &d, &out, err, sizeof err) < 0,
	    "a non-object is refused: %s", err);
	buf_free(&out);
	json_doc_free(&d);
}

static int
collect(void *ctx, const void *p, size_t n)
{
	buf_add(ctx, p, n);
	return 0;
}

static void
test_tags(void)
{
	char path[] = "/tmp/sql_test.XXXXXX";
	const char csv[] = "id,day,gone\n1,\"two\nlines\",\n2,x,true\n";
	struct dfile f;
	struct buf out = BUF_INIT;
	int fd = mkstemp(path);

	memset(&f, 0, sizeof f);
	f.t = table(DISP_APPEND, 0, 0);
	f.load_id = "L,1";
	f.file = path;
	f.object = path;
	f.seq = 3;
	ok(fd >= 0 && write(fd, csv, sizeof csv - 1) == sizeof csv - 1,
	    "temp file");
	close(fd);
	ok(source_stream(NULL, &f, 17, collect, &out) == 0, "stream");
	ok(out.p && strcmp(out.p, "_stage_row,id,day,gone\n"
	    "73014444033,1,\"two\nlines\",\n73014444034,2,x,true\n")
	    == 0, "tags lead every row, quoted newlines kept: %s", out.p);
	unlink(path);
	buf_free(&out);
}

/* Rows spread over many read chunks: every row tagged exactly once. */
static void
test_tags_chunks(void)
{
	char path[] = "/tmp/sql_test.XXXXXX";
	struct dfile f;
	struct buf out = BUF_INIT, in = BUF_INIT;
	int fd = mkstemp(path), good = 1;
	size_t rows = 40000, nl = 0;

	buf_adds(&in, "id,day,gone\n");
	for (size_t i = 1; i <= rows; i++)
		buf_printf(&in, "%zu,\"a\n\"\"b,%zu\",x\n", i, i);
	memset(&f, 0, sizeof f);
	f.t = table(DISP_APPEND, 0, 0);
	f.load_id = "L";
	f.file = path;
	f.object = path;
	ok(fd >= 0 && write(fd, in.p, in.len) == (ssize_t)in.len,
	    "temp file of %zu bytes", in.len);
	close(fd);
	ok(source_stream(NULL, &f, 5, collect, &out) == 0, "stream");
	/* each data row: "<5 * 2^32 + n>,<n>,..." starts after an unquoted
	 * newline */
	for (size_t i = 0, row = 0; i < out.len && good; i++) {
		if (i > 0 && out.p[i - 1] != '\n')
			continue;
		if (i == 0)
			continue;
		char want[64];
		int k = snprintf(want, sizeof want, "%lld,%zu,",
		    (long long)sql_row_tag(5, (int64_t)row + 1), row + 1);
		if (strncmp(out.p + i, want, (size_t)k) == 0)
			row++, nl++;
		else if (out.p[i] != '"')	/* inside the quoted field */
			good = 0;
	}
	ok(good && nl == rows, "%zu of %zu rows tagged in order", nl, rows);
	unlink(path);
	buf_free(&in);
	buf_free(&out);
}

/* The bookkeeping rows of a merged load: one _dlt_loads row, one
 * _stage_loads row per table with its merged count. */
static void
test_record_load(void)
{
	struct dtable t[2] = { table(DISP_APPEND, 0, 0),
	    table(DISP_APPEND, 0, 0) };
	int64_t rows[2] = { 3, 4 }, merged[2] = { 3, 2 };
	struct dload l = { "L1", "d", t, rows, 2, NULL, NULL };
	struct sqlv v = { 0 };

	t[1].name = "u";
	sql_record_load(&v, &l, merged, "now()");
	ok(v.n == 3, "one _dlt_loads and two _stage_loads rows (%zu)", v.n);
	ok(v.n == 3 && strstr(v.v[0], "INSERT INTO \"d\".\"_dlt_loads\"") &&
	    strstr(v.v[0], "'L1', 'd', 0, now(), '"), "%s", v.n ? v.v[0] : "");
	ok(v.n == 3 && strstr(v.v[2], "VALUES ('L1', 'u', 2)"), "%s",
	    v.n == 3 ? v.v[2] : "");
	sqlv_free(&v);
}

int
main(void)
{
	test_quoting();
	test_widen();
	test_merge_sql();
	test_record_load();
	test_jsonl();
	test_tags();
	test_tags_chunks();
	return tap_done();
}
