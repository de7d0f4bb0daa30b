#!/usr/bin/env bats
# kernel.bats - the launcher's kernel layer as a boundary: on by default, closed to a program
# that runs as root and to one that types into the terminal, and its seccomp filter's
# architecture check. The attempts are made by lg_probe (probe.c), one a run; on_pty.py gives a
# command a terminal of its own, as a shell would.
#
# Tests that need root skip as another user ("needs root"); those that change a system-wide
# setting when the layer fails (core_pattern) restore it in teardown. The others write the value
# that is already there, or a value the kernel rejects, so nothing changes even without the layer:
# what shows the layer is the errno (EACCES from Landlock at open, before the kernel reads a byte).
# Skips otherwise only when the kernel lacks the feature under test (it says which).

load ../helpers
bats_require_minimum_version 1.5.0

setup() {
	lg_tree
	: "${LG_PROBE:?LG_PROBE must name the lg_probe driver (run through ctest)}"
	: "${LG_ON_PTY:?LG_ON_PTY must name on_pty.py}"
	PY=python3
	[ -x /usr/bin/python3 ] && PY=/usr/bin/python3 # reachable by lgtest too
	cd "$ROOT"
}

teardown() {
	if [ -n "${SAVED_CORE_PATTERN+set}" ] &&
		[ "$(cat /proc/sys/kernel/core_pattern)" != "$SAVED_CORE_PATTERN" ]; then
		printf '%s\n' "$SAVED_CORE_PATTERN" >/proc/sys/kernel/core_pattern
	fi
	# Continued first: a stopped process does not die of SIGTERM, and would hold bats' output.
	local pid
	for pid in ${BACKGROUND_CHILD:-} ${BACKGROUND:-}; do
		kill -CONT "$pid" 2>/dev/null || true
		kill -KILL "$pid" 2>/dev/null || true
	done
	[ -z "${LGTEST_DIR:-}" ] || rm -rf "$LGTEST_DIR"
}

# --- what is there --------------------------------------------------------------------------------

need_layer() { # the kernel has the Landlock the layer needs (explicit --kernel fails without)
	run lg --kernel --root "$ROOT" -- true
	[ "$status" != 125 ] || skip "no kernel layer here: $output"
	assert_success
}

landlock_abi() {
	"$LG_RAW_ASM" landlock-abi 2>/dev/null || $PY -c 'import ctypes
print(ctypes.CDLL(None).syscall(444, None, 0, 1))'
}

need_abi() { # N: the kernel's Landlock ABI is N or later
	local abi
	abi=$(landlock_abi)
	[[ $abi =~ ^[0-9]+$ ]] && [ "$abi" -ge "$1" ] || skip "Landlock ABI $1 needed, this kernel has: $abi"
}

need_mount_namespace() {
	unshare -m true 2>/dev/null || skip "no mount namespace here (unshare -m fails)"
}

need_root() { # helpers.bash's require_root: "needs root" as another user, never a failure
	require_root
}

# need_lgtest: root, and the user lgtest; LGTEST_DIR is a root directory lgtest owns.
need_lgtest() {
	need_root
	id lgtest >/dev/null 2>&1 || skip "no user lgtest on this machine"
	LGTEST_DIR=$(mktemp -d /tmp/lg-kernel-lgtest.XXXXXX)
	chown lgtest: "$LGTEST_DIR"
}

# as_lgtest CMD...: CMD as lgtest, in a clean environment (a sanitizer build keeps its runtime
# first, as `lg` does).
as_lgtest() {
	setpriv --reuid=lgtest --regid=lgtest --clear-groups --reset-env -- env PATH=/usr/bin:/bin \
		${LG_ASAN_RUNTIME:+LD_PRELOAD="$LG_ASAN_RUNTIME" ASAN_OPTIONS="$ASAN_OPTIONS"} "$@"
}

# on_pty CMD...: CMD on a terminal of its own; prints what it wrote, "pending: ..." (what waits in
# the terminal's input queue after it) and "status: N".
on_pty() {
	$PY "$LG_ON_PTY" "$@"
}

# --- the terminal ---------------------------------------------------------------------------------

