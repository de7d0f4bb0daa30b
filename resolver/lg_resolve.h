/* lg_resolve.h - the in-root path resolver: one API, two backends (openat2 and a portable walk). */
#ifndef LG_RESOLVE_H
#define LG_RESOLVE_H

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * lg_failed: -errno after a libc-style call failed, never 0. errno is read through the program's
 * own __errno_location, which a hostile program may define: a wrong value may change which error
 * a call reports, never turn a failure into a success.
 */
static inline int lg_failed(void)
{
	int e = errno;

	return e > 0 && e < 4096 ? -e : -EIO;
}

/*
 * A denial is not an errno: LG_ERR_DENIED lies outside the kernel's range (Linux errnos end at
 * 4095), so a permission error the kernel gives while resolving (EACCES from a directory the user
 * can not search) is never taken for a denial. lg_libc_errno() turns it into EACCES at the libc
 * boundary; compare with -LG_ERR_DENIED, never with -EACCES.
 *
 * The errnos linkguard chooses itself; every other errno is a system call's, as the kernel gave it.
 *   a denial (-LG_ERR_DENIED)  EACCES (not EXDEV: mv(1) and many libraries answer EXDEV by
 *                              copying the data out): an escape, a root that changed, a start
 *                              directory that can not be placed, a broken setting (fail closed)
 *   a NULL path                EFAULT        (as the kernel)
 *   an empty path              ENOENT        (without LG_EMPTY_IS_FD; as the kernel)
 *   a path of PATH_MAX bytes   ENAMETOOLONG  (as the kernel, before any system call)
 *   a name over NAME_MAX       ENAMETOOLONG  (as the kernel, in its order: see lg_calls.c)
 *   over LG_SYMLINK_MAX links  ELOOP         (as Linux's MAXSYMLINKS)
 *   no scratch area mapped     ENOMEM        (mmap's own)
 *   io_uring_setup (shim)      ENOSYS        (programs fall back to the ordinary calls)
 * Asserted: test/unit/test_resolve.c ("errno table") the resolver's, test/routes/routes.bats
 * the ENOSYS.
 */
#define LG_ERR_DENIED 4100

/* lg_libc_errno: the errno a negative result r means for the caller of libc. */
static inline int lg_libc_errno(int r)
{
	return r == -LG_ERR_DENIED ? EACCES : -r;
}

/*
 * Stack budget: a call through lg_resolve_in() uses at most LG_STACK_BUDGET bytes of stack (the
 * resolver's frames; the large buffers live in a scratch area mapped once and reused, see
 * struct lg_scratch). test_resolve.c measures it; test/attack/sigstack.c runs link and rename
 * from signal handlers on alternate stacks of SIGSTKSZ, 8 KiB and 16 KiB.
 */
#define LG_STACK_BUDGET 2048

/* No trusted /proc: missing, or not the root of a procfs mount (see lg_proc_root). */
#define LG_ERR_NO_PROC ENOMEDIUM

#define LG_MAX_ROOTS   16 /* entries in LINKGUARD_ROOT */
#define LG_SYMLINK_MAX 40 /* symlinks followed per path, as Linux's MAXSYMLINKS */
#define LG_EAGAIN_MAX  16 /* openat2 retries while renames race with a ".." step; then the walk */
#define LG_DEPTH_MAX   65536 /* ".." steps when placing a start directory by its identity */

/* Why a path was denied; the shim turns it into words. */
enum lg_why {
	LG_WHY_NONE = 0,
	LG_WHY_OUTSIDE,	       /* the path never enters a root */
	LG_WHY_DOTDOT,	       /* ".." climbs out of the root it entered */
	LG_WHY_SYMLINK,	       /* a symlink points out of the roots */
	LG_WHY_ROOT_ENTRY,     /* the path names a root itself, whose entry is outside */
	LG_WHY_FD_OUTSIDE,     /* the descriptor's file does not live inside a root */
	LG_WHY_ROOT_CHANGED,   /* the root directory was moved or replaced */
	LG_WHY_UNLOCATABLE,    /* the starting directory's place can not be read */
	LG_WHY_ROOT_MOUNT,     /* the root's descriptor was lost, and its path is not (provably) on
				  the mount the root was on at start-up */
	LG_WHY_FALSE_SPELLING, /* the start directory is outside, though /proc spells it inside
				  (a chroot or mount namespace of the program's own) */
};

