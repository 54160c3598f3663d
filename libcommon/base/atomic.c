/*
 * atomic: write-to-temporary, fsync, rename, fsync the directory.
 *
 * The temporary lives beside the target (rename(2) is only atomic within a
 * file system) as ".<name>.stage-tmp.<pid>.XXXXXX".  We make the name
 * ourselves and create it with O_CREAT|O_EXCL and mode 0666 instead of calling
 * mkstemp(3): mkstemp forces 0600, and repairing that with fchmod needs
 * the umask, which can only be read portably by setting it, a race in a
 * threaded program.  Letting open(2) apply the umask (and any default ACL)
 * gives the mode an ordinary file would get, 0644 under umask 022.
 *
 * After atomic_commit or atomic_abort the struct owns nothing; both leave
 * path and tmp NULL and fd -1, so calling atomic_abort again is harmless.
 *
 * A process killed with SIGKILL cannot remove its temporaries, so
 * atomic_sweep removes those of dead writers.  The pid in the name says
 * whose a temporary is; a writer also holds a POSIX write lock on it while
 * it lives, which covers what the pid cannot tell (a writer in another pid
 * namespace sharing the directory).  A temporary is removed only when its
 * pid names no process here and nobody holds a lock on it; one of this
 * process is never touched (a POSIX lock would not show it, and closing
 * our descriptor would drop it).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "atomic.h"
#include "log.h"

#define TMP_SUFFIX ".stage-tmp."
#define TMP_TRIES 100

/* splitmix64: enough to spread clock, pid and attempt over the name. */
static uint64_t
mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* Replaces the trailing six X of tmp with letters and digits. */
static void
fill_random(char *x, uint64_t seed)
{
	static const char set[] =
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	uint64_t r = mix64(seed);

	for (int i = 0; i < 6; i++) {
		x[i] = set[r % (sizeof set - 1)];
		r /= sizeof set - 1;
	}
}

/* "dir/.base.stage-tmp.PID.XXXXXX" for "dir/base", ".base…" for "base". */
static char *
tmp_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	size_t dirlen = slash ? (size_t)(slash - path + 1) : 0;
	size_t n = dirlen + 1 + strlen(base) + sizeof TMP_SUFFIX - 1 + 21 +
	    6 + 1;
	char *t = xmalloc(n);

	snprintf(t, n, "%.*s.%s" TMP_SUFFIX "%ld.XXXXXX", (int)dirlen, path,
	    base, (long)getpid());
	return t;
}

/* The whole file, for F_SETLK and F_GETLK. */
static void
whole_file(struct flock *l, short type)
{
	memset(l, 0, sizeof *l);
	l->l_type = type;
	l->l_whence = SEEK_SET;
}

/* The directory holding path, for fsync after rename. */
static char *
dir_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

static void
clear(struct atomic_file *f)
{
	free(f->path);
	free(f->tmp);
	f->path = f->tmp = NULL;
	f->fd = -1;
}

int
atomic_open(struct atomic_file *f, const char *path)
{
	const char *base = strrchr(path, '/');
	struct timespec ts;
	uint64_t seed;
	char *x;
	int saved;

	f->path = f->tmp = NULL;
	f->fd = -1;
	if (!*(base ? base + 1 : path)) {
		errno = EISDIR;
		return -1;
	}
	f->path = xstrdup(path);
	f->tmp = tmp_name(path);
	x = f->tmp + strlen(f->tmp) - 6;
	clock_gettime(CLOCK_REALTIME, &ts);
	seed = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	seed ^= (uint64_t)getpid() << 32 ^ (uint64_t)(uintptr_t)f;
	for (int i = 0; i < TMP_TRIES; i++) {
		fill_random(x, seed + (uint64_t)i);
		f->fd = open(f->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		    0666);
		if (f->fd >= 0) {
			struct flock l;
			/* Advisory: a file system without locks still
			 * has the pid in the name. */
			whole_file(&l, F_WRLCK);
			(void)fcntl(f->fd, F_SETLK, &l);
			return 0;
		}
		if (errno != EEXIST)
			break;
	}
	saved = errno;
	clear(f);
	errno = saved;
	return -1;
}

/* Makes the rename durable.  Some systems refuse fsync on a directory
 * (EINVAL, EBADF); there is nothing more we can do there, so not an error. */
static int
sync_dir(const char *path)
{
	char *dir = dir_name(path);
	int fd, ret = -1, saved;

	if ((fd = open(dir, O_RDONLY | O_CLOEXEC)) < 0)
		goto out;
	if (fsync(fd) == 0 || errno == EINVAL || errno == EBADF)
		ret = 0;
	saved = errno;
	close(fd);
	errno = saved;
out:
	saved = errno;
	free(dir);
	errno = saved;
	return ret;
}

/* On failure before the rename the temporary is removed; a failure to sync
 * the directory afterwards is reported although the file is in place,
 * because its survival of a crash is then not assured. */
int
atomic_commit(struct atomic_file *f)
{
	int fd = f->fd, saved;

	f->fd = -1;
	if (fsync(fd) < 0) {
		saved = errno;
		close(fd);
		errno = saved;
		goto fail;
	}
	if (close(fd) < 0 || rename(f->tmp, f->path) < 0)
		goto fail;
	if (sync_dir(f->path) < 0) {
		saved = errno;
		clear(f);
		errno = saved;
		return -1;
	}
	clear(f);
	return 0;
fail:
	saved = errno;
	atomic_abort(f);
	errno = saved;
	return -1;
}

void
atomic_abort(struct atomic_file *f)
{
	int saved = errno;

	if (f->fd >= 0)
		close(f->fd);
	if (f->tmp)
		unlink(f->tmp);
	clear(f);
	errno = saved;
}

/* The pid in "….stage-tmp.PID.XXXXXX", or 0 when name is not of that
 * shape (not ours: left alone). */
static long
tmp_pid(const char *name)
{
	const char *p = strstr(name, TMP_SUFFIX), *q;
	long pid = 0;

	if (name[0] != '.' || !p)
		return 0;
	for (q = p += sizeof TMP_SUFFIX - 1; *q >= '0' && *q <= '9'; q++) {
		if (pid > 99999999)
			return 0;
		pid = pid * 10 + (*q - '0');
	}
	if (q == p || *q != '.' || strlen(q + 1) != 6)
		return 0;
	return pid;
}

/* 1 when the temporary name in dir is a dead writer's. */
static int
stale(int dfd, const char *name, long pid)
{
	struct flock l;
	struct stat st;
	int fd, r = 0;

	if (pid == (long)getpid() || kill((pid_t)pid, 0) == 0 ||
	    errno != ESRCH)
		return 0;
	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC);
	if (fd < 0)
		return 0;
	whole_file(&l, F_WRLCK);
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    fcntl(fd, F_GETLK, &l) == 0 && l.l_type == F_UNLCK)
		r = 1;
	close(fd);
	return r;
}

int
atomic_sweep(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;
	long pid;

	if (!d)
		return errno == ENOENT ? 0 : -1;
	while ((e = readdir(d)) != NULL) {
		if ((pid = tmp_pid(e->d_name)) > 0 &&
		    stale(dirfd(d), e->d_name, pid) &&
		    unlinkat(dirfd(d), e->d_name, 0) == 0) {
			log_verbose("%s/%s: removed, a temporary of a "
			    "process that is gone", dir, e->d_name);
			n++;
		}
	}
	closedir(d);
	return n;
}
