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

/* Called per row of a query with its values as text (NULL for SQL
 * NULL): 0 goes on, -1 stops (after reporting). */
typedef int sqld_row_fn(void *arg, const char *const *v, int n);

typedef int sqld_txn_fn(struct sqldest *d, const void *arg,
    const char *object);

struct sql_driver {
	const struct sql_dialect *dialect;
	const char *begin;		/* "BEGIN", "BEGIN IMMEDIATE" */
	/* Ends the transaction in flight, if any (dry run: prints it). */
	void (*rollback)(struct sqldest *d);
	/* Appends the statement that serializes what ("ddl", "merge") on
	 * schema inside a transaction; NULL: the engine's begin does. */
	void (*lock)(struct buf *b, const char *what, const char *schema);
	int schemas;			/* a dataset is a schema made by
					 * CREATE SCHEMA (SQLite: a file
					 * the engine attaches) */
	const char *files_cols;		/* _stage_files' column list */
	/* After the staging table's DDL: make it fit rows of stage and of
	 * dlt alike.  The staging table is shared with dlt, which creates
	 * it with its own columns (_dlt_load_id, _dlt_id NOT NULL) or loads
	 * into ours: stage's rows must fit a table dlt made, and dlt's rows
	 * one that stage made.  So _stage_row is added when missing and no
	 * column stays NOT NULL (a row is found by its _stage_row, and rows
	 * without one are never read as a load's). */
	int (*staging_fit)(struct sqldest *d, const char *schema,
	    const char *name, const char *object);
	/* A statement that changes something: 0 with *rows set (may be
	 * NULL), -1 after reporting; a dry run prints it (dest_dry_sql). */
	int (*exec)(struct sqldest *d, const char *object, const char *sql,
	    int64_t *rows);
	/* The integer a one-row query answers: 0, 1 when a dry run has no
	 * connection to ask, -1 after reporting. */
	int (*count)(struct sqldest *d, const char *object, const char *sql,
	    int64_t *n);
	/* Runs a read-only query (also in a dry run that can ask), with
	 * param bound to the driver's placeholder when it has one, and
	 * calls row for each row: 0, 1 when a dry run cannot ask, -1 after
	 * reporting or when row said so. */
	int (*rows)(struct sqldest *d, const char *object, const char *what,
	    const char *sql, const char *param, sqld_row_fn *row, void *arg);
	/* 1 if schema.name exists (0 in a dry run that cannot ask). */
	int (*table_exists)(struct sqldest *d, const char *schema,
	    const char *name);
	/* The columns of schema.name, in order, with their types
	 * (CT_NONE: not one of ours); *exists: the table exists.  0, or -1
	 * after reporting. */
	int (*columns)(struct sqldest *d, const char *schema,
	    const char *name, struct dtable *out, int *exists);
	/* CREATE (with extra after the columns; strict: NOT NULL where the
	 * manifest says so) or grow schema.t->name to hold t's columns:
	 * sqld_evolve over widen and add_column below, or the engine's
	 * own. */
	int (*evolve)(struct sqldest *d, const char *schema,
	    const struct dtable *t, const char *extra, int strict,
	    const char *object);
	/* Right after a merge: 1 if t's staging table holds no rows but
	 * the load's rows (then emptied whole, by empty), 0 if it holds
	 * others or a dry run cannot tell, -1 after reporting. */
	int (*alone)(struct sqldest *d, const struct dtable *t, int64_t rows);
	/* dlt's stored schema of a dataset (dltschema.h): the catalog
	 * query of its tables' (table, column, declared type, not null)
	 * in order, our type of a declared one (CT_NONE: not ours), and
	 * _dlt_version.inserted_at as dlt writes it. */
	void (*tables_query)(struct buf *q, const char *dataset);
	enum coltype (*decl_type)(const char *decl);
	const char *version_now;
	int clear_after_commit;		/* the engine clears staging after
					 * the merge's commit (SQLite) */
	const char *empty;		/* "TRUNCATE ", "DELETE FROM " */
	const char *empty_note;		/* dry run: said when not alone */
	const char *param;		/* placeholder of a bound value ("?1"),
					 * or NULL: values inlined as
					 * literals */
	const char *staging_extra;	/* _stage_row's column definition */
	const char *final_extra;	/* _dlt_load_id's and _dlt_id's */
	const char *loads_cols;		/* _dlt_loads' column list */
	const char *stage_loads_cols;	/* _stage_loads' */
	const char *version_cols;	/* _dlt_version's (dltschema.h) */
	const char *record_now;		/* _dlt_loads.inserted_at */
	int index_in_schema;		/* CREATE INDEX "schema"."name" ON
					 * "table" (SQLite) rather than
					 * "name" ON "schema"."table" */
	/* stage-copy (sqld_copy_file).  Appends the statement that locks
	 * f's staging table in the file's transaction before its
	 * bookkeeping row; NULL: the engine's begin does. */
	void (*file_lock)(struct buf *b, const struct dfile *f);
	/* The bulk load of f's rows into its staging table in the file's
	 * transaction, the n-th row tagged sql_row_tag(file_no, n): 0 with
	 * *rows set, 1 when the file's transaction is to be rolled back
	 * and run again (PostgreSQL: a value binary COPY refused, text
	 * next), -1 after reporting. */
	int (*load)(struct sqldest *d, const struct dfile *f, int64_t file_no,
	    int64_t *rows);
	/* Dry run: prints what load would send. */
	void (*dry_load)(struct sqldest *d, const struct dfile *f);
	/* stage-merge (sqld_merge_load).  A statement run first in the
	 * merge's transaction, before its lock (PostgreSQL: work_mem), or
	 * NULL. */
	const char *merge_setup;
	/* Appends the query of the NOT NULL columns without a default of
	 * schema.name, one a row (sqld_final_fits): 1, or 0 when there is
	 * nothing to ask (a dry run without the dataset).  not_null_alter:
	 * the engine can ALTER COLUMN ... DROP NOT NULL
	 * (dest_check_not_null). */
	int (*not_null_query)(struct sqldest *d, struct buf *q,
	    const char *schema, const char *name);
	int not_null_alter;
	/* sqld_evolve.  Gives the columns of schema.name (have, as columns
	 * read them) the types in want[] (one per column of have; a type
	 * equal to the column's: unchanged), keeping their values
	 * (PostgreSQL: ALTER COLUMN ... TYPE, SQLite: the table rebuilt):
	 * 0, or -1 after reporting. */
	int (*widen)(struct sqldest *d, const char *schema, const char *name,
	    const struct dtable *have, const enum coltype *want,
	    const char *object);
	const char *add_column;		/* "ADD COLUMN IF NOT EXISTS " */
	/* sqld_drop_staging.  Appends the query of the tables of staging
	 * schema s but _stage_files, one name a row: 1, or 0 when there is
	 * nothing to ask (a dry run without the file). */
	int (*staging_tables)(struct sqldest *d, struct buf *q, const char *s);
	/* Appends the statement that locks qname (a qualified table) against
	 * every other writer until the transaction ends (PostgreSQL: LOCK
	 * TABLE ... IN ACCESS EXCLUSIVE MODE), or NULL: the engine's begin
	 * does. */
	void (*lock_table)(struct buf *b, const char *qname);
	int ddl_commits;		/* every DDL statement commits on its
					 * own (Snowflake): sqld_in_txn runs
					 * no BEGIN, lock or COMMIT around it */
	int dup_check;			/* ask sql_dup_keys before a merge
					 * table's statements and leave dedup
					 * out when the keys are unique
					 * (PostgreSQL: its sort of every
					 * staged row costs more than the
					 * question) */
	/* Before dup_check's question: 1 when what stage-copy recorded
	 * shows t's keys in load_id unique without reading its rows
	 * (PostgreSQL: pgkeys.h), with span set to merge_opts' key_span
	 * when it also knows them exactly (else left empty), 0 when it
	 * does not (ask), -1 after reporting; NULL: always ask. */
	int (*keys_known)(struct sqldest *d, const struct dtable *t,
	    const char *load_id, struct buf *span);
};

