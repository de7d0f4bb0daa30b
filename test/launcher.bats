#!/usr/bin/env bats
# launcher.bats - the `linkguard` command: options, roots, exit statuses, LD_PRELOAD handling,
# and that what it runs (and its children) stay confined.

load helpers
bats_require_minimum_version 1.5.0

setup() {
	lg_tree
	cd "$ROOT"
}

teardown() {
	remove_scratch
}

# --- --help, --version --------------------------------------------------------------------------

@test "--help: exits 0 and shows usage and an example" {
	run_split lg --help
	assert_success
	assert_equal "$stderr" ""
	assert_line --index 0 --regexp '^usage: linkguard .*\[--\] COMMAND \[ARG\.\.\.\]$'
	assert_output --partial "Example"
	assert_output --partial "--root DIR"
	assert_output --partial "Exit status"
}

@test "--help: the example it shows runs as shown" {
	local ws="$BATS_TEST_TMPDIR/ws" script
	run lg --help
	# The example's command lines, with its scratch paths moved into this test's directory.
	script=$(printf '%s\n' "$output" | sed -n 's/^  \(mkdir\|linkguard\) /\1 /p' |
		sed -e "s|/tmp/ws|$ws|g" -e "s|/var/tmp/stolen|$OUT/stolen|g" \
			-e "s|/tmp/stolen|$OUT/stolen|g" -e "s|^linkguard |lg |")
	assert_equal "$(printf '%s\n' "$script" | wc -l)" 3
	# First line: set up; second: the legit ln + mv; third: the escape.
	run bash -c "$(declare -f lg); set -e; $(sed -n 1p <<<"$script") && $(sed -n 2p <<<"$script")"
	assert_success
	assert_output "a
c"
	assert_same_inode "$ws/a" "$ws/c"
	snapshot_outside
	run bash -c "$(declare -f lg); cd '$ws' && $(sed -n 3p <<<"$script")"
	assert_failure 1
	assert_line --regexp "^linkguard: denied [a-z0-9]+\\(\"a\", \"$OUT/stolen\"\\): \"$OUT/stolen\" is outside root \"$ws\"\$"
	assert_line "mv: cannot move 'a' to '$OUT/stolen': Permission denied"
	assert_file_exists "$ws/a"
	assert_file_not_exists "$OUT/stolen"
	assert_outside_unchanged
}

@test "-h is --help" {
	run lg -h
	assert_success
	assert_line --index 0 --partial "usage: linkguard"
}

@test "--version: exits 0 and prints the name and a version number" {
	run_split lg --version
	assert_success
	assert_equal "$stderr" ""
	assert_output --regexp '^linkguard [0-9]+\.[0-9]+\.[0-9]+$'
}

# --- roots --------------------------------------------------------------------------------------

@test "default root: the current directory" {
	run lg -- printenv LINKGUARD_ROOT
	assert_success
	assert_output "$(pwd -P)"
}

@test "default root: an in-root ln and mv work, an escape from cwd is denied" {
	local ino
	ino=$(inode_of file)
	run lg sh -c 'ln file dir/linked && mv dir/linked dir/sub/moved'
	assert_success
	assert_output ""
	assert_equal "$(inode_of dir/sub/moved)" "$ino"
	assert_equal "$(links_of file)" 2
	snapshot_outside
	run lg mv file ../out/
	assert_failure
	assert_line --partial "linkguard: denied"
	assert_file_exists file
	assert_outside_unchanged
}

@test "--root with an absolute directory: confines to it, from any current directory" {
	cd "$OUT"
	run lg --root "$ROOT" -- printenv LINKGUARD_ROOT
	assert_output "$ROOT"
	snapshot_outside
	run lg --root "$ROOT" -- mv "$ROOT/file" "$OUT/stolen"
	assert_failure
	assert_line --partial "is outside root \"$ROOT\""
	assert_file_exists "$ROOT/file"
	assert_outside_unchanged
	run lg --root "$ROOT" -- ln "$ROOT/file" "$ROOT/dir/linked"
	assert_success
	assert_same_inode "$ROOT/file" "$ROOT/dir/linked"
}

