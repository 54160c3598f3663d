/*
 * dest_sql: the SQL back ends' shared layer (dest_sql.h).
 */
#include <stdio.h>
#include <string.h>

#include "dest_sql.h"
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

static int
final_ddl(struct sqldest *d, const struct dtable *t, const struct merge_opts *o)
{
	const struct sql_driver *drv = d->drv;
	struct dtable want;
	struct buf b = BUF_INIT, s = BUF_INIT;
	int st_exists, fin_exists, r = -1;

	dtable_copy(&want, t);
	sql_staging_schema(&s, t->dataset);
	if (drv->widen_to(d, s.p, &want, &st_exists) < 0 ||
	    drv->widen_to(d, t->dataset, &want, &fin_exists) < 0 ||
	    drv->evolve(d, t->dataset, &want, drv->final_extra, 1,
	    t->name) < 0 ||
	    (st_exists && drv->evolve(d, s.p, &want, drv->staging_extra, 0,
	    t->name) < 0))
		goto out;
	if (t->disp == DISP_MERGE && t->npk && o->strategy == MERGE_UPSERT) {
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
	sql_load_rows(&q, &l->t[i], l->load_id);
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
		sql_load_rows(&q, &l->t[i], l->load_id);
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
