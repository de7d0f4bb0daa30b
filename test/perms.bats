#!/usr/bin/env bats
# perms.bats - permission-restricted directories inside the root. A permission error the kernel
# gives inside the root is the kernel's: the same result and errno as natively, no "denied" line,
# the trees alike. Each case runs as root (who passes the permission checks) and as an
# unprivileged user (who meets them); run as a user (.ci/run does), the user case alone.

bats_require_minimum_version 1.5.0
load helpers

# As root, the user runs copies of the driver and the library: the build tree may lie where it
# can not reach (a checkout under /root).
setup_file() {
	if [ "$(id -u)" = 0 ]; then
		USER_BIN=$(mktemp -d "${TMPDIR:-/tmp}/lg-bin.XXXXXX")
		chmod 755 "$USER_BIN"
		cp "$LGCALL" "$USER_BIN/lgcall"
		cp "$LINKGUARD_LIB" "$USER_BIN/liblinkguard.so"
		export USER_BIN LGCALL="$USER_BIN/lgcall" LINKGUARD_LIB="$USER_BIN/liblinkguard.so"
	fi
}
teardown_file() {
	if [ -n "${USER_BIN:-}" ]; then
		rm -rf "$USER_BIN"
	fi
}

teardown() {
	remove_scratch
}

# The third user, owner of "another user's" directories (never the test user).
other_uid() {
	if [ "$(id -u "$(lg_test_user)")" = 65534 ]; then echo 65533; else echo 65534; fi
}

# twins WHO MAKE: a fresh scratch directory with two identical trees, n (native) and c (the
# confinement root), each made by `MAKE prepare` in it, given to WHO, then `MAKE restrict`
# (modes and owners that would stop WHO from preparing it).
twins() {
	local who=$1 make=$2 t
	remove_scratch
	user_scratch "$who"
	for t in n c; do
		mkdir "$SCRATCH/$t"
		(cd "$SCRATCH/$t" && "$make" prepare)
		if [ "$who" = user ] && [ "$(id -u)" = 0 ]; then
			chown -R "$(lg_test_user):" "$SCRATCH/$t"
		fi
		(cd "$SCRATCH/$t" && "$make" restrict)
	done
}

# tree_of T: every entry of tree T with type, mode, link count and symlink target.
tree_of() {
	(cd "$SCRATCH/$1" && find . -printf '%p %y %m %n %l\n' 2>/dev/null | sort)
}

# both WHO EXPECTED LGCALL-ARGS...: as WHO, the call natively from tree n and confined to tree c
# from c; both print EXPECTED ("-": whatever the native run printed), the confined run writes no
# diagnostic, and the trees end alike. A failure names WHO and the call.
both() {
	local who=$1 want=$2 what
	shift 2
	what="as $who, $*"
	run --separate-stderr as_who "$who" "$LGCALL" -C "$SCRATCH/n" "$@"
	[ "$want" != - ] || want=$output
	assert_equal "$what, native: $output" "$what, native: $want"
	run --separate-stderr as_who "$who" env LD_PRELOAD="$LG_PRELOAD" LINKGUARD_ROOT="$SCRATCH/c" \
		"$LGCALL" -C "$SCRATCH/c" "$@"
	assert_equal "$what, confined: $output" "$what, confined: $want"
	assert_equal "$what, stderr: $stderr" "$what, stderr: "
	assert_equal "$what, trees:"$'\n'"$(tree_of c)" "$what, trees:"$'\n'"$(tree_of n)"
}

# check_cases MAKE [WHO...]: as each WHO (default: lg_identities), fresh twins made by MAKE, then
# each case on stdin, one a line, compared by both: ROOT-ANSWER USER-ANSWER LGCALL-ARGS..., where
# an answer is ok, an errno name (the call fails with it) or "-" (whatever the native run printed).
check_cases() {
	local make=$1 who row want
	local -a whos=("${@:2}") rows words
	[ "${#whos[@]}" -gt 0 ] || read -ra whos <<<"$(lg_identities)"
	mapfile -t rows
	for who in "${whos[@]}"; do
		twins "$who" "$make"
		for row in "${rows[@]}"; do
			read -ra words <<<"$row"
			want=${words[1]}
			[ "$who" = user ] || want=${words[0]}
			[[ $want != E* ]] || want="err $want"
			both "$who" "$want" "${words[@]:2}"
		done
	done
}

locked_0000() {
	case $1 in
	prepare) mkdir locked && touch locked/f file ;;
	restrict) chmod 0000 locked ;;
	esac
}

@test "a 0000 directory: links and renames through it are the kernel's answer, with no line" {
	check_cases locked_0000 <<-'END'
		ok EACCES link locked/f x
		ok EACCES link file locked/y
		ok EACCES rename locked/f z
		ok EACCES renameat2 cwd file path:locked w RENAME_NOREPLACE
	END
}

