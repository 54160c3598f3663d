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

/* Appends the normalized form of the UTF-8 name s[0..n) to out. */
void ident_normalize(struct buf *out, const char *s, size_t n);

/* Appends the normalized form of a user-given column path: each part
 * between "__" separators is normalized and the parts joined with "__",
 * so "Address__zipCode" names the flattened column address__zip_code. */
void ident_normalize_path(struct buf *out, const char *s, size_t n);

#endif
