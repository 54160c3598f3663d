/* Unit tests of keyset: a set of strings that refuses a second add. */
#include <stdio.h>
#include <string.h>

#include "keyset.h"
#include "tap.h"

int
main(void)
{
	struct keyset k = { 0 };
	char key[32];
	int fresh = 1, again = 1;

	ok(keyset_add(&k, "a/b.csv") == 0, "a new key is added");
	ok(keyset_add(&k, "a/b.csv") == -1, "the same key again is refused");
	ok(keyset_add(&k, "a/b.csv.gz") == 0, "a longer key is another key");
	ok(keyset_add(&k, "") == 0 && keyset_add(&k, "") == -1,
	    "the empty key is a key");
	/* past several doublings of the table */
	for (int i = 0; i < 5000; i++) {
		snprintf(key, sizeof key, "ds/t/%d.csv", i);
		fresh &= keyset_add(&k, key) == 0;
	}
	for (int i = 0; i < 5000; i++) {
		snprintf(key, sizeof key, "ds/t/%d.csv", i);
		again &= keyset_add(&k, key) == -1;
	}
	ok(fresh, "5000 keys are added across the table's growth");
	ok(again, "each of them is refused after the growth");
	ok(k.n == 5003, "the set counts what it holds (%zu)", k.n);
	keyset_free(&k);
	ok(k.n == 0 && k.v == NULL, "freed, the set is empty again");
	ok(keyset_add(&k, "a/b.csv") == 0, "and takes keys again");
	keyset_free(&k);
	return tap_done();
}
