/* fightback.c - lg_fightback: a confined program that fights the library from inside.
 *
 * usage: lg_fightback setup OUT      add the extra layout below (no link or rename)
 *        lg_fightback PHASE... OUT   confined: LD_PRELOAD, LINKGUARD_ROOT=the root
 * PHASE: closeall dup2 chdir rlimit fork threads signal spawn sysexec buffer, or all.
 *
 * The tree is helpers.bash's lg_tree (ROOT/file, ROOT/dir/sub/, OUT/secret, OUT/dir/) plus, from
 * `setup`: OUT/mirror/ (a copy of the root's layout, file and dir/sub/: a library that used a
 * stale root descriptor would land there), OUT/x, ROOT/in/out/ and ROOT/in/xy/ (for the path
 * buffer rewritten during the call).
 *
 * Each phase runs in a child of its own (so that the descriptors, limits and directories it
 * wrecks do not outlive it), which records its findings in shared memory: it can not count on
 * having a stdout. After each hostile step it runs a battery of legitimate calls (which must
 * work where a descriptor is free) and of escapes (which must fail with EACCES; with no free
 * descriptor, fail at all). The parent then reports, in TAP, per phase: no crash and no deadlock
 * (alarm() in the child, a timeout in the parent), every call as expected, the outside unchanged
 * (OUT and the root's parent directory, every entry's inode and link count, listed before and
 * after), and the root holding exactly what it held before (no stray or garbled names).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../tap.h"
#include "lg_compat.h"

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#define RENAME_EXCHANGE	 (1 << 1)
#endif

#define PHASE_ALARM    60 /* the child's own watchdog, seconds */
#define PHASE_TIMEOUT  90 /* the parent's, seconds: then SIGKILL and "deadlock" */
#define SENTINEL       4242
#define COVER_FDS      96 /* descriptors 0..COVER_FDS (and more each round) get dup2()ed over */
#define FEW_FDS_LIMIT  64 /* RLIMIT_NOFILE in the rlimit phase */
#define HAMMER_THREADS 4
#define PHASE_THREADS  8
#define THREAD_ROUNDS  6
#define THREAD_ITERS   60
#define SIGNAL_SECONDS 1.0
#define SIGNAL_USEC    300
#define FLIP1_SECONDS  1.0 /* in/x <-> ../out/x */
#define FLIP2_SECONDS  2.0 /* in/x <-> in/xy/../../../out/x: the sharper one */
#define FORKS	       12

extern char **environ;

/* --- what the phase child reports, in memory shared with the parent -------------------------- */

struct results {
	long legit_ok, legit_soft, denied, denied_soft, failures;
	long handler_runs;
	unsigned msg_len;
	char msg[32768];
};

static struct results *R;

static void add(long *counter)
{
	__atomic_add_fetch(counter, 1, __ATOMIC_RELAXED);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A line for the parent to print. Not for signal handlers. */
__attribute__((format(printf, 1, 2))) static void note(const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;
	unsigned at;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	at = __atomic_fetch_add(&R->msg_len, (unsigned)n, __ATOMIC_RELAXED);
	if (at + (unsigned)n < sizeof(R->msg))
		memcpy(R->msg + at, line, (size_t)n);
}

__attribute__((format(printf, 1, 2))) static void fail(const char *fmt, ...)
{
	char line[480];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (__atomic_add_fetch(&R->failures, 1, __ATOMIC_RELAXED) <= 40)
		note("FAIL: %s", line);
}

static const char *ename(int e)
{
	const char *name = strerrorname_np(e);

	return name ? name : "E?";
}

/* A legitimate call: it must succeed, or (soft: no descriptor may be free) fail. */
static int legit(const char *what, long r, int soft)
{
	int e = errno;

	if (r == 0) {
		add(&R->legit_ok);
		return 1;
	}
	if (soft)
		add(&R->legit_soft);
	else
		fail("%s failed: %s", what, ename(e));
	return 0;
}

/* An escape: it must fail with EACCES (soft: fail at all). What it changed the parent sees. */
static void escape(const char *what, long r, int soft)
{
	int e = errno;

	if (r == 0)
		fail("ESCAPE: %s succeeded", what);
	else if (e == EACCES)
		add(&R->denied);
	else if (soft)
		add(&R->denied_soft);
	else
		fail("%s failed with %s, not EACCES", what, ename(e));
}

/* --- the tree -------------------------------------------------------------------------------- */

static char root[PATH_MAX], out[PATH_MAX], up[PATH_MAX];
static char root_file[PATH_MAX], root_dir[PATH_MAX], root_dir_sub[PATH_MAX];
static char root_moved[PATH_MAX], root_up_out[PATH_MAX];
static char out_secret[PATH_MAX], out_mirror[PATH_MAX], out_mirror_file[PATH_MAX];
static char out_base[NAME_MAX + 1];
static const char *lgcall;

/* Format a path into buf (PATH_MAX bytes); too long is a bail-out, never a silent cut. */
__attribute__((format(printf, 2, 3))) static void pathf(char *buf, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, PATH_MAX, fmt, ap);
	va_end(ap);
	if (n < 0 || n >= PATH_MAX)
		tap_bail("path too long: %s...", buf);
}

static void join(char *buf, const char *a, const char *b)
{
	pathf(buf, "%s/%s", a, b);
}

static void paths_init(const char *root_env, const char *out_arg)
{
	const char *slash;

	if (root_env == NULL || root_env[0] != '/' || out_arg[0] != '/')
		tap_bail("LINKGUARD_ROOT and OUT must be absolute paths");
	snprintf(root, sizeof(root), "%s", root_env);
	snprintf(out, sizeof(out), "%s", out_arg);
	slash = strrchr(root, '/');
	snprintf(up, sizeof(up), "%.*s", slash == root ? 1 : (int)(slash - root), root);
	slash = strrchr(out, '/');
	snprintf(out_base, sizeof(out_base), "%s", slash + 1);
	join(root_file, root, "file");
	join(root_dir, root, "dir");
	join(root_dir_sub, root, "dir/sub");
	pathf(root_moved, "%s.moved", root);
	pathf(root_up_out, "%s/../%s", root, out_base);
	join(out_secret, out, "secret");
	join(out_mirror, out, "mirror");
	join(out_mirror_file, out, "mirror/file");
}

