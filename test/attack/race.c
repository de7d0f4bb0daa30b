/* race.c - lg_race: an unconfined attacker swaps directories while a confined program links and
 * renames through them; nothing may ever be created, moved or linked outside the root.
 *
 * usage:
 *   lg_race setup DIR          make both trees under DIR (no link or rename)
 *   lg_race swap DIR CALLS     LINKGUARD_ROOT=DIR/race/root
 *   lg_race dotdot DIR CALLS   LINKGUARD_ROOT=DIR/dd/w/sel/a
 * swap and dotdot start unconfined, with LG_PRELOAD naming what LD_PRELOAD must hold (the library,
 * after a sanitizer runtime): they fork the attacker, then exec themselves as the confined victim
 * (see start()). CALLS interposed calls are made. Prints TAP; exits 0 only when all passed.
 *
 * "swap": DIR/race/root holds, at the top and one level down (n/), a real directory d and a
 * symlink s -> the outside directory (relative at the top, absolute one level down); the
 * attacker exchanges d and s with
 * renameat2(RENAME_EXCHANGE) in a tight loop, so that a path "d/f" names d's f one moment and
 * the outside's f the next. The victim links and renames through d on the source side, the
 * target side, back and forth, with "d/.." and with trailing slashes, by every entry point.
 *
 * "dotdot": the shape of the kernel's openat2 selftest rename attack (rename_attack_test.c).
 * The root is sel/a, a/c a directory in it and sel/b one outside; the attacker exchanges a/c
 * and b while the victim resolves paths made of "c/../.." (an escape whenever it succeeds) and
 * "c/.." (legitimate while c stays put: after c was moved out, its ".." is outside).
 *
 * Escapes are counted twice: by checking each successful call's effect through descriptors of
 * the real directories opened before the race, and by comparing every outside directory, listed
 * through descriptors opened before the race, and its files' inode and link counts, before and
 * after.
 *
 * The attacker must not be confined. A child of a confined process can not shed the library:
 * syscall() is interposed, and so are the exec family and posix_spawn, which put LD_PRELOAD back.
 * So the order is reversed: lg_race starts unconfined (checked in /proc/self/maps), forks the
 * attacker, and only then execs itself with LD_PRELOAD as the victim; the attacker, the victim's
 * child, waits for its "go". PR_SET_PDEATHSIG and alarm() end it if the victim dies.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../tap.h"
#include "lg_compat.h"

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#define RENAME_EXCHANGE	 (1 << 1)
#endif

#define WATCHDOG_SECONDS 150 /* the victim's alarm(); ctest's own timeout is longer */

extern char **environ;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int is_mapped(const char *needle)
{
	char line[PATH_MAX + 128];
	FILE *f = fopen("/proc/self/maps", "r");
	int found = 0;

	if (f == NULL)
		tap_bail("cannot read /proc/self/maps: %s", strerror(errno));
	while (!found && fgets(line, sizeof(line), f) != NULL)
		found = strstr(line, needle) != NULL;
	fclose(f);
	return found;
}

/* --- setup (not confined: it only makes directories, files and symlinks) -------------------- */

static void mkdir_or_die(const char *path)
{
	if (mkdir(path, 0755) != 0 && errno != EEXIST)
		tap_bail("mkdir %s: %s", path, strerror(errno));
}

static void file_or_die(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0 || write(fd, path, strlen(path)) < 0 || close(fd) != 0)
		tap_bail("create %s: %s", path, strerror(errno));
}

static void symlink_or_die(const char *target, const char *path)
{
	if (symlink(target, path) != 0)
		tap_bail("symlink %s: %s", path, strerror(errno));
}

/* Build DIR/<rel> into buf. */
static const char *at(char *buf, const char *dir, const char *rel)
{
	if ((size_t)snprintf(buf, PATH_MAX, "%s/%s", dir, rel) >= PATH_MAX)
		tap_bail("path too long: %s/%s", dir, rel);
	return buf;
}

/*
 * DIR/race/
 *   root/                    the root
 *     file
 *     d/  f g sub/f dt/     the real directory swapped with s (the top level)
 *     s -> ../out
 *     t/  src               where things are linked and moved to
 *     n/d/ f g sub/f dt/   the nested level
 *     n/s -> DIR/race/out      (absolute)
 *     n/t/ src
 *   out/  f g secret sub/f dt/   outside: what d/... names while d is the symlink
 *   t/    src                    outside: what d/../t/... names while d is the symlink
 *
 * DIR/dd/w/sel/            (the openat2 selftest's layout, one level deeper for decoys)
 *   a/                       the root
 *     c/ f                   exchanged with b
 *     file y
 *   b/ f                     outside
 *   c/ f y, file             outside decoys where a moved c's ".." leads
 * DIR/dd/w/c/ f y, DIR/dd/c/ f y   more decoys, one and two levels up
 */
