/* Unit tests of atomic_sweep: the temporaries of dead writers go, those of
 * live ones (this process, another live process, a dead pid whose file a
 * live process holds a lock on) and everything else stay. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "atomic.h"
#include "tap.h"

static char dir[] = "/tmp/atomic_sweep.XXXXXX";

static void
touch(const char *name)
{
	char p[256];
	int fd;

	snprintf(p, sizeof p, "%s/%s", dir, name);
	if ((fd = open(p, O_WRONLY | O_CREAT, 0644)) >= 0)
		close(fd);
}

static int
exists(const char *name)
{
	char p[256];

	snprintf(p, sizeof p, "%s/%s", dir, name);
	return access(p, F_OK) == 0;
}

/* A pid that names no process any more. */
static long
dead_pid(void)
{
	pid_t c = fork();

	if (c == 0)
		_exit(0);
	waitpid(c, NULL, 0);
	return (long)c;
}

/* A child that holds a write lock on name (or just lives, name NULL)
 * until killed; returns its pid once the lock is held. */
static pid_t
holder(const char *name)
{
	int p[2];
	char c;
	pid_t pid;

	if (pipe(p) < 0)
		return -1;
	if ((pid = fork()) == 0) {
		if (name) {
			char path[256];
			struct flock l = { 0 };
			snprintf(path, sizeof path, "%s/%s", dir, name);
			int fd = open(path, O_WRONLY);
			l.l_type = F_WRLCK;
			l.l_whence = SEEK_SET;
			fcntl(fd, F_SETLK, &l);
		}
		(void)write(p[1], "x", 1);
		pause();
		_exit(0);
	}
	close(p[1]);
	(void)read(p[0], &c, 1);
	close(p[0]);
	return pid;
}

int
main(void)
{
	char dead[96], mine[96], live[96], locked[96], cmd[300];
	pid_t live_pid, lock_pid;

	if (!mkdtemp(dir))
		return 1;
	snprintf(dead, sizeof dead, ".t.L1.0001.csv.stage-tmp.%ld.aB3xY9",
	    dead_pid());
	snprintf(mine, sizeof mine, ".t.L1.0002.csv.stage-tmp.%ld.aB3xY9",
	    (long)getpid());
	live_pid = holder(NULL);
	snprintf(live, sizeof live, ".t.L1.0003.csv.stage-tmp.%ld.aB3xY9",
	    (long)live_pid);
	snprintf(locked, sizeof locked, ".t.L1.0004.csv.stage-tmp.%ld.aB3xY9",
	    dead_pid());
	touch(dead);
	touch(mine);
	touch(live);
	touch(locked);
	lock_pid = holder(locked);
	touch(".t.L1.0005.csv.stage-tmp.aB3xY9");	/* no pid: not ours */
	touch("t.L1.0006.csv");
	touch(".t.csv.stage-tmp.1x.aB3xY9");

	ok(atomic_sweep(dir) == 1, "one temporary removed");
	ok(!exists(dead), "a dead writer's temporary is removed");
	ok(exists(mine), "this process's temporary stays");
	ok(exists(live), "a live process's temporary stays");
	ok(exists(locked), "a temporary locked by a live process stays");
	ok(exists(".t.L1.0005.csv.stage-tmp.aB3xY9") &&
	    exists("t.L1.0006.csv") && exists(".t.csv.stage-tmp.1x.aB3xY9"),
	    "other names stay");
	kill(lock_pid, SIGKILL);
	waitpid(lock_pid, NULL, 0);
	ok(atomic_sweep(dir) == 1 && !exists(locked),
	    "once the lock holder is gone the temporary goes");
	kill(live_pid, SIGKILL);
	waitpid(live_pid, NULL, 0);
	ok(atomic_sweep(dir) == 1 && !exists(live),
	    "once its process is gone the temporary goes");
	ok(atomic_sweep("/nonexistent/dir") == 0, "a missing directory is 0");
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		return 1;
	return tap_done();
}
