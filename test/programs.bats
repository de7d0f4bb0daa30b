#!/usr/bin/env bats
# programs.bats - real programs (ln, mv, cp -al, tar, python) under the shim: in-root work as
# without it, escapes refused with nothing changed outside (and no EXDEV copy fallback).

load helpers
bats_require_minimum_version 1.5.0

setup() {
	lg_tree
	cd "$ROOT"
}

# Every inode and link count under the root, to prove a refused program changed nothing in it.
root_state() {
	find "$ROOT" -printf '%p %i %n %y %l\n' | sort
}

# Every inode of a regular file under the root, one a line.
root_inodes() {
	find "$ROOT" -type f -printf '%i\n' | sort -u
}

# assert_no_outside_link: no file outside the root shares an inode with a file in it.
assert_no_outside_link() {
	local shared
	shared=$(comm -12 <(root_inodes) \
		<(find "$BATS_TEST_TMPDIR" -path "$ROOT" -prune -o -type f -printf '%i\n' | sort -u))
	assert_equal "$shared" ""
}

need_python() {
	command -v python3 >/dev/null || skip "python3 not installed"
}

# --- ln -------------------------------------------------------------------------------------

@test "ln: a hard link inside the root is the same inode" {
	run shim ln file dir/sub/link
	assert_success
	assert_output ""
	assert_same_inode file dir/sub/link
	assert_equal "$(links_of file)" 2
}

@test "ln: a hard link by absolute paths inside the root is the same inode" {
	run shim ln "$ROOT/file" "$ROOT/dir/abs-link"
	assert_success
	assert_same_inode "$ROOT/file" "$ROOT/dir/abs-link"
}

@test "ln: linking an outside file into the root is denied and changes nothing" {
	snapshot_outside
	run shim ln "$OUT/secret" planted
	assert_failure
	assert_line --partial "linkguard: denied linkat(\"$OUT/secret\", \"planted\")"
	assert_line --partial "Permission denied"
	assert_file_not_exists planted
	assert_equal "$(links_of "$OUT/secret")" 1
	assert_outside_unchanged
}

@test "ln: linking a root file to a path outside is denied and changes nothing" {
	snapshot_outside
	run shim ln file "$OUT/stolen"
	assert_failure
	assert_line --partial "is outside root \"$ROOT\""
	assert_equal "$(links_of file)" 1
	assert_outside_unchanged
}

# --- mv -------------------------------------------------------------------------------------

@test "mv: a rename inside the root keeps the inode" {
	local ino
	ino=$(inode_of file)
	run shim mv file dir/sub/moved
	assert_success
	assert_output ""
	assert_file_not_exists file
	assert_equal "$(inode_of dir/sub/moved)" "$ino"
}

@test "mv: a directory moved inside the root keeps its inode and contents" {
	local ino
	ino=$(inode_of dir/sub)
	echo x >dir/sub/inner
	run shim mv dir/sub renamed-sub
	assert_success
	assert_equal "$(inode_of renamed-sub)" "$ino"
	assert_file_exists renamed-sub/inner
}

@test "mv: a root file moved out of the root is refused, stays, and no copy appears outside" {
	local ino
	ino=$(inode_of file)
	snapshot_outside
	run shim mv file "$OUT/moved"
	assert_failure
	assert_line --partial "linkguard: denied"
	assert_line --partial "mv: cannot move 'file'"
	assert_line --partial "Permission denied"
	# EACCES, not EXDEV: mv must not fall back to copy-and-delete.
	assert_equal "$(inode_of file)" "$ino"
	assert_equal "$(cat file)" data
	assert_file_not_exists "$OUT/moved"
	assert_outside_unchanged
}

@test "mv: a root file moved into an outside directory is refused, no copy appears there" {
	local ino
	ino=$(inode_of file)
	snapshot_outside
	run shim mv file "$OUT/dir/"
	assert_failure
	assert_line --partial "linkguard: denied"
	assert_equal "$(inode_of file)" "$ino"
	assert_file_not_exists "$OUT/dir/file"
	assert_outside_unchanged
}

