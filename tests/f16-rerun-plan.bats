#!/usr/bin/env bats
# A merge killed mid-way leaves the final table with dead rows, and the
# statistics autovacuum then takes (0 live rows in many pages) made the
# re-run's DELETE plan a nested loop over 200k x 200k rows: minutes for
# what a clean merge does in a second.  stage-merge plans on true sizes
# (man stage-merge, merge disposition): each re-run here must take no
# more than a few times the clean run.  PostgreSQL only: SQLite has no
# such statistics.

bats_require_minimum_version 1.5.0
STAGE_TEST_DEST=postgres
load helpers/dest-scenario.bash

N=200000

setup() {
	scenario_setup
	# load 1: ids 1..N; load 2: ids N/2+1..N*3/2, half of them new
	seq 1 $N | awk '{ printf "{\"id\":%d,\"name\":\"a%d\",\"v\":%d}\n", $1, $1, $1 }' >"$W/r1"
	seq $((N / 2 + 1)) $((N * 3 / 2)) | awk '{ printf "{\"id\":%d,\"name\":\"b%d\",\"v\":%d}\n", $1, $1, 2 * $1 }' >"$W/r2"
}

# write DATASET LOAD RECORDS: stage-write and stage-copy, the copied
# manifest in $W/c.DATASET.LOAD
write() {
	stage-write -q -t t --dataset "$1" --disposition merge --primary-key id \
		--load-id "$2" -d "$W/f.$1.$2" <"$3" |
		stage-copy -q -D "$DEST" >"$W/c.$1.$2"
}

# secs CMD...: runs CMD (at most 120 s), prints the seconds it took
secs() {
	local t0 t1
	t0=$(date +%s.%N)
	timeout 120 "$@" >/dev/null
	t1=$(date +%s.%N)
	echo "$t1 - $t0" | bc
}

# killed_mid_insert MANIFEST: stage-merge SIGKILLed while its INSERT
# runs; returns once the server has rolled its transaction back
killed_mid_insert() {
	stage-merge -q -D "$DEST" "$1" >/dev/null 3>&- &
	local pid=$! i
	for i in $(seq 600); do
		[ "$(dest_sql "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'INSERT INTO \"ds\".\"t\"%' AND state = 'active'")" = 1 ] && break
		sleep 0.01
	done
	kill -KILL "$pid"
	wait "$pid" || :
	until [ "$(dest_sql "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'INSERT INTO \"ds\".\"t\"%'")" = 0 ]; do
		sleep 0.1
	done
}

# within A B: A seconds are at most 4 times B plus 3 s
within() {
	echo "# re-run ${1}s, clean run ${2}s" >&3
	[ "$(echo "$1 <= 4 * $2 + 3" | bc)" = 1 ]
}

@test "the re-run of a killed merge (200k rows onto 200k) takes no more than a few times a clean merge" {
	write clean 1764900000.1 "$W/r1"
	write clean 1764900000.2 "$W/r2"
	write ds 1764900000.1 "$W/r1"
	write ds 1764900000.2 "$W/r2"
	clean1=$(secs stage-merge -q -D "$DEST" "$W/c.clean.1764900000.1")
	clean2=$(secs stage-merge -q -D "$DEST" "$W/c.clean.1764900000.2")

	# the first load killed mid-insert: 0 live rows in its pages, which
	# is what autovacuum then records (ANALYZE stands in for it here)
	killed_mid_insert "$W/c.ds.1764900000.1"
	# (a first merge makes the table in its own transaction: killed, it
	# may leave none)
	[ -z "$(dest_sql "SELECT to_regclass('ds.t')")" ] || dest_sql 'ANALYZE ds.t'
	again1=$(secs stage-merge -q -D "$DEST" "$W/c.ds.1764900000.1")
	within "$again1" "$clean1"
	# the second, 200k rows onto 200k, on the statistics left behind
	again2=$(secs stage-merge -q -D "$DEST" "$W/c.ds.1764900000.2")
	within "$again2" "$clean2"
	[ "$(dest_sql "SELECT count(*) FROM ds._dlt_loads")" = 2 ]
	[ "$(dest_sql 'SELECT id, name, v FROM ds.t EXCEPT SELECT id, name, v FROM clean.t')" = "" ]
	[ "$(dest_sql 'SELECT count(*) FROM ds.t')" = $((N * 3 / 2)) ]
}

@test "a merge killed mid-way onto 200k rows: its re-run takes no more than a few times a clean merge" {
	write clean 1764900000.1 "$W/r1"
	write clean 1764900000.2 "$W/r2"
	write ds 1764900000.1 "$W/r1"
	write ds 1764900000.2 "$W/r2"
	stage-merge -q -D "$DEST" "$W/c.clean.1764900000.1" >/dev/null
	clean2=$(secs stage-merge -q -D "$DEST" "$W/c.clean.1764900000.2")
	stage-merge -q -D "$DEST" "$W/c.ds.1764900000.1" >/dev/null
	killed_mid_insert "$W/c.ds.1764900000.2"
	dest_sql 'ANALYZE ds.t'
	again2=$(secs stage-merge -q -D "$DEST" "$W/c.ds.1764900000.2")
	within "$again2" "$clean2"
	[ "$(dest_sql 'SELECT id, name, v FROM ds.t EXCEPT SELECT id, name, v FROM clean.t')" = "" ]
	[ "$(dest_sql 'SELECT count(*) FROM ds.t')" = $((N * 3 / 2)) ]
}
