/*
 * sfput_tmp: stage-copy's temporary directories for the files it PUTs
 * to a Snowflake stage (sfput.h).  Each is TMPDIR/stage-sfput.<pid>.XXXXXX
 * and its process removes it; one that a killed process left (kill -9
 * gives no chance) is removed by the next process that makes one, once
 * kill(pid, 0) says its owner is gone.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "buf.h"
#include "sfput.h"

#define PREFIX "stage-sfput."

/* The owner's pid from a name stage-sfput.<pid>.XXXXXX, or 0. */
static pid_t
owner(const char *name)
{
	char *end;
	long pid;

	if (strncmp(name, PREFIX, sizeof PREFIX - 1) != 0)
		return 0;
	errno = 0;
	pid = strtol(name + sizeof PREFIX - 1, &end, 10);
	if (errno || pid <= 0 || *end != '.' || strlen(end) != 7)
		return 0;
	return (pid_t)pid;
}

/* Removes dir's files (stage-copy puts no directories there) and dir. */
static void
remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	struct buf p = BUF_INIT;

	if (!d)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		buf_reset(&p);
		buf_printf(&p, "%s/%s", dir, e->d_name);
		unlink(p.p);
	}
	closedir(d);
	rmdir(dir);
	buf_free(&p);
}

static void
sweep(const char *tmp)
{
	DIR *d = opendir(tmp);
	struct dirent *e;
	struct buf p = BUF_INIT;
	pid_t pid;

	if (!d)
		return;
	while ((e = readdir(d)) != NULL) {
		if (!(pid = owner(e->d_name)) || pid == getpid() ||
		    kill(pid, 0) == 0 || errno != ESRCH)
			continue;
		buf_reset(&p);
		buf_printf(&p, "%s/%s", tmp, e->d_name);
		remove_dir(p.p);
	}
	closedir(d);
	buf_free(&p);
}

int
sfput_tmpdir(char *dir, size_t cap, int dry)
{
	const char *tmp = getenv("TMPDIR");

	if (!tmp || !*tmp)
		tmp = "/tmp";
	if ((size_t)snprintf(dir, cap, "%s/" PREFIX "%ld.XXXXXX", tmp,
	    (long)getpid()) >= cap) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (dry)
		return 0;
	sweep(tmp);
	return mkdtemp(dir) ? 0 : -1;
}
