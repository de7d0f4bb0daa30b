/* lg_proc.c - the one trusted /proc: opened once, proven to be procfs's root, used by descriptor.
 *
 * A program in a user and mount namespace can mount anything at /proc, so the spelling "/proc"
 * proves nothing: every read of /proc by the resolver and the library goes through the
 * descriptor opened here, which is re-validated (procfs, inode 1, the same superblock) on each
 * use, and never crosses a mount below it.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lg_compat.h"
#include "lg_internal.h"

#ifndef SYS_openat2
#define SYS_openat2 437
#endif

#define LG_PROC_ROOT_INO 1 /* procfs's root directory (PROC_ROOT_INO) */

static int proc_fd = -1;
static dev_t proc_dev; /* the superblock seen at start-up; written once, before proc_fd */
static int proc_err;   /* why there is none: 0 until the first look */
/*
 * lg_proc_trust's window on this thread: 0 outside, 1 inside, 2 once the descriptor has been
 * proven inside it (no program code runs between that proof and the next use).
 */
static __thread int proc_trusted __attribute__((tls_model("initial-exec")));

/*
 * Whether fd is the root of a procfs mount (and, once known, of the one seen at start-up); its
 * device into *dev when dev is not NULL.
 */
/* Apart from is_proc_root's stat, so that their buffers never share a frame (LG_STACK_BUDGET). */
static __attribute__((noinline)) int on_procfs(int fd)
{
	struct statfs sfs;

	return fstatfs(fd, &sfs) == 0 && sfs.f_type == PROC_SUPER_MAGIC;
}

static int is_proc_root(int fd, int check_dev, dev_t *dev)
{
	struct stat st;

	if (fd < 0 || !on_procfs(fd) || fstat(fd, &st) != 0 || !S_ISDIR(st.st_mode) ||
	    st.st_ino != LG_PROC_ROOT_INO || (check_dev && st.st_dev != proc_dev))
		return 0;
	if (dev != NULL)
		*dev = st.st_dev;
	return 1;
}

