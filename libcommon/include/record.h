/*
 * record: one NDJSON record turned into a row of cells, one per column of
 * its table's schema.  Nested objects are flattened (parent__child), null
 * values and empty objects leave their cell unset, arrays become json
 * cells, and so do objects whose path is pinned to json or text.  A cell points at its token in the parsed document: nothing is
 * copied.
 *
 * record_flatten works in two passes so that a rejected record changes
 * nothing but the key tree: the first finds every value's node and checks
 * pinned types, primary keys, reserved column names (ident.h) and NULs
 * (\u0000); the second creates columns and widens their types.
 */
#ifndef STAGE_RECORD_H
#define STAGE_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "json.h"
#include "schema.h"

struct cell {
	const struct json_tok *tok;
	uint32_t gen;		/* set in this row when == record's gen */
};

struct record_item {
	uint32_t node;
	uint32_t tok;
};

struct record {
	struct cell *cells;	/* by column index */
	size_t ncells;
	uint32_t gen;
	struct record_item *items;
	size_t nitems, itemcap;
	int maxcol;		/* highest column set in this row, or -1 */
	struct buf key;		/* decoding scratch */
	char err[512];		/* why record_flatten failed */
};

void record_init(struct record *r);
void record_free(struct record *r);
/* Fills r from document d (token 0 an object) for schema s, leaving out
 * the top-level member named skip (the table field) if skip is not NULL.
 * Returns 0, or -1 with r->err saying which field and why. */
int record_flatten(struct record *r, struct schema *s,
    const struct json_doc *d, const char *skip);

static inline const struct json_tok *
record_cell(const struct record *r, size_t col)
{
	return col < r->ncells && r->cells[col].gen == r->gen ?
	    r->cells[col].tok : NULL;
}

#endif
