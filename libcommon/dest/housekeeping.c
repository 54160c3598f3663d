/*
 * housekeeping: abandoned loads, discarding one, pruning _stage_files
 * and the connection check (housekeeping.h), written once over the
 * shared SQL layer (dest_sql.h) and the engine's few hooks (house.h).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "house.h"
#include "housekeeping.h"
#include "json.h"

/* The SQL handle of d, or NULL after saying that its back end keeps no
 * bookkeeping this module knows. */
static struct sqldest *
sql_of(struct dest *d)
{
	if (!d->ops->house) {
		log_err("%s: no housekeeping for this destination",
		    d->ops->name);
		return NULL;
	}
	return (struct sqldest *)d;
}

static const struct dest_house *
house_of(const struct sqldest *s)
{
	return s->base.ops->house;
}

/* A value in a query: the driver's placeholder (bound by rows), else a
 * literal. */
static void
param(struct buf *q, const struct sqldest *s, const char *v)
{
	if (s->drv->param)
		buf_adds(q, s->drv->param);
	else
		sql_str(q, v);
}

static void
strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static int
reach(struct sqldest *s, const char *dataset)
{
	return house_of(s)->attach ? house_of(s)->attach(s, dataset) : 0;
}

/* "3d 4h", "5h 2m", "2m 5s", "42s" */
static void
age_words(struct buf *b, int64_t s)
{
	if (s < 0)
		s = 0;
	if (s >= 86400)
		buf_printf(b, "%" PRId64 "d %" PRId64 "h", s / 86400,
		    s % 86400 / 3600);
	else if (s >= 3600)
		buf_printf(b, "%" PRId64 "h %" PRId64 "m", s / 3600,
		    s % 3600 / 60);
	else if (s >= 60)
		buf_printf(b, "%" PRId64 "m %" PRId64 "s", s / 60, s % 60);
	else
		buf_printf(b, "%" PRId64 "s", s);
}

/* --- --abandoned --- */

/* One load being gathered from its rows (one per table). */
struct abandoned {
	const char *dataset;
	int json;
	struct buf id, tables, jtables;
	int64_t files, rows, age;
	size_t nt, loads;
};

static void
ab_flush(struct abandoned *a)
{
	struct buf b = BUF_INIT;

	if (!a->nt)
		return;
	if (a->json) {
		buf_adds(&b, "{\"load_id\":");
		json_put_str(&b, a->id.p, a->id.len);
		buf_adds(&b, ",\"dataset\":");
		json_put_str(&b, a->dataset, strlen(a->dataset));
		buf_printf(&b, ",\"tables\":[%s],\"files\":%" PRId64
		    ",\"rows\":%" PRId64 ",\"age_s\":%" PRId64 "}",
		    a->jtables.p, a->files, a->rows, a->age);
	} else {
		buf_printf(&b, "%-20s %-16s %-24s %6" PRId64 " %10" PRId64
		    " ", a->id.p, a->dataset, a->tables.p, a->files, a->rows);
		age_words(&b, a->age);
	}
	manifest_emit(&b);
	buf_free(&b);
	a->loads++;
	a->nt = 0;
	a->files = a->rows = 0;
	a->age = INT64_MAX;
	buf_reset(&a->tables);
	buf_reset(&a->jtables);
}

/* A row (load_id, table_name, files, rows, age of its last file). */
static int
ab_row(void *arg, const char *const *v, int n)
{
	struct abandoned *a = arg;
	int64_t age = v[4] ? strtoll(v[4], NULL, 10) : 0;

	(void)n;
	if (a->nt && strcmp(a->id.p, v[0]) != 0)
		ab_flush(a);
	if (!a->nt) {
		buf_reset(&a->id);
		buf_adds(&a->id, v[0]);
	}
	buf_printf(&a->tables, "%s%s", a->nt ? "," : "", v[1]);
	if (a->nt)
		buf_addc(&a->jtables, ',');
	json_put_str(&a->jtables, v[1], strlen(v[1]));
	a->nt++;
	a->files += strtoll(v[2], NULL, 10);
	a->rows += v[3] ? strtoll(v[3], NULL, 10) : 0;
	if (age < a->age)
		a->age = age;
	return 0;
}

