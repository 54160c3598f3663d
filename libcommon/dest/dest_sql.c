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

struct pruned_rows {
	int64_t files, rows;
	int found;
};

static int
pruned_row(void *arg, const char *const *v, int n)
{
	struct pruned_rows *p = arg;

	(void)n;
	p->found = 1;
	p->files = strtoll(v[0], NULL, 10);
	p->rows = strtoll(v[1], NULL, 10);
	return 0;
}

/* The summary stage-merge's pruning left of table's files of load_id in
 * _stage_pruned (housekeeping.h): 1 with *p set, 0 if none, -1. */
static int
pruned(struct sqldest *d, const char *dataset, const char *load_id,
    const char *table, struct pruned_rows *p)
{
	struct buf q = BUF_INIT, s = BUF_INIT;
	int r;

	memset(p, 0, sizeof *p);
	sql_staging_schema(&s, dataset);
	if (!d->drv->table_exists(d, s.p, "_stage_pruned")) {
		buf_free(&s);
		return 0;
	}
	buf_adds(&q, "SELECT files, rows FROM ");
	sql_qname(&q, s.p, "_stage_pruned");
	buf_adds(&q, " WHERE load_id = ");
	sql_str(&q, load_id);
	buf_adds(&q, " AND table_name = ");
	sql_str(&q, table);
	r = d->drv->rows(d, table, "query failed", q.p, NULL, pruned_row, p);
	buf_free(&q);
	buf_free(&s);
	return r < 0 ? -1 : p->found;
}

/* A merged load whose file records were pruned: 0 if the manifest's
 * files and rows of table i are those the summary kept, else -1 after
 * saying that its load id was used again. */
