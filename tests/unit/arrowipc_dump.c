/*
 * arrowipc_dump: prints the rows of the Arrow IPC stream on stdin, one a
 * line, values tab-separated, "\N" for null; a refused stream prints
 * "error: why" and exits 1 (tests/snowflake.bats cross-checks it against
 * pyarrow's writer).
 */
#include <stdio.h>

#include "arrowipc.h"

static int
row(void *arg, const char *const *v, int n)
{
	(void)arg;
	for (int i = 0; i < n; i++)
		printf("%s%s", i ? "\t" : "", v[i] ? v[i] : "\\N");
	printf("\n");
	return 0;
}

int
main(void)
{
	struct buf in = BUF_INIT, why = BUF_INIT;
	char tmp[65536];
	size_t n;
	long long r;

	while ((n = fread(tmp, 1, sizeof tmp, stdin)) > 0)
		buf_add(&in, tmp, n);
	r = arrowipc_rows(in.p ? in.p : "", in.len, row, NULL, &why);
	if (r < 0)
		printf("error: %s\n", why.p);
	buf_free(&in);
	buf_free(&why);
	return r < 0 ? 1 : 0;
}
