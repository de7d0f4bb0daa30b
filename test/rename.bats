#!/usr/bin/env bats
# rename.bats - rename(), renameat() and renameat2() inside the root, the root's own entry, and mv.
#
# Run against one resolver backend with LG_BACKEND=walk (or auto); unset, the library chooses.

# shellcheck disable=SC2154 # $stderr and $stderr_lines come from bats: run --separate-stderr
bats_require_minimum_version 1.5.0
load helpers

setup() {
	lg_tree
}

# assert_renamed INODE NEW OLD: NEW now holds the entry that had INODE, and OLD is gone.
assert_renamed() {
	assert_equal "$(inode_of "$2")" "$1"
	[ ! -e "$3" ] && [ ! -L "$3" ]
}

# --- plain renames --------------------------------------------------------------------------

@test "rename: a file, relative paths" {
	local ino; ino=$(inode_of "$ROOT/file")
	run lgcall -C "$ROOT" rename file moved
	assert_ok
	assert_renamed "$ino" "$ROOT/moved" "$ROOT/file"
}

@test "rename: a directory with its contents" {
	local ino; ino=$(inode_of "$ROOT/dir")
	run lgcall -C "$ROOT" rename dir newdir
	assert_ok
	assert_renamed "$ino" "$ROOT/newdir" "$ROOT/dir"
	[ -d "$ROOT/newdir/sub" ]
}

@test "rename: a file across subdirectories" {
	local ino; ino=$(inode_of "$ROOT/file")
	run lgcall -C "$ROOT" rename file dir/sub/file2
	assert_ok
	assert_renamed "$ino" "$ROOT/dir/sub/file2" "$ROOT/file"
	run lgcall -C "$ROOT/dir" rename sub/file2 ../file
	assert_ok
	assert_renamed "$ino" "$ROOT/file" "$ROOT/dir/sub/file2"
}

@test "rename: a directory into another directory" {
	mkdir "$ROOT/other"
	local ino; ino=$(inode_of "$ROOT/other")
	run lgcall -C "$ROOT" rename other dir/sub/other
	assert_ok
	assert_renamed "$ino" "$ROOT/dir/sub/other" "$ROOT/other"
}

@test "rename: absolute paths inside the root" {
	local ino; ino=$(inode_of "$ROOT/file")
	run lgcall rename "$ROOT/file" "$ROOT/dir/moved"
	assert_ok
	assert_renamed "$ino" "$ROOT/dir/moved" "$ROOT/file"
}

@test "rename: relative old and absolute new from a cwd below the root" {
	local ino; ino=$(inode_of "$ROOT/file")
	run lgcall -C "$ROOT/dir/sub" rename ../../file "$ROOT/dir/moved"
	assert_ok
	assert_renamed "$ino" "$ROOT/dir/moved" "$ROOT/file"
}

@test "rename: cwd outside the root, relative paths entering it" {
	local ino; ino=$(inode_of "$ROOT/file")
	run lgcall -C "$BATS_TEST_TMPDIR" rename root/file root/dir/moved
	assert_ok
	assert_renamed "$ino" "$ROOT/dir/moved" "$ROOT/file"
}

@test "rename: .. and . that stay inside the root" {
	local ino; ino=$(inode_of "$ROOT/file")
	run lgcall -C "$ROOT" rename ./dir/sub/../../file dir/./sub/..//moved
	assert_ok
	assert_renamed "$ino" "$ROOT/dir/moved" "$ROOT/file"
}

@test "rename: a file over an existing file replaces it" {
	echo other >"$ROOT/dir/victim"
	local ino; ino=$(inode_of "$ROOT/file")
	run lgcall -C "$ROOT" rename file dir/victim
	assert_ok
	assert_renamed "$ino" "$ROOT/dir/victim" "$ROOT/file"
	assert_equal "$(cat "$ROOT/dir/victim")" data
}

@test "rename: an empty directory over an empty directory" {
	mkdir "$ROOT/e1" "$ROOT/e2"
	local ino; ino=$(inode_of "$ROOT/e1")
	run lgcall -C "$ROOT" rename e1 e2
	assert_ok
	assert_renamed "$ino" "$ROOT/e2" "$ROOT/e1"
}