/* FROM clause of the file records of loads dataset has not merged. */
static void
unmerged_files(struct buf *q, struct sqldest *s, const char *dataset)
{
	struct buf st = BUF_INIT;

	sql_staging_schema(&st, dataset);
	buf_adds(q, " FROM ");
	sql_qname(q, st.p, "_stage_files");
	buf_adds(q, " AS f");
	if (s->drv->table_exists(s, dataset, "_dlt_loads")) {
		buf_adds(q, " WHERE NOT EXISTS (SELECT 1 FROM ");
		sql_qname(q, dataset, "_dlt_loads");
		buf_adds(q, " AS l WHERE l.load_id = f.load_id AND "
		    "l.status = 0)");
	}
	buf_free(&st);
}

/* 1 if dataset's staging records files, 0 if not, -1 after reporting
 * (a dataset whose staging is not attached cannot be read). */
static int
has_files(struct sqldest *s, const char *dataset)
{
	struct buf st = BUF_INIT;
	int r;

	if (reach(s, dataset) < 0)
		return -1;
	sql_staging_schema(&st, dataset);
	r = s->drv->table_exists(s, st.p, "_stage_files");
	buf_free(&st);
	return r;
}

static int
abandoned_in(struct sqldest *s, const char *dataset, struct abandoned *a)
{
	struct buf q = BUF_INIT;
	int r;

	if ((r = has_files(s, dataset)) <= 0)
		return r;
	buf_adds(&q, "SELECT f.load_id, f.table_name, count(*), "
	    "sum(f.rows), ");
	house_of(s)->age(&q, "max(f.copied_at)");
	unmerged_files(&q, s, dataset);
	buf_adds(&q, " GROUP BY f.load_id, f.table_name "
	    "ORDER BY f.load_id, f.table_name");
	a->dataset = dataset;
	a->age = INT64_MAX;
	r = s->drv->rows(s, dataset, "cannot list its loads", q.p, NULL,
	    ab_row, a);
	ab_flush(a);
	buf_free(&q);
	return r < 0 ? -1 : 0;
}

int
house_abandoned(const struct dest_conf *c, int json)
{
	struct abandoned a = { .json = json };
	struct dest *d;
	struct sqldest *s;
	char **ds = NULL;
	size_t n = 0;
	int status = EXIT_FAIL;

	if (!(d = c->ops->open(c)))
		return EXIT_FAIL;
	if (!(s = sql_of(d)) || house_of(s)->datasets(s, &ds, &n) < 0)
		goto out;
	if (!json) {		/* a terminal: the heads above the rows */
		struct buf h = BUF_INIT;

		buf_printf(&h, "%-20s %-16s %-24s %6s %10s %s", "LOAD_ID",
		    "DATASET", "TABLES", "FILES", "ROWS", "AGE");
		manifest_emit(&h);
		buf_free(&h);
	}
	status = 0;
	for (size_t i = 0; i < n && status == 0; i++)
		if (abandoned_in(s, ds[i], &a) < 0)
			status = EXIT_FAIL;
	if (status == 0 && !json)
		log_warn("%zu abandoned load%s (copied, never merged) in %s",
		    a.loads, a.loads == 1 ? "" : "s", c->masked);
out:
	buf_free(&a.id);
	buf_free(&a.tables);
	buf_free(&a.jtables);
	strv_free(ds, n);
	d->ops->close(d);
	return status;
}

/* --- --discard --- */

struct names {
	char **v;
	size_t n;
};

static int
name_row(void *arg, const char *const *v, int n)
{
	struct names *t = arg;

	(void)n;
	t->v = xrealloc(t->v, (t->n + 1) * sizeof *t->v);
	t->v[t->n++] = xstrdup(v[0] ? v[0] : "");
	return 0;
}

/* The tables of load_id's file records in dataset's staging. */
static int
load_tables(struct sqldest *s, const char *dataset, const char *load_id,
    struct names *t)
{
	struct buf q = BUF_INIT, st = BUF_INIT;
	int r;

