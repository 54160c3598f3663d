/*
 * pgkeys: whether a load's primary keys can repeat, known without
 * sorting them (PostgreSQL).
 *
 * stage-merge asks before a merge table's statements whether any primary
 * key occurs twice among the load's staging rows (sql_dup_keys: a sort of
 * 1M keys costs 0.6-1.1 s) and leaves dedup out when none does.  Most
 * loads answer it in the order of their rows: ids that only grow.  So
 * stage-copy, which encodes every value it sends in binary, watches the
 * one bigint primary key of a merge table as it goes and records in the
 * file's _stage_files row (key_lo, key_hi: the first and last key) when
 * the file's keys strictly ascend, in the transaction of the rows
 * themselves.  The merge then asks _stage_files instead of the rows: when
 * every file of the load with rows has its range and no two ranges
 * overlap, no key repeats.  Anything else (a text COPY, a NULL key, keys
 * out of order, another key type, a staging column no longer bigint, a
 * _stage_files made before these columns) leaves the ranges NULL or the
 * question unanswered, and the merge sorts the keys as before.
 */
#ifndef STAGE_PGKEYS_H
#define STAGE_PGKEYS_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "coltype.h"
#include "dest.h"

struct pgkeys {
	long col;		/* the key's column, or -1: not watched */
	int ok;			/* every key so far ascended */
	int64_t n, lo, hi;	/* keys seen, the first, the last */
};

/* Watches column i of f's rows when f's table merges on that one
 * column and its staging type (kinds[i]) is bigint. */
void pgkeys_start(struct pgkeys *k, const struct dfile *f,
    const enum coltype *kinds);

/* Field i of a row was appended to out at offset off (its 4-byte length,
 * then its bytes, as pgbin writes them). */
void pgkeys_field(struct pgkeys *k, size_t i, const struct buf *out,
    size_t off);

/* The UPDATE of f's _stage_files row (file_no) with its range, in b;
 * 0 (b untouched) when there is none to record. */
int pgkeys_record(struct buf *b, const struct pgkeys *k,
    const struct dfile *f, int64_t file_no);

/* The columns, for a CREATE TABLE's list and for a _stage_files made
 * before them (pgkeys_add). */
#define PGKEYS_COLS "key_lo bigint, key_hi bigint"

/* The query whose one row says whether schema's _stage_files lacks
 * the columns ("t": run pgkeys_add). */
void pgkeys_missing(struct buf *q, const char *schema);
void pgkeys_add(struct buf *b, const char *schema);

/* The query (one row, one count) of what keeps t's keys in load_id from
 * being known unique: 0 means unique.  It reads the ranges through
 * to_jsonb, so a _stage_files without the columns answers (not unique)
 * instead of failing, and it answers 1 when t's staging key column is
 * no longer bigint. */
void pgkeys_unique_query(struct buf *q, const struct dtable *t,
    const char *load_id);

/* The exact set of the load's keys, when every file's keys are dense
 * (key_hi - key_lo + 1 = rows: strictly ascending integers without a
 * gap) and the final table's key column is bigint: "("id" BETWEEN lo AND
 * hi OR ...)", adjacent ranges joined, at most PGKEYS_SPAN_MAX of them.
 * delete-insert's DELETE then reads only the final table.  Asked only
 * once pgkeys_unique_query answered 0.  The query's rows go to
 * pgkeys_span_row; pgkeys_span_end says whether out holds the span
 * (else it is empty). */
#define PGKEYS_SPAN_MAX 32

struct pgspan {
	struct buf *out;
	const char *key;
	int64_t lo, hi;		/* the range being joined */
	int open, n, ok;
};

void pgkeys_span_query(struct buf *q, const struct dtable *t,
    const char *load_id);
void pgkeys_span_start(struct pgspan *s, struct buf *out, const char *key);
int pgkeys_span_row(struct pgspan *s, const char *const *v, int n);
int pgkeys_span_end(struct pgspan *s);

#endif
