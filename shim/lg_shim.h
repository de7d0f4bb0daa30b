/* lg_shim.h - what the shim's files share: the configuration read at start-up, and reports. */
#ifndef LG_SHIM_H
#define LG_SHIM_H

#include "lg_resolve.h"

#define LG_DIAG_PREFIX "linkguard: "

enum lg_mode {
	LG_MODE_ENFORCE = 0,
	LG_MODE_AUDIT, /* log what would be denied, and let it through */
};

enum lg_log {
	LG_LOG_STDERR = 0,
	LG_LOG_NONE,
	LG_LOG_FILE, /* JSON lines appended to log_path */
};

typedef int (*lg_linkat_fn)(int, const char *, int, const char *, int);
typedef int (*lg_renameat2_fn)(int, const char *, int, const char *, unsigned int);

struct lg_config {
	const char *broken; /* NULL, or why every call fails closed */
	int everything;	    /* a root is "/": nothing to confine */
	enum lg_mode mode;
	enum lg_log log;
	char log_path[PATH_MAX];
	char broken_buf[PATH_MAX + 160];
	lg_linkat_fn real_linkat;
	lg_renameat2_fn real_renameat2;
	struct lg_rootset roots;
};

/*
 * lg_config: the configuration, read once from the environment (thread-safe; done by the
 * constructor so that vfork children never initialise). Never fails: a bad setting leaves
 * ->broken set. Never touches errno.
 */
struct lg_config *lg_config(void);

/* lg_real_syscall: libc's syscall(), for every number the shim does not handle. */
long lg_real_syscall(long nr, long a1, long a2, long a3, long a4, long a5, long a6);

/* One denied (or, in audit mode, allowed) call, as the report names it. */
struct lg_denial {
	const char *call;     /* "rename", "SYS_linkat", ... */
	const char *old_path; /* as given; may be NULL */
	const char *new_path;
	const char *culprit; /* the path that was refused (old_path or new_path), or NULL */
	int culprit_fd;	     /* the descriptor, for an empty path with AT_EMPTY_PATH */
	const struct lg_entry
	    *entry; /* why and which root; NULL when the configuration is broken */
};

/*
 * lg_report: write the one-line diagnostic (stderr) or JSON line (log file) for a denial, with
 * decision "deny" or, in audit mode, "audit". One write(2), no allocation, async-signal-safe.
 * Never touches errno.
 */
void lg_report(const struct lg_config *cfg, const struct lg_denial *d);

#endif