unsearchable_0600() {
	case $1 in
	prepare) mkdir -p nosearch/sub && touch nosearch/f file ;;
	restrict) chmod 0600 nosearch ;;
	esac
}

@test "a 0600 directory (no search): EACCES for a user even where the name is missing" {
	check_cases unsearchable_0600 <<-'END'
		ok     EACCES link nosearch/f x
		ENOENT EACCES rename nosearch/missing y
		ok     EACCES rename file nosearch/sub/moved
		ENOENT EACCES link nosearch/../missing z
	END
}

unreadable_0300() {
	case $1 in
	prepare) mkdir noread && touch noread/f ;;
	restrict) chmod 0300 noread ;;
	esac
}

@test "a 0300 directory (no read): names inside it work for root and a user alike" {
	check_cases unreadable_0300 <<-'END'
		ok ok link noread/f noread/g
		ok ok rename noread/g x
		ok ok linkat path:noread f cwd y 0
	END
}

readonly_0500() {
	case $1 in
	prepare) mkdir ro && touch ro/f file ;;
	restrict) chmod 0500 ro ;;
	esac
}

@test "a 0500 directory (no write): creating or removing in it is EACCES for a user" {
	check_cases readonly_0500 <<-'END'
		ok     ok     link ro/f x
		EEXIST EEXIST renameat2 cwd file cwd ro/f RENAME_NOREPLACE
		ok     EACCES link file ro/y
		ok     EACCES rename ro/f z
	END
}

cwd_below_locked() {
	case $1 in
	prepare) mkdir -p top/cwd && touch top/cwd/a ;;
	restrict) ;;
	esac
}

@test "a current directory below a non-searchable directory inside the root: rename works" {
	local who t
	for who in $(lg_identities); do
		twins "$who" cwd_below_locked
		# Enter top/cwd first, then take the search permission off top, as a build that
		# locks a parent behind it would.
		for t in n c; do
			run --separate-stderr as_who "$who" env LD_PRELOAD="$([ $t = n ] || echo "$LG_PRELOAD")" \
				LINKGUARD_ROOT="$SCRATCH/c" sh -c 'cd "$1/top/cwd" && chmod 0600 .. &&
				"$2" rename a b; s=$?; chmod 0755 ..; exit $s' sh "$SCRATCH/$t" "$LGCALL"
			assert_equal "$t: $output" "$t: ok"
			assert_equal "$t: $stderr" "$t: "
		done
		assert_equal "$(tree_of c)" "$(tree_of n)"
		assert [ -e "$SCRATCH/c/top/cwd/b" ]
	done
}

others_0700() {
	case $1 in
	prepare) mkdir -p private/sub && touch private/f file ;;
	restrict) chown -R "$(other_uid)" private && chmod 0700 private ;;
	esac
}

@test "another user's 0700 directory: the kernel's EACCES for a user, with no line" {
	require_root # to make the directory another user's
	check_cases others_0700 root user <<-'END'
		ok     EACCES link private/f x
		ok     EACCES rename file private/sub/y
		ENOENT EACCES rename private/missing z
		ok     EACCES linkat cwd private/sub/../f cwd w AT_SYMLINK_FOLLOW
	END
}

sticky_shared() {
	case $1 in
	prepare) mkdir shared && touch shared/theirs shared/mine ;;
	restrict) chown "$(other_uid)" shared shared/theirs && chmod 1777 shared ;;
	esac
}

@test "a sticky directory: moving another user's file out is EPERM for a user, with no line" {
	require_root # to give the directory and a file to another user
	# Hard-linking another user's file (the last case): protected_hardlinks decides, natively
	# and confined.
	check_cases sticky_shared root user <<-'END'
		ok EPERM rename shared/theirs moved
		ok ok    rename shared/mine mine
		-  -     link shared/theirs theirs-link
	END
}

@test "another user's set-user-ID program, run by root and by a user: refused, it does not run" {
	require_root # to make the program another user's
	local who prog
	for who in root user; do
		remove_scratch
		user_scratch "$who"
		if findmnt -no OPTIONS -T "$SCRATCH" | grep -qw nosuid; then
			skip "$SCRATCH is on a nosuid mount: set-ID bits are ignored"
		fi
		mkdir "$SCRATCH/c"
		prog="$SCRATCH/suid-id"
		cp "$(type -P id)" "$prog"
		chown "$(other_uid)" "$prog"
		chmod 4755 "$prog"
		run as_who "$who" env LD_PRELOAD="$LG_PRELOAD" LINKGUARD_ROOT="$SCRATCH/c" \
			sh -c '"$@" -u' sh "$prog"
		assert_failure 126
		assert_output --partial "is a set-user-ID, set-group-ID or file-capability program"
		refute_output --partial "$(other_uid)"
	done
}
