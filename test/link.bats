#!/usr/bin/env bats
# link.bats - link() and linkat() inside the root: what must work exactly as without the shim.
#
# Run against one resolver backend with LG_BACKEND=walk (or auto); unset, the library chooses.

# shellcheck disable=SC2154 # $stderr and $stderr_lines come from bats: run --separate-stderr
bats_require_minimum_version 1.5.0
load helpers

setup() {
	lg_tree
}

# --- plain names ---------------------------------------------------------------------------

@test "link: relative paths inside the root" {
	run lgcall -C "$ROOT" link file new
	assert_ok
	assert_same_inode "$ROOT/file" "$ROOT/new"
	assert_equal "$(links_of "$ROOT/file")" 2
}

@test "link: absolute paths inside the root" {
	run lgcall link "$ROOT/file" "$ROOT/dir/new"
	assert_ok
	assert_same_inode "$ROOT/file" "$ROOT/dir/new"
}

@test "link: relative old and absolute new from a cwd below the root" {
	run lgcall -C "$ROOT/dir" link ../file "$ROOT/dir/sub/new"
	assert_ok
	assert_same_inode "$ROOT/file" "$ROOT/dir/sub/new"
}

@test "link: absolute old and relative new" {
	run lgcall -C "$ROOT/dir/sub" link "$ROOT/file" new
	assert_ok
	assert_same_inode "$ROOT/file" "$ROOT/dir/sub/new"
}

@test "link: cwd outside the root, relative paths entering it" {
	run lgcall -C "$BATS_TEST_TMPDIR" link root/file root/dir/new
	assert_ok
	assert_same_inode "$ROOT/file" "$ROOT/dir/new"
}

@test "link: dot components and repeated slashes mean nothing" {
	run lgcall -C "$ROOT" link .//./file ./dir//./sub///new
	assert_ok
	assert_same_inode "$ROOT/file" "$ROOT/dir/sub/new"
}

@test "link: .. that stays inside the root" {
	run lgcall -C "$ROOT" link dir/sub/../../file dir/sub/../new
	assert_ok
	assert_same_inode "$ROOT/file" "$ROOT/dir/new"
}

@test "link: .. in an absolute path that stays inside the root" {
	run lgcall link "$ROOT/dir/../file" "$ROOT/dir/sub/../../new"
	assert_ok
	assert_same_inode "$ROOT/file" "$ROOT/new"
}

@test "link: a file with several links gets one more" {
	ln "$ROOT/file" "$ROOT/dir/second"
	run lgcall -C "$ROOT" link dir/second dir/sub/third
	assert_ok
	assert_same_inode "$ROOT/file" "$ROOT/dir/sub/third"
	assert_equal "$(links_of "$ROOT/file")" 3
}

# --- directory descriptors ------------------------------------------------------------------

@test "linkat: directory fds (dir:) inside the root" {
	run lgcall linkat "dir:$ROOT" file "dir:$ROOT/dir/sub" new 0
	assert_ok
	assert_same_inode "$ROOT/file" "$ROOT/dir/sub/new"
}

@test "linkat: O_PATH directory fds (path:) inside the root" {
	run lgcall linkat "path:$ROOT" file "path:$ROOT/dir" new 0
	assert_ok
	assert_same_inode "$ROOT/file" "$ROOT/dir/new"
}

@test "linkat: a dirfd inside and a relative path with .. that stays inside" {
	run lgcall linkat "dir:$ROOT/dir/sub" ../../file "path:$ROOT/dir/sub" ../new 0
	assert_ok
	assert_same_inode "$ROOT/file" "$ROOT/dir/new"
}

@test "linkat: one side AT_FDCWD, the other a dirfd inside" {
	run lgcall -C "$ROOT" linkat cwd file "dir:$ROOT/dir" new 0
	assert_ok
	assert_same_inode "$ROOT/file" "$ROOT/dir/new"
}

