/*
 * sql_analyze: the ANALYZE a merge needs before it runs, and
 * sql_dup_keys: whether it has anything to deduplicate (see sql.h).
 * Sampling every column of a 1M-row table costs 0.3-0.5 s; the merge's
 * plans only need the table's size (which every ANALYZE records) and the
 * columns its joins, sorts and filters use.  Deduplication sorts every
 * staged row with all its columns (an external sort of some 100 MB for
 * 1M rows); asking first whether any key occurs twice sorts the keys
 * only, and most loads have none.
 */
#include <string.h>

#include "keyset.h"
#include "sql.h"

/* Appends ", name" (or " (name" first) when t has the column and it is
 * not listed yet. */
static void
add_col(struct buf *b, struct keyset *seen, const struct dtable *t,
    const char *name)
{
	if (!name || (t && dtable_col(t, name) < 0) ||
	    keyset_add(seen, name) < 0)
		return;
	buf_adds(b, seen->n == 1 ? " (" : ", ");
	sql_ident(b, name);
}

void
sql_analyze(struct buf *b, const char *schema, const struct dtable *t,
    const struct merge_opts *o, int staging)
{
	struct keyset seen = { 0 };

	buf_adds(b, "ANALYZE ");
	sql_qname(b, schema, t->name);
	if (staging)
		add_col(b, &seen, NULL, "_stage_row");
	if (t->disp == DISP_MERGE) {
		for (size_t i = 0; i < t->npk; i++)
			add_col(b, &seen, t, t->pk[i]);
		for (size_t i = 0; i < t->nmk; i++)
			add_col(b, &seen, t, t->mk[i]);
		if (staging && o) {
			add_col(b, &seen, t, o->dedup_sort);
			add_col(b, &seen, t, o->hard_delete);
		}
	}
	if (seen.n)
		buf_addc(b, ')');
	keyset_free(&seen);
}

void
sql_dup_keys(struct buf *b, const struct sql_dialect *d,
    const struct dtable *t, const char *load_id)
{
	buf_adds(b, "SELECT count(*) FROM (SELECT 1 FROM ");
	sql_load_rows(b, d, t, load_id);
	buf_adds(b, " GROUP BY ");
	for (size_t i = 0; i < t->npk; i++) {
		if (i)
			buf_adds(b, ", ");
		buf_adds(b, "s.");
		sql_ident(b, t->pk[i]);
	}
	buf_adds(b, " HAVING count(*) > 1 LIMIT 1) AS d");
}
