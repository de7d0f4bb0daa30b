#!/usr/bin/env bash
# run.sh - linkguard's benchmarks: the shim's cost natively vs under LD_PRELOAD, as a Markdown
# table ready for the README.
#
#   test/bench/run.sh [--quick] [options] [BUILD_DIR]      (BUILD_DIR defaults to ./build)
#
# 1. lg_bench, every case (or those matching --cases), natively, under the shim (openat2 backend,
#    "auto"), under the shim with LINKGUARD_RESOLVER=walk, and under the launcher with its kernel
#    layer (Landlock + seccomp, "kernel"; where the kernel has Landlock), also with the walk
#    ("kwalk"). The runs of one case follow each other, in a rotating order, for each of --rounds
#    rounds. The shim's and the walk's runs are lg_bench --paired: in one process, batches through
#    the shim alternate with batches of the raw system calls, and their ratio is that run's; the
#    shown ratio is the median over the rounds. The kernel layer can not be left within a process:
#    its runs are lg_bench --lockstep beside a native lg_bench, the two taking turns batch by
#    batch on one CPU, and a round's ratio is the median of the ratios of neighbouring batches.
#    Everything but the whole build runs on one CPU (taskset, where there is one): on a virtual
#    machine one CPU can be slower than another for minutes.
# 2. Whole programs, native vs shim (median of --program-rounds runs, alternated): `cp -al` of a
#    tree of --files files, and `tar -x` of an archive of --tar-files entries, half of them hard
#    links (the file creations, which the shim does not touch, dominate it).
# 3. Start-up: a parent spawning /bin/true (posix_spawnp + wait4), the parent and its children
#    with an empty preload library (the loader's own floor), with the shim, and under the
#    launcher's kernel layer, each beside a native one taking turns in batches of 10 spawns
#    (lg_bench --spawn --lockstep), --starts spawns a side, for --start-rounds rounds. What a mode
#    adds is the median of the differences of neighbouring batches; what the shim adds is compared
#    with what the empty library adds (target: at most 1.5 times; under the kernel layer, what
#    linkguard and its layer add together). Then the children alone, natively, with the empty
#    library and with the shim, one spawn of each in turn (lg_bench --child-starts): their 10th
#    percentile plus the parent's exec check from the rounds gives the same ratio a second way.
# 4. A whole build: cmake + ninja of this project's sources (copied into the root), natively, under
#    the shim and under the launcher (kernel layer), --build-rounds times each (target: 1.05).
# Times are CPU time (user + system; for programs, the child's from wait4 plus the spawning
# parent's) unless --clock wall: other processes on a busy machine stretch elapsed time, not CPU
# time. Progress goes to stderr, the tables to stdout. The defaults took about 3 minutes on a
# loaded 2-core machine (--quick: about 1).
#
# Options:
#   --quick              fewer rounds, iterations, files and starts (about 1 minute)
#   --rounds R           lg_bench rounds (default 5)        --iterations N  ops a run (2000)
#   --cases REGEX        only the lg_bench cases matching REGEX (grep -E)
#   --program-rounds R   runs of each whole program (7)     --files F       cp -al tree (20000)
#   --tar-files F        tar archive entries (6000)         --clock cpu|wall (cpu)
#   --starts S           /bin/true starts a round (200)     --start-rounds R rounds (7)
#   --build-rounds R     whole builds of each mode (3; 0: none)
#   --no-programs        skip 2, 3 and 4                    --tmpdir DIR    where to work ($TMPDIR)
# Environment: LINKGUARD_LIB, LINKGUARD_BIN, LG_BENCH and LG_BENCH_EMPTY override the paths found
# in BUILD_DIR.
set -euo pipefail
export LC_ALL=C

src=$(cd "$(dirname "$0")/../.." && pwd)
rounds=5 iterations=2000 cases_re='' program_rounds=7 files=20000 tar_files=6000 starts=200
start_rounds=7 programs=1 tmpbase=${TMPDIR:-/tmp} build='' clock=cpu build_rounds=3

