/* Unit test of sql_analyze: the merge's ANALYZE samples only the columns
 * its statements use, each once, and the whole table when none apply. */
#include <string.h>

#include "dest.h"
#include "sql.h"
#include "tap.h"

static struct dcol cols[] = {
	{ "id", CT_BIGINT, 0 }, { "v", CT_TEXT, 1 },
	{ "at", CT_TIMESTAMP, 1 }, { "gone", CT_BOOL, 1 },
};

static void
check(const struct dtable *t, const struct merge_opts *o, int staging,
    const char *want, const char *what)
{
	struct buf b = BUF_INIT;

	sql_analyze(&b, "s\"x", t, o, staging);
	ok(strcmp(b.p, want) == 0, "%s: %s", what, b.p);
	buf_free(&b);
}

int
main(void)
{
	char *pk[] = { "id" }, *mk[] = { "id", "v" }, *nope[] = { "nope" };
	struct dtable t = { "d", "t", DISP_MERGE, pk, 1, mk, 2, cols, 4 };
	struct merge_opts o = { MERGE_DELETE_INSERT, "at", 1, "gone", 0, NULL };
	struct merge_opts other = { MERGE_DELETE_INSERT, "none", 0, NULL, 0, NULL };

	check(&t, &o, 1, "ANALYZE \"s\"\"x\".\"t\" (\"_stage_row\", \"id\", "
	    "\"v\", \"at\", \"gone\")", "staging, keys listed once");
	check(&t, &o, 0, "ANALYZE \"s\"\"x\".\"t\" (\"id\", \"v\")",
	    "final: the keys only");
	check(&t, &other, 1, "ANALYZE \"s\"\"x\".\"t\" (\"_stage_row\", "
	    "\"id\", \"v\")", "a dedup column the table lacks is left out");
	t.disp = DISP_APPEND;
	check(&t, &o, 1, "ANALYZE \"s\"\"x\".\"t\" (\"_stage_row\")",
	    "append: the row tag");
	check(&t, NULL, 0, "ANALYZE \"s\"\"x\".\"t\"", "nothing applies: all");
	t.disp = DISP_MERGE;
	t.pk = nope;
	t.nmk = 0;
	check(&t, NULL, 0, "ANALYZE \"s\"\"x\".\"t\"",
	    "a key the table lacks: all");
	return tap_done();
}