	sql_staging_schema(&st, dataset);
	buf_adds(&q, "SELECT DISTINCT table_name FROM ");
	sql_qname(&q, st.p, "_stage_files");
	buf_adds(&q, " WHERE load_id = ");
	param(&q, s, load_id);
	buf_adds(&q, " ORDER BY table_name");
	r = s->drv->rows(s, load_id, "cannot read its file records", q.p,
	    load_id, name_row, t);
	buf_free(&q);
	buf_free(&st);
	return r < 0 ? -1 : 0;
}

/* 1 if dataset records load_id as merged, 0 if not, -1. */
static int
is_merged(struct sqldest *s, const char *dataset, const char *load_id)
{
	struct names t = { 0 };
	struct buf q = BUF_INIT;
	int r;

	if (!s->drv->table_exists(s, dataset, "_dlt_loads"))
		return 0;
	buf_adds(&q, "SELECT load_id FROM ");
	sql_qname(&q, dataset, "_dlt_loads");
	buf_adds(&q, " WHERE status = 0 AND load_id = ");
	param(&q, s, load_id);
	r = s->drv->rows(s, load_id, "cannot read _dlt_loads", q.p, load_id,
	    name_row, &t);
	if (r == 0)
		r = t.n > 0;
	strv_free(t.v, t.n);
	buf_free(&q);
	return r;
}

/* Inside the held transaction: the staging rows of each table, then the
 * file records.  *rows gets the rows deleted. */
static int
discard_rows(struct sqldest *s, const char *dataset, const char *load_id,
    const struct names *t, int64_t *rows)
{
	struct buf q = BUF_INIT, st = BUF_INIT;
	int r = 0;

	*rows = 0;
	sql_staging_schema(&st, dataset);
	for (size_t i = 0; i < t->n && r == 0; i++) {
		struct dtable tb = { .dataset = (char *)dataset,
		    .name = t->v[i] };
		int64_t k = 0;

		if (!s->drv->table_exists(s, st.p, t->v[i]))
			continue;	/* dropped: nothing staged */
		buf_reset(&q);
		sql_clear_staging(&q, s->drv->dialect, &tb, load_id);
		r = s->drv->exec(s, t->v[i], q.p, &k);
		*rows += k;
	}
	buf_reset(&q);
	buf_adds(&q, "DELETE FROM ");
	sql_qname(&q, st.p, "_stage_files");
	buf_adds(&q, " WHERE load_id = ");
	sql_str(&q, load_id);
	if (r == 0)
		r = s->drv->exec(s, load_id, q.p, NULL);
	buf_free(&q);
	buf_free(&st);
	return r;
}

/* Discards load_id from dataset, whose staging records its tables t. */
static int
discard_in(struct sqldest *s, const char *dataset, const char *load_id,
    const struct names *t)
{
	struct buf who = BUF_INIT;
	int64_t rows;
	int h, m;

	h = house_of(s)->hold(s, dataset, t->v, t->n, &who);
	if (h < 0)
		goto fail;
	if (h == 1) {
		log_err("load %s: %s holds it: not discarded (try again "
		    "when it ends)", load_id, who.p ? who.p :
		    "another stage-copy or stage-merge");
		buf_free(&who);
		return -1;
	}
	/* merged while we waited for nothing: checked under the hold */
	if ((m = is_merged(s, dataset, load_id)) != 0) {
		if (m > 0)
			log_err("load %s: merged into %s meanwhile: nothing to "
			    "discard", load_id, dataset);
		goto fail_txn;
	}
	if (discard_rows(s, dataset, load_id, t, &rows) < 0 ||
	    s->drv->exec(s, load_id, "COMMIT", NULL) < 0)
		goto fail_txn;
	log_warn("load %s: discarded %" PRId64 " staging row%s and the "
	    "records of its files from %s_staging (%zu table%s)", load_id,
	    rows, rows == 1 ? "" : "s", dataset, t->n, t->n == 1 ? "" : "s");
	buf_free(&who);
	return 0;
fail_txn:
	s->drv->rollback(s);
fail:
	log_err("load %s: not discarded (rolled back)", load_id);
	buf_free(&who);
	return -1;
}

