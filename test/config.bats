#!/usr/bin/env bats
# config.bats - the LINKGUARD_* environment: fail closed on any bad setting, several roots,
# "/" confines nothing, audit mode, the log destinations and their JSON, the resolver choice.

load helpers
bats_require_minimum_version 1.5.0

setup() {
	lg_tree
	cd "$ROOT"
}

# Everything under the test's directory except the test's own scratch files (.stderr and the
# snapshots): names, inodes, link counts.
all_state() {
	find "$BATS_TEST_TMPDIR" -path "$BATS_TEST_TMPDIR/.*" -prune -o \
		-printf '%p %i %n %y %l\n' | sort
}

# assert_one_line TEXT: TEXT is exactly one line.
assert_one_line() {
	assert_equal "$(printf '%s\n' "$1" | wc -l)" 1
}

# assert_fails_closed PATTERN: with the environment the caller set up (through `cfg`), an
# in-root link and an in-root rename both fail with EACCES, change nothing anywhere, and each
# prints one "linkguard: denied" line containing PATTERN.
assert_fails_closed() {
	local pattern=$1 before call
	before=$(all_state)
	snapshot_outside
	for call in link rename; do
		run_split cfg "$LGCALL" "$call" file new-name
		assert_failure 1
		assert_output "err EACCES"
		assert_one_line "$stderr"
		[[ "$stderr" == "linkguard: denied $call(\"file\", \"new-name\"): "* ]]
		[[ "$stderr" == *"$pattern"* ]]
	done
	assert_file_not_exists new-name
	assert_equal "$(links_of file)" 1
	assert_equal "$(all_state)" "$before"
	assert_outside_unchanged
}

# cfg CMD...: CMD with the shim preloaded and only the LINKGUARD_* settings in CFG_* applied;
# CFG_ROOT=__unset__ leaves LINKGUARD_ROOT unset.
cfg() {
	local -a env_args=(env -u LINKGUARD_ROOT -u LINKGUARD_MODE -u LINKGUARD_LOG -u LINKGUARD_KERNEL)
	[ "${CFG_ROOT-__unset__}" = __unset__ ] || env_args+=("LINKGUARD_ROOT=$CFG_ROOT")
	[ -z "${CFG_MODE+x}" ] || env_args+=("LINKGUARD_MODE=$CFG_MODE")
	[ -z "${CFG_LOG+x}" ] || env_args+=("LINKGUARD_LOG=$CFG_LOG")
	[ -z "${CFG_KERNEL+x}" ] || env_args+=("LINKGUARD_KERNEL=$CFG_KERNEL")
	"${env_args[@]}" LD_PRELOAD="$LG_PRELOAD" "$@"
}

# --- LINKGUARD_ROOT: fail closed --------------------------------------------------------------

@test "root unset: every call fails closed with EACCES, saying it is unset" {
	CFG_ROOT=__unset__
	assert_fails_closed "LINKGUARD_ROOT is unset"
}

@test "root empty: every call fails closed with EACCES, saying it is empty" {
	CFG_ROOT=
	assert_fails_closed "LINKGUARD_ROOT is empty"
}

@test "root relative: every call fails closed, saying it is not absolute" {
	CFG_ROOT=root
	cd "$BATS_TEST_TMPDIR"
	before=$(all_state)
	run_split cfg "$LGCALL" link root/file root/new-name
	assert_output "err EACCES"
	assert_one_line "$stderr"
	[[ "$stderr" == 'linkguard: denied link("root/file", "root/new-name"): '*'"root"'*"not an absolute path"* ]]
	assert_equal "$(all_state)" "$before"
	cd "$ROOT"
	assert_fails_closed "not an absolute path"
}

@test "root missing: every call fails closed, saying it does not exist" {
	CFG_ROOT=$BATS_TEST_TMPDIR/no-such-dir
	assert_fails_closed "\"$BATS_TEST_TMPDIR/no-such-dir\" does not exist"
}

