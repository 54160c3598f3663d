/*
 * dest_postgres: PostgreSQL through libpq.
 *
 * Staging: schema <dataset>_staging, one table per manifest table with the
 * manifest's columns plus _stage_row (sql.h), which source.c writes in
 * front of every CSV row as it streams: no per-row work for the server.
 * _stage_files records each copied file; its primary key is what
 * makes a COPY happen once: the bookkeeping row is inserted first in the
 * file's transaction (ON CONFLICT DO NOTHING), so a second copier of the
 * same file waits for the first and then finds it done.
 *
 * dlt loads through the same staging tables: they fit both tools' rows
 * (staging_fit).
 *
 * Merge: <dataset>, dlt's _dlt_loads plus _stage_loads (rows per table of
 * each load, for the no-op re-run's output) and dlt's stored schema in
 * _dlt_version (dltschema.h), one transaction per load under
 * pg_advisory_xact_lock(hashtext('stage:' || dataset)).
 *
 * Types: text text, bigint bigint, double double precision, bool boolean,
 * timestamp timestamptz, date date, time time, decimal numeric, json
 * jsonb, binary bytea.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "config.h"
#include "dest.h"
#include "csvin.h"
#include "dltschema.h"
#include "interrupt.h"
#include "log.h"
#include "mask.h"
#include "pgbin.h"
#include "pgkeys.h"
#include "sha256.h"
#include "source.h"
#include "dest_sql.h"
#include "house.h"

struct pgdest {
	struct sqldest s;	/* s.dry: print what would change */
	PGconn *c;		/* NULL in a dry run that could not connect */
	int binary;		/* COPY in binary when the types allow */
	struct buf text_table;	/* "dataset\ttable" whose last file had to
				 * go as text: its next ones go so directly */
	PGcancel *cancel;	/* for interrupt.h: a signal cancels the */
	int cancel_slot;	/* statement in flight on the server */
};

static const char *const pg_types[] = {
	[CT_TEXT] = "text", [CT_BIGINT] = "bigint",
	[CT_DOUBLE] = "double precision", [CT_BOOL] = "boolean",
	[CT_TIMESTAMP] = "timestamp with time zone", [CT_DATE] = "date",
	[CT_TIME] = "time without time zone", [CT_DECIMAL] = "numeric",
	[CT_JSON] = "jsonb", [CT_BINARY] = "bytea"
};

static const struct sql_dialect pg_dialect = {
	pg_types, sql_file_shift, sql_new_id_tagged, SQL_ON_CONFLICT, "now()"
};

static const struct sql_driver pg_driver;

/* format_type() text -> our type; -1 for types we leave alone. */
static int pg_type_parse(const char *s);

/* The driver's decl_type. */
static enum coltype
decl_type(const char *decl)
{
	int t = pg_type_parse(decl);

	return t < 0 ? CT_NONE : (enum coltype)t;
}

/* The driver's tables_query: the dataset's tables (not ours) and
 * columns, in table order. */
static void
tables_query(struct buf *q, const char *dataset)
{
	buf_adds(q, "SELECT c.relname, a.attname, format_type(a.atttypid, "
	    "a.atttypmod), a.attnotnull FROM pg_class c JOIN pg_namespace n "
	    "ON n.oid = c.relnamespace JOIN pg_attribute a ON a.attrelid = "
	    "c.oid AND a.attnum > 0 AND NOT a.attisdropped WHERE n.nspname = ");
	sql_str(q, dataset);
	buf_adds(q, " AND c.relkind IN ('r', 'p') AND c.relname NOT LIKE "
	    "'\\_stage\\_%' ORDER BY c.relname COLLATE \"C\", a.attnum");
}

static int
pg_type_parse(const char *s)
{
	static const struct { const char *prefix; enum coltype t; } map[] = {
		{ "text", CT_TEXT }, { "character varying", CT_TEXT },
		{ "character", CT_TEXT },
		{ "bigint", CT_BIGINT }, { "integer", CT_BIGINT },
		{ "smallint", CT_BIGINT },
		{ "double precision", CT_DOUBLE }, { "real", CT_DOUBLE },
		{ "boolean", CT_BOOL },
		{ "timestamp", CT_TIMESTAMP }, { "date", CT_DATE },
		{ "time", CT_TIME }, { "numeric", CT_DECIMAL },
		{ "jsonb", CT_JSON }, { "json", CT_JSON },
		{ "bytea", CT_BINARY },
	};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strncmp(s, map[i].prefix, strlen(map[i].prefix)) == 0)
			return (int)map[i].t;
	return -1;
}

static void
quiet_notice(void *arg, const char *msg)
{
	(void)arg;
	log_verbose("postgres: %.*s", (int)strcspn(msg, "\n"), msg);
}

/* "why (CONTEXT)" of a failed result or of the connection. */
static void
pg_why(struct buf *b, PGconn *c, const PGresult *r)
{
	const char *m = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) :
	    NULL;

	if (!m)
		m = PQerrorMessage(c);
	buf_add(b, m, strcspn(m, "\n"));
}

static void
report(struct pgdest *d, const char *object, const char *what,
    const PGresult *r)
{
	struct buf b = BUF_INIT;
	const char *st = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	const char *hint = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_HINT) :
	    NULL;

	pg_why(&b, d->c, r);
	/* out of shared memory: the hint names the setting to raise */
	if (st && strcmp(st, "53200") == 0 && hint)
		buf_printf(&b, " (%.*s)", (int)strcspn(hint, "\n"), hint);
	log_err("%s: %s: %s", object, what, b.p ? b.p : "failed");
	buf_free(&b);
}

/* Runs a statement that changes something (printed in a dry run).
 * Returns 0 with *tuples set (affected rows), or -1 after reporting. */
static int
pg_do(struct sqldest *s, const char *object, const char *sql, int64_t *tuples)
{
	struct pgdest *d = (struct pgdest *)s;
	PGresult *r;
	int ok;

	if (tuples)
		*tuples = 0;
	if (d->s.dry) {
		dest_dry_sql(sql);
		return 0;
	}
	log_verbose("%s: %s", object, sql);
	r = PQexec(d->c, sql);
	ok = PQresultStatus(r) == PGRES_COMMAND_OK ||
	    PQresultStatus(r) == PGRES_TUPLES_OK;
	if (!ok) {
		report(d, object, "SQL failed", r);
		log_verbose("%s: the statement was: %s", object, sql);
	} else if (tuples) {
		*tuples = strtoll(PQcmdTuples(r), NULL, 10);
	}
	PQclear(r);
	return ok ? 0 : -1;
}

/* Runs a read-only query, also in a dry run when connected.  NULL after
 * reporting, or (dry run without a connection) with *none = 1. */
static PGresult *
pg_query(struct pgdest *d, const char *object, const char *sql, int *none)
{
	PGresult *r;

	*none = 0;
	if (!d->c) {
		*none = 1;
		return NULL;
	}
	log_verbose("%s: %s", object, sql);
	r = PQexec(d->c, sql);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		report(d, object, "query failed", r);
		PQclear(r);
		return NULL;
	}
	return r;
}

static void
rollback(struct sqldest *s)
{
	struct pgdest *d = (struct pgdest *)s;

	if (d->s.dry) {
		dest_dry_sql("ROLLBACK");
		return;
	}
	PQclear(PQexec(d->c, "ROLLBACK"));
}

/* Why PQconnectdb failed.  libpq's message for a connection string that
 * does not parse quotes the token it stumbled on, which may be (part of)
 * the password, so its quoted pieces are masked. */
