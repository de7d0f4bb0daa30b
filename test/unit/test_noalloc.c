/* test_noalloc.c - the interposed calls make no heap allocation: count malloc & co. around them. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../tap.h"
#include "lg_compat.h"

/*
 * The executable's own malloc comes first in symbol lookup, before the preloaded shim and libc,
 * so every allocation the shim makes passes through these counters.
 */
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);

static volatile long allocations;

void *malloc(size_t n)
{
	allocations++;
	return __libc_malloc(n);
}

void *calloc(size_t n, size_t m)
{
	allocations++;
	return __libc_calloc(n, m);
}

void *realloc(void *p, size_t n)
{
	allocations++;
	return __libc_realloc(p, n);
}

void *aligned_alloc(size_t a, size_t n)
{
	allocations++;
	return __libc_memalign(a, n);
}

int posix_memalign(void **p, size_t a, size_t n)
{
	allocations++;
	*p = __libc_memalign(a, n);
	return *p ? 0 : ENOMEM;
}

/* The root is read when the shim loads, so set it up and run again with the shim preloaded. */
static void reexec_confined(char **argv)
{
	static char root[64] = "/tmp/lg-noalloc-XXXXXX";
	char cmd[256], lib[PATH_MAX];

	if (realpath(argv[1], lib) == NULL) {
		perror(argv[1]);
		exit(1);
	}
	if (mkdtemp(root) == NULL) {
		perror("mkdtemp");
		exit(1);
	}
	snprintf(cmd, sizeof(cmd), "mkdir -p %s/root/d %s/out && echo x > %s/root/f", root, root,
		 root);
	if (system(cmd) != 0 || chdir(root) != 0)
		exit(1);
	setenv("LG_NOALLOC_DIR", root, 1);
	strcat(root, "/root");
	setenv("LINKGUARD_ROOT", root, 1);
	setenv("LD_PRELOAD", lib, 1);
	execv("/proc/self/exe", argv);
	perror("execv");
	exit(1);
}

/* One round of every entry point: legit, denied, and bad input. */
static int legit_failures, escapes_allowed, bad_input_accepted;
static const char *volatile no_path; /* NULL, hidden from the compiler's nonnull check */

static void one_round(void)
{
	static char over[PATH_MAX + 8];

	memset(over, 'a', sizeof(over) - 1);
	if (link("root/f", "root/d/g") != 0 || rename("root/d/g", "root/h") != 0 ||
	    unlink("root/h") != 0)
		legit_failures++;
	/* Each escape must be refused: that also proves the shim is loaded at all. */
	if (link("root/f", "out/x") == 0 || rename("root/f", "out/x") == 0 ||
	    linkat(AT_FDCWD, "root/f", AT_FDCWD, "root/../out/x", 0) == 0 ||
	    renameat2(AT_FDCWD, "root/f", AT_FDCWD, "/etc/x", RENAME_NOREPLACE) == 0 ||
	    syscall(SYS_renameat2, AT_FDCWD, "root/f", AT_FDCWD, "out/y", 0) == 0)
		escapes_allowed++;
	/* Bad input: each call fails (EFAULT, ENAMETOOLONG, EBADF, EINVAL). */
	if (link(no_path, "root/x") == 0 || link(over, "root/x") == 0 ||
	    linkat(12345, "f", AT_FDCWD, "root/x", 0) == 0 ||
	    linkat(AT_FDCWD, "root/f", AT_FDCWD, "root/x", 0x4000000) == 0)
		bad_input_accepted++;
	syscall(SYS_getpid);
}

int main(int argc, char **argv)
{
	long before, after;

	if (argc < 2) {
		fprintf(stderr, "usage: test_noalloc PATH/TO/liblinkguard.so\n");
		return 2;
	}
	if (getenv("LINKGUARD_ROOT") == NULL)
		reexec_confined(argv);
	/* The denials' diagnostics are exercised, not read. */
	dup2(open("/dev/null", O_WRONLY), STDERR_FILENO);
	one_round(); /* warm-up: stdio and the first diagnostic may allocate in libc */
	before = allocations;
	for (int i = 0; i < 200; i++)
		one_round();
	after = allocations;
	free(strdup("the counter must see this one"));
	if (allocations == after)
		tap_bail("the malloc counter does not count");
	tap_plan(4);
	tap_ok(after == before, "%ld heap allocations in 200 rounds of interposed calls",
	       after - before);
	tap_ok(legit_failures == 0, "%d legit calls failed", legit_failures);
	tap_ok(escapes_allowed == 0, "%d escapes allowed (the shim is loaded)", escapes_allowed);
	tap_ok(bad_input_accepted == 0, "%d rounds accepted bad input", bad_input_accepted);
	fflush(stdout);
	if (system("rm -rf \"$LG_NOALLOC_DIR\"") != 0)
		return 1;
	return tap_status();
}
