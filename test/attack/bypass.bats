#!/usr/bin/env bats
# bypass.bats - a hostile program that uses only libc and the dynamic loader reaches for libc's
# own link() by the loader's other doors (lg_bypass, see bypass.c), starts children that lose the
# library with an environment that looks intact, changes the settings before the library reads
# them, or fakes /proc. Each route must end refused (EACCES and a "linkguard:" line) or confined,
# with nothing outside the root changed.

bats_require_minimum_version 1.5.0
load ../helpers

: "${LG_BYPASS:?LG_BYPASS must name the lg_bypass program (run the suite through ctest)}"
: "${LG_BYPASS_PLUGIN:?}" "${LG_BYPASS_AUDIT:?}" "${LG_BYPASS_ENV:?}" "${LG_INTERPOSE_DIR:?}"

FAKEPROC="$BATS_TEST_DIRNAME/fakeproc.sh"

setup() {
	lg_tree
}

# skip_under_sanitizer WHY: the sanitizer runtime itself can not run this case. A legitimate skip
# that LG_TESTS_MUST_WORK leaves alone: the same case runs, and must pass, in the plain build.
skip_under_sanitizer() {
	[ -z "${LG_ASAN_RUNTIME:-}" ] || lg_bats_skip "the sanitizer runtime $1"
}

# bypass ROUTE [EXTRA]: lg_bypass, confined, tries to link OUT/secret to ROOT/stolen by ROUTE.
# It must be refused, with a linkguard line, and leave the outside as it was. Its output and
# stderr stay in BYPASS_OUTPUT and BYPASS_STDERR.
bypass() {
	local route=$1
	shift
	snapshot_outside
	run --separate-stderr shim "$LG_BYPASS" "$route" "$OUT/secret" "$ROOT/stolen" "$@"
	[ "$status" -ne 77 ] || skip "${output#skip: }"
	assert_success
	assert_output --regexp '^refused'
	[[ $stderr == *"linkguard: denied "* ]] || fail "no denial line: $stderr"
	BYPASS_OUTPUT=$output BYPASS_STDERR=$stderr
	assert_file_not_exists "$ROOT/stolen"
	assert_outside_unchanged
}

@test "dlsym of a libc handle hands back the library's link()" {
	bypass dlsym-handle
}

@test "dlsym(RTLD_DEFAULT) and dlsym(RTLD_NEXT) hand back the library's link()" {
	bypass dlsym-default
	bypass dlsym-next
}

@test "dlvsym of link's glibc version hands back the library's link(), on every handle" {
	bypass dlvsym-handle
	bypass dlvsym-default
	bypass dlvsym-next
}

@test "libc's own dlsym, looked up by dlsym or dlvsym, is the library's too" {
	bypass dlsym-dlsym
	bypass dlvsym-dlsym
}

@test "dlmopen into a new link-map namespace is refused, with a dlerror() message" {
	bypass dlmopen
	[[ $BYPASS_OUTPUT == *"linkguard refused a new link-map namespace"* ]] || fail "$BYPASS_OUTPUT"
	[[ $BYPASS_STDERR == *'denied dlmopen("libc.so.6")'* ]] || fail "$BYPASS_STDERR"
}

@test "a plugin opened with RTLD_DEEPBIND calls the library's link()" {
	skip_under_sanitizer "refuses RTLD_DEEPBIND itself (google/sanitizers#611)"
	bypass deepbind "$LG_BYPASS_PLUGIN"
}

@test "_IO_popen and __libc_system put the settings back before the shell starts" {
	bypass io-popen
	bypass libc-system
}

@test "pidfd_spawn (glibc 2.39) puts the settings back before the child starts" {
	snapshot_outside
	run --separate-stderr shim "$LG_BYPASS" pidfd-spawn "$OUT/secret" "$ROOT/stolen"
	if [[ $output == absent:* ]]; then
		# An older glibc: the exported wrapper must behave as the missing function.
		assert_success
		assert_file_not_exists "$ROOT/stolen"
		assert_outside_unchanged
		return
	fi
	bypass pidfd-spawn
}

