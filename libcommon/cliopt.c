/*
 * cliopt: shared parsing of option values (cliopt.h).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
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
	case '\0': break;
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

/* Levenshtein distance of a and b, case ignored; stops counting at cap. */
static size_t
distance(const char *a, const char *b, size_t cap)
{
	size_t la = strlen(a), lb = strlen(b), *row, d;

	if (la > 64 || lb > 64)
		return cap + 1;
	row = xcalloc(lb + 1, sizeof *row);
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j], best = diag +
			    (tolower((unsigned char)a[i - 1]) !=
			    tolower((unsigned char)b[j - 1]));
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
		}
	}
	d = row[lb];
	free(row);
	return d;
}

const char *
cliopt_nearest(const char *word, const char *const *cands)
{
	size_t cap = strlen(word) / 3, best = (size_t)-1;
	const char *pick = NULL;

	if (cap < 1)
		cap = 1;
	for (; *cands; cands++) {
		size_t d = distance(word, *cands, cap);
		if (d <= cap && d < best) {
			best = d;
			pick = *cands;
		}
	}
	return pick;
}
