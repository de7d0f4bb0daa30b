/* lg_libc.c - the libc functions the library itself calls, defined here, hidden.
 *
 * An import of liblinkguard.so binds to the first definition in the loader's global scope: the
 * program's own, when it exports one (-rdynamic), or a preload's ahead of the library (a leading
 * sanitizer runtime stays first). A program that answered the library's fstat() with the root's
 * identity, after putting another directory on the root's descriptor, would have its links made
 * there. So the system calls a decision of the library rests on, and pthread_once, are the
 * library's own: hidden (bound at link time, never looked up), each made by the instruction
 * itself (lg_syscall.h). They keep libc's contracts (-1 and errno; MAP_FAILED) for the callers
 * written against libc. The string functions are lg_string.c's.
 *
 * Built only where lg_syscall.h has the instruction (x86_64, aarch64); elsewhere the library
 * uses libc's (README, level 2).
 */
#define _GNU_SOURCE
#undef _FORTIFY_SOURCE /* these are the functions fortified calls would reach */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "lg_syscall.h"

#ifndef FUTEX_WAIT_PRIVATE /* <linux/futex.h>, which musl's headers do not bring */
#define FUTEX_WAIT_PRIVATE 128
#define FUTEX_WAKE_PRIVATE 129
#endif

#define LG_PRIVATE __attribute__((visibility("hidden")))

/* libc's convention from a raw result: -1 and errno, or the value. */
#define checked lg_syscall_libc

#define SYS0(nr)	  checked(lg_inline_syscall(nr, 0, 0, 0, 0, 0, 0))
#define SYS1(nr, a)	  checked(lg_inline_syscall(nr, (long)(a), 0, 0, 0, 0, 0))
#define SYS2(nr, a, b)	  checked(lg_inline_syscall(nr, (long)(a), (long)(b), 0, 0, 0, 0))
#define SYS3(nr, a, b, c) checked(lg_inline_syscall(nr, (long)(a), (long)(b), (long)(c), 0, 0, 0))
#define SYS4(nr, a, b, c, d)                                                                       \
	checked(lg_inline_syscall(nr, (long)(a), (long)(b), (long)(c), (long)(d), 0, 0))

/* --- files ----------------------------------------------------------------------------------- */

LG_PRIVATE int openat(int dir_fd, const char *path, int flags, ...)
{
	mode_t mode = 0;

	if ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE) {
		va_list ap;

		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	return (int)SYS4(SYS_openat, dir_fd, path, flags, mode);
}

/* What a fortified openat() without a mode calls. */
LG_PRIVATE int __openat_2(int dir_fd, const char *path, int flags)
{
	return openat(dir_fd, path, flags);
}

LG_PRIVATE int close(int fd)
{
	return (int)SYS1(SYS_close, fd);
}

LG_PRIVATE ssize_t read(int fd, void *buf, size_t len)
{
	return SYS3(SYS_read, fd, buf, len);
}

LG_PRIVATE ssize_t write(int fd, const void *buf, size_t len)
{
	return SYS3(SYS_write, fd, buf, len);
}

LG_PRIVATE ssize_t pread(int fd, void *buf, size_t len, off_t at)
{
	return SYS4(SYS_pread64, fd, buf, len, at);
}

LG_PRIVATE ssize_t readlinkat(int dir_fd, const char *path, char *buf, size_t len)
{
	return SYS4(SYS_readlinkat, dir_fd, path, buf, len);
}

LG_PRIVATE int fcntl(int fd, int cmd, ...)
{
	va_list ap;
	long arg;

	va_start(ap, cmd);
	arg = va_arg(ap, long); /* every command's argument is an int or a pointer, or none */
	va_end(ap);
	return (int)SYS3(SYS_fcntl, fd, cmd, arg);
}

LG_PRIVATE int fstatat(int dir_fd, const char *path, struct stat *st, int flags)
{
	return (int)SYS4(SYS_newfstatat, dir_fd, path, st, flags);
}

LG_PRIVATE int fstat(int fd, struct stat *st)
{
	return fstatat(fd, "", st, AT_EMPTY_PATH);
}

