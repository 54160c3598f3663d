/*
 * azsign_test: the SharedKey string to sign as Microsoft's "Authorize
 * with Shared Key" page lays it out (its examples of canonicalized
 * resources, Content-Length empty when 0, x-ms-* headers lower-cased and
 * sorted), a signature checked against one made by Azure's Python SDK
 * (azure-storage-blob's sign_string), base64 both ways, and the
 * x-ms-date format.
 */
#include <stdio.h>
#include <string.h>

#include "azsign.h"
#include "log.h"
#include "tap.h"

#define DEV_KEY "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6" \
	"tq/K1SZFPTOtr/KBHBeksoGMGw=="

static void
doc_examples(void)
{
	struct azsign_hdr h[] = {
		{ "x-ms-version", "2009-09-19" },
		{ "x-ms-date", "Sun, 11 Oct 2009 21:49:13 GMT" },
	};
	struct azsign_req r = { "GET", "/mycontainer",
		"restype=container&comp=metadata&timeout=20", h, 2, 0 };
	struct buf s = BUF_INIT;

	azsign_string(&r, "myaccount", &s);
	ok(strcmp(s.p, "GET\n\n\n\n\n\n\n\n\n\n\n\n"
	    "x-ms-date:Sun, 11 Oct 2009 21:49:13 GMT\n"
	    "x-ms-version:2009-09-19\n"
	    "/myaccount/mycontainer\ncomp:metadata\nrestype:container\n"
	    "timeout:20") == 0, "the page's container metadata example");
	buf_reset(&s);
	r.query = "restype=container&comp=list&include=snapshots&"
	    "include=metadata&include=uncommittedblobs";
	azsign_string(&r, "myaccount", &s);
	ok(strstr(s.p, "\n/myaccount/mycontainer\ncomp:list\n"
	    "include:metadata,snapshots,uncommittedblobs\nrestype:container")
	    != NULL, "a repeated parameter: its values sorted, comma-joined");
	buf_free(&s);
}

static void
put_block(void)
{
	struct azsign_hdr h[] = {
		{ "x-ms-version", "2021-08-06" },
		{ "X-MS-Date", "Sun, 11 Oct 2009 21:49:13 GMT" },
		{ "x-ms-meta-sha256", "  ab " },
		{ "x-ms-blob-type", "BlockBlob" },
		{ "Content-MD5", "XrY7u+Ae7tCTyyK7j1rNww==" },
	};
	struct azsign_req r = { "PUT", "/devstoreaccount1/stage/a%20b/c.csv",
		"comp=block&blockid=QUJD%2B%2F%3D%3D", h, 5, 11 };
	struct buf key = BUF_INIT, auth = BUF_INIT, s = BUF_INIT;

	ok(azsign_unb64(&key, DEV_KEY) == 0 && key.len == 64,
	    "the account key decodes to 64 bytes");
	azsign_sign(&r, "devstoreaccount1", &key, &auth, &s);
	ok(strcmp(s.p, "PUT\n\n\n11\nXrY7u+Ae7tCTyyK7j1rNww==\n\n\n\n\n\n\n\n"
	    "x-ms-blob-type:BlockBlob\n"
	    "x-ms-date:Sun, 11 Oct 2009 21:49:13 GMT\n"
	    "x-ms-meta-sha256:ab\nx-ms-version:2021-08-06\n"
	    "/devstoreaccount1/devstoreaccount1/stage/a%20b/c.csv\n"
	    "blockid:QUJD+/==\ncomp:block") == 0,
	    "Put Block: length, MD5, x-ms-* sorted and trimmed, path as "
	    "sent, query decoded");
	ok(strcmp(auth.p, "SharedKey devstoreaccount1:"
	    "dWaOh5IqXfAbjeyzYUENG+FpEnYi9wVO8526i9Vixtw=") == 0,
	    "the signature azure-storage-blob makes of that string");
	buf_free(&key);
	buf_free(&auth);
	buf_free(&s);
}

static void
base64(void)
{
	struct buf b = BUF_INIT;

	azsign_b64(&b, "ABC-000001", 10);
	ok(strcmp(b.p, "QUJDLTAwMDAwMQ==") == 0, "base64 with padding");
	buf_reset(&b);
	ok(azsign_unb64(&b, "QUJDLTAwMDAwMQ==") == 0 && b.len == 10 &&
	    memcmp(b.p, "ABC-000001", 10) == 0, "and back");
	buf_reset(&b);
	ok(azsign_unb64(&b, "not base64!") == -1, "a key that is not base64 "
	    "is refused");
	buf_reset(&b);
	ok(azsign_unb64(&b, "QUJ") == -1, "so is one cut short");
	buf_reset(&b);
	azsign_encode(&b, "a b/ü+=", strlen("a b/ü+="), 1);
	ok(strcmp(b.p, "a%20b/%C3%BC%2B%3D") == 0, "keys percent-encoded, "
	    "'/' kept");
	buf_free(&b);
}

static void
date(void)
{
	char d[30];

	azsign_date(1255297753LL, d);
	ok(strcmp(d, "Sun, 11 Oct 2009 21:49:13 GMT") == 0,
	    "x-ms-date in RFC 1123 form, whatever the locale");
}

int
main(void)
{
	log_init("azsign_test");
	doc_examples();
	put_block();
	base64();
	date();
	return tap_done();
}
