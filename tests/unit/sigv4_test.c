/* Unit tests of the SigV4 signer: AWS's published S3 examples (S3 API
 * reference, "Signature Calculations for the Authorization Header:
 * Transferring Payload in a Single Chunk") and the URI encoding rules. */
#include <string.h>

#include "sigv4.h"
#include "tap.h"

#define EMPTY "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define DATE "20130524T000000Z"
#define HOST "examplebucket.s3.amazonaws.com"

static const struct sigv4_key key = {
	"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
	"us-east-1", "s3"
};

static int
signs(const char *method, const char *path, const char *query,
    const struct sigv4_hdr *h, size_t nh, const char *payload,
    const char *want)
{
	struct sigv4_req r = { method, path, query, h, nh, payload, DATE };
	struct buf auth = BUF_INIT;
	int good;

	sigv4_sign(&r, &key, &auth, NULL);
	good = strcmp(auth.p, want) == 0;
	if (!good)
		printf("# got  %s\n# want %s\n", auth.p, want);
	buf_free(&auth);
	return good;
}

static void
test_get_object(void)
{
	/* Header names in mixed case and out of order: the signer sorts. */
	const struct sigv4_hdr h[] = {
		{ "X-Amz-Date", DATE }, { "Range", "bytes=0-9" },
		{ "Host", HOST }, { "x-amz-content-sha256", EMPTY },
	};
	ok(signs("GET", "/test.txt", "", h, 4, EMPTY,
	    "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/"
	    "us-east-1/s3/aws4_request,SignedHeaders=host;range;"
	    "x-amz-content-sha256;x-amz-date,Signature=f0e8bdb87c964420e857"
	    "bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"),
	    "AWS example: GET Object with Range");
}

static void
test_put_object(void)
{
	const char *ph =
	    "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072";
	const struct sigv4_hdr h[] = {
		{ "Host", HOST }, { "Date", "Fri, 24 May 2013 00:00:00 GMT" },
		{ "x-amz-date", DATE },
		{ "x-amz-storage-class", "REDUCED_REDUNDANCY" },
		{ "x-amz-content-sha256", ph },
	};
	struct buf path = BUF_INIT;

	buf_addc(&path, '/');
	sigv4_uri_encode(&path, "test$file.text", 14, 1);
	ok(strcmp(path.p, "/test%24file.text") == 0, "encodes '$' in a key");
	ok(signs("PUT", path.p, "", h, 5, ph,
	    "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/"
	    "us-east-1/s3/aws4_request,SignedHeaders=date;host;"
	    "x-amz-content-sha256;x-amz-date;x-amz-storage-class,"
	    "Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971"
	    "af0ece108bd"), "AWS example: PUT Object");
	buf_free(&path);
}

static void
test_bucket_queries(void)
{
	const struct sigv4_hdr h[] = {
		{ "host", HOST }, { "x-amz-date", DATE },
		{ "x-amz-content-sha256", EMPTY },
	};
	const struct sigv4_param lc[] = { { "lifecycle", "" } };
	const struct sigv4_param ls[] = { { "prefix", "J" },
		{ "max-keys", "2" } };
	struct buf q = BUF_INIT;

	sigv4_query(&q, lc, 1);
	ok(strcmp(q.p, "lifecycle=") == 0, "a bare parameter gets '='");
	ok(signs("GET", "/", q.p, h, 3, EMPTY,
	    "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/"
	    "us-east-1/s3/aws4_request,SignedHeaders=host;"
	    "x-amz-content-sha256;x-amz-date,Signature=fea454ca298b7da1c6807"
	    "8a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543"),
	    "AWS example: GET Bucket Lifecycle");
	buf_reset(&q);
	sigv4_query(&q, ls, 2);
	ok(strcmp(q.p, "max-keys=2&prefix=J") == 0, "sorts query names");
	ok(signs("GET", "/", q.p, h, 3, EMPTY,
	    "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/"
	    "us-east-1/s3/aws4_request,SignedHeaders=host;"
	    "x-amz-content-sha256;x-amz-date,Signature=34b48302e7b5fa45bde80"
	    "84f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"),
	    "AWS example: GET Bucket (List Objects)");
	buf_free(&q);
}

static void
test_encoding(void)
{
	struct buf b = BUF_INIT;
	const char *k = "a b/c+d=e&\xc3\xa9~_.-*";
	const struct sigv4_param p[] = { { "prefix", "a/b c" },
		{ "a", "2" }, { "a", "1" } };

	sigv4_uri_encode(&b, k, strlen(k), 1);
	ok(strcmp(b.p, "a%20b/c%2Bd%3De%26%C3%A9~_.-%2A") == 0,
	    "path encoding keeps '/' and unreserved bytes only");
	buf_reset(&b);
	sigv4_query(&b, p, 3);
	ok(strcmp(b.p, "a=1&a=2&prefix=a%2Fb%20c") == 0,
	    "query encodes '/' and sorts repeated names by value");
	buf_reset(&b);
	char d[17];
	sigv4_date(1369353600, d);
	ok(strcmp(d, DATE) == 0, "formats x-amz-date in UTC");
	buf_free(&b);
}

int
main(void)
{
	test_get_object();
	test_put_object();
	test_bucket_queries();
	test_encoding();
	return tap_done();
}
