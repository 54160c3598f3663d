/*
 * progress: a single stderr line rewritten in place with '\r'.
 */
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "progress.h"

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void
progress_init(struct progress *p, enum progress_mode mode)
{
	*p = (struct progress){ 0 };
	p->on = mode == PROGRESS_ON ||
	    (mode == PROGRESS_AUTO && isatty(2));
	if (log_get_level() == LOG_QUIET)
		p->on = 0;
	p->start = p->last = now();
}

void
progress_expect(struct progress *p, uint64_t files, uint64_t bytes)
{
	p->files_total += files;
	p->bytes_total += bytes;
}

static void
human(char *out, size_t n, double v, const char *unit)
{
	static const char *const pre[] = { "", "k", "M", "G", "T" };
	int i = 0;

	while (v >= 1000 && i < 4) {
		v /= 1000;
		i++;
	}
	snprintf(out, n, i ? "%.1f %s%s" : "%.0f %s%s", v, pre[i], unit);
}

static void
draw(struct progress *p, double t)
{
	double el = t - p->start > 1e-3 ? t - p->start : 1e-3;
	char bytes[32], rate[32], eta[32] = "";

	human(bytes, sizeof bytes, (double)p->bytes, "B");
	human(rate, sizeof rate, (double)p->bytes / el, "B/s");
	if (p->bytes_total > p->bytes && p->bytes > 0)
		snprintf(eta, sizeof eta, ", ETA %.0fs",
		    (double)(p->bytes_total - p->bytes) * el / (double)p->bytes);
	if (p->files_total)
		fprintf(stderr, "\r%s: %llu/%llu files, %llu rows, %s, %s%s\033[K",
		    log_prog(), (unsigned long long)p->files,
		    (unsigned long long)p->files_total,
		    (unsigned long long)p->rows, bytes, rate, eta);
	else
		fprintf(stderr, "\r%s: %llu files, %llu rows, %s, %s\033[K",
		    log_prog(), (unsigned long long)p->files,
		    (unsigned long long)p->rows, bytes, rate);
	p->drawn = 1;
	p->last = t;
}

void
progress_add(struct progress *p, uint64_t files, uint64_t rows,
    uint64_t bytes)
{
	double t;

	p->files += files;
	p->rows += rows;
	p->bytes += bytes;
	if (!p->on)
		return;
	t = now();
	if (t - p->last >= 0.1)
		draw(p, t);
}

void
progress_done(struct progress *p)
{
	if (!p->on)
		return;
	draw(p, now());
	fputc('\n', stderr);
}
