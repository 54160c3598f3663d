/*
 * progress: the state of each step, and one line drawn for the pipeline
 * (progress.h).
 *
 * The shared file holds one slot per step: "pid state text", state R
 * while the step runs and D once it is done.  It lives in $TMPDIR (else
 * /tmp) as stage-progress.UID.PGID, created 0600 without following links
 * and used only if it is ours.  The drawer is the live running step of
 * the highest role; when it finishes it removes the file, so the next
 * pipeline of the same job starts clean.  Without the file (it cannot be
 * made) each step draws its own line, as a lone program does.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "progress.h"

#define NROLES 4
#define SLOT 160
#define TICK_MS 200

static const char *const role_names[NROLES] = { "write", "put", "copy",
	"merge" };

double
progress_clock(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* v with a metric prefix: "4", "12.3k", "1.2M"; then unit. */
static void
human(char *out, size_t n, double v, const char *unit)
{
	static const char *const pre[] = { "", "k", "M", "G", "T" };
	int i = 0;

	while (v >= 1000 && i < 4) {
		v /= 1000;
		i++;
	}
	/* three digits at most: "4", "12.3k", "300k"; "1.2 MB" */
	const char *f = i && v < 100 ? "%.1f%s%s" : "%.0f%s%s";
	if (i && unit[0] == ' ' && unit[1] == 'B')
		snprintf(out, n, i && v < 100 ? "%.1f %s%s" : "%.0f %s%s", v,
		    pre[i], unit + 1);
	else
		snprintf(out, n, f, v, pre[i], unit);
}

static int
role_of(const char *prog)
{
	for (int i = 0; i < NROLES; i++)
		if (strstr(prog, role_names[i]))
			return i;
	return 0;
}

/* The step's counts: files (of the total when known), then rows or
 * bytes, whichever the step moves; brief leaves out rates and ETA (the
 * pipeline's line has room for little). */
static void
counts(const struct progress *p, double el, int brief, char *out, size_t n)
{
	char amount[32], rate[48] = "", eta[32] = "", files[48];
	int by_rows = p->role != 1;	/* stage-put moves bytes */
	double v = by_rows ? (double)p->rows : (double)p->bytes;

	human(amount, sizeof amount, v, by_rows ? " rows" : " B");
	if (!brief) {
		rate[0] = ',';
		rate[1] = ' ';
		human(rate + 2, sizeof rate - 2, v / el,
		    by_rows ? " rows/s" : " B/s");
		if (!by_rows && p->bytes_total > p->bytes && p->bytes > 0)
			snprintf(eta, sizeof eta, ", ETA %.0fs",
			    (double)(p->bytes_total - p->bytes) * el /
			    (double)p->bytes);
	}
	if (p->files_total)
		snprintf(files, sizeof files, "%llu/%llu",
		    (unsigned long long)p->files,
		    (unsigned long long)p->files_total);
	else
		snprintf(files, sizeof files, "%llu",
		    (unsigned long long)p->files);
	if (brief && p->role == 0)	/* "6 files 300k rows" */
		snprintf(out, n, "%s files %s", files, amount);
	else if (brief)		/* "3/6 12.1 MB", "3/6 150k" */
		snprintf(out, n, "%s %.*s", files,
		    (int)strcspn(amount, by_rows ? " " : ""), amount);
	else
		snprintf(out, n, "%s files, %s%s%s", files, amount, rate, eta);
}

/* The step's state: its phase when it has one, else its counts. */
static void
state(const struct progress *p, double t, int brief, char *out, size_t n)
{
	double el = t - p->start > 1e-3 ? t - p->start : 1e-3;

	if (p->phase[0] && brief)
		snprintf(out, n, "%.0fs", el);
	else if (brief && !p->files && !p->files_total && !p->rows)
		snprintf(out, n, "waiting");
	else if (p->phase[0])
		snprintf(out, n, "%s, %.0fs", p->phase, el);
	else
		counts(p, el, brief, out, n);
}

