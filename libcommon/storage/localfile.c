/*
 * localfile: removing a loader file whose staged copy is verified
 * (localfile.h).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "localfile.h"
#include "log.h"

/* 1 if path and the object st holds under key are one file (a local
 * bucket that holds the loader files themselves). */
static int
is_the_object(const char *path, const struct stat *ps,
    const struct storage *st, const char *key)
{
	struct buf obj = BUF_INIT;
	struct stat os;
	int same = 0;

	if (strncmp(st->url, "file://", 7) != 0)
		return 0;
	buf_adds(&obj, st->url + 7);
	buf_addc(&obj, '/');
	buf_adds(&obj, key);
	same = stat(obj.p, &os) == 0 && os.st_dev == ps->st_dev &&
	    os.st_ino == ps->st_ino;
	(void)path;
	buf_free(&obj);
	return same;
}

int
localfile_remove(const char *path, int64_t bytes, const struct storage *st,
    const char *key)
{
	struct stat sb;

	if (lstat(path, &sb) < 0) {
		if (errno == ENOENT)
			return 0;	/* removed by an earlier run */
		log_err("%s: --remove-source: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(sb.st_mode)) {
		log_verbose("%s: not a regular file: kept", path);
		return 1;
	}
	if (bytes >= 0 && (int64_t)sb.st_size != bytes) {
		log_err("%s: --remove-source: %lld bytes, the manifest says "
		    "%lld: kept (it changed after its upload?)", path,
		    (long long)sb.st_size, (long long)bytes);
		return -1;
	}
	if (is_the_object(path, &sb, st, key)) {
		log_verbose("%s: it is the staged object itself: kept", path);
		return 1;
	}
	if (unlink(path) < 0 && errno != ENOENT) {
		log_err("%s: --remove-source: cannot remove: %s", path,
		    strerror(errno));
		return -1;
	}
	log_verbose("%s: removed (staged copy verified)", path);
	return 0;
}