int
house_discard(const struct dest_conf *c, const char *load_id)
{
	struct dest *d;
	struct sqldest *s;
	char **ds = NULL;
	size_t n = 0, found = 0;
	int status = EXIT_FAIL;

	if (!(d = c->ops->open(c)))
		return EXIT_FAIL;
	if (!(s = sql_of(d)) || house_of(s)->datasets(s, &ds, &n) < 0)
		goto out;
	status = 0;
	for (size_t i = 0; i < n && status == 0; i++) {
		struct names t = { 0 };
		int m;

		if ((m = has_files(s, ds[i])) <= 0) {
			if (m < 0)
				status = EXIT_FAIL;
			continue;
		}
		if (load_tables(s, ds[i], load_id, &t) < 0)
			status = EXIT_FAIL;
		else if (t.n && (m = is_merged(s, ds[i], load_id)) != 0) {
			if (m > 0)
				log_err("load %s: merged into %s: nothing to "
				    "discard (a merge clears its own staging "
				    "rows)", load_id, ds[i]);
			status = EXIT_FAIL;
		} else if (t.n && discard_in(s, ds[i], load_id, &t) < 0)
			status = EXIT_FAIL;
		found += t.n > 0;
		strv_free(t.v, t.n);
	}
	if (status == 0 && !found) {
		log_err("load %s: no staging dataset in %s records it: nothing "
		    "to discard (stage-merge --abandoned lists what is there)",
		    load_id, c->masked);
		status = EXIT_FAIL;
	}
out:
	strv_free(ds, n);
	d->ops->close(d);
	return status;
}

/* --- before a merge --- */

/* 1 if the named bookkeeping table of schema has a row of load_id. */
static int
has_load(struct sqldest *s, const char *schema, const char *table,
    const char *load_id)
{
	struct names t = { 0 };
	struct buf q = BUF_INIT;
	int r;

	if (!s->drv->table_exists(s, schema, table))
		return 0;
	buf_adds(&q, "SELECT load_id FROM ");
	sql_qname(&q, schema, table);
	buf_adds(&q, " WHERE load_id = ");
	param(&q, s, load_id);
	r = s->drv->rows(s, load_id, "query failed", q.p, load_id, name_row,
	    &t);
	if (r == 0)
		r = t.n > 0;
	strv_free(t.v, t.n);
	buf_free(&q);
	return r;
}

/* 1 if s records l (copied files, a merge, a pruned summary), 0 if not,
 * -1 after reporting. */
static int
knows_load(struct sqldest *s, const struct dload *l)
{
	struct buf st = BUF_INIT;
	int r;

	sql_staging_schema(&st, l->dataset);
	if ((r = reach(s, l->dataset)) == 0 &&
	    (r = has_load(s, st.p, "_stage_files", l->load_id)) == 0 &&
	    (r = has_load(s, st.p, "_stage_pruned", l->load_id)) == 0)
		r = has_load(s, l->dataset, "_dlt_loads", l->load_id);
	buf_free(&st);
	return r;
}

int
house_merge_ready(struct dest *d, const struct dload *l,
    const char *copied_to, const char *label)
{
	int r;

	if (!d->ops->house)
		return 0;
	if ((r = knows_load((struct sqldest *)d, l)) != 0)
		return r < 0 ? -1 : 0;
	if (copied_to && label && strcmp(copied_to, label) != 0)
		log_err("load %s: its files were copied to %s, and %s has "
		    "no record of them: merge there (stage-merge -D %s), or "
		    "stage-copy -D %s first; nothing changed", l->load_id,
		    copied_to, label, copied_to, label);
	else if (!copied_to)
		log_err("load %s: its lines have no \"copied\": this manifest "
		    "did not go through stage-copy, and %s has no record of "
		    "the load: run stage-copy first (stage-copy -D %s < "
		    "manifest | stage-merge); nothing changed", l->load_id,
		    label, label);
	else
		return 0;	/* copied here and lost: the merge says so */
	return -1;
}

