/*
 * schema: two open-addressing hash tables (linear probing, power-of-two
 * sizes, at most half full): nodes by (parent, key) and column names by
 * text, both holding node indexes.  Nodes never go away.
 */
#include <stdlib.h>
#include <string.h>

#include "ident.h"
#include "schema.h"

static uint32_t
hash_bytes(uint32_t seed, const char *p, size_t n)
{
	/* FNV-1a: keys are short, so a simple byte loop is fast enough. */
	uint32_t h = 2166136261u ^ seed * 16777619u;

	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)p[i];
		h *= 16777619u;
	}
	return h;
}

void
schema_init(struct schema *s, const struct schema_hints *h)
{
	memset(s, 0, sizeof *s);
	s->hints = h;
	s->nslots = 64;
	s->slots = xcalloc(s->nslots, sizeof *s->slots);
	s->nnameslots = 64;
	s->nameslots = xcalloc(s->nnameslots, sizeof *s->nameslots);
	/* Node 0: the record itself, with an empty prefix. */
	s->nodes = xcalloc(16, sizeof *s->nodes);
	s->nodecap = 16;
	s->nnodes = 1;
	s->nodes[0].prefix = xstrdup("");
	s->nodes[0].col = -1;
}

void
schema_free(struct schema *s)
{
	for (size_t i = 0; i < s->nnodes; i++) {
		free(s->nodes[i].prefix);
		free(s->nodes[i].name);
	}
	free(s->nodes);
	free(s->cols);
	free(s->slots);
	free(s->nameslots);
	buf_free(&s->keys);
	buf_free(&s->tmp);
	memset(s, 0, sizeof *s);
}

static void
rehash_nodes(struct schema *s)
{
	size_t n = s->nslots * 2;
	uint32_t *slots = xcalloc(n, sizeof *slots);

	for (size_t i = 1; i < s->nnodes; i++) {
		size_t j = s->nodes[i].hash & (n - 1);
		while (slots[j])
			j = (j + 1) & (n - 1);
		slots[j] = (uint32_t)i + 1;
	}
	free(s->slots);
	s->slots = slots;
	s->nslots = n;
}

static uint32_t
new_node(struct schema *s, uint32_t parent, uint32_t h, const char *key,
    size_t n)
{
	struct schema_node *nd;
	const char *pp;

	if (s->nnodes == s->nodecap) {
		s->nodecap *= 2;
		s->nodes = xrealloc(s->nodes, s->nodecap * sizeof *s->nodes);
	}
	nd = &s->nodes[s->nnodes];
	memset(nd, 0, sizeof *nd);
	nd->parent = parent;
	nd->hash = h;
	nd->keyoff = s->keys.len;
	nd->keylen = n;
	nd->col = -1;
	nd->whole = -1;
	buf_add(&s->keys, key, n);
	/* The prefix: parent's, "__", this key normalized. */
	buf_reset(&s->tmp);
	pp = s->nodes[parent].prefix;
	if (*pp) {
		buf_adds(&s->tmp, pp);
		buf_adds(&s->tmp, IDENT_SEP);
	}
	ident_normalize(&s->tmp, key, n);
	nd->prefix = xstrndup(s->tmp.p, s->tmp.len);
	return (uint32_t)s->nnodes++;
}

uint32_t
schema_child(struct schema *s, uint32_t parent, const char *key, size_t n)
{
	uint32_t h = hash_bytes(parent, key, n);
	size_t j = h & (s->nslots - 1);
	uint32_t id;

	while ((id = s->slots[j]) != 0) {
		const struct schema_node *nd = &s->nodes[id - 1];
		if (nd->hash == h && nd->parent == parent && nd->keylen == n &&
		    memcmp(s->keys.p + nd->keyoff, key, n) == 0)
			return id - 1;
		j = (j + 1) & (s->nslots - 1);
	}
	id = new_node(s, parent, h, key, n);
	s->slots[j] = id + 1;
	if ((s->nnodes - 1) * 2 > s->nslots)
		rehash_nodes(s);
	return id;
}

/* memcmp(a, b, n) == 0 for the short keys of records, without a call:
 * two overlapping loads cover any length from 2 to 16. */
static inline int
same(const char *a, const char *b, size_t n)
{
	uint64_t x, y, x2, y2;
	uint32_t u, v, u2, v2;
	uint16_t h, k, h2, k2;

	if (n >= 8) {
		for (; n > 8; n -= 8, a += 8, b += 8) {
			memcpy(&x, a, 8);
			memcpy(&y, b, 8);
			if (x != y)
				return 0;
		}
		memcpy(&x2, a + n - 8, 8);
		memcpy(&y2, b + n - 8, 8);
		return x2 == y2;
	}
	if (n >= 4) {
		memcpy(&u, a, 4);
		memcpy(&v, b, 4);
		memcpy(&u2, a + n - 4, 4);
		memcpy(&v2, b + n - 4, 4);
		return u == v && u2 == v2;
	}
	if (n >= 2) {
		memcpy(&h, a, 2);
		memcpy(&k, b, 2);
		memcpy(&h2, a + n - 2, 2);
		memcpy(&k2, b + n - 2, 2);
		return h == k && h2 == k2;
	}
	return n == 0 || *a == *b;
}

