#!/usr/bin/env bats
# Exactly once (doc/DESIGN.md): stage-copy and stage-merge killed with SIGKILL
# at random instants over several loads, each failed step re-run; the
# final tables must equal the expected result row for row: nothing lost,
# nothing duplicated.  And a server crash in the middle of a COPY.
# Runs against STAGE_TEST_DEST (helpers/dest.bash).

load helpers/dest-scenario.bash

# gen_load N: load N's files: ev (append) gets 3 files of fresh events,
# acc (merge on id) gets 2 files updating a window of ids, with repeats
# inside the load (the later row must win).
gen_load() {
	local n=$1 f
	for f in 1 2 3; do
		awk -v n="$n" -v f="$f" 'BEGIN { print "id,load,payload";
			for (i = 0; i < 20000; i++)
				printf "%d,%d,p%d-%d\n", n*1000000 + f*100000 + i, n, n, i }' \
			>"$W/ev.$n.$f.csv"
		fline "L$n" ev append "$W/ev.$n.$f.csv" 20000 \
			'[["id","bigint"],["load","bigint"],["payload","text"]]'
	done
	for f in 1 2; do
		awk -v n="$n" -v f="$f" 'BEGIN { print "id,v";
			for (i = 0; i < 15000; i++)
				printf "%d,%d\n", n*5000 + i, n*100 + f }' \
			>"$W/acc.$n.$f.csv"
		fline "L$n" acc merge "$W/acc.$n.$f.csv" 15000 \
			'[["id","bigint"],["v","bigint"]]' '.primary_key=["id"]'
	done
	eline "L$n" 5 90000
}

# expected acc: the last v per id over all loads, in input order
expected_acc() {
	local n f
	for n in "$@"; do for f in 1 2; do tail -n +2 "$W/acc.$n.$f.csv"; done; done |
		awk -F, '{ v[$1] = $2 } END { for (k in v) print k "|" v[k] }' | sort -n
}

expected_ev() {
	local n f
	for n in "$@"; do for f in 1 2 3; do tail -n +2 "$W/ev.$n.$f.csv"; done; done |
		tr , '|' | sort -n
}

# killed MAX CMD...: runs CMD in the background, SIGKILLs it after a
# random 0-MAX s (if it is still running), waits for it.
killed() {
	local max=$1; shift
	"$@" &
	local pid=$!
	sleep "$(awk -v r="$RANDOM" -v m="$max" 'BEGIN { printf "%.3f", m * r / 32768 }')"
	kill -KILL "$pid" 2>/dev/null || :
	local st=0
	wait "$pid" 2>/dev/null || st=$?
	# 128 + SIGKILL: the kill landed before the program ended
	[ "$st" -ne 137 ] || kills=$((kills + 1))
}

@test "SIGKILL of stage-copy and stage-merge at random instants loses and duplicates nothing" {
	# kills land at random instants within 80% of what an uninterrupted
	# copy and merge of a load take here (into another dataset), so that
	# most land whatever the machine's speed
	dataset=warm gen_load 0 >"$W/m0"
	t0=$(date +%s%N)
	stage-copy -q -j 2 -D "$DEST" "$W/m0" >"$W/c0"
	t1=$(date +%s%N)
	stage-merge -q -D "$DEST" "$W/c0" >/dev/null
	t2=$(date +%s%N)
	copy_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", 0.8 * (b - a) / 1e9 }')
	merge_s=$(awk -v a="$t1" -v b="$t2" 'BEGIN { printf "%.3f", 0.8 * (b - a) / 1e9 }')
	echo "# kill windows: copy $copy_s s, merge $merge_s s" >&3
	kills=0 merge_kills="1 2" least=6 drawn=16
	if [ "$STAGE_TEST_DEST" = snowflake ]; then
		merge_kills= least=3 drawn=8
	fi
	for n in 1 2 3 4; do
		gen_load "$n" >"$W/m$n"
		for k in 1 2; do
			killed "$copy_s" stage-copy -q -j 2 -D "$DEST" "$W/m$n" >/dev/null
		done
		stage-copy -q -j 2 -D "$DEST" "$W/m$n" >"$W/c$n"
		[ "$(grep -c '"copied"' "$W/c$n")" -eq 5 ]
		# Snowflake: stage-merge is not killed ($SF_DETACHED)
		for k in $merge_kills; do
			killed "$merge_s" stage-merge -q -D "$DEST" "$W/c$n" >/dev/null
		done
		run stage-merge -D "$DEST" "$W/c$n"
		echo "$output" | grep -v '^{' || :
		[ "$status" -eq 0 ]
		[ "$(tail -1 <<<"$output" | jq -r .end)" = true ]
	done
	echo "# $kills of $drawn kills landed" >&3
	[ "$kills" -ge "$least" ]
	[ "$(dest_sql 'SELECT count(*) FROM ds._dlt_loads')" = 4 ]
	[ "$(dest_sql 'SELECT count(*) FROM ds_staging.ev')" = 0 ]
	[ "$(dest_sql 'SELECT count(*) FROM ds_staging.acc')" = 0 ]
	dest_sql 'SELECT id, load, payload FROM ds.ev ORDER BY id' >"$W/ev.got"
	expected_ev 1 2 3 4 >"$W/ev.want"
	cmp "$W/ev.got" "$W/ev.want"
	dest_sql 'SELECT id, v FROM ds.acc ORDER BY id' >"$W/acc.got"
	expected_acc 1 2 3 4 >"$W/acc.want"
	cmp "$W/acc.got" "$W/acc.want"
}

