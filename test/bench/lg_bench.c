/*
 * lg_bench.c - micro-benchmark of the interposed calls: link and rename round trips.
 *
 * One "op" is one round trip of two system calls:
 *   link-*    link(a, b) then unlink(b)     (one interposed call per op)
 *   rename-*  rename(a, b) then rename(b, a) (two interposed calls per op)
 * for paths given absolute or relative (from the current directory), at depth 1, 3 and 8 (the
 * number of directories in the relative path, so "d1/d2/d3/a" is depth 3), with a and b in the
 * same directory ("same") or in two sibling directories at the same depth ("diff").
 *
 * The tree is made in --dir DIR (which then is the current directory, so a relative path is the
 * path below DIR: the shim's root should be DIR itself) and removed again. Each case runs
 * --warmup ops, then --iterations timed ops, and prints "case-name ns/op". The timed loop is
 * the function lg_bench_timed (callgrind --toggle-collect=lg_bench_timed*) and is framed, inside
 * the clock readings, by two write(-1, "lg_bench: ...") calls that fail with EBADF, so that an
 * strace shows where it begins and ends.
 *
 * It runs the same natively and under LD_PRELOAD=liblinkguard.so; run.sh compares the two.
 *
 * --paired measures a case against the raw call in one process: batches of --batch ops through
 * libc's names (the shim's, when preloaded) alternate with batches that make the system calls
 * libc would make by the architecture's own instruction, which no preload sees. It prints
 * "case-name call-ns/op raw-ns/op ratio": the medians of each side's batches, and the median of
 * the ratios of neighbouring batches. A load that comes and goes hits both sides alike; run
 * natively, the ratio is the method's own noise (about 1.00).
 *
 * --lockstep IN OUT does the same across two processes, for what can not be left within one (the
 * launcher's kernel layer): two lg_bench, one of them --first, take turns through two FIFOs (a
 * byte read from IN is this one's turn, a byte written to OUT the other's), one batch a turn, and
 * each prints "case-name ns/op..." of its batches in order. Batch k of one side ran between
 * batches k and k + 1 of the other. With --spawn, the batches are spawns (spawn_lockstep).
 *
 * Time is the process's CPU time (user + system) by default, which a busy machine's other
 * processes do not inflate; --clock wall measures elapsed time instead.
 *
 * --spawn N -- CMD runs CMD N times (posix_spawnp, wait4) and prints "wall-ns cpu-ns parent-ns"
 * per run: cpu is the child's user + system time plus lg_bench's own (the spawning, which an
 * exec check in the parent makes dearer), parent-ns that own part alone. Start-up cost and
 * whole programs, without a shell.
 *
 * --child-starts N -- PRELOAD... (lg_bench itself not preloaded) spawns /bin/true N times with
 * each LD_PRELOAD value in turn ("" for none), one spawn of each a round, and prints
 * "PRELOAD p10-ns p25-ns p50-ns" of the children's own CPU time. Interleaving every spawn puts a
 * load that comes and goes on all alike; the low percentile is what the start costs when nothing
 * else intervenes, steady where a median over whole rounds swings by tens of microseconds here.
 *
 * --syscalls instead times, natively, each system call the shim adds to a call, on its own (in
 * the tree of link-rel-d3-same): what a strace count per op costs, without a tracer's overhead.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lg_compat.h"
#include "lg_syscall.h"

#ifndef SYS_openat2
#define SYS_openat2 437
#endif

#define MAX_DEPTH 8
#define MAX_CASES 32

enum op { OP_LINK, OP_RENAME };

struct bench_case {
	char name[32];
	enum op op;
	int absolute;
	int depth;
	int diff; /* a and b in two sibling directories */
};

/* One case's paths: the directories to make (outermost first) and the two names. */
struct tree {
	char dirs[2 * MAX_DEPTH][PATH_MAX];
	int ndirs;
	char src[PATH_MAX]; /* as passed to the calls: relative, or absolute */
	char dst[PATH_MAX];
	char src_rel[PATH_MAX]; /* relative to DIR, for setting up and cleaning up */
	char dst_rel[PATH_MAX];
};

static struct bench_case cases[MAX_CASES];
static size_t ncases;