static void setup(const char *dir)
{
	static const char *const dirs[] = {
	    "race",
	    "race/root",
	    "race/root/d",
	    "race/root/d/sub",
	    "race/root/d/dt",
	    "race/root/t",
	    "race/root/n",
	    "race/root/n/d",
	    "race/root/n/d/sub",
	    "race/root/n/d/dt",
	    "race/root/n/t",
	    "race/out",
	    "race/out/sub",
	    "race/out/dt",
	    "race/t",
	    "dd",
	    "dd/c",
	    "dd/w",
	    "dd/w/c",
	    "dd/w/sel",
	    "dd/w/sel/a",
	    "dd/w/sel/a/c",
	    "dd/w/sel/b",
	    "dd/w/sel/c",
	};
	static const char *const files[] = {
	    "race/root/file",
	    "race/root/d/f",
	    "race/root/d/g",
	    "race/root/d/sub/f",
	    "race/root/t/src",
	    "race/root/n/d/f",
	    "race/root/n/d/g",
	    "race/root/n/d/sub/f",
	    "race/root/n/t/src",
	    "race/out/f",
	    "race/out/g",
	    "race/out/secret",
	    "race/out/sub/f",
	    "race/t/src",
	    "dd/w/sel/a/file",
	    "dd/w/sel/a/y",
	    "dd/w/sel/a/c/f",
	    "dd/w/sel/b/f",
	    "dd/w/sel/c/f",
	    "dd/w/sel/c/y",
	    "dd/w/sel/file",
	    "dd/w/c/f",
	    "dd/w/c/y",
	    "dd/c/f",
	    "dd/c/y",
	};
	char p[PATH_MAX], q[PATH_MAX];

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		mkdir_or_die(at(p, dir, dirs[i]));
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		file_or_die(at(p, dir, files[i]));
	symlink_or_die("../out", at(p, dir, "race/root/s"));
	if (dir[0] != '/')
		tap_bail("DIR must be an absolute path");
	symlink_or_die(at(q, dir, "race/out"), at(p, dir, "race/root/n/s"));
}

/* --- the attacker: forked by the unconfined start, before the victim is exec'd -------------- */

static volatile sig_atomic_t attack_stop;

static void on_term(int sig)
{
	(void)sig;
	attack_stop = 1;
}

static long exchange(const char *a, const char *b)
{
	/* libc's syscall(): this process never had the library mapped (checked in main). */
	return syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE);
}

/* Write a whole string to fd; the attacker shares no stdio with anyone. */
static void put(int fd, const char *text)
{
	size_t n = strlen(text);

	while (n > 0) {
		ssize_t w = write(fd, text, n);

		if (w <= 0)
			return;
		text += w;
		n -= (size_t)w;
	}
}

/*
 * Wait for the victim's "go" on ctl, then exchange each pair of paths until SIGTERM; then make
 * every pair's count even (the layout as setup made it) and report on rep.
 */
static void attack(int ctl, int rep, char *const *paths, int npairs)
{
	struct sigaction sa = {.sa_handler = on_term};
	long swaps[2] = {0, 0}, fails[2] = {0, 0};
	int lasterr[2] = {0, 0};
	char go, line[256];

	sigaction(SIGTERM, &sa, NULL);
	alarm(WATCHDOG_SECONDS + 30);
	put(rep, "ready\n");
	if (read(ctl, &go, 1) != 1)
		_exit(3);
	while (!attack_stop) {
		for (int i = 0; i < npairs; i++) {
			if (exchange(paths[2 * i], paths[2 * i + 1]) == 0) {
				swaps[i]++;
			} else {
				fails[i]++;
				lasterr[i] = errno;
			}
		}
	}
	for (int i = 0; i < npairs; i++) {
		for (int tries = 0; swaps[i] % 2 != 0 && tries < 1000; tries++)
			if (exchange(paths[2 * i], paths[2 * i + 1]) == 0)
				swaps[i]++;
	}
	snprintf(line, sizeof(line), "swaps %ld %ld, failed exchanges %ld %ld (last %s %s)\n",
		 swaps[0], swaps[1], fails[0], fails[1],
		 lasterr[0] ? strerrorname_np(lasterr[0]) : "-",
		 lasterr[1] ? strerrorname_np(lasterr[1]) : "-");
	put(rep, line);
	_exit(swaps[0] == 0 || swaps[0] % 2 != 0 || swaps[1] % 2 != 0);
}

/*
 * The start, unconfined: fork the attacker first, then exec this program as the confined victim
 * (LD_PRELOAD=$LG_PRELOAD). The library never enters the attacker's address space, so neither its
 * interposed renameat2()/syscall() nor its exec wrappers (which put LD_PRELOAD back into every
 * new program's environment) can confine the attacker, and no inline assembly is needed.
 */
