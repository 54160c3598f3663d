/*
 * log: diagnostics on stderr and the exit statuses of doc/DESIGN.md.
 *
 * Every message starts with the program name set once by log_init(), the
 * way err(3) does.  Nothing here ever writes to stdout.
 */
#ifndef STAGE_LOG_H
#define STAGE_LOG_H

#include <stdarg.h>
#include <stddef.h>

/* printf-format checking where the compiler has it; nothing elsewhere. */
#if defined(__GNUC__) || defined(__clang__)
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#else
#define PRINTF_LIKE(f, a)
#endif

enum {
	EXIT_DONE = 0,		/* everything done */
	EXIT_FAIL = 1,		/* some item failed */
	EXIT_USAGE = 2,		/* usage or configuration error */
	EXIT_INCOMPLETE = 3	/* incomplete or malformed input manifest */
};

enum log_level { LOG_QUIET = 0, LOG_NORMAL = 1, LOG_VERBOSE = 2, LOG_DEBUG = 3 };

/* Sets the program name and level; also ignores SIGPIPE so that a closed
 * stdout shows up as EPIPE from write(2) and ends the program cleanly. */
void log_init(const char *prog);
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
const char *log_prog(void);
/* fn(arg, 1) runs before each message and fn(arg, 0) after it: the
 * progress display clears its line (progress.h).  NULL: none. */
void log_set_hook(void (*fn)(void *arg, int before), void *arg);

/* "prog: message" on stderr. */
void log_err(const char *fmt, ...) PRINTF_LIKE(1, 2);
/* Printed unless -q. */
void log_warn(const char *fmt, ...) PRINTF_LIKE(1, 2);
/* Printed with -v only. */
void log_verbose(const char *fmt, ...) PRINTF_LIKE(1, 2);
/* log_err, then exit(status). */
_Noreturn void die(int status, const char *fmt, ...) PRINTF_LIKE(2, 3);
/* Like die, with ": strerror(errno)" appended. */
/* The option conventions of every program: with help NULL, synopsis to
 * stderr and exit 2 (a usage error); else synopsis and help to stdout and
 * exit 0 (-h, --help). */
_Noreturn void usage_exit(const char *synopsis, const char *help);
_Noreturn void die_errno(int status, const char *fmt, ...)
    PRINTF_LIKE(2, 3);

/* Allocation that dies on failure (out of memory is not recoverable here). */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

#endif
