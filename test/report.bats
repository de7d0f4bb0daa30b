#!/usr/bin/env bats
# report.bats - what the launcher tells a user: learn mode (the roots a job needs), the summary
# at exit, collapsed repeats, the log it writes itself (every denial, in every mode, even when
# the command tampers with it), signals, and the start-up errors (roots, log, --allow-exec).

load helpers
bats_require_minimum_version 1.5.0

setup() {
	lg_tree
	cd "$ROOT"
	# A home of the test's own, so that learn mode's "~/..." can be checked.
	export HOME="$BATS_TEST_TMPDIR/home"
	mkdir -p "$HOME"
}

# as_user CMD...: CMD as the unprivileged user lgtest (skipped where there is none, or not root).
as_user() {
	setpriv --reuid=lgtest --regid=lgtest --clear-groups env HOME="$HOME" "$@"
}
need_user() {
	require_root
	id lgtest >/dev/null 2>&1 || skip "no user lgtest here"
	local d="$BATS_TEST_TMPDIR"
	# The user must reach the test's directory: every directory above it searchable.
	while [ "$d" != / ]; do
		chmod o+x "$d"
		d=$(dirname "$d")
	done
	chmod 755 "$BATS_TEST_TMPDIR" "$HOME"
	chown -R lgtest "$ROOT" "$OUT" "$HOME"
}

# The lines of $1 (a JSON-lines file) that are denial records (not the summary).
records() {
	python3 -c '
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    r = json.loads(line)
    if "summary" not in r:
        print(r["decision"], r["call"], r["old"], r["new"], r["why"])' "$1"
}

# --- learn mode -----------------------------------------------------------------------------------

@test "learn mode: a tool's cache directories are one root, its top directory, in ~ form" {
	mkdir -p "$HOME/.npm/_cacache/tmp" "$HOME/.npm/_cacache/content-v2/sha512/ab"
	run_split lg --audit -- sh -c '
		for i in 1 2 3; do ln file "$HOME/.npm/_cacache/tmp/t$i"; done
		ln file "$HOME/.npm/_cacache/content-v2/sha512/ab/c"'
	assert_success
	[[ "$stderr" == *"linkguard: audit: 4 calls would have been denied"* ]]
	grep -qxF 'linkguard: to allow these 4 calls: --root ~/.npm' <<<"$stderr" ||
		fail "no suggestion line: $stderr"
	grep -qxF 'linkguard:   --root ~/.npm: 4 calls in ~/.npm/_cacache/tmp (3), ~/.npm/_cacache/content-v2/sha512/ab (1)' <<<"$stderr" ||
		fail "no group line: $stderr"
}

