/* lg_exec_check.h - what an exec would run: can LD_PRELOAD reach it, does it gain privileges? */
#ifndef LG_EXEC_CHECK_H
#define LG_EXEC_CHECK_H

#include <limits.h>
#include <stddef.h>

enum lg_exec_kind {
	LG_EXEC_PRELOADED =
	    0,		 /* a dynamic ELF of our class and machine (or the kernel's to refuse) */
	LG_EXEC_STATIC,	 /* an ELF without an interpreter: a preload never loads */
	LG_EXEC_FOREIGN, /* an ELF of another class or machine: the preload fails to load */
	LG_EXEC_OTHER_LOADER, /* PT_INTERP names another program than our dynamic loader */
	LG_EXEC_SETUID,	      /* secure-execution mode: the loader drops LD_PRELOAD */
};

struct lg_exec_verdict {
	enum lg_exec_kind kind;
	char program[PATH_MAX]; /* the file judged: the path, or a script's interpreter */
};

/*
 * lg_exec_inspect: open what execveat(dir_fd, path, ..., at_flags) would run (following "#!"
 * interpreters, a few levels deep) and judge it. A file that can not be opened or read is
 * judged LG_EXEC_PRELOADED: the exec itself will fail with the kernel's errno.
 * No allocation; usable in a vfork child. Never touches errno.
 * NOTE: the file can change between this look and the exec; that is a policy check against
 * binaries LD_PRELOAD can not reach, not a boundary (see README, limits).
 */
void lg_exec_inspect(int dir_fd, const char *path, int at_flags, struct lg_exec_verdict *v);

/* lg_exec_kind_text: a few words for a diagnostic ("a static binary", ...). */
const char *lg_exec_kind_text(enum lg_exec_kind kind);

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
