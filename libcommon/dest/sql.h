/*
 * sql: SQL text that every SQL destination shares.  Every identifier is
 * quoted ("a""b"), every value a quoted literal ('it''s'), so a table
 * named `x"; drop table y; --` is exactly that name.  What differs per
 * destination (type names, how a staging row names its file, the _dlt_id
 * expression, ON CONFLICT or MERGE, the clock) comes from a struct
 * sql_dialect (doc/DESIGN.md, "Row identity and order").
 *
 * The statements for one table of a load (sql_merge_table) are dlt's:
 * - append: insert this load's staging rows;
 * - replace: DELETE every row (never TRUNCATE: it commits on some
 *   warehouses), then insert;
 * - merge, delete-insert: delete final rows whose primary key (or merge
 *   key: the clauses are OR-ed) occurs among this load's staging rows,
 *   then insert the staging rows deduplicated per primary key (the last
 *   in input order, or the first by --dedup-sort), minus those flagged by
 *   the hard-delete column (true for bool, non-null otherwise);
 * - merge, upsert: delete keys whose winning row is flagged deleted, then
 *   INSERT ... ON CONFLICT (primary key) DO UPDATE the others.
 * Staging tables carry one bookkeeping column, _stage_row: the file's
 * number (file_no in the staging dataset's _stage_files: load_id,
 * table_name, file_id, seq = the file's order in its load, sha256,
 * rows, copied_at) times 2^32 plus the row's number in its file, from 1
 * (sql_row_tag).  A load's staging rows are found by joining _stage_files
 * on file_no = _stage_row >> 32, and input order is (f.seq, s._stage_row).
 * One bigint per row: the load id would cost every row its bytes, and a
 * second column costs COPY some 3% (bench/30-copy.sh).  Final tables
 * carry _dlt_load_id and _dlt_id.
 */
#ifndef STAGE_SQL_H
#define STAGE_SQL_H

#include "buf.h"
#include "dest.h"

/* How an engine writes what differs (doc/DESIGN.md, "Row identity and
 * order"). */
struct sql_dialect {
	const char *const *types;	/* coltype -> the engine's type name */
	/* Appends the file number (_stage_files.file_no) of the staging
	 * row whose _stage_row is the expression row: sql_file_shift where
	 * the engine has >>, sql_file_div where it has not. */
	void (*file_of)(struct buf *b, const char *row);
	/* Appends an expression for a row's _dlt_id, unique in the
	 * dataset; it may use the staging row s (s."_stage_row") and the
	 * load id (lit, an SQL literal): sql_new_id_tagged. */
	void (*new_id)(struct buf *b, const char *lit);
	enum sql_upsert {
		SQL_ON_CONFLICT,	/* INSERT ... ON CONFLICT DO UPDATE */
		SQL_MERGE		/* MERGE INTO ... USING ... */
	} upsert;
	const char *now;	/* expression: the current time */
};

/* row >> 32; floor(row / 4294967296) */
void sql_file_shift(struct buf *b, const char *row);
void sql_file_div(struct buf *b, const char *row);
/* lit || '.' || s."_stage_row": the load id and the row's tag, unique in
 * the dataset, deterministic, cheap (md5 of random() per row costs a
 * second per million rows). */
void sql_new_id_tagged(struct buf *b, const char *lit);

/* The _stage_row of row (from 1, at most SQL_ROW_MAX) of file file_no. */
#define SQL_ROW_MAX 0xffffffffLL
static inline int64_t
sql_row_tag(int64_t file_no, int64_t row)
{
	return file_no * (SQL_ROW_MAX + 1) + row;
}

/* A list of statements, each owned. */
struct sqlv {
	char **v;
	size_t n, cap;
};

void sqlv_add(struct sqlv *s, const struct buf *stmt);
void sqlv_free(struct sqlv *s);

void sql_ident(struct buf *b, const char *name);
/* "schema"."name" */
void sql_qname(struct buf *b, const char *schema, const char *name);
/* "dataset_staging"."name" */
void sql_staging_name(struct buf *b, const char *dataset, const char *name);
/* "<dataset>_staging" as a plain (unquoted) string */
void sql_staging_schema(struct buf *b, const char *dataset);
void sql_str(struct buf *b, const char *s);
/* "name" type[ NOT NULL] (strict and c not nullable), d's type name. */
void sql_col_def(struct buf *b, const struct sql_dialect *d,
    const struct dcol *c, int strict);
