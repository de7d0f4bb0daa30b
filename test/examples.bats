#!/usr/bin/env bats
# examples.bats - run every script in examples/ against the built launcher, so they cannot rot.

load helpers
bats_require_minimum_version 1.5.0

setup() {
	: "${LG_SOURCE_DIR:?LG_SOURCE_DIR must name the source tree}"
	# A private copy: build-step writes next to itself, and the fallback test adds a build/.
	EX="$BATS_TEST_TMPDIR/project/examples"
	mkdir -p "$BATS_TEST_TMPDIR/project"
	cp -R "$LG_SOURCE_DIR/examples" "$EX"
	# The scripts' scratch directories go here, to check that they clean up.
	export TMPDIR="$BATS_TEST_TMPDIR/tmp"
	mkdir "$TMPDIR"
	export LINKGUARD="$LINKGUARD_BIN"
	export LD_PRELOAD="${LG_ASAN_RUNTIME:-}"
	unset MAKE_TARGETS WORKSPACE LINKGUARD_MODE LINKGUARD_LOG LINKGUARD_ROOT
}

# A stand-in "launcher" that drops its options and runs the command unconfined: every example
# must notice that and fail.
fake_launcher() {
	cat >"$BATS_TEST_TMPDIR/fake-linkguard" <<'EOF'
#!/bin/sh
while [ $# -gt 0 ]; do
	case $1 in
	--root) shift 2 ;;
	--root=*) shift ;;
	--) shift; break ;;
	*) break ;;
	esac
done
exec "$@"
EOF
	chmod +x "$BATS_TEST_TMPDIR/fake-linkguard"
	export LINKGUARD="$BATS_TEST_TMPDIR/fake-linkguard"
}

assert_cleaned_up() {
	assert_equal "$(ls -A "$TMPDIR")" ""
}

# --- all of them ----------------------------------------------------------------------------

