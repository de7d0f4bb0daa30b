# helpers.bash - shared setup of the bats suites: the artefacts under test, a fresh tree, checks.
#
# CTest passes the artefacts by environment, so the same suites run against an installed copy:
#   LINKGUARD_LIB  the preloaded library      LINKGUARD_BIN  the launcher
#   LGCALL         the one-call driver         LG_ASAN_RUNTIME  (sanitizer build) libasan to preload first

bats_load_library bats-support
bats_load_library bats-assert
bats_load_library bats-file

: "${LINKGUARD_LIB:?LINKGUARD_LIB must name liblinkguard.so (run the suites through ctest)}"
: "${LINKGUARD_BIN:?LINKGUARD_BIN must name the linkguard launcher}"
: "${LGCALL:?LGCALL must name the lgcall driver}"

if [ -n "${LG_ASAN_RUNTIME:-}" ]; then
	# The sanitizer runtime must be loaded before the instrumented shim. Uninstrumented programs
	# (mv, tar, python) leak by LeakSanitizer's standards; leaks are checked in the C tests.
	LG_PRELOAD="$LG_ASAN_RUNTIME:$LINKGUARD_LIB"
	export ASAN_OPTIONS="detect_leaks=0:verify_asan_link_order=0:abort_on_error=0:exitcode=99${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
	export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:exitcode=98"
else
	LG_PRELOAD="$LINKGUARD_LIB"
fi

# A fresh tree for each test: $ROOT (the confinement root) and $OUT (a sibling outside it).
#   $ROOT/file, $ROOT/dir/, $ROOT/dir/sub/      $OUT/secret, $OUT/dir/
lg_tree() {
	ROOT="$BATS_TEST_TMPDIR/root"
	OUT="$BATS_TEST_TMPDIR/out"
	mkdir -p "$ROOT/dir/sub" "$OUT/dir"
	echo data >"$ROOT/file"
	echo secret >"$OUT/secret"
	export ROOT OUT
}

# Run a command confined to $ROOT (or to LG_ROOT when set) through plain LD_PRELOAD.
shim() {
	env LD_PRELOAD="$LG_PRELOAD" LINKGUARD_ROOT="${LG_ROOT-$ROOT}" "$@"
}

# The driver, confined; and the driver, native (for comparing errnos).
lgcall() {
	shim "$LGCALL" "$@"
}
native() {
	"$LGCALL" "$@"
}

# Everything outside the root: path, inode, link count, type and symlink target, one a line.
outside_state() {
	find "$BATS_TEST_TMPDIR" \( -path "$ROOT" -o -name '.outside.*' -o -name 'separate-stderr-*' \) -prune -o \
		-printf '%p %i %n %y %l\n' | sort
}

# Take a snapshot of the outside now; assert_outside_unchanged compares with it later.
snapshot_outside() {
	outside_state >"$BATS_TEST_TMPDIR/.outside.before"
}
assert_outside_unchanged() {
	outside_state >"$BATS_TEST_TMPDIR/.outside.after"
	run diff "$BATS_TEST_TMPDIR/.outside.before" "$BATS_TEST_TMPDIR/.outside.after"
	assert_success
}

inode_of() {
	stat -c %i "$1"
}
links_of() {
	stat -c %h "$1"
}

# assert_same_inode A B: A and B are hard links to one file.
assert_same_inode() {
	assert_equal "$(inode_of "$1")" "$(inode_of "$2")"
}

# lg ARG...: the launcher, with the sanitizer runtime preloaded in sanitizer builds (the launcher
# keeps it in front of the library it adds).
lg() {
	LD_PRELOAD="${LG_ASAN_RUNTIME:-}" "$LINKGUARD_BIN" "$@"
}

# run_split [-N] CMD...: like run, but $output holds stdout only and $stderr the standard error,
# kept in a file that outside_state leaves out.
run_split() {
	local expect=()
	if [[ "$1" == -[0-9]* ]]; then
		expect=("$1")
		shift
	fi
	run "${expect[@]}" stderr_to "$BATS_TEST_TMPDIR/.outside.stderr" "$@"
	stderr=$(cat "$BATS_TEST_TMPDIR/.outside.stderr")
}
stderr_to() {
	local file=$1
	shift
	"$@" 2>"$file"
}

# --- for the suites that compare calls with the kernel and check every denial -------------------

# LG_BACKEND=walk (or auto) runs a suite against one resolver backend.
if [ -n "${LG_BACKEND:-}" ]; then
	export LINKGUARD_RESOLVER="$LG_BACKEND"
fi

# Every entry under $ROOT with its inode, link count, type and symlink target.
root_state() {
	find "$ROOT" -printf '%p %i %n %y %l\n' | sort
}

# What is outside the root now (outside_state leaves out the test machinery's own files).
outside_now() {
	outside_state
}

