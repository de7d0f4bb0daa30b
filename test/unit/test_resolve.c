/* test_resolve.c - the resolver's case table, every row run on both backends; TAP output.
 * Each row also says which part of the resolver must answer it (struct lg_entry's `by`): a row
 * that the openat2 backend hands to the walk is labelled so, and checked. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lg_compat.h"
#include "lg_resolve.h"
#include "../own_ns.h"
#include "../tap.h"

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/memcheck.h>
#include <valgrind/valgrind.h>
#endif
#endif
#ifndef RUNNING_ON_VALGRIND
#define RUNNING_ON_VALGRIND		0
#define VALGRIND_MAKE_MEM_DEFINED(a, n) ((void)(a), (void)(n))
#endif

/*
 * The tree, made fresh under a temporary directory @T:
 *   @T/root/            the root            @T/out/secret      outside
 *   @T/rootevil/        a sibling whose name the root's name prefixes
 *   @T/rootlink -> root another spelling of the root
 *   @T/other/           a second root (multi-root rows)
 * Symlinks inside the root are listed in make_tree().
 */
static char T[64]; /* short, so every path built from it fits */

enum start {
	AT_ROOT = 0, /* cwd = the root */
	AT_TMP,	     /* cwd = @T, outside every root */
	AT_OUT,	     /* cwd = @T/out */
	FD_DIR,	     /* a dirfd of @T/root/dir */
	FD_OUT,	     /* a dirfd of @T/out */
	FD_CLOSED,   /* a closed descriptor */
	FD_FILE,     /* a descriptor of a regular file */
};

/* Who must answer a row on the openat2 backend (see expected_by for the walk backend). */
enum by_row {
	FE, /* the front end, before any backend */
	RT, /* the openat2 backend, from the root's (or a dirfd's) own descriptor: no openat2 call
	     */
	O2, /* the openat2 backend, by an openat2 call */
	WK, /* the walk, after the openat2 backend handed the path over */
};

struct row {
	enum by_row by;
	const char *what;
	enum start start;
	const char *path; /* "@T" stands for the temporary directory */
	unsigned flags;
	int err;	    /* 0, or the expected errno */
	enum lg_why why;    /* with LG_ERR_DENIED: the reason */
	const char *parent; /* on success: the parent, relative to the root ("." = root) */
	const char *name;   /* on success: the last component as handed to the kernel */
};

#define OK(b, w, s, p, f, par, nm)                                                                 \
	{                                                                                          \
		b, w, s, p, f, 0, LG_WHY_NONE, par, nm                                             \
	}
#define ERR(b, w, s, p, f, e)                                                                      \
	{                                                                                          \
		b, w, s, p, f, e, LG_WHY_NONE, NULL, NULL                                          \
	}
#define DENY(b, w, s, p, f, y)                                                                     \
	{                                                                                          \
		b, w, s, p, f, LG_ERR_DENIED, y, NULL, NULL                                        \
	}