uint32_t
schema_child_after(struct schema *s, uint32_t parent, uint32_t prev,
    const char *key, size_t n)
{
	uint32_t *hint = prev ? &s->nodes[prev].next_hint :
	    &s->nodes[parent].first_hint;
	uint32_t id = *hint;

	if (id) {
		const struct schema_node *nd = &s->nodes[id];
		if (nd->keylen == n && nd->parent == parent &&
		    same(s->keys.p + nd->keyoff, key, n))
			return id;
	}
	id = schema_child(s, parent, key, n);
	/* schema_child may have moved the nodes: find the hint again. */
	hint = prev ? &s->nodes[prev].next_hint : &s->nodes[parent].first_hint;
	*hint = id;
	return id;
}

/* Slot of name in the name table: holding it, or the empty slot for it. */
static size_t
name_slot(const struct schema *s, const char *name, size_t n)
{
	size_t j = hash_bytes(0, name, n) & (s->nnameslots - 1);
	uint32_t id;

	while ((id = s->nameslots[j]) != 0) {
		const char *t = s->nodes[id - 1].name;
		if (strlen(t) == n && memcmp(t, name, n) == 0)
			break;
		j = (j + 1) & (s->nnameslots - 1);
	}
	return j;
}

static void
add_name(struct schema *s, uint32_t node)
{
	const char *name = s->nodes[node].name;

	s->nameslots[name_slot(s, name, strlen(name))] = node + 1;
	if (++s->nnames * 2 > s->nnameslots) {
		uint32_t *old = s->nameslots;
		size_t oldn = s->nnameslots;
		s->nnameslots *= 2;
		s->nameslots = xcalloc(s->nnameslots, sizeof *s->nameslots);
		for (size_t i = 0; i < oldn; i++)
			if (old[i]) {
				const char *t = s->nodes[old[i] - 1].name;
				s->nameslots[name_slot(s, t, strlen(t))] = old[i];
			}
		free(old);
	}
}

static void
attach_hints(struct schema *s, struct schema_node *nd)
{
	const struct schema_hints *h = s->hints;

	if (!h)
		return;
	for (size_t i = 0; i < h->npins; i++)
		if (strcmp(h->pin_names[i], nd->name) == 0)
			nd->pin = h->pin_types[i];
	for (size_t i = 0; i < h->npk; i++)
		if (strcmp(h->pk[i], nd->name) == 0)
			nd->pk = (int)i + 1;
}

void
schema_leaf(struct schema *s, uint32_t node)
{
	struct schema_node *nd = &s->nodes[node];
	const char *base;
	size_t n;

	if (nd->name)
		return;
	base = nd->prefix;
	n = strlen(base);
	buf_reset(&s->tmp);
	buf_add(&s->tmp, base, n);
	/* a flattened path too long: shortened as a whole, the tag from
	 * the path (a top-level key was shortened when normalized) */
	ident_shorten(&s->tmp, 0, NULL, 0, IDENT_MAX);
	for (int k = 2; s->nameslots[name_slot(s, s->tmp.p, s->tmp.len)];
	    k++) {
		buf_reset(&s->tmp);
		buf_add(&s->tmp, base, n);
		ident_shorten(&s->tmp, 0, NULL, 0, IDENT_MAX);
		buf_printf(&s->tmp, "_%d", k);
		ident_shorten(&s->tmp, 0, NULL, 0, IDENT_MAX);
	}
	nd->name = xstrndup(s->tmp.p, s->tmp.len);
	add_name(s, node);
	attach_hints(s, nd);
}

int
schema_keeps_whole(struct schema *s, uint32_t node)
{
	struct schema_node *nd = &s->nodes[node];
	const struct schema_hints *h = s->hints;

	if (nd->whole < 0) {
		nd->whole = 0;
		/* pins name the column this object would become */
		buf_reset(&s->tmp);
		buf_adds(&s->tmp, nd->prefix);
		ident_shorten(&s->tmp, 0, NULL, 0, IDENT_MAX);
		for (size_t i = 0; h && i < h->npins; i++)
			if ((h->pin_types[i] == CT_JSON ||
			    h->pin_types[i] == CT_TEXT) &&
			    strcmp(h->pin_names[i], s->tmp.p) == 0)
				nd->whole = 1;
	}
	return nd->whole;
}

static int
in_list(char **list, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], name) == 0)
			return 1;
	return 0;
}

int
schema_column(struct schema *s, uint32_t node)
{
	struct schema_node *nd = &s->nodes[node];
	struct schema_col *c;

	if (nd->col >= 0)
		return nd->col;
	schema_leaf(s, node);
	nd = &s->nodes[node];
	if (s->ncols == s->colcap) {
		s->colcap = s->colcap ? s->colcap * 2 : 32;
		s->cols = xrealloc(s->cols, s->colcap * sizeof *s->cols);
	}
	c = &s->cols[s->ncols];
	memset(c, 0, sizeof *c);
	c->name = nd->name;
	c->namelen = strlen(nd->name);
	s->namebytes += c->namelen;
	c->type = nd->pin;
	c->pinned = nd->pin != CT_NONE;
	c->pk = nd->pk != 0;
	if (s->hints)
		c->mk = (uint8_t)in_list(s->hints->mk, s->hints->nmk, nd->name);
	nd->col = (int)s->ncols;
	return (int)s->ncols++;
}
