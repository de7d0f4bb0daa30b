#!/usr/bin/env bats
# exec.bats - confinement survives exec. Every way a confined program can start another one with a
# scrubbed or hostile environment (env -i, execve with {}, posix_spawn, system, popen, make, a
# nested launcher, LINKGUARD_* set by the program itself, ...) still starts it confined, through
# the launcher and through plain LD_PRELOAD: the escape fails with EACCES and changes nothing
# outside, the in-root link works. Static, foreign-architecture and set-ID programs are refused
# unless allowed at start-up; the audit mode and the kernel layer let them run with a line.
#
# Python drives the calls (test/driver has no exec program): $VIA, written by setup_file.

bats_require_minimum_version 1.5.0
load helpers

# --- fixtures, built once -----------------------------------------------------------------------

# via.py CALL PROGRAM [ARG...]: start PROGRAM by CALL, with an empty or hostile environment (or
# after clearing its own), and exit with its status; 126/127 when the call itself fails.
write_via() {
	cat >"$1" <<'EOF'
import ctypes, errno, os, shlex, subprocess, sys

call, args = sys.argv[1], sys.argv[2:]
libc = ctypes.CDLL(None, use_errno=True)
libc.popen.restype = ctypes.c_void_p
libc.popen.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
libc.pclose.argtypes = [ctypes.c_void_p]
libc.fgets.restype = ctypes.c_void_p
libc.fgets.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.c_void_p]
AT_EMPTY_PATH = 0x1000
SYSCALLS = {"x86_64": (59, 322), "aarch64": (221, 281)}  # execve, execveat
HOSTILE = {"LD_PRELOAD": "", "LINKGUARD_ROOT": "/", "LINKGUARD_MODE": "audit",
           "LINKGUARD_LOG": "none", "LINKGUARD_STATIC": "allow", "LINKGUARD_SETUID": "allow"}


def vec(items):
    return (ctypes.c_char_p * (len(items) + 1))(*[i.encode() for i in items], None)


def failed(err):
    print(f"via {call}: {os.strerror(err)}", file=sys.stderr)
    sys.exit(127 if err == errno.ENOENT else 126)


def waited(pid):
    sys.exit(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))


def syscall_nr(which):
    nrs = SYSCALLS.get(os.uname().machine)
    if nrs is None:
        print(f"via {call}: no system call numbers for {os.uname().machine}", file=sys.stderr)
        sys.exit(77)
    return nrs[which]


if call == "posix_spawn.chdir":  # DIR PROGRAM ARG...: a chdir file action, then a relative path
    where, args = args[0], args[1:]
path = args[0]  # the p calls search PATH for it when it has no '/'
try:
    if call == "os.execve":
        os.execve(path, args, {})
    elif call == "os.execve.hostile":
        os.execve(path, args, HOSTILE)
    elif call == "os.execv.cleared":
        os.environ.clear()
        os.execv(path, args)
    elif call == "os.execvpe":
        os.execvpe(path, args, {})
    elif call == "os.fexecve":
        os.execve(os.open(path, os.O_RDONLY), args, {})
    elif call == "os.posix_spawn":
        waited(os.posix_spawn(path, args, {}))
    elif call == "os.posix_spawnp":
        waited(os.posix_spawnp(path, args, {}))
    elif call == "subprocess":
        sys.exit(subprocess.run(args, env={}).returncode)
    elif call == "os.system.cleared":
        os.environ.clear()
        sys.exit(os.waitstatus_to_exitcode(os.system(shlex.join(args))))
    elif call == "os.popen.unset":
        del os.environ["LD_PRELOAD"]
        pipe = os.popen(shlex.join(args))
        sys.stdout.write(pipe.read())
        status = pipe.close()
        sys.exit(0 if status is None else os.waitstatus_to_exitcode(status))
    elif call == "execv":
        os.environ.clear()
        libc.execv(path.encode(), vec(args))
    elif call == "execvp":
        os.environ.clear()
        libc.execvp(path.encode(), vec(args))
    elif call == "execve":
        libc.execve(path.encode(), vec(args), vec([]))
    elif call == "execvpe":
        libc.execvpe(path.encode(), vec(args), vec([]))
    elif call == "execl":
        os.environ.clear()
        libc.execl(path.encode(), *[a.encode() for a in args], None)
    elif call == "execle":
        libc.execle(path.encode(), *[a.encode() for a in args], None, vec([]))
    elif call == "execlp":
        os.environ.clear()
        libc.execlp(path.encode(), *[a.encode() for a in args], None)
    elif call == "fexecve":
        libc.fexecve(os.open(path, os.O_RDONLY), vec(args), vec([]))
    elif call == "execveat":
        libc.execveat(os.open(path, os.O_RDONLY), b"", vec(args), vec([]), AT_EMPTY_PATH)
    elif call == "execveat.dirfd":
        libc.execveat(os.open(os.path.dirname(path) or ".", os.O_RDONLY | os.O_DIRECTORY),
                      os.path.basename(path).encode(), vec(args), vec([]), 0)
    elif call == "system.cleared":
        os.environ.clear()
        sys.exit(os.waitstatus_to_exitcode(libc.system(shlex.join(args).encode())))
    elif call == "popen.cleared":
        os.environ.clear()
        pipe = libc.popen(shlex.join(args).encode(), b"r")
        if not pipe:
            failed(ctypes.get_errno())
        line = ctypes.create_string_buffer(8192)
        while libc.fgets(line, len(line), pipe):
            sys.stdout.write(line.value.decode())
        sys.stdout.flush()
        sys.exit(os.waitstatus_to_exitcode(libc.pclose(pipe)))
    elif call == "syscall.execve":
        libc.syscall(syscall_nr(0), path.encode(), vec(args), vec([]))
    elif call == "syscall.execveat":
        libc.syscall(syscall_nr(1), os.open(path, os.O_RDONLY), b"", vec(args), vec([]),
                     AT_EMPTY_PATH)
    elif call == "posix_spawn.chdir":
        actions = ctypes.create_string_buffer(512)  # larger than glibc's 80 bytes
        pid = ctypes.c_int()
        if libc.posix_spawn_file_actions_init(actions) != 0 or \
           libc.posix_spawn_file_actions_addchdir_np(actions, where.encode()) != 0:
            sys.exit("via: cannot set up the file actions")
        err = libc.posix_spawn(ctypes.byref(pid), path.encode(), actions, None, vec(args),
                               vec([]))
        if err:
            failed(err)
        waited(pid.value)
    else:
        sys.exit(f"via: unknown call {call}")
    failed(ctypes.get_errno())  # only an exec that returned gets here
except OSError as e:
    failed(e.errno)
EOF
}

# spawn.py ACTION[,ACTION...] PROGRAM [ARG...]: posix_spawn PROGRAM (posix_spawnp when it has no
# '/') with file actions, and exit with its status ("spawn: ERROR" when the spawn fails):
#   fd:FILE      open FILE here; its number replaces {fd} in later actions and in the arguments
#   dup2:FILE:N  dup2 FILE (opened here) to N      open:FILE:N  close N, then open FILE as N
#   chdir:DIR    change to DIR
write_spawn() {
	cat >"$1" <<'EOF'
import ctypes, os, sys

libc = ctypes.CDLL(None, use_errno=True)
actions = ctypes.create_string_buffer(512)  # larger than glibc's 80 bytes
libc.posix_spawn_file_actions_init(actions)
fd = ""
for action in sys.argv[1].split(","):
    kind, *rest = action.replace("{fd}", str(fd)).split(":")
    if kind == "fd":
        fd = os.open(rest[0], os.O_RDONLY)
    elif kind == "dup2":
        libc.posix_spawn_file_actions_adddup2(actions, os.open(rest[0], os.O_RDONLY), int(rest[1]))
    elif kind == "open":
        libc.posix_spawn_file_actions_addclose(actions, int(rest[1]))
        libc.posix_spawn_file_actions_addopen(actions, int(rest[1]), rest[0].encode(), os.O_RDONLY, 0)
    elif kind == "chdir":
        libc.posix_spawn_file_actions_addchdir_np(actions, rest[0].encode())
args = [a.replace("{fd}", str(fd)).encode() for a in sys.argv[2:]]
argv = (ctypes.c_char_p * (len(args) + 1))(*args, None)
pid = ctypes.c_int()
spawn = libc.posix_spawn if b"/" in args[0] else libc.posix_spawnp
err = spawn(ctypes.byref(pid), args[0], actions, None, argv, None)
if err:
    sys.exit("spawn: " + os.strerror(err))
sys.exit(os.waitstatus_to_exitcode(os.waitpid(pid.value, 0)[1]))
EOF
}

# A static program: with two or more arguments it renames the next-to-last to the last (so it
# still moves ARG1 to ARG2 when started through a chain of "#!" scripts); else it exits 0.
write_static_source() {
	cat <<'EOF'
#include <stdio.h>
int main(int argc, char **argv)
{
	return argc > 2 && rename(argv[argc - 2], argv[argc - 1]) != 0;
}
EOF
}

