#!/bin/sh
# untrusted.sh - run a (simulated) untrusted tool under linkguard and watch its tricks fail.
#
# The tool lives in a scratch workspace and, when run, tries two things a malicious build helper
# might: plant a hard link to a private file outside the workspace (a later "package the
# workspace" step would then ship the private file, or write through the link), and move the
# workspace's sources out of it. Under linkguard (root = the workspace, the launcher's default:
# the current directory) both fail with EACCES and nothing outside changes. Exits 0 when both
# were refused and the outside is unchanged, 1 otherwise.
#
#     ./examples/untrusted.sh
# The launcher is taken from $LINKGUARD, else `linkguard` on PATH, else ../build/shim/linkguard
# next to this script.
set -u

here=$(cd "$(dirname "$0")" && pwd)
. "$here/launcher.sh"
find_launcher untrusted.sh "$here/.."

make_scratch linkguard-untrusted
ws=$scratch/workspace          # what the tool may work in
home=$scratch/home             # stands for the user's home: not the tool's business
mkdir -p "$ws/src" "$home/.ssh"
echo "PRIVATE KEY" >"$home/.ssh/id_ed25519"
echo 'int main(void) { return 0; }' >"$ws/src/main.c"

# The untrusted tool. It reports what it tried and whether the system let it.
cat >"$ws/tool" <<'EOF'
#!/bin/sh
home=$1
attempt() {
	what=$1
	shift
	if "$@"; then echo "tool: $what: it worked"; else echo "tool: $what: refused"; fi
}
attempt "plant a hard link to $home/.ssh/id_ed25519 as report.txt" \
	ln "$home/.ssh/id_ed25519" report.txt
attempt "move src/main.c out to $home/" mv src/main.c "$home/"
attempt "move the whole src/ out to $home/stolen-src" mv src "$home/stolen-src"
EOF
chmod +x "$ws/tool"

state() {
	find "$1" -printf '%p %i %n %y\n' | sort
}
home_before=$(state "$home")
ws_before=$(state "$ws")

echo "\$ cd $ws && linkguard -- ./tool $home"
(cd "$ws" && "$lg" -- ./tool "$home")

echo
failures=0
if [ -e "$ws/report.txt" ] || [ "$(stat -c %h "$home/.ssh/id_ed25519")" != 1 ]; then
	echo "!! the private file got a second name"
	failures=$((failures + 1))
fi
if [ "$(state "$home")" = "$home_before" ] && [ "$(state "$ws")" = "$ws_before" ]; then
	echo "nothing changed: the private file has one name, the sources are still in the workspace"
else
	echo "!! something changed:"
	state "$home"
	state "$ws"
	failures=$((failures + 1))
fi

cat <<'EOF'

The honest limit: the library works through LD_PRELOAD, so it sees the calls that dynamically
linked programs make through libc. It follows them into every program they start, and refuses
to start static or setuid programs it could not confine. But a program that makes its system
calls itself, without libc (Go, inline assembly, io_uring), is NOT confined by the library
alone. Against code that is hostile rather than careless, add a kernel mechanism: the
launcher's --kernel layer (Landlock, where the kernel has it), or a container.
EOF
[ "$failures" -eq 0 ]
