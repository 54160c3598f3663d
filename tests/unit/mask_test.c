/* Unit tests of mask: passwords out of connection strings and URLs, read
 * the way libpq reads them. */
#include <stdlib.h>
#include <string.h>

#include "mask.h"
#include "tap.h"

static void
conninfo(const char *in, const char *want, int want_had)
{
	int had = -1;
	char *m = mask_conninfo(in, &had);

	ok(strcmp(m, want) == 0 && had == want_had,
	    "conninfo [%s] -> [%s] had %d (got [%s] had %d)", in, want,
	    want_had, m, had);
	free(m);
}

static void
url(const char *in, const char *want)
{
	int had;
	char *m = mask_url(in, &had);

	ok(strcmp(m, want) == 0, "url [%s] -> [%s] (got [%s])", in, want, m);
	free(m);
}

static void
quoted(const char *in, const char *want)
{
	struct buf b = BUF_INIT;

	mask_quoted(&b, in);
	ok(b.p && strcmp(b.p, want) == 0, "quoted [%s] -> [%s] (got [%s])",
	    in, want, b.p);
	buf_free(&b);
}

int
main(void)
{
	conninfo("postgresql://u@h/db", "postgresql://u@h/db", 0);
	conninfo("postgresql://u:pw@h:5432/db", "postgresql://u:***@h:5432/db", 1);
	conninfo("postgres://u:p%40w@h/db", "postgres://u:***@h/db", 1);
	conninfo("postgresql://h/db?pass%77ord=pw", "postgresql://h/db?pass%77ord=***", 1);
	conninfo("postgresql://h/db?password=a&password=pw",
	    "postgresql://h/db?password=***&password=***", 1);
	conninfo("postgresql://h/db?sslmode=disable&password=pw&connect_timeout=3",
	    "postgresql://h/db?sslmode=disable&password=***&connect_timeout=3", 1);
	conninfo("postgresql://u:pw%zz@h/db", "postgresql://***", 0);
	conninfo("postgresql://h/db?password=pw%zz", "postgresql://***", 0);
	conninfo("postgresql://h/db?PASSWORD=pw", "postgresql://***", 0);
	conninfo("host=h password=pw dbname=d", "host=h password=*** dbname=d", 1);
	conninfo("host=h password = 'p w\\' x' dbname=d",
	    "host=h password = *** dbname=d", 1);
	conninfo("  password=pw", "  password=***", 1);
	conninfo("host=h password='pw", "***", 0);
	conninfo("host=h passwordx=pw", "***", 0);
	conninfo("", "", 0);
	url("s3://k:s@bucket/p", "s3://k:***@bucket/p");
	url("sqlite:///tmp/x.db", "sqlite:///tmp/x.db");
	url("x://h/p@q?password=s&a=b", "x://h/p@q?password=***&a=b");
	{
		char *m = mask_userinfo("s3://k:s@bucket/a@b");
		ok(strcmp(m, "s3://***@bucket/a@b") == 0, "userinfo (got %s)", m);
		free(m);
		m = mask_userinfo("s3://bucket/a@b");
		ok(strcmp(m, "s3://bucket/a@b") == 0, "no userinfo (got %s)", m);
		free(m);
	}
	quoted("invalid percent-encoded token: \"pw%zz\"\nmore",
	    "invalid percent-encoded token: \"***\"");
	quoted("missing \"=\" after \"pw\" in connection info string",
	    "missing \"***\" after \"***\" in connection info string");
	quoted("unterminated \"quote", "unterminated \"***\"");
	return tap_done();
}