/* --- --check --- */

int
house_check(struct dest_conf *c)
{
	struct buf who = BUF_INIT, out = BUF_INIT;
	int status = EXIT_FAIL;

	if (!c->ops->house) {
		log_err("%s: --check cannot ask this destination", c->masked);
		return EXIT_USAGE;
	}
	if (c->ops->house->check(c, &who) == 0) {
		buf_printf(&out, "reached %s: %s", c->ops->name, who.p);
		manifest_emit(&out);
		status = 0;
	} else {
		log_err("check: did not reach %s%s%s", c->masked,
		    who.p ? ": " : "", who.p ? who.p : "");
	}
	buf_free(&who);
	buf_free(&out);
	return status;
}

/* --- pruning --- */

int64_t
house_horizon(const char *s)
{
	char *end;
	long long v;
	int64_t unit = 1;

	if (!s || !*s)
		return -2;
	if (strcmp(s, "never") == 0)
		return -1;
	if (*s < '0' || *s > '9')
		return -2;
	v = strtoll(s, &end, 10);
	if (end == s || v < 0 || v > 100000000)
		return -2;
	if (*end && end[1])
		return -2;
	switch (*end) {
	case '\0': case 's': unit = 1; break;
	case 'm': unit = 60; break;
	case 'h': unit = 3600; break;
	case 'd': unit = 86400; break;
	default: return -2;
	}
	return (int64_t)v * unit;
}

int
house_prune_after(const char *opt, int64_t *horizon)
{
	struct config *cf = NULL;
	const char *v = opt, *what = "--prune-after";
	int r = 0;

	if (!v) {
		if (!(cf = config_load()))
			return -1;
		v = config_get(cf, "stage.prune_after");
		what = config_origin(cf, "stage.prune_after");
	}
	*horizon = v ? house_horizon(v) : HOUSE_PRUNE_DEFAULT;
	if (*horizon == -2) {
		log_err("%s: prune_after %s: expected an age (30d, 12h, 90m, "
		    "3600s) or never", what ? what : "stage.prune_after", v);
		r = -1;
	}
	config_free(cf);
	return r;
}

struct prune {
	const char *dataset;
	int64_t horizon;
	struct buf loads;	/* the subquery of the loads to prune */
	int64_t files;
};

static const char pruned_cols[] = "load_id text NOT NULL, table_name text "
    "NOT NULL, files bigint NOT NULL, rows bigint NOT NULL, PRIMARY KEY "
    "(load_id, table_name)";

static int
pruned_ddl(struct sqldest *s, const char *schema, const char *object)
{
	struct buf q = BUF_INIT;
	int r;

	buf_adds(&q, "CREATE TABLE IF NOT EXISTS ");
	sql_qname(&q, schema, "_stage_pruned");
	buf_printf(&q, " (%s)", pruned_cols);
	r = s->drv->exec(s, object, q.p, NULL);
	buf_free(&q);
	return r;
}

/* In the prune's transaction: staging rows the loads left (a merge
 * killed before it cleared them), then the summary, then the records. */
