#!/usr/bin/env bats
# routes.bats - the route table: each way a program can make a hard link or a rename, tried as an
# escape under the shim alone, under `linkguard --kernel` (Landlock's REFER right beneath the
# roots, and a seccomp filter that fails io_uring_setup with ENOSYS) and under
# `linkguard --kernel=strict` (also MAKE_*, REMOVE_* and TRUNCATE beneath the roots and the
# --allow-write dirs only).
#
#   route       driver                                 what makes the call
#   libc        lgcall link/rename                     libc's link() and rename()
#   syscall     lgcall sys_linkat/sys_renameat2        libc's syscall()
#   asm         lg_raw_asm                             an inline syscall / svc instruction
#   static      lg_raw_static                          libc, in a statically linked program
#   uring       lg_raw_uring                           IORING_OP_LINKAT / IORING_OP_RENAMEAT, the
#                                                      ring set up by the inline instruction
#   uring-libc  lg_raw_uring --via-libc                the same, set up through libc's syscall()
#   (inherited) lg_raw_uring hold-ring ... --inherited  on a ring an unconfined parent set up
#
#   escape          the call
#   link-in         link OUT/secret ROOT/stolen           (an outside file linked into the root)
#   rename-out      rename ROOT/file OUT/moved            (a root file moved out)
#   rename-symlink  rename ROOT/file ROOT/esc/moved       (ROOT/esc -> OUT)
#
# A "documented limit" (or "limit") test asserts that a hole is really there. When one fails, the
# hole has closed: change the README and the test together.
#
# Tests skip only when a driver was not built, io_uring does not work here at all, or the kernel
# has no Landlock with the REFER right (ABI 2); under LG_TESTS_MUST_WORK=1 (CI) a skip fails.

load ../helpers
bats_require_minimum_version 1.5.0

setup() {
	lg_tree
	AW="$BATS_TEST_TMPDIR/aw" # an --allow-write dir for --kernel=strict, outside the root
	mkdir "$AW"
	echo w >"$AW/w"
	ln -s "$OUT" "$ROOT/esc"
	FILE_INODE=$(inode_of "$ROOT/file")
	SECRET_INODE=$(inode_of "$OUT/secret")
	export AW
	cd "$ROOT"
}

# --- what is there --------------------------------------------------------------------------------

need_driver() { # VAR: the driver VAR names was built
	[ -n "${!1:-}" ] || skip "$1 is empty: that driver was not built (see test/routes/CMakeLists.txt)"
}

need_uring() { # the uring driver, and a system where io_uring works at all
	local probe
	need_driver LG_RAW_URING
	probe=$("$LG_RAW_URING" uring-probe 2>&1) || true
	[ "$probe" = ok ] || skip "io_uring is not available on this system: io_uring_setup: $probe"
}

landlock_abi() { # the kernel's Landlock ABI version, or "err ENAME"
	local d
	for d in "${LG_RAW_ASM:-}" "${LG_RAW_URING:-}" "${LG_RAW_STATIC:-}"; do
		if [ -n "$d" ]; then
			"$d" landlock-abi
			return
		fi
	done
	python3 -c 'import ctypes, errno
libc = ctypes.CDLL(None, use_errno=True)
r = libc.syscall(444, None, 0, 1)  # landlock_create_ruleset(NULL, 0, VERSION), on every arch
print(r if r >= 0 else "err " + errno.errorcode.get(ctypes.get_errno(), "EUNKNOWN"))'
}

# need_kernel OPTION...: the kernel has Landlock with REFER, and the launcher runs with OPTION...
need_kernel() {
	local abi
	run lg "$@" --root "$ROOT" -- true
	abi=$(landlock_abi)
	if ! [[ $abi =~ ^[0-9]+$ ]] || [ "$abi" -lt 2 ]; then
		skip "this kernel has no Landlock with LANDLOCK_ACCESS_FS_REFER (ABI >= 2): $abi"
	fi
	assert_success
}

# --- routes, calls and modes ----------------------------------------------------------------------