enum lg_backend {
	LG_BACKEND_AUTO = 0, /* openat2 where the kernel has it, else the walk */
	LG_BACKEND_WALK,     /* the portable openat(O_PATH|O_NOFOLLOW) walk only */
};

/* One confinement root. fd is the only field that changes after lg_rootset_add(). */
struct lg_root {
	int fd;	   /* O_PATH directory descriptor; re-validated before each use */
	dev_t dev; /* identity recorded at start-up */
	ino_t ino;
	size_t path_len;  /* the spelling as given, lexically tidied */
	size_t canon_len; /* the canonical spelling (symlinks resolved) */
	/* The mount it was opened on, and which kind of ID that is (see struct lg_file_id; kind 0:
	 * the kernel can not say). */
	unsigned long long mnt_id;
	unsigned mnt_kind;
	char path[PATH_MAX];
	char canon[PATH_MAX];
};

struct lg_rootset {
	size_t count;
	enum lg_backend backend;
	int nested; /* a root lies beneath another: a relative path is judged by its joined spelling
		     */
	/* "/" when the first root was opened: the process's root directory and its mount, against
	 * which /proc spells every directory (a chroot or another mount namespace changes it) */
	int slash_known;
	dev_t slash_dev;
	ino_t slash_ino;
	unsigned long long slash_mnt_id;
	unsigned slash_mnt_kind;
	struct lg_root root[LG_MAX_ROOTS];
};

/* Options of lg_resolve(). */
#define LG_FOLLOW_FINAL 0x1u /* follow a final symlink, inside the roots (AT_SYMLINK_FOLLOW) */
#define LG_SLASH_FOLLOWS                                                                           \
	0x2u		    /* a trailing slash follows a final symlink (a lookup, not a create) */
#define LG_EMPTY_IS_FD 0x4u /* an empty path names start_fd's file (AT_EMPTY_PATH) */
#define LG_MAGIC_FD    0x8u /* /proc/self/fd/N and kin name fd N's file (with LG_FOLLOW_FINAL) */

/* Which part of the resolver gave a result; tests read it, to know which backend they test. */
enum lg_decider {
	LG_BY_FRONT = 0, /* the front end, before any backend (outside, root entry, bad input) */
	LG_BY_OPENAT2,	 /* the openat2 backend */
	LG_BY_WALK,	 /* the walk: chosen, or after the openat2 backend handed over */
};

enum lg_kind {
	LG_ENTRY_NAME = 1, /* dir_fd + name: an entry inside a root */
	LG_ENTRY_FD,	   /* file_fd: a descriptor whose file lives inside a root */
};

/* The result of lg_resolve(): owns its descriptors until lg_entry_close(). */
struct lg_entry {
	enum lg_kind kind;
	int dir_fd;  /* LG_ENTRY_NAME: the parent directory, inside root `root` */
	int own_dir; /* whether dir_fd is this entry\'s to close (not a root\'s or a shared one) */
	int file_fd; /* LG_ENTRY_FD: a private duplicate of the named descriptor */
	int keep_fd; /* a start directory opened for the scope, which later entries may borrow */
	int final_err;		 /* a failure that concerns only the last component (its length) */
	size_t root;		 /* index of the root the path entered */
	enum lg_why why;	 /* set when the result is -LG_ERR_DENIED */
	enum lg_decider by;	 /* who gave the result (descriptor entries: LG_BY_FRONT) */
	char name[NAME_MAX + 2]; /* last component; a trailing '/' is kept for the kernel */
};

/*
 * lg_rootset_init: empty set using `backend`. Never fails.
 */
void lg_rootset_init(struct lg_rootset *set, enum lg_backend backend);

/*
 * lg_rootset_add: open `path` (absolute, an existing directory) and add it as a root.
 * Returns 0, -EINVAL (relative or empty), -ENOTDIR, -ENOENT, -ENAMETOOLONG, -ENOSPC
 * (LG_MAX_ROOTS reached), -LG_ERR_NO_PROC (no trusted /proc to read its canonical spelling
 * from: fail closed) or another -errno from open/fstat.
 */
