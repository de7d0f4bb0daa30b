/* lg_policy.h - the one decision: does a call run, run with a report (audit), or fail (deny)? */
#ifndef LG_POLICY_H
#define LG_POLICY_H

#include "lg_exec_check.h"

enum lg_mode {
	LG_MODE_ENFORCE = 0,
	LG_MODE_AUDIT, /* log what would be denied, and let it through */
};

/* The settings a decision rests on: the library's start-up configuration, or the launcher's
 * options for its own command. */
struct lg_policy {
	const char *broken; /* NULL, or why every call fails closed */
	int everything;	    /* a root is "/": nothing to confine */
	enum lg_mode mode;
	int allow_static;    /* LG_ENV_STATIC, --allow-static */
	int allow_setuid;    /* LG_ENV_SETUID, --allow-setuid */
	int allow_io_uring;  /* LG_ENV_IO_URING */
	int kernel_layer;    /* a kernel layer confines what the preload can not reach */
	int kernel_strict;   /* ... and entries made or removed outside the roots (strict) */
	const char *library; /* the preload a child loads, absolute; NULL: not checked */
	dev_t library_dev;   /* the library loaded now */
	ino_t library_ino;
	const char *allow_exec; /* LG_ENV_ALLOW_EXEC, --allow-exec: "DEV:INO,..." or NULL */
};

/* What was found about a call, before the policy says what happens to it. */
enum lg_finding {
	LG_FOUND_UNCHECKED = 0, /* nothing looked at yet */
	LG_FOUND_CONFINED,	/* every path inside a root; an exec that loads the library */
	LG_FOUND_ESCAPE,	/* a path the resolver refused */
	LG_FOUND_STATIC,     /* an exec LD_PRELOAD can not reach (static, foreign, other loader) */
	LG_FOUND_SETUID,     /* an exec in secure-execution mode: the loader drops the preload */
	LG_FOUND_UNJUDGED,   /* an exec whose program can not be inspected or judged */
	LG_FOUND_IO_URING,   /* io_uring_setup: its operations bypass the library */
	LG_FOUND_OWN_FILTER, /* the program's seccomp filter may answer for the kernel */
};

enum lg_decision {
	LG_DENY = 0, /* fail (EACCES, or ENOSYS for io_uring), with a report */
	LG_CHECK,    /* for LG_FOUND_UNCHECKED: look at the call, then decide on what was found */
	LG_ALLOW,    /* run, silently */
	LG_NOTE,     /* run, with a note: the kernel layer confines it */
	LG_AUDIT,    /* would be denied; the audit mode runs it, with a report */
};

/*
 * lg_decide: the decision for a finding. Starts from LG_DENY: a broken configuration denies
 * everything, and only a switch, the kernel layer or the audit mode lets a refusal run.
 */
enum lg_decision lg_decide(const struct lg_policy *p, enum lg_finding f);

/* lg_exec_finding: what an exec verdict means to the policy. */
enum lg_finding lg_exec_finding(enum lg_exec_kind kind);

/*
 * lg_exec_judge: the decision for execveat(dir_fd, path, argv, ..., at_flags): inspects the
 * program into *v (lg_exec_inspect) unless the policy decides without looking (v->program is
 * then empty); a program that would load the preload must find p->library to be the library
 * loaded now. No allocation; usable in a vfork child. Never touches errno.
 */
enum lg_decision lg_exec_judge(const struct lg_policy *p, int dir_fd, const char *path,
			       int at_flags, char *const argv[], struct lg_exec_verdict *v);

#endif