@test "linkat: absolute paths inside the root ignore the dirfds" {
	run lgcall linkat "dir:$OUT" "$ROOT/file" "path:$OUT/dir" "$ROOT/dir/new" 0
	assert_ok
	assert_same_inode "$ROOT/file" "$ROOT/dir/new"
	[ ! -e "$OUT/dir/new" ]
}

@test "linkat: the root itself as dirfd" {
	run lgcall linkat "dir:$ROOT" dir/../file "dir:$ROOT" ./new 0
	assert_ok
	assert_same_inode "$ROOT/file" "$ROOT/new"
}

# --- symlinks in non-final components -------------------------------------------------------

@test "link: through a relative in-root symlink in a middle component" {
	ln -s dir "$ROOT/dl"
	run lgcall -C "$ROOT" link dl/../file dl/sub/new
	assert_ok
	assert_same_inode "$ROOT/file" "$ROOT/dir/sub/new"
}

@test "link: a relative symlink target is taken from the symlink's directory" {
	ln -s sub "$ROOT/dir/rel"
	run lgcall -C "$ROOT" link file dir/rel/new
	assert_ok
	assert_same_inode "$ROOT/file" "$ROOT/dir/sub/new"
}

@test "link: through an absolute in-root symlink in a middle component" {
	ln -s "$ROOT/dir" "$ROOT/adl"
	run lgcall -C "$ROOT" link adl/../file adl/sub/new
	assert_ok
	assert_same_inode "$ROOT/file" "$ROOT/dir/sub/new"
}

@test "link: through an absolute in-root symlink, with absolute paths" {
	ln -s "$ROOT/dir/sub" "$ROOT/dir/asub"
	run lgcall link "$ROOT/file" "$ROOT/dir/asub/new"
	assert_ok
	assert_same_inode "$ROOT/file" "$ROOT/dir/sub/new"
}

@test "link: through a chain of in-root symlinks" {
	ln -s c2 "$ROOT/c1"
	ln -s "$ROOT/c3" "$ROOT/c2"
	ln -s dir/sub "$ROOT/c3"
	run lgcall -C "$ROOT" link file c1/new
	assert_ok
	assert_same_inode "$ROOT/file" "$ROOT/dir/sub/new"
}

@test "link: a symlink to the root inside the root (d/d -> ..)" {
	mkdir "$ROOT/d"
	ln -s .. "$ROOT/d/d"
	run lgcall -C "$ROOT" link d/d/file d/d/new
	assert_ok
	assert_same_inode "$ROOT/file" "$ROOT/new"
}

@test "link: .. after a symlink is physical (dl -> dir/sub, dl/../new is dir/new)" {
	ln -s dir/sub "$ROOT/dl"
	run lgcall -C "$ROOT" link file dl/../new
	assert_ok
	assert_same_inode "$ROOT/file" "$ROOT/dir/new"
	[ ! -e "$ROOT/new" ]
}

# --- the final component of the source ------------------------------------------------------

@test "link: does not follow a final symlink inside (links the symlink itself)" {
	ln -s file "$ROOT/sl"
	run lgcall -C "$ROOT" link sl sl2
	assert_ok
	[ -L "$ROOT/sl2" ]
	assert_same_inode "$ROOT/sl" "$ROOT/sl2"
	assert_equal "$(readlink "$ROOT/sl2")" file
	assert_equal "$(links_of "$ROOT/file")" 1
}

@test "link: a final symlink pointing outside (absolute) is linked as itself" {
	ln -s "$OUT/secret" "$ROOT/osl"
	OUTSIDE_BEFORE=$(outside_now)
	run lgcall -C "$ROOT" link osl dir/osl2
	assert_ok
	[ -L "$ROOT/dir/osl2" ]
	assert_same_inode "$ROOT/osl" "$ROOT/dir/osl2"
	assert_equal "$(readlink "$ROOT/dir/osl2")" "$OUT/secret"
	assert_outside_same
	assert_equal "$(links_of "$OUT/secret")" 1
}