static void
connect_why(struct buf *b, PGconn *c, const char *conninfo)
{
	PQconninfoOption *o;
	char *err = NULL;

	if ((o = PQconninfoParse(conninfo, &err)) != NULL) {
		PQconninfoFree(o);
		pg_why(b, c, NULL);
		return;
	}
	mask_quoted(b, err ? err : "out of memory");
	PQfreemem(err);
}

/* interrupt_fn: runs in a signal handler (PQcancel is safe there). */
static void
cancel_now(void *arg)
{
	char err[256];

	PQcancel(arg, err, sizeof err);
}

static void
cancel_disarm(struct pgdest *d)
{
	if (!d->cancel)
		return;
	if (interrupt_remove(d->cancel_slot))
		PQfreeCancel(d->cancel);
	d->cancel = NULL;
	d->cancel_slot = -1;
}

/* After every (re)connection: the cancel key is the backend's. */
static void
cancel_arm(struct pgdest *d)
{
	cancel_disarm(d);
	if ((d->cancel = PQgetCancel(d->c)) &&
	    (d->cancel_slot = interrupt_add(cancel_now, d->cancel)) < 0) {
		PQfreeCancel(d->cancel);
		d->cancel = NULL;
	}
}

/* Appends key='value' (libpq's conninfo quoting). */
static void
conninfo_add(struct buf *b, const char *key, const char *v)
{
	if (b->len)
		buf_addc(b, ' ');
	buf_printf(b, "%s='", key);
	for (; *v; v++) {
		if (*v == '\\' || *v == '\'')
			buf_addc(b, '\\');
		buf_addc(b, *v);
	}
	buf_addc(b, '\'');
}

/* The configuration as libpq's conninfo: a URL or keyword string as it
 * is, dlt's credential fields as keywords, else empty (libpq's PG*
 * environment and defaults). */
static int
pg_resolve(struct dest_conf *c, const struct dest_src *src)
{
	static const char *const fields[][2] = {
		{ "host", "host" }, { "port", "port" },
		{ "database", "dbname" }, { "username", "user" },
		{ "password", "password" },
	};
	struct buf b = BUF_INIT, m = BUF_INIT, k = BUF_INIT;
	int had = 0;

	if (src->url) {
		c->conninfo = xstrdup(src->url);
		c->masked = mask_conninfo(src->url, &had);
		return had;
	}
	if (!src->key) {
		c->conninfo = xstrdup("");
		c->masked = xstrdup(src->name);
		return 0;
	}
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		const char *v;
		buf_reset(&k);
		buf_printf(&k, "%s.%s", src->key, fields[i][0]);
		if (!(v = config_get(src->cf, k.p)))
			continue;
		conninfo_add(&b, fields[i][1], v);
		conninfo_add(&m, fields[i][1],
		    strcmp(fields[i][0], "password") ? v : "***");
	}
	c->conninfo = b.p ? b.p : xstrdup("");
	c->masked = m.p ? m.p : xstrdup("");
	buf_free(&k);
	return 0;
}

static struct dest *
pg_open(const struct dest_conf *conf)
{
	struct pgdest *d = xcalloc(1, sizeof *d);
	const char *fmt = getenv("STAGE_PG_COPY");

	/* binary unless told text: the test of the two paths' equality and
	 * the way around a server that would take binary badly */
	if (fmt && *fmt && strcmp(fmt, "text") && strcmp(fmt, "binary")) {
		log_err("STAGE_PG_COPY=%s: not text or binary", fmt);
		free(d);
		return NULL;
	}
	d->binary = !fmt || strcmp(fmt, "text") != 0;
	d->s.base.ops = &dest_postgres;
	d->s.base.conf = conf;
	d->s.drv = &pg_driver;
	d->s.dry = conf->dry_run;
	d->cancel_slot = -1;
	/* the program's name in pg_stat_activity, unless the connection
	 * string or PGAPPNAME names another */
	d->c = PQconnectdbParams((const char *const[]){ "dbname",
	    "fallback_application_name", NULL }, (const char *const[]){
	    conf->conninfo, log_prog(), NULL }, 1);
	if (PQstatus(d->c) != CONNECTION_OK) {
		struct buf b = BUF_INIT;
		connect_why(&b, d->c, conf->conninfo);
		PQfinish(d->c);
		d->c = NULL;
		if (d->s.dry) {
			log_warn("%s: cannot connect (%s): planning as if the "
			    "database were empty", conf->masked, b.p);
			buf_free(&b);
			return &d->s.base;
		}
		log_err("%s: cannot connect: %s", conf->masked, b.p);
		buf_free(&b);
		free(d);
		return NULL;
	}
	PQsetNoticeProcessor(d->c, quiet_notice, NULL);
	cancel_arm(d);
	PQclear(PQexec(d->c, "SET standard_conforming_strings = on"));
	if (d->s.dry)
		PQclear(PQexec(d->c, "SET default_transaction_read_only = on"));
	return &d->s.base;
}

static void
pg_close(struct dest *base)
{
	struct pgdest *d = (struct pgdest *)base;

	if (!d)
		return;
	cancel_disarm(d);
	if (d->c)
		PQfinish(d->c);
	sources_free(d->s.base.sources);
	buf_free(&d->text_table);
	free(d);
}

/* The load in pg_stat_activity: application_name "stage-copy <load id>"
 * while a load's files or merge run, unless the connection string or
 * PGAPPNAME named the connection otherwise (then it stays theirs). */
static void
app_name(struct pgdest *d, const char *load_id)
{
	const char *cur, *prog = log_prog();
	struct buf v = BUF_INIT, q = BUF_INIT;
	size_t n = strlen(prog);

	if (!d->c || d->s.dry ||
	    !(cur = PQparameterStatus(d->c, "application_name")) ||
	    strncmp(cur, prog, n) != 0 || (cur[n] && cur[n] != ' '))
		return;
	buf_printf(&v, "%s %s", prog, load_id);
	if (strncmp(cur, v.p, 63) != 0) {
		buf_adds(&q, "SELECT set_config('application_name', ");
		sql_str(&q, v.p);
		buf_adds(&q, ", false)");
		PQclear(PQexec(d->c, q.p));
	}
	buf_free(&v);
	buf_free(&q);
}

/* A lost connection is retried once per item, so that a server restart
 * fails the files in flight but not the rest of the run. */
static int
pg_alive(struct pgdest *d)
{
	if (!d->c || PQstatus(d->c) == CONNECTION_OK)
		return 0;
	PQreset(d->c);
	if (PQstatus(d->c) == CONNECTION_OK) {
		cancel_arm(d);
		PQclear(PQexec(d->c, "SET standard_conforming_strings = on"));
		return 0;
	}
	log_err("%s: connection lost: %s", d->s.base.conf->masked,
	    PQerrorMessage(d->c));
	return -1;
}

static void
lock_stmt(struct buf *b, const char *what, const char *schema)
{
	struct buf k = BUF_INIT;

	buf_printf(&k, "stage:%s:%s", what, schema);
	buf_adds(b, "SELECT pg_advisory_xact_lock(hashtext(");
	sql_str(b, k.p);
	buf_adds(b, "))");
	buf_free(&k);
}

/* The query for qname's columns (name, format_type), in table order. */
static void
columns_query(struct buf *q, const char *qname)
{
	buf_adds(q, "SELECT a.attname, format_type(a.atttypid, a.atttypmod)"
	    " FROM pg_attribute a WHERE a.attrelid = to_regclass(");
	sql_str(q, qname);
	buf_adds(q, ") AND a.attnum > 0 AND NOT a.attisdropped "
	    "ORDER BY a.attnum");
}

/* Columns of schema.name with their types; *n = 0 if the table does not
 * exist.  -1 after reporting. */