LG_PRIVATE int stat(const char *path, struct stat *st)
{
	return fstatat(AT_FDCWD, path, st, 0);
}

LG_PRIVATE int lstat(const char *path, struct stat *st)
{
	return fstatat(AT_FDCWD, path, st, AT_SYMLINK_NOFOLLOW);
}

LG_PRIVATE int fstatfs(int fd, struct statfs *sfs)
{
	return (int)SYS2(SYS_fstatfs, fd, sfs);
}

LG_PRIVATE ssize_t fgetxattr(int fd, const char *name, void *value, size_t size)
{
	return SYS4(SYS_fgetxattr, fd, name, value, size);
}

#ifndef SYS_faccessat2
#define SYS_faccessat2 439
#endif

/* faccessat2 (Linux 5.8) takes the flags; without it (or where a seccomp filter answers EPERM
 * for a call it does not know), AT_EACCESS means nothing for a process whose effective IDs are
 * its real ones, and for one whose are not, "accessible" (0) is the answer that makes no caller
 * here let anything through. */
LG_PRIVATE int faccessat(int dir_fd, const char *path, int mode, int flags)
{
	long r = lg_inline_syscall(SYS_faccessat2, dir_fd, (long)path, mode, flags, 0, 0);

	if (r != -ENOSYS && r != -EPERM)
		return (int)checked(r);
	if ((flags & ~AT_EACCESS) != 0)
		return (int)checked(-EINVAL);
	if ((flags & AT_EACCESS) && (getuid() != geteuid() || getgid() != getegid()))
		return 0;
	return (int)SYS3(SYS_faccessat, dir_fd, path, mode);
}

LG_PRIVATE int access(const char *path, int mode)
{
	return (int)SYS3(SYS_faccessat, AT_FDCWD, path, mode);
}

LG_PRIVATE char *getcwd(char *buf, size_t size)
{
	long n = checked(lg_inline_syscall(SYS_getcwd, (long)buf, (long)size, 0, 0, 0, 0));

	if (n < 0)
		return NULL;
	if (n == 0 || buf[0] != '/') { /* "(unreachable)/...": not a path, as glibc says */
		errno = ENOENT;
		return NULL;
	}
	return buf;
}

/* --- the process ----------------------------------------------------------------------------- */

LG_PRIVATE pid_t getpid(void)
{
	return (pid_t)SYS0(SYS_getpid);
}

LG_PRIVATE uid_t getuid(void)
{
	return (uid_t)SYS0(SYS_getuid);
}

LG_PRIVATE uid_t geteuid(void)
{
	return (uid_t)SYS0(SYS_geteuid);
}

LG_PRIVATE gid_t getgid(void)
{
	return (gid_t)SYS0(SYS_getgid);
}

LG_PRIVATE gid_t getegid(void)
{
	return (gid_t)SYS0(SYS_getegid);
}

LG_PRIVATE int getresuid(uid_t *r, uid_t *e, uid_t *s)
{
	return (int)SYS3(SYS_getresuid, r, e, s);
}

LG_PRIVATE int getresgid(gid_t *r, gid_t *e, gid_t *s)
{
	return (int)SYS3(SYS_getresgid, r, e, s);
}

LG_PRIVATE int uname(struct utsname *u)
{
	return (int)SYS1(SYS_uname, u);
}

LG_PRIVATE int personality(unsigned long persona)
{
	return (int)SYS1(SYS_personality, persona);
}

LG_PRIVATE void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	long r = checked(lg_inline_syscall(SYS_mmap, (long)addr, (long)len, prot, flags, fd, off));

	return r == -1 ? MAP_FAILED : (void *)r;
}

LG_PRIVATE int munmap(void *addr, size_t len)
{
	return (int)SYS2(SYS_munmap, addr, len);
}

