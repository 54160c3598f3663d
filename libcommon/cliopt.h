/*
 * cliopt: option values every program parses the same way, so that one
 * spelling means one thing in all four (a size that stage-write refuses is
 * refused by stage-put too).  A bad value is a usage error: the message
 * names the option and the value, and the program exits 2.
 */
#ifndef STAGE_CLIOPT_H
#define STAGE_CLIOPT_H

#include <getopt.h>
#include <stdint.h>

/* "5242880", "16k", "16M", "16MB", "16MiB", "1G": bytes (or a count,
 * for --max-rows), checked for overflow; opt is the option's name with
 * its dashes ("--part-size"). */
uint64_t cliopt_size(const char *opt, const char *s);

/* Checks that every file operand ("-" is stdin) can be opened for
 * reading before the program does anything: one that cannot is a usage
 * error (exit 2), the same in all four programs. */
void cliopt_inputs(int nfiles, char *const *files);

/* The candidate nearest to word (edit distance, a swap of neighbours
 * counting one, at most a third of its length and at least 1, case
 * ignored), for "did you mean" hints; NULL when none is that near or
 * word is one letter.  cands ends with NULL. */
const char *cliopt_nearest(const char *word, const char *const *cands);

/* After getopt_long refused argv[next - 1] (next: its optind): if it
 * is an unknown --option near one of opts, says "did you mean --that?"
 * on stderr. */
void cliopt_hint(const struct option *opts, char *const *argv, int next);

#endif
