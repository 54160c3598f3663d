/*
 * log: one place for diagnostics and exit statuses.  The program name and
 * verbosity are set once by main (log_init, log_set_level) and only read
 * afterwards; with the hook a progress display sets (log_set_hook), they
 * are this module's only state.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

static const char *prog_name = "stage";
static enum log_level level = LOG_NORMAL;
static void (*hook_fn)(void *arg, int before);
static void *hook_arg;

void
log_init(const char *prog)
{
	const char *slash = strrchr(prog, '/');

	prog_name = slash ? slash + 1 : prog;
	signal(SIGPIPE, SIG_IGN);
	/* A closed stdout (">&-") would let the next open(2) take fd 1, and
	 * the manifest would go into whatever file that is: refuse it
	 * before anything is done.  A reader that goes away later is EPIPE
	 * (manifest_emit: a quiet exit 1). */
	if (fcntl(1, F_GETFL) < 0 && errno == EBADF)
		die(EXIT_USAGE, "stdout is closed: the manifest has nowhere "
		    "to go");
}

void
log_set_level(enum log_level l)
{
	level = l;
}

enum log_level
log_get_level(void)
{
	return level;
}

const char *
log_prog(void)
{
	return prog_name;
}

void
log_set_hook(void (*fn)(void *arg, int before), void *arg)
{
	hook_fn = fn;
	hook_arg = arg;
}

static void
vlog(const char *fmt, va_list ap, const char *suffix)
{
	char msg[4096];

	vsnprintf(msg, sizeof msg, fmt, ap);
	if (hook_fn)
		hook_fn(hook_arg, 1);
	if (suffix)
		fprintf(stderr, "%s: %s: %s\n", prog_name, msg, suffix);
	else
		fprintf(stderr, "%s: %s\n", prog_name, msg);
	if (hook_fn)
		hook_fn(hook_arg, 0);
}

void
log_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(fmt, ap, NULL);
	va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;

	if (level < LOG_NORMAL)
		return;
	va_start(ap, fmt);
	vlog(fmt, ap, NULL);
	va_end(ap);
}

void
log_verbose(const char *fmt, ...)
{
	va_list ap;

	if (level < LOG_VERBOSE)
		return;
	va_start(ap, fmt);
	vlog(fmt, ap, NULL);
	va_end(ap);
}

void
die(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(fmt, ap, NULL);
	va_end(ap);
	exit(status);
}

void
die_errno(int status, const char *fmt, ...)
{
	va_list ap;
	const char *e = strerror(errno);

	va_start(ap, fmt);
	vlog(fmt, ap, e);
	va_end(ap);
	exit(status);
}

static void *
oom(void *p)
{
	if (!p)
		die(EXIT_FAIL, "out of memory");
	return p;
}

void *
xmalloc(size_t n)
{
	return oom(malloc(n ? n : 1));
}

void *
xcalloc(size_t n, size_t size)
{
	return oom(calloc(n ? n : 1, size ? size : 1));
}

void *
xrealloc(void *p, size_t n)
{
	return oom(realloc(p, n ? n : 1));
}

char *
xstrdup(const char *s)
{
	return oom(strdup(s));
}

char *
xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

void
usage_exit(const char *synopsis, const char *help)
{
	FILE *f = help ? stdout : stderr;

	fputs(synopsis, f);
	if (help)
		fputs(help, f);
	exit(help ? EXIT_DONE : EXIT_USAGE);
}
