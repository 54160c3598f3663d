/*
 * layout: the object names stage-put gives staged files, from a template
 * of dlt's filesystem layout placeholders ({table_name}/{load_id}.{file_id}.{ext}
 * and the others of stage-put(1)).
 *
 * Date and time placeholders ({YYYY}, {MM}, {curr_date}, {timestamp}, ...)
 * are those of the load: the time its load_id (dlt's "seconds.micros")
 * names, in UTC, as dlt takes the load package's time.  So a re-run puts
 * a file under the same name, which is what makes it skip the upload; a
 * load_id that is not a time is refused for them.
 */
#ifndef STAGE_LAYOUT_H
#define STAGE_LAYOUT_H

#include "buf.h"
#include "manifest.h"

/* 0 when every {placeholder} of t is known; else -1 after reporting the
 * first unknown one (a usage error). */
int layout_check(const char *t);

/* Appends to out the object name of manifest line m, whose local file is
 * file.  -1 after reporting "src:line: ..." (a malformed line). */
int layout_expand(const char *t, const struct mline *m, const char *file,
    struct buf *out);

#endif