@test "LD_AUDIT is not passed on to a child: its auditor would have a libc of its own" {
	export LG_AUDIT_SRC="$OUT/secret" LG_AUDIT_DST="$ROOT/stolen"
	snapshot_outside
	run --separate-stderr shim "$LG_BYPASS" ld-audit - - "$LG_BYPASS_AUDIT"
	assert_success
	assert_file_not_exists "$ROOT/stolen"
	assert_outside_unchanged
	[[ $stderr == *"linkguard: note: LD_AUDIT removed"* ]] || fail "$stderr"
}

@test "the launcher does not pass LD_AUDIT on to its command" {
	skip_under_sanitizer "does not start with an auditor loaded in the launcher"
	export LG_AUDIT_SRC="$OUT/secret" LG_AUDIT_DST="$ROOT/stolen"
	snapshot_outside
	run --separate-stderr env LD_AUDIT="$LG_BYPASS_AUDIT" "$LINKGUARD_BIN" --root "$ROOT" -- true
	assert_success
	assert_file_not_exists "$ROOT/stolen"
	assert_outside_unchanged
	[[ $stderr == *"linkguard: note: LD_AUDIT removed"* ]] || fail "$stderr"
}

@test "a later preload's constructor that sets LINKGUARD_ROOT=/ first changes nothing" {
	snapshot_outside
	run --separate-stderr env LG_WIDEN_ROOT=1 LD_PRELOAD="$LG_PRELOAD:$LG_BYPASS_ENV" \
		LINKGUARD_ROOT="$ROOT" "$LG_BYPASS" plain "$OUT/secret" "$ROOT/stolen"
	assert_success
	assert_output "refused EACCES"
	# Nor in a child: the settings passed on are the ones the process started with.
	run --separate-stderr env LG_WIDEN_ROOT=1 LD_PRELOAD="$LG_PRELOAD:$LG_BYPASS_ENV" \
		LINKGUARD_ROOT="$ROOT" sh -c 'ln "$1" "$2"' sh "$OUT/secret" "$ROOT/stolen"
	assert_failure
	[[ $stderr == *"linkguard: denied "* ]] || fail "$stderr"
	assert_file_not_exists "$ROOT/stolen"
	assert_outside_unchanged
}

# --- a fake /proc: a user and mount namespace of the program's own ------------------------------

# Whether WHO is the user the suite already runs as (the unprivileged run runs as lgtest).
is_me() {
	[ "$1" = self ] || [ "$1" = "$(id -un)" ]
}

# The user to run as: the current one, or lgtest (uid 1001) switched to from root.
as_user() {
	local who=$1
	shift
	if is_me "$who"; then
		"$@"
	else
		setpriv --reuid="$who" --regid="$who" --clear-groups "$@"
	fi
}

# A tree that user WHO can use: under a directory of its own in /tmp (BATS_TEST_TMPDIR may lie
# below directories only root can search).
user_tree() {
	local who=$1 base
	if ! is_me "$who"; then
		require_root
		id "$who" >/dev/null 2>&1 || skip "needs the user $who"
	fi
	base=$(mktemp -d /tmp/lg-bypass.XXXXXX)
	chmod 755 "$base"
	ROOT="$base/root" OUT="$base/out"
	mkdir -p "$ROOT" "$OUT"
	echo secret >"$OUT/secret"
	is_me "$who" || chown -R "$who" "$base"
	USER_BASE=$base
}

# in_fake_proc WHO KIND ROOTS CMD...: as WHO, in a fresh user and mount namespace with /proc faked
# as KIND (see fakeproc.sh), CMD confined to ROOTS; its stdout is $output, its stderr $stderr.
in_fake_proc() {
	local who=$1 kind=$2 roots=$3
	shift 3
	run --separate-stderr as_user "$who" unshare -Urm "$FAKEPROC" "$kind" \
		env LD_PRELOAD="$LG_PRELOAD" LINKGUARD_ROOT="$roots" "$@"
}

