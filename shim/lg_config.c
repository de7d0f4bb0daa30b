/* lg_config.c - read LINKGUARD_* once, as the process started; open the roots, find the real libc
 * symbols; fail closed. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <link.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lg_compat.h" /* SECCOMP_MODE_FILTER, which musl's include path lacks */
#include "lg_shim.h"
#include "lg_syscall.h"

static struct lg_config config;
static pthread_once_t config_once = PTHREAD_ONCE_INIT;

typedef long (*lg_syscall_fn)(long, ...);
static lg_syscall_fn real_syscall;

/* Why every call fails closed: the first bad setting wins. A value is quoted as given, after
 * what ("NAME=" or "NAME entry "). */
static void set_broken(struct lg_config *cfg, const char *what, const char *value, const char *why)
{
	if (cfg->policy.broken)
		return;
	if (value)
		snprintf(cfg->broken_buf, sizeof(cfg->broken_buf), "%s\"%.*s\" %s", what, PATH_MAX,
			 value, why);
	else
		snprintf(cfg->broken_buf, sizeof(cfg->broken_buf), "%s %s", what, why);
	cfg->policy.broken = cfg->broken_buf;
}

/* The value of setting name as the process started, or NULL. */
static const char *startup_value(const struct lg_config *cfg, const char *name)
{
	size_t len = strlen(name);

	for (size_t i = 0; i < cfg->startup_count; i++)
		if (cfg->startup_name_len[i] == len && memcmp(cfg->startup_vars[i], name, len) == 0)
			return cfg->startup_vars[i] + len + 1;
	return NULL;
}

static const char *root_error(int err)
{
	switch (err) {
	case -EINVAL:
		return "is not an absolute path";
	case -ENOTDIR:
		return "is not a directory";
	case -ENOENT:
		return "does not exist";
	case -ENOSPC:
		return "has more than " LG_STRINGIFY(LG_MAX_ROOTS) " roots";
	case -LG_ERR_NO_PROC:
		return "can not be checked: /proc is missing or not procfs";
	default:
		return "can not be opened";
	}
}

/* Each ':'-separated entry must be an absolute, existing directory; one bad entry breaks all. */
static void read_roots(struct lg_config *cfg, const char *list)
{
	char one[PATH_MAX];
	const char *p = list, *end;
	size_t len;
	int r;

	if (list == NULL || *list == '\0') {
		set_broken(cfg, LG_ENV_ROOT, NULL, list ? "is empty" : "is unset");
		return;
	}
	for (;;) {
		end = strchrnul(p, LG_ROOT_SEP);
		len = (size_t)(end - p);
		if (len >= sizeof(one)) {
			set_broken(cfg, LG_ENV_ROOT "=", list, "has an entry that is too long");
			return;
		}
		memcpy(one, p, len);
		one[len] = '\0';
		if (len == 0) {
			set_broken(cfg, LG_ENV_ROOT "=", list, "has an empty entry");
			return;
		}
		r = lg_rootset_add(&cfg->roots, one);
		if (r != 0) {
			set_broken(cfg, LG_ENV_ROOT " entry ", one, root_error(r));
			return;
		}
		if (*end == '\0')
			break;
		p = end + 1;
	}
	cfg->policy.everything = lg_rootset_is_everything(&cfg->roots);
}

static void read_mode(struct lg_config *cfg, const char *mode)
{
	if (mode == NULL || strcmp(mode, "enforce") == 0)
		cfg->policy.mode = LG_MODE_ENFORCE;
	else if (strcmp(mode, "audit") == 0)
		cfg->policy.mode = LG_MODE_AUDIT;
	else
		set_broken(cfg, LG_ENV_MODE "=", mode, "is neither \"enforce\" nor \"audit\"");
}

