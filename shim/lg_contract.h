/* lg_contract.h - what the launcher and the library agree on: variable names, limits, PATH. */
#ifndef LG_CONTRACT_H
#define LG_CONTRACT_H

#include <stddef.h>

#include "lg_resolve.h" /* LG_MAX_ROOTS: the entries LINKGUARD_ROOT may hold */

/* The environment the launcher sets and the library reads once, at start-up. */
#define LG_ENV_PREFIX	  "LINKGUARD_" /* every setting; an exec passes the start-up ones on */
#define LG_ENV_PREFIX_LEN (sizeof(LG_ENV_PREFIX) - 1)
#define LG_ENV_ROOT	  "LINKGUARD_ROOT"	/* absolute directories, LG_ROOT_SEP between */
#define LG_ENV_MODE	  "LINKGUARD_MODE"	/* "enforce" (default) or "audit" */
#define LG_ENV_LOG	  "LINKGUARD_LOG"	/* "stderr" (default), "none" or an absolute file */
#define LG_ENV_RESOLVER	  "LINKGUARD_RESOLVER"	/* "auto", "openat2" or "walk" */
#define LG_ENV_STATIC	  "LINKGUARD_STATIC"	/* "allow": run what LD_PRELOAD misses */
#define LG_ENV_SETUID	  "LINKGUARD_SETUID"	/* "allow": run secure-execution programs */
#define LG_ENV_IO_URING	  "LINKGUARD_IO_URING"	/* "allow": io_uring_setup passes */
#define LG_ENV_KERNEL	  "LINKGUARD_KERNEL"	/* set by the launcher's kernel layer */
#define LG_ENV_REPORT_FD  "LINKGUARD_REPORT_FD" /* the launcher's report pipe: a number */
#define LG_ENV_ALLOW_EXEC "LINKGUARD_ALLOW_EXEC" /* --allow-exec: "DEV:INO,..." */
#define LG_ENV_USERNS	  "LINKGUARD_USERNS"	 /* set by the exec gate: "user:[N]" */
#define LG_ALLOW_VALUE	  "allow"

#define LG_ROOT_SEP	':'
#define LG_ROOT_SEP_STR ":"

#define LG_STRINGIFY_(x) #x
#define LG_STRINGIFY(x)	 LG_STRINGIFY_(x) /* a limit in a message: "16" for LG_MAX_ROOTS */

/* The preload entry every exec must keep. */
#define LG_ENV_PRELOAD	     "LD_PRELOAD"
#define LG_PRELOAD_ENTRY     "LD_PRELOAD="
#define LG_PRELOAD_ENTRY_LEN (sizeof(LG_PRELOAD_ENTRY) - 1)

/* Auditor modules get a libc of their own, out of the library's reach: never passed on. */
#define LG_ENV_AUDIT	   "LD_AUDIT"
#define LG_AUDIT_ENTRY	   "LD_AUDIT="
#define LG_AUDIT_ENTRY_LEN (sizeof(LG_AUDIT_ENTRY) - 1)

/* execvp()'s search path when PATH is unset (glibc's default). */
#define LG_DEFAULT_PATH "/bin:/usr/bin"

/*
 * lg_find_program: the file execvp() would run for file: file itself when it is empty or holds
 * a '/', else the first executable regular file along PATH (an empty entry is the current
 * directory), written to buf (size bytes); file when none is found. No allocation; usable in a
 * vfork child. May change errno.
 */
const char *lg_find_program(const char *file, char *buf, size_t size);

/*
 * lg_write_all: write all of buf to fd, again after a short write or EINTR; gives up silently on
 * an error (a failing log must never fail the call that is reported). Async-signal-safe. May
 * change errno.
 */
void lg_write_all(int fd, const char *buf, size_t len);

/* lg_entry_named: whether an environment entry is "name=...". */
int lg_entry_named(const char *entry, const char *name);

#endif