# shellcheck source=test/bench/common.sh
. "$src/test/bench/common.sh"
while [ $# -gt 0 ]; do
	case $1 in
	--quick) rounds=3 iterations=1000 files=5000 tar_files=2000 starts=100 start_rounds=5 build_rounds=1 ;;
	--build-rounds) build_rounds=${2:?} && shift ;;
	--rounds) rounds=${2:?} && shift ;;
	--iterations) iterations=${2:?} && shift ;;
	--cases) cases_re=${2:?} && shift ;;
	--program-rounds) program_rounds=${2:?} && shift ;;
	--files) files=${2:?} && shift ;;
	--tar-files) tar_files=${2:?} && shift ;;
	--clock) clock=${2:?} && shift ;;
	--starts) starts=${2:?} && shift ;;
	--start-rounds) start_rounds=${2:?} && shift ;;
	--no-programs) programs=0 ;;
	--tmpdir) tmpbase=${2:?} && shift ;;
	*) other_arg "$1" ;;
	esac
	shift
done
[ "$clock" = cpu ] || [ "$clock" = wall ] || die "--clock is cpu or wall, not \"$clock\""
for n in "$rounds" "$iterations" "$program_rounds" "$files" "$tar_files" "$starts" "$start_rounds"; do
	[[ $n =~ ^[1-9][0-9]*$ ]] || die "counts must be positive integers, not \"$n\""
done
[[ $build_rounds =~ ^[0-9]+$ ]] || die "--build-rounds takes a whole number, not \"$build_rounds\""
build=${build:-$src/build}
lib=${LINKGUARD_LIB:-$build/shim/liblinkguard.so}
bench=${LG_BENCH:-$build/test/bench/lg_bench}
launcher=${LINKGUARD_BIN:-$build/shim/linkguard}
empty=${LG_BENCH_EMPTY:-$build/test/bench/liblg_bench_empty.so}
[ -f "$lib" ] || die "no library $lib (build first, or pass the build directory)"
[ -x "$bench" ] || die "no benchmark $bench (build first, or pass the build directory)"
[ -x "$launcher" ] || die "no launcher $launcher (build first, or pass the build directory)"
[ -f "$empty" ] || die "no empty preload library $empty (build first, or pass the build directory)"
lib=$(realpath "$lib")
bench=$(realpath "$bench")
launcher=$(realpath "$launcher")
empty=$(realpath "$empty")

work=$(mktemp -d "$tmpbase/lg-bench.XXXXXX")
work=$(realpath "$work")
trap 'rm -rf "$work"' EXIT
mkdir "$work/root"
root=$work/root # the shim's root; lg_bench and the programs work in it
results=$work/results
: >"$results"

# Run a command in a mode: native, auto (the shim), walk (the shim's portable walk), empty (an
# empty preload library), kernel (the launcher: the shim and its Landlock + seccomp layer) or
# kwalk (the launcher, its library on the walk).
in_mode() {
	local mode=$1
	shift
	case $mode in
	native) "$@" ;;
	auto) env LD_PRELOAD="$lib" LINKGUARD_ROOT="$root" "$@" ;;
	walk) env LD_PRELOAD="$lib" LINKGUARD_ROOT="$root" LINKGUARD_RESOLVER=walk "$@" ;;
	empty) env LD_PRELOAD="$empty" "$@" ;;
	kernel) "$launcher" --root "$root" -- "$@" ;; # the default: the layer, quiet (probed below)
	kwalk) env LINKGUARD_RESOLVER=walk "$launcher" --root "$root" -- "$@" ;;
	esac
}

# rotated R MODE...: the modes, rotated by R, so that none always runs first.
rotated() {
	local r=$1
	shift
	local m=("$@") n=$# i
	for ((i = 0; i < n; i++)); do
		printf '%s ' "${m[$(((i + r) % n))]}"
	done
}

# The kernel layer is measured only where the launcher can put it in force.
kernel_mode=kernel kwalk_mode=kwalk
if ! "$launcher" --kernel --root "$root" -- true 2>/dev/null; then
	echo "run.sh: the launcher's kernel layer is not available here; its columns stay empty" >&2
	kernel_mode='' kwalk_mode=''
fi
micro_modes="native auto walk $kernel_mode $kwalk_mode"
prog_modes="native auto walk $kernel_mode"
start_modes="empty auto $kernel_mode"
build_modes="native auto $kernel_mode"