@test "link: a final symlink pointing outside (relative ../out) is linked as itself" {
	ln -s ../out/secret "$ROOT/esc"
	OUTSIDE_BEFORE=$(outside_now)
	run lgcall link "$ROOT/esc" "$ROOT/esc2"
	assert_ok
	[ -L "$ROOT/esc2" ]
	assert_same_inode "$ROOT/esc" "$ROOT/esc2"
	assert_outside_same
}

@test "link: a dangling final symlink is linked as itself" {
	ln -s nowhere "$ROOT/dangle"
	run lgcall -C "$ROOT" link dangle dangle2
	assert_ok
	[ -L "$ROOT/dangle2" ]
	assert_same_inode "$ROOT/dangle" "$ROOT/dangle2"
}

@test "link: a final symlink loop is linked as itself" {
	ln -s loop "$ROOT/loop"
	run lgcall -C "$ROOT" link loop loop2
	assert_ok
	assert_same_inode "$ROOT/loop" "$ROOT/loop2"
}

@test "linkat flags 0: a final symlink pointing outside is linked as itself" {
	ln -s "$OUT/dir" "$ROOT/odl"
	OUTSIDE_BEFORE=$(outside_now)
	run lgcall linkat "dir:$ROOT" odl "dir:$ROOT/dir" odl2 0
	assert_ok
	[ -L "$ROOT/dir/odl2" ]
	assert_same_inode "$ROOT/odl" "$ROOT/dir/odl2"
	assert_outside_same
}

# --- AT_SYMLINK_FOLLOW ----------------------------------------------------------------------

@test "linkat AT_SYMLINK_FOLLOW: follows a relative final symlink inside the root" {
	ln -s file "$ROOT/sl"
	run lgcall -C "$ROOT" linkat cwd sl cwd new AT_SYMLINK_FOLLOW
	assert_ok
	[ ! -L "$ROOT/new" ]
	assert_same_inode "$ROOT/file" "$ROOT/new"
}

@test "linkat AT_SYMLINK_FOLLOW: follows a final symlink with .. that stays inside" {
	ln -s ../../file "$ROOT/dir/sub/up"
	run lgcall linkat "dir:$ROOT/dir" sub/up "dir:$ROOT" new AT_SYMLINK_FOLLOW
	assert_ok
	assert_same_inode "$ROOT/file" "$ROOT/new"
}

@test "linkat AT_SYMLINK_FOLLOW: follows an absolute final symlink under the root" {
	ln -s "$ROOT/file" "$ROOT/dir/asl"
	run lgcall -C "$ROOT" linkat cwd dir/asl cwd new AT_SYMLINK_FOLLOW
	assert_ok
	assert_same_inode "$ROOT/file" "$ROOT/new"
}

@test "linkat AT_SYMLINK_FOLLOW: follows a chain of final symlinks inside" {
	ln -s s2 "$ROOT/s1"
	ln -s "$ROOT/dir/s3" "$ROOT/s2"
	ln -s ../file "$ROOT/dir/s3"
	run lgcall -C "$ROOT" linkat cwd s1 cwd new AT_SYMLINK_FOLLOW
	assert_ok
	assert_same_inode "$ROOT/file" "$ROOT/new"
}

@test "linkat AT_SYMLINK_FOLLOW: a regular file is linked as without the flag" {
	run lgcall -C "$ROOT" linkat cwd file cwd new AT_SYMLINK_FOLLOW
	assert_ok
	assert_same_inode "$ROOT/file" "$ROOT/new"
}

@test "linkat AT_SYMLINK_FOLLOW: denied when the final symlink points outside (absolute)" {
	ln -s "$OUT/secret" "$ROOT/osl"
	freeze
	run --separate-stderr lgcall -C "$ROOT" linkat cwd osl cwd new AT_SYMLINK_FOLLOW
	assert_denied linkat osl new
	assert_nothing_changed
	[ ! -e "$ROOT/new" ]
}

