#!/usr/bin/env bats
# platform.bats - what differs with the C library or the architecture: the exec family keeps a
# child confined whatever libc does inside (musl, like glibc, calls its own execve and
# posix_spawn directly, so each public entry point is wrapped), and under a library this
# machine's programs can not load (musl-linked here) they never run unconfined.

# shellcheck disable=SC2154 # $stderr and $stderr_lines come from bats: run --separate-stderr
bats_require_minimum_version 1.5.0
load helpers

setup() {
	lg_tree
}

# The driver, built for the platform under test, execs itself: not from inside an emulator
# without binfmt_misc (qemu-user hands an exec to this machine's kernel).
require_native_exec() {
	if [ -n "${LG_FOREIGN_LIB:-}" ] && [[ $LG_FOREIGN_LIB == *"(run by "* ]]; then
		platform_skip "an emulated program's exec needs binfmt_misc, which CI does not register"
	fi
}

# child_confined VIA: the driver empties its environment and, through VIA, runs the driver again
# to link a file outside into the root: the library and the root reach the child all the same.
child_confined() {
	require_native_exec
	freeze
	run --separate-stderr lgcall exec "$1" "$LGCALL" link "$OUT/secret" "$ROOT/stolen"
	assert_denied link "$OUT/secret" "$ROOT/stolen"
	assert_nothing_changed
}

@test "exec family, environment emptied: execve's child is confined" {
	child_confined execve
}

@test "exec family, environment emptied: execv's child is confined" {
	child_confined execv
}

@test "exec family, environment emptied: execvp's child is confined" {
	child_confined execvp
}

@test "exec family, environment emptied: execl's child is confined" {
	child_confined execl
}

@test "exec family, environment emptied: posix_spawn's child is confined" {
	child_confined posix_spawn
}

@test "exec family, environment emptied: posix_spawnp's child is confined" {
	child_confined posix_spawnp
}

# host_shell_loads_library: /bin/sh can load the library under test (same libc and architecture).
host_shell_loads_library() {
	[ -z "${LG_FOREIGN_LIB:-}" ]
}

# shell_child_confined VIA: system or popen, environment emptied, runs the driver by /bin/sh.
# Where this machine's /bin/sh can not load the library (a musl-linked library on a glibc
# system), the shell must not start at all: the loader refuses it, and nothing changes.
shell_child_confined() {
	require_native_exec
	freeze
	run --separate-stderr lgcall exec "$1" "exec '$LGCALL' link '$OUT/secret' '$ROOT/stolen'"
	if host_shell_loads_library; then
		assert_denied link "$OUT/secret" "$ROOT/stolen"
	else
		assert_equal "$status" 127
		[[ $stderr == *"error while loading shared libraries"* ]] ||
			fail "the shell started without the library: $stderr"
	fi
	assert_nothing_changed
}

@test "system(), environment emptied: the shell's child is confined (or the shell does not start)" {
	shell_child_confined system
}

@test "popen(), environment emptied: the shell's child is confined (or the shell does not start)" {
	shell_child_confined popen
}

@test "a program of this machine that can not load the library does not run unconfined" {
	[ -n "${LG_FOREIGN_LIB:-}" ] || platform_skip "the library is built for this machine: every program loads it"
	[[ $LG_FOREIGN_LIB != *"(run by "* ]] ||
		platform_skip "a host program ignores a preload of another architecture (glibc's loader warns and runs it); the exec gate refuses such programs"
	freeze
	run --separate-stderr shim mv "$ROOT/file" "$OUT/dir/"
	assert_equal "$status" 127
	[[ $stderr == *"error while loading shared libraries"* ]] || fail "mv ran: $stderr"
	assert_nothing_changed
}

@test "dlsym of libc's own handle hands back the wrapper: a link out through it is denied" {
	denied link "$OUT/secret" "$ROOT/stolen" -- dl_link "$OUT/secret" "$ROOT/stolen"
}

@test "dlsym of libc's own handle: a link inside the root through it works" {
	run lgcall dl_link "$ROOT/file" "$ROOT/new"
	assert_ok
	assert_same_inode "$ROOT/file" "$ROOT/new"
}