# use_route ROUTE: ROUTE_CMD, the driver and its leading options; skips when it was not built.
use_route() {
	ROUTE=$1
	case $ROUTE in
	libc | syscall) ROUTE_CMD=("$LGCALL") ;;
	asm)
		need_driver LG_RAW_ASM
		ROUTE_CMD=("$LG_RAW_ASM")
		;;
	static)
		need_driver LG_RAW_STATIC
		ROUTE_CMD=("$LG_RAW_STATIC")
		;;
	uring)
		need_uring
		ROUTE_CMD=("$LG_RAW_URING")
		;;
	uring-libc)
		need_uring
		ROUTE_CMD=("$LG_RAW_URING" --via-libc)
		;;
	*) fail "unknown route $ROUTE" ;;
	esac
}

# call_args link|rename OLD NEW: CALL, the route's arguments for that call.
call_args() {
	if [ "$ROUTE" = syscall ]; then
		case $1 in
		link) CALL=(sys_linkat cwd "$2" cwd "$3" 0) ;;
		rename) CALL=(sys_renameat2 cwd "$2" cwd "$3" 0) ;;
		esac
	else
		CALL=("$1" "$2" "$3")
	fi
}

scenario() { # SCENARIO: CALL for it
	case $1 in
	link-in) call_args link "$OUT/secret" "$ROOT/stolen" ;;
	rename-out) call_args rename "$ROOT/file" "$OUT/moved" ;;
	rename-symlink) call_args rename "$ROOT/file" "$ROOT/esc/moved" ;;
	same-dir-rename-out) call_args rename "$OUT/secret" "$OUT/secret2" ;;
	same-dir-link-out) call_args link "$OUT/secret" "$OUT/secret2" ;;
	rename-root) call_args rename "$ROOT" "$BATS_TEST_TMPDIR/root.moved" ;;
	aw-rename) call_args rename "$AW/w" "$AW/w2" ;;
	rename-to-aw) call_args rename "$ROOT/file" "$AW/moved" ;;
	*) fail "unknown scenario $1" ;;
	esac
}

# prepare MODE ROUTE: the mode is available, the route built; LAUNCHER_ARGS for the mode. Under
# the launcher's kernel layer, the shim's own io_uring_setup rule is lifted for uring-libc, so the
# kernel layer is what answers. (Static binaries run there without --allow-static: the kernel
# layer confines them.)
prepare() {
	case $1 in
	shim) LAUNCHER_ARGS=() ;;
	refer)
		need_kernel --kernel
		LAUNCHER_ARGS=(--kernel --root "$ROOT")
		;;
	default)
		need_kernel
		LAUNCHER_ARGS=(--root "$ROOT")
		;;
	no-kernel)
		LAUNCHER_ARGS=(--no-kernel --root "$ROOT")
		;;
	strict)
		need_kernel --kernel=strict --allow-write "$AW"
		LAUNCHER_ARGS=(--kernel=strict --allow-write "$AW" --root "$ROOT")
		;;
	*) fail "unknown mode $1" ;;
	esac
	MODE=$1
	use_route "$2"
	if [ "$MODE" != shim ] && [ "$ROUTE" = uring-libc ]; then
		export LINKGUARD_IO_URING=allow
	fi
}

confined() { # CMD...: CMD confined the $MODE way
	if [ "$MODE" = shim ]; then
		shim "$@"
	else
		lg "${LAUNCHER_ARGS[@]}" -- "$@"
	fi
}

# --- expectations ---------------------------------------------------------------------------------

# escape_denied MODE ROUTE SCENARIO ERRNO: the call fails with ERRNO, nothing outside changes.
escape_denied() {
	prepare "$1" "$2"
	scenario "$3"
	snapshot_outside
	run confined "${ROUTE_CMD[@]}" "${CALL[@]}"
	assert_failure 1
	assert_line "err $4"
	case $ROUTE in
	libc | syscall) assert_line --partial "linkguard: denied" ;;
	esac
	assert_file_exists "$ROOT/file"
	assert_outside_unchanged
}

