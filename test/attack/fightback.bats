#!/usr/bin/env bats
# fightback.bats - a confined program fights the library from inside (lg_fightback, see
# fightback.c): it closes or dup2()s over every descriptor, moves its current directory around,
# leaves no descriptor free, forks, runs threads, renames from a signal handler, spawns children
# with and without an environment, and rewrites a path while it is being used. After each phase
# legitimate calls work (where a descriptor is free), escapes fail with EACCES, nothing outside
# the root changed, nothing crashed or hung; on both resolver backends.

bats_require_minimum_version 1.5.0
load ../helpers

: "${LG_FIGHTBACK:?LG_FIGHTBACK must name the lg_fightback program (run the suite through ctest)}"

setup() {
	lg_tree
	# OUT/mirror (the root's layout, outside), OUT/x and ROOT/in/out, before any snapshot.
	LINKGUARD_ROOT="$ROOT" "$LG_FIGHTBACK" setup "$OUT"
	if [ -n "${LG_ASAN_RUNTIME:-}" ]; then
		# A phase may have closed or replaced its stderr: sanitizer reports go to files.
		export ASAN_OPTIONS="$ASAN_OPTIONS:log_path=$BATS_TEST_TMPDIR/.outside.asan"
		export UBSAN_OPTIONS="$UBSAN_OPTIONS:log_path=$BATS_TEST_TMPDIR/.outside.ubsan"
	fi
}

# fightback BACKEND PHASE: run one phase confined (through the shim helper) and check it all.
# BACKEND: default (LINKGUARD_RESOLVER unset: openat2 where the kernel has it) or walk.
fightback() {
	local before
	use_backend "$1"
	before=$(outside_now)
	run --separate-stderr shim "$LG_FIGHTBACK" "$2" "$OUT"
	as_comments "$output"
	if compgen -G "$BATS_TEST_TMPDIR/.outside.*san*" >/dev/null; then
		as_comments "sanitizer reports:" "$(cat "$BATS_TEST_TMPDIR"/.outside.*san*)"
	fi
	assert_success
	refute_output --partial "not ok"
	refute_output --partial "Bail out!"
	assert_line --regexp '^ok 4 - '
	assert_equal "$(outside_now)" "$before"
	# stderr: the library's diagnostics, and ln's and mv's words about its refusals; nothing else
	run grep -v -E '^(linkguard: |ln: failed to create hard link |mv: cannot move )' <<<"$stderr"
	assert_output ""
}

@test "fightback: every descriptor closed between calls (default backend)" {
	fightback default closeall
}

@test "fightback: every descriptor closed between calls (walk backend)" {
	fightback walk closeall
}

@test "fightback: outside directories and files dup2()ed over every descriptor (default backend)" {
	fightback default dup2
}

@test "fightback: outside directories and files dup2()ed over every descriptor (walk backend)" {
	fightback walk dup2
}

@test "fightback: chdir/fchdir inside, outside, into a moved and a deleted directory (default backend)" {
	fightback default chdir
}

@test "fightback: chdir/fchdir inside, outside, into a moved and a deleted directory (walk backend)" {
	fightback walk chdir
}

@test "fightback: RLIMIT_NOFILE leaves no descriptor free (default backend)" {
	fightback default rlimit
}

@test "fightback: RLIMIT_NOFILE leaves no descriptor free (walk backend)" {
	fightback walk rlimit
}

@test "fightback: fork while threads are in the library; children fight too (default backend)" {
	fightback default fork
}

@test "fightback: fork while threads are in the library; children fight too (walk backend)" {
	fightback walk fork
}

@test "fightback: 8 threads link at once after the root descriptor was replaced (default backend)" {
	fightback default threads
}

@test "fightback: 8 threads link at once after the root descriptor was replaced (walk backend)" {
	fightback walk threads
}

@test "fightback: rename from a SIGALRM handler interrupting the library (default backend)" {
	fightback default signal
}

@test "fightback: rename from a SIGALRM handler interrupting the library (walk backend)" {
	fightback walk signal
}

@test "fightback: vfork, vfork+execve and posix_spawn children (lgcall, ln, mv) (default backend)" {
	fightback default spawn
}

@test "fightback: vfork, vfork+execve and posix_spawn children (lgcall, ln, mv) (walk backend)" {
	fightback walk spawn
}

@test "fightback: exec through syscall(SYS_execve/SYS_execveat) with an empty environment" {
	fightback default sysexec
}

@test "fightback: a path buffer flipped between in/x and ../out/x during the call (default backend)" {
	fightback default buffer
}

@test "fightback: a path buffer flipped between in/x and ../out/x during the call (walk backend)" {
	fightback walk buffer
}