@test "--root with a relative directory: made absolute against the current directory" {
	cd "$BATS_TEST_TMPDIR"
	run lg --root root -- printenv LINKGUARD_ROOT
	assert_output "$(pwd -P)/root"
	run lg --root root/dir -- printenv LINKGUARD_ROOT
	assert_output "$(pwd -P)/root/dir"
	run lg --root . -- printenv LINKGUARD_ROOT
	assert_output "$(pwd -P)"
}

@test "--root relative: confinement holds (ln inside works, mv out is denied)" {
	cd "$BATS_TEST_TMPDIR"
	run lg --root root -- ln root/file root/linked
	assert_success
	assert_same_inode root/file root/linked
	snapshot_outside
	run lg --root root -- mv root/file out/stolen
	assert_failure
	assert_line --partial "linkguard: denied"
	assert_file_exists root/file
	assert_outside_unchanged
}

@test "--root repeated: every root in LINKGUARD_ROOT, in order; renames between them work" {
	local other="$BATS_TEST_TMPDIR/other" ino
	mkdir "$other"
	run lg --root "$ROOT" --root "$other" -- printenv LINKGUARD_ROOT
	assert_output "$ROOT:$other"
	ino=$(inode_of file)
	run lg --root "$ROOT" --root "$other" -- mv "$ROOT/file" "$other/moved"
	assert_success
	assert_equal "$(inode_of "$other/moved")" "$ino"
	run lg --root "$ROOT" --root "$other" -- ln "$other/moved" "$ROOT/back"
	assert_success
	assert_same_inode "$other/moved" "$ROOT/back"
}

@test "--root repeated: a third directory is still outside, and the message names both roots" {
	local other="$BATS_TEST_TMPDIR/other"
	mkdir "$other"
	snapshot_outside
	run lg --root "$ROOT" --root "$other" -- mv "$ROOT/file" "$OUT/stolen"
	assert_failure
	assert_line --partial "is outside roots \"$ROOT\", \"$other\""
	assert_file_exists "$ROOT/file"
	assert_outside_unchanged
}

@test "--root: an inherited LINKGUARD_ROOT is replaced, not kept" {
	snapshot_outside
	LINKGUARD_ROOT=/ run lg --root "$ROOT" -- mv file "$OUT/stolen"
	assert_failure
	assert_line --partial "is outside root \"$ROOT\""
	assert_file_exists file
	assert_outside_unchanged
	LINKGUARD_ROOT="$OUT" run lg -- printenv LINKGUARD_ROOT
	assert_output "$ROOT"
}

@test "--root of a missing directory: exit 125 with a message, the command does not run" {
	run_split lg --root "$BATS_TEST_TMPDIR/missing" -- touch "$ROOT/ran"
	assert_failure 125
	assert_equal "$stderr" "linkguard: root \"$BATS_TEST_TMPDIR/missing\" does not exist; create it with: mkdir -p $BATS_TEST_TMPDIR/missing"
	assert_file_not_exists "$ROOT/ran"
}

@test "--root of a regular file: exit 125 with a message" {
	run_split lg --root "$ROOT/file" -- touch "$ROOT/ran"
	assert_failure 125
	assert_equal "$stderr" "linkguard: root \"$ROOT/file\" is not a directory"
	assert_file_not_exists "$ROOT/ran"
}

@test "--root with an empty string: exit 125 with a message" {
	run_split lg --root "" -- touch "$ROOT/ran"
	assert_failure 125
	[[ "$stderr" == "linkguard: "*"root"*"empty"* ]]
	assert_file_not_exists "$ROOT/ran"
}

@test "--root of a directory whose name holds ':': exit 125 (it would split the list)" {
	mkdir "$BATS_TEST_TMPDIR/a:b"
	run_split lg --root "$BATS_TEST_TMPDIR/a:b" -- touch "$ROOT/ran"
	assert_failure 125
	[[ "$stderr" == "linkguard: "*"':'"* ]]
	assert_file_not_exists "$ROOT/ran"
}

@test "--root as the last argument, without a directory: exit 125 naming --root" {
	run_split lg --root
	assert_failure 125
	[[ "$stderr" == "linkguard: "*"--root"* ]]
}

# --- usage errors and exit statuses ---------------------------------------------------------------

@test "unknown option: exit 125 with a message and the usage" {
	run_split lg --frobnicate -- true
	assert_failure 125
	assert_equal "$output" ""
	[[ "$stderr" == "linkguard: "*'option "--frobnicate"'* ]]
	[[ "$stderr" == *"usage: linkguard"* ]]
}