static int
columns_of(struct pgdest *d, const char *schema, const char *name,
    struct dtable *out, int *exists)
{
	struct buf q = BUF_INIT, qn = BUF_INIT;
	PGresult *r;
	int none;

	memset(out, 0, sizeof *out);
	*exists = 0;
	sql_qname(&qn, schema, name);
	columns_query(&q, qn.p);
	r = pg_query(d, name, q.p, &none);
	buf_free(&q);
	buf_free(&qn);
	if (!r)
		return none ? 0 : -1;
	*exists = PQntuples(r) > 0;
	out->cols = xcalloc((size_t)PQntuples(r) + 1, sizeof *out->cols);
	for (int i = 0; i < PQntuples(r); i++) {
		int t = pg_type_parse(PQgetvalue(r, i, 1));
		out->cols[out->ncols].name = xstrdup(PQgetvalue(r, i, 0));
		/* a type we do not know is never altered: CT_NONE */
		out->cols[out->ncols++].type = t < 0 ? CT_NONE : (enum coltype)t;
	}
	PQclear(r);
	return 0;
}

/* columns_of as the driver's columns (dest_sql.h) */
static int
pg_columns(struct sqldest *s, const char *schema, const char *name,
    struct dtable *out, int *exists)
{
	return columns_of((struct pgdest *)s, schema, name, out, exists);
}

/* Column c (of type from) as type to, for ALTER ... USING: exactly.  A
 * double goes through its text, which float8out writes with the shortest
 * digits that read back as the same double (extra_float_digits > 0, set
 * by the caller): float8's own cast to numeric keeps only 15 digits. */
static void
convert_expr(struct buf *b, const char *c, enum coltype from, enum coltype to)
{
	sql_ident(b, c);
	if (from == CT_DOUBLE && to != CT_TEXT)
		buf_adds(b, "::text");
	buf_printf(b, "::%s", pg_types[to]);
}

/* The driver's widen: ALTER COLUMN ... TYPE ... USING, each column from
 * a double after the setting that makes its text exact. */
static int
pg_widen(struct sqldest *s, const char *schema, const char *name,
    const struct dtable *have, const enum coltype *want, const char *object)
{
	struct buf b = BUF_INIT;
	int r = 0;

	for (size_t i = 0; i < have->ncols && r == 0; i++) {
		const struct dcol *c = &have->cols[i];

		if (want[i] == c->type)
			continue;
		if (c->type == CT_DOUBLE && pg_do(s, object,
		    "SET LOCAL extra_float_digits = 3", NULL) < 0) {
			r = -1;
			break;
		}
		buf_reset(&b);
		buf_adds(&b, "ALTER TABLE ");
		sql_qname(&b, schema, name);
		buf_adds(&b, " ALTER COLUMN ");
		sql_ident(&b, c->name);
		buf_printf(&b, " TYPE %s USING ", pg_types[want[i]]);
		convert_expr(&b, c->name, c->type, want[i]);
		r = pg_do(s, object, b.p, NULL);
	}
	buf_free(&b);
	return r;
}

/* The driver's staging_fit: _stage_row added when missing, and no
 * column of a staging table NOT NULL (stage's own are not). */
static int
staging_fit(struct sqldest *s, const char *schema, const char *name,
    const char *object)
{
	struct pgdest *d = (struct pgdest *)s;
	struct buf q = BUF_INIT, qn = BUF_INIT, b = BUF_INIT;
	PGresult *r = NULL;
	int none, rc = -1;

	sql_qname(&qn, schema, name);
	buf_adds(&q, "SELECT a.attname FROM pg_attribute a WHERE a.attrelid = "
	    "to_regclass(");
	sql_str(&q, qn.p);
	buf_adds(&q, ") AND a.attnum > 0 AND NOT a.attisdropped AND "
	    "a.attnotnull UNION ALL SELECT NULL WHERE NOT EXISTS (SELECT 1 "
	    "FROM pg_attribute a WHERE a.attrelid = to_regclass(");
	sql_str(&q, qn.p);
	buf_adds(&q, ") AND a.attname = '_stage_row' AND NOT "
	    "a.attisdropped) AND to_regclass(");
	sql_str(&q, qn.p);
	buf_adds(&q, ") IS NOT NULL");
	if (!(r = pg_query(d, object, q.p, &none))) {
		rc = none ? 0 : -1;
		goto out;
	}
	for (int i = 0; i < PQntuples(r); i++) {
		buf_reset(&b);
		buf_printf(&b, "ALTER TABLE %s ", qn.p);
		if (PQgetisnull(r, i, 0)) {
			buf_adds(&b, "ADD COLUMN IF NOT EXISTS ");
			buf_adds(&b, pg_driver.staging_extra);
		} else {
			buf_adds(&b, "ALTER COLUMN ");
			sql_ident(&b, PQgetvalue(r, i, 0));
			buf_adds(&b, " DROP NOT NULL");
		}
		if (pg_do(&d->s, object, b.p, NULL) < 0)
			goto out;
	}
	rc = 0;
out:
	PQclear(r);
	buf_free(&q);
	buf_free(&qn);
	buf_free(&b);
	return rc;
}

/* A _stage_files made before pgkeys' columns gets them. */
static int
keys_columns(struct pgdest *d, const struct dtable *t)
{
	struct buf q = BUF_INIT, s = BUF_INIT;
	PGresult *r;
	int none, rc = -1;

	sql_staging_schema(&s, t->dataset);
	pgkeys_missing(&q, s.p);
	if (!(r = pg_query(d, t->name, q.p, &none)))
		goto out;
	rc = 0;
	if (strcmp(PQgetvalue(r, 0, 0), "t") == 0) {
		buf_reset(&q);
		pgkeys_add(&q, s.p);
		rc = pg_do(&d->s, t->name, q.p, NULL);
	}
	PQclear(r);
out:
	buf_free(&q);
	buf_free(&s);
	return rc;
}

static int
pg_stage_prepare(struct dest *base, const struct dtable *t)
{
	struct pgdest *d = (struct pgdest *)base;

	if (pg_alive(d) < 0)
		return DEST_FATAL;
	if (sqld_stage_ddl(&d->s, t) < 0)
		return -1;
	return d->s.dry ? 0 : keys_columns(d, t);
}

/* The COPY's data path: libpq copies into its buffer and sends. */
static int
copy_sink(void *ctx, const void *p, size_t n)
{
	struct pgdest *d = ctx;

	while (n > 0) {
		int k = n > (1 << 30) ? (1 << 30) : (int)n;
		if (PQputCopyData(d->c, p, k) != 1)
			return -1;
		p = (const char *)p + k;
		n -= (size_t)k;
	}
	return 0;
}

/* "line 3, column age: ..." from COPY's CONTEXT, line numbers made to
 * count the file's own lines (JSONL files have no header row). */
static void
copy_error(struct pgdest *d, const struct dfile *f, const PGresult *r)
{
	const char *ctx = r ? PQresultErrorField(r, PG_DIAG_CONTEXT) : NULL;
	const char *at = NULL;
	struct buf b = BUF_INIT;

	/* COPY's own context line, not an input function's before it
	 * ("JSON data, line 1: ..." for jsonb) */
	while (ctx && !at) {
		if (strncmp(ctx, "COPY ", 5) == 0)
			at = strstr(ctx, ", line ");
		if ((ctx = strchr(ctx, '\n')))
			ctx++;
	}
	pg_why(&b, d->c, r);
	if (at) {
		long line = strtol(at + 7, NULL, 10);
		const char *rest = at + 7 + strspn(at + 7, "0123456789");
		if (f->format == FMT_JSONL)
			line--;
		log_err("%s: line %ld%.*s: %s", f->object, line,
		    (int)strcspn(rest, "\n"), rest, b.p);
	} else {
		log_err("%s: COPY failed: %s", f->object, b.p);
	}
	buf_free(&b);
}

