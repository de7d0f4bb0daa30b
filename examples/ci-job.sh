#!/bin/sh
# ci-job.sh - a CI step that runs its build under linkguard and fails when anything was denied.
#
# The build runs as   linkguard --root "$WORKSPACE" -- make $MAKE_TARGETS
# with LINKGUARD_LOG pointing at a JSON-lines file outside the workspace. After the build the
# step prints a summary of the log and fails when the log holds any denial, even when the build
# itself ignored the failure (as a "best effort" cache step does below).
#
#     ./examples/ci-job.sh                      # a sample workspace whose build stays inside: passes
#     MAKE_TARGETS="all cache" ./examples/ci-job.sh
#                                               # its cache step links out of the workspace: fails
#     WORKSPACE=/path/to/checkout ./examples/ci-job.sh   # your own make project
#     LINKGUARD_MODE=audit ...                  # dry run: lists what would be denied, passes
#
# Exit status: make's when it fails, else 1 when linkguard denied anything, else 0.
# The launcher is taken from $LINKGUARD, else `linkguard` on PATH, else ../build/shim/linkguard
# next to this script. The summary uses python3 when present, else grep.
set -u

here=$(cd "$(dirname "$0")" && pwd)
. "$here/launcher.sh"
find_launcher ci-job.sh "$here/.."

make_scratch ci-job

# A sample workspace: "all" builds and installs inside it; "cache" tries to hard-link the
# artefact into a shared cache outside, and shrugs off the failure as CI scripts often do.
sample_workspace() {
	mkdir -p "$1/src" "$2"
	echo 'int main(void) { return 0; }' >"$1/src/app.c"
	cat >"$1/Makefile" <<EOF
CACHE_DIR ?= $2
all: dist/app.txt
dist/app.txt: src/app.c
	mkdir -p dist
	wc -c src/app.c >dist/.app.txt.tmp
	mv -f dist/.app.txt.tmp dist/app.txt
cache: dist/app.txt
	ln -f dist/app.txt \$(CACHE_DIR)/app.txt || echo "cache: not updated (best effort)"
.PHONY: all cache
EOF
}

if [ -z "${WORKSPACE:-}" ]; then
	WORKSPACE=$scratch/workspace
	sample_workspace "$WORKSPACE" "$scratch/shared-cache"
fi
WORKSPACE=$(cd "$WORKSPACE" && pwd) || exit 2
# The log must be an absolute path; keep it outside the workspace so the build can't touch it.
log=$scratch/linkguard.jsonl

echo "== make ${MAKE_TARGETS:-all} in $WORKSPACE (links and renames confined to it)"
# shellcheck disable=SC2086 # MAKE_TARGETS is a list of words
(cd "$WORKSPACE" && LINKGUARD_LOG=$log "$lg" --root "$WORKSPACE" -- \
	make --no-print-directory ${MAKE_TARGETS:-all})
build_status=$?

echo
echo "== linkguard summary"
if [ ! -s "$log" ]; then
	denied=0
	echo "no link or rename left the workspace"
elif command -v python3 >/dev/null 2>&1; then
	python3 - "$log" <<'EOF' || { echo "job FAILED: the log $log is not valid JSON lines"; exit 1; }
import json, sys
records = [json.loads(line) for line in open(sys.argv[1], encoding="utf-8")]
# The launcher's last record in audit mode sums up: the roots that would let the job through.
summary = [r["summary"] for r in records if "summary" in r]
records = [r for r in records if "summary" not in r]
for s in summary:
    for a in s["allow"]:
        print(f'to allow {a["calls"]} call(s): {a["flag"]} {a["place"]}')
for r in records:
    verdict = "DENIED" if r["decision"] == "deny" else "would deny (audit)"
    print(f'{verdict}: {r["call"]}("{r["old"]}", "{r["new"]}") in pid {r["pid"]}: {r["reason"]}')
denied = sum(r["decision"] == "deny" for r in records)
audited = len(records) - denied
print(f"{denied} denied, {audited} would be denied (audit mode)")
EOF
	denied=$(grep -c '"decision":"deny"' "$log")
else
	grep -o '"call":.*' "$log"
	denied=$(grep -c '"decision":"deny"' "$log")
	echo "$denied denied, $(grep -c '"decision":"audit"' "$log") would be denied (audit mode)"
fi

echo
if [ "$build_status" -ne 0 ]; then
	echo "job FAILED: make exited with status $build_status"
	exit "$build_status"
fi
if [ "$denied" -gt 0 ]; then
	echo "job FAILED: the build tried to link or rename outside $WORKSPACE"
	exit 1
fi
echo "job passed"
exit 0
