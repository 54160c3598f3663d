/*
 * sql: quoting, names and the per-table merge statements (see sql.h).
 * Only portable SQL here (EXISTS, ROW_NUMBER() OVER, INSERT ... SELECT,
 * ON CONFLICT), so PostgreSQL, SQLite and the warehouses can share it.
 */
#include <stdlib.h>
#include <string.h>

#include "sha256.h"
#include "sql.h"

void
sqlv_add(struct sqlv *s, const struct buf *stmt)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 8;
		s->v = xrealloc(s->v, s->cap * sizeof *s->v);
	}
	s->v[s->n++] = xstrdup(stmt->p ? stmt->p : "");
}

void
sqlv_free(struct sqlv *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof *s);
}

void
sql_ident(struct buf *b, const char *name)
{
	buf_addc(b, '"');
	for (const char *p = name; *p; p++) {
		if (*p == '"')
			buf_addc(b, '"');
		buf_addc(b, *p);
	}
	buf_addc(b, '"');
}

void
sql_qname(struct buf *b, const char *schema, const char *name)
{
	sql_ident(b, schema);
	buf_addc(b, '.');
	sql_ident(b, name);
}

void
sql_staging_schema(struct buf *b, const char *dataset)
{
	buf_adds(b, dataset);
	buf_adds(b, "_staging");
}

void
sql_staging_name(struct buf *b, const char *dataset, const char *name)
{
	struct buf s = BUF_INIT;

	sql_staging_schema(&s, dataset);
	sql_qname(b, s.p, name);
	buf_free(&s);
}

void
sql_str(struct buf *b, const char *s)
{
	buf_addc(b, '\'');
	for (const char *p = s; *p; p++) {
		if (*p == '\'')
			buf_addc(b, '\'');
		buf_addc(b, *p);
	}
	buf_addc(b, '\'');
}

void
sql_collist(struct buf *b, const struct dtable *t, const char *prefix)
{
	for (size_t i = 0; i < t->ncols; i++) {
		if (i)
			buf_adds(b, ", ");
		buf_adds(b, prefix);
		sql_ident(b, t->cols[i].name);
	}
}

/* "a"."k1" = "b"."k1" AND ... (a, b: already quoted prefixes) */
static void
key_match(struct buf *b, const char *a, const char *bq, char **k, size_t n)
{
	buf_addc(b, '(');
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf_adds(b, " AND ");
		buf_printf(b, "%s.", a);
		sql_ident(b, k[i]);
		buf_printf(b, " = %s.", bq);
		sql_ident(b, k[i]);
	}
	buf_addc(b, ')');
}

static void
key_list(struct buf *b, char **k, size_t n, const char *prefix)
{
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf_adds(b, ", ");
		buf_adds(b, prefix);
		sql_ident(b, k[i]);
	}
}

/* Condition on alias s: the row is flagged for deletion. */
static void
deleted_cond(struct buf *b, const struct dtable *t, const char *col)
{
	int k = dtable_col(t, col);

	if (k >= 0 && t->cols[k].type == CT_BOOL) {
		buf_adds(b, "COALESCE(s.");
		sql_ident(b, col);
		buf_adds(b, ", false)");
	} else {
		buf_adds(b, "s.");
		sql_ident(b, col);
		buf_adds(b, " IS NOT NULL");
	}
}

/* "<staging> AS s JOIN <_stage_files> AS f ... WHERE <this load>": the
 * load's staging rows, with f.seq (file order in the load) at hand. */
void
sql_load_rows(struct buf *b, const struct dtable *t, const char *load_id)
{
	struct buf sch = BUF_INIT;

	sql_staging_schema(&sch, t->dataset);
	sql_qname(b, sch.p, t->name);
	buf_adds(b, " AS s JOIN ");
	sql_qname(b, sch.p, "_stage_files");
	buf_adds(b, " AS f ON f.file_no = s.\"_stage_row\" >> 32 "
	    "WHERE f.load_id = ");
	sql_str(b, load_id);
	buf_adds(b, " AND f.table_name = ");
	sql_str(b, t->name);
	buf_free(&sch);
}

