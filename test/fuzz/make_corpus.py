#!/usr/bin/env python3
"""make_corpus.py - write the fuzzer's hand-made seed inputs into corpus/, and the hand-made
forms of the disagreements it found into regressions/.

Each input is a recipe in the byte format that fuzz_resolve.c documents at its top: the options,
a small tree, the start and the paths. Run it from anywhere: it rewrites corpus/ next to itself
and (re)writes its own files in regressions/, leaving the fuzzer's raw finds there alone.
See what an input does with: LG_FUZZ_VERBOSE=1 lg_fuzz_replay corpus/NAME
"""
import os
import sys

# Directory indices: the three base directories, then each directory made, in order.
ROOT, OUT, T = 0, 1, 2
NAMES = {"a": 0, "b": 1, "c": 2, "d": 3, "e": 4, "x": 5, "root": 6, "out": 7}
TOKENS = {".": 0, "..": 1, "": 3, "a": 4, "b": 5, "c": 6, "d": 7, "e": 8, "root": 9,
          "out": 10, "rootlink": 11, "rootevil": 12, "x": 13, "@Trel": 14, "f": 15}
PREFIX = {"rel": 0, "@T/root": 4, "@T": 5, "@T/rootlink": 6, "/": 7}
SPELLING = {"root": 0, "rootlink": 1, "untidy": 2}
ROOT2 = {None: 0, "out": 1, "pick": 2, "T": 3}
START = {"fd": 0, "tmpfile": 1, "cwd": 2, "bad": 3}
FOLLOW_FINAL, SLASH_FOLLOWS = 1, 2


def spec(path, prefix="rel", untidy=False, trailing=0, empty_fd=False, magic=False):
    """A path or a symlink body: a prefix, then components ("a/../b"), then trailing slashes.
    A path only: empty_fd adds LG_EMPTY_IS_FD; magic makes it /proc/self/fd/N of the start
    (untidy: /dev/fd/N; prefix "@T": /proc/thread-self/fd/N; both: /proc/PID/fd/N)."""
    comps = path.split("/") if path else []
    assert len(comps) <= 15, path
    head = PREFIX[prefix] | (8 if untidy else 0) | ({0: 0, 1: 2, 2: 3}[trailing] << 4)
    head |= (64 if empty_fd else 0) | (128 if magic else 0)
    return bytes([head, len(comps)] + [TOKENS[c] for c in comps])


def mkdir(parent, name):
    return bytes([parent, NAMES[name], 0])


def touch(parent, name):
    return bytes([parent, NAMES[name], 1])


def ln(parent, name, body):
    return bytes([parent, NAMES[name], 2]) + body


def recipe(tree, path, start=ROOT, start_kind="fd", flags=0, spelling="root", root2=None,
           root2_dir=0, path2=None, flags2=0, same_dir=False, same_names=False):
    """path2: the call's second path, resolved after the first in one lg_scope. With same_dir,
    it is the first path with its last component replaced by path2's first one; with
    same_names, the first path's components after path2's own prefix."""
    opts = flags | (SPELLING[spelling] << 2) | (ROOT2[root2] << 4) | (START[start_kind] << 6)
    data = bytes([opts, len(tree)]) + b"".join(tree) + bytes([root2_dir, start]) + path
    if path2 is not None:
        data += bytes([flags2 | (4 if same_dir else 0) | (8 if same_names else 0)]) + path2
    return data


