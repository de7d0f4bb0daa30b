/* lg_resolve.h - the in-root path resolver: one API, two backends (openat2 and a portable walk). */
#ifndef LG_RESOLVE_H
#define LG_RESOLVE_H

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * The errnos linkguard chooses itself (every other errno is the kernel's).
 * EACCES, not EXDEV: mv(1) and many libraries answer EXDEV by copying the data out.
 */
#define LG_ERR_DENIED EACCES /* an escape, or a misconfiguration (fail closed) */

/* No trusted /proc: missing, or not the root of a procfs mount (see lg_proc_root). */
#define LG_ERR_NO_PROC ENOMEDIUM

#define LG_MAX_ROOTS   16 /* entries in LINKGUARD_ROOT */
#define LG_SYMLINK_MAX 40 /* symlinks followed per path, as Linux's MAXSYMLINKS */
#define LG_EAGAIN_MAX  16 /* openat2 retries while renames race with a ".." step; then the walk */

/* Why a path was denied; the shim turns it into words. */
enum lg_why {
	LG_WHY_NONE = 0,
	LG_WHY_OUTSIDE,	     /* the path never enters a root */
	LG_WHY_DOTDOT,	     /* ".." climbs out of the root it entered */
	LG_WHY_SYMLINK,	     /* a symlink points out of the roots */
	LG_WHY_ROOT_ENTRY,   /* the path names a root itself, whose entry is outside */
	LG_WHY_FD_OUTSIDE,   /* the descriptor's file does not live inside a root */
	LG_WHY_ROOT_CHANGED, /* the root directory was moved or replaced */
	LG_WHY_UNLOCATABLE,  /* the starting directory's place can not be read */
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
	char path[PATH_MAX];
	char canon[PATH_MAX];
};

struct lg_rootset {
	size_t count;
	enum lg_backend backend;
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
	size_t root; /* index of the root the path entered */
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
 * whatever its spelling), which confines nothing.
 */
int lg_rootset_is_everything(const struct lg_rootset *set);

/*
 * The work that the paths of one call share: the current directory's spelling, the roots'
 * validated descriptors, and the last parent directory opened (a link or rename within one
 * directory opens it once). Lives on the caller's stack for one call: an entry may borrow a
 * descriptor that an earlier entry of the scope owns, so close them together, after use.
 */
struct lg_scope {
	struct lg_rootset *set;
	long cwd_len;		   /* < 0: not read yet */
	int root_fd[LG_MAX_ROOTS]; /* validated in this scope; -1: not yet */
	size_t parent_root;
	long parent_len; /* < 0: none yet */
	int parent_fd;	 /* borrowed from the entry that opened it */
	char cwd[PATH_MAX];
	char parent[PATH_MAX];
};

/* lg_scope_init: a fresh scope over set. Never fails. */
void lg_scope_init(struct lg_scope *scope, struct lg_rootset *set);

/* lg_resolve_in: lg_resolve() within a scope (see struct lg_scope). */
int lg_resolve_in(struct lg_scope *scope, int start_fd, const char *unsafe_path, unsigned flags,
		  struct lg_entry *out);

/*
 * lg_resolve: find the entry that `unsafe_path`, taken from `start_fd` (a directory fd or
 * AT_FDCWD), names inside one of the roots.
 * Returns 0 and fills `out` (close it with lg_entry_close), or a negative errno:
 *   -LG_ERR_DENIED   an escape or a root that changed; out->why says which;
 *   -EFAULT          unsafe_path is NULL;
 *   -ENAMETOOLONG, -ENOENT (empty path), -EBADF, -ENOTDIR, -ELOOP, ... as the kernel gives.
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
 * lg_root_fd: the validated descriptor of root `i`, reopened by its canonical path when the
 * program closed or replaced it. Returns the fd, or -LG_ERR_DENIED when the directory at the
 * canonical path is no longer the root recorded at start-up. Never touches errno.
 */
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
/* lg_proc_self_stat: stat (following) the entry name of the directory sub ("self/ns"); 0. */
struct stat;
int lg_proc_self_stat(const char *sub, const char *name, struct stat *st);

#endif
