/* Fuzz target: an objects.list answer (gcs_list_names), bytes from the
 * storage service, whose names stage-put then deletes.  It may not crash,
 * leak or read out of bounds, and every name it hands on must start with
 * the prefix, be non-empty and hold no NUL (the list is NUL-separated). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "gcs_compose.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	static const char pre[] = "k.stage-parts/";
	struct buf names = BUF_INIT;
	int more, count, seen = 0;

	count = gcs_list_names((const char *)d, n, pre, &names, &more);
	for (size_t off = 0; off < names.len; seen++) {
		const char *s = names.p + off;
		size_t len = strnlen(s, names.len - off);
		if (len == names.len - off || len <= sizeof pre - 1 ||
		    strncmp(s, pre, sizeof pre - 1) != 0)
			abort();
		off += len + 1;
	}
	if (count >= 0 ? seen != count : names.len != 0)
		abort();
	buf_free(&names);
	return 0;
}
