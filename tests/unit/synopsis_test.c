/* Unit tests of the synopsis made from an option table (cliopt.h). */
#include <string.h>

#include "buf.h"
#include "cliopt.h"
#include "tap.h"

static const struct cliopt opts[] = {
	{ "table", 't', "T", "the table", NULL },
	{ "table-field", 300, "F", "the field", NULL },
	{ "format", 'f', "F", "csv or jsonl", "csv jsonl" },
	{ "dir", 'd', "D", "a directory", "dir" },
	{ "destination", 'D', "D", "where", "postgres postgresql:// sqlite" },
	{ "column", 301, "N:TYPE", "pin one (repeatable)", ":text bigint" },
	{ "jobs", 'j', "N", "how many", "1 2 4 8" },
	{ "a-rather-long-option-name", 302, "VALUE", "to wrap", NULL },
	{ "another-rather-long-name", 303, "VALUE", "to wrap", NULL },
	{ "dry-run", 'n', NULL, "dry", NULL },
	{ "drop", 304, NULL, "a long flag", NULL },
	CLIOPT_COMMON
};

static void
synopsis(const char *lead, struct buf *b)
{
	struct cliprog p = { "prog", lead, "summary", NULL, "manifest", 20,
	    opts };

	buf_reset(b);
	cliopt_synopsis(b, &p);
}

int
main(void)
{
	struct buf b = BUF_INIT;
	const char *nl;
	int wide = 0;

	synopsis(NULL, &b);
	ok(strncmp(b.p, "usage: prog [-nqv] [-t T] [--table-field F] ", 44) == 0,
	    "flags with a letter first, grouped; then the table's order: %.60s",
	    b.p);
	ok(strstr(b.p, "[-f csv|jsonl]") != NULL, "plain words: a|b");
	ok(strstr(b.p, "[-d D]") && strstr(b.p, "[-D D]") && strstr(b.p,
	    "[-j N]"), "a directory, URLs and numbers: the argument's name");
	ok(strstr(b.p, "[--column N:TYPE ...]") != NULL,
	    "a repeatable option: ...");
	ok(strstr(b.p, "[--drop]") != NULL, "a long-only flag: [--name]");
	ok(!strstr(b.p, "help") && !strstr(b.p, "version") &&
	    !strstr(b.p, "--quiet"), "no --help, --version, nor -q's long name");
	ok(b.len > 1 && b.p[b.len - 1] == '\n' && strstr(b.p,
	    "[manifest ...]\n"), "the operand last, then a newline");
	for (const char *l = b.p; *l; l = nl + 1) {
		nl = strchr(l, '\n');
		if (nl - l > 78)
			wide = 1;
		if (l != b.p && strncmp(l, "            [", 13) != 0)
			wide = 1;
	}
	ok(!wide && strchr(b.p, '\n') != b.p + b.len - 1,
	    "wrapped at 78 columns, under the first option");
	synopsis("(-t T | --table-field F)", &b);
	ok(strncmp(b.p, "usage: prog (-t T | --table-field F) [-nqv] [-f ", 48)
	    == 0, "a lead first; the options it names not again: %.60s", b.p);
	buf_free(&b);
	return tap_done();
}
