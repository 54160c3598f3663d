# manifest.bash: hand-made loader files and manifest lines for the tests of
# stage-copy and stage-merge (the same shapes stage-write produces).
#
#   fline LOAD TABLE DISP FILE ROWS COLUMNS [jq-filter]
#     prints a file line; COLUMNS is a JSON array of [name, type] pairs,
#     e.g. '[["id","bigint"],["name","text"]]'; the filter edits the line
#     (e.g. '.primary_key=["id"]' or '.format="jsonl"').
#   eline LOAD FILES ROWS      prints the end line
#   dataset=NAME              the dataset fline uses (default "ds")

dataset=${dataset:-ds}

fline() {
	local load=$1 table=$2 disp=$3 file=$4 rows=$5 cols=$6 filter=${7:-.}
	local sha bytes
	sha=$(sha256sum "$file" | cut -c1-64)
	bytes=$(wc -c <"$file")
	jq -cn --arg load "$load" --arg ds "$dataset" --arg t "$table" \
		--arg disp "$disp" --arg file "$file" --argjson rows "$rows" \
		--argjson cols "$cols" --arg sha "$sha" \
		--argjson bytes "$bytes" '{v:1, load_id:$load, dataset:$ds,
		table:$t, disposition:$disp, primary_key:[], merge_key:[],
		columns: [$cols[] | {name:.[0], type:.[1], nullable:true}],
		file:$file, format:"csv", compression:"none", rows:$rows,
		bytes:$bytes, sha256:$sha,
		file_id: ($t + "." + ($file | split("/") | last)),
		url: ("file://" + $file)}' | jq -c "$filter"
}

eline() {
	jq -cn --arg load "$1" --argjson f "$2" --argjson r "$3" \
		'{v:1, end:true, load_id:$load, files:$f, rows:$r}'
}