# A freestanding program that renames "file" to "../out/stolen" with raw system calls: the
# interpreter (PT_INTERP) of an otherwise ordinary dynamic program.
write_fake_interpreter_source() {
	cat <<'EOF'
static const char from[] = "file", to[] = "../out/stolen";
void _start(void)
{
	long r;
#if defined(__x86_64__)
	__asm__ volatile("syscall" : "=a"(r) : "a"(82L), "D"(from), "S"(to) : "rcx", "r11", "memory");
	__asm__ volatile("syscall" : : "a"(60L), "D"(r == 0 ? 0L : 1L) : "rcx", "r11", "memory");
#elif defined(__aarch64__)
	register long x8 __asm__("x8") = 38; /* renameat */
	register long x0 __asm__("x0") = -100, x1 __asm__("x1") = (long)from;
	register long x2 __asm__("x2") = -100, x3 __asm__("x3") = (long)to;
	__asm__ volatile("svc #0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3) : "memory");
	r = x0;
	x8 = 93; /* exit */
	x0 = r == 0 ? 0 : 1;
	__asm__ volatile("svc #0" : : "r"(x8), "r"(x0) : "memory");
#else
#error "no raw system calls for this architecture"
#endif
	for (;;)
		;
}
EOF
}

setup_file() {
	local dir=$BATS_FILE_TMPDIR cc=${CC:-cc} prev i
	MV=$(type -P mv)
	LN=$(type -P ln)
	VIA="$dir/via.py"
	write_via "$VIA"
	SPAWN="$dir/spawn.py"
	write_spawn "$SPAWN"
	PY=""
	if command -v python3 >/dev/null; then
		# The interpreter itself: a pyenv or similar shim needs a PATH that env -i removes.
		PY=$(python3 -c 'import os, sys; print(os.path.realpath(sys.executable))')
	fi

	# make: the recipe drops LD_PRELOAD and widens the root, the shim has to undo both.
	MAKEFILE="$dir/Makefile"
	printf 'unexport LD_PRELOAD\nexport LINKGUARD_ROOT := /\nexport LINKGUARD_MODE := audit\nrun:\n\t$(CMD)\n' >"$MAKEFILE"

	# Another library to preload: libc itself, harmless.
	OTHER_LIB=$(ldd "$MV" | awk '$1 ~ /^libc\.so/ { print $3 }')
	LIB_ALIAS="$dir/alias/liblinkguard.so"
	mkdir -p "$dir/alias"
	ln -s "$LINKGUARD_LIB" "$LIB_ALIAS"

	STATIC="$dir/static-mv" STATIC_WHY=""
	if ! write_static_source | "$cc" -static -O -o "$STATIC" -x c - 2>"$dir/static.err"; then
		STATIC="" STATIC_WHY="static linking fails here: $(head -1 "$dir/static.err")"
	else
		# A chain of "#!" scripts, each the interpreter of the next: CHAIN5 is 5 levels deep,
		# the most the kernel follows (it runs the static program at recursion depth 5).
		prev=$STATIC
		for i in 1 2 3 4 5; do
			printf '#!%s\n' "$prev" >"$dir/chain$i"
			chmod 755 "$dir/chain$i"
			prev="$dir/chain$i"
		done
		# posix_spawn with a chdir file action: "prog" is dynamic here, static there.
		mkdir -p "$dir/spawn/dyn" "$dir/spawn/static"
		cp "$(type -P true)" "$dir/spawn/dyn/prog"
		cp "$STATIC" "$dir/spawn/static/prog"
	fi

	# A program of another architecture: /bin/true with its e_machine changed.
	FOREIGN="$dir/foreign"
	cp "$(type -P true)" "$FOREIGN"
	if [ "$(uname -m)" = x86_64 ]; then
		printf '\267\000' | dd of="$FOREIGN" bs=1 seek=18 conv=notrunc status=none # EM_AARCH64
	else
		printf '\076\000' | dd of="$FOREIGN" bs=1 seek=18 conv=notrunc status=none # EM_X86_64
	fi

	# A dynamic program whose interpreter is a freestanding program, not the dynamic loader.
	FAKE_HOST="" FAKE_WHY=""
	if write_fake_interpreter_source |
		"$cc" -static -nostdlib -ffreestanding -fno-stack-protector -O -o "$dir/fake-interp" \
			-x c - 2>"$dir/fake.err" &&
		"$cc" -o "$dir/fake-host" -x c - -Wl,--dynamic-linker="$dir/fake-interp" \
			<<<'int main(void) { return 0; }' 2>>"$dir/fake.err"; then
		FAKE_HOST="$dir/fake-host"
		# The same program with its interpreter named relative to the directory it runs in,
		# and through /dev/fd/77 (both the loader here, the fake interpreter in a spawned child).
		"$cc" -o "$dir/rel-host" -x c - -Wl,--dynamic-linker=interp/ld.so \
			<<<'int main(void) { return 0; }' 2>>"$dir/fake.err" &&
			"$cc" -o "$dir/fd-host" -x c - -Wl,--dynamic-linker=/dev/fd/77 \
				<<<'int main(void) { return 0; }' 2>>"$dir/fake.err" ||
			FAKE_WHY="cannot build a program with a relative interpreter: $(tail -1 "$dir/fake.err")"
	else
		FAKE_WHY="cannot build a program with its own interpreter: $(head -1 "$dir/fake.err")"
	fi

	# Set-ID copies, owned by nobody: running them as root turns on secure execution.
	SETID_WHY=""
	if [ "$(id -u)" != 0 ]; then
		SETID_WHY="set-ID copies need root (to chown them to nobody)"
	elif ! id nobody >/dev/null 2>&1; then
		SETID_WHY="no user nobody"
	elif [ "$(awk '/^NoNewPrivs:/ { print $2 }' /proc/self/status)" != 0 ]; then
		SETID_WHY="the tests run with no_new_privs: set-ID bits are ignored"
	elif findmnt -no OPTIONS -T "$dir" | grep -qw nosuid; then
		SETID_WHY="$dir is on a nosuid mount: set-ID bits are ignored"
	else
		NOBODY_UID=$(id -u nobody)
		NOBODY_GID=$(id -g nobody)
		cp "$(type -P id)" "$dir/suid-id"
		cp "$MV" "$dir/suid-mv"
		cp "$(type -P id)" "$dir/sgid-id"
		chown nobody "$dir/suid-id" "$dir/suid-mv"
		chmod 4755 "$dir/suid-id" "$dir/suid-mv"
		chgrp "$NOBODY_GID" "$dir/sgid-id"
		chmod 2755 "$dir/sgid-id"
		CAP_ID="$dir/cap-id"
		cp "$(type -P id)" "$CAP_ID"
		command -v setcap >/dev/null && setcap cap_net_raw+ep "$CAP_ID" 2>/dev/null || CAP_ID=""
		CAP_MV="$dir/cap-mv"
		cp "$MV" "$CAP_MV"
		command -v setcap >/dev/null && setcap cap_net_raw+ep "$CAP_MV" 2>/dev/null || CAP_MV=""
	fi
	export MV LN VIA SPAWN PY MAKEFILE OTHER_LIB LIB_ALIAS STATIC STATIC_WHY FOREIGN FAKE_HOST FAKE_WHY
	export SETID_WHY NOBODY_UID NOBODY_GID CAP_ID CAP_MV
}

setup() {
	lg_tree
	cd "$ROOT"
}

# --- helpers ------------------------------------------------------------------------------------

need_python() {
	[ -n "$PY" ] || skip "python3 not installed"
}
# loader_of PROGRAM: the dynamic loader PROGRAM names (its PT_INTERP).
loader_of() {
	local interp
	interp=$(LC_ALL=C readelf -l "$1" 2>/dev/null | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')
	[ -n "$interp" ] || skip "cannot read the interpreter of $1 (readelf)"
	echo "$interp"
}
need_static() {
	[ -n "$STATIC" ] || skip "$STATIC_WHY"
}
need_setid() {
	require_root
	[ -z "$SETID_WHY" ] || skip "$SETID_WHY"
}
# need_lgtest_user: root, and the unprivileged user lgtest to run cases as. need_lgtest: also sets
# USER_DIR, a directory of lgtest's (removed by teardown).
need_lgtest_user() {
	require_root # to run a case as lgtest
	id lgtest >/dev/null 2>&1 || skip "no user lgtest here"
}
need_lgtest() {
	need_lgtest_user
	USER_DIR=$(mktemp -d /tmp/lg-exec.XXXXXX)
	chmod 755 "$USER_DIR"
	chown lgtest: "$USER_DIR"
}
as_lgtest() {
	setpriv --reuid=lgtest --regid=lgtest --clear-groups "$@"
}
teardown() {
	[ -z "${USER_DIR:-}" ] || rm -rf "$USER_DIR"
}

# need_kernel_layer OPTION...: skip when the launcher says Landlock is unavailable (exit 125).
need_kernel_layer() {
	run lg --root "$ROOT" "$@" -- true
	if [ "$status" = 125 ] && [[ "$output" == *Landlock* ]]; then
		skip "no Landlock here: $output"
	fi
	assert_success
}

# route_argv ROUTE CMD...: sets ARGV to a command that starts CMD... by ROUTE.
route_argv() {
	local route=$1
	shift
	case $route in
	env-i) ARGV=(env -i "$@") ;;
	env-u) ARGV=(env -u LD_PRELOAD -u LINKGUARD_ROOT "$@") ;;
	sh-unset) ARGV=(sh -c 'unset LD_PRELOAD LINKGUARD_ROOT; exec "$@"' sh "$@") ;;
	sh-empty-preload) ARGV=(sh -c 'export LD_PRELOAD=; "$@"' sh "$@") ;;
	sh-other-preload) ARGV=(sh -c 'export LD_PRELOAD="$1"; shift; "$@"' sh "$OTHER_LIB" "$@") ;;
	sh-root-slash) ARGV=(sh -c 'LINKGUARD_ROOT=/ "$@"' sh "$@") ;;
	sh-root-plus-slash) ARGV=(sh -c 'LINKGUARD_ROOT="$LINKGUARD_ROOT:/" "$@"' sh "$@") ;;
	sh-root-out) ARGV=(sh -c 'root=$1; shift; LINKGUARD_ROOT="$root" "$@"' sh "$OUT" "$@") ;;
	sh-audit) ARGV=(sh -c 'LINKGUARD_MODE=audit "$@"' sh "$@") ;;
	sh-log-none) ARGV=(sh -c 'LINKGUARD_LOG=none "$@"' sh "$@") ;;
	bash-exec-c) ARGV=(bash -c 'exec -c "$@"' bash "$@") ;;
	make) ARGV=(make -s -f "$MAKEFILE" "CMD=$(printf '%q ' "$@")") ;;
	nested-launcher) ARGV=("$LINKGUARD_BIN" --root / -- "$@") ;;
	nested-launcher-audit) ARGV=("$LINKGUARD_BIN" --root / --audit -- "$@") ;;
	posix_spawn.chdir) ARGV=("$PY" -S "$VIA" "$route" "$ROOT" "$@") ;;
	os.posix_spawnp | os.execvpe | execvp | execvpe | execlp) # by name, found along PATH
		ARGV=("$PY" -S "$VIA" "$route" "${1##*/}" "${@:2}") ;;
	*) ARGV=("$PY" -S "$VIA" "$route" "$@") ;; # a via.py call
	esac
}

# through FRONTEND ROUTE CMD...: run CMD... by ROUTE, confined to $ROOT by FRONTEND: "shim"
# (plain LD_PRELOAD) or "launcher".
through() {
	local frontend=$1
	shift
	route_argv "$@"
	case $frontend in
	shim) shim "${ARGV[@]}" ;;
	launcher) lg --root "$ROOT" -- "${ARGV[@]}" ;;
	*) echo "through: no frontend $frontend" >&2 && return 99 ;;
	esac
}

need_route() {
	case $1 in
	make) command -v make >/dev/null || skip "make not installed" ;;
	bash-exec-c | env-* | sh-* | nested-*) ;;
	*) need_python ;;
	esac
}

# assert_escape_denied: the last run moved $ROOT/file to $OUT/stolen with mv and failed; the
# shim said why, naming the start-up root; mv said "Permission denied"; nothing moved.
assert_escape_denied() {
	assert_failure
	[[ "$output" == *"linkguard: denied rename"*"(\"$ROOT/file\", \"$OUT/stolen\"): \"$OUT/stolen\" is outside root \"$ROOT\""* ]] ||
		fail "no denial naming root $ROOT in: $output"
	[[ "$output" == *"cannot move '$ROOT/file' to '$OUT/stolen': Permission denied"* ]] ||
		fail "mv did not report Permission denied: $output"
	assert_file_exists "$ROOT/file"
	assert_file_not_exists "$OUT/stolen"
	assert_outside_unchanged
}

# sh_denied STATUS MESSAGE PROG [ARG...]: PROG, run by a confined sh, exits with STATUS and
# MESSAGE in its output; $ROOT/file stays where it is and nothing outside the root changes.
sh_denied() {
	local status=$1 message=$2
	shift 2
	snapshot_outside
	run shim sh -c '"$@"' sh "$@"
	assert_failure "$status"
	assert_output --partial "$message"
	assert_file_exists "$ROOT/file"
	assert_outside_unchanged
}

# check_route FRONTEND ROUTE: by ROUTE, mv out of the root is denied and changes nothing outside;
# ln inside it works.
check_route() {
	need_route "$2"
	snapshot_outside
	run through "$1" "$2" "$MV" "$ROOT/file" "$OUT/stolen"
	assert_escape_denied
	run through "$1" "$2" "$LN" "$ROOT/file" "$ROOT/dir/hard"
	assert_success
	assert_same_inode "$ROOT/file" "$ROOT/dir/hard"
	assert_outside_unchanged
}

