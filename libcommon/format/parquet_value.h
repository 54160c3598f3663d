/*
 * parquet_value: text values as Parquet stores them (format_parquet.c
 * calls these per value; the unit test checks them alone).
 */
#ifndef STAGE_PARQUET_VALUE_H
#define STAGE_PARQUET_VALUE_H

#include <stddef.h>
#include <stdint.h>

#include "coltype.h"

/* Days from 1970-01-01 to the proleptic Gregorian date y-m-d. */
int64_t pqv_days(int y, int m, int d);
/* An ISO 8601 text of column type ct (isotime_parse's grammar) as
 * Parquet holds it: timestamp microseconds since 1970-01-01 UTC (a zone
 * applied, none taken as UTC, a date its midnight), date days since
 * 1970-01-01, time microseconds since midnight.  -1 for a text that is
 * not of that type. */
int pqv_time(enum coltype ct, const char *s, size_t n, int64_t *v);
/* A JSON number's text (sign, digits, fraction, exponent) as the 16
 * big-endian two's complement bytes of its unscaled value at scale
 * PQW_DEC_SCALE (9): -1 when it has digits beyond the scale that are not
 * zeros, or 38 digits do not hold it. */
int pqv_decimal(const char *s, size_t n, unsigned char out[16]);
/* A JSON number's text as the double strtod gives (one exactly rounded
 * operation on the fast path); -1 when the text is not all a number. */
int pqv_double(const char *s, size_t n, double *d);

#endif
