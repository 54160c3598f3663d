/*
 * interrupt: what SIGINT, SIGTERM and SIGHUP do in the programs that talk
 * to a database (stage-copy, stage-merge).  Dying on the signal is not
 * enough: the server would go on running the statement in flight (and
 * holding its locks) until it next writes to the dead client, which a
 * long DELETE or a lock wait may not do for minutes.  So each connection
 * registers a canceller (libpq's PQcancel, which is async-signal-safe),
 * and the handler runs every canceller before the process dies of the
 * signal.  A signal ignored when the program started stays ignored.
 */
#ifndef STAGE_INTERRUPT_H
#define STAGE_INTERRUPT_H

/* Must be async-signal-safe: it runs in the signal handler. */
typedef void interrupt_fn(void *arg);

/* Installs the handlers (once, from main, before any thread starts). */
void interrupt_catch(void);

/* Registers fn(arg) for the handler; returns the slot, or -1 when every
 * slot is taken (the connection then goes without: not fatal). */
int interrupt_add(interrupt_fn *fn, void *arg);

/* Unregisters slot (-1: nothing).  Returns 1 if arg may be freed now, 0
 * if the handler may be running with it (the process is dying: leave it). */
int interrupt_remove(int slot);

#endif