int lg_rootset_add(struct lg_rootset *set, const char *path);

/*
 * lg_rootset_is_everything: true when a root is the directory "/" (the same device and inode,
 * whatever its spelling; "/" as it was when the first root was opened), which confines nothing.
 */
int lg_rootset_is_everything(const struct lg_rootset *set);

/*
 * The big buffers of one call, mapped (never on the stack, never from the heap): a pool of them is
 * claimed and released with atomic flags, so threads and signal handlers each get their own; a
 * call that finds the pool busy maps one for itself and unmaps it at the end.
 */
struct lg_scratch;

/*
 * The work that the paths of one call share: the start directory and where it lies, the roots'
 * validated descriptors, and the last parent directory opened (a link or rename within one
 * directory opens it once). Lives on the caller's stack for one call: an entry may borrow a
 * descriptor that an earlier entry of the scope owns, so close them together, after use; end the
 * scope with lg_scope_end() (the entries stay valid).
 */
struct lg_scope {
	struct lg_rootset *set;
	struct lg_scratch *scratch;    /* NULL until the first path needs it */
	int root_fd[LG_MAX_ROOTS];     /* validated in this scope; -1: not yet */
	int root_placed[LG_MAX_ROOTS]; /* its fd is at its canonical path: 1, 0; -1 unknown */
	long cwd_len; /* the current directory's getcwd spelling: -1 not read yet, -2 none */
	/* The start directory of the last relative path (borrowed from the entry that opened it) */
	int start_given; /* AT_FDCWD or the caller's dirfd; LG_NO_START: none yet */
	int start_fd;	 /* a descriptor of it */
	int start_in;	 /* 1: beneath root start_root at start_depth; 0: outside (spelling kept) */
	size_t start_root;
	long start_depth;
	long start_len;	   /* its spelling's length in the scratch area; < 0: none */
	int parent_anchor; /* the descriptor the shared parent was opened from */
	long parent_len;   /* < 0: none yet */
	int parent_fd;	   /* borrowed from the entry that opened it */
};

#define LG_NO_START (-1000) /* no dirfd or AT_FDCWD (-100) has this value */

/*
 * lg_sys_openat2: the openat2 system call made directly, never through an exported syscall()
 * (inside liblinkguard.so that name is the library's own). Returns an fd or -errno (errno is
 * untouched); -ENOSYS where the architecture has no inline system call here.
 */
long lg_sys_openat2(int dir_fd, const char *path, void *how, size_t size);

/*
 * lg_scratch_take / lg_scratch_give: a mapped buffer of at least LG_SCRATCH_MIN bytes from the
 * same pool, for other work on the call path that must use neither the stack nor the heap (the
 * shim's diagnostic line). NULL when no memory could be mapped. Async-signal-safe.
 */
#define LG_SCRATCH_MIN 16384
void *lg_scratch_take(void);
void lg_scratch_give(void *buf);

/* lg_scope_init: a fresh scope over set. Never fails. */
void lg_scope_init(struct lg_scope *scope, struct lg_rootset *set);

/* lg_scope_end: give the scope's scratch area back. The entries stay open. Never touches errno. */
void lg_scope_end(struct lg_scope *scope);

/* lg_resolve_in: lg_resolve() within a scope (see struct lg_scope). */
int lg_resolve_in(struct lg_scope *scope, int start_fd, const char *unsafe_path, unsigned flags,
		  struct lg_entry *out);