@test "rename: a file onto itself (another link to it) changes nothing" {
	ln "$ROOT/file" "$ROOT/hard"
	run lgcall -C "$ROOT" rename file hard
	assert_ok
	assert_same_inode "$ROOT/file" "$ROOT/hard"
}

# --- directory descriptors ------------------------------------------------------------------

@test "renameat: directory fds (dir:) inside the root" {
	local ino; ino=$(inode_of "$ROOT/file")
	run lgcall renameat "dir:$ROOT" file "dir:$ROOT/dir/sub" moved
	assert_ok
	assert_renamed "$ino" "$ROOT/dir/sub/moved" "$ROOT/file"
}

@test "renameat: O_PATH directory fds (path:) inside the root" {
	local ino; ino=$(inode_of "$ROOT/dir/sub")
	run lgcall renameat "path:$ROOT/dir" sub "path:$ROOT" sub2
	assert_ok
	assert_renamed "$ino" "$ROOT/sub2" "$ROOT/dir/sub"
}

@test "renameat: a dirfd inside and .. that stays inside" {
	local ino; ino=$(inode_of "$ROOT/file")
	run lgcall renameat "dir:$ROOT/dir/sub" ../../file "dir:$ROOT/dir" sub/../moved
	assert_ok
	assert_renamed "$ino" "$ROOT/dir/moved" "$ROOT/file"
}

@test "renameat2 flags 0: dirfds inside, same as renameat" {
	local ino; ino=$(inode_of "$ROOT/file")
	run lgcall renameat2 "dir:$ROOT/dir" ../file cwd "$ROOT/dir/sub/moved" 0
	assert_ok
	assert_renamed "$ino" "$ROOT/dir/sub/moved" "$ROOT/file"
}

@test "renameat: absolute paths inside the root ignore the dirfds" {
	local ino; ino=$(inode_of "$ROOT/file")
	run lgcall renameat "dir:$OUT" "$ROOT/file" "dir:$OUT/dir" "$ROOT/moved"
	assert_ok
	assert_renamed "$ino" "$ROOT/moved" "$ROOT/file"
	[ ! -e "$OUT/moved" ]
}

# --- symlinks -------------------------------------------------------------------------------

@test "rename: through in-root symlinks in middle components (relative and absolute)" {
	ln -s dir "$ROOT/dl"
	ln -s "$ROOT/dir/sub" "$ROOT/asub"
	local ino; ino=$(inode_of "$ROOT/file")
	run lgcall -C "$ROOT" rename dl/../file asub/moved
	assert_ok
	assert_renamed "$ino" "$ROOT/dir/sub/moved" "$ROOT/file"
}

@test "rename: .. after a symlink is physical (dl -> dir/sub, dl/../moved is dir/moved)" {
	ln -s dir/sub "$ROOT/dl"
	local ino; ino=$(inode_of "$ROOT/file")
	run lgcall -C "$ROOT" rename file dl/../moved
	assert_ok
	assert_renamed "$ino" "$ROOT/dir/moved" "$ROOT/file"
}

@test "rename: a final symlink is moved as itself" {
	ln -s file "$ROOT/sl"
	local ino; ino=$(inode_of "$ROOT/sl")
	run lgcall -C "$ROOT" rename sl dir/sl2
	assert_ok
	assert_renamed "$ino" "$ROOT/dir/sl2" "$ROOT/sl"
	[ -L "$ROOT/dir/sl2" ]
	assert_equal "$(readlink "$ROOT/dir/sl2")" file
}

@test "rename: a final symlink pointing outside is moved as itself" {
	ln -s "$OUT/secret" "$ROOT/osl"
	local ino; ino=$(inode_of "$ROOT/osl")
	OUTSIDE_BEFORE=$(outside_now)
	run lgcall -C "$ROOT" rename osl dir/osl2
	assert_ok
	assert_renamed "$ino" "$ROOT/dir/osl2" "$ROOT/osl"
	[ -L "$ROOT/dir/osl2" ]
	assert_equal "$(readlink "$ROOT/dir/osl2")" "$OUT/secret"
	assert_outside_same
}

