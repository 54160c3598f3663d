/*
 * atomic: a file that appears whole or not at all.  It is written under a
 * hidden temporary name in the same directory, then fsynced and renamed
 * into place (and the directory fsynced).  atomic_abort removes the
 * temporary; temporaries of a process killed mid-way are named
 * ".<name>.stage-tmp.<pid>.XXXXXX" so that nobody mistakes them for
 * output, and atomic_sweep removes them once their process is gone.
 */
#ifndef STAGE_ATOMIC_H
#define STAGE_ATOMIC_H

struct atomic_file {
	char *path;		/* final name */
	char *tmp;		/* temporary name while open */
	int fd;
};

/* -1 with errno set on failure. */
int atomic_open(struct atomic_file *f, const char *path);
int atomic_commit(struct atomic_file *f);
void atomic_abort(struct atomic_file *f);
/* Removes from dir the temporaries of writers that are gone (killed
 * mid-way), never a live one's; returns how many, -1 if dir cannot be
 * read. */
int atomic_sweep(const char *dir);

#endif
