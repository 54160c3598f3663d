/*
 * dest_sqlite: the embedded default destination, SQLite.
 *
 * Layout: the database named by -D (sqlite:///abs/path.db,
 * sqlite://relative.db, a plain path from the config, else
 * $STAGE_SQLITE_PATH, else ./stage.db) is the catalog.  Each dataset and
 * its staging dataset are separate database files beside it,
 * <dir>/<dataset>.db and <dir>/<dataset>_staging.db (bytes outside
 * [A-Za-z0-9_-] written %XX), ATTACHed under the dataset's name so that
 * "ds"."t" and "ds_staging"."t" read as in PostgreSQL.  The catalog's
 * _stage_schemas table lists them for readers.
 *
 * Atomicity: a merge writes <dataset>.db and <dataset>_staging.db in one
 * transaction.  SQLite commits such a transaction atomically across files
 * only with a rollback journal (the super-journal); in WAL mode each file
 * commits on its own.  So every file is put in journal_mode=DELETE, with
 * synchronous=FULL so that the journals are on disk before the files
 * change (a power cut, not only a kill, leaves them whole).
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
 * INSERT SELECT with the conversion, DROP, RENAME) in the DDL step, so
 * the declared types stay right for readers.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "csvin.h"
#include "dest.h"
#include "json.h"
#include "log.h"
#include "sha256.h"
#include "source.h"
#include "sql.h"

#define MAX_ATTACHED 8		/* below SQLite's default limit of 10 */

