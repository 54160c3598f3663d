/*
 * cabundle: finds the CA certificates a TLS client should trust; see
 * cabundle.h.  Only stat(2) and access(2): no TLS library is needed to
 * decide, so the same answer serves libcurl and libpq alike.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cabundle.h"

const char *const cabundle_places[] = {
	"/etc/ssl/certs/ca-certificates.crt",	/* Debian, Ubuntu, Arch, Gentoo */
	"/etc/pki/tls/certs/ca-bundle.crt",	/* RHEL, CentOS, Fedora */
	"/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", /* RHEL 7+ */
	"/etc/ssl/ca-bundle.pem",		/* SUSE */
	"/etc/ssl/cert.pem",			/* Alpine, OpenBSD, macOS */
	"/usr/local/share/certs/ca-root-nss.crt", /* FreeBSD */
	"/usr/share/ssl/certs/ca-bundle.crt",	/* old Red Hat */
	"/etc/certs/ca-certificates.crt",	/* Solaris, illumos */
	NULL
};

/* 0 if path is a readable regular file with something in it, else -1 with
 * errno saying why (EINVAL for not a file or empty). */
static int
usable_file(const char *path)
{
	struct stat st;

	if (stat(path, &st) == -1)
		return -1;
	if (!S_ISREG(st.st_mode) || st.st_size == 0) {
		errno = EINVAL;
		return -1;
	}
	return access(path, R_OK);
}

/* SSL_CERT_DIR may be a colon-separated list, as OpenSSL reads it; it is
 * usable when one of its entries is a directory. */
static int
usable_dirs(const char *list)
{
	const char *p = list;
	char path[4096];
	struct stat st;

	for (;;) {
		size_t n = strcspn(p, ":");

		if (n > 0 && n < sizeof path) {
			memcpy(path, p, n);
			path[n] = '\0';
			if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
				return 0;
		}
		if (p[n] == '\0')
			return -1;
		p += n + 1;
	}
}

static const char *
nonempty_env(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

/* Uses SSL_CERT_FILE and SSL_CERT_DIR; 1 if neither is set. */
static int
from_env(struct cabundle *ca, char *err, size_t errlen)
{
	const char *file = nonempty_env("SSL_CERT_FILE");
	const char *dir = nonempty_env("SSL_CERT_DIR");

	if (!file && !dir)
		return 1;
	if (file && usable_file(file) == -1) {
		snprintf(err, errlen, "SSL_CERT_FILE=%s: %s", file,
		    errno == EINVAL ? "not a non-empty file" : strerror(errno));
		return -1;
	}
	if (dir && usable_dirs(dir) == -1) {
		snprintf(err, errlen, "SSL_CERT_DIR=%s: no such directory", dir);
		return -1;
	}
	ca->file = file;
	ca->dir = dir;
	return 0;
}

static void
not_found(const char *const *places, char *err, size_t errlen)
{
	size_t len;

	snprintf(err, errlen, "no CA certificates found: set SSL_CERT_FILE "
	    "or SSL_CERT_DIR (tried");
	for (size_t i = 0; places[i]; i++) {
		len = strlen(err);
		if (len + 1 >= errlen)
			return;
		snprintf(err + len, errlen - len, "%s%s", i ? ", " : " ",
		    places[i]);
	}
	len = strlen(err);
	if (len + 1 < errlen)
		snprintf(err + len, errlen - len, ")");
}

int
cabundle_find_in(struct cabundle *ca, const char *const *places, char *err,
    size_t errlen)
{
	int r;

	ca->file = ca->dir = NULL;
	if ((r = from_env(ca, err, errlen)) <= 0)
		return r;
	for (size_t i = 0; places[i]; i++) {
		if (usable_file(places[i]) == 0) {
			ca->file = places[i];
			return 0;
		}
	}
	not_found(places, err, errlen);
	return -1;
}

int
cabundle_find(struct cabundle *ca, char *err, size_t errlen)
{
	return cabundle_find_in(ca, cabundle_places, err, errlen);
}
