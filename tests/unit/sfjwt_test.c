/* sfjwt_test: base64url and the account locator of Snowflake's JWT. */
#include <string.h>

#include "sfjwt.h"
#include "tap.h"

static int
b64(const char *in, const char *want)
{
	struct buf b = BUF_INIT;
	int r;

	buf_adds(&b, "");
	sfjwt_b64url(&b, in, strlen(in));
	r = strcmp(b.p, want) == 0;
	buf_free(&b);
	return r;
}

int
main(void)
{
	struct buf a = BUF_INIT;
	struct buf t = BUF_INIT, why = BUF_INIT;

	ok(b64("", ""), "empty");
	ok(b64("f", "Zg"), "one byte, no padding");
	ok(b64("fo", "Zm8"), "two bytes");
	ok(b64("foo", "Zm9v"), "three bytes");
	ok(b64("\xfb\xff", "-_8"), "url-safe alphabet");
	sfjwt_account("xy12345.eu-central-1.aws", &a);
	ok(strcmp(a.p, "XY12345") == 0, "account locator upper case: %s", a.p);
	ok(sfjwt_make("not a key", NULL, "a", "u", 0, 60, &t, &why) < 0 &&
	    strstr(why.p, "not a PEM private key"), "garbage key refused: %s",
	    why.p ? why.p : "");
	buf_free(&a);
	buf_free(&t);
	buf_free(&why);
	return tap_done();
}