static void setup(const char *out_arg)
{
	char p[PATH_MAX];
	int fd;

	paths_init(getenv("LINKGUARD_ROOT"), out_arg);
	mkdir(out_mirror, 0755);
	join(p, out, "mirror/dir");
	mkdir(p, 0755);
	join(p, out, "mirror/dir/sub");
	mkdir(p, 0755);
	join(p, root, "in");
	mkdir(p, 0755);
	join(p, root, "in/out");
	mkdir(p, 0755);
	join(p, root, "in/xy");
	mkdir(p, 0755);
	fd = open(out_mirror_file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd >= 0)
		close(fd);
	join(p, out, "x");
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd >= 0)
		close(fd);
}

/* --- the battery ----------------------------------------------------------------------------- */

static long my_id(void)
{
	return (long)syscall(SYS_gettid);
}

/*
 * Legitimate calls by absolute path, then escapes of every kind. ofd: a descriptor of an outside
 * directory holding "file" (the mirror), or -1.
 */
static void battery(int soft, int ofd)
{
	char a[PATH_MAX], b[PATH_MAX], e[PATH_MAX], m[PATH_MAX], u[PATH_MAX], name[64];
	long id = my_id();

	snprintf(name, sizeof(name), "legit-%ld", id);
	join(a, root_dir, name);
	join(b, root_dir_sub, name);
	snprintf(name, sizeof(name), "esc-%ld", id);
	join(e, out, name);
	join(m, out_mirror, name);
	join(u, root_up_out, name);
	if (legit("link(ROOT/file, ROOT/dir/legit)", link(root_file, a), soft) &&
	    legit("rename(ROOT/dir/legit, ROOT/dir/sub/legit)", rename(a, b), soft))
		legit("SYS_renameat2(ROOT/dir/sub/legit, ROOT/dir/legit, NOREPLACE)",
		      syscall(SYS_renameat2, AT_FDCWD, b, AT_FDCWD, a, RENAME_NOREPLACE), soft);
	unlink(a);
	unlink(b);
	escape("link(ROOT/file, OUT/esc)", link(root_file, e), soft);
	escape("link(OUT/secret, ROOT/dir/legit)", link(out_secret, a), soft);
	escape("rename(ROOT/file, OUT/esc)", rename(root_file, e), soft);
	escape("rename(OUT/secret, ROOT/dir/legit)", rename(out_secret, a), soft);
	escape("renameat2(ROOT/file, OUT/secret, EXCHANGE)",
	       renameat2(AT_FDCWD, root_file, AT_FDCWD, out_secret, RENAME_EXCHANGE), soft);
	escape("SYS_linkat(ROOT/file, OUT/esc)",
	       syscall(SYS_linkat, AT_FDCWD, root_file, AT_FDCWD, e, 0), soft);
	escape("link(ROOT/file, ROOT/../out/esc)", link(root_file, u), soft);
	escape("rename(ROOT, ROOT.moved)", rename(root, root_moved), soft);
	escape("link(OUT/mirror/file, ROOT/dir/legit)", link(out_mirror_file, a), soft);
#ifdef SYS_rename
	escape("SYS_rename(ROOT/dir, OUT/mirror/esc)", syscall(SYS_rename, root_dir, m), soft);
#endif
	if (ofd >= 0) {
		escape("linkat(outside fd, file, ROOT/dir/legit)",
		       linkat(ofd, "file", AT_FDCWD, a, 0), soft);
		escape("linkat(ROOT/file, outside fd, esc)",
		       linkat(AT_FDCWD, root_file, ofd, name, 0), soft);
		escape("renameat(outside fd, file, ROOT/dir/legit)",
		       renameat(ofd, "file", AT_FDCWD, a), soft);
	}
	unlink(a);
}

/* The same by paths relative to the current directory, which must be the root. */
static void battery_relative(int soft)
{
	char a[64], e[PATH_MAX], s[PATH_MAX];

	snprintf(a, sizeof(a), "dir/rel-%ld", my_id());
	snprintf(e, sizeof(e), "../%s/rel-%ld", out_base, my_id());
	snprintf(s, sizeof(s), "../%s/secret", out_base);
	if (legit("link(file, dir/rel) from the root", link("file", a), soft))
		unlink(a);
	escape("link(file, ../out/rel) from the root", link("file", e), soft);
	escape("rename(../out/secret, dir/rel) from the root", rename(s, a), soft);
	unlink(a);
}

static void close_all(void)
{
#ifdef SYS_close_range
	if (syscall(SYS_close_range, 0, ~0U, 0) == 0)
		return;
#endif
	for (int fd = 0; fd < 65536; fd++)
		close(fd);
}

/* dup2 fd over every descriptor number 0..hi (but fd itself). */
static void cover(int fd, int hi)
{
	for (int i = 0; i <= hi; i++)
		if (i != fd)
			dup2(fd, i);
}

/* --- the phases (each in a child of its own) ------------------------------------------------- */

static void ph_closeall(void)
{
	for (int round = 0; round < 3; round++) {
		close_all();
		battery(0, -1);
		if (chdir(root) != 0)
			fail("chdir(ROOT): %s", ename(errno));
		battery_relative(0);
	}
}

static void ph_dup2(void)
{
	struct {
		const char *what, *path;
		int flags, outside_dir;
	} covers[] = {
	    {"an outside directory (OUT/mirror)", out_mirror, O_RDONLY | O_DIRECTORY, 1},
	    {"an outside file", out_secret, O_RDONLY, 0},
	    {"a directory inside the root (ROOT/dir)", root_dir, O_RDONLY | O_DIRECTORY, 0},
	    {"the root's parent", up, O_RDONLY | O_DIRECTORY, 0},
	    {"an outside directory, O_PATH", out_mirror, O_PATH | O_DIRECTORY, 1},
	};

	if (chdir(root) != 0)
		fail("chdir(ROOT): %s", ename(errno));
	for (size_t c = 0; c < sizeof(covers) / sizeof(covers[0]); c++) {
		for (int round = 0; round < 3; round++) {
			int fd = open(covers[c].path, covers[c].flags);
			int hi = COVER_FDS + 32 * round + 32 * (int)c;

			if (fd < 0) {
				fail("open %s: %s", covers[c].path, ename(errno));
				continue;
			}
			cover(fd, hi);
			battery(0, covers[c].outside_dir ? 7 : -1);
			battery_relative(0);
		}
	}
	note("descriptors 0..%d covered in turn by each of %zu kinds of file", COVER_FDS + 64 + 128,
	     sizeof(covers) / sizeof(covers[0]));
}

