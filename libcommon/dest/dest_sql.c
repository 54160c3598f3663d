/*
 * dest_sql: the SQL back ends' shared layer (dest_sql.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dest_sql.h"
#include "dltschema.h"
#include "sha256.h"

int
sqld_exec(void *ctx, const char *object, const char *sql, int64_t *rows)
{
	struct sqldest *d = ctx;

	return d->drv->exec(d, object, sql, rows);
}

static int
create(struct sqldest *d, const char *ds, const char *name, const char *cols,
    const char *object)
{
	struct buf b = BUF_INIT;
	int r;

	buf_adds(&b, "CREATE TABLE IF NOT EXISTS ");
	sql_qname(&b, ds, name);
	buf_printf(&b, " (%s)", cols);
	r = d->drv->exec(d, object, b.p, NULL);
	buf_free(&b);
	return r;
}

int
sqld_create_table(struct sqldest *d, const char *schema,
    const struct dtable *t, const char *extra, int strict, const char *object)
{
	struct buf b = BUF_INIT;
	int r;

	buf_adds(&b, "CREATE TABLE IF NOT EXISTS ");
	sql_qname(&b, schema, t->name);
	buf_adds(&b, " (");
	for (size_t i = 0; i < t->ncols; i++) {
		sql_col_def(&b, d->drv->dialect, &t->cols[i], strict);
		buf_adds(&b, ", ");
	}
	buf_adds(&b, extra);
	buf_addc(&b, ')');
	r = d->drv->exec(d, object, b.p, NULL);
	buf_free(&b);
	return r;
}

int
sqld_version_ddl(struct sqldest *d, const char *ds, const char *object)
{
	return create(d, ds, "_dlt_version", d->drv->version_cols, object);
}

int
sqld_bookkeeping_ddl(struct sqldest *d, const char *ds, const char *object)
{
	if (create(d, ds, "_dlt_loads", d->drv->loads_cols, object) < 0 ||
	    sqld_version_ddl(d, ds, object) < 0)
		return -1;
	return create(d, ds, "_stage_loads", d->drv->stage_loads_cols, object);
}

/* The unique index an upsert's ON CONFLICT needs, named for the table
 * and its key so that a changed key gets its own. */
static void
unique_index(struct buf *b, const struct sql_driver *drv,
    const struct dtable *t)
{
	struct buf key = BUF_INIT;
	char hex[65], name[96];

	for (size_t i = 0; i < t->npk; i++) {
		buf_adds(&key, t->pk[i]);
		buf_addc(&key, '\0');
	}
	buf_adds(&key, t->name);
	sha256_hex(key.p, key.len, hex);
	hex[16] = '\0';
	snprintf(name, sizeof name, "_stage_pk_%s", hex);
	buf_adds(b, "CREATE UNIQUE INDEX IF NOT EXISTS ");
	if (drv->index_in_schema) {
		sql_qname(b, t->dataset, name);
		buf_adds(b, " ON ");
		sql_ident(b, t->name);
	} else {
		sql_ident(b, name);
		buf_adds(b, " ON ");
		sql_qname(b, t->dataset, t->name);
	}
	buf_adds(b, " (");
	for (size_t i = 0; i < t->npk; i++) {
		if (i)
			buf_adds(b, ", ");
		sql_ident(b, t->pk[i]);
	}
	buf_addc(b, ')');
	buf_free(&key);
}

/* Widens want's types to those of the columns schema.name has (another
 * load may have widened them); *exists: the table exists. */
static int
widen_to(struct sqldest *d, const char *schema, struct dtable *want,
    int *exists)
{
	struct dtable have;

	if (d->drv->columns(d, schema, want->name, &have, exists) < 0)
		return -1;
	for (size_t i = 0; i < want->ncols; i++) {
		int k = dtable_col(&have, want->cols[i].name);
		if (k >= 0 && have.cols[k].type != CT_NONE)
			want->cols[i].type = coltype_widen(want->cols[i].type,
			    have.cols[k].type);
	}
	dtable_free(&have);
	return 0;
}

