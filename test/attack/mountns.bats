#!/usr/bin/env bats
# mountns.bats - a confined program makes namespaces of its own (lg_mountns, see mountns.c), where
# the library's descriptor of the root and the program's paths no longer see the same tree: a
# chroot that spells a directory outside as if it were beneath the root, and a bind mount inside
# the root that only the program's new mount namespace sees. Each attack tries one rename across
# the root's boundary; it must fail with EACCES and one "linkguard: denied" line, and nothing
# outside the root may change. Every attack runs as the suite's user ("self": root in CI's first
# run) and as lgtest, on both resolver backends.

bats_require_minimum_version 1.5.0
load ../helpers

: "${LG_MOUNTNS:?LG_MOUNTNS must name the lg_mountns program (run the suite through ctest)}"

teardown() {
	remove_scratch
}

# mountns_tree WHO: in $SCRATCH (owned by WHO), the root and what lies outside it:
#   root/data  root/mnt/  root/locked/sub/ (locked: mode 0)
#   out/precious  out/d/precious                   what the bind attacks mount at root/mnt
#   evil/<root's path>/sub/, evil/<root's path>/locked/sub/   the chroot attacks' tree
mountns_tree() {
	user_scratch "$1"
	ROOT="$SCRATCH/root" OUT="$SCRATCH/out" EVIL="$SCRATCH/evil"
	mkdir -p "$ROOT/mnt" "$ROOT/locked/sub" "$OUT/d" "$EVIL/$ROOT/sub" "$EVIL/$ROOT/locked/sub"
	echo data >"$ROOT/data"
	echo precious >"$OUT/precious"
	echo precious >"$OUT/d/precious"
	chmod 0 "$ROOT/locked"
	if [ "$1" = user ] && [ "$(id -u)" = 0 ]; then
		chown -R "$(lg_test_user):" "$SCRATCH"
	fi
}

# Everything in $SCRATCH but the root, with inodes and link counts; and the root's data.
outside_of_root() {
	find "$SCRATCH" -path "$ROOT" -prune -o -printf '%p %i %n %y\n' | sort
	stat -c '%n %i' "$ROOT/data"
}

# attack ATTACK self|lgtest default|walk REASON: lg_mountns ATTACK, confined to $ROOT as the
# suite's user or as lgtest, is refused with EACCES and one denial line that says REASON; nothing
# outside the root changes, and the root keeps its data.
attack() {
	local name=$1 who=user before
	[ "$2" = lgtest ] || who=root
	use_backend "$3"
	mountns_tree "$who"
	before=$(outside_of_root)
	run --separate-stderr as_who "$who" env LD_PRELOAD="$LG_PRELOAD" LINKGUARD_ROOT="$ROOT" \
		"$LG_MOUNTNS" "$name" "$ROOT" "$([[ $name == chroot* ]] && echo "$EVIL" || echo "$OUT")"
	[ "$status" -ne 77 ] || skip "${output#skip: }"
	assert_success
	assert_output "refused EACCES"
	assert_equal "${#stderr_lines[@]}" 1
	[[ $stderr == "linkguard: denied rename"*"$4"* ]] || fail "unexpected diagnostic: $stderr"
	assert_equal "$(outside_of_root)" "$before"
}

FALSE_SPELLING="is in a directory that /proc spells beneath a root but that is not there"
OTHER_MOUNT="no longer leads to the mount the root was on at start-up"

# --- a chroot of the program's own (unshare(CLONE_NEWUSER), chroot(evil)) ------------------------
# A directory opened as ROOT/sub is evil's; /proc spells it ROOT/sub, as the chroot sees it, while
# the library's root descriptor, outside the chroot, is still spelled ROOT.

@test "chroot: a dirfd outside that /proc spells inside the root, rename into it (self, default)" {
	attack chroot self default "$FALSE_SPELLING"
}

@test "chroot: a dirfd outside that /proc spells inside the root, rename into it (self, walk)" {
	attack chroot self walk "$FALSE_SPELLING"
}