@test "rename: over an in-root symlink replaces the symlink" {
	ln -s file "$ROOT/sl"
	echo new >"$ROOT/dir/a"
	local ino fino; ino=$(inode_of "$ROOT/dir/a") fino=$(inode_of "$ROOT/file")
	run lgcall -C "$ROOT" rename dir/a sl
	assert_ok
	assert_renamed "$ino" "$ROOT/sl" "$ROOT/dir/a"
	[ ! -L "$ROOT/sl" ]
	assert_equal "$(inode_of "$ROOT/file")" "$fino"
	assert_equal "$(cat "$ROOT/file")" data
}

@test "rename: over a symlink pointing to an outside file replaces the symlink, not the target" {
	ln -s "$OUT/secret" "$ROOT/osl"
	local ino; ino=$(inode_of "$ROOT/file")
	OUTSIDE_BEFORE=$(outside_now)
	run lgcall -C "$ROOT" rename file osl
	assert_ok
	assert_renamed "$ino" "$ROOT/osl" "$ROOT/file"
	[ ! -L "$ROOT/osl" ]
	assert_outside_same
	assert_equal "$(cat "$OUT/secret")" secret
}

@test "rename: over a relative symlink pointing out (../out) replaces the symlink" {
	ln -s ../out "$ROOT/esc"
	local ino; ino=$(inode_of "$ROOT/file")
	OUTSIDE_BEFORE=$(outside_now)
	run lgcall rename "$ROOT/file" "$ROOT/esc"
	assert_ok
	assert_renamed "$ino" "$ROOT/esc" "$ROOT/file"
	[ ! -L "$ROOT/esc" ] && [ -f "$ROOT/esc" ]
	assert_outside_same
}

@test "renameat: over a symlink to an outside directory, through dirfds, replaces the symlink" {
	ln -s "$OUT/dir" "$ROOT/dir/odl"
	local ino; ino=$(inode_of "$ROOT/file")
	OUTSIDE_BEFORE=$(outside_now)
	run lgcall renameat "dir:$ROOT" file "path:$ROOT/dir" odl
	assert_ok
	assert_renamed "$ino" "$ROOT/dir/odl" "$ROOT/file"
	[ ! -L "$ROOT/dir/odl" ]
	assert_outside_same
}

# --- renameat2 flags ------------------------------------------------------------------------

@test "renameat2 RENAME_NOREPLACE: to a free name works" {
	local ino; ino=$(inode_of "$ROOT/file")
	run lgcall -C "$ROOT" renameat2 cwd file "dir:$ROOT/dir" moved RENAME_NOREPLACE
	assert_ok
	assert_renamed "$ino" "$ROOT/dir/moved" "$ROOT/file"
}

@test "renameat2 RENAME_NOREPLACE: an existing target gives EEXIST and nothing changes" {
	echo other >"$ROOT/dir/taken"
	same_as_native "err EEXIST" renameat2 cwd file cwd dir/taken RENAME_NOREPLACE
	assert_equal "$(cat "$ROOT/dir/taken")" other
}

@test "renameat2 RENAME_NOREPLACE: a symlink pointing outside as target gives EEXIST" {
	ln -s "$OUT/secret" "$ROOT/osl"
	freeze
	run --separate-stderr lgcall -C "$ROOT" renameat2 cwd file cwd osl RENAME_NOREPLACE
	assert_output "err EEXIST"
	assert_equal "$stderr" ""
	assert_nothing_changed
}

@test "renameat2 RENAME_EXCHANGE: two files inside swap" {
	echo other >"$ROOT/dir/b"
	local ia ib; ia=$(inode_of "$ROOT/file") ib=$(inode_of "$ROOT/dir/b")
	run lgcall -C "$ROOT" renameat2 cwd file cwd dir/b RENAME_EXCHANGE
	assert_ok
	assert_equal "$(inode_of "$ROOT/file")" "$ib"
	assert_equal "$(inode_of "$ROOT/dir/b")" "$ia"
}

@test "renameat2 RENAME_EXCHANGE: a file and a directory inside swap, through dirfds" {
	local ifile idir; ifile=$(inode_of "$ROOT/file") idir=$(inode_of "$ROOT/dir/sub")
	run lgcall renameat2 "dir:$ROOT" file "path:$ROOT/dir" sub RENAME_EXCHANGE
	assert_ok
	assert_equal "$(inode_of "$ROOT/file")" "$idir"
	assert_equal "$(inode_of "$ROOT/dir/sub")" "$ifile"
	[ -d "$ROOT/file" ] && [ -f "$ROOT/dir/sub" ]
}

