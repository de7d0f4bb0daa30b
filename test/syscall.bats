#!/usr/bin/env bats
# syscall.bats - link and rename made through libc's syscall(): confined like the functions; every
# other system call number passes through untouched.
#
# Run against one resolver backend with LG_BACKEND=walk (or auto); unset, the library chooses.

# shellcheck disable=SC2154 # $stderr and $stderr_lines come from bats: run --separate-stderr
bats_require_minimum_version 1.5.0
load helpers

setup() {
	lg_tree
}

# sysno NAME: the system call number of NAME on this machine, from the C headers.
sysno() {
	local n
	n=$(printf '#include <sys/syscall.h>\nSYS_%s\n' "$1" | "${CC:-cc}" -E -P - 2>/dev/null | tail -n 1)
	if ! [[ $n =~ ^[0-9]+$ ]] && [[ $(printf '#include <sys/syscall.h>\nSYS_linkat\n' |
		"${CC:-cc}" -E -P - 2>/dev/null | tail -n 1) =~ ^[0-9]+$ ]]; then
		# i15: the headers work but lack the call: aarch64 and newer architectures have no
		# link or rename system call, only linkat, renameat and renameat2.
		platform_skip "SYS_$1 does not exist on this architecture"
	fi
	[[ $n =~ ^[0-9]+$ ]] || skip "SYS_$1 is not defined here (or no C preprocessor to read it)"
	echo "$n"
}

# pysys: run python3 (confined) with `libc`, `nr` (a dict of syscall numbers from the
# arguments NAME=NUMBER before "--") and `err()` (errno of the last call) predefined.
pysys() {
	local -a defs=()
	while [ "$1" != -- ]; do
		sysno "$1" >/dev/null # skips the test here, where a $(...) could not
		defs+=("$1=$(sysno "$1")")
		shift
	done
	shift
	shim python3 -c '
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
nr = dict((d.split("=")[0], int(d.split("=")[1])) for d in sys.argv[1:])
err = ctypes.get_errno
'"$1" "${defs[@]}"
}

# --- SYS_link -------------------------------------------------------------------------------

@test "syscall(SYS_link): relative paths inside the root" {
	sysno link >/dev/null
	run lgcall -C "$ROOT" sys_link file dir/new
	assert_ok
	assert_same_inode "$ROOT/file" "$ROOT/dir/new"
}

@test "syscall(SYS_link): absolute paths and an in-root symlink on the way" {
	sysno link >/dev/null
	ln -s dir/sub "$ROOT/ds"
	run lgcall sys_link "$ROOT/file" "$ROOT/ds/new"
	assert_ok
	assert_same_inode "$ROOT/file" "$ROOT/dir/sub/new"
}

@test "syscall(SYS_link): a final symlink pointing outside is linked as itself" {
	sysno link >/dev/null
	ln -s "$OUT/secret" "$ROOT/osl"
	OUTSIDE_BEFORE=$(outside_now)
	symlink_as_itself osl sys_link osl osl2
	assert_outside_same
}

@test "syscall(SYS_link): a target outside is denied" {
	sysno link >/dev/null
	denied link file ../out/x -- -C "$ROOT" sys_link file ../out/x
}

@test "syscall(SYS_link): a source outside is denied" {
	sysno link >/dev/null
	denied link "$OUT/secret" "$ROOT/x" -- sys_link "$OUT/secret" "$ROOT/x"
}

@test "syscall(SYS_link): through a symlink out is denied" {
	sysno link >/dev/null
	ln -s ../out "$ROOT/esc"
	denied link esc/secret x -- -C "$ROOT" sys_link esc/secret x
}

# --- SYS_linkat -----------------------------------------------------------------------------

@test "syscall(SYS_linkat): dirfds inside the root" {
	run lgcall sys_linkat "dir:$ROOT" file "path:$ROOT/dir/sub" new 0
	assert_ok
	assert_same_inode "$ROOT/file" "$ROOT/dir/sub/new"
}

@test "syscall(SYS_linkat) AT_SYMLINK_FOLLOW: a final symlink inside is followed" {
	ln -s ../file "$ROOT/dir/sl"
	run lgcall sys_linkat "dir:$ROOT/dir" sl cwd "$ROOT/new" AT_SYMLINK_FOLLOW
	assert_ok
	assert_same_inode "$ROOT/file" "$ROOT/new"
}

@test "syscall(SYS_linkat) AT_EMPTY_PATH: a file fd inside is linked" {
	run lgcall sys_linkat "file:$ROOT/file" "" "dir:$ROOT/dir" new AT_EMPTY_PATH
	assert_ok
	assert_same_inode "$ROOT/file" "$ROOT/dir/new"
}

