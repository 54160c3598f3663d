/*
 * azsign_sign: a driver for cross-checking the SharedKey signer against
 * Azure's Python SDK (tests/helpers/azsign_crosscheck.py).  Reads one JSON
 * request a line from stdin:
 *   {"method":"PUT","path":"/acct/container/raw key","query":[["n","v"]],
 *    "headers":[["Name","value"],...],"length":N,"account":"...",
 *    "key":"<base64>"}
 * (path and query raw: encoded here as az.c sends them) and prints the
 * Authorization value per line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "azsign.h"
#include "json.h"
#include "lines.h"
#include "log.h"

#define MAXP 32

static char *
str(const struct json_doc *d, const char *k)
{
	struct buf b = BUF_INIT;
	int i = json_obj_get(d, 0, k);

	if (i < 0 || d->tok[i].type != JSON_STRING)
		die(2, "azsign_sign: missing string '%s'", k);
	buf_adds(&b, "");
	json_str_decode(&d->tok[i], &b);
	return b.p;
}

/* The array of [name, value] pairs k into p; strings kept in keep. */
static size_t
pairs(const struct json_doc *d, const char *k, struct azsign_hdr *p,
    struct buf *keep, size_t *nkeep)
{
	int a = json_obj_get(d, 0, k);
	size_t n = 0;

	if (a < 0)
		return 0;
	for (uint32_t i = (uint32_t)a + 1; i < d->tok[a].end;
	    i = d->tok[i].end) {
		struct buf *nb = &keep[(*nkeep)++], *vb = &keep[(*nkeep)++];
		if (n == MAXP)
			die(2, "azsign_sign: too many %s", k);
		buf_adds(nb, "");
		buf_adds(vb, "");
		json_str_decode(&d->tok[i + 1], nb);
		json_str_decode(&d->tok[i + 2], vb);
		p[n++] = (struct azsign_hdr){ nb->p, vb->p };
	}
	return n;
}

static void
sign_line(const struct json_doc *d)
{
	struct azsign_hdr q[MAXP], h[MAXP];
	struct buf keep[4 * MAXP] = { BUF_INIT };
	struct buf path = BUF_INIT, query = BUF_INIT, key = BUF_INIT;
	struct buf auth = BUF_INIT;
	size_t nkeep = 0, nq, nh;
	char *method = str(d, "method"), *raw = str(d, "path");
	char *account = str(d, "account"), *k64 = str(d, "key");
	int li = json_obj_get(d, 0, "length");

	nq = pairs(d, "query", q, keep, &nkeep);
	nh = pairs(d, "headers", h, keep, &nkeep);
	azsign_encode(&path, raw, strlen(raw), 1);
	buf_adds(&query, "");
	for (size_t i = 0; i < nq; i++) {
		if (i)
			buf_addc(&query, '&');
		azsign_encode(&query, q[i].name, strlen(q[i].name), 0);
		buf_addc(&query, '=');
		azsign_encode(&query, q[i].value, strlen(q[i].value), 0);
	}
	if (azsign_unb64(&key, k64))
		die(2, "azsign_sign: key not base64");
	struct azsign_req r = { method, path.p, query.p, h, nh,
		li >= 0 ? strtoull(d->tok[li].p, NULL, 10) : 0 };
	azsign_sign(&r, account, &key, &auth, NULL);
	printf("%s\n", auth.p);
	fflush(stdout);
	for (size_t i = 0; i < nkeep; i++)
		buf_free(&keep[i]);
	buf_free(&path);
	buf_free(&query);
	buf_free(&key);
	buf_free(&auth);
	free(method);
	free(raw);
	free(account);
	free(k64);
}

int
main(void)
{
	struct lines lr;
	struct json_doc d = { 0 };
	char *line;
	size_t len;

	log_init("azsign_sign");
	lines_open(&lr, 0);
	while (lines_next(&lr, &line, &len) > 0) {
		if (json_parse(&d, line, len))
			die(2, "azsign_sign: bad input line: %s", d.err);
		sign_line(&d);
	}
	json_doc_free(&d);
	lines_free(&lr);
	return 0;
}