static void make_cases(void)
{
	static const int depths[] = {1, 3, 8};
	static const char *const ops[] = {"link", "rename"};

	for (int op = 0; op < 2; op++)
		for (int abs = 0; abs < 2; abs++)
			for (size_t d = 0; d < sizeof(depths) / sizeof(depths[0]); d++)
				for (int diff = 0; diff < 2; diff++) {
					struct bench_case *c = &cases[ncases++];

					snprintf(c->name, sizeof(c->name), "%s-%s-d%d-%s", ops[op],
						 abs ? "abs" : "rel", depths[d],
						 diff ? "diff" : "same");
					c->op = op == 0 ? OP_LINK : OP_RENAME;
					c->absolute = abs;
					c->depth = depths[d];
					c->diff = diff;
				}
}

static void die(const char *what, const char *arg)
{
	fprintf(stderr, "lg_bench: %s%s%s: %s\n", what, arg ? " " : "", arg ? arg : "",
		strerror(errno));
	exit(1);
}

/*
 * Directory i (1-based) of the path: the outermost is unique to this process, so DIR may hold
 * anything else; in a "diff" case the innermost level has an "a" and a "b" sibling.
 */
static void component(char *buf, size_t size, int i, int depth, char side)
{
	char leaf[2] = {side, '\0'};
	const char *suffix = i == depth ? leaf : "";

	if (i == 1)
		snprintf(buf, size, "lgb%ld%s", (long)getpid(), suffix);
	else
		snprintf(buf, size, "d%d%s", i, suffix);
}

static void relative_path(char *buf, size_t size, const struct bench_case *c, char side,
			  const char *file)
{
	char comp[NAME_MAX + 1];
	size_t n = 0;

	buf[0] = '\0';
	for (int i = 1; i <= c->depth; i++) {
		component(comp, sizeof(comp), i, c->depth, side);
		n += (size_t)snprintf(buf + n, size - n, "%s/", comp);
	}
	snprintf(buf + n, size - n, "%s", file);
}

/* out (PATH_MAX bytes) = base "/" rel, or rel alone when base is NULL. */
static void join(char *out, const char *base, const char *rel)
{
	size_t blen = base ? strlen(base) + 1 : 0, rlen = strlen(rel);

	if (blen + rlen >= PATH_MAX) {
		errno = ENAMETOOLONG;
		die("--dir", base);
	}
	if (base != NULL) {
		memcpy(out, base, blen - 1);
		out[blen - 1] = '/';
	}
	memcpy(out + blen, rel, rlen + 1);
}

static void plan_tree(struct tree *t, const struct bench_case *c, const char *base)
{
	char side_a = c->diff ? 'a' : '\0', side_b = c->diff ? 'b' : '\0';

	relative_path(t->src_rel, sizeof(t->src_rel), c, side_a, "src");
	relative_path(t->dst_rel, sizeof(t->dst_rel), c, side_b, "dst");
	join(t->src, c->absolute ? base : NULL, t->src_rel);
	join(t->dst, c->absolute ? base : NULL, t->dst_rel);
	/* Every directory holding src, then the one holding dst when it differs. */
	t->ndirs = 0;
	for (int side = 0; side < (c->diff ? 2 : 1); side++) {
		const char *rel = side == 0 ? t->src_rel : t->dst_rel;
		const char *slash = rel;

		while ((slash = strchr(slash, '/')) != NULL) {
			size_t len = (size_t)(slash - rel);
			int seen = 0;

			for (int i = 0; i < t->ndirs; i++)
				seen |= strlen(t->dirs[i]) == len && !strncmp(t->dirs[i], rel, len);
			if (!seen)
				snprintf(t->dirs[t->ndirs++], PATH_MAX, "%.*s", (int)len, rel);
			slash++;
		}
	}
}

