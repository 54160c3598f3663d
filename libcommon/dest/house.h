/*
 * house: what an SQL back end gives housekeeping.c (housekeeping.h) that
 * only its engine knows: where its staging datasets are, how to reach
 * them, how to hold a load without waiting for it, and who the
 * connection is.  Everything else (the queries over _stage_files and
 * _dlt_loads, the deletes, the output) is written once in housekeeping.c
 * over the shared SQL layer (dest_sql.h).
 */
#ifndef STAGE_HOUSE_H
#define STAGE_HOUSE_H

#include "dest_sql.h"

struct dest_house {
	/* The datasets whose staging dataset records copied files
	 * (<dataset>_staging._stage_files), appended to *v (*n of them,
	 * each owned by the caller), sorted.  0, or -1 after reporting. */
	int (*datasets)(struct sqldest *d, char ***v, size_t *n);
	/* Makes "<dataset>" (when it exists) and "<dataset>_staging"
	 * readable by name (SQLite: ATTACH); NULL where they always are.
	 * 0, or -1 after reporting. */
	int (*attach)(struct sqldest *d, const char *dataset);
	/* SQL: the whole seconds from the timestamp expression e to now. */
	void (*age)(struct buf *q, const char *e);
	/* Begins a transaction that holds dataset's merges and the staging
	 * tables (n of them) off, without waiting: 0 (in the transaction),
	 * 1 (nothing begun) when another process holds one of them, with
	 * who in *who, -1 after reporting. */
	int (*hold)(struct sqldest *d, const char *dataset,
	    char *const *tables, size_t n, struct buf *who);
	/* --check: connects as c says, changing nothing, and says in
	 * out whom and what it reached.  0, or -1 (with why in out, or
	 * after reporting) when it reached nothing usable. */
	int (*check)(const struct dest_conf *c, struct buf *out);
};

extern const struct dest_house house_postgres;
extern const struct dest_house house_sqlite;

#endif
