/*
 * hints: the schema hints a user gives stage-write (struct schema_hints,
 * schema.h), built from option arguments and files: pinned types from
 * "name:type" and from a JSON object {"name": "type", ...}, key columns
 * from "a,b".  Names are normalized as column paths (ident.h), so they
 * match the columns records produce.  Errors are returned, not fatal:
 * err gets "what: why" for the caller to report (exit 2).
 */
#ifndef STAGE_HINTS_H
#define STAGE_HINTS_H

#include <stddef.h>

#include "schema.h"

/* "name:type" (the last ':' separates). */
int hints_pin(struct schema_hints *h, const char *arg, char *err,
    size_t errlen);
/* A JSON object of column names and type names, read from path. */
int hints_read_schema(struct schema_hints *h, const char *path, char *err,
    size_t errlen);
/* "a,b" appended to the primary (pk) or merge key list. */
int hints_add_keys(struct schema_hints *h, int pk, const char *arg,
    char *err, size_t errlen);
void hints_free(struct schema_hints *h);

#endif