# preload_count LIST: how many entries of an LD_PRELOAD value are this library (any spelling).
preload_count() {
	local lib n=0 entry
	lib=$(realpath "$LINKGUARD_LIB")
	for entry in ${1//:/ }; do
		[ "$(realpath -q "$entry")" = "$lib" ] && n=$((n + 1))
	done
	echo "$n"
}

# The LINKGUARD_* settings a shim started from this test sees, sorted: LINKGUARD_ROOT=$ROOT and
# whatever else the environment of the test holds (LINKGUARD_RESOLVER, ...).
startup_settings() {
	{
		env | grep '^LINKGUARD_' | grep -v '^LINKGUARD_ROOT=\|^LINKGUARD_USERNS='
		echo "LINKGUARD_ROOT=$ROOT"
		# The user namespace the child started in, as its parent knew it: this one.
		echo "LINKGUARD_USERNS=$(userns_now)"
	} | sort
}

# --- every route, through plain LD_PRELOAD and through the launcher -----------------------------

@test "route env -i (shim): mv out is denied, nothing outside changes; ln inside works" {
	check_route shim env-i
}
@test "route env -i (launcher): mv out is denied, nothing outside changes; ln inside works" {
	check_route launcher env-i
}
@test "route env -u LD_PRELOAD -u LINKGUARD_ROOT (shim): mv out denied; ln inside works" {
	check_route shim env-u
}
@test "route env -u LD_PRELOAD -u LINKGUARD_ROOT (launcher): mv out denied; ln inside works" {
	check_route launcher env-u
}
@test "route python os.execve(path, args, {}) (shim): mv out denied; ln inside works" {
	check_route shim os.execve
}
@test "route python os.execve(path, args, {}) (launcher): mv out denied; ln inside works" {
	check_route launcher os.execve
}
@test "route python os.execve with LD_PRELOAD='' LINKGUARD_ROOT=/ MODE=audit LOG=none (shim): mv out denied" {
	check_route shim os.execve.hostile
}
@test "route python os.execve with LD_PRELOAD='' LINKGUARD_ROOT=/ MODE=audit LOG=none (launcher): mv out denied" {
	check_route launcher os.execve.hostile
}
@test "route python os.execv after os.environ.clear() (shim): mv out denied; ln inside works" {
	check_route shim os.execv.cleared
}
@test "route python os.execv after os.environ.clear() (launcher): mv out denied; ln inside works" {
	check_route launcher os.execv.cleared
}
@test "route python subprocess.run(..., env={}) (shim): mv out denied; ln inside works" {
	check_route shim subprocess
}
@test "route python subprocess.run(..., env={}) (launcher): mv out denied; ln inside works" {
	check_route launcher subprocess
}
@test "route python os.posix_spawn(path, args, {}) (shim): mv out denied; ln inside works" {
	check_route shim os.posix_spawn
}
@test "route python os.posix_spawn(path, args, {}) (launcher): mv out denied; ln inside works" {
	check_route launcher os.posix_spawn
}
@test "route python os.posix_spawnp(name, args, {}) (shim): mv out denied; ln inside works" {
	check_route shim os.posix_spawnp
}
@test "route python os.posix_spawnp(name, args, {}) (launcher): mv out denied; ln inside works" {
	check_route launcher os.posix_spawnp
}
@test "route python os.execvpe(name, args, {}) (shim): mv out denied; ln inside works" {
	check_route shim os.execvpe
}
@test "route python os.execvpe(name, args, {}) (launcher): mv out denied; ln inside works" {
	check_route launcher os.execvpe
}
@test "route python os.execve(fd, args, {}) = fexecve (shim): mv out denied; ln inside works" {
	check_route shim os.fexecve
}
@test "route python os.execve(fd, args, {}) = fexecve (launcher): mv out denied; ln inside works" {
	check_route launcher os.fexecve
}
@test "route python os.system after os.environ.clear() (shim): mv out denied; ln inside works" {
	check_route shim os.system.cleared
}
@test "route python os.system after os.environ.clear() (launcher): mv out denied; ln inside works" {
	check_route launcher os.system.cleared
}
@test "route python os.popen after del os.environ['LD_PRELOAD'] (shim): mv out denied; ln inside works" {
	check_route shim os.popen.unset
}
@test "route python os.popen after del os.environ['LD_PRELOAD'] (launcher): mv out denied; ln inside works" {
	check_route launcher os.popen.unset
}
@test "route libc execv after clearing environ (shim): mv out denied; ln inside works" {
	check_route shim execv
}
@test "route libc execv after clearing environ (launcher): mv out denied; ln inside works" {
	check_route launcher execv
}
@test "route libc execvp after clearing environ (shim): mv out denied; ln inside works" {
	check_route shim execvp
}
@test "route libc execvp after clearing environ (launcher): mv out denied; ln inside works" {
	check_route launcher execvp
}
@test "route libc execve with an empty envp (shim): mv out denied; ln inside works" {
	check_route shim execve
}
@test "route libc execve with an empty envp (launcher): mv out denied; ln inside works" {
	check_route launcher execve
}
@test "route libc execvpe with an empty envp (shim): mv out denied; ln inside works" {
	check_route shim execvpe
}
@test "route libc execvpe with an empty envp (launcher): mv out denied; ln inside works" {
	check_route launcher execvpe
}
@test "route libc execl after clearing environ (shim): mv out denied; ln inside works" {
	check_route shim execl
}
@test "route libc execl after clearing environ (launcher): mv out denied; ln inside works" {
	check_route launcher execl
}
@test "route libc execle with an empty envp (shim): mv out denied; ln inside works" {
	check_route shim execle
}
@test "route libc execle with an empty envp (launcher): mv out denied; ln inside works" {
	check_route launcher execle
}
@test "route libc execlp after clearing environ (shim): mv out denied; ln inside works" {
	check_route shim execlp
}
@test "route libc execlp after clearing environ (launcher): mv out denied; ln inside works" {
	check_route launcher execlp
}
@test "route libc fexecve with an empty envp (shim): mv out denied; ln inside works" {
	check_route shim fexecve
}
@test "route libc fexecve with an empty envp (launcher): mv out denied; ln inside works" {
	check_route launcher fexecve
}
@test "route libc execveat(fd, \"\", AT_EMPTY_PATH) with an empty envp (shim): mv out denied; ln inside works" {
	check_route shim execveat
}
@test "route libc execveat(fd, \"\", AT_EMPTY_PATH) with an empty envp (launcher): mv out denied; ln inside works" {
	check_route launcher execveat
}
@test "route libc execveat(dirfd, name) with an empty envp (shim): mv out denied; ln inside works" {
	check_route shim execveat.dirfd
}
@test "route libc execveat(dirfd, name) with an empty envp (launcher): mv out denied; ln inside works" {
	check_route launcher execveat.dirfd
}
@test "route libc system after clearing environ (shim): mv out denied; ln inside works" {
	check_route shim system.cleared
}
@test "route libc system after clearing environ (launcher): mv out denied; ln inside works" {
	check_route launcher system.cleared
}
@test "route libc popen after clearing environ (shim): mv out denied; ln inside works" {
	check_route shim popen.cleared
}
@test "route libc popen after clearing environ (launcher): mv out denied; ln inside works" {
	check_route launcher popen.cleared
}
@test "route libc posix_spawn with a chdir file action and an empty envp (shim): mv out denied" {
	check_route shim posix_spawn.chdir
}
@test "route libc syscall(SYS_execve) with an empty envp (shim): mv out denied; ln inside works" {
	check_route shim syscall.execve
}
@test "route libc syscall(SYS_execve) with an empty envp (launcher): mv out denied; ln inside works" {
	check_route launcher syscall.execve
}
@test "route libc syscall(SYS_execveat) with an empty envp (shim): mv out denied; ln inside works" {
	check_route shim syscall.execveat
}
@test "route sh: unset LD_PRELOAD LINKGUARD_ROOT; exec CMD (shim): mv out denied; ln inside works" {
	check_route shim sh-unset
}
@test "route sh: unset LD_PRELOAD LINKGUARD_ROOT; exec CMD (launcher): mv out denied; ln inside works" {
	check_route launcher sh-unset
}
@test "route sh: export LD_PRELOAD= (empty); CMD (shim): mv out denied; ln inside works" {
	check_route shim sh-empty-preload
}
@test "route sh: export LD_PRELOAD= (empty); CMD (launcher): mv out denied; ln inside works" {
	check_route launcher sh-empty-preload
}
@test "route sh: export LD_PRELOAD=<another library>; CMD (shim): mv out denied; ln inside works" {
	check_route shim sh-other-preload
}
@test "route sh: export LD_PRELOAD=<another library>; CMD (launcher): mv out denied; ln inside works" {
	check_route launcher sh-other-preload
}
@test "route bash: exec -c CMD (shim): mv out denied; ln inside works" {
	check_route shim bash-exec-c
}
@test "route bash: exec -c CMD (launcher): mv out denied; ln inside works" {
	check_route launcher bash-exec-c
}
@test "route make: recipe with LD_PRELOAD unexported, LINKGUARD_ROOT=/ and audit exported (shim)" {
	check_route shim make
}
@test "route make: recipe with LD_PRELOAD unexported, LINKGUARD_ROOT=/ and audit exported (launcher)" {
	check_route launcher make
}

# --- the confined program's own LINKGUARD_* settings do not reach its children ------------------

@test "child given LINKGUARD_ROOT=/ by the confined shell (shim): still confined to the start-up root" {
	check_route shim sh-root-slash
}
@test "child given LINKGUARD_ROOT=/ by the confined shell (launcher): still confined to the start-up root" {
	check_route launcher sh-root-slash
}
@test "child given LINKGUARD_ROOT=\$LINKGUARD_ROOT:/ (shim): still confined to the start-up root" {
	check_route shim sh-root-plus-slash
}
@test "child given LINKGUARD_ROOT=\$LINKGUARD_ROOT:/ (launcher): still confined to the start-up root" {
	check_route launcher sh-root-plus-slash
}
@test "child given LINKGUARD_ROOT=<the outside dir> (shim): still confined to the start-up root" {
	check_route shim sh-root-out
}
@test "child given LINKGUARD_MODE=audit by the confined shell (shim): still denied" {
	check_route shim sh-audit
}
@test "child given LINKGUARD_MODE=audit by the confined shell (launcher): still denied" {
	check_route launcher sh-audit
}
@test "child given LINKGUARD_LOG=none by the confined shell (shim): still denied, and still reported" {
	check_route shim sh-log-none
}
@test "the shell's own LINKGUARD_ROOT=/ reaches a grandchild neither (shim)" {
	snapshot_outside
	run shim sh -c 'LINKGUARD_ROOT=/ LINKGUARD_MODE=audit sh -c "\"\$@\"" sh "$@"' sh "$MV" "$ROOT/file" "$OUT/stolen"
	assert_escape_denied
}

# --- nested launchers ---------------------------------------------------------------------------

@test "nested launcher (shim): linkguard --root / inside a confined program stays confined" {
	check_route shim nested-launcher
}
@test "nested launcher: linkguard --root A -- linkguard --root / -- mv stays confined to A" {
	check_route launcher nested-launcher
}
@test "nested launcher: an inner --audit does not let the escape through" {
	check_route launcher nested-launcher-audit
}
@test "nested launcher: the command sees the outer LINKGUARD_ROOT, not the inner one" {
	run_split lg --root "$ROOT" -- "$LINKGUARD_BIN" --root / -- printenv LINKGUARD_ROOT
	assert_success
	assert_output "$ROOT"
}
@test "nested launcher: an inner --allow-static does not let a static program run" {
	need_static
	snapshot_outside
	run lg --no-kernel --root "$ROOT" -- "$LINKGUARD_BIN" --no-kernel --root / --allow-static -- "$STATIC" "$ROOT/file" "$OUT/stolen"
	assert_failure 126
	assert_output --partial "linkguard: denied execvp(\"$STATIC\"): \"$STATIC\" is a statically linked binary"
	assert_file_exists "$ROOT/file"
	assert_file_not_exists "$OUT/stolen"
	assert_outside_unchanged
}

# --- LD_PRELOAD: the library once, the rest kept --------------------------------------------------

@test "LD_PRELOAD (shim): a child of a child names the library exactly once" {
	run_split shim sh -c 'sh -c "printenv LD_PRELOAD"'
	assert_success
	assert_equal "$(preload_count "$output")" 1
	assert_output "$LG_PRELOAD"
}
@test "LD_PRELOAD (shim): after env -i the child's LD_PRELOAD is the start-up one, library once" {
	run_split shim env -i /usr/bin/printenv LD_PRELOAD
	assert_success
	assert_output "$LG_PRELOAD"
	assert_equal "$(preload_count "$output")" 1
}
@test "LD_PRELOAD (shim): a program's own preload is kept, after the library, which appears once" {
	run_split shim sh -c 'export LD_PRELOAD="$1"; printenv LD_PRELOAD' sh "$OTHER_LIB"
	assert_success
	assert_equal "$(preload_count "$output")" 1
	assert_output "$(realpath "$LINKGUARD_LIB"):$OTHER_LIB"
}
@test "LD_PRELOAD (shim): a preload that already names the library is left as it is" {
	run_split shim sh -c 'export LD_PRELOAD="$1:$LD_PRELOAD"; printenv LD_PRELOAD' sh "$OTHER_LIB"
	assert_success
	assert_equal "$(preload_count "$output")" 1
	assert_output "$OTHER_LIB:$LG_PRELOAD"
}
@test "LD_PRELOAD (launcher): the command and its child name the library exactly once" {
	run_split lg --root "$ROOT" -- sh -c 'printenv LD_PRELOAD; env -i /usr/bin/printenv LD_PRELOAD'
	assert_success
	assert_equal "${#lines[@]}" 2
	assert_equal "$(preload_count "${lines[0]}")" 1
	assert_equal "$(preload_count "${lines[1]}")" 1
}
@test "LD_PRELOAD (nested launcher): the command names the library exactly once" {
	run_split lg --root "$ROOT" -- "$LINKGUARD_BIN" --root "$ROOT" -- printenv LD_PRELOAD
	assert_success
	assert_equal "$(preload_count "$output")" 1
}
@test "LD_PRELOAD naming the library through a symlink: a child names it exactly once" {
	run_split env LD_PRELOAD="$LIB_ALIAS" LINKGUARD_ROOT="$ROOT" sh -c 'printenv LD_PRELOAD'
	assert_success
	assert_equal "$(preload_count "$output")" 1
}

@test "other variables (shim): env -i A=1 B=2 env prints A=1, B=2, then LD_PRELOAD and the start-up settings" {
	run_split shim env -i A=1 B=2 /usr/bin/env
	assert_success
	assert_equal "$stderr" ""
	assert_line --index 0 "A=1"
	assert_line --index 1 "B=2"
	assert_line --index 2 "LD_PRELOAD=$LG_PRELOAD"
	assert_equal "$(printf '%s\n' "${lines[@]:3}" | sort)" "$(startup_settings)"
}
@test "LINKGUARD_USERNS not spelled as the library writes it is not believed: the namespace is looked up" {
	for bad in garbage 1:2 'user:[' 'user:[]' 'user:[12' 'user:[1a]' 'net:[1]' 'user:[-1]' \
		"user:[$(printf '%0100d' 1)]"; do
		run env LINKGUARD_USERNS="$bad" LD_PRELOAD="$LG_PRELOAD" LINKGUARD_ROOT="$ROOT" \
			sh -c '/bin/true && echo ran'
		assert_output "ran"
	done
	# and a well-spelled one that names another namespace refuses every exec (Linux 6.7+)
	run env LINKGUARD_USERNS='user:[1]' LD_PRELOAD="$LG_PRELOAD" LINKGUARD_ROOT="$ROOT" \
		sh -c '/bin/true && echo ran'
	if [ "$(uname -r | awk -F. '{print ($1 > 6 || ($1 == 6 && $2 >= 7))}')" = 1 ]; then
		refute_output --partial "ran"
		assert_output --partial "runs in a user namespace created under linkguard"
	fi
}
@test "other variables (shim): an emptied LD_PRELOAD is repaired in its place, LINKGUARD_* replaced" {
	run_split shim env -i A=1 LD_PRELOAD= B=2 LINKGUARD_ROOT=/ LINKGUARD_MODE=audit LINKGUARD_USERNS=user:[1] C=3 /usr/bin/env
	assert_success
	assert_line --index 0 "A=1"
	assert_line --index 1 --regexp '^LD_PRELOAD='
	assert_equal "$(preload_count "${lines[1]#LD_PRELOAD=}")" 1
	assert_line --index 2 "B=2"
	assert_line --index 3 "C=3"
	assert_equal "$(printf '%s\n' "${lines[@]:4}" | sort)" "$(startup_settings)"
}
@test "other variables (launcher): env -i A=1 B=2 env prints A=1, B=2, then LD_PRELOAD and LINKGUARD_ROOT" {
	local preload
	preload=$(lg --no-kernel --root "$ROOT" -- printenv LD_PRELOAD)
	run_split lg --no-kernel --root "$ROOT" -- env -i A=1 B=2 /usr/bin/env
	assert_success
	assert_line --index 0 "A=1"
	assert_line --index 1 "B=2"
	assert_line --index 2 "LD_PRELOAD=$preload"
	# (The launcher adds the number of its report pipe.)
	assert_equal "$(printf '%s\n' "${lines[@]:3}" | grep -v '^LINKGUARD_REPORT_FD=[0-9]*$' | sort)" \
		"$(startup_settings)"
	assert_line --regexp '^LINKGUARD_REPORT_FD=[0-9]+$'
}
@test "other variables (python os.execve): every entry of the given env is kept, in order" {
	need_python
	run_split shim "$PY" -c 'import os, sys
os.execve("/usr/bin/env", ["env"], {"Z": "1", "A": "2", "LINKGUARD_ROOT": "/", "M": "3"})'
	assert_success
	assert_equal "$(printf '%s\n' "${lines[@]:0:3}")" "Z=1
A=2
M=3"
	assert_line --index 3 "LD_PRELOAD=$LG_PRELOAD"
	assert_equal "$(printf '%s\n' "${lines[@]:4}" | sort)" "$(startup_settings)"
}
@test "other variables (libc execve): two LD_PRELOAD entries each keep their own value" {
	need_python
	# (a sanitizer build's library needs ASAN_OPTIONS to load after another preload)
	run_split shim "$PY" -c 'import ctypes, os, sys
env = [b"LD_PRELOAD=/nonexistent-a.so", b"X=1", b"LD_PRELOAD=/nonexistent-b.so"]
env += [b"ASAN_OPTIONS=" + os.environb[b"ASAN_OPTIONS"]] if b"ASAN_OPTIONS" in os.environb else []
env.append(None)
argv = [b"env", None]
ctypes.CDLL(None).execve(b"/usr/bin/env", (ctypes.c_char_p * 2)(*argv), (ctypes.c_char_p * len(env))(*env))
sys.exit("execve returned")'
	assert_success
	local lib
	lib=$(realpath "$LINKGUARD_LIB")
	assert_line --index 0 "LD_PRELOAD=$lib:/nonexistent-a.so"
	assert_line --index 1 "X=1"
	assert_line --index 2 "LD_PRELOAD=$lib:/nonexistent-b.so"
}
@test "system() repairs the process's own environment: LINKGUARD_* restored, LD_PRELOAD once" {
	need_python
	run_split shim "$PY" -c 'import ctypes, os
os.environ.clear()
os.environ["KEEP"] = "me"
os.environ["LINKGUARD_ROOT"] = "/"
ctypes.CDLL(None).system(b"/usr/bin/env")'
	assert_success
	assert_line "KEEP=me"
	assert_line "LINKGUARD_ROOT=$ROOT"
	refute_line "LINKGUARD_ROOT=/"
	assert_equal "$(printf '%s\n' "${lines[@]}" | grep -c '^LD_PRELOAD=')" 1
	assert_equal "$(preload_count "$(printf '%s\n' "${lines[@]}" | sed -n 's/^LD_PRELOAD=//p')")" 1
}

# --- static, foreign and set-ID programs ---------------------------------------------------------

@test "static (shim): refused, sh reports Permission denied (126), the line names LINKGUARD_STATIC" {
	need_static
	snapshot_outside
	run shim sh -c '"$@"' sh "$STATIC" "$ROOT/file" "$OUT/stolen"
	assert_failure 126
	assert_line "linkguard: denied execve(\"$STATIC\"): \"$STATIC\" is a statically linked binary, which LD_PRELOAD can not confine; allow it with LINKGUARD_STATIC=allow (linkguard --allow-static) or confine it with linkguard --kernel"
	assert_output --partial "Permission denied"
	assert_file_exists "$ROOT/file"
	assert_outside_unchanged
}
@test "static (shim): allowed with LINKGUARD_STATIC=allow set at start-up" {
	need_static
	LINKGUARD_STATIC=allow run shim sh -c '"$@"' sh "$STATIC" "$ROOT/file" "$ROOT/moved"
	assert_success
	assert_output ""
	assert_file_exists "$ROOT/moved"
}
@test "static (shim): NOT allowed when the confined shell sets LINKGUARD_STATIC=allow itself" {
	need_static
	snapshot_outside
	run shim sh -c 'LINKGUARD_STATIC=allow "$@"' sh "$STATIC" "$ROOT/file" "$OUT/stolen"
	assert_failure 126
	assert_output --partial "linkguard: denied execve(\"$STATIC\")"
	assert_file_exists "$ROOT/file"
	assert_outside_unchanged
}
@test "static (shim): NOT allowed for a grandchild of a shell that exported LINKGUARD_STATIC=allow" {
	need_static
	snapshot_outside
	run shim sh -c 'export LINKGUARD_STATIC=allow; sh -c "\"\$@\"" sh "$@"' sh "$STATIC" "$ROOT/file" "$OUT/stolen"
	assert_failure 126
	assert_output --partial "linkguard: denied execve(\"$STATIC\")"
	assert_outside_unchanged
}
@test "static (shim): refused by every exec route (fexecve, execveat, posix_spawn, execvp, system)" {
	need_static
	need_python
	local call
	snapshot_outside
	for call in os.execve os.fexecve execveat execveat.dirfd os.posix_spawn execvp execl system.cleared popen.cleared subprocess; do
		run shim "$PY" -S "$VIA" "$call" "$STATIC" "$ROOT/file" "$OUT/stolen"
		[ "$status" -ne 0 ] || fail "$call: the static program ran"
		assert_output --partial "is a statically linked binary, which LD_PRELOAD can not confine"
		assert_file_exists "$ROOT/file"
	done
	assert_outside_unchanged
}
@test "static (shim): a refusal of fexecve / execveat(fd, \"\") names the program, not \"\"" {
	need_static
	need_python
	local call
	for call in os.fexecve fexecve execveat; do
		run shim "$PY" -S "$VIA" "$call" "$STATIC"
		assert_failure 126
		assert_line --index 0 --partial "is a statically linked binary"
		refute_output --partial '"" is a'
		[[ "${lines[0]}" == *"$STATIC"* || "${lines[0]}" == *descriptor* ]] ||
			fail "$call: the refusal does not say what was refused: ${lines[0]}"
	done
}
@test "static (shim): a \"#!\" script whose interpreter is static is refused, naming the interpreter" {
	need_static
	printf '#!%s\n' "$STATIC" >"$ROOT/script"
	chmod 755 "$ROOT/script"
	sh_denied 126 "linkguard: denied execve(\"$ROOT/script\"): \"$STATIC\" is a statically linked binary" \
		"$ROOT/script" "$ROOT/file" "$OUT/stolen"
}
@test "static (shim): a chain of 4 \"#!\" scripts ending in a static program is refused" {
	need_static
	sh_denied 126 "\"$STATIC\" is a statically linked binary" \
		"$BATS_FILE_TMPDIR/chain4" "$ROOT/file" "$OUT/stolen"
}
@test "static (shim): a chain of 5 \"#!\" scripts (the kernel's limit) ending in a static program is refused" {
	need_static
	# Unconfined, the kernel runs the static program at the end of the chain (it moves a to b).
	echo x >"$BATS_TEST_TMPDIR/.outside.a"
	"$BATS_FILE_TMPDIR/chain5" "$BATS_TEST_TMPDIR/.outside.a" "$BATS_TEST_TMPDIR/.outside.b" ||
		skip "this kernel does not follow 5 levels of \"#!\""
	[ -e "$BATS_TEST_TMPDIR/.outside.b" ] || fail "the chain did not run the static program"
	sh_denied 126 "\"$STATIC\" is a statically linked binary" \
		"$BATS_FILE_TMPDIR/chain5" "$ROOT/file" "$OUT/stolen"
	assert_file_not_exists "$OUT/stolen"
}
@test "static (shim): posix_spawn of a relative name after a chdir file action is refused, not misjudged" {
	need_static
	need_python
	snapshot_outside
	# From a directory whose "prog" is dynamic, with the chdir to the static one in the actions:
	# the program that would run can not be judged from here, so the spawn is refused.
	cd "$BATS_FILE_TMPDIR/spawn/dyn"
	run shim "$PY" -S "$VIA" posix_spawn.chdir ../static prog "$ROOT/file" "$OUT/stolen"
	assert_failure 126
	assert_output --partial "\"prog\" is relative to a directory that a file action changes to"
	# The same chdir with the static program named absolutely: judged, and refused as static.
	run shim "$PY" -S "$VIA" posix_spawn.chdir ../static "$BATS_FILE_TMPDIR/spawn/static/prog" "$ROOT/file" "$OUT/stolen"
	assert_failure 126
	assert_output --partial "is a statically linked binary"
	assert_file_exists "$ROOT/file"
	assert_file_not_exists "$OUT/stolen"
	assert_outside_unchanged
}

@test "unreadable (shim): with a full descriptor table a static program is refused, not run unchecked" {
	need_static
	need_python
	snapshot_outside
	run shim "$PY" -c 'import os, resource, sys
resource.setrlimit(resource.RLIMIT_NOFILE, (32, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))
try:
    while True:
        os.open("/dev/null", os.O_RDONLY)
except OSError:
    pass
os.execv(sys.argv[1], sys.argv[1:])' "$STATIC" "$ROOT/file" "$OUT/stolen"
	assert_failure
	# Refused by the first gate that can not look (the user-namespace check also needs a descriptor).
	assert_output --partial "linkguard: denied execv(\"$STATIC\"): "
	assert_output --partial "PermissionError"
	assert_file_exists "$ROOT/file"
	assert_outside_unchanged
}
@test "unreadable (shim, lgtest): an execute-only (0111) static program is refused, naming LINKGUARD_STATIC" {
	need_static
	need_lgtest
	mkdir "$USER_DIR/root" "$USER_DIR/out"
	echo data >"$USER_DIR/root/file"
	install -m 0111 "$STATIC" "$USER_DIR/xonly"
	chown -R lgtest: "$USER_DIR"
	run as_lgtest env LD_PRELOAD="$LG_PRELOAD" LINKGUARD_ROOT="$USER_DIR/root" \
		sh -c '"$@"' sh "$USER_DIR/xonly" "$USER_DIR/root/file" "$USER_DIR/out/stolen"
	assert_failure 126
	assert_output --partial "\"$USER_DIR/xonly\" is a program linkguard can not read to inspect (EACCES), which LD_PRELOAD can not confine; allow it with LINKGUARD_STATIC=allow"
	assert_file_exists "$USER_DIR/root/file"
	assert_file_not_exists "$USER_DIR/out/stolen"
	# Allowed at start-up, it runs (unconfined, as asked).
	run as_lgtest env LD_PRELOAD="$LG_PRELOAD" LINKGUARD_ROOT="$USER_DIR/root" LINKGUARD_STATIC=allow \
		sh -c '"$@"' sh "$USER_DIR/xonly"
	assert_success
}
@test "unreadable (launcher --no-kernel, lgtest): an execute-only (0111) static command is refused with 126" {
	need_static
	need_lgtest
	install -m 0111 "$STATIC" "$USER_DIR/xonly"
	run as_lgtest "$LINKGUARD_BIN" --no-kernel --root "$USER_DIR" -- "$USER_DIR/xonly"
	assert_failure 126
	assert_output "linkguard: refusing to run \"$USER_DIR/xonly\": it is a program linkguard can not read to inspect (EACCES), which LD_PRELOAD can not confine; allow it with --allow-static, --allow-exec $USER_DIR/xonly, or confine it with --kernel"
	run as_lgtest "$LINKGUARD_BIN" --no-kernel --root "$USER_DIR" --allow-static -- "$USER_DIR/xonly"
	assert_success
}
@test "unreadable (shim, lgtest): a program in a directory lgtest can not search is EACCES from the kernel, no line" {
	need_lgtest
	mkdir -m 0700 "$USER_DIR/closed"
	cp "$(type -P true)" "$USER_DIR/closed/true"
	run as_lgtest env LD_PRELOAD="$LG_PRELOAD" LINKGUARD_ROOT="$USER_DIR" sh -c '"$@"; echo "status $?"' sh "$USER_DIR/closed/true"
	assert_line "status 126"
	refute_output --partial "linkguard:"
}
@test "unreadable (shim): fexecve of a closed descriptor is still EBADF, without a line" {
	need_python
	run shim "$PY" -c 'import ctypes, errno
libc = ctypes.CDLL(None, use_errno=True)
argv = (ctypes.c_char_p * 2)(b"x", None)
print(libc.fexecve(987, argv, argv), errno.errorcode[ctypes.get_errno()])'
	assert_success
	assert_output "-1 EBADF"
}
@test "posix_spawn file actions (shim): adddup2 or addopen under a /proc/self/fd or /dev/fd program path is refused" {
	need_static
	need_python
	snapshot_outside
	# The parent sees a dynamic program at /proc/self/fd/N; the child, after the action, the static one.
	for spawn in "fd:/bin/true,dup2:$STATIC:{fd} /proc/self/fd/{fd}" \
		"fd:/bin/true,dup2:$STATIC:{fd} /dev/fd/{fd}" \
		"fd:/bin/true,open:$STATIC:{fd} /proc/self/fd/{fd}"; do
		# shellcheck disable=SC2086 # the actions and the program, split on purpose
		run shim "$PY" -S "$SPAWN" $spawn "$ROOT/file" "$OUT/stolen"
		assert_failure
		assert_output --partial "is reached through /proc (or /dev/fd), whose descriptors and directories the file actions change in the child"
		assert_output --partial "spawn: Permission denied"
		assert_file_exists "$ROOT/file"
	done
	assert_outside_unchanged
}
@test "posix_spawn file actions (shim): addopen of a descriptor this process has not, named directly or by a symlink, is refused" {
	need_static
	need_python
	ln -s /proc/self/fd/77 "$BATS_TEST_TMPDIR/.outside.link"
	snapshot_outside
	for prog in /proc/self/fd/77 /dev/fd/77 "$BATS_TEST_TMPDIR/.outside.link"; do
		run shim "$PY" -S "$SPAWN" "open:$STATIC:77" "$prog" "$ROOT/file" "$OUT/stolen"
		assert_failure
		assert_output --partial "is reached through /proc (or /dev/fd)"
		assert_file_exists "$ROOT/file"
	done
	assert_outside_unchanged
}
@test "posix_spawn file actions (shim): addchdir with a /proc/self/cwd/... program path is refused" {
	need_static
	need_python
	snapshot_outside
	cd "$BATS_FILE_TMPDIR/spawn/dyn"
	run shim "$PY" -S "$VIA" posix_spawn.chdir ../static /proc/self/cwd/prog "$ROOT/file" "$OUT/stolen"
	assert_failure 126
	assert_output --partial "\"/proc/self/cwd/prog\" is reached through /proc"
	assert_file_exists "$ROOT/file"
	assert_outside_unchanged
}
# need_interp_hosts: the programs whose interpreter is named relatively and through /dev/fd/77.
need_interp_hosts() {
	need_python
	[ -n "$FAKE_HOST" ] && [ -z "$FAKE_WHY" ] || skip "$FAKE_WHY"
}
@test "posix_spawn file actions (shim): a program whose interpreter (PT_INTERP) is relative, or through /dev/fd, is refused" {
	need_interp_hosts
	local dir=$BATS_FILE_TMPDIR loader
	loader=$(loader_of "$MV")
	# Here interp/ld.so is the loader; in the root, where a chdir action takes the child, the
	# fake interpreter (which renames file to ../out/stolen).
	mkdir -p "$BATS_TEST_TMPDIR/here/interp" "$ROOT/interp"
	ln -s "$loader" "$BATS_TEST_TMPDIR/here/interp/ld.so"
	cp "$dir/fake-interp" "$ROOT/interp/ld.so"
	snapshot_outside
	cd "$BATS_TEST_TMPDIR/here"
	run shim "$PY" -S "$SPAWN" "chdir:$ROOT" "$dir/rel-host"
	assert_failure
	assert_output --partial "denied posix_spawn(\"$dir/rel-host\")"
	assert_output --partial "the file it runs next is named by a relative path or through /proc (or /dev/fd), which the file actions change in the child"
	assert_file_exists "$ROOT/file"
	# Here descriptor 77 is the loader; in the child, after an open action, the fake.
	cd "$ROOT"
	run shim "$PY" -S "$SPAWN" "open:$dir/fake-interp:77" "$dir/fd-host" 77<"$loader"
	assert_failure
	assert_output --partial "denied posix_spawn(\"$dir/fd-host\")"
	assert_output --partial "the file it runs next is named by a relative path or through /proc"
	assert_file_exists "$ROOT/file"
	assert_outside_unchanged
}
@test "posix_spawn file actions (shim): a script whose \"#!\" interpreter is relative, or through /dev/fd, is refused" {
	need_interp_hosts
	local dir=$BATS_FILE_TMPDIR
	mkdir -p "$BATS_TEST_TMPDIR/here/interp" "$ROOT/interp"
	ln -s "$(type -P true)" "$BATS_TEST_TMPDIR/here/interp/run"
	cp "$dir/fake-interp" "$ROOT/interp/run"
	printf '#!interp/run\n' >"$BATS_TEST_TMPDIR/rel-script"
	printf '#!/dev/fd/77\n' >"$BATS_TEST_TMPDIR/fd-script"
	chmod 755 "$BATS_TEST_TMPDIR/rel-script" "$BATS_TEST_TMPDIR/fd-script"
	snapshot_outside
	cd "$BATS_TEST_TMPDIR/here"
	run shim "$PY" -S "$SPAWN" "chdir:$ROOT" "$BATS_TEST_TMPDIR/rel-script"
	assert_failure
	assert_output --partial "the file it runs next is named by a relative path or through /proc"
	assert_file_exists "$ROOT/file"
	cd "$ROOT"
	run shim "$PY" -S "$SPAWN" "open:$dir/fake-interp:77" "$BATS_TEST_TMPDIR/fd-script" 77<"$(type -P true)"
	assert_failure
	assert_output --partial "the file it runs next is named by a relative path or through /proc"
	assert_file_exists "$ROOT/file"
	assert_outside_unchanged
	# Without file actions the child sees what the parent sees: the relative script runs.
	cd "$BATS_TEST_TMPDIR/here"
	run shim "$PY" -S "$SPAWN" "fd:/dev/null" "$BATS_TEST_TMPDIR/rel-script"
	assert_success
}
@test "posix_spawnp file actions (shim): a relative PATH entry after a chdir action is refused" {
	need_static
	need_python
	# Found here in an absolute entry (dynamic); from the chdir's directory, first in "bin" (static).
	mkdir -p "$BATS_TEST_TMPDIR/there/bin" "$BATS_TEST_TMPDIR/abs" "$BATS_TEST_TMPDIR/here"
	cp "$STATIC" "$BATS_TEST_TMPDIR/there/bin/lgprog"
	cp "$(type -P true)" "$BATS_TEST_TMPDIR/abs/lgprog"
	snapshot_outside
	cd "$BATS_TEST_TMPDIR/here"
	run shim env PATH="bin:$BATS_TEST_TMPDIR/abs:$PATH" "$PY" -S "$SPAWN" "chdir:$BATS_TEST_TMPDIR/there" lgprog "$ROOT/file" "$OUT/stolen"
	assert_failure
	assert_output --partial "is searched along a PATH with a relative entry, from a directory that a file action changes to"
	assert_file_exists "$ROOT/file"
	assert_outside_unchanged
}
@test "static (shim): a dynamic program whose interpreter (PT_INTERP) is not the loader is refused" {
	[ -n "$FAKE_HOST" ] || skip "$FAKE_WHY"
	sh_denied 126 "linkguard: denied execve(\"$FAKE_HOST\")" "$FAKE_HOST"
	assert_file_not_exists "$OUT/stolen"
}
@test "dynamic loader (shim): ldd of a dynamic binary works, confined" {
	command -v ldd >/dev/null || skip "ldd not installed"
	run shim ldd "$MV"
	assert_success
	assert_output --partial "libc.so"
	refute_output --partial "linkguard:"
}
@test "dynamic loader (shim): ldd of a static binary says so, as natively" {
	need_static
	command -v ldd >/dev/null || skip "ldd not installed"
	run ldd "$STATIC"
	local native_status=$status native_output=$output
	run shim ldd "$STATIC"
	assert_equal "$status" "$native_status"
	assert_output "$native_output"
}
@test "dynamic loader (shim): the loader run directly keeps the preload: the escape is denied, in-root move works" {
	local loader
	loader=$(loader_of "$MV")
	sh_denied 1 "linkguard: denied rename" "$loader" "$MV" "$ROOT/file" "$OUT/stolen"
	run shim sh -c '"$@"' sh "$loader" "$MV" "$ROOT/file" "$ROOT/dir/moved"
	assert_success
	assert_file_exists "$ROOT/dir/moved"
}
@test "dynamic loader (shim): a program the loader runs starts its own children confined" {
	# The loader run as a program rewrites the stack's AT_PHDR for PROG: the library finds the
	# loader (and so libc, and the spelling children's PT_INTERP must match) by the kernel's.
	local loader
	loader=$(loader_of /bin/sh)
	snapshot_outside
	run shim "$loader" /bin/sh -c 'ln "$1" "$2" && sh -c "ln \"\$1\" \"\$2\"" sh "$1" "$3"' \
		sh "$ROOT/file" "$ROOT/linked" "$OUT/stolen"
	assert_failure 1
	assert_output --partial "linkguard: denied linkat(\"$ROOT/file\", \"$OUT/stolen\")"
	assert_same_inode "$ROOT/file" "$ROOT/linked"
	assert_outside_unchanged
}
@test "dynamic loader (launcher): linkguard -- ld.so PROG runs PROG confined" {
	local loader
	loader=$(loader_of "$MV")
	snapshot_outside
	run lg --root "$ROOT" -- "$loader" "$MV" "$ROOT/file" "$OUT/stolen"
	assert_failure 1
	assert_output --partial "linkguard: denied rename"
	assert_outside_unchanged
}
@test "dynamic loader (shim): a static program run by the loader is refused (it would run without the preload)" {
	need_static
	local loader
	loader=$(loader_of "$MV")
	sh_denied 126 "linkguard: denied execve(\"$loader\"): \"$STATIC\" is a statically linked binary" \
		"$loader" "$STATIC" "$ROOT/file" "$OUT/stolen"
	run shim sh -c '"$@"' sh "$loader" --audit "$OTHER_LIB" "$MV" "$ROOT/file" "$ROOT/x"
	assert_failure 126
	assert_output --partial "--audit modules"
}
@test "dynamic loader (shim): its options are read as ld.so reads them (--audit after --library-path; a program not starting with --)" {
	need_static
	local loader
	loader=$(loader_of "$MV")
	mkdir -p "$BATS_TEST_TMPDIR/libpath"
	cp "$STATIC" "$BATS_TEST_TMPDIR/libpath/-x"
	snapshot_outside
	run shim sh -c '"$@"' sh "$loader" --library-path /nonexistent --audit "$OTHER_LIB" "$MV" "$ROOT/file" "$OUT/stolen"
	assert_failure 126
	assert_output --partial "--audit modules"
	# ld.so takes only "--" options: "-x" is the program, looked up in the library path.
	run shim sh -c '"$@"' sh "$loader" --library-path "$BATS_TEST_TMPDIR/libpath" -x "$MV" "$ROOT/file" "$OUT/stolen"
	assert_failure 126
	assert_output --partial "looks a program without a '/' up in its library path"
	assert_file_exists "$ROOT/file"
	assert_outside_unchanged
	# and options that only look, or stop it, run nothing: allowed as before
	run shim sh -c '"$@"' sh "$loader" --inhibit-cache --verify "$MV"
	assert_success
}
# make_chroot DIR: a tree with /bin/true and the libraries it needs (and no linkguard library).
make_chroot() {
	local f
	mkdir -p "$1/bin"
	cp "$(type -P true)" "$1/bin/true"
	for f in $(ldd "$(type -P true)" | grep -o '/[^ ]*'); do
		mkdir -p "$1$(dirname "$f")"
		cp -L "$f" "$1$f"
	done
}
@test "library identity (shim, root): chroot CMD, where the library is missing, is refused, not run unconfined" {
	require_root # chroot
	command -v chroot >/dev/null || skip "chroot not installed"
	make_chroot "$BATS_TEST_TMPDIR/jail"
	run shim chroot "$BATS_TEST_TMPDIR/jail" /bin/true
	assert_failure 126
	assert_output --partial "\"/bin/true\" is a program that would start without linkguard's library"
	refute_output --partial "cannot be preloaded"
}
@test "library identity (shim, root): chroot CMD, where another file stands at the library's path, is refused" {
	require_root # chroot
	command -v chroot >/dev/null || skip "chroot not installed"
	make_chroot "$BATS_TEST_TMPDIR/jail"
	mkdir -p "$BATS_TEST_TMPDIR/jail$(dirname "$LINKGUARD_LIB")"
	: >"$BATS_TEST_TMPDIR/jail$LINKGUARD_LIB"
	run shim chroot "$BATS_TEST_TMPDIR/jail" /bin/true
	assert_failure 126
	assert_output --partial "would start without linkguard's library"
}
@test "library identity (shim, lgtest): the library file replaced or deleted while it runs: a child is refused" {
	need_lgtest
	cp "$LINKGUARD_LIB" "$USER_DIR/liblinkguard.so"
	chown lgtest: "$USER_DIR/liblinkguard.so"
	# Replaced by a file the loader can not load: it would warn and run the child unconfined.
	run as_lgtest env LD_PRELOAD="${LG_ASAN_RUNTIME:+$LG_ASAN_RUNTIME:}$USER_DIR/liblinkguard.so" \
		LINKGUARD_ROOT="$USER_DIR" sh -c 'rm "$1" && : >"$1" && /bin/true; echo "status $?"' sh "$USER_DIR/liblinkguard.so"
	assert_line "status 126"
	assert_output --partial "linkguard: denied execve(\"/bin/true\"): \"/bin/true\" is a program that would start without linkguard's library"
	refute_output --partial "cannot be preloaded"
	cp "$LINKGUARD_LIB" "$USER_DIR/liblinkguard.so"
	run as_lgtest env LD_PRELOAD="${LG_ASAN_RUNTIME:+$LG_ASAN_RUNTIME:}$USER_DIR/liblinkguard.so" \
		LINKGUARD_ROOT="$USER_DIR" sh -c 'rm "$1" && /bin/true; echo "status $?"' sh "$USER_DIR/liblinkguard.so"
	assert_line "status 126"
	assert_output --partial "would start without linkguard's library"
}
@test "library identity (shim, root): the library hidden by a mount: a child is refused" {
	require_root # mount
	command -v unshare >/dev/null || skip "unshare not installed"
	unshare -m true 2>/dev/null || skip "can not make a mount namespace here"
	: >"$BATS_TEST_TMPDIR/empty"
	run shim unshare -m sh -c 'mount --bind "$1" "$2" && /bin/true; echo "status $?"' sh "$BATS_TEST_TMPDIR/empty" "$LINKGUARD_LIB"
	assert_line "status 126"
	assert_output --partial "would start without linkguard's library"
	refute_output --partial "cannot be preloaded"
}
@test "library identity (shim): the same library through another spelling (a symlink) is fine" {
	run env LD_PRELOAD="$LIB_ALIAS" LINKGUARD_ROOT="$ROOT" sh -c '/bin/true; echo "status $?"'
	assert_output "status 0"
}
@test "library identity (launcher --kernel, root): chroot CMD without the library runs, with a note" {
	require_root # chroot
	command -v chroot >/dev/null || skip "chroot not installed"
	need_kernel_layer --kernel
	make_chroot "$BATS_TEST_TMPDIR/jail"
	run lg --root "$ROOT" --kernel -- chroot "$BATS_TEST_TMPDIR/jail" /bin/true
	assert_success
	assert_output --partial "linkguard: note: execvp(\"/bin/true\"): a program that would start without linkguard's library"
}
@test "foreign architecture (shim): refused with a line saying so, 126" {
	run shim sh -c '"$@"' sh "$FOREIGN"
	assert_failure 126
	assert_line "linkguard: denied execve(\"$FOREIGN\"): \"$FOREIGN\" is a binary of another architecture, which LD_PRELOAD can not confine; allow it with LINKGUARD_STATIC=allow (linkguard --allow-static) or confine it with linkguard --kernel"
}
@test "foreign architecture (launcher --no-kernel): refused with 126" {
	run lg --no-kernel --root "$ROOT" -- "$FOREIGN"
	assert_failure 126
	assert_output --partial "refusing to run \"$FOREIGN\": it is a binary of another architecture"
}
@test "static (launcher --no-kernel): refused with 126 and a message naming --allow-static" {
	need_static
	snapshot_outside
	run lg --no-kernel --root "$ROOT" -- "$STATIC" "$ROOT/file" "$OUT/stolen"
	assert_failure 126
	assert_output "linkguard: refusing to run \"$STATIC\": it is a statically linked binary, which LD_PRELOAD can not confine; allow it with --allow-static, --allow-exec $STATIC, or confine it with --kernel"
	assert_outside_unchanged
}
@test "static (launcher --no-kernel): a child's static program is refused too (126 from sh)" {
	need_static
	run lg --no-kernel --root "$ROOT" -- sh -c '"$@"' sh "$STATIC"
	assert_failure 126
	assert_output --partial "linkguard: denied execve(\"$STATIC\")"
}
@test "static (launcher --no-kernel): --allow-static runs it, and a child's static program too" {
	need_static
	run lg --no-kernel --root "$ROOT" --allow-static -- "$STATIC" "$ROOT/file" "$ROOT/moved"
	assert_success
	assert_output ""
	assert_file_exists "$ROOT/moved"
	run lg --no-kernel --root "$ROOT" --allow-static -- sh -c '"$@"' sh "$STATIC" "$ROOT/moved" "$ROOT/file"
	assert_success
	assert_output ""
	assert_file_exists "$ROOT/file"
}
@test "static (launcher, default): runs with a note line; the default kernel layer stops its escape" {
	need_static
	need_kernel_layer --kernel # the default's layer is --kernel's; this one skips without Landlock
	snapshot_outside
	run lg --root "$ROOT" -- "$STATIC" "$ROOT/file" "$ROOT/moved"
	assert_success
	assert_output "linkguard: note: \"$STATIC\" is a statically linked binary: not preloaded; kernel layer in force"
	assert_file_exists "$ROOT/moved"
	run lg --root "$ROOT" -- "$STATIC" "$ROOT/moved" "$OUT/stolen"
	assert_failure
	assert_file_exists "$ROOT/moved"
	assert_outside_unchanged
}
@test "setuid (launcher, default): runs without privilege (no_new_privs of the default kernel layer)" {
	need_setid
	need_kernel_layer --kernel
	run lg --root "$ROOT" -- "$BATS_FILE_TMPDIR/suid-id" -u
	assert_success
	assert_output "$(id -u)"
}
@test "static (launcher --kernel): runs with a note line; Landlock stops its escape" {
	need_static
	need_kernel_layer --kernel
	snapshot_outside
	run lg --root "$ROOT" --kernel -- "$STATIC" "$ROOT/file" "$ROOT/moved"
	assert_success
	assert_output "$(kernel_line refer)
linkguard: note: \"$STATIC\" is a statically linked binary: not preloaded; kernel layer in force"
	assert_file_exists "$ROOT/moved"
	run lg --root "$ROOT" --kernel -- sh -c '"$@"' sh "$STATIC" "$ROOT/moved" "$OUT/stolen"
	assert_failure 1
	assert_output --partial "linkguard: note: execve(\"$STATIC\"): a statically linked binary is not preloaded; kernel layer in force"
	assert_file_exists "$ROOT/moved"
	assert_outside_unchanged
}
@test "setuid (shim): a set-user-ID program of another user is refused, the line names LINKGUARD_SETUID" {
	need_setid
	run shim sh -c '"$@" -u' sh "$BATS_FILE_TMPDIR/suid-id"
	assert_failure 126
	assert_line "linkguard: denied execve(\"$BATS_FILE_TMPDIR/suid-id\"): \"$BATS_FILE_TMPDIR/suid-id\" is a set-user-ID, set-group-ID or file-capability program, which LD_PRELOAD can not confine; allow it with LINKGUARD_SETUID=allow (linkguard --allow-setuid) or confine it with linkguard --kernel"
	refute_output --partial "$NOBODY_UID"
}
@test "setgid (shim): a set-group-ID program of another group is refused" {
	need_setid
	run shim sh -c '"$@" -g' sh "$BATS_FILE_TMPDIR/sgid-id"
	assert_failure 126
	assert_output --partial "is a set-user-ID, set-group-ID or file-capability program"
}
@test "file capabilities (shim, root): root keeps the preload, so a file-capability mv runs confined" {
	require_root
	need_setid
	[ -n "$CAP_MV" ] || skip "setcap not installed or not supported here"
	# No secure execution for a real uid 0 (cap_bprm_creds_from_file): the loader keeps LD_PRELOAD.
	sh_denied 1 "linkguard: denied rename" "$CAP_MV" "$ROOT/file" "$OUT/stolen"
	run shim "$CAP_MV" "$ROOT/file" "$ROOT/dir/moved"
	assert_success
	assert_file_exists "$ROOT/dir/moved"
}
@test "file capabilities (shim, lgtest): a program with file capabilities is refused" {
	require_root
	need_setid
	need_lgtest
	[ -n "$CAP_MV" ] || skip "setcap not installed or not supported here"
	cp "$MV" "$USER_DIR/cap-mv"
	setcap cap_net_raw+ep "$USER_DIR/cap-mv"
	run as_lgtest env LD_PRELOAD="$LG_PRELOAD" LINKGUARD_ROOT="$USER_DIR" sh -c '"$@" --version' sh "$USER_DIR/cap-mv"
	assert_failure 126
	assert_output --partial "is a set-user-ID, set-group-ID or file-capability program"
}
@test "secure execution (shim, root): setregid then exec: refused, the helper does not run unconfined" {
	require_root
	need_setid
	need_python
	# egid != rgid: the kernel runs the helper in secure-execution mode, the loader drops the preload.
	snapshot_outside
	run shim "$PY" -c 'import os, sys
os.setregid(0, int(sys.argv[1]))
os.execv(sys.argv[2], sys.argv[2:])' "$NOBODY_GID" "$MV" "$ROOT/file" "$OUT/stolen"
	assert_failure
	assert_output --partial "linkguard: denied execv(\"$MV\"): \"$MV\" is a set-user-ID, set-group-ID or file-capability program"
	assert_file_exists "$ROOT/file"
	assert_outside_unchanged
}
@test "secure execution (shim, root): seteuid then exec: refused (the helper would lose LD_PRELOAD)" {
	require_root
	need_setid
	need_python
	run shim "$PY" -c 'import os, sys
os.seteuid(int(sys.argv[1]))
os.execv("/usr/bin/env", ["env"])' "$NOBODY_UID"
	assert_failure
	assert_output --partial 'linkguard: denied execv("/usr/bin/env")'
	refute_output --partial "LINKGUARD_ROOT="
}
@test "secure execution (launcher --no-kernel --no-new-privs, root): setreuid then exec is refused too" {
	require_root
	need_setid
	need_python
	run lg --no-kernel --root "$ROOT" --no-new-privs -- "$PY" -c 'import os, sys
os.setreuid(0, int(sys.argv[1]))
os.execv("/usr/bin/env", ["env"])' "$NOBODY_UID"
	assert_failure
	assert_output --partial 'linkguard: denied execv("/usr/bin/env")'
	refute_output --partial "LINKGUARD_ROOT="
}
@test "secure execution (shim, root): setregid back to the real IDs, then exec: runs confined" {
	require_root
	need_setid
	need_python
	run shim "$PY" -c 'import os, sys
os.setregid(0, int(sys.argv[1]))
os.setregid(0, 0)
os.execv("/usr/bin/env", ["env"])' "$NOBODY_GID"
	assert_success
	assert_line "LINKGUARD_ROOT=$ROOT"
}
@test "setuid (shim): allowed with LINKGUARD_SETUID=allow at start-up, and runs privileged" {
	need_setid
	LINKGUARD_SETUID=allow run shim sh -c '"$@" -u' sh "$BATS_FILE_TMPDIR/suid-id"
	assert_success
	assert_output "$NOBODY_UID"
}
@test "setuid (shim): NOT allowed when the confined shell sets LINKGUARD_SETUID=allow itself" {
	need_setid
	run shim sh -c 'LINKGUARD_SETUID=allow "$@" -u' sh "$BATS_FILE_TMPDIR/suid-id"
	assert_failure 126
	assert_output --partial "linkguard: denied execve(\"$BATS_FILE_TMPDIR/suid-id\")"
}
@test "setuid (launcher --no-kernel): refused with 126 naming --allow-setuid; --allow-setuid runs it privileged" {
	need_setid
	run lg --no-kernel --root "$ROOT" -- "$BATS_FILE_TMPDIR/suid-id" -u
	assert_failure 126
	assert_output --partial "refusing to run \"$BATS_FILE_TMPDIR/suid-id\""
	assert_output --partial "--allow-setuid"
	run lg --no-kernel --root "$ROOT" --allow-setuid -- "$BATS_FILE_TMPDIR/suid-id" -u
	assert_success
	assert_output "$NOBODY_UID"
}
@test "setuid (launcher --no-new-privs): runs without privilege (euid stays 0), itself and in a child" {
	need_setid
	run lg --root "$ROOT" --no-new-privs -- "$BATS_FILE_TMPDIR/suid-id" -u
	assert_success
	assert_output "0"
	run lg --root "$ROOT" --no-new-privs -- sh -c '"$@" -u' sh "$BATS_FILE_TMPDIR/suid-id"
	assert_success
	assert_output "0"
}
@test "setuid (launcher --no-new-privs): a set-user-ID mv runs confined: escape denied, in-root move works" {
	need_setid
	snapshot_outside
	run lg --root "$ROOT" --no-new-privs -- sh -c '"$@"' sh "$BATS_FILE_TMPDIR/suid-mv" "$ROOT/file" "$OUT/stolen"
	assert_failure 1
	assert_output --partial "linkguard: denied rename"
	assert_output --partial "Permission denied"
	assert_file_exists "$ROOT/file"
	assert_outside_unchanged
	run lg --root "$ROOT" --no-new-privs -- "$BATS_FILE_TMPDIR/suid-mv" "$ROOT/file" "$ROOT/dir/moved"
	assert_success
	assert_file_exists "$ROOT/dir/moved"
}
@test "setuid (launcher --kernel): runs without privilege (no_new_privs) and confined" {
	need_setid
	lg --kernel --root "$ROOT" -- true || skip "no Landlock here: the launcher refused --kernel"
	run lg --kernel --root "$ROOT" -- "$BATS_FILE_TMPDIR/suid-id" -u
	assert_success
	assert_output "$(kernel_line refer)
0"
	snapshot_outside
	run lg --kernel --root "$ROOT" -- "$BATS_FILE_TMPDIR/suid-mv" "$ROOT/file" "$OUT/stolen"
	assert_failure 1
	assert_output --partial "linkguard: denied rename"
	assert_file_exists "$ROOT/file"
	assert_outside_unchanged
}

# --- a program changed between two spawns of one process -----------------------------------------

# A spawning process (make, ninja) execs the same programs again and again; each exec is judged
# afresh, whatever changed since the last. respawn WHO CHANGE [BASE]: as WHO (root, or lgtest),
# lgcall spawns a copy of true, makes the change (a shell command, seteuid:N, or mapped:OLD:NEW;
# see lgcall's usage), and spawns the same path again; prints each spawn's status. The files lie
# in a new directory under BASE (default /tmp) that every user may search (USER_DIR, removed by
# teardown): after seteuid(), or as lgtest, the kernel must find them. STATIC_COPY and
# FAKE_INTERP are copies of the static program and the freestanding interpreter there
# (respawn_files BASE makes them, respawn_run WHO CHANGE runs lgcall).
respawn() {
	respawn_files "$1" "${3:-/tmp}"
	respawn_run "$1" "$2"
}
respawn_files() {
	local who=$1 base=$2
	USER_DIR=$(mktemp -d "$base/lg-exec.XXXXXX")
	chmod 755 "$USER_DIR"
	PROG="$USER_DIR/prog"
	cp "$(type -P true)" "$PROG"
	[ -z "$STATIC" ] || cp "$STATIC" "$USER_DIR/static"
	[ -z "$FAKE_HOST" ] || cp "$BATS_FILE_TMPDIR/fake-interp" "$USER_DIR/fake-interp"
	# the confinement: root/ (the current directory, with file in it) and out/ beside it, where
	# the freestanding interpreter would rename file to (../out/stolen)
	mkdir "$USER_DIR/root" "$USER_DIR/out"
	echo data >"$USER_DIR/root/file"
	[ "$who" != lgtest ] || chown -R lgtest: "$USER_DIR"
	export PROG STATIC_COPY="$USER_DIR/static" FAKE_INTERP="$USER_DIR/fake-interp"
	OUTSIDE_BEFORE=$(respawn_outside)
}
# Everything in USER_DIR outside the root but the program (which the change rewrites) and its
# saved times, with inodes, link counts, sizes and link targets.
respawn_outside() {
	find "$USER_DIR" \( -path "$USER_DIR/root" -o -path "$PROG" -o -path "$PROG.when" \) -prune \
		-o -printf '%p %i %n %y %s %l\n' | sort
}
respawn_run() {
	local who=$1 change=$2
	cd "$USER_DIR/root"
	if [ "$who" = lgtest ]; then
		run --separate-stderr as_lgtest env LD_PRELOAD="$LG_PRELOAD" \
			LINKGUARD_ROOT="$USER_DIR/root" "$LGCALL" respawn "$PROG" "$change"
	else
		LG_ROOT="$USER_DIR/root" run --separate-stderr shim "$LGCALL" respawn "$PROG" "$change"
	fi
}
# assert_second_refused [WORD]: the first spawn ran, the second was refused with a line that
# names the program (and WORD, a word of the reason); nothing left the root, nothing came into out/,
# and nothing else outside the root changed.
assert_second_refused() {
	assert_success
	assert_output "first: 0
second: err EACCES"
	[[ $stderr == *"denied posix_spawn(\"$PROG\")"*${1:-}* ]] || fail "$stderr"
	assert_file_exists "$USER_DIR/root/file"
	assert_equal "$(ls -A "$USER_DIR/out")" ""
	assert_equal "$(respawn_outside)" "$OUTSIDE_BEFORE"
}
@test "changed between spawns: a program rewritten in place by a static one is judged again (refused)" {
	need_static
	respawn root 'cat "$STATIC_COPY" >"$PROG"'
	assert_second_refused static
}

@test "changed between spawns: a program rewritten in place by a static one, as lgtest" {
	need_static
	need_lgtest_user
	respawn lgtest 'cat "$STATIC_COPY" >"$PROG"'
	assert_second_refused static
}

# PT_INTERP pointed at a freestanding program through a symlink whose path is no longer than the
# loader's (written over it, in place). interp_change ROUTE: the CHANGE for respawn.
interp_change() {
	local loader
	[ -n "$FAKE_HOST" ] || skip "$FAKE_WHY"
	loader=$(loader_of "$(type -P true)")
	FAKE=$(mktemp -u /tmp/lgfi.XXXXXX)
	[ ${#FAKE} -lt ${#loader} ] || skip "no interpreter path shorter than $loader"
	export LOADER=$loader FAKE
}

# The same size and mtime (perl writes in place; dd aborts under AddressSanitizer's preload).
@test "changed between spawns: PT_INTERP rewritten in place, size and mtime kept, as lgtest: refused" {
	need_lgtest_user
	command -v perl >/dev/null || skip "perl not installed"
	interp_change
	# perl FILE OLD NEW: write NEW, padded with NULs to OLD's length, over OLD, in place
	export PATCH='open(my $f, "+<", $ARGV[0]) or die; local $/;
		my $at = index(<$f>, $ARGV[1]); die if $at < 0; seek($f, $at, 0);
		print $f $ARGV[2] . ("\0" x (length($ARGV[1]) - length($ARGV[2]))); close($f) or die'
	respawn lgtest 'ln -s "$FAKE_INTERP" "$FAKE" && touch -r "$PROG" "$PROG.when" &&
		perl -e "$PATCH" "$PROG" "$LOADER" "$FAKE" &&
		touch -r "$PROG.when" "$PROG"'
	rm -f "$FAKE"
	assert_second_refused
}

# On tmpfs a write through a shared mapping changes neither mtime nor ctime (nor does a second
# write to a page already dirty on any file system): the file's identity can not tell it changed.
# A verdict kept by identity once let this exec through.
@test "changed between spawns: PT_INTERP rewritten through a shared mapping on tmpfs, as lgtest: refused" {
	need_lgtest_user
	[ "$(stat -f -c %T /dev/shm 2>/dev/null)" = tmpfs ] || skip "/dev/shm is not tmpfs here"
	interp_change
	respawn_files lgtest /dev/shm
	ln -s "$FAKE_INTERP" "$FAKE"
	respawn_run lgtest "mapped:$LOADER:$FAKE"
	rm -f "$FAKE"
	assert_second_refused
}

@test "changed between spawns: a set-user-ID bit given after the first spawn is seen: refused" {
	need_setid
	respawn root 'chown nobody "$PROG" && chmod 4755 "$PROG"'
	assert_second_refused set-user-ID
}

@test "changed between spawns: an effective user changed after the first spawn is seen: refused" {
	need_setid
	respawn root "seteuid:$NOBODY_UID"
	assert_second_refused set-user-ID
}

# --- audit mode ---------------------------------------------------------------------------------

@test "audit (launcher): an escape goes through, is reported, and the exit summary counts 1 call" {
	local ino
	ino=$(inode_of "$ROOT/file")
	run lg --root "$ROOT" --audit -- mv "$ROOT/file" "$OUT/stolen"
	assert_success
	assert_output --partial "linkguard: audit: would deny rename"
	assert_line "linkguard: audit: 1 call would have been denied"
	assert_equal "$(inode_of "$OUT/stolen")" "$ino"
}
@test "audit (launcher): escapes by children through env -i and os.execve {} are counted too" {
	need_python
	# Out and back in: each move names an entry outside the root.
	run lg --root "$ROOT" --audit -- sh -c '
		env -i "$MV" "$ROOT/file" "$OUT/stolen"
		"$PY" -c "import os, sys; os.execve(sys.argv[1], sys.argv[1:], {})" "$MV" "$OUT/stolen" "$ROOT/file"'
	assert_success
	assert_equal "$(grep -c 'linkguard: audit: would deny rename' <<<"$output")" 2
	assert_line "linkguard: audit: 2 calls would have been denied"
	assert_file_exists "$ROOT/file"
}
@test "audit (launcher): a static command runs with 'audit: would refuse', and the summary counts it" {
	need_static
	run lg --root "$ROOT" --audit -- "$STATIC" "$ROOT/file" "$ROOT/moved"
	assert_success
	assert_line "linkguard: audit: would refuse \"$STATIC\": it is a statically linked binary"
	assert_file_exists "$ROOT/moved"
	assert_line "linkguard: audit: 1 call would have been denied"
}
@test "audit (launcher): a child's static program runs with 'audit: would deny execve', counted" {
	need_static
	run lg --root "$ROOT" --audit -- sh -c '"$@"' sh "$STATIC" "$ROOT/file" "$ROOT/moved"
	assert_success
	assert_line --partial "linkguard: audit: would deny execve(\"$STATIC\"): \"$STATIC\" is a statically linked binary"
	assert_line "linkguard: audit: 1 call would have been denied"
	assert_file_exists "$ROOT/moved"
}
@test "audit (shim, LINKGUARD_MODE=audit): a static program runs with 'audit: would deny'" {
	need_static
	LINKGUARD_MODE=audit run shim sh -c '"$@"' sh "$STATIC" "$ROOT/file" "$ROOT/moved"
	assert_success
	assert_output --partial "linkguard: audit: would deny execve(\"$STATIC\")"
	assert_file_exists "$ROOT/moved"
}

# --- exit statuses ------------------------------------------------------------------------------

@test "exit 125: a root that does not exist, the command does not run" {
	run lg --root "$BATS_TEST_TMPDIR/nonexistent" -- touch "$ROOT/ran"
	assert_failure 125
	assert_output --partial "does not exist"
	assert_file_not_exists "$ROOT/ran"
}
@test "exit 125: an unknown option" {
	run lg --root "$ROOT" --frobnicate -- true
	assert_failure 125
	assert_line --index 0 "linkguard: bad option \"--frobnicate\""
}
@test "exit 125: no command, with or without --" {
	run lg --root "$ROOT"
	assert_failure 125
	assert_line --index 0 "linkguard: no command given"
	run lg --root "$ROOT" --
	assert_failure 125
	assert_line --index 0 "linkguard: no command given"
}
@test "exit 126: a command that is not executable" {
	printf '#!/bin/sh\ntouch "$1"\n' >"$ROOT/not-exec"
	chmod 644 "$ROOT/not-exec"
	run lg --root "$ROOT" -- "$ROOT/not-exec" "$ROOT/ran"
	assert_failure 126
	assert_output --partial "Permission denied"
	assert_file_not_exists "$ROOT/ran"
}
@test "exit 127: a command that is not found, by path and by name" {
	run lg --root "$ROOT" -- "$BATS_TEST_TMPDIR/no-such-program"
	assert_failure 127
	assert_output --partial "No such file or directory"
	run lg --root "$ROOT" -- linkguard-no-such-program
	assert_failure 127
}
@test "exit statuses (shim): a missing program is still ENOENT (127), not a refusal" {
	need_python
	run shim sh -c '"$@"' sh "$BATS_TEST_TMPDIR/no-such-program"
	assert_failure 127
	refute_output --partial "linkguard:"
	run shim "$PY" -S "$VIA" execve "$BATS_TEST_TMPDIR/no-such-program"
	assert_failure 127
	assert_output "via execve: No such file or directory"
	run shim "$PY" -S "$VIA" execvp linkguard-no-such-program
	assert_failure 127
	assert_output "via execvp: No such file or directory"
	run shim "$PY" -S "$VIA" os.posix_spawnp linkguard-no-such-program
	assert_failure 127
}
@test "exit statuses (shim): a refused static program is EACCES from every exec call (126)" {
	need_static
	need_python
	local call
	for call in execve execv execvp execvpe execl execle execlp fexecve execveat; do
		run shim "$PY" -S "$VIA" "$call" "$STATIC"
		assert_failure 126
		assert_line "via $call: Permission denied"
	done
}
