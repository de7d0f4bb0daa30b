/* lg_shim.h - what the shim's files share: the configuration read at start-up, and reports. */
#ifndef LG_SHIM_H
#define LG_SHIM_H

#include <spawn.h>
#include <stdio.h>

#include "lg_contract.h"
#include "lg_policy.h"
#include "lg_resolve.h"

#define LG_DIAG_PREFIX "linkguard: "

/* A refusal's reason in words: a path (or a program's) and the sentence around it. */
#define LG_REASON_MAX (PATH_MAX + 512)

enum lg_log {
	LG_LOG_STDERR = 0,
	LG_LOG_NONE,
	LG_LOG_FILE, /* JSON lines appended to log_path */
};

typedef int (*lg_linkat_fn)(int, const char *, int, const char *, int);
typedef int (*lg_renameat2_fn)(int, const char *, int, const char *, unsigned int);
typedef int (*lg_execve_fn)(const char *, char *const[], char *const[]);
typedef int (*lg_execveat_fn)(int, const char *, char *const[], char *const[], int);
typedef int (*lg_fexecve_fn)(int, char *const[], char *const[]);
typedef int (*lg_spawn_fn)(pid_t *, const char *, const posix_spawn_file_actions_t *,
			   const posix_spawnattr_t *, char *const[], char *const[]);
typedef int (*lg_system_fn)(const char *);
typedef FILE *(*lg_popen_fn)(const char *, const char *);

#define LG_MAX_STARTUP_VARS 32
#define LG_STARTUP_POOL	    (LG_MAX_ROOTS * PATH_MAX + 4 * PATH_MAX)

/*
 * Its small fields come first and its big buffers last, those a start never writes at the end:
 * each page of it a start touches is a page fault (zero-filled) in every process.
 */
struct lg_config {
	struct lg_policy policy; /* what lets a call through (lg_decide) */
	enum lg_log log;
	lg_linkat_fn real_linkat;
	lg_renameat2_fn real_renameat2;
	lg_execve_fn real_execve;
	lg_execveat_fn real_execveat;
	lg_fexecve_fn real_fexecve; /* the others: lg_real_lazy */

	/* LG_ENV_REPORT_FD: the launcher's pipe, which gets one JSON record per denial; -1 when
	 * there is none. Its identity, so that a descriptor the program put there instead is left
	 * alone. */
	int report_fd;
	dev_t report_dev;
	ino_t report_ino;

	/* What every exec passes on, as read at start-up: a confined program can not change it. */
	size_t startup_count;
	const char *startup_vars[LG_MAX_STARTUP_VARS]; /* "LINKGUARD_...=value" */
	size_t startup_name_len[LG_MAX_STARTUP_VARS];  /* of each one's name, before its '=' */
	const char *startup_preload;		       /* "LD_PRELOAD=...", or NULL */
	int library_state; /* its identity, looked up at the first exec (lg_exec_policy) */
	dev_t library_dev;
	ino_t library_ino;

	/* The user namespace this process started in, "user:[N]" (lg_userns.c), and the entry
	 * that hands it to every child: LG_ENV_USERNS "=user:[N]", or "" when unknown. */
	char userns[48];
	char userns_entry[sizeof(LG_ENV_USERNS) + 48];

	char startup_pool[LG_STARTUP_POOL]; /* its start shares the small fields' page */
	struct lg_rootset roots;
	char self_path[PATH_MAX]; /* this library, absolute; "" if unknown */
	char log_path[PATH_MAX];
	char broken_buf[PATH_MAX + 160];
};

/*
 * lg_config: the configuration, read once from the environment the process started with
 * (/proc/self/environ: thread-safe; done by the constructor so that vfork children never
 * initialise). Never fails: a bad setting, or no trusted /proc, leaves ->policy.broken set. Never
 * touches errno.
 */
struct lg_config *lg_config(void);

/*
 * lg_exec_policy: the policy an exec is judged by, in *own: lg_config()->policy with the identity
 * of the library loaded now (looked up once, at the first exec). Async-signal-safe, no lock, no
 * allocation: usable in a vfork child. Never touches errno.
 */
const struct lg_policy *lg_exec_policy(struct lg_policy *own);

/* The forwards looked up at their first use (lg_real_lazy). */
enum lg_lazy {
	LG_LAZY_EXECVPE,
	LG_LAZY_POSIX_SPAWN,
	LG_LAZY_POSIX_SPAWNP,
	LG_LAZY_SYSTEM,
	LG_LAZY_POPEN,
	LG_LAZY_UNSHARE,
	LG_LAZY_SETNS,
	LG_LAZY_CLONE,
	LG_LAZY_COUNT,
};

/*
 * lg_real_lazy: libc's function for a forward POSIX does not make async-signal-safe (execvp's
 * search, the spawners, system, popen), looked up at its first use and kept: most processes
 * never call one, and a lookup costs every start-up a microsecond or more. The async-signal-safe
 * ones (linkat, renameat2, execve, execveat, fexecve) are looked up at load, as a signal handler
 * may make the first call. NULL when libc has none. Never touches errno.
 */
void *lg_real_lazy(enum lg_lazy which);

/*
 * lg_start_auxv: the value of an auxiliary vector entry (AT_BASE, AT_EXECFN, ...) as the kernel
 * laid it out on the initial stack, found through the environment glibc hands the constructor;
 * 0 before the constructor ran, or where the C library hands it nothing. No system call.
 * lg_auxv: the same, else from the trusted /proc (0 when it can not be read). Not getauxval():
 * a program may define its own.
 */
