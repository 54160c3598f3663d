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

#include "buf.h"
#include "cliopt.h"
#include "log.h"
#include "version.h"

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

int
cliopt_int(const char *opt, const char *s, int lo, int hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		die(EXIT_USAGE, "--%s: expected a number from %d to %d: %s",
		    opt, lo, hi, s);
	return (int)v;
}

#define KEY_COMPLETION 0x7fff

/* 1 if the program's lead names o (then the synopsis does not repeat
 * it): "-x" or "--name", not as the start of a longer name. */
static int
in_lead(const struct cliprog *p, const struct cliopt *o)
{
	char w[80];
	const char *at;

	if (!p->lead)
		return 0;
	if (o->key < 256) {
		snprintf(w, sizeof w, "-%c", o->key);
		for (at = p->lead; (at = strstr(at, w)); at++)
			if (!isalnum((unsigned char)at[2]) && at[2] != '-')
				return 1;
	}
	snprintf(w, sizeof w, "--%s", o->name);
	for (at = p->lead; (at = strstr(at, w)); at++)
		if (!isalnum((unsigned char)at[strlen(w)]) &&
		    at[strlen(w)] != '-')
			return 1;
	return 0;
}

/* Options every program has, which a synopsis leaves out. */
static int
unlisted(const struct cliopt *o)
{
	return strcmp(o->name, "help") == 0 || strcmp(o->name, "version") == 0;
}

/* An option's argument in the synopsis: its words as a|b|c when they
 * are the only values (plain lower-case words), else its name. */
static void
syn_arg(struct buf *b, const struct cliopt *o)
{
	const char *v = o->values;

	if (v && *v != ':' && strcmp(v, "file") && strcmp(v, "dir") &&
	    strspn(v, "abcdefghijklmnopqrstuvwxyz- ") == strlen(v)) {
		for (; *v; v++)
			buf_addc(b, *v == ' ' ? '|' : *v);
		return;
	}
	buf_adds(b, o->arg);
}

/* Appends item to the synopsis b, wrapped at 78 columns and indented
 * under the first option. */
static void
syn_add(struct buf *b, size_t *col, size_t indent, const char *item)
{
	size_t n = strlen(item);

	if (*col + 1 + n > 78 && *col > indent) {
		buf_printf(b, "\n%*s", (int)indent, "");
		*col = indent;
	} else {
		buf_addc(b, ' ');
		(*col)++;
	}
	buf_adds(b, item);
	*col += n;
}

void
cliopt_synopsis(struct buf *b, const struct cliprog *p)
{
	struct buf it = BUF_INIT;
	size_t indent = strlen("usage: ") + strlen(p->name), col;
	const struct cliopt *o;

	buf_printf(b, "usage: %s", p->name);
	col = indent++;
	if (p->lead)
		syn_add(b, &col, indent, p->lead);
	buf_adds(&it, "[-");
	for (o = p->opts; o->name; o++)
		if (!o->arg && o->key < 256 && !unlisted(o) && !in_lead(p, o))
			buf_addc(&it, (char)o->key);
	buf_addc(&it, ']');
	if (it.len > 3)		/* the flags with a letter: [-nqv] */
		syn_add(b, &col, indent, it.p);
	for (o = p->opts; o->name; o++) {
		if (unlisted(o) || in_lead(p, o) || (!o->arg && o->key < 256))
			continue;
		buf_reset(&it);
		if (o->key < 256)
			buf_printf(&it, "[-%c ", o->key);
		else
			buf_printf(&it, "[--%s%s", o->name, o->arg ? " " : "");
		if (o->arg)
			syn_arg(&it, o);
		buf_adds(&it, strstr(o->help, "(repeatable)") ? " ...]" : "]");
		syn_add(b, &col, indent, it.p);
	}
	buf_reset(&it);
	buf_printf(&it, "[%s ...]", p->operand);
	syn_add(b, &col, indent, it.p);
	buf_addc(b, '\n');
	buf_free(&it);
}

_Noreturn void
cliopt_usage(const struct cliprog *p)
{
	struct buf b = BUF_INIT;

	cliopt_synopsis(&b, p);
	usage_exit(b.p, NULL);
}

/* "  -x, --name ARG" */
static void
help_left(struct buf *b, const struct cliopt *o)
{
	if (o->key < 256)
		buf_printf(b, "  -%c, --%s", o->key, o->name);
	else
		buf_printf(b, "      --%s", o->name);
	if (o->arg)
		buf_printf(b, " %s", o->arg);
}