# freeze / assert_nothing_changed: nothing inside or outside the root changes in between.
freeze() {
	OUTSIDE_BEFORE=$(outside_now)
	ROOT_BEFORE=$(root_state)
}
assert_outside_same() {
	assert_equal "$(outside_now)" "$OUTSIDE_BEFORE"
}
assert_nothing_changed() {
	assert_equal "$(root_state)" "$ROOT_BEFORE"
	assert_outside_same
}

# The last `run` printed exactly "ok": the call succeeded, left errno alone (no
# "errno-clobbered") and, stderr being part of $output under plain `run`, wrote no diagnostic.
assert_ok() {
	assert_equal "$output" "ok"
	assert_equal "$status" 0
}

# assert_denied CALL OLD NEW: the last `run --separate-stderr` failed with EACCES and wrote
# exactly one line `linkguard: denied CALL("OLD", "NEW"): REASON`, where CALL may also be
# spelled SYS_CALL. OLD and NEW may be globs.
assert_denied() {
	assert_equal "$output" "err EACCES"
	assert_equal "$status" 1
	assert_equal "${#stderr_lines[@]}" 1
	# shellcheck disable=SC2027 # OLD and NEW are left unquoted inside the pattern: globs
	[[ $stderr == "linkguard: denied $1(\""$2"\", \""$3"\"): "?* ||
		$stderr == "linkguard: denied SYS_$1(\""$2"\", \""$3"\"): "?* ]] ||
		fail "unexpected diagnostic: $stderr"
}

# A twin of $ROOT, named so that absolute paths into either have the same length.
TWIN_NAME=twin

# same_as_native EXPECTED ARGS...: run `lgcall ARGS` natively in a fresh copy of $ROOT and
# confined in $ROOT, each from its tree's root and with "@R" in an argument replaced by that
# root; both must print EXPECTED, the confined run must print no diagnostic, and both trees
# must end up alike (names, types, link counts, symlink targets). Absolute symlinks would point
# both trees at $ROOT: give such tests relative symlinks only.
same_as_native() {
	local want=$1 twin="${BATS_TEST_TMPDIR:?}/$TWIN_NAME" a
	local -a n=() s=()
	shift
	rm -rf "$twin"
	cp -a "$ROOT" "$twin"
	for a in "$@"; do
		n+=("${a//@R/$twin}")
		s+=("${a//@R/$ROOT}")
	done
	run --separate-stderr native -C "$twin" "${n[@]}"
	assert_equal "$output" "$want"
	run --separate-stderr lgcall -C "$ROOT" "${s[@]}"
	assert_equal "$output" "$want"
	assert_equal "$stderr" ""
	assert_equal "$(cd "$ROOT" && find . -printf '%p %y %n %l\n' | sort)" \
		"$(cd "$twin" && find . -printf '%p %y %n %l\n' | sort)"
}

# assert_refused: the last run failed (EACCES or the kernel's errno), not "ok".
assert_refused() {
	assert_equal "$status" 1
	[[ $output == "err E"* ]] || fail "expected a failure, got: $output"
}

# denied CALL OLD NEW -- LGCALL-ARGS...: the confined call fails with EACCES, writes one
# diagnostic naming CALL, OLD and NEW, and nothing changes inside or outside the root.
denied() {
	local call=$1 old=$2 new=$3
	shift 4
	freeze
	run --separate-stderr lgcall "$@"
	assert_denied "$call" "$old" "$new"
	assert_nothing_changed
}


# --- i14t: the attack suites' helpers, and skips that can not hide a regression ----------------

# as_comments LINE...: show lines (a program's TAP) as comments of this suite's TAP.
as_comments() {
	printf '%s\n' "$@" | awk '{ print (substr($0, 1, 1) == "#" ? $0 : "# " $0) }' >&3
}

# use_backend default|walk: LINKGUARD_RESOLVER unset (openat2 where the kernel has it), or walk.
use_backend() {
	if [ "$1" = default ]; then
		unset LINKGUARD_RESOLVER
	else
		export LINKGUARD_RESOLVER=$1
	fi
}

# symlink_as_itself SYMLINK CALL OLD NEW: `lgcall -C $ROOT CALL OLD NEW` succeeds and leaves
# NEW a symlink, the very one $ROOT/SYMLINK is: linked or moved as itself, not followed.
symlink_as_itself() {
	run lgcall -C "$ROOT" "$2" "$3" "$4"
	assert_ok
	[ -L "$ROOT/$4" ]
	assert_same_inode "$ROOT/$1" "$ROOT/$4"
}

# bats's own skip, kept for require_root before LG_TESTS_MUST_WORK may replace skip below.
if declare -F skip >/dev/null; then
	eval "lg_bats_skip() $(declare -f skip | tail -n +2)"
fi