# escape_succeeds MODE ROUTE SCENARIO: a documented limit; the call succeeds and did what it says.
escape_succeeds() {
	prepare "$1" "$2"
	scenario "$3"
	run confined "${ROUTE_CMD[@]}" "${CALL[@]}"
	assert_success
	assert_line ok
	assert_escaped "$3"
}

assert_escaped() { # SCENARIO: its call really happened
	case $1 in
	link-in) assert_same_inode "$OUT/secret" "$ROOT/stolen" ;;
	rename-out | rename-symlink)
		assert_file_not_exists "$ROOT/file"
		assert_equal "$(inode_of "$OUT/moved")" "$FILE_INODE"
		;;
	same-dir-rename-out)
		assert_file_not_exists "$OUT/secret"
		assert_equal "$(inode_of "$OUT/secret2")" "$SECRET_INODE"
		;;
	same-dir-link-out) assert_same_inode "$OUT/secret" "$OUT/secret2" ;;
	rename-root)
		assert_file_not_exists "$ROOT"
		assert_equal "$(inode_of "$BATS_TEST_TMPDIR/root.moved/file")" "$FILE_INODE"
		;;
	aw-rename)
		assert_file_not_exists "$AW/w"
		assert_file_exists "$AW/w2"
		;;
	*) fail "unknown scenario $1" ;;
	esac
}

# io_uring_closed SCENARIO: under the shim, io_uring_setup through libc's syscall() is ENOSYS.
io_uring_closed() {
	prepare shim uring-libc
	scenario "$1"
	snapshot_outside
	run confined "${ROUTE_CMD[@]}" "${CALL[@]}"
	assert_failure 1
	assert_line "err ENOSYS"
	assert_outside_unchanged
}

# static_refused SCENARIO: a confined shell can not run the static driver.
static_refused() {
	prepare shim static
	scenario "$1"
	snapshot_outside
	run confined sh -c '"$@"' sh "${ROUTE_CMD[@]}" "${CALL[@]}"
	assert_equal "$status" 126
	assert_output --partial "Permission denied"
	refute_line ok
	assert_outside_unchanged
}

# legit_raw MODE ROUTE: a link and a rename across directories inside the root work.
legit_raw() {
	prepare "$1" "$2"
	snapshot_outside
	call_args link "$ROOT/file" "$ROOT/dir/sub/l"
	run confined "${ROUTE_CMD[@]}" "${CALL[@]}"
	assert_success
	assert_line ok
	call_args rename "$ROOT/dir/sub/l" "$ROOT/moved"
	run confined "${ROUTE_CMD[@]}" "${CALL[@]}"
	assert_success
	assert_line ok
	assert_same_inode "$ROOT/file" "$ROOT/moved"
	assert_equal "$(links_of "$ROOT/file")" 2
	assert_file_not_exists "$ROOT/dir/sub/l"
	assert_outside_unchanged
}

# legit_make MODE: a Makefile that links and renames across directories of the root.
legit_make() {
	prepare "$1" libc
	mkdir "$ROOT/src"
	echo source >"$ROOT/src/a"
	printf 'out/b: src/a\n\tmkdir -p build out\n\tln -f src/a build/a\n\tmv build/a out/b\n' \
		>"$ROOT/Makefile"
	snapshot_outside
	run confined make -C "$ROOT"
	assert_success
	assert_same_inode "$ROOT/src/a" "$ROOT/out/b"
	assert_file_not_exists "$ROOT/build/a"
	assert_outside_unchanged
}

legit_cp_al() { # MODE: cp -al copies a tree as hard links
	prepare "$1" libc
	echo deep >"$ROOT/dir/sub/f"
	snapshot_outside
	run confined cp -al "$ROOT/dir" "$ROOT/copy"
	assert_success
	assert_same_inode "$ROOT/dir/sub/f" "$ROOT/copy/sub/f"
	assert_equal "$(links_of "$ROOT/dir/sub/f")" 2
	assert_outside_unchanged
}

