#!/bin/sh
# smoke.sh BINARY... - each rawcall build, run natively (no shim), makes one legitimate link and
# one rename in a temporary directory, and really does them (same inode, link count 2). Also
# checks each build is what it claims: lg_raw_static has no program interpreter, the others do.
# An io_uring build on a system without io_uring (a container's seccomp policy, the sysctl
# kernel.io_uring_disabled) reports that and is not counted as a failure, unless
# LG_TESTS_MUST_WORK=1 (CI) says nothing may be skipped.
set -u

fail=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/lg-routes-smoke.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

check() { # NAME EXPECTED ACTUAL
	if [ "$2" = "$3" ]; then
		echo "ok - $1"
	else
		echo "not ok - $1: expected \"$2\", got \"$3\""
		fail=1
	fi
}

# try BIN ROUTE_ARGS...: link a -> d/b, rename d/b -> c, in a fresh directory
try() {
	label=$1
	shift
	dir=$(mktemp -d "$tmp/t.XXXXXX")
	mkdir "$dir/d"
	echo data >"$dir/a"
	check "$label link" ok "$(cd "$dir" && "$@" link a d/b 2>&1)"
	check "$label rename" ok "$(cd "$dir" && "$@" rename d/b c 2>&1)"
	check "$label same inode" "$(stat -c %i "$dir/a")" "$(stat -c %i "$dir/c" 2>/dev/null)"
	check "$label link count" 2 "$(stat -c %h "$dir/a")"
	check "$label old name gone" no "$([ -e "$dir/d/b" ] && echo yes || echo no)"
	check "$label error" "err ENOENT" "$(cd "$dir" && "$@" rename missing x 2>&1)"
}

[ $# -gt 0 ] || {
	echo "usage: smoke.sh BINARY..." >&2
	exit 2
}
for bin in "$@"; do
	route=$("$bin" route)
	case $route in
	libc) check "$bin is static" static "$("$bin" kind)" ;;
	*) check "$bin is dynamic" dynamic "$("$bin" kind)" ;;
	esac
	if [ "$route" = uring ]; then
		probe=$("$bin" uring-probe 2>&1)
		if [ "$probe" != ok ] && [ "${LG_TESTS_MUST_WORK:-}" = 1 ]; then
			check "$bin: io_uring works here (LG_TESTS_MUST_WORK=1 allows no skip)" ok "$probe"
			continue
		elif [ "$probe" != ok ]; then
			echo "ok - $bin # SKIP io_uring unavailable here: $probe"
			continue
		fi
		try "$bin --via-libc" "$bin" --via-libc
	fi
	try "$bin" "$bin"
done
exit $fail
