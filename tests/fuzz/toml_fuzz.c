/* libFuzzer harness for the TOML reader: any input must either parse or
 * fail with a line number inside the input, never crash or leak. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "toml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
count(void *ctx, const char *key, const char *value, size_t line)
{
	(void)key;
	(void)value;
	(void)line;
	++*(size_t *)ctx;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n = 0, line = 0, lines = 1;
	char err[128];

	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	if (toml_parse((const char *)data, size, count, &n, &line, err,
	    sizeof err) && (line < 1 || line > lines))
		abort();
	return 0;
}