static void
copy_stmt(struct buf *b, struct pgdest *d, const struct dfile *f, int bin)
{
	buf_adds(b, "COPY ");
	sql_staging_name(b, f->t.dataset, f->t.name);
	buf_adds(b, " (\"_stage_row\", ");
	sql_collist(b, &f->t, "");
	if (bin) {
		buf_adds(b, ") FROM STDIN WITH (FORMAT binary)");
		return;
	}
	/* HEADER MATCH (PostgreSQL 15) checks the header against the
	 * column list: a file whose columns are not the manifest's fails. */
	buf_printf(b, ") FROM STDIN WITH (FORMAT csv, HEADER %s)",
	    d->c && PQserverVersion(d->c) >= 150000 ? "MATCH" : "true");
}

/* --- binary COPY (pgbin.h) --- */

/* Inside the file's transaction: locks the staging table against
 * ALTERs (as COPY would), then reads the types of f's columns.  1 with
 * kinds[] set when every type is one pgbin takes, exactly as stage
 * creates it; 0 (load as text) otherwise; -1 after reporting. */
static int
bin_kinds(struct pgdest *d, const struct dfile *f, enum coltype *kinds)
{
	struct buf q = BUF_INIT, n = BUF_INIT;
	PGresult *r = NULL;
	int none, ok = 0;

	sql_staging_name(&n, f->t.dataset, f->t.name);
	buf_printf(&q, "LOCK TABLE %s IN ROW EXCLUSIVE MODE", n.p);
	if (pg_do(&d->s, f->object, q.p, NULL) < 0)
		goto out;
	buf_reset(&q);
	columns_query(&q, n.p);
	if (!(r = pg_query(d, f->object, q.p, &none))) {
		ok = none ? 0 : -1;
		goto out;
	}
	ok = 1;
	for (size_t i = 0; i < f->t.ncols && ok; i++) {
		ok = 0;
		for (int k = 0; k < PQntuples(r) && !ok; k++) {
			const char *ty = PQgetvalue(r, k, 1);
			if (strcmp(PQgetvalue(r, k, 0), f->t.cols[i].name))
				continue;
			for (int t = CT_TEXT; t <= CT_BINARY && !ok; t++)
				if (strcmp(ty, pg_types[t]) == 0 &&
				    pgbin_takes((enum coltype)t)) {
					kinds[i] = (enum coltype)t;
					ok = 1;
				}
		}
	}
out:
	PQclear(r);
	buf_free(&q);
	buf_free(&n);
	return ok;
}

struct binload {
	struct pgdest *d;
	const struct dfile *f;
	const enum coltype *kinds;
	struct buf out, tmp;
	int64_t file_no, row;
	int utc;
	int header;		/* the header row was seen */
	int refused;		/* a row this encoder does not take */
	int sink_failed;
	struct pgkeys keys;	/* the merge key's ascent (pgkeys.h) */
};

static int
bin_flush(struct binload *L)
{
	if (L->out.len && copy_sink(L->d, L->out.p, L->out.len) < 0) {
		L->sink_failed = 1;
		return -1;
	}
	buf_reset(&L->out);
	return 0;
}

static int
bin_row(void *ctx, const struct csvfield *v, size_t n, size_t line)
{
	struct binload *L = ctx;
	const struct dtable *t = &L->f->t;
	size_t mark = L->out.len;

	(void)line;
	if (n != t->ncols)
		goto refuse;
	if (!L->header) {
		for (size_t i = 0; i < n; i++)
			if (v[i].null || strcmp(v[i].p, t->cols[i].name))
				goto refuse;
		L->header = 1;
		return 0;
	}
	if (++L->row > SQL_ROW_MAX)
		goto refuse;
	pgbin_tuple(&L->out, (int)n + 1);
	pgbin_int8(&L->out, sql_row_tag(L->file_no, L->row));
	for (size_t i = 0, at; i < n; i++) {
		at = L->out.len;
		if (pgbin_field(&L->out, L->kinds[i], v[i].p, v[i].len,
		    v[i].null, L->utc) < 0)
			goto refuse;
		pgkeys_field(&L->keys, i, &L->out, at);
	}
	return L->out.len >= 65536 ? bin_flush(L) : 0;
refuse:
	L->out.len = mark;
	L->refused = 1;
	return -1;
}

/* A row of typed values (source_rows), as bin_row takes a CSV row. */
static int
bin_values(void *ctx, const struct fval *v, size_t n)
{
	struct binload *L = ctx;
	size_t mark = L->out.len;

	if (n != L->f->t.ncols || ++L->row > SQL_ROW_MAX)
		goto refuse;
	pgbin_tuple(&L->out, (int)n + 1);
	pgbin_int8(&L->out, sql_row_tag(L->file_no, L->row));
	for (size_t i = 0, at; i < n; i++) {
		at = L->out.len;
		if (pgbin_value(&L->out, L->kinds[i], &v[i], L->utc,
		    &L->tmp) < 0)
			goto refuse;
		pgkeys_field(&L->keys, i, &L->out, at);
	}
	return L->out.len >= 65536 ? bin_flush(L) : 0;
refuse:
	L->out.len = mark;
	L->refused = 1;
	return -1;
}

/* Typed rows go straight to binary when the file's format gives them
 * and every column's staging type is the manifest's (a typed value of
 * another type would be refused, a text value is what CSV would give). */
static int
typed_ok(const struct dfile *f, const enum coltype *kinds)
{
	if (!source_typed(f))
		return 0;
	for (size_t i = 0; i < f->t.ncols; i++)
		if (kinds[i] != f->t.cols[i].type)
			return 0;
	return 1;
}

static int
session_utc(PGconn *c)
{
	static const char *const utc[] = { "UTC", "Etc/UTC", "GMT",
	    "Etc/GMT", "UCT", "Etc/UCT", "Zulu", "Etc/Zulu", "Universal",
	    "Etc/Universal" };
	const char *tz = PQparameterStatus(c, "TimeZone");

	for (size_t i = 0; tz && i < sizeof utc / sizeof utc[0]; i++)
		if (strcmp(tz, utc[i]) == 0)
			return 1;
	return 0;
}

/* COPY's result after the data: the rows it loaded, or -1 (r kept in
 * *res for the caller to report). */
static int64_t
copy_result(struct pgdest *d, PGresult **res)
{
	PGresult *r = PQgetResult(d->c), *x;
	int64_t n = -1;

	if (PQresultStatus(r) == PGRES_COMMAND_OK)
		n = strtoll(PQcmdTuples(r), NULL, 10);
	while ((x = PQgetResult(d->c)))
		PQclear(x);
	*res = r;
	return n;
}

/* 0 if COPY loaded the rows the manifest says, else -1 after saying so
 * (the caller rolls back). */
static int
rows_match(const struct dfile *f, int64_t n)
{
	if (n == f->rows)
		return 0;
	log_err("%s: COPY loaded %lld rows, the manifest says %lld: rolled "
	    "back", f->object, (long long)n, (long long)f->rows);
	return -1;
}

/* The file's rows in binary.  0 when loaded (*keys: its merge key's
 * ascent), 1 when the file must be loaded as text instead (a value pgbin
 * does not take, or one the server refused: its text-mode message says
 * where), -1 after reporting. */
