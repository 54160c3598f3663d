/*
 * dest_sqlite: the embedded default destination, SQLite.
 *
 * Layout: the database named by -D (sqlite:///abs/path.db,
 * sqlite://relative.db, a plain path from the config, else
 * $STAGE_SQLITE_PATH, else ./stage.db) is the catalog.  Each dataset and
 * its staging dataset are separate database files beside it, named as
 * dlt's sqlalchemy destination names them, so that dlt pointed at the
 * same database finds them: <dir>/<stem>__<dataset><suffix> and
 * <dir>/<stem>__<dataset>_staging<suffix> for the catalog
 * <dir>/<stem><suffix> (stage.db: stage__ds.db; bytes outside
 * [A-Za-z0-9_-] written %XX), ATTACHed under the dataset's name so that
 * "ds"."t" and "ds_staging"."t" read as in PostgreSQL.  The catalog's
 * _stage_schemas table lists them for readers, and a dataset it lists
 * keeps that file (older versions named them <dataset>.db).
 *
 * Atomicity: every transaction writes one file, so that it is atomic in
 * any journal mode: dlt keeps its files in WAL mode, where a commit
 * across attached files is not atomic, and stage leaves each file's mode
 * as it finds it (a new file gets SQLite's rollback journal).  A copy
 * writes the staging file; a merge commits the dataset file (final rows,
 * _dlt_loads, _stage_loads, _dlt_version), then deletes the load's
 * staging rows in a transaction of its own: a kill between the two
 * leaves staging rows of a recorded load, which no merge reads and the
 * re-run deletes.  synchronous=FULL, so that a power cut, not only a
 * kill, leaves the files whole.
 *
 * Locking: every write transaction is BEGIN IMMEDIATE, which takes the
 * write lock of every attached file at once: merges and copies serialize,
 * and a second writer waits up to $STAGE_SQLITE_BUSY_TIMEOUT ms (default
 * 60000) and then fails with "database is locked".  A file that cannot be
 * written is refused before anything is changed.
 *
 * Loading: the staged object comes from source.h as CSV, is parsed by
 * csvin.h and inserted with one prepared statement per file, in one
 * transaction with its bookkeeping row in <dataset>_staging._stage_files
 * (whose rowid is the file_no that tags the rows: sql.h).  The tags are
 * bound as integers, not taken from source.h's CSV tags: parsing them
 * back would cost more than binding them.
 * SQLite stores any value in any column, so every value is checked
 * against its column's type here, as PostgreSQL's COPY would: a value
 * that does not fit rolls the file back and names the line and column.
 *
 * Types (declared type; affinity): text TEXT, bigint INTEGER, double
 * REAL, bool BOOLEAN (stored 0/1), timestamp TIMESTAMP, date DATE, time
 * TIME (ISO 8601 text), decimal "DECIMAL TEXT" and json "JSON TEXT" (TEXT
 * affinity, so that 1.50 and big numbers keep their digits), binary BLOB.
 * SQLite has no ALTER COLUMN: a widened column is rebuilt (new table,
 * INSERT SELECT with the conversion, DROP, RENAME, the table's indexes
 * and triggers made again) in the DDL step (stage-copy) or the merge's
 * transaction (final tables), so the declared types stay right for
 * readers.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "config.h"
#include "csvin.h"
#include "dltschema.h"
#include "dest.h"
#include "json.h"
#include "log.h"
#include "mask.h"
#include "sha256.h"
#include "source.h"
#include "dest_sql.h"
#include "house.h"

#define MAX_ATTACHED 8		/* below SQLite's default limit of 10 */

struct sqdest {
	struct sqldest s;	/* s.dry: print what would change */
	sqlite3 *db;		/* NULL: dry run without a database file */
	char *path;		/* the catalog file */
	char *dir;		/* its directory, "/"-terminated or "" */
	char *att[MAX_ATTACHED];	/* attached schema names */
	size_t natt;
	char **shown;		/* dry run: schemas whose ATTACH is printed */
	size_t nshown;
	int busy_ms;
};

static const char *const sq_types[] = {
	[CT_TEXT] = "TEXT", [CT_BIGINT] = "INTEGER", [CT_DOUBLE] = "REAL",
	[CT_BOOL] = "BOOLEAN", [CT_TIMESTAMP] = "TIMESTAMP", [CT_DATE] = "DATE",
	[CT_TIME] = "TIME", [CT_DECIMAL] = "DECIMAL TEXT",
	[CT_JSON] = "JSON TEXT", [CT_BINARY] = "BLOB"
};

static const struct sql_dialect sq_dialect = {
	sq_types, sql_file_shift, sql_new_id_tagged, SQL_ON_CONFLICT,
	"strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"
};

static const struct sql_driver sq_driver;

/* Declared type -> our type; CT_NONE for a type we did not make. */
static enum coltype
sq_type_parse(const char *s)
{
	for (int i = CT_TEXT; i <= CT_BINARY; i++)
		if (strcmp(s, sq_types[i]) == 0)
			return (enum coltype)i;
	return CT_NONE;
}

/* --- statements --- */

/* "object: what: why", with the busy and read-only cases spelled out. */
static void
report(struct sqdest *d, const char *object, const char *what)
{
	int e = sqlite3_extended_errcode(d->db);

	if ((e & 0xff) == SQLITE_BUSY)
		log_err("%s: %s: database is locked by another writer (waited "
		    "%d ms, STAGE_SQLITE_BUSY_TIMEOUT): nothing changed",
		    object, what, d->busy_ms);
	else if ((e & 0xff) == SQLITE_READONLY)
		log_err("%s: %s: %s (file permissions?): nothing changed",
		    object, what, sqlite3_errmsg(d->db));
	else
		log_err("%s: %s: %s", object, what, sqlite3_errmsg(d->db));
}

/* Runs statements that change something (printed in a dry run).
 * *changes gets the rows the last one changed.  -1 after reporting. */
static int
sq_do(struct sqldest *s, const char *object, const char *sql, int64_t *changes)
{
	struct sqdest *d = (struct sqdest *)s;

	if (changes)
		*changes = 0;
	if (d->s.dry) {
		dest_dry_sql(sql);
		return 0;
	}
	log_verbose("%s: %s", object, sql);
	if (sqlite3_exec(d->db, sql, NULL, NULL, NULL) != SQLITE_OK) {
		report(d, object, "SQL failed");
		log_verbose("%s: the statement was: %s", object, sql);
		return -1;
	}
	if (changes)
		*changes = (int64_t)sqlite3_changes64(d->db);
	return 0;
}

/* A read-only query, also in a dry run when there is a database.  NULL
 * after reporting. */
static sqlite3_stmt *
sq_prep(struct sqdest *d, const char *object, const char *sql)
{
	sqlite3_stmt *st = NULL;

	log_verbose("%s: %s", object, sql);
	if (sqlite3_prepare_v2(d->db, sql, -1, &st, NULL) != SQLITE_OK) {
		report(d, object, "query failed");
		return NULL;
	}
	return st;
}

static void
rollback(struct sqldest *s)
{
	struct sqdest *d = (struct sqdest *)s;

	if (d->s.dry)
		dest_dry_sql("ROLLBACK");
	else if (d->db && !sqlite3_get_autocommit(d->db))
		sqlite3_exec(d->db, "ROLLBACK", NULL, NULL, NULL);
}

/* --- files and attachments --- */

/* The file of a new schema, named as dlt's sqlalchemy destination names
 * it beside the same database: <dir><stem>__<name><suffix> for the
 * catalog <dir><stem><suffix> (stage.db: stage__<name>.db), unsafe bytes
 * of the name as %XX. */