static const struct row rows[] = {
    /* Plain walks inside the root. */
    OK(RT, "file in root", AT_ROOT, "file", 0, ".", "file"),
    OK(O2, "nested parent", AT_ROOT, "dir/sub/x", 0, "dir/sub", "x"),
    OK(O2, "repeated slashes and dots", AT_ROOT, ".//dir/./sub//x", 0, "dir/sub", "x"),
    OK(O2, "dotdot that stays inside", AT_ROOT, "dir/../file", 0, ".", "file"),
    OK(O2, "dotdot deep then up", AT_ROOT, "dir/sub/../../dir/x", 0, "dir", "x"),
    OK(O2, "absolute path under the root", AT_ROOT, "@T/root/dir/x", 0, "dir", "x"),
    OK(O2, "absolute, messy spelling", AT_ROOT, "@T//root/./dir//x", 0, "dir", "x"),
    DENY(FE, "a third spelling of the root is outside", AT_ROOT, "@T/rootlink/x", 0,
	 LG_WHY_OUTSIDE),
    /* Escapes by "..". */
    DENY(WK, "dotdot out of the root", AT_ROOT, "../out/x", 0, LG_WHY_DOTDOT),
    DENY(WK, "dotdot out from a subdir", AT_ROOT, "dir/../../out/x", 0, LG_WHY_DOTDOT),
    DENY(WK, "leave and come back", AT_ROOT, "../root/file", 0, LG_WHY_DOTDOT),
    DENY(WK, "absolute, then dotdot out", AT_ROOT, "@T/root/../out/x", 0, LG_WHY_DOTDOT),
    DENY(WK, "absolute, out and back in", AT_ROOT, "@T/root/../root/file", 0, LG_WHY_DOTDOT),
    /* Absolute paths that are not under the root. */
    DENY(FE, "absolute outside", AT_ROOT, "/etc/passwd", 0, LG_WHY_OUTSIDE),
    DENY(FE, "name prefix is not a path prefix", AT_ROOT, "@T/rootevil/x", 0, LG_WHY_OUTSIDE),
    DENY(FE, "the root's parent", AT_ROOT, "@T/x", 0, LG_WHY_OUTSIDE),
    DENY(FE, "proc magic cwd", AT_ROOT, "/proc/self/cwd/file", 0, LG_WHY_OUTSIDE),
    DENY(FE, "proc magic root", AT_ROOT, "/proc/self/root@T/root/file", 0, LG_WHY_OUTSIDE),
    DENY(FE, "the root itself", AT_ROOT, "@T/root", 0, LG_WHY_ROOT_ENTRY),
    DENY(FE, "the root itself, trailing slash", AT_ROOT, "@T/root/", 0, LG_WHY_ROOT_ENTRY),
    /* Symlinks in non-final components. */
    OK(O2, "relative symlink inside", AT_ROOT, "rel_in/x", 0, "dir/sub", "x"),
    OK(WK, "absolute symlink under the root", AT_ROOT, "abs_in/x", 0, "dir", "x"),
    OK(O2, "symlink chain inside", AT_ROOT, "chain1/x", 0, "dir", "x"),
    OK(O2, "symlink to the root's own dir", AT_ROOT, "dir/up/file", 0, ".", "file"),
    OK(O2, "self symlink", AT_ROOT, "self/self/file", 0, ".", "file"),
    OK(O2, "dotdot after a symlink is physical", AT_ROOT, "rel_in/../x", 0, "dir", "x"),
    OK(O2, "chained dotdot inside (openat2 cheeky/passwd)", AT_ROOT, "cheeky_in/x", 0, "dir", "x"),
    DENY(WK, "absolute symlink outside", AT_ROOT, "abs_out/x", 0, LG_WHY_SYMLINK),
    DENY(WK, "relative symlink outside", AT_ROOT, "rel_out/x", 0, LG_WHY_SYMLINK),
    DENY(WK, "symlink to ..", AT_ROOT, "rel_up/x", 0, LG_WHY_SYMLINK),
    DENY(WK, "dir/link => ../../", AT_ROOT, "dir/dotdot_root/x", 0, LG_WHY_SYMLINK),
    DENY(WK, "symlink that leaves and comes back", AT_ROOT, "cheeky/x", 0, LG_WHY_SYMLINK),
    DENY(WK, "escaping chain", AT_ROOT, "chain_out1/x", 0, LG_WHY_SYMLINK),
    DENY(WK, "garbage dotdot chain", AT_ROOT, "garbage/x", 0, LG_WHY_SYMLINK),
    DENY(WK, "absolute symlink to the root's name prefix", AT_ROOT, "abs_evil/x", 0,
	 LG_WHY_SYMLINK),
    ERR(WK, "symlink loop", AT_ROOT, "loop1/x", 0, ELOOP),
    OK(O2, "40 symlinks", AT_ROOT, "n40/x", 0, "dir", "x"),
    ERR(WK, "41 symlinks", AT_ROOT, "n41/x", 0, ELOOP),
    /* The final component. */
    OK(RT, "final symlink not followed", AT_ROOT, "link_file", 0, ".", "link_file"),
    OK(RT, "final symlink out, not followed", AT_ROOT, "link_out", 0, ".", "link_out"),
    OK(WK, "final symlink followed", AT_ROOT, "link_file", LG_FOLLOW_FINAL, ".", "file"),
    OK(WK, "final chain followed", AT_ROOT, "link_deep", LG_FOLLOW_FINAL, "dir/sub", "f"),
    OK(WK, "final absolute symlink followed", AT_ROOT, "link_abs", LG_FOLLOW_FINAL, ".", "file"),
    DENY(WK, "final symlink out, followed", AT_ROOT, "link_out", LG_FOLLOW_FINAL, LG_WHY_SYMLINK),
    OK(WK, "final dangling symlink followed", AT_ROOT, "link_none", LG_FOLLOW_FINAL, ".", "none"),
    OK(RT, "dot last", AT_ROOT, ".", 0, ".", "."),
    OK(RT, "dotdot last at the root goes to the kernel", AT_ROOT, "..", 0, ".", ".."),
    OK(O2, "dotdot last", AT_ROOT, "dir/..", 0, "dir", ".."),
    OK(O2, "dotdot last, follow", AT_ROOT, "dir/..", LG_FOLLOW_FINAL, "dir", ".."),
    OK(O2, "dotdot last after a middle symlink goes to the kernel", AT_ROOT, "self/..", 0, ".",
       ".."),
    DENY(WK, "final symlink to .. followed", AT_ROOT, "rel_up", LG_FOLLOW_FINAL, LG_WHY_SYMLINK),
    DENY(WK, "final symlink to ../.. followed", AT_ROOT, "dir/dotdot_root", LG_FOLLOW_FINAL,
	 LG_WHY_SYMLINK),
    OK(O2, "trailing slash kept", AT_ROOT, "dir/sub/", 0, "dir", "sub/"),
    OK(RT, "trailing slash on a symlink, create", AT_ROOT, "rel_out/", 0, ".", "rel_out/"),
    OK(WK, "trailing slash follows inside", AT_ROOT, "rel_in/", LG_SLASH_FOLLOWS, "dir", "sub/"),
    DENY(WK, "trailing slash follows out", AT_ROOT, "rel_out/", LG_SLASH_FOLLOWS, LG_WHY_SYMLINK),
    /* Kernel errors. */
    ERR(FE, "empty path", AT_ROOT, "", 0, ENOENT),
    ERR(O2, "missing directory", AT_ROOT, "nope/x", 0, ENOENT),
    ERR(O2, "file in the middle", AT_ROOT, "file/x", 0, ENOTDIR),
    ERR(O2, "over-long component", AT_ROOT, "dir/@256", 0, ENAMETOOLONG),
    ERR(FE, "over-long path", AT_ROOT, "@4096", 0, ENAMETOOLONG),
    /* Relative paths from other starting points. */
    OK(O2, "cwd outside, path enters the root", AT_TMP, "root/dir/x", 0, "dir", "x"),
    OK(O2, "cwd outside, leading dotdot enters", AT_OUT, "../root/dir/x", 0, "dir", "x"),
    DENY(WK, "cwd outside, enters then leaves", AT_TMP, "root/../root/file", 0, LG_WHY_DOTDOT),
    DENY(FE, "cwd outside, never enters", AT_TMP, "out/x", 0, LG_WHY_OUTSIDE),
    DENY(FE, "cwd outside, the root by name", AT_TMP, "root", 0, LG_WHY_ROOT_ENTRY),
    OK(RT, "dirfd inside", FD_DIR, "x", 0, "dir", "x"),
    OK(WK, "dirfd inside, dotdot inside", FD_DIR, "../file", 0, ".", "file"),
    DENY(WK, "dirfd inside, dotdot out", FD_DIR, "../../out/x", 0, LG_WHY_DOTDOT),
    DENY(FE, "dirfd outside", FD_OUT, "secret", 0, LG_WHY_OUTSIDE),
    OK(RT, "dirfd outside, absolute path inside", FD_OUT, "@T/root/file", 0, ".", "file"),
    ERR(FE, "closed dirfd", FD_CLOSED, "x", 0, EBADF),
    OK(RT, "closed dirfd, absolute path", FD_CLOSED, "@T/root/file", 0, ".", "file"),
    ERR(FE, "file as dirfd", FD_FILE, "x", 0, ENOTDIR),
};

/* Expand @T, @256 (a 256-byte name) and @4096 (a 4096-byte path). */
static const char *expand(const char *tmpl, char *out, size_t size)
{
	size_t n = 0;

	for (const char *p = tmpl; *p && n < size - 1;) {
		if (strncmp(p, "@T", 2) == 0) {
			n += (size_t)snprintf(out + n, size - n, "%s", T);
			p += 2;
		} else if (strncmp(p, "@256", 4) == 0 || strncmp(p, "@4096", 5) == 0) {
			size_t count = p[1] == '2' ? 256 : 4096;

			for (size_t i = 0; i < count && n < size - 1; i++)
				out[n++] = (i % 100 == 99 && count > 256) ? '/' : 'a';
			p += p[1] == '2' ? 4 : 5;
		} else {
			out[n++] = *p++;
		}
	}
	out[n] = '\0';
	return out;
}

__attribute__((format(printf, 1, 2))) static void sh(const char *fmt, ...)
{
	char cmd[PATH_MAX * 2];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (system(cmd) != 0)
		tap_bail("setup failed: %s", cmd);
}

