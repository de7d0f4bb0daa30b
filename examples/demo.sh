#!/bin/sh
# demo.sh - what linkguard allows and what it refuses, one operation at a time.
#
# Builds a scratch workspace and a directory "outside" it in a temporary directory, then runs a
# few legitimate operations and a few escapes under the linkguard launcher, printing for each
# what was tried, "allowed" or "DENIED", and linkguard's own message. Exits 0 when every
# legitimate operation worked, every escape was denied and nothing outside the workspace
# changed; 1 otherwise.
#
# Run it right after building:
#     cmake -S . -B build && cmake --build build && ./examples/demo.sh
# The launcher is taken from $LINKGUARD, else `linkguard` on PATH, else ../build/shim/linkguard
# next to this script. The /proc/self/fd case needs python3 (it is skipped without it).
set -u

here=$(cd "$(dirname "$0")" && pwd)
. "$here/launcher.sh"
find_launcher demo.sh "$here/.."

make_scratch linkguard-demo
ws=$scratch/workspace   # the root: links and renames may only happen in here
outside=$scratch/outside
mkdir -p "$ws/sub" "$outside"
echo "build output" >"$ws/a"
echo "not yours" >"$outside/secret"
ln -s ../outside "$ws/esc" # a symlink in the workspace that points out of it

# Everything about $outside (names, inodes, link counts), to prove that no escape touched it.
outside_state() {
	find "$outside" -printf '%p %i %n %y\n' | sort
}
before=$(outside_state)

failures=0
# try allow|deny DESCRIPTION COMMAND...: run COMMAND under linkguard, in the workspace.
try() {
	expect=$1 what=$2
	shift 2
	err=$(cd "$ws" && "$lg" --root "$ws" -- "$@" 2>&1 >/dev/null)
	status=$?
	msg=$(printf '%s\n' "$err" | grep '^linkguard:' | head -n 1)
	if [ "$status" -eq 0 ]; then
		verdict=allowed
	elif [ -n "$msg" ]; then
		verdict=DENIED
	else
		verdict="failed (status $status, not by linkguard)"
	fi
	case "$expect:$verdict" in
	allow:allowed | deny:DENIED) mark="  " ;;
	*) mark="!!" failures=$((failures + 1)) ;;
	esac
	printf '%s %-8s %s\n' "$mark" "$verdict" "$what"
	printf '            $ %s\n' "$*"
	if [ -n "$msg" ]; then
		printf '            %s\n' "$msg"
	elif [ "$verdict" != allowed ]; then
		printf '%s\n' "$err" | sed 's/^/            /'
	fi
}

echo "workspace (the root): $ws"
echo "outside it:           $outside"
echo
echo "Legitimate work inside the workspace:"
try allow "hard link inside the workspace" ln a b
try allow "rename inside the workspace" mv b sub/c
try allow "hard-link copy of a directory inside" cp -al sub sub-copy
echo
echo "Escapes:"
try deny "hard link to an absolute path outside" ln a "$outside/stolen"
try deny "hard link out through '..'" ln a ../outside/stolen
try deny "move through a symlink that points out (esc -> ../outside)" mv a esc/
try deny "move a workspace file out" mv a "$outside/"
try deny "plant a hard link to an outside file in the workspace" ln "$outside/secret" planted
try deny "move an outside file into the workspace" mv "$outside/secret" .
if command -v python3 >/dev/null 2>&1; then
	# O_TMPFILE in the outside directory, then linkat("/proc/self/fd/N", AT_SYMLINK_FOLLOW):
	# links a file that was created outside, by descriptor rather than by name.
	cat >"$scratch/tmpfile-link.py" <<'EOF'
import ctypes, os, sys
fd = os.open(sys.argv[1], os.O_TMPFILE | os.O_WRONLY, 0o600)
libc = ctypes.CDLL(None, use_errno=True)
AT_FDCWD, AT_SYMLINK_FOLLOW = -100, 0x400
if libc.linkat(AT_FDCWD, b"/proc/self/fd/%d" % fd, AT_FDCWD, b"tmpfile", AT_SYMLINK_FOLLOW):
    sys.exit(os.strerror(ctypes.get_errno()))
EOF
	try deny "link in an unnamed O_TMPFILE made outside, via /proc/self/fd" \
		python3 "$scratch/tmpfile-link.py" "$outside"
else
	echo "   skipped  the /proc/self/fd case (no python3)"
fi

echo
# The legitimate operations must have had their effect: one file, three names.
names_of_a=$(stat -c '%i %h' "$ws/a" "$ws/sub/c" "$ws/sub-copy/c" 2>/dev/null) &&
	names_of_a=$(printf '%s\n' "$names_of_a" | sort -u) || names_of_a=missing
if [ "$(printf '%s\n' "$names_of_a" | wc -l)" -eq 1 ] && [ "${names_of_a#* }" = 3 ]; then
	echo "inside:  a, sub/c and sub-copy/c are one file (inode ${names_of_a% *}, 3 links)"
else
	echo "inside:  !! the legitimate operations did not produce one file with three names"
	failures=$((failures + 1))
fi
if [ "$(outside_state)" = "$before" ]; then
	echo "outside: unchanged"
else
	echo "outside: !! changed:"
	printf '%s\n' "$(outside_state)" | sed 's/^/    /'
	failures=$((failures + 1))
fi
if [ "$failures" -eq 0 ]; then
	echo "result:  every legitimate operation worked and every escape was denied"
	exit 0
fi
echo "result:  $failures unexpected outcome(s), marked !!"
exit 1