# tiocsti_refused LAUNCHER_ARGS...: TIOCSTI on the command's own terminal is refused; nothing typed.
tiocsti_refused() {
	run on_pty "$LINKGUARD_BIN" "$@" -- "$LG_PROBE" tiocsti 0 lgINJECTED
	assert_line "err EPERM"
	assert_line "pending: ''"
	refute_output --partial lgINJECTED
}

@test "terminal | default: TIOCSTI into the command's terminal is refused (EPERM), nothing typed" {
	need_layer
	tiocsti_refused --root "$ROOT"
}
@test "terminal | --kernel=strict: TIOCSTI is refused, nothing typed" {
	need_layer
	tiocsti_refused --kernel=strict --root "$ROOT"
}
@test "terminal | default, as lgtest: TIOCSTI is refused, nothing typed" {
	need_layer
	need_lgtest
	run as_lgtest $PY "$LG_ON_PTY" "$LINKGUARD_BIN" --root "$LGTEST_DIR" -- "$LG_PROBE" tiocsti 0 lgINJECTED
	assert_line "err EPERM"
	assert_line "pending: ''"
	refute_output --partial lgINJECTED
}
@test "terminal | default: the terminal reopened by its name, TIOCSTI is refused too" {
	need_layer
	run on_pty "$LINKGUARD_BIN" --root "$ROOT" -- sh -c \
		'"$1" tiocsti "$(readlink /proc/self/fd/0)" lgINJECTED' sh "$LG_PROBE"
	assert_line "err EPERM"
	assert_line "pending: ''"
}
@test "terminal | default: the command runs in a session of its own, without a controlling terminal" {
	need_layer
	run on_pty "$LINKGUARD_BIN" --root "$ROOT" -- "$LG_PROBE" open /dev/tty rw
	assert_line "err ENXIO"
	# The session id is field 6 of /proc/PID/stat, counted after the ")" that ends the name.
	run on_pty "$LINKGUARD_BIN" --root "$ROOT" -- sh -c \
		'for p in $$ $PPID; do sed "s/.*) //" /proc/$p/stat | cut -d" " -f4; done'
	assert_equal "${#lines[@]}" 4 # two sessions, "pending", "status"
	[ "${lines[0]}" != "${lines[1]}" ] || fail "the command shares the launcher's session: ${lines[*]}"
}
@test "terminal | --no-kernel: TIOCSTI types into the terminal (documented limit: the library is no boundary)" {
	run on_pty "$LINKGUARD_BIN" --no-kernel --root "$ROOT" -- "$LG_PROBE" tiocsti 0 lgINJECTED
	assert_line --regexp '^(lgINJECTED)?ok$' # the terminal echoes what was typed
	assert_line "pending: 'lgINJECTED'"
}
@test "terminal | --no-kernel, as lgtest: TIOCSTI types into the terminal (documented limit)" {
	need_lgtest
	[ "$(cat /proc/sys/dev/tty/legacy_tiocsti 2>/dev/null || echo 1)" = 1 ] ||
		skip "dev.tty.legacy_tiocsti=0: this kernel refuses TIOCSTI to users anyway"
	run as_lgtest $PY "$LG_ON_PTY" "$LINKGUARD_BIN" --no-kernel --root "$LGTEST_DIR" -- "$LG_PROBE" tiocsti 0 lgINJECTED
	assert_line --regexp '^(lgINJECTED)?ok$' # the terminal echoes what was typed
	assert_line "pending: 'lgINJECTED'"
}

# --- the launcher stays the parent: signals ------------------------------------------------------

# start_ready LOG CMD...: CMD in the background as BACKGROUND, its output (stdout and stderr) in
# LOG; returns once it has printed "ready", or after 5 s (the test then finds what is missing).
start_ready() {
	local log=$1
	shift
	"$@" >"$log" 2>&1 &
	BACKGROUND=$!
	for _ in $(seq 100); do
		grep -q ready "$log" && break
		sleep 0.05
	done
}

