/*
 * dest_sql: what every SQL destination does the same way, written once
 * over a small per-engine driver (struct sql_driver).
 *
 * An SQL back end (dest_postgres.c, dest_sqlite.c, a warehouse next)
 * starts its handle with a struct sqldest and fills a struct sql_driver
 * with what only its engine knows: running a statement (printed instead
 * in a dry run), a one-row count, whether a table exists, the columns of
 * a table (widen_to) and how a table grows (evolve), and the type names
 * of the bookkeeping tables.  This layer then owns the bookkeeping DDL
 * (_dlt_loads, _stage_loads, _dlt_version), the final tables' DDL inside
 * the merge's transaction, the staging count and file checks, the
 * statements of every table's disposition (sql.h) and the _dlt_loads
 * record, with the messages and dry-run lines of dest.h.  The engine
 * keeps its transactions' shape (SQLite's BEGIN IMMEDIATE and ATTACH,
 * PostgreSQL's advisory locks, binary COPY and cancel).
 */
#ifndef STAGE_DEST_SQL_H
#define STAGE_DEST_SQL_H

#include "dest.h"
#include "sql.h"

struct sqldest;

struct sql_driver {
	const struct sql_dialect *dialect;
	/* A statement that changes something: 0 with *rows set (may be
	 * NULL), -1 after reporting; a dry run prints it (dest_dry_sql). */
	int (*exec)(struct sqldest *d, const char *object, const char *sql,
	    int64_t *rows);
	/* The integer a one-row query answers: 0, 1 when a dry run has no
	 * connection to ask, -1 after reporting. */
	int (*count)(struct sqldest *d, const char *object, const char *sql,
	    int64_t *n);
	/* 1 if schema.name exists (0 in a dry run that cannot ask). */
	int (*table_exists)(struct sqldest *d, const char *schema,
	    const char *name);
	/* Widens want's types to those schema.want->name holds (another
	 * load may have widened them); *exists: the table exists. */
	int (*widen_to)(struct sqldest *d, const char *schema,
	    struct dtable *want, int *exists);
	/* CREATE (with extra after the columns; strict: NOT NULL where the
	 * manifest says so) or grow schema.t->name to hold t's columns. */
	int (*evolve)(struct sqldest *d, const char *schema,
	    const struct dtable *t, const char *extra, int strict,
	    const char *object);
	const char *staging_extra;	/* _stage_row's column definition */
	const char *final_extra;	/* _dlt_load_id's and _dlt_id's */
	const char *loads_cols;		/* _dlt_loads' column list */
	const char *stage_loads_cols;	/* _stage_loads' */
	const char *version_cols;	/* _dlt_version's (dltschema.h) */
	const char *record_now;		/* _dlt_loads.inserted_at */
	int index_in_schema;		/* CREATE INDEX "schema"."name" ON
					 * "table" (SQLite) rather than
					 * "name" ON "schema"."table" */
};

/* The first member of every SQL back end's handle. */
struct sqldest {
	struct dest base;
	const struct sql_driver *drv;
	int dry;
};

/* d's exec as an sql_exec_fn (ctx: the struct sqldest). */
int sqld_exec(void *ctx, const char *object, const char *sql, int64_t *rows);

/* CREATE TABLE IF NOT EXISTS of dataset ds's _dlt_version, _dlt_loads
 * and _stage_loads. */
int sqld_version_ddl(struct sqldest *d, const char *ds, const char *object);
int sqld_bookkeeping_ddl(struct sqldest *d, const char *ds,
    const char *object);

/* The final tables' DDL, inside the merge's transaction so that a merge
 * that fails changes nothing: each final table gets the manifest's
 * columns with the types widened to what its staging and final table
 * hold, the staging table the same types (its rows then go in without a
 * cast that could lose digits), and an upsert its unique index. */
int sqld_final_ddls(struct sqldest *d, const struct dload *l,
    const struct merge_opts *o);

/* 0 if _stage_files records exactly the manifest's files of each table
 * of l (merged: l committed before; then staging may hold none of its
 * rows or exactly its own), else -1 after reporting. */
int sqld_check_files(struct sqldest *d, const struct dload *l, int merged);
/* 0 if staging holds exactly the manifest's rows of each table of l
 * (else *short_rows = 1) and check_files agrees, else -1 after
 * reporting. */
int sqld_check_counts(struct sqldest *d, const struct dload *l,
    int *short_rows);

/* Every table's disposition (sql_apply_tables) and the load's record
 * (sql_record_load): 0 or -1. */
int sqld_apply_tables(struct sqldest *d, const struct dload *l,
    const struct merge_opts *o, int64_t *merged);
int sqld_record_load(struct sqldest *d, const struct dload *l,
    const int64_t *merged);

#endif
