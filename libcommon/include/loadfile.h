/*
 * loadfile: one loader file being written.  Bytes go through the chosen
 * compression into a temporary beside the final name (atomic.h); the
 * SHA-256 and the size of the bytes that reach the disk are taken on the
 * way, so the file is never read back.  Commit fsyncs and renames; abort
 * (or a signal, or exit) removes the temporary, so no finished-looking
 * file is ever left half written.
 */
#ifndef STAGE_LOADFILE_H
#define STAGE_LOADFILE_H

#include <stddef.h>
#include <stdint.h>

#include "compress.h"

struct loadfile;

/* NULL with errno set on failure. */
struct loadfile *loadfile_open(const char *path, enum compression c);
/* -1 with errno set on failure. */
int loadfile_write(struct loadfile *f, const void *p, size_t n);
/* Ends the file's compressed stream and closes its descriptor, so that
 * a writer of many files at once keeps a bounded number open; the next
 * loadfile_write reopens it for appending (a new gzip member or zstd
 * frame: one stream to every reader) and commit finds it as it is.  -1
 * with errno set on failure. */
int loadfile_suspend(struct loadfile *f);
int loadfile_suspended(const struct loadfile *f);
/* Plain bytes written so far (before compression). */
uint64_t loadfile_plain_bytes(const struct loadfile *f);
/* Finishes, syncs and renames; hex and bytes describe the file on disk.
 * f is freed in every case; -1 with errno set on failure. */
int loadfile_commit(struct loadfile *f, char hex[65], uint64_t *bytes);
void loadfile_abort(struct loadfile *f);

/* Removes the temporaries of every open loadfile; only async-signal-safe
 * calls, for signal handlers and atexit(3). */
void loadfile_remove_temps(void);
/* Has SIGINT, SIGTERM and SIGHUP (unless ignored at start) and exit(3)
 * remove them (loadfile_signals.c). */
void loadfile_catch_signals(void);

#endif
