/* Unit tests of housekeeping's horizon: --prune-after and
 * stage.prune_after values. */
#include <stdint.h>

#include "housekeeping.h"
#include "tap.h"

static void
horizon(const char *in, int64_t want)
{
	int64_t got = house_horizon(in);

	ok(got == want, "[%s] -> %lld (got %lld)", in ? in : "(null)",
	    (long long)want, (long long)got);
}

int
main(void)
{
	horizon("30d", 30 * 86400);
	horizon("12h", 12 * 3600);
	horizon("90m", 90 * 60);
	horizon("3600s", 3600);
	horizon("3600", 3600);
	horizon("0", 0);
	horizon("0s", 0);
	horizon("never", -1);
	horizon(NULL, -2);
	horizon("", -2);
	horizon("d", -2);
	horizon("-1d", -2);
	horizon("3weeks", -2);
	horizon("3w", -2);
	horizon("1.5d", -2);
	horizon(" 1d", -2);
	horizon("99999999999999999999d", -2);
	horizon("100000000d", 100000000LL * 86400);
	horizon("100000001d", -2);
	return tap_done();
}