/* "a", "b", ... with prefix before each ("s." or ""). */
void sql_collist(struct buf *b, const struct dtable *t, const char *prefix);

/* "<staging> AS s JOIN <_stage_files> AS f ON ... WHERE <load_id's rows
 * of t>": for FROM clauses over one load's staging rows. */
void sql_load_rows(struct buf *b, const struct sql_dialect *d,
    const struct dtable *t, const char *load_id);
/* SELECT count(*) of the files of load_id's table t recorded as copied
 * in _stage_files: a load merges only when it is the manifest's count. */
void sql_load_files(struct buf *b, const struct dtable *t,
    const char *load_id);
/* DELETE of load_id's staging rows of t (never another load's). */
void sql_clear_staging(struct buf *b, const struct sql_dialect *d,
    const struct dtable *t, const char *load_id);

/* Statements that merge one table of load_id into <dataset>.<table>.  The
 * last statement is the one whose affected-row count is the table's
 * "merged" rows. */
void sql_merge_table(struct sqlv *out, const struct sql_dialect *d,
    const struct dtable *t, const char *load_id, const struct merge_opts *o);

/* Statements that record a merged load: its _dlt_loads row (status 0,
 * inserted_at the expression now, schema_version_hash over its tables'
 * columns and types) and a _stage_loads row per table with merged[i]. */
void sql_record_load(struct sqlv *out, const struct dload *l,
    const int64_t *merged, const char *now);

/* A back end's statement runner: 0 with *rows set (when rows is not
 * NULL), -1 after reporting. */
typedef int sql_exec_fn(void *ctx, const char *object, const char *sql,
    int64_t *rows);

/* Runs v's statements in order with exec until one fails: 0 or -1. */
int sql_run(const struct sqlv *v, sql_exec_fn *exec, void *ctx,
    const char *object, int64_t *rows);

/* For a merge table with a primary key: the count of l's surviving rows
 * (deduplicated, hard deletes left out) whose key the final table holds
 * before the merge, i.e. the rows it will update. */
void sql_updated_count(struct buf *b, const struct sql_dialect *d,
    const struct dtable *t, const char *load_id, const struct merge_opts *o);

/* Merges each table of l with the statements of d (sql_merge_table),
 * run by exec; merged[i] gets the last statement's rows, or l->rows[i]
 * when dry.  0, or -1 at the first table that failed. */
int sql_apply_tables(const struct sql_dialect *d, const struct dload *l,
    const struct merge_opts *o, int dry, int64_t *merged,
    sql_exec_fn *exec, void *ctx);

/* Recovery of staging rows lost after their copy was recorded (a staging
 * table dropped or emptied by hand or by an older stage-merge): the
 * query of load_id's files of t whose rows in staging are not the rows
 * recorded, as (file_no, file_id, recorded rows, rows in staging); with
 * staged 0 the staging table is gone and every file of t is listed.
 * sql_forget_file: the statements that delete such a file's remaining
 * staging rows and its bookkeeping row, so that stage-copy copies it
 * again. */
void sql_lost_files(struct buf *b, const struct sql_dialect *d,
    const struct dtable *t, const char *load_id, int staged);
void sql_forget_file(struct sqlv *out, const struct sql_dialect *d,
    const struct dtable *t, int64_t file_no, int staged);

/* ANALYZE of table t in schema (its staging table when staging): only
 * the columns a merge's statements join, sort or filter on (_stage_row,
 * the primary and merge keys, o's dedup_sort and hard_delete when t has
 * them), which records the table's size as a full ANALYZE does at a
 * fraction of its cost; the whole table when none applies. */
void sql_analyze(struct buf *b, const char *schema, const struct dtable *t,
    const struct merge_opts *o, int staging);

/* SELECT count(*) that is 0 when no primary key occurs twice among
 * load_id's staging rows of t, else 1: with 0 a merge may set
 * o->keys_unique and read those rows without deduplication (the same
 * rows survive; a NULL key counts as one key, as dedup's PARTITION BY
 * takes it). */
void sql_dup_keys(struct buf *b, const struct sql_dialect *d,
    const struct dtable *t, const char *load_id);

#endif