unsigned long lg_start_auxv(unsigned long type);
unsigned long lg_auxv(unsigned long type);
/* lg_kernel_auxv: the kernel's own copy, from the trusted /proc (the dynamic loader run as a
 * program rewrites the stack's AT_PHDR for that program). */
unsigned long lg_kernel_auxv(unsigned long type);

/*
 * lg_libc_function: libc's own definition of function name, found from the loader the kernel
 * mapped, never the program's (which the global scope would give); NULL when libc could not be
 * found so. Not async-signal-safe the first time (it may read /proc).
 */
void *lg_libc_function(const char *name);

/* lg_errno_name: an errno's name (libc's strerrorname_np, found so), or NULL. */
const char *lg_errno_name(int err);

/* lg_loader_path: the path of the dynamic loader this process runs under, by libc's own dladdr
 * of AT_BASE; NULL when either can not be found so (the exec gate then trusts no interpreter). */
const char *lg_loader_path(void);

/* lg_dl_next: dlsym(RTLD_NEXT, name) as this library asks it, past its own dlsym wrapper. */
void *lg_dl_next(const char *name);

/* lg_real_syscall: libc's syscall(), for every number the shim does not handle. */
long lg_real_syscall(long nr, long a1, long a2, long a3, long a4, long a5, long a6);

/* One call the policy did not let through silently, as the report names it. */
struct lg_denial {
	const char *call;     /* "rename", "SYS_linkat", ... */
	const char *old_path; /* as given; may be NULL */
	const char *new_path; /* NULL for a call of one path (exec) */
	const char *culprit;  /* the path that was refused (old_path or new_path), or NULL */
	int culprit_fd;	      /* the descriptor, for an empty path with AT_EMPTY_PATH */
	/* Why: the resolver's entry, or the reason in words; both NULL: the broken setting. */
	const struct lg_entry *entry;
	const char *reason;
	enum lg_decision decision; /* LG_DENY, or LG_AUDIT: it runs and is reported as "audit" */
};

/*
 * lg_report: write the one-line diagnostic (stderr) or JSON line (log file) for a denial, with
 * decision "deny" or "audit" (d->decision). One write(2), no allocation, async-signal-safe.
 * Never touches errno.
 */
void lg_report(const struct lg_config *cfg, const struct lg_denial *d);

/*
 * lg_report_channel: take the launcher's report pipe from LG_ENV_REPORT_FD's value (NULL:
 * none). Returns 0, or -1 when the value is not a descriptor number. A number that is not
 * (or no longer) the write end of a pipe is no channel: reports fall back to cfg->log.
 */
int lg_report_channel(struct lg_config *cfg, const char *value);

/* lg_note: "linkguard: note: TEXT" on stderr, unless the log is "none". Never touches errno. */
void lg_note(const struct lg_config *cfg, const char *text);

/*
 * lg_refuse_exec: the exec gate. Returns 0 when the program may run (it will load the shim, or a
 * switch or the kernel layer covers it), or -LG_ERR_DENIED after reporting. The audit mode
 * reports and returns 0. dir_fd/path/argv/at_flags as execveat(2); argv may be NULL (then the
 * dynamic loader or a valgrind tool is judged as a static program). Never touches errno.
 */
int lg_refuse_exec(const char *call, int dir_fd, const char *path, int at_flags,
		   char *const argv[]);

/*
 * lg_guarded_execve, lg_guarded_execveat: execve/execveat with the exec gate and the repaired
 * environment; as the libc calls, -1 and errno on failure. For the exec wrappers and for
 * syscall(SYS_execve) and syscall(SYS_execveat).
 */
int lg_guarded_execve(const char *call, const char *path, char *const argv[], char *const envp[]);
int lg_guarded_execveat(const char *call, int dir_fd, const char *path, char *const argv[],
			char *const envp[], int flags);

/*
 * lg_userns_record: note the user namespace this process started in: the one its confined parent
 * started in (inherited: LG_ENV_USERNS as the parent's exec gate set it, which checked that the
 * parent still ran there), or else as /proc tells. For read_config.
 */
void lg_userns_record(struct lg_config *cfg, const char *inherited);

/*
 * lg_refuse_userns: in a user namespace other than the one this process started in (every exec
 * from a namespace created under the confinement is refused, so no confined process starts in
 * one), on a kernel with a
 * binfmt_misc of each user namespace (Linux 6.7), a handler the exec gate can not see may run
 * any program with an interpreter of its choice: refuse the exec (reported; 0 when allowed, in
 * audit mode, or under the kernel layer; else -LG_ERR_DENIED). Never touches errno.
 */
int lg_refuse_userns(const char *call, const char *path);

/*
 * lg_userns_note_syscall: system call nr with arguments a is about to be made through syscall();
 * if it may move the process (or a child sharing its memory) to another user namespace, every
 * exec from now on looks at /proc again, as after libc's unshare, setns and clone (lg_userns.c
 * wraps those). Async-signal-safe.
 */
void lg_userns_note_syscall(long nr, const long *a);

/*
 * lg_own_filter: whether the program installed a seccomp filter through libc (lg_seccomp.c), or
 * is installing one now: the kernel's answers to the library may then be the program's.
 * lg_installs_filter: whether system call nr with arguments a installs one; lg_install_filter
 * makes it, counted (libc's convention: -1 and errno). lg_refuse_own_filter: 0 when the call may
 * go on (no such filter; the kernel layer; audit mode, reported), else -LG_ERR_DENIED, reported.
 * new_path is NULL for an exec. Async-signal-safe; never touches errno.
 */
int lg_own_filter(void);
int lg_installs_filter(long nr, const long *a);
long lg_install_filter(long nr, const long *a);
int lg_refuse_own_filter(const char *call, const char *old_path, const char *new_path);

#endif