static void make_tree(void)
{
	char chain[64 * 8];

	strcpy(T, "/tmp/lg-unit-XXXXXX");
	if (mkdtemp(T) == NULL)
		tap_bail("mkdtemp: %s", strerror(errno));
	sh("cd %s && mkdir -p root/dir/sub rootevil out other && echo s > out/secret", T);
	sh("cd %s && ln -s root rootlink && cd root && echo d > file && echo f > dir/sub/f", T);
	sh("cd %s/root && ln -s dir/sub rel_in && ln -s %s/root/dir abs_in && ln -s /etc "
	   "abs_out"
	   " && ln -s ../out rel_out && ln -s .. rel_up && ln -s chain2 chain1 && ln -s "
	   "dir chain2"
	   " && ln -s loop2 loop1 && ln -s loop1 loop2 && ln -s dir/../../root/dir cheeky"
	   " && ln -s dir/sub/../../dir cheeky_in && ln -s ../.. dir/dotdot_root && ln -s "
	   ".. dir/up"
	   " && ln -s . self && ln -s chain_out2 chain_out1 && ln -s rel_out chain_out2"
	   " && ln -s dir/sub/../../../out garbage && ln -s %s/rootevil abs_evil"
	   " && ln -s file link_file && ln -s ../out/secret link_out && ln -s rel_in/f "
	   "link_deep"
	   " && ln -s %s/root/file link_abs && ln -s none link_none",
	   T, T, T, T);
	/* n40 -> n39 -> ... -> n1 -> dir: 40 links; n41 one more. */
	sh("cd %s/root && ln -s dir n1", T);
	for (int i = 2; i <= 41; i++) {
		snprintf(chain, sizeof(chain), "cd %s/root && ln -s n%d n%d", T, i - 1, i);
		sh("%s", chain);
	}
}

static int open_start(enum start s)
{
	char p[PATH_MAX];
	int fd;

	switch (s) {
	case AT_ROOT:
	case AT_TMP:
	case AT_OUT:
		snprintf(p, sizeof(p), "%s%s", T,
			 s == AT_ROOT  ? "/root"
			 : s == AT_OUT ? "/out"
				       : "");
		if (chdir(p) != 0)
			return -2;
		return AT_FDCWD;
	case FD_DIR:
	case FD_OUT:
		snprintf(p, sizeof(p), "%s/%s", T, s == FD_DIR ? "root/dir" : "out");
		return open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	case FD_CLOSED:
		fd = open("/", O_RDONLY | O_CLOEXEC);
		close(fd);
		return fd;
	case FD_FILE:
		snprintf(p, sizeof(p), "%s/root/file", T);
		return open(p, O_RDONLY | O_CLOEXEC);
	}
	return -2;
}

static int same_dir(int fd, const char *root_relative)
{
	char p[PATH_MAX];
	struct stat a, b;

	snprintf(p, sizeof(p), "%s/root/%s", T, root_relative);
	return fstat(fd, &a) == 0 && stat(p, &b) == 0 && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

static const char *by_name(enum lg_decider by)
{
	return by == LG_BY_FRONT ? "front end" : by == LG_BY_OPENAT2 ? "openat2 backend" : "walk";
}

/* report: one check; on failure, why (a table row's expectation, or what came back). */
static void report(int ok, const char *backend, const char *what, const char *why)
{
	if (!tap_ok(ok, "%s: %s", backend, what))
		tap_diag("%s", why);
}

/* check: one non-table check of lg_resolve's result r and entry e; a failure says what came
 * back. */
static void check(int ok, const char *backend, const char *what, int r, const struct lg_entry *e)
{
	if (!tap_ok(ok, "%s: %s", backend, what))
		tap_diag("got %d (%s), why %d, kind %d, root %zu, by %s", r,
			 r < 0 ? strerrorname_np(-r) : "success", e->why, e->kind, e->root,
			 by_name(e->by));
}

/* Whether the kernel (or valgrind) has openat2: without it the openat2 backend is the walk.
 */
static int have_openat2(void)
{
	static int known = -1;
	struct open_how how = {.flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_BENEATH};
	long fd;

	if (known < 0) {
		fd = syscall(SYS_openat2, AT_FDCWD, ".", &how, sizeof(how));
		if (fd >= 0)
			close((int)fd);
		known = fd >= 0;
	}
	return known;
}

/* Whether a missing openat2 is expected here (valgrind 3.19 does not know the call): then the
 * openat2 backend's rows are checked as the fallback answers them, and nothing is skipped. */
static int no_openat2_expected;
static int emulated; /* under qemu-user: the emulator keeps the guest's RLIMIT_AS for itself */

/* Who must answer row on this backend: the front end's rows never reach one; the walk backend
 * answers every other row; without openat2 the openat2 backend hands over all but RT rows. */
static enum lg_decider expected_by(enum lg_backend backend, const struct row *row)
{
	if (row->by == FE)
		return LG_BY_FRONT;
	if (backend == LG_BACKEND_WALK || row->by == WK || (row->by == O2 && !have_openat2()))
		return LG_BY_WALK;
	return LG_BY_OPENAT2;
}

static void check_row(struct lg_rootset *set, const char *backend, const struct row *row)
{
	char path[PATH_MAX * 2], why[PATH_MAX];
	enum lg_decider by = expected_by(set->backend, row);
	struct lg_entry e;
	int start = open_start(row->start);
	int r, ok;

	expand(row->path, path, sizeof(path));
	errno = 7777;
	r = lg_resolve(set, start, path, row->flags, &e);
	if (errno != 7777) {
		report(0, backend, row->what, "errno was touched");
		goto out;
	}
	if (row->err) {
		ok = r == -row->err && (row->err != LG_ERR_DENIED || e.why == row->why);
		snprintf(why, sizeof(why), "want -%d (why %d), got %d (why %d)", row->err, row->why,
			 r, e.why);
	} else {
		ok = r == 0 && e.kind == LG_ENTRY_NAME && same_dir(e.dir_fd, row->parent) &&
		     strcmp(e.name, row->name) == 0;
		snprintf(why, sizeof(why), "want %s + \"%s\", got %d (why %d) name \"%s\"",
			 row->parent, row->name, r, r == 0 ? 0 : e.why, r == 0 ? e.name : "");
		if (r == 0)
			lg_entry_close(&e);
	}
	if (ok && e.by != by) {
		ok = 0;
		snprintf(why, sizeof(why), "the right answer, but from the %s, not the %s",
			 by_name(e.by), by_name(by));
	}
	report(ok, backend, row->what, why);
out:
	if (start >= 0)
		close(start);
}

static void add_root(struct lg_rootset *set, const char *sub)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s", T, sub);
	if (lg_rootset_add(set, p) != 0)
		tap_bail("cannot add root %s", p);
}

