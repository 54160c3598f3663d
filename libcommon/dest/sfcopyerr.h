/*
 * sfcopyerr: where in which file a failed COPY of the staging table's
 * stage went wrong.  A local load sends the rows of a table's files as
 * one CSV (stage-copy(1), Snowflake): the server's message counts
 * records of that CSV and columns of the COPY's list ("_stage_row"
 * first), and stage's messages name the file, its line and the column.
 *
 * Read: Snowflake's "Row N, column "T"["COL":P]" (P from 1) or "line
 * N", and DuckDB's (fakesnow's) "CSV Error on Line: N" with "converting
 * column "columnI"" (I from 0).
 */
#ifndef STAGE_SFCOPYERR_H
#define STAGE_SFCOPYERR_H

#include <stddef.h>
#include <stdint.h>

/* The record (from 1) and the column of the COPY's list (from 0, -1 when
 * the message names none) msg speaks of: 0, or -1 when it names no
 * record. */
int sfcopyerr_where(const char *msg, int64_t *record, int *col);

/* The file k (of m, those with todo[k] set, in order, sent[k] records
 * each) holding the concatenation's record, and the record's number in
 * it (from 1): 0, or -1 when record is past them all. */
int sfcopyerr_file(int64_t record, const int *todo, const int64_t *sent,
    size_t m, size_t *k, int64_t *in_file);

#endif
