/* Unit tests of the option values all four programs share: sizes and
 * integers and the nearest-spelling hints (a bad value exits 2:
 * tests/f16-cli.bats). */
#include <string.h>

#include "cliopt.h"
#include "tap.h"

static void
size(const char *s, uint64_t want)
{
	uint64_t got = cliopt_size("--x", s);

	ok(got == want, "'%s' is %llu (got %llu)", s,
	    (unsigned long long)want, (unsigned long long)got);
}

static void
near(const char *word, const char *want)
{
	static const char *const cands[] = { "filesystem", "postgres",
	    "sqlite", "deleted", "table", "v", NULL };
	const char *got = cliopt_nearest(word, cands);

	ok(want ? got && strcmp(got, want) == 0 : got == NULL,
	    "nearest to '%s' is %s (got %s)", word, want ? want : "none",
	    got ? got : "none");
}

int
main(void)
{
	ok(cliopt_int("jobs", "8", 1, 256) == 8, "--jobs 8 is 8");
	ok(cliopt_int("retries", "0", 0, 100) == 0, "--retries 0 is 0");
	ok(cliopt_int("jobs", "256", 1, 256) == 256, "the upper bound is in");
	size("5242880", 5242880);
	size("16k", 16384);
	size("16M", 16ULL << 20);
	size("16MB", 16ULL << 20);
	size("16MiB", 16ULL << 20);
	size("1G", 1ULL << 30);
	size("17592186044415M", 17592186044415ULL << 20);
	size("7b", 7);
	near("filesytem", "filesystem");
	near("postgress", "postgres");
	near("Postgres", "postgres");
	near("delted", "deleted");
	near("tabel", "table");
	near("vv", "v");
	near("nope", NULL);
	near("mysql", NULL);
	near("s", NULL);
	return tap_done();
}