# Created directories get indices 3, 4, ... in the order they are made.
A, B = 3, 4
# With start_kind="bad", the start selector picks: a closed fd, @T/f, @T/root/f.
CLOSED, FILE_OUT, FILE_IN = 0, 1, 3
SEEDS = {
    "01-plain-file": recipe([touch(ROOT, "a")], spec("a")),
    "02-nested-dotdot-inside": recipe([mkdir(ROOT, "a"), mkdir(A, "b")], spec("a/b/../x")),
    "03-dotdot-escape": recipe([mkdir(OUT, "x")], spec("../out/x")),
    "04-absolute-untidy-inside": recipe([mkdir(ROOT, "a")], spec("a/x", "@T/root", True)),
    "05-absolute-prefix-sibling": recipe([], spec("rootevil/x", "@T")),
    "06-relative-link-chain": recipe([mkdir(ROOT, "b"), ln(ROOT, "a", spec("c")),
                                      ln(ROOT, "c", spec("b/."))], spec("a/x")),
    "07-absolute-link-via-rootlink": recipe([mkdir(ROOT, "b"),
                                             ln(ROOT, "a", spec("b", "@T/rootlink"))],
                                            spec("a/x"), spelling="rootlink"),
    "08-link-out-and-back": recipe([mkdir(ROOT, "a"), ln(A, "b", spec("../../root/a"))],
                                   spec("a/b/x")),
    "09-link-loop": recipe([ln(ROOT, "a", spec("b/x")), ln(ROOT, "b", spec("a/x"))],
                           spec("a/x")),
    "10-final-follow-chain": recipe([mkdir(ROOT, "a"), ln(ROOT, "b", spec("a/c")),
                                     ln(A, "c", spec("../x"))], spec("b"), flags=FOLLOW_FINAL),
    "11-slash-follows-out": recipe([ln(ROOT, "a", spec("../out"))], spec("a", trailing=1),
                                   flags=SLASH_FOLLOWS),
    "12-cwd-outside-enters": recipe([mkdir(ROOT, "a")], spec("root/a/x"), start=T,
                                    start_kind="cwd"),
    "13-outside-start-climbs-to-slash": recipe([], spec("../../../../../../../@Trel/root/x"),
                                               start=OUT),
    "14-second-root-by-link": recipe([ln(ROOT, "a", spec("out", "@T")), mkdir(OUT, "b")],
                                     spec("a/b/x"), root2="out"),
    "15-nested-root-dotdot": recipe([mkdir(ROOT, "a")], spec("../x"), start=A, root2="pick",
                                    root2_dir=A),
    "16-root-entry-by-link": recipe([ln(ROOT, "a", spec("", "@T/root"))], spec("a"),
                                    flags=FOLLOW_FINAL),
    "17-closed-fd-absolute": recipe([], spec("x", "@T/root"), start=CLOSED, start_kind="bad"),
    "18-final-dotdot-by-link": recipe([mkdir(ROOT, "a"), ln(A, "b", spec(".."))],
                                      spec("a/b", trailing=1), flags=SLASH_FOLLOWS),
    "30-final-link-to-dotdot-at-root": recipe([ln(ROOT, "a", spec(".."))], spec("a"),
                                              flags=FOLLOW_FINAL),
    "19-scope-rename-in-one-dir": recipe([mkdir(ROOT, "a"), touch(A, "x")], spec("a/x"),
                                         path2=spec("e"), same_dir=True),
    "20-scope-root-level-follow": recipe([touch(ROOT, "x"), ln(ROOT, "a", spec("x"))],
                                         spec("a"), flags=FOLLOW_FINAL, path2=spec("b"),
                                         same_dir=True),
    "21-scope-two-roots": recipe([mkdir(ROOT, "a")], spec("x", "@T"),
                                 root2="T", path2=spec("root/a/x", "@T")),
    "22-scope-cwd-escape": recipe([mkdir(ROOT, "a")], spec("a/x"), start_kind="cwd",
                                  path2=spec("../out/x")),
    "27-scope-same-names-two-roots": recipe([mkdir(ROOT, "a"), mkdir(T, "a")],
                                            spec("a/x", "@T/root"), root2="T",
                                            path2=spec("", "@T"), same_names=True),
    "28-tmpfile-in-root": recipe([], spec("", empty_fd=True), start=ROOT, start_kind="tmpfile",
                                 path2=spec("", "@T", untidy=True, magic=True),
                                 flags2=FOLLOW_FINAL),
    "29-tmpfile-outside": recipe([], spec("", "@T", magic=True), start=OUT,
                                 start_kind="tmpfile", flags=FOLLOW_FINAL,
                                 path2=spec("x")),
    "23-empty-path-dir-inside": recipe([mkdir(ROOT, "a")], spec("", empty_fd=True), start=A,
                                       path2=spec("", empty_fd=True)),
    "24-magic-fd-file-outside": recipe([], spec("", magic=True), start=FILE_OUT,
                                       start_kind="bad", flags=FOLLOW_FINAL,
                                       path2=spec("", magic=True, untidy=True), flags2=1),
    "25-empty-path-root-itself": recipe([], spec("", empty_fd=True), start=ROOT,
                                        path2=spec("f", magic=True), flags2=1),
    "26-empty-path-file-inside": recipe([], spec("", empty_fd=True), start=FILE_IN,
                                        start_kind="bad"),
}

# Disagreements found by the fuzzer, each in its smallest readable form.
REGRESSIONS = {
    # d409541: a final symlink followed from a parent the entry does not own (the root, or a
    # parent borrowed within an lg_scope) falls back to the walk with own_dir still 0, so
    # lg_entry_close() leaves the walk's descriptor open: one leaked fd per call (the shim's
    # linkat(AT_SYMLINK_FOLLOW) of a symlink in the root directory, or link("lnk/", ...)).
    "fd-leak-follow-final-in-root-dir": recipe([ln(ROOT, "a", spec("f"))], spec("a"),
                                               flags=FOLLOW_FINAL),
    "fd-leak-slash-follows-in-root-dir": recipe([mkdir(ROOT, "b"), ln(ROOT, "a", spec("b"))],
                                                spec("a", trailing=1), flags=SLASH_FOLLOWS),
    "fd-leak-follow-final-in-borrowed-parent": recipe(
        [mkdir(ROOT, "a"), ln(A, "b", spec("x"))], spec("a/x"), path2=spec("b"),
        flags2=FOLLOW_FINAL, same_dir=True),
    # fe1bbff: the walk denies a final ".." at the root whenever any symlink was followed
    # before (w->links > 0), not only when a followed final symlink left it there. A written
    # "a/.." through a middle symlink to the root is then EACCES on the walk but (root, "..")
    # on openat2, as "./.." is on both: the backends disagree.
    "dotdot-final-after-middle-link-at-root": recipe([ln(ROOT, "a", spec("."))],
                                                     spec("a/..")),
    "dotdot-final-after-absolute-link-at-root": recipe([ln(ROOT, "a", spec("", "@T/root"))],
                                                       spec("a/..")),
}


def write(directory, inputs, clean):
    os.makedirs(directory, exist_ok=True)
    if clean:
        for name in os.listdir(directory):
            os.unlink(os.path.join(directory, name))
    for name, data in sorted(inputs.items()):
        with open(os.path.join(directory, name), "wb") as f:
            f.write(data)
    print(f"{len(inputs)} inputs in {directory}", file=sys.stderr)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    write(os.path.join(here, "corpus"), SEEDS, True)
    write(os.path.join(here, "regressions"), REGRESSIONS, False)


if __name__ == "__main__":
    main()