# Seconds per run of a command run n times in a mode (wall or CPU, as --clock says): MODE N CMD...
# Its stderr must stay empty (a shim run must not print any denial).
seconds_of() {
	local mode=$1 n=$2 out
	shift 2
	out=$(in_mode "$mode" "$bench" --spawn "$n" -- "$@" 2>"$work/stderr") || {
		cat "$work/stderr" >&2
		die "failed ($mode): $*"
	}
	if [ -s "$work/stderr" ]; then
		log "unexpected output ($mode) from: $*"
		cat "$work/stderr" >&2
		exit 1
	fi
	awk -v clock="$clock" '{ printf "%.9f %.9f\n", (clock == "wall" ? $1 : $2) / 1e9, $3 / 1e9 }' <<<"$out"
}

# --- checks: the shim is really in place, and the cases exist ---
if ! in_mode auto "$bench" --which | grep -q "^link $lib\$"; then
	in_mode auto "$bench" --which >&2
	die "under LD_PRELOAD, link() does not come from $lib"
fi
mapfile -t cases < <("$bench" --list | grep -E -- "${cases_re:-.}" || true)
[ "${#cases[@]}" -gt 0 ] || die "no case matches \"$cases_re\" (see lg_bench --list)"

# The commit of the tree the library was built in (a git checkout), when the run starts.
libsrc=$(dirname "$lib")
commit=$(git -C "$libsrc" rev-parse --short HEAD 2>/dev/null || echo "?")
if [ "$commit" != "?" ] &&
	[ -n "$(cd "$libsrc" && git status --porcelain -- "$(git rev-parse --show-toplevel)/resolver" \
		"$(git rev-parse --show-toplevel)/shim" 2>/dev/null)" ]; then
	commit="$commit + uncommitted changes in resolver/ or shim/"
fi
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
started=$EPOCHREALTIME

# The median of v[1..n] (sorted in place), for the lockstep summaries below.
awk_median='function median(v, n,    i, j, t) {
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && v[j - 1] > v[j]; j--) {
			t = v[j]; v[j] = v[j - 1]; v[j - 1] = t
		}
	return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
}'

# lockstep_pair MODE ARG...: lg_bench ARG... in MODE and natively, taking turns (--lockstep); their
# batches into $work/lockstep-native and $work/lockstep-mode. MODE must print nothing on stderr.
lockstep_pair() {
	local mode=$1 a=$root/.lockstep-a b=$root/.lockstep-b
	shift
	rm -f "$a" "$b"
	mkfifo "$a" "$b"
	"$bench" --lockstep "$a" "$b" --first "$@" >"$work/lockstep-native" &
	in_mode "$mode" "$bench" --lockstep "$b" "$a" "$@" >"$work/lockstep-mode" 2>"$work/stderr" ||
		{ cat "$work/stderr" >&2; die "lockstep ($mode) failed: $*"; }
	wait $! || die "lockstep (native) failed: $*"
	rm -f "$a" "$b"
	[ ! -s "$work/stderr" ] || { cat "$work/stderr" >&2; die "unexpected output ($mode): $*"; }
}

# lockstep MODE CASE: lg_bench in MODE and a native one taking turns, one batch each; prints
# "NS NATIVE-NS RATIO": MODE's and native's medians a batch, and the median of the ratios of each
# MODE batch to the native batches before and after it (as lg_bench --paired prints its own).
lockstep() {
	lockstep_pair "$1" --dir "$root" --iterations "$iterations" --clock "$clock" --case "$2"
	awk "$awk_median"'
	NR == FNR { for (i = 2; i <= NF; i++) nat[i - 1] = $i; nn = NF - 1; next }
	{
		for (i = 2; i <= NF; i++) {
			m[++nm] = $i
			r[++nr] = $i / nat[i - 1]
			if (i < NF)
				r[++nr] = $i / nat[i]
		}
		for (i = 1; i <= nn; i++) n2[i] = nat[i]
		printf "%.1f %.1f %.4f\n", median(m, nm), median(n2, nn), median(r, nr)
	}' "$work/lockstep-native" "$work/lockstep-mode"
}

