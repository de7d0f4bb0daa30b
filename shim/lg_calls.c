/* lg_calls.c - the interposed symbols: check arguments, resolve both paths in a root, forward. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lg_shim.h"

#define LG_EXPORT __attribute__((visibility("default")))

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#define RENAME_EXCHANGE	 (1 << 1)
#define RENAME_WHITEOUT	 (1 << 2)
#endif

/*
 * Whether link() follows a final symlink. Linux: no (it links the symlink itself); NetBSD and
 * POSIX's default: yes. The one place that choice lives.
 */
#define LG_LINK_FOLLOWS 0

/* What one call asks for, as the caller spelled it. */
struct call {
	const char *name;
	int old_fd;
	const char *old_path;
	int new_fd;
	const char *new_path;
	unsigned flags;
};

/*
 * The boundary: -errno (or -LG_ERR_DENIED, which becomes EACCES) inside, errno outside; a success
 * leaves the caller's errno alone.
 */
static int to_libc(int r, int saved_errno)
{
	if (r < 0) {
		errno = lg_libc_errno(r);
		return -1;
	}
	errno = saved_errno;
	return r;
}

static int from_libc(int r)
{
	return r < 0 ? lg_failed() : r;
}

/* A call the policy did not let through: report it; the audit mode runs it as given. */
static int refuse(const struct lg_config *cfg, const struct call *c, enum lg_decision decision,
		  const struct lg_entry *e, const char *culprit, int culprit_fd,
		  int (*forward_as_given)(const struct call *))
{
	struct lg_denial d = {c->name,	  c->old_path, c->new_path, culprit,
			      culprit_fd, e,	       NULL,	    decision};

	lg_report(cfg, &d);
	if (decision == LG_AUDIT)
		return forward_as_given(c);
	return -LG_ERR_DENIED;
}

/* The resolver refused entry e of the call (its path culprit, from culprit_fd). */
static int refuse_escape(const struct lg_config *cfg, const struct call *c,
			 const struct lg_entry *e, const char *culprit, int culprit_fd,
			 int (*forward_as_given)(const struct call *))
{
	return refuse(cfg, c, lg_decide(&cfg->policy, LG_FOUND_ESCAPE), e, culprit, culprit_fd,
		      forward_as_given);
}

static int link_as_given(const struct call *c);
static int rename_as_given(const struct call *c);

/* Whether the last component src->name is "." or ".." (a trailing slash aside). */
static int names_dot(const struct lg_entry *e)
{
	const char *n = e->name;
	size_t len = strcspn(n, "/");

	return e->kind == LG_ENTRY_NAME && (len == 1 || len == 2) && n[0] == '.' &&
	       (len == 1 || n[1] == '.');
}

/*
 * The kernel's own lookup of the old entry (link: the whole path; rename: the last component,
 * without its trailing slash), made only when the new path failed, to answer in the kernel's
 * order. Returns 0 or -errno.
 */
static int look_up_old(const struct lg_entry *src, int whole)
{
	char name[NAME_MAX + 2];
	struct stat st;
	size_t len = strcspn(src->name, "/");

	if (src->kind != LG_ENTRY_NAME)
		return 0;
	memcpy(name, src->name, len);
	name[len] = '\0';
	return fstatat(src->dir_fd, whole ? src->name : name, &st, AT_SYMLINK_NOFOLLOW) == 0
		   ? 0
		   : lg_failed();
}

/*
 * The new path failed with the kernel error r: what the kernel would have said first.
 * link (do_linkat) looks the old path up completely before the new one. rename (do_renameat2)
 * takes both parents first, then EBUSY for an old "." or "..", then the old last component (and
 * only then the new one's length). Escapes are not the kernel's: they stay denials.
 */
static int kernel_first(int is_link, const struct lg_entry *src, const struct lg_entry *dst, int r)
{
	int old;

	if (r == -LG_ERR_DENIED)
		return r;
	if (is_link)
		return look_up_old(src, 1) ?: r;
	old = look_up_old(src, 0);
	/* The new parent's errors come after the old parent's (one the user can not search). */
	if (!dst->final_err || old == -EACCES)
		return old == -EACCES ? old : r;
	if (names_dot(src))
		return -EBUSY;
	return old ?: r;
}

/*
 * The old path's last component is too long (rename): the kernel looks at it only after both
 * parents and the "." checks, so resolve the new path first. Returns the answer.
 */
