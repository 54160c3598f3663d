/*
 * storage_file: a local directory as staging storage.
 *
 * An object is the file <dir>/<key>.  A put copies under a temporary name
 * (atomic.h), with copy_file_range(2) on Linux (in-kernel, reflinks where
 * the file system has them) or read/write (anywhere, or with
 * STAGE_NO_FASTCOPY=1 / opts.no_fastcopy), then checks the SHA-256 of what
 * landed against the manifest's, and only then fsyncs and renames it into
 * place: a changed source file never becomes an object.  Idempotency: an
 * existing object of the same size whose bytes hash to the manifest's
 * SHA-256 is skipped (hashing it is cheap next to copying it).  Puts run
 * one at a time and finish inside put().  The first put into a directory
 * removes the temporaries that killed runs left there (atomic_sweep).
 */
#ifdef __linux__
#define _GNU_SOURCE	/* copy_file_range */
#endif
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic.h"
#include "fdio.h"
#include "log.h"
#include "sha256.h"
#include "storage.h"

struct fs {
	char *root;
	int fast;
	struct buf swept;	/* directories swept, NUL-separated */
};

static int
fs_open(struct storage *st, const char *rest, const struct storage_opts *o,
    struct buf *err)
{
	struct fs *fs = xcalloc(1, sizeof *fs);
	const char *env = getenv("STAGE_NO_FASTCOPY");
	struct buf url = BUF_INIT;

	(void)err;
	fs->root = xstrdup(rest);
	fs->fast = !o->no_fastcopy && !(env && *env && strcmp(env, "0"));
	buf_printf(&url, "file://%s", strcmp(rest, "/") ? rest : "");
	st->url = url.p;
	st->be = fs;
	return 0;
}

static void
fs_close(struct storage *st)
{
	struct fs *fs = st->be;

	if (fs) {
		free(fs->root);
		buf_free(&fs->swept);
	}
	free(fs);
	st->be = NULL;
}

static void
path_of(const struct fs *fs, const char *key, struct buf *out)
{
	buf_printf(out, "%s/%s", strcmp(fs->root, "/") ? fs->root : "", key);
}

/* mkdir -p of the directory holding path. */
static int
make_parents(const char *path)
{
	char *p = xstrdup(path), *s;
	int r = 0;

	for (s = strchr(p + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		if (mkdir(p, 0777) && errno != EEXIST) {
			r = -1;
			break;
		}
		*s = '/';
	}
	free(p);
	return r;
}

/* read/write, hashing on the way. */
static int
copy_plain(int in, int out, char hex[65])
{
	enum { CHUNK = 1 << 20 };
	char *b = xmalloc(CHUNK);
	struct sha256 h;
	ssize_t n;
	int r = 0;

	sha256_init(&h);
	for (;;) {
		n = read(in, b, CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = n < 0 ? -1 : 0;
			break;
		}
		sha256_update(&h, b, (size_t)n);
		if (fd_write_all(out, b, (size_t)n)) {
			r = -1;
			break;
		}
	}
	sha256_final_hex(&h, hex);
	free(b);
	return r;
}

/* In-kernel copy; 1 when the file system cannot do it (nothing was
 * copied yet, so the caller falls back to read/write). */
static int
copy_fast(int in, int out)
{
#ifdef __linux__
	int first = 1;

	for (;;) {
		ssize_t n = copy_file_range(in, NULL, out, NULL, 1 << 30, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && first && (errno == EXDEV || errno == ENOSYS ||
		    errno == EINVAL || errno == EOPNOTSUPP))
			return 1;
		if (n < 0)
			return -1;
		if (n == 0)
			return 0;
		first = 0;
	}
#else
	(void)in;
	(void)out;
	return 1;
#endif
}

/* 1 if path already holds bytes hashing to want (and of size bytes). */
static int
same_object(const char *path, const char *want, int64_t bytes)
{
	struct stat sb;
	char hex[65];
	int fd, same = 0;

	if (stat(path, &sb) || !S_ISREG(sb.st_mode))
		return 0;
	if (bytes >= 0 && sb.st_size != bytes)
		return 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	same = storage_hash_fd(fd, hex, NULL) == 0 && strcmp(hex, want) == 0;
	close(fd);
	return same;
}

static int
hash_path(const char *path, char hex[65])
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), r;

	if (fd < 0)
		return -1;
	r = storage_hash_fd(fd, hex, NULL);
	close(fd);
	return r;
}

static void
fs_put_file(struct fs *fs, struct storage_put *p, const char *dest)
{
	struct atomic_file af;
	char hex[65] = "";
	int in, r;

	if ((in = open(p->path, O_RDONLY | O_CLOEXEC)) < 0) {
		buf_printf(&p->err, "cannot open: %s", strerror(errno));
		return;
	}
	if (make_parents(dest) || atomic_open(&af, dest)) {
		buf_printf(&p->err, "%s: %s", dest, strerror(errno));
		close(in);
		return;
	}
	r = fs->fast ? copy_fast(in, af.fd) : 1;
	if (r == 0)
		r = hash_path(af.tmp, hex);
	else if (r == 1)
		r = copy_plain(in, af.fd, hex);
	close(in);
	if (r) {
		buf_printf(&p->err, "copying to %s: %s", dest, strerror(errno));
		atomic_abort(&af);
		return;
	}
	if (strcmp(hex, p->sha256) != 0) {
		buf_printf(&p->err, "sha256 mismatch: the file hashes to %s, "
		    "the manifest says %s (changed since it was written?); "
		    "not stored", hex, p->sha256);
		atomic_abort(&af);
		return;
	}
	if (atomic_commit(&af)) {
		buf_printf(&p->err, "%s: %s", dest, strerror(errno));
		return;
	}
	p->result = STORAGE_DONE;
}

