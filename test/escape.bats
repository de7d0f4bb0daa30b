#!/usr/bin/env bats
# escape.bats - every way out of the root, each denied with EACCES, one diagnostic and no change;
# the near misses that must stay allowed; the Go os.Root and openat2 RESOLVE_BENEATH case tables.
#
# Run against one resolver backend with LG_BACKEND=walk (or auto); unset, the library chooses.

# shellcheck disable=SC2154 # $stderr and $stderr_lines come from bats: run --separate-stderr
bats_require_minimum_version 1.5.0
load helpers

setup() {
	lg_tree
}

# stop_racer: stop race_exchange's helper, if one runs.
stop_racer() {
	if [ -n "${RACER_PID:-}" ]; then
		kill "$RACER_PID" 2>/dev/null || true
		wait "$RACER_PID" 2>/dev/null || true
		RACER_PID=
	fi
}

teardown() {
	stop_racer # a racing helper started by a test that failed half-way
}

# linked NEW -- LGCALL-ARGS...: the confined link call succeeds and NEW is $ROOT/file.
linked() {
	local new=$1
	shift 2
	run lgcall "$@"
	assert_ok
	assert_same_inode "$ROOT/file" "$new"
}

# --- absolute paths -------------------------------------------------------------------------

@test "absolute target outside the root is denied (link and rename)" {
	denied link "$ROOT/file" "$OUT/x" -- link "$ROOT/file" "$OUT/x"
	denied rename "$ROOT/file" "$OUT/x" -- rename "$ROOT/file" "$OUT/x"
}

@test "absolute source outside the root is denied (link and rename)" {
	denied link "$OUT/secret" "$ROOT/x" -- link "$OUT/secret" "$ROOT/x"
	denied rename "$OUT/secret" "$ROOT/x" -- rename "$OUT/secret" "$ROOT/x"
}

@test "absolute paths outside on both sides are denied" {
	denied rename "$OUT/secret" "$OUT/dir/x" -- rename "$OUT/secret" "$OUT/dir/x"
	denied link /etc/hostname "$OUT/x" -- link /etc/hostname "$OUT/x"
}

@test "prefix trick: /x/root does not contain /x/rootevil (absolute)" {
	mkdir "${ROOT}evil"
	echo evil >"${ROOT}evil/f"
	denied link "$ROOT/file" "${ROOT}evil/x" -- link "$ROOT/file" "${ROOT}evil/x"
	denied rename "${ROOT}evil/f" "$ROOT/x" -- rename "${ROOT}evil/f" "$ROOT/x"
	denied rename "$ROOT/file" "${ROOT}evil" -- rename "$ROOT/file" "${ROOT}evil"
}

@test "prefix trick: rootevil from a cwd outside, and through symlinks in the root" {
	mkdir "${ROOT}evil"
	ln -s ../rootevil "$ROOT/rel"
	ln -s "${ROOT}evil" "$ROOT/abs"
	denied link root/file rootevil/x -- -C "$BATS_TEST_TMPDIR" link root/file rootevil/x
	denied link file rel/x -- -C "$ROOT" link file rel/x
	denied link file abs/x -- -C "$ROOT" link file abs/x
}

# --- .. -------------------------------------------------------------------------------------

@test ".. climbing out of the root is denied (../out/x)" {
	denied link file ../out/x -- -C "$ROOT" link file ../out/x
	denied rename ../out/secret x -- -C "$ROOT" rename ../out/secret x
}

@test "dir/../../out/x climbing out is denied" {
	denied link file dir/../../out/x -- -C "$ROOT" link file dir/../../out/x
	denied rename dir/sub/../../../out/secret x -- -C "$ROOT" rename dir/sub/../../../out/secret x
}

@test ".. climbing out of an absolute path is denied (/x/root/../out/x)" {
	denied link "$ROOT/file" "$ROOT/../out/x" -- link "$ROOT/file" "$ROOT/../out/x"
	denied link "$ROOT/dir/../../out/secret" "$ROOT/x" -- link "$ROOT/dir/../../out/secret" "$ROOT/x"
}

@test "enter, leave and re-enter: ../root/file from cwd=root is denied" {
	denied link ../root/file new -- -C "$ROOT" link ../root/file new
	denied link file ../root/new -- -C "$ROOT" link file ../root/new
	denied rename ../root/file new -- -C "$ROOT" rename ../root/file new
}

@test "enter, leave and re-enter: /x/root/../root/file is denied" {
	denied link "$ROOT/../root/file" "$ROOT/new" -- link "$ROOT/../root/file" "$ROOT/new"
	denied link "$ROOT/file" "$ROOT/dir/../../root/new" -- link "$ROOT/file" "$ROOT/dir/../../root/new"
}

@test "enter, leave and re-enter from a cwd outside: root/../root/file is denied" {
	denied link root/../root/file root/new -- -C "$BATS_TEST_TMPDIR" link root/../root/file root/new
}

@test "cwd outside the root: root/file (entering the root) is allowed" {
	linked "$ROOT/new" -- -C "$BATS_TEST_TMPDIR" link root/file root/new
}

@test "cwd outside the root: leading .. on the physical cwd, then entering (../root/file) is allowed" {
	linked "$ROOT/dir/new" -- -C "$OUT/dir" link ../../root/file ../../root/dir/new
}