static int old_name_too_long(const struct call *c, struct lg_scope *scope, struct lg_entry *dst,
			     int new_fd_bad, int r)
{
	struct stat st;
	int n;

	if (new_fd_bad)
		return -EBADF;
	n = lg_resolve_in(scope, c->new_fd, c->new_path, 0, dst);
	if (n != 0)
		return dst->final_err ? r : n;
	/* The new parent's walk ends with a search of the parent itself (a lookup of "."). */
	if (fstatat(dst->dir_fd, ".", &st, 0) != 0)
		n = lg_failed();
	else if (names_dot(dst))
		n = (c->flags & RENAME_NOREPLACE) ? -EEXIST : -EBUSY;
	else
		n = r;
	lg_entry_close(dst);
	return n;
}

/* Both entries open: the call goes on, unless the kernel's answers may have been the program's. */
static int both_resolved(const struct call *c, struct lg_entry *src, struct lg_entry *dst,
			 int *done)
{
	int r = lg_refuse_own_filter(c->name, c->old_path, c->new_path);

	if (r == 0) {
		*done = 0;
		return 0;
	}
	lg_entry_close(src);
	lg_entry_close(dst);
	return r;
}

/*
 * Start from "denied": only the policy (nothing to confine) or two resolved entries let the call
 * through. Returns 0 with both entries open and *done clear; otherwise *done is set and the
 * result is the call's: -LG_ERR_DENIED after reporting, the audited or unconfined call's own
 * result, or another -errno the kernel would give, in the kernel's order (see kernel_first).
 */
static int resolve_both(struct lg_config *cfg, const struct call *c, unsigned old_opts,
			struct lg_entry *src, struct lg_entry *dst,
			int (*forward_as_given)(const struct call *), int *done)
{
	enum lg_decision d = lg_decide(&cfg->policy, LG_FOUND_UNCHECKED);
	struct lg_scope scope;
	int is_link = forward_as_given != rename_as_given;
	int r, new_fd_bad;

	*done = 1;
	if (d == LG_ALLOW)
		return forward_as_given(c);
	if (d != LG_CHECK)
		return refuse(cfg, c, d, NULL, NULL, -1, forward_as_given);
	lg_scope_init(&scope, &cfg->roots);
	/* The kernel reports a closed new dirfd only after the old path; but resolving the old
	 * path opens descriptors, which could take that very number. Look at it first. */
	new_fd_bad = c->new_fd != AT_FDCWD && c->new_path && c->new_path[0] != '/' &&
		     fcntl(c->new_fd, F_GETFD) < 0 && errno == EBADF;
	r = lg_resolve_in(&scope, c->old_fd, c->old_path, old_opts, src);
	if (r == -LG_ERR_DENIED) {
		lg_scope_end(&scope);
		return refuse_escape(cfg, c, src, c->old_path, c->old_fd, forward_as_given);
	}
	if (r != 0) {
		if (!is_link && src->final_err)
			r = old_name_too_long(c, &scope, dst, new_fd_bad, r);
		lg_scope_end(&scope);
		if (r == -LG_ERR_DENIED)
			return refuse_escape(cfg, c, dst, c->new_path, c->new_fd, forward_as_given);
		return r;
	}
	dst->final_err = 0; /* a closed new dirfd is the new parent's error, not its name's */
	r = new_fd_bad ? -EBADF : lg_resolve_in(&scope, c->new_fd, c->new_path, 0, dst);
	lg_scope_end(&scope);
	if (r == 0)
		return both_resolved(c, src, dst, done);
	r = kernel_first(is_link, src, dst, r);
	lg_entry_close(src);
	if (r == -LG_ERR_DENIED)
		return refuse_escape(cfg, c, dst, c->new_path, c->new_fd, forward_as_given);
	return r;
}

static int link_as_given(const struct call *c)
{
	struct lg_config *cfg = lg_config();

	return from_libc(
	    cfg->real_linkat(c->old_fd, c->old_path, c->new_fd, c->new_path, (int)c->flags));
}

/*
 * A name entry is linked without AT_SYMLINK_FOLLOW: the resolver already followed the final
 * symlink inside the root, and a symlink swapped in since must not be followed out of it.
 * A descriptor entry is linked through our private duplicate, as the caller asked.
 */
static int link_resolved(struct lg_config *cfg, const struct call *c, const struct lg_entry *src,
			 const struct lg_entry *dst)
{
	char name[12];
	int proc_fd_dir, r;

	if (src->kind == LG_ENTRY_NAME)
		return from_libc(cfg->real_linkat(src->dir_fd, src->name, dst->dir_fd, dst->name,
						  (int)(c->flags & ~(unsigned)AT_SYMLINK_FOLLOW)));
	if (c->old_path[0] == '\0')
		return from_libc(
		    cfg->real_linkat(src->file_fd, "", dst->dir_fd, dst->name, (int)c->flags));
	/* Through the trusted /proc: a fake one would name another file. */
	proc_fd_dir = lg_proc_fd_dir(name, src->file_fd);
	if (proc_fd_dir < 0)
		return proc_fd_dir == -LG_ERR_NO_PROC ? -LG_ERR_DENIED : proc_fd_dir;
	r = from_libc(cfg->real_linkat(proc_fd_dir, name, dst->dir_fd, dst->name, (int)c->flags));
	close(proc_fd_dir);
	return r;
}

