/* lg_sys.c - what the resolver asks of the kernel directly: openat2 and its scratch memory. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "lg_internal.h"
#include "lg_syscall.h"

#ifndef SYS_openat2
#define SYS_openat2 437 /* the same number on every architecture (the generic table) */
#endif
#ifndef SYS_statx
#define SYS_statx -1 /* no such call here: the kernel answers ENOSYS */
#endif

/*
 * The system calls below are made by lg_inline_syscall, not libc's syscall(): inside
 * liblinkguard.so that name is the library's own interposed export (and its first call runs dlsym,
 * which is not async-signal-safe). -ENOSYS where there is no inline system call for the
 * architecture (callers then do without: the walk decides).
 */
long lg_sys_openat2(int dir_fd, const char *path, void *how, size_t size)
{
	return lg_inline_syscall(SYS_openat2, dir_fd, (long)path, (long)how, (long)size, 0, 0);
}

/*
 * The mount ID of fd itself (a symlink is not followed): statx's STATX_MNT_ID (Linux 5.8), which
 * musl before 1.2.5 does not declare. 0, or -errno (-ENOSYS: the kernel can not say).
 */
long lg_sys_mount_id(int fd, unsigned long long *id)
{
	enum { STATX_SIZE = 256, MASK_AT = 0, MNT_ID_AT = 144, MNT_ID = 0x1000, EMPTY = 0x1000 };
	unsigned long long buf[STATX_SIZE / sizeof(unsigned long long)] = {0};
	unsigned int mask;
	long r = lg_inline_syscall(SYS_statx, fd, (long)"", EMPTY | AT_SYMLINK_NOFOLLOW, MNT_ID,
				   (long)buf, 0);

	if (r < 0)
		return r;
	memcpy(&mask, (char *)buf + MASK_AT, sizeof(mask));
	if (!(mask & MNT_ID))
		return -ENOSYS;
	memcpy(id, (char *)buf + MNT_ID_AT, sizeof(*id));
	return 0;
}

/* Not libc's getcwd(): on a path longer than a page it falls back to opendir and malloc. */
long lg_sys_getcwd(char *buf, size_t size)
{
	return lg_inline_syscall(SYS_getcwd, (long)buf, (long)size, 0, 0, 0, 0);
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

int lg_openat2_unusable(int err)
{
	return err == ENOSYS || err == EPERM || err == EINVAL || err == E2BIG;
}
