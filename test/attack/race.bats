#!/usr/bin/env bats
# race.bats - an unconfined attacker races a confined program (lg_race, see race.c): it exchanges
# directories with symlinks out of the root, and moves a directory out of the root and back, while
# the program links and renames through them. Nothing may ever land outside the root, and both
# outcomes (success and EACCES) must be seen, on both resolver backends.
#
# Calls per run: LG_RACE_SWAP_CALLS, LG_RACE_DOTDOT_CALLS and LG_RACE_LOG_CALLS make a longer soak.

bats_require_minimum_version 1.5.0
load ../helpers

: "${LG_RACE:?LG_RACE must name the lg_race program (run the suite through ctest)}"

SWAP_CALLS=${LG_RACE_SWAP_CALLS:-50000}
DOTDOT_CALLS=${LG_RACE_DOTDOT_CALLS:-25000}
# The diagnostics' races: long enough (a phase of 0.2 s or more) that an attacker the scheduler
# stalls for a phase's length on a loaded machine does not leave one outcome unseen.
LOG_CALLS=${LG_RACE_LOG_CALLS:-20000}

setup() {
	# Both trees (see race.c): DIR/race/root and its outside, DIR/dd/w/sel/a and its outside.
	DIR="$BATS_TEST_TMPDIR"
	SWAP_ROOT="$DIR/race/root"
	DOTDOT_ROOT="$DIR/dd/w/sel/a"
	"$LG_RACE" setup "$DIR"
}

# race MODE ROOT CALLS BACKEND [LOG]: lg_race starts unconfined, forks its attacker and confines
# its own victim with LD_PRELOAD=$LG_PRELOAD. Every test of its TAP plan must pass, and the
# outside (everything in the test's directory but ROOT) must be as before, inode by inode.
race() {
	local mode=$1 calls=$3 log=${5:-none}
	local before
	ROOT=$2
	use_backend "$4"
	before=$(outside_now)
	run --separate-stderr env LG_PRELOAD="$LG_PRELOAD" LINKGUARD_ROOT="$ROOT" \
		LINKGUARD_LOG="$log" "$LG_RACE" "$mode" "$DIR" "$calls"
	as_comments "$output"
	assert_success
	refute_output --partial "not ok"
	refute_output --partial "Bail out!"
	assert_line --regexp '^ok 4 - '
	assert_equal "$(outside_now)" "$before"
}

@test "race: d <-> symlink out, top and nested, linked and renamed through (default backend)" {
	race swap "$SWAP_ROOT" "$SWAP_CALLS" default
	assert_equal "$stderr" ""
}

@test "race: d <-> symlink out, top and nested, linked and renamed through (walk backend)" {
	race swap "$SWAP_ROOT" "$SWAP_CALLS" walk
	assert_equal "$stderr" ""
}

@test "race: the openat2 selftest's attack, a/c <-> b under c/../.. (default backend)" {
	race dotdot "$DOTDOT_ROOT" "$DOTDOT_CALLS" default
	assert_equal "$stderr" ""
}

@test "race: the openat2 selftest's attack, a/c <-> b under c/../.. (walk backend)" {
	race dotdot "$DOTDOT_ROOT" "$DOTDOT_CALLS" walk
	assert_equal "$stderr" ""
}

# One diagnostic line per denial (and one for lg_race's probe before the race), each whole.
@test "race: every denial under the race writes exactly one whole log line" {
	# (stderr collapses repeats after a few lines a kind; the JSON log keeps every denial)
	local denials log="$BATS_TEST_TMPDIR/.outside.race.jsonl"
	race swap "$SWAP_ROOT" "$LOG_CALLS" default "$log"
	denials=$(printf '%s\n' "$output" | sed -n 's/^# denials: //p')
	[ "$denials" -gt 0 ]
	assert_equal "$(grep -c . "$log")" "$denials"
	run python3 -c '
import json, sys
print(sum(json.loads(l)["decision"] == "deny" for l in open(sys.argv[1])))' "$log"
	assert_output "$denials"
}

@test "race: on stderr, whole diagnostic lines, at most 3 of a kind, then one notice" {
	race swap "$SWAP_ROOT" "$LOG_CALLS" default stderr
	run grep -v -e '^linkguard: denied [a-zA-Z0-9_]*(".*", ".*"): ' \
		-e '^linkguard: more denials like the last one ([A-Za-z0-9_]*, [a-z-]*) in this process are not shown; LINKGUARD_LOG=FILE keeps every one$' \
		-e '^linkguard: [0-9]* more like this not shown: [A-Za-z0-9_]*, [a-z-]*$' <<<"$stderr"
	assert_output ""
	# Per call and reason, in this one victim process: no more than 3 lines.
	run bash -c 'grep "^linkguard: denied" |
		sed -E "s/^linkguard: denied ([A-Za-z0-9_]*)\(.*(is outside|climbs out of|follows a symlink out of|names the root itself|refers to a file outside|root was moved).*/\1 \2/" |
		sort | uniq -c | awk "\$1 > 3"' <<<"$stderr"
	assert_output ""
}