static void read_log(struct lg_config *cfg, const char *log)
{
	if (log == NULL || strcmp(log, "stderr") == 0) {
		cfg->log = LG_LOG_STDERR;
	} else if (strcmp(log, "none") == 0) {
		cfg->log = LG_LOG_NONE;
	} else if (log[0] == '/' && strlen(log) < sizeof(cfg->log_path)) {
		cfg->log = LG_LOG_FILE;
		strcpy(cfg->log_path, log);
	} else {
		set_broken(cfg, LG_ENV_LOG "=", log,
			   "is neither \"stderr\", \"none\" nor an absolute file path");
	}
}

/* The seccomp mode of this process (2: a filter), by the instruction where there is one. */
static long seccomp_mode(void)
{
#if LG_HAVE_INLINE_SYSCALL
	return lg_inline_syscall(SYS_prctl, PR_GET_SECCOMP, 0, 0, 0, 0, 0);
#else
	return prctl(PR_GET_SECCOMP, 0, 0, 0, 0);
#endif
}

/*
 * Whether this process bears what the launcher's kernel layer always sets, no_new_privs and a
 * seccomp filter (Landlock itself can not be asked about): LG_ENV_KERNEL set by hand, without the
 * layer, must not turn refusals into notes.
 */
static int launcher_layer_signs(void)
{
	return lg_no_new_privs() && seccomp_mode() == SECCOMP_MODE_FILTER;
}

/* LINKGUARD_STATIC and kin: unset, or LG_ALLOW_VALUE. */
static int read_allow(struct lg_config *cfg, const char *name)
{
	const char *value = startup_value(cfg, name);
	char what[64];

	if (value == NULL || *value == '\0')
		return 0;
	if (strcmp(value, LG_ALLOW_VALUE) == 0)
		return 1;
	snprintf(what, sizeof(what), "%s=", name);
	set_broken(cfg, what, value, "is neither unset nor \"allow\"");
	return 0;
}

static void read_exec_policy(struct lg_config *cfg)
{
	const char *kernel = startup_value(cfg, LG_ENV_KERNEL);
	const char *report = startup_value(cfg, LG_ENV_REPORT_FD);

	cfg->policy.allow_static = read_allow(cfg, LG_ENV_STATIC);
	cfg->policy.allow_setuid = read_allow(cfg, LG_ENV_SETUID);
	cfg->policy.allow_io_uring = read_allow(cfg, LG_ENV_IO_URING);
	if (kernel != NULL && strcmp(kernel, "refer") != 0 && strcmp(kernel, "strict") != 0)
		set_broken(cfg, LG_ENV_KERNEL "=", kernel, "is neither \"refer\" nor \"strict\"");
	else if (kernel != NULL && !launcher_layer_signs())
		set_broken(
		    cfg, LG_ENV_KERNEL "=", kernel,
		    "is set, but no kernel layer is in force here (no_new_privs and a seccomp "
		    "filter are missing): only the launcher sets it");
	cfg->policy.kernel_layer = kernel != NULL;
	cfg->policy.kernel_strict = kernel != NULL && strcmp(kernel, "strict") == 0;
	cfg->policy.allow_exec = startup_value(cfg, LG_ENV_ALLOW_EXEC);
	if (lg_report_channel(cfg, report) != 0)
		set_broken(cfg, LG_ENV_REPORT_FD "=", report, "is not a descriptor number");
}

/* The entries read_original_env keeps: the settings, and what every exec must pass on. */
static int kept_entry(const char *entry, size_t len)
{
	return (len >= LG_ENV_PREFIX_LEN && memcmp(entry, LG_ENV_PREFIX, LG_ENV_PREFIX_LEN) == 0) ||
	       (len >= LG_PRELOAD_ENTRY_LEN &&
		memcmp(entry, LG_PRELOAD_ENTRY, LG_PRELOAD_ENTRY_LEN) == 0);
}

