#!/usr/bin/env bats
# binding.bats - the library never calls back into itself: no relocation of liblinkguard.so
# names a symbol the library itself defines and exports (the resolver's openat2 once went through
# the library's own exported syscall(), and so through a dlsym on its first call).

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
	# the check can see: the library exports link and syscall, and imports openat and dladdr
	grep -qx link <<<"$defs"
	grep -qx syscall <<<"$defs"
	grep -qx dladdr <<<"$rels"
	grep -qx openat <<<"$rels"
	run comm -12 <(printf '%s\n' "$defs") <(printf '%s\n' "$rels")
	assert_success
	assert_output ""
}