/* Relative calls from a current directory inside, outside, moved and deleted. */
static void ph_chdir(void)
{
	char p[PATH_MAX], rel[PATH_MAX], gone[PATH_MAX], sub2[PATH_MAX];
	int rootfd = open(root, O_RDONLY | O_DIRECTORY), mirrorfd = open(out_mirror, O_RDONLY);
	const char *root_base = strrchr(root, '/') + 1;

	/* cwd outside (OUT): leading ".." apply to it, then the path enters the root */
	if (chdir(out) != 0)
		fail("chdir(OUT): %s", ename(errno));
	snprintf(p, sizeof(p), "../%s/file", root_base);
	snprintf(rel, sizeof(rel), "../%s/dir/from-out", root_base);
	if (legit("link(../root/file, ../root/dir/x) from OUT", link(p, rel), 0))
		unlink(rel);
	escape("link(../root/file, x) from OUT", link(p, "from-out"), 0);
	escape("link(secret, ../root/dir/x) from OUT", link("secret", rel), 0);
	escape("rename(mirror/file, ../root/dir/x) from OUT", rename("mirror/file", rel), 0);
	battery(0, -1);
	/* cwd "/": the path names the root by its own components */
	if (chdir("/") != 0)
		fail("chdir(/): %s", ename(errno));
	pathf(rel, "%s/dir/from-slash", root + 1);
	legit("link(tmp/.../root/file, tmp/.../root/dir/x) from /", link(root_file + 1, rel), 0);
	unlink(rel);
	snprintf(p, sizeof(p), "%s", out_secret + 1);
	escape("link(tmp/.../out/secret, tmp/.../root/dir/x) from /", link(p, rel), 0);
	/* cwd deep inside: ".." may climb to the root, not beyond */
	if (chdir(root_dir_sub) != 0)
		fail("chdir(ROOT/dir/sub): %s", ename(errno));
	if (legit("link(../../file, ../x) from ROOT/dir/sub", link("../../file", "../from-sub"), 0))
		unlink("../from-sub");
	snprintf(p, sizeof(p), "../../../%s/from-sub", out_base);
	escape("link(../../file, ../../../out/x) from ROOT/dir/sub", link("../../file", p), 0);
	snprintf(p, sizeof(p), "../../../%s/secret", out_base);
	escape("rename(../../../out/secret, ../x) from ROOT/dir/sub", rename(p, "../from-sub"), 0);
	/* fchdir to an outside directory that mirrors the root */
	if (mirrorfd < 0 || fchdir(mirrorfd) != 0)
		fail("fchdir(OUT/mirror): %s", ename(errno));
	escape("link(file, dir/x) from OUT/mirror", link("file", "dir/from-mirror"), 0);
	escape("rename(file, dir/sub/x) from OUT/mirror", rename("file", "dir/sub/from-mirror"), 0);
	battery(0, mirrorfd);
	/* fchdir to the root */
	if (rootfd < 0 || fchdir(rootfd) != 0)
		fail("fchdir(ROOT): %s", ename(errno));
	battery_relative(0);
	/* cwd moved elsewhere inside the root while we stand in it */
	join(sub2, root, "sub-moved");
	if (chdir(root_dir_sub) != 0)
		fail("chdir(ROOT/dir/sub): %s", ename(errno));
	if (legit("rename(ROOT/dir/sub, ROOT/sub-moved) while in it", rename(root_dir_sub, sub2),
		  0)) {
		if (legit("link(../file, x) from the moved directory", link("../file", "x"), 0))
			unlink("x");
		snprintf(p, sizeof(p), "../../%s/from-moved", out_base);
		escape("link(../file, ../../out/x) from the moved directory", link("../file", p),
		       0);
		legit("rename(ROOT/sub-moved, ROOT/dir/sub) back", rename(sub2, root_dir_sub), 0);
	}
	/* cwd deleted: relative calls fail (never escape), absolute ones still work */
	join(gone, root_dir, "gone");
	if (mkdir(gone, 0755) != 0 || chdir(gone) != 0 || rmdir(gone) != 0)
		fail("make, enter and remove ROOT/dir/gone: %s", ename(errno));
	if (link("../../file", "../from-gone") == 0)
		note("link(../../file, ../x) from a deleted directory succeeded (inside)");
	join(p, root_dir, "from-gone");
	unlink(p);
	snprintf(p, sizeof(p), "../../../%s/from-gone", out_base);
	escape("link(../../file, ../../../out/x) from a deleted directory", link("../../file", p),
	       1);
	battery(0, -1);
}

/* No descriptor free: legitimate calls may fail, escapes must still fail, nothing may crash. */
static void ph_rlimit(void)
{
	struct rlimit rl, few;
	int mirror = open(out_mirror, O_RDONLY | O_DIRECTORY), fd, top = -1, n = 0;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || mirror < 0)
		fail("getrlimit or open OUT/mirror: %s", ename(errno));
	few = rl;
	few.rlim_cur = FEW_FDS_LIMIT;
	if (setrlimit(RLIMIT_NOFILE, &few) != 0)
		fail("setrlimit: %s", ename(errno));
	while ((fd = open("/dev/null", O_RDONLY)) >= 0)
		top = fd;
	if (errno != EMFILE)
		fail("filling the descriptor table ended with %s", ename(errno));
	battery(1, -1);
	/* the cached root descriptor replaced too, and no number free to reopen it with */
	cover(mirror, FEW_FDS_LIMIT - 1);
	for (int i = 0; i < 3; i++)
		battery(1, mirror == 7 ? 6 : 7);
	/* one descriptor free, then eight: enough for every call */
	close(top);
	battery(1, -1);
	for (int i = top - 1; i >= 0 && n < 7; i--)
		if (i != mirror && close(i) == 0)
			n++;
	battery(0, -1);
	/* a limit of 1: a single descriptor number in all */
	close_all();
	few.rlim_cur = 1;
	if (setrlimit(RLIMIT_NOFILE, &few) != 0)
		fail("setrlimit(1): %s", ename(errno));
	battery(1, -1);
	few.rlim_cur = rl.rlim_cur;
	if (setrlimit(RLIMIT_NOFILE, &few) != 0)
		fail("setrlimit back: %s", ename(errno));
	battery(0, -1);
	note("legitimate calls that failed for want of a descriptor: %ld; escapes that failed "
	     "otherwise than with EACCES then: %ld",
	     R->legit_soft, R->denied_soft);
}