/* File one complete kept entry (pool[at..]) as a setting or as the start-up LD_PRELOAD. */
static int file_entry(struct lg_config *cfg, const char *entry)
{
	if (entry[0] == 'L' && entry[1] == 'D') {
		if (cfg->startup_preload == NULL) /* the first wins, as for getenv() */
			cfg->startup_preload = entry;
		return 0;
	}
	if (cfg->startup_count == LG_MAX_STARTUP_VARS)
		return -1;
	cfg->startup_name_len[cfg->startup_count] = (size_t)(strchrnul(entry, '=') - entry);
	cfg->startup_vars[cfg->startup_count++] = entry;
	return 0;
}

/* Reading the start-up environment: the entry being read lies at pool[used], len bytes so far. */
struct env_scan {
	size_t used, len;
	int skipping;
};

/* n more bytes of the environment's strings; -1 when the kept entries overflow the pool. Keeps
 * every LINKGUARD_* entry and the first LD_PRELOAD. */
static int scan_env(struct lg_config *cfg, struct env_scan *s, const char *chunk, size_t n)
{
	for (size_t i = 0; i < n;) {
		char c;

		if (s->skipping) { /* most entries: on to the next, a vector search */
			const char *nul = memchr(chunk + i, '\0', n - i);

			if (nul == NULL)
				break;
			i = (size_t)(nul - chunk) + 1;
			s->len = 0;
			s->skipping = 0;
			continue;
		}
		c = chunk[i++];
		if (s->used + s->len + 1 >= sizeof(cfg->startup_pool))
			return -1;
		cfg->startup_pool[s->used + s->len++] = c;
		if (c != '\0') {
			/* This many bytes tell whether it is kept (LD_PRELOAD= is the longest
			 * prefix). */
			if ((s->len == 1 && c != LG_ENV_PREFIX[0] && c != LG_PRELOAD_ENTRY[0]) ||
			    (s->len == LG_PRELOAD_ENTRY_LEN &&
			     !kept_entry(cfg->startup_pool + s->used, s->len)))
				s->skipping = 1;
			continue;
		}
		if (kept_entry(cfg->startup_pool + s->used, s->len - 1)) {
			if (file_entry(cfg, cfg->startup_pool + s->used) != 0)
				return -1;
			s->used += s->len;
		}
		s->len = 0;
		s->skipping = 0;
	}
	return 0;
}

static void too_many_settings(struct lg_config *cfg)
{
	set_broken(cfg, "the environment", NULL, "has too many or too long LINKGUARD_ settings");
}

/* The environment's strings as /proc/self/environ gives them, through the trusted /proc. */
static void read_env_from_proc(struct lg_config *cfg)
{
	char chunk[4096];
	struct env_scan s = {0, 0, 0};
	int fd = lg_proc_self_open("environ", O_RDONLY);
	ssize_t n = sizeof(chunk);

	if (fd < 0) {
		set_broken(cfg, "/proc/self/environ", NULL,
			   fd == -LG_ERR_NO_PROC ? "can not be read: /proc is missing or not procfs"
						 : "can not be read");
		return;
	}
	/* procfs fills a read of environ to the end or to the buffer: a short one was the last. */
	while (n == (ssize_t)sizeof(chunk) && (n = read(fd, chunk, sizeof(chunk))) > 0) {
		if (scan_env(cfg, &s, chunk, (size_t)n) != 0) {
			close(fd);
			too_many_settings(cfg);
			return;
		}
	}
	if (n < 0)
		set_broken(cfg, "/proc/self/environ", NULL, "can not be read");
	close(fd);
}

/* What glibc hands a constructor: the arguments and environment as the kernel laid them out. */
static int start_argc;
static char **start_argv, **start_envp;
static const ElfW(auxv_t) * start_auxv;

#ifdef __GLIBC__
/*
 * The auxiliary vector, which follows the environment's pointers on the initial stack: after
 * their NULL, and after one more NULL for each unsetenv() an earlier constructor made (it shifts
 * the pointers down in place). Only when envp is that array, right after argv's (a dlopen() hands
 * a constructor the environ of the moment, which setenv() may have moved to the heap). Believed
 * when it ends within a few dozen entries and tells the page size, as every Linux kernel's does.
 */
