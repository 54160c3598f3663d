/* Unit tests of load_id_cmp (dest.h): dlt's load ids order as numbers,
 * other ids byte by byte. */
#include <stdio.h>

#include "dest.h"
#include "tap.h"

static int
sign(int x)
{
	return (x > 0) - (x < 0);
}

int
main(void)
{
	static const struct { const char *a, *b; int want; } v[] = {
		{ "1764900000.1", "1764900000.2", -1 },
		{ "999.5", "1000.1", -1 },		/* not as strings */
		{ "1000.25", "1000.1", 1 },
		{ "1000.1", "1000.10", 0 },		/* trailing zeros */
		{ "1000", "1000.0", 0 },
		{ "0999.5", "999.5", 0 },		/* leading zeros */
		{ "1764900000.123456", "1764900000.123457", -1 },
		{ "L1", "L2", -1 },			/* not numbers: bytes */
		{ "L10", "L2", -1 },
		{ "1.5", "L1", -1 },			/* one a number */
		{ "1.", "1.0", -1 },			/* "1." is no number */
		{ "", "1", -1 },
	};

	for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
		int got = sign(load_id_cmp(v[i].a, v[i].b));
		int back = sign(load_id_cmp(v[i].b, v[i].a));
		ok(got == v[i].want && back == -v[i].want,
		    "%s vs %s: %d (want %d), reversed %d", v[i].a, v[i].b, got,
		    v[i].want, back);
	}
	return tap_done();
}
