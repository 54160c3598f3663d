/* libFuzzer harness for arrowipc_rows: any bytes as an Arrow IPC stream.
 * No crash, no leak, no read outside the input; a refused stream says
 * why; a row has as many values as the schema has columns.  Build and
 * run: tests/fuzz/build 10 (see there). */
#include <stdint.h>
#include <stdlib.h>

#include "arrowipc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
row(void *arg, const char *const *v, int n)
{
	int *cols = arg;

	if (*cols >= 0 && *cols != n)
		abort();
	*cols = n;
	for (int i = 0; i < n; i++)
		if (v[i])
			(void)v[i][0];
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf why = BUF_INIT;
	int cols = -1;
	uint8_t *copy = malloc(size ? size : 1);

	/* a copy of exactly size bytes, so that ASan sees any overread */
	for (size_t i = 0; i < size; i++)
		copy[i] = data[i];
	if (arrowipc_rows(copy, size, row, &cols, &why) == -1 && !why.len)
		abort();
	buf_free(&why);
	free(copy);
	return 0;
}
