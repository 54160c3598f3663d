/*
 * mergein: stage-merge's whole input, read and checked before anything is
 * touched (stage-merge(1)): the file lines grouped by load into struct
 * dload (with each line's text, to be written through with "merged"), the
 * end lines checked against them (mload_end), and the checks that want
 * the whole input at hand: one dataset and one disposition per table of a
 * load, where stage-copy loaded the files, the column options against the
 * merge tables and the names against the destination.
 */
#ifndef STAGE_MERGEIN_H
#define STAGE_MERGEIN_H

#include <stdint.h>

#include "dest.h"
#include "manifest.h"

struct mergein_line {
	char *text;		/* the input line, without '\n' */
	size_t len;
	struct dfile f;
};

struct mergein_load {
	struct dload l;
	struct mload m;		/* m.id is l.load_id */
	struct mergein_line *lines;
	size_t nlines;
};

struct mergein {
	struct mergein_load *v;
	size_t n;
	const struct merge_opts *mo;	/* for the column notes; may be NULL */
	char *copied_to;	/* the lines' copied.destination, if any */
};

/* Reads every line of the inputs into in: 0, or the exit status the
 * input deserves after reporting (EXIT_INCOMPLETE: malformed, a load
 * without its end line, no lines at all; EXIT_USAGE: a disposition that
 * changes within a load, lines copied to different destinations). */
int mergein_read(struct mergein *in, int nfiles, char **files);
/* A --dedup-sort or --hard-delete column (opt names the option) that no
 * merge table of the input has: -1 after naming a near miss (a typo),
 * else 0 (any other is said, and left unused). */
int mergein_check_col(const struct mergein *in, const char *opt,
    const char *col);
/* -1 after reporting a name of a load that ops cannot hold as it is. */
int mergein_names_ok(const struct mergein *in, const struct dest_ops *ops);
/* The loads in load_id order (load_id_cmp), the order they merge in. */
void mergein_sort(struct mergein *in);
/* Writes ld's lines with "merged" (merged[i]: rows of ld->l.t[i];
 * already: the load was merged before), then its end line. */
void mergein_emit(const struct mergein_load *ld, const int64_t *merged,
    int already);
/* Removes ld's staged files (--delete-staged): 0, or -1 after reporting
 * one that could not be removed. */
int mergein_delete_staged(const struct mergein_load *ld);
void mergein_free(struct mergein *in);

#endif
