/* lg_exec_check.h - what an exec would run: can LD_PRELOAD reach it, does it gain privileges? */
#ifndef LG_EXEC_CHECK_H
#define LG_EXEC_CHECK_H

#include <limits.h>
#include <stddef.h>
#include <sys/types.h>

enum lg_exec_kind {
	LG_EXEC_PRELOADED =
	    0,		 /* a dynamic ELF of our class and machine (or the kernel's to refuse) */
	LG_EXEC_STATIC,	 /* an ELF without an interpreter: a preload never loads */
	LG_EXEC_FOREIGN, /* an ELF of another class or machine: the preload fails to load */
	LG_EXEC_OTHER_LOADER, /* PT_INTERP names another program than our dynamic loader */
	LG_EXEC_SETUID,	      /* secure-execution mode: the loader drops LD_PRELOAD */
	LG_EXEC_UNREADABLE,   /* the file can not be inspected (err), yet the exec may work */
	LG_EXEC_UNKNOWABLE,   /* what runs depends on the child (file actions, loader options) */
	LG_EXEC_NO_LIBRARY,   /* the library the child would load is not the one loaded now */
};

/* lg_exec_inspect's at_flags: the exec runs in a posix_spawn child whose descriptors and directory
 * file actions change, so an interpreter it names must mean the same file there. */
#define LG_INSPECT_CHILD_VIEW 0x40000000

struct lg_exec_verdict {
	int child_view; /* set from LG_INSPECT_CHILD_VIEW */
	enum lg_exec_kind kind;
	int err;		/* LG_EXEC_UNREADABLE: the errno of the look */
	const char *why;	/* LG_EXEC_UNKNOWABLE: a few words */
	char program[PATH_MAX]; /* the file judged: the path, a script's interpreter, a client */
};

/*
 * lg_exec_inspect: open what execveat(dir_fd, path, argv, ..., at_flags) would run (following
 * "#!" interpreters, a few levels deep; for the dynamic loader run directly and for a valgrind
 * tool, the program named in argv, which may be NULL) and judge it, as the kernel will: set-ID
 * bits and file capabilities against this process's IDs. A file that can not be opened or read
 * is LG_EXEC_UNREADABLE, unless the exec fails anyway (ENOENT, ENOTDIR, ELOOP, ENAMETOOLONG, no
 * execute permission): then LG_EXEC_PRELOADED, and the kernel gives its errno.
 * No allocation; usable in a vfork child. Never touches errno.
 * NOTE: the file can change between this look and the exec; that is a policy check against
 * binaries LD_PRELOAD can not reach, not a boundary (see README, limits).
 */
void lg_exec_inspect(int dir_fd, const char *path, int at_flags, char *const argv[],
		     struct lg_exec_verdict *v);

/*
 * lg_exec_through_proc: whether path reaches its file through a /proc magic link
 * (/proc/self/fd/N, /dev/fd/N, /proc/self/cwd/..., or a symlink to one): its meaning is the
 * process's, which posix_spawn file actions change in the child. Never touches errno.
 */
int lg_exec_through_proc(const char *path);

/*
 * lg_same_file_as: whether path (as this process resolves it now, after any chroot) is the file
 * dev/ino. Never touches errno.
 */
int lg_same_file_as(const char *path, dev_t dev, ino_t ino);

/*
 * lg_mapped_file: the device and inode of the file mapped at addr in this process, read from
 * /proc/self/maps; 0, or -1 when it can not be read. No allocation. Never touches errno.
 */
int lg_mapped_file(const void *addr, dev_t *dev, ino_t *ino);

/* lg_no_new_privs: whether this process has no_new_privs set. Never touches errno on success. */
int lg_no_new_privs(void);

/* lg_exec_kind_text: a few words for a diagnostic ("a static binary", ...). */
const char *lg_exec_kind_text(enum lg_exec_kind kind);

/* lg_exec_detail: what more a diagnostic says after them: " (EMFILE)", ": why", or "". out holds
 * LG_EXEC_DETAIL_MAX bytes. */
#define LG_EXEC_DETAIL_MAX 160
void lg_exec_detail(const struct lg_exec_verdict *v, char *out, size_t size);

/*
 * lg_preload_names: whether an LD_PRELOAD value (entries split by ':' or ' ') names lib, spelled
 * exactly so. Never touches errno.
 */
int lg_preload_names(const char *value, const char *lib);

/*
 * lg_preload_with: "<prefix><value with lib in it>" into buf (size bytes): lib goes first, after
 * a leading sanitizer runtime, which must stay the first preload or it refuses to start.
 * Returns buf. No allocation; usable in a vfork child.
 */
char *lg_preload_with(const char *prefix, const char *value, const char *lib, char *buf,
		      size_t size);

#endif
