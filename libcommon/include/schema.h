/*
 * schema: the columns of one table as records reveal them.
 *
 * Keys are seen as a tree of nodes: node 0 is the record, each member key
 * is a child of the object holding it.  A node is looked up by (parent,
 * decoded key bytes) in a hash table, so a key is normalized once per
 * distinct path, not once per record.  A node holding a value (not an
 * object) gets a column name: the normalized path joined by "__"; a name
 * already taken by another path gets "_2", "_3", ... in first-seen order.
 * The column itself is created at the first non-null value, so the order
 * of columns is the order of their first non-null values.
 *
 * Hints given by the user (pinned types, primary and merge keys) name
 * columns by their normalized names and attach when a node gets its name.
 */
#ifndef STAGE_SCHEMA_H
#define STAGE_SCHEMA_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "coltype.h"

struct schema_hints {
	char **pin_names;	/* normalized column names */
	enum coltype *pin_types;
	size_t npins;
	char **pk;		/* primary key columns, normalized */
	size_t npk;
	char **mk;		/* merge key columns, normalized */
	size_t nmk;
};

struct schema_col {
	const char *name;	/* owned by the node */
	size_t namelen;
	enum coltype type;	/* widened over every value seen so far */
	uint8_t pinned, pk, mk;
};

struct schema_node {
	uint32_t parent;
	uint32_t hash;
	size_t keyoff, keylen;	/* decoded key, in the key arena */
	char *prefix;		/* normalized path, for the children */
	char *name;		/* column name, once used for a value */
	int col;		/* column index, or -1 */
	enum coltype pin;	/* CT_NONE unless pinned */
	int pk;			/* 1 + index in hints->pk, or 0 */
	int8_t whole;		/* objects here stay whole: 1 yes, 0 no, -1 ? */
	uint32_t first_hint;	/* child met first last time, 0 if none */
	uint32_t next_hint;	/* sibling met after this one last time */
};

struct schema {
	const struct schema_hints *hints;
	struct schema_node *nodes;
	size_t nnodes, nodecap;
	struct schema_col *cols;
	size_t ncols, colcap;
	size_t namebytes;	/* sum of the column names' lengths */
	uint32_t *slots;	/* node hash: node index + 1, 0 empty */
	size_t nslots;
	uint32_t *nameslots;	/* names taken: node index + 1 */
	size_t nnameslots, nnames;
	struct buf keys;	/* arena of decoded keys */
	struct buf tmp;
};

void schema_init(struct schema *s, const struct schema_hints *h);
void schema_free(struct schema *s);
/* The node of key (decoded bytes) under parent, created if new. */
uint32_t schema_child(struct schema *s, uint32_t parent, const char *key,
    size_t n);
/* Like schema_child for the member after sibling prev (0 for the first
 * member): records mostly repeat their key order, so the node that
 * followed prev last time is tried before the hash table. */
uint32_t schema_child_after(struct schema *s, uint32_t parent,
    uint32_t prev, const char *key, size_t n);
/* 1 if an object at node is kept whole as one json value rather than
 * flattened: its path is pinned to json or text. */
int schema_keeps_whole(struct schema *s, uint32_t node);
/* Gives node a column name (and its hints) if it has none yet. */
void schema_leaf(struct schema *s, uint32_t node);
/* The column of a named node, created if new. */
int schema_column(struct schema *s, uint32_t node);

#endif