static int
copy_binary(struct pgdest *d, const struct dfile *f, int64_t file_no,
    const enum coltype *kinds, struct pgkeys *keys)
{
	struct binload L;
	struct csvin *c;
	struct buf b = BUF_INIT;
	PGresult *r;
	int64_t n;
	int src, sent, ret = 1;

	memset(&L, 0, sizeof L);
	L.d = d;
	L.f = f;
	L.kinds = kinds;
	L.file_no = file_no;
	L.utc = session_utc(d->c);
	pgkeys_start(&L.keys, f, kinds);
	copy_stmt(&b, d, f, 1);
	log_verbose("%s: %s", f->object, b.p);
	r = PQexec(d->c, b.p);
	buf_free(&b);
	if (PQresultStatus(r) != PGRES_COPY_IN) {
		PQclear(r);
		return 1;
	}
	PQclear(r);
	pgbin_header(&L.out);
	c = csvin_new(bin_row, &L);
	if (typed_ok(f, kinds)) {
		log_verbose("%s: rows read typed, no CSV in between",
		    f->object);
		L.header = 1;
		src = source_rows(&d->s.base.sources, f, bin_values, &L);
		sent = src == 0;
	} else {
		src = source_stream(&d->s.base.sources, f, -1, csvin_feed, c);
		sent = src == 0 && csvin_finish(c) == 0 && L.header;
	}
	if (sent) {
		pgbin_trailer(&L.out);
		sent = bin_flush(&L) == 0;
	}
	if (PQputCopyEnd(d->c, sent ? NULL : "stage-copy: loading as text") != 1)
		ret = -1;
	n = copy_result(d, &r);
	if (ret < 0 || L.sink_failed || PQstatus(d->c) != CONNECTION_OK) {
		report(d, f->object, "COPY failed", r);
		ret = -1;
	} else if (src < 0 && !L.refused && !csvin_error(c)) {
		ret = -1;	/* the source failed and said why */
	} else if (sent && n >= 0) {
		ret = rows_match(f, n);
	}
	if (ret == 1)
		log_verbose("%s: loading as text", f->object);
	*keys = L.keys;
	PQclear(r);
	csvin_free(c);
	buf_free(&L.out);
	buf_free(&L.tmp);
	return ret;
}

/* In the file's transaction: 2 when its rows were loaded in binary, 0
 * when its types call for text (go on in this transaction), 1 when a
 * value was refused (roll back and load it as text), -1 after
 * reporting. */
static int
copy_rows_binary(struct pgdest *d, const struct dfile *f, int64_t file_no)
{
	enum coltype *kinds = xcalloc(f->t.ncols + 1, sizeof *kinds);
	struct pgkeys keys;
	struct buf b = BUF_INIT;
	int r = bin_kinds(d, f, kinds);

	if (r == 1 && (r = copy_binary(d, f, file_no, kinds, &keys)) == 0) {
		r = 2;
		if (pgkeys_record(&b, &keys, f, file_no) &&
		    pg_do(&d->s, f->object, b.p, NULL) < 0)
			r = -1;
	}
	buf_free(&b);
	free(kinds);
	return r;
}

static int
copy_data(struct pgdest *d, const struct dfile *f, const char *sql,
    int64_t file_no)
{
	PGresult *r;
	int64_t n;
	int sent;

	r = PQexec(d->c, sql);
	if (PQresultStatus(r) != PGRES_COPY_IN) {
		report(d, f->object, "COPY failed", r);
		PQclear(r);
		return -1;
	}
	PQclear(r);
	sent = source_stream(&d->s.base.sources, f, file_no, copy_sink, d) ==
	    0;
	if (PQputCopyEnd(d->c, sent ? NULL : "stage-copy: source failed") != 1) {
		report(d, f->object, "COPY failed", NULL);
		return -1;
	}
	n = copy_result(d, &r);
	if (n < 0 && sent)
		copy_error(d, f, r);
	PQclear(r);
	return n >= 0 && sent ? rows_match(f, n) : -1;
}

/* Dry run: the COPY the real run sends, binary when every column's type
 * allows it (copy_rows_binary), as the staging table has it or will
 * once created; CSV otherwise. */
static void
dry_load(struct sqldest *s, const struct dfile *f)
{
	struct pgdest *d = (struct pgdest *)s;
	struct buf b = BUF_INIT;
	int bin = d->binary;

	for (size_t i = 0; bin && i < f->t.ncols; i++)
		bin = pgbin_takes(f->t.cols[i].type);
	if (bin) {
		buf_adds(&b, "LOCK TABLE ");
		sql_staging_name(&b, f->t.dataset, f->t.name);
		buf_adds(&b, " IN ROW EXCLUSIVE MODE");
		dest_dry_sql(b.p);
		buf_reset(&b);
	}
	copy_stmt(&b, d, f, bin);
	dest_dry_sql(b.p);
	buf_reset(&b);
	buf_printf(&b, "-- data: %s (%lld rows, each led by the file_no "
	    "of the row inserted above times 2^32 plus its row number%s)",
	    f->object,
	    (long long)f->rows, bin ? "; sent as CSV instead, after a "
	    "ROLLBACK and the same INSERT, if the staging table's types or "
	    "a value do not allow binary" : "");
	manifest_emit(&b);
	buf_free(&b);
}

static int table_exists(struct sqldest *s, const char *schema,
    const char *name);
static int keys_known(struct sqldest *s, const struct dtable *t,
    const char *load_id, struct buf *span, int say);

/* The driver's file_lock: COPY's own lock, taken first: stage-merge
 * --drop-staging locks the table before it looks whether it is empty,
 * and so waits for the file's transaction (rows, bookkeeping row and
 * all). */
static void
file_lock(struct buf *b, const struct dfile *f)
{
	buf_adds(b, "LOCK TABLE ");
	sql_staging_name(b, f->t.dataset, f->t.name);
	buf_adds(b, " IN ROW EXCLUSIVE MODE");
}

/* The driver's load: binary COPY when the types allow and no value of
 * this table was refused before, else CSV. */
static int
pg_load(struct sqldest *s, const struct dfile *f, int64_t file_no,
    int64_t *rows)
{
	struct pgdest *d = (struct pgdest *)s;
	struct buf b = BUF_INIT;
	int bin, r;

	buf_printf(&b, "%s\t%s", f->t.dataset, f->t.name);
	bin = d->binary && !(d->text_table.p &&
	    strcmp(d->text_table.p, b.p) == 0);
	if (bin && (bin = copy_rows_binary(d, f, file_no)) < 0) {
		buf_free(&b);
		return -1;
	}
	if (bin == 1) {		/* refused: again, as text */
		buf_reset(&d->text_table);
		buf_adds(&d->text_table, b.p);
		buf_free(&b);
		return 1;
	}
	*rows = f->rows;
	buf_reset(&b);
	if (bin == 2) {
		buf_free(&b);
		return 0;
	}
	copy_stmt(&b, d, f, 0);
	r = copy_data(d, f, b.p, file_no);
	buf_free(&b);
	return r;
}

static int
pg_copy_file(struct dest *base, const struct dfile *f, struct dcopied *res)
{
	struct pgdest *d = (struct pgdest *)base;
	struct buf s = BUF_INIT;
	int r = -1;

	memset(res, 0, sizeof *res);
	if (pg_alive(d) < 0)
		return -1;
	app_name(d, f->load_id);
	/* stage-merge --drop-staging may have dropped the (then empty)
	 * staging table since stage_prepare: make it again */
	sql_staging_schema(&s, f->t.dataset);
	if (d->s.dry || table_exists(&d->s, s.p, f->t.name) ||
	    pg_stage_prepare(base, &f->t) == 0)
		r = sqld_copy_file(&d->s, f, res);
	buf_free(&s);
	return r;
}