/* FROM clause over this load's staging rows, numbered per primary key by
 * preference (1 = the row that wins), aliased s. */
static void
dedup_from(struct buf *b, const struct dtable *t, const char *load_id,
    const struct merge_opts *o)
{
	buf_adds(b, "(SELECT s.*, ROW_NUMBER() OVER (PARTITION BY ");
	key_list(b, t->pk, t->npk, "s.");
	buf_adds(b, " ORDER BY ");
	if (o->dedup_sort && dtable_col(t, o->dedup_sort) >= 0) {
		buf_adds(b, "s.");
		sql_ident(b, o->dedup_sort);
		buf_adds(b, o->dedup_desc ? " DESC, " : " ASC, ");
	}
	buf_adds(b, "f.seq DESC, s.\"_stage_row\" DESC) AS \"_stage_rn\" FROM ");
	sql_load_rows(b, t, load_id);
	buf_adds(b, ") AS s");
}

static void
plain_from(struct buf *b, const struct dtable *t, const char *load_id)
{
	sql_load_rows(b, t, load_id);
}

static void
insert_head(struct buf *b, const struct sql_dialect *d, const struct dtable *t,
    const char *load_id)
{
	struct buf lit = BUF_INIT;

	sql_str(&lit, load_id);
	buf_adds(b, "INSERT INTO ");
	sql_qname(b, t->dataset, t->name);
	buf_adds(b, " (");
	sql_collist(b, t, "");
	buf_adds(b, ", \"_dlt_load_id\", \"_dlt_id\") SELECT ");
	sql_collist(b, t, "s.");
	buf_printf(b, ", %s, ", lit.p);
	d->new_id(b, lit.p);
	buf_adds(b, " FROM ");
	buf_free(&lit);
}

/* INSERT of the rows that survive dedup and hard delete. */
static void
merge_insert(struct buf *b, const struct sql_dialect *d,
    const struct dtable *t, const char *load_id, const struct merge_opts *o)
{
	insert_head(b, d, t, load_id);
	if (t->npk) {
		dedup_from(b, t, load_id, o);
		buf_adds(b, " WHERE s.\"_stage_rn\" = 1");
	} else {
		plain_from(b, t, load_id);
	}
	if (o->hard_delete && dtable_col(t, o->hard_delete) >= 0) {
		buf_adds(b, " AND NOT ");
		deleted_cond(b, t, o->hard_delete);
	}
}

static void
delete_matching(struct sqlv *out, const struct dtable *t, const char *load_id)
{
	struct buf b = BUF_INIT, f = BUF_INIT;

	sql_qname(&f, t->dataset, t->name);
	buf_adds(&b, "DELETE FROM ");
	buf_adds(&b, f.p);
	buf_adds(&b, " WHERE EXISTS (SELECT 1 FROM ");
	plain_from(&b, t, load_id);
	buf_adds(&b, " AND (");
	if (t->npk)
		key_match(&b, "s", f.p, t->pk, t->npk);
	if (t->npk && t->nmk)
		buf_adds(&b, " OR ");
	if (t->nmk)
		key_match(&b, "s", f.p, t->mk, t->nmk);
	buf_adds(&b, "))");
	sqlv_add(out, &b);
	buf_free(&b);
	buf_free(&f);
}