# fake_proc WHO KIND: what a fake /proc says (tmpfs: every root is "/", LINKGUARD_ROOT=/) is never
# believed. The settings are the strings exec laid out and a root spelled without a symlink is its
# own canonical path, so a link from outside into the root is refused as the escape it is; what
# does need /proc (a root spelled through a symlink; the exec gate) fails closed, saying so.
# Nothing outside changes.
fake_proc() {
	local who=$1 kind=$2 before
	skip_under_sanitizer "reads /proc/self/maps as it starts"
	unshare -Urm true 2>/dev/null || skip "no unprivileged user namespaces here"
	user_tree "$who"
	ln -s root "$USER_BASE/rootlink"
	echo in >"$ROOT/file"
	is_me "$who" || chown -h "$who" "$USER_BASE/rootlink" "$ROOT/file"
	before=$(find "$USER_BASE" -printf '%p %i %n %y %l\n' | sort)
	in_fake_proc "$who" "$kind" "$ROOT" "$LGCALL" link "$OUT/secret" "$ROOT/stolen"
	assert_output "err EACCES"
	[[ $stderr == "linkguard: denied link(\"$OUT/secret\""*outside* ]] || fail "$stderr"
	in_fake_proc "$who" "$kind" "$USER_BASE/rootlink" "$LGCALL" link "$ROOT/file" "$ROOT/copy"
	assert_output "err EACCES"
	[[ $stderr == *"/proc is missing or not procfs"* ]] || fail "$stderr"
	in_fake_proc "$who" "$kind" "$ROOT" "$LGCALL" exec execve /bin/touch "$OUT/ran"
	assert_failure
	[[ $stderr == "linkguard: denied execve(\"/bin/touch\")"* ]] || fail "$stderr"
	assert_equal "$(find "$USER_BASE" -printf '%p %i %n %y %l\n' | sort)" "$before"
	rm -rf "$USER_BASE"
}

@test "a tmpfs at /proc that spells every root \"/\" is not believed; what needs /proc fails closed" {
	fake_proc self tmpfs
}

@test "a tmpfs at /proc is not believed; what needs /proc fails closed, as lgtest" {
	fake_proc lgtest tmpfs
}

@test "procfs that is not its mount's root (/proc/sys bound at /proc): what needs /proc fails closed" {
	fake_proc self bind
}

@test "procfs that is not its mount's root: what needs /proc fails closed, as lgtest" {
	fake_proc lgtest bind
}

# --- binfmt_misc of a user namespace (Linux 6.7) --------------------------------------------------

# binfmt WHO ROUTE [VAR=VALUE...]: as WHO, lg_bypass creates a user namespace, registers a
# binfmt_misc handler there whose interpreter is a static program that links OUT/secret to
# ROOT/stolen, and runs a file that handler takes. ROUTE: binfmt; binfmt-uname26, under the
# UNAME26 personality; binfmt-masked, with /proc/self/ns/user masked first by a mounted symlink to
# the namespace the program started in, and that mount namespace's /proc in place of the
# library's /proc descriptor (procfs's root on the same superblock): only a look that crosses no
# mount, the last component included, sees the namespace the program is in. VARs go to the
# program's environment. The exec is refused; nothing outside (OUT) changes.
binfmt() {
	local who=$1 route=$2 before
	shift 2
	[ -n "${LG_BYPASS_STATIC:-}" ] || skip "no static libc to build the interpreter with"
	user_tree "$who"
	before=$(find "$OUT" -printf '%p %i %n %y %l\n' | sort)
	run --separate-stderr as_user "$who" env "$@" LG_AUDIT_SRC="$OUT/secret" \
		LG_AUDIT_DST="$ROOT/stolen" LD_PRELOAD="$LG_PRELOAD" LINKGUARD_ROOT="$ROOT" \
		"$LG_BYPASS" "$route" "$OUT/secret" "$ROOT/stolen" "$LG_BYPASS_STATIC"
	[ "$status" -ne 77 ] || skip "${output#skip: }"
	assert_success
	assert_output "refused EACCES"
	[[ $stderr == *"denied execl("*"binfmt_misc handler"* ]] || fail "$stderr"
	assert_file_not_exists "$ROOT/stolen"
	assert_equal "$(find "$OUT" -printf '%p %i %n %y %l\n' | sort)" "$before"
	rm -rf "$USER_BASE"
}