/* Dry run: the plan may precede the tables it would create. */
static int
table_exists(struct sqldest *s, const char *schema, const char *name)
{
	struct pgdest *d = (struct pgdest *)s;
	struct buf q = BUF_INIT, n = BUF_INIT;
	PGresult *r;
	int yes;

	if (!d->c)
		return 0;
	sql_qname(&n, schema, name);
	buf_adds(&q, "SELECT to_regclass(");
	sql_str(&q, n.p);
	buf_adds(&q, ") IS NOT NULL");
	r = PQexec(d->c, q.p);
	yes = PQresultStatus(r) == PGRES_TUPLES_OK &&
	    strcmp(PQgetvalue(r, 0, 0), "t") == 0;
	PQclear(r);
	buf_free(&q);
	buf_free(&n);
	return yes;
}

/* --- stage-merge --- */

/* Fresh COPYs leave the staging tables without statistics (autovacuum
 * comes later), and the merge's joins then get plans several times
 * slower: sample them first, the columns the merge uses (sql_analyze). */
static int
analyze_staging(struct pgdest *d, const struct dload *l,
    const struct merge_opts *o, const int *exact)
{
	struct buf b = BUF_INIT, s = BUF_INIT;
	int r = 0;

	sql_staging_schema(&s, l->dataset);
	for (size_t i = 0; i < l->nt && r == 0; i++) {
		if (exact[i] || (!d->s.dry &&
		    !table_exists(&d->s, s.p, l->t[i].name)))
			continue;	/* no join to plan; merged and dropped */
		buf_reset(&b);
		sql_analyze(&b, s.p, &l->t[i], o, 1);
		r = pg_do(&d->s, l->t[i].name, b.p, NULL);
	}
	buf_free(&b);
	buf_free(&s);
	return r;
}

/* The driver's not_null_query. */
static int
not_null_query(struct sqldest *s, struct buf *q, const char *schema,
    const char *name)
{
	struct buf qn = BUF_INIT;

	(void)s;
	sql_qname(&qn, schema, name);
	buf_adds(q, "SELECT a.attname FROM pg_attribute a WHERE "
	    "a.attrelid = to_regclass(");
	sql_str(q, qn.p);
	buf_adds(q, ") AND a.attnum > 0 AND NOT a.attisdropped AND "
	    "a.attnotnull AND NOT a.atthasdef ORDER BY a.attnum");
	buf_free(&qn);
	return 1;
}

/* 1 if the planner's idea of final table t's size is stale: never
 * sampled, sampled while it held no live rows (a killed merge leaves its
 * inserted rows dead, and autovacuum then records 0 rows in pages that
 * fill up again), or much smaller than the table is now.  A DELETE that
 * joins t with thinks it holds a row and loops over the staging rows
 * for each of its rows: minutes instead of a second. */
static int
final_stale(struct pgdest *d, const struct dtable *t)
{
	struct buf q = BUF_INIT, qn = BUF_INIT;
	PGresult *r;
	int none, stale = 0;

	sql_qname(&qn, t->dataset, t->name);
	buf_adds(&q, "SELECT c.reltuples < 0 OR (c.reltuples = 0 AND "
	    "pg_relation_size(c.oid) > 0) OR pg_relation_size(c.oid) / "
	    "current_setting('block_size')::bigint > 2 * c.relpages + 8 "
	    "FROM pg_class c WHERE c.oid = to_regclass(");
	sql_str(&q, qn.p);
	buf_addc(&q, ')');
	if ((r = pg_query(d, t->name, q.p, &none)) && PQntuples(r) == 1)
		stale = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
	PQclear(r);
	buf_free(&q);
	buf_free(&qn);
	return stale;
}

/* The merge disposition's DELETE joins the final table: it must be
 * planned on true sizes (final_stale). */
static int
analyze_final(struct pgdest *d, const struct dload *l, const int *exact)
{
	struct buf b = BUF_INIT;
	int r = 0;

	for (size_t i = 0; i < l->nt && r == 0; i++) {
		if (l->t[i].disp != DISP_MERGE || exact[i] ||
		    !final_stale(d, &l->t[i]))
			continue;
		buf_reset(&b);
		sql_analyze(&b, l->dataset, &l->t[i], NULL, 0);
		r = pg_do(&d->s, l->t[i].name, b.p, NULL);
	}
	buf_free(&b);
	return r;
}

/* A load's transaction locks every one of its tables (final, staging,
 * an index or two) until it commits, and PostgreSQL's lock table is
 * shared by all sessions and sized max_locks_per_transaction *
 * (max_connections + max_prepared_transactions): beyond it every
 * statement fails with "out of shared memory".  A load that cannot fit
 * is refused before anything changes, saying how to raise the limit. */
static int
locks_fit(struct pgdest *d, const struct dload *l)
{
	PGresult *r;
	long per, conns, prep, need = 3 * (long)l->nt + 16;
	int none, ok = 1;

	r = pg_query(d, l->load_id, "SELECT current_setting("
	    "'max_locks_per_transaction')::bigint, current_setting("
	    "'max_connections')::bigint, current_setting("
	    "'max_prepared_transactions')::bigint", &none);
	if (!r)
		return none ? 0 : -1;
	per = strtol(PQgetvalue(r, 0, 0), NULL, 10);
	conns = strtol(PQgetvalue(r, 0, 1), NULL, 10);
	prep = strtol(PQgetvalue(r, 0, 2), NULL, 10);
	PQclear(r);
	if (need > per * (conns + prep)) {
		log_err("load %s: its %zu tables need about %ld locks in one "
		    "transaction, more than the server's lock table holds "
		    "(max_locks_per_transaction %ld x (max_connections %ld + "
		    "max_prepared_transactions %ld) = %ld): raise "
		    "max_locks_per_transaction to at least %ld (ALTER SYSTEM "
		    "SET max_locks_per_transaction = %ld, then restart the "
		    "server), or split the load; nothing changed",
		    l->load_id, l->nt, need, per, conns, prep,
		    per * (conns + prep), need / (conns + prep) + 1,
		    2 * (need / (conns + prep) + 1));
		ok = 0;
	}
	return ok ? 0 : -1;
}

/* 1 when table i's merge joins nothing the planner could get wrong
 * without fresh statistics: a delete-insert whose keys pgkeys shows
 * unique and that deletes by their span (pgkeys.h) or has no final
 * table yet; its statements then scan the staging rows once with the
 * load's few _stage_files rows hashed.  -1 after reporting. */
static int
keys_exact(struct pgdest *d, const struct dload *l, size_t i,
    const struct merge_opts *o)
{
	const struct dtable *t = &l->t[i];
	struct buf span = BUF_INIT, s = BUF_INIT;
	int r;

	if (t->disp != DISP_MERGE || t->npk != 1 || t->nmk ||
	    o->strategy != MERGE_DELETE_INSERT)
		return 0;
	sql_staging_schema(&s, l->dataset);
	r = table_exists(&d->s, s.p, "_stage_files");
	buf_free(&s);
	if (r && (r = keys_known(&d->s, t, l->load_id, &span, 0)) == 1)
		r = span.len || !table_exists(&d->s, l->dataset, t->name);
	buf_free(&span);
	return r;
}

