/*
 * keyset: a set of strings in an open-addressing hash table (keyset.h).
 */
#include <stdlib.h>
#include <string.h>

#include "keyset.h"
#include "log.h"

static size_t
key_hash(const char *s)
{
	size_t h = 5381;

	while (*s)
		h = h * 33 + (unsigned char)*s++;
	return h;
}

/* Doubles the table (kept at most half full). */
static void
grow(struct keyset *k)
{
	size_t cap = k->cap ? 2 * k->cap : 64;
	struct keyset g = { xcalloc(cap, sizeof(char *)), 0, cap };

	for (size_t i = 0; i < k->cap; i++) {
		if (k->v[i])
			keyset_add(&g, k->v[i]);
		free(k->v[i]);
	}
	free(k->v);
	*k = g;
}

int
keyset_add(struct keyset *k, const char *key)
{
	size_t i;

	if (2 * (k->n + 1) > k->cap)
		grow(k);
	for (i = key_hash(key) % k->cap; k->v[i]; i = (i + 1) % k->cap)
		if (strcmp(k->v[i], key) == 0)
			return -1;
	k->v[i] = xstrdup(key);
	k->n++;
	return 0;
}

void
keyset_free(struct keyset *k)
{
	for (size_t i = 0; i < k->cap; i++)
		free(k->v[i]);
	free(k->v);
	memset(k, 0, sizeof *k);
}
