/*
 * ident: identifiers normalized the way dlt's default "snake_case" naming
 * convention does, so that tables stage loads carry the names dlt users
 * expect.  The result uses only [a-z0-9_], never starts with a digit,
 * never ends with '_' and never holds "__", which is reserved as the
 * separator of flattened (nested) names.
 */
#ifndef STAGE_IDENT_H
#define STAGE_IDENT_H

#include <stddef.h>

#include "buf.h"

#define IDENT_SEP "__"

/* The longest name, in bytes: PostgreSQL's (NAMEDATALEN - 1), the
 * smallest of the destinations', so that one name serves them all.  A
 * dataset leaves room for the "_staging" of its staging dataset. */
#define IDENT_MAX 63
#define IDENT_STAGING_SUFFIX "_staging"
#define IDENT_DATASET_MAX (IDENT_MAX - (sizeof IDENT_STAGING_SUFFIX - 1))

/* Appends the normalized form of the UTF-8 name s[0..n) to out, shortened
 * to IDENT_MAX bytes when longer (ident_shorten, the tag from s). */
void ident_normalize(struct buf *out, const char *s, size_t n);

/* The same for a dataset name, shortened to IDENT_DATASET_MAX bytes. */
void ident_normalize_dataset(struct buf *out, const char *s, size_t n);

/* Appends the normalized form of a user-given column path: each part
 * between "__" separators is normalized and the parts joined with "__",
 * so "Address__zipCode" names the flattened column address__zip_code.
 * A joined path longer than IDENT_MAX is shortened with the tag of the
 * joined path, as the schema shortens the names of flattened columns. */
void ident_normalize_path(struct buf *out, const char *s, size_t n);

/* dlt's shorten_identifier: when the name in out from byte start on is
 * longer than max, it becomes its first ceil((max-6)/2) bytes, a tag of
 * 6 characters of [a-z0-9] and its last floor((max-6)/2) bytes.  The tag
 * is computed from src[0..n) (dlt: the name as given), or from the long
 * name itself when src is NULL (dlt: a path of normalized names). */
void ident_shorten(struct buf *out, size_t start, const char *src, size_t n,
    size_t max);

enum ident_kind { IDENT_TABLE, IDENT_COLUMN, IDENT_DATASET };

/* Why the normalized name cannot be a name of that kind, or NULL: the
 * bookkeeping tables (_dlt_*, _stage_*) and columns (_dlt_id,
 * _dlt_load_id, _stage_*) are reserved, and a dataset must not end in
 * "_staging" (the staging dataset of another one). */
const char *ident_reserved(enum ident_kind k, const char *name);

/* Why a table or dataset name as given, raw[0..n), cannot be normalized
 * into a name of its own, or NULL: it is blank, or holds no ASCII letter
 * or digit (it would become "x", like every other such name). */
const char *ident_unnamed(const char *raw, size_t n);

#endif