static void setup_tree(const struct tree *t)
{
	int fd;

	for (int i = 0; i < t->ndirs; i++)
		if (mkdir(t->dirs[i], 0755) != 0)
			die("mkdir", t->dirs[i]);
	fd = open(t->src_rel, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		die("create", t->src_rel);
	close(fd);
}

static void remove_tree(const struct tree *t)
{
	unlink(t->src_rel);
	unlink(t->dst_rel);
	for (int i = t->ndirs - 1; i >= 0; i--)
		rmdir(t->dirs[i]);
}

static int round_trip(enum op op, const char *src, const char *dst)
{
	if (op == OP_LINK) {
		if (link(src, dst) != 0)
			return -1;
		return unlink(dst);
	}
	if (rename(src, dst) != 0)
		return -1;
	return rename(dst, src);
}

/* The timed loop, by name for callgrind's --toggle-collect. Returns 0 or -1 (errno set). */
__attribute__((noinline)) int lg_bench_timed(enum op op, const char *src, const char *dst, long n);
__attribute__((noinline)) int lg_bench_timed(enum op op, const char *src, const char *dst, long n)
{
	for (long i = 0; i < n; i++)
		if (round_trip(op, src, dst) != 0)
			return -1;
	return 0;
}

/*
 * The same round trip by the system calls libc makes for link() and rename() (link and rename
 * where the architecture has them, else linkat and renameat), made by the instruction itself:
 * the raw call a preload can not see. The unlink goes through libc on both sides.
 */
static int raw_round_trip(enum op op, const char *src, const char *dst)
{
	long r;

	if (op == OP_LINK) {
#ifdef SYS_link
		r = lg_inline_syscall(SYS_link, (long)src, (long)dst, 0, 0, 0, 0);
#else
		r = lg_inline_syscall(SYS_linkat, AT_FDCWD, (long)src, AT_FDCWD, (long)dst, 0, 0);
#endif
		return lg_syscall_libc(r) != 0 ? -1 : unlink(dst);
	}
#ifdef SYS_rename
	r = lg_inline_syscall(SYS_rename, (long)src, (long)dst, 0, 0, 0, 0);
	if (r == 0)
		r = lg_inline_syscall(SYS_rename, (long)dst, (long)src, 0, 0, 0, 0);
#else
	r = lg_inline_syscall(SYS_renameat, AT_FDCWD, (long)src, AT_FDCWD, (long)dst, 0, 0);
	if (r == 0)
		r = lg_inline_syscall(SYS_renameat, AT_FDCWD, (long)dst, AT_FDCWD, (long)src, 0, 0);
#endif
	return lg_syscall_libc(r) != 0 ? -1 : 0;
}

static void mark(const char *what)
{
	/* Fails with EBADF by design: a landmark in an strace, nothing else. */
	ssize_t r = write(-1, what, strlen(what));

	(void)r;
}

static clockid_t bench_clock = CLOCK_PROCESS_CPUTIME_ID;

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(bench_clock, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* A round trip failed: say which, remove the tree and end lg_bench. */
static __attribute__((noreturn)) void round_trip_failed(const struct bench_case *c,
							const struct tree *t)
{
	fprintf(stderr, "lg_bench: %s: %s(\"%s\", \"%s\") round trip failed: %s\n", c->name,
		c->op == OP_LINK ? "link" : "rename", t->src, t->dst, strerror(errno));
	remove_tree(t);
	exit(1);
}

static void run_case(const struct bench_case *c, const char *base, long iterations, long warmup)
{
	static struct tree t;
	double start, end;
	int r;

	plan_tree(&t, c, base);
	setup_tree(&t);
	for (long i = 0; i < warmup; i++)
		if (round_trip(c->op, t.src, t.dst) != 0)
			goto fail;
	start = now_ns();
	mark("lg_bench: timed loop begins");
	r = lg_bench_timed(c->op, t.src, t.dst, iterations);
	mark("lg_bench: timed loop ends");
	end = now_ns();
	if (r != 0)
		goto fail;
	remove_tree(&t);
	printf("%s %.1f\n", c->name, (end - start) / (double)iterations);
	fflush(stdout);
	return;
fail:
	round_trip_failed(c, &t);
}

/* Batches of size batch in n, at least 3: a median of neighbours needs some. */
static long batches_of(long n, long batch)
{
	return n / batch < 3 ? 3 : n / batch;
}

/* ns from a to b. */
static double ns_between(struct timespec a, struct timespec b)
{
	return (double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec);
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median_of(double *v, long n)
{
	qsort(v, (size_t)n, sizeof(*v), by_value);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* One batch of n round trips, through libc's names or raw: its time in ns, or -1 (errno set). */
static double timed_batch(int raw, const struct bench_case *c, const struct tree *t, long n)
{
	double start = now_ns();

	for (long i = 0; i < n; i++)
		if ((raw ? raw_round_trip : round_trip)(c->op, t->src, t->dst) != 0)
			return -1;
	return now_ns() - start;
}

/* --paired: see the head of this file. Batches alternate, and which side goes first too. */
static void run_paired(const struct bench_case *c, const char *base, long iterations, long warmup,
		       long batch)
{
	static struct tree t;
	long pairs = batches_of(iterations, batch);
	double *call = calloc((size_t)pairs, sizeof(double));
	double *raw = calloc((size_t)pairs, sizeof(double));
	double *ratio = calloc((size_t)pairs, sizeof(double));
	double call_ns, raw_ns;

	if (call == NULL || raw == NULL || ratio == NULL)
		die("calloc", "paired batches");
	plan_tree(&t, c, base);
	setup_tree(&t);
	if (timed_batch(0, c, &t, warmup) < 0 || timed_batch(1, c, &t, warmup) < 0)
		goto fail;
	for (long k = 0; k < pairs; k++) {
		int first = (int)(k & 1);
		double a = timed_batch(first, c, &t, batch), b = timed_batch(!first, c, &t, batch);

		if (a < 0 || b < 0)
			goto fail;
		call[k] = first ? b : a;
		raw[k] = first ? a : b;
		ratio[k] = call[k] / raw[k];
	}
	remove_tree(&t);
	call_ns = median_of(call, pairs) / (double)batch;
	raw_ns = median_of(raw, pairs) / (double)batch;
	printf("%s %.1f %.1f %.3f\n", c->name, call_ns, raw_ns, median_of(ratio, pairs));
	fflush(stdout);
	free(call);
	free(raw);
	free(ratio);
	return;
fail:
	round_trip_failed(c, &t);
}

/* The other lg_bench of a --lockstep pair: whose turn it is. */
struct lockstep {
	int in, out;
	int first;
};

/* A side that failed and exited never writes again; the FIFO stays open here (O_RDWR): wait a
 * minute, not for ever. */
static void take_turn(const struct lockstep *ls)
{
	struct pollfd p = {.fd = ls->in, .events = POLLIN};
	char token;
	int r = poll(&p, 1, 60000);

	if (r == 0)
		errno = ETIMEDOUT;
	if (r != 1 || read(ls->in, &token, 1) != 1)
		die("--lockstep: no turn from the other side within a minute", NULL);
}

static void give_turn(const struct lockstep *ls)
{
	if (write(ls->out, "t", 1) != 1)
		die("--lockstep: writing the turn", NULL);
}

/* Before batch k: the first side starts, every later batch waits for its turn. */
static void turn_begin(const struct lockstep *ls, long k)
{
	if (k > 0 || !ls->first)
		take_turn(ls);
}

/* After the last batch: the second side's last batch answers the first side's last turn. */
static void turns_end(const struct lockstep *ls)
{
	if (ls->first)
		take_turn(ls);
}

/* --lockstep: see the head of this file. Both sides make the same number of batches. */
static void run_lockstep(const struct bench_case *c, const char *base, long iterations, long warmup,
			 long batch, const struct lockstep *ls)
{
	static struct tree t;
	long batches = batches_of(iterations, batch);

	plan_tree(&t, c, base);
	setup_tree(&t);
	printf("%s", c->name);
	for (long k = 0; k < batches; k++) {
		double ns;

		turn_begin(ls, k);
		/* The warm-up in the first turn: never beside the other side's timed batch. */
		ns =
		    k > 0 || timed_batch(0, c, &t, warmup) >= 0 ? timed_batch(0, c, &t, batch) : -1;
		give_turn(ls);
		if (ns < 0)
			goto fail;
		printf(" %.1f", ns / (double)batch);
	}
	printf("\n");
	fflush(stdout);
	turns_end(ls);
	remove_tree(&t);
	return;
fail:
	round_trip_failed(c, &t);
}

/* One system call (or pair) of the shim's, done n times; returns 0 or -1 (errno set). */
enum probe {
	P_GETPPID,
	P_GETCWD,
	P_FSTAT,
	P_OPENAT2,
	P_OPEN_DOT,
	P_OPENAT_1,
	P_DUP,
	P_READLINK,
	P_LINK_PATH,
	P_LINK_FD,
	P_RENAME_PATH,
	P_RENAME_FD,
	P_COUNT
};

static const char *const probe_names[P_COUNT] = {
    [P_GETPPID] = "getppid (a null system call)",
    [P_GETCWD] = "getcwd",
    [P_FSTAT] = "fstat (newfstatat AT_EMPTY_PATH) of a directory fd",
    [P_OPENAT2] = "openat2 RESOLVE_BENEATH of the depth-3 parent + close",
    [P_OPEN_DOT] = "openat(fd, \".\", O_PATH) + close",
    [P_OPENAT_1] = "openat(fd, one component, O_PATH|O_NOFOLLOW) + close",
    [P_DUP] = "fcntl(F_DUPFD_CLOEXEC) + close",
    [P_READLINK] = "readlink /proc/self/fd/N",
    [P_LINK_PATH] = "link(path, path) + unlink(path), depth 3",
    [P_LINK_FD] = "linkat(dir fd, name, dir fd, name) + unlinkat",
    [P_RENAME_PATH] = "rename there and back, depth-3 paths",
    [P_RENAME_FD] = "renameat there and back, dir fd + name",
};

struct probe_env {
	int root_fd;   /* DIR */
	int parent_fd; /* the depth-3 directory */
	char parent[PATH_MAX];
	char first[NAME_MAX + 1]; /* its first component */
	char proc_link[64];	  /* /proc/self/fd/<parent_fd> */
	const struct tree *t;
};

static int close_ok(long fd)
{
	return fd < 0 ? -1 : close((int)fd);
}

static int probe_once(enum probe p, const struct probe_env *e)
{
	struct open_how how = {
	    .flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
	    .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
	};
	char buf[PATH_MAX];
	struct stat st;

	switch (p) {
	case P_GETPPID:
		return syscall(SYS_getppid) < 0 ? -1 : 0;
	case P_GETCWD:
		return getcwd(buf, sizeof(buf)) == NULL ? -1 : 0;
	case P_FSTAT:
		return fstat(e->root_fd, &st);
	case P_OPENAT2:
		return close_ok(syscall(SYS_openat2, e->root_fd, e->parent, &how, sizeof(how)));
	case P_OPEN_DOT:
		return close_ok(openat(e->root_fd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC));
	case P_OPENAT_1:
		return close_ok(
		    openat(e->root_fd, e->first, O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC));
	case P_DUP:
		return close_ok(fcntl(e->root_fd, F_DUPFD_CLOEXEC, 0));
	case P_READLINK:
		return readlink(e->proc_link, buf, sizeof(buf)) < 0 ? -1 : 0;
	case P_LINK_PATH:
		return round_trip(OP_LINK, e->t->src, e->t->dst);
	case P_LINK_FD:
		if (linkat(e->parent_fd, "src", e->parent_fd, "dst", 0) != 0)
			return -1;
		return unlinkat(e->parent_fd, "dst", 0);
	case P_RENAME_PATH:
		return round_trip(OP_RENAME, e->t->src, e->t->dst);
	case P_RENAME_FD:
		if (renameat(e->parent_fd, "src", e->parent_fd, "dst") != 0)
			return -1;
		return renameat(e->parent_fd, "dst", e->parent_fd, "src");
	default:
		return -1;
	}
}

/* Each probe: warm-up, then n timed, "name ns/call"; a failure (ENOSYS) prints "name n/a". */
static void run_probes(const char *base, long iterations, long warmup)
{
	static struct tree t;
	struct probe_env e = {.t = &t};
	size_t i;
	char *slash;

	for (i = 0; i < ncases && strcmp(cases[i].name, "link-rel-d3-same") != 0; i++)
		;
	plan_tree(&t, &cases[i], base);
	setup_tree(&t);
	strcpy(e.parent, t.src_rel);
	*strrchr(e.parent, '/') = '\0';
	snprintf(e.first, sizeof(e.first), "%s", e.parent);
	if ((slash = strchr(e.first, '/')) != NULL)
		*slash = '\0';
	e.root_fd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	e.parent_fd = open(e.parent, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (e.root_fd < 0 || e.parent_fd < 0)
		die("open", e.parent);
	snprintf(e.proc_link, sizeof(e.proc_link), "/proc/self/fd/%d", e.parent_fd);
	for (int p = 0; p < P_COUNT; p++) {
		double start, end;
		int r = 0;

		for (long k = 0; k < warmup && r == 0; k++)
			r = probe_once(p, &e);
		start = now_ns();
		for (long k = 0; k < iterations && r == 0; k++)
			r = probe_once(p, &e);
		end = now_ns();
		if (r != 0)
			printf("%s\tn/a (%s)\n", probe_names[p], strerror(errno));
		else
			printf("%s\t%.1f\n", probe_names[p], (end - start) / (double)iterations);
		fflush(stdout);
	}
	close(e.root_fd);
	close(e.parent_fd);
	remove_tree(&t);
}

static double timeval_ns(struct timeval tv)
{
	return (double)tv.tv_sec * 1e9 + (double)tv.tv_usec * 1e3;
}

/*
 * Spawn argv (searching PATH when search is set) with env and wait: the child's CPU time in ns,
 * or -1 (said) when it did not exit with 0. A failed spawn ends lg_bench.
 */
static double spawn_and_wait(char **argv, char **env, int search)
{
	struct rusage ru;
	pid_t pid;
	int status, err;

	err = (search ? posix_spawnp : posix_spawn)(&pid, argv[0], NULL, NULL, argv, env);
	if (err != 0) {
		errno = err;
		die("spawn", argv[0]);
	}
	if (wait4(pid, &status, 0, &ru) != pid)
		die("wait4", argv[0]);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "lg_bench: %s failed (status %d)\n", argv[0], status);
		return -1;
	}
	return timeval_ns(ru.ru_utime) + timeval_ns(ru.ru_stime);
}

/*
 * Run argv n times, one after the other; print wall, total CPU and own CPU ns per run.
 * By name for callgrind too (--toggle-collect=lg_bench_spawn*: the parent's side of a spawn).
 */
__attribute__((noinline)) int lg_bench_spawn(long n, char **argv);
__attribute__((noinline)) int lg_bench_spawn(long n, char **argv)
{
	extern char **environ;
	struct timespec t0, t1, c0, c1;
	double cpu = 0, own;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; i < n; i++) {
		double child = spawn_and_wait(argv, environ, 1);

		if (child < 0)
			return 1;
		cpu += child;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
	own = ns_between(c0, c1);
	printf("%.0f %.0f %.0f\n", ns_between(t0, t1) / (double)n, (cpu + own) / (double)n,
	       own / (double)n);
	return 0;
}

/*
 * --spawn with --lockstep: batches of batch spawns, one batch a turn (see run_lockstep), after a
 * few untimed in the first turn. Prints "spawn TOTAL/OWN..." a batch: ns of CPU time a spawn, the
 * children's and this process's, and this process's own part (the spawning, and an exec check).
 */
static int spawn_lockstep(long n, long batch, char **argv, const struct lockstep *ls)
{
	extern char **environ;
	long batches = batches_of(n, batch);

	printf("spawn");
	for (long k = 0; k < batches; k++) {
		double children = 0, own, child = 0;
		struct timespec c0, c1;

		turn_begin(ls, k);
		for (long i = 0; k == 0 && i < 3 && child >= 0; i++)
			child = spawn_and_wait(argv, environ, 1);
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
		for (long i = 0; i < batch && child >= 0; i++)
			children += child = spawn_and_wait(argv, environ, 1);
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
		give_turn(ls);
		if (child < 0)
			return 1;
		own = ns_between(c0, c1);
		printf(" %.0f/%.0f", (children + own) / (double)batch, own / (double)batch);
	}
	printf("\n");
	fflush(stdout);
	turns_end(ls);
	return 0;
}

/* environ without LD_PRELOAD, and with LD_PRELOAD=preload unless it is "" (malloc'd). */
static char **env_with_preload(const char *preload)
{
	extern char **environ;
	size_t n = 0, k = 0;
	char **env, *entry;

	while (environ[n] != NULL)
		n++;
	env = calloc(n + 2, sizeof(*env));
	if (env == NULL)
		die("calloc", "environment");
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "LD_PRELOAD=", 11) != 0)
			env[k++] = environ[i];
	if (preload[0] != '\0') {
		if (asprintf(&entry, "LD_PRELOAD=%s", preload) < 0)
			die("asprintf", preload);
		env[k++] = entry;
	}
	return env;
}

/* The CPU time of one child /bin/true started with env, in ns. */
static double child_start_ns(char **env)
{
	char *argv[] = {"/bin/true", NULL};
	double child = spawn_and_wait(argv, env, 0);

	if (child < 0)
		exit(1);
	return child;
}

/* --child-starts: see the head of this file. */
static int child_starts(long n, char **preloads, int modes)
{
	char ***envs = calloc((size_t)modes, sizeof(*envs));
	double *ns = calloc((size_t)(n * modes), sizeof(*ns));

	if (envs == NULL || ns == NULL)
		die("calloc", "child starts");
	for (int m = 0; m < modes; m++)
		envs[m] = env_with_preload(preloads[m]);
	for (long i = 0; i < n; i++)
		for (int k = 0; k < modes; k++) {
			int m = (int)((k + i) % modes); /* who goes first rotates */

			ns[m * n + i] = child_start_ns(envs[m]);
		}
	for (int m = 0; m < modes; m++) {
		double *v = ns + m * n;

		qsort(v, (size_t)n, sizeof(*v), by_value);
		printf("%s %.0f %.0f %.0f\n", preloads[m][0] ? preloads[m] : "-", v[n / 10],
		       v[n / 4], v[n / 2]);
	}
	return 0;
}

/* Which loaded object provides each benchmarked symbol (liblinkguard.so under the shim). */
static void which(void)
{
	static const char *const names[] = {"link", "rename", "unlink"};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		void *sym = dlsym(RTLD_DEFAULT, names[i]);
		Dl_info info;

		if (sym != NULL && dladdr(sym, &info) != 0 && info.dli_fname != NULL)
			printf("%s %s\n", names[i], info.dli_fname);
		else
			printf("%s ?\n", names[i]);
	}
}

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: lg_bench --dir DIR [--iterations N] [--warmup N] [--case NAME]...\n"
	    "       lg_bench --dir DIR --paired [--batch B] [--iterations N] [--case NAME]...\n"
	    "       lg_bench --dir DIR --lockstep IN OUT [--first] [--batch B] [--case NAME]...\n"
	    "       lg_bench --dir DIR --syscalls [--iterations N]\n"
	    "       lg_bench --spawn N [--lockstep IN OUT [--first] [--batch B]] -- COMMAND...\n"
	    "       lg_bench --child-starts N -- PRELOAD...\n"
	    "       lg_bench --list | --which | --help\n"
	    "Times link+unlink and rename round trips in a tree made in DIR; prints one line\n"
	    "\"case-name ns/op\" per case. N defaults to 20000, the warm-up to N/10.\n"
	    "  --clock cpu|wall  the process's CPU time (default) or elapsed time\n"
	    "  --paired  batches through libc's names alternate with raw system calls in\n"
	    "           one process: \"case-name call-ns/op raw-ns/op ratio\" (medians)\n"
	    "  --batch B  round trips a batch (default 25)\n"
	    "  --lockstep IN OUT [--first]  take turns with another lg_bench through the\n"
	    "           FIFOs IN and OUT, one batch a turn: \"case-name ns/op...\" (each batch)\n"
	    "  --list   the case names, one a line\n"
	    "  --which  the object each of link, rename and unlink comes from\n"
	    "  --syscalls  time each system call the shim adds, natively and on its own:\n"
	    "           \"description<TAB>ns/call\" lines\n"
	    "  --spawn N  run COMMAND N times; print \"wall-ns cpu-ns parent-cpu-ns\" a run\n"
	    "  --child-starts N  spawn /bin/true N times with each LD_PRELOAD value\n"
	    "           (\"\": none), interleaved; print \"PRELOAD p10-ns p25-ns p50-ns\"\n"
	    "           of the children's CPU time\n");
}

