/* Unit tests of identifier normalization (dlt's snake_case convention). */
#include <string.h>

#include "ident.h"
#include "tap.h"

static void
check(const char *in, const char *want)
{
	struct buf b = BUF_INIT;

	ident_normalize(&b, in, strlen(in));
	ok(strcmp(b.p, want) == 0, "'%s' -> '%s' (got '%s')", in, want, b.p);
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

int
main(void)
{
	check("id", "id");
	check("camelCase", "camel_case");
	check("PascalCase", "pascal_case");
	check("userID", "user_id");
	check("HTTPResponse", "http_response");
	check("ABCDef", "abc_def");
	check("kebab-case", "kebab_case");
	check("with space", "with_space");
	check("  trimmed  ", "trimmed");
	check("1st", "_1st");
	check("123", "_123");
	check("trailing_", "trailingx");
	check("a__b", "a_b");
	check("a___b", "a_b");
	check("__lead", "_lead");
	check("a+b", "axb");
	check("a*b", "axb");
	check("me@home", "meahome");
	check("a|b", "alb");
	check("Ünïcödé", "_n_c_dx");
	check("caf\xc3\xa9", "cafx");
	check("a.b.c", "a_b_c");
	check("", "x");
	check("!!!", "x");
	check("already_snake", "already_snake");
	check("ALLCAPS", "allcaps");
	check("v2Api", "v2_api");
	check_path("Address__zipCode", "address__zip_code");
	check_path("plain", "plain");
	check_path("a__b__cD", "a__b__c_d");
	return tap_done();
}
