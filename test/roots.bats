#!/usr/bin/env bats
# roots.bats - several roots: build steps that move files through /tmp and tool caches.

load helpers

setup() {
	lg_tree
	TMPROOT="$BATS_TEST_TMPDIR/tmproot"
	CACHE="$BATS_TEST_TMPDIR/cache"
	mkdir -p "$TMPROOT/t" "$CACHE/c"
	echo tmp >"$TMPROOT/t/f"
	export TMPROOT CACHE
}

@test "two roots: rename from one root into the other" {
	local ino
	ino=$(inode_of "$TMPROOT/t/f")
	LG_ROOT="$ROOT:$TMPROOT" run lgcall rename "$TMPROOT/t/f" "$ROOT/dir/f"
	assert_output ok
	assert_equal "$(inode_of "$ROOT/dir/f")" "$ino"
}

# linked_in ROOTS OLD NEW: with LINKGUARD_ROOT=ROOTS, link OLD NEW succeeds and NEW is OLD.
linked_in() {
	LG_ROOT="$1" run lgcall link "$2" "$3"
	assert_output ok
	assert_same_inode "$2" "$3"
}

# fails_closed_with ROOTS MESSAGE: with LINKGUARD_ROOT=ROOTS, a link inside $ROOT fails with
# EACCES and a diagnostic that contains MESSAGE, and makes nothing.
fails_closed_with() {
	LG_ROOT="$1" run lgcall link "$ROOT/file" "$ROOT/x"
	assert_line "err EACCES"
	assert_line --partial "$2"
	assert_file_not_exists "$ROOT/x"
}

@test "three roots: link between the first and the third" {
	linked_in "$ROOT:$TMPROOT:$CACHE" "$ROOT/file" "$CACHE/c/file"
}

@test "two roots: a third directory is outside both, and the message names both" {
	snapshot_outside
	LG_ROOT="$ROOT:$TMPROOT" run lgcall rename "$ROOT/file" "$OUT/file"
	assert_line "err EACCES"
	assert_line --partial "is outside roots \"$ROOT\", \"$TMPROOT\""
	assert_file_exists "$ROOT/file"
	assert_outside_unchanged
}

@test "dot-dot from one root into a sibling root is an escape" {
	snapshot_outside
	cd "$ROOT"
	LG_ROOT="$ROOT:$TMPROOT" run lgcall rename file ../tmproot/t/g
	assert_line "err EACCES"
	assert_line --partial "climbs out of root \"$ROOT\""
	assert_file_not_exists "$TMPROOT/t/g"
	assert_outside_unchanged
}

@test "an absolute symlink from one root into another continues there" {
	ln -s "$TMPROOT/t" "$ROOT/to_tmp"
	LG_ROOT="$ROOT:$TMPROOT" run lgcall -C "$ROOT" link file to_tmp/linked
	assert_output ok
	assert_same_inode "$ROOT/file" "$TMPROOT/t/linked"
}

@test "an absolute symlink into a directory that is no root is an escape" {
	ln -s "$OUT/dir" "$ROOT/to_out"
	snapshot_outside
	LG_ROOT="$ROOT:$TMPROOT" run lgcall -C "$ROOT" link file to_out/linked
	assert_line "err EACCES"
	assert_outside_unchanged
}

@test "nested roots: an absolute path belongs to the innermost root" {
	snapshot_outside
	LG_ROOT="$ROOT:$ROOT/dir" run lgcall link "$ROOT/file" "$ROOT/dir/sub/../x"
	assert_output ok
	assert_same_inode "$ROOT/file" "$ROOT/dir/x"
	# from the inner root, ".." leaves it, even though the outer root is there
	LG_ROOT="$ROOT:$ROOT/dir" run lgcall link "$ROOT/file" "$ROOT/dir/../y"
	assert_line "err EACCES"
	assert_line --partial "climbs out of root \"$ROOT/dir\""
	assert_file_not_exists "$ROOT/y"
	assert_outside_unchanged
}

@test "nested roots: a relative path is judged in the root its joined spelling names (i10a)" {
	snapshot_outside
	# from the outer root, the inner root by name is the inner root's own entry: refused, as
	# its absolute spelling is
	LG_ROOT="$ROOT:$ROOT/dir" run lgcall -C "$ROOT" rename dir x
	assert_line "err EACCES"
	assert_line --partial "names the root itself"
	LG_ROOT="$ROOT:$ROOT/dir" run lgcall -C "$ROOT" rename "$ROOT/dir" x
	assert_line "err EACCES"
	assert_dir_exists "$ROOT/dir"
	# into the inner root and out again by "..": refused, as absolutely
	LG_ROOT="$ROOT:$ROOT/dir" run lgcall -C "$ROOT" link file dir/../y
	assert_line "err EACCES"
	assert_line --partial "climbs out of root \"$ROOT/dir\""
	assert_file_not_exists "$ROOT/y"
	# and within it, as usual
	LG_ROOT="$ROOT:$ROOT/dir" run lgcall -C "$ROOT" link file dir/sub/../x
	assert_output ok
	assert_same_inode "$ROOT/file" "$ROOT/dir/x"
	assert_outside_unchanged
}