legit_tar() { # MODE: tar archives and restores hard links
	prepare "$1" libc
	mkdir "$ROOT/src" "$ROOT/x"
	echo data >"$ROOT/src/a"
	ln "$ROOT/src/a" "$ROOT/src/b"
	snapshot_outside
	run confined sh -c 'cd "$1" && tar -cf t.tar src && tar -xf t.tar -C x' sh "$ROOT"
	assert_success
	assert_same_inode "$ROOT/x/src/a" "$ROOT/x/src/b"
	assert_equal "$(links_of "$ROOT/x/src/a")" 2
	assert_outside_unchanged
}

# inherited_ring MODE [--personality]: an unconfined parent sets up a ring (and registers its own
# credentials on it), the launcher runs with the ring open, and the confined program submits
# IORING_OP_LINKAT OUT/secret ROOT/stolen on it. No io_uring_setup inside: the seccomp filter on
# it does not apply.
inherited_ring() {
	prepare "$1" uring
	shift
	scenario link-in
	snapshot_outside
	run env LD_PRELOAD="${LG_ASAN_RUNTIME:-}" "$LG_RAW_URING" hold-ring "$@" \
		"$LINKGUARD_BIN" "${LAUNCHER_ARGS[@]}" -- "$LG_RAW_URING" --inherited "${CALL[@]}"
}

# inherited_ring_closed MODE [--personality]: inherited_ring's submission fails with ENOSYS (the
# filter on io_uring_enter), and nothing changed outside.
inherited_ring_closed() {
	inherited_ring "$@"
	assert_failure 1
	assert_line "err ENOSYS"
	assert_outside_unchanged
}

# --- the shim alone -------------------------------------------------------------------------------

@test "shim | libc | link an outside file in: EACCES" {
	escape_denied shim libc link-in EACCES
}
@test "shim | libc | rename a root file out: EACCES" {
	escape_denied shim libc rename-out EACCES
}
@test "shim | libc | rename through a symlink out: EACCES" {
	escape_denied shim libc rename-symlink EACCES
}

@test "shim | syscall() | link an outside file in: EACCES" {
	escape_denied shim syscall link-in EACCES
}
@test "shim | syscall() | rename a root file out: EACCES" {
	escape_denied shim syscall rename-out EACCES
}
@test "shim | syscall() | rename through a symlink out: EACCES" {
	escape_denied shim syscall rename-symlink EACCES
}

@test "shim | raw asm | link an outside file in: not confined (documented limit)" {
	escape_succeeds shim asm link-in
}
@test "shim | raw asm | rename a root file out: not confined (documented limit)" {
	escape_succeeds shim asm rename-out
}
@test "shim | raw asm | rename through a symlink out: not confined (documented limit)" {
	escape_succeeds shim asm rename-symlink
}

@test "shim | io_uring | link an outside file in: not confined (documented limit)" {
	escape_succeeds shim uring link-in
}
@test "shim | io_uring | rename a root file out: not confined (documented limit)" {
	escape_succeeds shim uring rename-out
}
@test "shim | io_uring | rename through a symlink out: not confined (documented limit)" {
	escape_succeeds shim uring rename-symlink
}

@test "shim | io_uring via syscall() | link an outside file in: io_uring_setup ENOSYS" {
	io_uring_closed link-in
}
@test "shim | io_uring via syscall() | rename a root file out: io_uring_setup ENOSYS" {
	io_uring_closed rename-out
}
@test "shim | io_uring via syscall() | rename through a symlink out: io_uring_setup ENOSYS" {
	io_uring_closed rename-symlink
}
@test "shim | io_uring via syscall(), LINKGUARD_IO_URING=allow | link in: not confined (documented limit)" {
	export LINKGUARD_IO_URING=allow
	escape_succeeds shim uring-libc link-in
}

