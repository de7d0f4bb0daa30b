# launcher.sh - what the example scripts share; they source it (it is not run on its own).
#
# find_launcher NAME TOP: set lg to the linkguard launcher: $LINKGUARD when set, else
# `linkguard` on PATH, else TOP/build/shim/linkguard (TOP: the checkout the example is in).
# Without one, say how to get one (as NAME) and exit 2.
find_launcher() {
	if [ -n "${LINKGUARD:-}" ]; then
		lg=$LINKGUARD
	elif command -v linkguard >/dev/null 2>&1; then
		lg=linkguard
	elif [ -x "$2/build/shim/linkguard" ]; then
		lg=$2/build/shim/linkguard
	else
		echo "$1: no linkguard launcher: build it (cmake -S . -B build && cmake --build build)" \
			"or set LINKGUARD=/path/to/linkguard" >&2
		exit 2
	fi
}

# make_scratch PREFIX: set scratch to a fresh directory under $TMPDIR (or /tmp), removed when
# the script exits; exit 2 when it can not be made.
make_scratch() {
	scratch=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX") || exit 2
	trap 'rm -rf "$scratch"' EXIT
	trap 'exit 130' INT TERM
}