static int
final_ddl(struct sqldest *d, const struct dtable *t, const struct merge_opts *o)
{
	const struct sql_driver *drv = d->drv;
	struct dtable want;
	struct buf b = BUF_INIT, s = BUF_INIT;
	int st_exists, fin_exists, r = -1;

	dtable_copy(&want, t);
	sql_staging_schema(&s, t->dataset);
	if (widen_to(d, s.p, &want, &st_exists) < 0 ||
	    widen_to(d, t->dataset, &want, &fin_exists) < 0 ||
	    drv->evolve(d, t->dataset, &want, drv->final_extra, 1,
	    t->name) < 0 ||
	    (st_exists && drv->evolve(d, s.p, &want, drv->staging_extra, 0,
	    t->name) < 0))
		goto out;
	/* ON CONFLICT needs a unique index; MERGE matches by key alone
	 * (and warehouses that MERGE have no CREATE INDEX) */
	if (t->disp == DISP_MERGE && t->npk && o->strategy == MERGE_UPSERT &&
	    drv->dialect->upsert == SQL_ON_CONFLICT) {
		unique_index(&b, drv, t);
		if (drv->exec(d, t->name, b.p, NULL) < 0)
			goto out;
	}
	r = 0;
out:
	dtable_free(&want);
	buf_free(&b);
	buf_free(&s);
	return r;
}

int
sqld_final_ddls(struct sqldest *d, const struct dload *l,
    const struct merge_opts *o)
{
	for (size_t i = 0; i < l->nt; i++)
		if (final_ddl(d, &l->t[i], o) < 0)
			return -1;
	return 0;
}

/* A merge leaves none of its rows in staging (or, killed between its
 * commit and the clearing of staging, exactly the load's own), and a
 * re-run of stage-copy stages none again: other rows there came from
 * other data under this load id. */
static int
none_staged_since(struct sqldest *d, const struct dload *l, size_t i)
{
	struct buf q = BUF_INIT;
	int64_t n;
	int r;

	buf_adds(&q, "SELECT count(*) FROM ");
	sql_load_rows(&q, d->drv->dialect, &l->t[i], l->load_id);
	if (d->dry)
		dest_dry_check(q.p, "must be 0 or %lld (the load's own, left "
		    "by a killed merge): other rows staged after the merge "
		    "are other data, else ROLLBACK", (long long)l->rows[i]);
	if ((r = d->drv->count(d, l->t[i].name, q.p, &n)) == 0 && n > 0 &&
	    n != l->rows[i]) {
		dest_load_reused(l, i, n);
		r = -1;
	}
	buf_free(&q);
	return r;
}

int
sqld_check_files(struct sqldest *d, const struct dload *l, int merged)
{
	struct buf q = BUF_INIT, s = BUF_INIT;
	int r = 0;

	sql_staging_schema(&s, l->dataset);
	/* a dry run before anything was copied: the plan goes on */
	int skip = d->dry && !d->drv->table_exists(d, s.p, "_stage_files");
	for (size_t i = 0; i < l->nt && r == 0; i++) {
		int64_t n;

		buf_reset(&q);
		sql_load_files(&q, &l->t[i], l->load_id);
		if (d->dry)
			dest_dry_check(q.p, "must be %lld, the files of %s the "
			    "manifest lists, else ROLLBACK", (long long)
			    l->files[i], l->t[i].name);
		if (skip)
			continue;
		if ((r = d->drv->count(d, l->t[i].name, q.p, &n)) == 0 &&
		    n != l->files[i]) {
			dest_files_mismatch(l, i, n, merged);
			r = -1;
		}
		if (r == 0 && merged &&
		    d->drv->table_exists(d, s.p, l->t[i].name))
			r = none_staged_since(d, l, i);
		if (r == 1)
			r = 0;
	}
	buf_free(&q);
	buf_free(&s);
	return r;
}