@test "no command: exit 125 with a message" {
	run_split lg
	assert_failure 125
	[[ "$stderr" == "linkguard: no command given"* ]]
	run_split lg --root "$ROOT" --
	assert_failure 125
	[[ "$stderr" == "linkguard: no command given"* ]]
}

@test "command not found: exit 127 with a message" {
	run_split -127 lg -- linkguard-test-no-such-command
	[[ "$stderr" == 'linkguard: cannot run "linkguard-test-no-such-command": '* ]]
	run_split -127 lg -- "$BATS_TEST_TMPDIR/no/such/program"
}

@test "command not executable: exit 126 with a message" {
	printf '#!/bin/sh\necho ran\n' >"$BATS_TEST_TMPDIR/not-exec"
	chmod 644 "$BATS_TEST_TMPDIR/not-exec"
	run_split lg -- "$BATS_TEST_TMPDIR/not-exec"
	assert_failure 126
	assert_equal "$output" ""
	[[ "$stderr" == "linkguard: cannot run \"$BATS_TEST_TMPDIR/not-exec\": Permission denied" ]]
	run_split lg -- "$ROOT/dir"
	assert_failure 126
}

@test "the command's own exit status is passed through" {
	run lg sh -c 'exit 7'
	assert_failure 7
	run lg -- false
	assert_failure 1
	run lg -- true
	assert_success
	run lg sh -c 'exit 125'
	assert_failure 125
}

@test "a command killed by a signal: the launcher's status is the shell's 128+N" {
	run lg sh -c 'kill -TERM $$'
	assert_failure 143
}

@test "arguments after the command are the command's, options included" {
	run lg printf '%s|' --root --help -- x
	assert_success
	assert_output "--root|--help|--|x|"
}

@test "'--' lets a command whose name starts with '-' run" {
	printf '#!/bin/sh\necho dash-ran\n' >"$BATS_TEST_TMPDIR/-dash"
	chmod +x "$BATS_TEST_TMPDIR/-dash"
	PATH="$BATS_TEST_TMPDIR:$PATH" run lg -- -dash
	assert_success
	assert_output "dash-ran"
}

# --- LD_PRELOAD ---------------------------------------------------------------------------------

@test "LD_PRELOAD: the library is put first when nothing else is preloaded" {
	LD_PRELOAD='' run "$LINKGUARD_BIN" -- printenv LD_PRELOAD
	assert_success
	assert_equal "$(realpath "$output")" "$(realpath "$LINKGUARD_LIB")"
}