@test "syscall(SYS_linkat): a dirfd outside is denied" {
	denied linkat secret x -- sys_linkat "dir:$OUT" secret "dir:$ROOT" x 0
}

@test "syscall(SYS_linkat) AT_SYMLINK_FOLLOW: a final symlink out is denied" {
	ln -s "$OUT/secret" "$ROOT/osl"
	denied linkat osl new -- -C "$ROOT" sys_linkat cwd osl cwd new AT_SYMLINK_FOLLOW
}

@test "syscall(SYS_linkat) AT_EMPTY_PATH: a file fd outside is denied" {
	denied linkat "" new -- sys_linkat "file:$OUT/secret" "" "dir:$ROOT" new AT_EMPTY_PATH
}

@test "syscall(SYS_linkat) AT_SYMLINK_FOLLOW: /proc/self/fd/N of a file outside is denied" {
	denied linkat "/proc/self/fd/*" "$ROOT/new" -- sys_linkat "file:$OUT/secret" /proc/self/fd/%o cwd "$ROOT/new" AT_SYMLINK_FOLLOW
}

# --- SYS_rename, SYS_renameat, SYS_renameat2 ------------------------------------------------

@test "syscall(SYS_rename): inside the root" {
	sysno rename >/dev/null
	local ino
	ino=$(inode_of "$ROOT/file")
	run lgcall -C "$ROOT/dir" sys_rename ../file sub/moved
	assert_ok
	assert_equal "$(inode_of "$ROOT/dir/sub/moved")" "$ino"
	[ ! -e "$ROOT/file" ]
}

@test "syscall(SYS_rename): a target outside is denied" {
	sysno rename >/dev/null
	denied rename "$ROOT/file" "$OUT/x" -- sys_rename "$ROOT/file" "$OUT/x"
}

@test "syscall(SYS_rename): a source outside is denied" {
	sysno rename >/dev/null
	denied rename ../out/secret x -- -C "$ROOT" sys_rename ../out/secret x
}

@test "syscall(SYS_renameat): dirfds inside the root" {
	local ino
	ino=$(inode_of "$ROOT/dir/sub")
	run lgcall sys_renameat "dir:$ROOT/dir" sub "path:$ROOT" moved
	assert_ok
	assert_equal "$(inode_of "$ROOT/moved")" "$ino"
	[ ! -e "$ROOT/dir/sub" ]
}

@test "syscall(SYS_renameat): a dirfd outside is denied" {
	denied renameat file x -- sys_renameat "dir:$ROOT" file "dir:$OUT" x
}

@test "syscall(SYS_renameat): .. out of a dirfd inside is denied" {
	denied renameat ../../out/secret x -- sys_renameat "dir:$ROOT/dir" ../../out/secret "dir:$ROOT" x
}

@test "syscall(SYS_renameat2) RENAME_NOREPLACE: inside the root" {
	local ino
	ino=$(inode_of "$ROOT/file")
	run lgcall sys_renameat2 "dir:$ROOT" file "dir:$ROOT/dir" moved RENAME_NOREPLACE
	assert_ok
	assert_equal "$(inode_of "$ROOT/dir/moved")" "$ino"
}

@test "syscall(SYS_renameat2) RENAME_EXCHANGE: inside the root, swapped" {
	local ifile idir
	ifile=$(inode_of "$ROOT/file") idir=$(inode_of "$ROOT/dir")
	run lgcall -C "$ROOT" sys_renameat2 cwd file cwd dir RENAME_EXCHANGE
	assert_ok
	assert_equal "$(inode_of "$ROOT/file")" "$idir"
	assert_equal "$(inode_of "$ROOT/dir")" "$ifile"
}

@test "syscall(SYS_renameat2) RENAME_EXCHANGE: one side outside is denied" {
	denied renameat2 "$ROOT/file" "$OUT/secret" -- sys_renameat2 cwd "$ROOT/file" cwd "$OUT/secret" RENAME_EXCHANGE
}

@test "syscall(SYS_renameat2) RENAME_WHITEOUT: a source outside is denied" {
	denied renameat2 secret "$ROOT/moved" -- sys_renameat2 "dir:$OUT" secret cwd "$ROOT/moved" RENAME_WHITEOUT
}

@test "syscall(SYS_renameat2) flags 0: the root itself is denied" {
	denied renameat2 root moved -- -C "$BATS_TEST_TMPDIR" sys_renameat2 cwd root cwd moved 0
}

# --- errors: as the kernel gives them -------------------------------------------------------

@test "syscall(SYS_link, NULL, ...) gives EFAULT, as natively" {
	sysno link >/dev/null
	same_as_native "err EFAULT" sys_link NULL new
	same_as_native "err EFAULT" sys_link file NULL
}