@test "mv: a root directory moved out of the root is refused and stays whole" {
	local ino
	ino=$(inode_of dir)
	snapshot_outside
	run shim mv dir "$OUT/stolen-dir"
	assert_failure
	assert_line --partial "linkguard: denied"
	assert_equal "$(inode_of dir)" "$ino"
	assert_dir_exists dir/sub
	assert_outside_unchanged
}

@test "mv: an outside file moved into the root is refused and stays outside" {
	snapshot_outside
	run shim mv "$OUT/secret" "$ROOT/"
	assert_failure
	assert_line --partial "linkguard: denied"
	assert_file_not_exists "$ROOT/secret"
	assert_equal "$(cat "$OUT/secret")" secret
	assert_outside_unchanged
}

@test "mv: moving through a symlink that points out of the root (esc/) is refused" {
	ln -s ../out esc
	snapshot_outside
	run shim mv file esc/
	assert_failure
	assert_line --partial "linkguard: denied"
	assert_file_exists file
	assert_file_not_exists "$OUT/file"
	assert_outside_unchanged
}

@test "mv: moving to a new name under a symlink that points out (esc/name) is refused" {
	ln -s ../out esc
	snapshot_outside
	run shim mv file esc/renamed
	assert_failure
	assert_line --partial "linkguard: denied"
	assert_file_exists file
	assert_file_not_exists "$OUT/renamed"
	assert_outside_unchanged
}

@test "mv: renaming over a symlink that points out replaces the symlink, not its target" {
	ln -s "$OUT/secret" victim
	snapshot_outside
	run shim mv file victim
	assert_success
	[ ! -L victim ]
	assert_equal "$(cat victim)" data
	assert_equal "$(cat "$OUT/secret")" secret
	assert_outside_unchanged
}

# --- cp -al -----------------------------------------------------------------------------------

@test "cp -al: a tree of 400 files copied inside the root shares every inode" {
	local d f
	for d in a a/b c; do mkdir -p "src/$d"; done
	for f in $(seq 1 400); do
		case $((f % 3)) in 0) d=. ;; 1) d=a/b ;; 2) d=c ;; esac
		echo "$f" >"src/$d/f$f"
	done
	run shim cp -al src copy
	assert_success
	assert_output ""
	assert_equal "$(find copy -type f | wc -l)" 400
	# Same relative names, same inodes.
	assert_equal "$(cd copy && find . -type f -printf '%p %i\n' | sort)" \
		"$(cd src && find . -type f -printf '%p %i\n' | sort)"
	assert_equal "$(find src -type f -links 2 | wc -l)" 400
}

@test "cp -al: a copy into a directory outside the root links nothing there" {
	local f before_links
	mkdir -p src/a
	for f in $(seq 1 20); do echo "$f" >"src/f$f" && echo "$f" >"src/a/g$f"; done
	before_links=$(find "$ROOT" -type f -printf '%p %n\n' | sort)
	snapshot_outside
	run shim cp -al src "$OUT/copy"
	assert_failure
	assert_line --partial "linkguard: denied linkat("
	assert_line --partial "cp: cannot create hard link"
	# cp may create the directories (mkdir is not confined; $OUT's link count grows with its new
	# subdirectory); nothing else may appear outside, nothing may vanish, and no root file may
	# gain a name outside.
	outside_state >"$BATS_TEST_TMPDIR/.outside.after"
	run bash -c "diff '$BATS_TEST_TMPDIR/.outside.before' '$BATS_TEST_TMPDIR/.outside.after' |
		grep '^[<>]' | grep -v -e '^> $OUT/copy[^ ]* [0-9]* [0-9]* d \$' \
			-e '^[<>] $OUT [0-9]* [0-9]* d \$'"
	assert_output ""
	assert_equal "$(find "$OUT/copy" -type d | wc -l)" 2
	assert_equal "$(find "$OUT" -type f | sort)" "$OUT/secret"
	assert_no_outside_link
	assert_equal "$(find "$ROOT" -type f -printf '%p %n\n' | sort)" "$before_links"
}

# --- tar ------------------------------------------------------------------------------------