/* O_NOFOLLOW: a /proc replaced by a symlink is not procfs either. Returns an fd or -1. */
static int open_proc(int check_dev, dev_t *dev)
{
	int fd = openat(AT_FDCWD, "/proc", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int errsv;

	if (fd >= 0 && !is_proc_root(fd, check_dev, dev)) {
		errsv = errno;
		close(fd);
		errno = errsv;
		fd = -1;
	}
	return fd;
}

/* The first look: record the superblock, or why there is no trusted /proc. */
static int first_open(void)
{
	dev_t dev;
	int fd = open_proc(0, &dev), expected = -1;

	if (fd < 0) {
		__atomic_store_n(&proc_err, -LG_ERR_NO_PROC, __ATOMIC_RELEASE);
		return -LG_ERR_NO_PROC;
	}
	proc_dev = dev;
	if (!__atomic_compare_exchange_n(&proc_fd, &expected, fd, 0, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE)) {
		close(fd); /* another thread was first; same /proc or not, use what it proved */
		return expected;
	}
	return fd;
}

int lg_proc_root(void)
{
	int saved = errno;
	int fd = __atomic_load_n(&proc_fd, __ATOMIC_ACQUIRE);
	int fresh;

	if (fd < 0) {
		fd = __atomic_load_n(&proc_err, __ATOMIC_ACQUIRE);
		if (fd == 0)
			fd = first_open();
		goto out_proven;
	}
	if (proc_trusted == 2 || is_proc_root(fd, 1, NULL))
		goto out_proven;
	/* The program closed or dup2()ed over our descriptor: reopen, same superblock only. */
	fresh = open_proc(1, NULL);
	if (fresh < 0) {
		fd = -LG_ERR_NO_PROC;
		goto out;
	}
	if (__atomic_compare_exchange_n(&proc_fd, &fd, fresh, 0, __ATOMIC_ACQ_REL,
					__ATOMIC_ACQUIRE)) {
		fd = fresh;
		goto out_proven;
	}
	close(fresh);
	if (!is_proc_root(fd, 1, NULL))
		fd = -LG_ERR_NO_PROC;
out_proven:
	if (fd >= 0 && proc_trusted)
		proc_trusted = 2;
out:
	errno = saved;
	return fd;
}

void lg_proc_trust(int on)
{
	proc_trusted = on;
}

/*
 * The directory sub ("self", "self/fd") of the trusted /proc, reached without crossing a mount
 * (something mounted over /proc/self/fd would answer for the kernel). Returns an fd or -errno.
 */
static int proc_dir(const char *sub)
{
	struct open_how how = {
	    .flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
	    .resolve = RESOLVE_BENEATH | RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS,
	};
	struct statfs sfs;
	int root = lg_proc_root(), errsv;
	long fd;

	if (root < 0)
		return root;
	/* Made here, not through libc's syscall(): that name is the library's own export. */
	fd = lg_sys_openat2(root, sub, &how, sizeof(how));
	if (fd >= 0 || !lg_openat2_unusable((int)-fd))
		return (int)fd;
	/* No openat2 (before 5.6): a mount over it must at least be procfs. */
	fd = openat(root, sub, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return lg_failed();
	if (fstatfs((int)fd, &sfs) != 0 || sfs.f_type != PROC_SUPER_MAGIC) {
		errsv = errno;
		close((int)fd);
		errno = errsv;
		return -LG_ERR_NO_PROC;
	}
	return (int)fd;
}

/* The entry of fd in the trusted /proc/self/fd: its target into buf (readlink, when buf is not
 * NULL), else opened with flags. Returns the length or the fd, or -errno. */
static long fd_entry(int fd, char *buf, size_t size, int flags)
{
	char name[24];
	int saved = errno;
	int dir = proc_dir("self/fd");
	long r;

	if (dir < 0)
		return dir;
	name[lg_put_decimal(name, (unsigned)fd)] = '\0';
	r = buf ? readlinkat(dir, name, buf, size) : openat(dir, name, flags | O_CLOEXEC);
	r = r < 0 ? lg_failed() : r;
	close(dir);
	errno = saved;
	return r;
}

/*
 * Read as a link that no mount covers (Linux 6.12 refuses mounts on these links; earlier kernels
 * let a mount namespace's owner put a symlink there that spells another place). Where the
 * kernel can tell neither way (no openat2, no mount IDs: before 5.8), the entry as found.
 */
long lg_proc_fd_readlink(int fd, char *buf, size_t size)
{
	char name[24] = "fd/";
	long n;

	name[3 + lg_put_decimal(name + 3, (unsigned)fd)] = '\0';
	n = lg_proc_self_readlink(name, buf, size);
	return n == -ENOSYS ? fd_entry(fd, buf, size, 0) : n;
}

int lg_proc_fd_open(int fd, int flags)
{
	return (int)fd_entry(fd, NULL, 0, flags);
}

int lg_proc_fd_dir(char *name, int fd)
{
	int saved = errno;
	int dir = proc_dir("self/fd");

	name[lg_put_decimal(name, (unsigned)fd)] = '\0';
	errno = saved;
	return dir;
}

#define LG_SELF_PATH_MAX 32

/* "self/<name>" into path (LG_SELF_PATH_MAX bytes); 0, or -1 when it does not fit. */
static int self_path(char *path, const char *name)
{
	size_t len = strlen(name);

	if (len >= LG_SELF_PATH_MAX - 5)
		return -1;
	memcpy(path, "self/", 5);
	memcpy(path + 5, name, len + 1);
	return 0;
}

/* openat2 of "self/<name>" in the trusted /proc, without crossing a mount or following name;
 * an fd, -errno, or -ENOSYS when that takes two steps (no openat2, name too long). */
static int proc_self_openat2(const char *name, int flags)
{
	struct open_how how = {
	    .flags = (unsigned)(flags | O_CLOEXEC | O_NOFOLLOW),
	    .resolve = RESOLVE_BENEATH | RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS,
	};
	char path[LG_SELF_PATH_MAX];
	int root;
	long fd;

	if (self_path(path, name) != 0)
		return -ENOSYS;
	root = lg_proc_root();
	if (root < 0)
		return root;
	/* Made here, not through libc's syscall(): that name is the library's own export. */
	fd = lg_sys_openat2(root, path, &how, sizeof(how));
	if (fd >= 0)
		return (int)fd;
	return fd == -EPERM || fd == -EINVAL ? -ENOSYS : (int)fd;
}

int lg_proc_self_open(const char *name, int flags)
{
	int saved = errno;
	int dir, r = proc_self_openat2(name, flags);

	if (r != -ENOSYS) {
		errno = saved;
		return r;
	}
	dir = proc_dir("self");
	if (dir < 0)
		return dir;
	r = openat(dir, name, flags | O_CLOEXEC | O_NOFOLLOW);
	r = r < 0 ? lg_failed() : r;
	close(dir);
	errno = saved;
	return r;
}

/*
 * Without openat2: /proc/self/<name> opened as a link (O_PATH, not followed), kept only if it lies
 * on the trusted /proc's own mount: crossing a mount on the way (a path without "..") ends on
 * another. An fd, or -errno (-ENOSYS when the kernel can not tell the mounts). Not inlined: its
 * two identities stay off the stack of the usual way (LG_STACK_BUDGET).
 */
static __attribute__((noinline)) int proc_self_link_same_mount(int root, const char *name)
{
	char path[LG_SELF_PATH_MAX];
	struct lg_file_id root_id, link_id;
	int fd, r;

	if (self_path(path, name) != 0)
		return -ENAMETOOLONG;
	fd = openat(root, path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return lg_failed();
	r = lg_file_id_at(root, "", &root_id);
	if (r == 0)
		r = lg_file_id_at(fd, "", &link_id);
	if (r == 0 && root_id.mnt_kind == 0)
		r = -ENOSYS;
	else if (r == 0 && !lg_on_mount(&link_id, root_id.mnt_kind, root_id.mnt_id))
		r = -LG_ERR_NO_PROC;
	if (r != 0) {
		close(fd);
		return r;
	}
	return fd;
}

long lg_proc_self_readlink(const char *name, char *buf, size_t size)
{
	int saved = errno;
	int fd = proc_self_openat2(name, O_PATH);
	long n;

	if (fd == -ENOSYS) {
		int root = lg_proc_root();

		fd = root < 0 ? root : proc_self_link_same_mount(root, name);
	}
	if (fd >= 0) {
		n = readlinkat(fd, "", buf, size);
		n = n < 0 ? lg_failed() : n;
		close(fd);
	} else {
		n = fd;
	}
	errno = saved;
	return n;
}
