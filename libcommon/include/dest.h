/*
 * dest: the destination interface of stage-copy and stage-merge.
 *
 * A destination (postgres, sqlite, redshift, snowflake, bigquery) is a
 * struct dest_ops of function pointers, found by -D's URL scheme or name in
 * the table of dest.c; adding one means one new dest_NAME.c and one row.
 * The programs parse manifest lines into the plain descriptions below
 * (dfile, dtable, dload) and hand them to the back end, which owns all of
 * its SQL and transactions.  Generic SQL text (quoting, column lists, the
 * merge statements) is in sql.h so that SQL back ends share it; streaming
 * a staged object into the back end (storage, decompression, JSONL to CSV)
 * is in source.h.
 *
 * The contract every back end keeps (doc/DESIGN.md, "Exactly once" and "Atomic
 * on every destination"):
 * - stage_prepare and merge_prepare run DDL only, idempotently, outside
 *   any data transaction (some warehouses commit on DDL).  A back end
 *   whose engine changes tables inside transactions (PostgreSQL, SQLite)
 *   evolves the final tables inside merge_load's transaction instead, so
 *   that a merge that rolls back has widened nothing.
 * - copy_file loads one file and records it in the staging dataset's
 *   bookkeeping in ONE transaction; a file already recorded is not loaded
 *   again and *res gets the recorded counts with res->skipped = 1.
 * - merge_load does one load in ONE transaction: serialize on the dataset,
 *   no-op if the load is recorded, check staging counts, apply every
 *   table's disposition (replace empties with DELETE, never TRUNCATE),
 *   record the load, delete this load's staging rows; all scoped by
 *   load_id.
 * - In dry-run mode nothing is changed: every statement that would change
 *   something is written to stdout instead (secrets masked); read-only
 *   catalog queries may still run when a connection can be made.
 * Return values: 0 done, -1 this item failed (already reported as
 * "object: what: why"), DEST_FATAL when nothing more can work (the
 * connection is gone, configuration is wrong).
 *
 * Adding a back end: dest_NAME.c defines `const struct dest_ops
 * dest_NAME` (extern below) and dest.c's table gets one row.  An SQL back
 * end starts its handle with dest_sql.h's struct sqldest and fills a
 * struct sql_driver (its statements, catalog, transaction and dialect):
 * the shared layer then keeps the staging shape of sql.h (_stage_files
 * with file_no and seq; _stage_row on every staging row), the
 * bookkeeping and the merge's transaction; rows that stream through
 * stage-copy are read with source_stream (CSV, tagged rows).  The
 * scenario tests run against it with STAGE_TEST_DEST=NAME once
 * tests/helpers/dest-NAME.bash provides dest_start, dest_stop, dest_reset,
 * dest_sql, dest_restart and DEST (see tests/helpers/dest.bash).
 */
#ifndef STAGE_DEST_H
#define STAGE_DEST_H

#include <stddef.h>
#include <stdint.h>

#include "coltype.h"
#include "compress.h"
#include "format.h"
#include "log.h"
#include "manifest.h"

#define DEST_FATAL (-2)

enum disposition { DISP_APPEND, DISP_REPLACE, DISP_MERGE };

struct dcol {
	char *name;
	enum coltype type;	/* coltype.h: dlt's data types */
	int nullable;
};

/* One table as a manifest describes it (a file's, or a load's union). */
struct dtable {
	char *dataset;
	char *name;
	enum disposition disp;
	char **pk;		/* primary_key */
	size_t npk;
	char **mk;		/* merge_key */
	size_t nmk;
	struct dcol *cols;
	size_t ncols;
};

/* One file line. */
struct dfile {
	struct dtable t;
	char *load_id;
	char *file_id;		/* "file_id", else the sha256 */
	char *sha256;
	char *file;		/* local path, or NULL */
	char *url;		/* staged copy, or NULL */
	char *storage;		/* the storage back end's own members, as
				 * storage_line_opts gives them, or NULL */
	char *copied_to;	/* where stage-copy copied it, or NULL */
	const char *object;	/* for messages: url, else file */
	enum format_id format;
	enum compression comp;
	int64_t rows, bytes;
	int64_t seq;		/* order of the file in its load for merge
				 * dedup: its file_id when an integer (as
				 * stage-write numbers them), else -1 from
				 * dfile_parse and the caller sets its
				 * position among the load's lines */
};

/* What a merge did to one final table: rows new (a key it did not
 * hold), updated (a key's row written again) and deleted (--hard-delete,
 * rows of a merge key's or a replace's that were not written again);
 * -1 each where the destination did not count (a dry run, a load merged
 * before).  new + updated is the table's merged rows. */
struct dmerged {
	int64_t added, updated, deleted;
};

/* One load for stage-merge: its tables with every file's columns merged
 * (types widened) and the rows the manifest promises per table. */
struct dload {
	char *load_id;
	char *dataset;
	struct dtable *t;
	int64_t *rows;		/* per table */
	size_t nt;
	int64_t *files;		/* per table: its file lines, all of which
				 * must be recorded as copied to merge */
	struct dmerged *done;	/* per table, or NULL: filled by a merge
				 * that counts them (the caller's array) */
};

