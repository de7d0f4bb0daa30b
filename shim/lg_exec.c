/* lg_exec.c - stay confined across exec: pass the start-up settings on, refuse what can't load us.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lg_exec_check.h"
#include "lg_shim.h"

#define LG_EXPORT __attribute__((visibility("default")))

/* The program's environment: bound as libc's own references to it are (the program's copy of
 * it, when the program refers to it itself), so that it is the one libc's setenv() changes. */
extern char **environ;

/*
 * A program's environment, repaired: every LINKGUARD_* entry replaced by the start-up ones, and
 * this library kept in LD_PRELOAD. Lives in its own mapping: exec wrappers may run in a vfork
 * child, where malloc is not safe.
 */
struct fixed_env {
	char **envp;
	void *map;
	size_t map_len;
	int pooled; /* map is a scratch area of the pool, not a mapping of its own */
};

/* Whether an LD_PRELOAD value already names this library. */
static int preload_has_us(const struct lg_config *cfg, const char *value)
{
	return lg_preload_names(value, cfg->self_path);
}

/* "LD_PRELOAD=" and old with this library in it, into buf, which holds size bytes. */
static char *preload_with_us(const struct lg_config *cfg, const char *old, char *buf, size_t size)
{
	return lg_preload_with(LG_PRELOAD_ENTRY, old, cfg->self_path, buf, size);
}

static size_t count(char *const list[])
{
	size_t n = 0;

	while (list && list[n])
		n++;
	return n;
}

/* The start-up LD_PRELOAD when it names us (keeps a sanitizer runtime first), else just us. */
static char *startup_preload(const struct lg_config *cfg, char *buf, size_t size)
{
	if (cfg->startup_preload &&
	    preload_has_us(cfg, cfg->startup_preload + LG_PRELOAD_ENTRY_LEN))
		return (char *)cfg->startup_preload;
	return preload_with_us(cfg, NULL, buf, size);
}

/* Where a rewritten LD_PRELOAD entry goes: each gets its own room in the mapping's text part. */
static char *repaired_preload(const struct lg_config *cfg, const char *value, char **text,
			      char *end)
{
	char *entry = *text;

	/* Empty means missing: the start-up value keeps a sanitizer runtime in front. */
	if (*value == '\0')
		entry = startup_preload(cfg, entry, (size_t)(end - entry));
	else
		preload_with_us(cfg, value, entry, (size_t)(end - entry));
	if (entry == *text)
		*text += strlen(entry) + 1;
	return entry;
}

/* LD_AUDIT modules get a libc of their own, out of the library's reach: the child runs without. */
static void drop_audit(const struct lg_config *cfg)
{
	lg_note(cfg, "LD_AUDIT removed from a child's environment: an auditor module runs with a "
		     "libc of its own, out of linkguard's reach");
}

/*
 * The settings every child gets, into out (room for LG_CHILD_SETTINGS): those the process
 * started with, the user namespace as this process knows it in place of any start-up one.
 * Their count.
 */
#define LG_CHILD_SETTINGS (LG_MAX_STARTUP_VARS + 1)
static size_t child_settings(const struct lg_config *cfg, const char **out)
{
	size_t k = 0;

	for (size_t i = 0; i < cfg->startup_count; i++)
		if (!lg_entry_named(cfg->startup_vars[i], LG_ENV_USERNS))
			out[k++] = cfg->startup_vars[i];
	if (cfg->userns_entry[0])
		out[k++] = cfg->userns_entry;
	return k;
}

/* Room a rewritten LD_PRELOAD entry needs beyond the old one: this library's path, separators. */
#define LG_PRELOAD_ROOM (PATH_MAX + 16)

/*
 * Room for out->map_len bytes. A spawn, which returns to this process, takes it from the scratch
 * pool (mapped once, no page to fault in again); an exec keeps a mapping of its own, which it
 * never gives back when it succeeds, least of all from a vfork child, whose pool is its parent's.
 */
