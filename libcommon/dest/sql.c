/*
 * sql: quoting, names and the per-table merge statements (see sql.h).
 * Only portable SQL here (EXISTS, ROW_NUMBER() OVER, INSERT ... SELECT),
 * and what differs from one engine to another (how a staging row names
 * its file, its _dlt_id, ON CONFLICT or MERGE) comes from the dialect, so
 * PostgreSQL, SQLite and the warehouses can share it.
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

void
sql_file_shift(struct buf *b, const char *row)
{
	buf_printf(b, "%s >> 32", row);
}

void
sql_file_div(struct buf *b, const char *row)
{
	buf_printf(b, "FLOOR(%s / 4294967296)", row);
}

void
sql_new_id_tagged(struct buf *b, const char *lit)
{
	buf_printf(b, "%s || '.' || s.\"_stage_row\"", lit);
}

void
sql_col_def(struct buf *b, const struct sql_dialect *d, const struct dcol *c,
    int strict)
{
	sql_ident(b, c->name);
	buf_addc(b, ' ');
	buf_adds(b, d->types[c->type]);
	if (strict && !c->nullable)
		buf_adds(b, " NOT NULL");
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
sql_load_rows(struct buf *b, const struct sql_dialect *d,
    const struct dtable *t, const char *load_id)
{
	struct buf sch = BUF_INIT;

	sql_staging_schema(&sch, t->dataset);
	sql_qname(b, sch.p, t->name);
	buf_adds(b, " AS s JOIN ");
	sql_qname(b, sch.p, "_stage_files");
	buf_adds(b, " AS f ON f.file_no = ");
	d->file_of(b, "s.\"_stage_row\"");
	buf_adds(b, " WHERE f.load_id = ");
	sql_str(b, load_id);
	buf_adds(b, " AND f.table_name = ");
	sql_str(b, t->name);
	buf_free(&sch);
}

/* FROM clause over this load's staging rows, numbered per primary key by
 * preference (1 = the row that wins), aliased s. */
static void
dedup_from(struct buf *b, const struct sql_dialect *d, const struct dtable *t,
    const char *load_id, const struct merge_opts *o)
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
	sql_load_rows(b, d, t, load_id);
	buf_adds(b, ") AS s");
}

static void
plain_from(struct buf *b, const struct sql_dialect *d, const struct dtable *t,
    const char *load_id)
{
	sql_load_rows(b, d, t, load_id);
}

/* SELECT of the staging row s's columns, its _dlt_load_id and _dlt_id
 * (named: AS those names), up to FROM. */
static void
select_head(struct buf *b, const struct sql_dialect *d, const struct dtable *t,
    const char *load_id, int named)
{
	struct buf lit = BUF_INIT;

	sql_str(&lit, load_id);
	buf_adds(b, "SELECT ");
	sql_collist(b, t, "s.");
	buf_printf(b, ", %s%s, ", lit.p, named ? " AS \"_dlt_load_id\"" : "");
	d->new_id(b, lit.p);
	buf_adds(b, named ? " AS \"_dlt_id\" FROM " : " FROM ");
	buf_free(&lit);
}

static void
insert_head(struct buf *b, const struct sql_dialect *d, const struct dtable *t,
    const char *load_id)
{
	buf_adds(b, "INSERT INTO ");
	sql_qname(b, t->dataset, t->name);
	buf_adds(b, " (");
	sql_collist(b, t, "");
	buf_adds(b, ", \"_dlt_load_id\", \"_dlt_id\") ");
	select_head(b, d, t, load_id, 0);
}

/* FROM clause (after select_head) of the rows that survive dedup and hard
 * delete. */
static void
surviving_from(struct buf *b, const struct sql_dialect *d,
    const struct dtable *t, const char *load_id, const struct merge_opts *o)
{
	if (t->npk && !o->keys_unique) {
		dedup_from(b, d, t, load_id, o);
		buf_adds(b, " WHERE s.\"_stage_rn\" = 1");
	} else {
		plain_from(b, d, t, load_id);
	}
	if (o->hard_delete && dtable_col(t, o->hard_delete) >= 0) {
		buf_adds(b, " AND NOT ");
		deleted_cond(b, t, o->hard_delete);
	}
}

