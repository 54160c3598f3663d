/*
 * loadfile: the list of open files is this module's only state; a signal
 * handler has no other way to find the temporaries it must remove.  The
 * list changes with the catchable termination signals blocked, so the
 * handler never sees it half updated.
 *
 * A compressed file is compressed, hashed and written by a worker thread,
 * so that compression overlaps with producing the rows: loadfile_write
 * hands its bytes over through one slot (a copy; the caller writes in
 * large blocks) and waits only while the worker still holds the previous
 * block.  The worker blocks the termination signals; the handler runs in
 * the main thread.  Uncompressed files are written directly.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomic.h"
#include "buf.h"
#include "fdio.h"
#include "loadfile.h"
#include "log.h"
#include "sha256.h"

struct loadfile {
	struct atomic_file af;
	enum compression comp;
	int suspended;		/* fd closed, stream ended: see
				 * loadfile_suspend */
	struct zenc *z;		/* NULL for COMP_NONE: written directly */
	struct sha256 h;
	uint64_t bytes, plain;
	int err;		/* errno of the first failed write */
	/* The worker of a compressed file. */
	int threaded;
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct buf slot;	/* bytes handed over, not yet taken */
	int full;		/* slot holds a block */
	int closing;		/* no more blocks: finish or give up */
	int failed;		/* the worker hit an error */
};

/* Grown (never shrunk) with the signals blocked, by the main thread only:
 * the handler, which runs in the main thread (workers block the
 * signals), never sees it mid-way. */
static struct loadfile *volatile *volatile open_files;
static volatile size_t open_cap;

static void
block(sigset_t *old)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, old);
}

/* Replaces old_f by f in the list; call with the signals blocked. */
static int
swap_entry(struct loadfile *f, struct loadfile *old_f)
{
	struct loadfile *volatile *v;
	size_t cap;

	for (size_t i = 0; i < open_cap; i++)
		if (open_files[i] == old_f) {
			open_files[i] = f;
			return 0;
		}
	if (old_f)
		return -1;
	cap = open_cap ? 2 * open_cap : 256;
	v = xcalloc(cap, sizeof *v);
	for (size_t i = 0; i < open_cap; i++)
		v[i] = open_files[i];
	v[open_cap] = f;
	free((void *)open_files);
	open_files = v;
	open_cap = cap;
	return 0;
}


void
loadfile_remove_temps(void)
{
	for (size_t i = 0; i < open_cap; i++) {
		struct loadfile *f = open_files[i];
		if (f && f->af.tmp)
			unlink(f->af.tmp);
	}
}

static int
to_disk(void *ctx, const void *p, size_t n)
{
	struct loadfile *f = ctx;

	sha256_update(&f->h, p, n);
	f->bytes += n;
	if (fd_write_all(f->af.fd, p, n) < 0) {
		f->err = errno;
		return -1;
	}
	return 0;
}

/* The worker: takes each block from the slot and compresses it (the
 * encoder's sink hashes and writes); at closing, ends the stream. */
static void *
worker(void *arg)
{
	struct loadfile *f = arg;
	struct buf mine = BUF_INIT, tmp;
	sigset_t old;
	int failed = 0;

	block(&old);
	pthread_mutex_lock(&f->mu);
	for (;;) {
		while (!f->full && !f->closing)
			pthread_cond_wait(&f->cv, &f->mu);
		if (!f->full)
			break;
		tmp = mine;		/* take the block, leave a buffer */
		mine = f->slot;
		f->slot = tmp;
		f->full = 0;
		pthread_cond_broadcast(&f->cv);
		pthread_mutex_unlock(&f->mu);
		if (!failed && zenc_write(f->z, mine.p, mine.len) < 0)
			failed = 1;
		buf_reset(&mine);
		pthread_mutex_lock(&f->mu);
		if (failed) {
			f->failed = 1;
			pthread_cond_broadcast(&f->cv);
		}
	}
	pthread_mutex_unlock(&f->mu);
	buf_free(&mine);
	return (void *)(intptr_t)failed;
}

