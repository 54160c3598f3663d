/*
 * loadfile_signals: a program that writes loader files removes their
 * temporaries when SIGINT, SIGTERM or SIGHUP ends it, or when it exits
 * (loadfile.h).
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "loadfile.h"

static void
on_signal(int sig)
{
	loadfile_remove_temps();
	signal(sig, SIG_DFL);
	raise(sig);
}

void
loadfile_catch_signals(void)
{
	struct sigaction sa;
	int sigs[] = { SIGINT, SIGTERM, SIGHUP };

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++) {
		struct sigaction old;
		/* a signal ignored at start stays ignored (a job started
		 * in the background of a non-interactive shell ignores
		 * SIGINT: Ctrl-C in its terminal is not meant for it) */
		if (sigaction(sigs[i], NULL, &old) == 0 &&
		    old.sa_handler == SIG_IGN)
			continue;
		sigaction(sigs[i], &sa, NULL);
	}
	atexit(loadfile_remove_temps);
}
