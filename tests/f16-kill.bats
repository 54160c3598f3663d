#!/usr/bin/env bats
# Exactly once under SIGKILL at seeded random instants (issue 16, "Proof").
#
# Two rounds of loads, the second on top of the first, each round three
# loads in one manifest stream: append (two tables, by --table-field),
# replace, and merge on a primary key with dedup (--dedup-sort) and hard
# delete (--hard-delete), by delete-insert or upsert; several files per
# table, csv/jsonl, gzip/zstd/none, staged on S3 (the JuiceFS gateway) or
# in a local bucket.  Each trial starts from an empty destination and,
# in each round, SIGKILLs stage-copy (then re-runs stage-copy |
# stage-merge) or stage-merge (then re-runs stage-merge) at an instant
# drawn uniformly over the step's measured duration.  After each round
# every final table must equal the clean load's row for row, and each
# re-run must take no more than max(5 x clean, clean + 3 s).
#
#   STAGE_KILL_SEED=N       replay a run (the seed is printed)
#   STAGE_KILL_INSTANTS=N   kills that must land (default 50, so with
#                           the SQLite twin 100 a run; 10 on Snowflake;
#                           a trial draws two instants, at most 2N are
#                           drawn)
# Runs against STAGE_TEST_DEST (helpers/dest.bash); f16-kill.sqlite.bats
# is this file against SQLite.

load helpers/dest-scenario.bash
load helpers/s3.bash
load helpers/kill.bash

MERGE_OPTS=(--dedup-sort ver:desc --hard-delete deleted)
CLEAN_RUNS="s3:delete-insert local:upsert"
KILLS=50
if [ "$STAGE_TEST_DEST" = snowflake ]; then
	# fakesnow 0.12.1 reads no s3:// and fails --strategy upsert's MERGE
	# inside a transaction, and a killed stage-merge's transaction stays
	# open there ($SF_BUCKET, $SF_UPSERT, $SF_DETACHED in
	# helpers/dest-snowflake.bash): stage-copy killed, local staging (PUT
	# and COPY), delete-insert
	KILL_STAGINGS=local KILL_STRATEGIES=delete-insert KILL_STEPS=copy
	CLEAN_RUNS=local:delete-insert
	# a trial there takes some 20-40 s (fakesnow answers slowly): 10
	# kills keep make check's time (20 took 534 s on a loaded machine)
	KILLS=10
fi

setup_file() {
	dest_start
	s3_start
	kill_make_manifests "$BATS_FILE_TMPDIR/k"
}

teardown_file() {
	s3_stop
	dest_stop
}

@test "clean loads of the kill scenario land the rows the inputs say" {
	K=$BATS_FILE_TMPDIR/k
	for run in $CLEAN_RUNS; do
		st=${run%:*}
		dest_reset
		for r in 1 2; do
			stage-copy -q -j 2 -D "$DEST" "$K/put.$st.$r" |
				stage-merge -q -D "$DEST" "${MERGE_OPTS[@]}" \
				--strategy "${run#*:}" >"$W/out"
			[ "$(tail -1 "$W/out" | jq -r .end)" = true ]
			kill_check_expected "$K" "$r"
		done
	done
}

@test "SIGKILL of stage-copy and stage-merge at seeded random instants: re-runs finish the loads exactly once, in bounded time" {
	K=$BATS_FILE_TMPDIR/k
	seed=${STAGE_KILL_SEED:-$(( $(od -An -N2 -tu2 /dev/urandom) ))}
	want=${STAGE_KILL_INSTANTS:-$KILLS}
	echo "# seed $seed (replay: STAGE_KILL_SEED=$seed), $want kills to land" >&3
	kill_clean_reference "$K" "$W"
	RANDOM=$seed
	# two instants a trial; instants after the step ended do not count
	kill_trials "$K" "$W" "$want" "$want"
	echo "# $KILL_LANDED kills landed in $KILL_DRAWN instants ($KILL_COPY copy, $KILL_MERGE merge; $KILL_S3 on s3 staging); slowest re-run ${KILL_WORST}" >&3
	if [ -s "$W/failures" ]; then
		echo "seed $seed: replay with STAGE_KILL_SEED=$seed"
		cat "$W/failures"
		false
	fi
	[ "$KILL_LANDED" -ge "$want" ] || {
		echo "only $KILL_LANDED of $KILL_DRAWN kills landed before the step ended"
		false
	}
}