@test "renameat2 RENAME_EXCHANGE: a symlink pointing outside swaps as itself" {
	ln -s "$OUT/secret" "$ROOT/osl"
	local ia ib; ia=$(inode_of "$ROOT/file") ib=$(inode_of "$ROOT/osl")
	OUTSIDE_BEFORE=$(outside_now)
	run lgcall -C "$ROOT" renameat2 cwd osl cwd file RENAME_EXCHANGE
	assert_ok
	assert_equal "$(inode_of "$ROOT/file")" "$ib"
	assert_equal "$(inode_of "$ROOT/osl")" "$ia"
	[ -L "$ROOT/file" ]
	assert_outside_same
}

@test "renameat2 RENAME_EXCHANGE: a missing target gives the kernel's ENOENT" {
	same_as_native "err ENOENT" renameat2 cwd file cwd nothing RENAME_EXCHANGE
}

@test "renameat2 RENAME_EXCHANGE: the old side outside is denied and nothing changes" {
	freeze
	run --separate-stderr lgcall renameat2 cwd "$OUT/secret" cwd "$ROOT/file" RENAME_EXCHANGE
	assert_denied renameat2 "$OUT/secret" "$ROOT/file"
	assert_nothing_changed
}

@test "renameat2 RENAME_EXCHANGE: the new side outside is denied and nothing changes" {
	freeze
	run --separate-stderr lgcall -C "$ROOT" renameat2 cwd file cwd ../out/secret RENAME_EXCHANGE
	assert_denied renameat2 file ../out/secret
	assert_nothing_changed
}

@test "renameat2 RENAME_EXCHANGE: the new side through a symlink to outside is denied" {
	ln -s "$OUT/dir" "$ROOT/odl"
	mkdir "$OUT/dir/x"
	freeze
	run --separate-stderr lgcall -C "$ROOT" renameat2 cwd dir cwd odl/x RENAME_EXCHANGE
	assert_denied renameat2 dir odl/x
	assert_nothing_changed
}

@test "renameat2 RENAME_EXCHANGE: a dirfd outside on the old side is denied" {
	freeze
	run --separate-stderr lgcall renameat2 "dir:$OUT" secret "dir:$ROOT" file RENAME_EXCHANGE
	assert_denied renameat2 secret file
	assert_nothing_changed
}

@test "renameat2 RENAME_WHITEOUT: works inside, as natively (a whiteout is left behind)" {
	local ino; ino=$(inode_of "$ROOT/file")
	same_as_native "ok" renameat2 cwd file cwd dir/moved RENAME_WHITEOUT
	assert_equal "$(inode_of "$ROOT/dir/moved")" "$ino"
	[ -c "$ROOT/file" ]
	assert_equal "$(stat -c %t:%T "$ROOT/file")" 0:0
}

@test "renameat2 RENAME_WHITEOUT|RENAME_NOREPLACE: works inside, as natively" {
	same_as_native "ok" renameat2 cwd file cwd dir/moved 'RENAME_WHITEOUT|RENAME_NOREPLACE'
	same_as_native "err EEXIST" renameat2 cwd dir/moved cwd dir 'RENAME_WHITEOUT|RENAME_NOREPLACE'
}

@test "renameat2 RENAME_WHITEOUT: a source outside is denied, no whiteout appears" {
	freeze
	run --separate-stderr lgcall renameat2 cwd "$OUT/secret" cwd "$ROOT/moved" RENAME_WHITEOUT
	assert_denied renameat2 "$OUT/secret" "$ROOT/moved"
	assert_nothing_changed
}

@test "renameat2 RENAME_WHITEOUT: a target outside is denied, no whiteout appears" {
	freeze
	run --separate-stderr lgcall renameat2 cwd "$ROOT/file" cwd "$OUT/moved" RENAME_WHITEOUT
	assert_denied renameat2 "$ROOT/file" "$OUT/moved"
	assert_nothing_changed
}

# --- the root's own entry -------------------------------------------------------------------