@test "cwd outside the root: a path that enters and leaves (root/../out/x) is denied" {
	denied link root/file root/../out/x -- -C "$BATS_TEST_TMPDIR" link root/file root/../out/x
}

@test "cwd outside the root: a path that never enters (out/x) is denied" {
	denied link root/file out/x -- -C "$BATS_TEST_TMPDIR" link root/file out/x
	denied rename out/secret root/x -- -C "$BATS_TEST_TMPDIR" rename out/secret root/x
}

@test "cwd through a symlink to the root: its physical place (inside) decides" {
	ln -s root "$BATS_TEST_TMPDIR/alias"
	linked "$ROOT/new" -- -C "$BATS_TEST_TMPDIR/alias" link file new
	denied link ../out/secret x -- -C "$BATS_TEST_TMPDIR/alias" link ../out/secret x
}

# --- symlinks -------------------------------------------------------------------------------

@test "relative symlink out (esc -> ../out) is denied as a middle component" {
	ln -s ../out "$ROOT/esc"
	denied link file esc/x -- -C "$ROOT" link file esc/x
	denied link esc/secret x -- -C "$ROOT" link esc/secret x
	denied rename esc/secret x -- -C "$ROOT" rename esc/secret x
	denied rename file esc/x -- -C "$ROOT" rename file esc/x
}

@test "absolute symlink out (aesc -> /x/out) is denied as a middle component" {
	ln -s "$OUT" "$ROOT/dir/aesc"
	denied link "$ROOT/dir/aesc/secret" "$ROOT/x" -- link "$ROOT/dir/aesc/secret" "$ROOT/x"
	denied rename "$ROOT/file" "$ROOT/dir/aesc/x" -- rename "$ROOT/file" "$ROOT/dir/aesc/x"
}

@test "symlink to the root's parent (up -> ..) is denied" {
	ln -s .. "$ROOT/up"
	denied link file up/out/x -- -C "$ROOT" link file up/out/x
}

@test "symlink out then back in (back -> ../root) is denied" {
	ln -s ../root "$ROOT/back"
	denied link file back/x -- -C "$ROOT" link file back/x
	denied link back/file x -- -C "$ROOT" link back/file x
}

@test "symlink to / (slash -> /) is denied" {
	ln -s / "$ROOT/slash"
	denied link file slash/linkguard-test-x -- -C "$ROOT" link file slash/linkguard-test-x
	[ ! -e /linkguard-test-x ]
}

@test "symlink chain out (c1 -> c2 -> c3 -> ../out) is denied" {
	ln -s c2 "$ROOT/c1"
	ln -s dir/c3 "$ROOT/c2"
	ln -s ../../out "$ROOT/dir/c3"
	denied link file c1/x -- -C "$ROOT" link file c1/x
	denied rename c1/secret x -- -C "$ROOT" rename c1/secret x
}

@test "symlink chain through an absolute link out is denied" {
	ln -s "$ROOT/dir/c2" "$ROOT/c1"
	ln -s "$OUT/dir" "$ROOT/dir/c2"
	denied link file c1/x -- -C "$ROOT" link file c1/x
}

@test "symlink chain that stays inside is allowed" {
	ln -s c2 "$ROOT/c1"
	ln -s "$ROOT/dir/c3" "$ROOT/c2"
	ln -s sub "$ROOT/dir/c3"
	linked "$ROOT/dir/sub/new" -- -C "$ROOT" link file c1/new
}

@test "symlink loop (loop -> loop) gives ELOOP and changes nothing" {
	ln -s loop "$ROOT/loop"
	freeze
	run lgcall -C "$ROOT" link file loop/x
	assert_output "err ELOOP"
	run lgcall -C "$ROOT" rename file loop/x
	assert_output "err ELOOP"
	assert_nothing_changed
}

@test "symlink loop of two (la -> lb -> la) gives ELOOP and changes nothing" {
	ln -s lb "$ROOT/la"
	ln -s dir/../la "$ROOT/lb"
	freeze
	run lgcall link "$ROOT/la/x" "$ROOT/y"
	assert_output "err ELOOP"
	assert_nothing_changed
}

@test ".. after a symlink is physical: dl -> dir/sub, dl/../x is dir/x" {
	ln -s dir/sub "$ROOT/dl"
	linked "$ROOT/dir/x" -- -C "$ROOT" link file dl/../x
	[ ! -e "$ROOT/x" ]
}

@test ".. after a symlink is physical: dl/../../x stays inside although it looks like ../x" {
	ln -s dir/sub "$ROOT/dl"
	linked "$ROOT/x" -- -C "$ROOT" link file dl/../../x
}

@test ".. after a symlink is physical: od -> ../out/dir, od/../x is out/x, denied" {
	ln -s ../out/dir "$ROOT/od"
	denied link file od/../x -- -C "$ROOT" link file od/../x
	[ ! -e "$ROOT/x" ]
}

@test "absolute symlink under the root in a middle component is allowed" {
	ln -s "$ROOT/dir" "$ROOT/adir"
	linked "$ROOT/dir/sub/new" -- -C "$ROOT" link adir/../file adir/sub/new
}

@test "absolute symlink to the root itself (self -> /x/root) is allowed" {
	ln -s "$ROOT" "$ROOT/dir/self"
	linked "$ROOT/new" -- -C "$ROOT" link dir/self/file dir/self/new
}

