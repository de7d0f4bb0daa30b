/* lg_config.c - read LINKGUARD_* once, open the roots, find the real libc symbols; fail closed. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lg_shim.h"

static struct lg_config config;
static pthread_once_t config_once = PTHREAD_ONCE_INIT;

typedef long (*lg_syscall_fn)(long, ...);
static lg_syscall_fn real_syscall;

static void set_broken(struct lg_config *cfg, const char *what, const char *value, const char *why)
{
	if (cfg->broken)
		return;
	snprintf(cfg->broken_buf, sizeof(cfg->broken_buf), "%s%s%.*s%s %s", what,
		 value ? "=\"" : "", PATH_MAX, value ? value : "", value ? "\"" : "", why);
	cfg->broken = cfg->broken_buf;
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
		return "has more than 16 roots";
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
		set_broken(cfg, "LINKGUARD_ROOT", NULL, list ? "is empty" : "is unset");
		return;
	}
	for (;;) {
		end = strchrnul(p, ':');
		len = (size_t)(end - p);
		if (len >= sizeof(one)) {
			set_broken(cfg, "LINKGUARD_ROOT", list, "has an entry that is too long");
			return;
		}
		memcpy(one, p, len);
		one[len] = '\0';
		r = len == 0 ? -EINVAL : lg_rootset_add(&cfg->roots, one);
		if (r != 0) {
			set_broken(cfg, "LINKGUARD_ROOT entry", len ? one : "(empty)",
				   root_error(r));
			return;
		}
		if (*end == '\0')
			break;
		p = end + 1;
	}
	cfg->everything = lg_rootset_is_everything(&cfg->roots);
}

static void read_mode(struct lg_config *cfg, const char *mode)
{
	if (mode == NULL || strcmp(mode, "enforce") == 0)
		cfg->mode = LG_MODE_ENFORCE;
	else if (strcmp(mode, "audit") == 0)
		cfg->mode = LG_MODE_AUDIT;
	else
		set_broken(cfg, "LINKGUARD_MODE", mode, "is neither \"enforce\" nor \"audit\"");
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
		set_broken(cfg, "LINKGUARD_LOG", log,
			   "is neither \"stderr\", \"none\" nor an absolute file path");
	}
}

static enum lg_backend read_backend(struct lg_config *cfg, const char *name)
{
	if (name == NULL || strcmp(name, "auto") == 0 || strcmp(name, "openat2") == 0)
		return LG_BACKEND_AUTO;
	if (strcmp(name, "walk") == 0)
		return LG_BACKEND_WALK;
	set_broken(cfg, "LINKGUARD_RESOLVER", name,
		   "is neither \"auto\", \"openat2\" nor \"walk\"");
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
	if (cfg->real_linkat == NULL)
		set_broken(cfg, "libc", NULL, "has no linkat symbol to forward to");
}

static void read_config(void)
{
	struct lg_config *cfg = &config;
	int saved = errno;

	read_log(cfg, getenv("LINKGUARD_LOG"));
	read_mode(cfg, getenv("LINKGUARD_MODE"));
	lg_rootset_init(&cfg->roots, read_backend(cfg, getenv("LINKGUARD_RESOLVER")));
	find_real_symbols(cfg);
	read_roots(cfg, getenv("LINKGUARD_ROOT"));
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