@test "syscall(SYS_rename): an empty path gives ENOENT, as natively" {
	sysno rename >/dev/null
	same_as_native "err ENOENT" sys_rename "" new
}

@test "syscall(SYS_linkat): unknown flags give EINVAL, as natively" {
	same_as_native "err EINVAL" sys_linkat cwd file cwd new 0x100
}

@test "syscall(SYS_renameat2): unknown flags and NOREPLACE|EXCHANGE give EINVAL, as natively" {
	same_as_native "err EINVAL" sys_renameat2 cwd file cwd new 8
	same_as_native "err EINVAL" sys_renameat2 cwd file cwd dir 'RENAME_NOREPLACE|RENAME_EXCHANGE'
}

@test "syscall(SYS_renameat), SYS_linkat: a closed dirfd gives EBADF, as natively" {
	same_as_native "err EBADF" sys_renameat closed file cwd new
	same_as_native "err EBADF" sys_linkat cwd file closed new 0
	same_as_native "err EBADF" sys_linkat cwd dir/../file closed new 0
	same_as_native "err EBADF" sys_renameat2 cwd dir/sub/.. closed new 0
}

@test "syscall(SYS_link): an existing target gives EEXIST, as natively" {
	sysno link >/dev/null
	same_as_native "err EEXIST" sys_link file dir/sub
}

# --- every other system call passes through ---------------------------------------------------

@test "syscall(SYS_getpid) passes through: it returns the pid" {
	require_host_preload python3
	run pysys getpid -- 'print(libc.syscall(nr["getpid"]) == os.getpid())'
	assert_success
	assert_output "True"
}

@test "syscall(SYS_write, 1, buf, n) passes its three arguments through" {
	require_host_preload python3
	run pysys write -- 'n = libc.syscall(nr["write"], 1, b"through\n", 8); print(n)'
	assert_success
	assert_output $'through\n8'
}

@test "syscall(SYS_close, -1) passes through: -1 with errno EBADF" {
	require_host_preload python3
	run pysys close -- 'print(libc.syscall(nr["close"], -1), err() == __import__("errno").EBADF)'
	assert_success
	assert_output "-1 True"
}

@test "syscall(SYS_readlinkat) passes its four arguments through" {
	require_host_preload python3
	ln -s "some/target" "$ROOT/sl"
	run pysys readlinkat -- '
buf = ctypes.create_string_buffer(64)
n = libc.syscall(nr["readlinkat"], -100, os.environ["ROOT"].encode() + b"/sl", buf, 64)
print(buf.raw[:n].decode(), n)'
	assert_success
	assert_output "some/target 11"
}

@test "syscall(SYS_mkdirat) passes through inside the root" {
	require_host_preload python3
	run pysys mkdirat -- 'print(libc.syscall(nr["mkdirat"], -100, os.environ["ROOT"].encode() + b"/made", 0o755))'
	assert_success
	assert_output "0"
	[ -d "$ROOT/made" ]
}

@test "syscall(SYS_link) from another program (python ctypes) is confined too" {
	require_host_preload python3
	freeze
	run --separate-stderr pysys link -- '
r = libc.syscall(nr["link"], os.environ["ROOT"].encode() + b"/file", os.environ["OUT"].encode() + b"/x")
print(r, err() == __import__("errno").EACCES)'
	assert_success
	assert_output "-1 True"
	[[ $stderr == "linkguard: denied "* ]]
	assert_nothing_changed
	run pysys link -- '
print(libc.syscall(nr["link"], os.environ["ROOT"].encode() + b"/file", os.environ["ROOT"].encode() + b"/py"))'
	assert_output "0"
	assert_same_inode "$ROOT/file" "$ROOT/py"
}

@test "syscall(SYS_renameat2) from another program (python ctypes) is confined too" {
	require_host_preload python3
	freeze
	run --separate-stderr pysys renameat2 -- '
r = libc.syscall(nr["renameat2"], -100, os.environ["OUT"].encode() + b"/secret", -100, os.environ["ROOT"].encode() + b"/x", 0)
print(r, err() == __import__("errno").EACCES)'
	assert_success
	assert_output "-1 True"
	assert_nothing_changed
}

# --- the number as the kernel reads it --------------------------------------------------------
# x86_64 and arm64 read only the low 32 bits of the number; on x86_64 the x32 bit (0x40000000)
# selects the x32 table, whose link, rename and io_uring_setup are the native calls.

# The kernel reads only the low 32 bits of the number on x86_64 and arm64; x86_64 has the x32 bit.
need_32bit_numbers() {
	case $(uname -m) in
	x86_64 | aarch64) ;;
	*) skip "the kernel reads the whole number on $(uname -m)" ;;
	esac
}
need_x32_bit() {
	[ "$(uname -m)" = x86_64 ] || skip "the x32 bit is x86_64's"
}

