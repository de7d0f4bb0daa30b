#!/usr/bin/env bash
# smoke.sh - CTest's bench.smoke: lg_bench runs every case, natively and under the shim, and
# prints a line for each. Only that: timings are not checked here (run.sh measures them).
#   smoke.sh LG_BENCH PRELOAD    (PRELOAD: liblinkguard.so, or "libasan.so:liblinkguard.so")
set -euo pipefail

bench=$1
preload=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

expected=$("$bench" --list)
[ -n "$expected" ] || { echo "lg_bench --list printed nothing" >&2; exit 1; }

# run LABEL [ENV...]: lg_bench with 50 iterations; every case once, "name number", in order.
run() {
	local label=$1 out
	shift
	out=$(env "$@" "$bench" --dir "$dir" --iterations 50)
	if ! diff <(echo "$expected") <(awk '$2 ~ /^[0-9.]+$/ { print $1 }' <<<"$out"); then
		echo "$label: lg_bench did not print exactly one timing per case:" >&2
		echo "$out" >&2
		exit 1
	fi
	echo "ok - $label: $(wc -l <<<"$out") cases"
}

run native
# Under the shim the benchmarked symbols must come from the library, or nothing was measured.
shim_env=(LD_PRELOAD="$preload" LINKGUARD_ROOT="$dir")
lib=${preload##*:}
if ! env "${shim_env[@]}" "$bench" --which | grep -q "^link $lib\$"; then
	echo "under LD_PRELOAD, link() does not come from $lib:" >&2
	env "${shim_env[@]}" "$bench" --which >&2
	exit 1
fi
run shim "${shim_env[@]}"
run shim-walk "${shim_env[@]}" LINKGUARD_RESOLVER=walk
# run.sh's shim ratios: --paired prints "case call-ns raw-ns ratio" for every case; natively both
# sides are the same calls.
out=$(env "${shim_env[@]}" "$bench" --dir "$dir" --paired --iterations 50 --batch 10)
if ! diff <(echo "$expected") <(awk 'NF == 4 && $2 > 0 && $3 > 0 && $4 > 0 { print $1 }' <<<"$out"); then
	echo "lg_bench --paired did not print \"case call-ns raw-ns ratio\" for every case:" >&2
	echo "$out" >&2
	exit 1
fi
echo "ok - shim, paired: $(wc -l <<<"$out") cases"
# run.sh's kernel-layer ratios: two lg_bench --lockstep taking turns, each printing its batches
# (a lost turn would hang both: timeout).
mkfifo "$dir/.a" "$dir/.b"
timeout 60 "$bench" --dir "$dir" --lockstep "$dir/.a" "$dir/.b" --first --iterations 50 --batch 10 \
	--case link-rel-d3-same --case rename-abs-d1-diff >"$dir/.first" &
out=$(timeout 60 env "${shim_env[@]}" "$bench" --dir "$dir" --lockstep "$dir/.b" "$dir/.a" --iterations 50 \
	--batch 10 --case link-rel-d3-same --case rename-abs-d1-diff)
wait $!
for side in "$out" "$(cat "$dir/.first")"; do
	if ! diff <(printf 'link-rel-d3-same 5\nrename-abs-d1-diff 5\n') <(awk '{ print $1, NF - 1 }' <<<"$side"); then
		echo "lg_bench --lockstep did not print five batches a case on each side:" >&2
		echo "$side" >&2
		exit 1
	fi
done
# and the start-up's: spawns in turns, "spawn TOTAL/OWN..." a batch on each side.
timeout 60 "$bench" --spawn 20 --batch 10 --lockstep "$dir/.a" "$dir/.b" --first -- true >"$dir/.first" &
out=$(timeout 60 env "${shim_env[@]}" "$bench" --spawn 20 --batch 10 --lockstep "$dir/.b" "$dir/.a" -- true)
wait $!
for side in "$out" "$(cat "$dir/.first")"; do
	if ! [[ $side =~ ^spawn(\ [0-9]+/[0-9]+){3}$ ]]; then
		echo "lg_bench --spawn --lockstep did not print three \"TOTAL/OWN\" batches on each side:" >&2
		echo "$side" >&2
		exit 1
	fi
done
rm -f "$dir/.a" "$dir/.b" "$dir/.first"
echo "ok - lockstep, native beside the shim: 2 cases, and spawns"
# run.sh times programs with --spawn: one number pair a run.
if ! env "${shim_env[@]}" "$bench" --spawn 2 -- true | grep -Eq '^[0-9]+ [0-9]+ [0-9]+$'; then
	echo "lg_bench --spawn 2 -- true did not print \"wall-ns cpu-ns parent-cpu-ns\"" >&2
	exit 1
fi
# run.sh times the children's start-up with --child-starts: a line of three percentiles a mode,
# the modes in the order given ("-" for none).
out=$(LINKGUARD_ROOT="$dir" "$bench" --child-starts 10 -- "" "$preload")
if ! diff <(printf -- '- N\n%s N\n' "$preload") <(awk '$2 ~ /^[0-9]+$/ && $3 >= $2 && $4 >= $3 { print $1, "N" }' <<<"$out"); then
	echo "lg_bench --child-starts 10 did not print \"PRELOAD p10 p25 p50\" for each mode:" >&2
	echo "$out" >&2
	exit 1
fi
# The tree is gone again.
if [ -n "$(ls -A "$dir")" ]; then
	echo "lg_bench left files in $dir: $(ls -A "$dir")" >&2
	exit 1
fi