@test "examples: every script is executable, parses, and starts with a comment saying what it is" {
	local f name
	for f in demo.sh ci-job.sh untrusted.sh build-step/run.sh; do
		[ -x "$LG_SOURCE_DIR/examples/$f" ]
		run sh -n "$LG_SOURCE_DIR/examples/$f"
		assert_success
		name=${f##*/}
		run sed -n 2p "$LG_SOURCE_DIR/examples/$f"
		assert_output --regexp "^# $name - .+"
		run grep -c 'LINKGUARD' "$LG_SOURCE_DIR/examples/$f"
		assert_success
	done
	[ -f "$LG_SOURCE_DIR/examples/build-step/Makefile" ]
}

@test "examples: none refers to files outside the project (a sibling folder, /work)" {
	# the design folder beside the developers' checkout, or their machine's paths
	run grep -rn -e '\.\./sha''red' -e '/work/' "$LG_SOURCE_DIR/examples"
	assert_failure 1
	assert_output ""
}

# --- demo.sh ----------------------------------------------------------------------------------

@test "demo.sh: every legit operation allowed, every escape denied with linkguard's message" {
	run "$EX/demo.sh"
	assert_success
	refute_output --partial "!!"
	assert_line --regexp '^ +allowed +hard link inside the workspace$'
	assert_line --regexp '^ +allowed +rename inside the workspace$'
	assert_line --regexp '^ +allowed +hard-link copy of a directory inside$'
	assert_line --regexp '^ +DENIED +hard link to an absolute path outside$'
	assert_line --regexp "^ +DENIED +hard link out through '..'$"
	assert_line --regexp '^ +DENIED +move through a symlink that points out .*$'
	assert_line --regexp '^ +DENIED +move a workspace file out$'
	assert_line --regexp '^ +DENIED +plant a hard link to an outside file in the workspace$'
	assert_line --regexp '^ +DENIED +move an outside file into the workspace$'
	if command -v python3 >/dev/null; then
		assert_line --regexp '^ +DENIED +link in an unnamed O_TMPFILE made outside, via /proc/self/fd$'
		assert_line --partial 'refers to a file outside root'
	fi
	# Each denial shows linkguard's own line.
	assert_equal "$(grep -c '^ *linkguard: denied ' <<<"$output")" \
		"$(grep -c '^ *DENIED ' <<<"$output")"
	assert_line --partial 'climbs out of root'
	assert_line --regexp '^inside:  a, sub/c and sub-copy/c are one file \(inode [0-9]+, 3 links\)$'
	assert_line "outside: unchanged"
	assert_line "result:  every legitimate operation worked and every escape was denied"
	assert_cleaned_up
}

@test "demo.sh: exits 1 and marks the escapes when the launcher does not confine" {
	fake_launcher
	run "$EX/demo.sh"
	assert_failure 1
	assert_line --regexp '^!! allowed +hard link to an absolute path outside$'
	assert_line --regexp '^!! allowed +plant a hard link to an outside file in the workspace$'
	assert_line --partial "outside: !! changed"
	assert_line --regexp '^result:  [0-9]+ unexpected outcome\(s\), marked !!$'
	assert_cleaned_up
}

@test "demo.sh: finds the launcher at ../build/shim/linkguard when LINKGUARD is unset" {
	if command -v linkguard >/dev/null; then skip "a linkguard on PATH would be used first"; fi
	mkdir -p "$BATS_TEST_TMPDIR/project/build/shim"
	ln -s "$LINKGUARD_BIN" "$BATS_TEST_TMPDIR/project/build/shim/linkguard"
	unset LINKGUARD
	run "$EX/demo.sh"
	assert_success
	assert_line "result:  every legitimate operation worked and every escape was denied"
}

@test "demo.sh: without any launcher, exits 2 saying how to get one" {
	if command -v linkguard >/dev/null; then skip "a linkguard on PATH would be used"; fi
	unset LINKGUARD
	run "$EX/demo.sh"
	assert_failure 2
	assert_output --partial "no linkguard launcher"
	assert_output --partial "LINKGUARD="
}

# --- build-step -----------------------------------------------------------------------------

@test "build-step/run.sh: the in-tree build works, the publish out of the tree is refused" {
	command -v make >/dev/null || skip "make not installed"
	run "$EX/build-step/run.sh"
	assert_success
	refute_output --partial "!!"
	assert_line --partial "-> build succeeded"
	assert_line --regexp '^   out/greeting.txt inode ([0-9]+)   build/greeting.txt inode \1$'
	assert_line --regexp '^   out/notes.txt inode ([0-9]+)   build/notes.txt inode \1$'
	assert_line "   out/MANIFEST: greeting.txt notes.txt "
	assert_line --regexp '^linkguard: denied linkat\("out/(greeting|notes).txt", '
	assert_line --regexp '^-> publish refused by linkguard \(make stopped, status [1-9][0-9]*\)$'
	assert_line --regexp '^-> .*/published is still empty$'
	assert_line "result: the in-tree build worked and the out-of-tree publish was refused"
	# It cleans up after itself: the project is as it was, the scratch directory gone.
	run diff -r "$LG_SOURCE_DIR/examples/build-step" "$EX/build-step"
	assert_success
	assert_cleaned_up
}

@test "build-step/run.sh: exits 1 when the publish is not refused" {
	command -v make >/dev/null || skip "make not installed"
	fake_launcher
	run "$EX/build-step/run.sh"
	assert_failure 1
	assert_line "-> !! publishing out of the tree was allowed"
	assert_line --regexp '^-> !! files appeared in '
	assert_cleaned_up
}

@test "build-step: make run confined directly installs by hard link inside the tree" {
	command -v make >/dev/null || skip "make not installed"
	cd "$EX/build-step"
	run "$LINKGUARD_BIN" -- make --no-print-directory
	assert_success
	assert_same_inode build/greeting.txt out/greeting.txt
	assert_same_inode build/notes.txt out/notes.txt
	assert_equal "$(cat out/MANIFEST)" "greeting.txt
notes.txt"
	assert_equal "$(cat out/greeting.txt)" "Hello from build-step, version 1.0."
	mkdir "$BATS_TEST_TMPDIR/pub"
	run "$LINKGUARD_BIN" -- make --no-print-directory publish PUBLISH_DIR="$BATS_TEST_TMPDIR/pub"
	assert_failure
	assert_equal "$(ls -A "$BATS_TEST_TMPDIR/pub")" ""
	assert_equal "$(links_of out/greeting.txt)" 2
}

# --- ci-job.sh --------------------------------------------------------------------------------

@test "ci-job.sh: a build that stays in the workspace passes with no denials" {
	command -v make >/dev/null || skip "make not installed"
	run "$EX/ci-job.sh"
	assert_success
	assert_line --regexp '^== make all in .*/workspace \(links and renames confined to it\)$'
	assert_line "mv -f dist/.app.txt.tmp dist/app.txt"
	assert_line "no link or rename left the workspace"
	assert_line "job passed"
	assert_cleaned_up
}

@test "ci-job.sh: a step that links out fails the job, even though make ignored the failure" {
	command -v make >/dev/null || skip "make not installed"
	MAKE_TARGETS="all cache" run "$EX/ci-job.sh"
	assert_failure 1
	assert_line "cache: not updated (best effort)"
	assert_line --partial "ln: failed to create hard link"
	if command -v python3 >/dev/null; then
		assert_line --regexp '^DENIED: linkat\("dist/app.txt", ".*/shared-cache/app.txt"\) in pid [0-9]+: ".*/shared-cache/app.txt" is outside root ".*/workspace"$'
	fi
	assert_line "1 denied, 0 would be denied (audit mode)"
	assert_line --regexp '^job FAILED: the build tried to link or rename outside .*/workspace$'
	assert_cleaned_up
}

@test "ci-job.sh: in audit mode the link goes through, is listed, and the job passes" {
	command -v make >/dev/null || skip "make not installed"
	LINKGUARD_MODE=audit MAKE_TARGETS="all cache" run "$EX/ci-job.sh"
	assert_success
	refute_line "cache: not updated (best effort)"
	if command -v python3 >/dev/null; then
		assert_line --regexp '^would deny \(audit\): linkat\("dist/app.txt", '
	fi
	assert_line "0 denied, 1 would be denied (audit mode)"
	assert_line "job passed"
}

@test "ci-job.sh: WORKSPACE runs your own project; a failing make fails the job with its status" {
	command -v make >/dev/null || skip "make not installed"
	local ws="$BATS_TEST_TMPDIR/ws"
	mkdir "$ws"
	echo data >"$ws/a"
	printf 'all:\n\tln a b\n\tmv b ../escaped\n' >"$ws/Makefile"
	WORKSPACE=$ws run "$EX/ci-job.sh"
	assert_failure 2
	assert_line --partial "renameat2(\"b\", \"../escaped\")"
	assert_line "job FAILED: make exited with status 2"
	assert_same_inode "$ws/a" "$ws/b"
	assert_file_not_exists "$BATS_TEST_TMPDIR/escaped"
	# The log lives outside the workspace, in the script's scratch directory, which is gone.
	assert_equal "$(cd "$ws" && ls -A | sort | tr '\n' ' ')" "Makefile a b "
	assert_cleaned_up
}

# --- untrusted.sh -------------------------------------------------------------------------------

@test "untrusted.sh: the planted link and the moves out are refused; the limits are stated" {
	run "$EX/untrusted.sh"
	assert_success
	assert_line --regexp '^tool: plant a hard link to .*/home/.ssh/id_ed25519 as report.txt: refused$'
	assert_line --regexp '^tool: move src/main.c out to .*/home/: refused$'
	assert_line --regexp '^tool: move the whole src/ out to .*/home/stolen-src: refused$'
	refute_output --partial "it worked"
	assert_line --regexp '^linkguard: denied linkat\(".*/home/.ssh/id_ed25519", "report.txt"\): '
	assert_line "nothing changed: the private file has one name, the sources are still in the workspace"
	assert_output --partial "makes its system"
	assert_output --partial "NOT confined by the library"
	assert_output --partial "--kernel"
	refute_output --partial "!!"
	assert_cleaned_up
}

@test "untrusted.sh: exits non-zero when the tool's tricks work (unconfined)" {
	fake_launcher
	run "$EX/untrusted.sh"
	assert_failure
	assert_line --regexp '^tool: plant a hard link .*: it worked$'
	assert_line "!! the private file got a second name"
	assert_line "!! something changed:"
	assert_cleaned_up
}

# --- examples/ci/ (i12): the CI recipes' shell steps, run as their CI would ------------------------

# ci_project DIR CACHE: a make project; "all" stays inside, "publish" links into CACHE and
# ignores the failure, as best-effort CI steps do.
ci_project() {
	mkdir -p "$1/src" "$2"
	echo 'int main(void) { return 0; }' >"$1/src/app.c"
	printf 'all:\n\tmkdir -p dist && cp src/app.c dist/.app.tmp && mv dist/.app.tmp dist/app.c\npublish: all\n\tln -f dist/app.c %s/app.c || true\n' "$2" >"$1/Makefile"
}
need_ci_tools() {
	command -v cmake >/dev/null || skip "no cmake"
	command -v make >/dev/null || skip "no make"
	python3 -c 'import yaml' 2>/dev/null || skip "no python3 yaml module"
	# These steps build their own (unsanitized) linkguard.
	unset LD_PRELOAD
}

@test "examples/ci: the GitHub Actions workflow builds linkguard, passes a clean build, fails on a denial" {
	need_ci_tools
	export RUNNER_TEMP="$BATS_TEST_TMPDIR/runner" GITHUB_WORKSPACE="$BATS_TEST_TMPDIR/checkout"
	mkdir -p "$RUNNER_TEMP"
	ci_project "$GITHUB_WORKSPACE" "$BATS_TEST_TMPDIR/cache"
	# What the workflow's second checkout step provides.
	ln -s "$LG_SOURCE_DIR" "$GITHUB_WORKSPACE/linkguard-src"
	cd "$GITHUB_WORKSPACE"
	BUILD_COMMAND="make all" run python3 "$LG_SOURCE_DIR/test/ci_example.py" github "$EX/ci/github-actions.yml"
	assert_success
	assert_line "linkguard: no link or rename left the checkout"
	assert_line -- "--- job passed"
	[ -x "$RUNNER_TEMP/linkguard/bin/linkguard" ]
	assert_file_exists "$RUNNER_TEMP/linkguard.jsonl"
	BUILD_COMMAND="make publish" run python3 "$LG_SOURCE_DIR/test/ci_example.py" github "$EX/ci/github-actions.yml"
	assert_failure 1
	assert_line "::error::linkguard denied 1 link or rename calls outside the checkout"
	assert_line -- "--- job FAILED"
	assert_file_not_exists "$BATS_TEST_TMPDIR/cache/app.c"
	# The artifact: the log, with the denial in it.
	run grep -c '"decision":"deny"' "$RUNNER_TEMP/linkguard.jsonl"
	assert_output 1
}

@test "examples/ci: the GitLab CI job builds linkguard, passes a clean build, fails on a denial" {
	need_ci_tools
	export CI_PROJECT_DIR="$BATS_TEST_TMPDIR/project-ci" LINKGUARD_PREFIX="$BATS_TEST_TMPDIR/opt"
	export LINKGUARD_LOG_FILE="$BATS_TEST_TMPDIR/linkguard.jsonl" LINKGUARD_SRC="$LG_SOURCE_DIR"
	export LINKGUARD_BUILD="$BATS_TEST_TMPDIR/linkguard-build"
	ci_project "$CI_PROJECT_DIR" "$BATS_TEST_TMPDIR/cache"
	cd "$CI_PROJECT_DIR"
	BUILD_COMMAND="make all" run python3 "$LG_SOURCE_DIR/test/ci_example.py" gitlab "$EX/ci/gitlab-ci.yml"
	assert_success
	assert_line -- "--- job passed"
	assert_file_exists "$CI_PROJECT_DIR/linkguard.jsonl"
	BUILD_COMMAND="make publish" run python3 "$LG_SOURCE_DIR/test/ci_example.py" gitlab "$EX/ci/gitlab-ci.yml"
	assert_failure 1
	assert_line "linkguard denied 1 link or rename calls outside the project"
	assert_line -- "--- job FAILED"
	assert_file_not_exists "$BATS_TEST_TMPDIR/cache/app.c"
	run grep -c '"decision":"deny"' "$CI_PROJECT_DIR/linkguard.jsonl"
	assert_output 1
}