static char *
schema_file(const struct sqdest *d, const char *schema)
{
	const char *base = d->path + strlen(d->dir);
	const char *dot = strrchr(base, '.');
	struct buf b = BUF_INIT;

	if (!dot || dot == base)
		dot = base + strlen(base);
	buf_adds(&b, d->dir);
	buf_add(&b, base, (size_t)(dot - base));
	buf_adds(&b, "__");
	for (const unsigned char *p = (const unsigned char *)schema; *p; p++)
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '_' || *p == '-')
			buf_addc(&b, (char)*p);
		else
			buf_printf(&b, "%%%02X", *p);
	buf_adds(&b, dot);
	return b.p;
}

/* The file the catalog records for schema (a dataset stage made before,
 * under whatever name it had then), else schema_file's. */
static char *
known_file(struct sqdest *d, const char *schema)
{
	sqlite3_stmt *st = NULL;
	char *file = NULL;

	if (d->db && sqlite3_prepare_v2(d->db, "SELECT file FROM "
	    "main._stage_schemas WHERE name = ?1", -1, &st, NULL) ==
	    SQLITE_OK) {
		sqlite3_bind_text(st, 1, schema, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW) {
			struct buf b = BUF_INIT;
			buf_adds(&b, d->dir);
			buf_adds(&b, (const char *)sqlite3_column_text(st, 0));
			file = b.p;
		}
	}
	sqlite3_finalize(st);
	return file ? file : schema_file(d, schema);
}

static int
is_attached(const struct sqdest *d, const char *schema)
{
	for (size_t i = 0; i < d->natt; i++)
		if (strcmp(d->att[i], schema) == 0)
			return 1;
	return 0;
}

static void
detach_all(struct sqdest *d)
{
	for (size_t i = 0; i < d->natt; i++) {
		sqlite3_stmt *st;
		if (sqlite3_prepare_v2(d->db, "DETACH DATABASE ?", -1, &st,
		    NULL) == SQLITE_OK) {
			sqlite3_bind_text(st, 1, d->att[i], -1, SQLITE_STATIC);
			sqlite3_step(st);
			sqlite3_finalize(st);
		}
		free(d->att[i]);
	}
	d->natt = 0;
}

/* Full sync, and the journal mode left as the file has it (a new file:
 * SQLite's rollback journal; dlt keeps its files in WAL): every
 * transaction writes one file, see the top of the file. */
static int
set_journal(struct sqdest *d, const char *schema, const char *object)
{
	struct buf b = BUF_INIT;
	int r;

	buf_adds(&b, "PRAGMA ");
	sql_ident(&b, schema);
	buf_adds(&b, ".synchronous = FULL");
	r = sq_do(&d->s, object, b.p, NULL);
	buf_free(&b);
	return r;
}

