#!/bin/sh
# binaries.sh NM READELF LIBRARY LAUNCHER MAP FORTIFY - what the build promises about its
# binaries, in TAP: the library exports exactly the names its version script MAP lists, both
# binaries are linked with full RELRO and BIND_NOW and compiled with the stack protector, and
# (FORTIFY=1: an optimised build) with _FORTIFY_SOURCE.
set -u
nm=$1 readelf=$2 lib=$3 launcher=$4 map=$5 fortify=$6
n=0 failed=0

# check DESCRIPTION COMMAND...: one TAP line; on failure, the command's output as comments.
check() {
	what=$1
	shift
	n=$((n + 1))
	if out=$("$@" 2>&1); then
		echo "ok $n - $what"
	else
		echo "not ok $n - $what"
		printf '%s\n' "$out" | sed 's/^/#   /'
		failed=1
	fi
}

exports_match() { # the names the library exports, against the map's global list
	want=$(sed -n '/^global:/,/^local:/p' "$map" | sed -n 's/^[[:space:]]*\([A-Za-z_][A-Za-z0-9_]*\);$/\1/p' |
		LC_ALL=C sort)
	have=$("$nm" -D --defined-only "$lib" | awk '{ print $NF }' | LC_ALL=C sort)
	[ -n "$want" ] || { echo "no names in $map"; return 1; }
	[ "$want" = "$have" ] && return 0
	echo "exported (+) or missing (-) against $map:"
	printf '%s\n' "$want" >"${TMPDIR:-/tmp}/lg-exports-want.$$"
	printf '%s\n' "$have" | diff "${TMPDIR:-/tmp}/lg-exports-want.$$" - | grep '^[<>]' |
		sed -e 's/^</-/' -e 's/^>/+/'
	rm -f "${TMPDIR:-/tmp}/lg-exports-want.$$"
	return 1
}

full_relro() { # FILE: a GNU_RELRO segment and BIND_NOW (or FLAGS_1 NOW)
	"$readelf" -lW "$1" | grep -q GNU_RELRO || { echo "no GNU_RELRO segment"; return 1; }
	"$readelf" -dW "$1" | grep -E -q '\(FLAGS\).*BIND_NOW|\(FLAGS_1\).*NOW' ||
		{ echo "no BIND_NOW"; return 1; }
}

uses() { # FILE PATTERN: the file calls a function whose name matches PATTERN
	"$nm" -D --undefined-only "$1" | awk '{ print $NF }' | grep -E -q "$2" ||
		{ echo "no undefined symbol matching $2"; return 1; }
}

# FILE: calls fortified functions (__memcpy_chk, ...): libc's, or the library's own (lg_string.c),
# which its symbol table shows as local.
fortified() {
	uses "$1" '^__[a-z0-9_]+_chk(@|$)' >/dev/null ||
		"$nm" "$1" 2>/dev/null | grep -E -q ' [tT] __[a-z0-9_]+_chk$' ||
		{ echo "no fortified call (__*_chk), imported or its own"; return 1; }
}

check "the library exports exactly the names in $(basename "$map")" exports_match
for bin in "$lib" "$launcher"; do
	name=$(basename "$bin")
	check "$name: full RELRO (GNU_RELRO and BIND_NOW)" full_relro "$bin"
	check "$name: built with the stack protector" uses "$bin" '^__stack_chk_fail'
	if [ "$fortify" = 1 ]; then
		check "$name: built with _FORTIFY_SOURCE" fortified "$bin"
	fi
done
echo "1..$n"
exit $failed