int
sqld_check_counts(struct sqldest *d, const struct dload *l, int *short_rows)
{
	struct buf q = BUF_INIT, s = BUF_INIT;
	int r = 0;

	sql_staging_schema(&s, l->dataset);
	for (size_t i = 0; i < l->nt && r == 0; i++) {
		int64_t n = 0;
		int staged = d->drv->table_exists(d, s.p, l->t[i].name) &&
		    d->drv->table_exists(d, s.p, "_stage_files");

		buf_reset(&q);
		buf_adds(&q, "SELECT count(*) FROM ");
		sql_load_rows(&q, d->drv->dialect, &l->t[i], l->load_id);
		if (d->dry)
			dest_dry_check(q.p, "must be %lld, the rows of %s the "
			    "manifest lists, else ROLLBACK", (long long)
			    l->rows[i], l->t[i].name);
		if (d->dry && !staged)
			continue;
		/* a staging table dropped holds no rows (not an SQL error) */
		if (staged)
			r = d->drv->count(d, l->t[i].name, q.p, &n);
		if (r == 0 && n != l->rows[i]) {
			dest_staging_mismatch(l, i, n);
			*short_rows = 1;
			r = -1;
		}
		if (r == 1)
			r = 0;
	}
	if (r == 0)
		r = sqld_check_files(d, l, 0);
	buf_free(&q);
	buf_free(&s);
	return r;
}

int
sqld_apply_tables(struct sqldest *d, const struct dload *l,
    const struct merge_opts *o, int64_t *merged)
{
	return sql_apply_tables(d->drv->dialect, l, o, d->dry, merged,
	    sqld_exec, d);
}

int
sqld_record_load(struct sqldest *d, const struct dload *l,
    const int64_t *merged)
{
	struct sqlv v = { 0 };
	int r;

	sql_record_load(&v, l, merged, d->drv->record_now);
	r = sql_run(&v, sqld_exec, d, l->load_id, NULL);
	sqlv_free(&v);
	return r;
}

/* A value in a query: the driver's placeholder (bound by rows), else a
 * literal. */
static void
param(struct buf *b, const struct sqldest *d, const char *v)
{
	if (d->drv->param)
		buf_adds(b, d->drv->param);
	else
		sql_str(b, v);
}

struct merged_rows {
	const struct dload *l;
	int64_t *merged;
	int found;
};

static int
merged_row(void *arg, const char *const *v, int n)
{
	struct merged_rows *m = arg;

	(void)n;
	if (!m->found)
		for (size_t k = 0; k < m->l->nt; k++)
			m->merged[k] = -1;
	m->found = 1;
	for (size_t k = 0; v[0] && k < m->l->nt; k++)
		if (strcmp(v[0], m->l->t[k].name) == 0)
			m->merged[k] = strtoll(v[1], NULL, 10);
	return 0;
}

int
sqld_already_merged(struct sqldest *d, const struct dload *l, int64_t *merged)
{
	struct merged_rows m = { l, merged, 0 };
	struct buf q = BUF_INIT;
	int r;

	buf_adds(&q, "SELECT t.table_name, t.\"rows\" FROM ");
	sql_qname(&q, l->dataset, "_dlt_loads");
	buf_adds(&q, " AS l LEFT JOIN ");
	sql_qname(&q, l->dataset, "_stage_loads");
	buf_adds(&q, " AS t ON t.load_id = l.load_id WHERE l.load_id = ");
	param(&q, d, l->load_id);
	buf_adds(&q, " AND l.status = 0");
	if (d->dry && d->drv->param)
		dest_dry_check(q.p, "with %s = '%s': rows mean the load was "
		    "merged before: then only its tables and files are "
		    "checked, nothing is merged", d->drv->param, l->load_id);
	else if (d->dry)
		dest_dry_check(q.p, "rows mean load %s was merged before: "
		    "then only its tables and files are checked, nothing is "
		    "merged", l->load_id);
	r = d->drv->table_exists(d, l->dataset, "_dlt_loads") ?
	    d->drv->rows(d, l->load_id, "query failed", q.p, l->load_id,
	    merged_row, &m) : 1;
	buf_free(&q);
	if (r < 0)
		return -1;
	/* a table the load did not have: other data under its id */
	for (size_t k = 0; m.found && k < l->nt; k++)
		if (merged[k] < 0) {
			dest_load_reused(l, k, 0);
			return -1;
		}
	return m.found;
}