/* Records schema -> file in the catalog (once). */
static int
catalog_add(struct sqdest *d, const char *schema, const char *file)
{
	sqlite3_stmt *st = NULL;
	const char *base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
	int r = -1, rc;

	if (!(st = sq_prep(d, schema, "SELECT 1 FROM main._stage_schemas "
	    "WHERE name = ?1")))
		return -1;
	sqlite3_bind_text(st, 1, schema, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 0;
	if (!(st = sq_prep(d, schema, "INSERT OR IGNORE INTO "
	    "main._stage_schemas (name, file) VALUES (?1, ?2)")))
		return -1;
	sqlite3_bind_text(st, 1, schema, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, base, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		report(d, schema, "cannot record the file in the catalog");
	else
		r = 0;
	sqlite3_finalize(st);
	return r;
}

/* Dry run: the ATTACH and the journal settings, once per schema. */
static void
dry_attach(struct sqdest *d, const char *schema, const char *file)
{
	struct buf b = BUF_INIT;

	for (size_t i = 0; i < d->nshown; i++)
		if (strcmp(d->shown[i], schema) == 0)
			return;
	d->shown = xrealloc(d->shown, (d->nshown + 1) * sizeof *d->shown);
	d->shown[d->nshown++] = xstrdup(schema);
	buf_adds(&b, "ATTACH DATABASE ");
	sql_str(&b, file);
	buf_adds(&b, " AS ");
	sql_ident(&b, schema);
	dest_dry_sql(b.p);
	buf_reset(&b);
	buf_adds(&b, "PRAGMA ");
	sql_ident(&b, schema);
	buf_adds(&b, ".synchronous = FULL");
	dest_dry_sql(b.p);
	buf_reset(&b);
	buf_adds(&b, "INSERT OR IGNORE INTO main._stage_schemas (name, file) "
	    "VALUES (");
	sql_str(&b, schema);
	buf_adds(&b, ", ");
	sql_str(&b, strrchr(file, '/') ? strrchr(file, '/') + 1 : file);
	buf_addc(&b, ')');
	dest_dry_sql(b.p);
	buf_free(&b);
}

/* ATTACHes schema's file under its name.  Returns 0; 1 in a dry run when
 * the file does not exist (plan as if empty); -1 after reporting. */
static int
attach(struct sqdest *d, const char *schema)
{
	char *file;
	sqlite3_stmt *st = NULL;
	int r = -1;

	if (is_attached(d, schema))
		return 0;
	file = known_file(d, schema);
	if (strcmp(file, d->path) == 0) {
		log_err("%s: the dataset's file %s is the catalog database "
		    "itself: choose another -D path or dataset name", schema,
		    file);
		goto out;
	}
	if (d->s.dry)
		dry_attach(d, schema, file);
	if (d->s.dry && (!d->db || access(file, F_OK) != 0)) {
		r = 1;
		goto out;
	}
	if (d->natt == MAX_ATTACHED)
		detach_all(d);
	if (!(st = sq_prep(d, schema, "ATTACH DATABASE ?1 AS ?2")))
		goto out;
	sqlite3_bind_text(st, 1, file, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, schema, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		log_err("%s: cannot open %s: %s", schema, file,
		    sqlite3_errmsg(d->db));
		goto out;
	}
	d->att[d->natt++] = xstrdup(schema);
	if (d->s.dry) {
		r = 0;
		goto out;
	}
	if (sqlite3_db_readonly(d->db, schema) == 1) {
		log_err("%s: %s is read-only (file permissions): nothing "
		    "changed", schema, file);
		goto out;
	}
	if (set_journal(d, schema, schema) < 0 ||
	    catalog_add(d, schema, file) < 0)
		goto out;
	r = 0;
out:
	sqlite3_finalize(st);
	free(file);
	return r;
}

static int
attach_staging(struct sqdest *d, const char *dataset, struct buf *s)
{
	sql_staging_schema(s, dataset);
	return attach(d, s->p);
}

/* --- open and close --- */

/* The catalog's path: a sqlite:// URL's, a plain path, the credentials
 * table's "database", else $STAGE_SQLITE_PATH, else stage.db. */
static int
sq_resolve(struct dest_conf *c, const struct dest_src *src)
{
	const char *env = getenv("STAGE_SQLITE_PATH"), *path = NULL;
	struct buf k = BUF_INIT;
	int had = 0;

	if (src->url && strncmp(src->url, "sqlite://", 9) == 0)
		path = src->url + 9;
	else if (src->url && *src->url)
		path = src->url;
	else if (src->key) {
		buf_printf(&k, "%s.database", src->key);
		path = config_get(src->cf, k.p);
	}
	if (!path)
		path = env && *env ? env : "stage.db";
	c->conninfo = xstrdup(path);
	c->masked = src->url ? mask_url(src->url, &had) :
	    xstrdup(src->key ? path : src->name);
	buf_free(&k);
	return had;
}

static const char catalog_ddl[] = "CREATE TABLE IF NOT EXISTS "
    "main._stage_schemas (name TEXT PRIMARY KEY, file TEXT NOT NULL)";

static int
busy_timeout(void)
{
	const char *s = getenv("STAGE_SQLITE_BUSY_TIMEOUT");
	char *end;
	long v;

	if (!s || !*s)
		return 60000;
	v = strtol(s, &end, 10);
	if (*end || v < 0 || v > 86400000) {
		log_warn("STAGE_SQLITE_BUSY_TIMEOUT=%s: not a number of "
		    "milliseconds, using 60000", s);
		return 60000;
	}
	return (int)v;
}

/* stage_real_text(x): a REAL as the shortest text that reads back as the
 * same double (SQLite's CAST keeps 15 digits and would round a committed
 * value), a whole one below 1e15 without ".0"; any other value as it is. */
static void
real_text(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
	char s[40];
	double x;

	(void)argc;
	if (sqlite3_value_type(argv[0]) != SQLITE_FLOAT) {
		sqlite3_result_value(cx, argv[0]);
		return;
	}
	x = sqlite3_value_double(argv[0]);
	if (isinf(x))
		snprintf(s, sizeof s, "%sInfinity", x < 0 ? "-" : "");
	else if (x == floor(x) && fabs(x) < 1e15)
		snprintf(s, sizeof s, "%.0f", x);
	else
		for (int p = 15; p <= 17; p++)
			if (snprintf(s, sizeof s, "%.*g", p, x) > 0 &&
			    strtod(s, NULL) == x)
				break;
	sqlite3_result_text(cx, s, -1, SQLITE_TRANSIENT);
}

static int
open_db(struct sqdest *d)
{
	int flags = d->s.dry ? SQLITE_OPEN_READONLY :
	    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	int rc;

	if (d->s.dry) {
		dest_dry_sql("PRAGMA main.synchronous = FULL");
		dest_dry_sql(catalog_ddl);
	}
	if (d->s.dry && access(d->path, F_OK) != 0) {
		log_verbose("%s: no database yet: planning as if it were "
		    "empty", d->path);
		return 0;
	}
	rc = sqlite3_open_v2(d->path, &d->db, flags | SQLITE_OPEN_NOMUTEX,
	    NULL);
	if (rc != SQLITE_OK) {
		log_err("%s: cannot open: %s", d->path, d->db ?
		    sqlite3_errmsg(d->db) : sqlite3_errstr(rc));
		return -1;
	}
	sqlite3_busy_timeout(d->db, d->busy_ms);
	sqlite3_extended_result_codes(d->db, 1);
	sqlite3_create_function(d->db, "stage_real_text", 1, SQLITE_UTF8 |
	    SQLITE_DETERMINISTIC, NULL, real_text, NULL, NULL);
	if (d->s.dry)
		return 0;
	if (sqlite3_db_readonly(d->db, "main") == 1) {
		log_err("%s: the database is read-only (file permissions): "
		    "nothing changed", d->path);
		return -1;
	}
	if (access(*d->dir ? d->dir : ".", W_OK) != 0) {
		log_err("%s: cannot write its directory (%s), where SQLite "
		    "keeps its journals: nothing changed", d->path,
		    strerror(errno));
		return -1;
	}
	if (set_journal(d, "main", d->path) < 0 ||
	    sq_do(&d->s, d->path, catalog_ddl, NULL) < 0)
		return -1;
	return 0;
}

static void sq_close(struct dest *base);

static struct dest *
sq_open(const struct dest_conf *conf)
{
	struct sqdest *d = xcalloc(1, sizeof *d);
	const char *slash;

	d->s.base.ops = &dest_sqlite;
	d->s.base.conf = conf;
	d->s.drv = &sq_driver;
	d->s.dry = conf->dry_run;
	d->busy_ms = busy_timeout();
	d->path = xstrdup(conf->conninfo);
	if (!*d->path || strcmp(d->path, ":memory:") == 0) {
		/* an in-memory catalog has no super-journal: commits across
		 * the dataset files would not be atomic */
		log_err("%s: give the SQLite database a file path (e.g. "
		    "sqlite:///var/lib/stage/stage.db)", conf->masked);
		sq_close(&d->s.base);
		return NULL;
	}
	slash = strrchr(d->path, '/');
	d->dir = slash ? strndup(d->path, (size_t)(slash + 1 - d->path)) :
	    xstrdup("");
	if (!d->dir)
		die(EXIT_FAIL, "out of memory");
	if (open_db(d) < 0) {
		sq_close(&d->s.base);
		return NULL;
	}
	log_verbose("sqlite: %s (datasets beside it)", d->path);
	return &d->s.base;
}

static void
sq_close(struct dest *base)
{
	struct sqdest *d = (struct sqdest *)base;

	if (!d)
		return;
	for (size_t i = 0; i < d->natt; i++)
		free(d->att[i]);
	for (size_t i = 0; i < d->nshown; i++)
		free(d->shown[i]);
	free(d->shown);
	if (d->db)
		sqlite3_close(d->db);
	free(d->path);
	free(d->dir);
	sources_free(d->s.base.sources);
	free(d);
}

/* --- tables and their evolution --- */

struct sqcol {
	char *name;
	char *decl;		/* declared type as written */
	char *dflt;		/* DEFAULT expression as written, or NULL */
	enum coltype type;	/* CT_NONE: not one of ours */
	int notnull;
	int pk;			/* part of the PRIMARY KEY */
};

struct sqcols {
	struct sqcol *v;
	size_t n;
};

static void
sqcols_free(struct sqcols *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->v[i].name);
		free(c->v[i].decl);
		free(c->v[i].dflt);
	}
	free(c->v);
	memset(c, 0, sizeof *c);
}

static int
sqcols_find(const struct sqcols *c, const char *name)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->v[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* The columns of schema.name in order; n = 0 when it does not exist (or
 * its schema is not attached in a dry run). */
static int
columns_of(struct sqdest *d, const char *schema, const char *name,
    struct sqcols *out)
{
	sqlite3_stmt *st;
	int rc;

	memset(out, 0, sizeof *out);
	if (!d->db || !is_attached(d, schema))
		return 0;
	if (!(st = sq_prep(d, name, "SELECT name, type, \"notnull\", "
	    "dflt_value, pk FROM pragma_table_info(?1, ?2) ORDER BY cid")))
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, schema, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct sqcol *c;
		out->v = xrealloc(out->v, (out->n + 1) * sizeof *out->v);
		c = &out->v[out->n++];
		c->name = xstrdup((const char *)sqlite3_column_text(st, 0));
		c->decl = xstrdup((const char *)sqlite3_column_text(st, 1));
		c->type = sq_type_parse(c->decl);
		c->notnull = sqlite3_column_int(st, 2);
		c->dflt = sqlite3_column_type(st, 3) == SQLITE_NULL ? NULL :
		    xstrdup((const char *)sqlite3_column_text(st, 3));
		c->pk = sqlite3_column_int(st, 4);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		report(d, name, "cannot read the table's columns");
		sqcols_free(out);
		return -1;
	}
	return 0;
}

/* The driver's columns (dest_sql.h): names and our types of columns_of. */
static int
sq_columns(struct sqldest *s, const char *schema, const char *name,
    struct dtable *out, int *exists)
{
	struct sqcols have;

	memset(out, 0, sizeof *out);
	if (columns_of((struct sqdest *)s, schema, name, &have) < 0)
		return -1;
	*exists = have.n > 0;
	out->cols = xcalloc(have.n + 1, sizeof *out->cols);
	for (size_t i = 0; i < have.n; i++) {
		out->cols[i].name = xstrdup(have.v[i].name);
		out->cols[i].type = have.v[i].type;
		out->cols[i].nullable = !have.v[i].notnull;
	}
	out->ncols = have.n;
	sqcols_free(&have);
	return 0;
}

/* The value of column c (of type from) as type to, for a rebuild: a REAL
 * as its shortest exact text (stage_real_text, as PostgreSQL writes a
 * float8: "5", not "5.0"), a boolean as "true" or "false"; an integer or
 * text is stored as it is by the column's affinity. */