@test "chroot: a dirfd outside that /proc spells inside the root, rename into it (lgtest, default)" {
	attack chroot lgtest default "$FALSE_SPELLING"
}

@test "chroot: a dirfd outside that /proc spells inside the root, rename into it (lgtest, walk)" {
	attack chroot lgtest walk "$FALSE_SPELLING"
}

# The same, its spelling's way from the root through a directory the program may not search: the
# library can not walk it, and "/" is no longer what /proc spelled the root against.
@test "chroot: the same, through a directory the program may not search (self, default)" {
	attack chroot-locked self default "$FALSE_SPELLING"
}

@test "chroot: the same, through a directory the program may not search (self, walk)" {
	attack chroot-locked self walk "$FALSE_SPELLING"
}

@test "chroot: the same, through a directory the program may not search (lgtest, default)" {
	attack chroot-locked lgtest default "$FALSE_SPELLING"
}

@test "chroot: the same, through a directory the program may not search (lgtest, walk)" {
	attack chroot-locked lgtest walk "$FALSE_SPELLING"
}

# --- a bind mount in a mount namespace of the program's own --------------------------------------
# unshare(CLONE_NEWUSER | CLONE_NEWNS), OUT bound at ROOT/mnt: the library's root descriptor lies in
# the old namespace, whose tree has no such mount; the program's paths and descriptors see it.

@test "bind mount: renameat through a dirfd of the mount inside the root (self, default)" {
	attack bind-dirfd self default "$FALSE_SPELLING"
}

@test "bind mount: renameat through a dirfd of the mount inside the root (self, walk)" {
	attack bind-dirfd self walk "$FALSE_SPELLING"
}

@test "bind mount: renameat through a dirfd of the mount inside the root (lgtest, default)" {
	attack bind-dirfd lgtest default "$FALSE_SPELLING"
}

@test "bind mount: renameat through a dirfd of the mount inside the root (lgtest, walk)" {
	attack bind-dirfd lgtest walk "$FALSE_SPELLING"
}

@test "bind mount: the current directory in the mount, a relative rename (self, default)" {
	attack bind-cwd self default "$FALSE_SPELLING"
}

@test "bind mount: the current directory in the mount, a relative rename (self, walk)" {
	attack bind-cwd self walk "$FALSE_SPELLING"
}

@test "bind mount: the current directory in the mount, a relative rename (lgtest, default)" {
	attack bind-cwd lgtest default "$FALSE_SPELLING"
}

@test "bind mount: the current directory in the mount, a relative rename (lgtest, walk)" {
	attack bind-cwd lgtest walk "$FALSE_SPELLING"
}

# The library's root descriptor closed: it would reopen the root by its path in the new namespace,
# whose tree has the mount.
@test "bind mount: every descriptor closed, the root reopened there, plain paths (self, default)" {
	attack bind-closed self default "$OTHER_MOUNT"
}

@test "bind mount: every descriptor closed, the root reopened there, plain paths (self, walk)" {
	attack bind-closed self walk "$OTHER_MOUNT"
}

@test "bind mount: every descriptor closed, the root reopened there, plain paths (lgtest, default)" {
	attack bind-closed lgtest default "$OTHER_MOUNT"
}

@test "bind mount: every descriptor closed, the root reopened there, plain paths (lgtest, walk)" {
	attack bind-closed lgtest walk "$OTHER_MOUNT"
}

# The root opened in the new namespace put on the library's descriptor: the same device and inode.
@test "bind mount: the root of the new namespace dup2()ed over the library's (self, default)" {
	attack bind-dup2 self default "$OTHER_MOUNT"
}

@test "bind mount: the root of the new namespace dup2()ed over the library's (self, walk)" {
	attack bind-dup2 self walk "$OTHER_MOUNT"
}

@test "bind mount: the root of the new namespace dup2()ed over the library's (lgtest, default)" {
	attack bind-dup2 lgtest default "$OTHER_MOUNT"
}

@test "bind mount: the root of the new namespace dup2()ed over the library's (lgtest, walk)" {
	attack bind-dup2 lgtest walk "$OTHER_MOUNT"
}
