# kill.bash: the seeded random-instant kill scenario of f16-kill.bats.
#
#   kill_make_manifests K     write the inputs of two rounds of loads with
#                             stage-write, stage them with stage-put on S3
#                             and in a local bucket: K/put.{s3,local}.{1,2};
#                             and what each round must leave: K/want.R.*
#   kill_check_expected K R   the destination holds what round R must leave
#   kill_dump FILE            every final table of the scenario, row for
#                             row, one sorted text line per row
#   kill_clean_reference K W  clean loads: times each step (KILL_T,
#                             KILL_CLEAN), dumps each round's result
#                             (W/ref.R)
#   kill_trials K W N MAX     trials until N kills landed (at most MAX
#                             trials); failures go to W/failures
# Uses dest.bash's DEST, dest_reset, dest_sql and s3.bash's S3_BUCKET; the
# caller sets MERGE_OPTS (stage-merge's options) and seeds RANDOM.  The
# merge strategy (KILL_STRATEGY) is drawn per trial: both must leave the
# same rows.  A destination that cannot run one of them narrows
# KILL_STAGINGS (default "s3 local"), KILL_STRATEGIES (default
# "delete-insert upsert") or KILL_STEPS (default "copy merge"); the draws from RANDOM stay the same, so a
# seed replays the same trials.

KILL_STRATEGY=delete-insert
KILL_STAGINGS=${KILL_STAGINGS:-s3 local}
KILL_STRATEGIES=${KILL_STRATEGIES:-delete-insert upsert}
KILL_STEPS=${KILL_STEPS:-copy merge}

# kill_pick "A B" N: the element N (0 or 1, a draw) of the list, modulo
# its length
kill_pick() {
	local a=($1)
	echo "${a[$(($2 % ${#a[@]}))]}"
}

# The final tables and the columns compared (_dlt_id is random per row).
KILL_TABLES=(
	"ev_a:id,r,amount,at,note,_dlt_load_id"
	"ev_b:id,r,amount,at,note,_dlt_load_id"
	"snap:id,r,label,_dlt_load_id"
	"acc:id,ver,v,deleted,_dlt_load_id"
	"_dlt_loads:load_id,schema_name,status"
)

# kill_records R DIR: round R's NDJSON records.  Events for two tables;
# a snapshot that replaces the last one; accounts where each id comes
# twice (the higher ver must win, whatever the input order) and every
# 13th id's second row is flagged deleted; round 2 overlaps half of
# round 1's ids.
kill_records() {
	local r=$1 d=$2
	awk -v r="$r" 'BEGIN { for (i = 0; i < 24000; i++)
		printf "{\"kind\":\"%s\",\"id\":%d,\"r\":%d,\"amount\":%.2f,\"at\":\"2026-0%d-1%dT10:%02d:%02dZ\",\"note\":\"n%d-%d\"}\n",
			(i % 2) ? "ev_a" : "ev_b", r * 100000 + i, r, i * 1.25,
			r, i % 10, i % 60, (i * 7) % 60, r, i }' >"$d/ev.$r.ndjson"
	awk -v r="$r" 'BEGIN { for (i = 0; i < 12000; i++)
		printf "{\"id\":%d,\"r\":%d,\"label\":\"s%d-%d\"}\n",
			i + r * 1000, r, r, i }' >"$d/snap.$r.ndjson"
	awk -v r="$r" 'BEGIN { b = (r - 1) * 8000
		for (i = 0; i < 16000; i++) for (c = 0; c < 2; c++)
			printf "{\"id\":%d,\"ver\":%d,\"v\":\"a%d-%d-%d\",\"deleted\":%s}\n",
				b + i, r * 100 + (b + i + c) % 2, r, b + i, c,
				((b + i) % 13 == 0 && c == 1) ? "true" : "null" }' \
		>"$d/acc.$r.ndjson"
}