# spawn_lockstep MODE: lg_bench spawning /bin/true in MODE and a native one, taking turns, one batch
# of 10 spawns each; prints "ADD ADD-PARENT NATIVE NATIVE-PARENT" in seconds a spawn: the median
# differences of each MODE batch from the native batches before and after it (all CPU time, and
# the spawning process's own part), and the native medians.
spawn_lockstep() {
	lockstep_pair "$1" --spawn "$starts" --batch 10 -- /bin/true
	awk "$awk_median"'
	NR == FNR { for (i = 2; i <= NF; i++) { split($i, x, "/"); nt[i - 1] = x[1]; np[i - 1] = x[2] }
		nn = NF - 1; next }
	{
		for (i = 2; i <= NF; i++) {
			split($i, x, "/")
			for (k = i - 1; k <= i && k <= nn; k++) {
				dt[++nd] = x[1] - nt[k]
				dp[nd] = x[2] - np[k]
			}
		}
		for (i = 1; i <= nn; i++) { a[i] = nt[i]; b[i] = np[i] }
		printf "%.9f %.9f %.9f %.9f\n", median(dt, nd) / 1e9, median(dp, nd) / 1e9,
			median(a, nn) / 1e9, median(b, nn) / 1e9
	}' "$work/lockstep-native" "$work/lockstep-mode"
}

# One CPU for all but the whole build (both sides of a lockstep on it), where taskset can say so.
cpus_allowed=$(taskset -pc $$ 2>/dev/null | sed -n 's/.*: //p')
cpu=${cpus_allowed%%[,-]*}
[ -z "$cpu" ] || taskset -pc "$cpu" $$ >/dev/null || cpu=''
[ -n "$cpu" ] || log "no taskset: lg_bench runs on any CPU, and a lockstep's two sides may differ"

# --- 1. lg_bench: one line "micro MODE CASE ROUND NS" per run, and for a paired or a lockstep
# run also "paired MODE CASE ROUND RATIO RAW-OR-NATIVE-NS" ---
log "lg_bench: ${#cases[@]} cases x modes ($micro_modes) x $rounds rounds, $iterations ops each"
for ((r = 0; r < rounds; r++)); do
	for i in "${!cases[@]}"; do
		c=${cases[$i]}
		# shellcheck disable=SC2086 # the list is words
		for mode in $(rotated $((r + i)) $micro_modes); do
			case $mode in
			native) out=$(in_mode native "$bench" --dir "$root" --iterations "$iterations" \
				--clock "$clock" --case "$c") ;;
			auto | walk) out=$(in_mode "$mode" "$bench" --dir "$root" --paired \
				--iterations "$iterations" --clock "$clock" --case "$c") ;;
			*) out="$c $(lockstep "$mode" "$c")" ;;
			esac
			echo "$mode $r $out" | awk '{ print "micro", $1, $3, $2, $4 }
				NF == 6 { print "paired", $1, $3, $2, $6, $5 }' >>"$results"
		done
	done
	log "  round $((r + 1))/$rounds done"
done