static void start(const char *mode, const char *dir, const char *calls, char *const *paths,
		  int npairs)
{
	const char *preload = getenv("LG_PRELOAD");
	char pid_s[32], ctl_s[16], rep_s[16], env_preload[PATH_MAX * 2], victim_mode[32];
	char *argv[8], *envp[512];
	int ctl[2], rep[2], n = 0;
	pid_t parent = getpid(), pid;

	if (is_mapped("liblinkguard"))
		tap_bail("start lg_race without LD_PRELOAD: it confines its victim itself, "
			 "with LD_PRELOAD=$LG_PRELOAD");
	if (preload == NULL || *preload == '\0')
		tap_bail(
		    "LG_PRELOAD must name liblinkguard.so (and a sanitizer runtime before it)");
	if (pipe(ctl) != 0 || pipe(rep) != 0)
		tap_bail("pipe: %s", strerror(errno));
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		tap_bail("fork: %s", strerror(errno));
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(3);
		close(ctl[1]);
		close(rep[0]);
		attack(ctl[0], rep[1], paths, npairs);
	}
	close(ctl[0]);
	close(rep[1]);
	snprintf(victim_mode, sizeof(victim_mode), "victim-%s", mode);
	snprintf(pid_s, sizeof(pid_s), "%ld", (long)pid);
	snprintf(ctl_s, sizeof(ctl_s), "%d", ctl[1]);
	snprintf(rep_s, sizeof(rep_s), "%d", rep[0]);
	argv[0] = "lg_race";
	argv[1] = victim_mode;
	argv[2] = (char *)dir;
	argv[3] = (char *)calls;
	argv[4] = pid_s;
	argv[5] = ctl_s;
	argv[6] = rep_s;
	argv[7] = NULL;
	snprintf(env_preload, sizeof(env_preload), "LD_PRELOAD=%s", preload);
	envp[n++] = env_preload;
	for (char **e = environ; *e != NULL && n < 511; e++)
		if (strncmp(*e, "LD_PRELOAD=", 11) != 0)
			envp[n++] = *e;
	envp[n] = NULL;
	execve("/proc/self/exe", argv, envp);
	tap_bail("exec the victim: %s", strerror(errno));
}

/* The victim's handle on the attacker, its child since before the exec. */
struct attacker {
	pid_t pid;
	int ctl, rep;
	char report[256];
};

static void attacker_from_args(struct attacker *a, char **args)
{
	char line[64];
	ssize_t n;

	a->pid = (pid_t)atol(args[0]);
	a->ctl = atoi(args[1]);
	a->rep = atoi(args[2]);
	a->report[0] = '\0';
	n = read(a->rep, line, 6);
	if (n != 6 || memcmp(line, "ready\n", 6) != 0)
		tap_bail("the attacker did not start");
}

static void attacker_go(struct attacker *a)
{
	if (write(a->ctl, "g", 1) != 1)
		tap_bail("cannot start the attacker: %s", strerror(errno));
}

