#!/usr/bin/env bats
# errors.bats - bad input gets exactly the kernel's errno: each call runs natively and confined on two
# identical trees, which must print the same result and end up alike.
#
# Run against one resolver backend with LG_BACKEND=walk (or auto); unset, the library chooses.

# shellcheck disable=SC2154 # $stderr and $stderr_lines come from bats: run --separate-stderr
bats_require_minimum_version 1.5.0
load helpers

setup() {
	lg_tree
}

teardown() {
	# mount points made by a test (EXDEV, EROFS), innermost first
	local m
	for m in "$BATS_TEST_TMPDIR/$TWIN_NAME/mnt" "$ROOT/mnt" "$BATS_TEST_TMPDIR/$TWIN_NAME/ro" "$ROOT/ro"; do
		! mountpoint -q "$m" || umount "$m"
	done
}

# pad_path LENGTH TAIL: a relative path of exactly LENGTH bytes, "./" repeated (and one extra
# "/" for an odd count) in front of TAIL: it names TAIL.
pad_path() {
	local len=$(($1 - ${#2})) p="" pad
	((len % 2 == 0)) || { p="/"; len=$((len - 1)); }
	printf -v pad '%*s' $((len / 2)) ''
	printf '%s%s%s\n' "${pad// /./}" "$p" "$2"
}

# name_of LENGTH: a file name of LENGTH bytes.
name_of() {
	local s
	printf -v s '%*s' "$1" ''
	printf '%s\n' "${s// /n}"
}

@test "pad_path makes paths of the exact length" {
	local p
	p=$(pad_path 4095 file)
	assert_equal "${#p}" 4095
	p=$(pad_path 4096 file)
	assert_equal "${#p}" 4096
	[ -e "$ROOT/$(pad_path 101 file)" ]
}

# --- NULL pointers: EFAULT ------------------------------------------------------------------

@test "link: NULL old or new gives EFAULT" {
	same_as_native "err EFAULT" link NULL new
	same_as_native "err EFAULT" link file NULL
	same_as_native "err EFAULT" link NULL NULL
}

@test "linkat: NULL old or new gives EFAULT" {
	same_as_native "err EFAULT" linkat cwd NULL cwd new 0
	same_as_native "err EFAULT" linkat "dir:@R" file "dir:@R/dir" NULL 0
	same_as_native "err EFAULT" linkat "dir:@R" NULL "dir:@R/dir" new AT_SYMLINK_FOLLOW
}

@test "linkat AT_EMPTY_PATH: NULL instead of \"\" gives EFAULT" {
	same_as_native "err EFAULT" linkat "file:@R/file" NULL cwd new AT_EMPTY_PATH
}

@test "rename: NULL old or new gives EFAULT" {
	same_as_native "err EFAULT" rename NULL new
	same_as_native "err EFAULT" rename file NULL
}

@test "renameat and renameat2: NULL old or new gives EFAULT" {
	same_as_native "err EFAULT" renameat "dir:@R" NULL cwd new
	same_as_native "err EFAULT" renameat cwd file "path:@R/dir" NULL
	same_as_native "err EFAULT" renameat2 cwd NULL cwd new RENAME_NOREPLACE
	same_as_native "err EFAULT" renameat2 cwd file cwd NULL RENAME_EXCHANGE
}

# --- empty paths: ENOENT --------------------------------------------------------------------

@test "link and rename: an empty path gives ENOENT" {
	same_as_native "err ENOENT" link "" new
	same_as_native "err ENOENT" link file ""
	same_as_native "err ENOENT" rename "" new
	same_as_native "err ENOENT" rename file ""
}

@test "linkat and renameat2: an empty path without AT_EMPTY_PATH gives ENOENT" {
	same_as_native "err ENOENT" linkat "dir:@R" "" cwd new 0
	same_as_native "err ENOENT" linkat "file:@R/file" "" cwd new AT_SYMLINK_FOLLOW
	same_as_native "err ENOENT" linkat cwd file "dir:@R/dir" "" 0
	same_as_native "err ENOENT" renameat2 "dir:@R" "" cwd new 0
	same_as_native "err ENOENT" renameat cwd file "dir:@R" ""
}

# --- long paths and names -------------------------------------------------------------------

@test "link: a source path of PATH_MAX-1 (4095) bytes works" {
	same_as_native "ok" link "$(pad_path 4095 file)" new
	assert_same_inode "$ROOT/file" "$ROOT/new"
}

@test "link: a target path of PATH_MAX-1 (4095) bytes works" {
	same_as_native "ok" link file "$(pad_path 4095 dir/new)"
	assert_same_inode "$ROOT/file" "$ROOT/dir/new"
}

@test "link: an absolute path of PATH_MAX-1 (4095) bytes works" {
	local p
	p=$(pad_path $((4095 - ${#ROOT} - 1)) file)
	same_as_native "ok" link "@R/$p" "@R/new"
	assert_equal "$((${#ROOT} + 1 + ${#p}))" 4095
	assert_same_inode "$ROOT/file" "$ROOT/new"
}

@test "rename: paths of PATH_MAX-1 (4095) bytes work" {
	local ino
	ino=$(inode_of "$ROOT/file")
	same_as_native "ok" rename "$(pad_path 4095 file)" "$(pad_path 4095 dir/moved)"
	assert_equal "$(inode_of "$ROOT/dir/moved")" "$ino"
}

@test "link: a path of PATH_MAX (4096) bytes gives ENAMETOOLONG" {
	same_as_native "err ENAMETOOLONG" link "$(pad_path 4096 file)" new
	same_as_native "err ENAMETOOLONG" link file "$(pad_path 4096 new)"
}

@test "linkat, renameat2: a path of PATH_MAX (4096) bytes gives ENAMETOOLONG" {
	same_as_native "err ENAMETOOLONG" linkat "dir:@R" "$(pad_path 4096 file)" cwd new AT_SYMLINK_FOLLOW
	same_as_native "err ENAMETOOLONG" renameat2 cwd file "dir:@R" "$(pad_path 4096 new)" RENAME_NOREPLACE
}

@test "rename: a path of 6000 bytes gives ENAMETOOLONG" {
	same_as_native "err ENAMETOOLONG" rename "$(pad_path 6000 file)" new
	same_as_native "err ENAMETOOLONG" rename file "$(pad_path 6000 new)"
}

@test "link: a component of NAME_MAX (255) bytes works" {
	local n
	n=$(name_of 255)
	same_as_native "ok" link file "dir/$n"
	assert_same_inode "$ROOT/file" "$ROOT/dir/$n"
}

@test "link: a final component of 256 bytes gives ENAMETOOLONG" {
	same_as_native "err ENAMETOOLONG" link file "dir/$(name_of 256)"
	same_as_native "err ENAMETOOLONG" link "$(name_of 256)" new
}

@test "rename: a middle component of 256 bytes gives ENAMETOOLONG" {
	same_as_native "err ENAMETOOLONG" rename "$(name_of 256)/x" new
	same_as_native "err ENAMETOOLONG" rename file "dir/$(name_of 256)/new"
}

# --- unusual bytes in names -----------------------------------------------------------------

@test "link: non-UTF-8 names work normally" {
	echo bytes >"$ROOT/"$'\xff\xfe'
	mkdir "$ROOT/"$'d\xe9j\xe0'
	same_as_native "ok" link $'\xff\xfe' $'d\xe9j\xe0/\x80\xc3('
	assert_same_inode "$ROOT/"$'\xff\xfe' "$ROOT/"$'d\xe9j\xe0/\x80\xc3('
}

@test "rename: non-UTF-8 names work normally" {
	mkdir "$ROOT/"$'\xc0\xaf'
	local ino
	ino=$(inode_of "$ROOT/file")
	same_as_native "ok" rename file $'\xc0\xaf/\xfe\xff name with spaces'
	assert_equal "$(inode_of "$ROOT/"$'\xc0\xaf/\xfe\xff name with spaces')" "$ino"
}

@test "link: names with quotes, backslashes, newlines and a leading dash work normally" {
	same_as_native "ok" link file $'-"q\\uo\'te\nline"'
	assert_same_inode "$ROOT/file" "$ROOT/"$'-"q\\uo\'te\nline"'
}

# --- descriptors ----------------------------------------------------------------------------

@test "linkat: a closed dirfd gives EBADF (old and new)" {
	same_as_native "err EBADF" linkat closed file cwd new 0
	same_as_native "err EBADF" linkat cwd file closed new 0
}

@test "renameat and renameat2: a closed dirfd gives EBADF (old and new)" {
	same_as_native "err EBADF" renameat closed file cwd new
	same_as_native "err EBADF" renameat2 cwd file closed new RENAME_NOREPLACE
}

# The closed descriptor's number is the lowest free one: the next descriptor opened takes it.
# If resolving the old path opens one before the new dirfd is checked, the new path is taken
# from the shim's own directory instead of failing.
@test "linkat: a closed new dirfd gives EBADF even when the old path needs a lookup" {
	same_as_native "err EBADF" linkat cwd dir/sub/../../file closed new 0
	same_as_native "err EBADF" linkat "dir:@R/dir" ../file closed new 0
	same_as_native "err EBADF" linkat cwd dir/../file closed new AT_SYMLINK_FOLLOW
}

@test "renameat, renameat2: a closed new dirfd gives EBADF even when the old path needs a lookup" {
	same_as_native "err EBADF" renameat cwd dir/sub/../../file closed new
	same_as_native "err EBADF" renameat2 "path:@R/dir" ../file closed new 0
	same_as_native "err EBADF" renameat2 cwd dir/sub closed new RENAME_EXCHANGE
}

@test "linkat, renameat: a never-opened fd (999) and a negative fd (-5) give EBADF" {
	same_as_native "err EBADF" linkat 999 file cwd new 0
	same_as_native "err EBADF" renameat cwd file -5 new
}

@test "linkat: AT_FDCWD given as a number (-100) is the cwd" {
	same_as_native "ok" linkat -100 file -100 new 0
	assert_same_inode "$ROOT/file" "$ROOT/new"
}

@test "linkat AT_EMPTY_PATH: a closed fd gives EBADF" {
	same_as_native "err EBADF" linkat closed "" cwd new AT_EMPTY_PATH
}

@test "linkat: a file fd as dirfd gives ENOTDIR (old and new)" {
	same_as_native "err ENOTDIR" linkat "file:@R/file" x cwd new 0
	same_as_native "err ENOTDIR" linkat cwd file "file:@R/file" new 0
}

@test "renameat: an O_PATH file fd as dirfd gives ENOTDIR" {
	same_as_native "err ENOTDIR" renameat "path:@R/file" x cwd new
	same_as_native "err ENOTDIR" renameat2 cwd file "path:@R/file" new 0
}

@test "linkat: an absolute path ignores a closed dirfd, as the kernel does" {
	same_as_native "ok" linkat closed @R/file closed @R/new 0
	assert_same_inode "$ROOT/file" "$ROOT/new"
}

@test "linkat: an absolute path ignores a file fd and a bad number as dirfd" {
	same_as_native "ok" linkat "file:@R/file" @R/file 999 @R/dir/new AT_SYMLINK_FOLLOW
	assert_same_inode "$ROOT/file" "$ROOT/dir/new"
}

@test "renameat, renameat2: an absolute path ignores an invalid dirfd" {
	local ino
	ino=$(inode_of "$ROOT/file")
	same_as_native "ok" renameat closed @R/file -5 @R/dir/moved
	assert_equal "$(inode_of "$ROOT/dir/moved")" "$ino"
	same_as_native "ok" renameat2 999 @R/dir/moved "file:@R/dir/moved" @R/file RENAME_NOREPLACE
	assert_equal "$(inode_of "$ROOT/file")" "$ino"
}

# --- flags ----------------------------------------------------------------------------------

@test "linkat: unknown flags give EINVAL" {
	same_as_native "err EINVAL" linkat cwd file cwd new 0x100
	same_as_native "err EINVAL" linkat cwd file cwd new 0x200
	same_as_native "err EINVAL" linkat cwd file cwd new 0x80000000
	same_as_native "err EINVAL" linkat cwd file cwd new 'AT_SYMLINK_FOLLOW|0x8000'
}

@test "renameat2: unknown flags give EINVAL" {
	same_as_native "err EINVAL" renameat2 cwd file cwd new 8
	same_as_native "err EINVAL" renameat2 cwd file cwd new 0x80000000
}

@test "renameat2: RENAME_NOREPLACE|RENAME_EXCHANGE gives EINVAL" {
	echo b >"$ROOT/b"
	same_as_native "err EINVAL" renameat2 cwd file cwd b 'RENAME_NOREPLACE|RENAME_EXCHANGE'
}

@test "renameat2: RENAME_WHITEOUT|RENAME_EXCHANGE gives EINVAL" {
	echo b >"$ROOT/b"
	same_as_native "err EINVAL" renameat2 cwd file cwd b 'RENAME_WHITEOUT|RENAME_EXCHANGE'
}

# --- the usual failures ---------------------------------------------------------------------

@test "link and rename: a missing source gives ENOENT" {
	same_as_native "err ENOENT" link missing new
	same_as_native "err ENOENT" rename dir/missing new
	same_as_native "err ENOENT" linkat "dir:@R/dir" missing cwd new AT_SYMLINK_FOLLOW
}

@test "link and rename: a missing directory on the way gives ENOENT" {
	same_as_native "err ENOENT" link file nodir/new
	same_as_native "err ENOENT" rename nodir/file new
}

@test "linkat AT_SYMLINK_FOLLOW: a dangling in-root symlink gives ENOENT" {
	ln -s nowhere "$ROOT/dangle"
	same_as_native "err ENOENT" linkat cwd dangle cwd new AT_SYMLINK_FOLLOW
}

@test "link: an existing target gives EEXIST (file, directory, symlink)" {
	ln -s file "$ROOT/sl"
	same_as_native "err EEXIST" link file file
	same_as_native "err EEXIST" link file dir/sub
	same_as_native "err EEXIST" link dir/../file sl
}

@test "link: a dangling symlink as target gives EEXIST, nothing is created through it" {
	ln -s dir/created "$ROOT/dangle"
	same_as_native "err EEXIST" link file dangle
	[ ! -e "$ROOT/dir/created" ]
}

@test "link: to a directory gives EPERM" {
	same_as_native "err EPERM" link dir new
	same_as_native "err EPERM" linkat "dir:@R" dir/sub cwd new 0
}

@test "linkat AT_SYMLINK_FOLLOW: a symlink to a directory gives EPERM" {
	ln -s dir "$ROOT/dl"
	same_as_native "err EPERM" linkat cwd dl cwd new AT_SYMLINK_FOLLOW
}

@test "link and rename: a symlink loop gives ELOOP" {
	ln -s loop "$ROOT/loop"
	same_as_native "err ELOOP" link file loop/x
	same_as_native "err ELOOP" rename loop/x new
	same_as_native "err ELOOP" linkat cwd loop cwd new AT_SYMLINK_FOLLOW
}

# symlink_chain PREFIX TARGET: $ROOT/PREFIX1 -> TARGET, PREFIX2 -> PREFIX1, ... up to PREFIX41.
symlink_chain() {
	local i prev=$2
	for ((i = 1; i <= 41; i++)); do
		ln -s "$prev" "$ROOT/$1$i"
		prev=$1$i
	done
}

@test "link: 40 symlinks in a path work, the 41st gives ELOOP (as Linux)" {
	symlink_chain l dir
	same_as_native "ok" link file l40/new
	assert_same_inode "$ROOT/file" "$ROOT/dir/new"
	same_as_native "err ELOOP" link file l41/new
}

@test "linkat AT_SYMLINK_FOLLOW: 40 symlinks to the final file work, 41 give ELOOP" {
	symlink_chain f file
	same_as_native "ok" linkat cwd f40 cwd new AT_SYMLINK_FOLLOW
	assert_same_inode "$ROOT/file" "$ROOT/new"
	same_as_native "err ELOOP" linkat cwd f41 cwd new2 AT_SYMLINK_FOLLOW
}

@test "link and rename: a non-directory in the middle gives ENOTDIR" {
	same_as_native "err ENOTDIR" link file/x new
	same_as_native "err ENOTDIR" link file file/new
	same_as_native "err ENOTDIR" rename file/x new
	same_as_native "err ENOTDIR" rename file dir/../file/new
}

@test "rename: a directory into itself gives EINVAL" {
	same_as_native "err EINVAL" rename dir dir/sub/inside
}

@test "rename: over a non-empty directory gives ENOTEMPTY" {
	mkdir "$ROOT/other"
	same_as_native "err ENOTEMPTY" rename other dir
}

@test "rename: a directory over a file gives ENOTDIR, a file over a directory EISDIR" {
	same_as_native "err ENOTDIR" rename dir file
	same_as_native "err EISDIR" rename file dir
}

# mount_both TYPE-OPTIONS... NAME: mount the same thing at $ROOT/NAME and at the twin's NAME.
mount_twin_and_root() {
	local name=$1
	shift
	rm -rf "${BATS_TEST_TMPDIR:?}/$TWIN_NAME"
	cp -a "$ROOT" "$BATS_TEST_TMPDIR/$TWIN_NAME"
	require_root
	mount "$@" "$ROOT/$name" || skip "cannot mount here"
	mount "$@" "$BATS_TEST_TMPDIR/$TWIN_NAME/$name"
}

@test "link and rename: a mount point inside the root gives EXDEV" {
	mkdir "$ROOT/mnt"
	mount_twin_and_root mnt -t tmpfs lgtmp
	local t="$BATS_TEST_TMPDIR/$TWIN_NAME"
	run native -C "$t" link file mnt/x
	assert_output "err EXDEV"
	run lgcall -C "$ROOT" link file mnt/x
	assert_output "err EXDEV"
	run native -C "$t" rename file mnt/x
	assert_output "err EXDEV"
	run lgcall -C "$ROOT" rename file mnt/x
	assert_output "err EXDEV"
	[ -f "$ROOT/file" ] && [ ! -e "$ROOT/mnt/x" ]
}

@test "link and rename inside a mount inside the root work" {
	mkdir "$ROOT/mnt"
	mount_twin_and_root mnt -t tmpfs lgtmp
	echo m >"$ROOT/mnt/f"
	run lgcall -C "$ROOT" link mnt/f mnt/g
	assert_ok
	assert_same_inode "$ROOT/mnt/f" "$ROOT/mnt/g"
	run lgcall -C "$ROOT/mnt" rename g ../mnt/h
	assert_ok
	assert_same_inode "$ROOT/mnt/f" "$ROOT/mnt/h"
}

@test "link and rename: a read-only bind mount inside the root gives EROFS" {
	mkdir "$ROOT/ro"
	echo r >"$ROOT/ro/f"
	mount_twin_and_root ro --bind -o ro "$ROOT/dir"
	local t="$BATS_TEST_TMPDIR/$TWIN_NAME"
	umount "$t/ro"
	mount --bind -o ro "$t/dir" "$t/ro"
	run native -C "$t" link ro/sub ro/x
	local want=$output
	run lgcall -C "$ROOT" link ro/sub ro/x
	assert_equal "$output" "$want"
	echo w >"$ROOT/dir/w"
	echo w >"$t/dir/w"
	run native -C "$t" rename ro/w ro/w2
	assert_output "err EROFS"
	run lgcall -C "$ROOT" rename ro/w ro/w2
	assert_output "err EROFS"
	[ -f "$ROOT/dir/w" ]
}

# --- both paths bad: the kernel's order (i10a) ------------------------------------------------
# link (do_linkat) looks the old path up completely before the new one; rename (do_renameat2)
# takes both parents, then EBUSY for "." or "..", then the old last component, then the new
# name's length. The library resolves both parents before the call: it must answer the same.

@test "link: the old path's error comes before the new path's" {
	same_as_native "err ENOENT" link missing file/x
	same_as_native "err ENOTDIR" link file/ missing/x
	same_as_native "err ENOENT" link missing missing/x
	same_as_native "err ENOENT" link missing "$(name_of 300)"
	same_as_native "err ENOENT" link missing/ "dir/$(name_of 300)"
	same_as_native "err ENOTDIR" link file/ "$(name_of 300)"
	same_as_native "err ENOENT" link . missing/x
	same_as_native "err ENOENT" link missing .
	same_as_native "err ENOENT" linkat cwd missing "dir:@R/dir" nope/x AT_SYMLINK_FOLLOW
}

@test "link: an over-long old name is the first error" {
	same_as_native "err ENAMETOOLONG" link "$(name_of 300)" missing/x
	same_as_native "err ENAMETOOLONG" link "dir/$(name_of 300)" missing/x
	same_as_native "err ENAMETOOLONG" link "$(name_of 300)" "$(name_of 300)"
}

@test "rename: both parents first, then EBUSY, the old name, the new name's length" {
	same_as_native "err ENOTDIR" rename missing file/x
	same_as_native "err ENOENT" rename file/ missing/x
	same_as_native "err ENOENT" rename missing "$(name_of 300)"
	same_as_native "err ENAMETOOLONG" rename file "$(name_of 300)"
	same_as_native "err ENOENT" rename "$(name_of 300)" missing/x
	same_as_native "err ENOTDIR" rename "dir/$(name_of 300)" file/x
	same_as_native "err ENAMETOOLONG" rename "$(name_of 300)" x
	same_as_native "err EBUSY" rename . "$(name_of 300)"
	same_as_native "err EBUSY" rename "$(name_of 300)" .
	same_as_native "err EBUSY" rename "$(name_of 300)" dir/..
	same_as_native "err EEXIST" renameat2 cwd "$(name_of 300)" cwd . RENAME_NOREPLACE
	same_as_native "err ENAMETOOLONG" rename file/ "$(name_of 300)"
	same_as_native "err ENAMETOOLONG" rename "$(name_of 300)" "$(name_of 300)"
	same_as_native "err EBUSY" rename missing .
	same_as_native "err ENOENT" rename . missing/x
	same_as_native "err EBADF" renameat cwd "$(name_of 300)" closed x
	same_as_native "err ENOENT" linkat cwd missing closed x 0
}