/* Result of one copied file. */
struct dcopied {
	int64_t rows;
	int skipped;		/* already recorded by an earlier run */
};

enum merge_strategy { MERGE_DELETE_INSERT, MERGE_UPSERT };

struct merge_opts {
	enum merge_strategy strategy;
	const char *dedup_sort;		/* column, or NULL: input order */
	int dedup_desc;			/* keep the highest dedup_sort */
	const char *hard_delete;	/* column, or NULL */
	int keys_unique;		/* set by the merge, per table: the
					 * load's primary keys are unique, so
					 * dedup has nothing to do
					 * (sql_dup_keys) */
	const char *key_span;		/* set by the merge, per table, or
					 * NULL: a condition on the final
					 * table's key that holds exactly for
					 * the load's keys (pgkeys.h), which
					 * delete-insert's DELETE uses instead
					 * of a join with the staging rows */
};

/* How to reach the destination, resolved by dest_resolve. */
struct dest_conf {
	const struct dest_ops *ops;
	char *conninfo;		/* what the back end's open connects with,
				 * as its resolve made it (libpq's conninfo,
				 * SQLite's catalog path); may hold a secret:
				 * never print it, use masked */
	char *masked;		/* the same with secrets replaced by *** */
	char *label;		/* what -D said (a name, or the URL masked):
				 * stage-copy records it in the manifest so
				 * that stage-merge finds the same place */
	int dry_run;
};

struct sources;
struct dest_house;

struct dest {
	const struct dest_ops *ops;
	const struct dest_conf *conf;
	struct sources *sources;	/* staged objects' storages, kept
					 * open across files (source.h);
					 * the back end's close frees them */
};

struct config;

/* Where a destination's configuration comes from (dest_resolve): the
 * back end's resolve reads it. */
struct dest_src {
	const struct config *cf;
	const char *name;	/* the configured name; NULL for a -D URL */
	const char *url;	/* a URL (or the back end's own connection
				 * text) from -D or destination.<name>.
				 * credentials, or NULL */
	const char *key;	/* "destination.<name>.credentials" when it
				 * is a table of dlt's fields, else NULL */
};

struct dest_ops {
	const char *name;		/* "postgres" */
	const char *const *schemes;	/* URL schemes and names, NULL-ended */
	int max_jobs;			/* connections that may load at once;
					 * 0: no limit */
	/* Connects (dry run: tries to; may return a handle without a
	 * connection).  NULL after reporting why. */
	struct dest *(*open)(const struct dest_conf *c);
	void (*close)(struct dest *d);

	/* stage-copy */
	int (*stage_prepare)(struct dest *d, const struct dtable *t);
	int (*copy_file)(struct dest *d, const struct dfile *f,
	    struct dcopied *res);

	/* stage-merge; merged[i] gets the rows merged into table i;
	 * *already = 1 when the load was recorded before (merged[] then holds
	 * the recorded counts). */
	int (*merge_prepare)(struct dest *d, const struct dload *l,
	    const struct merge_opts *o);
	int (*merge_load)(struct dest *d, const struct dload *l,
	    const struct merge_opts *o, int64_t *merged, int *already);
	/* Drops staging tables of dataset that hold no rows any more. */
	int (*drop_staging)(struct dest *d, const char *dataset);

	/* Names: the longest the destination keeps whole (bytes; 0: no
	 * limit), and whether it folds ASCII case (SQLite: "Users" is
	 * "users"); dtable_check_names refuses what it would change. */
	size_t ident_max;
	int ident_nocase;

	/* Fills c->conninfo and c->masked (secrets as ***) from src: its
	 * url, else its credentials table, else the back end's defaults
	 * (environment).  Returns 1 when src->url held a secret, else 0. */
	int (*resolve)(struct dest_conf *c, const struct dest_src *src);

	/* What housekeeping.h needs of the back end (house.h), or NULL:
	 * it has no --abandoned, --discard, pruning or --check. */
	const struct dest_house *house;

	/* Copies n files of one load (in manifest order) as copy_file
	 * would copy each, in as few statements as the engine allows (a
	 * warehouse's one COPY per table): rc[i] gets what copy_file would
	 * return for f[i], res[i] its result.  Returns 0, or DEST_FATAL
	 * when nothing more can work.  NULL: stage-copy calls copy_file
	 * per file. */
	int (*copy_batch)(struct dest *d, const struct dfile *const *f,
	    size_t n, struct dcopied *res, int *rc);
};

/* The back ends (one row each in dest.c's table). */
extern const struct dest_ops dest_postgres;
extern const struct dest_ops dest_sqlite;
extern const struct dest_ops dest_snowflake;

/* Resolves -D (NULL: configured or embedded default) into c.  Returns 0,
 * or -1 after reporting a configuration error (exit 2). */
int dest_resolve(const char *arg, int dry_run, struct dest_conf *c);
void dest_conf_free(struct dest_conf *c);