static void
convert_expr(struct buf *b, const char *c, enum coltype from, enum coltype to)
{
	struct buf q = BUF_INIT;

	sql_ident(&q, c);
	if ((to != CT_TEXT && to != CT_DECIMAL) || from == CT_TEXT)
		buf_adds(b, q.p);
	else if (from == CT_BOOL)
		buf_printf(b, "CASE %s WHEN 1 THEN 'true' WHEN 0 THEN 'false' "
		    "ELSE %s END", q.p, q.p);
	else
		buf_printf(b, "stage_real_text(%s)", q.p);
	buf_free(&q);
}

/* The indexes and triggers of schema.name (SQLite drops them with the
 * table), each as the statement that makes it again in schema: SQLite
 * keeps them as "CREATE [UNIQUE] INDEX name ..." and "CREATE TRIGGER
 * name ...", and the schema goes before the name.  An index without a
 * statement is a UNIQUE or PRIMARY KEY of the table's definition, which a
 * rebuild cannot keep: -1 after naming it. */
static int
table_objects(struct sqdest *d, const char *schema, const char *name,
    struct sqlv *out, const char *object)
{
	static const char *const heads[] = { "CREATE UNIQUE INDEX ",
	    "CREATE INDEX ", "CREATE TRIGGER " };
	struct buf q = BUF_INIT, b = BUF_INIT;
	sqlite3_stmt *st;
	int rc, r = -1;

	buf_adds(&q, "SELECT name, sql FROM ");
	sql_qname(&q, schema, "sqlite_master");
	buf_adds(&q, " WHERE tbl_name = ?1 AND type IN ('index', 'trigger') "
	    "ORDER BY type, name");
	if (!(st = sq_prep(d, object, q.p)))
		goto out;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *oname = (const char *)sqlite3_column_text(st, 0);
		const char *sql = (const char *)sqlite3_column_text(st, 1);
		size_t k, n = 0;

		for (k = 0; sql && k < 3; k++)
			if (strncmp(sql, heads[k], n = strlen(heads[k])) == 0)
				break;
		if (!sql || k == 3) {
			log_err("%s: %s.%s: a column must widen, which SQLite "
			    "does by rebuilding the table, and %s (a "
			    "constraint of its definition) cannot be kept: "
			    "nothing changed; widen the column by hand",
			    object, schema, name, oname);
			sqlite3_finalize(st);
			goto out;
		}
		buf_reset(&b);
		buf_add(&b, sql, n);
		sql_ident(&b, schema);
		buf_addc(&b, '.');
		buf_adds(&b, sql + n);
		sqlv_add(out, &b);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		report(d, object, "cannot read the table's indexes and triggers");
	else
		r = 0;
out:
	buf_free(&q);
	buf_free(&b);
	return r;
}

/* The first word of sql, outside quotes, that makes a table definition
 * more than its columns' names, types, NOT NULL and DEFAULT (a rebuild
 * from pragma_table_info would lose it), or NULL. */
static const char *
extra_clause(const char *sql)
{
	static const char *const kw[] = { "CHECK", "REFERENCES", "COLLATE",
	    "GENERATED", "AS", "STRICT", "CONSTRAINT", NULL };
	const char *p = sql;

	while (*p) {
		char q = *p == '[' ? ']' : *p;
		size_t n;
		if (q == '"' || q == '\'' || q == '`' || q == ']') {
			p = strchr(p + 1, q);
			if (!p)
				return NULL;
			p++;
			continue;
		}
		for (n = 0; (p[n] >= 'A' && p[n] <= 'Z') ||
		    (p[n] >= 'a' && p[n] <= 'z') || p[n] == '_' ||
		    (n && p[n] >= '0' && p[n] <= '9'); n++)
			;
		for (size_t k = 0; n && kw[k]; k++)
			if (strlen(kw[k]) == n && strncasecmp(p, kw[k], n) == 0)
				return kw[k];
		p += n ? n : 1;
	}
	return NULL;
}

/* 0 if schema.name's definition holds only what a rebuild keeps, else -1
 * after naming what it would lose. */
static int
plain_table(struct sqdest *d, const char *schema, const char *name,
    const char *object)
{
	struct buf q = BUF_INIT;
	sqlite3_stmt *st;
	const char *kw = NULL;
	int r = -1;

	buf_adds(&q, "SELECT sql FROM ");
	sql_qname(&q, schema, "sqlite_master");
	buf_adds(&q, " WHERE type = 'table' AND name = ?1");
	if ((st = sq_prep(d, object, q.p))) {
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW &&
		    sqlite3_column_type(st, 0) == SQLITE_TEXT)
			kw = extra_clause((const char *)sqlite3_column_text(st,
			    0));
		sqlite3_finalize(st);
		if (kw)
			log_err("%s: %s.%s: a column must widen, which SQLite "
			    "does by rebuilding the table, and its definition's "
			    "%s clause cannot be kept: nothing changed; widen "
			    "the column by hand", object, schema, name, kw);
		else
			r = 0;
	}
	buf_free(&q);
	return r;
}

/* The new table's definition: have's columns with the types in want[],
 * their NOT NULL and DEFAULT kept. */
static void
rebuilt_def(struct buf *b, const char *schema, const char *tmp,
    const struct sqcols *have, const enum coltype *want)
{
	buf_adds(b, "CREATE TABLE ");
	sql_qname(b, schema, tmp);
	buf_adds(b, " (");
	for (size_t i = 0; i < have->n; i++) {
		const struct sqcol *c = &have->v[i];
		if (i)
			buf_adds(b, ", ");
		sql_ident(b, c->name);
		buf_printf(b, " %s%s", want[i] == CT_NONE ? c->decl :
		    sq_types[want[i]], c->notnull ? " NOT NULL" : "");
		if (c->dflt)
			buf_printf(b, " DEFAULT (%s)", c->dflt);
	}
	buf_addc(b, ')');
}

/* Rebuilds schema.name with the declared types in want[] (one per column
 * of have): SQLite's documented way to change a column's type.  Its
 * indexes and triggers are made again; the views that name it keep
 * working because the rename does not check them (legacy_alter_table:
 * they are not changed, and the table they name exists again after).  A
 * PRIMARY KEY cannot be kept this way: refused, naming it. */
static int
rebuild(struct sqdest *d, const char *schema, const char *name,
    const struct sqcols *have, const enum coltype *want, const char *object)
{
	struct buf b = BUF_INIT, tmp = BUF_INIT, cols = BUF_INIT;
	struct buf sel = BUF_INIT;
	struct sqlv objs = { 0 };
	int r = -1;

	for (size_t i = 0; i < have->n; i++)
		if (have->v[i].pk) {
			log_err("%s: %s.%s: a column must widen, which SQLite "
			    "does by rebuilding the table, and its PRIMARY "
			    "KEY (column %s) cannot be kept: nothing changed; "
			    "widen the column by hand", object, schema, name,
			    have->v[i].name);
			goto out;
		}
	if (d->db && (plain_table(d, schema, name, object) < 0 ||
	    table_objects(d, schema, name, &objs, object) < 0))
		goto out;
	buf_printf(&tmp, "_stage_rebuild_%s", name);
	for (size_t i = 0; i < have->n; i++) {
		const struct sqcol *c = &have->v[i];
		if (i) {
			buf_adds(&cols, ", ");
			buf_adds(&sel, ", ");
		}
		sql_ident(&cols, c->name);
		if (want[i] != CT_NONE && want[i] != c->type)
			convert_expr(&sel, c->name, c->type, want[i]);
		else
			sql_ident(&sel, c->name);
	}
	rebuilt_def(&b, schema, tmp.p, have, want);
	if (sq_do(&d->s, object, b.p, NULL) < 0)
		goto out;
	buf_reset(&b);
	buf_adds(&b, "INSERT INTO ");
	sql_qname(&b, schema, tmp.p);
	buf_printf(&b, " (%s) SELECT %s FROM ", cols.p, sel.p);
	sql_qname(&b, schema, name);
	if (sq_do(&d->s, object, b.p, NULL) < 0)
		goto out;
	buf_reset(&b);
	buf_adds(&b, "DROP TABLE ");
	sql_qname(&b, schema, name);
	if (sq_do(&d->s, object, b.p, NULL) < 0)
		goto out;
	buf_reset(&b);
	buf_adds(&b, "ALTER TABLE ");
	sql_qname(&b, schema, tmp.p);
	buf_adds(&b, " RENAME TO ");
	sql_ident(&b, name);
	if (sq_do(&d->s, object, "PRAGMA legacy_alter_table = ON", NULL) < 0)
		goto out;
	r = sq_do(&d->s, object, b.p, NULL);
	if (sq_do(&d->s, object, "PRAGMA legacy_alter_table = OFF", NULL) < 0)
		r = -1;
	for (size_t i = 0; r == 0 && i < objs.n; i++)
		r = sq_do(&d->s, object, objs.v[i], NULL);
out:
	sqlv_free(&objs);
	buf_free(&b);
	buf_free(&tmp);
	buf_free(&cols);
	buf_free(&sel);
	return r;
}

