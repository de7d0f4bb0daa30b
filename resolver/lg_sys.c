/* lg_sys.c - what the resolver asks of the kernel directly: openat2, statx and its scratch memory.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>

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
 * The kernel's struct statx (<linux/stat.h>), which not every C library declares (musl before
 * 1.2.5): the fields up to the mount ID, and room for the rest.
 */
struct lg_statx {
	uint32_t mask, blksize;
	uint64_t attributes;
	uint32_t nlink, uid, gid;
	uint16_t mode, spare0;
	uint64_t ino, size, blocks, attributes_mask;
	struct {
		int64_t sec;
		uint32_t nsec;
		int32_t spare;
	} atime, btime, ctime, mtime;
	uint32_t rdev_major, rdev_minor, dev_major, dev_minor;
	uint64_t mnt_id;
	uint64_t spare[13];
};
_Static_assert(offsetof(struct lg_statx, mnt_id) == 144 && sizeof(struct lg_statx) == 256,
	       "struct statx as the kernel lays it out");

#define LG_STATX_BASIC (0x1u | 0x2u | 0x4u | 0x100u) /* STATX_TYPE, _MODE, _NLINK, _INO */

/* Before Linux 4.11, or no system call instruction here: fstatat's answer, with no mount. */
static __attribute__((noinline)) int file_id_without_mount(int dir_fd, const char *name, int flags,
							   struct lg_file_id *id)
{
	struct stat st;
	int saved = errno;
	int r = fstatat(dir_fd, name, &st, flags) == 0 ? 0 : lg_failed();

	errno = saved;
	if (r != 0)
		return r;
	id->dev = st.st_dev;
	id->ino = st.st_ino;
	id->mode = st.st_mode;
	id->nlink = st.st_nlink;
	id->mnt_kind = 0;
	id->mnt_id = 0;
	return 0;
}

/* statx's answer, apart: its buffer is not on the stack while fstatat's is (LG_STACK_BUDGET). */
static __attribute__((noinline)) long file_id_by_statx(int dir_fd, const char *name, int flags,
						       struct lg_file_id *id)
{
	struct lg_statx sx;
	long r = lg_inline_syscall(SYS_statx, dir_fd, (long)name, flags,
				   LG_STATX_BASIC | LG_MNT_ID | LG_MNT_ID_UNIQUE, (long)&sx, 0);

	if (r != 0)
		return r;
	id->dev = makedev(sx.dev_major, sx.dev_minor);
	id->ino = sx.ino;
	id->mode = sx.mode;
	id->nlink = sx.nlink;
	/* Asked for both, a kernel that has the never-reused ID (6.8) answers with it. */
	id->mnt_kind = sx.mask & LG_MNT_ID_UNIQUE ? LG_MNT_ID_UNIQUE : sx.mask & LG_MNT_ID;
	id->mnt_id = id->mnt_kind ? sx.mnt_id : 0;
	return 0;
}

int lg_file_id_at(int dir_fd, const char *name, struct lg_file_id *id)
{
	int flags = AT_SYMLINK_NOFOLLOW | (name[0] ? 0 : AT_EMPTY_PATH);
	long r = file_id_by_statx(dir_fd, name, flags, id);

	if (r == -ENOSYS || r == -EPERM) /* EPERM: a seccomp filter that does not know statx */
		return file_id_without_mount(dir_fd, name, flags, id);
	return (int)r;
}

int lg_on_mount(const struct lg_file_id *id, unsigned kind, unsigned long long mnt_id)
{
	return id->mnt_kind == kind && id->mnt_id == mnt_id;
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