static int
pg_merge_prepare(struct dest *base, const struct dload *l,
    const struct merge_opts *o)
{
	struct pgdest *d = (struct pgdest *)base;
	int *exact, r = 0;

	/* the upsert's index is made in the merge */
	if (pg_alive(d) < 0)
		return DEST_FATAL;
	if (locks_fit(d, l) < 0 || sqld_final_fits(&d->s, l) < 0 ||
	    sqld_merge_ddl(&d->s, l) < 0)
		return -1;
	exact = xcalloc(l->nt + 1, sizeof *exact);
	for (size_t i = 0; i < l->nt && r == 0; i++)
		r = (exact[i] = keys_exact(d, l, i, o)) < 0 ? -1 : 0;
	if (r == 0 && analyze_staging(d, l, o, exact) < 0)
		r = -1;
	if (r == 0)
		r = analyze_final(d, l, exact);
	free(exact);
	return r;
}

/* The integer a one-row query (a count) answers, in *n: 0, 1 when a dry
 * run has no connection to ask, -1 after reporting. */
static int
pg_count(struct sqldest *s, const char *object, const char *sql, int64_t *n)
{
	struct pgdest *d = (struct pgdest *)s;
	PGresult *r;
	int none;

	if (!(r = pg_query(d, object, sql, &none)))
		return none ? 1 : -1;
	*n = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return 0;
}


/* The driver's rows (dest_sql.h): values inlined, param unused; a
 * failure is libpq's "query failed" whatever what says. */
static int
pg_rows(struct sqldest *s, const char *object, const char *what,
    const char *sql, const char *param, sqld_row_fn *row, void *arg)
{
	struct pgdest *d = (struct pgdest *)s;
	PGresult *r;
	const char **v;
	int none, rc = 0, nf;

	(void)param;
	(void)what;
	if (!(r = pg_query(d, object, sql, &none)))
		return none ? 1 : -1;
	nf = PQnfields(r);
	v = xcalloc((size_t)nf + 1, sizeof *v);
	for (int i = 0; i < PQntuples(r) && rc == 0; i++) {
		for (int k = 0; k < nf; k++)
			v[k] = PQgetisnull(r, i, k) ? NULL :
			    PQgetvalue(r, i, k);
		rc = row(arg, v, nf);
	}
	free(v);
	PQclear(r);
	return rc < 0 ? -1 : 0;
}

static int
span_row(void *arg, const char *const *v, int n)
{
	return pgkeys_span_row(arg, v, n);
}

/* 1 when t's keys in load_id are known unique from the files' key
 * ranges (pgkeys.h), their exact span then in span when there is one; 0
 * when not known (or a dry run has no connection to ask), -1 after
 * reporting.  A dry run asks too, for it prints the statements the
 * answer chooses; with say, it writes each question with what it
 * must answer. */
static int
keys_known(struct sqldest *s, const struct dtable *t, const char *load_id,
    struct buf *span, int say)
{
	struct buf q = BUF_INIT;
	struct pgspan sp;
	int64_t n = 1;
	int r;

	pgkeys_unique_query(&q, t, load_id);
	if (say)
		dest_dry_check(q.p, "0 means stage-copy recorded the range "
		    "of the keys of every file of %s with rows and no two "
		    "overlap: then no key occurs twice and the question "
		    "below is not asked", t->name);
	r = pg_count(s, t->name, q.p, &n);
	if (r == 0 && n == 0) {
		buf_reset(&q);
		pgkeys_span_query(&q, t, load_id);
		if (say)
			dest_dry_check(q.p, "the ranges: when each holds as "
			    "many keys as rows, the DELETE below reads %s's "
			    "final rows by them alone", t->name);
		pgkeys_span_start(&sp, span, t->pk[0]);
		if (pg_rows(s, t->name, NULL, q.p, NULL, span_row, &sp) < 0)
			r = -1;
		else
			pgkeys_span_end(&sp);
	}
	buf_free(&q);
	return r < 0 ? -1 : r == 0 && n == 0;
}

/* The driver's keys_known (dest_sql.h). */
static int
pg_keys_known(struct sqldest *s, const struct dtable *t, const char *load_id,
    struct buf *span)
{
	return keys_known(s, t, load_id, span, s->dry);
}

/* 1 if t's staging table holds no rows but this load's, which number
 * rows (checked before).  Takes the lock TRUNCATE needs first, so no
 * COPY can add rows after the count; a COPY in flight is waited for (it
 * needs no lock this transaction holds). */
static int
alone_in_staging(struct sqldest *s, const struct dtable *t, int64_t rows)
{
	struct pgdest *d = (struct pgdest *)s;
	struct buf b = BUF_INIT, sch = BUF_INIT;
	int64_t n;
	int alone = -1;

	sql_staging_schema(&sch, t->dataset);
	buf_adds(&b, "LOCK TABLE ");
	sql_qname(&b, sch.p, t->name);
	buf_adds(&b, " IN ACCESS EXCLUSIVE MODE");
	if (pg_do(&d->s, t->name, b.p, NULL) < 0)
		goto out;
	buf_reset(&b);
	buf_adds(&b, "SELECT count(*) FROM ");
	sql_qname(&b, sch.p, t->name);
	if ((alone = pg_count(&d->s, t->name, b.p, &n)) == 0)
		alone = n == rows;
	else if (alone == 1)
		alone = 0;
out:
	buf_free(&b);
	buf_free(&sch);
	return alone;
}

static int
pg_merge_load(struct dest *base, const struct dload *l,
    const struct merge_opts *o, int64_t *merged, int *already)
{
	struct pgdest *d = (struct pgdest *)base;

	if (pg_alive(d) < 0)
		return DEST_FATAL;
	app_name(d, l->load_id);
	return sqld_merge_load(&d->s, l, o, merged, already);
}

static int
pg_drop_staging(struct dest *base, const char *dataset)
{
	struct pgdest *d = (struct pgdest *)base;

	if (pg_alive(d) < 0)
		return DEST_FATAL;
	return sqld_drop_staging(&d->s, dataset);
}

/* The driver's staging_tables. */
static int
staging_tables(struct sqldest *s, struct buf *q, const char *schema)
{
	(void)s;
	buf_adds(q, "SELECT tablename FROM pg_tables WHERE schemaname = ");
	sql_str(q, schema);
	buf_adds(q, " AND tablename <> '_stage_files' ORDER BY tablename");
	return 1;
}

/* The driver's lock_table: TRUNCATE's and DROP's lock, which waits for
 * a COPY in flight (file_lock). */
static void
lock_table(struct buf *b, const char *qname)
{
	buf_printf(b, "LOCK TABLE %s IN ACCESS EXCLUSIVE MODE", qname);
}

/* --- housekeeping (house.h) --- */

static int
pg_datasets(struct sqldest *s, char ***v, size_t *n)
{
	struct pgdest *d = (struct pgdest *)s;
	PGresult *r;
	int none;

	r = pg_query(d, "datasets", "SELECT substr(n.nspname, 1, "
	    "length(n.nspname) - 8) FROM pg_namespace n JOIN pg_class c ON "
	    "c.relnamespace = n.oid WHERE c.relname = '_stage_files' AND "
	    "n.nspname LIKE '%\\_staging' ORDER BY 1", &none);
	if (!r)
		return none ? 0 : -1;
	for (int i = 0; i < PQntuples(r); i++) {
		*v = xrealloc(*v, (*n + 1) * sizeof **v);
		(*v)[(*n)++] = xstrdup(PQgetvalue(r, i, 0));
	}
	PQclear(r);
	return 0;
}

static void
pg_age(struct buf *q, const char *e)
{
	buf_printf(q, "CAST(EXTRACT(EPOCH FROM (now() - %s)) AS bigint)", e);
}

/* 1 when a process other than ours holds a lock of mode on one of the
 * tables of schema: said in who. */
