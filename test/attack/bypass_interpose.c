/* bypass_interpose.c - lg_interpose_ROUTE: a confined program that defines, and exports, libc
 * functions the library itself calls, so that the loader binds the library's own calls to them.
 *
 * usage: lg_interpose_ROUTE SRC DST
 * SRC lies outside the root, DST inside; ROOT is LINKGUARD_ROOT. Prints "refused ERRNO-NAME" (the
 * call failed) or "escaped" and exits 0 or 1. The suite checks that nothing outside changed.
 * One program per ROUTE (LG_ROUTE_<ROUTE> when built): each defines only its own functions, since
 * one definition (dladdr) is enough to change how the library finds the others.
 *
 *   fstat    dup2 a descriptor of SRC's directory over the library's root descriptor, and answer
 *            fstat() of it with the root's identity: link(ROOT/basename(SRC), DST) would then
 *            resolve in SRC's directory
 *   strings  memcmp, strcmp, strncmp and bcmp say "equal" to everything: linkat of a descriptor
 *            of SRC (AT_EMPTY_PATH) to DST would pass for a file inside the root
 *   dladdr   dladdr() places every address in the library: its dlsym() would take the program's
 *            lookup of libc's link() for its own, and hand back libc's
 *   environ  setenv(), putenv() and unsetenv() do nothing: system("ln SRC DST"), after clearenv(),
 *            would start the shell without the library
 *   errno    every read of errno reads 0: a failed call of the library's would pass for done
 *   once     with LG_BYPASS_ONCE_IDLE set, pthread_once() runs nothing: the library would never
 *            read its settings; then link(SRC, DST)
 *   exec     (usage: lg_interpose_exec PROGRAM) every read of errno reads ENOENT: the exec gate,
 *            which can not open an execute-only PROGRAM, would take it for one the exec can not
 *            find either, and let a static PROGRAM run
 *
 * Built with ENABLE_EXPORTS (-rdynamic): every function defined here is in the program's dynamic
 * symbol table, ahead of libc's in the scope the loader searches for the library's imports. Only
 * libc and the loader are used: no system call instruction, no write to the library's memory.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <link.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "verdict.h"

/* Each program uses what its route needs of what follows. */
#define UNUSED_OK __attribute__((unused))

UNUSED_OK static int victim_fd = -1;   /* the library's root descriptor, once replaced */
UNUSED_OK static struct stat root_id;  /* the identity fstat() tells of it */
UNUSED_OK static int everything_equal; /* the "strings" route's comparisons */

#ifdef LG_ROUTE_FSTAT
/* fstatat with AT_EMPTY_PATH is another symbol: the program's own look at a descriptor. */
int fstat(int fd, struct stat *st)
{
	if (fd == victim_fd && victim_fd >= 0) {
		*st = root_id;
		return 0;
	}
	return fstatat(fd, "", st, AT_EMPTY_PATH);
}
#endif

#ifdef LG_ROUTE_STRINGS
int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	if (everything_equal)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (x[i] != y[i])
			return x[i] - y[i];
	return 0;
}

int bcmp(const void *a, const void *b, size_t n)
{
	return memcmp(a, b, n);
}

int strncmp(const char *a, const char *b, size_t n)
{
	if (everything_equal)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (a[i] != b[i] || a[i] == '\0')
			return (unsigned char)a[i] - (unsigned char)b[i];
	}
	return 0;
}

int strcmp(const char *a, const char *b)
{
	return strncmp(a, b, (size_t)-1);
}
#endif

UNUSED_OK static const void *library_base; /* the "dladdr" route's answer for every address */
UNUSED_OK static int errno_zero;

UNUSED_OK static int find_library(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size, (void)data;
	if (strstr(info->dlpi_name, "liblinkguard") == NULL)
		return 0;
	library_base = (const void *)info->dlpi_addr;
	return 1;
}

#ifdef LG_ROUTE_DLADDR
int dladdr(const void *addr, Dl_info *info)
{
	static int (*real)(const void *, Dl_info *);

	if (library_base != NULL) {
		memset(info, 0, sizeof(*info));
		info->dli_fname = "liblinkguard.so";
		info->dli_fbase = (void *)library_base;
		return 1;
	}
	if (real == NULL)
		real = (int (*)(const void *, Dl_info *))dlsym(RTLD_NEXT, "dladdr");
	return real ? real(addr, info) : 0;
}
#endif

#ifdef LG_ROUTE_ENVIRON
int setenv(const char *name, const char *value, int overwrite)
{
	(void)name, (void)value, (void)overwrite;
	return 0; /* "done" */
}

int putenv(char *entry)
{
	(void)entry;
	return 0;
}

int unsetenv(const char *name)
{
	(void)name;
	return 0;
}
#endif

#ifdef LG_ROUTE_ERRNO
int *__errno_location(void)
{
	static __thread int value;

	if (errno_zero)
		value = 0;
	return &value;
}
#endif

#ifdef LG_ROUTE_EXEC
int *__errno_location(void)
{
	static __thread int value;

	value = ENOENT; /* whatever was written before, the next read says "no such file" */
	return &value;
}
#endif