@test "absolute symlink under the root followed by .. out of it is denied" {
	ln -s "$ROOT" "$ROOT/dir/self"
	denied link file dir/self/../out/x -- -C "$ROOT" link file dir/self/../out/x
}

@test "a final symlink out is not followed by link, rename or linkat(0)" {
	ln -s "$OUT/secret" "$ROOT/osl"
	OUTSIDE_BEFORE=$(outside_now)
	symlink_as_itself osl link osl osl2
	symlink_as_itself osl rename osl2 dir/osl3
	assert_outside_same
}

@test "a final symlink out is followed by linkat AT_SYMLINK_FOLLOW only to be denied" {
	ln -s ../out/secret "$ROOT/osl"
	denied linkat osl new -- -C "$ROOT" linkat cwd osl cwd new AT_SYMLINK_FOLLOW
}

# --- directory descriptors ------------------------------------------------------------------

@test "dirfd opened outside the root with a relative path is denied" {
	denied linkat secret x -- linkat "dir:$OUT" secret "dir:$ROOT" x 0
	denied linkat file x -- linkat "dir:$ROOT" file "dir:$OUT" x 0
	denied renameat secret x -- renameat "path:$OUT" secret "dir:$ROOT" x
	denied renameat2 file x -- renameat2 "dir:$ROOT" file "path:$OUT/dir" x 0
}

@test "dirfd opened outside the root with a path entering it (root/file) is allowed" {
	linked "$ROOT/dir/new" -- linkat "dir:$BATS_TEST_TMPDIR" root/file "path:$BATS_TEST_TMPDIR" root/dir/new 0
}

@test "dirfd opened outside the root with .. then entering it is allowed" {
	linked "$ROOT/new" -- linkat "dir:$OUT/dir" ../../root/file "dir:$OUT" ../root/new 0
}

@test "dirfd opened inside the root is allowed" {
	linked "$ROOT/dir/sub/new" -- linkat "dir:$ROOT/dir" ../file "path:$ROOT/dir/sub" new 0
}

@test "dirfd opened inside the root with .. climbing out is denied" {
	denied linkat ../../out/secret x -- linkat "dir:$ROOT/dir" ../../out/secret "dir:$ROOT" x 0
	denied renameat file ../../out/x -- renameat "dir:$ROOT" file "dir:$ROOT/dir" ../../out/x
}

@test "dirfd of the root with .. is denied (..)" {
	denied linkat file ../out/x -- linkat "dir:$ROOT" file "dir:$ROOT" ../out/x 0
}

@test "dirfd opened through a symlink to the root counts as inside" {
	ln -s root "$BATS_TEST_TMPDIR/alias"
	linked "$ROOT/new" -- linkat "dir:$BATS_TEST_TMPDIR/alias" file "dir:$BATS_TEST_TMPDIR/alias" new 0
}

# --- /proc and /dev/fd ----------------------------------------------------------------------

@test "/proc/self/cwd/... is denied even when the cwd is the root" {
	denied link /proc/self/cwd/file /proc/self/cwd/new -- -C "$ROOT" link /proc/self/cwd/file /proc/self/cwd/new
	denied rename /proc/self/cwd/file new -- -C "$ROOT" rename /proc/self/cwd/file new
	denied link file /proc/self/cwd/new -- -C "$ROOT" link file /proc/self/cwd/new
}

@test "/proc/self/root/... spelling the root is denied" {
	denied link "/proc/self/root$ROOT/file" "$ROOT/new" -- link "/proc/self/root$ROOT/file" "$ROOT/new"
	denied rename "$ROOT/file" "/proc/self/root$ROOT/new" -- rename "$ROOT/file" "/proc/self/root$ROOT/new"
}

@test "/proc/self/fd/N/... in a middle component is denied, even for a dir inside" {
	denied linkat "/proc/self/fd/*/file" new -- linkat "dir:$ROOT" /proc/self/fd/%o/file "dir:$ROOT" new 0
	denied linkat file "/proc/self/fd/*/new" -- linkat "dir:$ROOT" file "dir:$ROOT/dir" /proc/self/fd/%n/new 0
}

@test "/proc/self/fd/N of a file outside with AT_SYMLINK_FOLLOW is denied" {
	denied linkat "/proc/self/fd/*" "$ROOT/new" -- linkat "file:$OUT/secret" /proc/self/fd/%o cwd "$ROOT/new" AT_SYMLINK_FOLLOW
}

@test "/dev/fd/N of a file outside with AT_SYMLINK_FOLLOW is denied" {
	denied linkat "/dev/fd/*" new -- linkat "file:$OUT/secret" /dev/fd/%o "dir:$ROOT" new AT_SYMLINK_FOLLOW
}

@test "symlink in the root to /proc/self/cwd is denied as a middle component" {
	ln -s /proc/self/cwd "$ROOT/pc"
	denied link file pc/new -- -C "$ROOT" link file pc/new
	denied link pc/file new -- -C "$ROOT" link pc/file new
}

@test "symlink in the root to /proc/self/root is denied as a middle component (procroot)" {
	ln -s /proc/self/root "$ROOT/procroot"
	denied link "procroot$ROOT/file" new -- -C "$ROOT" link "procroot$ROOT/file" new
}

