#!/bin/sh
# run.sh - run this directory's make build confined to the directory, then try to publish out.
#
# The build ("make") installs its outputs into out/ with ln and mv: all inside the tree, so it
# works exactly as without linkguard. "make publish" hard-links the outputs into a directory
# outside the tree: linkguard refuses it, make stops, and nothing appears there. Exits 0 when
# both happened that way, 1 otherwise. Cleans build/ and out/ before and after.
#
# Run it right after building linkguard:
#     cmake -S . -B build && cmake --build build && ./examples/build-step/run.sh
# The launcher is taken from $LINKGUARD, else `linkguard` on PATH, else ../../build/shim/linkguard
# next to this script.
set -u

project=$(cd "$(dirname "$0")" && pwd)
. "$project/../launcher.sh"
find_launcher run.sh "$project/../.."
command -v make >/dev/null 2>&1 || { echo "run.sh: needs make" >&2; exit 2; }

cd "$project" || exit 2
scratch=$(mktemp -d "${TMPDIR:-/tmp}/build-step.XXXXXX") || exit 2
publish_dir=$scratch/published
mkdir "$publish_dir" || exit 2
trap 'rm -rf "$scratch"; make --no-print-directory clean >/dev/null' EXIT
trap 'exit 130' INT TERM
make --no-print-directory clean >/dev/null
failures=0

echo "== build, confined to $project"
echo "\$ linkguard --root $project -- make"
if "$lg" --root "$project" -- make --no-print-directory; then
	echo "-> build succeeded; out/ holds hard links to build/ (same inode):"
	for f in out/*.txt; do
		echo "   $f inode $(stat -c %i "$f")   build/${f#out/} inode $(stat -c %i "build/${f#out/}")"
		[ "$(stat -c %i "$f")" = "$(stat -c %i "build/${f#out/}")" ] || failures=$((failures + 1))
	done
	echo "   out/MANIFEST: $(tr '\n' ' ' <out/MANIFEST)"
else
	echo "-> !! the in-tree build failed under linkguard"
	failures=$((failures + 1))
fi

echo
echo "== publish to $publish_dir, outside the tree"
echo "\$ linkguard --root $project -- make publish PUBLISH_DIR=$publish_dir"
"$lg" --root "$project" -- make --no-print-directory publish PUBLISH_DIR="$publish_dir" \
	>"$scratch/publish.log" 2>&1
status=$?
cat "$scratch/publish.log"
if [ "$status" -eq 0 ]; then
	echo "-> !! publishing out of the tree was allowed"
	failures=$((failures + 1))
elif grep -q '^linkguard: denied' "$scratch/publish.log"; then
	echo "-> publish refused by linkguard (make stopped, status $status)"
else
	echo "-> !! publish failed (status $status), but not because linkguard refused it"
	failures=$((failures + 1))
fi
if [ -z "$(ls -A "$publish_dir")" ]; then
	echo "-> $publish_dir is still empty"
else
	echo "-> !! files appeared in $publish_dir: $(ls -A "$publish_dir" | tr '\n' ' ')"
	failures=$((failures + 1))
fi

echo
if [ "$failures" -eq 0 ]; then
	echo "result: the in-tree build worked and the out-of-tree publish was refused"
	exit 0
fi
echo "result: $failures unexpected outcome(s), marked !!"
exit 1