@test "rename: the root itself to a name outside is denied" {
	freeze
	run --separate-stderr lgcall rename "$ROOT" "$BATS_TEST_TMPDIR/moved"
	assert_denied rename "$ROOT" "$BATS_TEST_TMPDIR/moved"
	assert_nothing_changed
}

@test "rename: the root itself to a name inside it is denied" {
	freeze
	run --separate-stderr lgcall rename "$ROOT" "$ROOT/dir/moved"
	assert_denied rename "$ROOT" "$ROOT/dir/moved"
	assert_nothing_changed
}

@test "rename: the root itself, spelled from a cwd outside (root), is denied" {
	freeze
	run --separate-stderr lgcall -C "$BATS_TEST_TMPDIR" rename root root/moved
	assert_denied rename root root/moved
	assert_nothing_changed
}

@test "rename: a directory inside onto the root is denied" {
	rmdir "$ROOT/dir/sub"
	freeze
	run --separate-stderr lgcall rename "$ROOT/dir" "$ROOT"
	assert_denied rename "$ROOT/dir" "$ROOT"
	assert_nothing_changed
}

@test "rename: onto the root from a cwd outside (root/dir -> root) is denied" {
	rmdir "$ROOT/dir/sub"
	freeze
	run --separate-stderr lgcall -C "$BATS_TEST_TMPDIR" rename root/dir root
	assert_denied rename root/dir root
	assert_nothing_changed
}

@test "rename: onto the root spelled with a trailing slash (/abs/root/) is denied" {
	mkdir "$ROOT/empty"
	freeze
	run --separate-stderr lgcall rename "$ROOT/empty" "$ROOT/"
	assert_denied rename "$ROOT/empty" "$ROOT/"
	assert_nothing_changed
}

@test "renameat2 RENAME_EXCHANGE: the root with a directory inside is denied" {
	freeze
	run --separate-stderr lgcall renameat2 cwd "$ROOT/dir" cwd "$ROOT" RENAME_EXCHANGE
	assert_denied renameat2 "$ROOT/dir" "$ROOT"
	assert_nothing_changed
}

@test "renameat: the root named through a dirfd inside (dir:dir, ..) is refused" {
	freeze
	run --separate-stderr lgcall renameat "dir:$ROOT/dir" .. "dir:$ROOT/dir" moved
	assert_refused
	assert_nothing_changed
}

@test "rename: the root as . from inside is refused and nothing changes" {
	freeze
	run --separate-stderr lgcall -C "$ROOT" rename . moved
	assert_refused
	run --separate-stderr lgcall -C "$ROOT" rename dir .
	assert_refused
	assert_nothing_changed
}

# --- . and .. as the last component ---------------------------------------------------------

@test "rename: source dir/. gives the kernel's EBUSY" {
	same_as_native "err EBUSY" rename dir/. moved
}

@test "rename: source dir/sub/.. gives the kernel's EBUSY" {
	same_as_native "err EBUSY" rename dir/sub/.. moved
}

@test "rename: target dir/. gives the kernel's EBUSY" {
	same_as_native "err EBUSY" rename file dir/.
}

@test "rename: target dir/sub/.. gives the kernel's EBUSY" {
	same_as_native "err EBUSY" rename file dir/sub/..
}

@test "renameat2 RENAME_EXCHANGE: dir/. gives the kernel's EBUSY" {
	same_as_native "err EBUSY" renameat2 cwd dir/. cwd file RENAME_EXCHANGE
}

# --- trailing slashes -----------------------------------------------------------------------

@test "rename: dir/ to newdir works as natively" {
	same_as_native "ok" rename dir/ newdir
}

@test "rename: dir to newdir/ works as natively" {
	same_as_native "ok" rename dir newdir/
}

@test "rename: dir/ to newdir/ works as natively" {
	same_as_native "ok" rename dir/ newdir/
}

@test "rename: dir/sub// to dir/s2/// works as natively" {
	same_as_native "ok" rename dir/sub// dir/s2///
}

@test "rename: source file/ gives the kernel's ENOTDIR" {
	same_as_native "err ENOTDIR" rename file/ moved
}

@test "rename: target moved/ for a file gives the kernel's ENOTDIR" {
	same_as_native "err ENOTDIR" rename file moved/
}