@test "root a regular file: every call fails closed, saying it is not a directory" {
	CFG_ROOT=$ROOT/file
	assert_fails_closed "\"$ROOT/file\" is not a directory"
}

@test "root list with an empty element (\"\$ROOT:\"): fails closed, naming the empty entry" {
	CFG_ROOT="$ROOT:"
	assert_fails_closed "empty"
}

@test "root list with an empty element in the middle (\"\$ROOT::\$OUT\"): fails closed" {
	CFG_ROOT="$ROOT::$OUT"
	assert_fails_closed "empty"
}

@test "root list with a relative element: fails closed, naming that element" {
	CFG_ROOT="$ROOT:relative/dir"
	assert_fails_closed "\"relative/dir\" is not an absolute path"
}

@test "root list with a missing element: fails closed, naming that element" {
	CFG_ROOT="$ROOT:$BATS_TEST_TMPDIR/gone"
	assert_fails_closed "\"$BATS_TEST_TMPDIR/gone\" does not exist"
}

@test "fail closed also covers the syscall() entry points and renameat2" {
	CFG_ROOT=
	before=$(all_state)
	for call in "sys_link file x" "sys_rename file x" "sys_linkat cwd file cwd x 0" \
		"sys_renameat cwd file cwd x" "sys_renameat2 cwd file cwd x 0" \
		"renameat2 cwd file cwd x 0" "linkat cwd file cwd x 0" "renameat cwd file cwd x"; do
		# shellcheck disable=SC2086 # the words are the driver's arguments
		run_split cfg "$LGCALL" $call
		assert_output "err EACCES"
		[[ "$stderr" == "linkguard: denied "*"LINKGUARD_ROOT is empty" ]]
	done
	assert_equal "$(all_state)" "$before"
}

# --- several roots ----------------------------------------------------------------------------

@test "several roots: a rename from one root into the other works and keeps the inode" {
	local other="$BATS_TEST_TMPDIR/other" ino
	mkdir "$other"
	ino=$(inode_of file)
	LG_ROOT="$ROOT:$other" run_split lgcall rename "$ROOT/file" "$other/moved"
	assert_output "ok"
	assert_equal "$stderr" ""
	assert_equal "$(inode_of "$other/moved")" "$ino"
	assert_file_not_exists "$ROOT/file"
}

@test "several roots: a hard link from one root into the other works" {
	local other="$BATS_TEST_TMPDIR/other"
	mkdir "$other"
	LG_ROOT="$ROOT:$other" run lgcall link "$ROOT/file" "$other/linked"
	assert_output "ok"
	assert_same_inode "$ROOT/file" "$other/linked"
}

@test "several roots: a rename to a third directory is denied and the message lists both roots" {
	local other="$BATS_TEST_TMPDIR/other"
	mkdir "$other"
	echo two >"$other/file2"
	snapshot_outside
	LG_ROOT="$ROOT:$other" run_split lgcall rename "$other/file2" "$OUT/file2"
	assert_output "err EACCES"
	assert_one_line "$stderr"
	assert_equal "$stderr" "linkguard: denied rename(\"$other/file2\", \"$OUT/file2\"): \"$OUT/file2\" is outside roots \"$ROOT\", \"$other\""
	assert_outside_unchanged
}

@test "several roots: '..' from one root into the other is an escape" {
	local other="$BATS_TEST_TMPDIR/other"
	mkdir "$other"
	snapshot_outside
	LG_ROOT="$ROOT:$other" run_split lgcall rename file ../other/file
	assert_output "err EACCES"
	assert_one_line "$stderr"
	[[ "$stderr" == *"climbs out of root \"$ROOT\""* ]]
	assert_file_exists file
	assert_outside_unchanged
}

# --- LINKGUARD_ROOT=/ ---------------------------------------------------------------------------

@test "root '/': confines nothing (a rename out of the tree works, silently)" {
	local ino
	ino=$(inode_of file)
	LG_ROOT=/ run_split lgcall rename "$ROOT/file" "$OUT/moved"
	assert_output "ok"
	assert_equal "$stderr" ""
	assert_equal "$(inode_of "$OUT/moved")" "$ino"
}

