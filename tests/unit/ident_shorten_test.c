/* Unit tests of long names shortened the way dlt shortens them for
 * PostgreSQL (63 bytes, a tag from SHAKE-128), and of reserved names.
 * The expected names were computed with dlt's algorithm
 * (NamingConvention.shorten_identifier of dlt's snake_case). */
#include <string.h>

#include "ident.h"
#include "tap.h"

static void
check(const char *in, const char *want)
{
	struct buf b = BUF_INIT;

	ident_normalize(&b, in, strlen(in));
	ok(strcmp(b.p, want) == 0 && b.len <= IDENT_MAX,
	    "'%s' -> '%s' (got '%s')", in, want, b.p);
	buf_free(&b);
}

static void
check_dataset(const char *in, const char *want)
{
	struct buf b = BUF_INIT;

	ident_normalize_dataset(&b, in, strlen(in));
	ok(strcmp(b.p, want) == 0 && b.len <= IDENT_DATASET_MAX,
	    "dataset '%s' -> '%s' (got '%s')", in, want, b.p);
	buf_free(&b);
}

static void
check_path(const char *in, const char *want)
{
	struct buf b = BUF_INIT;

	ident_normalize_path(&b, in, strlen(in));
	ok(strcmp(b.p, want) == 0, "path '%s' -> '%s' (got '%s')", in, want,
	    b.p);
	buf_free(&b);
}

static void
reserved(enum ident_kind k, const char *name, int want)
{
	ok(!!ident_reserved(k, name) == want, "%s is%s reserved", name,
	    want ? "" : " not");
}

static void
unnamed(const char *raw, int want)
{
	ok(!!ident_unnamed(raw, strlen(raw)) == want, "'%s' is%s a name",
	    raw, want ? " not" : "");
}

int
main(void)
{
	/* 63 bytes stay, 64 are shortened; names agreeing on their first
	 * 63 bytes get different names */
	check("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
	check("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxe0hf6wxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
	check("a_very_long_table_name_that_goes_on_and_on_beyond_the_limit_of_"
	    "postgres_one",
	    "a_very_long_table_name_that_gefxfgqnd_the_limit_of_postgres_one");
	check("a_very_long_table_name_that_goes_on_and_on_beyond_the_limit_of_"
	    "postgres_two",
	    "a_very_long_table_name_that_gnlcqlgnd_the_limit_of_postgres_two");
	/* the tag is computed from the name as given, before snake_case */
	check("ThisIsAVeryLongCamelCaseColumnNameThatPostgresWouldTruncate"
	    "SilentlyX",
	    "this_is_a_very_long_camel_casogzr7aes_would_truncate_silently_x");
	/* a dataset leaves room for "_staging" */
	check_dataset("a_very_long_table_name_that_goes_on_and_on_beyond_the_"
	    "limit_of_postgres_one",
	    "a_very_long_table_name_thefxfgqhe_limit_of_postgres_one");
	check_dataset("short", "short");
	/* a flattened path: the tag from the joined normalized parts */
	check_path("parent_object_with_a_fairly_long_name__child_field_with_"
	    "an_even_longer_name_here",
	    "parent_object_with_a_fairly_lenldjgith_an_even_longer_name_here");
	check_path("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa__"
	    "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaarsjyfqbbbbbbbbbbbbbbbbbbbbbbbbbbbb");

	reserved(IDENT_TABLE, "_dlt_loads", 1);
	reserved(IDENT_TABLE, "_dlt_version", 1);
	reserved(IDENT_TABLE, "_stage_files", 1);
	reserved(IDENT_TABLE, "_stage_loads", 1);
	reserved(IDENT_TABLE, "dlt_loads", 0);
	reserved(IDENT_TABLE, "_dlt", 0);
	reserved(IDENT_COLUMN, "_dlt_id", 1);
	reserved(IDENT_COLUMN, "_dlt_load_id", 1);
	reserved(IDENT_COLUMN, "_stage_row", 1);
	reserved(IDENT_COLUMN, "_dlt_ids", 0);
	reserved(IDENT_COLUMN, "_dlt_loads", 0);
	reserved(IDENT_DATASET, "x_staging", 1);
	reserved(IDENT_DATASET, "_staging", 1);
	reserved(IDENT_DATASET, "staging", 0);
	reserved(IDENT_DATASET, "x_staging_area", 0);

	unnamed("", 1);
	unnamed("   ", 1);
	unnamed("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", 1);	/* 日本語 */
	unnamed("_", 1);
	unnamed("!!!", 1);
	unnamed("x", 0);
	unnamed("\xe6\x97\xa5 1", 0);
	return tap_done();
}
