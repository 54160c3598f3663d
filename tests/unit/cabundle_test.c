/* Unit tests of cabundle: environment overrides, the search, the message
 * when nothing is found. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cabundle.h"
#include "tap.h"

static char dir[64] = "/tmp/cabundle_test.XXXXXX";
static char pem[128], empty[128], missing[128];

static void
make_files(void)
{
	FILE *f;

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		exit(1);
	}
	snprintf(pem, sizeof pem, "%s/ca.pem", dir);
	snprintf(empty, sizeof empty, "%s/empty.pem", dir);
	snprintf(missing, sizeof missing, "%s/missing.pem", dir);
	f = fopen(pem, "w");
	fputs("-----BEGIN CERTIFICATE-----\n", f);
	fclose(f);
	fclose(fopen(empty, "w"));
}

static void
test_env(void)
{
	struct cabundle ca;
	char err[512];
	const char *none[] = { NULL };

	setenv("SSL_CERT_FILE", pem, 1);
	ok(cabundle_find_in(&ca, none, err, sizeof err) == 0 &&
	    strcmp(ca.file, pem) == 0 && ca.dir == NULL,
	    "SSL_CERT_FILE is used as the bundle");
	setenv("SSL_CERT_FILE", missing, 1);
	ok(cabundle_find(&ca, err, sizeof err) == -1 &&
	    strstr(err, "SSL_CERT_FILE=") && strstr(err, missing),
	    "a missing SSL_CERT_FILE fails and is named: %s", err);
	setenv("SSL_CERT_FILE", empty, 1);
	ok(cabundle_find(&ca, err, sizeof err) == -1 && strstr(err, empty),
	    "an empty SSL_CERT_FILE fails: %s", err);
	setenv("SSL_CERT_FILE", "", 1);
	setenv("SSL_CERT_DIR", dir, 1);
	ok(cabundle_find_in(&ca, none, err, sizeof err) == 0 &&
	    ca.file == NULL && strcmp(ca.dir, dir) == 0,
	    "SSL_CERT_DIR alone is used as the directory");
	setenv("SSL_CERT_DIR", "/nonexistent-a:/nonexistent-b", 1);
	ok(cabundle_find(&ca, err, sizeof err) == -1 &&
	    strstr(err, "SSL_CERT_DIR=/nonexistent-a"),
	    "an SSL_CERT_DIR with no directory fails: %s", err);
	{
		char list[128];

		snprintf(list, sizeof list, "/nonexistent-a:%s", dir);
		setenv("SSL_CERT_DIR", list, 1);
		ok(cabundle_find_in(&ca, none, err, sizeof err) == 0,
		    "SSL_CERT_DIR is a colon-separated list");
	}
	setenv("SSL_CERT_FILE", pem, 1);
	ok(cabundle_find_in(&ca, none, err, sizeof err) == 0 &&
	    strcmp(ca.file, pem) == 0 && ca.dir != NULL,
	    "SSL_CERT_FILE and SSL_CERT_DIR together give both");
	unsetenv("SSL_CERT_FILE");
	unsetenv("SSL_CERT_DIR");
}

static void
test_search(void)
{
	struct cabundle ca;
	char err[1024];
	const char *places[] = { missing, empty, dir, pem, NULL };
	const char *nothing[] = { missing, empty, dir, NULL };

	ok(cabundle_find_in(&ca, places, err, sizeof err) == 0 &&
	    strcmp(ca.file, pem) == 0,
	    "skips missing, empty files and directories, takes the first bundle");
	ok(cabundle_find_in(&ca, nothing, err, sizeof err) == -1 &&
	    strstr(err, "no CA certificates found") &&
	    strstr(err, "SSL_CERT_FILE") && strstr(err, missing) &&
	    strstr(err, empty) && strstr(err, dir),
	    "none found: the message names every place tried: %s", err);
	{
		char small[40];

		ok(cabundle_find_in(&ca, nothing, small, sizeof small) == -1 &&
		    strlen(small) < sizeof small,
		    "a short message buffer is truncated, not overrun");
	}
	ok(cabundle_places[0] != NULL &&
	    strcmp(cabundle_places[0], "/etc/ssl/certs/ca-certificates.crt") == 0,
	    "the Debian bundle is searched first");
	{
		int n = 0;

		for (size_t i = 0; cabundle_places[i]; i++)
			n += strcmp(cabundle_places[i], "/etc/ssl/cert.pem") == 0 ||
			    strcmp(cabundle_places[i],
			    "/etc/pki/tls/certs/ca-bundle.crt") == 0 ||
			    strcmp(cabundle_places[i], "/etc/ssl/ca-bundle.pem") == 0 ||
			    strcmp(cabundle_places[i],
			    "/usr/local/share/certs/ca-root-nss.crt") == 0;
		ok(n == 4, "Alpine/BSD/macOS, RHEL, SUSE and FreeBSD places are searched");
	}
}

int
main(void)
{
	make_files();
	unsetenv("SSL_CERT_FILE");
	unsetenv("SSL_CERT_DIR");
	test_env();
	test_search();
	unlink(pem);
	unlink(empty);
	rmdir(dir);
	return tap_done();
}