static void
upsert(struct sqlv *out, const struct sql_dialect *d, const struct dtable *t,
    const char *load_id, const struct merge_opts *o)
{
	struct buf b = BUF_INIT, f = BUF_INIT;
	int hd = o->hard_delete && dtable_col(t, o->hard_delete) >= 0;

	sql_qname(&f, t->dataset, t->name);
	if (hd) {
		buf_adds(&b, "DELETE FROM ");
		buf_adds(&b, f.p);
		buf_adds(&b, " WHERE EXISTS (SELECT 1 FROM ");
		dedup_from(&b, t, load_id, o);
		buf_adds(&b, " WHERE s.\"_stage_rn\" = 1 AND ");
		deleted_cond(&b, t, o->hard_delete);
		buf_adds(&b, " AND ");
		key_match(&b, "s", f.p, t->pk, t->npk);
		buf_addc(&b, ')');
		sqlv_add(out, &b);
		buf_reset(&b);
	}
	merge_insert(&b, d, t, load_id, o);
	buf_adds(&b, " ON CONFLICT (");
	key_list(&b, t->pk, t->npk, "");
	buf_adds(&b, ") DO UPDATE SET ");
	for (size_t i = 0; i < t->ncols; i++) {
		int key = 0;
		for (size_t k = 0; k < t->npk; k++)
			key |= strcmp(t->pk[k], t->cols[i].name) == 0;
		if (key)
			continue;	/* equal by definition */
		sql_ident(&b, t->cols[i].name);
		buf_adds(&b, " = EXCLUDED.");
		sql_ident(&b, t->cols[i].name);
		buf_adds(&b, ", ");
	}
	buf_adds(&b, "\"_dlt_load_id\" = EXCLUDED.\"_dlt_load_id\"");
	sqlv_add(out, &b);
	buf_free(&b);
	buf_free(&f);
}

void
sql_merge_table(struct sqlv *out, const struct sql_dialect *d,
    const struct dtable *t, const char *load_id, const struct merge_opts *o)
{
	struct buf b = BUF_INIT;

	switch (t->disp) {
	case DISP_REPLACE:
		buf_adds(&b, "DELETE FROM ");
		sql_qname(&b, t->dataset, t->name);
		sqlv_add(out, &b);
		buf_reset(&b);
		/* FALLTHROUGH */
	case DISP_APPEND:
		insert_head(&b, d, t, load_id);
		plain_from(&b, t, load_id);
		sqlv_add(out, &b);
		break;
	case DISP_MERGE:
		if (o->strategy == MERGE_UPSERT && t->npk) {
			upsert(out, d, t, load_id, o);
			break;
		}
		delete_matching(out, t, load_id);
		merge_insert(&b, d, t, load_id, o);
		sqlv_add(out, &b);
		break;
	}
	buf_free(&b);
}

void
sql_load_files(struct buf *b, const struct dtable *t, const char *load_id)
{
	struct buf sch = BUF_INIT;

	sql_staging_schema(&sch, t->dataset);
	buf_adds(b, "SELECT count(*) FROM ");
	sql_qname(b, sch.p, "_stage_files");
	buf_adds(b, " WHERE load_id = ");
	sql_str(b, load_id);
	buf_adds(b, " AND table_name = ");
	sql_str(b, t->name);
	buf_free(&sch);
}

void
sql_clear_staging(struct buf *b, const struct dtable *t, const char *load_id)
{
	struct buf sch = BUF_INIT;

	sql_staging_schema(&sch, t->dataset);
	buf_adds(b, "DELETE FROM ");
	sql_qname(b, sch.p, t->name);
	buf_adds(b, " WHERE \"_stage_row\" >> 32 IN (SELECT file_no FROM ");
	sql_qname(b, sch.p, "_stage_files");
	buf_adds(b, " WHERE load_id = ");
	sql_str(b, load_id);
	buf_adds(b, " AND table_name = ");
	sql_str(b, t->name);
	buf_addc(b, ')');
	buf_free(&sch);
}

static void
version_hash(const struct dload *l, char hex[65])
{
	struct buf b = BUF_INIT;

	for (size_t i = 0; i < l->nt; i++) {
		buf_printf(&b, "%s\n", l->t[i].name);
		for (size_t k = 0; k < l->t[i].ncols; k++)
			buf_printf(&b, "%s %s\n", l->t[i].cols[k].name,
			    coltype_name(l->t[i].cols[k].type));
	}
	sha256_hex(b.p ? b.p : "", b.len, hex);
	buf_free(&b);
}

