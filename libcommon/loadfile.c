/*
 * loadfile: the list of open files is this module's only state; a signal
 * handler has no other way to find the temporaries it must remove.  The
 * list changes with the catchable termination signals blocked, so the
 * handler never sees it half updated.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomic.h"
#include "loadfile.h"
#include "log.h"
#include "sha256.h"

struct loadfile {
	struct atomic_file af;
	struct zenc *z;		/* NULL for COMP_NONE: written directly */
	struct sha256 h;
	uint64_t bytes, plain;
	int err;		/* errno of the first failed write */
};

#define MAX_OPEN 4096
static struct loadfile *volatile open_files[MAX_OPEN];

static void
block(sigset_t *old)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, old);
}

/* Replaces old_f by f in the list; call with the signals blocked. */
static int
swap_entry(struct loadfile *f, struct loadfile *old_f)
{
	for (int i = 0; i < MAX_OPEN; i++)
		if (open_files[i] == old_f) {
			open_files[i] = f;
			return 0;
		}
	return -1;
}


void
loadfile_remove_temps(void)
{
	for (int i = 0; i < MAX_OPEN; i++) {
		struct loadfile *f = open_files[i];
		if (f && f->af.tmp)
			unlink(f->af.tmp);
	}
}

static int
to_disk(void *ctx, const void *p, size_t n)
{
	struct loadfile *f = ctx;
	const char *q = p;

	sha256_update(&f->h, p, n);
	f->bytes += n;
	while (n > 0) {
		ssize_t w = write(f->af.fd, q, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			f->err = errno;
			return -1;
		}
		q += w;
		n -= (size_t)w;
	}
	return 0;
}

struct loadfile *
loadfile_open(const char *path, enum compression c)
{
	struct loadfile *f = xcalloc(1, sizeof *f);
	sigset_t old;
	int r;

	block(&old);
	if ((r = atomic_open(&f->af, path)) == 0 && swap_entry(f, NULL) < 0) {
		atomic_abort(&f->af);
		errno = EMFILE;
		r = -1;
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (r < 0) {
		free(f);
		return NULL;
	}
	sha256_init(&f->h);
	if (c != COMP_NONE && !(f->z = zenc_new(c, 0, to_disk, f))) {
		loadfile_abort(f);
		errno = ENOMEM;
		return NULL;
	}
	return f;
}

int
loadfile_write(struct loadfile *f, const void *p, size_t n)
{
	int r;

	f->plain += n;
	r = f->z ? zenc_write(f->z, p, n) : to_disk(f, p, n);
	if (r < 0)
		errno = f->err ? f->err : EIO;
	return r;
}

uint64_t
loadfile_plain_bytes(const struct loadfile *f)
{
	return f->plain;
}

int
loadfile_commit(struct loadfile *f, char hex[65], uint64_t *bytes)
{
	int r = 0, saved;
	sigset_t old;

	if (f->z) {
		r = zenc_finish(f->z);
		f->z = NULL;
		if (r < 0) {
			errno = f->err ? f->err : EIO;
			goto fail;
		}
	}
	sha256_final_hex(&f->h, hex);
	*bytes = f->bytes;
	/* A signal now would find the temporary renamed or freed. */
	block(&old);
	r = atomic_commit(&f->af);
	saved = errno;
	swap_entry(NULL, f);
	sigprocmask(SIG_SETMASK, &old, NULL);
	free(f);
	errno = saved;
	return r;
fail:
	saved = errno;
	loadfile_abort(f);
	errno = saved;
	return -1;
}

void
loadfile_abort(struct loadfile *f)
{
	char hex[65];
	sigset_t old;

	if (!f)
		return;
	zenc_free(f->z);
	if (f->h.ctx)
		sha256_final_hex(&f->h, hex);	/* frees the context */
	block(&old);
	atomic_abort(&f->af);
	swap_entry(NULL, f);
	sigprocmask(SIG_SETMASK, &old, NULL);
	free(f);
}
