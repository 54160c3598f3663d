/* Fuzz target: a service-account key file (gauth_parse) and a token
 * endpoint's answer (gauth_answer), both bytes from outside.  The first
 * byte picks which; neither may crash, leak or read out of bounds, and a
 * key file that parses has an email, a token URI and a key. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "gauth.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct gauth g;
	struct buf text = BUF_INIT, err = BUF_INIT;

	if (n < 1)
		return 0;
	buf_add(&text, d + 1, n - 1);
	buf_adds(&text, "");
	memset(&g, 0, sizeof g);
	if (d[0] & 1) {
		if (gauth_parse(&g, "key.json", &text, &err) == 0 &&
		    (!g.client_email || !g.token_uri || !g.pkey))
			abort();
	} else {
		gauth_load_fields(&g, "a@b", NULL, NULL, NULL, "cfg", &err);
		if (gauth_answer(&g, 200, &text, &err) == 0 && !g.token)
			abort();
	}
	gauth_free(&g);
	buf_free(&text);
	buf_free(&err);
	return 0;
}
