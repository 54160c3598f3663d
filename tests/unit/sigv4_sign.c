/*
 * sigv4_sign: a driver for cross-checking the signer against botocore.
 * Reads one JSON request a line from stdin:
 *   {"method":"PUT","path":"/bucket/raw key","query":[["n","v"],...],
 *    "headers":[["Name","value"],...],"payload":"<hex>","date":"...Z",
 *    "access_key":"...","secret_key":"...","region":"..."}
 * (path raw, not encoded) and prints the Authorization value per line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json.h"
#include "lines.h"
#include "sigv4.h"

static char *
str(const struct json_doc *d, const char *k)
{
	struct buf b = BUF_INIT;
	int i = json_obj_get(d, 0, k);

	if (i < 0 || d->tok[i].type != JSON_STRING)
		die(2, "sigv4_sign: missing string '%s'", k);
	buf_adds(&b, "");
	json_str_decode(&d->tok[i], &b);
	return b.p;
}

/* Decodes an array of [name, value] pairs into p[0..n); strings owned by
 * the caller through *keep. */
static size_t
pairs(const struct json_doc *d, const char *k, const char **names,
    const char **values, size_t max, char **keep, size_t *nkeep)
{
	int a = json_obj_get(d, 0, k);
	size_t n = 0;

	if (a < 0)
		return 0;
	for (uint32_t i = (uint32_t)a + 1; i < d->tok[a].end;
	    i = d->tok[i].end) {
		struct buf nb = BUF_INIT, vb = BUF_INIT;
		if (n == max)
			die(2, "sigv4_sign: too many %s", k);
		buf_adds(&nb, "");
		buf_adds(&vb, "");
		json_str_decode(&d->tok[i + 1], &nb);
		json_str_decode(&d->tok[i + 2], &vb);
		names[n] = keep[(*nkeep)++] = nb.p;
		values[n] = keep[(*nkeep)++] = vb.p;
		n++;
	}
	return n;
}

int
main(void)
{
	struct lines lr;
	struct json_doc d = { 0 };
	char *line;
	size_t len;

	log_init("sigv4_sign");
	lines_open(&lr, 0);
	while (lines_next(&lr, &line, &len) > 0) {
		const char *qn[32], *qv[32], *hn[32], *hv[32];
		char *keep[128];
		size_t nkeep = 0, nq, nh;
		struct sigv4_param qp[32];
		struct sigv4_hdr hp[32];
		struct buf path = BUF_INIT, query = BUF_INIT, auth = BUF_INIT;

		if (json_parse(&d, line, len))
			die(2, "sigv4_sign: bad input line: %s", d.err);
		char *method = str(&d, "method"), *rawpath = str(&d, "path");
		char *payload = str(&d, "payload"), *date = str(&d, "date");
		char *ak = str(&d, "access_key"), *sk = str(&d, "secret_key");
		char *region = str(&d, "region");
		nq = pairs(&d, "query", qn, qv, 32, keep, &nkeep);
		nh = pairs(&d, "headers", hn, hv, 32, keep, &nkeep);
		for (size_t i = 0; i < nq; i++)
			qp[i] = (struct sigv4_param){ qn[i], qv[i] };
		for (size_t i = 0; i < nh; i++)
			hp[i] = (struct sigv4_hdr){ hn[i], hv[i] };
		sigv4_uri_encode(&path, rawpath, strlen(rawpath), 1);
		buf_adds(&query, "");
		sigv4_query(&query, qp, nq);
		struct sigv4_key key = { ak, sk, region, "s3" };
		struct sigv4_req r = { method, path.p, query.p, hp, nh,
			payload, date };
		sigv4_sign(&r, &key, &auth, NULL);
		printf("%s\n", auth.p);
		fflush(stdout);
		buf_free(&path);
		buf_free(&query);
		buf_free(&auth);
		for (size_t i = 0; i < nkeep; i++)
			free(keep[i]);
		free(method); free(rawpath); free(payload); free(date);
		free(ak); free(sk); free(region);
	}
	json_doc_free(&d);
	lines_free(&lr);
	return 0;
}