struct order_rows {
	const struct dload *l;
	size_t i;
};

static int
order_row(void *arg, const char *const *v, int n)
{
	struct order_rows *o = arg;

	(void)n;
	return dest_check_order(o->l, o->i, v[0]);
}

int
sqld_check_order(struct sqldest *d, const struct dload *l)
{
	struct buf q = BUF_INIT;
	int r = 0;

	if (!d->drv->table_exists(d, l->dataset, "_stage_loads"))
		return 0;
	for (size_t i = 0; i < l->nt && r == 0; i++) {
		struct order_rows o = { l, i };

		if (l->t[i].disp == DISP_APPEND)
			continue;
		buf_reset(&q);
		buf_adds(&q, "SELECT load_id FROM ");
		sql_qname(&q, l->dataset, "_stage_loads");
		buf_adds(&q, " WHERE table_name = ");
		param(&q, d, l->t[i].name);
		r = d->drv->rows(d, l->t[i].name, "query failed", q.p,
		    l->t[i].name, order_row, &o);
		if (r == 1)
			r = 0;
	}
	buf_free(&q);
	return r;
}

struct lost_rows {
	const struct dload *l;
	const struct dtable *t;
	const char *schema;
	int staged;
	int64_t *nos;
	size_t n;
};

static int
lost_row(void *arg, const char *const *v, int n)
{
	struct lost_rows *L = arg;

	(void)n;
	log_err("%s: file %s of load %s was copied (%s rows), but %s of its "
	    "rows are in %s.%s%s: its copy record is cleared, so that "
	    "stage-copy on this manifest copies it again", L->t->name, v[1],
	    L->l->load_id, v[2], v[3], L->schema, L->t->name,
	    L->staged ? "" : " (dropped)");
	L->nos = xrealloc(L->nos, (L->n + 1) * sizeof *L->nos);
	L->nos[L->n++] = strtoll(v[0], NULL, 10);
	return 0;
}

int
sqld_forget_table(struct sqldest *d, const struct dload *l,
    const struct dtable *t)
{
	struct buf q = BUF_INIT, s = BUF_INIT;
	struct lost_rows L = { l, t, NULL, 0, NULL, 0 };
	int rc;

	sql_staging_schema(&s, l->dataset);
	L.schema = s.p;
	L.staged = d->drv->table_exists(d, s.p, t->name);
	sql_lost_files(&q, d->drv->dialect, t, l->load_id, L.staged);
	rc = d->drv->rows(d, t->name, "query failed", q.p, NULL, lost_row,
	    &L) == 0 ? 0 : -1;
	for (size_t i = 0; i < L.n && rc == 0; i++) {
		struct sqlv v = { 0 };

		sql_forget_file(&v, d->drv->dialect, t, L.nos[i], L.staged);
		rc = sql_run(&v, sqld_exec, d, t->name, NULL);
		sqlv_free(&v);
	}
	free(L.nos);
	buf_free(&q);
	buf_free(&s);
	return rc;
}

int
sqld_clear_staging(struct sqldest *d, const struct dload *l, int merged_before)
{
	struct buf b = BUF_INIT, s = BUF_INIT;
	int r = 0, alone = 0;

	sql_staging_schema(&s, l->dataset);
	for (size_t i = 0; i < l->nt && r == 0; i++) {
		if (merged_before &&
		    !d->drv->table_exists(d, s.p, l->t[i].name))
			continue;
		if (!merged_before &&
		    (alone = d->drv->alone(d, &l->t[i], l->rows[i])) < 0) {
			r = -1;
			break;
		}
		buf_reset(&b);
		if (alone) {
			buf_adds(&b, d->drv->empty);
			sql_qname(&b, s.p, l->t[i].name);
		} else {
			if (d->dry && !merged_before && d->drv->empty_note)
				dest_dry_comment(l->t[i].name,
				    d->drv->empty_note);
			sql_clear_staging(&b, d->drv->dialect, &l->t[i],
			    l->load_id);
		}
		r = d->drv->exec(d, l->t[i].name, b.p, NULL);
	}
	buf_free(&b);
	buf_free(&s);
	return r;
}

