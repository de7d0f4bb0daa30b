/* errno_diff.c - the errno differential: random link/rename path pairs run natively on one twin
 * tree and confined (under LD_PRELOAD) on an identical other; result, errno and trees must match.
 *
 * usage: lg_errno_diff [--backend walk|auto] [--pairs N] [--seed S [--only K]] [--verbose]
 *   Without --seed: a fixed seed, then one drawn at run time (printed), N pairs each.
 *   LINKGUARD_LIB names liblinkguard.so; LG_ASAN_RUNTIME (sanitizer builds) is preloaded first.
 *   LG_DIFF_USER: the unprivileged user root also runs the pairs as (default lgtest, else nobody).
 *   LG_DIFF_TMPDIR: where the twins live (default /dev/shm, else TMPDIR, else /tmp).
 *
 * The rules: a call whose paths stay inside the root must give the kernel's result and errno,
 * write no diagnostic and leave both trees alike. A call with a path that escapes the root (found
 * by an independent walk of the native twin, as the calling user, below) is not run natively:
 * confined, it must fail with EACCES, write exactly one diagnostic and change nothing, or give the
 * kernel's errno where the kernel's walk of the old path stops before the new path's escape.
 * A final "." or ".." is not an escape: it goes to the kernel, which refuses it. Every pair starts
 * from fresh twins, so each mismatch printed is reproducible alone (--seed S --only K).
 *
 * Run as root, every pair runs as root and again as LG_DIFF_USER with a directory of a third
 * user (0700) and a sticky directory in the tree; run as a user, as that user only. Exit status:
 * 0 no mismatch, 1 mismatches (each printed with "MISMATCH"), 2 the harness itself failed.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#define RENAME_EXCHANGE	 (1 << 1)
#define RENAME_WHITEOUT	 (1 << 2)
#endif

#define FIXED_SEED 20261129u
#define PATH_CAP   (3 * PATH_MAX)
#define DIR_CAP	   64

enum op { OP_LINK, OP_LINKAT, OP_RENAME, OP_RENAMEAT, OP_RENAMEAT2, OP_COUNT, OP_PROBE };

/* OP_PROBE opens the old path (O_PATH) to see where the kernel's walk of it stops. */
#define PROBE_NOFOLLOW 1
#define PROBE_DIR      2

static const char *const op_names[] = {"link", "linkat", "rename", "renameat", "renameat2"};

/* One call as the coordinator sends it to an executor. "@" at the start of a path is the
 * executor's own root, "@S" its sandbox (the directory around the root); a dir of "" is
 * AT_FDCWD, any other a single name under the root, opened O_PATH|O_NOFOLLOW. */
struct req {
	int op;
	int oracle; /* do not call: answer call_escapes() for the call, as this identity */
	unsigned flags;
	char old_dir[DIR_CAP];
	char new_dir[DIR_CAP];
	char old_path[PATH_CAP];
	char new_path[PATH_CAP];
};

/* What the executor saw: the call's return value and errno, or the dirfd's open errno. */
struct resp {
	int ret;
	int err;
	int open_err;
};

struct executor {
	pid_t pid;
	int to_fd;
	int from_fd;
};

/* A twin: a sandbox directory holding the root and an "out" directory beside it. */
struct twin {
	char sandbox[PATH_MAX];
	char root[PATH_MAX];
};

struct identity {
	uid_t uid;
	gid_t gid;
	const char *name;
	int other_uid; /* owner of the 0700 directory of another user, or -1 */
};

struct stats {
	unsigned long calls;
	unsigned long escapes;
	unsigned long mismatches;
};

static const char *lib_path;
static const char *asan_runtime;
static const char *self_exe;
static int verbose;

static char scratch_dir[PATH_MAX]; /* removed by die() in the coordinator */
static pid_t coordinator;

static void remove_at(int dirfd, const char *name);

__attribute__((format(printf, 1, 2), noreturn)) static void die(const char *fmt, ...)
{
	char dir[PATH_MAX];
	va_list ap;

	va_start(ap, fmt);
	fputs("lg_errno_diff: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (coordinator == getpid() && scratch_dir[0]) {
		memcpy(dir, scratch_dir, sizeof(dir));
		scratch_dir[0] = '\0';
		remove_at(AT_FDCWD, dir);
	}
	exit(2);
}

/* snprintf that refuses to truncate: a cut path would test something else. */
__attribute__((format(printf, 3, 4))) static void fmt(char *out, size_t cap, const char *f, ...)
{
	va_list ap;
	int n;

	va_start(ap, f);
	n = vsnprintf(out, cap, f, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= cap)
		die("a path or line does not fit in %zu bytes", cap);
}

/* --- random numbers: xorshift64*, so a seed replays the same pairs everywhere --------------- */

static uint64_t rng_state;

static uint32_t rnd(uint32_t n)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 2685821657736338717ull) >> 32) % n;
}

static void seed_rng(uint64_t seed)
{
	rng_state = seed * 0x9E3779B97F4A7C15ull + 1;
}

/* --- the executor: performs one call per request, in its own process ------------------------ */

/* A request's path with its twin's directories in place of @S and @; the generator's paths are
 * far shorter than PATH_CAP, and one that is not would test another path: stop. */
static void expand(char *out, const char *in, const struct twin *t)
{
	int n;

	if (strncmp(in, "@S", 2) == 0)
		n = snprintf(out, PATH_CAP, "%s%s", t->sandbox, in + 2);
	else if (in[0] == '@')
		n = snprintf(out, PATH_CAP, "%s%s", t->root, in + 1);
	else
		n = snprintf(out, PATH_CAP, "%s", in);
	if (n < 0 || n >= PATH_CAP)
		abort();
}

