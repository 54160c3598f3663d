/*
 * sfjwt_sign: a driver for cross-checking Snowflake's key-pair JWT
 * against PyJWT (tests/snowflake.bats).  Usage:
 *   sfjwt_sign KEY.pem ACCOUNT USER IAT [PASSPHRASE]
 * prints the token, or the error and exits 1.
 */
#include <stdio.h>
#include <stdlib.h>

#include "sfjwt.h"

static char *
slurp(const char *path)
{
	struct buf b = BUF_INIT;
	FILE *f = fopen(path, "rb");
	char tmp[4096];
	size_t n;

	if (!f)
		return NULL;
	while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
		buf_add(&b, tmp, n);
	fclose(f);
	buf_adds(&b, "");
	return b.p;
}

int
main(int argc, char **argv)
{
	struct buf tok = BUF_INIT, why = BUF_INIT;
	char *pem;
	int r;

	if (argc < 5 || !(pem = slurp(argv[1]))) {
		fprintf(stderr, "usage: sfjwt_sign KEY.pem ACCOUNT USER IAT "
		    "[PASSPHRASE]\n");
		return 2;
	}
	r = sfjwt_make(pem, argc > 5 ? argv[5] : NULL, argv[2], argv[3],
	    strtoll(argv[4], NULL, 10), 60, &tok, &why);
	if (r == 0)
		printf("%s\n", tok.p);
	else
		fprintf(stderr, "sfjwt_sign: %s\n", why.p);
	free(pem);
	buf_free(&tok);
	buf_free(&why);
	return r ? 1 : 0;
}
