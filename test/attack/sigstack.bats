#!/usr/bin/env bats
# sigstack.bats - link and rename from signal handlers on small alternate stacks (lg_sigstack, see
# sigstack.c): SIGSTKSZ, 8 KiB and 16 KiB, each above a guard page, and four threads at once.

bats_require_minimum_version 1.5.0
load ../helpers

: "${LG_SIGSTACK:?LG_SIGSTACK must name the lg_sigstack program (run the suite through ctest)}"

setup() {
	lg_tree
	# A sanitizer build's frames are several times larger: the same test on stacks 4 times larger.
	[ -z "${LG_ASAN_RUNTIME:-}" ] || export LG_SIGSTACK_SCALE=4
}

@test "sigstack: link and rename from handlers on alternate stacks of SIGSTKSZ, 8 and 16 KiB" {
	snapshot_outside
	run --separate-stderr shim "$LG_SIGSTACK" "$ROOT"
	printf '# %s\n' "${lines[@]}" >&3
	assert_success
	refute_output --partial "not ok"
	assert_line --partial "ok 4 - four threads"
	assert_equal "$stderr" ""
	assert_outside_unchanged
}

@test "sigstack: a call refused in a handler on a small stack fails with EACCES and says why" {
	snapshot_outside
	run --separate-stderr shim "$LG_SIGSTACK" "$ROOT" deny
	assert_success
	refute_output --partial "not ok"
	assert_line --partial "ok 4 - four threads"
	[[ ${stderr_lines[0]} == 'linkguard: denied rename("l4", "/lg-sigstack-never"): '* ]] ||
		fail "unexpected diagnostic: ${stderr_lines[0]}"
	# Three lines of a kind, then one notice; at exit, how many more were held back: every one
	# of the 3 + 4 x 200 refusals was counted.
	assert_equal "${#stderr_lines[@]}" 5
	assert_equal "${stderr_lines[4]}" \
		"linkguard: $((3 + 4 * 200 - 3)) more like this not shown: rename, outside"
	assert_outside_unchanged
}

@test "sigstack: a call refused in a handler on a small stack writes its whole JSON log line" {
	snapshot_outside
	LINKGUARD_LOG="$BATS_TEST_TMPDIR/.outside.log" run --separate-stderr shim "$LG_SIGSTACK" "$ROOT" deny
	assert_success
	refute_output --partial "not ok"
	assert_equal "$stderr" ""
	run grep -c '"decision":"deny".*"reason":"\\"/lg-sigstack-never\\" is outside' \
		"$BATS_TEST_TMPDIR/.outside.log"
	assert_output $((3 + 4 * 200))
	assert_outside_unchanged
}