static volatile int hammer_stop;

static void *hammer(void *arg)
{
	(void)arg;
	while (!__atomic_load_n(&hammer_stop, __ATOMIC_RELAXED))
		battery(0, -1);
	return NULL;
}

static int wait_child(pid_t pid, const char *what)
{
	int status;

	if (waitpid(pid, &status, 0) != pid) {
		fail("waitpid %s: %s", what, ename(errno));
		return -1;
	}
	if (WIFSIGNALED(status)) {
		fail("%s died of signal %d%s", what, WTERMSIG(status),
		     WTERMSIG(status) == SIGALRM ? " (its watchdog: a deadlock?)" : "");
		return -1;
	}
	return WEXITSTATUS(status);
}

/* fork() while threads are inside the library; the children work, and fight too. */
static void ph_fork(void)
{
	pthread_t t[HAMMER_THREADS];
	int mirror = open(out_mirror, O_RDONLY | O_DIRECTORY);

	for (int i = 0; i < HAMMER_THREADS; i++)
		pthread_create(&t[i], NULL, hammer, NULL);
	for (int k = 0; k < FORKS; k++) {
		pid_t pid = fork();

		if (pid == 0) {
			alarm(20);
			battery(0, mirror);
			close_all();
			battery(0, -1);
			mirror = open(out_mirror, O_RDONLY | O_DIRECTORY);
			cover(mirror, COVER_FDS);
			battery(0, mirror == 7 ? 6 : 7);
			_exit(0);
		}
		if (pid < 0)
			fail("fork: %s", ename(errno));
		else if (wait_child(pid, "a forked child") != 0)
			fail("a forked child exited with a failure");
		battery(0, mirror);
	}
	__atomic_store_n(&hammer_stop, 1, __ATOMIC_RELAXED);
	for (int i = 0; i < HAMMER_THREADS; i++)
		pthread_join(t[i], NULL);
	note("%d forks while %d threads made calls", FORKS, HAMMER_THREADS);
}

static pthread_barrier_t barrier;

static void *worker(void *arg)
{
	long k = (long)arg;
	char x[PATH_MAX], tok_a[PATH_MAX], tok_b[PATH_MAX], esc[PATH_MAX], rel[64], name[64];

	snprintf(name, sizeof(name), "t%ld", k);
	join(x, root_dir, name);
	snprintf(name, sizeof(name), "tok%ld", k);
	join(tok_a, root, name);
	join(tok_b, root_dir, name);
	snprintf(name, sizeof(name), "t%ld", k);
	join(esc, out, name);
	snprintf(rel, sizeof(rel), "dir/rel%ld", k);
	for (int round = 0; round < THREAD_ROUNDS; round++) {
		pthread_barrier_wait(&barrier); /* the root descriptor was just replaced */
		for (int i = 0; i < THREAD_ITERS; i++) {
			if (legit("link(ROOT/file, ROOT/dir/tK) in a thread", link(root_file, x),
				  0))
				unlink(x);
			escape("link(ROOT/file, OUT/tK) in a thread", link(root_file, esc), 0);
			if (legit("link(file, dir/relK) in a thread", link("file", rel), 0))
				unlink(rel);
			if (legit("rename(ROOT/tokK, ROOT/dir/tokK) in a thread",
				  rename(tok_a, tok_b), 0))
				legit("rename(ROOT/dir/tokK, ROOT/tokK) in a thread",
				      rename(tok_b, tok_a), 0);
			escape("rename(ROOT/tokK, OUT/tK) in a thread", rename(tok_a, esc), 0);
		}
		pthread_barrier_wait(&barrier);
	}
	return NULL;
}

/* 8 threads link at once, right after the root's descriptor was closed or replaced. */
static void ph_threads(void)
{
	pthread_t t[PHASE_THREADS];
	char tok[PATH_MAX], name[64];
	int fd;

	if (chdir(root) != 0)
		fail("chdir(ROOT): %s", ename(errno));
	for (long k = 0; k < PHASE_THREADS; k++) {
		snprintf(name, sizeof(name), "tok%ld", k);
		join(tok, root, name);
		fd = open(tok, O_WRONLY | O_CREAT | O_EXCL, 0644);
		if (fd < 0)
			fail("create %s: %s", tok, ename(errno));
		close(fd);
	}
	pthread_barrier_init(&barrier, NULL, PHASE_THREADS + 1);
	for (long k = 0; k < PHASE_THREADS; k++)
		pthread_create(&t[k], NULL, worker, (void *)k);
	for (int round = 0; round < THREAD_ROUNDS; round++) {
		if (round % 2 == 0) {
			close_all();
		} else {
			fd = open(out_mirror, O_RDONLY | O_DIRECTORY);
			cover(fd, COVER_FDS + 16 * round);
		}
		pthread_barrier_wait(&barrier);
		pthread_barrier_wait(&barrier);
	}
	for (int k = 0; k < PHASE_THREADS; k++)
		pthread_join(t[k], NULL);
	for (long k = 0; k < PHASE_THREADS; k++) {
		snprintf(name, sizeof(name), "tok%ld", k);
		join(tok, root, name);
		unlink(tok);
	}
	note("%d threads x %d rounds x %d iterations, the root descriptor closed or covered "
	     "before each round",
	     PHASE_THREADS, THREAD_ROUNDS, THREAD_ITERS);
}

/* rename() from a signal handler that interrupts the library mid-call. */
static volatile sig_atomic_t sig_in_dir, sig_bad, sig_runs;
static char sig_a[PATH_MAX], sig_b[PATH_MAX], sig_esc[PATH_MAX];

