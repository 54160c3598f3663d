/*
 * progress: the one-line progress display on stderr (DESIGN.md).
 *
 * Shown when stderr is a terminal, or always with --progress, never with
 * -q; redrawn at most ten times a second; counts files, rows and bytes,
 * with the rate and, when the totals are known, an ETA.  Never touches
 * stdout.  Callers with threads serialize their calls.
 */
#ifndef STAGE_PROGRESS_H
#define STAGE_PROGRESS_H

#include <stdint.h>

enum progress_mode { PROGRESS_AUTO, PROGRESS_ON, PROGRESS_OFF };

struct progress {
	int on;
	double start, last;
	uint64_t files, rows, bytes;
	uint64_t files_total, bytes_total;	/* 0: unknown */
	int drawn;
};

void progress_init(struct progress *p, enum progress_mode mode);
/* Adds to the totals expected (e.g. as manifest lines arrive). */
void progress_expect(struct progress *p, uint64_t files, uint64_t bytes);
void progress_add(struct progress *p, uint64_t files, uint64_t rows,
    uint64_t bytes);
/* Draws the final state and ends the line. */
void progress_done(struct progress *p);

#endif