static _Noreturn void
help_exit(const struct cliprog *p)
{
	struct buf b = BUF_INIT;

	cliopt_synopsis(&b, p);
	buf_printf(&b, "%s\n", p->summary);
	for (const struct cliopt *o = p->opts; o->name; o++) {
		size_t start = b.len;
		const char *h = o->help, *nl;

		help_left(&b, o);
		for (;;) {
			size_t col = b.len - start;
			nl = strchr(h, '\n');
			if (col + 1 > (size_t)p->width)
				buf_adds(&b, "  ");
			else
				buf_printf(&b, "%*s", p->width - (int)col, "");
			buf_printf(&b, "%.*s\n", nl ? (int)(nl - h) :
			    (int)strlen(h), h);
			if (!nl)
				break;
			h = nl + 1;
			start = b.len;
		}
	}
	if (p->footer)
		buf_adds(&b, p->footer);
	fwrite(b.p, 1, b.len, stdout);
	buf_free(&b);
	exit(EXIT_DONE);
}

/* The help text on one line, for shells: lines joined by a space, a
 * quote written as quote, the characters of esc after a backslash. */
static void
desc(struct buf *b, const char *h, const char *quote, const char *esc)
{
	for (; *h; h++) {
		if (*h == '\n') {
			buf_addc(b, ' ');
			while (h[1] == ' ')
				h++;
		} else if (*h == '\'')
			buf_adds(b, quote);
		else if (strchr(esc, *h))
			buf_printf(b, "\\%c", *h);
		else
			buf_addc(b, *h);
	}
}

static void
words_of(struct buf *b, const char *values)
{
	buf_adds(b, values + (*values == ':'));
}

static int
is_words(const struct cliopt *o)
{
	return o->values && strcmp(o->values, "file") &&
	    strcmp(o->values, "dir");
}

static void
bash(struct buf *b, const struct cliprog *p)
{
	struct buf fn = BUF_INIT, w = BUF_INIT;
	const struct cliopt *o;

	for (const char *c = p->name; *c; c++)
		buf_addc(&fn, *c == '-' ? '_' : *c);
	buf_printf(b, "# bash completion for %s(1), made by `%s "
	    "--completion=bash` from its option table\n\n_%s()\n{\n"
	    "\tlocal cur prev\n\tcur=${COMP_WORDS[COMP_CWORD]}\n"
	    "\tprev=${COMP_WORDS[COMP_CWORD-1]}\n\n\tcase $prev in\n",
	    p->name, p->name, fn.p);
	for (o = p->opts; o->name; o++) {
		if (!o->arg)
			continue;
		buf_adds(b, "\t");
		if (o->key < 256)
			buf_printf(b, "-%c|", o->key);
		buf_printf(b, "--%s)\n", o->name);
		if (o->values && *o->values == ':') {
			buf_adds(b, "\t\tif [[ $cur == *:* ]]; then\n\t\t\t"
			    "COMPREPLY=($(compgen -P \"${cur%%:*}:\" -W '");
			words_of(b, o->values);
			buf_adds(b, "' -- \"${cur#*:}\"))\n\t\tfi\n");
		} else if (is_words(o)) {
			buf_adds(b, "\t\tCOMPREPLY=($(compgen -W '");
			words_of(b, o->values);
			buf_adds(b, "' -- \"$cur\"))\n");
		} else if (o->values)
			buf_printf(b, "\t\tCOMPREPLY=($(compgen -%c -- "
			    "\"$cur\"))\n", o->values[0] == 'd' ? 'd' : 'f');
		buf_adds(b, "\t\treturn ;;\n");
	}
	buf_adds(b, "\tesac\n\n\tif [[ $cur == -* ]]; then\n"
	    "\t\tCOMPREPLY=($(compgen -W '");
	for (o = p->opts; o->name; o++) {
		if (o != p->opts)
			buf_addc(&w, ' ');
		if (o->key < 256)
			buf_printf(&w, "-%c ", o->key);
		buf_printf(&w, "--%s", o->name);
	}
	buf_adds(b, w.p);
	buf_printf(b, "' -- \"$cur\"))\n\t\treturn\n\tfi\n"
	    "\tCOMPREPLY=($(compgen -f -- \"$cur\"))\n}\n"
	    "complete -o filenames -F _%s %s\n", fn.p, p->name);
	buf_free(&fn);
	buf_free(&w);
}