@test "linkat AT_SYMLINK_FOLLOW: denied when the final symlink points outside (relative)" {
	ln -s ../../../out/secret "$ROOT/dir/sub/esc"
	freeze
	run --separate-stderr lgcall -C "$ROOT" linkat cwd dir/sub/esc cwd new AT_SYMLINK_FOLLOW
	assert_denied linkat dir/sub/esc new
	assert_nothing_changed
}

@test "linkat AT_SYMLINK_FOLLOW: denied when a chain of final symlinks ends outside" {
	ln -s s2 "$ROOT/s1"
	ln -s dir/s3 "$ROOT/s2"
	ln -s "$OUT/secret" "$ROOT/dir/s3"
	freeze
	run --separate-stderr lgcall -C "$ROOT" linkat cwd s1 cwd new AT_SYMLINK_FOLLOW
	assert_denied linkat s1 new
	assert_nothing_changed
}

@test "linkat AT_SYMLINK_FOLLOW: denied when the final symlink leaves and re-enters (../root/file)" {
	ln -s ../root/file "$ROOT/back"
	freeze
	run --separate-stderr lgcall -C "$ROOT" linkat cwd back cwd new AT_SYMLINK_FOLLOW
	assert_denied linkat back new
	assert_nothing_changed
}

@test "linkat AT_SYMLINK_FOLLOW: a final symlink loop gives ELOOP" {
	ln -s lb "$ROOT/la"
	ln -s la "$ROOT/lb"
	freeze
	run lgcall -C "$ROOT" linkat cwd la cwd new AT_SYMLINK_FOLLOW
	assert_output "err ELOOP"
	assert_nothing_changed
}

# --- AT_EMPTY_PATH --------------------------------------------------------------------------

@test "linkat AT_EMPTY_PATH: a file fd inside the root is linked" {
	run lgcall linkat "file:$ROOT/file" "" "dir:$ROOT/dir" new AT_EMPTY_PATH
	assert_ok
	assert_same_inode "$ROOT/file" "$ROOT/dir/new"
}

@test "linkat AT_EMPTY_PATH: an O_PATH fd of a file inside the root is linked" {
	run lgcall linkat "path:$ROOT/file" "" cwd "$ROOT/new" AT_EMPTY_PATH
	assert_ok
	assert_same_inode "$ROOT/file" "$ROOT/new"
}

@test "linkat AT_EMPTY_PATH: an O_TMPFILE opened in a dir inside gets a name" {
	run lgcall linkat "tmpfile:$ROOT/dir" "" cwd "$ROOT/named" AT_EMPTY_PATH
	assert_ok
	[ -f "$ROOT/named" ] && [ ! -L "$ROOT/named" ]
	assert_equal "$(links_of "$ROOT/named")" 1
	assert_equal "$(find "$ROOT" -inum "$(inode_of "$ROOT/named")" | wc -l)" 1
}

@test "linkat AT_EMPTY_PATH: a file fd outside the root is denied" {
	freeze
	run --separate-stderr lgcall linkat "file:$OUT/secret" "" cwd "$ROOT/new" AT_EMPTY_PATH
	assert_denied linkat "" "$ROOT/new"
	assert_nothing_changed
}

@test "linkat AT_EMPTY_PATH: an O_PATH fd outside the root is denied" {
	freeze
	run --separate-stderr lgcall linkat "path:$OUT/secret" "" "dir:$ROOT" new AT_EMPTY_PATH
	assert_denied linkat "" new
	assert_nothing_changed
}

@test "linkat AT_EMPTY_PATH: an O_TMPFILE opened outside the root is denied" {
	freeze
	run --separate-stderr lgcall linkat "tmpfile:$OUT/dir" "" cwd "$ROOT/named" AT_EMPTY_PATH
	assert_denied linkat "" "$ROOT/named"
	assert_nothing_changed
}