# signalled SIG: the launcher, sent SIG, passes it on to its command (a trap that exits 7).
signalled() {
	need_layer
	start_ready "$BATS_TEST_TMPDIR/.outside.log" env --default-signal="$1" "$LINKGUARD_BIN" \
		--root "$ROOT" -- sh -c "trap 'echo got $1; exit 7' $1; echo ready; while :; do sleep 0.1; done"
	kill -"$1" "$BACKGROUND"
	local status=0
	wait "$BACKGROUND" || status=$?
	assert_equal "$status" 7
	run cat "$BATS_TEST_TMPDIR/.outside.log"
	assert_line "got $1"
}

@test "signals | default: SIGINT to the launcher reaches the command in its own session" {
	signalled INT
}
@test "signals | default: SIGTERM to the launcher reaches the command" {
	signalled TERM
}
@test "signals | default: SIGHUP to the launcher reaches the command" {
	signalled HUP
}
@test "signals | default: a command killed by SIGTERM: the launcher dies of SIGTERM too (143)" {
	need_layer
	run lg --root "$ROOT" -- sh -c 'kill -TERM $$'
	assert_equal "$status" 143
}

@test "signals | default: ^Z (SIGTSTP to the launcher) stops the command with it; SIGCONT continues both" {
	need_layer
	start_ready "$BATS_TEST_TMPDIR/.outside.log" \
		"$LINKGUARD_BIN" --root "$ROOT" -- sh -c 'echo ready; while :; do sleep 0.1; done'
	local child
	child=$(cat /proc/"$BACKGROUND"/task/*/children)
	child=${child// /}
	[ -n "$child" ] || fail "no command under the launcher"
	BACKGROUND_CHILD=$child
	kill -TSTP "$BACKGROUND"
	wait_states "T T" "$BACKGROUND" "$child"
	kill -CONT "$BACKGROUND"
	wait_states "running" "$BACKGROUND" "$child"
	kill -TERM "$BACKGROUND"
	local status=0
	wait "$BACKGROUND" || status=$?
	assert_equal "$status" 143
}

state_of() { # PID: its state letter (R, S, T, ...)
	sed 's/.*) //' "/proc/$1/stat" | cut -c1
}

# wait_states "T T"|running PID1 PID2: within 5 s both are stopped (T), or neither is.
wait_states() {
	local want=$1 now
	shift
	for _ in $(seq 100); do
		now="$(state_of "$1") $(state_of "$2")"
		if [ "$want" = running ]; then
			[[ $now == *T* ]] || return 0
		else
			[ "$now" != "$want" ] || return 0
		fi
		sleep 0.05
	done
	fail "expected $want, the states are: $now"
}

# --- Landlock's scoping (ABI 6): signals and abstract unix sockets ------------------------------

@test "scope | default: a signal to a process outside the sandbox is refused (EPERM)" {
	need_layer
	need_abi 6
	sleep 60 &
	BACKGROUND=$!
	run "$LG_PROBE" kill "$BACKGROUND" 0
	assert_line ok
	run lg --root "$ROOT" -- "$LG_PROBE" kill "$BACKGROUND" 15
	assert_line "err EPERM"
	run "$LG_PROBE" kill "$BACKGROUND" 0
	assert_line ok # still alive
}
@test "scope | default, as lgtest: a signal to lgtest's own process outside is refused (EPERM)" {
	need_layer
	need_abi 6
	need_lgtest
	# A simple command in the background: $! is setpriv's pid, which becomes sleep's by exec.
	setpriv --reuid=lgtest --regid=lgtest --clear-groups -- sleep 60 &
	BACKGROUND=$!
	for _ in $(seq 100); do
		[ "$(stat -c %u "/proc/$BACKGROUND")" != "$(id -u lgtest)" ] || break
		sleep 0.05
	done
	run as_lgtest "$LG_PROBE" kill "$BACKGROUND" 0
	assert_line ok
	run as_lgtest "$LINKGUARD_BIN" --root "$LGTEST_DIR" -- "$LG_PROBE" kill "$BACKGROUND" 15
	assert_line "err EPERM"
}
# abstract_listener NAME: an unconfined process listening on the abstract unix socket NAME, in
# BACKGROUND, once it is ready; it writes "accepted" to .outside.listen for a connection.
abstract_listener() {
	start_ready "$BATS_TEST_TMPDIR/.outside.listen" "$LG_PROBE" abstract-listen "$1"
}
@test "scope | default: connecting to an abstract unix socket outside the sandbox is refused (EPERM)" {
	need_layer
	need_abi 6
	local name="linkguard-test-$$-$RANDOM"
	abstract_listener "$name"
	run lg --root "$ROOT" -- "$LG_PROBE" abstract-connect "$name"
	assert_line "err EPERM"
	run "$LG_PROBE" abstract-connect "$name"
	assert_line ok
	wait "$BACKGROUND"
	run cat "$BATS_TEST_TMPDIR/.outside.listen"
	assert_line accepted
}

@test "scope | --kernel=strict: a signal and an abstract socket outside the sandbox are refused (EPERM)" {
	need_layer
	need_abi 6
	local name="linkguard-test-$$-$RANDOM"
	abstract_listener "$name"
	run lg --kernel=strict --root "$ROOT" -- "$LG_PROBE" kill "$BACKGROUND" 0
	assert_line "err EPERM"
	run lg --kernel=strict --root "$ROOT" -- "$LG_PROBE" abstract-connect "$name"
	assert_line "err EPERM"
	run "$LG_PROBE" abstract-connect "$name" # the listener accepts this one and ends
	assert_line ok
	wait "$BACKGROUND"
}

# --- root inside the layer: the kernel's helpers ------------------------------------------------

# write_refused FILE: root can not open FILE for writing under the layer (EACCES); FILE gets its
# own content back, so nothing changes even where the layer fails.
write_refused() {
	local before
	before=$(cat "$1")
	run lg --root "$ROOT" -- "$LG_PROBE" write "$1" "$before"
	assert_line "err EACCES"
	assert_equal "$(cat "$1")" "$before"
}

@test "root | core_pattern: a crash can not make the kernel's helper link a secret in or move a root file out" {
	need_root
	need_layer
	[ -w /proc/sys/kernel/core_pattern ] || skip "/proc/sys/kernel/core_pattern is read-only here"
	SAVED_CORE_PATTERN=$(cat /proc/sys/kernel/core_pattern)
	printf '#!/bin/sh\nln "%s" "%s"\nmv "%s" "%s"\n' "$OUT/secret" "$ROOT/stolen" \
		"$ROOT/file" "$OUT/moved" >"$BATS_TEST_TMPDIR/.outside.helper"
	chmod 755 "$BATS_TEST_TMPDIR/.outside.helper"
	snapshot_outside
	run lg --root "$ROOT" -- sh -c '"$1" write /proc/sys/kernel/core_pattern "|$2"; "$1" crash' \
		sh "$LG_PROBE" "$BATS_TEST_TMPDIR/.outside.helper"
	assert_line "err EACCES"
	assert_equal "$(cat /proc/sys/kernel/core_pattern)" "$SAVED_CORE_PATTERN"
	sleep 0.5 # a helper, had it run, would have run by now
	assert_file_not_exists "$ROOT/stolen"
	assert_file_exists "$ROOT/file"
	rm -f "$ROOT"/core*
	assert_outside_unchanged
}
@test "root | core_pattern under --kernel=strict: refused (EACCES)" {
	need_root
	need_layer
	local before
	before=$(cat /proc/sys/kernel/core_pattern)
	run lg --kernel=strict --root "$ROOT" -- "$LG_PROBE" write /proc/sys/kernel/core_pattern "$before"
	assert_line "err EACCES"
}
@test "root | modprobe path (/proc/sys/kernel/modprobe): refused (EACCES), or no modules at all" {
	need_root
	need_layer
	if [ -e /proc/sys/kernel/modprobe ]; then
		write_refused /proc/sys/kernel/modprobe
	else
		# No modprobe path: a kernel without module support, where no module loads at all.
		echo "not a module" >"$ROOT/fake.ko"
		run "$LG_PROBE" finit-module "$ROOT/fake.ko"
		assert_line "err ENOSYS"
	fi
}
@test "root | poweroff_cmd (the orderly-poweroff helper's path): refused (EACCES)" {
	need_root
	need_layer
	[ -e /proc/sys/kernel/poweroff_cmd ] || skip "no /proc/sys/kernel/poweroff_cmd"
	write_refused /proc/sys/kernel/poweroff_cmd
}
@test "root | uevent helper (/sys/kernel/uevent_helper) and every root-writable file of /sys/kernel: refused (EACCES)" {
	need_root
	need_layer
	local files
	# Without CONFIG_UEVENT_HELPER there is no uevent_helper; the other files (rcu_expedited,
	# ...) are sysfs all the same.
	files=$(find /sys/kernel -maxdepth 1 -type f -perm -u+w)
	[ -n "$files" ] || fail "no root-writable file in /sys/kernel"
	for f in $files; do
		write_refused "$f"
	done
}

# binfmt_register DIR: in a mount namespace of its own, binfmt_misc mounted at DIR, the command
# tries to register an interpreter. The entry is malformed (type Q), so the kernel would reject it
# with EINVAL even without the layer: nothing is registered either way; EACCES is the layer.
binfmt_register() {
	need_root
	need_layer
	need_mount_namespace
	grep -qw binfmt_misc /proc/filesystems || skip "no binfmt_misc in this kernel"
	mkdir -p "$1"
	run unshare -m sh -c 'mount -t binfmt_misc binfmt_misc "$1" || exit 99
		shift; exec "$@"' sh "$1" \
		"$LINKGUARD_BIN" --root "$ROOT" -- "$LG_PROBE" write "$1/register" ':lgtest:Q::x::/bin/true:'
	[ "$status" != 99 ] || skip "can not mount binfmt_misc here: $output"
	assert_line "err EACCES"
}
@test "root | binfmt_misc registration (/proc/sys/fs/binfmt_misc/register): refused (EACCES)" {
	binfmt_register /proc/sys/fs/binfmt_misc
}
@test "root | binfmt_misc mounted elsewhere: registration refused (EACCES)" {
	binfmt_register "$BATS_TEST_TMPDIR/.outside.binfmt"
}

# proc_at DIR LAUNCHER_ARGS...: /proc mounted again at DIR (own mount namespace); the command tries
# core_pattern through it, writing its own value back.
proc_at() {
	local dir=$1
	shift
	need_root
	need_layer
	need_mount_namespace
	mkdir -p "$dir"
	run unshare -m sh -c 'mount -t proc proc "$1" || exit 99
		shift; exec "$@"' sh "$dir" "$LINKGUARD_BIN" "$@" -- \
		"$LG_PROBE" write "$dir/sys/kernel/core_pattern" "$(cat /proc/sys/kernel/core_pattern)"
	[ "$status" != 99 ] || skip "can not mount proc here: $output"
	assert_line "err EACCES"
}
@test "root | /proc mounted again elsewhere: core_pattern through it refused (EACCES)" {
	proc_at "$BATS_TEST_TMPDIR/.outside.proc" --root "$ROOT"
}
@test "root | a root with /proc mounted inside it (a chroot's): core_pattern through it refused" {
	proc_at "$ROOT/proc" --root "$ROOT"
}

@test "root | module loading (finit_module): refused (EPERM)" {
	need_root
	need_layer
	echo "not a module" >"$ROOT/fake.ko"
	run "$LG_PROBE" finit-module "$ROOT/fake.ko"
	[ "$output" != "err EPERM" ] || skip "this machine refuses module loading to root anyway"
	run lg --root "$ROOT" -- "$LG_PROBE" finit-module "$ROOT/fake.ko"
	assert_line "err EPERM"
}

# A block device in /dev, for opening only.
block_device() {
	BLOCK=$(find /dev -maxdepth 1 -type b | sort | head -1)
	[ -n "$BLOCK" ] || skip "no block device in /dev"
}

@test "root | raw block device in /dev: opening it for writing is refused (EACCES)" {
	need_root
	need_layer
	block_device
	run "$LG_PROBE" open "$BLOCK" wo
	[ "$output" != "err EACCES" ] || skip "root can not open $BLOCK here anyway: $output"
	run lg --root "$ROOT" -- "$LG_PROBE" open "$BLOCK" wo
	assert_line "err EACCES"
}
@test "root | making a block device node in the root: refused (EPERM, no CAP_MKNOD)" {
	need_root
	need_layer
	run lg --root "$ROOT" -- "$LG_PROBE" mknod-block "$ROOT/blk"
	assert_line "err EPERM"
	assert_file_not_exists "$ROOT/blk"
}
@test "root | a block device node made outside /dev before the run opens for writing (documented limit); its ioctls are refused" {
	need_root
	need_layer
	need_abi 5
	mknod "$OUT/blk" b 7 0 || skip "can not make a block device node here"
	run "$LG_PROBE" blk-size "$OUT/blk"
	[ "$output" = ok ] || skip "BLKGETSIZE64 on loop0 fails here anyway: $output"
	run lg --root "$ROOT" -- "$LG_PROBE" open "$OUT/blk" wo
	assert_line ok
	run lg --root "$ROOT" -- "$LG_PROBE" blk-size "$OUT/blk"
	assert_line "err EACCES"
}

@test "root | capabilities: the command has none that reach around Landlock, and keeps a build's" {
	need_root
	need_layer
	run lg --root "$ROOT" -- sh -c 'grep -E "^Cap(Eff|Prm|Bnd):" /proc/self/status'
	assert_success
	local line mask
	for line in "${lines[@]}"; do
		mask=$((16#${line##*:[[:space:]]}))
		# 2 DAC_READ_SEARCH, 16 SYS_MODULE, 17 SYS_RAWIO, 21 SYS_ADMIN, 22 SYS_BOOT, 27 MKNOD,
		# 32 MAC_OVERRIDE, 33 MAC_ADMIN, 38 PERFMON, 39 BPF
		for cap in 2 16 17 21 22 27 32 33 38 39; do
			[ $((mask >> cap & 1)) = 0 ] || fail "capability $cap still in $line"
		done
		# 0 CHOWN, 1 DAC_OVERRIDE, 3 FOWNER, 4 FSETID, 6 SETGID, 7 SETUID
		for cap in 0 1 3 4 6 7; do
			[ $((mask >> cap & 1)) = 1 ] || fail "capability $cap dropped in $line"
		done
	done
}

@test "root | --kernel=strict: the same closures (poweroff_cmd, sysfs, /dev block device, mknod, modules)" {
	need_root
	need_layer
	local cmd=(lg --kernel=strict --root "$ROOT" --)
	if [ -w /proc/sys/kernel/poweroff_cmd ]; then
		run "${cmd[@]}" "$LG_PROBE" write /proc/sys/kernel/poweroff_cmd "$(cat /proc/sys/kernel/poweroff_cmd)"
		assert_line "err EACCES"
	fi
	if [ -w /sys/kernel/rcu_expedited ]; then
		run "${cmd[@]}" "$LG_PROBE" write /sys/kernel/rcu_expedited "$(cat /sys/kernel/rcu_expedited)"
		assert_line "err EACCES"
	fi
	BLOCK=$(find /dev -maxdepth 1 -type b | sort | head -1)
	if [ -n "$BLOCK" ]; then
		run "${cmd[@]}" "$LG_PROBE" open "$BLOCK" wo
		assert_line "err EACCES"
	fi
	run "${cmd[@]}" "$LG_PROBE" mknod-block "$ROOT/blk"
	assert_line "err EPERM"
	echo "not a module" >"$ROOT/fake.ko"
	run "${cmd[@]}" "$LG_PROBE" finit-module "$ROOT/fake.ko"
	assert_line "err EPERM"
}

# --- what the layer leaves to other tools: writing files outside the roots ------------------------
# $OUT stands for a directory a root process outside reads later (/etc/cron.d, /etc/modprobe.d).

@test "outside files | default: creating and rewriting a file outside the roots work (documented limit)" {
	need_layer
	run lg --root "$ROOT" -- sh -c 'echo job >"$1/new" && echo changed >"$1/secret"' sh "$OUT"
	assert_success
	assert_equal "$(cat "$OUT/new") $(cat "$OUT/secret")" "job changed"
}
@test "outside files | --kernel=strict: creating one is refused; rewriting an existing one in place works (documented limit)" {
	need_layer
	run lg --kernel=strict --root "$ROOT" -- "$LG_PROBE" write "$OUT/secret" changed
	assert_line ok
	assert_equal "$(cat "$OUT/secret")" changed # 7 bytes over "secret\n": written in place
	snapshot_outside
	run lg --kernel=strict --root "$ROOT" -- sh -c 'echo job >"$1/new"' sh "$OUT"
	assert_failure
	assert_file_not_exists "$OUT/new"
	assert_outside_unchanged
}

# --- root keeps what a root build needs -----------------------------------------------------------

@test "root keeps | make install DESTDIR inside the root, chown and chmod inside the root" {
	need_root
	need_layer
	command -v make >/dev/null || skip "make not installed"
	mkdir "$ROOT/src"
	echo '#!/bin/sh' >"$ROOT/src/tool"
	printf 'install:\n\tinstall -D -m 4755 -o 0 -g 0 tool $(DESTDIR)/usr/bin/tool\n\tinstall -d -m 1777 $(DESTDIR)/var/tmp\n\tln -f $(DESTDIR)/usr/bin/tool $(DESTDIR)/usr/bin/tool2\n\tmv $(DESTDIR)/usr/bin/tool2 $(DESTDIR)/var/tmp/tool3\n' >"$ROOT/src/Makefile"
	snapshot_outside
	run lg --root "$ROOT" -- sh -c 'make -C "$1/src" install DESTDIR="$1/stage" &&
		chown 1001:1001 "$1/stage/var/tmp/tool3" && chmod 0700 "$1/stage/var/tmp" &&
		chown 0:0 "$1/stage/var/tmp/tool3" && chmod 4755 "$1/stage/var/tmp/tool3"' sh "$ROOT"
	assert_success
	assert_equal "$(stat -c '%a %u %g' "$ROOT/stage/var/tmp/tool3")" "4755 0 0"
	assert_equal "$(stat -c '%a' "$ROOT/stage/var/tmp")" "700"
	assert_same_inode "$ROOT/stage/usr/bin/tool" "$ROOT/stage/var/tmp/tool3"
	assert_outside_unchanged
}
@test "root keeps | dpkg --root installs and removes a package inside the root" {
	need_root
	need_layer
	command -v dpkg-deb >/dev/null || skip "dpkg not installed"
	local pkg="$BATS_TEST_TMPDIR/.outside.pkg" r="$ROOT/sysroot"
	mkdir -p "$pkg/DEBIAN" "$pkg/usr/share/lgtest" "$r/var/lib/dpkg/info" "$r/var/lib/dpkg/updates"
	touch "$r/var/lib/dpkg/status" "$r/var/lib/dpkg/available"
	printf 'Package: lgtest-pkg\nVersion: 1\nArchitecture: all\nMaintainer: t <t@example.org>\nDescription: test\n' >"$pkg/DEBIAN/control"
	echo data >"$pkg/usr/share/lgtest/file"
	dpkg-deb --root-owner-group -b "$pkg" "$BATS_TEST_TMPDIR/.outside.deb" >/dev/null
	snapshot_outside
	run lg --root "$ROOT" -- dpkg --root="$r" --force-script-chrootless --force-not-root \
		--log=/dev/null -i "$BATS_TEST_TMPDIR/.outside.deb"
	assert_success
	assert_file_exists "$r/usr/share/lgtest/file"
	run lg --root "$ROOT" -- dpkg --root="$r" --force-script-chrootless --log=/dev/null -r lgtest-pkg
	assert_success
	assert_file_not_exists "$r/usr/share/lgtest/file"
	assert_outside_unchanged
}

# --- the seccomp filter's architecture check ------------------------------------------------------

@test "seccomp | an i386 system call (int 0x80) kills the command (SIGSYS)" {
	need_layer
	[ "$(uname -m)" = x86_64 ] || skip "x86_64 only"
	run "$LG_PROBE" i386-getpid
	[ "$output" = ok ] || skip "this kernel runs no i386 system calls: $output"
	run lg --root "$ROOT" -- "$LG_PROBE" i386-getpid
	assert_equal "$status" $((128 + 31))
	assert_output "" # not "ok": killed before it could print
}
@test "seccomp | --kernel=strict: an i386 system call kills the command, an x32 one fails with ENOSYS" {
	need_layer
	[ "$(uname -m)" = x86_64 ] || skip "x86_64 only"
	run lg --kernel=strict --root "$ROOT" -- "$LG_PROBE" i386-getpid
	assert_equal "$status" $((128 + 31))
	assert_output "$(kernel_line strict)" # the launcher's start line; not "ok": killed first
	run lg --kernel=strict --root "$ROOT" -- "$LG_PROBE" x32-getpid
	assert_line "err ENOSYS"
}
@test "seccomp | an x32 system call fails with ENOSYS" {
	need_layer
	[ "$(uname -m)" = x86_64 ] || skip "x86_64 only"
	# Where the kernel runs x32 calls ("$LG_PROBE" x32-getpid prints ok natively) only the filter
	# makes this ENOSYS; a kernel built without x32 answers ENOSYS by itself.
	run lg --root "$ROOT" -- "$LG_PROBE" x32-getpid
	assert_line "err ENOSYS"
}

# --- secure by default ----------------------------------------------------------------------------

@test "default: the kernel layer is in force without any option (LINKGUARD_KERNEL=refer)" {
	need_layer
	run lg --root "$ROOT" -- printenv LINKGUARD_KERNEL
	assert_success
	assert_output refer
	run lg --no-kernel --root "$ROOT" -- printenv LINKGUARD_KERNEL
	assert_failure
	assert_output ""
}
@test "default without Landlock: one note line, then the library alone confines" {
	snapshot_outside
	run_split "$LG_PROBE" no-landlock "$LINKGUARD_BIN" --root "$ROOT" -- "$LGCALL" link "$OUT/secret" "$ROOT/stolen"
	assert_equal "$status" 1
	assert_equal "$output" "err EACCES"
	assert_equal "$(grep -c 'linkguard: note:' <<<"$stderr")" 1
	[[ $stderr == *"linkguard: note: no kernel layer: Landlock (ABI 2 or later) is not available (Function not implemented); running with the LD_PRELOAD layer alone"* ]] ||
		fail "no note line: $stderr"
	[[ $stderr == *"linkguard: denied link("* ]] || fail "no denial: $stderr"
	assert_outside_unchanged
}
@test "default without Landlock: a static program is refused (126), as with --no-kernel" {
	[ -n "${LG_RAW_STATIC:-}" ] || skip "lg_raw_static was not built"
	run "$LG_PROBE" no-landlock "$LINKGUARD_BIN" --root "$ROOT" -- "$LG_RAW_STATIC" link "$ROOT/file" "$ROOT/l"
	assert_equal "$status" 126
	assert_output --partial "refusing to run \"$LG_RAW_STATIC\""
	assert_file_not_exists "$ROOT/l"
}
@test "explicit --kernel without Landlock: fails closed (125), the command does not run" {
	run "$LG_PROBE" no-landlock "$LINKGUARD_BIN" --kernel --root "$ROOT" -- touch "$ROOT/ran"
	assert_equal "$status" 125
	assert_output --partial "Landlock (ABI 2 or later) is not available"
	assert_file_not_exists "$ROOT/ran"
	run "$LG_PROBE" no-landlock "$LINKGUARD_BIN" --kernel=strict --root "$ROOT" -- touch "$ROOT/ran"
	assert_equal "$status" 125
	assert_file_not_exists "$ROOT/ran"
}
@test "--kernel=best-effort without Landlock: a warning, then the library alone" {
	run "$LG_PROBE" no-landlock "$LINKGUARD_BIN" --kernel=best-effort --root "$ROOT" -- touch "$ROOT/ran"
	assert_success
	assert_output --partial "linkguard: warning: Landlock is not available"
	assert_file_exists "$ROOT/ran"
}