static int guarded_linkat(const struct call *c, unsigned follow)
{
	struct lg_config *cfg;
	struct lg_entry src, dst;
	unsigned opts = LG_SLASH_FOLLOWS | LG_MAGIC_FD;
	int r, done;

	if (c->flags & ~(unsigned)(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	cfg = lg_config();
	if (follow || (c->flags & AT_SYMLINK_FOLLOW))
		opts |= LG_FOLLOW_FINAL;
	if (c->flags & AT_EMPTY_PATH)
		opts |= LG_EMPTY_IS_FD;
	r = resolve_both(cfg, c, opts, &src, &dst, link_as_given, &done);
	if (done)
		return r;
	r = link_resolved(cfg, c, &src, &dst);
	lg_entry_close(&src);
	lg_entry_close(&dst);
	return r;
}

static int rename_as_given(const struct call *c)
{
	struct lg_config *cfg = lg_config();

	return from_libc(
	    cfg->real_renameat2(c->old_fd, c->old_path, c->new_fd, c->new_path, c->flags));
}

/* Neither name is followed: renaming over a symlink replaces the symlink, wherever it points. */
static int guarded_renameat2(const struct call *c)
{
	const unsigned known = RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT;
	struct lg_config *cfg;
	struct lg_entry src, dst;
	int r, done;

	if ((c->flags & ~known) ||
	    ((c->flags & (RENAME_NOREPLACE | RENAME_WHITEOUT)) && (c->flags & RENAME_EXCHANGE)))
		return -EINVAL;
	cfg = lg_config();
	r = resolve_both(cfg, c, 0, &src, &dst, rename_as_given, &done);
	if (done)
		return r;
	r = from_libc(cfg->real_renameat2(src.dir_fd, src.name, dst.dir_fd, dst.name, c->flags));
	lg_entry_close(&src);
	lg_entry_close(&dst);
	return r;
}

LG_EXPORT int link(const char *oldpath, const char *newpath)
{
	int saved = errno;
	struct call c = {"link", AT_FDCWD, oldpath, AT_FDCWD, newpath, 0};

	return to_libc(guarded_linkat(&c, LG_LINK_FOLLOWS), saved);
}

LG_EXPORT int linkat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath,
		     int flags)
{
	int saved = errno;
	struct call c = {"linkat", olddirfd, oldpath, newdirfd, newpath, (unsigned)flags};

	return to_libc(guarded_linkat(&c, 0), saved);
}

LG_EXPORT int rename(const char *oldpath, const char *newpath)
{
	int saved = errno;
	struct call c = {"rename", AT_FDCWD, oldpath, AT_FDCWD, newpath, 0};

	return to_libc(guarded_renameat2(&c), saved);
}

LG_EXPORT int renameat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath)
{
	int saved = errno;
	struct call c = {"renameat", olddirfd, oldpath, newdirfd, newpath, 0};

	return to_libc(guarded_renameat2(&c), saved);
}

LG_EXPORT int renameat2(int olddirfd, const char *oldpath, int newdirfd, const char *newpath,
			unsigned int flags)
{
	int saved = errno;
	struct call c = {"renameat2", olddirfd, oldpath, newdirfd, newpath, flags};

	return to_libc(guarded_renameat2(&c), saved);
}

#if defined(__x86_64__)
#define LG_X32_SYSCALL_BIT 0x40000000L /* the kernel's __X32_SYSCALL_BIT */
#define LG_X32_EXECVE	   520L	       /* x32's own execve and execveat: compat argv layout */
#define LG_X32_EXECVEAT	   545L
#endif

/*
 * The number as the kernel reads it. x86_64 (do_syscall_64) and arm64 (el0_svc_common) take an
 * int: the high 32 bits are ignored. On x86_64 the x32 bit selects the x32 table, where link,
 * rename, renameat2 and io_uring_setup are the native calls; *x32 says it was set.
 */
static long kernel_number(long nr, int *x32)
{
	*x32 = 0;
#if defined(__x86_64__) || defined(__aarch64__)
	nr = (long)(unsigned int)nr;
#endif
#if defined(__x86_64__)
	*x32 = (nr & LG_X32_SYSCALL_BIT) != 0;
	nr &= ~LG_X32_SYSCALL_BIT;
#endif
	return nr;
}

#if defined(__x86_64__)
/*
 * An x32 execve or execveat: its argument vectors hold 32-bit pointers, which the exec gate does
 * not read. Refused, unless the audit mode lets it through (*handled clear: it runs as given).
 */