/* The driver's widen: the table rebuilt with the wider declared types
 * (have and want are in the order of columns_of). */
static int
sq_widen(struct sqldest *s, const char *schema, const char *name,
    const struct dtable *have, const enum coltype *want, const char *object)
{
	struct sqdest *d = (struct sqdest *)s;
	struct sqcols cols;
	int r;

	if (columns_of(d, schema, name, &cols) < 0)
		return -1;
	if (cols.n != have->ncols) {
		log_err("%s: %s.%s: its columns changed while it was being "
		    "widened: nothing changed", object, schema, name);
		sqcols_free(&cols);
		return -1;
	}
	r = rebuild(d, schema, name, &cols, want, object);
	sqcols_free(&cols);
	return r;
}

/* --- stage-copy --- */

/* The driver's staging_fit: _stage_row added when missing, a table with
 * NOT NULL columns rebuilt without them. */
static int
staging_fit(struct sqldest *s, const char *schema, const char *name,
    const char *object)
{
	struct sqdest *d = (struct sqdest *)s;
	struct sqcols have;
	struct buf b = BUF_INIT;
	enum coltype *keep = NULL;
	int r, strict = 0;

	if ((r = columns_of(d, schema, name, &have)) < 0 || have.n == 0)
		goto out;
	if (sqcols_find(&have, "_stage_row") < 0) {
		buf_adds(&b, "ALTER TABLE ");
		sql_qname(&b, schema, name);
		buf_adds(&b, " ADD COLUMN ");
		buf_adds(&b, sq_driver.staging_extra);
		sqcols_free(&have);
		if ((r = sq_do(&d->s, object, b.p, NULL)) < 0 ||
		    (r = columns_of(d, schema, name, &have)) < 0)
			goto out;
	}
	for (size_t i = 0; i < have.n; i++) {
		strict |= have.v[i].notnull;
		have.v[i].notnull = 0;
	}
	if (strict) {
		keep = xcalloc(have.n, sizeof *keep);	/* CT_NONE: as is */
		r = rebuild(d, schema, name, &have, keep, object);
	}
out:
	free(keep);
	sqcols_free(&have);
	buf_free(&b);
	return r;
}

static int
sq_stage_prepare(struct dest *base, const struct dtable *t)
{
	struct sqdest *d = (struct sqdest *)base;
	struct buf s = BUF_INIT;
	int r;

	r = attach_staging(d, t->dataset, &s);
	buf_free(&s);
	if (r < 0)
		return DEST_FATAL;
	return sqld_stage_ddl(&d->s, t);
}

/* The loader of one file: csvin's callback. */
struct loader {
	struct sqdest *d;
	const struct dfile *f;
	sqlite3_stmt *ins;
	struct json_doc doc;
	struct buf scratch;	/* decoded binary */
	int64_t file_no, rows;
	size_t line_off;	/* JSONL: its CSV has a header line more */
	int header;		/* the header row was seen */
	int failed;
};

static int
bad_value(struct loader *L, size_t line, size_t col, const char *why,
    const struct csvfield *v)
{
	log_err("%s: line %zu, column %s: %s: \"%.*s\"", L->f->object,
	    line - L->line_off, L->f->t.cols[col].name, why,
	    (int)(v->len > 80 ? 80 : v->len), v->p);
	L->failed = 1;
	return -1;
}

static int
parse_i64(const char *p, int64_t *v)
{
	char *end;
	long long x;

	if (!*p || !(*p == '-' || *p == '+' || (*p >= '0' && *p <= '9')))
		return -1;
	errno = 0;
	x = strtoll(p, &end, 10);
	if (*end || errno)
		return -1;
	*v = x;
	return 0;
}

static int
parse_double(const char *p, double *v)
{
	char *end;

	if (!*p || strpbrk(p, "xX") || *p == ' ' || *p == '\t')
		return -1;
	*v = strtod(p, &end);
	return *end || isnan(*v) ? -1 : 0;
}

static int
parse_bool(const char *p, int *v)
{
	static const char *const t[] = { "t", "true", "y", "yes", "on", "1" };
	static const char *const f[] = { "f", "false", "n", "no", "off", "0" };
	char low[8];
	size_t i;

	for (i = 0; p[i] && i < sizeof low - 1; i++)
		low[i] = (char)(p[i] >= 'A' && p[i] <= 'Z' ? p[i] + 32 : p[i]);
	if (p[i])
		return -1;
	low[i] = '\0';
	for (i = 0; i < 6; i++) {
		if (strcmp(low, t[i]) == 0 || strcmp(low, f[i]) == 0) {
			*v = strcmp(low, t[i]) == 0;
			return 0;
		}
	}
	return -1;
}

static int
valid_decimal(const char *p)
{
	int n = 0;

	if (strcmp(p, "NaN") == 0)
		return 0;
	if (*p == '+' || *p == '-')
		p++;
	for (; *p >= '0' && *p <= '9'; p++)
		n++;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			n++;
	if (n == 0)
		return -1;
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (*p < '0' || *p > '9')
			return -1;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	return *p ? -1 : 0;
}

/* PostgreSQL's bytea hex text \x0a0b -> bytes; other text as it is. */
static int
bind_binary(struct loader *L, int i, const struct csvfield *v)
{
	if (v->len < 2 || v->p[0] != '\\' || v->p[1] != 'x')
		return sqlite3_bind_blob(L->ins, i, v->p, (int)v->len,
		    SQLITE_STATIC);
	buf_reset(&L->scratch);
	if (buf_add_unhex(&L->scratch, v->p + 2, v->len - 2) < 0)
		return -1;
	return sqlite3_bind_blob(L->ins, i, L->scratch.p ? L->scratch.p : "",
	    (int)L->scratch.len, SQLITE_STATIC);
}

/* Binds field v as parameter i (from 1) of column k's type.  The text is
 * bound SQLITE_STATIC: csvin keeps it until the row is stepped. */
