#!/usr/bin/env bats
# binding.bats - the library never calls back into itself: no relocation of liblinkguard.so
# names a symbol the library itself defines and exports (the resolver's openat2 once went through
# the library's own exported syscall(), and so through a dlsym on its first call). And it takes
# from the loader's global scope, where the program's own definitions come first, nothing a
# decision of its rests on (shim/lg_libc.c).

bats_require_minimum_version 1.5.0
load helpers

# exported LIB: the names LIB defines and exports, one a line.
exported() {
	readelf -W --dyn-syms "$1" | awk '$7 != "UND" && ($5 == "GLOBAL" || $5 == "WEAK") { print $8 }' |
		sed 's/@.*//' | sort -u
}

# relocated LIB: the names LIB's dynamic relocations are against, one a line.
relocated() {
	readelf -W -r "$1" | awk '$1 ~ /^[0-9a-f]+$/ && $5 != "" && $5 !~ /^[0-9a-f]+$/ { print $5 }' |
		sed 's/@.*//' | sort -u
}

@test "binding: the library binds no symbol to itself" {
	command -v readelf >/dev/null || skip "readelf is missing"
	local defs rels
	defs=$(exported "$LINKGUARD_LIB")
	rels=$(relocated "$LINKGUARD_LIB")
	# the check can see: the library exports link and syscall, and imports dladdr and errno's
	grep -qx link <<<"$defs"
	grep -qx syscall <<<"$defs"
	grep -qx dladdr <<<"$rels"
	grep -qx __errno_location <<<"$rels"
	run comm -12 <(printf '%s\n' "$defs") <(printf '%s\n' "$rels")
	assert_success
	assert_output ""
}

# What the library may still take from the global scope, and why a program's own definition of
# it decides nothing:
#   environ __environ      the program's environment (execv and kin pass it on), bound as libc's
#                          own references to it are: the one libc's setenv() changes
#   __errno_location       the program's errno: written for it, never read to decide (lg_failed)
#   dladdr dl_iterate_phdr before the constructor ran (when dlsym answers refuse more)
#   __stack_chk_fail __cxa_finalize __gmon_start__ _ITM_*     the toolchain's
ALLOWED_IMPORTS="environ __environ __errno_location dladdr dl_iterate_phdr __stack_chk_fail __cxa_finalize
__gmon_start__ _ITM_deregisterTMCloneTable _ITM_registerTMCloneTable"

# Under the sanitizers the string functions stay libc's (AddressSanitizer checks them there).
SANITIZER_IMPORTS="memchr memcmp memcpy memmove memrchr memset strchr strchrnul strcmp strcspn
strlen strncmp strnlen strrchr strcpy snprintf vsnprintf __memcpy_chk __memmove_chk __memset_chk
__strcpy_chk __snprintf_chk __vsnprintf_chk"

@test "binding: the library's system calls, comparisons and copies are its own, not the scope's" {
	command -v readelf >/dev/null || skip "readelf is missing"
	case $(uname -m) in x86_64 | aarch64) ;; *) skip "no inline system calls on $(uname -m)" ;; esac
	local imports allowed extra
	imports=$(readelf -W --dyn-syms "$LINKGUARD_LIB" |
		awk '$7 == "UND" && $8 != "" { print $8 }' | sed 's/@.*//' | sort -u)
	# the check can see: the library imports errno's location, and not fstat or memcmp
	grep -qx __errno_location <<<"$imports"
	allowed=$ALLOWED_IMPORTS
	if grep -q '^__asan_' <<<"$imports"; then
		allowed="$allowed $SANITIZER_IMPORTS"
		imports=$(grep -v '^__\(asan\|ubsan\|sanitizer\)_' <<<"$imports")
	fi
	extra=$(comm -23 <(printf '%s\n' "$imports") <(tr -s ' \n' '\n' <<<"$allowed" | sort -u))
	[ -z "$extra" ] || fail "imported from the global scope: $(echo $extra)"
}