@test "a binfmt_misc handler of the program's own user namespace does not run: exec refused" {
	binfmt self binfmt
}

@test "a binfmt_misc handler of the program's own user namespace, as lgtest" {
	binfmt lgtest binfmt
}

@test "under the UNAME26 personality (uname says 2.6), the handler still does not run, as lgtest" {
	binfmt lgtest binfmt-uname26
}

@test "/proc/self/ns/user masked by a mount, the library's /proc swapped: the handler still does not run" {
	binfmt self binfmt-masked
}

@test "/proc/self/ns/user masked by a mount, the library's /proc swapped, as lgtest" {
	binfmt lgtest binfmt-masked
}

@test "/proc/self/ns/user masked before the library first opens /proc (a confined child), as lgtest" {
	binfmt lgtest binfmt-masked LINKGUARD_USERNS="$(userns_now)"
}

# After a first exec has found the start namespace (a look later execs believe until the process
# makes a call that may move it), each libc door to another user namespace makes the look again.
@test "after a first exec, unshare() into a namespace of its own: the handler still does not run, as lgtest" {
	binfmt lgtest binfmt-warm-unshare
}

@test "after a first exec, syscall(SYS_unshare): the handler still does not run, as lgtest" {
	binfmt lgtest binfmt-warm-syscall
}

@test "after a first exec, a clone(CLONE_NEWUSER) child sharing nothing: the handler still does not run, as lgtest" {
	binfmt lgtest binfmt-warm-clone
}

@test "after a first exec, a child of __clone(CLONE_NEWUSER), glibc's other name: the handler still does not run, as lgtest" {
	binfmt lgtest binfmt-warm-__clone
}

@test "after a first exec, setns() into a child's user namespace: the handler still does not run, as lgtest" {
	binfmt lgtest binfmt-warm-setns
}

@test "after a first exec, unshare() as the invoking user: the handler still does not run" {
	binfmt self binfmt-warm-unshare
}

# --- a seccomp filter of the program's own ------------------------------------------------------

# own_filter WHO ROUTE: as WHO, lg_bypass puts descriptor 0 on OUT, installs a seccomp filter (by
# ROUTE: prctl, or syscall(SYS_seccomp)) that answers openat2 and openat with 0, then links
# ROOT/sub/secret to ROOT/sub/stolen: the library's look at ROOT/sub "opens" OUT. The link is
# refused, saying why; nothing changes outside.
own_filter() {
	local who=$1 route=$2
	user_tree "$who"
	mkdir "$ROOT/sub"
	is_me "$who" || chown "$who" "$ROOT/sub"
	snapshot_outside
	run --separate-stderr as_user "$who" env LD_PRELOAD="$LG_PRELOAD" LINKGUARD_ROOT="$ROOT" \
		"$LG_BYPASS" "$route" "$ROOT/sub/secret" "$ROOT/sub/stolen" "$OUT"
	[ "$status" -ne 77 ] || skip "${output#skip: }"
	assert_output "refused EACCES"
	assert_equal "$stderr" "linkguard: denied link(\"$ROOT/sub/secret\", \"$ROOT/sub/stolen\"): the program installed a seccomp filter of its own, which can answer the library's system calls in the kernel's place; confine it with linkguard --kernel=strict"
	assert_file_not_exists "$OUT/stolen"
	assert_outside_unchanged
	rm -rf "$USER_BASE"
}