static const ElfW(auxv_t) * auxv_after(int argc, char **argv, char **envp)
{
	const ElfW(auxv_t) * a;
	int n, page_size = 0;

	if (argc < 0 || argv == NULL || envp != argv + argc + 1 || argv[argc] != NULL)
		return NULL;
	while (*envp != NULL)
		envp++;
	for (n = 0; n < 64 && *envp == NULL; n++)
		envp++;
	a = (const ElfW(auxv_t) *)envp;
	for (n = 0; n < 128 && a[n].a_type != AT_NULL; n++)
		page_size |= a[n].a_type == AT_PAGESZ && a[n].a_un.a_val >= 4096 &&
			     (a[n].a_un.a_val & (a[n].a_un.a_val - 1)) == 0;
	return n < 128 && page_size ? a : NULL;
}
#endif

unsigned long lg_start_auxv(unsigned long type)
{
	const ElfW(auxv_t) *a = __atomic_load_n(&start_auxv, __ATOMIC_ACQUIRE);

	for (; a != NULL && a->a_type != AT_NULL; a++)
		if (a->a_type == type)
			return a->a_un.a_val;
	return 0;
}

/* The same from the trusted /proc, the kernel's own copy: where no constructor was handed the
 * environment (musl), and where the loader, run as a program, rewrote the stack's for its program.
 */
unsigned long lg_kernel_auxv(unsigned long type)
{
	ElfW(auxv_t) a[64];
	int saved = errno;
	int fd = lg_proc_self_open("auxv", O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, a, sizeof(a));
	unsigned long v = 0;

	if (fd >= 0)
		close(fd);
	for (ssize_t i = 0; i < n / (ssize_t)sizeof(a[0]) && a[i].a_type != AT_NULL; i++) {
		if (a[i].a_type == type) {
			v = a[i].a_un.a_val;
			break;
		}
	}
	errno = saved;
	return v;
}

unsigned long lg_auxv(unsigned long type)
{
	return __atomic_load_n(&start_auxv, __ATOMIC_ACQUIRE) ? lg_start_auxv(type)
							      : lg_kernel_auxv(type);
}

/*
 * The environment's strings where exec put them: from the end of the last argument to the
 * program's name (AT_EXECFN), the very bytes /proc/self/environ reads, with no system call. Only
 * while the start-up pointers still lead through them one after another, as the kernel laid
 * them out; a setenv(), putenv() or unsetenv() of an earlier constructor has moved some, and
 * then /proc is asked. NULL, or the strings and their length in *len.
 */
static const char *env_as_laid_out(size_t *len)
{
	int argc = __atomic_load_n(&start_argc, __ATOMIC_ACQUIRE);
	char **argv = start_argv, **envp = start_envp;
	const char *end = (const char *)lg_start_auxv(AT_EXECFN), *start, *p;

	if (argc <= 0 || argv == NULL || envp == NULL || end == NULL || argv[argc - 1] == NULL)
		return NULL;
	start = p = argv[argc - 1] + strlen(argv[argc - 1]) + 1;
	for (size_t i = 0; envp[i] != NULL; i++) {
		if (envp[i] != p || p >= end || (p = memchr(p, '\0', (size_t)(end - p))) == NULL)
			return NULL;
		p++;
	}
	if (p != end)
		return NULL;
	*len = (size_t)(end - start);
	return start;
}

/*
 * The environment the process started with, as the kernel keeps it: a constructor that ran
 * before ours (a library the program links against, a later preload) may have changed environ
 * with setenv() or putenv(), or replaced its pointers, none of which changes those strings.
 */
static void read_original_env(struct lg_config *cfg)
{
	struct env_scan s = {0, 0, 0};
	size_t len;
	const char *strings = env_as_laid_out(&len);

	if (strings == NULL)
		read_env_from_proc(cfg);
	else if (scan_env(cfg, &s, strings, len) != 0)
		too_many_settings(cfg);
}