@test "LD_PRELOAD: an existing preload is kept, after the library (a sanitizer runtime stays first)" {
	local extra first
	extra=$(ldd "$LGCALL" | awk '/libc\.so/ { print $3 }')
	[ -f "$extra" ]
	local want="${LG_ASAN_RUNTIME:+$LG_ASAN_RUNTIME:}$extra"
	LD_PRELOAD="$want" run "$LINKGUARD_BIN" -- printenv LD_PRELOAD
	assert_success
	first=${output#"${LG_ASAN_RUNTIME:+$LG_ASAN_RUNTIME:}"}
	assert_equal "$(realpath "${first%%:*}")" "$(realpath "$LINKGUARD_LIB")"
	assert_equal "${first#*:}" "$extra"
	# ...and with it the command is still confined.
	snapshot_outside
	LD_PRELOAD="$want" run "$LINKGUARD_BIN" -- mv file "$OUT/stolen"
	assert_failure
	assert_line --partial "linkguard: denied"
	assert_file_exists file
	assert_outside_unchanged
}

@test "a launcher without its library next to it: exit 125, the command does not run" {
	[ ! -e /usr/local/lib/liblinkguard.so ] || skip "an installed liblinkguard.so would be found"
	mkdir -p "$BATS_TEST_TMPDIR/lonely/bin"
	cp "$LINKGUARD_BIN" "$BATS_TEST_TMPDIR/lonely/bin/linkguard"
	LD_PRELOAD="${LG_ASAN_RUNTIME:-}" run_split "$BATS_TEST_TMPDIR/lonely/bin/linkguard" -- touch ran
	assert_failure 125
	[[ "$stderr" == "linkguard: cannot find liblinkguard.so"* ]]
	assert_file_not_exists ran
}

# --- --audit, --log ---------------------------------------------------------------------------

@test "--audit: escapes go through, are reported, counted on exit; the status is the command's" {
	run_split lg --audit -- sh -c "ln file '$OUT/audited'; exit 3"
	assert_failure 3
	[[ "$stderr" == *"linkguard: audit: would deny linkat(\"file\", \"$OUT/audited\")"* ]]
	[[ "$stderr" == *"linkguard: audit: 1 call would have been denied"* ]]
	assert_same_inode file "$OUT/audited"
}

@test "--log FILE (relative): made absolute; denials go there as JSON, not to stderr" {
	cd "$BATS_TEST_TMPDIR"
	snapshot_outside
	run_split lg --root root --log lg.jsonl -- ln root/file out/stolen
	assert_failure
	refute_output --partial "linkguard:"
	# No line per denial; the launcher's summary says where they are.
	[[ "$stderr" != *"linkguard: denied"* ]]
	[[ "$stderr" == *"linkguard: 1 call was denied; the first distinct one:"* ]]
	[[ "$stderr" == *"linkguard: every one is in $BATS_TEST_TMPDIR/lg.jsonl"* ]]
	run python3 -c '
import json, sys
r = json.loads(open(sys.argv[1]).read())
print(r["decision"], r["call"], r["old"], r["new"])' "$BATS_TEST_TMPDIR/lg.jsonl"
	assert_output "deny linkat root/file out/stolen"
	rm lg.jsonl
	assert_outside_unchanged
}

@test "--log none: a denial is silent (ln's own error remains)" {
	snapshot_outside
	run_split lg --log none -- ln file "$OUT/stolen"
	assert_failure
	[[ "$stderr" != *"linkguard:"* ]]
	[[ "$stderr" == *"Permission denied"* ]]
	assert_outside_unchanged
}

@test "--log with an empty destination: exit 125" {
	run_split lg --log "" -- touch ran
	assert_failure 125
	[[ "$stderr" == "linkguard: "*"--log"* ]]
	assert_file_not_exists ran
}

# --- --log: what the launcher does to the log at exit ----------------------------------------------

# file_state FILE: what must not change in a file outside: inode, mode, owner, size, content.
file_state() {
	stat -c '%i %a %U %G %s' "$1"
	cat "$1"
}

# log_dir_swapped WHO EMPTY: the launcher (as WHO) runs under --kernel=strict a command that
# makes a denial, moves the log's directory away and puts a symlink to an outside directory on
# its path; with EMPTY=yes it first replaces the log by a forged one, so that the launcher must
# write it again. As root the command drops to the unprivileged user, as in the red team's
# reproducer. Nothing outside may be created or replaced; the log stays in the directory the
# launcher opened at start.
log_dir_swapped() {
	local who=$1 empty=$2 ws target drop=() before forge=
	user_scratch "$who"
	SCRATCH=$(realpath "$SCRATCH")
	ws="$SCRATCH/ws" target="$SCRATCH/target"
	as_who "$who" mkdir -p "$ws/logs" "$target"
	as_who "$who" sh -c "echo data >'$ws/file'; echo important >'$target/lg.jsonl'; chmod 600 '$target/lg.jsonl'"
	if [ "$who" = root ]; then
		chown -R "$(lg_test_user):" "$ws"
		drop=(setpriv --reuid="$(lg_test_user)" --regid="$(lg_test_user)" --clear-groups)
	fi
	cd "$ws"
	run as_who "$who" "$LINKGUARD_BIN" --root "$ws" --kernel=strict -- true
	[ "$status" != 125 ] || skip "no Landlock here: $output"
	[ "$empty" = yes ] && forge="rm logs.old/lg.jsonl; echo forged >logs.old/lg.jsonl;"
	before=$(file_state "$target/lg.jsonl")
	run_split as_who "$who" env LD_PRELOAD="${LG_ASAN_RUNTIME:-}" "$LINKGUARD_BIN" --root "$ws" \
		--kernel=strict --log "$ws/logs/lg.jsonl" -- "${drop[@]}" sh -c "
		ln file '$target/stolen'
		mv logs logs.old && $forge ln -s '$target' logs"
	assert_success
	# Outside: the same file, nothing new beside it.
	assert_equal "$(file_state "$target/lg.jsonl")" "$before"
	assert_equal "$(ls -A "$target")" "lg.jsonl"
	assert_equal "$(readlink "$ws/logs")" "$target"
	# The log: in the directory opened at start, with the denial.
	run grep -c "\"new\":\"$target/stolen\",\"decision\":\"deny\"" "$ws/logs.old/lg.jsonl"
	assert_output 1
	[[ "$stderr" == *"linkguard: every one is in $ws/logs.old/lg.jsonl"* ]] || fail "$stderr"
	[[ "$stderr" == *"linkguard: the log's directory $ws/logs was moved during the run; the launcher kept to the directory it opened at start, now $ws/logs.old"* ]] || fail "$stderr"
	if [ "$empty" = yes ]; then
		[[ "$stderr" == *"linkguard: the log $ws/logs.old/lg.jsonl was emptied, rewritten or replaced during the run; the launcher wrote it again from its own copy"* ]] || fail "$stderr"
		assert_equal "$(ls -A "$ws/logs.old")" "lg.jsonl"
	fi
}

@test "--log: the command swaps the log's directory for a symlink out: nothing outside is created or replaced (as root and as a user)" {
	for who in $(lg_identities); do
		log_dir_swapped "$who" no
		remove_scratch
	done
}

@test "--log: ... and replaces the log too: it is written again in the directory opened at start, not through the symlink (as root and as a user)" {
	for who in $(lg_identities); do
		log_dir_swapped "$who" yes
		remove_scratch
	done
}

@test "--log: a line rewritten in place (same size, same inode) is caught; the log is written again from the launcher's copy" {
	local log="$BATS_TEST_TMPDIR/lg.jsonl" ino
	echo '{"earlier":"run"}' >"$log"
	chmod 640 "$log"
	# Untouched, the log is left as it is, a record a process appended by itself included.
	ino=$(inode_of "$log")
	run_split lg --log "$log" -- python3 -c "
import subprocess
subprocess.run(['ln', 'file', '$OUT/direct'])"
	[[ "$stderr" != *"wrote it again"* ]] || fail "$stderr"
	assert_equal "$(inode_of "$log")" "$ino"
	# The command waits until the launcher has logged its denial, then hides it in place
	# ("deny" -> "xxxx"), and rewrites the earlier run's first line too.
	cat >"$BATS_TEST_TMPDIR/rewrite.py" <<-'EOF'
		import os, sys, time
		log, new = sys.argv[1], b'"new":"%s"' % sys.argv[2].encode()
		for _ in range(200):
		    if new in open(log, 'rb').read():
		        break
		    time.sleep(0.05)
		fd = os.open(log, os.O_RDWR)
		text = os.pread(fd, 1 << 20, 0)
		os.pwrite(fd, b'xxxx', text.index(b'deny', text.index(new)))
		os.pwrite(fd, b'E', 2)
	EOF
	cp "$log" "$BATS_TEST_TMPDIR/before"
	run_split lg --log "$log" -- sh -c "
		ln file '$OUT/a'
		python3 -c \"import subprocess; subprocess.run(['ln', 'file', '$OUT/b'])\"
		python3 '$BATS_TEST_TMPDIR/rewrite.py' '$log' '$OUT/a'
		true"
	assert_success
	[[ "$stderr" == *"linkguard: the log $log was emptied, rewritten or replaced during the run; the launcher wrote it again from its own copy"* ]] || fail "$stderr"
	run grep -c xxxx "$log"
	assert_output 0
	# Exactly what was there, the launcher's record, and the record a child appended itself.
	assert_equal "$(head -n 2 "$log")" "$(cat "$BATS_TEST_TMPDIR/before")"
	run grep -c "\"new\":\"$OUT/a\",\"decision\":\"deny\"" "$log"
	assert_output 1
	run grep -c "\"new\":\"$OUT/b\",\"decision\":\"deny\".*\"direct\":true}$" "$log"
	assert_output 1
	assert_equal "$(wc -l <"$log")" 4
	assert_equal "$(stat -c %a "$log")" 640
}

# --- children -----------------------------------------------------------------------------------

@test "children: a nested shell's mv out of the root is denied" {
	snapshot_outside
	run lg --root "$ROOT" -- sh -c 'sh -c "mv file ../out/stolen"; echo "inner status $?"'
	assert_success
	assert_line "inner status 1"
	assert_line --partial "linkguard: denied"
	assert_file_exists file
	assert_outside_unchanged
}

@test "children: a nested shell's ln and mv inside the root work" {
	local ino
	ino=$(inode_of file)
	run lg --root "$ROOT" -- sh -c 'sh -c "ln file dir/l && mv dir/l dir/sub/m"'
	assert_success
	assert_equal "$(inode_of dir/sub/m)" "$ino"
}

@test "children: make recipes are confined (in-tree ln works, out-of-tree mv is denied)" {
	command -v make >/dev/null || skip "make not installed"
	printf 'all:\n\tln file dir/made\n\tmv dir/made dir/sub/made\nescape:\n\tmv file ../out/made\n' \
		>Makefile
	run lg make --no-print-directory all
	assert_success
	assert_same_inode file dir/sub/made
	snapshot_outside
	run lg make --no-print-directory escape
	assert_failure
	assert_line --partial "linkguard: denied"
	assert_line --partial "mv: cannot move 'file'"
	assert_file_exists file
	assert_outside_unchanged
}

@test "children: escapes by absolute path through the launcher each fail, nothing changes outside" {
	snapshot_outside
	run lg --root "$ROOT" -- sh -c "
		ln '$OUT/secret' planted; echo ln-in \$?
		mv '$ROOT/file' '$OUT/'; echo mv-out \$?
		mv '$OUT/secret' '$ROOT/'; echo mv-in \$?
		cp -al '$ROOT' '$OUT/dir/copy'; echo cp-al-out \$?"
	assert_success
	assert_line "ln-in 1"
	assert_line "mv-out 1"
	assert_line "mv-in 1"
	assert_line "cp-al-out 1"
	assert_file_not_exists planted
	assert_file_exists file
	assert_file_not_exists secret
	assert_equal "$(links_of "$OUT/secret")" 1
	assert_equal "$(links_of file)" 1
	# cp -al may create the directories it links into (mkdir is not confined), nothing else.
	assert_equal "$(find "$OUT/dir/copy" ! -type d)" ""
	rm -r "$OUT/dir/copy"
	assert_outside_unchanged
}

@test "children: a child that scrubs LD_PRELOAD (env -u, env -i) is still confined" {
	snapshot_outside
	run lg -- env -u LD_PRELOAD mv file "$OUT/"
	assert_failure
	assert_line --partial "linkguard: denied"
	# (A sanitizer build needs its ASAN_OPTIONS even in a scrubbed environment.)
	run lg -- env -i ${ASAN_OPTIONS:+"ASAN_OPTIONS=$ASAN_OPTIONS"} "$(command -v mv)" file "$OUT/"
	assert_failure
	assert_line --partial "linkguard: denied"
	assert_file_exists file
	assert_outside_unchanged
}

@test "children: a child that sets LINKGUARD_ROOT=/ or LINKGUARD_MODE=audit is still confined" {
	snapshot_outside
	run lg -- sh -c "LINKGUARD_ROOT=/ mv file '$OUT/'"
	assert_failure
	assert_line --partial "is outside root \"$ROOT\""
	run lg -- sh -c "LINKGUARD_MODE=audit LINKGUARD_LOG=none ln file '$OUT/stolen'"
	assert_failure
	assert_line --partial "linkguard: denied"
	assert_file_exists file
	assert_equal "$(links_of file)" 1
	assert_outside_unchanged
}

@test "children: a nested launcher can not widen the root (--root /)" {
	snapshot_outside
	run lg -- "$LINKGUARD_BIN" --root / -- mv file "$OUT/"
	assert_failure
	assert_line --partial "is outside root \"$ROOT\""
	assert_file_exists file
	assert_outside_unchanged
}

@test "a LINKGUARD_USERNS in the caller's environment is dropped: it would name another namespace and refuse every exec" {
	run env LINKGUARD_USERNS='user:[1]' "$LINKGUARD_BIN" --no-kernel --root "$ROOT" -- sh -c '/bin/true && echo ran'
	assert_success
	assert_output "ran"
}
