/*
 * smoke: links every library of the static build (libcurl, OpenSSL, libpq,
 * SQLite, zlib, zstd) and libcommon, and prints what each one is, so that
 * `make static` proves the toolchain before (and apart from) the programs.
 * Not a stage program: it is built into build/static/TARGET/, never dist/.
 * It exits 1 if libcurl lacks HTTPS or zstd, or SQLite cannot open a
 * database in memory.  `smoke URL` then GETs URL with TLS verification on
 * and the CA certificates cabundle_find() chose, the way libcommon's HTTP
 * client does, and exits 1 if that fails.
 */
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>
#include <libpq-fe.h>
#include <openssl/crypto.h>
#include <sqlite3.h>
#include <zlib.h>
#include <zstd.h>

#include "cabundle.h"

/* Discards the body: only the status matters here. */
static size_t
discard(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return size * n;
}

static int
get(const char *url)
{
	struct cabundle ca;
	char err[1024], cerr[CURL_ERROR_SIZE] = "";
	CURL *c;
	CURLcode rc;
	long code = 0;

	if (cabundle_find(&ca, err, sizeof err) == -1) {
		fprintf(stderr, "smoke: %s: %s\n", url, err);
		return 1;
	}
	c = curl_easy_init();
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CAINFO, ca.file);
	curl_easy_setopt(c, CURLOPT_CAPATH, ca.dir);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	rc = curl_easy_perform(c);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_cleanup(c);
	if (rc != CURLE_OK) {
		fprintf(stderr, "smoke: %s: %s\n", url,
		    *cerr ? cerr : curl_easy_strerror(rc));
		return 1;
	}
	printf("GET %s: %ld\n", url, code);
	return code == 200 ? 0 : 1;
}

int
main(int argc, char **argv)
{
	curl_version_info_data *cv;
	sqlite3 *db = NULL;
	struct cabundle ca;
	char err[512];
	int rc = 0;

	curl_global_init(CURL_GLOBAL_ALL);
	cv = curl_version_info(CURLVERSION_NOW);
	printf("libcurl %s (%s)\n", cv->version, cv->ssl_version);
	if (!(cv->features & CURL_VERSION_SSL) ||
	    !(cv->features & CURL_VERSION_ZSTD) ||
	    !(cv->features & CURL_VERSION_LIBZ)) {
		printf("libcurl lacks TLS, zlib or zstd\n");
		rc = 1;
	}
	printf("OpenSSL %s\n", OpenSSL_version(OPENSSL_VERSION_STRING));
	printf("libpq %d\n", PQlibVersion());
	printf("SQLite %s\n", sqlite3_libversion());
	if (sqlite3_open(":memory:", &db) != SQLITE_OK ||
	    sqlite3_exec(db, "create table t(x); insert into t values(1)",
	    NULL, NULL, NULL) != SQLITE_OK) {
		printf("SQLite cannot open a database\n");
		rc = 1;
	}
	sqlite3_close(db);
	printf("zlib %s\n", zlibVersion());
	printf("zstd %s\n", ZSTD_versionString());
	if (cabundle_find(&ca, err, sizeof err) == 0)
		printf("CA file=%s dir=%s\n", ca.file ? ca.file : "-",
		    ca.dir ? ca.dir : "-");
	else
		printf("CA none: %s\n", err);
	if (rc == 0 && argc > 1)
		rc = get(argv[1]);
	curl_global_cleanup();
	return rc;
}