/* This library's own path, for every exec to keep in LD_PRELOAD. */
typedef char *(*lg_realpath_fn)(const char *, char *);

static void find_self(struct lg_config *cfg)
{
	Dl_info self;
	lg_realpath_fn resolve_path;

	/* The loader's own spelling when absolute; realpath() (a readlink a component) only for a
	 * relative one, which would break in a child that runs elsewhere. */
	if (dladdr((void *)lg_config, &self) == 0 || self.dli_fname == NULL)
		cfg->self_path[0] = '\0';
	else if (self.dli_fname[0] == '/' && strlen(self.dli_fname) < sizeof(cfg->self_path))
		strcpy(cfg->self_path, self.dli_fname);
	else if ((resolve_path = (lg_realpath_fn)lg_libc_function("realpath")) == NULL ||
		 resolve_path(self.dli_fname, cfg->self_path) == NULL)
		cfg->self_path[0] = '\0';
}

enum { LG_LIBRARY_UNKNOWN = 0, LG_LIBRARY_PUBLISHING, LG_LIBRARY_KNOWN };

/*
 * The identity is looked up at the first exec, not at load: /proc/self/maps is the dearest read
 * a start would make, most processes never exec, and the file behind a mapping never changes.
 * Lock-free, for vfork children and signal handlers: until one caller has published it, each
 * looks it up for itself.
 */