struct schema_rows {
	struct sqldest *d;
	struct dltschema *s;
	int64_t version;
	const char *hash;	/* the stored one, or NULL */
};

static int
schema_row(void *arg, const char *const *v, int n)
{
	struct schema_rows *S = arg;

	(void)n;
	dltschema_add(S->s, v[0], v[1], S->d->drv->decl_type(v[2]),
	    !(v[3] && (v[3][0] == 't' || v[3][0] == '1')));
	return 0;
}

static int
version_row(void *arg, const char *const *v, int n)
{
	struct schema_rows *S = arg;

	(void)n;
	S->version = strtoll(v[0], NULL, 10);
	S->hash = xstrdup(v[1]);
	return 0;
}

/* The dataset's tables and columns as dlt's stored schema, a new
 * version in _dlt_version when they changed (dltschema.h); in the
 * merge's transaction, after its DDL. */
static int
store_schema(struct sqldest *d, const struct dload *l)
{
	struct dltschema s;
	struct schema_rows S = { d, &s, 0, NULL };
	struct buf q = BUF_INIT;
	char hash[65];
	int rc = -1;

	dltschema_init(&s);
	if (d->dry) {
		dest_dry_comment(l->load_id, "INSERT INTO _dlt_version: dlt's "
		    "schema of the dataset, when its tables or columns changed");
		rc = 0;
		goto out;
	}
	d->drv->tables_query(&q, l->dataset);
	if (d->drv->rows(d, l->load_id, "cannot read the dataset's tables",
	    q.p, NULL, schema_row, &S) != 0)
		goto out;
	dltschema_hash(&s, hash);
	buf_reset(&q);
	buf_adds(&q, "SELECT version, version_hash FROM ");
	sql_qname(&q, l->dataset, "_dlt_version");
	buf_adds(&q, " WHERE schema_name = ");
	param(&q, d, l->dataset);
	buf_adds(&q, " ORDER BY inserted_at DESC, version DESC LIMIT 1");
	if (d->drv->rows(d, l->load_id, "cannot read _dlt_version", q.p,
	    l->dataset, version_row, &S) != 0)
		goto out;
	rc = 0;
	if (S.hash && strcmp(S.hash, hash) == 0)
		goto out;
	if (S.hash && !dltschema_ours(S.hash)) {
		dltschema_warn_theirs(l->dataset);
		goto out;
	}
	buf_reset(&q);
	dltschema_insert_sql(&s, &q, l->dataset, l->dataset, S.version + 1,
	    hash, d->drv->version_now);
	rc = d->drv->exec(d, l->load_id, q.p, NULL);
out:
	free((char *)S.hash);
	dltschema_free(&s);
	buf_free(&q);
	return rc;
}

int
sqld_merge(struct sqldest *d, const struct dload *l,
    const struct merge_opts *o, int64_t *merged, int *short_rows)
{
	int done = sqld_already_merged(d, l, merged);

	if (done < 0)
		return -1;
	if (done) {
		/* a stage-copy re-run after the merge may have staged the
		 * rows again: they are not needed */
		if (sqld_check_files(d, l, 1) < 0)
			return -1;
		if (d->dry)
			dest_dry_comment(l->load_id,
			    "merged before: nothing to do");
		return sqld_clear_staging(d, l, 1) < 0 ? -1 : 1;
	}
	if (sqld_check_order(d, l) < 0 ||
	    sqld_check_counts(d, l, short_rows) < 0 ||
	    sqld_final_ddls(d, l, o) < 0 ||
	    sqld_apply_tables(d, l, o, merged) < 0 ||
	    sqld_record_load(d, l, merged) < 0 ||
	    store_schema(d, l) < 0 ||
	    (!d->drv->clear_after_commit && sqld_clear_staging(d, l, 0) < 0))
		return -1;
	return 0;
}