@test "linkat AT_EMPTY_PATH: a directory fd inside gives the kernel's EPERM" {
	same_as_native "err EPERM" linkat "dir:@R/dir" "" cwd new AT_EMPTY_PATH
}

# --- /proc/self/fd/N, /proc/<pid>/fd/N and /dev/fd/N ---------------------------------------------

@test "/proc/self/fd/N + AT_SYMLINK_FOLLOW: an O_TMPFILE made inside gets a name" {
	run lgcall linkat "tmpfile:$ROOT/dir" /proc/self/fd/%o cwd "$ROOT/dir/named" AT_SYMLINK_FOLLOW
	assert_ok
	[ -f "$ROOT/dir/named" ] && [ ! -L "$ROOT/dir/named" ]
	assert_equal "$(links_of "$ROOT/dir/named")" 1
	assert_equal "$(find "$ROOT" -inum "$(inode_of "$ROOT/dir/named")" | wc -l)" 1
}

@test "/dev/fd/N + AT_SYMLINK_FOLLOW: an O_TMPFILE made inside gets a name" {
	run lgcall linkat "tmpfile:$ROOT" /dev/fd/%o "dir:$ROOT/dir/sub" named AT_SYMLINK_FOLLOW
	assert_ok
	[ -f "$ROOT/dir/sub/named" ] && [ ! -L "$ROOT/dir/sub/named" ]
	assert_equal "$(links_of "$ROOT/dir/sub/named")" 1
}

@test "/proc/<own pid>/fd/N + AT_SYMLINK_FOLLOW: an O_TMPFILE made inside gets a name" {
	# %p: the driver's own pid (no shell in between, so a musl or aarch64 driver runs it too).
	run lgcall linkat "tmpfile:$ROOT/dir" "/proc/%p/fd/%o" cwd "$ROOT/named" AT_SYMLINK_FOLLOW
	assert_ok
	[ -f "$ROOT/named" ] && [ ! -L "$ROOT/named" ]
	assert_equal "$(links_of "$ROOT/named")" 1
}

@test "/proc/self/fd/N + AT_SYMLINK_FOLLOW: a regular file inside gets one more link" {
	run lgcall linkat "file:$ROOT/file" /proc/self/fd/%o cwd "$ROOT/new" AT_SYMLINK_FOLLOW
	assert_ok
	assert_same_inode "$ROOT/file" "$ROOT/new"
}

@test "/proc/self/fd/N + AT_SYMLINK_FOLLOW: a file outside is denied" {
	freeze
	run --separate-stderr lgcall linkat "file:$OUT/secret" /proc/self/fd/%o cwd "$ROOT/new" AT_SYMLINK_FOLLOW
	assert_denied linkat "/proc/self/fd/*" "$ROOT/new"
	assert_nothing_changed
}

@test "/dev/fd/N + AT_SYMLINK_FOLLOW: a file outside is denied" {
	freeze
	run --separate-stderr lgcall linkat "path:$OUT/secret" /dev/fd/%o "dir:$ROOT" new AT_SYMLINK_FOLLOW
	assert_denied linkat "/dev/fd/*" new
	assert_nothing_changed
}

@test "/proc/<own pid>/fd/N + AT_SYMLINK_FOLLOW: a file outside is denied" {
	freeze
	run --separate-stderr lgcall linkat "file:$OUT/secret" "/proc/%p/fd/%o" cwd "$ROOT/new" AT_SYMLINK_FOLLOW
	assert_denied linkat "/proc/*/fd/*" "$ROOT/new"
	assert_nothing_changed
}

@test "/proc/self/fd/N + AT_SYMLINK_FOLLOW: an O_TMPFILE made outside is denied" {
	freeze
	run --separate-stderr lgcall linkat "tmpfile:$OUT/dir" /proc/self/fd/%o cwd "$ROOT/named" AT_SYMLINK_FOLLOW
	assert_denied linkat "/proc/self/fd/*" "$ROOT/named"
	assert_nothing_changed
}

