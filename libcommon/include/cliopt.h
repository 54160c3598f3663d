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

/* One option of a program.  A program's table of them drives
 * getopt_long, --help and the bash, zsh and fish completions
 * (--completion=SHELL prints them; completions/ holds the output). */
struct cliopt {
	const char *name;	/* long name, without dashes */
	int key;		/* a letter: also -letter; above 255: long only */
	const char *arg;	/* the argument's name in --help; NULL: a flag */
	const char *help;	/* --help text; a '\n' starts a further line */
	const char *values;	/* how its argument completes: "file", "dir",
				 * words ("csv jsonl"), ":words" for the part
				 * after "name:"; NULL: nothing to offer */
};

/* Keys of the options every program has, and those options as the last
 * rows of a table (its end included), in --help's order. */
enum { CLIOPT_PROGRESS = 0x7f00, CLIOPT_VERSION };
#define CLIOPT_COMMON \
	{ "progress", CLIOPT_PROGRESS, NULL, "progress line on stderr even " \
	    "if not a tty", NULL }, \
	{ "quiet", 'q', NULL, "errors only", NULL }, \
	{ "verbose", 'v', NULL, "say more", NULL }, \
	{ "help", 'h', NULL, "this help", NULL }, \
	{ "version", CLIOPT_VERSION, NULL, "print the version", NULL }, \
	{ NULL, 0, NULL, NULL, NULL }

struct cliprog {
	const char *name;	/* "stage-copy" */
	const char *lead;	/* what the synopsis says before the
				 * options, for what a table cannot say
				 * ("(-t T | --table-field F)": one of
				 * two is required); the options it names
				 * are not repeated.  NULL: nothing */
	const char *summary;	/* --help's line after the synopsis */
	const char *footer;	/* after the options, or NULL */
	const char *operand;	/* what file operands are ("manifest") */
	int width;		/* column of the help texts */
	const struct cliopt *opts;	/* ends with a NULL name */
};

/* getopt_long over p's table: the next option's key (optarg holds its
 * argument), or -1 after the last.  Sets the log level for -q and -v
 * (-vv: debug, HTTP requests too) itself; answers --help, --version and
 * --completion=bash|zsh|fish itself (exit 0); an unknown option or a
 * missing argument gets a "did you mean" hint and the synopsis (exit
 * 2). */
int cliopt_next(const struct cliprog *p, int argc, char **argv);
/* Appends p's synopsis, "usage: PROG [-flags] [--option ARG] ...
 * [operand ...]\n", made from its table (help and version left out),
 * wrapped under the first option. */
struct buf;
void cliopt_synopsis(struct buf *b, const struct cliprog *p);
/* The synopsis on stderr, exit 2. */
_Noreturn void cliopt_usage(const struct cliprog *p);
/* An integer from lo to hi, else "--opt: expected a number from lo to
 * hi: s" and exit 2; opt without dashes. */
int cliopt_int(const char *opt, const char *s, int lo, int hi);

#endif
