#!/usr/bin/env bats
# access.bats - permission errors the kernel gives while a path is resolved are the kernel's own
# (EACCES, no linkguard line, no audit count), and a start directory below a directory the user
# may not search works as natively. Run as the unprivileged user lgtest (through setpriv when the
# suite runs as root, where no directory is unsearchable), on both resolver backends.

# shellcheck disable=SC2154 # $stderr comes from bats: run --separate-stderr
bats_require_minimum_version 1.5.0
load helpers

# as_user CMD...: CMD as lgtest (from root), or as the user running the suite.
as_user() {
	if [ "$(id -u)" = 0 ]; then
		setpriv --reuid=lgtest --regid=lgtest --clear-groups -- "$@"
	else
		"$@"
	fi
}

setup() {
	if [ "$(id -u)" = 0 ]; then
		id lgtest >/dev/null 2>&1 || skip "no user lgtest to run as"
		# The tree must be reachable by lgtest: not under root's private test directory.
		AREA=$(mktemp -d /tmp/lg-access.XXXXXX)
		chmod 755 "$AREA"
		chown lgtest: "$AREA"
	else
		AREA=$BATS_TEST_TMPDIR/area
		mkdir "$AREA"
	fi
	R=$AREA/root
	as_user mkdir -p "$R/locked/sub" "$R/private/sub" "$R/open"
	as_user touch "$R/locked/sub/a" "$R/private/sub/a" "$R/file"
	export R AREA
}

teardown() {
	[ -z "${AREA:-}" ] || { chmod -R u+rwx "$AREA" 2>/dev/null; rm -rf "$AREA"; }
}

# confined BACKEND DIR CALL...: lgcall from DIR, as the user, confined to $R with BACKEND.
confined() {
	local backend=$1 dir=$2
	shift 2
	as_user env LD_PRELOAD="$LG_PRELOAD" LINKGUARD_ROOT="$R" LINKGUARD_RESOLVER="$backend" \
		${LG_AUDIT:+LINKGUARD_MODE=audit LINKGUARD_AUDIT_COUNTER=$LG_AUDIT} \
		"$LGCALL" -C "$dir" "$@"
}

# below CALLS...: from $R/locked/sub, after the search bit of $R/locked is gone, as the user:
# `lgcall` for each call (natively, or confined when LG_CONFINED names a backend).
below() {
	as_user env ${LG_CONFINED:+LD_PRELOAD="$LG_PRELOAD" LINKGUARD_ROOT="$R" LINKGUARD_RESOLVER="$LG_CONFINED"} \
		sh -c 'cd "$1/locked/sub" && chmod 0 "$1/locked" || exit 9; shift
			for c in "$@"; do eval "\"\$LGCALL\" $c"; done' sh "$R" "$@"
}

# kernel_eacces DIR CALL...: CALL from DIR as the user, natively and confined on each backend:
# the kernel's EACCES, and no line.
kernel_eacces() {
	local b
	run --separate-stderr as_user "$LGCALL" -C "$@"
	assert_output "err EACCES"
	for b in auto walk; do
		run --separate-stderr confined "$b" "$@"
		assert_output "err EACCES"
		assert_equal "$stderr" ""
	done
}

@test "access: rename in a current directory below a directory the user can not search works" {
	local b
	for b in auto walk; do
		LG_CONFINED=$b run --separate-stderr below "rename a b" "linkat dir:. b dir:. c 0" \
			"rename ../x y"
		as_user chmod 0755 "$R/locked"
		assert_equal "$stderr" ""
		assert_equal "${lines[0]}" "ok"
		assert_equal "${lines[1]}" "ok"
		# "../x": the kernel itself must search locked: EACCES, as natively (below)
		assert_equal "${lines[2]}" "err EACCES"
		[ -e "$R/locked/sub/b" ] && [ -e "$R/locked/sub/c" ] && [ ! -e "$R/locked/sub/a" ]
		as_user rm -f "$R/locked/sub/b" "$R/locked/sub/c"
		as_user touch "$R/locked/sub/a"
	done
}

@test "access: the same calls natively, for comparison" {
	run --separate-stderr below "rename a b" "linkat dir:. b dir:. c 0" "rename ../x y"
	as_user chmod 0755 "$R/locked"
	assert_equal "${lines[0]}" "ok"
	assert_equal "${lines[1]}" "ok"
	assert_equal "${lines[2]}" "err EACCES"
}

@test "access: a directory the user can not search on the path gives the kernel's EACCES, no line" {
	as_user chmod 0 "$R/private"
	kernel_eacces "$R" rename private/sub/a x
	kernel_eacces "$R" link file private/sub/x
	kernel_eacces "$R/open" linkat cwd ../private/sub/a cwd y 0
}

@test "access: a kernel EACCES is not counted by --audit" {
	as_user chmod 0 "$R/private"
	run --separate-stderr as_user "$LINKGUARD_BIN" --audit --no-kernel --root "$R" -- \
		"$LGCALL" -C "$R" rename private/sub/a x
	assert_output "err EACCES"
	assert_equal "$stderr" "linkguard: audit: 0 calls would have been denied"
	# an escape in the same mode is counted (the count works)
	run --separate-stderr as_user "$LINKGUARD_BIN" --audit --no-kernel --root "$R" -- \
		"$LGCALL" -C "$R" rename file ../escaped
	[[ $stderr == *"linkguard: audit: 1 call would have been denied"* ]] ||
		fail "the escape was not counted: $stderr"
	as_user rm -f "$AREA/escaped"
}

@test "access: another user's 0700 directory on the path: the kernel's EACCES, no line" {
	require_root
	mkdir -p "$R/other/sub"
	touch "$R/other/sub/a"
	chmod 0700 "$R/other"
	kernel_eacces "$R" rename other/sub/a x
	kernel_eacces "$R" link file other/sub/x
	[ -e "$R/other/sub/a" ] && [ ! -e "$R/x" ]
}