@test "a server crash in the middle of a COPY fails the file, and a re-run loads it once" {
	[ "$STAGE_TEST_DEST" = postgres ] || skip "no server to crash"
	awk 'BEGIN { print "id,load,payload";
		for (i = 0; i < 600000; i++) printf "%d,1,some payload text %d\n", i, i }' >"$W/big.csv"
	{ fline L1 ev append "$W/big.csv" 600000 '[["id","bigint"],["load","bigint"],["payload","text"]]'
	  eline L1 1 600000; } >"$W/m"
	stage-copy -D "$DEST" "$W/m" >"$W/out1" 2>"$W/err1" &
	pid=$!
	# restart once the COPY is under way
	for i in $(seq 100); do
		[ "$(dest_sql "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'COPY %'" 2>/dev/null)" = 1 ] && break
		sleep 0.02
	done
	dest_restart
	run wait "$pid"
	[ "$status" -eq 1 ]
	! grep -q '"copied"' "$W/out1"
	run stage-copy -D "$DEST" "$W/m"
	[ "$status" -eq 0 ]
	[ "$(dest_sql 'SELECT count(*), count(DISTINCT id) FROM ds_staging.ev')" = '600000|600000' ]
}

@test "two loads side by side on one dataset: each copies and merges only its own rows" {
	gen_load 1 >"$W/m1"
	gen_load 2 >"$W/m2"
	{ stage-copy -q -j 2 -D "$DEST" "$W/m1" | stage-merge -q -D "$DEST" >"$W/o1"; } &
	p1=$!
	{ stage-copy -q -j 2 -D "$DEST" "$W/m2" | stage-merge -q -D "$DEST" >"$W/o2"; } &
	p2=$!
	st1=0
	wait "$p1" || st1=$?
	wait "$p2"
	[ "$(tail -1 "$W/o2" | jq -r .end)" = true ]
	# acc (a merge table): the loads overlap on ids 10000-14999.  Loads
	# of a table commit in load_id order (stage-merge(1)): L1 first and
	# L2 wins there, or L2 first and L1, older, is refused whole (exit
	# 1) and stays staged
	first=$(dest_sql 'SELECT load_id FROM ds._dlt_loads ORDER BY inserted_at LIMIT 1')
	echo "# committed first: $first" >&3
	if [ "$st1" -eq 0 ]; then
		[ "$first" = L1 ]
		[ "$(tail -1 "$W/o1" | jq -r .end)" = true ]
		[ "$(dest_sql 'SELECT count(*) FROM ds._dlt_loads')" = 2 ]
		[ "$(dest_sql 'SELECT count(*) FROM ds_staging.ev')" = 0 ]
		loads="1 2"
	else
		[ "$st1" -eq 1 ]
		[ "$first" = L2 ]
		[ ! -s "$W/o1" ]
		[ "$(dest_sql 'SELECT count(*) FROM ds._dlt_loads')" = 1 ]
		loads=2
	fi
	dest_sql 'SELECT id, load, payload FROM ds.ev ORDER BY id' >"$W/ev.got"
	expected_ev $loads >"$W/ev.want"
	cmp "$W/ev.got" "$W/ev.want"
	dest_sql 'SELECT id, v FROM ds.acc ORDER BY id' >"$W/acc.got"
	expected_acc $loads >"$W/acc.want"
	cmp "$W/acc.got" "$W/acc.want"
}