int
sqld_forget_lost(struct sqldest *d, const struct dload *l)
{
	int64_t *merged = xcalloc(l->nt + 1, sizeof *merged);
	int r = sqld_already_merged(d, l, merged);

	for (size_t i = 0; i < l->nt && r == 0; i++)
		r = sqld_forget_table(d, l, &l->t[i]);
	free(merged);
	return r < 0 ? -1 : 0;
}

int
sqld_in_txn(struct sqldest *d, const char *object, sqld_txn_fn *fn,
    const void *arg, const char *lockname)
{
	struct buf b = BUF_INIT;
	int r = -1;

	if (d->drv->ddl_commits)
		return fn(d, arg, object) < 0 ? -1 : 0;
	if (d->drv->exec(d, object, d->drv->begin, NULL) < 0)
		goto out;
	if (d->drv->lock)
		d->drv->lock(&b, "ddl", lockname);
	if ((b.p && d->drv->exec(d, object, b.p, NULL) < 0) ||
	    fn(d, arg, object) < 0 ||
	    (r = d->drv->exec(d, object, "COMMIT", NULL)) < 0)
		d->drv->rollback(d);
out:
	buf_free(&b);
	return r;
}

static int
create_schema(struct sqldest *d, const char *schema, const char *object)
{
	struct buf b = BUF_INIT;
	int r;

	if (!d->drv->schemas)
		return 0;
	buf_adds(&b, "CREATE SCHEMA IF NOT EXISTS ");
	sql_ident(&b, schema);
	r = d->drv->exec(d, object, b.p, NULL);
	buf_free(&b);
	return r;
}

static int
stage_ddl(struct sqldest *d, const void *arg, const char *object)
{
	const struct dtable *t = arg;
	struct buf s = BUF_INIT;
	int r = -1;

	sql_staging_schema(&s, t->dataset);
	if (create_schema(d, s.p, object) == 0 &&
	    create(d, s.p, "_stage_files", d->drv->files_cols, object) == 0 &&
	    (r = d->drv->evolve(d, s.p, t, d->drv->staging_extra, 0,
	    object)) == 0)
		r = d->drv->staging_fit(d, s.p, t->name, object);
	buf_free(&s);
	return r;
}

int
sqld_stage_ddl(struct sqldest *d, const struct dtable *t)
{
	struct buf s = BUF_INIT;
	int r;

	sql_staging_schema(&s, t->dataset);
	r = sqld_in_txn(d, t->name, stage_ddl, t, s.p);
	buf_free(&s);
	return r;
}

static int
merge_ddl(struct sqldest *d, const void *arg, const char *object)
{
	const struct dload *l = arg;

	if (create_schema(d, l->dataset, object) < 0)
		return -1;
	return sqld_bookkeeping_ddl(d, l->dataset, object);
}

int
sqld_merge_ddl(struct sqldest *d, const struct dload *l)
{
	return sqld_in_txn(d, l->load_id, merge_ddl, l, l->dataset);
}

static int
merged_load_row(void *arg, const char *const *v, int n)
{
	(void)v;
	(void)n;
	dest_file_after_merge(arg);
	return -1;
}

int
sqld_not_merged_yet(struct sqldest *d, const struct dfile *f)
{
	struct buf q = BUF_INIT;
	int r;

	if (!d->drv->table_exists(d, f->t.dataset, "_dlt_loads"))
		return 0;
	buf_adds(&q, "SELECT 1 FROM ");
	sql_qname(&q, f->t.dataset, "_dlt_loads");
	buf_adds(&q, " WHERE load_id = ");
	param(&q, d, f->load_id);
	buf_adds(&q, " AND status = 0");
	r = d->drv->rows(d, f->object, "query failed", q.p, f->load_id,
	    merged_load_row, (void *)f);
	buf_free(&q);
	return r < 0 ? -1 : 0;
}