@test "/proc/self/fd/N without AT_SYMLINK_FOLLOW is denied (the entry lives in /proc)" {
	freeze
	run --separate-stderr lgcall linkat "file:$ROOT/file" /proc/self/fd/%o cwd "$ROOT/new" 0
	assert_denied linkat "/proc/self/fd/*" "$ROOT/new"
	assert_nothing_changed
}

# --- trailing slashes -----------------------------------------------------------------------

@test "link: source dir/ gives the kernel's EPERM" {
	same_as_native "err EPERM" link dir/ new
}

@test "link: source file/ gives the kernel's ENOTDIR" {
	same_as_native "err ENOTDIR" link file/ new
}

@test "link: source in-root symlink to a dir with a slash (dl/) gives the kernel's EPERM" {
	ln -s dir "$ROOT/dl"
	same_as_native "err EPERM" link dl/ new
}

@test "link: source in-root symlink to a file with a slash (sl/) gives the kernel's ENOTDIR" {
	ln -s file "$ROOT/sl"
	same_as_native "err ENOTDIR" link sl/ new
}

@test "link: target with a trailing slash gives the kernel's errno (new/ and dir/)" {
	same_as_native "err ENOENT" link file new/
	same_as_native "err EEXIST" link file dir/
}

@test "link: source symlink to an outside dir with a slash (odl/) is not followed out" {
	ln -s "$OUT/dir" "$ROOT/odl"
	freeze
	run --separate-stderr lgcall -C "$ROOT" link odl/ new
	assert_refused
	assert_nothing_changed
}

@test "linkat AT_SYMLINK_FOLLOW: source symlink to an outside dir with a slash (odl/) is not followed out" {
	ln -s ../out/dir "$ROOT/odl"
	freeze
	run --separate-stderr lgcall -C "$ROOT" linkat cwd odl/ cwd new AT_SYMLINK_FOLLOW
	assert_refused
	assert_nothing_changed
}

@test "link: source symlink to an outside file with a slash (osl/) is not followed out" {
	ln -s "$OUT/secret" "$ROOT/osl"
	freeze
	run --separate-stderr lgcall -C "$ROOT" link osl/ new
	assert_refused
	assert_nothing_changed
}

@test "link: target symlink to an outside dir with a slash (odl/) creates nothing outside" {
	ln -s "$OUT/dir" "$ROOT/odl"
	freeze
	run --separate-stderr lgcall -C "$ROOT" link file odl/
	assert_refused
	assert_nothing_changed
}

# --- . and .. as the last component -----------------------------------------------------------

@test "link: source dir/. gives the kernel's EPERM" {
	same_as_native "err EPERM" link dir/. new
}

@test "link: source dir/sub/.. gives the kernel's EPERM" {
	same_as_native "err EPERM" link dir/sub/.. new
}

@test "link: target dir/. gives the kernel's EEXIST" {
	same_as_native "err EEXIST" link file dir/.
}

@test "link: target dir/sub/.. gives the kernel's EEXIST" {
	same_as_native "err EEXIST" link file dir/sub/..
}

@test "linkat: dirfd inside with . as the source gives the kernel's EPERM" {
	same_as_native "err EPERM" linkat "dir:@R/dir" . "dir:@R" new 0
}

@test "link: the root as . or .. of a child is refused and nothing changes" {
	freeze
	run --separate-stderr lgcall -C "$ROOT" link . new
	assert_refused
	run --separate-stderr lgcall -C "$ROOT" link dir/.. new
	assert_refused
	run --separate-stderr lgcall -C "$ROOT" link file .
	assert_refused
	assert_nothing_changed
}

@test "link: the root's own entry as target is denied" {
	freeze
	run --separate-stderr lgcall link "$ROOT/file" "$ROOT"
	assert_denied link "$ROOT/file" "$ROOT"
	assert_nothing_changed
}