static int
columns(void)
{
#ifdef TIOCGWINSZ
	struct winsize ws;
	if (ioctl(2, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 10)
		return ws.ws_col;
#endif
	const char *c = getenv("COLUMNS");
	return c && atoi(c) > 10 ? atoi(c) : 80;
}

static void
put_line(struct progress *p, const char *line)
{
	int w = p->tty ? columns() - 1 : (int)strlen(line);

	fprintf(stderr, "\r%.*s\033[K", w, line);
	fflush(stderr);
	p->drawn = 1;
}

static int
alive(long pid)
{
	return pid > 0 && (kill((pid_t)pid, 0) == 0 || errno == EPERM);
}

static void
slot_write(struct progress *p, char st, const char *text)
{
	char slot[SLOT] = { 0 };

	snprintf(slot, sizeof slot - 1, "%ld %c %s", (long)getpid(), st, text);
	if (pwrite(p->fd, slot, SLOT, (off_t)p->role * SLOT) != SLOT) {
		close(p->fd);
		p->fd = -1;
	}
}

/* The pipeline's line into out, or 0 when a later live step draws it. */
static int
compose(struct progress *p, const char *mine_long, char *out, size_t n)
{
	char all[NROLES * SLOT + 1] = { 0 };
	size_t len = 0;
	int others = 0;

	if (pread(p->fd, all, NROLES * SLOT, 0) < 0)
		return 0;
	out[0] = '\0';
	for (int r = 0; r < NROLES; r++) {
		char *s = all + r * SLOT, st = 0;
		long pid = 0;
		int off = 0;
		s[SLOT - 1] = '\0';
		if (sscanf(s, "%ld %c %n", &pid, &st, &off) < 2 || !off)
			continue;
		if (r > p->role && st == 'R' && alive(pid))
			return 0;
		if (r != p->role)
			others++;
		len += (size_t)snprintf(out + len, len < n ? n - len : 0,
		    "%s%s %s", len ? " | " : "", role_names[r], s + off);
	}
	if (!others)
		snprintf(out, n, "%s: %s", log_prog(), mine_long);
	return 1;
}

/* Publishes this step's state and draws the line if it is the drawer.
 * Called with p->mu held. */
static void
refresh(struct progress *p, char st)
{
	char mine[SLOT], brief[SLOT], line[NROLES * SLOT + 64];
	double t = progress_clock();

	state(p, t, 0, mine, sizeof mine);
	state(p, t, 1, brief, sizeof brief);
	if (p->fd >= 0)
		slot_write(p, st, brief);
	if (p->fd < 0)
		snprintf(line, sizeof line, "%s: %s", log_prog(), mine);
	else if (!compose(p, mine, line, sizeof line))
		return;
	put_line(p, line);
}

static void *
tick(void *arg)
{
	struct progress *p = arg;
	struct timespec ts;

	pthread_mutex_lock(&p->mu);
	while (!p->stop) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += TICK_MS * 1000000L;
		ts.tv_sec += ts.tv_nsec / 1000000000L;
		ts.tv_nsec %= 1000000000L;
		pthread_cond_timedwait(&p->cv, &p->mu, &ts);
		if (!p->stop)
			refresh(p, 'R');
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

/* log.h's hook: a message clears the line first; the next tick redraws
 * it below the message. */
static void
around_message(void *arg, int before)
{
	struct progress *p = arg;

	if (before) {
		pthread_mutex_lock(&p->mu);
		if (p->tty)
			fputs("\r\033[K", stderr);
		p->drawn = 0;
	} else {
		pthread_mutex_unlock(&p->mu);
	}
}

/* How many steps of the file other than this one are live processes
 * (running ones only, with running). */
static int
live_others(struct progress *p, int running)
{
	char all[NROLES * SLOT + 1] = { 0 };
	int n = 0;

	if (pread(p->fd, all, NROLES * SLOT, 0) < 0)
		return 0;
	for (int r = 0; r < NROLES; r++) {
		long pid = 0;
		char st = 0;
		if (sscanf(all + r * SLOT, "%ld %c", &pid, &st) == 2 &&
		    pid != (long)getpid() && (!running || st == 'R') &&
		    alive(pid))
			n++;
	}
	return n;
}

static void
open_shared(struct progress *p)
{
	const char *dir = getenv("TMPDIR");
	char path[512];
	struct stat st;

	snprintf(path, sizeof path, "%s/stage-progress.%ld.%ld",
	    dir && *dir ? dir : "/tmp", (long)getuid(), (long)getpgrp());
	p->fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW, 0600);
	if (p->fd < 0)
		return;
	if (fstat(p->fd, &st) || st.st_uid != getuid() ||
	    !S_ISREG(st.st_mode)) {
		close(p->fd);
		p->fd = -1;
		return;
	}
	p->path = xstrdup(path);
	/* Slots left by a killed pipeline of the same job are cleared. */
	if (!live_others(p, 0) && ftruncate(p->fd, 0) != 0) {
		close(p->fd);
		p->fd = -1;
	}
}

void
progress_init(struct progress *p, enum progress_mode mode)
{
	*p = (struct progress){ .fd = -1 };
	p->tty = isatty(2);
	p->on = mode == PROGRESS_ON || (mode == PROGRESS_AUTO && p->tty);
	if (log_get_level() == LOG_QUIET)
		p->on = 0;
	p->start = progress_clock();
	if (!p->on)
		return;
	p->role = role_of(log_prog());
	if (p->tty)
		open_shared(p);
	if (p->fd >= 0)
		slot_write(p, 'R', "starting");
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	log_set_hook(around_message, p);
	p->ticking = pthread_create(&p->ticker, NULL, tick, p) == 0;
}

void
progress_expect(struct progress *p, uint64_t files, uint64_t bytes)
{
	if (!p->on)
		return;
	pthread_mutex_lock(&p->mu);
	p->files_total += files;
	p->bytes_total += bytes;
	pthread_mutex_unlock(&p->mu);
}

void
progress_add(struct progress *p, uint64_t files, uint64_t rows,
    uint64_t bytes)
{
	if (!p->on)
		return;
	pthread_mutex_lock(&p->mu);
	p->files += files;
	p->rows += rows;
	p->bytes += bytes;
	pthread_mutex_unlock(&p->mu);
}

void
progress_phase(struct progress *p, const char *what)
{
	if (!p->on)
		return;
	pthread_mutex_lock(&p->mu);
	snprintf(p->phase, sizeof p->phase, "%s", what ? what : "");
	pthread_mutex_unlock(&p->mu);
}

void
progress_done(struct progress *p)
{
	if (!p->on)
		return;
	if (p->ticking) {
		pthread_mutex_lock(&p->mu);
		p->stop = 1;
		pthread_cond_signal(&p->cv);
		pthread_mutex_unlock(&p->mu);
		pthread_join(p->ticker, NULL);
	}
	log_set_hook(NULL, NULL);
	p->phase[0] = '\0';
	p->drawn = 0;
	refresh(p, 'D');
	if (p->drawn)
		fputc('\n', stderr);
	if (p->fd >= 0) {
		if (p->drawn && !live_others(p, 1))
			unlink(p->path);
		close(p->fd);
	}
	free(p->path);
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->mu);
}
