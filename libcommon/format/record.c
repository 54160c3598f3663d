/*
 * record: flattening walks the token tape of the parsed line; members of
 * an object are consecutive (key, value) token pairs and a value's "end"
 * skips its subtree, so a record is visited in one pass.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ident.h"
#include "record.h"

void
record_init(struct record *r)
{
	memset(r, 0, sizeof *r);
	r->maxcol = -1;
}

void
record_free(struct record *r)
{
	free(r->cells);
	free(r->items);
	buf_free(&r->key);
	memset(r, 0, sizeof *r);
}

static void
push_item(struct record *r, uint32_t node, uint32_t tok)
{
	if (r->nitems == r->itemcap) {
		r->itemcap = r->itemcap ? r->itemcap * 2 : 64;
		r->items = xrealloc(r->items, r->itemcap * sizeof *r->items);
	}
	r->items[r->nitems].node = node;
	r->items[r->nitems].tok = tok;
	r->nitems++;
}

/* "field 'age': "abc" is not a bigint", the value cut to a readable size. */
static void
type_error(struct record *r, const char *name, const struct json_tok *t,
    enum coltype ct)
{
	struct buf v = BUF_INIT;
	const char *more = "";

	json_put_raw(&v, t);
	if (v.len > 60) {
		v.len = 60;
		while (v.len > 0 && ((unsigned char)v.p[v.len] & 0xC0) == 0x80)
			v.len--;	/* do not cut a UTF-8 sequence */
		v.p[v.len] = '\0';
		more = "...";
	}
	snprintf(r->err, sizeof r->err, "field '%s': %s%s is not a %s",
	    name, v.p, more, coltype_name(ct));
	buf_free(&v);
}

/* 1 if the raw JSON text p[0..n) (a string's bytes, or a whole array or
 * object) holds the escape \u0000: a NUL, which PostgreSQL's text and
 * jsonb cannot store and C strings cut short. */
static int
has_nul(const char *p, size_t n)
{
	const char *e = p + n;

	while ((p = memchr(p, '\\', (size_t)(e - p))) && e - p >= 2) {
		if (p[1] == 'u' && e - p >= 6 && memcmp(p + 2, "0000", 4) == 0)
			return 1;
		p += 2;		/* past the escaped byte: a "\\" is one escape */
	}
	return 0;
}

/* A value no column can take, whatever its type: r->err says why. */
static int
bad_value(struct record *r, const char *name, const struct json_tok *v)
{
	if (((v->type == JSON_STRING && v->flags & JSON_F_ESCAPED) ||
	    v->type == JSON_ARRAY || v->type == JSON_OBJECT) &&
	    has_nul(v->p, v->len)) {
		snprintf(r->err, sizeof r->err, "field '%s': holds \\u0000 "
		    "(NUL), which PostgreSQL cannot store", name);
		return 1;
	}
	return 0;
}

/* Pass one over the members of object token obj, under node. */
static int
walk(struct record *r, struct schema *s, const struct json_doc *d,
    uint32_t obj, uint32_t node, const char *skip, uint64_t *pkseen)
{
	uint32_t end = d->tok[obj].end, prev = 0;

	for (uint32_t i = obj + 1; i < end; i = d->tok[i + 1].end) {
		const struct json_tok *k = &d->tok[i], *v = &d->tok[i + 1];
		const char *kp = k->p;
		size_t kn = k->len;
		uint32_t child;

		if (k->flags & JSON_F_ESCAPED) {
			buf_reset(&r->key);
			json_str_decode(k, &r->key);
			kp = r->key.p;
			kn = r->key.len;
		}
		if (skip && strlen(skip) == kn && memcmp(skip, kp, kn) == 0)
			continue;
		child = schema_child_after(s, node, prev, kp, kn);
		prev = child;	/* nulls too: it keeps the hints in step */
		if (v->type == JSON_NULL)
			continue;
		if (v->type == JSON_OBJECT && !schema_keeps_whole(s, child)) {
			if (walk(r, s, d, i + 1, child, NULL, pkseen) < 0)
				return -1;
			continue;
		}
		if (!s->nodes[child].name)
			schema_leaf(s, child);
		const struct schema_node *nd = &s->nodes[child];
		const char *why;
		if (nd->name[0] == '_' &&
		    (why = ident_reserved(IDENT_COLUMN, nd->name))) {
			snprintf(r->err, sizeof r->err, "field '%.*s': column "
			    "name %s %s", (int)kn, kp, nd->name, why);
			return -1;
		}
		if (bad_value(r, nd->name, v))
			return -1;
		if (nd->pin && !coltype_accepts(nd->pin, v)) {
			type_error(r, nd->name, v, nd->pin);
			return -1;
		}
		if (nd->pk && nd->pk <= 64)
			*pkseen |= (uint64_t)1 << (nd->pk - 1);
		push_item(r, child, i + 1);
	}
	return 0;
}

static int
check_keys(struct record *r, const struct schema *s, uint64_t seen)
{
	const struct schema_hints *h = s->hints;

	if (!h)
		return 0;
	for (size_t i = 0; i < h->npk && i < 64; i++)
		if (!(seen & (uint64_t)1 << i)) {
			snprintf(r->err, sizeof r->err,
			    "field '%s': primary key is null or missing",
			    h->pk[i]);
			return -1;
		}
	return 0;
}

static void
next_gen(struct record *r, size_t ncols)
{
	if (ncols > r->ncells) {
		size_t n = r->ncells ? r->ncells : 64;
		while (n < ncols)
			n *= 2;
		r->cells = xrealloc(r->cells, n * sizeof *r->cells);
		memset(r->cells + r->ncells, 0, (n - r->ncells) *
		    sizeof *r->cells);
		r->ncells = n;
	}
	if (++r->gen == 0) {	/* wrapped: forget every old mark */
		memset(r->cells, 0, r->ncells * sizeof *r->cells);
		r->gen = 1;
	}
}

/* Pass two: columns and types. */
static void
apply(struct record *r, struct schema *s, const struct json_doc *d)
{
	r->maxcol = -1;
	for (size_t i = 0; i < r->nitems; i++) {
		int c = s->nodes[r->items[i].node].col;
		if (c < 0)
			c = schema_column(s, r->items[i].node);
		const struct json_tok *t = &d->tok[r->items[i].tok];
		struct schema_col *col = &s->cols[c];

		if (!col->pinned && col->type != CT_TEXT) {
			enum coltype vt = coltype_infer(t);
			if (vt != col->type)
				col->type = coltype_widen(col->type, vt);
		}
		r->cells[c].tok = t;
		r->cells[c].gen = r->gen;
		if (c > r->maxcol)
			r->maxcol = c;
	}
}

int
record_flatten(struct record *r, struct schema *s, const struct json_doc *d,
    const char *skip)
{
	uint64_t pkseen = 0;

	r->nitems = 0;
	r->err[0] = '\0';
	if (walk(r, s, d, 0, 0, skip, &pkseen) < 0 ||
	    check_keys(r, s, pkseen) < 0) {
		next_gen(r, 0);	/* leave no cell of this record set */
		return -1;
	}
	next_gen(r, s->ncols + r->nitems);
	apply(r, s, d);
	return 0;
}
