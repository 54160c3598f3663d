/* Unit tests of the TOML reader (dlt's subset). */
#include <string.h>

#include "buf.h"
#include "tap.h"
#include "toml.h"

/* Collects "key=value;" for every entry. */
static void
collect(void *ctx, const char *key, const char *value, size_t line)
{
	(void)line;
	buf_printf(ctx, "%s=%s;", key, value);
}

static int
parse(const char *text, struct buf *out, size_t *line)
{
	char err[128];
	size_t l = 0;
	int r;

	buf_reset(out);
	r = toml_parse(text, strlen(text), collect, out, &l, err, sizeof err);
	if (line)
		*line = l;
	return r;
}

static void
expect(const char *text, const char *want)
{
	struct buf b = BUF_INIT;
	int r = parse(text, &b, NULL);

	ok(r == 0 && b.p && strcmp(b.p, want) == 0, "parses %.*s",
	    (int)strcspn(text, "\n"), text);
	buf_free(&b);
}

static void
expect_error(const char *text, size_t want_line, const char *what)
{
	struct buf b = BUF_INIT;
	size_t line = 0;
	int r = parse(text, &b, &line);

	ok(r == -1 && line == want_line, "rejects %s at line %zu (got %zu)",
	    what, want_line, line);
	buf_free(&b);
}

int
main(void)
{
	expect("a = 1\n", "a=1;");
	expect("# c\n[destination.filesystem]\nbucket_url = \"s3://b/p\" # x\n",
	    "destination.filesystem.bucket_url=s3://b/p;");
	expect("[destination.postgres]\ncredentials = 'postgresql://u@h/db'\n",
	    "destination.postgres.credentials=postgresql://u@h/db;");
	expect("a.b.c = true\n", "a.b.c=true;");
	expect("[\"quoted key\".x]\ny = 2_000\n", "quoted key.x.y=2000;");
	expect("s = \"tab\\there \\u00e9\"\n", "s=tab\there \xc3\xa9;");
	expect("k = \"\"\"\nline1\nline2\"\"\"\n", "k=line1\nline2;");
	expect("k = '''\n-----BEGIN KEY-----\nabc\n'''\n",
	    "k=-----BEGIN KEY-----\nabc\n;");
	expect("k = \"\"\"a \\\n   b\"\"\"\n", "k=a b;");
	expect("pk = [\"id\", \"ts\",]\n", "pk=[\"id\",\"ts\"];");
	expect("n = [1, [2.5, 'x'], {a = 1}]\n", "n=[1,[2.5,\"x\"],{\"a\":1}];");
	expect("c = { user = \"u\", port = 5432 }\n", "c.user=u;c.port=5432;");
	expect("d = 1979-05-27T07:32:00Z\n", "d=1979-05-27T07:32:00Z;");
	expect("f = -1.5e3\nt = false\n", "f=-1.5e3;t=false;");
	expect("\r\na = 1\r\n", "a=1;");
	expect_error("a = 1\nb = \n", 2, "a missing value");
	expect_error("a = 1\na = 2\n", 2, "a duplicate key");
	expect_error("a.b = 1\na = 2\n", 2, "a key that conflicts with a table");
	expect_error("\n\nx = bare\n", 3, "an unquoted string");
	expect_error("s = \"abc\n", 1, "an unterminated string");
	expect_error("[[arr]]\n", 1, "arrays of tables");
	expect_error("[t\n", 1, "an unclosed header");
	expect_error("a = 1 b = 2\n", 1, "two pairs on a line");
	expect_error("s = \"\\q\"\n", 1, "a bad escape");
	expect_error("a = \"\xff\"\n", 1, "invalid UTF-8");
	return tap_done();
}