@test "shim | static, from a confined shell | link an outside file in: exec refused (126)" {
	static_refused link-in
}
@test "shim | static, from a confined shell | rename a root file out: exec refused (126)" {
	static_refused rename-out
}
@test "shim | static, from a confined shell | rename through a symlink out: exec refused (126)" {
	static_refused rename-symlink
}
@test "shim | static, LINKGUARD_STATIC=allow | link in: not confined (documented limit)" {
	export LINKGUARD_STATIC=allow
	prepare shim static
	scenario link-in
	run confined sh -c '"$@"' sh "${ROUTE_CMD[@]}" "${CALL[@]}"
	assert_success
	assert_line ok
	assert_escaped link-in
}
@test "launcher --no-kernel | static command | link an outside file in: refused (126)" {
	prepare shim static
	scenario link-in
	snapshot_outside
	run lg --no-kernel --root "$ROOT" -- "${ROUTE_CMD[@]}" "${CALL[@]}"
	assert_equal "$status" 126
	refute_line ok
	assert_outside_unchanged
}

# --- linkguard --kernel: Landlock's REFER beneath the root ---------------------------------------

@test "--kernel | libc | link an outside file in: EACCES (the shim answers first)" {
	escape_denied refer libc link-in EACCES
}
@test "--kernel | libc | rename a root file out: EACCES (the shim answers first)" {
	escape_denied refer libc rename-out EACCES
}
@test "--kernel | libc | rename through a symlink out: EACCES (the shim answers first)" {
	escape_denied refer libc rename-symlink EACCES
}

@test "--kernel | syscall() | link an outside file in: EACCES (the shim answers first)" {
	escape_denied refer syscall link-in EACCES
}
@test "--kernel | syscall() | rename a root file out: EACCES (the shim answers first)" {
	escape_denied refer syscall rename-out EACCES
}
@test "--kernel | syscall() | rename through a symlink out: EACCES (the shim answers first)" {
	escape_denied refer syscall rename-symlink EACCES
}

@test "--kernel | raw asm | link an outside file in: EXDEV" {
	escape_denied refer asm link-in EXDEV
}
@test "--kernel | raw asm | rename a root file out: EXDEV" {
	escape_denied refer asm rename-out EXDEV
}
@test "--kernel | raw asm | rename through a symlink out: EXDEV" {
	escape_denied refer asm rename-symlink EXDEV
}

@test "--kernel | static | link an outside file in: EXDEV" {
	escape_denied refer static link-in EXDEV
}
@test "--kernel | static | rename a root file out: EXDEV" {
	escape_denied refer static rename-out EXDEV
}
@test "--kernel | static | rename through a symlink out: EXDEV" {
	escape_denied refer static rename-symlink EXDEV
}

@test "--kernel | io_uring | link an outside file in: io_uring_setup ENOSYS (seccomp)" {
	escape_denied refer uring link-in ENOSYS
}
@test "--kernel | io_uring | rename a root file out: io_uring_setup ENOSYS (seccomp)" {
	escape_denied refer uring rename-out ENOSYS
}
@test "--kernel | io_uring | rename through a symlink out: io_uring_setup ENOSYS (seccomp)" {
	escape_denied refer uring rename-symlink ENOSYS
}

@test "--kernel | io_uring via syscall(), allowed | link an outside file in: ENOSYS (seccomp)" {
	escape_denied refer uring-libc link-in ENOSYS
}
@test "--kernel | io_uring via syscall(), allowed | rename a root file out: ENOSYS (seccomp)" {
	escape_denied refer uring-libc rename-out ENOSYS
}
@test "--kernel | io_uring via syscall(), allowed | rename through a symlink out: ENOSYS (seccomp)" {
	escape_denied refer uring-libc rename-symlink ENOSYS
}

# A ring set up before the launcher ran: Landlock checks the credentials a request runs with,
# which are the submitter's unless the request names a registered personality.
@test "--kernel | io_uring on an inherited ring | link an outside file in: ENOSYS (io_uring_enter filtered)" {
	inherited_ring_closed refer
}
@test "--kernel | io_uring on an inherited ring, parent's personality | link in: ENOSYS (io_uring_enter filtered)" {
	inherited_ring_closed refer --personality
}

