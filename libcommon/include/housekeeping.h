/*
 * housekeeping: what loads leave behind in a destination, and whether
 * the destination can be reached at all (stage-merge(1): --abandoned,
 * --discard, --prune-after; --check of stage-copy and stage-merge).
 *
 * - An abandoned load is one whose files stage-copy recorded in a
 *   staging dataset's _stage_files and that no merge recorded in the
 *   dataset's _dlt_loads: its staging rows wait for a stage-merge that
 *   may never come.  house_abandoned lists them, house_discard removes
 *   one load's staging rows and file records in one transaction, and
 *   refuses while a stage-copy or stage-merge holds the load.
 * - Pruning: _stage_files keeps one row per copied file, so that a
 *   re-run skips what was copied.  Once a load is merged and older than
 *   the horizon, house_prune replaces its rows by one summary row per
 *   table in _stage_pruned (files, rows): a re-run of its manifest still
 *   finds the load merged and is a no-op (stage-copy skips its files,
 *   stage-merge checks the counts against the summary), never a second
 *   load.
 * - house_check connects as a run would and says as whom, changing
 *   nothing.
 * Each returns an exit status (0, EXIT_FAIL, EXIT_USAGE) after saying
 * what went wrong, except house_prune (0 or -1).
 */
#ifndef STAGE_HOUSEKEEPING_H
#define STAGE_HOUSEKEEPING_H

#include <stdint.h>

#include "dest.h"

/* The default horizon of --prune-after: 30 days, in seconds. */
#define HOUSE_PRUNE_DEFAULT (30 * 86400)

/* One line per abandoned load on stdout: JSON lines when json, else
 * "load_id  dataset  tables  files  rows  age" for a terminal. */
int house_abandoned(const struct dest_conf *c, int json);
/* Discards load_id's staging rows and file records. */
int house_discard(const struct dest_conf *c, const char *load_id);
/* Connects (read-only) and says on stdout whom it reached. */
int house_check(struct dest_conf *c);
/* In d, after its merges: file records of dataset's loads merged more
 * than horizon seconds ago (-1: never) become _stage_pruned rows.  0 or
 * -1 after reporting; a failure changes nothing. */
int house_prune(struct dest *d, const char *dataset, int64_t horizon);
/* Before a merge touches anything: 0 if d knows load l (file records
 * in its staging, a merge, or a pruned summary) or cannot tell, else -1
 * after saying why the manifest cannot merge there: its lines were
 * copied to another destination (copied_to, where -D said label), or
 * never copied ("run stage-copy first"). */
int house_merge_ready(struct dest *d, const struct dload *l,
    const char *copied_to, const char *label);
/* "30d", "12h", "90m", "3600s", "3600", "never": seconds, or -1 for
 * never; -2 for anything else. */
int64_t house_horizon(const char *s);
/* The horizon: opt (--prune-after), else the configuration's
 * stage.prune_after (STAGE__PRUNE_AFTER), else HOUSE_PRUNE_DEFAULT.  0,
 * or -1 after naming the bad value (exit 2). */
int house_prune_after(const char *opt, int64_t *horizon);

#endif
