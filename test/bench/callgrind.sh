#!/usr/bin/env bash
# callgrind.sh - where the shim's cost per call goes: user-space instructions (valgrind's
# callgrind) and system calls (strace), natively vs under the shim, on a few lg_bench cases.
#
#   test/bench/callgrind.sh [options] [BUILD_DIR]             (BUILD_DIR defaults to ./build)
#
# callgrind: lg_bench runs --iterations ops of a case natively and under the shim; only the timed
#   loop is counted (--toggle-collect=lg_bench_timed*), so start-up, set-up and warm-up are not.
#   Added instructions per call = (shim - native) / ops / interposed calls per op (link 1, rename
#   2; the unlink of a link op is not interposed and cancels out). valgrind 3.19 does not know
#   the openat2 system call: it fails with ENOSYS there, so under valgrind the "auto" backend
#   falls back to the walk on every path. The walk (LINKGUARD_RESOLVER=walk) is measured; auto
#   is shown as measured (a failed openat2 attempt + the walk), and the openat2 backend as an
#   estimate: the auto run minus the walk's inclusive cost in it. Start-up: the instructions and
#   system calls /bin/true gains under the shim, and the instructions the spawning parent's
#   interposed posix_spawnp adds (lg_bench --spawn, --toggle-collect=lg_bench_spawn*).
# strace: the system calls between lg_bench's two markers (write(-1, "lg_bench: ...")) over
#   --strace-iterations ops, per op, natively, under the shim and under the walk, and the
#   sequence of one op under the shim. What each of those calls costs on its own comes from
#   lg_bench --syscalls (untraced: a tracer adds ~10 us to every call here, which hides the
#   differences), median of three runs.
#
# Options:
#   --case NAME            a case to measure (repeatable; default: five depth-3/8 cases)
#   --iterations N         ops counted by callgrind (default 2000)
#   --strace-iterations N  ops traced by strace (default 200)
#   --callgrind | --strace only that half                --top N  functions listed (default 15)
#   --tmpdir DIR           where to work (default $TMPDIR or /tmp)
# Environment: LINKGUARD_LIB and LG_BENCH override the paths found in BUILD_DIR.
set -euo pipefail
export LC_ALL=C

src=$(cd "$(dirname "$0")/../.." && pwd)
iterations=2000 strace_iterations=200 do_callgrind=1 do_strace=1 top=15 build=
tmpbase=${TMPDIR:-/tmp}
cases=()

# shellcheck source=test/bench/common.sh
. "$src/test/bench/common.sh"
while [ $# -gt 0 ]; do
	case $1 in
	--case) cases+=("${2:?}") && shift ;;
	--iterations) iterations=${2:?} && shift ;;
	--strace-iterations) strace_iterations=${2:?} && shift ;;
	--callgrind) do_strace=0 ;;
	--strace) do_callgrind=0 ;;
	--top) top=${2:?} && shift ;;
	--tmpdir) tmpbase=${2:?} && shift ;;
	*) other_arg "$1" ;;
	esac
	shift
done
for n in "$iterations" "$strace_iterations" "$top"; do
	[[ $n =~ ^[1-9][0-9]*$ ]] || die "counts must be positive integers, not \"$n\""
done
[ "${#cases[@]}" -gt 0 ] ||
	cases=(link-rel-d3-same rename-rel-d3-same link-abs-d3-diff rename-abs-d3-diff link-rel-d8-same)
build=${build:-$src/build}
lib=${LINKGUARD_LIB:-$build/shim/liblinkguard.so}
bench=${LG_BENCH:-$build/test/bench/lg_bench}
[ -f "$lib" ] || die "no library $lib (build first, or pass the build directory)"
[ -x "$bench" ] || die "no benchmark $bench (build first, or pass the build directory)"
lib=$(realpath "$lib")
bench=$(realpath "$bench")
for c in "${cases[@]}"; do
	"$bench" --list | grep -qx -- "$c" || die "no case \"$c\" (see lg_bench --list)"
done
if [ "$do_callgrind" = 1 ]; then
	command -v valgrind >/dev/null || die "valgrind is not installed"
	command -v callgrind_annotate >/dev/null || die "callgrind_annotate is not installed"
fi
[ "$do_strace" = 0 ] || command -v strace >/dev/null || die "strace is not installed"

work=$(mktemp -d "$tmpbase/lg-callgrind.XXXXXX")
work=$(realpath "$work")
trap 'rm -rf "$work"' EXIT
root=$work/root
mkdir "$root"