/* Names and parsing of the manifest's dispositions; -1 for an unknown
 * name.  Column types are coltype.h's (coltype_parse, coltype_widen). */
int disposition_parse(const char *s, enum disposition *d);
const char *disposition_name(enum disposition d);

/* Parses a file line.  -1 after reporting "src:line: why": the manifest
 * is malformed (exit 3); -2 for a value the destinations cannot act on
 * (unknown disposition, merge without a key: exit 2). */
int dfile_parse(const struct mline *m, struct dfile *f);
void dfile_free(struct dfile *f);
/* A file's bookkeeping row (same load_id, table and file_id) records
 * sha256 rec: returns 1, with "object: already copied ..." in why, when
 * rec and f's sha256 are both present and differ (a --load-id reused for
 * other data: skipping would lose it), else 0 (why untouched). */
int dfile_reused(const struct dfile *f, const char *rec, struct buf *why);
void dtable_free(struct dtable *t);
void dtable_copy(struct dtable *dst, const struct dtable *src);
/* Adds src's columns to dst, widening types; a column that one side
 * lacks or allows null becomes nullable.  Returns 1 if dst gained a
 * column or a wider type. */
int dtable_merge_cols(struct dtable *dst, const struct dtable *src);
/* 0 if ops can hold t's dataset, table and column names as they are,
 * else -1 with "table 'x' ..." in msg: a bookkeeping name (ident.h), a
 * name the destination would cut short (with "_staging" for a dataset)
 * or, where case is folded, one holding upper-case letters.  Checked
 * before anything changes, as a hand-written manifest may hold any name:
 * two names that the destination would make one must never meet in one
 * table. */
int dtable_check_names(const struct dtable *t, const struct dest_ops *ops,
    struct buf *msg);
/* Index of column name in t, or -1. */
int dtable_col(const struct dtable *t, const char *name);
/* Reports that staging holds n rows of l's table i where its manifest
 * says l->rows[i]: the load must be copied first. */
void dest_staging_mismatch(const struct dload *l, size_t i, int64_t n);
/* Reports that _stage_files records n files of l's table i where its
 * manifest lists l->files[i]: some not copied yet (n smaller), or the
 * load id used again for other files (merged says the load committed). */
void dest_files_mismatch(const struct dload *l, size_t i, int64_t n,
    int merged);
/* Reports that load l, merged before, did not have table i, or (n > 0)
 * that n rows of its table i were staged after it merged: its load id
 * was used again for other data. */
void dest_load_reused(const struct dload *l, size_t i, int64_t n);
/* Reports that f, not recorded as copied, belongs to a load its dataset
 * records as merged: other data under that load id, refused before
 * anything is staged. */
void dest_file_after_merge(const struct dfile *f);

/* Says on stderr (unless -q) that column col of schema.table changes
 * type from to to (coltype_widen's lattice, stage-manifest(5)), and why
 * no value is lost. */
void dest_widened(const char *schema, const char *table, const char *col,
    enum coltype from, enum coltype to);

/* For a NOT NULL column col (no default) of t's final table: 0 if the
 * load gives it values (one of t's columns, or dlt's _dlt_load_id and
 * _dlt_id that the merge writes), else -1 after saying what to set (a
 * table dlt made can hold such columns; the merge would fail on them);
 * alter: the destination has ALTER COLUMN ... DROP NOT NULL. */
int dest_check_not_null(const struct dtable *t, const char *col, int alter);

/* Dry runs: a statement that would be sent ("SQL;") or a comment line
 * ("-- object: what") on stdout, in place of manifest lines. */
void dest_dry_sql(const char *sql);
void dest_dry_comment(const char *object, const char *what);
/* A query the real run sends to check something inside its transaction,
 * and what it must answer ("-- check: ..."); printf-style. */
void dest_dry_check(const char *sql, const char *fmt, ...)
    PRINTF_LIKE(2, 3);

/* Adds a file to its load (tables in order of first appearance). */
void dload_add(struct dload *l, const struct dfile *f);
void dload_free(struct dload *l);

/* Orders load ids: dlt's ("1732459200.123456") as numbers, others as
 * bytes; <0, 0, >0 as strcmp. */
int load_id_cmp(const char *a, const char *b);
/* Loads of a table commit in load_id order (stage-merge(1)): -1 after
 * reporting when table i of l is merged or replaced and the load
 * committed, already merged into that table, is newer than l; else 0. */
int dest_check_order(const struct dload *l, size_t i, const char *committed);

/* The rows of an option table (cliopt.h) that stage-copy and stage-merge
 * share: where they load (-D) and the dry run (-n). */
#define DEST_CLIOPT_DESTINATION \
	{ "destination", 'D', "D", "postgresql://… or sqlite://… URL, or a " \
	    "name\n(default: sqlite, ./stage.db)", \
	    "postgres postgresql:// sqlite sqlite://" }
#define DEST_CLIOPT_DRY_RUN \
	{ "dry-run", 'n', NULL, "print the SQL instead of running it", NULL }

#endif