@test "root '/': a hard link anywhere works" {
	LG_ROOT=/ run lgcall link "$OUT/secret" "$ROOT/linked"
	assert_output "ok"
	assert_same_inode "$OUT/secret" "$ROOT/linked"
}

# --- LINKGUARD_MODE ---------------------------------------------------------------------------

@test "audit mode: an escape is allowed, and logged as 'audit: would deny'" {
	local ino
	ino=$(inode_of file)
	LINKGUARD_MODE=audit run_split lgcall rename file "$OUT/moved"
	assert_output "ok"
	assert_one_line "$stderr"
	assert_equal "$stderr" "linkguard: audit: would deny rename(\"file\", \"$OUT/moved\"): \"$OUT/moved\" is outside root \"$ROOT\""
	assert_equal "$(inode_of "$OUT/moved")" "$ino"
}

@test "audit mode: an in-root call is silent and works" {
	LINKGUARD_MODE=audit run_split lgcall link file dir/linked
	assert_output "ok"
	assert_equal "$stderr" ""
	assert_same_inode file dir/linked
}

@test "audit mode: an audited call that the kernel refuses keeps the kernel's errno" {
	snapshot_outside
	LINKGUARD_MODE=audit run_split lgcall link file "$OUT/secret"
	assert_output "err EEXIST"
	[[ "$stderr" == "linkguard: audit: would deny link("* ]]
	assert_outside_unchanged
}

@test "mode explicitly 'enforce': an escape is denied" {
	snapshot_outside
	LINKGUARD_MODE=enforce run lgcall rename file "$OUT/moved"
	assert_line "err EACCES"
	assert_file_exists file
	assert_outside_unchanged
}

@test "bad LINKGUARD_MODE: every call fails closed, naming the variable and value" {
	CFG_ROOT=$ROOT CFG_MODE=Audit
	assert_fails_closed "LINKGUARD_MODE=\"Audit\""
}

@test "empty LINKGUARD_MODE: every call fails closed" {
	CFG_ROOT=$ROOT CFG_MODE=
	assert_fails_closed "LINKGUARD_MODE"
}

@test "bad LINKGUARD_MODE does not let an escape through either" {
	snapshot_outside
	LINKGUARD_MODE=off run_split lgcall rename file "$OUT/moved"
	assert_output "err EACCES"
	[[ "$stderr" == *"LINKGUARD_MODE=\"off\""* ]]
	assert_file_exists file
	assert_outside_unchanged
}

# --- LINKGUARD_KERNEL: only the launcher's layer sets it ---------------------------------------

@test "LINKGUARD_KERNEL set by hand, with no kernel layer in force: every call fails closed, saying so" {
	local mode
	for mode in refer strict; do
		CFG_ROOT=$ROOT CFG_KERNEL=$mode
		assert_fails_closed "LINKGUARD_KERNEL=\"$mode\" is set, but no kernel layer is in force here"
	done
}

@test "LINKGUARD_KERNEL set by hand does not let a static program run either" {
	local static=$BATS_TEST_TMPDIR/.static
	cc -static -o "$static" -x c - <<<'int main(void) { return 0; }' 2>/dev/null ||
		skip "static linking fails here"
	run env LINKGUARD_KERNEL=refer LD_PRELOAD="$LG_PRELOAD" LINKGUARD_ROOT="$ROOT" \
		sh -c '"$1"; echo "status $?"' sh "$static"
	assert_line "status 126"
	assert_output --partial "no kernel layer is in force here"
	refute_output --partial "linkguard: note:"
}

# --- LINKGUARD_LOG ----------------------------------------------------------------------------

@test "log none: a denial prints nothing and still fails with EACCES" {
	snapshot_outside
	LINKGUARD_LOG=none run_split lgcall rename file "$OUT/moved"
	assert_output "err EACCES"
	assert_equal "$stderr" ""
	assert_file_exists file
	assert_outside_unchanged
}