# kill_expect K R: what round R leaves, from the records alone.
kill_expect() {
	local k=$1 r=$2 t n
	for t in ev_a ev_b; do
		for n in $(seq "$r"); do
			jq -r --arg t "$t" 'select(.kind == $t) | "\(.id)|\(.r)|\(.note)"' \
				"$k/ev.$n.ndjson"
		done | sort -n >"$k/want.$r.$t"
	done
	jq -r '"\(.id)|\(.r)|\(.label)"' "$k/snap.$r.ndjson" | sort -n >"$k/want.$r.snap"
	for n in $(seq "$r"); do
		jq -r '"\(.id) \(.ver) \(.v) \(.deleted)"' "$k/acc.$n.ndjson"
		echo "round-end"
	done | awk '
		$1 == "round-end" { for (id in ver) if (del[id] == "true")
				delete fin[id]; else fin[id] = id "|" ver[id] "|" v[id]
			split("", ver); split("", v); split("", del); next }
		!($1 in ver) || $2 > ver[$1] { ver[$1] = $2; v[$1] = $3; del[$1] = $4 }
		END { for (id in fin) print fin[id] }' | sort -n >"$k/want.$r.acc"
}

kill_make_manifests() {
	local k=$1 r
	mkdir -p "$k/files"
	for r in 1 2; do
		kill_records "$r" "$k"
		stage-write -q --table-field kind --dataset ds \
			--load-id "170000000$r.000001" -f csv -z gzip \
			--max-rows 4000 -d "$k/files" "$k/ev.$r.ndjson" >"$k/write.$r"
		stage-write -q -t snap --dataset ds --disposition replace \
			--load-id "170000000$r.000002" -f jsonl -z zstd \
			--max-rows 5000 -d "$k/files" "$k/snap.$r.ndjson" >>"$k/write.$r"
		stage-write -q -t acc --dataset ds --disposition merge \
			--primary-key id --load-id "170000000$r.000003" -f csv \
			--max-rows 10000 -d "$k/files" "$k/acc.$r.ndjson" >>"$k/write.$r"
		stage-put -q -b "s3://$S3_BUCKET/kill" "$k/write.$r" >"$k/put.s3.$r"
		stage-put -q -b "$k/bucket" "$k/write.$r" >"$k/put.local.$r"
		kill_expect "$k" "$r"
	done
}

kill_check_expected() {
	local k=$1 r=$2 t
	for t in ev_a ev_b; do
		dest_sql "SELECT id, r, note FROM ds.$t ORDER BY id" | diff - "$k/want.$r.$t"
	done
	dest_sql 'SELECT id, r, label FROM ds.snap ORDER BY id' | diff - "$k/want.$r.snap"
	dest_sql 'SELECT id, ver, v FROM ds.acc ORDER BY id' | diff - "$k/want.$r.acc"
	[ "$(dest_sql 'SELECT count(*) FROM ds._dlt_loads WHERE status = 0')" = $((3 * r)) ]
}

