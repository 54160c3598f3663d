/*
 * sfwire_run: a driver for the Snowflake session protocol against a peer
 * (tests/snowflake.bats).  Usage: sfwire_run BASE_URL SQL...; logs in as
 * user "stage" with password $SFW_PASSWORD (database STAGE_TEST) and runs
 * each statement, printing its rows tab-separated ("\N" for null) or
 * "error: why", and "affected N" for DML.  Exit 0, or 1 after an error.
 */
#include <stdio.h>
#include <stdlib.h>

#include "log.h"
#include "snowflake_wire.h"

int
main(int argc, char **argv)
{
	struct sfw_login l = { 0 };
	struct sfresult res = { 0 };
	struct sfwire *w;
	int rc = 0;

	log_init("sfwire_run");
	if (argc < 2)
		return 2;
	l.base = argv[1];
	l.account = "test";
	l.user = "stage";
	l.password = getenv("SFW_PASSWORD");
	l.database = "STAGE_TEST";
	l.label = "snowflake://stage@test";
	if (!(w = sfw_open(&l)))
		return 1;
	for (int i = 2; i < argc; i++) {
		int r = sfw_query(w, argv[i], &res);
		if (r < 0) {
			printf("error: %s\n", r == -1 ? res.err.p : "transport");
			rc = 1;
			continue;
		}
		for (int64_t k = 0; k < res.nrows; k++)
			for (int c = 0; c < res.ncols; c++)
				printf("%s%s", sfresult_at(&res, k, c) ?
				    sfresult_at(&res, k, c) : "\\N",
				    c + 1 < res.ncols ? "\t" : "\n");
		printf("affected %lld\n", (long long)res.affected);
	}
	sfresult_free(&res);
	sfw_close(w);
	return rc;
}
