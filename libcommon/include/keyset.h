/*
 * keyset: a set of strings, to refuse a second use of a name in one run
 * (stage-put: two files under one object name).  The set owns copies of
 * what it holds; a zeroed struct keyset is an empty set.
 */
#ifndef STAGE_KEYSET_H
#define STAGE_KEYSET_H

#include <stddef.h>

struct keyset {
	char **v;
	size_t n, cap;
};

/* 0 if key was new (and is now in the set), -1 if it was there. */
int keyset_add(struct keyset *k, const char *key);
void keyset_free(struct keyset *k);

#endif