/* The first member of every SQL back end's handle. */
struct sqldest {
	struct dest base;
	const struct sql_driver *drv;
	int dry;
};

/* d's exec as an sql_exec_fn (ctx: the struct sqldest). */
int sqld_exec(void *ctx, const char *object, const char *sql, int64_t *rows);

/* fn in a transaction of its own (begin, lock on lockname, fn, COMMIT;
 * ROLLBACK when a step fails), or just fn where the driver's DDL
 * commits on its own (ddl_commits): 0 or -1. */
int sqld_in_txn(struct sqldest *d, const char *object, sqld_txn_fn *fn,
    const void *arg, const char *lockname);
/* stage_prepare's DDL in its transaction: the staging schema (where the
 * engine has schemas), _stage_files, and t's staging table made or grown
 * (staging_extra) and fit for dlt's rows. */
int sqld_stage_ddl(struct sqldest *d, const struct dtable *t);
/* merge_prepare's DDL in its transaction: the dataset's schema and its
 * bookkeeping tables (sqld_bookkeeping_ddl). */
int sqld_merge_ddl(struct sqldest *d, const struct dload *l);

/* The driver's evolve written once: CREATE TABLE (sqld_create_table)
 * when schema.t->name does not exist, else the columns whose types must
 * widen for t's rows (said: dest_widened) through the driver's widen,
 * then t's columns the table lacks added (nullable: the rows already
 * there lack them). */
int sqld_evolve(struct sqldest *d, const char *schema, const struct dtable *t,
    const char *extra, int strict, const char *object);