/* Descriptor entries: AT_EMPTY_PATH and /proc/self/fd/N name a file by descriptor. */
static void check_fd_entries(struct lg_rootset *set, const char *backend)
{
	char p[PATH_MAX], magic[64];
	struct lg_entry e;
	int in, out, tmp_in, tmp_out, r;

	snprintf(p, sizeof(p), "%s/root/file", T);
	in = open(p, O_RDONLY | O_CLOEXEC);
	snprintf(p, sizeof(p), "%s/out/secret", T);
	out = open(p, O_RDONLY | O_CLOEXEC);
	snprintf(p, sizeof(p), "%s/root/dir", T);
	tmp_in = open(p, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	snprintf(p, sizeof(p), "%s/out", T);
	tmp_out = open(p, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (in < 0 || out < 0 || tmp_in < 0 || tmp_out < 0)
		tap_bail("descriptor entries: open: %s", strerror(errno));

	r = lg_resolve(set, in, "", LG_EMPTY_IS_FD, &e);
	check(r == 0 && e.kind == LG_ENTRY_FD, backend, "empty path: fd of a file inside", r, &e);
	if (r == 0)
		lg_entry_close(&e);
	r = lg_resolve(set, out, "", LG_EMPTY_IS_FD, &e);
	check(r == -LG_ERR_DENIED && e.why == LG_WHY_FD_OUTSIDE, backend,
	      "empty path: fd of a file outside", r, &e);
	r = lg_resolve(set, tmp_in, "", LG_EMPTY_IS_FD, &e);
	check(r == 0 && e.kind == LG_ENTRY_FD, backend, "empty path: O_TMPFILE inside", r, &e);
	if (r == 0)
		lg_entry_close(&e);
	r = lg_resolve(set, tmp_out, "", LG_EMPTY_IS_FD, &e);
	check(r == -LG_ERR_DENIED, backend, "empty path: O_TMPFILE outside", r, &e);
	snprintf(magic, sizeof(magic), "/proc/self/fd/%d", tmp_in);
	r = lg_resolve(set, AT_FDCWD, magic, LG_MAGIC_FD | LG_FOLLOW_FINAL, &e);
	check(r == 0 && e.kind == LG_ENTRY_FD, backend, "/proc/self/fd/N of O_TMPFILE inside", r,
	      &e);
	if (r == 0)
		lg_entry_close(&e);
	snprintf(magic, sizeof(magic), "/dev/fd/%d", out);
	r = lg_resolve(set, AT_FDCWD, magic, LG_MAGIC_FD | LG_FOLLOW_FINAL, &e);
	check(r == -LG_ERR_DENIED, backend, "/dev/fd/N of a file outside", r, &e);
	r = lg_resolve(set, AT_FDCWD, magic, LG_MAGIC_FD, &e);
	check(r == -LG_ERR_DENIED && e.why == LG_WHY_OUTSIDE, backend,
	      "/dev/fd/N without follow is just a path outside", r, &e);
	r = lg_resolve(set, 9999, "", LG_EMPTY_IS_FD, &e);
	check(r == -EBADF, backend, "empty path: closed fd", r, &e);
	r = lg_resolve(set, AT_FDCWD, NULL, 0, &e);
	check(r == -EFAULT, backend, "NULL path", r, &e);
	close(in);
	close(out);
	close(tmp_in);
	close(tmp_out);
}

/* Several roots: each path stays in the root it entered, absolute symlinks may cross. */
static void check_multi_root(enum lg_backend backend, const char *name)
{
	struct lg_rootset set;
	struct lg_entry e;
	char p[PATH_MAX], other[PATH_MAX];
	int r;

	lg_rootset_init(&set, backend);
	add_root(&set, "root");
	add_root(&set, "other");
	snprintf(p, sizeof(p), "%s/other/x", T);
	r = lg_resolve(&set, AT_FDCWD, p, 0, &e);
	check(r == 0 && e.root == 1, name, "second root, absolute", r, &e);
	if (r == 0)
		lg_entry_close(&e);
	snprintf(p, sizeof(p), "%s/root", T);
	if (chdir(p) == 0) {
		r = lg_resolve(&set, AT_FDCWD, "../other/x", 0, &e);
		check(r == -LG_ERR_DENIED && e.why == LG_WHY_DOTDOT, name,
		      "dotdot into a sibling root is an escape", r, &e);
	} else {
		tap_skip(strerror(errno), "%s: dotdot into a sibling root is an escape", name);
	}
	snprintf(other, sizeof(other), "%s/other", T);
	snprintf(p, sizeof(p), "%s/root/to_other", T);
	unlink(p);
	if (symlink(other, p) == 0) {
		r = lg_resolve(&set, AT_FDCWD, "to_other/x", 0, &e);
		check(r == 0 && e.root == 1 && same_dir(e.dir_fd, "../other"), name,
		      "absolute symlink into another root continues there", r, &e);
		if (r == 0)
			lg_entry_close(&e);
		unlink(p);
	} else {
		tap_skip(strerror(errno), "%s: absolute symlink into another root continues there",
			 name);
	}
	for (size_t i = 0; i < set.count; i++)
		close(set.root[i].fd);
}

/* One call's two paths: a shared parent is opened once, the root's own fd is lent, and the
 * answers are the same as two separate resolutions. */
static void check_scope(enum lg_backend backend, const char *name)
{
	struct lg_rootset set;
	struct lg_scope scope;
	struct lg_entry a, b, c;
	char p[PATH_MAX];
	int ra, rb, rc;

	lg_rootset_init(&set, backend);
	add_root(&set, "root");
	snprintf(p, sizeof(p), "%s/root", T);
	if (chdir(p) != 0) {
		tap_skip(strerror(errno), "%s: scope checks (cannot enter %s)", name, p);
		close(set.root[0].fd);
		return;
	}
	lg_scope_init(&scope, &set);
	ra = lg_resolve_in(&scope, AT_FDCWD, "dir/sub/x", 0, &a);
	rb = lg_resolve_in(&scope, AT_FDCWD, "dir/sub//y", 0, &b);
	rc = lg_resolve_in(&scope, AT_FDCWD, "z", 0, &c);
	if (!tap_ok(ra == 0 && rb == 0 && same_dir(a.dir_fd, "dir/sub") &&
			same_dir(b.dir_fd, "dir/sub") && strcmp(b.name, "y") == 0,
		    "%s: scope: two paths in one directory", name))
		tap_diag("got %d and %d, names \"%s\" and \"%s\"", ra, rb, a.name, b.name);
	if (backend == LG_BACKEND_WALK)
		; /* the walk shares no parent: nothing to check */
	else if (have_openat2())
		check(ra == 0 && rb == 0 && a.own_dir && !b.own_dir && b.dir_fd == a.dir_fd, name,
		      "scope: the shared parent is opened once", rb, &b);
	else if (!no_openat2_expected)
		tap_skip("no openat2 here (kernel before 5.6?)",
			 "%s: scope: the shared parent is opened once", name);
	check(rc == 0 && same_dir(c.dir_fd, "."), name, "scope: a path in the root itself", rc, &c);
	if (rc == 0)
		lg_entry_close(&c);
	if (rb == 0)
		lg_entry_close(&b);
	if (ra == 0)
		lg_entry_close(&a);
	rb = lg_resolve_in(&scope, AT_FDCWD, "../out/x", 0, &b);
	check(rb == -LG_ERR_DENIED && b.why == LG_WHY_DOTDOT, name,
	      "scope: an escape after sharing", rb, &b);
	close(set.root[0].fd);
}

/* A root given through a symlink: the given spelling and the canonical one both count. */
static void check_spellings(enum lg_backend backend, const char *name)
{
	struct lg_rootset set;
	struct lg_entry e;
	char p[PATH_MAX];
	int r;

	lg_rootset_init(&set, backend);
	add_root(&set, "rootlink");
	snprintf(p, sizeof(p), "%s/rootlink/dir/x", T);
	r = lg_resolve(&set, AT_FDCWD, p, 0, &e);
	check(r == 0 && same_dir(e.dir_fd, "dir"), name, "root's given (symlinked) spelling", r,
	      &e);
	if (r == 0)
		lg_entry_close(&e);
	snprintf(p, sizeof(p), "%s/root/dir/x", T);
	r = lg_resolve(&set, AT_FDCWD, p, 0, &e);
	check(r == 0 && same_dir(e.dir_fd, "dir"), name, "root's canonical spelling", r, &e);
	if (r == 0)
		lg_entry_close(&e);
	close(set.root[0].fd);
}

/*
 * Each spelling of a root gets the canonical path /proc gives its descriptor, whether it was
 * taken from the spelling (no symlink, no "..") or asked of /proc.
 */
static void check_canonical(void)
{
	static const char *const spellings[] = {
	    "root", "root/", "/root/./", "root//dir/..", "rootlink", "rootlink/", "rootlink/dir/..",
	};
	char real[PATH_MAX];

	if (realpath(T, real) == NULL)
		tap_bail("realpath %s", T);
	strcat(real, "/root");
	for (size_t i = 0; i < sizeof(spellings) / sizeof(spellings[0]); i++) {
		struct lg_rootset set;

		lg_rootset_init(&set, LG_BACKEND_AUTO);
		add_root(&set, spellings[i]);
		if (!tap_ok(strcmp(set.root[0].canon, real) == 0 &&
				set.root[0].canon_len == strlen(real),
			    "root spelled \"%s\": canonical path", spellings[i]))
			tap_diag("got \"%s\", want \"%s\"", set.root[0].canon, real);
		close(set.root[0].fd);
	}
}

/*
 * The links of the trusted /proc read as links (their last component crossing no mount): the same
 * text as readlink(2) of /proc/self/... gives, for a descriptor entry and the user namespace.
 */
static void check_proc_links(void)
{
	static const char *const names[] = {"ns/user", "fd/0"};
	char want[PATH_MAX], got[PATH_MAX], path[64];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		ssize_t n;
		long m;

		snprintf(path, sizeof(path), "/proc/self/%s", names[i]);
		n = readlink(path, want, sizeof(want));
		m = names[i][0] == 'f' ? lg_proc_fd_readlink(0, got, sizeof(got))
				       : lg_proc_self_readlink(names[i], got, sizeof(got));
		if (n < 0) {
			tap_skip(strerror(errno), "%s: the trusted /proc's text", path);
			continue;
		}
		if (!tap_ok(m == n && memcmp(got, want, (size_t)n) == 0,
			    "%s: the trusted /proc's text", path))
			tap_diag("got %ld \"%.*s\", want \"%.*s\"", m, m > 0 ? (int)m : 0, got,
				 (int)n, want);
	}
}

/* The program may close or dup2 over the root's descriptor; a moved root is refused. */
static void check_root_fd(enum lg_backend backend, const char *name)
{
	struct lg_rootset set;
	struct lg_entry e;
	char p[PATH_MAX], q[PATH_MAX];
	int out_fd, r;

	lg_rootset_init(&set, backend);
	add_root(&set, "root");
	snprintf(p, sizeof(p), "%s/out", T);
	out_fd = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (out_fd < 0 || dup2(out_fd, set.root[0].fd) < 0)
		tap_bail("root fd: cannot put %s in its place: %s", p, strerror(errno));
	snprintf(p, sizeof(p), "%s/root/file", T);
	r = lg_resolve(&set, AT_FDCWD, p, 0, &e);
	check(r == 0 && same_dir(e.dir_fd, "."), name, "root fd dup2()ed over: reopened", r, &e);
	if (r == 0)
		lg_entry_close(&e);
	close(set.root[0].fd);
	r = lg_resolve(&set, AT_FDCWD, p, 0, &e);
	check(r == 0, name, "root fd closed: reopened", r, &e);
	if (r == 0)
		lg_entry_close(&e);
	snprintf(p, sizeof(p), "%s/root", T);
	snprintf(q, sizeof(q), "%s/root.moved", T);
	if (rename(p, q) == 0 && mkdir(p, 0755) == 0) {
		close(set.root[0].fd);
		snprintf(p, sizeof(p), "%s/root/file", T);
		r = lg_resolve(&set, AT_FDCWD, p, 0, &e);
		check(r == -LG_ERR_DENIED && e.why == LG_WHY_ROOT_CHANGED, name,
		      "root replaced by another directory: refused", r, &e);
		snprintf(p, sizeof(p), "%s/root", T);
		rmdir(p);
		if (rename(q, p) != 0)
			tap_bail("cannot put the root back: %s", strerror(errno));
	} else {
		tap_skip(strerror(errno), "%s: root replaced by another directory: refused", name);
	}
	close(out_fd);
	for (size_t i = 0; i < set.count; i++)
		close(set.root[i].fd);
}

/* Whether AddressSanitizer instruments this build (its frames are larger, and it maps memory). */
static int under_asan(void)
{
#if defined(__SANITIZE_ADDRESS__)
	return 1;
#else
	return 0;
#endif
}

/* In a child: every pooled scratch area taken, no address space left: lg_resolve's answer. */
static int no_scratch(struct lg_rootset *set)
{
	struct lg_entry e;
	struct rlimit none = {0, 0};
	pid_t pid;
	int status;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		for (int i = 0; i < 64; i++)
			if (lg_scratch_take() == NULL)
				_exit(2);
		none.rlim_cur = none.rlim_max = 1; /* every new mapping fails */
		setrlimit(RLIMIT_AS, &none);
		_exit(lg_resolve(set, AT_FDCWD, "x", 0, &e) == -ENOMEM ? 0 : 1);
	}
	return pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
		       WEXITSTATUS(status) == 0
		   ? -ENOMEM
		   : 0;
}