# hicalls BITS: python that makes every link and rename call with BITS or-ed into its number,
# an escape each, and prints "name result errno" a line.
hicalls() {
	cat <<PY
bits = $1
R, O = os.environ["ROOT"].encode(), os.environ["OUT"].encode()
L = ctypes.c_long
calls = [("link", (R + b"/file", O + b"/l")),
         ("rename", (O + b"/secret", R + b"/r")),
         ("linkat", (L(-100), R + b"/file", L(-100), O + b"/la", L(0))),
         ("renameat", (L(-100), O + b"/secret", L(-100), R + b"/ra")),
         ("renameat2", (L(-100), O + b"/secret", L(-100), R + b"/r2", L(0)))]
for name, args in calls:
    if name not in nr:
        continue
    r = libc.syscall(L(nr[name] | bits), *args)
    print(name, r, __import__("errno").errorcode.get(err(), err()) if r < 0 else 0)
PY
}

@test "syscall(SYS_linkat | 1<<32) and the rest of the family: escapes denied as the kernel reads the number" {
	require_host_preload python3
	need_32bit_numbers
	local -a names=(linkat renameat renameat2)
	printf '#include <sys/syscall.h>\nSYS_link\n' | "${CC:-cc}" -E -P - | grep -q '^[0-9]' && names+=(link rename)
	freeze
	run --separate-stderr pysys "${names[@]}" -- "$(hicalls '1 << 32')"
	assert_success
	for n in "${names[@]}"; do
		assert_line "$n -1 EACCES"
	done
	assert_equal "${#stderr_lines[@]}" "${#names[@]}"
	[[ ${stderr_lines[0]} == "linkguard: denied SYS_"* ]]
	assert_nothing_changed
}

@test "syscall(SYS_linkat | 0xffffffff00000000) inside the root links, as the kernel does" {
	require_host_preload python3
	need_32bit_numbers
	run --separate-stderr pysys linkat -- '
R = os.environ["ROOT"].encode()
L = ctypes.c_long
print(libc.syscall(L(nr["linkat"] | -(1 << 32)), L(-100), R + b"/file", L(-100), R + b"/hi", L(0)))'
	assert_success
	assert_output "0"
	assert_equal "$stderr" ""
	assert_same_inode "$ROOT/file" "$ROOT/hi"
}

@test "syscall(SYS_execve | 1<<32) with an empty envp: the child still gets LD_PRELOAD and the root" {
	require_host_preload python3
	need_32bit_numbers
	run pysys execve -- '
import shutil
env = shutil.which("env").encode()
argv = (ctypes.c_char_p * 2)(env, None)
envp = (ctypes.c_char_p * 1)(None)
libc.syscall(ctypes.c_long(nr["execve"] | 1 << 32), env, argv, envp)
print("execve failed", err())'
	assert_success
	assert_line "LINKGUARD_ROOT=$ROOT"
	assert_line --regexp "^LD_PRELOAD=.*$(basename "$LINKGUARD_LIB")"
}

@test "syscall(SYS_io_uring_setup | 1<<32): ENOSYS, as the plain number" {
	require_host_preload python3
	need_32bit_numbers
	run pysys io_uring_setup -- '
import errno
print(libc.syscall(ctypes.c_long(nr["io_uring_setup"] | 1 << 32), 1, None), errno.errorcode[err()])'
	assert_success
	assert_output "-1 ENOSYS"
}

@test "syscall(x32 bit | SYS_linkat) and the rest of the family: escapes denied, nothing changes (x86_64)" {
	require_host_preload python3
	need_x32_bit
	freeze
	run --separate-stderr pysys link rename linkat renameat renameat2 -- "$(hicalls 0x40000000)"
	assert_success
	for n in link rename linkat renameat renameat2; do
		assert_line "$n -1 EACCES"
	done
	assert_nothing_changed
}

@test "syscall(x32 bit | x32 execve): refused with a line saying why (x86_64)" {
	require_host_preload python3
	need_x32_bit
	run --separate-stderr pysys -- '
for n in (0x40000000 | 520, 0x40000000 | 545):
    print(libc.syscall(ctypes.c_long(n), b"/bin/true", None, None, 0, 0), err() == __import__("errno").EACCES)'
	assert_success
	assert_output $'-1 True\n-1 True'
	assert_equal "${#stderr_lines[@]}" 2
	[[ ${stderr_lines[0]} == "linkguard: denied x32 execve("*"an x32 system call, whose arguments linkguard does not read" ]]
}
