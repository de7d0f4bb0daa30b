/* lg_config.c - read LINKGUARD_* once, open the roots, find the real libc symbols; fail closed. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

extern char **environ;

#include "lg_shim.h"

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

/* LINKGUARD_STATIC and kin: unset, or LG_ALLOW_VALUE. */
static int read_allow(struct lg_config *cfg, const char *name)
{
	const char *value = getenv(name);
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
	const char *kernel = getenv(LG_ENV_KERNEL);
	const char *counter = getenv(LG_ENV_AUDIT_COUNTER);

	cfg->policy.allow_static = read_allow(cfg, LG_ENV_STATIC);
	cfg->policy.allow_setuid = read_allow(cfg, LG_ENV_SETUID);
	cfg->policy.allow_io_uring = read_allow(cfg, LG_ENV_IO_URING);
	if (kernel != NULL && strcmp(kernel, "refer") != 0 && strcmp(kernel, "strict") != 0)
		set_broken(cfg, LG_ENV_KERNEL "=", kernel, "is neither \"refer\" nor \"strict\"");
	cfg->policy.kernel_layer = kernel != NULL;
	if (counter != NULL && (counter[0] != '/' || strlen(counter) >= sizeof(cfg->audit_counter)))
		set_broken(cfg, LG_ENV_AUDIT_COUNTER "=", counter, "is not an absolute path");
	else if (counter != NULL)
		strcpy(cfg->audit_counter, counter);
}

/* Copy s into the start-up pool; NULL when it is full. */
static const char *keep(struct lg_config *cfg, size_t *used, const char *s)
{
	size_t len = strlen(s) + 1;
	char *at = cfg->startup_pool + *used;

	if (*used + len > sizeof(cfg->startup_pool))
		return NULL;
	memcpy(at, s, len);
	*used += len;
	return at;
}

/* Every LINKGUARD_* variable and LD_PRELOAD as they are now, for every exec to pass on. */
static void keep_startup_env(struct lg_config *cfg)
{
	size_t used = 0;
	const char *kept;
	Dl_info self;

	for (char **e = environ; e && *e; e++) {
		if (strncmp(*e, LG_PRELOAD_ENTRY, LG_PRELOAD_ENTRY_LEN) == 0) {
			cfg->startup_preload = keep(cfg, &used, *e);
			continue;
		}
		if (strncmp(*e, LG_ENV_PREFIX, LG_ENV_PREFIX_LEN) != 0)
			continue;
		kept = keep(cfg, &used, *e);
		if (kept == NULL || cfg->startup_count == LG_MAX_STARTUP_VARS) {
			set_broken(cfg, "the environment", NULL,
				   "has too many " LG_ENV_PREFIX " settings");
			return;
		}
		cfg->startup_vars[cfg->startup_count++] = kept;
	}
	/* The loader's own spelling when absolute; realpath() (a readlink a component) only for a
	 * relative one, which would break in a child that runs elsewhere. */
	if (dladdr((void *)lg_config, &self) == 0 || self.dli_fname == NULL)
		cfg->self_path[0] = '\0';
	else if (self.dli_fname[0] == '/' && strlen(self.dli_fname) < sizeof(cfg->self_path))
		strcpy(cfg->self_path, self.dli_fname);
	else if (realpath(self.dli_fname, cfg->self_path) == NULL)
		cfg->self_path[0] = '\0';
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

static void find_real_symbols(struct lg_config *cfg)
{
	cfg->real_linkat = (lg_linkat_fn)dlsym(RTLD_NEXT, "linkat");
	cfg->real_renameat2 = (lg_renameat2_fn)dlsym(RTLD_NEXT, "renameat2");
	if (cfg->real_renameat2 == NULL)
		cfg->real_renameat2 = renameat2_by_syscall;
	cfg->real_execve = (lg_execve_fn)dlsym(RTLD_NEXT, "execve");
	cfg->real_execvpe = (lg_execve_fn)dlsym(RTLD_NEXT, "execvpe");
	cfg->real_execveat = (lg_execveat_fn)dlsym(RTLD_NEXT, "execveat");
	cfg->real_fexecve = (lg_fexecve_fn)dlsym(RTLD_NEXT, "fexecve");
	cfg->real_posix_spawn = (lg_spawn_fn)dlsym(RTLD_NEXT, "posix_spawn");
	cfg->real_posix_spawnp = (lg_spawn_fn)dlsym(RTLD_NEXT, "posix_spawnp");
	cfg->real_system = (lg_system_fn)dlsym(RTLD_NEXT, "system");
	cfg->real_popen = (lg_popen_fn)dlsym(RTLD_NEXT, "popen");
	if (cfg->real_linkat == NULL || cfg->real_execve == NULL || cfg->real_execvpe == NULL ||
	    cfg->real_execveat == NULL || cfg->real_fexecve == NULL ||
	    cfg->real_posix_spawn == NULL || cfg->real_posix_spawnp == NULL ||
	    cfg->real_system == NULL || cfg->real_popen == NULL)
		set_broken(cfg, "libc", NULL, "lacks a symbol linkguard forwards to");
}

static void read_config(void)
{
	struct lg_config *cfg = &config;
	int saved = errno;

	read_log(cfg, getenv(LG_ENV_LOG));
	read_mode(cfg, getenv(LG_ENV_MODE));
	lg_rootset_init(&cfg->roots, read_backend(cfg, getenv(LG_ENV_RESOLVER)));
	find_real_symbols(cfg);
	read_roots(cfg, getenv(LG_ENV_ROOT));
	read_exec_policy(cfg);
	keep_startup_env(cfg);
	errno = saved;
}

struct lg_config *lg_config(void)
{
	pthread_once(&config_once, read_config);
	return &config;
}

__attribute__((constructor)) static void lg_config_at_load(void)
{
	lg_config();
}

long lg_real_syscall(long nr, long a1, long a2, long a3, long a4, long a5, long a6)
{
	lg_syscall_fn fn = __atomic_load_n(&real_syscall, __ATOMIC_ACQUIRE);

	if (fn == NULL) {
		fn = (lg_syscall_fn)dlsym(RTLD_NEXT, "syscall");
		if (fn == NULL) {
			errno = ENOSYS;
			return -1;
		}
		__atomic_store_n(&real_syscall, fn, __ATOMIC_RELEASE);
	}
	return fn(nr, a1, a2, a3, a4, a5, a6);
}