calls_per_op() {
	case $1 in
	link-*) echo 1 ;;
	rename-*) echo 2 ;;
	esac
}
# The environment of a mode, one VAR=value a line.
mode_env() {
	case $1 in
	native) ;;
	auto) printf '%s\n' "LD_PRELOAD=$lib" "LINKGUARD_ROOT=$root" ;;
	walk) printf '%s\n' "LD_PRELOAD=$lib" "LINKGUARD_ROOT=$root" LINKGUARD_RESOLVER=walk ;;
	esac
}

# --- callgrind ---
# The number on a "file:function" line of callgrind_annotate for function $2 (0 if absent).
annotate_cost() {
	awk -v fn="$2" '$0 ~ ":" fn " " || $0 ~ ":" fn "$" { gsub(/,/, "", $1); s += $1 } END { print s + 0 }' "$1"
}
callgrind_totals() {
	awk '/^totals:/ { print $2; found = 1 } END { if (!found) print 0 }' "$1"
}
callgrind_one() {
	local c=$1 mode=$2 out=$work/cg.$1.$2
	local -a envs
	mapfile -t envs < <(mode_env "$mode")
	# valgrind's tools are static executables, which the shim (since it checks exec) refuses.
	[ "$mode" = native ] || envs+=(LINKGUARD_STATIC=allow)
	env "${envs[@]}" valgrind --tool=callgrind --callgrind-out-file="$out" \
		--toggle-collect='lg_bench_timed*' "$bench" --dir "$root" --iterations "$iterations" \
		--case "$c" >/dev/null 2>"$out.log" || {
		cat "$out.log" >&2
		die "valgrind failed on $c ($mode)"
	}
	callgrind_annotate --threshold=100 "$out" >"$out.self"
	callgrind_annotate --inclusive=yes --threshold=100 "$out" >"$out.incl"
}