/* Stop the attacker; returns 0 when it exited well, having restored the original layout. */
static int attacker_stop(struct attacker *a)
{
	size_t n = 0;
	ssize_t r;
	int status;

	kill(a->pid, SIGTERM);
	while (n < sizeof(a->report) - 1 &&
	       (r = read(a->rep, a->report + n, sizeof(a->report) - 1 - n)) > 0)
		n += (size_t)r;
	a->report[n] = '\0';
	if (n > 0 && a->report[n - 1] == '\n')
		a->report[n - 1] = '\0';
	if (waitpid(a->pid, &status, 0) != a->pid)
		return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* --- outcomes and escapes -------------------------------------------------------------------- */

#define NERR 8

struct stats {
	const char *label;
	long calls, ok, denied, other, escapes;
	int err[NERR];
	long err_count[NERR];
	long err_more;
};

static int tally(struct stats *s, long r)
{
	int e = errno;

	s->calls++;
	if (r == 0) {
		s->ok++;
		return 1;
	}
	if (e == EACCES) {
		s->denied++;
		return 0;
	}
	s->other++;
	for (int i = 0; i < NERR; i++) {
		if (s->err[i] == e || s->err[i] == 0) {
			s->err[i] = e;
			s->err_count[i]++;
			return 0;
		}
	}
	s->err_more++;
	return 0;
}

__attribute__((format(printf, 2, 3))) static void escape(struct stats *s, const char *fmt, ...)
{
	va_list ap;

	s->escapes++;
	if (s->escapes > 20)
		return;
	printf("# ESCAPE (%s): ", s->label);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static void print_stats(const struct stats *s, double secs)
{
	printf("# %s: %ld calls in %.2f s: %ld succeeded, %ld denied (EACCES), %ld other errors, "
	       "%ld escapes\n",
	       s->label, s->calls, secs, s->ok, s->denied, s->other, s->escapes);
	if (s->other > 0) {
		printf("#   other errors:");
		for (int i = 0; i < NERR && s->err[i] != 0; i++)
			printf(" %s %ld", strerrorname_np(s->err[i]), s->err_count[i]);
		if (s->err_more)
			printf(" more %ld", s->err_more);
		printf("\n");
	}
}

/* The inode of dfd/name, or 0 when there is none. */
static ino_t ino_at(int dfd, const char *name)
{
	struct stat st;

	return fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 ? st.st_ino : 0;
}

static int open_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		tap_bail("open %s: %s", path, strerror(errno));
	return fd;
}

/* An outside directory as listed (readdir on a descriptor opened before the race). */
#define SNAP_MAX 32
struct snap {
	const char *label;
	int fd;
	int n;
	struct {
		char name[NAME_MAX + 1];
		ino_t ino;
		nlink_t nlink;
		mode_t mode;
	} e[SNAP_MAX];
};

static int by_name(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

static void snap_take(struct snap *s)
{
	int fd = dup(s->fd);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	struct dirent *de;
	struct stat st;

	if (d == NULL)
		tap_bail("list %s: %s", s->label, strerror(errno));
	rewinddir(d);
	s->n = 0;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (s->n == SNAP_MAX)
			break;
		snprintf(s->e[s->n].name, sizeof(s->e[s->n].name), "%s", de->d_name);
		if (fstatat(s->fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
			memset(&st, 0, sizeof(st));
		s->e[s->n].ino = st.st_ino;
		s->e[s->n].nlink = st.st_nlink;
		s->e[s->n].mode = st.st_mode;
		s->n++;
	}
	closedir(d);
	qsort(s->e, (size_t)s->n, sizeof(s->e[0]), by_name);
}

/* Compare with a fresh listing; print and count every difference. */
static long snap_diff(const struct snap *before)
{
	struct snap after = *before;
	long diffs = 0;
	int i = 0, j = 0;

	snap_take(&after);
	while (i < before->n || j < after.n) {
		int c = i == before->n ? 1
			: j == after.n ? -1
				       : strcmp(before->e[i].name, after.e[j].name);

		if (c < 0) {
			printf("# ESCAPE: %s/%s disappeared\n", before->label, before->e[i].name);
			diffs++;
			i++;
		} else if (c > 0) {
			printf("# ESCAPE: %s/%s appeared\n", after.label, after.e[j].name);
			diffs++;
			j++;
		} else {
			if (before->e[i].ino != after.e[j].ino ||
			    before->e[i].nlink != after.e[j].nlink ||
			    before->e[i].mode != after.e[j].mode) {
				printf("# ESCAPE: %s/%s changed: inode %lu -> %lu, links %lu -> "
				       "%lu\n",
				       before->label, before->e[i].name,
				       (unsigned long)before->e[i].ino,
				       (unsigned long)after.e[j].ino,
				       (unsigned long)before->e[i].nlink,
				       (unsigned long)after.e[j].nlink);
				diffs++;
			}
			i++;
			j++;
		}
	}
	return diffs;
}

/* Before any race: the shim is loaded and denies a plain escape; nothing is created. */
static void assert_confined(const char *root, const char *inside_file, const char *outside_dir)
{
	char target[PATH_MAX];
	const char *env = getenv("LINKGUARD_ROOT");

	if (!is_mapped("liblinkguard"))
		tap_bail("liblinkguard is not loaded: run lg_race with LD_PRELOAD");
	if (env == NULL || strcmp(env, root) != 0)
		tap_bail("LINKGUARD_ROOT must be %s, not %s", root, env ? env : "(unset)");
	at(target, outside_dir, "lg-race-probe");
	errno = 0;
	if (link(inside_file, target) == 0 || errno != EACCES) {
		unlink(target);
		tap_bail("an escape without any race was not denied with EACCES (%s)",
			 strerror(errno));
	}
}

/* The verdicts of every race: the attacker exchanged `swapped` throughout (its report starts
 * "swaps "), and no call escaped, by what the calls saw or by the snapshots' differences. */
static void race_verdict(const struct attacker *att, int attacker_ok, const char *swapped,
			 long escapes, long diffs, long calls)
{
	printf("# escapes: %ld seen by the calls' effects, %ld differences outside\n", escapes,
	       diffs);
	tap_ok(attacker_ok && strncmp(att->report, "swaps ", 6) == 0,
	       "the unconfined attacker exchanged %s throughout and restored them", swapped);
	tap_ok(escapes == 0 && diffs == 0,
	       "nothing was created, moved or linked outside the root (%ld calls)", calls);
}

/* --- "swap": d <-> s (a symlink out), at the top and nested ----------------------------------- */

struct level {
	struct stats st;
	int dfd, subfd, tfd; /* the real d, d/sub and t, wherever d is renamed to */
	ino_t f, g, sub_f, src, dt;
	int f_in_t, dt_in_t; /* where the tokens moved back and forth are now */
	/* paths relative to the root (the cwd) */
	char d_f[64], d_g[64], d_b[64], d_sub_f[64], d_sub_b[64], d_dt[64], d_slash[64];
	char t_a[64], t_c[64], t_f[64], t_src[64], t_dt[64];
	char d_up_t_c[64], d_up_t_src[64];
	/* the same, absolute */
	char abs_d_f[PATH_MAX], abs_t_f[PATH_MAX], abs_t_a[PATH_MAX];
};

static void level_init(struct level *L, const char *label, const char *root, const char *pre)
{
	char p[PATH_MAX];

	memset(L, 0, sizeof(*L));
	L->st.label = label;
#define REL(field, tail) snprintf(L->field, sizeof(L->field), "%s%s", pre, tail)
	REL(d_f, "d/f");
	REL(d_g, "d/g");
	REL(d_b, "d/b");
	REL(d_sub_f, "d/sub/f");
	REL(d_sub_b, "d/sub/b");
	REL(d_dt, "d/dt/");
	REL(d_slash, "d/");
	REL(t_a, "t/a");
	REL(t_c, "t/c");
	REL(t_f, "t/f");
	REL(t_src, "t/src");
	REL(t_dt, "t/dt/");
	REL(d_up_t_c, "d/../t/c");
	REL(d_up_t_src, "d/../t/src");
#undef REL
	snprintf(L->abs_d_f, sizeof(L->abs_d_f), "%s/%sd/f", root, pre);
	snprintf(L->abs_t_f, sizeof(L->abs_t_f), "%s/%st/f", root, pre);
	snprintf(L->abs_t_a, sizeof(L->abs_t_a), "%s/%st/a", root, pre);
	snprintf(p, sizeof(p), "%s/%sd", root, pre);
	L->dfd = open_dir(p);
	snprintf(p, sizeof(p), "%s/%sd/sub", root, pre);
	L->subfd = open_dir(p);
	snprintf(p, sizeof(p), "%s/%st", root, pre);
	L->tfd = open_dir(p);
	L->f = ino_at(L->dfd, "f");
	L->g = ino_at(L->dfd, "g");
	L->sub_f = ino_at(L->subfd, "f");
	L->src = ino_at(L->tfd, "src");
	L->dt = ino_at(L->dfd, "dt");
	if (!L->f || !L->g || !L->sub_f || !L->src || !L->dt)
		tap_bail("%s: the tree is not as lg_race setup makes it", label);
}

/* After a successful link: dfd/name must exist and be one of the two expected inodes. */
static void expect_link(struct level *L, int dfd, const char *name, ino_t a, ino_t b,
			const char *call)
{
	ino_t got = ino_at(dfd, name);

	if (got == 0 || (got != a && got != b))
		escape(&L->st, "%s succeeded but %s is inode %lu, not %lu or %lu", call, name,
		       (unsigned long)got, (unsigned long)a, (unsigned long)b);
	unlinkat(dfd, name, 0);
}

/* Move token `name` (inode ino, a file or with a trailing slash a directory) between d and t. */
static void move_token(struct level *L, int *in_t, const char *d_path, const char *t_path,
		       const char *name, ino_t ino, unsigned way)
{
	const char *from = *in_t ? t_path : d_path, *to = *in_t ? d_path : t_path;
	int from_fd = *in_t ? L->tfd : L->dfd, to_fd = *in_t ? L->dfd : L->tfd;
	long r;

	switch (way % 3) {
	case 0:
		r = rename(from, to);
		break;
	case 1:
		r = renameat(AT_FDCWD, from, AT_FDCWD, to);
		break;
	default:
		r = syscall(SYS_renameat2, AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE);
		break;
	}
	if (!tally(&L->st, r))
		return;
	if (ino_at(to_fd, name) != ino || ino_at(from_fd, name) != 0)
		escape(&L->st,
		       "rename(%s, %s) succeeded but %s did not move between the real "
		       "directories",
		       from, to, name);
	*in_t = !*in_t;
}

static void swap_op(struct level *L, unsigned long i, int rootfd)
{
	struct stats *s = &L->st;
	long r;

	switch (i % 11) {
	case 0: /* link, source through d */
		if (tally(s, link(L->d_f, L->t_a)))
			expect_link(L, L->tfd, "a", L->f, L->f, "link(d/f, t/a)");
		break;
	case 1: /* linkat from a root descriptor, source two levels through d */
		if (tally(s, linkat(rootfd, L->d_sub_f, L->tfd, "a", 0)))
			expect_link(L, L->tfd, "a", L->sub_f, L->sub_f, "linkat(d/sub/f, t/a)");
		break;
	case 2: /* absolute paths, source through d */
		if (tally(s, linkat(AT_FDCWD, L->abs_d_f, AT_FDCWD, L->abs_t_f, 0)))
			expect_link(L, L->tfd, "f", L->f, L->f, "link(/abs/d/f, /abs/t/f)");
		break;
	case 3: /* link, target through d */
		if (tally(s, link(L->t_src, L->d_b)))
			expect_link(L, L->dfd, "b", L->src, L->g, "link(t/src, d/b)");
		break;
	case 4: /* syscall(SYS_linkat), target two levels through d */
		if (tally(s, syscall(SYS_linkat, AT_FDCWD, L->t_src, AT_FDCWD, L->d_sub_b, 0)))
			expect_link(L, L->subfd, "b", L->src, L->g, "SYS_linkat(t/src, d/sub/b)");
		break;
	case 5: /* a file moved back and forth: source and target through d */
		move_token(L, &L->f_in_t, L->d_f, L->t_f, "f", L->f, (unsigned)(i / 11));
		break;
	case 6: /* a directory moved back and forth, with trailing slashes */
		move_token(L, &L->dt_in_t, L->d_dt, L->t_dt, "dt", L->dt, (unsigned)(i / 11));
		break;
	case 7: /* exchange: t/src <-> d/g */
		r = renameat2(AT_FDCWD, L->t_src, AT_FDCWD, L->d_g, RENAME_EXCHANGE);
		if (tally(s, r)) {
			ino_t a = ino_at(L->tfd, "src"), b = ino_at(L->dfd, "g");

			if (!((a == L->src && b == L->g) || (a == L->g && b == L->src)))
				escape(s, "exchange(t/src, d/g) succeeded, now %lu and %lu",
				       (unsigned long)a, (unsigned long)b);
		}
		break;
	case 8: /* target through "d/.." (the level's directory, or outside when d is s) */
		if (tally(s, link(L->t_src, L->d_up_t_c)))
			expect_link(L, L->tfd, "c", L->src, L->g, "link(t/src, d/../t/c)");
		break;
	case 9: /* source through "d/.." */
		if (tally(s, link(L->d_up_t_src, L->t_c)))
			expect_link(L, L->tfd, "c", L->src, L->g, "link(d/../t/src, t/c)");
		break;
	default: /* "d/" itself: a directory can not be linked; a symlink out is an escape */
		if (tally(s, i % 2 ? link(L->d_slash, L->t_a) : link(L->d_slash, L->abs_t_a)))
			escape(s, "link(%s, %s) succeeded", L->d_slash, L->t_a);
		break;
	}
}

static int run_swap(const char *dir, long calls, char **att_args)
{
	char root[PATH_MAX], p[PATH_MAX], base[PATH_MAX], out[PATH_MAX];
	struct level lv[2];
	struct snap snaps[5] = {
	    {.label = "race"},	 {.label = "out"},	   {.label = "out/sub"},
	    {.label = "out/dt"}, {.label = "t (outside)"},
	};
	const char *snap_paths[5] = {"race", "race/out", "race/out/sub", "race/out/dt", "race/t"};
	struct attacker att;
	long diffs = 0, escapes;
	int rootfd, attacker_ok;
	double t0, secs;

	at(base, dir, "race");
	at(root, dir, "race/root");
	attacker_from_args(&att, att_args);
	assert_confined(root, at(p, root, "file"), at(out, base, "out"));
	rootfd = open_dir(root);
	for (int i = 0; i < 5; i++) {
		snaps[i].fd = open_dir(at(p, dir, snap_paths[i]));
		snap_take(&snaps[i]);
	}
	level_init(&lv[0], "top level (d <-> s -> ../out)", root, "");
	level_init(&lv[1], "nested level (n/d <-> n/s -> /abs/out)", root, "n/");
	if (chdir(root) != 0)
		tap_bail("chdir %s: %s", root, strerror(errno));
	attacker_go(&att);
	t0 = now();
	for (unsigned long i = 0; i < (unsigned long)calls; i++)
		swap_op(&lv[i % 2], i / 2, rootfd);
	secs = now() - t0;
	attacker_ok = attacker_stop(&att) == 0;
	/* Put the tokens back so that the tree is as setup made it. */
	for (int k = 0; k < 2; k++) {
		if (lv[k].f_in_t)
			renameat(lv[k].tfd, "f", lv[k].dfd, "f");
		if (lv[k].dt_in_t)
			renameat(lv[k].tfd, "dt", lv[k].dfd, "dt");
	}
	printf("# attacker: %s\n", att.report);
	for (int k = 0; k < 2; k++)
		print_stats(&lv[k].st, secs);
	for (int i = 0; i < 5; i++)
		diffs += snap_diff(&snaps[i]);
	escapes = lv[0].st.escapes + lv[1].st.escapes;
	printf("# denials: %ld\n", 1 + lv[0].st.denied + lv[1].st.denied); /* with the probe */
	race_verdict(&att, attacker_ok, "d and s", escapes, diffs, lv[0].st.calls + lv[1].st.calls);
	for (int k = 0; k < 2; k++)
		tap_ok(lv[k].st.ok > 0 && lv[k].st.denied > 0,
		       "%s: both outcomes seen (%ld succeeded, %ld denied)", lv[k].st.label,
		       lv[k].st.ok, lv[k].st.denied);
	return tap_status();
}

/* --- "dotdot": the openat2 selftest's rename attack ------------------------------------------ */

struct dd {
	struct stats up_st;   /* paths through "c/../..": out of the root, always */
	struct stats legit;   /* paths legitimate while nothing moves */
	int rootfd, afd, bfd; /* the root, and the two directories exchanged (a/c and b) */
	ino_t file, af, bf, y;
	int y_in_c;	/* the token y: in the root, or in whichever of a/c and b it was moved to */
	char up[4][64]; /* "c/../../" repeated 1..3 times: leaves the root, always */
	char down[4][64]; /* "c/../" repeated 1..3 times: stays inside unless c moves */
};

/* Where y is, when it was moved into c: the directory that was at a/c then. */
static int dd_y_dir(const struct dd *D)
{
	return ino_at(D->afd, "y") == D->y ? D->afd : ino_at(D->bfd, "y") == D->y ? D->bfd : -1;
}

/* Remove name from a/c, b and the root (unlinkat is not interposed). */
static void dd_clean(const struct dd *D, const char *name)
{
	unlinkat(D->afd, name, 0);
	unlinkat(D->bfd, name, 0);
	unlinkat(D->rootfd, name, 0);
}

static void dd_op(struct dd *D, unsigned long i)
{
	struct stats *s = i % 8 == 0 || i % 8 == 3 || i % 8 == 5 ? &D->up_st : &D->legit;
	unsigned k = 1 + (unsigned)(i / 8) % 3;
	char p[128];
	ino_t got;

	switch (i % 8) {
	case 0: /* link into c/x through "c/../..": any success is an escape */
		snprintf(p, sizeof(p), "%sc/x", D->up[k]);
		if (tally(s, link("file", p))) {
			escape(s, "link(file, %s) succeeded", p);
			dd_clean(D, "x");
		}
		break;
	case 1: /* link into c/x through "c/..": legitimate; must land in a/c or b */
		snprintf(p, sizeof(p), "%sc/x", D->down[k]);
		if (tally(s, link("file", p))) {
			if (ino_at(D->afd, "x") != D->file && ino_at(D->bfd, "x") != D->file)
				escape(s, "link(file, %s) succeeded but x is not in a/c nor b", p);
			dd_clean(D, "x");
		}
		break;
	case 2: /* link from c/f through "c/..": must be a/c's or b's f */
		snprintf(p, sizeof(p), "%sc/f", D->down[k]);
		if (tally(s, link(p, "lf"))) {
			got = ino_at(D->rootfd, "lf");
			if (got != D->af && got != D->bf)
				escape(s, "link(%s, lf) linked inode %lu", p, (unsigned long)got);
			unlinkat(D->rootfd, "lf", 0);
		}
		break;
	case 3: /* link from c/f through "c/../..": any success is an escape */
		snprintf(p, sizeof(p), "%sc/f", D->up[k]);
		if (tally(s, link(p, "lf"))) {
			escape(s, "link(%s, lf) succeeded", p);
			dd_clean(D, "lf");
		}
		break;
	case 4: /* y back and forth between the root and c, through "c/.." */
		snprintf(p, sizeof(p), "%sc/y", D->down[k]);
		if (!D->y_in_c) {
			if (tally(s, rename("y", p))) {
				if (ino_at(D->rootfd, "y") != 0 || dd_y_dir(D) < 0)
					escape(s,
					       "rename(y, %s) succeeded but y is not in a/c "
					       "nor b",
					       p);
				D->y_in_c = 1;
			}
		} else if (tally(s, rename(p, "y"))) {
			if (ino_at(D->rootfd, "y") != D->y)
				escape(s, "rename(%s, y) brought inode %lu", p,
				       (unsigned long)ino_at(D->rootfd, "y"));
			D->y_in_c = 0;
		}
		break;
	case 5: /* y through "c/../..": any success is an escape */
		snprintf(p, sizeof(p), "%sc/y", D->up[k]);
		if (D->y_in_c ? tally(s, rename(p, "y2")) : tally(s, rename("y", p)))
			escape(s, "a rename through %s succeeded", p);
		break;
	case 6: /* from a descriptor of a/c, which the attacker moves out: "../file" */
		/*
		 * A relative path from a descriptor is anchored by the directory's current
		 * spelling, walked again from the root: x2 lands in whichever of a/c and b was at
		 * a/c then.
		 */
		if (tally(s, linkat(D->afd, "../file", D->afd, "x2", 0))) {
			if (ino_at(D->afd, "x2") != D->file && ino_at(D->bfd, "x2") != D->file)
				escape(s,
				       "linkat(a/c, ../file, a/c, x2) succeeded, but no x2 in a/c "
				       "nor b is the root's file");
			dd_clean(D, "x2");
		}
		break;
	default: /* the same from b, which the attacker moves in and out */
		if (tally(s, linkat(D->bfd, "../c/f", D->bfd, "x2", 0))) {
			got = ino_at(D->afd, "x2") ?: ino_at(D->bfd, "x2");
			if (got != D->af && got != D->bf)
				escape(s, "linkat(b, ../c/f, b, x2) linked inode %lu",
				       (unsigned long)got);
			dd_clean(D, "x2");
		}
		break;
	}
}

static int run_dotdot(const char *dir, long calls, char **att_args)
{
	char root[PATH_MAX], p[PATH_MAX], ac[PATH_MAX], b[PATH_MAX];
	struct snap snaps[6] = {
	    {.label = "dd"},	 {.label = "dd/c"},	{.label = "dd/w"},
	    {.label = "dd/w/c"}, {.label = "dd/w/sel"}, {.label = "dd/w/sel/c"},
	};
	const char *snap_paths[6] = {"dd", "dd/c", "dd/w", "dd/w/c", "dd/w/sel", "dd/w/sel/c"};
	struct attacker att;
	struct dd D;
	long diffs = 0, escapes;
	int attacker_ok, fd;
	double t0, secs;

	memset(&D, 0, sizeof(D));
	D.up_st.label = "paths through c/../.. (escapes whatever happens)";
	D.legit.label =
	    "paths through c/.. and from descriptors of a/c and b (inside unless moved)";
	at(root, dir, "dd/w/sel/a");
	attacker_from_args(&att, att_args);
	assert_confined(root, at(p, root, "file"), at(b, dir, "dd/w/sel"));
	for (int i = 0; i < 6; i++) {
		snaps[i].fd = open_dir(at(p, dir, snap_paths[i]));
		snap_take(&snaps[i]);
	}
	D.rootfd = open_dir(root);
	D.afd = open_dir(at(ac, root, "c"));
	D.bfd = open_dir(at(b, dir, "dd/w/sel/b"));
	D.file = ino_at(D.rootfd, "file");
	D.y = ino_at(D.rootfd, "y");
	D.af = ino_at(D.afd, "f");
	D.bf = ino_at(D.bfd, "f");
	for (int k = 1; k <= 3; k++) {
		for (int j = 0; j < k; j++) {
			strcat(D.up[k], "c/../../");
			strcat(D.down[k], "c/../");
		}
	}
	if (chdir(root) != 0)
		tap_bail("chdir %s: %s", root, strerror(errno));
	attacker_go(&att);
	t0 = now();
	for (unsigned long i = 0; i < (unsigned long)calls; i++)
		dd_op(&D, i);
	secs = now() - t0;
	attacker_ok = attacker_stop(&att) == 0;
	/*
	 * Leave the tree as setup made it, for the suite's own look outside. y may be in b, now
	 * outside, where the confined victim can not move it from: made anew instead.
	 */
	if (D.y_in_c) {
		dd_clean(&D, "y");
		fd = openat(D.rootfd, "y", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd >= 0)
			close(fd);
	}
	printf("# attacker: %s\n", att.report);
	print_stats(&D.up_st, secs);
	print_stats(&D.legit, secs);
	escapes = D.up_st.escapes + D.legit.escapes;
	printf("# denials: %ld\n", 1 + D.up_st.denied + D.legit.denied); /* with the probe */
	for (int i = 0; i < 6; i++)
		diffs += snap_diff(&snaps[i]);
	race_verdict(&att, attacker_ok, "a/c and b", escapes, diffs, D.up_st.calls + D.legit.calls);
	tap_ok(D.up_st.ok == 0 && D.up_st.denied > 0,
	       "paths through c/../.. never succeeded (%ld denied, %ld other errors)",
	       D.up_st.denied, D.up_st.other);
	tap_ok(D.legit.ok > 0 && D.legit.denied > 0,
	       "legitimate paths: both outcomes seen (%ld succeeded, %ld denied)", D.legit.ok,
	       D.legit.denied);
	return tap_status();
}

static long parse_calls(const char *text)
{
	char *end;
	long calls = strtol(text, &end, 10);

	if (*end != '\0' || calls <= 0)
		tap_bail("bad number of calls: %s", text);
	return calls;
}

int main(int argc, char **argv)
{
	char p[4][PATH_MAX];
	char *paths[4] = {p[0], p[1], p[2], p[3]};
	long calls;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && strcmp(argv[1], "setup") == 0) {
		setup(argv[2]);
		return 0;
	}
	if (argc == 4 && strcmp(argv[1], "swap") == 0) {
		parse_calls(argv[3]);
		at(p[0], argv[2], "race/root/d");
		at(p[1], argv[2], "race/root/s");
		at(p[2], argv[2], "race/root/n/d");
		at(p[3], argv[2], "race/root/n/s");
		start("swap", argv[2], argv[3], paths, 2);
	}
	if (argc == 4 && strcmp(argv[1], "dotdot") == 0) {
		parse_calls(argv[3]);
		at(p[0], argv[2], "dd/w/sel/a/c");
		at(p[1], argv[2], "dd/w/sel/b");
		start("dotdot", argv[2], argv[3], paths, 1);
	}
	if (argc == 7 && strncmp(argv[1], "victim-", 7) == 0) {
		calls = parse_calls(argv[3]);
		alarm(WATCHDOG_SECONDS);
		if (strcmp(argv[1], "victim-swap") == 0) {
			printf("1..4\n");
			return run_swap(argv[2], calls, argv + 4);
		}
		printf("1..4\n");
		return run_dotdot(argv[2], calls, argv + 4);
	}
	fprintf(stderr,
		"usage: lg_race setup DIR | swap DIR CALLS | dotdot DIR CALLS\n"
		"  (swap and dotdot: unconfined, with LG_PRELOAD naming liblinkguard.so)\n");
	return 2;
}