static long parse_count(const char *opt, const char *s, long min)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || end == s || v < min) {
		fprintf(stderr, "lg_bench: %s wants an integer >= %ld, not \"%s\"\n", opt, min, s);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"dir", required_argument, NULL, 'd'},
	    {"iterations", required_argument, NULL, 'n'},
	    {"warmup", required_argument, NULL, 'w'},
	    {"case", required_argument, NULL, 'c'},
	    {"list", no_argument, NULL, 'l'},
	    {"which", no_argument, NULL, 'W'},
	    {"syscalls", no_argument, NULL, 's'},
	    {"paired", no_argument, NULL, 'p'},
	    {"batch", required_argument, NULL, 'b'},
	    {"lockstep", required_argument, NULL, 'L'},
	    {"first", no_argument, NULL, 'F'},
	    {"clock", required_argument, NULL, 'C'},
	    {"spawn", required_argument, NULL, 'S'},
	    {"child-starts", required_argument, NULL, 'P'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *dir = NULL;
	char base[PATH_MAX];
	int selected[MAX_CASES] = {0}, any_selected = 0;
	long iterations = 20000, warmup = -1;
	int opt, syscalls = 0, paired = 0;
	long spawn = 0, starts = 0, batch = 25;
	struct lockstep ls = {-1, -1, 0};
	const char *lockstep_in = NULL;

	make_cases();
	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (opt) {
		case 'd':
			dir = optarg;
			break;
		case 'n':
			iterations = parse_count("--iterations", optarg, 1);
			break;
		case 'w':
			warmup = parse_count("--warmup", optarg, 0);
			break;
		case 'c': {
			size_t i;

			for (i = 0; i < ncases && strcmp(cases[i].name, optarg) != 0; i++)
				;
			if (i == ncases) {
				fprintf(stderr, "lg_bench: no case \"%s\" (see --list)\n", optarg);
				return 2;
			}
			selected[i] = any_selected = 1;
			break;
		}
		case 'l':
			for (size_t i = 0; i < ncases; i++)
				printf("%s\n", cases[i].name);
			return 0;
		case 'W':
			which();
			return 0;
		case 's':
			syscalls = 1;
			break;
		case 'p':
			paired = 1;
			break;
		case 'b':
			batch = parse_count("--batch", optarg, 1);
			break;
		case 'L':
			lockstep_in = optarg;
			break;
		case 'F':
			ls.first = 1;
			break;
		case 'C':
			if (strcmp(optarg, "cpu") == 0) {
				bench_clock = CLOCK_PROCESS_CPUTIME_ID;
			} else if (strcmp(optarg, "wall") == 0) {
				bench_clock = CLOCK_MONOTONIC;
			} else {
				fprintf(stderr, "lg_bench: --clock is cpu or wall, not \"%s\"\n",
					optarg);
				return 2;
			}
			break;
		case 'S':
			spawn = parse_count("--spawn", optarg, 1);
			break;
		case 'P':
			starts = parse_count("--child-starts", optarg, 10);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (starts > 0) {
		if (optind == argc) {
			usage(stderr);
			return 2;
		}
		return child_starts(starts, argv + optind, argc - optind);
	}
	/* --lockstep's second argument, OUT, is the first operand. */
	if (lockstep_in != NULL && optind < argc) {
		/* O_RDWR: a FIFO so opened does not wait for the other side's open. */
		ls.in = open(lockstep_in, O_RDWR | O_CLOEXEC);
		ls.out = open(argv[optind++], O_RDWR | O_CLOEXEC);
		if (ls.in < 0 || ls.out < 0)
			die("--lockstep", lockstep_in);
	}
	if (spawn > 0) {
		if (optind == argc || (lockstep_in != NULL && ls.in < 0)) {
			usage(stderr);
			return 2;
		}
		return ls.in >= 0 ? spawn_lockstep(spawn, batch, argv + optind, &ls)
				  : lg_bench_spawn(spawn, argv + optind);
	}
	if (dir == NULL || optind != argc || (lockstep_in != NULL && ls.in < 0)) {
		usage(stderr);
		return 2;
	}
	if (warmup < 0)
		warmup = iterations / 10;
	if (realpath(dir, base) == NULL)
		die("--dir", dir);
	if (chdir(base) != 0)
		die("chdir", base);
	if (syscalls) {
		run_probes(base, iterations, warmup);
		return 0;
	}
	for (size_t i = 0; i < ncases; i++) {
		if (any_selected && !selected[i])
			continue;
		if (ls.in >= 0)
			run_lockstep(&cases[i], base, iterations, warmup, batch, &ls);
		else if (paired)
			run_paired(&cases[i], base, iterations, warmup, batch);
		else
			run_case(&cases[i], base, iterations, warmup);
	}
	return 0;
}