if [ "$do_callgrind" = 1 ]; then
	log "callgrind: ${#cases[@]} cases x native, walk, auto; $iterations ops each"
	for c in "${cases[@]}"; do
		for mode in native walk auto; do
			callgrind_one "$c" "$mode"
		done
	done
	unhandled=$(grep -h -c 'unhandled amd64-linux syscall: 437' "$work"/cg.*.auto.log |
		awk '{ s += $1 } END { print s + 0 }')
	auto_runs=${#cases[@]}
	# Paths resolved in those runs: two per interposed call, warm-up (N/10) included.
	paths=0
	for c in "${cases[@]}"; do
		paths=$((paths + (iterations + iterations / 10) * $(calls_per_op "$c") * 2))
	done

	echo "#### Instructions per call added by the shim (callgrind, user space, $iterations ops)"
	echo
	echo "$(valgrind --version) does not implement \`openat2\` (system call 437): in the"
	echo "${auto_runs} runs with the default backend it reported \`unhandled amd64-linux syscall: 437\`"
	echo "${unhandled} times for ${paths} paths resolved, and returned ENOSYS, so under valgrind the shim"
	echo "falls back to the walk. The figures are therefore for \`LINKGUARD_RESOLVER=walk\`; \"auto\" is what valgrind ran"
	echo "by default (a failed openat2 attempt, then the walk), and \"openat2 ≈\" estimates the"
	echo "openat2 backend as the auto run without the walk's inclusive cost (a successful openat2 ends"
	echo "the resolution there; the kernel's work is not counted either way)."
	echo
	echo "| case | calls/op | native Ir/op | walk Ir/op | walk: added/call | auto: added/call | openat2 ≈ added/call |"
	echo "|---|---:|---:|---:|---:|---:|---:|"
	for c in "${cases[@]}"; do
		k=$(calls_per_op "$c")
		nat=$(callgrind_totals "$work/cg.$c.native")
		walk=$(callgrind_totals "$work/cg.$c.walk")
		auto=$(callgrind_totals "$work/cg.$c.auto")
		walk_in_auto=$(annotate_cost "$work/cg.$c.auto.incl" lg_walk_resolve)
		awk -v c="$c" -v k="$k" -v n="$iterations" -v nat="$nat" -v walk="$walk" -v auto="$auto" \
			-v wia="$walk_in_auto" 'BEGIN {
			printf "| %s | %d | %.0f | %.0f | %.0f | %.0f | %.0f |\n", c, k, nat / n, walk / n,
			    (walk - nat) / n / k, (auto - nat) / n / k, (auto - wia - nat) / n / k
		}'
	done
	first=${cases[0]}
	k=$(calls_per_op "$first")
	for mode in walk auto; do
		echo
		echo "#### Where the instructions go: $first, $mode, self cost per interposed call"
		echo
		echo "(the top $top functions; the native run has $(callgrind_totals "$work/cg.$first.native" |
			awk -v n="$iterations" '{ printf "%.0f", $1 / n }') Ir per op in all)"
		echo
		echo "| function | object | Ir/call |"
		echo "|---|---|---:|"
		# Self cost, summed by function (inlined code is listed by source file too).
		f=$work/cg.$first.$mode.self
		awk '/^-+$/ { dashes++; next } dashes >= 6 && /^ *$/ { exit }
		dashes >= 6 && $1 ~ /^[0-9,]+$/ {
			n = $1; gsub(/,/, "", n)
			line = $0
			sub(/^ *[0-9,]+ +\( *[0-9.]+%\) +/, "", line)
			obj = ""
			if (match(line, / \[[^]]*\]$/)) {
				obj = substr(line, RSTART + 2, RLENGTH - 3)
				sub(/.*\//, "", obj)
				line = substr(line, 1, RSTART - 1)
			}
			sub(/^.*:/, "", line)
			cost[line] += n
			if (obj != "")
				where[line] = obj
		} END { for (f in cost) printf "%d\t%s\t%s\n", cost[f], f, (f in where ? where[f] : "-") }' "$f" |
			sort -t"$(printf '\t')" -k1,1nr >"$f.byfn"
		head -n "$top" "$work/cg.$first.$mode.self.byfn" |
			awk -F'\t' -v n="$iterations" -v k="$k" '{
				printf "| `%s` | %s | %.0f |\n", $2, $3, $1 / n / k
			}'
		echo
		echo "Inclusive, per interposed call, the shim's functions:"
		awk -v n="$iterations" -v k="$k" -v top="$top" '/^-+$/ { dashes++; next }
			dashes >= 6 && /^ *$/ { exit }
			dashes >= 6 && /liblinkguard[^]]*\]$/ && shown < top {
				c = $1; gsub(/,/, "", c)
				f = $0; sub(/ \[[^]]*\]$/, "", f); sub(/^.*:/, "", f)
				if (f in seen)
					next
				seen[f] = 1
				printf "%s`%s` %.0f", shown++ ? "; " : "", f, c / n / k
			} END { print "" }' "$work/cg.$first.$mode.incl"
	done
	echo
	log "callgrind: start-up"
	for mode in native auto; do
		mapfile -t envs < <(mode_env "$mode")
		[ "$mode" = native ] || envs+=(LINKGUARD_STATIC=allow)
		env "${envs[@]}" valgrind --tool=callgrind --callgrind-out-file="$work/cg.true.$mode" \
			/bin/true 2>/dev/null
		env "${envs[@]}" valgrind --tool=callgrind --callgrind-out-file="$work/cg.spawn.$mode" \
			--toggle-collect='lg_bench_spawn*' "$bench" --spawn 20 -- /bin/true >/dev/null 2>&1
	done
	echo "#### Start-up (callgrind)"
	echo
	echo "| | native Ir | shim Ir | added |"
	echo "|---|---:|---:|---:|"
	awk -v a="$(callgrind_totals "$work/cg.true.native")" -v b="$(callgrind_totals "$work/cg.true.auto")" \
		'BEGIN { printf "| `/bin/true`, the whole process (loader included) | %d | %d | %+d |\n", a, b, b - a }'
	awk -v a="$(callgrind_totals "$work/cg.spawn.native")" -v b="$(callgrind_totals "$work/cg.spawn.auto")" \
		'BEGIN { printf "| the parent, per `posix_spawnp` + `wait4` | %.0f | %.0f | %+.0f |\n", a / 20, b / 20, (b - a) / 20 }'
	if command -v strace >/dev/null; then
		strace -o "$work/st.true.native" /bin/true
		strace -o "$work/st.true.auto" -E LD_PRELOAD="$lib" -E LINKGUARD_ROOT="$root" /bin/true
		echo
		echo "System calls \`/bin/true\` gains under the shim: $(
			diff <(sed 's/(.*//' "$work/st.true.native" | sort | uniq -c | awk '{ print $2, $1 }') \
				<(sed 's/(.*//' "$work/st.true.auto" | sort | uniq -c | awk '{ print $2, $1 }') |
				awk '/^< / { a[$2] = $3 } /^> / { b[$2] = $3 } END {
					for (k in b) if (b[k] - a[k] > 0) { printf "%s%s +%d", sep, k, b[k] - a[k]; sep = ", " }
				}'
		) ($(wc -l <"$work/st.true.native") → $(wc -l <"$work/st.true.auto") lines of strace)."
	fi
	echo
fi