static int
prune_txn(struct sqldest *s, const void *arg, const char *object)
{
	const struct prune *p = arg;
	struct names t = { 0 };
	struct buf q = BUF_INIT, st = BUF_INIT;
	int r = -1;
	int64_t n = 0;

	sql_staging_schema(&st, p->dataset);
	buf_adds(&q, "SELECT DISTINCT table_name FROM ");
	sql_qname(&q, st.p, "_stage_files");
	buf_printf(&q, " WHERE load_id IN (%s)", p->loads.p);
	if (s->drv->rows(s, object, "cannot read _stage_files", q.p, NULL,
	    name_row, &t) < 0)
		goto out;
	for (size_t i = 0; i < t.n; i++) {
		if (!s->drv->table_exists(s, st.p, t.v[i]))
			continue;
		buf_reset(&q);
		buf_adds(&q, "DELETE FROM ");
		sql_qname(&q, st.p, t.v[i]);
		buf_adds(&q, " WHERE ");
		s->drv->dialect->file_of(&q, "\"_stage_row\"");
		buf_adds(&q, " IN (SELECT file_no FROM ");
		sql_qname(&q, st.p, "_stage_files");
		buf_printf(&q, " WHERE load_id IN (%s))", p->loads.p);
		if (s->drv->exec(s, t.v[i], q.p, NULL) < 0)
			goto out;
	}
	if (!s->drv->ddl_commits && pruned_ddl(s, st.p, object) < 0)
		goto out;	/* else made before the transaction */
	buf_reset(&q);
	buf_adds(&q, "INSERT INTO ");
	sql_qname(&q, st.p, "_stage_pruned");
	buf_adds(&q, " (load_id, table_name, files, rows) SELECT load_id, "
	    "table_name, count(*), sum(rows) FROM ");
	sql_qname(&q, st.p, "_stage_files");
	buf_printf(&q, " WHERE load_id IN (%s) GROUP BY load_id, table_name",
	    p->loads.p);
	if (s->drv->exec(s, object, q.p, NULL) < 0)
		goto out;
	buf_reset(&q);
	buf_adds(&q, "DELETE FROM ");
	sql_qname(&q, st.p, "_stage_files");
	buf_printf(&q, " WHERE load_id IN (%s)", p->loads.p);
	r = s->drv->exec(s, object, q.p, &n);
	if (r == 0 && n)
		log_verbose("%s: pruned the records of %" PRId64 " files of "
		    "loads merged more than %" PRId64 " s ago", p->dataset,
		    n, p->horizon);
out:
	strv_free(t.v, t.n);
	buf_free(&q);
	buf_free(&st);
	return r;
}

/* The prune's transaction where DDL commits (Snowflake): _stage_pruned
 * made first, then the rest in BEGIN ... COMMIT, which sqld_in_txn
 * leaves out there. */
static int
prune_ddl_first(struct sqldest *s, struct prune *p, const char *schema)
{
	if (pruned_ddl(s, schema, p->dataset) < 0 ||
	    s->drv->exec(s, p->dataset, s->drv->begin, NULL) < 0)
		return -1;
	if (prune_txn(s, p, p->dataset) < 0 ||
	    s->drv->exec(s, p->dataset, "COMMIT", NULL) < 0) {
		s->drv->rollback(s);
		return -1;
	}
	return 0;
}

int
house_prune(struct dest *d, const char *dataset, int64_t horizon)
{
	struct prune p = { dataset, horizon, BUF_INIT, 0 };
	struct buf st = BUF_INIT, q = BUF_INIT;
	struct sqldest *s;
	int64_t n = 0;
	int r = 0;

	if (horizon < 0 || !d->ops->house)
		return 0;
	s = (struct sqldest *)d;
	sql_staging_schema(&st, dataset);
	if (s->dry || reach(s, dataset) < 0 ||
	    !s->drv->table_exists(s, dataset, "_dlt_loads") ||
	    !s->drv->table_exists(s, st.p, "_stage_files"))
		goto out;
	buf_adds(&p.loads, "SELECT load_id FROM ");
	sql_qname(&p.loads, dataset, "_dlt_loads");
	buf_adds(&p.loads, " WHERE status = 0 AND ");
	house_of(s)->age(&p.loads, "inserted_at");
	buf_printf(&p.loads, " >= %" PRId64, horizon);
	/* nothing past the horizon (the usual case): no transaction */
	buf_adds(&q, "SELECT count(*) FROM ");
	sql_qname(&q, st.p, "_stage_files");
	buf_printf(&q, " WHERE load_id IN (%s)", p.loads.p);
	if ((r = s->drv->count(s, dataset, q.p, &n)) != 0 || n == 0)
		goto out;
	r = s->drv->ddl_commits ? prune_ddl_first(s, &p, st.p) :
	    sqld_in_txn(s, dataset, prune_txn, &p, st.p);
	if (r < 0)
		log_err("%s: pruning _stage_files failed (rolled back): the "
		    "loads are merged all the same", dataset);
out:
	buf_free(&p.loads);
	buf_free(&st);
	buf_free(&q);
	return r < 0 ? -1 : 0;
}
