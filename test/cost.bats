#!/usr/bin/env bats
# cost.bats - what every confined program pays at start-up, whatever it does: the work of the
# library's constructor, counted in instructions and system calls (not timed: counts do not
# depend on the machine's load). The figures and their targets are in README, "Cost".

load helpers

setup() {
	[ -z "${LG_ASAN_RUNTIME:-}" ] || skip "a sanitizer build's start-up is the sanitizer's"
	lg_tree
}

# The system calls /bin/true makes confined, one name a line, into $BATS_TEST_TMPDIR/trace; any
# arguments are more NAME=VALUE for its environment.
trace_start() {
	command -v strace >/dev/null || skip "strace is not installed"
	local more=()
	for v in "$@"; do more+=(-E "$v"); done
	env -i PATH=/usr/bin:/bin strace -o "$BATS_TEST_TMPDIR/trace" -E LD_PRELOAD="$LG_PRELOAD" \
		-E LINKGUARD_ROOT="$(realpath "$ROOT")" "${more[@]}" /bin/true
	sed 's/(.*//' "$BATS_TEST_TMPDIR/trace" >"$BATS_TEST_TMPDIR/names"
}

# trace_start, for counts that assume openat2 (without it /proc is reached in more steps).
trace_start_openat2() {
	trace_start "$@"
	grep -q '^openat2$' "$BATS_TEST_TMPDIR/names" || skip "the kernel has no openat2"
}

# assert_calls N ERE: N lines of the trace match ERE.
assert_calls() {
	run grep -cE "$2" "$BATS_TEST_TMPDIR/trace"
	assert_output "$1"
}

@test "start-up: the trusted /proc is proven once, not again before each use" {
	trace_start_openat2
	# Proving it is an fstatfs and an fstat; in a first process it serves the user namespace.
	assert_calls 1 '^fstatfs\('
}

@test "start-up: the start-up environment is read where exec laid it out, with no system call" {
	trace_start
	assert_calls 0 'environ'
}

@test "start-up: the library's identity waits for the first exec (no /proc/self/maps at start)" {
	trace_start
	assert_calls 0 '"self/maps"'
}

@test "start-up: a root spelled without a symlink is not looked up again in /proc" {
	trace_start_openat2
	# (the user namespace's link is read as readlinkat(fd, ""), where the root's would be by name)
	assert_calls 0 '"self/fd|^readlinkat\([0-9]+, "[^"]'
}

# own_calls: the library's system calls in the trace: those after the loader's last (the unmapping
# of its cache, before it runs the constructors) up to the exit, /bin/true making none of its own.
own_calls() {
	local from
	from=$(grep -n '^munmap(' "$BATS_TEST_TMPDIR/trace" | tail -1 | sed 's/:.*//')
	[ -n "$from" ] || fail "no munmap in: $(cat "$BATS_TEST_TMPDIR/trace")"
	sed -n "$((from + 1)),\$p" "$BATS_TEST_TMPDIR/trace" | grep -v '^exit_group\|^+++' \
		>"$BATS_TEST_TMPDIR/own"
	wc -l <"$BATS_TEST_TMPDIR/own"
}

@test "start-up: a first confined process makes at most 9 system calls of its own (it made 22, then 11)" {
	trace_start_openat2
	local n
	n=$(own_calls)
	# It proves /proc (open, fstatfs, fstat) to learn its user namespace there.
	[ "$(grep -c '"/proc"' "$BATS_TEST_TMPDIR/own")" = 1 ] || fail "$(cat "$BATS_TEST_TMPDIR/own")"
	[ "$n" -le 9 ] || fail "$n calls: $(cat "$BATS_TEST_TMPDIR/own")"
}

@test "start-up: a confined process's child makes at most 3 system calls of its own, none in /proc" {
	trace_start_openat2 "LINKGUARD_USERNS=$(userns_now)"
	local n
	n=$(own_calls)
	[ "$(grep -c '/proc\|self/' "$BATS_TEST_TMPDIR/own")" = 0 ] || fail "$(cat "$BATS_TEST_TMPDIR/own")"
	# Its root (openat2, fstat) and "/"; pthread_once wakes nobody when nobody waits.
	[ "$n" -le 3 ] || fail "$n calls: $(cat "$BATS_TEST_TMPDIR/own")"
}

@test "start-up: libc's execvpe, spawners, system and popen are looked up at their first use, not at load" {
	[ -z "${LG_FOREIGN_LIB:-}" ] || platform_skip "reads LD_DEBUG of this machine's loader; the library is built for $LG_FOREIGN_LIB"
	run env -i LD_DEBUG=symbols LD_PRELOAD="$LG_PRELOAD" LINKGUARD_ROOT="$ROOT" /bin/true
	assert_success
	# (the async-signal-safe ones are, as a signal handler may make the first call)
	assert_output --partial "symbol=linkat;"
	assert_output --partial "symbol=execve;"
	refute_output --regexp 'symbol=(execvpe|posix_spawnp?|system|popen);'
	# and the first use finds it
	run env -i LD_DEBUG=symbols LD_PRELOAD="$LG_PRELOAD" LINKGUARD_ROOT="$ROOT" "$LGCALL" exec posix_spawn /bin/true
	assert_success
	assert_output --partial "symbol=posix_spawn;"
}

