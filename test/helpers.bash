# helpers.bash - shared setup of the bats suites: the artefacts under test, a fresh tree, checks.
#
# CTest passes the artefacts by environment, so the same suites run against an installed copy:
#   LINKGUARD_LIB  the preloaded library      LINKGUARD_BIN  the launcher
#   LGCALL         the one-call driver         LG_ASAN_RUNTIME  (sanitizer build) libasan to preload first

bats_load_library bats-support
bats_load_library bats-assert
bats_load_library bats-file

: "${LINKGUARD_LIB:?LINKGUARD_LIB must name liblinkguard.so (run the suites through ctest)}"
: "${LINKGUARD_BIN:?LINKGUARD_BIN must name the linkguard launcher}"
: "${LGCALL:?LGCALL must name the lgcall driver}"

if [ -n "${LG_ASAN_RUNTIME:-}" ]; then
	# The sanitizer runtime must be loaded before the instrumented shim. Uninstrumented programs
	# (mv, tar, python) leak by LeakSanitizer's standards; leaks are checked in the C tests.
	LG_PRELOAD="$LG_ASAN_RUNTIME:$LINKGUARD_LIB"
	export ASAN_OPTIONS="detect_leaks=0:verify_asan_link_order=0:abort_on_error=0:exitcode=99${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
	export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:exitcode=98"
else
	LG_PRELOAD="$LINKGUARD_LIB"
fi

# A fresh tree for each test: $ROOT (the confinement root) and $OUT (a sibling outside it).
#   $ROOT/file, $ROOT/dir/, $ROOT/dir/sub/      $OUT/secret, $OUT/dir/
lg_tree() {
	ROOT="$BATS_TEST_TMPDIR/root"
	OUT="$BATS_TEST_TMPDIR/out"
	mkdir -p "$ROOT/dir/sub" "$OUT/dir"
	echo data >"$ROOT/file"
	echo secret >"$OUT/secret"
	export ROOT OUT
}

# Run a command confined to $ROOT (or to LG_ROOT when set) through plain LD_PRELOAD.
shim() {
	env LD_PRELOAD="$LG_PRELOAD" LINKGUARD_ROOT="${LG_ROOT-$ROOT}" "$@"
}

# The driver, confined; and the driver, native (for comparing errnos).
lgcall() {
	shim "$LGCALL" "$@"
}
native() {
	"$LGCALL" "$@"
}

# Everything outside the root: path, inode, link count, type and symlink target, one a line.
outside_state() {
	find "$BATS_TEST_TMPDIR" \( -path "$ROOT" -o -name '.outside.*' -o -name 'separate-stderr-*' \) -prune -o \
		-printf '%p %i %n %y %l\n' | sort
}

# Take a snapshot of the outside now; assert_outside_unchanged compares with it later.
snapshot_outside() {
	outside_state >"$BATS_TEST_TMPDIR/.outside.before"
}
assert_outside_unchanged() {
	outside_state >"$BATS_TEST_TMPDIR/.outside.after"
	run diff "$BATS_TEST_TMPDIR/.outside.before" "$BATS_TEST_TMPDIR/.outside.after"
	assert_success
}

inode_of() {
	stat -c %i "$1"
}
links_of() {
	stat -c %h "$1"
}

# assert_same_inode A B: A and B are hard links to one file.
assert_same_inode() {
	assert_equal "$(inode_of "$1")" "$(inode_of "$2")"
}