# --- strace ---
# The system calls between the markers in trace $1, per op: "name calls errors" a line.
syscalls_of() {
	awk -v n="$2" '
	/lg_bench: timed loop begins/ { on = 1; next }
	/lg_bench: timed loop ends/ { on = 0; next }
	on && match($0, /^[a-z0-9_]+\(/) {
		name = substr($0, 1, RLENGTH - 1)
		calls[name]++
		if ($0 ~ /= -1 E[A-Z]+/)
			errs[name]++
	}
	END {
		for (name in calls)
			printf "%s %.2f %.2f\n", name, calls[name] / n, errs[name] / n
	}' "$1" | sort
}
strace_one() {
	local c=$1 mode=$2 n=$3 out=$4
	local -a envs=() opts=()
	mapfile -t envs < <(mode_env "$mode")
	for e in "${envs[@]}"; do
		opts+=(-E "$e")
	done
	strace -o "$out" "${opts[@]}" "$bench" --dir "$root" --iterations "$n" --warmup 20 \
		--case "$c" >/dev/null
}

if [ "$do_strace" = 1 ]; then
	log "strace: ${#cases[@]} cases x native, auto, walk; $strace_iterations ops each"
	echo "#### System calls per op (strace, $strace_iterations ops)"
	echo
	echo "System calls per op (failed ones in brackets), natively, under the shim (openat2) and under"
	echo "the walk; then the sequence of one op under the shim. What each call costs is in the table"
	echo "after these."
	for c in "${cases[@]}"; do
		for mode in native auto walk; do
			strace_one "$c" "$mode" "$strace_iterations" "$work/st.$c.$mode"
			syscalls_of "$work/st.$c.$mode" "$strace_iterations" >"$work/sc.$c.$mode"
		done
		echo
		echo "##### $c ($(calls_per_op "$c") interposed call(s) per op)"
		echo
		echo "| syscall | native/op | shim/op | walk/op |"
		echo "|---|---:|---:|---:|"
		awk '
		FILENAME ~ /native$/ { m = 1 } FILENAME ~ /auto$/ { m = 2 } FILENAME ~ /walk$/ { m = 3 }
		{ seen[$1] = 1; calls[$1, m] = $2; errs[$1, m] = $3; total[m] += $2 }
		function cell(s, m) {
			if (!((s, m) in calls))
				return "| "
			return sprintf("| %s%s ", calls[s, m], errs[s, m] > 0 ? " (" errs[s, m] ")" : "")
		}
		END {
			for (s in seen)
				printf "| `%s` %s%s%s|\n", s, cell(s, 1), cell(s, 2), cell(s, 3)
			printf "| **total** | **%.2f** | **%.2f** | **%.2f** |\n", total[1], total[2], total[3]
		}' "$work/sc.$c.native" "$work/sc.$c.auto" "$work/sc.$c.walk" | sort -t'|' -k2,2 |
			awk '/\*\*total/ { last = $0; next } { print } END { print last }'
		strace_one "$c" auto 1 "$work/one.$c"
		echo
		echo "One op under the shim:"
		echo
		echo '```'
		sed -n '/timed loop begins/,/timed loop ends/{/lg_bench: timed loop/d;s/ <[0-9.]*>$//;p}' \
			"$work/one.$c"
		echo '```'
	done
	echo
	echo "#### What each of those system calls costs on its own (lg_bench --syscalls, native)"
	echo
	echo "ns per call, median of 3 runs of 20,000 (\"+ close\": the pair, as the shim makes them)."
	echo
	echo "| system call | ns |"
	echo "|---|---:|"
	for r in 1 2 3; do
		"$bench" --dir "$root" --syscalls --iterations 20000 | sed "s/^/$r\t/"
	done | awk -F'\t' '
	function median(list,    a, m, i, j, t) {
		m = split(list, a, " ")
		for (i = 2; i <= m; i++)
			for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) {
				t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
			}
		return m % 2 ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2
	}
	!($2 in v) { order[++n] = $2 }
	{ v[$2] = v[$2] " " $3 }
	END {
		for (i = 1; i <= n; i++)
			if (v[order[i]] ~ /n\/a/)
				printf "| %s | n/a |\n", order[i]
			else
				printf "| %s | %.0f |\n", order[i], median(v[order[i]])
	}'
	walk_case=${cases[0]}
	strace_one "$walk_case" walk 1 "$work/one.walk"
	echo
	echo "One op of $walk_case under the walk (\`LINKGUARD_RESOLVER=walk\`):"
	echo
	echo '```'
	sed -n '/timed loop begins/,/timed loop ends/{/lg_bench: timed loop/d;s/ <[0-9.]*>$//;p}' \
		"$work/one.walk"
	echo '```'
fi