static int
held_by_other(struct pgdest *d, const char *schema, char *const *tables,
    size_t n, struct buf *who)
{
	struct buf q = BUF_INIT;
	int64_t k = 0;
	int r;

	buf_adds(&q, "SELECT count(*) FROM pg_locks l JOIN pg_class c ON "
	    "c.oid = l.relation JOIN pg_namespace n ON n.oid = "
	    "c.relnamespace WHERE l.pid <> pg_backend_pid() AND l.mode = "
	    "'RowExclusiveLock' AND n.nspname = ");
	sql_str(&q, schema);
	buf_adds(&q, " AND c.relname IN ('_stage_files'");
	for (size_t i = 0; i < n; i++) {
		buf_adds(&q, ", ");
		sql_str(&q, tables[i]);
	}
	buf_addc(&q, ')');
	r = pg_count(&d->s, schema, q.p, &k);
	if (r == 0 && k > 0) {
		buf_printf(who, "a stage-copy (or another writer) into %s",
		    schema);
		r = 1;
	}
	buf_free(&q);
	return r;
}

/* Without waiting: the dataset's merge lock (lock_stmt's, as
 * pg_try_advisory_xact_lock), no COPY in flight into the load's staging
 * tables, then those tables locked against new COPYs until COMMIT. */
static int
pg_hold(struct sqldest *s, const char *dataset, char *const *tables,
    size_t n, struct buf *who)
{
	struct pgdest *d = (struct pgdest *)s;
	struct buf q = BUF_INIT, st = BUF_INIT, k = BUF_INIT;
	int64_t busy = 0;
	int r = -1;

	sql_staging_schema(&st, dataset);
	buf_printf(&k, "stage:merge:%s", dataset);
	buf_adds(&q, "SELECT CASE WHEN pg_try_advisory_xact_lock(hashtext(");
	sql_str(&q, k.p);
	buf_adds(&q, ")) THEN 0 ELSE 1 END");
	if (pg_do(s, dataset, "BEGIN", NULL) < 0)
		goto out;
	if (pg_count(s, dataset, q.p, &busy) != 0)
		goto fail;
	if (busy) {
		buf_printf(who, "a stage-merge of %s", dataset);
		r = 1;
		goto fail;
	}
	if ((r = held_by_other(d, st.p, tables, n, who)) != 0)
		goto fail;
	buf_reset(&q);
	buf_adds(&q, "LOCK TABLE ");
	sql_qname(&q, st.p, "_stage_files");
	for (size_t i = 0; i < n; i++)
		if (table_exists(s, st.p, tables[i])) {
			buf_adds(&q, ", ");
			sql_qname(&q, st.p, tables[i]);
		}
	buf_adds(&q, " IN SHARE ROW EXCLUSIVE MODE");
	if ((r = pg_do(s, dataset, q.p, NULL)) == 0)
		goto out;
fail:
	rollback(s);
out:
	buf_free(&q);
	buf_free(&st);
	buf_free(&k);
	return r;
}

static int
pg_check(const struct dest_conf *c, struct buf *out)
{
	struct pgdest *d = (struct pgdest *)pg_open(c);
	const char *host, *ver;
	PGresult *r;
	int none;

	if (!d)
		return -1;	/* said "cannot connect: why" */
	host = PQhost(d->c);
	ver = PQparameterStatus(d->c, "server_version");
	buf_printf(out, "user %s, database %s, host %s, port %s (PostgreSQL "
	    "%s)", PQuser(d->c), PQdb(d->c), host ? host : "?", PQport(d->c),
	    ver ? ver : "?");
	if ((r = pg_query(d, "check", "SELECT pg_is_in_recovery()", &none))) {
		if (strcmp(PQgetvalue(r, 0, 0), "t") == 0)
			buf_adds(out, "; a read-only standby: stage-copy and "
			    "stage-merge need the primary");
		PQclear(r);
	}
	pg_close(&d->s.base);
	return 0;
}

const struct dest_house house_postgres = {
	.datasets = pg_datasets, .attach = NULL, .age = pg_age,
	.hold = pg_hold, .check = pg_check,
};

/* The shared SQL layer's driver (dest_sql.h). */
static const struct sql_driver pg_driver = {
	.dialect = &pg_dialect, .param = NULL,
	.begin = "BEGIN", .rollback = rollback,
	.lock = lock_stmt, .schemas = 1,
	.staging_fit = staging_fit,
	.files_cols = "load_id text NOT NULL, table_name text NOT NULL, "
	    "file_id text NOT NULL, file_no bigint GENERATED ALWAYS AS "
	    "IDENTITY UNIQUE, seq bigint NOT NULL, sha256 text, rows bigint "
	    "NOT NULL, copied_at timestamp with time zone NOT NULL DEFAULT "
	    "now(), " PGKEYS_COLS ", PRIMARY KEY (load_id, table_name, "
	    "file_id)",
	.exec = pg_do, .count = pg_count,
	.rows = pg_rows, .table_exists = table_exists,
	.columns = pg_columns, .evolve = sqld_evolve,
	.widen = pg_widen, .add_column = "ADD COLUMN IF NOT EXISTS ",
	.tables_query = tables_query, .decl_type = decl_type,
	.version_now = "clock_timestamp()",
	/* cleared in the merge's transaction: TRUNCATE (transactional
	 * here) when nothing else is left */
	.clear_after_commit = 0, .alone = alone_in_staging,
	.empty = "TRUNCATE ",
	.empty_note = "TRUNCATE instead when no other load's rows remain",
	/* nullable: dlt loads its own rows into the same staging table
	 * (see staging_fit), and they carry no _stage_row */
	.staging_extra = "\"_stage_row\" bigint",
	.final_extra = "\"_dlt_load_id\" character varying NOT NULL, "
	    "\"_dlt_id\" character varying NOT NULL",
	.loads_cols = "load_id character varying NOT NULL, schema_name "
	    "character varying, status bigint NOT NULL, inserted_at timestamp "
	    "with time zone NOT NULL, schema_version_hash character varying",
	.stage_loads_cols = "load_id text NOT NULL, table_name text NOT NULL, "
	    "rows bigint NOT NULL, PRIMARY KEY (load_id, table_name)",
	.version_cols = "version bigint NOT NULL, engine_version bigint NOT "
	    "NULL, inserted_at timestamp with time zone NOT NULL, schema_name "
	    "character varying NOT NULL, version_hash character varying NOT "
	    "NULL, schema character varying NOT NULL",
	/* clock_timestamp(), after the lock: the order of inserted_at is the
	 * commit order */
	.record_now = "clock_timestamp()",
	.index_in_schema = 0,
	.file_lock = file_lock, .load = pg_load, .dry_load = dry_load,
	/* hash joins and the dedup sort spill to disk at the default 4MB;
	 * never lowers a larger setting */
	.dup_check = 1, .keys_known = pg_keys_known,
	.merge_setup = "SELECT set_config('work_mem', '65536kB', true) FROM "
	    "pg_settings WHERE name = 'work_mem' AND setting::bigint < 65536",
	.not_null_query = not_null_query, .not_null_alter = 1,
	.staging_tables = staging_tables, .lock_table = lock_table,
};

static const char *const pg_schemes[] = { "postgres", "postgresql", NULL };

const struct dest_ops dest_postgres = {
	"postgres",
	pg_schemes,
	0,
	pg_open,
	pg_close,
	pg_stage_prepare,
	pg_copy_file,
	pg_merge_prepare,
	pg_merge_load,
	pg_drop_staging,
	63,		/* NAMEDATALEN - 1 */
	0,
	pg_resolve,
	&house_postgres,
	NULL,		/* copy_batch: one transaction per file */
};