@test "final symlink to /proc/self/exe: linked as itself, denied with AT_SYMLINK_FOLLOW (procexe)" {
	ln -s /proc/self/exe "$ROOT/procexe"
	run lgcall -C "$ROOT" link procexe procexe2
	assert_ok
	[ -L "$ROOT/procexe2" ]
	assert_same_inode "$ROOT/procexe" "$ROOT/procexe2"
	denied linkat procexe new -- -C "$ROOT" linkat cwd procexe cwd new AT_SYMLINK_FOLLOW
}

# --- the root spelled through a symlink -----------------------------------------------------

@test "LINKGUARD_ROOT through a symlink: the given spelling works" {
	ln -s root "$BATS_TEST_TMPDIR/alias"
	local A="$BATS_TEST_TMPDIR/alias"
	LG_ROOT=$A linked "$ROOT/new" -- link "$A/file" "$A/new"
}

@test "LINKGUARD_ROOT through a symlink: the canonical spelling works" {
	ln -s root "$BATS_TEST_TMPDIR/alias"
	LG_ROOT="$BATS_TEST_TMPDIR/alias" linked "$ROOT/dir/new" -- link "$ROOT/file" "$ROOT/dir/new"
}

@test "LINKGUARD_ROOT through a symlink: mixed spellings and relative paths work" {
	ln -s root "$BATS_TEST_TMPDIR/alias"
	local A="$BATS_TEST_TMPDIR/alias"
	LG_ROOT=$A linked "$ROOT/new" -- link "$ROOT/file" "$A/new"
	LG_ROOT=$A linked "$ROOT/dir/new" -- -C "$ROOT/dir" link ../file new
}

@test "LINKGUARD_ROOT through a symlink: an absolute symlink under the given spelling is inside" {
	ln -s root "$BATS_TEST_TMPDIR/alias"
	ln -s "$BATS_TEST_TMPDIR/alias/dir" "$ROOT/viaalias"
	LG_ROOT="$BATS_TEST_TMPDIR/alias" linked "$ROOT/dir/new" -- -C "$ROOT" link file viaalias/new
}

@test "LINKGUARD_ROOT through a symlink: escapes are still denied under both spellings" {
	ln -s root "$BATS_TEST_TMPDIR/alias"
	local A="$BATS_TEST_TMPDIR/alias"
	LG_ROOT=$A denied link "$A/file" "$OUT/x" -- link "$A/file" "$OUT/x"
	LG_ROOT=$A denied link "$A/file" "$A/../out/x" -- link "$A/file" "$A/../out/x"
	LG_ROOT=$A denied link "$ROOT/file" "$ROOT/../out/x" -- link "$ROOT/file" "$ROOT/../out/x"
	LG_ROOT=$A denied rename "$A/file" "$A" -- rename "$A/file" "$A"
}

@test "LINKGUARD_ROOT canonical: a path through an outside symlink to the root is outside" {
	ln -s root "$BATS_TEST_TMPDIR/alias"
	denied link "$BATS_TEST_TMPDIR/alias/file" "$ROOT/new" -- link "$BATS_TEST_TMPDIR/alias/file" "$ROOT/new"
}

# --- several roots --------------------------------------------------------------------------

@test "several roots: a link from one root into another is allowed" {
	local R2="$BATS_TEST_TMPDIR/root2"
	mkdir "$R2"
	LG_ROOT="$ROOT:$R2" linked "$R2/new" -- link "$ROOT/file" "$R2/new"
}

@test "several roots: .. from one root into another is denied" {
	local R2="$BATS_TEST_TMPDIR/root2"
	mkdir "$R2"
	LG_ROOT="$ROOT:$R2" denied link "$ROOT/file" "$ROOT/../root2/new" -- link "$ROOT/file" "$ROOT/../root2/new"
	ln -s ../root2 "$ROOT/r2"
	LG_ROOT="$ROOT:$R2" denied link file r2/new -- -C "$ROOT" link file r2/new
}

@test "several roots: an absolute symlink under the other root continues inside it" {
	local R2="$BATS_TEST_TMPDIR/root2"
	mkdir "$R2"
	ln -s "$R2" "$ROOT/r2"
	LG_ROOT="$ROOT:$R2" linked "$R2/new" -- -C "$ROOT" link file r2/new
	LG_ROOT="$ROOT:$R2" denied link file r2/../out/x -- -C "$ROOT" link file r2/../out/x
}

@test "several roots: nested roots, .. out of the inner one is denied" {
	LG_ROOT="$ROOT:$ROOT/dir" linked "$ROOT/dir/new" -- link "$ROOT/file" "$ROOT/dir/sub/../new"
	LG_ROOT="$ROOT:$ROOT/dir" denied link "$ROOT/dir/../file" "$ROOT/x" -- link "$ROOT/dir/../file" "$ROOT/x"
}

# --- races: a concurrent rename or symlink swap may make a call fail, never escape ----------------