static int
bind_value(struct loader *L, int i, size_t k, const struct csvfield *v,
    size_t line)
{
	enum coltype t = L->f->t.cols[k].type;
	int64_t n;
	double x;
	int b, rc = SQLITE_OK;

	if (v->null)
		return sqlite3_bind_null(L->ins, i) == SQLITE_OK ? 0 : -1;
	if (v->len > 0x7fffffff)
		return bad_value(L, line, k, "value too long", v);
	if (t != CT_BINARY && !utf8_valid(v->p, v->len))
		return bad_value(L, line, k, "invalid UTF-8", v);
	switch (t) {
	case CT_BIGINT:
		if (parse_i64(v->p, &n) < 0)
			return bad_value(L, line, k, "invalid input for type "
			    "bigint", v);
		rc = sqlite3_bind_int64(L->ins, i, n);
		break;
	case CT_DOUBLE:
		if (parse_double(v->p, &x) < 0)
			return bad_value(L, line, k, "invalid input for type "
			    "double", v);
		rc = sqlite3_bind_double(L->ins, i, x);
		break;
	case CT_BOOL:
		if (parse_bool(v->p, &b) < 0)
			return bad_value(L, line, k, "invalid input for type "
			    "bool", v);
		rc = sqlite3_bind_int(L->ins, i, b);
		break;
	case CT_TIMESTAMP:
	case CT_DATE:
	case CT_TIME:
		if (!isotime_fits(t, v->p, v->len))
			return bad_value(L, line, k, t == CT_DATE ?
			    "invalid input for type date (YYYY-MM-DD)" :
			    t == CT_TIME ? "invalid input for type time "
			    "(HH:MM[:SS[.f]])" : "invalid input for type "
			    "timestamp (ISO 8601)", v);
		goto text;
	case CT_DECIMAL:
		if (valid_decimal(v->p) < 0)
			return bad_value(L, line, k, "invalid input for type "
			    "decimal", v);
		goto text;
	case CT_JSON:
		if (json_parse(&L->doc, v->p, v->len) < 0)
			return bad_value(L, line, k, "invalid input for type "
			    "json", v);
		goto text;
	case CT_BINARY:
		if (bind_binary(L, i, v) < 0)
			return bad_value(L, line, k, "invalid hex for type "
			    "binary", v);
		break;
	default:
	text:
		rc = sqlite3_bind_text(L->ins, i, v->p, (int)v->len,
		    SQLITE_STATIC);
	}
	return rc == SQLITE_OK ? 0 : -1;
}

static int
check_header(struct loader *L, const struct csvfield *v, size_t n)
{
	const struct dtable *t = &L->f->t;

	for (size_t i = 0; i < n || i < t->ncols; i++) {
		const char *want = i < t->ncols ? t->cols[i].name : NULL;
		if (i < n && want && strcmp(v[i].p, want) == 0)
			continue;
		log_err("%s: line 1: the header's column %zu is %s%s%s, the "
		    "manifest's is %s", L->f->object, i + 1, i < n ? "\"" : "",
		    i < n ? v[i].p : "missing", i < n ? "\"" : "",
		    want ? want : "missing");
		L->failed = 1;
		return -1;
	}
	L->header = 1;
	return 0;
}

static int
load_row(void *ctx, const struct csvfield *v, size_t n, size_t line)
{
	struct loader *L = ctx;
	size_t nc = L->f->t.ncols;

	if (!L->header)
		return check_header(L, v, n);
	if (n != nc) {
		log_err("%s: line %zu: %zu fields, the manifest has %zu "
		    "columns", L->f->object, line - L->line_off, n, nc);
		L->failed = 1;
		return -1;
	}
	for (size_t k = 0; k < nc; k++)
		if (bind_value(L, (int)k + 1, k, &v[k], line) < 0) {
			if (!L->failed)
				report(L->d, L->f->object, "bind failed");
			L->failed = 1;
			return -1;
		}
	if (++L->rows > SQL_ROW_MAX) {
		log_err("%s: more than %lld rows: split the file", L->f->object,
		    SQL_ROW_MAX);
		L->failed = 1;
		return -1;
	}
	sqlite3_bind_int64(L->ins, (int)nc + 1, sql_row_tag(L->file_no,
	    L->rows));
	if (sqlite3_step(L->ins) != SQLITE_DONE) {
		struct buf w = BUF_INIT;
		buf_printf(&w, "line %zu: insert failed", line - L->line_off);
		report(L->d, L->f->object, w.p);
		buf_free(&w);
		sqlite3_reset(L->ins);
		L->failed = 1;
		return -1;
	}
	sqlite3_reset(L->ins);
	return 0;
}

static void
insert_stmt(struct buf *b, const struct dfile *f)
{
	buf_adds(b, "INSERT INTO ");
	sql_staging_name(b, f->t.dataset, f->t.name);
	buf_adds(b, " (");
	sql_collist(b, &f->t, "");
	buf_adds(b, ", \"_stage_row\") VALUES (");
	for (size_t i = 0; i < f->t.ncols + 1; i++)
		buf_adds(b, i ? ", ?" : "?");
	buf_addc(b, ')');
}

/* Streams the file's rows into the staging table.  -1 after reporting. */
static int
load_file(struct sqdest *d, const struct dfile *f, int64_t file_no,
    int64_t *rows)
{
	struct loader L;
	struct csvin *c = NULL;
	struct buf b = BUF_INIT;
	int r = -1;

	memset(&L, 0, sizeof L);
	L.d = d;
	L.f = f;
	L.line_off = f->format == FMT_JSONL;
	insert_stmt(&b, f);
	if (!(L.ins = sq_prep(d, f->object, b.p)))
		goto out;
	L.file_no = file_no;
	c = csvin_new(load_row, &L);
	if (source_stream(&d->s.base.sources, f, -1, csvin_feed, c) < 0 ||
	    csvin_finish(c) < 0) {
		if (csvin_error(c))
			log_err("%s: %s", f->object, csvin_error(c));
		goto out;
	}
	if (!L.header) {
		log_err("%s: no header line", f->object);
		goto out;
	}
	*rows = L.rows;
	r = 0;
out:
	csvin_free(c);
	sqlite3_finalize(L.ins);
	json_doc_free(&L.doc);
	buf_free(&L.scratch);
	buf_free(&b);
	return r;
}

/* The driver's load (load_file). */
static int
sq_load(struct sqldest *s, const struct dfile *f, int64_t file_no,
    int64_t *rows)
{
	return load_file((struct sqdest *)s, f, file_no, rows);
}

/* The driver's dry_load: the prepared INSERT, run once per row. */
static void
dry_load(struct sqldest *s, const struct dfile *f)
{
	struct buf b = BUF_INIT;

	(void)s;
	insert_stmt(&b, f);
	dest_dry_sql(b.p);
	buf_reset(&b);
	buf_printf(&b, "-- data: %s (%lld rows, one execution per row)",
	    f->object, (long long)f->rows);
	manifest_emit(&b);
	buf_free(&b);
}

static int attach_load(struct sqdest *d, const char *dataset, int *absent);
static int table_exists(struct sqldest *s, const char *schema,
    const char *name);

/* Before the file's transaction (ATTACH cannot run in one): attaches the
 * dataset beside its staging when its file exists, so that the load's
 * merge record can be read.  1 if attached, 0 if there is none, -1. */
static int
attach_merged(struct sqdest *d, const char *dataset)
{
	char *file = schema_file(d, dataset);
	int there = access(file, F_OK) == 0;

	free(file);
	if (!there)
		return 0;
	return attach_load(d, dataset, NULL) < 0 ? -1 : 1;
}

static int
sq_copy_file(struct dest *base, const struct dfile *f, struct dcopied *res)
{
	struct sqdest *d = (struct sqdest *)base;
	struct buf s = BUF_INIT;
	int r = -1;

	memset(res, 0, sizeof *res);
	if (attach_staging(d, f->t.dataset, &s) >= 0 &&
	    (d->s.dry || attach_merged(d, f->t.dataset) >= 0))
		r = sqld_copy_file(&d->s, f, res);
	buf_free(&s);
	return r;
}

/* --- stage-merge --- */

static int
attach_load(struct sqdest *d, const char *dataset, int *absent)
{
	struct buf s = BUF_INIT;
	int a, b;

	/* both files must be attached together */
	if (d->natt + 2 > MAX_ATTACHED)
		detach_all(d);
	a = attach(d, dataset);
	b = a < 0 ? -1 : attach_staging(d, dataset, &s);
	buf_free(&s);
	if (a < 0 || b < 0)
		return -1;
	if (absent)
		*absent = a == 1;
	return 0;
}