static int
start_worker(struct loadfile *f)
{
	f->closing = f->full = 0;	/* a resumed file's second worker */
	pthread_mutex_init(&f->mu, NULL);
	pthread_cond_init(&f->cv, NULL);
	if (pthread_create(&f->th, NULL, worker, f) != 0) {
		pthread_mutex_destroy(&f->mu);
		pthread_cond_destroy(&f->cv);
		return -1;
	}
	f->threaded = 1;
	return 0;
}

/* Lets the worker finish what it holds and waits for it; -1 if any
 * block failed. */
static int
stop_worker(struct loadfile *f)
{
	void *r;

	if (!f->threaded)
		return 0;
	pthread_mutex_lock(&f->mu);
	f->closing = 1;
	pthread_cond_broadcast(&f->cv);
	pthread_mutex_unlock(&f->mu);
	pthread_join(f->th, &r);
	pthread_mutex_destroy(&f->mu);
	pthread_cond_destroy(&f->cv);
	buf_free(&f->slot);
	f->threaded = 0;
	return r || f->failed ? -1 : 0;
}

/* Hands a block to the worker, waiting while the slot is taken. */
static int
hand_over(struct loadfile *f, const void *p, size_t n)
{
	int failed;

	pthread_mutex_lock(&f->mu);
	while (f->full && !f->failed)
		pthread_cond_wait(&f->cv, &f->mu);
	if (!(failed = f->failed)) {
		buf_add(&f->slot, p, n);
		f->full = 1;
		pthread_cond_broadcast(&f->cv);
	}
	pthread_mutex_unlock(&f->mu);
	return failed ? -1 : 0;
}

/* The encoder (and its worker) of a file being (re)started. */
static int
start_stream(struct loadfile *f)
{
	if (f->comp != COMP_NONE &&
	    !(f->z = zenc_new(f->comp, 0, to_disk, f)))
		return -1;
	/* Without a thread, compress in line: slower, still correct. */
	if (f->z && !getenv("STAGE_NO_THREADS"))
		start_worker(f);
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
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r < 0) {
		free(f);
		return NULL;
	}
	sha256_init(&f->h);
	f->comp = c;
	if (start_stream(f) < 0) {
		loadfile_abort(f);
		errno = ENOMEM;
		return NULL;
	}
	return f;
}

/* Reopens a suspended file for appending; with stream, a new gzip member
 * or zstd frame follows the ones before (readers decode them as one). */
static int
resume(struct loadfile *f, int stream)
{
	int fd;

	if (!f->suspended)
		return 0;
	if ((fd = open(f->af.tmp, O_WRONLY | O_APPEND | O_CLOEXEC)) < 0)
		return -1;
	f->af.fd = fd;
	f->suspended = 0;
	if (stream && start_stream(f) < 0) {
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

int
loadfile_suspend(struct loadfile *f)
{
	int r = 0;

	if (f->suspended)
		return 0;
	if (stop_worker(f) < 0)
		r = -1;
	if (f->z) {
		if (zenc_finish(f->z) < 0)
			r = -1;
		f->z = NULL;
	}
	if (r < 0) {
		errno = f->err ? f->err : EIO;
		return -1;
	}
	if (close(f->af.fd) < 0)
		return -1;
	f->af.fd = -1;
	f->suspended = 1;
	return 0;
}

int
loadfile_suspended(const struct loadfile *f)
{
	return f->suspended;
}

int
loadfile_write(struct loadfile *f, const void *p, size_t n)
{
	int r;

	if (resume(f, 1) < 0)
		return -1;
	f->plain += n;
	if (f->threaded)
		r = hand_over(f, p, n);
	else
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

	if (resume(f, 0) < 0)	/* the fd to fsync; nothing more to add */
		goto fail;
	if (stop_worker(f) < 0) {
		errno = f->err ? f->err : EIO;
		goto fail;
	}
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
	pthread_sigmask(SIG_SETMASK, &old, NULL);
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
	stop_worker(f);
	zenc_free(f->z);
	if (f->h.ctx)
		sha256_final_hex(&f->h, hex);	/* frees the context */
	block(&old);
	atomic_abort(&f->af);
	swap_entry(NULL, f);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	free(f);
}
