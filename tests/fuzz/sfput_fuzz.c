/* libFuzzer harness for sfput_parse: any bytes as the answer to a PUT,
 * and its master key through sfcse_key_set.
 * No crash, no leak, no read outside the input; a refused answer says
 * why; an accepted one has a location type and a location.  Build and
 * run: tests/fuzz/build 10 (see there). */
#include <stdint.h>
#include <stdlib.h>

#include "sfcse.h"
#include "sfput.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf why = BUF_INIT;
	struct sfput p;

	if (sfput_parse((const char *)data, size, &p, &why) == 0) {
		if (!p.type || !p.location)
			abort();
		(void)sfput_check(&p, &why);
		if (p.encrypted) {
			/* the master key is untrusted base64 too */
			struct sfcse_key k;
			if (sfcse_key_set(&k, p.smk, p.query_id, p.smk_id,
			    &why) == 0)
				sfcse_key_free(&k);
			else if (!why.len)
				abort();
		}
		sfput_free(&p);
	} else if (!why.len) {
		abort();
	}
	buf_free(&why);
	return 0;
}