@test "a root given through a symlinked spelling: both spellings work" {
	ln -s "$ROOT" "$BATS_TEST_TMPDIR/rootlink"
	linked_in "$BATS_TEST_TMPDIR/rootlink:$TMPROOT" "$BATS_TEST_TMPDIR/rootlink/file" "$TMPROOT/t/a"
	linked_in "$BATS_TEST_TMPDIR/rootlink:$TMPROOT" "$ROOT/file" "$TMPROOT/t/b"
}

@test "a list with an empty element fails closed and says which" {
	snapshot_outside
	fails_closed_with "$ROOT::$TMPROOT" "LINKGUARD_ROOT=\"$ROOT::$TMPROOT\" has an empty entry"
	LG_ROOT="$ROOT:" run lgcall link "$ROOT/file" "$ROOT/x"
	assert_line "err EACCES"
	assert_outside_unchanged
}

@test "a list with a relative element fails closed and says which" {
	fails_closed_with "$ROOT:tmproot" 'LINKGUARD_ROOT entry "tmproot" is not an absolute path'
}

@test "a list with a missing element fails closed" {
	fails_closed_with "$ROOT:$BATS_TEST_TMPDIR/nope" "does not exist"
}

@test "mktemp in a second root, then mv into the workspace (the launcher, --root twice)" {
	cd "$ROOT"
	run lg --root "$ROOT" --root "$TMPROOT" -- sh -c \
		't=$(mktemp -p "$TMPROOT") && echo built >"$t" && mv "$t" "$ROOT/dir/built" && echo moved'
	assert_success
	assert_line moved
	assert_file_exists "$ROOT/dir/built"
	assert_equal "$(cat "$ROOT/dir/built")" built
}

@test "the same mktemp + mv with the workspace as the only root is refused" {
	cd "$ROOT"
	snapshot_outside
	run lg --root "$ROOT" -- sh -c \
		't=$(mktemp -p "$TMPROOT") && mv "$t" "$ROOT/dir/built"'
	assert_failure
	assert_line --partial "linkguard: denied"
	assert_file_not_exists "$ROOT/dir/built"
}

@test "write-to-tmp-then-rename cache pattern works with the cache as a root" {
	cd "$ROOT"
	# what cacache, pip and cargo do: write a temporary file, rename it into the content store
	run lg --root "$ROOT" --root "$CACHE" -- sh -c \
		'mkdir -p "$CACHE/tmp" "$CACHE/content" && echo blob >"$CACHE/tmp/t1" && mv "$CACHE/tmp/t1" "$CACHE/content/ab12" && ln "$CACHE/content/ab12" "$ROOT/dir/blob" && echo ok'
	assert_success
	assert_same_inode "$CACHE/content/ab12" "$ROOT/dir/blob"
}

@test "a real tool cache: npm pack with its cache as a second root" {
	command -v npm >/dev/null || skip "npm is not installed"
	mkdir -p "$ROOT/pkg"
	printf '{"name":"lgdemo","version":"1.0.0"}\n' >"$ROOT/pkg/package.json"
	echo 'module.exports = 1' >"$ROOT/pkg/index.js"
	cd "$ROOT/pkg"
	run lg --root "$ROOT" --root "$CACHE" -- npm pack --cache "$CACHE/npm" --offline
	assert_success
	assert_file_exists "$ROOT/pkg/lgdemo-1.0.0.tgz"
	run find "$CACHE/npm/_cacache/content-v2" -type f
	assert_success
	[ -n "$output" ]
}

@test "npm pack with the cache outside every root is refused, and says so" {
	command -v npm >/dev/null || skip "npm is not installed"
	mkdir -p "$ROOT/pkg"
	printf '{"name":"lgdemo","version":"1.0.0"}\n' >"$ROOT/pkg/package.json"
	cd "$ROOT/pkg"
	run lg --root "$ROOT" -- npm pack --cache "$CACHE/npm" --offline
	assert_failure
	assert_output --partial "linkguard: denied rename(\"$CACHE/npm/_cacache/tmp/"
}

@test "children of a confined process keep the whole root list" {
	cd "$ROOT"
	run lg --root "$ROOT" --root "$TMPROOT" -- sh -c 'env -i /bin/sh -c "echo \$LINKGUARD_ROOT"'
	assert_success
	assert_output "$ROOT:$TMPROOT"
}
