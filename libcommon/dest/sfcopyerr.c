/* sfcopyerr: a failed stage COPY's record and column, back to the file
 * (sfcopyerr.h). */
#include <stdlib.h>
#include <string.h>

#include "sfcopyerr.h"

/* The number after the first occurrence of key in msg: 0, else -1. */
static int
number_after(const char *msg, const char *key, int64_t *n)
{
	const char *p = strstr(msg, key);
	char *end;
	long long v;

	if (!p)
		return -1;
	p += strlen(key);
	while (*p == ' ')
		p++;
	v = strtoll(p, &end, 10);
	if (end == p || v < 0)
		return -1;
	*n = v;
	return 0;
}

/* Snowflake: column "T"["COL":P], P from 1. */
static int
sf_column(const char *msg)
{
	const char *p = strstr(msg, ", column \"");
	int64_t n;

	if (!p || !(p = strstr(p, "\"[")))
		return -1;
	p = strchr(p, ']');
	while (p && p > msg && p[-1] >= '0' && p[-1] <= '9')
		p--;
	if (!p || p[-1] != ':' || number_after(p, "", &n) < 0 || n < 1 ||
	    n > 100000)
		return -1;
	return (int)n - 1;
}

/* DuckDB: converting column "columnI" (I from 0, zero-padded past 10). */
static int
duck_column(const char *msg)
{
	int64_t n;

	if (number_after(msg, "converting column \"column", &n) < 0 ||
	    n > 100000)
		return -1;
	return (int)n;
}

int
sfcopyerr_where(const char *msg, int64_t *record, int *col)
{
	if (!msg)
		return -1;
	if (number_after(msg, "Row ", record) == 0 && *record > 0) {
		*col = sf_column(msg);
		return 0;
	}
	if (number_after(msg, "CSV Error on Line:", record) == 0 &&
	    *record > 0) {
		*col = duck_column(msg);
		return 0;
	}
	if (number_after(msg, ", line ", record) == 0 && *record > 0) {
		*col = sf_column(msg);
		return 0;
	}
	return -1;
}

int
sfcopyerr_file(int64_t record, const int *todo, const int64_t *sent,
    size_t m, size_t *k, int64_t *in_file)
{
	int64_t before = 0;

	if (record < 1)
		return -1;
	for (size_t i = 0; i < m; i++) {
		if (!todo[i])
			continue;
		if (record <= before + sent[i]) {
			*k = i;
			*in_file = record - before;
			return 0;
		}
		before += sent[i];
	}
	return -1;
}