/* The errnos linkguard chooses itself (lg_resolve.h's table): each one, as the table says. */
static void check_errno_table(struct lg_rootset *set, const char *name)
{
	char p[PATH_MAX + 2];
	struct lg_entry e;
	int r;

	report(LG_ERR_DENIED > 4095 && lg_libc_errno(-LG_ERR_DENIED) == EACCES &&
		   lg_libc_errno(-ENOENT) == ENOENT && lg_libc_errno(-EACCES) == EACCES,
	       name, "errno table: a denial lies outside the errno range, EACCES at the boundary",
	       "");
	r = lg_resolve(set, AT_FDCWD, "/etc/passwd", 0, &e);
	report(r == -LG_ERR_DENIED, name, "errno table: an escape is -LG_ERR_DENIED", "");
	r = lg_resolve(set, AT_FDCWD, NULL, 0, &e);
	report(r == -EFAULT, name, "errno table: NULL path is EFAULT", "");
	r = lg_resolve(set, AT_FDCWD, "", 0, &e);
	report(r == -ENOENT, name, "errno table: empty path is ENOENT", "");
	memset(p, 'a', PATH_MAX);
	p[PATH_MAX] = '\0';
	r = lg_resolve(set, AT_FDCWD, p, 0, &e);
	report(r == -ENAMETOOLONG, name, "errno table: a path of PATH_MAX bytes is ENAMETOOLONG",
	       "");
	p[NAME_MAX + 1] = '\0';
	r = lg_resolve(set, AT_FDCWD, p, 0, &e);
	report(r == -ENAMETOOLONG && e.final_err, name,
	       "errno table: a last component over NAME_MAX is ENAMETOOLONG (marked final)", "");
	snprintf(p, sizeof(p), "%s/root/n41/x", T);
	r = lg_resolve(set, AT_FDCWD, p, 0, &e);
	report(r == -ELOOP, name, "errno table: over LG_SYMLINK_MAX symlinks is ELOOP", "");
	/* Not under ASan or valgrind: their own memory comes from mmap too; nor under qemu-user,
	 * which does not apply a guest's RLIMIT_AS (no check, no skip: unit.resolve, native and
	 * uninstrumented, makes it). */
	if (!under_asan() && !RUNNING_ON_VALGRIND && !emulated)
		report(no_scratch(set) == -ENOMEM, name,
		       "errno table: no scratch area to map is ENOMEM", "");
}