@test "--kernel | raw asm | same-directory rename outside: not confined (documented limit)" {
	escape_succeeds refer asm same-dir-rename-out
}
@test "--kernel | raw asm | same-directory link outside: not confined (documented limit)" {
	escape_succeeds refer asm same-dir-link-out
}
@test "--kernel | raw asm | rename the root itself: not confined (documented limit)" {
	escape_succeeds refer asm rename-root
}

@test "--kernel | legit | make links and renames across directories of the root" {
	legit_make refer
}
@test "--kernel | legit | cp -al" {
	legit_cp_al refer
}
@test "--kernel | legit | tar with hard links" {
	legit_tar refer
}
@test "--kernel | legit | raw asm link and rename across directories of the root" {
	legit_raw refer asm
}
@test "--kernel | legit | static link and rename across directories of the root" {
	legit_raw refer static
}
@test "--kernel | io_uring in the root: refused as well (ENOSYS; documented limit)" {
	prepare refer uring
	snapshot_outside
	run confined "${ROUTE_CMD[@]}" link "$ROOT/file" "$ROOT/dir/l"
	assert_failure 1
	assert_line "err ENOSYS"
	assert_file_not_exists "$ROOT/dir/l"
	assert_outside_unchanged
}

# --- linkguard with no kernel option: the kernel layer (refer) by default --------------------------

@test "default | libc | link an outside file in: EACCES (the shim answers first)" {
	escape_denied default libc link-in EACCES
}
@test "default | raw asm | link an outside file in: EXDEV (the kernel layer is on by default)" {
	escape_denied default asm link-in EXDEV
}
@test "default | raw asm | rename a root file out: EXDEV" {
	escape_denied default asm rename-out EXDEV
}
@test "default | raw asm | rename through a symlink out: EXDEV" {
	escape_denied default asm rename-symlink EXDEV
}
@test "default | static | link an outside file in: runs with a note, EXDEV" {
	prepare default static
	scenario link-in
	snapshot_outside
	run confined "${ROUTE_CMD[@]}" "${CALL[@]}"
	assert_failure 1
	assert_line "err EXDEV"
	assert_line "linkguard: note: \"$LG_RAW_STATIC\" is a statically linked binary: not preloaded; kernel layer in force"
	assert_outside_unchanged
}
@test "default | io_uring | link an outside file in: io_uring_setup ENOSYS (seccomp)" {
	escape_denied default uring link-in ENOSYS
}
@test "default | legit | static link and rename across directories of the root" {
	legit_raw default static
}
@test "default | legit | make links and renames across directories of the root" {
	legit_make default
}
@test "--no-kernel | raw asm | link an outside file in: not confined (documented limit)" {
	escape_succeeds no-kernel asm link-in
}
@test "--no-kernel | io_uring | link an outside file in: not confined (documented limit)" {
	escape_succeeds no-kernel uring link-in
}

# --- linkguard --kernel=strict: also MAKE_*, REMOVE_*, TRUNCATE beneath the roots -----------------
# Which errno a raw route gets depends on which rights are missing: a link into the root lacks only
# REFER on the source side (EXDEV); a call that creates or removes an entry outside lacks MAKE_* or
# REMOVE_* there (EACCES).

@test "--kernel=strict | libc | link an outside file in: EACCES" {
	escape_denied strict libc link-in EACCES
}
@test "--kernel=strict | libc | rename a root file out: EACCES" {
	escape_denied strict libc rename-out EACCES
}
@test "--kernel=strict | libc | rename through a symlink out: EACCES" {
	escape_denied strict libc rename-symlink EACCES
}

@test "--kernel=strict | syscall() | link an outside file in: EACCES" {
	escape_denied strict syscall link-in EACCES
}
@test "--kernel=strict | syscall() | rename a root file out: EACCES" {
	escape_denied strict syscall rename-out EACCES
}
@test "--kernel=strict | syscall() | rename through a symlink out: EACCES" {
	escape_denied strict syscall rename-symlink EACCES
}