# One query (one client start) for all tables: each row as one text
# line "table|col|col…", NULL as ~ (the columns quoted and qualified:
# "at" is a keyword in Snowflake, and fakesnow unquotes it).
kill_dump_sql() {
	local spec t cols c sql= sel
	for spec in "${KILL_TABLES[@]}"; do
		t=${spec%%:*}
		cols=${spec#*:}
		sel="'$t'"
		for c in ${cols//,/ }; do
			sel="$sel || '|' || coalesce(CAST(d.\"$c\" AS TEXT), '~')"
		done
		sql="${sql:+$sql UNION ALL }SELECT $sel AS x FROM ds.$t AS d"
	done
	echo "$sql ORDER BY 1"
}

kill_dump() {
	dest_sql "$(kill_dump_sql)" >"$1"
}

# now_us: the wall clock in microseconds.
now_us() {
	local t=$EPOCHREALTIME
	echo $(( ${t%.*} * 1000000 + 10#${t#*.} ))
}

us_s() {
	printf '%d.%06d' $(($1 / 1000000)) $(($1 % 1000000))
}

# kill_steps: the commands of the two steps (KILL_STEP_copy and
# KILL_STEP_merge) with this trial's strategy; arrays, not functions,
# because kill_at needs the programs themselves as its children.
kill_steps() {
	KILL_STEP_copy=(stage-copy -q -j 2 -D "$DEST")
	KILL_STEP_merge=(stage-merge -q -D "$DEST" "${MERGE_OPTS[@]}"
		--strategy "$KILL_STRATEGY")
}
kill_copy() { "${KILL_STEP_copy[@]}" "$1"; }
kill_merge() { "${KILL_STEP_merge[@]}" "$1"; }

# kill_clean_reference K W: two clean passes over both stagings (the
# first merging with delete-insert, the second with upsert); the
# fastest time of each step is its duration (KILL_T, the kill window:
# other work on a shared machine slows runs down, never speeds them up),
# the slowest its clean time (KILL_CLEAN, what re-runs are held to); all
# four clean results of a round must agree.
kill_clean_reference() {
	local k=$1 w=$2 st r t0 t1 t2 key
	declare -gA KILL_T=() KILL_CLEAN=()
	for KILL_STRATEGY in $KILL_STRATEGIES; do
		kill_steps
		for st in $KILL_STAGINGS; do
			dest_reset
			for r in 1 2; do
				t0=$(now_us)
				kill_copy "$k/put.$st.$r" >"$w/clean.c"
				t1=$(now_us)
				kill_merge "$w/clean.c" >"$w/clean.m"
				t2=$(now_us)
				[ "$(tail -1 "$w/clean.m" | jq -r .end)" = true ]
				kill_clean_time "$st.$r.copy" $((t1 - t0))
				kill_clean_time "$st.$r.merge" $((t2 - t1))
				kill_dump "$w/clean.$r"
				if [ -f "$w/ref.$r" ]; then
					diff "$w/ref.$r" "$w/clean.$r"
				else
					mv "$w/clean.$r" "$w/ref.$r"
				fi
			done
		done
	done
	for key in "${!KILL_T[@]}"; do
		echo "# clean $key: $(us_s "${KILL_T[$key]}")-$(us_s "${KILL_CLEAN[$key]}") s" >&3
	done
}

kill_clean_time() {
	local key=$1 us=$2
	[ "${KILL_T[$key]:-$us}" -lt "$us" ] || KILL_T[$key]=$us
	[ "${KILL_CLEAN[$key]:-0}" -ge "$us" ] || KILL_CLEAN[$key]=$us
}

# kill_at US PROGRAM ARGS...: runs PROGRAM, SIGKILLs it US microseconds
# after its start if it is still running; KILL_HIT=1 if the kill landed.
kill_at() {
	local us=$1 st=0
	shift
	# in a subshell whose stderr takes bash's "Killed" job notice
	( "$@" >/dev/null 2>&1 &
	  pid=$!
	  sleep "$(us_s "$us")"
	  kill -KILL "$pid" 2>/dev/null || :
	  wait "$pid" ) 2>/dev/null || st=$?
	KILL_HIT=0
	[ "$st" -ne 137 ] || KILL_HIT=1
}

# kill_draw MAX: KILL_AT uniform in [0, MAX) microseconds, from 30
# random bits.  Not in a $(…) subshell: bash reseeds RANDOM there, and
# the seed would not replay the run.
kill_draw() {
	KILL_AT=$(( ($1 * ((RANDOM << 15) | RANDOM)) >> 30 ))
}

# kill_rerun W STEP MANIFEST: the recovery after a killed STEP, 120 s at
# most; sets KILL_RC and KILL_US (its wall time).
kill_rerun() {
	local w=$1 step=$2 m=$3 t0
	t0=$(now_us)
	KILL_RC=0
	if [ "$step" = copy ]; then
		( set -o pipefail
		  timeout 120 "${KILL_STEP_copy[@]}" "$m" 2>"$w/rerun.err" |
		  timeout 120 "${KILL_STEP_merge[@]}" \
			>"$w/rerun.out" 2>>"$w/rerun.err" ) || KILL_RC=$?
	else
		timeout 120 "${KILL_STEP_merge[@]}" "$m" \
			>"$w/rerun.out" 2>"$w/rerun.err" || KILL_RC=$?
	fi
	KILL_US=$(( $(now_us) - t0 ))
}

# kill_round K W TRIAL ST R: one round of a trial: a kill, the re-run,
# the checks.  Returns 1 (after writing W/failures) when a check failed.
kill_round() {
	local k=$1 w=$2 st=$4 r=$5 step m i=$((RANDOM % 2))
	step=$(kill_pick "$KILL_STEPS" "$i")
	local -n cmd=KILL_STEP_$step
	kill_draw "${KILL_T[$st.$r.$step]}"
	KILL_WHAT="trial $3 ($st staging, $KILL_STRATEGY) round $r: SIGKILL"
	KILL_WHAT+=" of stage-$step at $(us_s "$KILL_AT") s"
	KILL_WHAT+=" of its $(us_s "${KILL_T[$st.$r.$step]}") s"
	m=$k/put.$st.$r
	if [ "$step" = merge ]; then
		kill_copied "$m" "$w/copied" "$st.$r" "$w" || return 1
		m=$w/copied
	fi
	kill_at "$KILL_AT" "${cmd[@]}" "$m"
	kill_count "$step" "$st"
	kill_rerun "$w" "$step" "$m"
	kill_check "$w" "$r" "$(kill_base "$step" "$st.$r")"
}

# kill_copied PUT OUT KEY W: the clean copy before a killed merge; a
# faster one than the reference's narrows the copy's window.
kill_copied() {
	local t0
	t0=$(now_us)
	kill_copy "$1" >"$2" 2>"$4/rerun.err" || {
		echo "$KILL_WHAT: the clean stage-copy before it failed:" >>"$4/failures"
		cat "$4/rerun.err" >>"$4/failures"
		return 1
	}
	kill_clean_time "$3.copy" $(( $(now_us) - t0 ))
}

kill_count() {
	KILL_DRAWN=$((KILL_DRAWN + 1))
	KILL_LANDED=$((KILL_LANDED + KILL_HIT))
	[ "$1" = merge ] || KILL_COPY=$((KILL_COPY + KILL_HIT))
	[ "$1" = copy ] || KILL_MERGE=$((KILL_MERGE + KILL_HIT))
	[ "$2" = local ] || KILL_S3=$((KILL_S3 + KILL_HIT))
	[ "$KILL_HIT" = 1 ] || KILL_WHAT="$KILL_WHAT (it had ended)"
}

# kill_base STEP KEY: the clean time of what the re-run does.
kill_base() {
	if [ "$1" = copy ]; then
		echo $(( KILL_CLEAN[$2.copy] + KILL_CLEAN[$2.merge] ))
	else
		echo "${KILL_CLEAN[$2.merge]}"
	fi
}

# kill_check W R BASE: the re-run ended well, in time, and left what the
# clean load of round R left.
kill_check() {
	local w=$1 r=$2 base=$3 bound f=$1/failures
	bound=$(( base * 5 > base + 3000000 ? base * 5 : base + 3000000 ))
	[ "$KILL_US" -le "$KILL_WORST_US" ] || {
		KILL_WORST_US=$KILL_US
		KILL_WORST="$(us_s "$KILL_US") s (clean $(us_s "$base") s; $KILL_WHAT)"
	}
	if [ "$KILL_RC" -ne 0 ] ||
	    [ "$(tail -1 "$w/rerun.out" | jq -r .end 2>/dev/null)" != true ]; then
		echo "$KILL_WHAT: the re-run exited $KILL_RC without its end line:" >>"$f"
		cat "$w/rerun.err" >>"$f"
		return 1
	fi
	[ "$KILL_US" -le "$bound" ] || echo "$KILL_WHAT: the re-run took" \
		"$(us_s "$KILL_US") s, over $(us_s "$bound") s (clean $(us_s "$base") s)" >>"$f"
	kill_dump "$w/got" 2>"$w/dump.err" || :
	cmp -s "$w/ref.$r" "$w/got" && return 0
	echo "$KILL_WHAT: the final tables differ from the clean load's" \
		"(< clean, > after the re-run):" >>"$f"
	cat "$w/dump.err" >>"$f"
	diff "$w/ref.$r" "$w/got" | head -10 >>"$f"
	return 1
}

kill_trials() {
	local k=$1 w=$2 want=$3 max=$4 trial=0 st r i
	KILL_LANDED=0 KILL_DRAWN=0 KILL_COPY=0 KILL_MERGE=0 KILL_S3=0
	KILL_WORST_US=0 KILL_WORST=none
	: >"$w/failures"
	while [ "$KILL_LANDED" -lt "$want" ] && [ "$trial" -lt "$max" ]; do
		trial=$((trial + 1))
		i=$((RANDOM % 2))
		st=$(kill_pick "$KILL_STAGINGS" "$i")
		i=$((RANDOM % 2))
		KILL_STRATEGY=$(kill_pick "$KILL_STRATEGIES" "$i")
		kill_steps
		dest_reset
		for r in 1 2; do
			kill_round "$k" "$w" "$trial" "$st" "$r" || break
		done
	done
}