/*
 * The root's descriptor closed and its path no longer searchable by the user: the reopen's EACCES
 * is the kernel's, not a denial. As root, a child drops to "nobody" (the tree's top is 0700).
 */
static int reopen_eacces(enum lg_backend backend)
{
	struct lg_rootset set;
	struct lg_entry e;
	char p[PATH_MAX];
	int r, as_root = geteuid() == 0;

	lg_rootset_init(&set, backend);
	add_root(&set, "root");
	close(set.root[0].fd);
	if (as_root ? setgid(65534) != 0 || setuid(65534) != 0 : chmod(T, 0) != 0)
		return -1;
	snprintf(p, sizeof(p), "%s/root/file", T);
	r = lg_resolve(&set, AT_FDCWD, p, 0, &e);
	if (!as_root && chmod(T, 0700) != 0)
		return -1;
	return r;
}

static void check_reopen_eacces(enum lg_backend backend, const char *name)
{
	pid_t pid;
	int status, r;

	if (geteuid() != 0) {
		r = reopen_eacces(backend);
	} else {
		fflush(stdout);
		pid = fork();
		if (pid == 0)
			_exit(reopen_eacces(backend) == -EACCES ? 0 : 1);
		r = pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
			    WEXITSTATUS(status) == 0
			? -EACCES
			: 0;
	}
	report(r == -EACCES, name,
	       "root reopened where the user may not search: the kernel's EACCES", "");
}

/*
 * A start directory moved out of the root after it was placed (here: between the two paths of one
 * scope, which reuses the placing): a ".." from it is taken by the kernel, so the parent reached
 * is placed again before use, and refused now that it lies outside.
 */
