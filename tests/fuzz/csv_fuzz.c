/* libFuzzer harness for the CSV reader: any input, split at any point,
 * must give the same records as when fed whole, or the same error; every
 * field must be NUL-terminated inside the input's length; no crash, no
 * leak.  The first byte chooses the split.  Build and run:
 *   clang -fsanitize=fuzzer,address,undefined -Ilibcommon/include \
 *       -Ilibcommon/base -Ilibcommon/format tests/fuzz/csv_fuzz.c libcommon/format/csvin.c libcommon/base/buf.c \
 *       libcommon/base/log.c -o csv_fuzz && ./csv_fuzz tests/fuzz/corpus/csv */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "csvin.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
digest(void *ctx, const struct csvfield *f, size_t n, size_t line)
{
	struct buf *b = ctx;

	buf_printf(b, "%zu:%zu", line, n);
	for (size_t i = 0; i < n; i++) {
		if (f[i].p[f[i].len] != '\0' || (f[i].null && f[i].len))
			abort();
		buf_printf(b, "|%d%zu:", f[i].null, f[i].len);
		buf_add(b, f[i].p, f[i].len);
	}
	buf_addc(b, '\n');
	return 0;
}

static char *
run(const uint8_t *p, size_t n, size_t split)
{
	struct buf b = BUF_INIT;
	struct csvin *c = csvin_new(digest, &b);
	int r;

	if (split > n)
		split = n;
	r = csvin_feed(c, p, split);
	if (r == 0)
		r = csvin_feed(c, p + split, n - split);
	if (r == 0)
		r = csvin_finish(c);
	if (r < 0) {
		if (!csvin_error(c))
			abort();
		buf_reset(&b);
		buf_printf(&b, "E %s", csvin_error(c));
	}
	csvin_free(c);
	if (!b.p)
		buf_adds(&b, "");
	return b.p;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *whole, *split;

	if (size == 0)
		return 0;
	whole = run(data + 1, size - 1, size - 1);
	split = run(data + 1, size - 1, data[0]);
	if (strcmp(whole, split) != 0)
		abort();
	free(whole);
	free(split);
	return 0;
}
