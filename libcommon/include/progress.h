/*
 * progress: the progress display on stderr (stage(7), "Progress").
 *
 * Shown when stderr is a terminal, or always with --progress, never with
 * -q.  Never touches stdout.
 *
 * A pipeline of the four programs shares one terminal, so on a terminal
 * they do not each redraw a line of their own: every program writes its
 * state into a small file shared by the processes of its job (same user,
 * same process group), and only the last live step of the pipeline draws,
 * on one line, the state of every step:
 *
 *   stage: write 5 files, 1.2M rows | put 4/5 files, 90 MB/s | copy 3/5 ...
 *
 * A program alone (or whose stderr is not a terminal, with --progress)
 * draws its own line, "stage-put: 4/5 files, 120 MB, 90 MB/s, ETA 1s".
 * A thread redraws a few times a second, so a long statement (a merge)
 * still shows its time going by.  Messages from log.h clear the line
 * before they print.
 */
#ifndef STAGE_PROGRESS_H
#define STAGE_PROGRESS_H

#include <pthread.h>
#include <stdint.h>

enum progress_mode { PROGRESS_AUTO, PROGRESS_ON, PROGRESS_OFF };

struct progress {
	int on;
	int tty;		/* stderr is a terminal: share the line */
	int role;		/* 0 write, 1 put, 2 copy, 3 merge */
	int fd;			/* the job's shared state file, or -1 */
	char *path;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t ticker;
	int ticking, stop;
	int drawn;		/* this process's line is on the screen */
	double start;
	uint64_t files, rows, bytes;
	uint64_t files_total, bytes_total;	/* 0: unknown */
	char phase[96];		/* what the step is doing, or "" */
};

void progress_init(struct progress *p, enum progress_mode mode);
/* Adds to the totals expected (e.g. as manifest lines arrive). */
void progress_expect(struct progress *p, uint64_t files, uint64_t bytes);
void progress_add(struct progress *p, uint64_t files, uint64_t rows,
    uint64_t bytes);
/* What the step is doing now ("merging 1764...: users"), or NULL. */
void progress_phase(struct progress *p, const char *what);
/* Draws the final state and ends the line. */
void progress_done(struct progress *p);
/* Seconds on a monotonic clock, for timing a step. */
double progress_clock(void);

#endif