/* CREATE TABLE IF NOT EXISTS schema.t with t's columns (strict: NOT NULL
 * where t says so), extra after them. */
int sqld_create_table(struct sqldest *d, const char *schema,
    const struct dtable *t, const char *extra, int strict,
    const char *object);

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

/* In the file's transaction, for a file not recorded before: 0 if its
 * load is not merged yet; 1 if it is and its file records were pruned
 * (housekeeping.h: a re-run of its manifest, not copied again); else -1
 * after reporting (a file added to a merged load would be staged and
 * never merged). */
int sqld_not_merged_yet(struct sqldest *d, const struct dfile *f);

/* 1 if load l is recorded as merged (merged[] then gets its rows per
 * table), 0 if not, -1 after reporting (also when the recorded load did
 * not have one of l's tables: other data under its id). */
int sqld_already_merged(struct sqldest *d, const struct dload *l,
    int64_t *merged);
/* 0 if no load newer than l merged into one of l's merge or replace
 * tables (dest_check_order), else -1 after reporting. */
int sqld_check_order(struct sqldest *d, const struct dload *l);
/* Files of table t of l recorded as copied whose rows are not all in
 * staging: said, and forgotten (sql_lost_files), so that stage-copy on
 * the manifest copies them again.  0 or -1. */
int sqld_forget_table(struct sqldest *d, const struct dload *l,
    const struct dtable *t);
/* Deletes l's staging rows (never another load's); right after the merge
 * (merged_before 0, counts checked) a table that holds nothing else is
 * emptied whole (the driver's alone and empty); a load merged before
 * just gets the rows of its tables that still exist deleted. */
int sqld_clear_staging(struct sqldest *d, const struct dload *l,
    int merged_before);

/* The merge of l inside its transaction, after the engine's lock: a load
 * merged before only has its files checked and its staging rows cleared
 * (returns 1); else order, counts, the final tables' DDL, every table's
 * disposition, the record, the stored schema and (unless the engine
 * clears after commit) the clearing of staging (returns 0).  -1 after
 * reporting; *short_rows: staging lacked rows (see sqld_forget_lost). */
int sqld_merge(struct sqldest *d, const struct dload *l,
    const struct merge_opts *o, int64_t *merged, int *short_rows);
/* After a count check failed, in a transaction of its own under the
 * merge's lock: unless l was merged meanwhile, the files whose rows are
 * gone from staging lose their record (sqld_forget_table), so that the
 * documented recovery (stage-copy, then stage-merge) works.  0 or -1. */
int sqld_forget_lost(struct sqldest *d, const struct dload *l);

/* stage-copy's transaction of one file, after the engine's own
 * preparation (connection, attached files, a staging table dropped since
 * stage_prepare): BEGIN, the driver's file_lock, the bookkeeping row in
 * _stage_files (its file_no tags the rows; a file recorded already is
 * skipped, or refused when recorded for other data: dfile_reused), the
 * load not merged yet, the driver's load, the rows it loaded against the
 * manifest's, COMMIT.  A dry run says whether the file is recorded and
 * prints the statements instead.  0 with *res set, or -1 after
 * reporting (rolled back). */
int sqld_copy_file(struct sqldest *d, const struct dfile *f,
    struct dcopied *res);

/* stage-merge's transaction of load l, after the engine's own
 * preparation: BEGIN, the driver's merge_setup and lock ("merge" on the
 * dataset), sqld_merge, COMMIT, and where the engine clears staging
 * after the commit, that in a transaction of its own.  *already: l was
 * merged before.  0, or -1 after reporting (rolled back; when staging
 * lacked rows, the files whose rows are gone lose their record in a
 * transaction of its own: sqld_forget_lost). */
int sqld_merge_load(struct sqldest *d, const struct dload *l,
    const struct merge_opts *o, int64_t *merged, int *already);
/* Before any change: every NOT NULL column (without a default) of the
 * load's existing final tables gets values from the load
 * (dest_check_not_null), as a table dlt made may have others.  0, or -1
 * after reporting. */
int sqld_final_fits(struct sqldest *d, const struct dload *l);

/* stage-merge --drop-staging: drops each staging table of dataset that
 * holds no rows, each in a transaction of its own (one load may have
 * thousands of tables: one transaction for all would need a lock slot
 * for each) under the "ddl" lock, the table locked (lock_table) before
 * it is found empty, so that a copy in flight is waited for and its rows
 * seen.  A table dropped by another run meanwhile is skipped.  0 or -1. */
int sqld_drop_staging(struct sqldest *d, const char *dataset);

/* Every table's disposition (sql_apply_tables) and the load's record
 * (sql_record_load): 0 or -1. */
int sqld_apply_tables(struct sqldest *d, const struct dload *l,
    const struct merge_opts *o, int64_t *merged);
int sqld_record_load(struct sqldest *d, const struct dload *l,
    const int64_t *merged);

#endif
