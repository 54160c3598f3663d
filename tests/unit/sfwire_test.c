/* sfwire_test: reading query-request answers (sfw_parse): JSON rowsets
 * and DML counts, refusals with code and SQL state, "still running"
 * with the URL to poll, and malformed answers refused. */
#include <string.h>

#include "snowflake_wire.h"
#include "tap.h"

static int
parse(const char *body, struct sfresult *res, struct buf *url,
    struct buf *why)
{
	sfresult_free(res);
	buf_reset(url);
	buf_reset(why);
	return sfw_parse(body, strlen(body), res, url, why);
}

int
main(void)
{
	struct sfresult res = { 0 };
	struct buf url = BUF_INIT, why = BUF_INIT;

	ok(parse("{\"success\":true,\"data\":{\"statementTypeId\":12544,"
	    "\"rowtype\":[{\"name\":\"number of rows inserted\"}],"
	    "\"rowset\":[[\"3\"]]}}", &res, &url, &why) == 0 &&
	    res.affected == 3 && res.type_id == 12544, "INSERT: 3 rows");
	ok(parse("{\"success\":true,\"data\":{\"rowtype\":[{\"name\":"
	    "\"number of rows inserted\"},{\"name\":\"number of rows "
	    "updated\"}],\"rowset\":[[\"2\",\"5\"]]}}", &res, &url,
	    &why) == 0 && res.affected == 7, "MERGE: inserted + updated");
	ok(parse("{\"success\":true,\"data\":{\"rowtype\":[{\"name\":\"A\"},"
	    "{\"name\":\"B\"}],\"rowset\":[[\"x\",null],[\"\\u00e9\",\"2\"]]}}",
	    &res, &url, &why) == 0 && res.nrows == 2 &&
	    sfresult_at(&res, 0, 1) == NULL &&
	    strcmp(sfresult_at(&res, 1, 0), "\xc3\xa9") == 0 &&
	    sfresult_col(&res, "b") == 1, "rows, nulls, escapes, names");
	ok(parse("{\"success\":false,\"code\":\"002003\",\"message\":\"no "
	    "such table\",\"data\":{\"sqlState\":\"42S02\"}}", &res, &url,
	    &why) == -1 && strcmp(res.err.p, "no such table (code 002003, "
	    "SQL state 42S02)") == 0, "refusal: %s", res.err.p);
	ok(parse("{\"success\":false,\"code\":\"333334\",\"message\":\"running"
	    "\",\"data\":{\"getResultUrl\":\"/queries/01a/result\"}}", &res,
	    &url, &why) == 1 && strcmp(url.p, "/queries/01a/result") == 0,
	    "still running: poll %s", url.p ? url.p : "");
	ok(parse("{\"success\":true,\"data\":{\"rowtype\":[{\"name\":\"A\"}],"
	    "\"rowset\":[[\"1\",\"2\"]]}}", &res, &url, &why) == -2,
	    "a row wider than its rowtype is refused");
	ok(parse("{\"success\":true,\"data\":{\"rowtype\":[{\"name\":\"A\"}],"
	    "\"rowsetBase64\":\"!!!\"}}", &res, &url, &why) == -2,
	    "bad base64 refused: %s", why.p ? why.p : "");
	ok(parse("{\"success\":true,\"data\":{\"rowtype\":[],\"chunks\":"
	    "[{\"url\":\"x\"}]}}", &res, &url, &why) == -2 &&
	    strstr(why.p, "chunks"), "chunked results refused, saying so");
	ok(parse("<html>", &res, &url, &why) == -2, "not JSON refused");
	sfresult_free(&res);
	buf_free(&url);
	buf_free(&why);
	return tap_done();
}
