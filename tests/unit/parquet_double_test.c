/* Unit test of pqv_double (parquet_value.c): its fast path must give
 * exactly strtod's double (the same bits) for every number text it
 * accepts, and refuse what strtod would not take whole. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parquet_value.h"
#include "tap.h"

/* pqv_double and strtod agree on s: both refuse it, or the same bits. */
static int
agrees(const char *s)
{
	char *end;
	double want = strtod(s, &end), got;
	int whole = *s && *end == '\0';
	int r = pqv_double(s, strlen(s), &got);

	if (!whole)
		return r < 0;
	if (r < 0)
		return 0;
	return memcmp(&want, &got, sizeof got) == 0;
}

int
main(void)
{
	static const char *const edge[] = { "12.15", "-12.15", "0", "-0",
	    "0.0", "-0.0", "1.", ".5", "-.5", "1e5", "1E-3", "-2.5e+300",
	    "123456789012345", "1234567890123456", "0.1", "0.3",
	    "00012.5000", "0.0000000000000000000001", "9007199254740993",
	    "1.7976931348623157e308", "5e-324", "inf", "nan", "-", ".", "",
	    "1.2.3", "+1", " 1", "1 ", "0x10", "1..2", "--1", "1-", "e5" };
	char buf[64];
	int all = 1;

	for (size_t i = 0; i < sizeof edge / sizeof *edge; i++)
		if (!agrees(edge[i])) {
			printf("# differs: \"%s\"\n", edge[i]);
			all = 0;
		}
	ok(all, "edge cases: signs, zeros, dots at either end, exponents, "
	    "16 digits and more, words, bad forms");
	srand(20261205);
	all = 1;
	for (int i = 0; i < 200000 && all; i++) {
		int id = rand() % 12, fd = rand() % 14;
		size_t n = 0;
		if (rand() % 2)
			buf[n++] = '-';
		for (int k = 0; k < id; k++)
			buf[n++] = (char)('0' + rand() % 10);
		if (fd || rand() % 2) {
			buf[n++] = '.';
			for (int k = 0; k < fd; k++)
				buf[n++] = (char)('0' + rand() % 10);
		}
		buf[n] = '\0';
		if (!agrees(buf)) {
			printf("# differs: \"%s\"\n", buf);
			all = 0;
		}
	}
	ok(all, "200,000 random decimals of up to 25 digits: strtod's bits");
	return tap_done();
}
