# shellcheck shell=bash
# common.sh - sourced by the benchmark scripts (run.sh, callgrind.sh): what they say and how they
# take the arguments they have in common. Messages start with the script's name.

# die MESSAGE: the script's usage error (exit 2).
die() {
	echo "${0##*/}: $*" >&2
	exit 2
}

# log MESSAGE: progress, on stderr (the tables go to stdout).
log() {
	echo "${0##*/}: $*" >&2
}

# usage: the script's header comment, down to its `set -euo` line.
usage() {
	sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"
}

# other_arg ARG: an argument the script's own options did not take: -h/--help, an unknown option,
# or the build directory (into $build, once).
other_arg() {
	case $1 in
	-h | --help) usage && exit 0 ;;
	-*) die "unknown option $1 (see --help)" ;;
	*)
		[ -z "$build" ] || die "one build directory only"
		build=$1
		;;
	esac
}