# race_victim SECONDS OLD NEW INSIDE LEAK: confined, link OLD to NEW (cwd $ROOT) again and again.
# After each success it fails if LEAK (where an escaped link would land) exists; otherwise it
# removes the new link through a descriptor of INSIDE (the directory that must hold it, opened
# without following symlinks), never through NEW, which could be redirected. Prints
# "tries successes".
race_victim() {
	shim python3 -c '
import os, sys, time
secs, old, new, inside, leak = float(sys.argv[1]), *sys.argv[2:6]
name = os.path.basename(new)
while True:
    try:
        ifd = os.open(inside, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
        break
    except OSError:
        pass
end, tries, ok = time.time() + secs, 0, 0
while time.time() < end:
    tries += 1
    try:
        os.link(old, new, follow_symlinks=False)
    except OSError:
        continue
    ok += 1
    if os.path.lexists(leak):
        print("escaped to", leak, "on try", tries)
        sys.exit(1)
    try:
        os.unlink(name, dir_fd=ifd)
    except OSError:
        pass
print(tries, ok)
' "$@" 2>/dev/null
}

# race_exchange A B: natively, swap A and B with RENAME_EXCHANGE for ever (in the background).
race_exchange() {
	python3 -c '
import ctypes, sys
libc = ctypes.CDLL(None, use_errno=True)
a, b = sys.argv[1].encode(), sys.argv[2].encode()
while True:
    libc.renameat2(-100, a, -100, b, 2)
' "$@" 3>&- &
	RACER_PID=$!
}

# victim_contained NAME VICTIM-ARGS...: race_victim VICTIM-ARGS from the root, while the racer
# runs, never escapes: it succeeds, and no NAME appears anywhere outside the root.
victim_contained() {
	local name=$1
	shift
	cd "$ROOT"
	run race_victim "$@"
	kill "$RACER_PID" # fails when the racer died early, and then nothing raced
	stop_racer
	assert_success
	run find "$BATS_TEST_TMPDIR" -path "$ROOT" -prune -o -name "$name" -print
	assert_output ""
}

@test "race: a directory swapped out of the root during .. never lets the link escape" {
	require_host_preload python3
	# As the kernel's rename_attack_test: c/.. again and again widens the window in which c
	# sits outside ($OUT/c lets an escaped walk go on), so that without the shim links escape.
	mkdir -p "$ROOT/a/c" "$OUT/b" "$OUT/c"
	local path="a/" i
	for ((i = 0; i < 200; i++)); do path+="c/../"; done
	race_exchange "$ROOT/a/c" "$OUT/b"
	victim_contained lgx 3 file "${path}../lgx" "$ROOT" "$BATS_TEST_TMPDIR/lgx"
}

@test "race: a directory swapped with a symlink out never lets the link escape" {
	require_host_preload python3
	mkdir "$ROOT/s"
	ln -s ../out/dir "$ROOT/s_alt"
	race_exchange "$ROOT/s" "$ROOT/s_alt"
	victim_contained lgy 3 file s/lgy "$ROOT/s" "$OUT/dir/lgy"
}

# --- Go os.Root: rootTestCases, adapted -----------------------------------------------------
# Go's ROOT is our root, whose name is "root". Our differences from Go: absolute paths and
# absolute symlinks under the root are allowed; an escape is EACCES. Each case runs three
# calls, each on a fresh layout:
#   link(OPEN, "destination")             the final component is not followed
#   linkat(OPEN, "destination", FOLLOW)   every symlink is followed (Go's Open)
#   rename("source", OPEN)                the final component is not followed (Go's RenameTo)

# go_mkfs ENTRY...: a fresh $ROOT holding Go's makefs layout: "d/" a directory, "f" a file
# holding its own name, "a => b" a symlink; $ABS in a target stands for $ROOT.
go_mkfs() {
	local e name target
	rm -rf "$ROOT"
	mkdir "$ROOT"
	for e in "$@"; do
		case $e in
		*" => "*)
			name=${e%% => *}
			target=${e#* => }
			go_parent "$name"
			ln -s "${target//\$ABS/$ROOT}" "$ROOT/$name"
			;;
		*/) mkdir -p "$ROOT/$e" ;;
		*)
			go_parent "$e"
			echo "$e" >"$ROOT/$e"
			;;
		esac
	done
}