@test "learn mode: the suggested flags let the same job through in enforce mode" {
	mkdir -p "$HOME/.cache/pip/http" "$HOME/.cargo/registry"
	run_split lg --audit -- sh -c 'ln file "$HOME/.cache/pip/http/a" && ln file "$HOME/.cargo/registry/b"'
	assert_success
	local flags
	flags=$(sed -n 's/^linkguard: to allow these 2 calls: //p' <<<"$stderr")
	assert_equal "$flags" "--root ~/.cache/pip --root ~/.cargo"
	rm "$HOME/.cache/pip/http/a" "$HOME/.cargo/registry/b"
	# shellcheck disable=SC2086 # the flags are words
	run_split lg --root "$ROOT" ${flags//\~/$HOME} -- sh -c 'ln file "$HOME/.cache/pip/http/a" && ln file "$HOME/.cargo/registry/b"'
	assert_success
	assert_equal "$stderr" ""
	assert_same_inode file "$HOME/.cargo/registry/b"
}

@test "learn mode: never /, \$HOME itself or a system directory" {
	# The calls go through in audit mode: name sources that do not exist, so nothing changes.
	run_split lg --audit -- sh -c "
		'$LGCALL' rename nonexistent /etc/linkguard-test
		'$LGCALL' rename nonexistent /usr/linkguard-test
		'$LGCALL' rename nonexistent /linkguard-test
		'$LGCALL' rename nonexistent '$HOME/linkguard-test'
		'$LGCALL' rename nonexistent /var/linkguard-test; true"
	assert_success
	[[ "$stderr" == *"linkguard: audit: 5 calls would have been denied"* ]]
	[[ "$stderr" != *"to allow"* ]] || fail "suggested a root: $stderr"
	[[ "$stderr" == *"linkguard:   5 calls no root would allow"* ]]
}

@test "learn mode: below a system directory, the first directory that is not one" {
	local place="/var/cache/linkguard-test-$$"
	require_root
	mkdir -p "$place/sub/deeper"
	run_split lg --audit -- "$LGCALL" rename nonexistent "$place/sub/deeper/x"
	rm -r "$place"
	[[ "$stderr" == *"linkguard: to allow this 1 call: --root $place"* ]] || fail "$stderr"
}

@test "learn mode: /tmp entries: --root /tmp, or TMPDIR inside the root" {
	local tmp
	tmp=$(mktemp -d /tmp/lg-learn.XXXXXX)
	TMPDIR= run_split lg --audit -- sh -c "ln file '$tmp/a'; mv '$tmp/a' '$tmp/b'"
	rm -r "$tmp"
	assert_success
	grep -qxF 'linkguard: to allow these 2 calls: --root /tmp' <<<"$stderr" || fail "$stderr"
	[[ "$stderr" == *"--root /tmp: 2 calls in $tmp (2); or set TMPDIR to a directory inside a root"* ]]
}

@test "learn mode: a symlink out of the root is followed to where the entry really is" {
	mkdir -p "$HOME/.m2/repository"
	ln -s "$HOME/.m2/repository" maven
	run_split lg --audit -- ln file maven/x
	assert_success
	[[ "$stderr" == *"to allow this 1 call: --root ~/.m2"* ]] || fail "$stderr"
}

@test "learn mode: the JSON log ends with a summary record, grouped by directory with counts" {
	mkdir -p "$HOME/.npm/_cacache/tmp" "$HOME/.npm/_logs"
	run_split lg --audit --log "$BATS_TEST_TMPDIR/lg.jsonl" -- sh -c '
		ln file "$HOME/.npm/_cacache/tmp/a"; ln file "$HOME/.npm/_cacache/tmp/b"; ln file "$HOME/.npm/_logs/c"'
	assert_success
	run python3 -c '
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
s = lines[-1]["summary"]
print(s["mode"], s["calls"], s["uncovered"])
for a in s["allow"]:
    print(a["flag"], a["place"], a["calls"], a["tmp"])
    for d in a["dirs"]:
        print(" ", d["dir"], d["calls"])
print(sum(1 for l in lines if l.get("decision") == "audit"))' "$BATS_TEST_TMPDIR/lg.jsonl"
	assert_output "audit 3 0
--root $HOME/.npm 3 False
  $HOME/.npm/_cacache/tmp 2
  $HOME/.npm/_logs 1
3"
}

@test "learn mode: a program the library can not preload is suggested as --allow-exec" {
	cc -static -O -o "$BATS_TEST_TMPDIR/static-true" -x c - <<<'int main(void) { return 0; }' 2>/dev/null ||
		skip "static linking fails here"
	run_split lg --audit -- "$BATS_TEST_TMPDIR/static-true"
	assert_success
	[[ "$stderr" == *"linkguard: audit: 1 call would have been denied"* ]]
	[[ "$stderr" == *"to allow this 1 call: --allow-exec $BATS_TEST_TMPDIR/static-true"* ]] || fail "$stderr"
}

# --- the summary at exit, collapsing ------------------------------------------------------------

@test "summary: a denial the command swallowed (2>/dev/null) is still seen on the launcher's stderr" {
	snapshot_outside
	run_split lg -- sh -c "ln file '$OUT/a' 2>/dev/null; mv file '$OUT/b' 2>/dev/null; exit 0"
	assert_success
	# (pids vary: compare with them blanked)
	assert_equal "$(sed 's/(pid [0-9]*)/(pid N)/' <<<"$stderr")" "linkguard: 2 calls were denied; the first distinct ones:
linkguard:   denied linkat(\"file\", \"$OUT/a\"): \"$OUT/a\" is outside root \"$ROOT\" (pid N)
linkguard:   denied renameat2(\"file\", \"$OUT/b\"): \"$OUT/b\" is outside root \"$ROOT\" (pid N)
linkguard: the command's stderr had each (a few per kind and process); --log FILE keeps every one; --audit lists the roots the command needs"
	assert_outside_unchanged
}

@test "summary: nothing denied, nothing said" {
	run_split lg -- sh -c 'ln file dir/x && mv dir/x dir/sub/y'
	assert_success
	assert_equal "$stderr" ""
}

@test "summary: --log FILE names the file that holds every denial" {
	run_split lg --log "$BATS_TEST_TMPDIR/lg.jsonl" -- sh -c "ln file '$OUT/a'; true"
	assert_success
	[[ "$stderr" == *"linkguard: every one is in $BATS_TEST_TMPDIR/lg.jsonl" ]] || fail "$stderr"
	run records "$BATS_TEST_TMPDIR/lg.jsonl"
	assert_output "deny linkat file $OUT/a outside"
}

@test "collapse: a loop of denials prints 3 lines and a notice per process; the log keeps every one" {
	local loop="
import os
for i in range(10):
    try: os.link('file', '$OUT/q%d' % i)
    except OSError: pass"
	snapshot_outside
	run_split lg -- python3 -c "$loop"
	assert_success
	assert_equal "$(grep -c '^linkguard: denied link(' <<<"$stderr")" 3
	grep -qxF "linkguard: more denials like the last one (link, outside) in this process are not shown; the launcher counts them at exit" <<<"$stderr" ||
		fail "no notice: $stderr"
	[[ "$stderr" == *"linkguard: 10 calls were denied"* ]]
	[[ "$stderr" == *"linkguard: 7 more like this not shown (pid "*'): denied link("file", "'"$OUT"'/q0"): '* ]] || fail "$stderr"
	# Ten processes with one denial each: nothing collapses.
	run_split lg -- sh -c "for i in 1 2 3 4 5 6 7 8 9 10; do '$LGCALL' link file '$OUT/x\$i'; done; true"
	assert_equal "$(grep -c '^linkguard: denied link(' <<<"$stderr")" 10
	assert_outside_unchanged
	run_split lg --log "$BATS_TEST_TMPDIR/all.jsonl" -- python3 -c "$loop"
	assert_equal "$(records "$BATS_TEST_TMPDIR/all.jsonl" | wc -l)" 10
}

@test "collapse without the launcher: 3 lines, a notice, and the count when the process exits" {
	run_split shim python3 -c "
import os
for i in range(10):
    try: os.link('file', '$OUT/q%d' % i)
    except OSError: pass"
	assert_success
	assert_equal "$(grep -c '^linkguard: denied link(' <<<"$stderr")" 3
	assert_equal "$(tail -1 <<<"$stderr")" "linkguard: 7 more like this not shown: link, outside"
}

# --- no temporary file, signals ------------------------------------------------------------------

@test "--audit needs no temporary file: it works on a read-only /tmp and leaves nothing there" {
	command -v unshare >/dev/null || skip "no unshare"
	local before after
	before=$(find /tmp -maxdepth 1 -name 'linkguard-audit-*' | wc -l)
	run_split lg --audit -- "$LGCALL" rename nonexistent "$OUT/x"
	after=$(find /tmp -maxdepth 1 -name 'linkguard-audit-*' | wc -l)
	assert_equal "$after" "$before"
	[[ "$stderr" == *"linkguard: audit: 1 call would have been denied"* ]]
	# /tmp read-only (a mount namespace; as root, or as a user in a user namespace).
	run unshare -rm sh -c 'mount -o remount,bind,ro /tmp 2>/dev/null || mount --bind -o ro /tmp /tmp; "$@"' sh \
		env LD_PRELOAD="${LG_ASAN_RUNTIME:-}" "$LINKGUARD_BIN" --audit -- "$LGCALL" rename nonexistent "$OUT/x"
	[ "$status" != 125 ] || fail "failed on a read-only /tmp: $output"
	assert_line "linkguard: audit: 1 call would have been denied"
}

@test "--audit as lgtest on a read-only /tmp: the count is right" {
	need_user
	command -v unshare >/dev/null || skip "no unshare"
	run as_user unshare -rm sh -c 'mount --bind -o ro /tmp /tmp 2>/dev/null; touch /tmp/lg-ro-probe 2>/dev/null && echo writable; "$@"' sh \
		env LD_PRELOAD="${LG_ASAN_RUNTIME:-}" "$LINKGUARD_BIN" --root "$ROOT" --audit -- "$LGCALL" rename nonexistent "$OUT/x"
	refute_line writable
	assert_line "linkguard: audit: 1 call would have been denied"
}

# signal_reaches MODE...: SIGTERM to the launcher reaches the command, whose status comes back.
signal_reaches() {
	local pid
	"$LINKGUARD_BIN" "$@" -- sh -c "trap 'echo term >\"$ROOT/got-term\"; exit 3' TERM; echo started >'$ROOT/started'; while :; do sleep 0.1; done" \
		2>/dev/null &
	pid=$!
	for _ in $(seq 100); do [ -e "$ROOT/started" ] && break; sleep 0.05; done
	kill -TERM "$pid"
	wait "$pid" && status=0 || status=$?
	assert_equal "$status" 3
	assert_file_exists "$ROOT/got-term"
	rm -f "$ROOT/got-term" "$ROOT/started"
}

@test "signals: SIGTERM to the launcher reaches the command, in enforce and in audit mode" {
	[ -z "${LG_ASAN_RUNTIME:-}" ] || export LD_PRELOAD="$LG_ASAN_RUNTIME"
	signal_reaches --root "$ROOT"
	signal_reaches --root "$ROOT" --audit
	signal_reaches --root "$ROOT" --log "$BATS_TEST_TMPDIR/lg.jsonl"
}

@test "signals: a command killed by a signal kills the launcher by the same signal" {
	# The launcher dies by SIGTERM too (returncode -15), as a shell running the command would see.
	run python3 -c 'import subprocess, sys; print(subprocess.run(sys.argv[1:]).returncode)' \
		"$LINKGUARD_BIN" -- sh -c 'kill -TERM $$'
	assert_output "-15"
	run lg -- sh -c 'kill -INT $$'
	assert_failure 130
}

# --- the log, written by the launcher -----------------------------------------------------------

@test "log: --kernel=strict with the log outside the roots: it is created and gets every denial" {
	run lg --root "$ROOT" --kernel=strict -- true
	[ "$status" != 125 ] || skip "no Landlock here: $output"
	rm -f "$OUT/lg.jsonl"
	snapshot_outside
	run_split lg --root "$ROOT" --kernel=strict --log "$BATS_TEST_TMPDIR/lg.jsonl" -- sh -c "ln file '$OUT/a'; mv file '$OUT/b'; true"
	assert_success
	[[ "$stderr" != *"linkguard: denied"* ]]
	run records "$BATS_TEST_TMPDIR/lg.jsonl"
	assert_output "deny linkat file $OUT/a outside
deny renameat2 file $OUT/b outside"
}

@test "log: emptied, truncated or replaced by the command through its path: put back at exit" {
	local log="$BATS_TEST_TMPDIR/lg.jsonl"
	echo '{"earlier":"run"}' >"$log"
	run_split lg --log "$log" -- sh -c "ln file '$OUT/a'; : >'$log'; ln file '$OUT/b'; true"
	assert_success
	[[ "$stderr" == *"linkguard: the log $log was emptied, rewritten or replaced during the run; the launcher wrote it again from its own copy"* ]]
	assert_equal "$(head -1 "$log")" '{"earlier":"run"}'
	run records <(tail -n +2 "$log")
	assert_output "deny linkat file $OUT/a outside
deny linkat file $OUT/b outside"
	run_split lg --log "$log" -- sh -c "ln file '$OUT/c'; rm '$log'; echo '{}' >'$log'; true"
	run records <(tail -n +2 "$log")
	assert_line --index 2 "deny linkat file $OUT/c outside"
}

@test "log: as lgtest under --kernel=strict, a log outside the roots is written" {
	need_user
	run as_user "$LINKGUARD_BIN" --root "$ROOT" --kernel=strict -- true
	[ "$status" != 125 ] || skip "no Landlock here: $output"
	mkdir -p "$BATS_TEST_TMPDIR/logs" && chown lgtest "$BATS_TEST_TMPDIR/logs"
	run as_user env LD_PRELOAD="${LG_ASAN_RUNTIME:-}" "$LINKGUARD_BIN" --root "$ROOT" --kernel=strict \
		--log "$BATS_TEST_TMPDIR/logs/lg.jsonl" -- sh -c "ln '$ROOT/file' '$OUT/a'; true"
	assert_success
	run records "$BATS_TEST_TMPDIR/logs/lg.jsonl"
	assert_output "deny linkat $ROOT/file $OUT/a outside"
}

@test "log: a confined program that closes or abuses the pipe loses only its own reports" {
	# Garbage on the pipe, then a denial: the denial is still logged; the garbage is counted.
	run_split lg --log "$BATS_TEST_TMPDIR/lg.jsonl" -- bash -c "
		echo 'not json' >&\$LINKGUARD_REPORT_FD
		printf '{\"half\"' >&\$LINKGUARD_REPORT_FD
		ln file '$OUT/a'
		eval \"exec \$LINKGUARD_REPORT_FD>&-\"; ln file '$OUT/b'; true"
	assert_success
	run records "$BATS_TEST_TMPDIR/lg.jsonl"
	assert_line "deny linkat file $OUT/a outside"
	# The process that closed the pipe appends to the log by itself.
	assert_line "deny linkat file $OUT/b outside"
	[[ "$stderr" == *"malformed report"* ]]
}

@test "log: a child that lost the pipe (Python's subprocess closes descriptors) is logged and counted" {
	snapshot_outside
	run_split lg --log "$BATS_TEST_TMPDIR/lg.jsonl" -- python3 -c "
import subprocess
subprocess.run(['ln', 'file', '$OUT/closed'])
subprocess.run(['ln', 'file', '$OUT/kept'], close_fds=False)"
	assert_success
	run records "$BATS_TEST_TMPDIR/lg.jsonl"
	assert_line "deny linkat file $OUT/closed outside"
	assert_line "deny linkat file $OUT/kept outside"
	[[ "$stderr" == *"linkguard: 2 calls were denied"* ]] || fail "$stderr"
	run grep -c '"direct":true' "$BATS_TEST_TMPDIR/lg.jsonl"
	assert_output 1
	rm "$BATS_TEST_TMPDIR/lg.jsonl"
	assert_outside_unchanged
}

@test "log: replaced by a symlink to another file: nothing is written through it, the log is put back" {
	local log="$BATS_TEST_TMPDIR/lg.jsonl"
	echo "victim" >"$OUT/victim"
	run_split lg --log "$log" -- python3 -c "
import os, subprocess
os.remove('$log'); os.symlink('$OUT/victim', '$log')
subprocess.run(['ln', 'file', '$OUT/closed'])"
	assert_success
	assert_equal "$(cat "$OUT/victim")" "victim"
	[ ! -L "$log" ]
	[[ "$stderr" == *"the launcher wrote it again from its own copy"* ]] || fail "$stderr"
}

# --- start-up errors and --allow-exec -----------------------------------------------------------

@test "an unwritable --log: 125 before the command starts" {
	run_split lg --log "$BATS_TEST_TMPDIR/no/such/dir/lg.jsonl" -- touch "$ROOT/ran"
	assert_failure 125
	assert_equal "$stderr" "linkguard: cannot write the log \"$BATS_TEST_TMPDIR/no/such/dir/lg.jsonl\": No such file or directory"
	assert_file_not_exists "$ROOT/ran"
	run_split lg --log "$ROOT/dir" -- touch "$ROOT/ran"
	assert_failure 125
	assert_file_not_exists "$ROOT/ran"
}

@test "an unwritable --log as lgtest (a directory of root's): 125 before the command starts" {
	need_user
	mkdir -p "$BATS_TEST_TMPDIR/roots-only"
	chmod 755 "$BATS_TEST_TMPDIR/roots-only"
	run as_user "$LINKGUARD_BIN" --root "$ROOT" --log "$BATS_TEST_TMPDIR/roots-only/lg.jsonl" -- touch "$ROOT/ran"
	assert_failure 125
	assert_output "linkguard: cannot write the log \"$BATS_TEST_TMPDIR/roots-only/lg.jsonl\": Permission denied"
	assert_file_not_exists "$ROOT/ran"
}

@test "a missing root: 125 and the mkdir -p to run, quoted for the shell" {
	run_split lg --root "$BATS_TEST_TMPDIR/new ws" -- true
	assert_failure 125
	assert_equal "$stderr" "linkguard: root \"$BATS_TEST_TMPDIR/new ws\" does not exist; create it with: mkdir -p '$BATS_TEST_TMPDIR/new ws'"
	eval "${stderr#*create it with: }"
	run lg --root "$BATS_TEST_TMPDIR/new ws" -- true
	assert_success
}

@test "default root: a current directory with ':' is a clear 125" {
	mkdir "$BATS_TEST_TMPDIR/a:b"
	cd "$BATS_TEST_TMPDIR/a:b"
	run_split lg -- touch ran
	assert_failure 125
	assert_equal "$stderr" "linkguard: the current directory \"$BATS_TEST_TMPDIR/a:b\", the default root, contains ':', which separates roots; run linkguard from another directory, or pass --root"
	assert_file_not_exists ran
}

@test "default root: the current directory / is refused; --root / says it on purpose" {
	cd /
	run_split lg -- printenv LINKGUARD_ROOT
	assert_failure 125
	assert_equal "$stderr" "linkguard: the current directory is /, which as the default root would confine nothing; pass --root DIR (--root / if that is what you mean)"
	run_split lg --root / -- printenv LINKGUARD_ROOT
	assert_success
	assert_output "/"
}

@test "--kernel: one line at start says the layer is in force and what it answers" {
	run lg --root "$ROOT" --kernel -- true
	[ "$status" != 125 ] || skip "no Landlock here: $output"
	run_split lg --kernel -- true
	assert_equal "$stderr" "$(kernel_line refer)"
	run_split lg --kernel=strict -- true
	assert_equal "$stderr" "$(kernel_line strict)"
	run_split lg --kernel --log none -- true
	assert_equal "$stderr" ""
}

@test "--allow-exec: that one static program runs, a copy of it elsewhere is still refused" {
	local prog="$BATS_TEST_TMPDIR/static-true"
	cc -static -O -o "$prog" -x c - <<<'int main(void) { return 0; }' 2>/dev/null ||
		skip "static linking fails here"
	cp "$prog" "$BATS_TEST_TMPDIR/copy"
	# (The library's exec gate: under the default kernel layer static programs run anyway.)
	run_split lg --no-kernel -- "$prog"
	assert_failure 126
	[[ "$stderr" == *"--allow-exec $prog"* ]]
	run_split lg --no-kernel --allow-exec "$prog" -- "$prog"
	assert_success
	assert_equal "$stderr" ""
	# From a child, through the library's exec gate, too.
	run_split lg --no-kernel --allow-exec "$prog" -- sh -c '"$1" && echo ran' sh "$prog"
	assert_success
	assert_output "ran"
	run_split lg --no-kernel --allow-exec "$prog" -- "$BATS_TEST_TMPDIR/copy"
	assert_failure 126
	run_split lg --no-kernel --allow-exec "$prog" -- sh -c '"$1"' sh "$BATS_TEST_TMPDIR/copy"
	assert_failure
	[[ "$stderr" == *"denied execve(\"$BATS_TEST_TMPDIR/copy\")"* ]]
}

@test "--allow-exec: a program that does not exist is a 125" {
	run_split lg --allow-exec "$BATS_TEST_TMPDIR/nothing" -- true
	assert_failure 125
	assert_equal "$stderr" "linkguard: --allow-exec \"$BATS_TEST_TMPDIR/nothing\": No such file or directory"
}