@test "log stderr (explicit): the same one line as the default" {
	snapshot_outside
	LINKGUARD_LOG=stderr run_split lgcall link file "$OUT/x"
	assert_output "err EACCES"
	assert_equal "$stderr" "linkguard: denied link(\"file\", \"$OUT/x\"): \"$OUT/x\" is outside root \"$ROOT\""
	assert_outside_unchanged
}

@test "log file: a denial appends one valid JSON line with the documented keys and values" {
	local log="$BATS_TEST_TMPDIR/log/lg.jsonl"
	mkdir "$BATS_TEST_TMPDIR/log"
	snapshot_outside
	LINKGUARD_LOG=$log run_split lgcall rename file "$OUT/moved"
	assert_output "err EACCES"
	assert_equal "$stderr" ""
	assert_file_exists file
	assert_equal "$(wc -l <"$log")" 1
	run python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$log"
	assert_success
	run python3 - "$log" "$OUT/moved" "$ROOT" <<'EOF'
import json, re, sys
r = json.loads(open(sys.argv[1]).read())
assert set(r) >= {"time", "pid", "call", "old", "new", "decision", "reason"}, r
assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", r["time"]), r["time"]
assert isinstance(r["pid"], int) and r["pid"] > 1, r["pid"]
assert r["call"] == "rename", r["call"]
assert r["old"] == "file", r["old"]
assert r["new"] == sys.argv[2], r["new"]
assert r["decision"] == "deny", r["decision"]
assert r["reason"] == f'"{sys.argv[2]}" is outside root "{sys.argv[3]}"', r["reason"]
print("valid")
EOF
	assert_output "valid"
	# The log file is created by the shim; apart from it nothing changed outside.
	rm "$log"
	assert_outside_unchanged
}

@test "log file: records append, and audit mode records decision \"audit\"" {
	local log="$BATS_TEST_TMPDIR/lg.jsonl"
	LINKGUARD_LOG=$log run lgcall link file "$OUT/denied-link"
	assert_output "err EACCES"
	LINKGUARD_LOG=$log LINKGUARD_MODE=audit run lgcall link file "$OUT/audited-link"
	assert_output "ok"
	assert_same_inode file "$OUT/audited-link"
	assert_file_not_exists "$OUT/denied-link"
	run python3 -c '
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    print(r["decision"], r["call"], r["new"].rsplit("/", 1)[1])' "$log"
	assert_success
	assert_output "deny link denied-link
audit link audited-link"
}

@test "log file: a broken configuration is logged there too, with decision \"deny\"" {
	local log="$BATS_TEST_TMPDIR/lg.jsonl"
	CFG_ROOT=relative CFG_LOG=$log run_split cfg "$LGCALL" link file x
	assert_output "err EACCES"
	assert_equal "$stderr" ""
	run python3 -c '
import json, sys
r = json.loads(open(sys.argv[1]).read())
print(r["decision"], "|", r["reason"])' "$log"
	assert_success
	assert_output --partial 'deny | LINKGUARD_ROOT entry "relative" is not an absolute path'
}

@test "log file: a path with a quote, a newline and a non-UTF-8 byte stays one valid JSON line" {
	local log="$BATS_TEST_TMPDIR/lg.jsonl" bad
	bad=$'we"ird\nna\xffme'
	snapshot_outside
	LINKGUARD_LOG=$log run lgcall rename file "$OUT/$bad"
	assert_output "err EACCES"
	assert_equal "$(wc -l <"$log")" 1
	run python3 -c '
import json, sys
lines = open(sys.argv[1], "rb").read().split(b"\n")
assert lines[-1] == b"" and len(lines) == 2, lines
r = json.loads(lines[0].decode("utf-8"))
new = r["new"]
assert new.startswith(sys.argv[2] + "/we\"ird\nna"), new
assert new.endswith("me") and len(new) > len(sys.argv[2]) + 12, new
print("one valid line")' "$log" "$OUT"
	assert_success
	assert_output "one valid line"
	rm "$log"
	assert_outside_unchanged
}