static void check_moved_start(enum lg_backend backend, const char *name)
{
	struct lg_rootset set;
	struct lg_scope scope;
	struct lg_entry a, b;
	char p[PATH_MAX], q[PATH_MAX];
	int d, ra, rb;

	lg_rootset_init(&set, backend);
	add_root(&set, "root");
	snprintf(p, sizeof(p), "%s/root/dir", T);
	snprintf(q, sizeof(q), "%s/root/dir/sub", T);
	d = open(q, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	snprintf(q, sizeof(q), "%s/out/moved", T);
	lg_scope_init(&scope, &set);
	ra = lg_resolve_in(&scope, d, "x", 0, &a);
	if (rename(p, q) != 0) {
		tap_bail("rename %s: %s", p, strerror(errno));
	}
	rb = lg_resolve_in(&scope, d, "../y", 0, &b);
	lg_scope_end(&scope);
	report(ra == 0 && rb == -LG_ERR_DENIED && b.why == LG_WHY_DOTDOT, name,
	       "a start moved out after it was placed: its \"..\" is placed again, and refused",
	       "");
	if (rb == 0)
		lg_entry_close(&b);
	if (ra == 0)
		lg_entry_close(&a);
	if (rename(q, p) != 0)
		tap_bail("rename back %s: %s", q, strerror(errno));
	close(d);
	close(set.root[0].fd);
}

/* mkdirat + openat, n levels of 100-byte names below dir_fd: the deepest directory's fd. */
static int make_deep(int dir_fd, int n)
{
	char name[101];
	int fd = dup(dir_fd), next;

	memset(name, 'd', 100);
	name[100] = '\0';
	for (int i = 0; i < n && fd >= 0; i++) {
		if (mkdirat(fd, name, 0755) != 0 && errno != EEXIST)
			break;
		next = openat(fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		close(fd);
		fd = next;
	}
	return fd;
}

static int same_fd_file(int a, int b)
{
	struct stat sa, sb;

	return fstat(a, &sa) == 0 && fstat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

/*
 * Start directories deeper than PATH_MAX (no spelling in /proc, getcwd fails): placed by their
 * identity, they work inside a root and are refused outside, as a cwd and as a dirfd.
 */
static void check_deep(enum lg_backend backend, const char *name)
{
	struct lg_rootset set;
	struct lg_entry e;
	char p[PATH_MAX], up[3 * 50 + 16];
	int root, out, in_deep, in_up, out_deep, r, saved_cwd = open(".", O_RDONLY | O_CLOEXEC);

	lg_rootset_init(&set, backend);
	add_root(&set, "root");
	snprintf(p, sizeof(p), "%s/root", T);
	root = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	snprintf(p, sizeof(p), "%s/out", T);
	out = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	in_deep = make_deep(root, 45); /* 45 * 101 bytes: past PATH_MAX */
	in_up = openat(in_deep, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	out_deep = make_deep(out, 45);
	r = lg_resolve(&set, in_deep, "x", 0, &e);
	report(r == 0 && same_fd_file(e.dir_fd, in_deep) && strcmp(e.name, "x") == 0, name,
	       "deep dirfd inside a root: works", "");
	if (r == 0)
		lg_entry_close(&e);
	r = lg_resolve(&set, in_deep, "../x", 0, &e);
	report(r == 0 && same_fd_file(e.dir_fd, in_up), name, "deep dirfd inside, \"..\": works",
	       "");
	if (r == 0)
		lg_entry_close(&e);
	r = lg_resolve(&set, out_deep, "x", 0, &e);
	report(r == -LG_ERR_DENIED && e.why == LG_WHY_OUTSIDE, name,
	       "deep dirfd outside every root: denied", "");
	up[0] = '\0';
	for (int i = 0; i < 46; i++)
		strcat(up, "../");
	strcat(up, "out/x");
	r = lg_resolve(&set, in_deep, up, 0, &e);
	report(r == -LG_ERR_DENIED && e.why == LG_WHY_DOTDOT, name,
	       "deep dirfd inside, \"..\" past the root: denied", "");
	if (fchdir(in_deep) == 0) {
		r = lg_resolve(&set, AT_FDCWD, "x", 0, &e);
		report(r == 0 && same_fd_file(e.dir_fd, in_deep), name,
		       "deep cwd inside a root: works", "");
		if (r == 0)
			lg_entry_close(&e);
	}
	if (fchdir(out_deep) == 0) {
		r = lg_resolve(&set, AT_FDCWD, "x", 0, &e);
		report(r == -LG_ERR_DENIED && e.why == LG_WHY_OUTSIDE, name,
		       "deep cwd outside every root: denied", "");
	}
	if (fchdir(saved_cwd) != 0)
		tap_bail("fchdir back: %s", strerror(errno));
	close(saved_cwd);
	close(in_deep);
	close(in_up);
	close(out_deep);
	close(root);
	close(out);
	close(set.root[0].fd);
}

/*
 * Nested roots: a relative path is judged in the root its joined spelling names, as the same
 * path spelled absolutely (root/dir is a root of its own inside root).
 */
static void check_nested(enum lg_backend backend, const char *name)
{
	struct lg_rootset set;
	struct lg_entry e;
	char p[PATH_MAX];
	int r, rel, abs;

	lg_rootset_init(&set, backend);
	add_root(&set, "root");
	add_root(&set, "root/dir");
	snprintf(p, sizeof(p), "%s/root", T);
	if (chdir(p) != 0)
		return;
	rel = lg_resolve(&set, AT_FDCWD, "dir", 0, &e);
	snprintf(p, sizeof(p), "%s/root/dir", T);
	abs = lg_resolve(&set, AT_FDCWD, p, 0, &e);
	report(rel == -LG_ERR_DENIED && abs == rel && e.why == LG_WHY_ROOT_ENTRY, name,
	       "nested roots: the inner root by a relative name is its entry, as absolute", "");
	r = lg_resolve(&set, AT_FDCWD, "dir/x", 0, &e);
	report(r == 0 && e.root == 1 && same_dir(e.dir_fd, "dir"), name,
	       "nested roots: a relative path into the inner root is in the inner root", "");
	if (r == 0)
		lg_entry_close(&e);
	r = lg_resolve(&set, AT_FDCWD, "dir/../file", 0, &e);
	report(r == -LG_ERR_DENIED && e.why == LG_WHY_DOTDOT, name,
	       "nested roots: \"..\" out of the inner root, relative: denied as absolute", "");
	r = lg_resolve(&set, AT_FDCWD, "dir/sub/../x", 0, &e);
	report(r == 0 && e.root == 1 && same_dir(e.dir_fd, "dir"), name,
	       "nested roots: \"..\" inside the inner root", "");
	if (r == 0)
		lg_entry_close(&e);
	r = lg_resolve(&set, AT_FDCWD, "file", 0, &e);
	report(r == 0 && e.root == 0, name, "nested roots: the outer root's own entries", "");
	if (r == 0)
		lg_entry_close(&e);
	for (size_t i = 0; i < set.count; i++)
		close(set.root[i].fd);
}

enum ns_case {
	NS_CHROOT,	  /* chroot(@T/evil): a dirfd of @T/evil/@T/root/dir, spelled @T/root/dir */
	NS_CHROOT_LOCKED, /* the same, @T/root/locked (mode 0) on the spelling's way from the root
			   */
	NS_BIND_DIRFD,	  /* @T/out bound at @T/root/dir in a mount namespace: a dirfd of it */
	NS_BIND_CLOSED,	  /* the same mount, the root's descriptor closed: reopened there */
	NS_BIND_DUP2, /* the same mount, the root opened there dup2()ed over the root's descriptor
		       */
};

/* In a child: the resolver's answer to ns_case; 0 when it is the expected denial, 77 when there
 * are no user namespaces here, else 1. */
static int ns_attack(enum lg_backend backend, enum ns_case c)
{
	struct lg_rootset set;
	struct lg_entry e;
	char p[PATH_MAX], q[PATH_MAX];
	int d, r;
	enum lg_why want = LG_WHY_FALSE_SPELLING;

	lg_rootset_init(&set, backend);
	add_root(&set, "root");
	if (c == NS_CHROOT || c == NS_CHROOT_LOCKED) {
		/* No uid map: owning nothing in its namespace, it gets no capability over the
		 * tree's directories, and "locked" (mode 0) is not searchable for it. */
		snprintf(p, sizeof(p), "%s/evil", T);
		if (unshare(CLONE_NEWUSER) != 0)
			return 77;
		if (chroot(p) != 0)
			return 1;
		snprintf(p, sizeof(p), "%s/root/%s", T, c == NS_CHROOT ? "dir" : "locked/dir");
		d = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		r = lg_resolve(&set, d, "x", 0, &e);
	} else {
		snprintf(p, sizeof(p), "%s/out", T);
		snprintf(q, sizeof(q), "%s/root/dir", T);
		if (own_namespace() != 0)
			return 77;
		if (mount(p, q, "none", MS_BIND, NULL) != 0) /* (the type of a bind: ignored) */
			return 1;
		if (c == NS_BIND_DIRFD) {
			d = open(q, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			r = lg_resolve(&set, d, "secret", 0, &e);
		} else {
			snprintf(p, sizeof(p), "%s/root", T);
			d = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
			if (c == NS_BIND_CLOSED)
				close(set.root[0].fd);
			else if (d < 0 || dup2(d, set.root[0].fd) < 0)
				return 1;
			snprintf(p, sizeof(p), "%s/root/dir/secret", T);
			r = lg_resolve(&set, AT_FDCWD, p, 0, &e);
			want = LG_WHY_ROOT_MOUNT;
		}
	}
	return r == -LG_ERR_DENIED && e.why == want ? 0 : 1;
}

/*
 * Namespaces of the program's own (a chroot, a mount namespace with a bind mount inside the
 * root): a directory descriptor is placed only where its spelling, walked from the root's own
 * descriptor, reaches it on its own mount; a root reopened by its path must be on the mount it
 * was on. Each case runs in a child, which may make namespaces.
 */
static void check_own_namespaces(enum lg_backend backend, const char *name)
{
	static const struct {
		enum ns_case c;
		const char *what;
	} cases[] = {
	    {NS_CHROOT, "a chroot of its own: a dirfd outside spelled inside is refused"},
	    {NS_CHROOT_LOCKED,
	     "a chroot of its own, a directory on the way not searchable: refused"},
	    {NS_BIND_DIRFD, "a mount of its own inside the root: a dirfd of it is refused"},
	    {NS_BIND_CLOSED, "a mount namespace of its own: the root reopened there is refused"},
	    {NS_BIND_DUP2, "a mount namespace of its own: its root dup2()ed over ours is refused"},
	};
	char locked[PATH_MAX];
	pid_t pid;
	int status;

	sh("mkdir -p %s/evil%s/root/dir %s/evil%s/root/locked/dir %s/root/locked/dir", T, T, T, T,
	   T);
	snprintf(locked, sizeof(locked), "%s/root/locked", T);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (chmod(locked, cases[i].c == NS_CHROOT_LOCKED ? 0 : 0755) != 0)
			tap_bail("chmod %s: %s", locked, strerror(errno));
		fflush(stdout);
		pid = fork();
		if (pid == 0)
			_exit(ns_attack(backend, cases[i].c));
		if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
			status = 1 << 8;
		if (WEXITSTATUS(status) == 77)
			tap_skip("no unprivileged user namespaces here", "%s: %s", name,
				 cases[i].what);
		else
			report(WEXITSTATUS(status) == 0, name, cases[i].what,
			       "the resolver did not refuse it with the expected reason");
	}
	sh("chmod 0755 %s && rm -rf %s/evil %s", locked, T, locked);
}

/*
 * The stack a resolution uses, measured on a painted alternate signal stack: from the handler's
 * frame down to the lowest byte written (the handler's own locals included).
 */
#define PAINT 0xa5
static struct lg_rootset *stack_set;
static uintptr_t stack_entry;
static int stack_start;
static char stack_path[PATH_MAX];
static unsigned char alt_stack[65536] __attribute__((aligned(16)));

static void measure_handler(int sig)
{
	struct lg_entry e;

	(void)sig;
	stack_entry = (uintptr_t)__builtin_frame_address(0);
	if (lg_resolve(stack_set, stack_start, stack_path, 0, &e) == 0)
		lg_entry_close(&e);
}

/* The stack lg_resolve(set, start, stack_path) uses, in bytes. */
static long stack_of(struct lg_rootset *set, int start)
{
	stack_t ss = {.ss_sp = alt_stack, .ss_size = sizeof(alt_stack)}, old;
	struct sigaction sa = {.sa_handler = measure_handler, .sa_flags = SA_ONSTACK}, old_sa;
	size_t low = 0;

	stack_set = set;
	stack_start = start;
	memset(alt_stack, PAINT, sizeof(alt_stack));
	sigemptyset(&sa.sa_mask);
	sigaltstack(&ss, &old);
	sigaction(SIGUSR2, &sa, &old_sa);
	raise(SIGUSR2);
	sigaction(SIGUSR2, &old_sa, NULL);
	sigaltstack(&old, NULL);
	/* valgrind takes the bytes of a popped stack for undefined: they are read on purpose. */
	VALGRIND_MAKE_MEM_DEFINED(alt_stack, sizeof(alt_stack));
	while (low < sizeof(alt_stack) && alt_stack[low] == PAINT)
		low++;
	return (long)(stack_entry - (uintptr_t)(alt_stack + low));
}

static void check_stack(enum lg_backend backend, const char *name)
{
	struct lg_rootset set;
	char why[128], p[PATH_MAX];
	long stack_used, deep;
	int start;

	lg_rootset_init(&set, backend);
	add_root(&set, "root");
	/* The long way: symlinks, "..", and on the walk one openat a component. */
	snprintf(stack_path, sizeof(stack_path), "%s/root/chain1/../rel_in/../sub/../../dir/x", T);
	stack_used = stack_of(&set, AT_FDCWD);
	/* The deepest: a dirfd's ".." walked, and the parent it reaches placed again, its spelling
	 * walked from the root by the resolver itself (a walk within the walk). */
	snprintf(p, sizeof(p), "%s/root/dir/sub/s3", T);
	if (mkdir(p, 0755) != 0 && errno != EEXIST)
		tap_bail("mkdir %s: %s", p, strerror(errno));
	start = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	strcpy(stack_path, "../x");
	deep = stack_of(&set, start);
	close(start);
	rmdir(p);
	snprintf(why, sizeof(why), "used %ld bytes (the long way %ld, a dirfd's \"..\" %ld)",
		 stack_used > deep ? stack_used : deep, stack_used, deep);
	if (deep > stack_used)
		stack_used = deep;
	/* ASan's frames hold redzones: there the bound is four times the budget. */
	report(stack_used > 0 && stack_used <= LG_STACK_BUDGET * (under_asan() ? 4 : 1), name,
	       "stack use within LG_STACK_BUDGET", why);
	tap_diag("%s: %s of stack", name, why);
	close(set.root[0].fd);
}

/* test_resolve [no-openat2 [emulated]]: no-openat2 says that a missing openat2 is expected
 * here; emulated, that the table runs under an emulator. */
int main(int argc, char **argv)
{
	static const struct {
		enum lg_backend backend;
		const char *name;
	} backends[] = {{LG_BACKEND_AUTO, "openat2"}, {LG_BACKEND_WALK, "walk"}};
	struct lg_rootset set;

	no_openat2_expected = argc > 1 && strcmp(argv[1], "no-openat2") == 0;
	emulated = argc > 2 && strcmp(argv[2], "emulated") == 0;
	make_tree();
	/* Which backend answers the "openat2" rows: an emulator (qemu-user before 9.0) or an old
	 * kernel has no openat2, and then they test the fallback to the walk. */
	if (have_openat2())
		printf("# backend openat2: the kernel's openat2 answers\n");
	else
		printf(
		    "# backend openat2: no openat2 here (%s): its rows run on the walk fallback\n",
		    strerror(errno));
	for (size_t b = 0; b < 2; b++) {
		if (backends[b].backend == LG_BACKEND_AUTO && !have_openat2() &&
		    !no_openat2_expected)
			tap_skip("no openat2 here (kernel before 5.6?): its rows are the walk's",
				 "openat2: the openat2 backend answers its rows");
		lg_rootset_init(&set, backends[b].backend);
		add_root(&set, "root");
		for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
			check_row(&set, backends[b].name, &rows[i]);
		check_fd_entries(&set, backends[b].name);
		close(set.root[0].fd);
		check_multi_root(backends[b].backend, backends[b].name);
		check_spellings(backends[b].backend, backends[b].name);
		check_scope(backends[b].backend, backends[b].name);
		check_root_fd(backends[b].backend, backends[b].name);
		lg_rootset_init(&set, backends[b].backend);
		add_root(&set, "root");
		check_errno_table(&set, backends[b].name);
		close(set.root[0].fd);
		check_deep(backends[b].backend, backends[b].name);
		check_nested(backends[b].backend, backends[b].name);
		check_reopen_eacces(backends[b].backend, backends[b].name);
		check_moved_start(backends[b].backend, backends[b].name);
		/* Not under qemu-user (no check, no skip: the native unit.resolve makes them): a
		 * multi-threaded emulator can not make a user namespace, and answers every mount ID
		 * with 0. */
		if (!emulated)
			check_own_namespaces(backends[b].backend, backends[b].name);
		check_stack(backends[b].backend, backends[b].name);
	}
	check_canonical();
	check_proc_links();
	tap_plan(-1);
	sh("rm -rf %s", T);
	return tap_status();
}