/* _dlt_version's inserted_at, written as dlt writes it, so that the
 * newest version sorts last whichever tool stored it. */
#define DLT_VERSION_NOW "strftime('%Y-%m-%d %H:%M:%f000', 'now')"

/* The driver's not_null_query: none when the dataset is not attached
 * (a dry run before its file exists). */
static int
not_null_query(struct sqldest *s, struct buf *q, const char *schema,
    const char *name)
{
	struct sqdest *d = (struct sqdest *)s;

	if (!d->db || !is_attached(d, schema))
		return 0;
	buf_adds(q, "SELECT name FROM pragma_table_info(");
	sql_str(q, name);
	buf_adds(q, ", ");
	sql_str(q, schema);
	buf_adds(q, ") WHERE \"notnull\" AND dflt_value IS NULL ORDER BY cid");
	return 1;
}

static int
sq_merge_prepare(struct dest *base, const struct dload *l,
    const struct merge_opts *o)
{
	struct sqdest *d = (struct sqdest *)base;

	(void)o;	/* the upsert's index is made in the merge */
	if (attach_load(d, l->dataset, NULL) < 0)
		return DEST_FATAL;
	if (sqld_final_fits(&d->s, l) < 0)
		return -1;
	return sqld_merge_ddl(&d->s, l);
}

static int
table_exists(struct sqldest *s, const char *schema, const char *name)
{
	struct sqdest *d = (struct sqdest *)s;
	struct buf q = BUF_INIT;
	sqlite3_stmt *st;
	int yes = 0;

	if (!d->db || !is_attached(d, schema))
		return 0;
	buf_adds(&q, "SELECT 1 FROM ");
	sql_qname(&q, schema, "sqlite_master");
	buf_adds(&q, " WHERE type = 'table' AND name = ?1");
	if (sqlite3_prepare_v2(d->db, q.p, -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
		yes = sqlite3_step(st) == SQLITE_ROW;
		sqlite3_finalize(st);
	}
	buf_free(&q);
	return yes;
}

/* The integer a one-row query (a count) answers, in *n: 0, or -1 after
 * reporting. */
static int
sq_count(struct sqldest *s, const char *object, const char *sql, int64_t *n)
{
	struct sqdest *d = (struct sqdest *)s;
	sqlite3_stmt *st = sq_prep(d, object, sql);
	int r = -1;

	if (!st)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW) {
		*n = sqlite3_column_int64(st, 0);
		r = 0;
	} else {
		report(d, object, "query failed");
	}
	sqlite3_finalize(st);
	return r;
}

/* The driver's rows (dest_sql.h): param bound to ?1. */
static int
sq_rows(struct sqldest *s, const char *object, const char *what,
    const char *sql, const char *param, sqld_row_fn *row, void *arg)
{
	struct sqdest *d = (struct sqdest *)s;
	sqlite3_stmt *st = sq_prep(d, object, sql);
	const char **v;
	int rc = 0, step = SQLITE_DONE, nf;

	if (!st)
		return -1;
	if (param)
		sqlite3_bind_text(st, 1, param, -1, SQLITE_STATIC);
	nf = sqlite3_column_count(st);
	v = xcalloc((size_t)nf + 1, sizeof *v);
	while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
		for (int k = 0; k < nf; k++)
			v[k] = (const char *)sqlite3_column_text(st, k);
		rc = row(arg, v, nf);
	}
	if (rc == 0 && step != SQLITE_DONE) {
		report(d, object, what);
		rc = -1;
	}
	free(v);
	sqlite3_finalize(st);
	return rc < 0 ? -1 : 0;
}

/* The driver's tables_query: the dataset's tables (not ours, not
 * SQLite's) and columns, in table order. */
static void
tables_query(struct buf *q, const char *dataset)
{
	buf_adds(q, "SELECT m.name, p.name, p.type, p.\"notnull\" FROM ");
	sql_qname(q, dataset, "sqlite_master");
	buf_adds(q, " AS m JOIN pragma_table_info(m.name, ");
	sql_str(q, dataset);
	buf_adds(q, ") AS p WHERE m.type = 'table' AND m.name NOT LIKE "
	    "'\\_stage\\_%' ESCAPE '\\' AND m.name NOT LIKE 'sqlite\\_%' "
	    "ESCAPE '\\' ORDER BY m.name, p.cid");
}

/* A declared type as dlt's data type: stage's own (sq_types), else
 * those dlt's sqlalchemy destination declares; CT_NONE for others. */
static enum coltype
dlt_type(const char *decl)
{
	static const struct { const char *name; enum coltype t; } map[] = {
		{ "BIGINT", CT_BIGINT }, { "INTEGER", CT_BIGINT },
		{ "SMALLINT", CT_BIGINT }, { "VARCHAR", CT_TEXT },
		{ "TEXT", CT_TEXT }, { "CLOB", CT_TEXT },
		{ "FLOAT", CT_DOUBLE }, { "DOUBLE", CT_DOUBLE },
		{ "REAL", CT_DOUBLE }, { "BOOLEAN", CT_BOOL },
		{ "DATETIME", CT_TIMESTAMP }, { "TIMESTAMP", CT_TIMESTAMP },
		{ "DATE", CT_DATE }, { "TIME", CT_TIME },
		{ "NUMERIC", CT_DECIMAL }, { "DECIMAL", CT_DECIMAL },
		{ "JSON", CT_JSON }, { "BLOB", CT_BINARY },
		{ "VARBINARY", CT_BINARY },
	};
	enum coltype t = sq_type_parse(decl ? decl : "");

	for (size_t i = 0; t == CT_NONE && decl && i < sizeof map /
	    sizeof map[0]; i++) {
		size_t n = strlen(map[i].name);
		if (strncasecmp(decl, map[i].name, n) == 0 &&
		    (decl[n] == '\0' || decl[n] == '(' || decl[n] == ' '))
			t = map[i].t;
	}
	return t;
}

/* 1 if t's staging table holds rows rows in all, 0 if not, -1 after
 * reporting.  Under BEGIN IMMEDIATE no one else can add any. */
static int
holds_only(struct sqldest *s, const struct dtable *t, int64_t rows)
{
	struct buf q = BUF_INIT, sch = BUF_INIT;
	int64_t n;
	int r;

	if (s->dry)
		return 0;
	sql_staging_schema(&sch, t->dataset);
	buf_adds(&q, "SELECT count(*) FROM ");
	sql_qname(&q, sch.p, t->name);
	if ((r = sq_count(s, t->name, q.p, &n)) == 0)
		r = n == rows;
	buf_free(&q);
	buf_free(&sch);
	return r;
}

static int
sq_merge_load(struct dest *base, const struct dload *l,
    const struct merge_opts *o, int64_t *merged, int *already)
{
	struct sqdest *d = (struct sqdest *)base;

	if (attach_load(d, l->dataset, NULL) < 0)
		return DEST_FATAL;
	return sqld_merge_load(&d->s, l, o, merged, already);
}

/* The driver's staging_tables: none when the staging file is not
 * attached (a dry run before it exists). */
static int
staging_tables(struct sqldest *sd, struct buf *q, const char *s)
{
	struct sqdest *d = (struct sqdest *)sd;

	if (!d->db || !is_attached(d, s))
		return 0;
	buf_adds(q, "SELECT name FROM ");
	sql_qname(q, s, "sqlite_master");
	buf_adds(q, " WHERE type = 'table' AND name <> '_stage_files' AND "
	    "name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name");
	return 1;
}

static int
sq_drop_staging(struct dest *base, const char *dataset)
{
	struct sqdest *d = (struct sqdest *)base;
	struct buf s = BUF_INIT;
	int r;

	if ((r = attach_staging(d, dataset, &s)) >= 0)
		r = sqld_drop_staging(&d->s, dataset);
	buf_free(&s);
	return r;
}