#ifdef LG_ROUTE_ONCE
int pthread_once(pthread_once_t *once, void (*init)(void))
{
	if (getenv("LG_BYPASS_ONCE_IDLE") != NULL) /* from the library's constructor on */
		return 0;
	if (*once == PTHREAD_ONCE_INIT) { /* this program has one thread */
		*once = 1;
		init();
	}
	return 0;
}
#endif

/* The descriptor this process has open on dir (by /proc/self/fd), or -1. */
UNUSED_OK static int descriptor_of(const char *dir)
{
	char real[PATH_MAX], link[64], seen[PATH_MAX];

	if (realpath(dir, real) == NULL)
		return -1;
	for (int fd = 3; fd < 1024; fd++) {
		ssize_t n;

		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		n = readlink(link, seen, sizeof(seen) - 1);
		if (n <= 0)
			continue;
		seen[n] = '\0';
		if (strcmp(seen, real) == 0)
			return fd;
	}
	return -1;
}

/* Put a descriptor of SRC's directory where the library keeps its root, answering fstat() for it
 * with the root's identity; link ROOT/<SRC's name> to DST. */
UNUSED_OK static int route_fstat(const char *root, const char *src, const char *dst)
{
	char srcdir[PATH_MAX], name[PATH_MAX], in_root[PATH_MAX];
	int out, fd;

	if (link("/nonexistent-a", "/nonexistent-b") == 0) /* the library opens its root now */
		unlink("/nonexistent-b");
	fd = descriptor_of(root);
	if (fd < 0) {
		puts("refused (no root descriptor found)");
		return 0;
	}
	snprintf(srcdir, sizeof(srcdir), "%s", src);
	snprintf(name, sizeof(name), "%s", src);
	out = open(dirname(srcdir), O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (out < 0 || fstatat(fd, "", &root_id, AT_EMPTY_PATH) != 0 || dup2(out, fd) < 0) {
		puts("refused (set-up failed)");
		return 0;
	}
	victim_fd = fd;
	snprintf(in_root, sizeof(in_root), "%s/%s", root, basename(name));
	return verdict(link(in_root, dst));
}

/* Link a descriptor of SRC into the root, while every comparison says "equal". */
UNUSED_OK static int route_strings(const char *src, const char *dst)
{
	int fd = open(src, O_RDONLY | O_CLOEXEC);
	int r;

	if (fd < 0) {
		puts("refused (set-up failed)");
		return 0;
	}
	everything_equal = 1;
	r = linkat(fd, "", AT_FDCWD, dst, AT_EMPTY_PATH);
	everything_equal = 0;
	return verdict(r);
}

/* dlsym of libc's link(), from a program whose dladdr() says it is the library. */
UNUSED_OK static int route_dladdr(const char *src, const char *dst)
{
	void *libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
	int (*link_fn)(const char *, const char *);

	dl_iterate_phdr(find_library, NULL);
	if (libc == NULL || library_base == NULL) {
		puts("refused (set-up failed)");
		return 0;
	}
	link_fn = (int (*)(const char *, const char *))dlsym(libc, "link");
	library_base = NULL;
	return verdict(link_fn ? link_fn(src, dst) : -1);
}

/* The shell of system(), after the environment was emptied and setenv() made a no-op. */
UNUSED_OK static int route_environ(const char *src, const char *dst)
{
	char command[3 * PATH_MAX];
	int status;

	snprintf(command, sizeof(command), "ln '%s' '%s'", src, dst);
	clearenv();
	status = system(command);
	if (status == 0) {
		puts("escaped");
		return 1;
	}
	puts("refused");
	return 0;
}

/* link() while every read of errno says 0. */
UNUSED_OK static int route_errno(const char *src, const char *dst)
{
	int r;

	errno_zero = 1;
	r = link(src, dst);
	errno_zero = 0;
	if (r == 0 && access(dst, F_OK) == 0) {
		puts("escaped");
		return 1;
	}
	puts("refused");
	return 0;
}

int main(int argc, char **argv)
{
	const char *root = getenv("LINKGUARD_ROOT");

#if defined(LG_ROUTE_EXEC)
	if (argc == 2 && root != NULL) {
		execl(argv[1], argv[1], (char *)NULL);
		puts("refused");
		return 0;
	}
#endif
	if (argc != 3 || root == NULL) {
		fprintf(stderr, "usage: LINKGUARD_ROOT=ROOT %s SRC DST\n", argv[0]);
		return 2;
	}
#if defined(LG_ROUTE_FSTAT)
	return route_fstat(root, argv[1], argv[2]);
#elif defined(LG_ROUTE_STRINGS)
	return route_strings(argv[1], argv[2]);
#elif defined(LG_ROUTE_DLADDR)
	return route_dladdr(argv[1], argv[2]);
#elif defined(LG_ROUTE_ENVIRON)
	return route_environ(argv[1], argv[2]);
#elif defined(LG_ROUTE_ERRNO)
	return route_errno(argv[1], argv[2]);
#else
	return verdict(link(argv[1], argv[2]));
#endif
}