static int
pruned_agrees(const struct dload *l, size_t i, const struct pruned_rows *p)
{
	if (p->files == l->files[i] && p->rows == l->rows[i])
		return 0;
	log_err("%s: load %s was merged and its file records pruned; they "
	    "had %lld files and %lld rows of %s, this manifest lists %lld "
	    "and %lld: its load id was used again for other data (give that "
	    "data a load id of its own): nothing changed", l->t[i].name,
	    l->load_id, (long long)p->files, (long long)p->rows,
	    l->t[i].name, (long long)l->files[i], (long long)l->rows[i]);
	return -1;
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
			struct pruned_rows p;
			int k = merged && n == 0 ? pruned(d, l->dataset,
			    l->load_id, l->t[i].name, &p) : 0;

			if (k > 0)
				r = pruned_agrees(l, i, &p);
			else if (k < 0)
				r = -1;
			else {
				dest_files_mismatch(l, i, n, merged);
				r = -1;
			}
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

/* The rows of t's final table: 0, or -1 after reporting. */
static int
final_rows(struct sqldest *d, const struct dtable *t, int64_t *n)
{
	struct buf q = BUF_INIT;
	int r;

	buf_adds(&q, "SELECT count(*) FROM ");
	sql_qname(&q, t->dataset, t->name);
	r = d->drv->count(d, t->name, q.p, n) == 0 ? 0 : -1;
	buf_free(&q);
	return r;
}

/* What the breakdown of table t needs that its statements' counts do
 * not say, counted before they run: an upsert's final rows (its single
 * statement counts new and updated rows together: the table's growth
 * tells them apart), or the rows a delete-insert with a hard delete or a
 * merge key will update (its DELETE removes more than those).  -1 when
 * the counts are enough (the default delete-insert: free), -2 after
 * reporting. */
static int64_t
count_before(struct sqldest *d, const struct dload *l, size_t i,
    const struct merge_opts *o)
{
	const struct dtable *t = &l->t[i];
	struct buf q = BUF_INIT;
	int64_t n = -1;
	int hd = o->hard_delete && dtable_col(t, o->hard_delete) >= 0;

	if (t->disp != DISP_MERGE || !t->npk)
		return -1;
	if (o->strategy == MERGE_UPSERT)
		return final_rows(d, t, &n) < 0 ? -2 : n;
	if (!hd && !t->nmk)
		return -1;
	sql_updated_count(&q, d->drv->dialect, t, l->load_id, o);
	if (d->drv->count(d, t->name, q.p, &n) != 0)
		n = -2;
	buf_free(&q);
	return n;
}

/* The breakdown of table t from its statements' counts c[0..n) (the
 * shapes of sql_merge_table: [DELETE,] INSERT or upsert) and
 * count_before's u; an upsert's final rows after it in *after. */
static void
breakdown(struct dmerged *m, const struct dtable *t,
    const struct merge_opts *o, const int64_t *c, size_t n, int64_t u,
    int64_t after)
{
	int64_t last = c[n - 1], first = n > 1 ? c[0] : 0;

	m->added = last;
	m->updated = m->deleted = 0;
	if (t->disp == DISP_REPLACE)
		m->deleted = first;
	else if (t->disp == DISP_MERGE && o->strategy == MERGE_UPSERT &&
	    t->npk) {
		m->deleted = first;	/* the hard delete's, if any */
		m->added = after - u + first;
		m->updated = last - m->added;
	} else if (t->disp == DISP_MERGE && t->npk) {
		m->updated = u >= 0 ? u : first;
		m->added = last - m->updated;
		m->deleted = first - m->updated;
	} else if (t->disp == DISP_MERGE) {
		m->deleted = first;	/* a merge key's rows, replaced */
	}
}

/* o for table i of l in *to: keys_unique set when the driver asks
 * (dup_check) and no primary key occurs twice among the load's staging
 * rows, so its statements skip dedup's sort of every row; key_span
 * (held in span) when the driver knows the keys exactly.  0, or -1
 * after reporting. */
static int
table_opts(struct sqldest *d, const struct dload *l, size_t i,
    const struct merge_opts *o, struct merge_opts *to, struct buf *span)
{
	const struct dtable *t = &l->t[i];
	struct buf q = BUF_INIT;
	int64_t n = 1;
	int r = 0;

	*to = *o;
	to->keys_unique = 0;
	to->key_span = NULL;
	if (!d->drv->dup_check || t->disp != DISP_MERGE || !t->npk)
		return 0;
	if (d->drv->keys_known &&
	    (r = d->drv->keys_known(d, t, l->load_id, span)) != 0) {
		to->keys_unique = r == 1;
		to->key_span = r == 1 && span->len ? span->p : NULL;
		return r < 0 ? -1 : 0;
	}
	sql_dup_keys(&q, d->drv->dialect, t, l->load_id);
	if (d->dry)
		dest_dry_check(q.p, "0 means no primary key of %s occurs "
		    "twice in the load: then its statements read the staging "
		    "rows as they are, else deduplicated as below", t->name);
	else if ((r = d->drv->count(d, t->name, q.p, &n)) == 0)
		to->keys_unique = n == 0;
	buf_free(&q);
	return r < 0 ? -1 : 0;
}

int
sqld_apply_tables(struct sqldest *d, const struct dload *l,
    const struct merge_opts *lo, int64_t *merged)
{
	for (size_t i = 0; i < l->nt; i++) {
		struct sqlv v = { 0 };
		struct merge_opts mo, *o = &mo;
		struct buf span = BUF_INIT;
		int64_t *c, u = -1, after = 0;
		int r = 0;

		if (l->done)
			l->done[i] = (struct dmerged){ -1, -1, -1 };
		if (table_opts(d, l, i, lo, &mo, &span) < 0 ||
		    (!d->dry && l->done &&
		    (u = count_before(d, l, i, o)) == -2)) {
			buf_free(&span);
			return -1;
		}
		sql_merge_table(&v, d->drv->dialect, &l->t[i], l->load_id, o);
		c = xcalloc(v.n + 1, sizeof *c);
		for (size_t k = 0; k < v.n && r == 0; k++)
			r = d->drv->exec(d, l->t[i].name, v.v[k], &c[k]);
		merged[i] = d->dry ? l->rows[i] : v.n ? c[v.n - 1] : 0;
		if (r == 0 && !d->dry && l->done && v.n &&
		    o->strategy == MERGE_UPSERT && u >= 0)
			r = final_rows(d, &l->t[i], &after);
		if (r == 0 && !d->dry && l->done && v.n)
			breakdown(&l->done[i], &l->t[i], o, c, v.n, u, after);
		free(c);
		sqlv_free(&v);
		buf_free(&span);
		if (r < 0)
			return -1;
	}
	return 0;
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
	int *found = arg;

	(void)v;
	(void)n;
	*found = 1;
	return 0;
}

int
sqld_not_merged_yet(struct sqldest *d, const struct dfile *f)
{
	struct pruned_rows p;
	struct buf q = BUF_INIT;
	int r, found = 0;

	if (!d->drv->table_exists(d, f->t.dataset, "_dlt_loads"))
		return 0;
	buf_adds(&q, "SELECT 1 FROM ");
	sql_qname(&q, f->t.dataset, "_dlt_loads");
	buf_adds(&q, " WHERE load_id = ");
	param(&q, d, f->load_id);
	buf_adds(&q, " AND status = 0");
	r = d->drv->rows(d, f->object, "query failed", q.p, f->load_id,
	    merged_load_row, &found);
	buf_free(&q);
	if (r < 0)
		return -1;
	if (!found)
		return 0;
	/* merged: its file records pruned since, or other data */
	if ((r = pruned(d, f->t.dataset, f->load_id, f->t.name, &p)) > 0) {
		log_verbose("%s: load %s is merged and its file records "
		    "pruned: not copied again", f->object, f->load_id);
		return 1;
	}
	if (r == 0)
		dest_file_after_merge(f);
	return -1;
}

/* "INSERT INTO <staging>._stage_files ...": no row inserted when the
 * file is recorded already.  Without RETURNING, which SQLite before 3.35
 * lacks: the caller reads the file_no back. */
static void
file_row(struct buf *b, const struct dfile *f)
{
	struct buf s = BUF_INIT;

	sql_staging_schema(&s, f->t.dataset);
	buf_adds(b, "INSERT INTO ");
	sql_qname(b, s.p, "_stage_files");
	buf_adds(b, " (load_id, table_name, file_id, seq, sha256, rows) "
	    "VALUES (");
	sql_str(b, f->load_id);
	buf_adds(b, ", ");
	sql_str(b, f->t.name);
	buf_adds(b, ", ");
	sql_str(b, f->file_id);
	buf_printf(b, ", %lld, ", (long long)f->seq);
	if (f->sha256)
		sql_str(b, f->sha256);
	else
		buf_adds(b, "NULL");
	buf_printf(b, ", %lld) ON CONFLICT DO NOTHING", (long long)f->rows);
	buf_free(&s);
}

struct recorded_rows {
	const struct dfile *f;
	struct dcopied *res;
	struct buf why;		/* dfile_reused's message */
	int found;
};

static int
recorded_row(void *arg, const char *const *v, int n)
{
	struct recorded_rows *R = arg;

	(void)n;
	R->found = 1;
	R->res->rows = v[0] ? strtoll(v[0], NULL, 10) : 0;
	R->res->skipped = 1;
	dfile_reused(R->f, v[1], &R->why);
	return 0;
}

/* 1 if f is recorded in _stage_files (res set), 0 if not, -1 after
 * reporting; why gets dfile_reused's message when the record is of
 * other data. */
static int
recorded(struct sqldest *d, const struct dfile *f, struct dcopied *res,
    struct buf *why)
{
	struct recorded_rows R = { f, res, BUF_INIT, 0 };
	struct buf q = BUF_INIT, s = BUF_INIT;
	int r = 0;

	sql_staging_schema(&s, f->t.dataset);
	buf_adds(&q, "SELECT rows, sha256 FROM ");
	sql_qname(&q, s.p, "_stage_files");
	buf_adds(&q, " WHERE load_id = ");
	sql_str(&q, f->load_id);
	buf_adds(&q, " AND table_name = ");
	sql_str(&q, f->t.name);
	buf_adds(&q, " AND file_id = ");
	sql_str(&q, f->file_id);
	/* a dry run before anything was copied: nothing is recorded */
	if (!d->dry || d->drv->table_exists(d, s.p, "_stage_files"))
		r = d->drv->rows(d, f->object, "query failed", q.p, NULL,
		    recorded_row, &R);
	if (r == 0 && R.why.len)
		buf_adds(why, R.why.p);
	buf_free(&R.why);
	buf_free(&q);
	buf_free(&s);
	return r < 0 ? -1 : R.found;
}

/* A file recorded already: 0 with res set (skipped), or -1 after
 * reporting a record of other data (also as a comment in a dry run). */
static int
skip_recorded(struct sqldest *d, const struct dfile *f, int found,
    const struct buf *why, const struct dcopied *res)
{
	struct buf b = BUF_INIT;

	if (why->len) {
		if (d->dry) {
			buf_printf(&b, "-- %s", why->p);
			manifest_emit(&b);
		}
		log_err("%s", why->p);
		buf_free(&b);
		return -1;
	}
	if (!found) {
		log_err("%s: recorded as copied by a concurrent run, but its "
		    "record is gone", f->object);
		return -1;
	}
	if (d->dry) {
		buf_printf(&b, "-- skip: %s (copied before, %lld rows)",
		    f->object, (long long)res->rows);
		manifest_emit(&b);
		buf_free(&b);
	}
	return 0;
}

/* In the file's transaction: its lock and bookkeeping row.  1 when this
 * run owns the file (*file_no: the tag of its rows), 0 when it is
 * recorded already, -1 after reporting. */
static int
record_file(struct sqldest *d, const struct dfile *f, int64_t *file_no)
{
	struct buf b = BUF_INIT, s = BUF_INIT;
	int64_t n = 0;
	int r = -1;

	if (d->drv->file_lock) {
		d->drv->file_lock(&b, f);
		if (d->drv->exec(d, f->object, b.p, NULL) < 0)
			goto out;
		buf_reset(&b);
	}
	file_row(&b, f);
	if (d->drv->exec(d, f->object, b.p, &n) < 0)
		goto out;
	if (d->dry || n != 1) {
		r = d->dry || n == 1;
		goto out;
	}
	/* the row just inserted: this transaction's own */
	sql_staging_schema(&s, f->t.dataset);
	buf_reset(&b);
	buf_adds(&b, "SELECT file_no FROM ");
	sql_qname(&b, s.p, "_stage_files");
	buf_adds(&b, " WHERE load_id = ");
	sql_str(&b, f->load_id);
	buf_adds(&b, " AND table_name = ");
	sql_str(&b, f->t.name);
	buf_adds(&b, " AND file_id = ");
	sql_str(&b, f->file_id);
	r = d->drv->count(d, f->object, b.p, file_no) == 0 ? 1 : -1;
out:
	buf_free(&b);
	buf_free(&s);
	return r;
}

/* Dry run: the file's transaction as it would run. */
static int
dry_copy(struct sqldest *d, const struct dfile *f, struct dcopied *res)
{
	struct buf why = BUF_INIT;
	int64_t file_no;
	int found = recorded(d, f, res, &why);

	if (found < 0) {
		buf_free(&why);
		return -1;
	}
	if (found || why.len) {
		found = skip_recorded(d, f, 1, &why, res);
		buf_free(&why);
		return found;
	}
	res->rows = f->rows;
	d->drv->exec(d, f->object, d->drv->begin, NULL);
	record_file(d, f, &file_no);
	if (d->drv->dry_load)
		d->drv->dry_load(d, f);
	d->drv->exec(d, f->object, "COMMIT", NULL);
	return 0;
}

/* The file's transaction once: 0 committed (or skipped), 1 to run it
 * again, -1 after reporting (rolled back). */
static int
copy_once(struct sqldest *d, const struct dfile *f, struct dcopied *res)
{
	struct buf why = BUF_INIT;
	int64_t file_no = 0, rows = 0;
	int own, r;

	if (d->drv->exec(d, f->object, d->drv->begin, NULL) < 0)
		return -1;
	if ((own = record_file(d, f, &file_no)) < 0)
		goto fail;
	if (own == 0) {
		d->drv->rollback(d);
		if ((r = recorded(d, f, res, &why)) >= 0)
			r = skip_recorded(d, f, r, &why, res);
		buf_free(&why);
		return r;
	}
	if ((r = sqld_not_merged_yet(d, f)) != 0) {
		if (r < 0)
			goto fail;
		d->drv->rollback(d);	/* merged, its records pruned */
		res->rows = f->rows;
		res->skipped = 1;
		return 0;
	}
	if ((r = d->drv->load(d, f, file_no, &rows)) < 0)
		goto fail;
	if (r == 1) {
		d->drv->rollback(d);
		return 1;
	}
	if (rows != f->rows) {
		log_err("%s: loaded %lld rows, the manifest says %lld: "
		    "rolled back", f->object, (long long)rows,
		    (long long)f->rows);
		goto fail;
	}
	if (d->drv->exec(d, f->object, "COMMIT", NULL) < 0)
		goto fail;
	res->rows = rows;
	return 0;
fail:
	d->drv->rollback(d);
	return -1;
}

int
sqld_copy_file(struct sqldest *d, const struct dfile *f, struct dcopied *res)
{
	int r;

	memset(res, 0, sizeof *res);
	if (d->dry)
		return dry_copy(d, f, res);
	while ((r = copy_once(d, f, res)) == 1)
		memset(res, 0, sizeof *res);
	return r;
}

/* BEGIN, then the driver's setup and its lock of what on schema: 0 or
 * -1 (the caller rolls back). */
static int
begin_locked(struct sqldest *d, const char *object, const char *setup,
    const char *what, const char *schema)
{
	struct buf b = BUF_INIT;
	int r = -1;

	if (d->drv->exec(d, object, d->drv->begin, NULL) < 0)
		goto out;
	if (d->drv->lock)
		d->drv->lock(&b, what, schema);
	if ((setup && d->drv->exec(d, object, setup, NULL) < 0) ||
	    (b.p && d->drv->exec(d, object, b.p, NULL) < 0)) {
		d->drv->rollback(d);
		goto out;
	}
	r = 0;
out:
	buf_free(&b);
	return r;
}

/* After a count check failed: the rows of a file recorded as copied may
 * be gone (its staging table dropped or emptied), and stage-copy would
 * skip that file forever.  Under the merge's lock, unless the load was
 * merged meanwhile, such files lose their record: the documented
 * recovery (stage-copy, then stage-merge, on the manifest) then works. */
static void
forget_lost_txn(struct sqldest *d, const struct dload *l)
{
	struct buf s = BUF_INIT;

	sql_staging_schema(&s, l->dataset);
	if (!d->dry && d->drv->table_exists(d, s.p, "_stage_files") &&
	    begin_locked(d, l->load_id, NULL, "merge", l->dataset) == 0) {
		if (sqld_forget_lost(d, l) < 0 ||
		    d->drv->exec(d, l->load_id, "COMMIT", NULL) < 0)
			d->drv->rollback(d);
	}
	buf_free(&s);
}

/* After the load's commit, where the engine clears staging then: its
 * staging rows in a transaction of their own.  A kill between the two
 * leaves a recorded load's staging rows, which nothing reads and the
 * merge's re-run deletes. */
static int
clear_after_commit(struct sqldest *d, const struct dload *l)
{
	if (d->drv->exec(d, l->load_id, d->drv->begin, NULL) == 0) {
		if (sqld_clear_staging(d, l, 0) == 0 &&
		    d->drv->exec(d, l->load_id, "COMMIT", NULL) == 0)
			return 0;
		d->drv->rollback(d);
	}
	log_err("%s: merged, but its staging rows are still there: run "
	    "stage-merge again to delete them", l->load_id);
	return -1;
}

int
sqld_merge_load(struct sqldest *d, const struct dload *l,
    const struct merge_opts *o, int64_t *merged, int *already)
{
	int done, short_rows = 0;

	*already = 0;
	for (size_t i = 0; i < l->nt; i++)
		merged[i] = 0;
	if (begin_locked(d, l->load_id, d->drv->merge_setup, "merge",
	    l->dataset) < 0)
		return -1;
	if ((done = sqld_merge(d, l, o, merged, &short_rows)) < 0 ||
	    d->drv->exec(d, l->load_id, "COMMIT", NULL) < 0) {
		d->drv->rollback(d);
		if (short_rows)
			forget_lost_txn(d, l);
		return -1;
	}
	*already = done;
	return done || !d->drv->clear_after_commit ? 0 :
	    clear_after_commit(d, l);
}

struct not_null_rows {
	const struct dtable *t;
	int alter;
};

static int
not_null_row(void *arg, const char *const *v, int n)
{
	struct not_null_rows *N = arg;

	(void)n;
	return dest_check_not_null(N->t, v[0], N->alter);
}

int
sqld_final_fits(struct sqldest *d, const struct dload *l)
{
	struct buf q = BUF_INIT;
	int r = 0;

	for (size_t i = 0; i < l->nt && r == 0; i++) {
		struct not_null_rows N = { &l->t[i], d->drv->not_null_alter };

		buf_reset(&q);
		if (!d->drv->not_null_query ||
		    !d->drv->not_null_query(d, &q, l->dataset, l->t[i].name))
			continue;
		r = d->drv->rows(d, l->t[i].name, "cannot read the table's "
		    "columns", q.p, NULL, not_null_row, &N);
		if (r == 1)
			r = 0;
	}
	buf_free(&q);
	return r < 0 ? -1 : 0;
}

/* The types have's columns need for t's rows, in want[] (one per column
 * of have): 1 if one must widen (each said), else 0. */
static int
widened_types(const char *schema, const struct dtable *t,
    const struct dtable *have, enum coltype *want)
{
	int any = 0;

	for (size_t i = 0; i < have->ncols; i++) {
		const struct dcol *c = &have->cols[i];
		int k = dtable_col(t, c->name);

		want[i] = c->type;
		if (k < 0 || c->type == CT_NONE)
			continue;	/* a type we do not know is never altered */
		want[i] = coltype_widen(c->type, t->cols[k].type);
		if (want[i] != c->type) {
			dest_widened(schema, t->name, c->name, c->type, want[i]);
			any = 1;
		}
	}
	return any;
}

int
sqld_evolve(struct sqldest *d, const char *schema, const struct dtable *t,
    const char *extra, int strict, const char *object)
{
	struct dtable have;
	struct buf b = BUF_INIT;
	enum coltype *want = NULL;
	int exists, r = -1;

	if (d->drv->columns(d, schema, t->name, &have, &exists) < 0)
		return -1;
	if (!exists) {
		r = sqld_create_table(d, schema, t, extra, strict, object);
		goto out;
	}
	want = xcalloc(have.ncols + 1, sizeof *want);
	if (widened_types(schema, t, &have, want) &&
	    d->drv->widen(d, schema, t->name, &have, want, object) < 0)
		goto out;
	for (size_t i = 0; i < t->ncols; i++) {
		if (dtable_col(&have, t->cols[i].name) >= 0)
			continue;
		buf_reset(&b);
		buf_adds(&b, "ALTER TABLE ");
		sql_qname(&b, schema, t->name);
		buf_printf(&b, " %s", d->drv->add_column ? d->drv->add_column :
		    "ADD COLUMN ");
		sql_col_def(&b, d->drv->dialect, &t->cols[i], 0);
		if (d->drv->exec(d, object, b.p, NULL) < 0)
			goto out;
	}
	r = 0;
out:
	free(want);
	dtable_free(&have);
	buf_free(&b);
	return r;
}

struct names_rows {
	char **v;
	size_t n;
};

static int
name_row(void *arg, const char *const *v, int n)
{
	struct names_rows *N = arg;

	(void)n;
	N->v = xrealloc(N->v, (N->n + 1) * sizeof *N->v);
	N->v[N->n++] = xstrdup(v[0] ? v[0] : "");
	return 0;
}

/* In its transaction: staging table schema.name dropped if it holds no
 * rows (a load not merged yet keeps its table). */
static int
drop_if_empty(struct sqldest *d, const char *object, const char *schema,
    const char *name)
{
	struct buf b = BUF_INIT, qn = BUF_INIT;
	int64_t rows = 0;
	int r = -1, there;

	sql_qname(&qn, schema, name);
	if (!(there = d->drv->table_exists(d, schema, name)) && !d->dry) {
		r = 0;		/* dropped by another run */
		goto out;
	}
	if (d->drv->lock_table) {
		d->drv->lock_table(&b, qn.p);
		if (d->drv->exec(d, object, b.p, NULL) < 0)
			goto out;
	}
	buf_reset(&b);
	buf_printf(&b, "SELECT count(*) FROM (SELECT 1 FROM %s LIMIT 1) AS x",
	    qn.p);
	if (there && d->drv->count(d, object, b.p, &rows) < 0)
		goto out;
	r = 0;
	if (rows > 0)
		goto out;
	buf_reset(&b);
	buf_printf(&b, "DROP TABLE %s", qn.p);
	r = d->drv->exec(d, object, b.p, NULL);
out:
	buf_free(&b);
	buf_free(&qn);
	return r;
}

int
sqld_drop_staging(struct sqldest *d, const char *dataset)
{
	struct names_rows N = { NULL, 0 };
	struct buf q = BUF_INIT, s = BUF_INIT;
	int r = 0;

	sql_staging_schema(&s, dataset);
	if (d->drv->staging_tables(d, &q, s.p) &&
	    d->drv->rows(d, dataset, "query failed", q.p, NULL, name_row,
	    &N) < 0)
		r = -1;
	for (size_t i = 0; i < N.n && r == 0; i++) {
		if (begin_locked(d, dataset, NULL, "ddl", s.p) < 0)
			r = -1;
		else if (drop_if_empty(d, dataset, s.p, N.v[i]) < 0 ||
		    d->drv->exec(d, dataset, "COMMIT", NULL) < 0) {
			d->drv->rollback(d);
			r = -1;
		}
	}
	for (size_t i = 0; i < N.n; i++)
		free(N.v[i]);
	free(N.v);
	buf_free(&q);
	buf_free(&s);
	return r;
}