@test "tar -x: an archive with hard links extracted inside the root keeps the links" {
	local src="$BATS_TEST_TMPDIR/tarsrc"
	mkdir -p "$src/pkg/bin" "$src/pkg/lib"
	echo payload >"$src/pkg/bin/tool"
	ln "$src/pkg/bin/tool" "$src/pkg/bin/tool-alias"
	ln "$src/pkg/bin/tool" "$src/pkg/lib/tool.so"
	tar -C "$src" -cf "$BATS_TEST_TMPDIR/pkg.tar" pkg
	run tar -tvf "$BATS_TEST_TMPDIR/pkg.tar"
	assert_line --regexp "^h.* link to pkg/"
	snapshot_outside
	run shim tar -xf "$BATS_TEST_TMPDIR/pkg.tar"
	assert_success
	assert_output ""
	assert_same_inode pkg/bin/tool pkg/bin/tool-alias
	assert_same_inode pkg/bin/tool pkg/lib/tool.so
	assert_equal "$(links_of pkg/bin/tool)" 3
	assert_equal "$(cat pkg/lib/tool.so)" payload
	assert_outside_unchanged
}

@test "tar -x -C: extracting into a directory outside the root creates no hard link there" {
	local src="$BATS_TEST_TMPDIR/tarsrc"
	mkdir -p "$src/pkg"
	echo payload >"$src/pkg/a"
	ln "$src/pkg/a" "$src/pkg/b"
	tar -C "$src" -cf "$ROOT/pkg.tar" pkg
	run shim tar -C "$OUT" -xf "$ROOT/pkg.tar"
	# tar writes the member stored first itself (open/write is not confined); the hard link
	# that should give it its second name is refused.
	assert_failure
	assert_line --partial "linkguard: denied linkat("
	assert_line --partial "Cannot hard link"
	assert_equal "$(find "$OUT/pkg" -type f | wc -l)" 1
	assert_equal "$(find "$OUT/pkg" -type f -links 1 | wc -l)" 1
}

# --- python -----------------------------------------------------------------------------------

@test "python: os.link, os.rename and os.replace inside the root work and keep the inode" {
	need_python
	local ino
	ino=$(inode_of file)
	echo other >target
	run shim python3 -c '
import os
os.link("file", "dir/linked")
os.rename("dir/linked", "dir/sub/renamed")
os.replace("dir/sub/renamed", "target")
print("done")'
	assert_success
	assert_output "done"
	assert_equal "$(inode_of target)" "$ino"
	assert_equal "$(links_of file)" 2
	assert_file_not_exists dir/linked
	assert_file_not_exists dir/sub/renamed
}

# py_os CALL A B: python3, confined, calls os.CALL(A, B) and prints "allowed", or the exception's
# name and errno; $output holds that, $stderr the diagnostics (run_split).
py_os() {
	run_split shim python3 -c '
import os, sys
try:
    getattr(os, sys.argv[1])(sys.argv[2], sys.argv[3])
    print("allowed")
except Exception as e:
    print(type(e).__name__, e.errno)' "$@"
}

@test "python: os.link of a root file to outside raises PermissionError" {
	need_python
	snapshot_outside
	py_os link file "$OUT/stolen"
	assert_success
	assert_output "PermissionError 13"
	[[ "$stderr" == "linkguard: denied link(\"file\", \"$OUT/stolen\")"* ]]
	assert_equal "$(links_of file)" 1
	assert_outside_unchanged
}

@test "python: os.replace of a root file to outside raises PermissionError" {
	need_python
	snapshot_outside
	py_os replace file "$OUT/secret"
	assert_success
	assert_output "PermissionError 13"
	[[ "$stderr" == "linkguard: denied rename(\"file\", \"$OUT/secret\")"* ]]
	assert_equal "$(cat file)" data
	assert_equal "$(cat "$OUT/secret")" secret
	assert_outside_unchanged
}

@test "python: os.rename of an outside file into the root raises PermissionError" {
	need_python
	snapshot_outside
	py_os rename "$OUT/secret" taken
	assert_success
	assert_output "PermissionError 13"
	assert_file_not_exists taken
	assert_outside_unchanged
}