static int open_dir(const char *name, int *err)
{
	int fd;

	*err = 0;
	if (name[0] == '\0')
		return AT_FDCWD;
	fd = open(name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		*err = errno;
	return fd;
}

static long do_call(const struct req *r, int ofd, int nfd, const char *o, const char *n)
{
	switch (r->op) {
	case OP_LINK:
		return link(o, n);
	case OP_LINKAT:
		return linkat(ofd, o, nfd, n, (int)r->flags);
	case OP_RENAME:
		return rename(o, n);
	case OP_RENAMEAT:
		return renameat(ofd, o, nfd, n);
	default:
		return renameat2(ofd, o, nfd, n, r->flags);
	}
}

/* Move all LEN bytes between FD and BUF (reading into BUF, or writing from it), across EINTR and
 * short counts: 0, or -1 on an error or an early end of file. */
static int move_full(int fd, void *buf, size_t len, int writing)
{
	char *p = buf;

	while (len > 0) {
		ssize_t done = writing ? write(fd, p, len) : read(fd, p, len);

		if (done < 0 && errno == EINTR)
			continue;
		if (done <= 0)
			return -1;
		p += done;
		len -= (size_t)done;
	}
	return 0;
}

static int read_full(int fd, void *buf, size_t len)
{
	return move_full(fd, buf, len, 0);
}

static int write_full(int fd, const void *buf, size_t len)
{
	return move_full(fd, (void *)buf, len, 1);
}

static int call_escapes(const struct twin *t, const struct req *r);

/* Walk PATH from DIRFD as the kernel's lookup of it would (OP_PROBE): 0, or -1 with errno. A
 * parent directory (PROBE_DIR) must also be searchable, since the kernel looks the last name up
 * in it; an O_PATH open alone does not check that. */
static int probe(int dirfd, const char *path, unsigned flags)
{
	int fd, errsv;

	if (path[0] == '\0')
		return 0; /* AT_EMPTY_PATH: the descriptor itself */
	fd = openat(dirfd, path,
		    O_PATH | O_CLOEXEC | (flags & PROBE_NOFOLLOW ? O_NOFOLLOW : 0) |
			(flags & PROBE_DIR ? O_DIRECTORY : 0));
	if (fd < 0)
		return -1;
	if ((flags & PROBE_DIR) && faccessat(fd, ".", X_OK, 0) < 0) {
		errsv = errno;
		close(fd);
		errno = errsv;
		return -1;
	}
	close(fd);
	return 0;
}

/* Serve requests on stdin until it closes; each from the root as current directory. */
static int serve(const char *sandbox, const char *root)
{
	static struct req r;
	static char o[PATH_CAP], n[PATH_CAP];
	struct twin t;

	snprintf(t.sandbox, sizeof(t.sandbox), "%s", sandbox);
	snprintf(t.root, sizeof(t.root), "%s", root);
	while (read_full(0, &r, sizeof(r)) == 0) {
		struct resp a = {0, 0, 0};
		int ofd, nfd;

		if (chdir(t.root) < 0)
			return 2;
		expand(o, r.old_path, &t);
		expand(n, r.new_path, &t);
		ofd = open_dir(r.old_dir, &a.open_err);
		nfd = a.open_err ? -1 : open_dir(r.new_dir, &a.open_err);
		if (r.oracle) {
			a.ret = call_escapes(&t, &r);
		} else if (!a.open_err && r.op == OP_PROBE) {
			a.ret = probe(ofd, o, r.flags);
			a.err = a.ret < 0 ? errno : 0;
		} else if (!a.open_err) {
			errno = 0;
			a.ret = (int)do_call(&r, ofd, nfd, o, n);
			a.err = a.ret < 0 ? errno : 0;
		}
		if (ofd >= 0)
			close(ofd);
		if (nfd >= 0)
			close(nfd);
		if (write_full(1, &a, sizeof(a)) < 0)
			return 2;
	}
	return 0;
}

/* Start an executor for twin T as identity ID; confined when LOG names the diagnostics file. */
static void start_executor(struct executor *e, const struct twin *t, const struct identity *id,
			   const char *backend, const char *log)
{
	int to[2], from[2];

	if (pipe2(to, O_CLOEXEC) < 0 || pipe2(from, O_CLOEXEC) < 0)
		die("pipe: %s", strerror(errno));
	e->pid = fork();
	if (e->pid < 0)
		die("fork: %s", strerror(errno));
	if (e->pid == 0) {
		char preload[2 * PATH_MAX];

		if (dup2(to[0], 0) < 0 || dup2(from[1], 1) < 0)
			_exit(2);
		if (getuid() != id->uid &&
		    (setgroups(0, NULL) < 0 || setresgid(id->gid, id->gid, id->gid) < 0 ||
		     setresuid(id->uid, id->uid, id->uid) < 0))
			_exit(2);
		if (log) {
			snprintf(preload, sizeof(preload), "%s%s%s",
				 asan_runtime ? asan_runtime : "", asan_runtime ? ":" : "",
				 lib_path);
			setenv("LD_PRELOAD", preload, 1);
			setenv("LINKGUARD_ROOT", t->root, 1);
			setenv("LINKGUARD_RESOLVER", backend, 1);
			setenv("LINKGUARD_LOG", log, 1);
			unsetenv("LINKGUARD_MODE");
		} else {
			unsetenv("LD_PRELOAD");
		}
		execl(self_exe, self_exe, "--serve", t->sandbox, t->root, (char *)NULL);
		_exit(2);
	}
	close(to[0]);
	close(from[1]);
	e->to_fd = to[1];
	e->from_fd = from[0];
}

static void stop_executor(struct executor *e)
{
	int status;

	close(e->to_fd);
	close(e->from_fd);
	if (waitpid(e->pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		die("an executor ended badly (status %d)", status);
}

static struct resp ask(struct executor *e, const struct req *r)
{
	struct resp a;

	if (write_full(e->to_fd, r, sizeof(*r)) < 0 || read_full(e->from_fd, &a, sizeof(a)) < 0)
		die("an executor died (could it start? LINKGUARD_LIB=%s)", lib_path);
	return a;
}

/* --- the twin trees -------------------------------------------------------------------------- */

#define LONG_OK	 255 /* the longest name the kernel takes */
#define LONG_BAD 256

static char name255[LONG_OK + 1];
static char name256[LONG_BAD + 1];

static void must(int ok, const char *what, const char *path)
{
	if (!ok)
		die("%s %s: %s", what, path, strerror(errno));
}

/* Create one entry (REL under the root, or "@S/..." in the sandbox) and give it to OWNER (>= 0:
 * running as root). */
static void put(const struct twin *t, const char *rel, char type, const char *arg, mode_t mode,
		int owner)
{
	char p[PATH_CAP], target[PATH_CAP];

	if (rel[0] == '@')
		expand(p, rel, t);
	else
		snprintf(p, sizeof(p), "%s/%s", t->root, rel);
	switch (type) {
	case 'f':
		must(close(open(p, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644)) == 0, "create",
		     p);
		break;
	case 'd':
		must(mkdir(p, 0755) == 0, "mkdir", p);
		break;
	case 'h':
		snprintf(target, sizeof(target), "%s/%s", t->root, arg);
		must(link(target, p) == 0, "link", p);
		break;
	default: /* 'l': "@" and "@S" name this twin's own root and sandbox */
		expand(target, arg, t);
		must(symlink(target, p) == 0, "symlink", p);
		break;
	}
	if (owner >= 0)
		must(lchown(p, (uid_t)owner, (gid_t)owner) == 0, "chown", p);
	if (type == 'f' || type == 'd')
		must(chmod(p, mode) == 0, "chmod", p);
}

/* Give the twin's fixed directories (sandbox, out, root: they outlive every pair, since the
 * library holds on to the root it was started with) to the identity about to run the calls. */
static void own_shell(const struct twin *t, const struct identity *id)
{
	char p[PATH_CAP];

	if (getuid() != 0)
		return;
	must(chown(t->sandbox, id->uid, id->gid) == 0, "chown", t->sandbox);
	must(chown(t->root, id->uid, id->gid) == 0, "chown", t->root);
	snprintf(p, sizeof(p), "%s/out", t->sandbox);
	must(chown(p, id->uid, id->gid) == 0, "chown", p);
}

static void make_shell(const struct twin *t)
{
	char p[PATH_CAP];

	must(mkdir(t->sandbox, 0755) == 0, "mkdir", t->sandbox);
	snprintf(p, sizeof(p), "%s/out", t->sandbox);
	must(mkdir(p, 0755) == 0, "mkdir", p);
	must(mkdir(t->root, 0755) == 0, "mkdir", t->root);
}

static void remove_at(int dirfd, const char *name);

/* Remove everything in directory FD (opened from NAME, which messages name), and close it. */
static void remove_entries(int fd, const char *name)
{
	struct dirent *de;
	DIR *d;

	must(fd >= 0, "open", name);
	d = fdopendir(fd);
	must(d != NULL, "fdopendir", name);
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			remove_at(fd, de->d_name);
	closedir(d);
}

/* Remove NAME under DIRFD and everything below it, opening restricted directories first. */
static void remove_at(int dirfd, const char *name)
{
	struct stat st;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return;
	if (!S_ISDIR(st.st_mode)) {
		must(unlinkat(dirfd, name, 0) == 0, "unlink", name);
		return;
	}
	must(fchmodat(dirfd, name, 0700, 0) == 0, "chmod", name);
	remove_entries(openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), name);
	must(unlinkat(dirfd, name, AT_REMOVEDIR) == 0, "rmdir", name);
}

/* Empty directory PATH, keeping it. */
static void empty_dir(const char *path)
{
	remove_entries(open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC), path);
}

/* Fill the twin with the tree every pair starts from (the root and "out" beside it). The
 * permission-restricted directories get their mode last; a third user's only when root. */
static void fill_twin(const struct twin *t, const struct identity *id)
{
	char p[PATH_CAP];
	int me = getuid() == 0 ? (int)id->uid : -1;
	int other = getuid() == 0 ? id->other_uid : -1;
	static const char *const restricted[] = {"p0000", "p0300", "p0600", "p0500"};
	static const mode_t modes[] = {0000, 0300, 0600, 0500};
	size_t i;

	snprintf(p, sizeof(p), "%s/out", t->sandbox);
	empty_dir(p);
	empty_dir(t->root);
	put(t, "@S/out/secret", 'f', NULL, 0644, me);
	put(t, "@S/out/dir", 'd', NULL, 0755, me);
	put(t, "f", 'f', NULL, 0644, me);
	put(t, "g", 'f', NULL, 0644, me);
	put(t, "h", 'h', "f", 0, -1);
	put(t, name255, 'f', NULL, 0644, me);
	put(t, "d", 'd', NULL, 0755, me);
	put(t, "d/f", 'f', NULL, 0644, me);
	put(t, "d/e", 'd', NULL, 0755, me);
	put(t, "d/e/f", 'f', NULL, 0644, me);
	put(t, "d/up", 'l', "..", 0, me);
	put(t, "d/lf", 'l', "../f", 0, me);
	put(t, "e", 'd', NULL, 0755, me);
	put(t, "ld", 'l', "d", 0, me);
	put(t, "lf", 'l', "f", 0, me);
	put(t, "ldang", 'l', "nowhere", 0, me);
	put(t, "lloop", 'l', "lloop", 0, me);
	put(t, "lesc", 'l', "../out", 0, me);
	put(t, "labs", 'l', "@/d", 0, me);
	put(t, "labsout", 'l', "@S/out", 0, me);
	put(t, "lroot", 'l', "@", 0, me);
	for (i = 0; i < sizeof(restricted) / sizeof(restricted[0]); i++) {
		put(t, restricted[i], 'd', NULL, 0755, me);
		snprintf(p, sizeof(p), "%s/f", restricted[i]);
		put(t, p, 'f', NULL, 0644, me);
		snprintf(p, sizeof(p), "%s/sub", restricted[i]);
		put(t, p, 'd', NULL, 0755, me);
	}
	if (other >= 0) {
		put(t, "o0700", 'd', NULL, 0755, other);
		put(t, "o0700/f", 'f', NULL, 0644, other);
		put(t, "o0700/sub", 'd', NULL, 0755, other);
		put(t, "sticky", 'd', NULL, 0755, other);
		put(t, "sticky/f", 'f', NULL, 0644, other);
		put(t, "sticky/mine", 'f', NULL, 0644, me);
		snprintf(p, sizeof(p), "%s/o0700", t->root);
		must(chmod(p, 0700) == 0, "chmod", p);
		snprintf(p, sizeof(p), "%s/sticky", t->root);
		must(chmod(p, 01777) == 0, "chmod", p);
	}
	for (i = 0; i < sizeof(restricted) / sizeof(restricted[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", t->root, restricted[i]);
		must(chmod(p, modes[i]) == 0, "chmod", p);
	}
}

/* --- comparing the trees ------------------------------------------------------------------- */

struct snap {
	char *lines[512];
	size_t n;
	int overflow;
};

static int by_string(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Record REL (under DIRFD as NAME) and, for a directory, everything below it: type, mode, owner,
 * link count and symlink target, with the twin's own prefix written "@S". */
static void snap_at(int dirfd, const char *name, const char *rel, const struct twin *t,
		    struct snap *s)
{
	char target[PATH_CAP] = "", line[PATH_CAP + 256], sub[PATH_CAP];
	size_t slen = strlen(t->sandbox);
	struct stat st;
	struct dirent *de;
	DIR *d;
	int fd, opened_up;

	must(fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0, "stat", rel);
	if (S_ISLNK(st.st_mode)) {
		ssize_t len = readlinkat(dirfd, name, target, sizeof(target) - 1);

		target[len > 0 ? len : 0] = '\0';
		if (strncmp(target, t->sandbox, slen) == 0) {
			memmove(target + 2, target + slen, strlen(target + slen) + 1);
			memcpy(target, "@S", 2);
		}
	}
	snprintf(line, sizeof(line), "%s %o %u %lu %s", rel, (unsigned)st.st_mode,
		 (unsigned)st.st_uid, (unsigned long)st.st_nlink, target);
	if (s->n < sizeof(s->lines) / sizeof(s->lines[0]))
		s->lines[s->n++] = strdup(line);
	else
		s->overflow = 1;
	if (!S_ISDIR(st.st_mode))
		return;
	/* Our own restricted directory, as a user: open it up while it is read. */
	opened_up = geteuid() != 0 && (st.st_mode & 0500) != 0500;
	if (opened_up)
		must(fchmodat(dirfd, name, 0700, 0) == 0, "chmod", rel);
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	must(fd >= 0, "open", rel);
	d = fdopendir(fd);
	must(d != NULL, "fdopendir", rel);
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", rel, de->d_name);
		snap_at(fd, de->d_name, sub, t, s);
	}
	if (opened_up)
		must(fchmodat(dirfd, name, st.st_mode & 07777, 0) == 0, "chmod", rel);
	closedir(d);
}

static void take_snap(const struct twin *t, struct snap *s)
{
	s->n = 0;
	s->overflow = 0;
	snap_at(AT_FDCWD, t->sandbox, "@S", t, s);
	qsort(s->lines, s->n, sizeof(s->lines[0]), by_string);
}

static void free_snap(struct snap *s)
{
	while (s->n > 0)
		free(s->lines[--s->n]);
}

/* The trees differ: print the first difference into WHY. */
static int snaps_differ(const struct snap *a, const struct snap *b, char *why, size_t len)
{
	size_t i;

	if (a->overflow || b->overflow)
		die("a tree grew beyond %zu entries", sizeof(a->lines) / sizeof(a->lines[0]));
	for (i = 0; i < a->n && i < b->n; i++)
		if (strcmp(a->lines[i], b->lines[i]) != 0) {
			snprintf(why, len, "native has \"%s\", confined \"%s\"", a->lines[i],
				 b->lines[i]);
			return 1;
		}
	if (a->n == b->n)
		return 0;
	snprintf(why, len, "only the %s tree has \"%s\"", a->n > b->n ? "native" : "confined",
		 a->n > b->n ? a->lines[i] : b->lines[i]);
	return 1;
}

/* --- the escape rule, decided independently of linkguard ------------------------------------ */

#define WALK_FOLLOW 1 /* the final component is followed when it is a symlink */

/* Whether PATH, started at directory START (a name under the root, "" for the root) of twin T,
 * reads or writes an entry outside the root, walked as the kernel does: components in order,
 * symlinks in non-final components (and in the final one with WALK_FOLLOW) followed, an absolute
 * target continuing from the root when it lies under it. A walk the kernel would stop first
 * (missing, not a directory, not searchable, too long, too many links) does not escape. Runs in
 * the native executor, as the identity the calls run as. */
static int escapes(const struct twin *t, const char *start, const char *path, int follow)
{
	static char rest[2 * PATH_CAP], next[2 * PATH_CAP], cur[PATH_CAP], p[2 * PATH_CAP];
	char comp[NAME_MAX + 1], target[PATH_CAP];
	size_t rootlen = strlen(t->root), len;
	int links = 0;

	if (path[0] == '\0' || strlen(path) >= PATH_MAX)
		return 0;
	snprintf(cur, sizeof(cur), "%s", start);
	if (path[0] == '/') {
		if (strncmp(path, t->root, rootlen) != 0 ||
		    (path[rootlen] != '/' && path[rootlen] != '\0'))
			return 1;
		path += rootlen + strspn(path + rootlen, "/");
		if (*path == '\0')
			return 1; /* the root itself: its entry lies outside */
		cur[0] = '\0';
	}
	snprintf(rest, sizeof(rest), "%s", path);
	for (;;) {
		char *s = rest + strspn(rest, "/");
		const char *after;
		struct stat st;
		int final;

		if (*s == '\0')
			return 0;
		/* The kernel needs search permission in each directory it looks a name up in. */
		snprintf(p, sizeof(p), "%s/%s", t->root, cur);
		if (access(p, X_OK) < 0)
			return 0;
		len = strcspn(s, "/");
		if (len > NAME_MAX)
			return 0;
		memcpy(comp, s, len);
		comp[len] = '\0';
		after = s + len;
		final = after[strspn(after, "/")] == '\0';
		/* The last component: an entry of the directory reached, so inside. A final "." or
		 * ".." goes to the kernel from that directory too (it names a directory, which
		 * link and rename refuse), even for link's source, which the kernel looks up. */
		if (final &&
		    (!(follow & WALK_FOLLOW) || strcmp(comp, ".") == 0 || strcmp(comp, "..") == 0))
			return 0;
		if (strcmp(comp, ".") == 0) {
			memmove(rest, after, strlen(after) + 1);
			continue;
		}
		if (strcmp(comp, "..") == 0) {
			char *slash = strrchr(cur, '/');

			if (cur[0] == '\0')
				return 1;
			if (slash)
				*slash = '\0';
			else
				cur[0] = '\0';
			memmove(rest, after, strlen(after) + 1);
			continue;
		}
		snprintf(p, sizeof(p), "%s/%s%s%s", t->root, cur, cur[0] ? "/" : "", comp);
		if (lstat(p, &st) < 0)
			return 0;
		if (S_ISLNK(st.st_mode)) {
			ssize_t n = readlink(p, target, sizeof(target) - 1);

			if (n <= 0 || ++links > 40)
				return 0;
			target[n] = '\0';
			if (target[0] == '/') {
				if (strncmp(target, t->root, rootlen) != 0 ||
				    (target[rootlen] != '/' && target[rootlen] != '\0'))
					return 1;
				cur[0] = '\0';
				snprintf(next, sizeof(next), "%s/%s", target + rootlen, after);
			} else {
				snprintf(next, sizeof(next), "%s/%s", target, after);
			}
			snprintf(rest, sizeof(rest), "%s", next);
			if (cur[0] == '\0' && rest[strspn(rest, "/")] == '\0')
				return 1; /* a followed symlink to the root itself */
			continue;
		}
		if (!S_ISDIR(st.st_mode))
			return 0;
		len = strlen(cur);
		snprintf(cur + len, sizeof(cur) - len, "%s%s", len ? "/" : "", comp);
		memmove(rest, after, strlen(after) + 1);
	}
}

/* The starting directory of a call: a real directory under the root (or none to escape from). */
static int real_dir(const struct twin *t, const char *name)
{
	char p[PATH_CAP];
	struct stat st;

	if (name[0] == '\0')
		return 1;
	snprintf(p, sizeof(p), "%s/%s", t->root, name);
	return lstat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The kernel fails the call before it looks anything up: bad flags, or an old path that is too
 * long or empty (its name is copied and checked first; the new one's error comes only after the
 * old path's walk). Nothing can escape then, so the call runs natively too. */
static int fails_before_walk(const struct req *r)
{
	size_t olen = strlen(r->old_path);
	int empty_ok = r->op == OP_LINKAT && (r->flags & AT_EMPTY_PATH);

	if (r->op == OP_LINKAT && (r->flags & ~(unsigned)(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH)))
		return 1;
	if (r->op == OP_RENAMEAT2 &&
	    ((r->flags & ~(unsigned)(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT)) ||
	     ((r->flags & RENAME_EXCHANGE) && (r->flags & (RENAME_NOREPLACE | RENAME_WHITEOUT)))))
		return 1;
	return olen >= PATH_MAX || (olen == 0 && !empty_ok);
}

#define ESC_OLD 1
#define ESC_NEW 2

/* Which of the call's paths escape the root (ESC_OLD, ESC_NEW), by the walk above. */
static int call_escapes(const struct twin *t, const struct req *r)
{
	char o[PATH_CAP], n[PATH_CAP];
	size_t olen = strlen(r->old_path);
	int is_link = r->op == OP_LINK || r->op == OP_LINKAT, old_walk = 0, esc = 0;

	if (!real_dir(t, r->old_dir) || !real_dir(t, r->new_dir) || fails_before_walk(r))
		return 0;
	expand(o, r->old_path, t);
	expand(n, r->new_path, t);
	/* link's source: followed with AT_SYMLINK_FOLLOW or through a trailing slash. */
	if (is_link &&
	    ((r->flags & AT_SYMLINK_FOLLOW) || (olen > 0 && r->old_path[olen - 1] == '/')))
		old_walk |= WALK_FOLLOW;
	/* AT_EMPTY_PATH on the current directory: the root itself, whose entry lies outside. */
	if (olen == 0 && r->old_dir[0] == '\0')
		esc |= ESC_OLD;
	if (escapes(t, r->old_dir, o, old_walk))
		esc |= ESC_OLD;
	if (escapes(t, r->new_dir, n, 0))
		esc |= ESC_NEW;
	return esc;
}

/* --- random pairs ---------------------------------------------------------------------------- */

static const char *const top_names[] = {"f",	  "g",	   "h",	    "d",       "e",	"ld",
					"lf",	  "ldang", "lloop", "lesc",    "labs",	"labsout",
					"lroot",  "p0000", "p0300", "p0600",   "p0500", "o0700",
					"sticky", "n",	   "m",	    "nowhere", "secret"};
static const char *const sub_names[] = {"f", "e", "sub", "up", "lf", "mine", "n", "x"};
static const char *const dir_names[] = {"d",	 "e",	  "p0000",  "p0300", "p0600",
					"p0500", "o0700", "sticky", "ld",    "f"};

#define PICK(a) ((a)[rnd(sizeof(a) / sizeof((a)[0]))])

static const char *gen_component(int depth)
{
	uint32_t r = rnd(100);

	if (r < 6)
		return ".";
	if (r < 13)
		return "..";
	if (r < 16)
		return name256;
	if (r < 19)
		return name255;
	return depth == 0 ? PICK(top_names) : PICK(sub_names);
}

/* A path: relative (one to three components), absolute into the root ("@/..."), absolute
 * outside ("@S/out/..."), empty, over-long, or exactly PATH_MAX - 1 bytes; sometimes with a
 * doubled or trailing slash. */
static void gen_path(char *out, size_t cap)
{
	uint32_t r = rnd(100), k, i;
	size_t n = 0;

	if (r < 3) {
		out[0] = '\0';
		return;
	}
	if (r < 8) {
		/* "./" repeated up to PATH_MAX - 1 bytes in all (valid) or beyond (ENAMETOOLONG).
		 */
		size_t reps = r < 5 ? (PATH_MAX - 2) / 2 : PATH_MAX / 2 + 1;

		for (i = 0; i < reps; i++)
			n += (size_t)snprintf(out + n, cap - n, "./");
		snprintf(out + n, cap - n, "%s", PICK(top_names));
		return;
	}
	if (r < 11) {
		snprintf(out, cap, "@S/out/%s", rnd(2) ? "secret" : rnd(2) ? "dir" : "n");
		return;
	}
	if (r < 20)
		n += (size_t)snprintf(out + n, cap - n, "@/");
	k = 1 + rnd(3);
	for (i = 0; i < k; i++) {
		n += (size_t)snprintf(out + n, cap - n, "%s%s", i ? (rnd(10) ? "/" : "//") : "",
				      gen_component((int)i));
	}
	if (rnd(100) < 12)
		snprintf(out + n, cap - n, "/");
}

static void gen_req(struct req *r)
{
	static const unsigned link_flags[] = {0,
					      0,
					      0,
					      AT_SYMLINK_FOLLOW,
					      AT_SYMLINK_FOLLOW,
					      AT_SYMLINK_FOLLOW,
					      AT_EMPTY_PATH,
					      AT_EMPTY_PATH | AT_SYMLINK_FOLLOW,
					      0x200 /* AT_REMOVEDIR: not linkat's */};
	static const unsigned rename_flags[] = {0,
						0,
						0,
						RENAME_NOREPLACE,
						RENAME_NOREPLACE,
						RENAME_EXCHANGE,
						RENAME_EXCHANGE,
						RENAME_WHITEOUT,
						RENAME_NOREPLACE | RENAME_EXCHANGE,
						1u << 3};

	memset(r, 0, sizeof(*r));
	r->op = (int)rnd(OP_COUNT);
	if (r->op == OP_LINKAT || r->op == OP_RENAMEAT || r->op == OP_RENAMEAT2) {
		if (rnd(100) < 30)
			snprintf(r->old_dir, sizeof(r->old_dir), "%s", PICK(dir_names));
		if (rnd(100) < 30)
			snprintf(r->new_dir, sizeof(r->new_dir), "%s", PICK(dir_names));
	}
	if (r->op == OP_LINKAT)
		r->flags = PICK(link_flags);
	if (r->op == OP_RENAMEAT2)
		r->flags = PICK(rename_flags);
	gen_path(r->old_path, sizeof(r->old_path));
	gen_path(r->new_path, sizeof(r->new_path));
	if ((r->flags & AT_EMPTY_PATH) && rnd(2))
		r->old_path[0] = '\0';
}

/* The part of CALL's old path the kernel walks before it looks at the new path: link's whole
 * source, rename's parent directory. As a probe for the native executor. */
static void old_walk_probe(const struct req *r, struct req *probe)
{
	size_t len = strlen(r->old_path);
	char *slash;

	memset(probe, 0, sizeof(*probe));
	probe->op = OP_PROBE;
	memcpy(probe->old_dir, r->old_dir, sizeof(probe->old_dir));
	memcpy(probe->old_path, r->old_path, sizeof(probe->old_path));
	if (r->op == OP_LINK || r->op == OP_LINKAT) {
		if (!(r->flags & AT_SYMLINK_FOLLOW) || r->op == OP_LINK)
			probe->flags = PROBE_NOFOLLOW;
		return;
	}
	probe->flags = PROBE_DIR;
	while (len > 1 && probe->old_path[len - 1] == '/')
		probe->old_path[--len] = '\0';
	slash = strrchr(probe->old_path, '/');
	if (!slash)
		snprintf(probe->old_path, sizeof(probe->old_path), ".");
	else
		slash[slash == probe->old_path] = '\0';
}

/* --- reporting ------------------------------------------------------------------------------ */

/* PATH for a report line: long runs of "./" and the long names abbreviated. */
static void show_path(char *out, size_t cap, const char *path)
{
	size_t n = 0, reps = 0;

	while (strncmp(path + 2 * reps, "./", 2) == 0)
		reps++;
	if (reps > 4) {
		n += (size_t)snprintf(out + n, cap - n, "(./)x%zu ", reps);
		path += 2 * reps;
	}
	n += (size_t)snprintf(out + n, cap - n, "\"");
	while (*path && n + 16 < cap) {
		if (strncmp(path, name256, LONG_BAD) == 0) {
			n += (size_t)snprintf(out + n, cap - n, "<256 x N>");
			path += LONG_BAD;
		} else if (strncmp(path, name255, LONG_OK) == 0) {
			n += (size_t)snprintf(out + n, cap - n, "<255 x N>");
			path += LONG_OK;
		} else {
			out[n++] = *path++;
		}
	}
	snprintf(out + n, cap - n, "\"");
}

static void show_dir(char *out, size_t cap, const char *dir)
{
	if (dir[0] == '\0')
		snprintf(out, cap, "AT_FDCWD");
	else
		snprintf(out, cap, "dirfd(\"%s\")", dir);
}

static void show_flags(char *out, size_t cap, const struct req *r)
{
	static const struct {
		unsigned v;
		const char *s;
	} at[] = {{AT_SYMLINK_FOLLOW, "AT_SYMLINK_FOLLOW"}, {AT_EMPTY_PATH, "AT_EMPTY_PATH"}},
	  rn[] = {{RENAME_NOREPLACE, "RENAME_NOREPLACE"},
		  {RENAME_EXCHANGE, "RENAME_EXCHANGE"},
		  {RENAME_WHITEOUT, "RENAME_WHITEOUT"}};
	unsigned left = r->flags;
	size_t n = 0, i, count = r->op == OP_LINKAT ? 2 : 3;

	out[0] = '\0';
	for (i = 0; i < count; i++) {
		unsigned v = r->op == OP_LINKAT ? at[i].v : rn[i].v;

		if (left & v) {
			n += (size_t)snprintf(out + n, cap - n, "%s%s", n ? "|" : "",
					      r->op == OP_LINKAT ? at[i].s : rn[i].s);
			left &= ~v;
		}
	}
	if (left || n == 0)
		snprintf(out + n, cap - n, "%s%#x", n ? "|" : "", left);
}

static void show_call(char *out, size_t cap, const struct req *r)
{
	char o[PATH_MAX], n[PATH_MAX], od[DIR_CAP + 16], nd[DIR_CAP + 16], fl[128];

	show_path(o, sizeof(o), r->old_path);
	show_path(n, sizeof(n), r->new_path);
	show_dir(od, sizeof(od), r->old_dir);
	show_dir(nd, sizeof(nd), r->new_dir);
	show_flags(fl, sizeof(fl), r);
	if (r->op == OP_LINK || r->op == OP_RENAME)
		fmt(out, cap, "%s(%s, %s)", op_names[r->op], o, n);
	else if (r->op == OP_RENAMEAT)
		fmt(out, cap, "%s(%s, %s, %s, %s)", op_names[r->op], od, o, nd, n);
	else
		fmt(out, cap, "%s(%s, %s, %s, %s, %s)", op_names[r->op], od, o, nd, n, fl);
}

static void show_resp(char *out, size_t cap, const struct resp *a)
{
	if (a->open_err)
		snprintf(out, cap, "dirfd %s", strerrorname_np(a->open_err));
	else if (a->ret == 0)
		snprintf(out, cap, "ok");
	else
		snprintf(out, cap, "%s", a->err ? strerrorname_np(a->err) : "-1 without errno");
}

/* Mismatches of one kind (call, flags, both answers, what else differed) are counted together;
 * the shortest example of each is printed at the end. */
struct kind {
	char key[320];
	char example[PATH_MAX];
	char minimised[PATH_MAX];
	unsigned long count;
};

static struct kind kinds[256];
static size_t nkinds;

/* Copy text SRC into DST, cut to CAP - 1 bytes (a report line, where a cut is harmless). */
static void set_text(char *dst, size_t cap, const char *src)
{
	size_t n = strnlen(src, cap - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* Count a mismatch of kind KEY; 1 when it is the first of its kind. */
static int note_kind(const char *key, const char *example)
{
	size_t i;

	for (i = 0; i < nkinds; i++)
		if (strcmp(kinds[i].key, key) == 0)
			break;
	if (i == nkinds) {
		if (nkinds == sizeof(kinds) / sizeof(kinds[0]))
			return 0;
		nkinds++;
		snprintf(kinds[i].key, sizeof(kinds[i].key), "%s", key);
		set_text(kinds[i].example, sizeof(kinds[i].example), example);
		kinds[i].minimised[0] = '\0';
		kinds[i].count = 1;
		return 1;
	}
	kinds[i].count++;
	return 0;
}

static void note_minimised(const char *key, const char *line)
{
	size_t i;

	for (i = 0; i < nkinds; i++)
		if (strcmp(kinds[i].key, key) == 0)
			set_text(kinds[i].minimised, sizeof(kinds[i].minimised), line);
}

/* --- one run: every pair of one seed, for one backend and identity -------------------------- */

struct run {
	const char *backend;
	const struct identity *id;
	struct twin nat, con;
	struct executor nat_x, con_x;
	char log[PATH_MAX];
	off_t log_seen;
	struct stats st;
};

/* Diagnostic lines the confined executor wrote since the last call. */
static int new_diagnostics(struct run *run)
{
	char buf[4096];
	int fd = open(run->log, O_RDONLY | O_CLOEXEC), lines = 0;
	ssize_t got;

	must(fd >= 0, "open", run->log);
	if (lseek(fd, run->log_seen, SEEK_SET) < 0)
		die("lseek: %s", strerror(errno));
	while ((got = read(fd, buf, sizeof(buf))) > 0) {
		run->log_seen += got;
		for (ssize_t i = 0; i < got; i++)
			lines += buf[i] == '\n';
	}
	close(fd);
	return lines;
}

/* What one pair gave: a mismatch or not, both answers as printed, and what else differed. */
struct verdict {
	int bad;
	int escape;
	char native[96];
	char confined[64];
	char extra[2 * PATH_MAX + 64];
};

/* Run call R on fresh twins and judge it by the rules above. */
static void judge_pair(struct run *run, const struct req *r, struct verdict *v)
{
	static struct req ask_oracle;
	struct resp native = {0, 0, 0}, confined;
	struct snap sn, sc;
	char why[2 * PATH_MAX] = "";
	int diag, trees, kernel_stop = 0, want_diag;

	fill_twin(&run->nat, run->id);
	fill_twin(&run->con, run->id);
	ask_oracle = *r;
	ask_oracle.oracle = 1;
	v->escape = ask(&run->nat_x, &ask_oracle).ret;
	if (!v->escape) {
		native = ask(&run->nat_x, r);
	} else if (v->escape == ESC_NEW) {
		/* The kernel walks the old path first: where that fails, it never reaches the
		 * escape, and its errno is as right as EACCES. */
		struct req probe;
		struct resp stop;

		old_walk_probe(r, &probe);
		stop = ask(&run->nat_x, &probe);
		if (stop.ret < 0 && !stop.open_err)
			kernel_stop = stop.err;
	}
	confined = ask(&run->con_x, r);
	diag = new_diagnostics(run);
	take_snap(&run->nat, &sn);
	take_snap(&run->con, &sc);
	trees = snaps_differ(&sn, &sc, why, sizeof(why));
	free_snap(&sn);
	free_snap(&sc);

	if (v->escape)
		v->bad = confined.open_err == 0 &&
			 (trees || confined.ret != -1 ||
			  !((confined.err == EACCES && diag == 1) ||
			    (kernel_stop && confined.err == kernel_stop && diag == 0)));
	else
		v->bad = native.open_err != confined.open_err || native.ret != confined.ret ||
			 native.err != confined.err || diag != 0 || trees;
	show_resp(v->native, sizeof(v->native), &native);
	show_resp(v->confined, sizeof(v->confined), &confined);
	if (v->escape && kernel_stop)
		snprintf(v->native, sizeof(v->native),
			 "escape (EACCES, or %s where the old path's walk stops)",
			 strerrorname_np(kernel_stop));
	else if (v->escape)
		snprintf(v->native, sizeof(v->native), "escape: EACCES expected");
	want_diag = v->escape && confined.err == EACCES;
	snprintf(v->extra, sizeof(v->extra), "%s%s%s", diag != want_diag ? ", diagnostics: " : "",
		 diag != want_diag ? (diag ? "some" : "none") : "", trees ? "; trees: " : "");
	if (trees)
		strncat(v->extra, why, sizeof(v->extra) - strlen(v->extra) - 1);
}

/* PATH without its component number SKIP (split at '/', empty ones counted, so doubled and
 * trailing slashes can go too); 0 when there is no such component or it is the "@" prefix. */
static int without_component(const char *path, size_t skip, char *out, size_t cap)
{
	const char *p = path, *end;
	size_t i = 0, len = 0;
	int first = 1;

	out[0] = '\0';
	if (skip == 0 && path[0] == '@')
		return 0;
	for (;; i++) {
		end = strchr(p, '/');
		if (i != skip) {
			size_t n = end ? (size_t)(end - p) : strlen(p);

			if (len + n + 2 >= cap)
				return 0;
			if (!first)
				out[len++] = '/';
			memcpy(out + len, p, n);
			len += n;
			out[len] = '\0';
			first = 0;
		}
		if (!end)
			break;
		p = end + 1;
	}
	return skip <= i && i > 0;
}

/* Simpler candidate number K for R into OUT (a directory, the flags, a plainer call, a path
 * component gone); -1 past the last candidate, 0 when K does not apply to R. */
static int simpler(const struct req *r, unsigned k, struct req *out)
{
	size_t olen = strlen(r->old_path), nlen = strlen(r->new_path);
	int at = r->op == OP_LINKAT || r->op == OP_RENAMEAT || r->op == OP_RENAMEAT2;

	*out = *r;
	switch (k) {
	case 0:
		out->old_dir[0] = '\0';
		return r->old_dir[0] != '\0';
	case 1:
		out->new_dir[0] = '\0';
		return r->new_dir[0] != '\0';
	case 2:
		out->flags = 0;
		return r->flags != 0;
	case 3:
		out->op = r->op == OP_LINKAT ? OP_LINK : OP_RENAME;
		return at && !r->old_dir[0] && !r->new_dir[0] && !r->flags;
	}
	k -= 4;
	if (k <= olen)
		return without_component(r->old_path, k, out->old_path, sizeof(out->old_path));
	k -= (unsigned)olen + 1;
	if (k <= nlen)
		return without_component(r->new_path, k, out->new_path, sizeof(out->new_path));
	return -1;
}

/* Calls shrinking may still make: it must not cost more than the pairs themselves. */
static unsigned long shrink_budget;

/* Shrink mismatch R, while the same two answers come back, into OUT. */
static void shrink(struct run *run, const struct req *r, const struct verdict *v, struct req *out)
{
	static struct req cand;
	static struct verdict cv;
	int changed = 1, ok;
	unsigned k;

	*out = *r;
	while (changed) {
		changed = 0;
		for (k = 0; (ok = simpler(out, k, &cand)) >= 0; k++) {
			if (!ok)
				continue;
			if (shrink_budget == 0)
				return;
			shrink_budget--;
			judge_pair(run, &cand, &cv);
			if (cv.bad && strcmp(cv.native, v->native) == 0 &&
			    strcmp(cv.confined, v->confined) == 0) {
				*out = cand;
				changed = 1;
				break;
			}
		}
	}
}

/* Run pair INDEX of SEED on fresh twins; 1 when it is a mismatch. The first of each kind is
 * shrunk too (within the budget), and printed minimised. */
static int run_pair(struct run *run, uint64_t seed, unsigned long index, const struct req *r)
{
	static struct req small;
	static struct verdict v;
	char call[3 * PATH_MAX], line[6 * PATH_MAX], key[320];

	judge_pair(run, r, &v);
	run->st.calls++;
	run->st.escapes += v.escape != 0;
	show_call(call, sizeof(call), r);
	if (!v.bad) {
		if (verbose)
			printf("ok %s: native %s, confined %s\n", call, v.native, v.confined);
		return 0;
	}
	run->st.mismatches++;
	snprintf(line, sizeof(line),
		 "MISMATCH backend=%s user=%s seed=%llu pair=%lu: %s: native %s, confined %s%s",
		 run->backend, run->id->name, (unsigned long long)seed, index, call, v.native,
		 v.confined, v.extra);
	printf("%s\n", line);
	snprintf(key, sizeof(key), "%s %s|%s|%s|%s|%s", run->backend, run->id->name,
		 op_names[r->op], v.native, v.confined, v.extra[0] ? "more" : "");
	if (note_kind(key, line)) {
		shrink(run, r, &v, &small);
		show_call(call, sizeof(call), &small);
		snprintf(line, sizeof(line), "minimised: %s: native %s, confined %s", call,
			 v.native, v.confined);
		printf("  %s\n", line);
		note_minimised(key, line);
	}
	return 1;
}

static void run_seed(struct run *run, uint64_t seed, unsigned long pairs, long only)
{
	static struct req r;
	unsigned long i;

	seed_rng(seed);
	shrink_budget = pairs;
	for (i = 0; i < pairs; i++) {
		gen_req(&r);
		if (only < 0 || (unsigned long)only == i)
			run_pair(run, seed, i, &r);
	}
}

static void start_run(struct run *run, const char *base)
{
	fmt(run->log, sizeof(run->log), "%s/diagnostics.json", base);
	unlink(run->log);
	must(close(open(run->log, O_CREAT | O_WRONLY | O_CLOEXEC, 0644)) == 0, "create", run->log);
	if (getuid() == 0)
		must(chown(run->log, run->id->uid, run->id->gid) == 0, "chown", run->log);
	run->log_seen = 0;
	own_shell(&run->nat, run->id);
	own_shell(&run->con, run->id);
	fill_twin(&run->nat, run->id);
	fill_twin(&run->con, run->id);
	start_executor(&run->nat_x, &run->nat, run->id, run->backend, NULL);
	start_executor(&run->con_x, &run->con, run->id, run->backend, run->log);
}

/* --- main ----------------------------------------------------------------------------------- */

/* The unprivileged user root runs the pairs as too: LG_DIFF_USER, lgtest, or nobody. */
static int pick_user(struct identity *id)
{
	const char *want = getenv("LG_DIFF_USER");
	const char *const names[] = {want && *want ? want : "lgtest", "nobody"};
	size_t i;

	for (i = 0; i < 2; i++) {
		struct passwd *pw = getpwnam(names[i]);
		static char name[64];

		if (pw && pw->pw_uid != 0) {
			id->uid = pw->pw_uid;
			id->gid = pw->pw_gid;
			snprintf(name, sizeof(name), "%s", pw->pw_name);
			id->name = name;
			/* The third user, owner of the 0700 directory: any other uid will do. */
			id->other_uid = pw->pw_uid == 65534 ? 65533 : 65534;
			return 0;
		}
	}
	return -1;
}

/* Copy FROM to TO, mode 0755. */
static void copy_file(const char *from, const char *to)
{
	char buf[65536];
	int in = open(from, O_RDONLY | O_CLOEXEC), out;
	ssize_t got;

	must(in >= 0, "open", from);
	out = open(to, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0755);
	must(out >= 0, "create", to);
	while ((got = read(in, buf, sizeof(buf))) > 0)
		must(write_full(out, buf, (size_t)got) == 0, "write", to);
	must(got == 0, "read", from);
	close(in);
	must(close(out) == 0, "close", to);
}

/* Where the twins live: LG_DIFF_TMPDIR, else /dev/shm (a tmpfs: thousands of trees are made and
 * removed, and a journalling file system makes that slow), else TMPDIR, else /tmp. */
static const char *pick_tmpdir(void)
{
	const char *dir = getenv("LG_DIFF_TMPDIR");

	if (dir && *dir)
		return dir;
	if (access("/dev/shm", W_OK | X_OK) == 0)
		return "/dev/shm";
	dir = getenv("TMPDIR");
	return dir && *dir ? dir : "/tmp";
}

static void make_twin(struct twin *t, const char *base, const char *which)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s", base, which);
	must(mkdir(p, 0755) == 0, "mkdir", p);
	fmt(t->sandbox, sizeof(t->sandbox), "%s/%s/s", base, which);
	fmt(t->root, sizeof(t->root), "%s/root", t->sandbox);
	make_shell(t);
}

int main(int argc, char **argv)
{
	static char exe[PATH_MAX];
	const char *backends[2] = {"walk", "auto"}, *tmp = pick_tmpdir();
	size_t nbackends = 2, nids = 1, b, i;
	unsigned long pairs = 1000, total_bad = 0;
	uint64_t seeds[2] = {FIXED_SEED, 0};
	size_t nseeds = 2;
	long only = -1;
	struct identity ids[2];
	char base[PATH_MAX], twin_dir[PATH_MAX + 8];
	struct timespec t0, t1;
	int c;

	if (argc == 4 && strcmp(argv[1], "--serve") == 0)
		return serve(argv[2], argv[3]);
	for (c = 1; c < argc; c++) {
		if (strcmp(argv[c], "--backend") == 0 && c + 1 < argc) {
			backends[0] = argv[++c];
			nbackends = 1;
		} else if (strcmp(argv[c], "--pairs") == 0 && c + 1 < argc) {
			pairs = strtoul(argv[++c], NULL, 0);
		} else if (strcmp(argv[c], "--seed") == 0 && c + 1 < argc) {
			seeds[0] = strtoull(argv[++c], NULL, 0);
			nseeds = 1;
		} else if (strcmp(argv[c], "--only") == 0 && c + 1 < argc) {
			only = strtol(argv[++c], NULL, 0);
		} else if (strcmp(argv[c], "--verbose") == 0) {
			verbose = 1;
		} else {
			die("usage: lg_errno_diff [--backend walk|auto] [--pairs N] [--seed S "
			    "[--only K]] [--verbose]");
		}
	}
	lib_path = getenv("LINKGUARD_LIB");
	if (!lib_path || lib_path[0] != '/')
		die("LINKGUARD_LIB must name liblinkguard.so by an absolute path");
	asan_runtime = getenv("LG_ASAN_RUNTIME");
	if (asan_runtime && !*asan_runtime)
		asan_runtime = NULL;
	if (readlink("/proc/self/exe", exe, sizeof(exe) - 1) <= 0)
		die("readlink /proc/self/exe: %s", strerror(errno));
	self_exe = exe;
	memset(name255, 'N', LONG_OK);
	memset(name256, 'N', LONG_BAD);
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);

	ids[0].uid = getuid();
	ids[0].gid = getgid();
	ids[0].other_uid = -1;
	ids[0].name = getuid() == 0 ? "root" : "self";
	if (getuid() != 0) {
		struct passwd *pw = getpwuid(getuid());
		static char name[64];

		snprintf(name, sizeof(name), "%s", pw ? pw->pw_name : "self");
		ids[0].name = name;
	} else if (pick_user(&ids[1]) == 0) {
		ids[0].other_uid = ids[1].other_uid;
		nids = 2;
	} else {
		printf("# no unprivileged user (LG_DIFF_USER, lgtest, nobody): root only\n");
	}
	if (nseeds == 2) {
		clock_gettime(CLOCK_REALTIME, &t0);
		seeds[1] = ((uint64_t)t0.tv_nsec ^ (uint64_t)getpid() << 32 ^ (uint64_t)t0.tv_sec) %
			   1000000007u;
	}
	snprintf(base, sizeof(base), "%s/lg_errno_diff.XXXXXX", tmp);
	if (!mkdtemp(base) || chmod(base, 0755) < 0)
		die("mkdtemp %s: %s", base, strerror(errno));
	coordinator = getpid();
	memcpy(scratch_dir, base, sizeof(scratch_dir));
	if (nids == 2) {
		/* The user may not reach the build tree (a checkout under /root): it runs copies.
		 */
		static char exe_copy[PATH_MAX], lib_copy[PATH_MAX];

		fmt(exe_copy, sizeof(exe_copy), "%s/lg_errno_diff", base);
		fmt(lib_copy, sizeof(lib_copy), "%s/liblinkguard.so", base);
		copy_file(self_exe, exe_copy);
		copy_file(lib_path, lib_copy);
		self_exe = exe_copy;
		lib_path = lib_copy;
	}
	printf("# seeds: %llu (fixed)", (unsigned long long)seeds[0]);
	if (nseeds == 2)
		printf(", %llu (this run; replay with --seed %llu)", (unsigned long long)seeds[1],
		       (unsigned long long)seeds[1]);
	printf("; %lu pairs per seed\n", pairs);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (b = 0; b < nbackends; b++) {
		for (i = 0; i < nids; i++) {
			struct run run;
			size_t s;

			memset(&run, 0, sizeof(run));
			run.backend = backends[b];
			run.id = &ids[i];
			make_twin(&run.nat, base, "N");
			make_twin(&run.con, base, "C");
			start_run(&run, base);
			for (s = 0; s < nseeds; s++)
				run_seed(&run, seeds[s], pairs, only);
			stop_executor(&run.nat_x);
			stop_executor(&run.con_x);
			printf("# backend=%s user=%s: %lu calls (%lu escapes), %lu mismatches\n",
			       run.backend, run.id->name, run.st.calls, run.st.escapes,
			       run.st.mismatches);
			total_bad += run.st.mismatches;
			snprintf(twin_dir, sizeof(twin_dir), "%s/N", base);
			remove_at(AT_FDCWD, twin_dir);
			snprintf(twin_dir, sizeof(twin_dir), "%s/C", base);
			remove_at(AT_FDCWD, twin_dir);
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	for (i = 0; i < nkinds; i++)
		printf("# kind %zu (%lu times): %s\n#   first: %s\n#   %s\n", i + 1, kinds[i].count,
		       kinds[i].key, kinds[i].example, kinds[i].minimised);
	printf("# %lu mismatches in all, %.1f s\n", total_bad,
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	remove_at(AT_FDCWD, base);
	return total_bad ? 1 : 0;
}