@test "a seccomp filter of the program's own (prctl) that answers openat2 with descriptor 0: refused" {
	own_filter self seccomp-prctl
}

@test "a seccomp filter of the program's own (syscall(SYS_seccomp)), as lgtest: refused" {
	own_filter lgtest seccomp-syscall
}

@test "a seccomp probe that installs nothing (EFAULT) changes nothing: links in the root still work" {
	command -v python3 >/dev/null || skip "python3 not installed"
	user_tree self
	echo in >"$ROOT/a"
	# prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, NULL): how programs ask whether filters exist
	run env LD_PRELOAD="$LG_PRELOAD" LINKGUARD_ROOT="$ROOT" python3 -c '
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
r = libc.prctl(22, 2, None, 0, 0)
print(r, os.strerror(ctypes.get_errno()))
os.link(sys.argv[1] + "/a", sys.argv[1] + "/b")
print("linked")' "$ROOT"
	assert_success
	assert_output "-1 $(python3 -c 'import os, errno; print(os.strerror(errno.EFAULT))')
linked"
	assert_same_inode "$ROOT/a" "$ROOT/b"
	rm -rf "$USER_BASE"
}

@test "a seccomp filter of the program's own, under the launcher: the library refuses (default), the kernel (strict)" {
	user_tree self
	mkdir "$ROOT/sub"
	snapshot_outside
	run --separate-stderr "$LINKGUARD_BIN" --root "$ROOT" -- \
		"$LG_BYPASS" seccomp-prctl "$ROOT/sub/secret" "$ROOT/sub/stolen" "$OUT"
	[ "$status" -ne 77 ] || skip "${output#skip: }"
	assert_output "refused EACCES"
	[[ $stderr == *"installed a seccomp filter of its own"* ]] || fail "$stderr"
	# strict: the library lets the call through; Landlock refuses an entry made outside
	run --separate-stderr "$LINKGUARD_BIN" --kernel=strict --root "$ROOT" -- \
		"$LG_BYPASS" seccomp-prctl "$ROOT/sub/secret" "$ROOT/sub/stolen" "$OUT"
	[ "$status" -ne 125 ] || skip "no strict kernel layer here: $stderr"
	assert_output "refused EACCES"
	[[ $stderr != *"installed a seccomp filter"* ]] || fail "$stderr"
	assert_file_not_exists "$OUT/stolen"
	assert_outside_unchanged
	rm -rf "$USER_BASE"
}

# --- the library's own calls: a program's definitions do not answer them ----------------------

# interpose ROUTE [VAR=VALUE...]: lg_interpose_ROUTE (see bypass_interpose.c), which exports its
# own fstat(), memcmp(), setenv() or the like, links or renames by it with OUT/secret and
# ROOT/stolen. It must end refused, nothing may change outside, and nothing be linked in.
interpose() {
	local route=$1
	shift
	snapshot_outside
	run --separate-stderr env "$@" LD_PRELOAD="$LG_PRELOAD" LINKGUARD_ROOT="$ROOT" \
		"$LG_INTERPOSE_DIR/lg_interpose_$route" "$OUT/secret" "$ROOT/stolen"
	assert_success
	assert_output --regexp '^refused'
	INTERPOSE_OUTPUT=$output INTERPOSE_STDERR=$stderr
	assert_file_not_exists "$ROOT/stolen"
	assert_outside_unchanged
}

@test "a program's own fstat() can not pass another directory off as the root's descriptor" {
	interpose fstat
	[[ $INTERPOSE_STDERR != *"secret"* ]] || fail "the library acted on OUT: $INTERPOSE_STDERR"
}

@test "a program's own memcmp() and strcmp() can not pass an outside file off as inside" {
	interpose strings
	assert_equal "$INTERPOSE_OUTPUT" "refused EACCES"
	[[ $INTERPOSE_STDERR == *"refers to a file outside root"* ]] || fail "$INTERPOSE_STDERR"
}