void
sql_record_load(struct sqlv *out, const struct dload *l,
    const int64_t *merged, const char *now)
{
	struct buf b = BUF_INIT;
	char hex[65];

	version_hash(l, hex);
	buf_adds(&b, "INSERT INTO ");
	sql_qname(&b, l->dataset, "_dlt_loads");
	buf_adds(&b, " (load_id, schema_name, status, inserted_at, "
	    "schema_version_hash) VALUES (");
	sql_str(&b, l->load_id);
	buf_adds(&b, ", ");
	sql_str(&b, l->dataset);
	buf_printf(&b, ", 0, %s, '%s')", now, hex);
	sqlv_add(out, &b);
	for (size_t i = 0; i < l->nt; i++) {
		buf_reset(&b);
		buf_adds(&b, "INSERT INTO ");
		sql_qname(&b, l->dataset, "_stage_loads");
		buf_adds(&b, " (load_id, table_name, rows) VALUES (");
		sql_str(&b, l->load_id);
		buf_adds(&b, ", ");
		sql_str(&b, l->t[i].name);
		buf_printf(&b, ", %lld)", (long long)merged[i]);
		sqlv_add(out, &b);
	}
	buf_free(&b);
}

int
sql_run(const struct sqlv *v, sql_exec_fn *exec, void *ctx,
    const char *object, int64_t *rows)
{
	int r = 0;

	for (size_t k = 0; k < v->n && r == 0; k++)
		r = exec(ctx, object, v->v[k], rows);
	return r < 0 ? -1 : 0;
}

int
sql_apply_tables(const struct sql_dialect *d, const struct dload *l,
    const struct merge_opts *o, int dry, int64_t *merged,
    sql_exec_fn *exec, void *ctx)
{
	for (size_t i = 0; i < l->nt; i++) {
		struct sqlv v = { 0 };
		int r;

		sql_merge_table(&v, d, &l->t[i], l->load_id, o);
		r = sql_run(&v, exec, ctx, l->t[i].name, &merged[i]);
		if (dry)
			merged[i] = l->rows[i];
		sqlv_free(&v);
		if (r < 0)
			return -1;
	}
	return 0;
}

void
sql_lost_files(struct buf *b, const struct dtable *t, const char *load_id,
    int staged)
{
	struct buf sch = BUF_INIT;

	sql_staging_schema(&sch, t->dataset);
	if (staged)
		buf_adds(b, "SELECT f.file_no, f.file_id, f.rows, "
		    "count(s.\"_stage_row\") FROM ");
	else
		buf_adds(b, "SELECT f.file_no, f.file_id, f.rows, 0 FROM ");
	sql_qname(b, sch.p, "_stage_files");
	buf_adds(b, " AS f");
	if (staged) {
		buf_adds(b, " LEFT JOIN ");
		sql_qname(b, sch.p, t->name);
		buf_adds(b, " AS s ON s.\"_stage_row\" >> 32 = f.file_no");
	}
	buf_adds(b, " WHERE f.load_id = ");
	sql_str(b, load_id);
	buf_adds(b, " AND f.table_name = ");
	sql_str(b, t->name);
	if (staged)
		buf_adds(b, " GROUP BY f.file_no, f.file_id, f.rows "
		    "HAVING count(s.\"_stage_row\") <> f.rows");
	buf_adds(b, " ORDER BY f.file_no");
	buf_free(&sch);
}

void
sql_forget_file(struct sqlv *out, const struct dtable *t, int64_t file_no,
    int staged)
{
	struct buf b = BUF_INIT, sch = BUF_INIT;

	sql_staging_schema(&sch, t->dataset);
	if (staged) {
		buf_adds(&b, "DELETE FROM ");
		sql_qname(&b, sch.p, t->name);
		buf_printf(&b, " WHERE \"_stage_row\" >> 32 = %lld",
		    (long long)file_no);
		sqlv_add(out, &b);
		buf_reset(&b);
	}
	buf_adds(&b, "DELETE FROM ");
	sql_qname(&b, sch.p, "_stage_files");
	buf_printf(&b, " WHERE file_no = %lld", (long long)file_no);
	sqlv_add(out, &b);
	buf_free(&b);
	buf_free(&sch);
}
