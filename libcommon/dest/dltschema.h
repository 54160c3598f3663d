/*
 * dltschema: dlt's stored schema, so that dlt reads a dataset that stage
 * loaded (pipeline.dataset(), dlt.dataset()).
 *
 * dlt keeps each version of a schema as a row of <dataset>._dlt_version
 * (version, engine_version, inserted_at, schema_name, version_hash,
 * schema: the JSON text of the schema, its tables and their columns).
 * stage-merge writes the schema named after the dataset, listing every
 * table of the dataset but stage's own bookkeeping (_stage_*) with the
 * columns and types the destination's catalog holds, in the merge's
 * transaction, and a new version only when that list changed (its hash
 * differs from the newest stored one).  The JSON is the least dlt
 * accepts: engine version 11 (dlt 1.x), dlt's data types, nullability.
 *
 * A back end feeds the catalog's columns in order (table by table) to
 * dltschema_add, then compares dltschema_hash with the newest stored
 * version_hash of the schema and, when it differs, runs
 * dltschema_insert_sql's statement.
 */
#ifndef STAGE_DLTSCHEMA_H
#define STAGE_DLTSCHEMA_H

#include <stdint.h>

#include "buf.h"
#include "coltype.h"

#define DLTSCHEMA_ENGINE_VERSION 11

struct dltschema {
	struct buf tables;	/* the "tables" object's members */
	char *table;		/* the table being written, or NULL */
};

void dltschema_init(struct dltschema *s);
void dltschema_free(struct dltschema *s);
/* Adds column col (type t; CT_NONE for one dlt has no type for: left
 * out) of table; all columns of one table in a row. */
void dltschema_add(struct dltschema *s, const char *table, const char *col,
    enum coltype t, int nullable);
/* The version hash of what was added: hex SHA-256 of the tables. */
void dltschema_hash(struct dltschema *s, char hex[65]);
/* 1 if hash is one dltschema_hash makes (64 hex digits), 0 for another
 * tool's: dlt's (base64) when a dlt pipeline is named like the dataset
 * and so shares the schema name.  stage then leaves that schema alone. */
int dltschema_ours(const char *hash);
/* Warns that dataset's schema in _dlt_version is dlt's (see above). */
void dltschema_warn_theirs(const char *dataset);
/* INSERT INTO "<dataset>"."_dlt_version" of version and hash of schema
 * name (the JSON from what was added); now is the destination's
 * expression for the current time. */
void dltschema_insert_sql(struct dltschema *s, struct buf *b,
    const char *dataset, const char *name, int64_t version,
    const char *hash, const char *now);

#endif