static void on_alarm(int sig)
{
	int saved = errno;

	(void)sig;
	sig_runs++;
	if (sig_in_dir ? rename(sig_b, sig_a) : rename(sig_a, sig_b))
		sig_bad++;
	else
		sig_in_dir = !sig_in_dir;
	errno = 0;
	if (rename(sig_in_dir ? sig_b : sig_a, sig_esc) == 0 || errno != EACCES)
		sig_bad++;
	errno = 0;
	if (link(out_secret, sig_esc) == 0 || errno != EACCES)
		sig_bad++;
	errno = saved;
}

static void ph_signal(void)
{
	struct sigaction sa = {.sa_handler = on_alarm}; /* no SA_RESTART */
	struct itimerval it = {{0, SIGNAL_USEC}, {0, SIGNAL_USEC}}, off = {{0, 0}, {0, 0}};
	char x[PATH_MAX];
	long loops = 0;
	double end;
	int fd;

	join(sig_a, root, "sig");
	join(sig_b, root_dir, "sig");
	join(sig_esc, out, "sig");
	join(x, root_dir, "main-x");
	fd = open(sig_a, O_WRONLY | O_CREAT | O_EXCL, 0644);
	if (fd < 0)
		fail("create ROOT/sig: %s", ename(errno));
	close(fd);
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
	end = now() + SIGNAL_SECONDS;
	while (now() < end) {
		loops++;
		errno = SENTINEL;
		if (legit("link(ROOT/file, ROOT/dir/main-x) under signals", link(root_file, x),
			  0)) {
			if (errno != SENTINEL)
				fail("a successful link changed errno to %s", ename(errno));
			unlink(x);
		}
		battery(0, -1);
	}
	setitimer(ITIMER_REAL, &off, NULL);
	R->handler_runs = sig_runs;
	if (sig_runs < 10)
		fail("the handler ran only %d times", (int)sig_runs);
	if (sig_bad)
		fail("%d calls in the signal handler did not do as expected", (int)sig_bad);
	unlink(sig_in_dir ? sig_b : sig_a);
	note("%ld loops in the main program, %d signal handlers each making 3 calls", loops,
	     (int)sig_runs);
}