# --- 2. whole programs ---
if [ "$programs" = 1 ]; then
	log "whole programs: making a tree of $files files"
	per_dir=200
	dirs=$(((files + per_dir - 1) / per_dir))
	mkdir "$root/tree"
	for ((d = 0; d < dirs; d++)); do
		n=$((files - d * per_dir < per_dir ? files - d * per_dir : per_dir))
		mkdir "$root/tree/d$d"
		(cd "$root/tree/d$d" && seq -f "f%g" 1 "$n" | xargs touch)
	done
	# The archive: tar_files/2 files, each stored twice (the second name a hard link entry).
	mkdir -p "$root/pairs/a"
	for ((d = 0; d * per_dir < tar_files / 2; d++)); do
		n=$((tar_files / 2 - d * per_dir < per_dir ? tar_files / 2 - d * per_dir : per_dir))
		mkdir "$root/pairs/a/d$d"
		(cd "$root/pairs/a/d$d" && seq -f "f%g" 1 "$n" | xargs touch)
	done
	cp -al "$root/pairs/a" "$root/pairs/b"
	tar -C "$root" -cf "$work/pairs.tar" pairs
	rm -rf "$root/pairs"
	sync
	links_in_tar=$(tar -tvf "$work/pairs.tar" | grep -c ' link to ' || true)
	entries_in_tar=$(tar -tf "$work/pairs.tar" | grep -vc '/$' || true)

	log "whole programs: cp -al and tar -x, $program_rounds rounds"
	for ((r = 0; r < program_rounds; r++)); do
		# shellcheck disable=SC2086 # the list is words
		for mode in $(rotated "$r" $prog_modes); do
			sync # the previous run's deletions are not written back during this one
			s=$(cd "$root" && seconds_of "$mode" 1 cp -al tree copy | cut -d' ' -f1)
			[ "$(find "$root/copy" -type f | wc -l)" = "$files" ] || die "cp -al copied too little"
			echo "prog $mode cp $r $s" >>"$results"
			rm -rf "$root/copy"
			mkdir "$root/x"
			sync
			s=$(cd "$root/x" && seconds_of "$mode" 1 tar -xf "$work/pairs.tar" | cut -d' ' -f1)
			echo "prog $mode tar $r $s" >>"$results"
			rm -rf "$root/x"
		done
	done
	rm -rf "$root/tree"

	# --- 3. start-up ---
	log "start-up: $starts runs of /bin/true a side, $start_rounds rounds"
	for ((r = 0; r < start_rounds; r++)); do
		native=''
		# shellcheck disable=SC2086 # the list is words
		for mode in $(rotated "$r" $start_modes); do
			read -r add add_parent at at_parent < <(spawn_lockstep "$mode")
			# As absolute figures the report turns back into differences: the round's
			# native level (from its first pair) plus what each mode adds.
			if [ -z "$native" ]; then
				native=$at native_parent=$at_parent
				echo "start native true $r $native" >>"$results"
				echo "start native parent $r $native_parent" >>"$results"
			fi
			awk -v m="$mode" -v r="$r" -v n="$native" -v np="$native_parent" -v a="$add" \
				-v ap="$add_parent" 'BEGIN { printf "start %s true %s %.9f\nstart %s parent %s %.9f\n",
				m, r, n + a, m, r, np + ap }' >>"$results"
		done
	done
	# The children alone, every spawn interleaved (lg_bench not preloaded; a confined parent
	# would hand the child its root and user namespace): low percentiles of their CPU time.
	log "start-up, the children alone: $((starts * start_rounds)) interleaved spawns of each"
	LINKGUARD_ROOT="$root" LINKGUARD_USERNS="$(readlink /proc/self/ns/user)" \
		"$bench" --child-starts "$((starts * start_rounds))" -- "" "$empty" "$lib" |
		awk -v lib="$lib" -v empty="$empty" \
			'{ m = $1 == "-" ? "native" : $1 == lib ? "auto" : $1 == empty ? "empty" : "?"
			   print "child", m, $2 / 1e9, $3 / 1e9, $4 / 1e9 }' >>"$results"
fi

# The build alone runs on every CPU it may.
[ -z "$cpu" ] || taskset -pc "$cpus_allowed" $$ >/dev/null

# --- 4. a whole build of this project ---
if [ "$programs" = 1 ] && [ "$build_rounds" -gt 0 ]; then
	command -v cmake >/dev/null && command -v ninja >/dev/null ||
		die "the whole-build benchmark needs cmake and ninja (--build-rounds 0 skips it)"
	log "whole build: cmake + ninja of this project, $build_rounds rounds"
	mkdir -p "$root/src" "$root/tmp"
	tar -C "$src" --exclude='./build*' --exclude='./.git' -cf - . | tar -C "$root/src" -xf -
	for ((r = 0; r < build_rounds; r++)); do
		# shellcheck disable=SC2086 # the list is words
		for mode in $(rotated "$r" $build_modes); do
			rm -rf "$root/bld"
			sync
			s=$(TMPDIR="$root/tmp" seconds_of "$mode" 1 sh -c \
				'cmake -S "$1/src" -B "$1/bld" -G Ninja >/dev/null && ninja -C "$1/bld" >/dev/null' \
				sh "$root" | cut -d' ' -f1)
			[ -f "$root/bld/shim/liblinkguard.so" ] || die "the whole build ($mode) built nothing"
			echo "prog $mode build $r $s" >>"$results"
		done
	done
	rm -rf "$root/bld" "$root/src" "$root/tmp"
fi