@test "a program's own dladdr() does not make dlsym() hand it libc's link()" {
	skip_under_sanitizer "does not start in a program that defines dladdr()"
	interpose dladdr
	assert_equal "$INTERPOSE_OUTPUT" "refused EACCES"
	[[ $INTERPOSE_STDERR == *'linkguard: denied link('* ]] || fail "$INTERPOSE_STDERR"
}

@test "a program's own setenv() and putenv() do not keep the library from system()'s shell" {
	interpose environ
	[[ $INTERPOSE_STDERR == *'linkguard: denied link'* ]] || fail "$INTERPOSE_STDERR"
}

@test "a program's own errno, always 0, does not make a refused link pass for done" {
	interpose errno
	[[ $INTERPOSE_STDERR == *'linkguard: denied link('* ]] || fail "$INTERPOSE_STDERR"
}

@test "a program's own pthread_once() that runs nothing does not leave the library unset" {
	interpose once LG_BYPASS_ONCE_IDLE=1
	assert_equal "$INTERPOSE_OUTPUT" "refused EACCES"
}

@test "a program's own errno, always ENOENT, does not let an execute-only static program run, as lgtest" {
	[ -n "${LG_BYPASS_STATIC:-}" ] || skip "no static libc to build the program with"
	skip_under_sanitizer "does not start in a program that defines __errno_location()"
	user_tree lgtest
	# Execute-only: its owner may run it but not read it, so the exec gate can not look inside.
	cp "$LG_BYPASS_STATIC" "$USER_BASE/static"
	chmod 0111 "$USER_BASE/static"
	is_me lgtest || chown lgtest "$USER_BASE/static"
	local before
	before=$(find "$OUT" -printf '%p %i %n %y %l\n' | sort)
	run --separate-stderr as_user lgtest env LG_AUDIT_SRC="$OUT/secret" \
		LG_AUDIT_DST="$ROOT/stolen" LD_PRELOAD="$LG_PRELOAD" LINKGUARD_ROOT="$ROOT" \
		"$LG_INTERPOSE_DIR/lg_interpose_exec" "$USER_BASE/static"
	assert_success
	assert_output "refused"
	[[ $stderr == *'linkguard: denied execl('*'can not read to inspect'* ]] || fail "$stderr"
	assert_file_not_exists "$ROOT/stolen"
	assert_equal "$(find "$OUT" -printf '%p %i %n %y %l\n' | sort)" "$before"
	rm -rf "$USER_BASE"
}

# --- what the wrappers must keep: the loader judges by the caller ------------------------------

@test "dlsym(RTLD_NEXT) still finds what follows the program, not what follows the library" {
	run env LD_PRELOAD="${LG_ASAN_RUNTIME:+$LG_ASAN_RUNTIME:}$LG_BYPASS_ENV:$LINKGUARD_LIB" \
		LINKGUARD_ROOT="$ROOT" "$LG_BYPASS" next-caller
	assert_success
	assert_output "ok"
}

@test "a preload ahead of the library that wraps rename() by RTLD_NEXT reaches the library's" {
	snapshot_outside
	run --separate-stderr env \
		LD_PRELOAD="${LG_ASAN_RUNTIME:+$LG_ASAN_RUNTIME:}$LG_BYPASS_ENV:$LINKGUARD_LIB" \
		LINKGUARD_ROOT="$ROOT" "$LG_BYPASS" rename "$OUT/secret" "$ROOT/stolen"
	assert_success
	assert_output "refused EACCES"
	[[ $stderr == *'linkguard: denied rename('* ]] || fail "$stderr"
	assert_outside_unchanged
}

@test "dlopen by a bare name still searches the program's RUNPATH" {
	skip_under_sanitizer "wraps dlopen without a tail call: the caller is the runtime"
	run shim "$LG_BYPASS" runpath "$(basename "$LG_BYPASS_PLUGIN")"
	assert_success
	assert_output "ok"
}
