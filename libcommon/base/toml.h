/*
 * toml: a strict reader for the TOML that dlt's config.toml and
 * secrets.toml use: comments, [tables] and [[arrays of tables]] headers
 * with bare, quoted and dotted keys, key = value with dotted keys, basic,
 * literal and multi-line strings, integers, floats, booleans, dates and
 * times (kept as text), arrays and inline tables.  Arrays of tables
 * ([[x]]) are refused with a clear message: dlt's configs do not use them.
 * Duplicate keys are errors, as TOML says.
 *
 * Every scalar is handed to a callback with its full dotted key, its text
 * (strings decoded, others as written) and its line; arrays are handed
 * over whole as JSON text.  Errors say "line N: why".
 */
#ifndef STAGE_TOML_H
#define STAGE_TOML_H

#include <stddef.h>

typedef void (*toml_entry_fn)(void *ctx, const char *key, const char *value,
    size_t line);

/* 0, or -1 with *err_line and err set. */
int toml_parse(const char *text, size_t len, toml_entry_fn fn, void *ctx,
    size_t *err_line, char *err, size_t errlen);

#endif
