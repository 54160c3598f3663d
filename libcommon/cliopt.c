/*
 * cliopt: shared parsing of option values (cliopt.h).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cliopt.h"
#include "log.h"

uint64_t
cliopt_size(const char *opt, const char *s)
{
	char *end;
	unsigned long long v;
	unsigned shift = 0;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (end == s || *s == '-' || *s == '+' || *s == ' ')
		die(EXIT_USAGE, "%s: not a size: '%s'", opt, s);
	switch (*end) {
	case '\0': case 'b': case 'B': break;
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	default: die(EXIT_USAGE, "%s: not a size: '%s'", opt, s);
	}
	if (shift && (strcmp(end, "iB") == 0 || strcmp(end, "B") == 0 ||
	    strcmp(end, "b") == 0))
		end += strlen(end);
	else if (!shift && (strcmp(end, "B") == 0 || strcmp(end, "b") == 0))
		end++;
	if (*end)
		die(EXIT_USAGE, "%s: not a size: '%s'", opt, s);
	if (errno == ERANGE || (uint64_t)v > (UINT64_MAX >> shift))
		die(EXIT_USAGE, "%s: too large: '%s'", opt, s);
	return (uint64_t)v << shift;
}

void
cliopt_inputs(int nfiles, char *const *files)
{
	struct stat st;

	for (int i = 0; i < nfiles; i++) {
		int fd;

		if (strcmp(files[i], "-") == 0)
			continue;
		if (stat(files[i], &st) < 0)
			die_errno(EXIT_USAGE, "%s", files[i]);
		if (S_ISDIR(st.st_mode))
			die(EXIT_USAGE, "%s: is a directory", files[i]);
		/* a FIFO is not opened here: a writer would see its only
		 * reader go away (EPIPE) */
		if (!S_ISREG(st.st_mode)) {
			if (access(files[i], R_OK) < 0)
				die_errno(EXIT_USAGE, "%s", files[i]);
			continue;
		}
		if ((fd = open(files[i], O_RDONLY | O_CLOEXEC)) < 0)
			die_errno(EXIT_USAGE, "%s", files[i]);
		close(fd);
	}
}

/* Edit distance of a and b, case ignored, a swap of two neighbours
 * counting as one edit (optimal string alignment); words longer than 64
 * bytes are never near. */
static size_t
distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t d[65][65];

	if (la > 64 || lb > 64)
		return (size_t)-1;
	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++)
		for (size_t j = 1; j <= lb; j++) {
			int ca = tolower((unsigned char)a[i - 1]);
			int cb = tolower((unsigned char)b[j - 1]);
			size_t best = d[i - 1][j - 1] + (ca != cb);
			if (d[i - 1][j] + 1 < best)
				best = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < best)
				best = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && ca == tolower((unsigned char)
			    b[j - 2]) && tolower((unsigned char)a[i - 2]) == cb &&
			    d[i - 2][j - 2] + 1 < best)
				best = d[i - 2][j - 2] + 1;
			d[i][j] = best;
		}
	return d[la][lb];
}

const char *
cliopt_nearest(const char *word, const char *const *cands)
{
	size_t cap = strlen(word) / 3, best = (size_t)-1;
	const char *pick = NULL;

	if (strlen(word) < 2)
		return NULL;	/* any one letter is near any other */
	if (cap < 1)
		cap = 1;
	for (; *cands; cands++) {
		size_t d = distance(word, *cands);
		if (d <= cap && d < best) {
			best = d;
			pick = *cands;
		}
	}
	return pick;
}

void
cliopt_hint(const struct option *opts, char *const *argv, int next)
{
	const char *names[128], *arg, *near;
	char word[64];
	size_t n = 0;

	if (next < 1 || !(arg = argv[next - 1]) ||
	    strncmp(arg, "--", 2) != 0)
		return;
	snprintf(word, sizeof word, "%.*s", (int)strcspn(arg + 2, "="),
	    arg + 2);
	for (; opts->name && n < 127; opts++) {
		if (strcmp(opts->name, word) == 0)
			return;		/* known: a missing argument */
		names[n++] = opts->name;
	}
	names[n] = NULL;
	if ((near = cliopt_nearest(word, names)))
		log_err("did you mean --%s?", near);
}