@test "rename: source in-root symlink to a dir with a slash (dl/) gives the kernel's ENOTDIR" {
	ln -s dir "$ROOT/dl"
	same_as_native "err ENOTDIR" rename dl/ moved
}

@test "rename: target in-root symlink to a dir with a slash (dl/) gives the kernel's errno" {
	ln -s dir "$ROOT/dl"
	mkdir "$ROOT/e"
	same_as_native "err ENOTDIR" rename e dl/
}

@test "rename: source symlink to an outside dir with a slash (odl/) is not followed out" {
	ln -s "$OUT/dir" "$ROOT/odl"
	freeze
	run --separate-stderr lgcall -C "$ROOT" rename odl/ moved
	assert_refused
	assert_nothing_changed
}

@test "rename: target symlink to an outside dir with a slash (odl/) is not followed out" {
	ln -s "$OUT/dir" "$ROOT/odl"
	mkdir "$ROOT/e"
	freeze
	run --separate-stderr lgcall -C "$ROOT" rename e odl/
	assert_refused
	assert_nothing_changed
}

# --- real programs --------------------------------------------------------------------------

@test "mv: moving a file within the root works" {
	require_host_preload mv
	local ino; ino=$(inode_of "$ROOT/file")
	run shim mv "$ROOT/file" "$ROOT/dir/sub/"
	assert_success
	assert_renamed "$ino" "$ROOT/dir/sub/file" "$ROOT/file"
}

@test "mv: moving a file out of the root fails and copies nothing (EACCES, not EXDEV)" {
	require_host_preload mv
	freeze
	run shim mv "$ROOT/file" "$OUT/dir/"
	assert_failure
	assert_output --partial "linkguard: denied"
	assert_nothing_changed
}

@test "mv: moving an outside file into the root fails and copies nothing" {
	require_host_preload mv
	freeze
	run shim mv "$OUT/secret" "$ROOT/dir/"
	assert_failure
	assert_nothing_changed
}

# --- start directories deeper than PATH_MAX (i10a) --------------------------------------------

# deep_dir DIR: make 45 levels of 100-byte names below DIR (past PATH_MAX); print the relative path.
deep_dir() {
	local n p="" i
	printf -v n '%*s' 100 ''
	n=${n// /d}
	for ((i = 0; i < 45; i++)); do p+="$n/"; done
	(cd "$1" && for ((i = 0; i < 45; i++)); do mkdir "$n" && cd "$n" || exit 1; done)
	printf '%s\n' "${p%/}"
}

# in_deep DIR REL CALL...: lgcall CALL, confined, from DIR/REL (reached by one cd a level).
in_deep() {
	local dir=$1 rel=$2
	shift 2
	(cd "$dir" && IFS=/ && for c in $rel; do cd "$c" || exit 9; done && unset IFS &&
		shim "$LGCALL" "$@")
}

@test "rename and linkat from a current directory and a dirfd deeper than PATH_MAX, in the root" {
	local rel
	rel=$(deep_dir "$ROOT/dir")
	(cd "$ROOT/dir" && IFS=/ && for c in $rel; do cd "$c"; done && touch a)
	run --separate-stderr in_deep "$ROOT/dir" "$rel" rename a b
	assert_output "ok"
	assert_equal "$stderr" ""
	run --separate-stderr in_deep "$ROOT/dir" "$rel" linkat dir:. b dir:.. c 0
	assert_output "ok"
	assert_equal "$stderr" ""
	run --separate-stderr in_deep "$ROOT/dir" "$rel" rename ../c ../d
	assert_output "ok"
	(cd "$ROOT/dir" && IFS=/ && for c in $rel; do cd "$c"; done && [ -f b ] && [ -f ../d ])
}

@test "rename and linkat from a current directory and a dirfd deeper than PATH_MAX, outside: denied" {
	local rel
	rel=$(deep_dir "$OUT/dir")
	(cd "$OUT/dir" && IFS=/ && for c in $rel; do cd "$c"; done && touch a)
	freeze
	run --separate-stderr in_deep "$OUT/dir" "$rel" rename a b
	assert_denied rename a b
	run --separate-stderr in_deep "$OUT/dir" "$rel" linkat dir:. a dir:. b 0
	assert_denied linkat a b
	assert_nothing_changed
}