/* Run argv (with envp) through posix_spawn with stdout to a pipe; its exit code, output in buf. */
static int spawn(const char *path, int search, char *const argv[], char *const envp[], char *buf,
		 size_t size)
{
	posix_spawn_file_actions_t fa;
	int p[2], r, status;
	pid_t pid;
	size_t n = 0;
	ssize_t got;

	buf[0] = '\0';
	if (pipe(p) != 0)
		return -1;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	posix_spawn_file_actions_addclose(&fa, p[0]);
	r = search ? posix_spawnp(&pid, path, &fa, NULL, argv, envp)
		   : posix_spawn(&pid, path, &fa, NULL, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	if (r != 0) {
		close(p[0]);
		note("posix_spawn %s: %s", path, ename(r));
		return -1;
	}
	while (n < size - 1 && (got = read(p[0], buf + n, size - 1 - n)) > 0)
		n += (size_t)got;
	buf[n] = '\0';
	close(p[0]);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static void expect_spawn(const char *what, int code, const char *output, int want_code,
			 const char *want_output)
{
	if (code != want_code || (want_output && strncmp(output, want_output, strlen(want_output))))
		fail("%s: exit %d, output \"%.40s\" (wanted exit %d%s%s)", what, code, output,
		     want_code, want_output ? ", output " : "", want_output ? want_output : "");
	else
		add(want_code == 0 ? &R->legit_ok : &R->denied);
}

/* Links from a vfork child, and from programs started by vfork+exec and posix_spawn. */
static void ph_spawn(void)
{
	char legit_path[PATH_MAX], esc[PATH_MAX], buf[256];
	char *empty_env[] = {NULL};
	int status, p[2];
	pid_t pid;

	join(legit_path, root_dir, "spawned");
	join(esc, out, "spawned");
	for (int round = 0; round < 2; round++) {
		if (round == 1) { /* the same once the root's descriptor is covered */
			int fd = open(out_mirror, O_RDONLY | O_DIRECTORY);

			for (int i = 3; i <= COVER_FDS; i++)
				if (i != fd)
					dup2(fd, i);
		}
		/* calls made in a vfork child itself */
		pid = vfork();
		if (pid == 0) {
			int code = 0;

			if (link(root_file, legit_path) != 0)
				code |= 1;
			errno = 0;
			if (link(root_file, esc) == 0 || errno != EACCES)
				code |= 2;
			if (rename(out_secret, legit_path) == 0 || errno != EACCES)
				code |= 4;
			_exit(code);
		}
		status = pid < 0 ? -1 : wait_child(pid, "a vfork child");
		if (status != 0)
			fail("vfork child: legit link %s, escapes %s", status & 1 ? "failed" : "ok",
			     status & 6 ? "not denied with EACCES" : "denied");
		else
			add(&R->legit_ok);
		unlink(legit_path);
		/* vfork + execve of the driver, its output to a pipe */
		if (pipe(p) == 0) {
			char *argv[] = {"lgcall", "link", root_file, esc, NULL};
			ssize_t n;

			pid = vfork();
			if (pid == 0) {
				dup2(p[1], 1);
				execve(lgcall, argv, environ);
				_exit(127);
			}
			close(p[1]);
			n = read(p[0], buf, sizeof(buf) - 1);
			buf[n > 0 ? n : 0] = '\0';
			close(p[0]);
			expect_spawn("vfork+execve lgcall link ROOT/file OUT/x",
				     pid < 0 ? -1 : wait_child(pid, "a vfork+execve child"), buf, 1,
				     "err EACCES");
		}
		/* posix_spawn of the driver and of ln and mv, environment kept */
		{
			char *ok_argv[] = {"lgcall", "link", root_file, legit_path, NULL};
			char *esc_argv[] = {"lgcall", "rename", out_secret, legit_path, NULL};
			char *ln_ok[] = {"ln", root_file, legit_path, NULL};
			char *ln_esc[] = {"ln", root_file, esc, NULL};
			char *mv_esc[] = {"mv", legit_path, esc, NULL};

			expect_spawn("posix_spawn lgcall link ROOT/file ROOT/dir/x",
				     spawn(lgcall, 0, ok_argv, environ, buf, sizeof(buf)), buf, 0,
				     "ok");
			unlink(legit_path);
			expect_spawn("posix_spawn lgcall rename OUT/secret ROOT/dir/x",
				     spawn(lgcall, 0, esc_argv, environ, buf, sizeof(buf)), buf, 1,
				     "err EACCES");
			expect_spawn("posix_spawnp ln ROOT/file ROOT/dir/x",
				     spawn("ln", 1, ln_ok, environ, buf, sizeof(buf)), buf, 0,
				     NULL);
			expect_spawn("posix_spawnp ln ROOT/file OUT/x",
				     spawn("ln", 1, ln_esc, environ, buf, sizeof(buf)), buf, 1,
				     NULL);
			expect_spawn("posix_spawnp mv ROOT/dir/x OUT/x",
				     spawn("mv", 1, mv_esc, environ, buf, sizeof(buf)), buf, 1,
				     NULL);
			unlink(legit_path);
			/* the program scrubs the environment of what it starts */
			expect_spawn("posix_spawn lgcall rename OUT/secret ROOT/dir/x, empty env",
				     spawn(lgcall, 0, esc_argv, empty_env, buf, sizeof(buf)), buf,
				     1, "err EACCES");
		}
	}
}

/*
 * Run "lgcall link ROOT/file TARGET" by exec through libc's syscall(nr) (SYS_execve or
 * SYS_execveat) with an empty environment; its output goes to buf. Returns the exit code: 100
 * when the exec itself was refused with EACCES, 101 when it failed otherwise, -1 with no child.
 */
static int lgcall_by_syscall(long nr, char *target, char *buf, size_t size)
{
	char *argv[] = {"lgcall", "link", root_file, target, NULL};
	char *empty_env[] = {NULL};
	int p[2];
	ssize_t n;
	pid_t pid;

	buf[0] = '\0';
	if (pipe(p) != 0) {
		fail("pipe: %s", ename(errno));
		return -1;
	}
	pid = fork();
	if (pid == 0) {
		dup2(p[1], 1);
		if (nr == SYS_execve)
			syscall(SYS_execve, lgcall, argv, empty_env);
		else
			syscall(SYS_execveat, AT_FDCWD, lgcall, argv, empty_env, 0);
		_exit(errno == EACCES ? 100 : 101);
	}
	close(p[1]);
	n = read(p[0], buf, size - 1);
	buf[n > 0 ? n : 0] = '\0';
	close(p[0]);
	return pid < 0 ? -1 : wait_child(pid, "a child exec'ing through syscall()");
}

/* A legitimate link by a program exec'd through syscall() with an empty environment. */
static void sysexec_legit(void)
{
	char legit[PATH_MAX], buf[256];
	int code;

	join(legit, root_dir, "sysexec");
	code = lgcall_by_syscall(SYS_execve, legit, buf, sizeof(buf));
	if (code == 0 && strncmp(buf, "ok", 2) == 0 && access(legit, F_OK) == 0)
		add(&R->legit_ok);
	else
		fail("syscall(SYS_execve) of lgcall link inside the root: exit %d, \"%.30s\"", code,
		     buf);
	unlink(legit);
}

/*
 * exec through libc's syscall(), with the environment scrubbed: the new program must still be
 * confined (or not run at all). lgcall prints "ok" and exits 0 only when its link succeeded.
 */
static void ph_sysexec(void)
{
	char esc[PATH_MAX], buf[256];
	long nrs[] = {SYS_execve, SYS_execveat};
	int code;

	join(esc, out, "sysexec");
	for (size_t k = 0; k < sizeof(nrs) / sizeof(nrs[0]); k++) {
		code = lgcall_by_syscall(nrs[k], esc, buf, sizeof(buf));
		if (code == 0 || access(esc, F_OK) == 0)
			fail(
			    "ESCAPE: syscall(%s) of lgcall with an empty environment: exit %d, "
			    "\"%.30s\": the new program ran unconfined and linked ROOT/file to OUT",
			    nrs[k] == SYS_execve ? "SYS_execve" : "SYS_execveat", code, buf);
		else if (code == 100 || (code == 1 && strncmp(buf, "err EACCES", 10) == 0))
			add(&R->denied);
		else
			fail("syscall exec of lgcall: exit %d, \"%.30s\"", code, buf);
		unlink(esc);
	}
	sysexec_legit();
}

/*
 * One thread flips a path buffer while this one passes it to link and rename. Whatever bytes the
 * library reads, it must act on one copy of them, and read no further than that copy.
 *   1. "in/x" <-> "../out/x" (legitimate <-> an escape): only names inside the root that a torn
 *      read can spell (in/x, in/o, in/out/x) may ever be made, and nothing outside.
 *   2. "in/x" <-> "in/xy/../../../out/x": the same first four bytes, so that any copy is "in/x"
 *      (which succeeds) or the escape (EACCES), unless the library saw the terminator after
 *      "in/x" and then copied the 'y' in its place: a copy without an end. Any other outcome,
 *      and any other name in the root, is that bug (AddressSanitizer: a stack-buffer-overflow).
 */
static char flip_buf[32];
static volatile int flip_stop, flip_kind;
static volatile long flip_rounds; /* whole rewrites done, so a new kind's states are settled */

static void *flipper(void *arg)
{
	char a[16], b[2][32];
	volatile char *v = flip_buf;

	(void)arg;
	snprintf(a, sizeof(a), "in/x");
	snprintf(b[0], sizeof(b[0]), "../%.4s/x", out_base);
	snprintf(b[1], sizeof(b[1]), "in/xy/../../../%.4s/x", out_base);
	while (!__atomic_load_n(&flip_stop, __ATOMIC_RELAXED)) {
		const char *other = b[__atomic_load_n(&flip_kind, __ATOMIC_RELAXED)];

		for (size_t i = 0; i <= strlen(a); i++)
			v[i] = a[i];
		for (size_t i = 0; i <= strlen(other); i++)
			v[i] = other[i];
		__atomic_add_fetch(&flip_rounds, 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

/* Remove what a success may have made inside: the names a torn buffer can spell. */
static void buffer_clean(void)
{
	static const char *const names[] = {"in/x", "in/o", "in/out/x", "in/xut/x", "in/out/o"};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		unlink(names[i]);
}

struct tally {
	long ops, ok, denied, other;
	int err; /* the first error other than EACCES */
};

/* Link and rename through flip_buf until `end`; put back what moved. */
static void buffer_calls(double end, struct tally *t)
{
	char in_x[PATH_MAX];
	long r;

	join(in_x, root, "in/x");
	while (now() < end) {
		switch (t->ops++ % 3) {
		case 0:
			r = link("file", flip_buf);
			break;
		case 1:
			r = rename("tok", flip_buf);
			break;
		default:
			r = link(root_file, in_x) || rename(flip_buf, "moved");
			break;
		}
		if (r == 0) {
			t->ok++;
		} else if (errno == EACCES) {
			t->denied++;
		} else {
			if (t->other++ == 0)
				t->err = errno;
		}
		/* the only names a success can have made */
		for (size_t i = 0; i < 3 && access("tok", F_OK) != 0; i++)
			rename(i == 0 ? "in/x" : i == 1 ? "in/o" : "in/out/x", "tok");
		unlink("moved");
		buffer_clean();
	}
}

static void ph_buffer(void)
{
	struct tally t[2] = {{0}, {0}};
	char tok[PATH_MAX];
	pthread_t th;
	int fd;

	if (strlen(out_base) != 3)
		note("OUT's name is not 3 bytes long: the flipped path is ../%.4s/x", out_base);
	if (chdir(root) != 0)
		fail("chdir(ROOT): %s", ename(errno));
	join(tok, root, "tok");
	fd = open(tok, O_WRONLY | O_CREAT | O_EXCL, 0644);
	if (fd < 0)
		fail("create ROOT/tok: %s", ename(errno));
	close(fd);
	snprintf(flip_buf, sizeof(flip_buf), "in/x");
	pthread_create(&th, NULL, flipper, NULL);
	buffer_calls(now() + FLIP1_SECONDS, &t[0]);
	__atomic_store_n(&flip_kind, 1, __ATOMIC_RELAXED);
	/* Until the flipper has written the longer path over the first flip's bytes, the buffer
	 * passes through mixtures of both (".n/x", "in/xy/x"): wait two whole rounds. */
	for (long start = __atomic_load_n(&flip_rounds, __ATOMIC_ACQUIRE);
	     __atomic_load_n(&flip_rounds, __ATOMIC_ACQUIRE) < start + 2;)
		sched_yield();
	buffer_calls(now() + FLIP2_SECONDS, &t[1]);
	__atomic_store_n(&flip_stop, 1, __ATOMIC_RELAXED);
	pthread_join(th, NULL);
	if (access("tok", F_OK) != 0)
		fail("ROOT/tok was moved where it could not be found again");
	unlink(tok);
	for (int k = 0; k < 2; k++)
		note("%ld calls on a buffer flipping between in/x and %s: %ld succeeded, %ld "
		     "denied, "
		     "%ld other errors",
		     t[k].ops, k ? "in/xy/../../../out/x" : "../out/x", t[k].ok, t[k].denied,
		     t[k].other);
	for (int k = 0; k < 2; k++)
		if (t[k].ok == 0 || t[k].denied == 0)
			fail("flip %d gave %ld successes and %ld denials: both are expected", k + 1,
			     t[k].ok, t[k].denied);
	/* in/x with in/ present succeeds; in/xy/../../../out/x is denied; nothing else is read */
	if (t[1].other > 0)
		fail("in/x <-> in/xy/../../../out/x: %ld calls failed otherwise than with EACCES "
		     "(first: %s), as if the library read a path the buffer never held: a copy "
		     "without its terminator",
		     t[1].other, ename(t[1].err));
	battery(0, -1);
}

/* --- the parent: run each phase in a child, then look --------------------------------------- */

struct listing {
	char *text;
	size_t len, cap;
};

static void list_add(struct listing *l, const char *line)
{
	size_t n = strlen(line);

	if (l->len + n + 1 > l->cap) {
		l->cap = (l->cap + n + 1) * 2;
		l->text = realloc(l->text, l->cap);
		if (l->text == NULL)
			tap_bail("out of memory");
	}
	memcpy(l->text + l->len, line, n + 1);
	l->len += n;
}

/* Every entry under path (recursively, but not into skip), with inode, links and type. */
static void list_tree(struct listing *l, const char *path, const char *skip, int depth)
{
	DIR *d = opendir(path);
	struct dirent *de;
	struct stat st;
	char child[PATH_MAX], line[PATH_MAX + 64];

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if ((size_t)snprintf(child, sizeof(child), "%s/%s", path, de->d_name) >=
		    sizeof(child))
			continue;
		if (lstat(child, &st) != 0)
			continue;
		snprintf(line, sizeof(line), "%s %lu %lu %o\n", child, (unsigned long)st.st_ino,
			 (unsigned long)st.st_nlink, (unsigned)(st.st_mode & S_IFMT));
		list_add(l, line);
		if (S_ISDIR(st.st_mode) && depth > 0 && (skip == NULL || strcmp(child, skip) != 0))
			list_tree(l, child, skip, depth - 1);
	}
	closedir(d);
}

static int by_line(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted lines of a listing, NULL-terminated, in place. */
static char **lines_of(struct listing *l, size_t *n)
{
	char **v = calloc(l->len + 2, sizeof(char *));
	char *save = NULL;

	*n = 0;
	for (char *s = strtok_r(l->text, "\n", &save); s; s = strtok_r(NULL, "\n", &save))
		v[(*n)++] = s;
	qsort(v, *n, sizeof(char *), by_line);
	return v;
}

struct state {
	struct listing outside, inside;
};

static void take(struct state *s)
{
	memset(s, 0, sizeof(*s));
	list_add(&s->outside, "");
	list_add(&s->inside, "");
	list_tree(&s->outside, up, root, 0); /* the root's parent: its entries only */
	list_tree(&s->outside, out, root, 16);
	list_tree(&s->inside, root, NULL, 16);
}

/* Print the lines only one side has; returns how many. */
static long differences(struct listing *a, struct listing *b, const char *what)
{
	size_t na, nb, i = 0, j = 0;
	char **va = lines_of(a, &na), **vb = lines_of(b, &nb);
	long diffs = 0;

	while (i < na || j < nb) {
		int c = i == na ? 1 : j == nb ? -1 : strcmp(va[i], vb[j]);

		if (c == 0) {
			i++;
			j++;
			continue;
		}
		if (++diffs <= 20)
			printf("#   %s %s: %s\n", what, c < 0 ? "before" : "after ",
			       c < 0 ? va[i] : vb[j]);
		if (c < 0)
			i++;
		else
			j++;
	}
	free(va);
	free(vb);
	return diffs;
}

struct phase {
	const char *name, *what;
	void (*run)(void);
};

static const struct phase phases[] = {
    {"closeall", "every descriptor closed", ph_closeall},
    {"dup2", "outside files dup2()ed over every descriptor", ph_dup2},
    {"chdir", "the current directory inside, outside, moved and deleted", ph_chdir},
    {"rlimit", "RLIMIT_NOFILE leaves no descriptor free", ph_rlimit},
    {"fork", "fork() while threads are in the library", ph_fork},
    {"threads", "8 threads at once after the root descriptor was replaced", ph_threads},
    {"signal", "rename() from a SIGALRM handler", ph_signal},
    {"spawn", "vfork, vfork+execve and posix_spawn children", ph_spawn},
    {"sysexec", "exec through syscall() with an empty environment", ph_sysexec},
    {"buffer", "a path buffer rewritten during the call", ph_buffer},
};

static void run_phase(const struct phase *ph)
{
	struct state before, after;
	long outside_diffs, inside_diffs;
	int status = 0, done = 0;
	double deadline;
	pid_t pid;

	memset(R, 0, sizeof(*R));
	take(&before);
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		tap_bail("fork: %s", strerror(errno));
	if (pid == 0) {
		alarm(PHASE_ALARM);
		ph->run();
		_exit(0);
	}
	deadline = now() + PHASE_TIMEOUT;
	while (!done && now() < deadline) {
		pid_t w = waitpid(pid, &status, WNOHANG);

		if (w == pid)
			done = 1;
		else
			usleep(10000);
	}
	if (!done) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	take(&after);
	if (R->msg_len > 0)
		printf("%.*s", (int)(R->msg_len < sizeof(R->msg) ? R->msg_len : sizeof(R->msg)),
		       R->msg);
	printf("# %s: %ld legitimate calls worked, %ld failed for want of a descriptor; "
	       "%ld escapes denied with EACCES, %ld failed otherwise for want of a descriptor; "
	       "%ld failures\n",
	       ph->name, R->legit_ok, R->legit_soft, R->denied, R->denied_soft, R->failures);
	tap_ok(done && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	       "%s (%s): no crash, no deadlock%s", ph->name, ph->what,
	       !done		     ? " [timed out: killed]"
	       : WIFSIGNALED(status) ? " [killed by a signal]"
	       : WEXITSTATUS(status) ? " [non-zero exit]"
				     : "");
	if (done && WIFSIGNALED(status))
		printf("#   signal %d (%s)%s\n", WTERMSIG(status), strsignal(WTERMSIG(status)),
		       WTERMSIG(status) == SIGALRM ? ": its watchdog, a deadlock?" : "");
	if (done && WIFEXITED(status) && WEXITSTATUS(status) != 0)
		printf("#   exit status %d%s\n", WEXITSTATUS(status),
		       WEXITSTATUS(status) >= 98 ? " (a sanitizer report? stderr may be gone)"
						 : "");
	tap_ok(R->failures == 0 && R->legit_ok > 0 && R->denied > 0,
	       "%s: legitimate calls worked, escapes were denied", ph->name);
	outside_diffs = differences(&before.outside, &after.outside, "outside");
	tap_ok(outside_diffs == 0, "%s: nothing outside the root changed", ph->name);
	inside_diffs = differences(&before.inside, &after.inside, "root");
	tap_ok(inside_diffs == 0, "%s: the root holds exactly what it held", ph->name);
	free(before.outside.text);
	free(before.inside.text);
	free(after.outside.text);
	free(after.inside.text);
}

static int is_mapped(const char *needle)
{
	char line[PATH_MAX + 128];
	FILE *f = fopen("/proc/self/maps", "r");
	int found = 0;

	while (f != NULL && !found && fgets(line, sizeof(line), f) != NULL)
		found = strstr(line, needle) != NULL;
	if (f != NULL)
		fclose(f);
	return found;
}

int main(int argc, char **argv)
{
	const struct phase *todo[sizeof(phases) / sizeof(phases[0])];
	size_t n = 0, all = sizeof(phases) / sizeof(phases[0]);

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && strcmp(argv[1], "setup") == 0) {
		setup(argv[2]);
		return 0;
	}
	if (argc < 3) {
		fprintf(stderr, "usage: lg_fightback setup OUT | PHASE... OUT (PHASE: all");
		for (size_t i = 0; i < all; i++)
			fprintf(stderr, " %s", phases[i].name);
		fprintf(stderr, ")\n");
		return 2;
	}
	for (int a = 1; a < argc - 1; a++) {
		size_t before = n;

		for (size_t i = 0; i < all; i++)
			if (strcmp(argv[a], "all") == 0 || strcmp(argv[a], phases[i].name) == 0)
				todo[n++] = &phases[i];
		if (n == before)
			tap_bail("no phase %s", argv[a]);
	}
	paths_init(getenv("LINKGUARD_ROOT"), argv[argc - 1]);
	lgcall = getenv("LGCALL");
	if (lgcall == NULL || lgcall[0] != '/')
		tap_bail("LGCALL must name the lgcall driver by an absolute path");
	if (!is_mapped("liblinkguard"))
		tap_bail("liblinkguard is not loaded: run lg_fightback with LD_PRELOAD");
	R = mmap(NULL, sizeof(*R), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (R == MAP_FAILED)
		tap_bail("mmap: %s", strerror(errno));
	printf("1..%zu\n", 4 * n);
	for (size_t i = 0; i < n; i++)
		run_phase(todo[i]);
	return tap_status();
}