const struct lg_policy *lg_exec_policy(struct lg_policy *own)
{
	struct lg_config *cfg = lg_config();
	int expected = LG_LIBRARY_UNKNOWN;

	*own = cfg->policy;
	if (cfg->self_path[0] == '\0')
		return own; /* no library to name in a child's LD_PRELOAD: nothing to check */
	own->library = cfg->self_path;
	if (__atomic_load_n(&cfg->library_state, __ATOMIC_ACQUIRE) == LG_LIBRARY_KNOWN) {
		own->library_dev = cfg->library_dev;
		own->library_ino = cfg->library_ino;
		return own;
	}
	/* The file behind this library's mapping; unreadable now (EMFILE...): no file is it, and
	 * the exec is refused, not let through unchecked. */
	if (lg_mapped_file((const void *)lg_config, &own->library_dev, &own->library_ino) != 0) {
		own->library_dev = 0;
		own->library_ino = 0;
		return own;
	}
	if (__atomic_compare_exchange_n(&cfg->library_state, &expected, LG_LIBRARY_PUBLISHING, 0,
					__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		cfg->library_dev = own->library_dev;
		cfg->library_ino = own->library_ino;
		__atomic_store_n(&cfg->library_state, LG_LIBRARY_KNOWN, __ATOMIC_RELEASE);
	}
	return own;
}

static enum lg_backend read_backend(struct lg_config *cfg, const char *name)
{
	if (name == NULL || strcmp(name, "auto") == 0 || strcmp(name, "openat2") == 0)
		return LG_BACKEND_AUTO;
	if (strcmp(name, "walk") == 0)
		return LG_BACKEND_WALK;
	set_broken(cfg, LG_ENV_RESOLVER "=", name, "is neither \"auto\", \"openat2\" nor \"walk\"");
	return LG_BACKEND_AUTO;
}

/* Before glibc 2.28 there is no renameat2 symbol; the system call is the same. */
static int renameat2_by_syscall(int ofd, const char *old, int nfd, const char *new, unsigned fl)
{
	return (int)lg_real_syscall(SYS_renameat2, ofd, (long)old, nfd, (long)new, fl, 0);
}

/* Before glibc 2.34, and in musl, there is no execveat symbol; the system call is the same. */
static int execveat_by_syscall(int dir_fd, const char *path, char *const argv[], char *const envp[],
			       int flags)
{
	return (int)lg_real_syscall(SYS_execveat, dir_fd, (long)path, (long)argv, (long)envp, flags,
				    0);
}

static void find_real_symbols(struct lg_config *cfg)
{
	cfg->real_linkat = (lg_linkat_fn)lg_dl_next("linkat");
	cfg->real_renameat2 = (lg_renameat2_fn)lg_dl_next("renameat2");
	if (cfg->real_renameat2 == NULL)
		cfg->real_renameat2 = renameat2_by_syscall;
	cfg->real_execve = (lg_execve_fn)lg_dl_next("execve");
	cfg->real_execveat = (lg_execveat_fn)lg_dl_next("execveat");
	if (cfg->real_execveat == NULL)
		cfg->real_execveat = execveat_by_syscall;
	cfg->real_fexecve = (lg_fexecve_fn)lg_dl_next("fexecve");
	if (cfg->real_linkat == NULL || cfg->real_execve == NULL || cfg->real_fexecve == NULL)
		set_broken(cfg, "libc", NULL, "lacks a symbol linkguard forwards to");
}

static void *lazy_fn[LG_LAZY_COUNT];
static const char *const lazy_name[LG_LAZY_COUNT] = {
    [LG_LAZY_EXECVPE] = "execvpe",
    [LG_LAZY_POSIX_SPAWN] = "posix_spawn",
    [LG_LAZY_POSIX_SPAWNP] = "posix_spawnp",
    [LG_LAZY_SYSTEM] = "system",
    [LG_LAZY_POPEN] = "popen",
    [LG_LAZY_UNSHARE] = "unshare",
    [LG_LAZY_SETNS] = "setns",
    [LG_LAZY_CLONE] = "clone",
};

void *lg_real_lazy(enum lg_lazy which)
{
	void *fn = __atomic_load_n(&lazy_fn[which], __ATOMIC_ACQUIRE);
	int saved = errno;

	if (fn == NULL) {
		fn = lg_dl_next(lazy_name[which]);
		__atomic_store_n(&lazy_fn[which], fn, __ATOMIC_RELEASE);
	}
	errno = saved;
	return fn;
}

static void read_config(void)
{
	struct lg_config *cfg = &config;
	int saved = errno;

	lg_proc_trust(1);
	read_original_env(cfg);
	read_log(cfg, startup_value(cfg, LG_ENV_LOG));
	read_mode(cfg, startup_value(cfg, LG_ENV_MODE));
	lg_rootset_init(&cfg->roots, read_backend(cfg, startup_value(cfg, LG_ENV_RESOLVER)));
	find_real_symbols(cfg);
	read_roots(cfg, startup_value(cfg, LG_ENV_ROOT));
	read_exec_policy(cfg);
	lg_userns_record(cfg, startup_value(cfg, LG_ENV_USERNS));
	find_self(cfg);
	lg_proc_trust(0);
	errno = saved;
}

struct lg_config *lg_config(void)
{
	pthread_once(&config_once, read_config);
	return &config;
}

#ifdef __GLIBC__
/* glibc passes a constructor what it passes main; other C libraries pass nothing. */
__attribute__((constructor)) static void lg_config_at_load(int argc, char **argv, char **envp)
{
	start_argv = argv;
	start_envp = envp;
	__atomic_store_n(&start_auxv, auxv_after(argc, argv, envp), __ATOMIC_RELEASE);
	__atomic_store_n(&start_argc, argc, __ATOMIC_RELEASE);
	lg_config();
}
#else
__attribute__((constructor)) static void lg_config_at_load(void)
{
	lg_config();
}
#endif

long lg_real_syscall(long nr, long a1, long a2, long a3, long a4, long a5, long a6)
{
	lg_syscall_fn fn = __atomic_load_n(&real_syscall, __ATOMIC_ACQUIRE);

	if (fn == NULL) {
		fn = (lg_syscall_fn)lg_dl_next("syscall");
		if (fn == NULL) {
			errno = ENOSYS;
			return -1;
		}
		__atomic_store_n(&real_syscall, fn, __ATOMIC_RELEASE);
	}
	return fn(nr, a1, a2, a3, a4, a5, a6);
}