# go_parent NAME: make the directory that holds $ROOT/NAME (cheaply: one process at most).
go_parent() {
	case $1 in
	*/*) [ -d "$ROOT/${1%/*}" ] || mkdir -p "$ROOT/${1%/*}" ;;
	esac
}

# go_expect RESULT CALL OLD NEW [PATH INODE]: judge the last `run --separate-stderr`.
#   ok: success, and PATH (under $ROOT) has INODE;  escape: denied, nothing changed;
#   refused: EACCES or the kernel's errno, nothing changed;  E...: that errno, nothing changed.
go_expect() {
	case $1 in
	ok)
		assert_ok
		assert_equal "$(inode_of "$ROOT/$5")" "$6"
		assert_outside_same
		;;
	escape)
		assert_denied "$2" "$3" "$4"
		assert_nothing_changed
		;;
	refused)
		assert_refused
		assert_nothing_changed
		;;
	*)
		assert_equal "$output" "err $1"
		assert_equal "$stderr" ""
		assert_nothing_changed
		;;
	esac
}

# go_case OPEN TARGET LTARGET RESULT LAYOUT...
#   TARGET   the file reached when every symlink is followed ("" for none); it holds "target"
#   LTARGET  the final symlink itself when OPEN ends in one ("" otherwise)
#   RESULT   ok | escape | refused | the kernel's errno (alwaysFails cases), for following
go_case() {
	local open=$1 target=$2 ltarget=$3 result=$4 tino sino
	shift 4

	go_mkfs "$@"
	[ -z "$target" ] || { go_parent "$target" && echo target >"$ROOT/$target"; }
	tino=$([ -z "$target" ] || inode_of "$ROOT/$target")
	freeze
	run --separate-stderr lgcall -C "$ROOT" link "$open" destination
	if [ -n "$ltarget" ]; then
		assert_ok
		[ -L "$ROOT/destination" ]
		assert_same_inode "$ROOT/$ltarget" "$ROOT/destination"
		assert_outside_same
	else
		go_expect "$result" link "$open" destination destination "$tino"
	fi

	go_mkfs "$@"
	[ -z "$target" ] || { go_parent "$target" && echo target >"$ROOT/$target"; }
	tino=$([ -z "$target" ] || inode_of "$ROOT/$target")
	freeze
	run --separate-stderr lgcall -C "$ROOT" linkat cwd "$open" cwd destination AT_SYMLINK_FOLLOW
	go_expect "$result" linkat "$open" destination destination "$tino"

	go_mkfs "$@"
	echo source >"$ROOT/source"
	sino=$(inode_of "$ROOT/source")
	freeze
	run --separate-stderr lgcall -C "$ROOT" rename source "$open"
	if [ -n "$ltarget" ]; then
		assert_ok
		[ ! -L "$ROOT/$ltarget" ]
		assert_equal "$(inode_of "$ROOT/$ltarget")" "$sino"
		assert_outside_same
	else
		go_expect "$result" rename source "$open" "$target" "$sino"
	fi
}

@test "go root case 1: plain path" {
	go_case target target "" ok
}

@test "go root case 2: path in directory" {
	go_case a/b/c/target a/b/c/target "" ok "a/b/c/"
}

@test "go root case 3: symlink" {
	go_case link target link ok "link => target"
}

@test "go root case 4: symlink dotdot slash (link => ../)" {
	go_case link "" link escape "link => ../"
}

@test "go root case 5: symlink ending in slash" {
	go_case link/target dir/target "" ok "dir/" "link => dir/"
}

@test "go root case 6: slash after symlink to file (link => ../root/target, link/)" {
	go_case link/ target "" refused "link => ../root/target"
}

@test "go root case 7: slash after symlink to dir (link => ../root/target, link/)" {
	go_case link/ "" "" refused "link => ../root/target" "target/"
}

@test "go root case 8: symlink dotdot dotdot slash (dir/link => ../../)" {
	go_case dir/link "" dir/link escape "dir/link => ../../"
}

@test "go root case 9: symlink chain" {
	go_case link g/c/target link ok "link => a/b/c/target" "a/b => e" "a/e => ../f" \
		"f => g/h/i" "g/h/i => .." "g/c/"
}

@test "go root case 10: path with dot" {
	go_case ./a/./b/./target a/b/target "" ok "a/b/"
}

@test "go root case 11: path with dotdot" {
	go_case a/../a/b/../../a/b/../b/target a/b/target "" ok "a/b/"
}

@test "go root case 12: path with dotdot slash (../)" {
	go_case ../ "" "" refused
}

@test "go root case 13: path with dotdot dotdot slash (a/../../)" {
	go_case a/../../ "" "" refused "a/"
}

@test "go root case 14: dotdot no symlink" {
	go_case a/../target target "" ok "a/"
}

@test "go root case 15: dotdot after symlink (physical: a => b/c, a/../target is b/target)" {
	go_case a/../target b/target "" ok "a => b/c" "b/c/"
}

@test "go root case 16: dotdot before symlink" {
	go_case b/../a/target b/c/target "" ok "a => b/c" "b/c/"
}

@test "go root case 17: symlink ends in dot" {
	go_case a/target b/target "" ok "a => b/." "b/"
}

@test "go root case 18: directory does not exist (ENOENT)" {
	go_case a/file "" "" ENOENT
}

@test "go root case 19: empty path (ENOENT)" {
	go_case "" "" "" ENOENT
}

@test "go root case 20: symlink cycle (a => a)" {
	go_case a "" a ELOOP "a => a"
}

@test "go root case 21: path escapes (../root/target)" {
	go_case ../root/target target "" escape
}

@test "go root case 22: long path escapes (a/../../root/target)" {
	go_case a/../../root/target target "" escape "a/"
}

@test "go root case 23: absolute symlink under the root (allowed here, unlike Go)" {
	go_case link target link ok 'link => $ABS/target'
}

@test "go root case 24: relative symlink (link => ../root/target) escapes when followed" {
	go_case link target link escape "link => ../root/target"
}

@test "go root case 25: symlink chain escapes" {
	go_case link c/target link escape "link => a/b/c/target" "a/b => e" "a/e => ../../root" "c/"
}

@test "go TestOpenInRoot: ../root/file and a link to it are denied, the absolute spelling is not" {
	ln -s ../root/file "$ROOT/link"
	denied link ../root/file new -- -C "$ROOT" link ../root/file new
	denied linkat link new -- -C "$ROOT" linkat cwd link cwd new AT_SYMLINK_FOLLOW
	linked "$ROOT/new" -- -C "$ROOT" link "$ROOT/file" new
}

@test "go TestRootSymlinkToRoot: d/d => .. then d/d/new is root/new" {
	mkdir "$ROOT/d"
	ln -s .. "$ROOT/d/d"
	linked "$ROOT/new" -- -C "$ROOT" link file d/d/new
}

# --- openat2 RESOLVE_BENEATH (tools/testing/selftests/openat2/resolve_test.c), adapted ----------
# The kernel's layout under $root; "/" in its symlinks is the real root, outside ours. A case
# naming a directory is tried as the parent of a new link
# (link("etc/passwd", P + "/lg-beneath-new"));
# a case naming a file is linked with AT_SYMLINK_FOLLOW (linkat(P, "destination")).

BENEATH_LAYOUT=(
	"procexe => /proc/self/exe" "procroot => /proc/self/root" "root/" "etc/passwd"
	"creatlink => /newfile3" "reletc => etc/" "relsym => etc/passwd" "absetc => /etc/"
	"abssym => /etc/passwd" "abscheeky => /cheeky" "cheeky/absself => /"
	"cheeky/self => ../../root/" "cheeky/garbageself => /../../root/"
	"cheeky/passwd => ../cheeky/../etc/../etc/passwd"
	"cheeky/abspasswd => /../cheeky/../etc/../etc/passwd"
	"cheeky/dotdotlink => ../../../../../../../../../../../../../../etc/passwd"
	"cheeky/garbagelink => /../../../../../../../../../../../../../../etc/passwd"
)

# The same layout with every absolute target moved under our root ($ABS), as linkguard allows.
ABS_LAYOUT=("${BENEATH_LAYOUT[@]/=> \//=> \$ABS/}")

# beneath KIND PATH RESULT [LAYOUT...]: KIND dir|file; RESULT escape or the directory/file (under
# $ROOT, "." for the root) that PATH must reach.
beneath() {
	local kind=$1 path=$2 result=$3 pw_links
	shift 3
	go_mkfs "$@"
	pw_links=$(links_of /etc/passwd)
	freeze
	if [ "$kind" = dir ]; then
		run --separate-stderr lgcall -C "$ROOT" link etc/passwd "${path%/}/lg-beneath-new"
		if [ "$result" = escape ]; then
			assert_denied link etc/passwd "${path%/}/lg-beneath-new"
			assert_nothing_changed
		else
			assert_ok
			assert_same_inode "$ROOT/etc/passwd" "$ROOT/$result/lg-beneath-new"
			assert_outside_same
		fi
	else
		run --separate-stderr lgcall -C "$ROOT" linkat cwd "$path" cwd destination AT_SYMLINK_FOLLOW
		if [ "$result" = escape ]; then
			assert_denied linkat "$path" destination
			assert_nothing_changed
		else
			assert_ok
			assert_same_inode "$ROOT/$result" "$ROOT/destination"
			assert_outside_same
		fi
	fi
	[ ! -e /lg-beneath-new ]
	assert_equal "$(links_of /etc/passwd)" "$pw_links"
}

@test "openat2 BENEATH 1: jump to / is denied" {
	beneath dir / escape "${BENEATH_LAYOUT[@]}"
}

@test "openat2 BENEATH 2: absolute link to / (cheeky/absself) is denied" {
	beneath dir cheeky/absself escape "${BENEATH_LAYOUT[@]}"
}

@test "openat2 BENEATH 3: chained absolute links (abscheeky/absself) are denied" {
	beneath dir abscheeky/absself escape "${BENEATH_LAYOUT[@]}"
}

@test "openat2 BENEATH 4: jump outside the root (..) is denied" {
	beneath dir .. escape "${BENEATH_LAYOUT[@]}"
}

@test "openat2 BENEATH 5: temporary jump outside the root (../root/) is denied" {
	beneath dir ../root/ escape "${BENEATH_LAYOUT[@]}"
}

@test "openat2 BENEATH 6: symlink temporary jump outside (cheeky/self) is denied" {
	beneath dir cheeky/self escape "${BENEATH_LAYOUT[@]}"
}

@test "openat2 BENEATH 7: chained symlink temporary jump outside (abscheeky/self) is denied" {
	beneath dir abscheeky/self escape "${BENEATH_LAYOUT[@]}"
}

@test "openat2 BENEATH 8: garbage links to the root (cheeky/garbageself) are denied" {
	beneath dir cheeky/garbageself escape "${BENEATH_LAYOUT[@]}"
}

@test "openat2 BENEATH 9: chained garbage links (abscheeky/garbageself) are denied" {
	beneath dir abscheeky/garbageself escape "${BENEATH_LAYOUT[@]}"
}

@test "openat2 BENEATH 10: ordinary path to 'root' is allowed" {
	beneath dir root root "${BENEATH_LAYOUT[@]}"
}

@test "openat2 BENEATH 11: ordinary path to 'etc' is allowed" {
	beneath dir etc etc "${BENEATH_LAYOUT[@]}"
}

@test "openat2 BENEATH 12: ordinary path to 'etc/passwd' is allowed" {
	beneath file etc/passwd etc/passwd "${BENEATH_LAYOUT[@]}"
}

@test "openat2 BENEATH 13: relative symlink inside the root (relsym) is allowed" {
	beneath file relsym etc/passwd "${BENEATH_LAYOUT[@]}"
}

@test "openat2 BENEATH 14: chained-'..' relative symlink inside (cheeky/passwd) is allowed" {
	beneath file cheeky/passwd etc/passwd "${BENEATH_LAYOUT[@]}"
}

@test "openat2 BENEATH 15: absolute symlink component outside (abscheeky/passwd) is denied" {
	beneath file abscheeky/passwd escape "${BENEATH_LAYOUT[@]}"
}

@test "openat2 BENEATH 16: absolute symlink target outside (abssym) is denied" {
	beneath file abssym escape "${BENEATH_LAYOUT[@]}"
}

@test "openat2 BENEATH 17: absolute path outside (/etc/passwd) is denied" {
	beneath file /etc/passwd escape "${BENEATH_LAYOUT[@]}"
}

@test "openat2 BENEATH 18: cheeky absolute path outside (cheeky/abspasswd) is denied" {
	beneath file cheeky/abspasswd escape "${BENEATH_LAYOUT[@]}"
}

@test "openat2 BENEATH 19: chained cheeky absolute path (abscheeky/abspasswd) is denied" {
	beneath file abscheeky/abspasswd escape "${BENEATH_LAYOUT[@]}"
}

@test "openat2 BENEATH 20: tricky '..'-chained symlink outside (cheeky/dotdotlink) is denied" {
	beneath file cheeky/dotdotlink escape "${BENEATH_LAYOUT[@]}"
}

@test "openat2 BENEATH 21: tricky absolute + '..'-chained (abscheeky/dotdotlink) is denied" {
	beneath file abscheeky/dotdotlink escape "${BENEATH_LAYOUT[@]}"
}

@test "openat2 BENEATH 22: tricky garbage link outside (cheeky/garbagelink) is denied" {
	beneath file cheeky/garbagelink escape "${BENEATH_LAYOUT[@]}"
}

@test "openat2 BENEATH 23: tricky absolute + garbage link (abscheeky/garbagelink) is denied" {
	beneath file abscheeky/garbagelink escape "${BENEATH_LAYOUT[@]}"
}

@test "openat2 NO_MAGICLINKS: procroot/etc/passwd and reletc/../procroot are denied" {
	beneath file "procroot$ROOT/etc/passwd" escape "${BENEATH_LAYOUT[@]}"
	beneath file "reletc/../procroot$ROOT/etc/passwd" escape "${BENEATH_LAYOUT[@]}"
}

@test "openat2 BENEATH (dangling absolute link creatlink): linked as itself, denied when followed" {
	go_mkfs "${BENEATH_LAYOUT[@]}"
	run lgcall -C "$ROOT" link creatlink creatlink2
	assert_ok
	assert_same_inode "$ROOT/creatlink" "$ROOT/creatlink2"
	denied linkat creatlink destination -- -C "$ROOT" linkat cwd creatlink cwd destination AT_SYMLINK_FOLLOW
	[ ! -e /newfile3 ]
}

@test "openat2 BENEATH 2, absolute targets under the root: cheeky/absself is the root, allowed" {
	beneath dir cheeky/absself . "${ABS_LAYOUT[@]}"
}

@test "openat2 BENEATH 3, absolute targets under the root: abscheeky/absself is allowed" {
	beneath dir abscheeky/absself . "${ABS_LAYOUT[@]}"
}

@test "openat2 BENEATH 8, absolute targets under the root: cheeky/garbageself still escapes" {
	beneath dir cheeky/garbageself escape "${ABS_LAYOUT[@]}"
}

@test "openat2 BENEATH 9, absolute targets under the root: abscheeky/garbageself still escapes" {
	beneath dir abscheeky/garbageself escape "${ABS_LAYOUT[@]}"
}

@test "openat2 BENEATH 7, absolute targets under the root: abscheeky/self still escapes" {
	beneath dir abscheeky/self escape "${ABS_LAYOUT[@]}"
}

@test "openat2 BENEATH 15, absolute targets under the root: abscheeky/passwd is allowed" {
	beneath file abscheeky/passwd etc/passwd "${ABS_LAYOUT[@]}"
}

@test "openat2 BENEATH 16, absolute targets under the root: abssym is allowed" {
	beneath file abssym etc/passwd "${ABS_LAYOUT[@]}"
}

@test "openat2 BENEATH 17, absolute path under the root: /x/root/etc/passwd is allowed" {
	beneath file "$ROOT/etc/passwd" etc/passwd "${ABS_LAYOUT[@]}"
}

@test "openat2 BENEATH 18, absolute targets under the root: cheeky/abspasswd still escapes" {
	beneath file cheeky/abspasswd escape "${ABS_LAYOUT[@]}"
}

@test "openat2 BENEATH 19, absolute targets under the root: abscheeky/abspasswd still escapes" {
	beneath file abscheeky/abspasswd escape "${ABS_LAYOUT[@]}"
}

@test "openat2 BENEATH 21, absolute targets under the root: abscheeky/dotdotlink still escapes" {
	beneath file abscheeky/dotdotlink escape "${ABS_LAYOUT[@]}"
}

@test "openat2 BENEATH 23, absolute targets under the root: abscheeky/garbagelink still escapes" {
	beneath file abscheeky/garbagelink escape "${ABS_LAYOUT[@]}"
}

@test "openat2 BENEATH, absolute targets under the root: absetc/passwd is allowed" {
	beneath file absetc/passwd etc/passwd "${ABS_LAYOUT[@]}"
}
