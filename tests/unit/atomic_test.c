/* Unit tests of atomic: a committed file appears whole with mode 0666 less
 * the umask, an aborted one leaves nothing, no temporary outlives either. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic.h"
#include "tap.h"

/* Entries of dir other than . and ..; the first one's name into first. */
static int
count_entries(const char *dir, char *first, size_t len)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (n++ == 0 && first)
			snprintf(first, len, "%s", e->d_name);
	}
	closedir(d);
	return n;
}

static int
file_is(const char *path, const char *want)
{
	char got[256];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return 0;
	n = fread(got, 1, sizeof got, f);
	fclose(f);
	return n == strlen(want) && memcmp(got, want, n) == 0;
}

static void
test_commit(const char *dir)
{
	struct atomic_file f;
	char path[1024], name[256] = "", want[64];
	struct stat st;
	mode_t old = umask(022);

	snprintf(path, sizeof path, "%s/out.csv", dir);
	ok(atomic_open(&f, path) == 0, "opens %s", path);
	snprintf(want, sizeof want, ".out.csv.stage-tmp.%ld.",
	    (long)getpid());
	ok(count_entries(dir, name, sizeof name) == 1 &&
	    strncmp(name, want, strlen(want)) == 0 &&
	    strlen(name) == strlen(want) + 6, "temporary is hidden: %s", name);
	ok(access(path, F_OK) == -1, "target absent before commit");
	ok(write(f.fd, "a,b\n1,2\n", 8) == 8, "writes");
	ok(atomic_commit(&f) == 0, "commits");
	ok(file_is(path, "a,b\n1,2\n"), "target has the content");
	ok(count_entries(dir, NULL, 0) == 1, "no temporary remains");
	ok(stat(path, &st) == 0 && (st.st_mode & 0777) == 0644,
	    "mode 0644 under umask 022 (%o)", (unsigned)(st.st_mode & 0777));
	ok(f.fd == -1 && !f.path && !f.tmp, "struct owns nothing after");

	/* Replacing an existing file, under another umask. */
	umask(027);
	ok(atomic_open(&f, path) == 0 && write(f.fd, "new\n", 4) == 4 &&
	    atomic_commit(&f) == 0, "replaces the file");
	ok(file_is(path, "new\n"), "replacement has the new content");
	ok(stat(path, &st) == 0 && (st.st_mode & 0777) == 0640,
	    "mode 0640 under umask 027 (%o)", (unsigned)(st.st_mode & 0777));
	umask(old);
	unlink(path);
}

static void
test_abort(const char *dir)
{
	struct atomic_file f;
	char path[1024];

	snprintf(path, sizeof path, "%s/gone.json", dir);
	ok(atomic_open(&f, path) == 0 && write(f.fd, "x", 1) == 1,
	    "opens and writes");
	atomic_abort(&f);
	ok(count_entries(dir, NULL, 0) == 0, "abort leaves nothing behind");
	atomic_abort(&f);
	ok(1, "a second abort is harmless");
}

static void
test_errors(const char *dir)
{
	struct atomic_file f;
	char path[1024];

	snprintf(path, sizeof path, "%s/no/such/dir/x", dir);
	errno = 0;
	ok(atomic_open(&f, path) == -1 && errno == ENOENT && f.fd == -1,
	    "missing directory: -1 with ENOENT");
	snprintf(path, sizeof path, "%s/", dir);
	ok(atomic_open(&f, path) == -1, "a directory name is refused");
	/* Committing onto a directory fails and cleans up. */
	snprintf(path, sizeof path, "%s/sub", dir);
	mkdir(path, 0755);
	ok(atomic_open(&f, path) == 0 && atomic_commit(&f) == -1,
	    "commit onto a directory fails");
	ok(count_entries(dir, NULL, 0) == 1, "and leaves no temporary");
	rmdir(path);
}

static void
test_relative(const char *dir)
{
	struct atomic_file f;
	char cwd[4096];

	if (!getcwd(cwd, sizeof cwd) || chdir(dir) < 0) {
		ok(0, "chdir");
		return;
	}
	ok(atomic_open(&f, "rel.txt") == 0 && write(f.fd, "r", 1) == 1 &&
	    atomic_commit(&f) == 0 && file_is("rel.txt", "r"),
	    "a name without a directory lands in the current one");
	unlink("rel.txt");
	ok(chdir(cwd) == 0, "back");
}

int
main(void)
{
	const char *t = getenv("TMPDIR");
	char dir[512];

	snprintf(dir, sizeof dir, "%s/atomic_test.XXXXXX", t && *t ? t : "/tmp");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	test_commit(dir);
	test_abort(dir);
	test_errors(dir);
	test_relative(dir);
	ok(count_entries(dir, NULL, 0) == 0, "test directory left empty");
	rmdir(dir);
	return tap_done();
}