/* --- housekeeping (house.h) --- */

static int
sq_datasets(struct sqldest *s, char ***v, size_t *n)
{
	struct sqdest *d = (struct sqdest *)s;
	sqlite3_stmt *st;
	int rc = 0, step;

	if (!d->db)
		return 0;
	if (!(st = sq_prep(d, "datasets", "SELECT substr(name, 1, "
	    "length(name) - 8) FROM main._stage_schemas WHERE name LIKE "
	    "'%\\_staging' ESCAPE '\\' ORDER BY name")))
		return -1;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		*v = xrealloc(*v, (*n + 1) * sizeof **v);
		(*v)[(*n)++] = xstrdup((const char *)sqlite3_column_text(st,
		    0));
	}
	if (step != SQLITE_DONE) {
		report(d, "datasets", "cannot read _stage_schemas");
		rc = -1;
	}
	sqlite3_finalize(st);
	return rc;
}

/* The staging file and the dataset's, each when it exists (none is
 * made for looking). */
static int
sq_attach(struct sqldest *s, const char *dataset)
{
	struct sqdest *d = (struct sqdest *)s;
	struct buf st = BUF_INIT;
	char *file;
	int r = 0;

	if (d->natt + 2 > MAX_ATTACHED)
		detach_all(d);
	sql_staging_schema(&st, dataset);
	file = known_file(d, st.p);
	if (access(file, F_OK) == 0)
		r = attach(d, st.p);
	free(file);
	buf_free(&st);
	if (r < 0 || attach_merged(d, dataset) < 0)
		return -1;
	return 0;
}

static void
sq_age(struct buf *q, const char *e)
{
	buf_printf(q, "CAST((julianday('now') - julianday(%s)) * 86400 AS "
	    "INTEGER)", e);
}

/* BEGIN IMMEDIATE without the busy wait: another writer (a copy or a
 * merge in flight) holds the file's write lock. */
static int
sq_hold(struct sqldest *s, const char *dataset, char *const *tables,
    size_t n, struct buf *who)
{
	struct sqdest *d = (struct sqdest *)s;
	int rc;

	(void)tables;
	(void)n;
	sqlite3_busy_timeout(d->db, 0);
	rc = sqlite3_exec(d->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	sqlite3_busy_timeout(d->db, d->busy_ms);
	if (rc == SQLITE_OK)
		return 0;
	if ((rc & 0xff) == SQLITE_BUSY) {
		buf_printf(who, "another writer of %s (a stage-copy or "
		    "stage-merge)", dataset);
		return 1;
	}
	report(d, dataset, "BEGIN IMMEDIATE failed");
	return -1;
}

/* Opens the catalog read-only (a check creates nothing) and reads it. */
static int
sq_check(const struct dest_conf *c, struct buf *out)
{
	const char *path = c->conninfo, *slash = strrchr(path, '/');
	struct buf dir = BUF_INIT;
	sqlite3 *db = NULL;
	int r = -1;

	buf_add(&dir, path, slash ? (size_t)(slash + 1 - path) : 0);
	buf_adds(&dir, slash ? "" : ".");
	if (access(path, F_OK) != 0) {
		buf_printf(out, "%s does not exist yet", path);
		if (access(dir.p, W_OK) == 0) {
			buf_adds(out, " (stage-copy creates it)");
			r = 0;
		} else {
			buf_printf(out, ", and its directory %s cannot be "
			    "written (%s)", dir.p, strerror(errno));
		}
		goto out;
	}
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK || sqlite3_exec(db, "SELECT count(*) FROM sqlite_master",
	    NULL, NULL, NULL) != SQLITE_OK) {
		buf_printf(out, "%s: cannot read it: %s", path, db ?
		    sqlite3_errmsg(db) : "out of memory");
		goto out;
	}
	buf_printf(out, "%s (SQLite %s)", path, sqlite3_libversion());
	if (access(path, W_OK) != 0 || access(dir.p, W_OK) != 0) {
		buf_printf(out, " is read-only here (%s)", strerror(errno));
		goto out;
	}
	buf_adds(out, ", writable");
	r = 0;
out:
	sqlite3_close(db);
	buf_free(&dir);
	return r;
}

const struct dest_house house_sqlite = {
	.datasets = sq_datasets, .attach = sq_attach, .age = sq_age,
	.hold = sq_hold, .check = sq_check,
};

/* The shared SQL layer's driver (dest_sql.h), the bookkeeping tables
 * with the types dlt's sqlalchemy destination gives them (dltschema.h). */
static const struct sql_driver sq_driver = {
	.dialect = &sq_dialect, .exec = sq_do, .count = sq_count,
	.begin = "BEGIN IMMEDIATE", .rollback = rollback, .lock = NULL,
	.schemas = 0, .staging_fit = staging_fit,
	/* file_no: the rowid, AUTOINCREMENT so that a number is never
	 * reused for another file */
	.files_cols = "file_no INTEGER PRIMARY KEY AUTOINCREMENT, load_id "
	    "TEXT NOT NULL, table_name TEXT NOT NULL, file_id TEXT NOT NULL, "
	    "seq INTEGER NOT NULL, sha256 TEXT, rows INTEGER NOT NULL, "
	    "copied_at TIMESTAMP NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:"
	    "%fZ', 'now')), UNIQUE (load_id, table_name, file_id)",
	.rows = sq_rows, .param = "?1", .table_exists = table_exists,
	.columns = sq_columns, .evolve = sqld_evolve, .decl_type = dlt_type,
	.widen = sq_widen, .add_column = "ADD COLUMN ",
	.tables_query = tables_query, .version_now = DLT_VERSION_NOW,
	/* cleared after the merge's commit (clear_merged); a table with no
	 * other rows by a DELETE without WHERE, which drops its pages */
	.clear_after_commit = 1, .alone = holds_only, .empty = "DELETE FROM ",
	.empty_note = NULL,
	/* _stage_row: sql_row_tag(file_no, row) (sql.h).  Nullable: dlt
	 * loads its own rows into the same staging table (staging_fit). */
	.staging_extra = "\"_stage_row\" INTEGER",
	.final_extra = "\"_dlt_load_id\" TEXT NOT NULL, "
	    "\"_dlt_id\" TEXT NOT NULL",
	.loads_cols = "load_id TEXT NOT NULL, schema_name TEXT, status "
	    "INTEGER NOT NULL, inserted_at TIMESTAMP NOT NULL, "
	    "schema_version_hash TEXT",
	.stage_loads_cols = "load_id TEXT NOT NULL, table_name TEXT NOT NULL, "
	    "rows INTEGER NOT NULL, PRIMARY KEY (load_id, table_name)",
	.version_cols = "version BIGINT NOT NULL, engine_version BIGINT NOT "
	    "NULL, inserted_at DATETIME NOT NULL, schema_name VARCHAR NOT "
	    "NULL, version_hash VARCHAR NOT NULL, schema VARCHAR NOT NULL",
	.record_now = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
	.index_in_schema = 1,
	.file_lock = NULL, .load = sq_load, .dry_load = dry_load,
	.merge_setup = NULL, .not_null_query = not_null_query,
	.not_null_alter = 0, .staging_tables = staging_tables,
	.lock_table = NULL,
};

static const char *const sq_schemes[] = { "sqlite", NULL };

const struct dest_ops dest_sqlite = {
	"sqlite",
	sq_schemes,
	1,		/* one writer at a time: SQLite's own rule */
	sq_open,
	sq_close,
	sq_stage_prepare,
	sq_copy_file,
	sq_merge_prepare,
	sq_merge_load,
	sq_drop_staging,
	0,
	1,		/* ASCII case folded in every name */
	sq_resolve,
	&house_sqlite,
	NULL,		/* copy_batch: one transaction per file */
};