struct sqdest {
	struct dest base;
	sqlite3 *db;		/* NULL: dry run without a database file */
	int dry;
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

static const char *
sq_type_name(enum coltype t)
{
	return sq_types[t];
}

/* As PostgreSQL's: unique in the dataset and deterministic. */
static void
sq_new_id(struct buf *b, const char *lit)
{
	buf_printf(b, "%s || '.' || s.\"_stage_row\"", lit);
}

static const struct sql_dialect sq_dialect = {
	sq_type_name,
	sq_new_id,
	"strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"
};

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
sq_do(struct sqdest *d, const char *object, const char *sql, int64_t *changes)
{
	if (changes)
		*changes = 0;
	if (d->dry) {
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
rollback(struct sqdest *d)
{
	if (d->dry)
		dest_dry_sql("ROLLBACK");
	else if (d->db && !sqlite3_get_autocommit(d->db))
		sqlite3_exec(d->db, "ROLLBACK", NULL, NULL, NULL);
}

/* --- files and attachments --- */

/* The file of a schema: <dir><name>.db, unsafe bytes as %XX. */
static char *
schema_file(const struct sqdest *d, const char *schema)
{
	struct buf b = BUF_INIT;

	buf_adds(&b, d->dir);
	for (const unsigned char *p = (const unsigned char *)schema; *p; p++)
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '_' || *p == '-')
			buf_addc(&b, (char)*p);
		else
			buf_printf(&b, "%%%02X", *p);
	buf_adds(&b, ".db");
	return b.p;
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

/* Rollback journal, full sync: see the top of the file. */
static int
set_journal(struct sqdest *d, const char *schema, const char *object)
{
	struct buf b = BUF_INIT;
	sqlite3_stmt *st = NULL;
	int r = -1;

	buf_adds(&b, "PRAGMA ");
	sql_ident(&b, schema);
	buf_adds(&b, ".journal_mode = DELETE");
	if (!(st = sq_prep(d, object, b.p)))
		goto out;
	if (sqlite3_step(st) != SQLITE_ROW) {
		report(d, object, "cannot set the journal mode");
		goto out;
	}
	if (strcmp((const char *)sqlite3_column_text(st, 0), "delete") != 0) {
		log_err("%s: cannot leave WAL mode (another connection has the "
		    "database open?): a commit across files is atomic only "
		    "with a rollback journal", object);
		goto out;
	}
	buf_reset(&b);
	buf_adds(&b, "PRAGMA ");
	sql_ident(&b, schema);
	buf_adds(&b, ".synchronous = FULL");
	r = sq_do(d, object, b.p, NULL);
out:
	sqlite3_finalize(st);
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
	buf_adds(&b, ".journal_mode = DELETE");
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
	file = schema_file(d, schema);
	if (strcmp(file, d->path) == 0) {
		log_err("%s: the dataset's file %s is the catalog database "
		    "itself: choose another -D path or dataset name", schema,
		    file);
		goto out;
	}
	if (d->dry)
		dry_attach(d, schema, file);
	if (d->dry && (!d->db || access(file, F_OK) != 0)) {
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
	if (d->dry) {
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

/* The catalog's path from the conninfo dest.c resolved: a sqlite:// URL,
 * dbname='...' (a credentials table's "database"), a plain path, or
 * empty: $STAGE_SQLITE_PATH, else stage.db. */
static char *
conf_path(const char *ci)
{
	const char *env = getenv("STAGE_SQLITE_PATH");
	struct buf b = BUF_INIT;

	if (strncmp(ci, "sqlite://", 9) == 0)
		buf_adds(&b, ci + 9);
	else if (strncmp(ci, "dbname='", 8) == 0) {
		for (const char *p = ci + 8; *p && *p != '\''; p++) {
			if (*p == '\\' && p[1])
				p++;
			buf_addc(&b, *p);
		}
	} else if (*ci)
		buf_adds(&b, ci);
	else
		buf_adds(&b, env && *env ? env : "stage.db");
	return b.p ? b.p : xstrdup("stage.db");
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

static int
open_db(struct sqdest *d)
{
	int flags = d->dry ? SQLITE_OPEN_READONLY :
	    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	int rc;

	if (d->dry) {
		dest_dry_sql("PRAGMA main.journal_mode = DELETE");
		dest_dry_sql("PRAGMA main.synchronous = FULL");
		dest_dry_sql(catalog_ddl);
	}
	if (d->dry && access(d->path, F_OK) != 0) {
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
	if (d->dry)
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
	    sq_do(d, d->path, catalog_ddl, NULL) < 0)
		return -1;
	return 0;
}

static void sq_close(struct dest *base);

static struct dest *
sq_open(const struct dest_conf *conf)
{
	struct sqdest *d = xcalloc(1, sizeof *d);
	const char *slash;

	d->base.ops = &dest_sqlite;
	d->base.conf = conf;
	d->dry = conf->dry_run;
	d->busy_ms = busy_timeout();
	d->path = conf_path(conf->conninfo);
	if (!*d->path || strcmp(d->path, ":memory:") == 0) {
		/* an in-memory catalog has no super-journal: commits across
		 * the dataset files would not be atomic */
		log_err("%s: give the SQLite database a file path (e.g. "
		    "sqlite:///var/lib/stage/stage.db)", conf->masked);
		sq_close(&d->base);
		return NULL;
	}
	slash = strrchr(d->path, '/');
	d->dir = slash ? strndup(d->path, (size_t)(slash + 1 - d->path)) :
	    xstrdup("");
	if (!d->dir)
		die(EXIT_FAIL, "out of memory");
	if (open_db(d) < 0) {
		sq_close(&d->base);
		return NULL;
	}
	log_verbose("sqlite: %s (datasets beside it)", d->path);
	return &d->base;
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
	sources_free(d->base.sources);
	free(d);
}

/* --- tables and their evolution --- */

struct sqcol {
	char *name;
	char *decl;		/* declared type as written */
	enum coltype type;	/* CT_NONE: not one of ours */
	int notnull;
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
	if (!(st = sq_prep(d, name, "SELECT name, type, \"notnull\" FROM "
	    "pragma_table_info(?1, ?2) ORDER BY cid")))
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
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		report(d, name, "cannot read the table's columns");
		sqcols_free(out);
		return -1;
	}
	return 0;
}

/* The value of column c (of type from) as type to, for a rebuild.  REAL
 * that hold whole numbers become "5", not "5.0", and booleans "true" or
 * "false", as PostgreSQL's casts to text write them. */
static void
convert_expr(struct buf *b, const char *c, enum coltype from, enum coltype to)
{
	struct buf q = BUF_INIT;

	sql_ident(&q, c);
	if (to != CT_TEXT || from == CT_TEXT)
		buf_adds(b, q.p);
	else if (from == CT_BOOL)
		buf_printf(b, "CASE %s WHEN 1 THEN 'true' WHEN 0 THEN 'false' "
		    "ELSE %s END", q.p, q.p);
	else
		buf_printf(b, "CASE WHEN typeof(%s) = 'real' AND %s = "
		    "CAST(%s AS INTEGER) AND abs(%s) < 1e15 THEN "
		    "CAST(CAST(%s AS INTEGER) AS TEXT) ELSE CAST(%s AS TEXT) "
		    "END", q.p, q.p, q.p, q.p, q.p, q.p);
	buf_free(&q);
}

/* Rebuilds schema.name with the declared types in want[] (one per column
 * of have): SQLite's documented way to change a column's type. */
static int
rebuild(struct sqdest *d, const char *schema, const char *name,
    const struct sqcols *have, const enum coltype *want, const char *object)
{
	struct buf b = BUF_INIT, tmp = BUF_INIT, cols = BUF_INIT;
	struct buf sel = BUF_INIT;
	int r = -1;

	buf_printf(&tmp, "_stage_rebuild_%s", name);
	buf_adds(&b, "CREATE TABLE ");
	sql_qname(&b, schema, tmp.p);
	buf_adds(&b, " (");
	for (size_t i = 0; i < have->n; i++) {
		const struct sqcol *c = &have->v[i];
		if (i) {
			buf_adds(&b, ", ");
			buf_adds(&cols, ", ");
			buf_adds(&sel, ", ");
		}
		sql_ident(&b, c->name);
		buf_printf(&b, " %s%s", want[i] == CT_NONE ? c->decl :
		    sq_types[want[i]], c->notnull ? " NOT NULL" : "");
		sql_ident(&cols, c->name);
		if (want[i] != CT_NONE && want[i] != c->type)
			convert_expr(&sel, c->name, c->type, want[i]);
		else
			sql_ident(&sel, c->name);
	}
	buf_addc(&b, ')');
	if (sq_do(d, object, b.p, NULL) < 0)
		goto out;
	buf_reset(&b);
	buf_adds(&b, "INSERT INTO ");
	sql_qname(&b, schema, tmp.p);
	buf_printf(&b, " (%s) SELECT %s FROM ", cols.p, sel.p);
	sql_qname(&b, schema, name);
	if (sq_do(d, object, b.p, NULL) < 0)
		goto out;
	buf_reset(&b);
	buf_adds(&b, "DROP TABLE ");
	sql_qname(&b, schema, name);
	if (sq_do(d, object, b.p, NULL) < 0)
		goto out;
	buf_reset(&b);
	buf_adds(&b, "ALTER TABLE ");
	sql_qname(&b, schema, tmp.p);
	buf_adds(&b, " RENAME TO ");
	sql_ident(&b, name);
	r = sq_do(d, object, b.p, NULL);
out:
	buf_free(&b);
	buf_free(&tmp);
	buf_free(&cols);
	buf_free(&sel);
	return r;
}

static void
col_def(struct buf *b, const struct dcol *c, int strict)
{
	sql_ident(b, c->name);
	buf_addc(b, ' ');
	buf_adds(b, sq_types[c->type]);
	if (strict && !c->nullable)
		buf_adds(b, " NOT NULL");
}

static int
create_table(struct sqdest *d, const char *schema, const struct dtable *t,
    const char *extra, int strict, const char *object)
{
	struct buf b = BUF_INIT;
	int r;

	buf_adds(&b, "CREATE TABLE IF NOT EXISTS ");
	sql_qname(&b, schema, t->name);
	buf_adds(&b, " (");
	for (size_t i = 0; i < t->ncols; i++) {
		col_def(&b, &t->cols[i], strict);
		buf_adds(&b, ", ");
	}
	buf_adds(&b, extra);
	buf_addc(&b, ')');
	r = sq_do(d, object, b.p, NULL);
	buf_free(&b);
	return r;
}

/* CREATE, ADD COLUMNs, or a rebuild, so that schema.name holds t's
 * columns with types at least as wide.  Inside the caller's transaction.
 * strict: as PostgreSQL's evolve (NOT NULL on CREATE only). */
static int
evolve(struct sqdest *d, const char *schema, const struct dtable *t,
    const char *extra, int strict, const char *object)
{
	struct sqcols have;
	struct buf b = BUF_INIT;
	enum coltype *want = NULL;
	int r = -1, widen = 0;

	if (columns_of(d, schema, t->name, &have) < 0)
		return -1;
	if (have.n == 0) {
		r = create_table(d, schema, t, extra, strict, object);
		goto out;
	}
	want = xmalloc(have.n * sizeof *want);
	for (size_t i = 0; i < have.n; i++) {
		int k = dtable_col(t, have.v[i].name);
		want[i] = have.v[i].type;
		if (k >= 0 && have.v[i].type != CT_NONE) {
			want[i] = coltype_widen(have.v[i].type, t->cols[k].type);
			widen |= want[i] != have.v[i].type;
		}
	}
	if (widen && rebuild(d, schema, t->name, &have, want, object) < 0)
		goto out;
	for (size_t i = 0; i < t->ncols; i++) {
		if (sqcols_find(&have, t->cols[i].name) >= 0)
			continue;
		buf_reset(&b);
		buf_adds(&b, "ALTER TABLE ");
		sql_qname(&b, schema, t->name);
		buf_adds(&b, " ADD COLUMN ");
		col_def(&b, &t->cols[i], 0);
		if (sq_do(d, object, b.p, NULL) < 0)
			goto out;
	}
	r = 0;
out:
	free(want);
	sqcols_free(&have);
	buf_free(&b);
	return r;
}

/* Runs fn inside BEGIN IMMEDIATE ... COMMIT. */
static int
in_txn(struct sqdest *d, const char *object,
    int (*fn)(struct sqdest *, const void *, const char *), const void *arg)
{
	if (sq_do(d, object, "BEGIN IMMEDIATE", NULL) < 0)
		return -1;
	if (fn(d, arg, object) < 0) {
		rollback(d);
		return -1;
	}
	if (sq_do(d, object, "COMMIT", NULL) < 0) {
		rollback(d);
		return -1;
	}
	return 0;
}

/* --- stage-copy --- */

/* _stage_row: sql_row_tag(file_no, row) (sql.h). */
static const char staging_extra[] = "\"_stage_row\" INTEGER NOT NULL";

static int
stage_ddl(struct sqdest *d, const void *arg, const char *object)
{
	const struct dtable *t = arg;
	struct buf s = BUF_INIT, b = BUF_INIT;
	int r = -1;

	sql_staging_schema(&s, t->dataset);
	buf_adds(&b, "CREATE TABLE IF NOT EXISTS ");
	sql_qname(&b, s.p, "_stage_files");
	/* file_no: the rowid, AUTOINCREMENT so that a number is never
	 * reused for another file */
	buf_adds(&b, " (file_no INTEGER PRIMARY KEY AUTOINCREMENT, load_id TEXT "
	    "NOT NULL, table_name TEXT NOT NULL, file_id TEXT NOT NULL, seq "
	    "INTEGER NOT NULL, sha256 TEXT, rows INTEGER NOT NULL, copied_at "
	    "TIMESTAMP NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')), "
	    "UNIQUE (load_id, table_name, file_id))");
	if (sq_do(d, object, b.p, NULL) == 0)
		r = evolve(d, s.p, t, staging_extra, 0, object);
	buf_free(&s);
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
	return in_txn(d, t->name, stage_ddl, t);
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

/* n digits at *p, value in [lo, hi]; advances *p. */
static int
digits(const char **p, int n, int lo, int hi)
{
	int v = 0;

	for (int i = 0; i < n; i++, (*p)++) {
		if (**p < '0' || **p > '9')
			return -1;
		v = v * 10 + (**p - '0');
	}
	return v >= lo && v <= hi ? 0 : -1;
}

static int
parse_date(const char **p)
{
	if (digits(p, 4, 1, 9999) || *(*p)++ != '-' || digits(p, 2, 1, 12) ||
	    *(*p)++ != '-' || digits(p, 2, 1, 31))
		return -1;
	return 0;
}

/* HH:MM[:SS[.frac]] */
static int
parse_clock(const char **p)
{
	if (digits(p, 2, 0, 24) || *(*p)++ != ':' || digits(p, 2, 0, 59))
		return -1;
	if (**p == ':') {
		(*p)++;
		if (digits(p, 2, 0, 60))
			return -1;
		if (**p == '.') {
			(*p)++;
			if (**p < '0' || **p > '9')
				return -1;
			while (**p >= '0' && **p <= '9')
				(*p)++;
		}
	}
	return 0;
}

/* ISO 8601: date, optional T or space and clock, optional Z or +HH[:MM]. */
static int
valid_time(const char *p, enum coltype t)
{
	if (t != CT_TIME && parse_date(&p) < 0)
		return -1;
	if (t == CT_DATE)
		return *p ? -1 : 0;
	if (t == CT_TIMESTAMP) {
		if (!*p)
			return 0;
		if (*p != 'T' && *p != ' ')
			return -1;
		p++;
	}
	if (parse_clock(&p) < 0)
		return -1;
	if (*p == 'Z' || *p == 'z')
		p++;
	else if (*p == '+' || *p == '-') {
		p++;
		if (digits(&p, 2, 0, 15))
			return -1;
		if (*p == ':')
			p++;
		if (*p && digits(&p, 2, 0, 59))
			return -1;
	}
	return *p ? -1 : 0;
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
		if (valid_time(v->p, t) < 0)
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
	if (source_stream(&d->base.sources, f, -1, csvin_feed, c) < 0 ||
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

/* The bookkeeping row's rows, or -1 when the file is not recorded;
 * -2 after reporting an error.  *why gets dfile_reused's message when the
 * row records other data than f (the rows are still returned). */
static int64_t
recorded(struct sqdest *d, const struct dfile *f, const char *schema,
    struct buf *why)
{
	struct buf q = BUF_INIT;
	sqlite3_stmt *st;
	int64_t n = -2;
	int rc;

	buf_adds(&q, "SELECT rows, sha256 FROM ");
	sql_qname(&q, schema, "_stage_files");
	buf_adds(&q, " WHERE load_id = ?1 AND table_name = ?2 AND "
	    "file_id = ?3");
	st = sq_prep(d, f->object, q.p);
	buf_free(&q);
	if (!st)
		return -2;
	sqlite3_bind_text(st, 1, f->load_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, f->t.name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, f->file_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		n = sqlite3_column_int64(st, 0);
		dfile_reused(f, (const char *)sqlite3_column_text(st, 1), why);
	} else if (rc == SQLITE_DONE)
		n = -1;
	else
		report(d, f->object, "query failed");
	sqlite3_finalize(st);
	return n;
}

static void
bookkeeping(struct buf *b, const struct dfile *f, const char *schema)
{
	buf_adds(b, "INSERT INTO ");
	sql_qname(b, schema, "_stage_files");
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
	buf_printf(b, ", %lld)", (long long)f->rows);
}

static int
dry_copy(struct sqdest *d, const struct dfile *f, const char *schema,
    int absent, struct dcopied *res)
{
	struct buf b = BUF_INIT, why = BUF_INIT;
	int64_t n = absent || !d->db ? -1 : recorded(d, f, schema, &why);

	res->rows = f->rows;
	if (why.len) {
		buf_printf(&b, "-- %s", why.p);
		manifest_emit(&b);
		log_err("%s", why.p);
		buf_free(&b);
		buf_free(&why);
		return -1;
	}
	if (n >= 0) {
		res->rows = n;
		res->skipped = 1;
		buf_printf(&b, "-- skip: %s (copied before, %lld rows)",
		    f->object, (long long)n);
		manifest_emit(&b);
		buf_free(&b);
		return 0;
	}
	dest_dry_sql("BEGIN IMMEDIATE");
	bookkeeping(&b, f, schema);
	dest_dry_sql(b.p);
	buf_reset(&b);
	insert_stmt(&b, f);
	dest_dry_sql(b.p);
	buf_reset(&b);
	buf_printf(&b, "-- data: %s (%lld rows, one execution per row)",
	    f->object, (long long)f->rows);
	manifest_emit(&b);
	dest_dry_sql("COMMIT");
	buf_free(&b);
	return 0;
}

static int
sq_copy_file(struct dest *base, const struct dfile *f, struct dcopied *res)
{
	struct sqdest *d = (struct sqdest *)base;
	struct buf s = BUF_INIT, b = BUF_INIT;
	int64_t n, rows = 0;
	int r = -1, a;

	memset(res, 0, sizeof *res);
	if ((a = attach_staging(d, f->t.dataset, &s)) < 0)
		goto out;
	if (d->dry) {
		r = dry_copy(d, f, s.p, a == 1, res);
		goto out;
	}
	if (sq_do(d, f->object, "BEGIN IMMEDIATE", NULL) < 0)
		goto out;
	if ((n = recorded(d, f, s.p, &b)) < -1)
		goto fail;
	if (b.len) {
		log_err("%s", b.p);
		goto fail;
	}
	if (n >= 0) {
		rollback(d);
		res->rows = n;
		res->skipped = 1;
		r = 0;
		goto out;
	}
	bookkeeping(&b, f, s.p);
	if (sq_do(d, f->object, b.p, NULL) < 0 ||
	    load_file(d, f, sqlite3_last_insert_rowid(d->db), &rows) < 0)
		goto fail;
	if (rows != f->rows) {
		log_err("%s: loaded %lld rows, the manifest says %lld: "
		    "rolled back", f->object, (long long)rows,
		    (long long)f->rows);
		goto fail;
	}
	if (sq_do(d, f->object, "COMMIT", NULL) < 0)
		goto fail;
	res->rows = rows;
	r = 0;
	goto out;
fail:
	rollback(d);
out:
	buf_free(&s);
	buf_free(&b);
	return r;
}

/* --- stage-merge --- */

struct mctx {
	const struct dload *l;
	const struct merge_opts *o;
};

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

static void
unique_index(struct buf *b, const struct dtable *t)
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
	sql_qname(b, t->dataset, name);
	buf_adds(b, " ON ");
	sql_ident(b, t->name);
	buf_adds(b, " (");
	for (size_t i = 0; i < t->npk; i++) {
		if (i)
			buf_adds(b, ", ");
		sql_ident(b, t->pk[i]);
	}
	buf_addc(b, ')');
	buf_free(&key);
}

/* The final table's wanted types: the manifest's, widened to what the
 * staging table holds now (another load may have widened it). */
static int
final_shape(struct sqdest *d, const struct dtable *t, struct dtable *want)
{
	struct sqcols st;
	struct buf s = BUF_INIT;
	int r;

	dtable_copy(want, t);
	sql_staging_schema(&s, t->dataset);
	r = columns_of(d, s.p, t->name, &st);
	for (size_t i = 0; r == 0 && i < want->ncols; i++) {
		int k = sqcols_find(&st, want->cols[i].name);
		if (k >= 0 && st.v[k].type != CT_NONE)
			want->cols[i].type = coltype_widen(want->cols[i].type,
			    st.v[k].type);
	}
	sqcols_free(&st);
	buf_free(&s);
	return r;
}

static int
merge_ddl(struct sqdest *d, const void *arg, const char *object)
{
	const struct mctx *m = arg;
	const char *ds = m->l->dataset;
	struct buf b = BUF_INIT;
	int r = -1;

	buf_adds(&b, "CREATE TABLE IF NOT EXISTS ");
	sql_qname(&b, ds, "_dlt_loads");
	buf_adds(&b, " (load_id TEXT NOT NULL, schema_name TEXT, status "
	    "INTEGER NOT NULL, inserted_at TIMESTAMP NOT NULL, "
	    "schema_version_hash TEXT)");
	if (sq_do(d, object, b.p, NULL) < 0)
		goto out;
	buf_reset(&b);
	buf_adds(&b, "CREATE TABLE IF NOT EXISTS ");
	sql_qname(&b, ds, "_stage_loads");
	buf_adds(&b, " (load_id TEXT NOT NULL, table_name TEXT NOT NULL, "
	    "rows INTEGER NOT NULL, PRIMARY KEY (load_id, table_name))");
	if (sq_do(d, object, b.p, NULL) < 0)
		goto out;
	for (size_t i = 0; i < m->l->nt; i++) {
		const struct dtable *t = &m->l->t[i];
		struct dtable want;
		int e = final_shape(d, t, &want);
		if (e == 0)
			e = evolve(d, t->dataset, &want, "\"_dlt_load_id\" TEXT "
			    "NOT NULL, \"_dlt_id\" TEXT NOT NULL", 1, t->name);
		dtable_free(&want);
		if (e < 0)
			goto out;
		if (t->disp == DISP_MERGE && t->npk &&
		    m->o->strategy == MERGE_UPSERT) {
			buf_reset(&b);
			unique_index(&b, t);
			if (sq_do(d, t->name, b.p, NULL) < 0)
				goto out;
		}
	}
	r = 0;
out:
	buf_free(&b);
	return r;
}

static int
sq_merge_prepare(struct dest *base, const struct dload *l,
    const struct merge_opts *o)
{
	struct sqdest *d = (struct sqdest *)base;
	struct mctx m = { l, o };

	if (attach_load(d, l->dataset, NULL) < 0)
		return DEST_FATAL;
	return in_txn(d, l->load_id, merge_ddl, &m);
}

static int
table_exists(struct sqdest *d, const char *schema, const char *name)
{
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

/* 1 if the load is recorded (merged[] filled from _stage_loads). */
static int
already_merged(struct sqdest *d, const struct dload *l, int64_t *merged)
{
	struct buf q = BUF_INIT;
	sqlite3_stmt *st;
	int rc, found = 0;

	if (!table_exists(d, l->dataset, "_dlt_loads"))
		return 0;
	buf_adds(&q, "SELECT t.table_name, t.rows FROM ");
	sql_qname(&q, l->dataset, "_dlt_loads");
	buf_adds(&q, " AS l LEFT JOIN ");
	sql_qname(&q, l->dataset, "_stage_loads");
	buf_adds(&q, " AS t ON t.load_id = l.load_id WHERE l.load_id = ?1 "
	    "AND l.status = 0");
	st = sq_prep(d, l->load_id, q.p);
	buf_free(&q);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, l->load_id, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);
		found = 1;
		for (size_t k = 0; name && k < l->nt; k++)
			if (strcmp(name, l->t[k].name) == 0)
				merged[k] = sqlite3_column_int64(st, 1);
	}
	if (rc != SQLITE_DONE) {
		report(d, l->load_id, "query failed");
		found = -1;
	}
	sqlite3_finalize(st);
	return found;
}

/* The integer a one-row query (a count) answers, in *n: 0, or -1 after
 * reporting. */
static int
sq_count(struct sqdest *d, const char *object, const char *sql, int64_t *n)
{
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

static int
check_counts(struct sqdest *d, const struct dload *l, int *short_rows)
{
	struct buf q = BUF_INIT, s = BUF_INIT;
	int r = 0;

	sql_staging_schema(&s, l->dataset);
	for (size_t i = 0; i < l->nt && r == 0; i++) {
		int64_t n = 0;
		int staged = table_exists(d, s.p, l->t[i].name) &&
		    table_exists(d, s.p, "_stage_files");

		if (d->dry && !staged)
			continue;
		buf_reset(&q);
		buf_adds(&q, "SELECT count(*) FROM ");
		sql_load_rows(&q, &l->t[i], l->load_id);
		/* a staging table dropped holds no rows (not an SQL error) */
		if (staged)
			r = sq_count(d, l->t[i].name, q.p, &n);
		if (r == 0 && n != l->rows[i]) {
			dest_staging_mismatch(l, i, n);
			*short_rows = 1;
			r = -1;
		}
	}
	buf_free(&q);
	buf_free(&s);
	return r;
}

/* sq_do as an sql_exec_fn */
static int
sq_exec(void *ctx, const char *object, const char *sql, int64_t *rows)
{
	return sq_do(ctx, object, sql, rows);
}

static int
apply_tables(struct sqdest *d, const struct dload *l,
    const struct merge_opts *o, int64_t *merged)
{
	return sql_apply_tables(&sq_dialect, l, o, d->dry, merged, sq_exec, d);
}

static int
record_load(struct sqdest *d, const struct dload *l, const int64_t *merged)
{
	struct sqlv v = { 0 };
	int r = 0;

	sql_record_load(&v, l, merged, sq_dialect.now);
	r = sql_run(&v, sq_exec, d, l->load_id, NULL);
	sqlv_free(&v);
	return r;
}

/* 1 if staging table name holds rows rows in all, 0 if not, -1 after
 * reporting.  Under BEGIN IMMEDIATE no one else can add any. */
static int
holds_only(struct sqdest *d, const char *schema, const char *name,
    int64_t rows)
{
	struct buf q = BUF_INIT;
	int64_t n;
	int r;

	if (d->dry)
		return 0;
	buf_adds(&q, "SELECT count(*) FROM ");
	sql_qname(&q, schema, name);
	if ((r = sq_count(d, name, q.p, &n)) == 0)
		r = n == rows;
	buf_free(&q);
	return r;
}

/* Deletes this load's staging rows (never another load's).  Right after
 * the merge (counts checked), a table that holds nothing else is
 * emptied by a DELETE without WHERE, which SQLite does by dropping its
 * pages instead of deleting each row. */
static int
clear_staging(struct sqdest *d, const struct dload *l, int if_exists)
{
	struct buf b = BUF_INIT, s = BUF_INIT;
	int r = 0, alone = 0;

	sql_staging_schema(&s, l->dataset);
	for (size_t i = 0; i < l->nt && r == 0; i++) {
		if (if_exists && !table_exists(d, s.p, l->t[i].name))
			continue;
		if (!if_exists && (alone = holds_only(d, s.p, l->t[i].name,
		    l->rows[i])) < 0) {
			r = -1;
			break;
		}
		buf_reset(&b);
		if (alone) {
			buf_adds(&b, "DELETE FROM ");
			sql_qname(&b, s.p, l->t[i].name);
		} else {
			sql_clear_staging(&b, &l->t[i], l->load_id);
		}
		r = sq_do(d, l->t[i].name, b.p, NULL);
	}
	buf_free(&b);
	buf_free(&s);
	return r;
}

/* Loads of a table commit in load_id order: a load older than one that
 * merged into one of its (merge or replace) tables is refused. */
static int
check_order(struct sqdest *d, const struct dload *l)
{
	struct buf q = BUF_INIT;
	int r = 0;

	if (!table_exists(d, l->dataset, "_stage_loads"))
		return 0;
	buf_adds(&q, "SELECT load_id FROM ");
	sql_qname(&q, l->dataset, "_stage_loads");
	buf_adds(&q, " WHERE table_name = ?1");
	for (size_t i = 0; i < l->nt && r == 0; i++) {
		sqlite3_stmt *st;
		int rc;

		if (l->t[i].disp == DISP_APPEND)
			continue;
		if (!(st = sq_prep(d, l->t[i].name, q.p))) {
			r = -1;
			break;
		}
		sqlite3_bind_text(st, 1, l->t[i].name, -1, SQLITE_STATIC);
		while (r == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW)
			r = dest_check_order(l, i,
			    (const char *)sqlite3_column_text(st, 0));
		if (r == 0 && rc != SQLITE_DONE) {
			report(d, l->t[i].name, "query failed");
			r = -1;
		}
		sqlite3_finalize(st);
	}
	buf_free(&q);
	return r;
}

/* Files of table t of l recorded as copied whose rows are not all in
 * staging: said, and forgotten (sql_lost_files). */
static int
forget_table(struct sqdest *d, const struct dload *l, const struct dtable *t)
{
	struct buf q = BUF_INIT, s = BUF_INIT;
	int64_t *nos = NULL;
	size_t n = 0;
	sqlite3_stmt *st;
	int staged, rc = -1, step;

	sql_staging_schema(&s, l->dataset);
	staged = table_exists(d, s.p, t->name);
	sql_lost_files(&q, t, l->load_id, staged);
	if (!(st = sq_prep(d, t->name, q.p)))
		goto out;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		log_err("%s: file %s of load %s was copied (%lld rows), but "
		    "%lld of its rows are in %s.%s%s: its copy record is "
		    "cleared, so that stage-copy on this manifest copies it "
		    "again", t->name, (const char *)sqlite3_column_text(st, 1),
		    l->load_id, (long long)sqlite3_column_int64(st, 2),
		    (long long)sqlite3_column_int64(st, 3), s.p, t->name,
		    staged ? "" : " (dropped)");
		nos = xrealloc(nos, (n + 1) * sizeof *nos);
		nos[n++] = sqlite3_column_int64(st, 0);
	}
	if (step != SQLITE_DONE)
		report(d, t->name, "query failed");
	sqlite3_finalize(st);
	rc = step == SQLITE_DONE ? 0 : -1;
	for (size_t i = 0; i < n && rc == 0; i++) {
		struct sqlv v = { 0 };
		sql_forget_file(&v, t, nos[i], staged);
		rc = sql_run(&v, sq_exec, d, t->name, NULL);
		sqlv_free(&v);
	}
out:
	free(nos);
	buf_free(&q);
	buf_free(&s);
	return rc;
}

/* in_txn's fn: see forget_lost */
static int
forget_tables(struct sqdest *d, const void *arg, const char *object)
{
	const struct dload *l = arg;
	int64_t *merged = xcalloc(l->nt + 1, sizeof *merged);
	int r;

	(void)object;
	r = already_merged(d, l, merged);
	for (size_t i = 0; i < l->nt && r == 0; i++)
		r = forget_table(d, l, &l->t[i]);
	free(merged);
	return r < 0 ? -1 : 0;
}

/* After a count check failed: the rows of a file recorded as copied may
 * be gone (its staging table dropped or emptied), and stage-copy would
 * skip that file forever.  In a write transaction of its own, unless the
 * load was merged meanwhile, such files lose their record: the
 * documented recovery (stage-copy, then stage-merge) then works. */
static void
forget_lost(struct sqdest *d, const struct dload *l)
{
	struct buf s = BUF_INIT;

	sql_staging_schema(&s, l->dataset);
	if (!d->dry && table_exists(d, s.p, "_stage_files"))
		in_txn(d, l->load_id, forget_tables, l);
	buf_free(&s);
}

static int
sq_merge_load(struct dest *base, const struct dload *l,
    const struct merge_opts *o, int64_t *merged, int *already)
{
	struct sqdest *d = (struct sqdest *)base;
	int done, short_rows = 0;

	*already = 0;
	for (size_t i = 0; i < l->nt; i++)
		merged[i] = 0;
	if (attach_load(d, l->dataset, NULL) < 0)
		return DEST_FATAL;
	if (sq_do(d, l->load_id, "BEGIN IMMEDIATE", NULL) < 0)
		return -1;
	if ((done = already_merged(d, l, merged)) < 0)
		goto fail;
	if (done) {
		*already = 1;
		/* a stage-copy re-run after the merge may have staged the
		 * rows again: they are not needed */
		if (d->dry)
			dest_dry_comment(l->load_id, "merged before: nothing to do");
		if (clear_staging(d, l, 1) < 0)
			goto fail;
	} else if (check_order(d, l) < 0 ||
	    check_counts(d, l, &short_rows) < 0 ||
	    apply_tables(d, l, o, merged) < 0
	    || record_load(d, l, merged) < 0 || clear_staging(d, l, 0) < 0) {
		goto fail;
	}
	if (sq_do(d, l->load_id, "COMMIT", NULL) == 0)
		return 0;
fail:
	rollback(d);
	if (short_rows)
		forget_lost(d, l);
	return -1;
}

static int
drop_empty(struct sqdest *d, const void *arg, const char *object)
{
	const char *s = arg;
	struct buf q = BUF_INIT, b = BUF_INIT;
	char **names = NULL;
	size_t n = 0;
	sqlite3_stmt *st;
	int r = -1, rc;

	buf_adds(&q, "SELECT name FROM ");
	sql_qname(&q, s, "sqlite_master");
	buf_adds(&q, " WHERE type = 'table' AND name <> '_stage_files' AND "
	    "name NOT LIKE 'sqlite\\_%' ESCAPE '\\'");
	if (!d->db || !is_attached(d, s))
		goto done;
	if (!(st = sq_prep(d, object, q.p)))
		goto out;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		names = xrealloc(names, (n + 1) * sizeof *names);
		names[n++] = xstrdup((const char *)sqlite3_column_text(st, 0));
	}
	sqlite3_finalize(st);
	for (size_t i = 0; i < n; i++) {
		int empty;
		/* only if empty: a load not merged yet keeps its table */
		buf_reset(&b);
		buf_adds(&b, "SELECT NOT EXISTS (SELECT 1 FROM ");
		sql_qname(&b, s, names[i]);
		buf_addc(&b, ')');
		if (!(st = sq_prep(d, object, b.p)))
			goto out;
		empty = sqlite3_step(st) == SQLITE_ROW &&
		    sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
		if (!empty)
			continue;
		buf_reset(&b);
		buf_adds(&b, "DROP TABLE ");
		sql_qname(&b, s, names[i]);
		if (sq_do(d, object, b.p, NULL) < 0)
			goto out;
	}
done:
	r = 0;
out:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	buf_free(&q);
	buf_free(&b);
	return r;
}

static int
sq_drop_staging(struct dest *base, const char *dataset)
{
	struct sqdest *d = (struct sqdest *)base;
	struct buf s = BUF_INIT;
	int r;

	if ((r = attach_staging(d, dataset, &s)) >= 0)
		r = in_txn(d, dataset, drop_empty, s.p);
	buf_free(&s);
	return r;
}

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
};
