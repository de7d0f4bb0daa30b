/* lg_sys.c - what the resolver asks of the kernel directly: openat2 and its scratch memory. */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <sys/syscall.h>

#include "lg_internal.h"

#ifndef SYS_openat2
#define SYS_openat2 437 /* the same number on every architecture (the generic table) */
#endif

/*
 * A system call of up to four arguments, made here, not through libc's syscall(): inside
 * liblinkguard.so that name is the library's own interposed export (and its first call runs
 * dlsym, which is not async-signal-safe). Returns the result or -errno; -ENOSYS where this file
 * has no inline system call for the architecture (callers then do without: the walk decides).
 */
static long sys4(long nr, long a, long b, long c, long d)
{
#if defined(__x86_64__)
	long r;
	register long r10 __asm__("r10") = d;

	__asm__ volatile("syscall"
			 : "=a"(r)
			 : "0"(nr), "D"(a), "S"(b), "d"(c), "r"(r10)
			 : "rcx", "r11", "memory");
	return r;
#elif defined(__aarch64__)
	register long x8 __asm__("x8") = nr;
	register long x0 __asm__("x0") = a;
	register long x1 __asm__("x1") = b;
	register long x2 __asm__("x2") = c;
	register long x3 __asm__("x3") = d;

	__asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3) : "memory");
	return x0;
#else
	(void)nr;
	(void)a;
	(void)b;
	(void)c;
	(void)d;
	return -ENOSYS;
#endif
}

long lg_sys_openat2(int dir_fd, const char *path, void *how, size_t size)
{
	return sys4(SYS_openat2, dir_fd, (long)path, (long)how, (long)size);
}

/* Not libc's getcwd(): on a path longer than a page it falls back to opendir and malloc. */
long lg_sys_getcwd(char *buf, size_t size)
{
	return sys4(SYS_getcwd, (long)buf, (long)size, 0, 0);
}

/* Scratch areas ready for reuse; a slot's area is touched only by the holder of its flag. */
#define LG_SCRATCH_SLOTS 8

static struct {
	int busy;
	struct lg_scratch *area;
} slots[LG_SCRATCH_SLOTS];

static struct lg_scratch *map_scratch(void)
{
	void *p = mmap(NULL, sizeof(struct lg_scratch), PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* mmap and atomic flags only: usable from a signal handler that interrupted a holder. */
struct lg_scratch *lg_scratch_get(void)
{
	int saved = errno;
	struct lg_scratch *s = NULL;

	for (int i = 0; i < LG_SCRATCH_SLOTS && s == NULL; i++) {
		if (__atomic_exchange_n(&slots[i].busy, 1, __ATOMIC_ACQUIRE))
			continue;
		s = __atomic_load_n(&slots[i].area, __ATOMIC_RELAXED);
		if (s == NULL) {
			s = map_scratch();
			__atomic_store_n(&slots[i].area, s, __ATOMIC_RELAXED);
		}
		if (s == NULL)
			__atomic_store_n(&slots[i].busy, 0, __ATOMIC_RELEASE);
	}
	if (s == NULL)
		s = map_scratch(); /* every slot busy: this call's own, unmapped at the end */
	errno = saved;
	return s;
}

void lg_scratch_put(struct lg_scratch *s)
{
	int saved = errno;

	for (int i = 0; i < LG_SCRATCH_SLOTS; i++) {
		if (__atomic_load_n(&slots[i].area, __ATOMIC_RELAXED) == s) {
			__atomic_store_n(&slots[i].busy, 0, __ATOMIC_RELEASE);
			errno = saved;
			return;
		}
	}
	munmap(s, sizeof(*s));
	errno = saved;
}

void *lg_scratch_take(void)
{
	_Static_assert(sizeof(struct lg_scratch) >= LG_SCRATCH_MIN, "LG_SCRATCH_MIN");
	return lg_scratch_get();
}

void lg_scratch_give(void *buf)
{
	if (buf != NULL)
		lg_scratch_put(buf);
}