@test "stderr: a path with a quote, a newline and a non-UTF-8 byte stays on one line" {
	local bad
	bad=$'we"ird\nna\xffme'
	snapshot_outside
	run_split lgcall rename file "$OUT/$bad"
	assert_output "err EACCES"
	assert_one_line "$stderr"
	[[ "$stderr" == "linkguard: denied rename(\"file\", \"$OUT/we\\\"ird"* ]]
	[[ "$stderr" == *"is outside root \"$ROOT\"" ]]
	assert_outside_unchanged
}

@test "log file that can not be opened: the denial still happens (and is reported on stderr)" {
	snapshot_outside
	LINKGUARD_LOG=$BATS_TEST_TMPDIR/no-such-dir/lg.jsonl run_split lgcall rename file "$OUT/x"
	assert_output "err EACCES"
	[[ "$stderr" == "linkguard: denied rename("* ]]
	assert_file_exists file
	assert_outside_unchanged
}

@test "relative LINKGUARD_LOG: every call fails closed, naming the variable" {
	CFG_ROOT=$ROOT CFG_LOG=lg.jsonl
	assert_fails_closed "LINKGUARD_LOG=\"lg.jsonl\""
}

# --- LINKGUARD_RESOLVER -------------------------------------------------------------------------

@test "resolver walk: in-root link and rename work" {
	LINKGUARD_RESOLVER=walk run lgcall link file dir/linked
	assert_output "ok"
	assert_same_inode file dir/linked
	LINKGUARD_RESOLVER=walk run lgcall rename dir/linked dir/sub/moved
	assert_output "ok"
	assert_same_inode file dir/sub/moved
}

@test "resolver walk: escapes by absolute path, '..' and symlink are denied" {
	ln -s ../out esc
	snapshot_outside
	for target in "$OUT/x" ../out/x esc/x; do
		LINKGUARD_RESOLVER=walk run lgcall rename file "$target"
		assert_line "err EACCES"
	done
	assert_file_exists file
	assert_outside_unchanged
}

@test "resolver openat2 and auto: accepted, in-root calls work" {
	local r
	for r in auto openat2; do
		LINKGUARD_RESOLVER=$r run lgcall link file "dir/linked-$r"
		assert_output "ok"
		assert_same_inode file "dir/linked-$r"
	done
}

@test "bad LINKGUARD_RESOLVER: every call fails closed, naming the variable" {
	CFG_ROOT=$ROOT
	export LINKGUARD_RESOLVER=pathwalk
	assert_fails_closed "LINKGUARD_RESOLVER=\"pathwalk\""
}

# --- errno ------------------------------------------------------------------------------------

@test "errno is untouched by every successful interposed call" {
	local call
	mkdir d2
	for call in "link file l1" "rename l1 l2" "linkat cwd file cwd l3 0" \
		"renameat cwd l3 cwd l4" "renameat2 cwd l4 cwd l5 RENAME_NOREPLACE" \
		"renameat2 cwd l5 cwd d2 RENAME_EXCHANGE" \
		"sys_link file l6" "sys_rename l6 l7" "sys_linkat cwd file cwd l8 0" \
		"sys_renameat cwd l8 cwd l9" "sys_renameat2 cwd l9 cwd l10 0"; do
		# shellcheck disable=SC2086 # the words are the driver's arguments
		run lgcall $call
		assert_output "ok"
	done
	assert_same_inode file l2
	assert_same_inode file d2
	assert_same_inode file l7
	assert_same_inode file l10
}

@test "errno is untouched on success with root '/' and in audit mode" {
	LG_ROOT=/ run lgcall link file l1
	assert_output "ok"
	LINKGUARD_MODE=audit run_split lgcall rename l1 "$OUT/audited"
	assert_output "ok"
	[[ "$stderr" == "linkguard: audit: would deny rename("* ]]
	assert_same_inode file "$OUT/audited"
}
