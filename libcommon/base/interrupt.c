/*
 * interrupt: a fixed table of cancellers read by the signal handler.
 * Slots are C11 atomics (lock-free pointers, so safe to read in a
 * handler); a connection of any thread adds and removes its own.  The
 * handler marks itself running before it reads the table and interrupt_
 * remove clears a slot before it reads the mark, so (sequentially
 * consistent) either the handler no longer sees the slot or the remover
 * sees the handler and does not free what it may be using.
 */
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <string.h>

#include "interrupt.h"

#define SLOTS 512

static _Atomic(interrupt_fn *) slot_fn[SLOTS];
static _Atomic(void *) slot_arg[SLOTS];
static atomic_int running;

static void
on_signal(int sig)
{
	atomic_store(&running, 1);
	for (size_t i = 0; i < SLOTS; i++) {
		interrupt_fn *fn = atomic_load(&slot_fn[i]);
		if (fn)
			fn(atomic_load(&slot_arg[i]));
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

void
interrupt_catch(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa, old;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++)
		if (sigaction(sigs[i], NULL, &old) == 0 &&
		    old.sa_handler != SIG_IGN)
			sigaction(sigs[i], &sa, NULL);
}

int
interrupt_add(interrupt_fn *fn, void *arg)
{
	for (int i = 0; i < SLOTS; i++) {
		void *none = NULL;

		/* arg claims the slot; fn then makes it live */
		if (!atomic_compare_exchange_strong(&slot_arg[i], &none, arg))
			continue;
		atomic_store(&slot_fn[i], fn);
		return i;
	}
	return -1;
}

int
interrupt_remove(int slot)
{
	if (slot < 0 || slot >= SLOTS)
		return 1;
	atomic_store(&slot_fn[slot], NULL);
	if (atomic_load(&running))
		return 0;
	atomic_store(&slot_arg[slot], NULL);
	return 1;
}
