/* libFuzzer harness for pgbin_field: any text as any column type.  No
 * crash, no leak; a field it takes is one length word and exactly that
 * many bytes (or the NULL word); bigint and double agree with strtoll and
 * strtod; a refused field leaves nothing the caller would send.  Byte 0
 * picks the type, byte 1 the session time zone (UTC or not).  Build and
 * run: tests/fuzz/build 10 (see there). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pgbin.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t
be(const char *p, int n)
{
	uint64_t v = 0;

	for (int i = 0; i < n; i++)
		v = v << 8 | (unsigned char)p[i];
	return v;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf b = BUF_INIT;
	enum coltype t;
	char *s;
	size_t n;
	int utc;

	if (size < 2)
		return 0;
	t = (enum coltype)(data[0] % (CT_BINARY + 1));
	utc = data[1] & 1;
	n = size - 2;
	s = malloc(n + 1);
	memcpy(s, data + 2, n);
	s[n] = '\0';
	if (pgbin_field(&b, t, s, n, 0, utc) == 0) {
		if (b.len < 4 || be(b.p, 4) != b.len - 4)
			abort();
		if (t == CT_BIGINT) {
			errno = 0;
			if ((int64_t)be(b.p + 4, 8) != strtoll(s, NULL, 10) ||
			    errno)
				abort();
		}
		if (t == CT_DOUBLE) {
			double d = strtod(s, NULL);
			uint64_t bits;
			memcpy(&bits, &d, sizeof bits);
			if (be(b.p + 4, 8) != bits)
				abort();
		}
		if (t == CT_TEXT && memcmp(b.p + 4, s, n) != 0)
			abort();
	}
	buf_free(&b);
	free(s);
	return 0;
}
