/*
 * upload: the manifest's side of stage-put (stage-put(1)) around a
 * storage's put: what a file line must hold to be uploaded, the line
 * written once its file is stored (with "url" and the storage's own
 * members), and the bucket it goes to when none is given.
 */
#ifndef STAGE_UPLOAD_H
#define STAGE_UPLOAD_H

#include "config.h"
#include "manifest.h"
#include "storage.h"

/* A file line's members for an upload into *f (mfile_parse), with a
 * "file" and a "sha256" of 64 lower-case hex digits: 0, or -1 after
 * reporting "src:line: field 'x' ..." (f is freed then). */
int upload_line(const struct mline *m, struct mfile *f);
/* Writes the input line text (len bytes) with "url" and st's members
 * (storage_members), as stored. */
void upload_emit(const struct storage *st, const char *text, size_t len,
    const char *url);
/* The bucket when -b is not given: the configuration's
 * destination.filesystem.bucket_url, else $STAGE_BUCKET_URL, else
 * ./stage-bucket. */
const char *upload_default_bucket(const struct config *cfg);
/* A local bucket directory may be made, but not its parent: a missing
 * parent is a typo far more often than a wish for a tree of new
 * directories (made as root, perhaps).  0, or -1 after reporting. */
int upload_root_usable(const struct storage *st);

#endif
