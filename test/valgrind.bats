#!/usr/bin/env bats
# valgrind.bats - the driver and the shim are clean under valgrind's memcheck, on every route.

load helpers

setup() {
	[ -z "${LG_ASAN_RUNTIME:-}" ] || skip "valgrind does not run AddressSanitizer builds"
	command -v valgrind >/dev/null || skip "valgrind is not installed"
	lg_tree
	ln -s dir "$ROOT/dl"
	ln -s ../out "$ROOT/esc"
	cd "$ROOT"
}

# memcheck LGCALL-ARGS: the driver confined under memcheck; 99 means memcheck found an error.
# valgrind's tools are static executables that emulate the loader themselves (and so honour
# LD_PRELOAD for the client): the shim judges the tool by its client, here the dynamic driver.
memcheck() {
	run env LD_PRELOAD="$LINKGUARD_LIB" LINKGUARD_ROOT="$ROOT" \
		LINKGUARD_RESOLVER="${LG_RESOLVER:-walk}" \
		valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
		"$LGCALL" "$@"
	[ "$status" -ne 99 ] || fail "memcheck reported errors: $output"
}

@test "memcheck: legit link and rename" {
	memcheck link file dl/a
	assert_line ok
	memcheck rename dl/a dir/sub/b
	assert_line ok
	assert_same_inode "$ROOT/file" "$ROOT/dir/sub/b"
}

@test "memcheck: escapes through .., a symlink and an absolute path" {
	snapshot_outside
	memcheck link file ../out/a
	assert_line "err EACCES"
	memcheck rename file esc/a
	assert_line "err EACCES"
	memcheck linkat cwd file cwd "$OUT/a" 0
	assert_line "err EACCES"
	assert_outside_unchanged
}

@test "memcheck: bad input (NULL, empty, over-long, closed dirfd, unknown flags)" {
	memcheck link NULL x
	assert_line "err EFAULT"
	memcheck rename "" x
	assert_line "err ENOENT"
	memcheck link "$(printf 'a%.0s' {1..5000})" x
	assert_line "err ENAMETOOLONG"
	memcheck linkat closed file cwd x 0
	assert_line "err EBADF"
	memcheck renameat2 cwd file cwd x 0x80
	assert_line "err EINVAL"
}

@test "memcheck: descriptors (AT_EMPTY_PATH, /proc/self/fd/N of an O_TMPFILE)" {
	memcheck linkat "file:$ROOT/file" "" cwd e AT_EMPTY_PATH
	assert_line ok
	memcheck linkat "tmpfile:$ROOT/dir" /proc/self/fd/%o cwd t AT_SYMLINK_FOLLOW
	assert_line ok
	assert_file_exists "$ROOT/t"
}

@test "memcheck: openat2 unknown to valgrind falls back to the walk" {
	LG_RESOLVER=auto memcheck link file dl/c
	assert_line ok
	assert_same_inode "$ROOT/file" "$ROOT/dir/c"
	LG_RESOLVER=auto memcheck link file esc/c
	assert_line "err EACCES"
}

# --- valgrind under the library, without LINKGUARD_STATIC (#10 item 9) --------------------------
# The tool binaries are static, but a dynamic client keeps the preload: valgrind runs, and its
# client is confined. A static client would run under the tool without the preload: refused.

@test "valgrind PROG (shim): a dynamic client runs, confined: its escape is denied, nothing changes" {
	local mv
	mv=$(type -P mv)
	snapshot_outside
	run env LD_PRELOAD="$LINKGUARD_LIB" LINKGUARD_ROOT="$ROOT" valgrind -q "$mv" "$ROOT/file" "$OUT/stolen"
	assert_failure 1
	assert_output --partial "linkguard: denied rename"
	assert_file_exists "$ROOT/file"
	assert_outside_unchanged
	run env LD_PRELOAD="$LINKGUARD_LIB" LINKGUARD_ROOT="$ROOT" valgrind -q mv "$ROOT/file" "$ROOT/dir/moved"
	assert_success
	assert_file_exists "$ROOT/dir/moved"
}

@test "valgrind PROG (shim): a static client is refused with a line that says how to allow it" {
	printf 'int main(void) { return 0; }\n' | "${CC:-cc}" -static -o "$BATS_TEST_TMPDIR/static" -x c - 2>/dev/null ||
		skip "static linking fails here"
	run env LD_PRELOAD="$LINKGUARD_LIB" LINKGUARD_ROOT="$ROOT" valgrind -q "$BATS_TEST_TMPDIR/static"
	assert_failure
	assert_output --partial "\"$BATS_TEST_TMPDIR/static\" is a statically linked binary, which LD_PRELOAD can not confine; allow it with LINKGUARD_STATIC=allow"
}