@test "--kernel=strict | raw asm | link an outside file in: EXDEV" {
	escape_denied strict asm link-in EXDEV
}
@test "--kernel=strict | raw asm | rename a root file out: EACCES" {
	escape_denied strict asm rename-out EACCES
}
@test "--kernel=strict | raw asm | rename through a symlink out: EACCES" {
	escape_denied strict asm rename-symlink EACCES
}

@test "--kernel=strict | static | link an outside file in: EXDEV" {
	escape_denied strict static link-in EXDEV
}
@test "--kernel=strict | static | rename a root file out: EACCES" {
	escape_denied strict static rename-out EACCES
}
@test "--kernel=strict | static | rename through a symlink out: EACCES" {
	escape_denied strict static rename-symlink EACCES
}

@test "--kernel=strict | io_uring | link an outside file in: io_uring_setup ENOSYS (seccomp)" {
	escape_denied strict uring link-in ENOSYS
}
@test "--kernel=strict | io_uring | rename a root file out: io_uring_setup ENOSYS (seccomp)" {
	escape_denied strict uring rename-out ENOSYS
}
@test "--kernel=strict | io_uring | rename through a symlink out: io_uring_setup ENOSYS (seccomp)" {
	escape_denied strict uring rename-symlink ENOSYS
}

@test "--kernel=strict | io_uring via syscall(), allowed | link an outside file in: ENOSYS" {
	escape_denied strict uring-libc link-in ENOSYS
}
@test "--kernel=strict | io_uring via syscall(), allowed | rename a root file out: ENOSYS" {
	escape_denied strict uring-libc rename-out ENOSYS
}
@test "--kernel=strict | io_uring via syscall(), allowed | rename through a symlink out: ENOSYS" {
	escape_denied strict uring-libc rename-symlink ENOSYS
}

@test "--kernel=strict | io_uring on an inherited ring | link an outside file in: ENOSYS (io_uring_enter filtered)" {
	inherited_ring_closed strict
}
@test "--kernel=strict | io_uring on an inherited ring, parent's personality | link in: ENOSYS (io_uring_enter filtered)" {
	inherited_ring_closed strict --personality
}

@test "--kernel=strict | libc | mv OUT/a OUT/b (same directory, outside): EACCES" {
	prepare strict libc
	snapshot_outside
	run confined mv "$OUT/secret" "$OUT/secret2"
	assert_failure
	assert_output --partial "Permission denied"
	assert_outside_unchanged
}
@test "--kernel=strict | raw asm | same-directory rename outside: EACCES" {
	escape_denied strict asm same-dir-rename-out EACCES
}
@test "--kernel=strict | raw asm | same-directory link outside: EACCES" {
	escape_denied strict asm same-dir-link-out EACCES
}
@test "--kernel=strict | static | same-directory rename outside: EACCES" {
	escape_denied strict static same-dir-rename-out EACCES
}
@test "--kernel=strict | raw asm | rename the root itself: EACCES" {
	escape_denied strict asm rename-root EACCES
}

@test "--kernel=strict | raw asm | same-directory rename in an --allow-write dir: works" {
	escape_succeeds strict asm aw-rename
}
@test "--kernel=strict | raw asm | rename a root file into an --allow-write dir: EXDEV (REFER only beneath the roots)" {
	escape_denied strict asm rename-to-aw EXDEV
}

@test "--kernel=strict | legit | make links and renames across directories of the root" {
	legit_make strict
}
@test "--kernel=strict | legit | cp -al" {
	legit_cp_al strict
}
@test "--kernel=strict | legit | tar with hard links" {
	legit_tar strict
}
@test "--kernel=strict | legit | raw asm link and rename across directories of the root" {
	legit_raw strict asm
}
@test "--kernel=strict | legit | static link and rename across directories of the root" {
	legit_raw strict static
}
@test "--kernel=strict | io_uring in the root: refused as well (ENOSYS; documented limit)" {
	prepare strict uring
	snapshot_outside
	run confined "${ROUTE_CMD[@]}" link "$ROOT/file" "$ROOT/dir/l"
	assert_failure 1
	assert_line "err ENOSYS"
	assert_file_not_exists "$ROOT/dir/l"
	assert_outside_unchanged
}
