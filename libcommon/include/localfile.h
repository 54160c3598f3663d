/*
 * localfile: stage-put --remove-source (stage-put(1)): a loader file
 * stage-write left under -d is removed once its staged copy is verified.
 *
 * Verified means the storage put it or found it there with the
 * manifest's SHA-256 (STORAGE_DONE or STORAGE_SKIPPED: a file whose
 * bytes do not hash to it is refused, storage.h), and the file still has
 * the manifest's size.  Called only after the file's line was written
 * and flushed, so that a kill at any instant leaves either the file or
 * the line, and a re-run (whose put of a file already gone finds the
 * object and skips it) finishes the job.  A file that is the staged
 * object itself (a local bucket over -d) is never removed.
 */
#ifndef STAGE_LOCALFILE_H
#define STAGE_LOCALFILE_H

#include <stdint.h>

#include "storage.h"

/* Removes path if it is bytes long (bytes < 0: any size) and not the
 * object st holds under key.  0 when removed or already gone, 1 when
 * kept for a reason said with -v, -1 after reporting. */
int localfile_remove(const char *path, int64_t bytes,
    const struct storage *st, const char *key);

#endif