/*
 * lg_resolve: find the entry that `unsafe_path`, taken from `start_fd` (a directory fd or
 * AT_FDCWD), names inside one of the roots.
 * Returns 0 and fills `out` (close it with lg_entry_close), or a negative errno:
 *   -LG_ERR_DENIED   an escape or a root that changed; out->why says which;
 *   -EFAULT          unsafe_path is NULL;
 *   -ENAMETOOLONG, -ENOENT (empty path), -EBADF, -ENOTDIR, -ELOOP, -EACCES (a directory the
 *                    user may not search), ... as the kernel gives; -ENOMEM when no scratch
 *                    area could be mapped.
 * A path relative to the current directory is first joined to its getcwd spelling and walked
 * from the root; where that walk meets a kernel error or there is no spelling, and for a dirfd, it
 * starts from the start directory's own descriptor, once that directory is placed beneath a root
 * (by the kernel's spelling of it, once walking that spelling from the root's descriptor reaches
 * the very directory on its very mount; or by walking ".." and comparing device, inode and mount
 * with the roots where the spelling is too long, can not be read or does not reach it).
 * Only the entry's parent is opened: the final component is the caller's to act on, through
 * out->dir_fd, so no later change of the path string can redirect the call.
 * Never touches errno, never allocates, is thread-safe and async-signal-safe.
 * NOTE: another thread of the same process can dup2() over a descriptor between its check and
 * its use; that needs code that could make the raw system call anyway (see README, limits).
 */
int lg_resolve(struct lg_rootset *set, int start_fd, const char *unsafe_path, unsigned flags,
	       struct lg_entry *out);

/*
 * lg_entry_close: release the descriptors of a resolved entry. Never touches errno.
 */
void lg_entry_close(struct lg_entry *entry);

/*
 * lg_proc_fd_path: write "/proc/self/fd/N" (or, with pid > 0, "/proc/<pid>/fd/") into buf, which
 * holds LG_PROC_FD_PATH_MAX bytes. Async-signal-safe, unlike snprintf. Returns the length.
 */
#define LG_PROC_FD_PATH_MAX 48
size_t lg_proc_fd_path(char *buf, long pid, int fd);

/*
 * lg_root_fd: the validated descriptor of root `i` (the directory recorded at start-up, on the
 * mount it was on), reopened by its canonical path when the program closed or replaced it.
 * Returns the fd, -LG_ERR_DENIED when the directory at the canonical path is no longer the root
 * recorded at start-up (or is gone), -LG_ERR_ROOT_MOUNT when it is, but not on that mount (a mount
 * namespace or mount of the program's own) or the kernel can not say which mount it is on, or the
 * kernel's -errno when the reopen fails for another reason (EACCES, EMFILE, ...). Never touches
 * errno.
 */
#define LG_ERR_ROOT_MOUNT 4101 /* a denial, as LG_ERR_DENIED; never returned by lg_resolve */
int lg_root_fd(struct lg_rootset *set, size_t i);

/*
 * The trusted /proc (lg_proc.c). Opened once per process by the first call, proven to be the
 * root of a procfs mount, re-validated on every use (a program may close or dup2() over it), and
 * never walked across a mount. Every function returns -LG_ERR_NO_PROC when /proc is missing or
 * fake, another -errno on failure; none touches errno, allocates, or is unsafe in a handler.
 */
/* lg_proc_root: the descriptor of the trusted /proc. */
int lg_proc_root(void);
/* lg_proc_fd_readlink: readlink of /proc/self/fd/<fd> into buf (not terminated); the length. */
long lg_proc_fd_readlink(int fd, char *buf, size_t size);
/* lg_proc_fd_open: open /proc/self/fd/<fd> (following the magic link) with flags | O_CLOEXEC. */
int lg_proc_fd_open(int fd, int flags);
/*
 * lg_proc_fd_dir: the directory /proc/self/fd (an O_PATH descriptor, the caller's to close), and
 * fd's entry name in it into name (12 bytes), for *at calls that follow the magic link.
 */
int lg_proc_fd_dir(char *name, int fd);
/*
 * lg_proc_trust: on (1), this thread runs code that no program code interleaves with (the
 * start-up reading of the settings): a /proc descriptor proven once is not proven again until
 * it is turned off (0).
 */
void lg_proc_trust(int on);
/* lg_proc_self_open: open /proc/self/<name> (a plain file, not followed) with flags. */
int lg_proc_self_open(const char *name, int flags);
/*
 * lg_proc_self_readlink: the text of the link /proc/self/<name> ("ns/user") into buf, not
 * NUL-terminated, reached without crossing a mount, its last component included; the length, or
 * -errno (-ENOSYS: no way to read it that crosses no mount).
 */
long lg_proc_self_readlink(const char *name, char *buf, size_t size);

#endif