static void
zsh(struct buf *b, const struct cliprog *p)
{
	const struct cliopt *o;
	const char *state = NULL;

	buf_printf(b, "#compdef %s\n# zsh completion for %s(1), made by "
	    "`%s --completion=zsh` from its option table\n\n"
	    "_arguments -s -S \\\n", p->name, p->name, p->name);
	for (o = p->opts; o->name; o++) {
		int ex = strcmp(o->name, "help") == 0 ||
		    strcmp(o->name, "version") == 0;
		buf_adds(b, "\t'");
		if (strstr(o->help, "(repeatable)"))
			buf_addc(b, '*');
		if (ex)
			buf_adds(b, "(- *)");
		else if (o->key < 256)
			buf_printf(b, "(-%c --%s)", o->key, o->name);
		if (o->key < 256)
			buf_printf(b, "'{-%c%s,--%s%s}'", o->key,
			    o->arg ? "+" : "", o->name, o->arg ? "=" : "");
		else
			buf_printf(b, "--%s%s", o->name, o->arg ? "=" : "");
		buf_addc(b, '[');
		desc(b, o->help, "'\\''", "[]");
		buf_addc(b, ']');
		if (o->arg) {
			buf_printf(b, ":%s:", o->name);
			if (o->values && *o->values == ':') {
				buf_adds(b, "->values");
				state = o->values + 1;
			} else if (is_words(o))
				buf_printf(b, "(%s)", o->values);
			else if (o->values)
				buf_adds(b, o->values[0] == 'd' ? "_files -/" :
				    "_files");
		}
		buf_adds(b, "' \\\n");
	}
	buf_printf(b, "\t'*:%s:_files' && return\n", p->operand);
	if (state)
		buf_printf(b, "\nif [[ $state == values ]] && compset -P "
		    "'*:'; then\n\tlocal -a words\n\twords=(%s)\n"
		    "\t_describe -t values value words\nfi\n", state);
}

static void
fish(struct buf *b, const struct cliprog *p)
{
	buf_printf(b, "# fish completion for %s(1), made by `%s "
	    "--completion=fish` from its option table\n", p->name, p->name);
	for (const struct cliopt *o = p->opts; o->name; o++) {
		buf_printf(b, "complete -c %s", p->name);
		if (o->key < 256)
			buf_printf(b, " -s %c", o->key);
		buf_printf(b, " -l %s", o->name);
		if (o->arg && o->values && strcmp(o->values, "file") == 0)
			buf_adds(b, " -r -F");
		else if (o->arg && o->values && strcmp(o->values, "dir") == 0)
			buf_adds(b, " -x -a '(__fish_complete_directories)'");
		else if (o->arg && is_words(o) && *o->values != ':')
			buf_printf(b, " -x -a '%s'", o->values);
		else if (o->arg)
			buf_adds(b, " -x");
		buf_adds(b, " -d '");
		desc(b, o->help, "\\'", "");
		buf_adds(b, "'\n");
	}
}

static _Noreturn void
completion_exit(const struct cliprog *p, const char *shell)
{
	struct buf b = BUF_INIT;

	if (strcmp(shell, "bash") == 0)
		bash(&b, p);
	else if (strcmp(shell, "zsh") == 0)
		zsh(&b, p);
	else if (strcmp(shell, "fish") == 0)
		fish(&b, p);
	else
		die(EXIT_USAGE, "--completion: '%s' is not bash, zsh or fish",
		    shell);
	fwrite(b.p, 1, b.len, stdout);
	buf_free(&b);
	exit(EXIT_DONE);
}

int
cliopt_next(const struct cliprog *p, int argc, char **argv)
{
	struct option lo[64];
	char so[3 * 64 + 2];
	size_t n = 0, k = 0;
	int c;

	for (const struct cliopt *o = p->opts; o->name && n < 62; o++) {
		lo[n++] = (struct option){ o->name, o->arg ? required_argument :
		    no_argument, NULL, o->key };
		if (o->key < 256) {
			so[k++] = (char)o->key;
			if (o->arg)
				so[k++] = ':';
		}
	}
	lo[n++] = (struct option){ "completion", required_argument, NULL,
	    KEY_COMPLETION };
	lo[n] = (struct option){ NULL, 0, NULL, 0 };
	so[k] = '\0';
	while ((c = getopt_long(argc, argv, so, lo, NULL)) == 'q' || c == 'v')
		log_set_level(c == 'q' ? LOG_QUIET :
		    log_get_level() >= LOG_VERBOSE ? LOG_DEBUG : LOG_VERBOSE);
	if (c == KEY_COMPLETION)
		completion_exit(p, optarg);
	if (c == '?' || c == ':') {
		cliopt_hint(lo, argv, optind);
		cliopt_usage(p);
	}
	for (const struct cliopt *o = p->opts; c != -1 && o->name; o++)
		if (o->key == c && strcmp(o->name, "help") == 0)
			help_exit(p);
		else if (o->key == c && strcmp(o->name, "version") == 0) {
			printf("%s %s\n", p->name, STAGE_VERSION);
			exit(EXIT_DONE);
		}
	return c;
}