static int take_env_room(struct fixed_env *out)
{
	if (out->pooled && out->map_len <= LG_SCRATCH_MIN) {
		out->map = lg_scratch_take();
		if (out->map != NULL)
			return 0;
	}
	out->pooled = 0;
	out->map =
	    mmap(NULL, out->map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return out->map == MAP_FAILED ? -1 : 0;
}

/* Whether entry may be one fix_env changes: they all start with 'L' (LD_PRELOAD=, LD_AUDIT=,
 * LINKGUARD_), and a build's environment has dozens of others, at every spawn. */
static int may_be_ours(const char *entry)
{
	return entry[0] == 'L';
}

static int fix_env(const struct lg_config *cfg, char *const envp[], struct fixed_env *out)
{
	size_t n = count(envp), k = 0, text_room = LG_PRELOAD_ROOM;
	int preload_seen = 0;
	char *text;

	for (size_t i = 0; i < n; i++)
		if (may_be_ours(envp[i]) &&
		    strncmp(envp[i], LG_PRELOAD_ENTRY, LG_PRELOAD_ENTRY_LEN) == 0)
			text_room += strlen(envp[i]) + LG_PRELOAD_ROOM;
	out->map_len = (n + cfg->startup_count + 3) * sizeof(char *) + text_room;
	if (take_env_room(out) != 0)
		return -ENOMEM;
	out->envp = out->map;
	text = (char *)(out->envp + n + cfg->startup_count + 3);
	for (size_t i = 0; i < n; i++) {
		if (!may_be_ours(envp[i])) {
			out->envp[k++] = envp[i];
			continue;
		}
		if (strncmp(envp[i], LG_ENV_PREFIX, LG_ENV_PREFIX_LEN) == 0)
			continue;
		if (strncmp(envp[i], LG_AUDIT_ENTRY, LG_AUDIT_ENTRY_LEN) == 0) {
			drop_audit(cfg);
			continue;
		}
		if (strncmp(envp[i], LG_PRELOAD_ENTRY, LG_PRELOAD_ENTRY_LEN) == 0) {
			preload_seen = 1;
			if (!preload_has_us(cfg, envp[i] + LG_PRELOAD_ENTRY_LEN)) {
				out->envp[k++] =
				    repaired_preload(cfg, envp[i] + LG_PRELOAD_ENTRY_LEN, &text,
						     (char *)out->map + out->map_len);
				continue;
			}
		}
		out->envp[k++] = envp[i];
	}
	if (!preload_seen)
		out->envp[k++] = repaired_preload(cfg, "", &text, (char *)out->map + out->map_len);
	k += child_settings(cfg, (const char **)out->envp + k);
	out->envp[k] = NULL;
	return 0;
}

static void release_env(struct fixed_env *env)
{
	int saved = errno;

	if (env->pooled)
		lg_scratch_give(env->map);
	else
		munmap(env->map, env->map_len);
	errno = saved;
}

/*
 * Report an exec the policy did not let run (decision LG_DENY or LG_AUDIT); returns 0 when the
 * audit mode runs it, else -LG_ERR_DENIED.
 */
static int refuse_exec(const char *call, int dir_fd, const char *path, enum lg_decision decision,
		       const char *reason)
{
	struct lg_denial d = {call, path, NULL, path, dir_fd, NULL, reason, decision};

	lg_report(lg_config(), &d);
	return decision == LG_AUDIT ? 0 : -LG_ERR_DENIED;
}

/* Why a program was refused, and how to allow it. */
static void exec_refusal_text(const struct lg_config *cfg, const struct lg_exec_verdict *v,
			      char *out, size_t size)
{
	int setuid = v->kind == LG_EXEC_SETUID;
	char detail[LG_EXEC_DETAIL_MAX];

	if (cfg->policy.broken) {
		snprintf(out, size, "%s", cfg->policy.broken);
		return;
	}
	lg_exec_detail(v, detail, sizeof(detail));
	snprintf(
	    out, size,
	    "\"%s\" is %s%s, which LD_PRELOAD can not confine; allow it with %s=" LG_ALLOW_VALUE
	    " (linkguard %s) or confine it with linkguard --kernel",
	    v->program, lg_exec_kind_text(v->kind), detail, setuid ? LG_ENV_SETUID : LG_ENV_STATIC,
	    setuid ? "--allow-setuid" : "--allow-static");
}

/* The gate's answer to a decision about v: run (0), with a note, or refused and reported. */
static int exec_answer(const char *call, int dir_fd, const char *path, enum lg_decision d,
		       const struct lg_exec_verdict *v)
{
	struct lg_config *cfg = lg_config();
	char reason[LG_REASON_MAX], detail[LG_EXEC_DETAIL_MAX];

	if (d == LG_ALLOW)
		return 0;
	if (d == LG_NOTE) {
		lg_exec_detail(v, detail, sizeof(detail));
		snprintf(reason, sizeof(reason),
			 "%s(\"%s\"): %s%s is not preloaded; kernel layer in force", call,
			 v->program, lg_exec_kind_text(v->kind), detail);
		lg_note(cfg, reason);
		return 0;
	}
	exec_refusal_text(cfg, v, reason, sizeof(reason));
	return refuse_exec(call, dir_fd, path, d, reason);
}

int lg_refuse_exec(const char *call, int dir_fd, const char *path, int at_flags, char *const argv[])
{
	struct lg_exec_verdict v;
	struct lg_policy policy;
	enum lg_decision d =
	    lg_exec_judge(lg_exec_policy(&policy), dir_fd, path, at_flags, argv, &v);

	return exec_answer(call, dir_fd, path, d, &v);
}

/*
 * Refuse what can not load the shim, then repair the environment it will get. The program's own
 * seccomp filter is asked about last: it is counted before it is installed, so a filter that
 * answered any look before is seen.
 */
static int prepare(const char *call, int dir_fd, const char *checked, int at_flags,
		   char *const argv[], char *const envp[], struct fixed_env *env)
{
	int r = lg_refuse_userns(call, checked);

	if (r == 0)
		r = lg_refuse_exec(call, dir_fd, checked, at_flags, argv);
	if (r == 0)
		r = lg_refuse_own_filter(call, checked, NULL);
	return r != 0 ? r : fix_env(lg_config(), envp, env);
}

/* The same for the shell system() and popen() start: its namespace, then the filter. */
static int refuse_shell(const char *call)
{
	int r = lg_refuse_userns(call, "/bin/sh");

	return r != 0 ? r : lg_refuse_own_filter(call, "/bin/sh", NULL);
}

static int fail(int r)
{
	errno = lg_libc_errno(r);
	return -1;
}

/* One exec of the family, as the program asked for it. */
enum exec_via { VIA_EXECVE, VIA_EXECVPE, VIA_EXECVEAT, VIA_FEXECVE };

struct exec_call {
	const char *call;    /* its name, for the reports */
	enum exec_via via;   /* which real function runs it */
	int dir_fd;	     /* execveat's directory, fexecve's program; else AT_FDCWD */
	const char *path;    /* as given */
	const char *checked; /* the program the gate looks at (execvpe: found on PATH) */
	int flags;	     /* execveat's */
	char *const *argv;
	char *const *envp;
};

static int real_exec(const struct exec_call *c, char *const envp[])
{
	const struct lg_config *cfg = lg_config();

	switch (c->via) {
	case VIA_EXECVE:
		return cfg->real_execve(c->path, c->argv, envp);
	case VIA_EXECVPE: {
		lg_execve_fn execvpe_fn = (lg_execve_fn)lg_real_lazy(LG_LAZY_EXECVPE);

		if (execvpe_fn == NULL) {
			errno = ENOSYS;
			return -1;
		}
		return execvpe_fn(c->path, c->argv, envp);
	}
	case VIA_EXECVEAT:
		return cfg->real_execveat(c->dir_fd, c->path, c->argv, envp, c->flags);
	default:
		return cfg->real_fexecve(c->dir_fd, c->argv, envp);
	}
}

/* The gate, then the real call with the repaired environment; errno as the real call sets it. */
static int guarded_exec(const struct exec_call *c)
{
	struct fixed_env env = {.pooled = 0};
	int saved = errno;
	int r = prepare(c->call, c->dir_fd, c->checked, c->flags & AT_EMPTY_PATH, c->argv, c->envp,
			&env);

	if (r != 0)
		return fail(r);
	errno = saved;
	r = real_exec(c, env.envp);
	release_env(&env);
	return r;
}

int lg_guarded_execve(const char *call, const char *path, char *const argv[], char *const envp[])
{
	const struct exec_call c = {call, VIA_EXECVE, AT_FDCWD, path, path, 0, argv, envp};

	return guarded_exec(&c);
}

static int guarded_execvpe(const char *call, const char *file, char *const argv[],
			   char *const envp[])
{
	char found[PATH_MAX];
	const struct exec_call c = {.call = call,
				    .via = VIA_EXECVPE,
				    .dir_fd = AT_FDCWD,
				    .path = file,
				    .checked = lg_find_program(file, found, sizeof(found)),
				    .argv = argv,
				    .envp = envp};

	return guarded_exec(&c);
}

LG_EXPORT int execve(const char *path, char *const argv[], char *const envp[])
{
	return lg_guarded_execve("execve", path, argv, envp);
}

LG_EXPORT int execv(const char *path, char *const argv[])
{
	return lg_guarded_execve("execv", path, argv, environ);
}

LG_EXPORT int execvpe(const char *file, char *const argv[], char *const envp[])
{
	return guarded_execvpe("execvpe", file, argv, envp);
}

LG_EXPORT int execvp(const char *file, char *const argv[])
{
	return guarded_execvpe("execvp", file, argv, environ);
}

int lg_guarded_execveat(const char *call, int dir_fd, const char *path, char *const argv[],
			char *const envp[], int flags)
{
	const struct exec_call c = {call, VIA_EXECVEAT, dir_fd, path, path, flags, argv, envp};

	return guarded_exec(&c);
}

LG_EXPORT int execveat(int dir_fd, const char *path, char *const argv[], char *const envp[],
		       int flags)
{
	return lg_guarded_execveat("execveat", dir_fd, path, argv, envp, flags);
}

LG_EXPORT int fexecve(int fd, char *const argv[], char *const envp[])
{
	const struct exec_call c = {"fexecve", VIA_FEXECVE, fd, "", "", AT_EMPTY_PATH, argv, envp};

	return guarded_exec(&c);
}

/* execl and kin: their arguments gathered into a vector (mapped: no malloc in a vfork child). */
struct arg_vector {
	char **argv;
	char *const *envp;
	size_t map_len;
};

static int gather(struct arg_vector *v, const char *arg0, va_list ap, int with_envp)
{
	va_list count_ap;
	size_t n = 1;

	va_copy(count_ap, ap);
	while (va_arg(count_ap, char *) != NULL)
		n++;
	va_end(count_ap);
	v->map_len = (n + 1) * sizeof(char *);
	v->argv =
	    mmap(NULL, v->map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (v->argv == MAP_FAILED)
		return -ENOMEM;
	v->argv[0] = (char *)arg0;
	for (size_t i = 1; i <= n; i++)
		v->argv[i] = i < n ? va_arg(ap, char *) : NULL;
	(void)va_arg(ap, char *); /* the terminating NULL */
	v->envp = with_envp ? va_arg(ap, char *const *) : environ;
	return 0;
}

static int release_args(struct arg_vector *v, int r)
{
	int saved = errno;

	munmap(v->argv, v->map_len);
	errno = saved;
	return r;
}

/* execl, execle and execlp: the vector, then the exec (execlp searches PATH). */
static int exec_list(const char *call, const char *file, const char *arg, va_list ap, int with_envp,
		     int search)
{
	struct arg_vector v;
	int r = gather(&v, arg, ap, with_envp);

	if (r != 0)
		return fail(r);
	r = search ? guarded_execvpe(call, file, v.argv, v.envp)
		   : lg_guarded_execve(call, file, v.argv, v.envp);
	return release_args(&v, r);
}

/* The body of execl, execle and execlp: a variadic function can not pass its "..." on. */
#define LG_EXEC_LIST(call, file, arg, with_envp, search)                                           \
	do {                                                                                       \
		va_list ap;                                                                        \
		int r;                                                                             \
                                                                                                   \
		va_start(ap, arg);                                                                 \
		r = exec_list(call, file, arg, ap, with_envp, search);                             \
		va_end(ap);                                                                        \
		return r;                                                                          \
	} while (0)

LG_EXPORT int execl(const char *path, const char *arg, ...)
{
	LG_EXEC_LIST("execl", path, arg, 0, 0);
}

LG_EXPORT int execle(const char *path, const char *arg, ...)
{
	LG_EXEC_LIST("execle", path, arg, 1, 0);
}

LG_EXPORT int execlp(const char *file, const char *arg, ...)
{
	LG_EXEC_LIST("execlp", file, arg, 0, 1);
}

/*
 * posix_spawn file actions that change directory (glibc's addchdir_np, addfchdir_np) run in the
 * child before its exec: a relative program path is then found from a directory we never see.
 * Remember which action lists have one; a full table counts as "every list may have one".
 */
#define LG_CHDIR_LISTS 64
static const posix_spawn_file_actions_t *chdir_lists[LG_CHDIR_LISTS];
static int chdir_lists_full;

static void remember_chdir(const posix_spawn_file_actions_t *actions)
{
	for (size_t i = 0; i < LG_CHDIR_LISTS; i++) {
		const posix_spawn_file_actions_t *expected = NULL;

		if (__atomic_load_n(&chdir_lists[i], __ATOMIC_ACQUIRE) == actions ||
		    __atomic_compare_exchange_n(&chdir_lists[i], &expected, actions, 0,
						__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			return;
	}
	__atomic_store_n(&chdir_lists_full, 1, __ATOMIC_RELEASE);
}

static void forget_chdir(const posix_spawn_file_actions_t *actions)
{
	for (size_t i = 0; i < LG_CHDIR_LISTS; i++) {
		const posix_spawn_file_actions_t *expected = actions;

		__atomic_compare_exchange_n(&chdir_lists[i], &expected, NULL, 0, __ATOMIC_ACQ_REL,
					    __ATOMIC_ACQUIRE);
	}
}

static int may_chdir(const posix_spawn_file_actions_t *actions)
{
	if (actions == NULL)
		return 0;
	if (__atomic_load_n(&chdir_lists_full, __ATOMIC_ACQUIRE))
		return 1;
	for (size_t i = 0; i < LG_CHDIR_LISTS; i++)
		if (__atomic_load_n(&chdir_lists[i], __ATOMIC_ACQUIRE) == actions)
			return 1;
	return 0;
}

typedef int (*lg_addchdir_fn)(posix_spawn_file_actions_t *, const char *);
typedef int (*lg_addfchdir_fn)(posix_spawn_file_actions_t *, int);
typedef int (*lg_destroy_fn)(posix_spawn_file_actions_t *);

/* A chdir action the real function took makes the actions change the child's view. */
static int remembered(posix_spawn_file_actions_t *actions, int r)
{
	if (r == 0)
		remember_chdir(actions);
	return r;
}

LG_EXPORT int posix_spawn_file_actions_addchdir_np(posix_spawn_file_actions_t *actions,
						   const char *path)
{
	lg_addchdir_fn real_add =
	    (lg_addchdir_fn)lg_dl_next("posix_spawn_file_actions_addchdir_np");

	return remembered(actions, real_add ? real_add(actions, path) : ENOSYS);
}

LG_EXPORT int posix_spawn_file_actions_addfchdir_np(posix_spawn_file_actions_t *actions, int fd)
{
	lg_addfchdir_fn real_add =
	    (lg_addfchdir_fn)lg_dl_next("posix_spawn_file_actions_addfchdir_np");

	return remembered(actions, real_add ? real_add(actions, fd) : ENOSYS);
}

LG_EXPORT int posix_spawn_file_actions_destroy(posix_spawn_file_actions_t *actions)
{
	lg_destroy_fn real_destroy = (lg_destroy_fn)lg_dl_next("posix_spawn_file_actions_destroy");

	forget_chdir(actions);
	return real_destroy ? real_destroy(actions) : 0;
}

/* Whether a file actions list does anything (glibc: __used entries); else assume it may. */
static int has_actions(const posix_spawn_file_actions_t *actions)
{
#if defined(__GLIBC__)
	return actions != NULL && actions->__used > 0;
#else
	return actions != NULL;
#endif
}

/* Whether PATH has a relative or empty entry: one the child takes from its own directory. */
static int path_has_relative_entry(void)
{
	const char *dirs = getenv("PATH");

	if (dirs == NULL)
		dirs = LG_DEFAULT_PATH;
	for (;;) {
		if (dirs[0] != '/')
			return 1;
		dirs = strchr(dirs, ':');
		if (dirs == NULL)
			return 0;
		dirs++;
	}
}

/*
 * Why the child of posix_spawn may run another file than checked, the one judged here: file
 * actions change its directory or descriptors before its exec. NULL when it can not.
 */
static const char *child_runs_other(int search, const char *file, const char *checked,
				    const posix_spawn_file_actions_t *actions)
{
	if (!has_actions(actions) || checked == NULL)
		return NULL;
	if (may_chdir(actions) && checked[0] != '/')
		return "is relative to a directory that a file action changes to, which linkguard "
		       "can not inspect; name the program by an absolute path";
	if (may_chdir(actions) && search && strchr(file, '/') == NULL && path_has_relative_entry())
		return "is searched along a PATH with a relative entry, from a directory that a "
		       "file action changes to, which linkguard can not inspect; name the program "
		       "by an absolute path";
	if (lg_exec_through_proc(checked))
		return "is reached through /proc (or /dev/fd), whose descriptors and directories "
		       "the file actions change in the child, which linkguard can not inspect; "
		       "name "
		       "the program by its own path";
	return NULL;
}

/* The exec gate for a program the file actions make the child see differently. */
static int refuse_child_view(const char *call, const char *program, const char *why)
{
	struct lg_config *cfg = lg_config();
	char reason[LG_REASON_MAX];
	enum lg_decision d = lg_decide(&cfg->policy, LG_FOUND_UNCHECKED);

	if (d == LG_ALLOW)
		return 0;
	if (d == LG_CHECK)
		d = lg_decide(&cfg->policy, LG_FOUND_UNJUDGED);
	if (d == LG_ALLOW)
		return 0;
	if (d == LG_NOTE) {
		snprintf(reason, sizeof(reason), "%s(\"%s\"): not judged; kernel layer in force",
			 call, program);
		lg_note(cfg, reason);
		return 0;
	}
	snprintf(reason, sizeof(reason), "\"%s\" %s", program, why);
	return refuse_exec(call, AT_FDCWD, program, d, reason);
}

/* posix_spawn and kin answer with an error number, not errno. */
static int guarded_spawn(const char *call, lg_spawn_fn real_spawn, int search, pid_t *pid,
			 const char *path, const posix_spawn_file_actions_t *actions,
			 const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	char found[PATH_MAX];
	struct fixed_env env = {.pooled = 1};
	const char *checked = search ? lg_find_program(path, found, sizeof(found)) : path;
	const char *why = child_runs_other(search, path, checked, actions);
	int r = why ? refuse_child_view(call, checked, why) : 0;

	if (r == 0)
		r = prepare(call, AT_FDCWD, checked,
			    has_actions(actions) ? LG_INSPECT_CHILD_VIEW : 0, argv, envp, &env);
	if (r != 0)
		return lg_libc_errno(r);
	r = real_spawn ? real_spawn(pid, path, actions, attr, argv, env.envp) : ENOSYS;
	release_env(&env);
	return r;
}

LG_EXPORT int posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *actions,
			  const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	return guarded_spawn("posix_spawn", (lg_spawn_fn)lg_real_lazy(LG_LAZY_POSIX_SPAWN), 0, pid,
			     path, actions, attr, argv, envp);
}

LG_EXPORT int posix_spawnp(pid_t *pid, const char *file, const posix_spawn_file_actions_t *actions,
			   const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	return guarded_spawn("posix_spawnp", (lg_spawn_fn)lg_real_lazy(LG_LAZY_POSIX_SPAWNP), 1,
			     pid, file, actions, attr, argv, envp);
}

/*
 * system() and popen() spawn /bin/sh inside libc with the process's own environment, out of
 * reach of the wrappers above: put the start-up settings back into it first, through libc's own
 * getenv and kin (the library's, lg_dl.c): a program's own must not keep the settings out. -1
 * when it can not be repaired.
 */
static int repair_environ(void)
{
	struct lg_config *cfg = lg_config();
	char name[256], preload[PATH_MAX * 2];
	const char *setting[LG_CHILD_SETTINGS];
	size_t settings;
	const char *old = getenv(LG_ENV_PRELOAD);
	int saved = errno, r = 0;

	for (size_t i = 0; r == 0 && environ && environ[i];) {
		const char *entry = environ[i];
		size_t len = strcspn(entry, "=");

		if (strncmp(entry, LG_ENV_PREFIX, LG_ENV_PREFIX_LEN) != 0 || len >= sizeof(name)) {
			i++;
			continue;
		}
		memcpy(name, entry, len);
		name[len] = '\0';
		r = unsetenv(name); /* shifts the rest down: look at index i again */
	}
	settings = child_settings(cfg, setting);
	for (size_t i = 0; r == 0 && i < settings; i++)
		r = putenv((char *)setting[i]);
	if (r == 0 && getenv(LG_ENV_AUDIT) != NULL) {
		drop_audit(cfg);
		r = unsetenv(LG_ENV_AUDIT);
	}
	if (r == 0 && (old == NULL || !preload_has_us(cfg, old))) {
		const char *value = old && *old
					? preload_with_us(cfg, old, preload, sizeof(preload))
					: startup_preload(cfg, preload, sizeof(preload));
		r = setenv(LG_ENV_PRELOAD, value + LG_PRELOAD_ENTRY_LEN, 1);
	}
	errno = saved;
	return r;
}

/* system() and popen() with the shell's environment repaired; under their names below. */
static int guarded_system(const char *command)
{
	lg_system_fn system_fn = (lg_system_fn)lg_real_lazy(LG_LAZY_SYSTEM);

	if (command != NULL && refuse_shell("system") != 0) {
		errno = EACCES;
		return -1;
	}
	if (system_fn == NULL) {
		errno = ENOSYS;
		return -1;
	}
	if (command != NULL && repair_environ() != 0) {
		errno = ENOSYS;
		return -1;
	}
	return system_fn(command);
}

static FILE *guarded_popen(const char *command, const char *mode)
{
	lg_popen_fn popen_fn = (lg_popen_fn)lg_real_lazy(LG_LAZY_POPEN);

	if (refuse_shell("popen") != 0) {
		errno = EACCES;
		return NULL;
	}
	if (popen_fn == NULL) {
		errno = ENOSYS;
		return NULL;
	}
	if (repair_environ() != 0) {
		errno = ENOSYS;
		return NULL;
	}
	return popen_fn(command, mode);
}

LG_EXPORT int system(const char *command)
{
	return guarded_system(command);
}

LG_EXPORT FILE *popen(const char *command, const char *mode)
{
	return guarded_popen(command, mode);
}

/* glibc's other names for popen and system (_IO_popen, GLIBC_PRIVATE __libc_system): the same
 * wrappers, called directly (not through our own exports, which the loader could bind to us). */
LG_EXPORT FILE *_IO_popen(const char *command, const char *mode)
{
	return guarded_popen(command, mode);
}

LG_EXPORT int __libc_system(const char *command)
{
	return guarded_system(command);
}

/*
 * glibc 2.39's pidfd_spawn and pidfd_spawnp: posix_spawn and posix_spawnp that hand back a
 * pidfd, behind the same gate. Without them in libc (before 2.39) the call fails with ENOSYS.
 */
/* The real pidfd_spawn or pidfd_spawnp (an int * for a pid_t *: the same call), or NULL. */
static lg_spawn_fn real_pidfd_spawn(const char *name)
{
	return (lg_spawn_fn)lg_dl_next(name);
}

LG_EXPORT int pidfd_spawn(int *pidfd, const char *path, const posix_spawn_file_actions_t *actions,
			  const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	lg_spawn_fn real = real_pidfd_spawn("pidfd_spawn");

	return real ? guarded_spawn("pidfd_spawn", real, 0, pidfd, path, actions, attr, argv, envp)
		    : ENOSYS;
}

LG_EXPORT int pidfd_spawnp(int *pidfd, const char *file, const posix_spawn_file_actions_t *actions,
			   const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	lg_spawn_fn real = real_pidfd_spawn("pidfd_spawnp");

	return real ? guarded_spawn("pidfd_spawnp", real, 1, pidfd, file, actions, attr, argv, envp)
		    : ENOSYS;
}