# LG_TESTS_MUST_WORK=1 (CI sets it): every skip is a failure, so that a test that stopped
# running (a tool missing, a probe that no longer matches) can not pass unnoticed.
if [ "${LG_TESTS_MUST_WORK:-}" = 1 ]; then
	skip() {
		fail "skipped (${1:-no reason given}), and LG_TESTS_MUST_WORK=1 allows no skip"
	}
fi

# require_root: skip with "needs root" unless the suite runs as root. The one skip that
# LG_TESTS_MUST_WORK leaves alone: CI runs the whole suite as root, where it never skips, and
# again as an unprivileged user, where such a test can not run.
require_root() {
	if [ "$(id -u)" -ne 0 ]; then
		lg_bats_skip "needs root"
	fi
}

# --- i10c: the suites as an unprivileged user, and cases run both as root and as a user ---------
# .ci/run runs the whole suite a second time as a user (lgtest). A test that can only run as root
# says so with require_root (i14t's, above); a case where privilege matters runs as root and as
# the user.

# lg_test_user: the unprivileged user as_who runs commands as, from root: LG_TEST_USER, else
# lgtest (CI creates it), else nobody.
lg_test_user() {
	local u
	for u in "${LG_TEST_USER:-}" lgtest nobody; do
		if [ -n "$u" ] && id -u "$u" >/dev/null 2>&1 && [ "$(id -u "$u")" != 0 ]; then
			echo "$u"
			return
		fi
	done
	fail "no unprivileged user to run as (set LG_TEST_USER)"
}

# lg_identities: who a privilege-sensitive case runs as: "root user" when the suite runs as
# root, "user" (itself) when it runs as a user.
lg_identities() {
	if [ "$(id -u)" = 0 ]; then
		echo root user
	else
		echo user
	fi
}

# as_who WHO CMD...: run CMD as root (WHO=root: as we are) or as the unprivileged user (WHO=user:
# through setpriv when the suite runs as root, as we are otherwise). The environment is kept.
as_who() {
	local who=$1 u
	shift
	if [ "$who" = root ] || [ "$(id -u)" != 0 ]; then
		"$@"
		return
	fi
	u=$(lg_test_user)
	setpriv --reuid="$(id -u "$u")" --regid="$(id -g "$u")" --clear-groups "$@"
}

# user_scratch WHO: a fresh directory WHO owns and can reach ($BATS_TEST_TMPDIR lies below a
# directory only root can enter), in $SCRATCH; remove_scratch removes it (call it in teardown).
user_scratch() {
	SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/lg-scratch.XXXXXX")
	chmod 755 "$SCRATCH"
	if [ "$1" = user ] && [ "$(id -u)" = 0 ]; then
		chown "$(lg_test_user):" "$SCRATCH"
	fi
	export SCRATCH
}
remove_scratch() {
	if [ -n "${SCRATCH:-}" ] && [ -d "$SCRATCH" ]; then
		chmod -R u+rwx "$SCRATCH"
		rm -rf "$SCRATCH"
	fi
}

# --- i12: the launcher's messages -----------------------------------------------------------------

# kernel_line MODE: the line the launcher prints once at start when --kernel[=MODE] is in force.
kernel_line() {
	case $1 in
	refer) echo "linkguard: kernel layer in force (Landlock, refer): a link or rename between directories out of the roots that escapes the library fails with EXDEV" ;;
	strict) echo "linkguard: kernel layer in force (Landlock, strict): what escapes the library fails in the kernel, EXDEV for a link or rename out of the roots, EACCES for creating, removing or replacing entries outside them" ;;
	esac
}

# --- i15: a library built for another libc or architecture (musl; aarch64 under qemu-user) ------
# LG_FOREIGN_LIB, set by CTest, names the platform the library and the driver were built for when
# it is not this machine's own (glibc, native): the driver runs on it (directly, or through
# qemu-user), but this machine's programs (mv, python3, bash) can not load the library.

# platform_skip REASON: skip a test that can not exist on this platform (a system call the
# architecture lacks, a host program that can not load a foreign library). Like require_root's,
# LG_TESTS_MUST_WORK leaves it alone: a missing tool still fails, a platform's nature does not.
platform_skip() {
	lg_bats_skip "$1"
}

# require_host_preload PROGRAM: skip, saying why, a test that preloads the library into PROGRAM,
# one of this machine's own programs, when the library is built for another platform.
require_host_preload() {
	if [ -n "${LG_FOREIGN_LIB:-}" ]; then
		platform_skip "preloads the library into this machine's $1; the library is built for $LG_FOREIGN_LIB"
	fi
}

# userns_now: the user namespace this shell runs in, as the library hands it to a child in
# LINKGUARD_USERNS: the kernel's spelling of the link ("user:[4026531837]").
userns_now() {
	readlink /proc/self/ns/user
}