static int refuse_x32_exec(const char *call, int *handled)
{
	struct lg_config *cfg = lg_config();
	struct lg_denial d = {
	    .call = call,
	    .culprit_fd = -1,
	    .reason = "an x32 system call, whose arguments linkguard does not read",
	    .decision = lg_decide(&cfg->policy, LG_FOUND_UNJUDGED),
	};

	lg_report(cfg, &d);
	*handled = d.decision != LG_AUDIT;
	return -LG_ERR_DENIED;
}
#endif

/* An x32 number: x32's own execs are refused; the 64-bit-only execs are not in its table. */
static long x32_number(long nr, int *refused, int *handled)
{
#if defined(__x86_64__)
	if (nr == LG_X32_EXECVE || nr == LG_X32_EXECVEAT) {
		*refused =
		    refuse_x32_exec(nr == LG_X32_EXECVE ? "x32 execve" : "x32 execveat", handled);
		return -1;
	}
	if (nr == SYS_execve || nr == SYS_execveat)
		return -1; /* the kernel answers ENOSYS */
#endif
	(void)refused, (void)handled;
	return nr;
}

/* link and rename through syscall(): as their wrappers; *handled 0 for any other number. */
static int syscall_link_rename(long nr, const long *a, int *handled)
{
	struct call c = {NULL, AT_FDCWD, NULL, AT_FDCWD, NULL, 0};

	switch (nr) {
#ifdef SYS_link
	case SYS_link:
		c = (struct call){"SYS_link", AT_FDCWD,		  (const char *)a[0],
				  AT_FDCWD,   (const char *)a[1], 0};
		return guarded_linkat(&c, LG_LINK_FOLLOWS);
#endif
#ifdef SYS_rename
	case SYS_rename:
		c = (struct call){"SYS_rename", AT_FDCWD,	    (const char *)a[0],
				  AT_FDCWD,	(const char *)a[1], 0};
		return guarded_renameat2(&c);
#endif
	case SYS_linkat:
		c = (struct call){"SYS_linkat", (int)a[0],	    (const char *)a[1],
				  (int)a[2],	(const char *)a[3], (unsigned)a[4]};
		return guarded_linkat(&c, 0);
	case SYS_renameat:
	case SYS_renameat2:
		c = (struct call){nr == SYS_renameat ? "SYS_renameat" : "SYS_renameat2",
				  (int)a[0],
				  (const char *)a[1],
				  (int)a[2],
				  (const char *)a[3],
				  nr == SYS_renameat ? 0 : (unsigned)a[4]};
		return guarded_renameat2(&c);
	default:
		break;
	}
	*handled = 0;
	return 0;
}

/* execve, execveat and io_uring_setup through syscall(); *handled 0 for any other number. */
static int syscall_exec_uring(long nr, const long *a, int *handled)
{
	switch (nr) {
	case SYS_execve:
		/* The exec wrappers' work, or a raw execve through libc would drop the settings. */
		return from_libc(lg_guarded_execve("SYS_execve", (const char *)a[0],
						   (char *const *)a[1], (char *const *)a[2]));
	case SYS_execveat:
		return from_libc(lg_guarded_execveat("SYS_execveat", (int)a[0], (const char *)a[1],
						     (char *const *)a[2], (char *const *)a[3],
						     (int)a[4]));
#ifdef SYS_io_uring_setup
	case SYS_io_uring_setup:
		/* Its IORING_OP_LINKAT/RENAMEAT would bypass the shim: programs fall back to the
		 * ordinary calls on ENOSYS. */
		if (lg_decide(&lg_config()->policy, LG_FOUND_IO_URING) == LG_ALLOW)
			break;
		return -ENOSYS;
#endif
	default:
		break;
	}
	*handled = 0;
	return 0;
}

/* The same system calls made through libc's syscall(); every other number passes through. */
static int guarded_syscall(long raw_nr, const long *a, int *handled)
{
	int x32, refused = 0, r;
	long nr = kernel_number(raw_nr, &x32);

	*handled = 1;
	if (x32)
		nr = x32_number(nr, &refused, handled);
	if (refused)
		return refused;
	lg_userns_note_syscall(nr, a);
	r = syscall_link_rename(nr, a, handled);
	if (*handled)
		return r;
	*handled = 1;
	return syscall_exec_uring(nr, a, handled);
}

LG_EXPORT long syscall(long number, ...)
{
	int saved = errno, handled;
	long a[6];
	va_list ap;
	int r;

	va_start(ap, number);
	for (int i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	if (lg_installs_filter(number, a))
		return lg_install_filter(number, a);
	r = guarded_syscall(number, a, &handled);
	if (!handled)
		return lg_real_syscall(number, a[0], a[1], a[2], a[3], a[4], a[5]);
	return to_libc(r, saved);
}