/* Sweeps the directory of path, once per run. */
static void
sweep_once(struct fs *fs, const char *path)
{
	const char *slash = strrchr(path, '/');
	size_t n = slash ? (size_t)(slash - path) : 0;
	char *dir;

	if (!slash)
		return;
	for (size_t off = 0; off < fs->swept.len;
	    off += strlen(fs->swept.p + off) + 1)
		if (strlen(fs->swept.p + off) == n &&
		    memcmp(fs->swept.p + off, path, n) == 0)
			return;
	dir = n ? xstrndup(path, n) : xstrdup("/");
	atomic_sweep(dir);
	buf_add(&fs->swept, dir, strlen(dir) + 1);
	free(dir);
}

static void
fs_put(struct storage *st, struct storage_put *p)
{
	struct fs *fs = st->be;
	struct buf dest = BUF_INIT;

	path_of(fs, p->key, &dest);
	sweep_once(fs, dest.p);
	if (same_object(dest.p, p->sha256, p->bytes)) {
		log_verbose("%s: already stored with sha256 %s, skipped",
		    dest.p, p->sha256);
		p->result = STORAGE_SKIPPED;
	} else {
		fs_put_file(fs, p, dest.p);
	}
	buf_free(&dest);
	p->done(p);
}

static int
fs_run(struct storage *st, int timeout_ms, int wait_fd)
{
	struct pollfd pfd = { wait_fd, POLLIN, 0 };

	(void)st;
	if (wait_fd >= 0 && timeout_ms > 0)
		poll(&pfd, 1, timeout_ms);
	return 0;
}

/* Bytes [off, off + len) of the object (len 0: to its end) to sink. */
static int
fs_get_range(struct storage *st, const char *key, uint64_t off, uint64_t len,
    storage_sink sink, void *ctx, struct buf *err)
{
	enum { CHUNK = 1 << 20 };
	struct buf path = BUF_INIT;
	struct stat sb;
	char *b = NULL;
	ssize_t n;
	size_t want;
	int fd, r = -1;

	path_of(st->be, key, &path);
	if ((fd = open(path.p, O_RDONLY | O_CLOEXEC)) < 0) {
		buf_printf(err, "%s: %s", path.p, strerror(errno));
		goto out;
	}
	if (off && (fstat(fd, &sb) || (uint64_t)sb.st_size <= off)) {
		buf_printf(err, "%s: the range starts at byte %llu, past the "
		    "end of the object", path.p, (unsigned long long)off);
		goto out;
	}
	b = xmalloc(CHUNK);
	for (uint64_t left = len;;) {
		want = !len || left > CHUNK ? CHUNK : (size_t)left;
		if (want == 0)
			break;
		n = pread(fd, b, want, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			buf_printf(err, "%s: %s", path.p, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		if (sink(ctx, b, (size_t)n))
			goto out;
		off += (uint64_t)n;
		left -= len ? (uint64_t)n : 0;
	}
	r = 0;
out:
	if (fd >= 0)
		close(fd);
	free(b);
	buf_free(&path);
	return r;
}

static int
fs_del(struct storage *st, const char *key, struct buf *err)
{
	struct buf path = BUF_INIT;
	int r = 0;

	path_of(st->be, key, &path);
	if (unlink(path.p) && errno != ENOENT) {
		buf_printf(err, "%s: %s", path.p, strerror(errno));
		r = -1;
	}
	buf_free(&path);
	return r;
}

static int
fs_describe(struct storage *st, const struct storage_put *p, struct buf *out)
{
	struct fs *fs = st->be;
	struct buf dest = BUF_INIT;

	path_of(fs, p->key, &dest);
	buf_printf(out, "COPY %s %s\nsha256: %s\nmethod: %s\n\n", p->path,
	    dest.p, p->sha256, fs->fast ? "copy_file_range" : "read/write");
	buf_free(&dest);
	return 0;
}

/* A directory stage-put can write, or one it can make. */
static int
fs_check(struct storage *st, struct buf *out)
{
	struct fs *fs = st->be;
	struct stat sb;
	char *parent;
	int r = 0;

	if (stat(fs->root, &sb) == 0) {
		if (!S_ISDIR(sb.st_mode)) {
			buf_printf(out, "%s is not a directory", fs->root);
			return -1;
		}
		if (access(fs->root, W_OK | X_OK) != 0) {
			buf_printf(out, "directory %s cannot be written (%s)",
			    fs->root, strerror(errno));
			return -1;
		}
		buf_printf(out, "directory %s, writable", fs->root);
		return 0;
	}
	parent = xstrdup(fs->root);
	if (strrchr(parent, '/'))
		*strrchr(parent, '/') = '\0';
	if (access(*parent ? parent : "/", W_OK | X_OK) == 0)
		buf_printf(out, "directory %s does not exist yet (stage-put "
		    "makes it)", fs->root);
	else {
		buf_printf(out, "directory %s does not exist, and %s cannot be "
		    "written (%s)", fs->root, *parent ? parent : "/",
		    strerror(errno));
		r = -1;
	}
	free(parent);
	return r;
}

const struct storage_ops storage_file_ops = {
	.scheme = "file",
	.open = fs_open,
	.close = fs_close,
	.put = fs_put,
	.run = fs_run,
	.get_range = fs_get_range,
	.del = fs_del,
	.describe = fs_describe,
	.check = fs_check,
};
