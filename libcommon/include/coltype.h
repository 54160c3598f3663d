/*
 * coltype: the column types of the manifest (dlt's data types), how a JSON
 * value's type is inferred, how two types widen into one, and whether a
 * value fits a type a user pinned.
 *
 * Inference: true/false -> bool; an integer that fits 64 bits -> bigint,
 * a larger one -> decimal (exact); any other number -> double, unless it
 * has more significant digits than a double keeps (17) or overflows
 * one: decimal; a string
 * holding an ISO 8601 date -> date, date and time -> timestamp; other
 * strings -> text; arrays -> json.
 *
 * Widening (coltype_widen, the one lattice every program uses; see
 * stage-manifest(5)): two different number types give decimal, the one
 * exact type that holds every bigint, decimal and (finite) double value;
 * date+timestamp -> timestamp; any other mix -> text.  So a widening never
 * loses a value a column already holds: a double column would round a
 * committed 9007199254740993 or 99999999.123456789.
 */
#ifndef STAGE_COLTYPE_H
#define STAGE_COLTYPE_H

#include <stddef.h>
#include <stdint.h>

#include "json.h"

enum coltype {
	CT_NONE,		/* only nulls seen so far */
	CT_TEXT, CT_BIGINT, CT_DOUBLE, CT_BOOL, CT_TIMESTAMP, CT_DATE,
	CT_TIME, CT_DECIMAL, CT_JSON, CT_BINARY
};

const char *coltype_name(enum coltype t);
/* -1 for an unknown name. */
int coltype_parse(const char *name, enum coltype *t);
enum coltype coltype_widen(enum coltype a, enum coltype b);
/* Type of a non-null value that is not an object. */
enum coltype coltype_infer(const struct json_tok *t);
/* 1 if value t can be written into a column pinned to type ct. */
int coltype_accepts(enum coltype ct, const struct json_tok *t);
/* 1 if ct's values are JSON numbers or booleans in JSONL output. */
int coltype_is_scalar(enum coltype ct);

/* ISO 8601 shapes: 0 none, else the type the string has.  This is the
 * one grammar of date and time text: stage-write infers with it and
 * every loader checks with it (isotime_fits). */
enum coltype isotime_kind(const char *s, size_t n);
/* 1 if s is a value of a column of type ct (timestamp, date or time): a
 * timestamp column also takes a date, its midnight. */
int isotime_fits(enum coltype ct, const char *s, size_t n);

/* The fields of an ISO 8601 date, time or timestamp as isotime_kind
 * takes it (YYYY-MM-DD[Tt ]HH:MM[:SS[.f...]][Z|z|±HH[[:]MM]], year
 * 0001-9999, a real day of the month, hour 00-23, zone hour 00-15).  Absent
 * parts are 0; usec holds the first 6 fraction digits. */
struct isotime {
	int year, mon, day, hour, min, sec;
	int32_t usec;
	int frac_digits;	/* digits after the separator, all of them */
	char frac_sep;		/* '.', 0 without a fraction */
	int zoned;		/* a zone was given */
	int zone_min;		/* its offset east of UTC, in minutes */
};

/* isotime_kind, with the fields in *t. */
enum coltype isotime_parse(const char *s, size_t n, struct isotime *t);

#endif