load_after=$(cut -d' ' -f1-3 /proc/loadavg)
took=$(awk -v a="$started" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f", b - a }')
log "done in ${took}s"

# --- the report ---
fs=$(stat -f -c %T "$root")

awk -v clock="$clock" -v lib="$lib" -v iterations="$iterations" -v rounds="$rounds" -v prounds="$program_rounds" \
	-v files="$files" -v starts="$starts" -v srounds="$start_rounds" \
	-v links_in_tar="${links_in_tar:-0}" -v entries_in_tar="${entries_in_tar:-0}" \
	-v commit="$commit" -v fs="$fs" -v kernel="$(uname -r)" -v cpus="$(nproc)" \
	-v load_before="$load_before" -v load_after="$load_after" -v took="$took" '
function median(list,    a, n, i, j, t) {
	n = split(list, a, " ")
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) {
			t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
		}
	if (n == 0)
		return ""
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function add(k, v) {
	vals[k] = (k in vals) ? vals[k] " " v : v
}
function grp(n,    s, tail) {
	s = sprintf("%.0f", n)
	tail = ""
	while (length(s) > 3) {
		tail = "," substr(s, length(s) - 2) tail
		s = substr(s, 1, length(s) - 3)
	}
	return s tail
}
function check(what, value, limit, fmt) {
	if (value == "")
		return
	printf "| %s | " fmt " | " fmt " | %s |\n", what, value, limit, value <= limit ? "ok" : "**missed**"
}
{ t[$1 SUBSEP $2 SUBSEP $3 SUBSEP $4] = $5 }
$1 == "micro" && !($3 in seen) { seen[$3] = 1; order[++ncase] = $3 }
$1 == "child" { child10[$2] = $3; child25[$2] = $4; child50[$2] = $5; next }
$1 == "paired" { add("paired" SUBSEP $2 SUBSEP $3, $5); add("raw" SUBSEP $2 SUBSEP $3, $6); next }
$1 == "micro" || $1 == "prog" || $1 == "start" { add($1 SUBSEP $2 SUBSEP $3, $5); rnd[$1 SUBSEP $3 SUBSEP $4] = 1 }
END {
	# per-round ratios
	for (k in rnd) {
		split(k, p, SUBSEP)
		n = t[p[1] SUBSEP "native" SUBSEP p[2] SUBSEP p[3]]
		for (m = 1; m <= 5; m++) {
			mode = m == 1 ? "auto" : m == 2 ? "walk" : m == 3 ? "kernel" : m == 4 ? "kwalk" : "empty"
			s = t[p[1] SUBSEP mode SUBSEP p[2] SUBSEP p[3]]
			if (n > 0 && s != "")
				add("ratio" SUBSEP p[1] SUBSEP mode SUBSEP p[2], s / n)
			if (s != "")
				add("diff" SUBSEP p[1] SUBSEP mode SUBSEP p[2], s - n)
		}
	}
	clockname = clock == "wall" ? "elapsed" : "CPU (user + system)"
	print "#### lg_bench: ns per op, native vs shim"
	print ""
	print "One op is a round trip: `link(a, b)` + `unlink(b)` (one call through the shim), or"
	print "`rename(a, b)` + `rename(b, a)` (two). `rel`/`abs`: relative (from the current directory,"
	print "the root) or absolute paths; `dN`: N directories deep; `same`/`diff`: a and b in one"
	print "directory or in two sibling directories. ns/op: " clockname " time, medians. ratio and walk"
	print "ratio (`LINKGUARD_RESOLVER=walk`): the shim against the raw system calls in one process"
	print "(lg_bench --paired), median over the rounds; raw: the raw side of those runs. kernel: under"
	print "the launcher, the shim plus its Landlock + seccomp layer, against a native lg_bench taking"
	print "turns with it batch by batch (lg_bench --lockstep; median over the rounds); kernel walk: the"
	print "same, the library on the walk."
	print ""
	print "| case | native ns/op | raw ns/op | shim ns/op | ratio | walk ratio | kernel ratio | kernel walk ratio |"
	print "|---|---:|---:|---:|---:|---:|---:|---:|"
	for (i = 1; i <= ncase; i++) {
		c = order[i]
		nat = median(vals["micro" SUBSEP "native" SUBSEP c])
		au = median(vals["micro" SUBSEP "auto" SUBSEP c])
		raw = median(vals["raw" SUBSEP "auto" SUBSEP c])
		ra = median(vals["paired" SUBSEP "auto" SUBSEP c])
		rw = median(vals["paired" SUBSEP "walk" SUBSEP c])
		rk = median(vals["paired" SUBSEP "kernel" SUBSEP c])
		rkw = median(vals["paired" SUBSEP "kwalk" SUBSEP c])
		ratio[c] = ra; wratio[c] = rw; kratio[c] = rk; kwratio[c] = rkw
		printf "| %s | %s | %s | %s | %.2f | %.2f | %s | %s |\n", c, grp(nat), grp(raw), grp(au), ra, rw,
		    rk == "" ? "" : sprintf("%.2f", rk), rkw == "" ? "" : sprintf("%.2f", rkw)
	}
	if (("prog" SUBSEP "native" SUBSEP "cp") in vals) {
		print ""
		print "#### Whole programs (" clockname " seconds, medians) and start-up"
		print ""
		print "| program | native | shim | ratio | walk ratio | kernel ratio |"
		print "|---|---:|---:|---:|---:|---:|"
		split("cp tar build", progs, " ")
		names["cp"] = "`cp -al` of " grp(files) " files"
		names["tar"] = "`tar -x`, " grp(entries_in_tar) " files (" grp(links_in_tar) " hard links)"
		names["build"] = "cmake + ninja build of linkguard"
		for (i = 1; i <= 3; i++) {
			pg = progs[i]
			if (!(("prog" SUBSEP "native" SUBSEP pg) in vals))
				continue
			prog_ratio[pg] = median(vals["ratio" SUBSEP "prog" SUBSEP "auto" SUBSEP pg])
			prog_kratio[pg] = median(vals["ratio" SUBSEP "prog" SUBSEP "kernel" SUBSEP pg])
			wr = median(vals["ratio" SUBSEP "prog" SUBSEP "walk" SUBSEP pg])
			printf "| %s | %.3f | %.3f | %.2f | %s | %s |\n", names[pg],
			    median(vals["prog" SUBSEP "native" SUBSEP pg]), median(vals["prog" SUBSEP "auto" SUBSEP pg]),
			    prog_ratio[pg], wr == "" ? "" : sprintf("%.2f", wr),
			    prog_kratio[pg] == "" ? "" : sprintf("%.2f", prog_kratio[pg])
		}
		nat = median(vals["start" SUBSEP "native" SUBSEP "true"]) * 1000
		start_ms = median(vals["diff" SUBSEP "start" SUBSEP "auto" SUBSEP "true"]) * 1000
		empty_ms = median(vals["diff" SUBSEP "start" SUBSEP "empty" SUBSEP "true"]) * 1000
		kernel_ms = median(vals["diff" SUBSEP "start" SUBSEP "kernel" SUBSEP "true"]) * 1000
		parent_ms = median(vals["diff" SUBSEP "start" SUBSEP "auto" SUBSEP "parent"]) * 1000
		# per round: (shim - native) / (empty - native), so that both sides see the same load
		for (k in rnd) {
			split(k, p, SUBSEP)
			if (p[1] != "start" || p[2] != "true")
				continue
			n = t["start" SUBSEP "native" SUBSEP "true" SUBSEP p[3]]
			e = t["start" SUBSEP "empty" SUBSEP "true" SUBSEP p[3]]
			sh = t["start" SUBSEP "auto" SUBSEP "true" SUBSEP p[3]]
			kl = t["start" SUBSEP "kernel" SUBSEP "true" SUBSEP p[3]]
			if (e != "" && sh != "" && e - n > 0)
				add("startratio", (sh - n) / (e - n))
			if (e != "" && kl != "" && e - n > 0)
				add("kstartratio", (kl - n) / (e - n))
		}
		start_ratio = median(vals["startratio"])
		kstart_ratio = median(vals["kstartratio"])
		print ""
		printf "Start-up, a parent spawning `/bin/true` beside a native one, in turns of 10 spawns (%d rounds of %d;\n",
		    srounds, starts
		printf "ms of CPU time per spawn, the parent\047s and the child\047s, medians): native %.3f;\n", nat
		printf "an empty preload library adds %+.3f ms, linkguard %+.3f ms (%+.3f ms of it in the spawning parent: its exec\n",
		    empty_ms, start_ms, parent_ms
		printf "check), linkguard under its kernel layer %s ms: linkguard adds %.2f times what the loader floor adds%s.\n",
		    kernel_ms == "" ? "(not measured)" : sprintf("%+.3f", kernel_ms), start_ratio,
		    kstart_ratio == "" ? "" : sprintf(", with its kernel layer %.2f times", kstart_ratio)
		if ("native" in child10 && child10["empty"] > child10["native"]) {
			ce = (child10["empty"] - child10["native"]) * 1e6
			cl = (child10["auto"] - child10["native"]) * 1e6
			child_ratio = (cl + parent_ms * 1000) / ce
			print ""
			printf "The children alone, %d interleaved spawns of each (10th percentile of each child\047s CPU time, us;\n",
			    srounds * starts
			printf "median in brackets): native %.0f (%.0f); the empty library %+.0f (%+.0f), linkguard %+.0f (%+.0f). With\n",
			    child10["native"] * 1e6, child50["native"] * 1e6, ce,
			    (child50["empty"] - child50["native"]) * 1e6, cl, (child50["auto"] - child50["native"]) * 1e6
			printf "the exec check in the parent (above), linkguard adds %.2f times what the empty library adds.\n", child_ratio
		}
	}
	print ""
	print "#### Targets"
	print ""
	print "| target | measured | limit | |"
	print "|---|---:|---:|---|"
	# same directory: 1.30 (the kernel layer +0.10); across two directories: 1.60 (+0.10)
	split("link-rel-d3-same link-abs-d3-same rename-rel-d3-same rename-abs-d3-same " \
	    "link-rel-d3-diff link-abs-d3-diff rename-rel-d3-diff rename-abs-d3-diff", a, " ")
	for (i = 1; i <= 8; i++) {
		if (!(a[i] in ratio))
			continue
		limit = i <= 4 ? 1.30 : 1.60
		check(a[i] " ratio", sprintf("%.2f", ratio[a[i]]), sprintf("%.2f", limit), "%s")
		if (kratio[a[i]] != "")
			check(a[i] " ratio, kernel layer", sprintf("%.2f", kratio[a[i]]), sprintf("%.2f", limit + 0.1), "%s")
	}
	worst = ""
	for (c in wratio)
		if (c ~ /-d3-/ && (worst == "" || wratio[c] > wratio[worst]))
			worst = c
	if (worst != "")
		check("walk ratio at depth 3 (worst: " worst ")", sprintf("%.2f", wratio[worst]), "3.00", "%s")
	worst = ""
	for (c in kwratio)
		if (c ~ /-d3-/ && kwratio[c] != "" && (worst == "" || kwratio[c] > kwratio[worst]))
			worst = c
	if (worst != "")
		check("walk ratio at depth 3, kernel layer (worst: " worst ")", sprintf("%.2f", kwratio[worst]), "3.10", "%s")
	split("cp tar", a, " ")
	limits["cp"] = "1.30"; limits["tar"] = "1.10"
	names["cp"] = "`cp -al`"; names["tar"] = "`tar -x`"
	for (i = 1; i <= 2; i++) {
		if (!(a[i] in prog_ratio))
			continue
		check(names[a[i]] " ratio", sprintf("%.2f", prog_ratio[a[i]]), limits[a[i]], "%s")
		if (prog_kratio[a[i]] != "")
			check(names[a[i]] " ratio, kernel layer", sprintf("%.2f", prog_kratio[a[i]]), limits[a[i]], "%s")
	}
	if ("build" in prog_ratio) {
		check("whole build ratio", sprintf("%.2f", prog_ratio["build"]), "1.05", "%s")
		if (prog_kratio["build"] != "")
			check("whole build ratio, kernel layer", sprintf("%.2f", prog_kratio["build"]), "1.05", "%s")
	}
	if (start_ratio != "")
		check("start-up: linkguard addition / empty preload addition", sprintf("%.2f", start_ratio), "1.50", "%s")
	if (kstart_ratio != "")
		check("start-up, kernel layer: linkguard and its layer / empty preload addition", sprintf("%.2f", kstart_ratio), "1.50", "%s")
	if (child_ratio != "")
		check("start-up, children interleaved (p10) + the exec check", sprintf("%.2f", child_ratio), "1.50", "%s")
	print ""
	printf "Measured: %s (commit %s), Linux %s, %d CPUs, %s; %s time; lg_bench %d rounds x %d ops; load average %s before, %s after; %ss.\n",
	    lib, commit, kernel, cpus, fs, clock == "wall" ? "elapsed" : "CPU", rounds, iterations, load_before, load_after, took
}' "$results"
