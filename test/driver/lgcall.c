/* lgcall.c - make one link/rename call from the command line and print "ok" or "err ENAME". */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define CALLARGS_PROG "lgcall"
#include "lg_callargs.h"

#define SENTINEL_ERRNO 4242 /* no call sets it: a success that changes errno is a bug */

static const char usage[] =
    "usage: lgcall [-C DIR] OP ARGS...\n" CALLARGS_USAGE_CALLS
    "  sys_link, sys_rename, sys_linkat, sys_renameat, sys_renameat2: the same through "
    "syscall()\n" CALLARGS_USAGE_ARGS
    "PATH: NULL for a NULL pointer; %o and %n become the OLDFD and NEWFD numbers\n"
    "prints \"ok\" (exit 0) or \"err ENAME\" (exit 1); exit 3 when a success changed errno\n";

static void fail_usage(const char *why)
{
	fprintf(stderr, "lgcall: %s\n%s", why, usage);
	exit(2);
}

/* NULL for "NULL"; %o and %n replaced by the descriptor numbers (for /proc/self/fd/N). */
static const char *parse_path(const char *spec, int old_fd, int new_fd)
{
	static char bufs[2][PATH_MAX * 2];
	static int which;
	char *out = bufs[which++ % 2];
	size_t n = 0;

	if (strcmp(spec, "NULL") == 0)
		return NULL;
	for (; *spec && n < sizeof(bufs[0]) - 16; spec++) {
		if (spec[0] == '%' && (spec[1] == 'o' || spec[1] == 'n')) {
			n += (size_t)sprintf(out + n, "%d", spec[1] == 'o' ? old_fd : new_fd);
			spec++;
		} else {
			out[n++] = *spec;
		}
	}
	out[n] = '\0';
	return out;
}

static long call(const char *op, char **a, int argc)
{
	int two = argc == 2, four = argc == 4, five = argc == 5;
	int ofd = (four || five) ? callargs_fd(a[0]) : AT_FDCWD;
	int nfd = (four || five) ? callargs_fd(a[2]) : AT_FDCWD;
	const char *old = parse_path(two ? a[0] : (four || five) ? a[1] : "", ofd, nfd);
	const char *new = parse_path(two ? a[1] : (four || five) ? a[3] : "", ofd, nfd);
	unsigned flags = five ? callargs_flags(a[4]) : 0;

	errno = SENTINEL_ERRNO;
	if (two && strcmp(op, "link") == 0)
		return link(old, new);
	if (two && strcmp(op, "rename") == 0)
		return rename(old, new);
	if (five && strcmp(op, "linkat") == 0)
		return linkat(ofd, old, nfd, new, (int)flags);
	if (four && strcmp(op, "renameat") == 0)
		return renameat(ofd, old, nfd, new);
	if (five && strcmp(op, "renameat2") == 0)
		return renameat2(ofd, old, nfd, new, flags);
#ifdef SYS_link
	if (two && strcmp(op, "sys_link") == 0)
		return syscall(SYS_link, old, new);
	if (two && strcmp(op, "sys_rename") == 0)
		return syscall(SYS_rename, old, new);
#endif
	if (five && strcmp(op, "sys_linkat") == 0)
		return syscall(SYS_linkat, ofd, old, nfd, new, flags);
	if (four && strcmp(op, "sys_renameat") == 0)
		return syscall(SYS_renameat, ofd, old, nfd, new);
	if (five && strcmp(op, "sys_renameat2") == 0)
		return syscall(SYS_renameat2, ofd, old, nfd, new, flags);
	fail_usage("unknown operation or wrong number of arguments");
	return -1;
}

int main(int argc, char **argv)
{
	long r;
	int err, skip;

	skip = callargs_chdir(argv + 1, argc - 1);
	argc -= skip;
	argv += skip;
	if (argc < 2)
		fail_usage("no operation");
	r = call(argv[1], argv + 2, argc - 2);
	err = errno;
	if (r == 0) {
		printf(err == SENTINEL_ERRNO ? "ok\n" : "ok errno-clobbered\n");
		return err == SENTINEL_ERRNO ? 0 : 3;
	}
	printf("err %s\n", strerrorname_np(err) ? strerrorname_np(err) : "EUNKNOWN");
	return 1;
}