/* INSERT of the rows that survive dedup and hard delete. */
static void
merge_insert(struct buf *b, const struct sql_dialect *d,
    const struct dtable *t, const char *load_id, const struct merge_opts *o)
{
	insert_head(b, d, t, load_id);
	surviving_from(b, d, t, load_id, o);
}

/* The DELETE of the final rows a merge replaces: those whose key (or
 * merge key) a staging row of the load has; by the key's span alone,
 * without reading the staging rows, when the merge knows it
 * (merge_opts' key_span) and there is no merge key. */
static void
delete_matching(struct sqlv *out, const struct sql_dialect *d,
    const struct dtable *t, const char *load_id, const struct merge_opts *o)
{
	struct buf b = BUF_INIT, f = BUF_INIT;

	sql_qname(&f, t->dataset, t->name);
	buf_adds(&b, "DELETE FROM ");
	buf_adds(&b, f.p);
	if (o->key_span && t->npk && !t->nmk) {
		buf_printf(&b, " WHERE %s", o->key_span);
		sqlv_add(out, &b);
		buf_free(&b);
		buf_free(&f);
		return;
	}
	buf_adds(&b, " WHERE EXISTS (SELECT 1 FROM ");
	plain_from(&b, d, t, load_id);
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

/* "c" = <from>"c", ... for the columns outside the primary key (equal by
 * definition), then _dlt_load_id. */
static void
update_set(struct buf *b, const struct dtable *t, const char *from)
{
	for (size_t i = 0; i < t->ncols; i++) {
		int key = 0;
		for (size_t k = 0; k < t->npk; k++)
			key |= strcmp(t->pk[k], t->cols[i].name) == 0;
		if (key)
			continue;
		sql_ident(b, t->cols[i].name);
		buf_printf(b, " = %s", from);
		sql_ident(b, t->cols[i].name);
		buf_adds(b, ", ");
	}
	buf_printf(b, "\"_dlt_load_id\" = %s\"_dlt_load_id\"", from);
}

static void
on_conflict(struct buf *b, const struct sql_dialect *d, const struct dtable *t,
    const char *load_id, const struct merge_opts *o)
{
	merge_insert(b, d, t, load_id, o);
	buf_adds(b, " ON CONFLICT (");
	key_list(b, t->pk, t->npk, "");
	buf_adds(b, ") DO UPDATE SET ");
	update_set(b, t, "EXCLUDED.");
}

/* The same rows as on_conflict's, for engines without ON CONFLICT (and
 * without a unique index to conflict on): the surviving rows, with their
 * _dlt_load_id and _dlt_id, matched to the final rows by primary key. */
static void
merge_into(struct buf *b, const struct sql_dialect *d, const struct dtable *t,
    const char *load_id, const struct merge_opts *o)
{
	buf_adds(b, "MERGE INTO ");
	sql_qname(b, t->dataset, t->name);
	buf_adds(b, " AS d USING (");
	select_head(b, d, t, load_id, 1);
	surviving_from(b, d, t, load_id, o);
	buf_adds(b, ") AS s ON ");
	key_match(b, "s", "d", t->pk, t->npk);
	buf_adds(b, " WHEN MATCHED THEN UPDATE SET ");
	update_set(b, t, "s.");
	buf_adds(b, " WHEN NOT MATCHED THEN INSERT (");
	sql_collist(b, t, "");
	buf_adds(b, ", \"_dlt_load_id\", \"_dlt_id\") VALUES (");
	sql_collist(b, t, "s.");
	buf_adds(b, ", s.\"_dlt_load_id\", s.\"_dlt_id\")");
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
		if (o->keys_unique) {
			plain_from(&b, d, t, load_id);
			buf_adds(&b, " AND ");
		} else {
			dedup_from(&b, d, t, load_id, o);
			buf_adds(&b, " WHERE s.\"_stage_rn\" = 1 AND ");
		}
		deleted_cond(&b, t, o->hard_delete);
		buf_adds(&b, " AND ");
		key_match(&b, "s", f.p, t->pk, t->npk);
		buf_addc(&b, ')');
		sqlv_add(out, &b);
		buf_reset(&b);
	}
	if (d->upsert == SQL_MERGE)
		merge_into(&b, d, t, load_id, o);
	else
		on_conflict(&b, d, t, load_id, o);
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
		plain_from(&b, d, t, load_id);
		sqlv_add(out, &b);
		break;
	case DISP_MERGE:
		if (o->strategy == MERGE_UPSERT && t->npk) {
			upsert(out, d, t, load_id, o);
			break;
		}
		delete_matching(out, d, t, load_id, o);
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
sql_clear_staging(struct buf *b, const struct sql_dialect *d,
    const struct dtable *t, const char *load_id)
{
	struct buf sch = BUF_INIT;

	sql_staging_schema(&sch, t->dataset);
	buf_adds(b, "DELETE FROM ");
	sql_qname(b, sch.p, t->name);
	buf_adds(b, " WHERE ");
	d->file_of(b, "\"_stage_row\"");
	buf_adds(b, " IN (SELECT file_no FROM ");
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
		buf_adds(&b, " (load_id, table_name, \"rows\") VALUES (");
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

void
sql_updated_count(struct buf *b, const struct sql_dialect *d,
    const struct dtable *t, const char *load_id, const struct merge_opts *o)
{
	struct buf f = BUF_INIT;

	sql_qname(&f, t->dataset, t->name);
	buf_adds(b, "SELECT count(*) FROM ");
	surviving_from(b, d, t, load_id, o);
	buf_adds(b, " AND EXISTS (SELECT 1 FROM ");
	buf_adds(b, f.p);
	buf_adds(b, " WHERE ");
	key_match(b, "s", f.p, t->pk, t->npk);
	buf_addc(b, ')');
	buf_free(&f);
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
sql_lost_files(struct buf *b, const struct sql_dialect *d,
    const struct dtable *t, const char *load_id, int staged)
{
	struct buf sch = BUF_INIT;

	sql_staging_schema(&sch, t->dataset);
	if (staged)
		buf_adds(b, "SELECT f.file_no, f.file_id, f.\"rows\", "
		    "count(s.\"_stage_row\") FROM ");
	else
		buf_adds(b, "SELECT f.file_no, f.file_id, f.\"rows\", 0 FROM ");
	sql_qname(b, sch.p, "_stage_files");
	buf_adds(b, " AS f");
	if (staged) {
		buf_adds(b, " LEFT JOIN ");
		sql_qname(b, sch.p, t->name);
		buf_adds(b, " AS s ON ");
		d->file_of(b, "s.\"_stage_row\"");
		buf_adds(b, " = f.file_no");
	}
	buf_adds(b, " WHERE f.load_id = ");
	sql_str(b, load_id);
	buf_adds(b, " AND f.table_name = ");
	sql_str(b, t->name);
	if (staged)
		buf_adds(b, " GROUP BY f.file_no, f.file_id, f.\"rows\" "
		    "HAVING count(s.\"_stage_row\") <> f.\"rows\"");
	buf_adds(b, " ORDER BY f.file_no");
	buf_free(&sch);
}

void
sql_forget_file(struct sqlv *out, const struct sql_dialect *d,
    const struct dtable *t, int64_t file_no, int staged)
{
	struct buf b = BUF_INIT, sch = BUF_INIT;

	sql_staging_schema(&sch, t->dataset);
	if (staged) {
		buf_adds(&b, "DELETE FROM ");
		sql_qname(&b, sch.p, t->name);
		buf_adds(&b, " WHERE ");
		d->file_of(&b, "\"_stage_row\"");
		buf_printf(&b, " = %lld", (long long)file_no);
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
