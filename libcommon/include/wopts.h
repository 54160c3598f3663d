/*
 * wopts: stage-write's option values, checked and defaulted the way
 * stage-write(1) says.  A value that cannot be used is a usage error:
 * the message names the option and the value, and the program exits 2
 * (as cliopt.h's parsers do).
 */
#ifndef STAGE_WOPTS_H
#define STAGE_WOPTS_H

#include "config.h"
#include "ident.h"
#include "writer.h"

/* The normalized name of a table or dataset given as option opt; a name
 * that cannot be one of its own is a usage error.  Allocated. */
char *wopts_name(const char *opt, const char *s, enum ident_kind k);
/* A load id as given (--load-id): letters, digits, '.', '_', '-', not
 * empty, not starting with '.'. */
void wopts_load_id_check(const char *id);
/* Now, as dlt writes a load id (seconds.micros).  Allocated. */
char *wopts_load_id_new(void);
/* dlt's dataset_name (DATASET_NAME, or dataset_name = "..." at the top
 * of .dlt/config.toml); else $STAGE_DATASET; else "stage_dataset". */
const char *wopts_default_dataset(const struct config *cfg);
/* A key or pinned column that no record may hold is a usage error. */
void wopts_check_hints(const struct schema_hints *h);
/* The writer's look-ahead (rows and bytes held before the columns are
 * fixed): $STAGE_WRITE_LOOKAHEAD rows or the default, both capped by
 * the rotation limits. */
void wopts_lookahead(struct writer_opts *w);
/* mkdir -p dir, then the path made absolute (the manifest's "file"):
 * allocated; exit 1 when it cannot be made. */
char *wopts_dir(const char *dir);
/* --row-group-size: a plain count is rows, a size with a unit (k, M, G,
 * optionally then B or iB) bytes of values; each sets its own bound. */
void wopts_row_group_size(struct writer_opts *w, const char *arg);
/* Parquet compresses its pages itself, snappy by default as dlt and
 * DuckDB do (zset: -z was given); snappy and row groups mean nothing to
 * the other formats. */
void wopts_codec(struct writer_opts *w, int zset);

#endif