LG_PRIVATE int poll(struct pollfd *fds, nfds_t n, int timeout_ms)
{
	struct timespec ts = {timeout_ms / 1000, (long)(timeout_ms % 1000) * 1000000};

	return (int)checked(lg_inline_syscall(SYS_ppoll, (long)fds, (long)n,
					      timeout_ms < 0 ? 0 : (long)&ts, 0, 8,
					      0)); /* the kernel's sigset_t */
}

/* --- signals and time, for the diagnostics' writes ------------------------------------------ */

#define KERNEL_SIGSET 8 /* the kernel's sigset_t: the first word of libc's */

LG_PRIVATE int sigemptyset(sigset_t *set)
{
	memset(set, 0, sizeof(*set));
	return 0;
}

LG_PRIVATE int sigaddset(sigset_t *set, int sig)
{
	if (sig <= 0 || sig > 64)
		return (int)checked(-EINVAL);
	((unsigned long *)set)[0] |= 1UL << (sig - 1);
	return 0;
}

LG_PRIVATE int sigismember(const sigset_t *set, int sig)
{
	if (sig <= 0 || sig > 64)
		return (int)checked(-EINVAL);
	return (((const unsigned long *)set)[0] >> (sig - 1)) & 1;
}

/* The mask of the calling thread, as the kernel keeps it (the library blocks SIGPIPE only). */
LG_PRIVATE int pthread_sigmask(int how, const sigset_t *set, sigset_t *old)
{
	long r =
	    lg_inline_syscall(SYS_rt_sigprocmask, how, (long)set, (long)old, KERNEL_SIGSET, 0, 0);

	return r < 0 ? (int)-r : 0; /* an error number, not errno */
}

LG_PRIVATE int sigpending(sigset_t *set)
{
	return (int)SYS2(SYS_rt_sigpending, set, KERNEL_SIGSET);
}

LG_PRIVATE int sigtimedwait(const sigset_t *set, siginfo_t *info, const struct timespec *timeout)
{
	return (int)SYS4(SYS_rt_sigtimedwait, set, info, timeout, KERNEL_SIGSET);
}

/* A denial's time stamp: the system call, not the vDSO, which a start would have to bind. */
LG_PRIVATE int clock_gettime(clockid_t clock, struct timespec *ts)
{
	return (int)SYS2(SYS_clock_gettime, clock, ts);
}

/* --- once ------------------------------------------------------------------------------------ */

enum { ONCE_NEW, ONCE_RUNNING, ONCE_WAITED, ONCE_DONE };

/*
 * pthread_once: the library's settings and its real functions are set up through it, and a
 * program's own pthread_once that never ran them would leave the library unconfigured. As musl's:
 * a thread that finds init running marks the state waited and waits on it (a futex), and only
 * then does the end of init wake anyone (no system call when nobody waited, as at start-up). A
 * child forked while another thread of its parent ran init would wait for ever, as POSIX allows
 * (after fork, a multithreaded process's child may call only async-signal-safe functions).
 */
LG_PRIVATE int pthread_once(pthread_once_t *once, void (*init)(void))
{
	int *state = (int *)once;

	for (;;) {
		int s = __atomic_load_n(state, __ATOMIC_ACQUIRE);

		if (s == ONCE_DONE)
			return 0;
		if (s == ONCE_NEW &&
		    __atomic_compare_exchange_n(state, &s, ONCE_RUNNING, 0, __ATOMIC_ACQUIRE,
						__ATOMIC_ACQUIRE)) {
			init();
			if (__atomic_exchange_n(state, ONCE_DONE, __ATOMIC_RELEASE) == ONCE_WAITED)
				lg_inline_syscall(SYS_futex, (long)state, FUTEX_WAKE_PRIVATE,
						  INT_MAX, 0, 0, 0);
			return 0;
		}
		if (s == ONCE_RUNNING)
			__atomic_compare_exchange_n(state, &s, ONCE_WAITED, 0, __ATOMIC_ACQUIRE,
						    __ATOMIC_ACQUIRE);
		if (s == ONCE_RUNNING || s == ONCE_WAITED)
			lg_inline_syscall(SYS_futex, (long)state, FUTEX_WAIT_PRIVATE, ONCE_WAITED,
					  0, 0, 0);
	}
}