@test "start-up: the constructor runs in under 25,000 instructions (it took 140,000, then 30,000)" {
	command -v valgrind >/dev/null || skip "valgrind is not installed"
	# valgrind's tools are static programs, refused unless allowed.
	run env -i PATH=/usr/bin:/bin LD_PRELOAD="$LG_PRELOAD" LINKGUARD_ROOT="$ROOT" \
		LINKGUARD_STATIC=allow valgrind --tool=callgrind --toggle-collect=lg_config_at_load \
		--callgrind-out-file="$BATS_TEST_TMPDIR/cg" /bin/true
	assert_success
	local n
	n=$(awk '/^totals:/ { print $2 }' "$BATS_TEST_TMPDIR/cg")
	[ -n "$n" ] || fail "no totals in callgrind's output"
	[ "$n" -gt 1000 ] || fail "only $n instructions counted: the constructor was not found"
	[ "$n" -lt 25000 ] || fail "the constructor took $n instructions"
}

@test "an exec's gate: at most 18 system calls in the parent at its first spawn, 19 as a user (it made 23, 24)" {
	command -v strace >/dev/null || skip "strace is not installed"
	env -i PATH=/usr/bin:/bin strace -o "$BATS_TEST_TMPDIR/trace" -E LD_PRELOAD="$LG_PRELOAD" \
		-E LINKGUARD_ROOT="$(realpath "$ROOT")" "$LGCALL" exec posix_spawn /bin/true
	grep -q '^openat2' "$BATS_TEST_TMPDIR/trace" || skip "the kernel has no openat2"
	# The gate starts with the user-namespace check (the trusted /proc proven: fstatfs and fstat,
	# then "self/ns/user"; the first is the constructor's) and ends where glibc's
	# posix_spawn maps its child's stack. The first spawn also looks up the library's identity
	# (5 calls) and maps the scratch pool (1); a later spawn keeps the user-namespace answer.
	local from to
	from=$(grep -n '"self/ns/user"' "$BATS_TEST_TMPDIR/trace" | sed -n '2s/:.*//p')
	to=$(grep -n 'MAP_STACK' "$BATS_TEST_TMPDIR/trace" | sed -n '1s/:.*//p')
	[ -n "$from" ] && [ -n "$to" ] || fail "no gate found in: $(cat "$BATS_TEST_TMPDIR/trace")"
	# A user who is not root also asks for the program's file capabilities (fgetxattr).
	local n=$((to - (from - 2))) limit=$((18 + ($(id -u) != 0)))
	[ "$n" -le "$limit" ] || fail "$n calls: $(sed -n "$((from - 2)),$((to - 1))p" "$BATS_TEST_TMPDIR/trace")"
}

@test "an exec's gate: a later spawn makes at most 7 system calls in the parent, 8 as a user (it made 12, 13)" {
	command -v strace >/dev/null || skip "strace is not installed"
	local prog=$BATS_TEST_TMPDIR/prog
	cp /bin/true "$prog"
	# lgcall spawns prog, runs system("true"), spawns prog again: the second gate lies between
	# the shell's wait4 (and system's signal restores) and posix_spawn's child stack.
	env -i PATH=/usr/bin:/bin strace -o "$BATS_TEST_TMPDIR/trace" -E LD_PRELOAD="$LG_PRELOAD" \
		-E LINKGUARD_ROOT="$(realpath "$ROOT")" "$LGCALL" respawn "$prog" true
	grep -q '^openat2' "$BATS_TEST_TMPDIR/trace" || skip "the kernel has no openat2"
	local from to
	to=$(grep -n 'MAP_STACK' "$BATS_TEST_TMPDIR/trace" | tail -1 | cut -d: -f1)
	from=$(head -n "$to" "$BATS_TEST_TMPDIR/trace" | grep -n '^wait4' | tail -1 | cut -d: -f1)
	[ -n "$from" ] && [ -n "$to" ] || fail "no second gate in: $(cat "$BATS_TEST_TMPDIR/trace")"
	sed -n "$((from + 1)),$((to - 1))p" "$BATS_TEST_TMPDIR/trace" | grep -v -e '^rt_sig' -e '^--- SIG' >"$BATS_TEST_TMPDIR/gate"
	# the program read (open, fstat, pread, close) with the IDs (getresuid, getresgid), and the
	# library file's stat: the user-namespace answer is kept, not looked up in /proc again. A
	# user who is not root also asks for the program's file capabilities (fgetxattr).
	local limit=$((7 + ($(id -u) != 0)))
	[ "$(wc -l <"$BATS_TEST_TMPDIR/gate")" -le "$limit" ] || fail "$(cat "$BATS_TEST_TMPDIR/gate")"
	grep -q "open.*\"$prog\"" "$BATS_TEST_TMPDIR/gate" || fail "no look at the program: $(cat "$BATS_TEST_TMPDIR/gate")"
	! grep -q 'ns/user' "$BATS_TEST_TMPDIR/gate" || fail "the namespace looked up again: $(cat "$BATS_TEST_TMPDIR/gate")"
}
