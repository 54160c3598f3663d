/*
 * sql: SQL text that every SQL destination shares.  Every identifier is
 * quoted ("a""b"), every value a quoted literal ('it''s'), so a table
 * named `x"; drop table y; --` is exactly that name.  What differs per
 * destination (type names, the _dlt_id expression, the clock) comes from
 * a struct sql_dialect.
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
 * Staging tables carry _dlt_load_id, _stage_file (file position in its
 * load) and _stage_row (row order within the file); final tables carry
 * _dlt_load_id and _dlt_id.
 */
#ifndef STAGE_SQL_H
#define STAGE_SQL_H

#include "buf.h"
#include "dest.h"

struct sql_dialect {
	const char *(*type_name)(enum stype t);
	const char *new_id;	/* expression: a fresh _dlt_id, may use the
				 * staging row s (s."_stage_row", ...) */
	const char *now;	/* expression: the current time */
};

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
/* "a", "b", ... with prefix before each ("s." or ""). */
void sql_collist(struct buf *b, const struct dtable *t, const char *prefix);

/* Statements that merge one table of load_id into <dataset>.<table>.  The
 * last statement is the one whose affected-row count is the table's
 * "merged" rows. */
void sql_merge_table(struct sqlv *out, const struct sql_dialect *d,
    const struct dtable *t, const char *load_id, const struct merge_opts *o);

#endif
