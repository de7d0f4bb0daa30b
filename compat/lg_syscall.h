/*
 * lg_syscall.h - one system call made by the architecture's own instruction (x86_64 `syscall`,
 * aarch64 `svc #0`), not through libc's syscall(). The resolver uses it because inside
 * liblinkguard.so that name is the library's own interposed export; the route drivers
 * (test/routes/rawcall.c) because it is the route an LD_PRELOAD shim can not see.
 *
 * LG_HAVE_INLINE_SYSCALL is 1 where this file has the instruction; elsewhere lg_inline_syscall
 * makes no call and returns -ENOSYS.
 */
#ifndef LG_SYSCALL_H
#define LG_SYSCALL_H

#include <errno.h>

#if defined(__x86_64__) || defined(__aarch64__)
#define LG_HAVE_INLINE_SYSCALL 1
#else
#define LG_HAVE_INLINE_SYSCALL 0
#endif

/* lg_syscall_libc: a system call's result r (or -errno) as libc gives it: -1 with errno set. */
static inline long lg_syscall_libc(long r)
{
	if (r < 0 && r > -4096) {
		errno = (int)-r;
		return -1;
	}
	return r;
}

/* lg_inline_syscall: system call NR with six arguments; the result, or -errno. errno untouched. */
static inline long lg_inline_syscall(long nr, long a, long b, long c, long d, long e, long f)
{
#if defined(__x86_64__)
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
#elif defined(__aarch64__)
	register long x8 __asm__("x8") = nr;
	register long x0 __asm__("x0") = a;
	register long x1 __asm__("x1") = b;
	register long x2 __asm__("x2") = c;
	register long x3 __asm__("x3") = d;
	register long x4 __asm__("x4") = e;
	register long x5 __asm__("x5") = f;

	__asm__ volatile("svc #0"
			 : "+r"(x0)
			 : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5)
			 : "memory", "cc");
	return x0;
#else
	(void)nr, (void)a, (void)b, (void)c, (void)d, (void)e, (void)f;
	return -ENOSYS;
#endif
}

#endif
