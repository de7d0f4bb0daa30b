/* lg_callargs.h - the command line the two call drivers share: lgcall (through libc, under the
 * shim) and test/routes/rawcall.c (static, raw system calls, io_uring). Only parsing, on top of
 * open() and chdir(), so that every build of rawcall can include it.
 *
 * The includer defines CALLARGS_PROG (its name, for messages) and fail_usage(why), which prints
 * why and the usage and exits 2; bad input here ends that way too.
 */
#ifndef LG_CALLARGS_H
#define LG_CALLARGS_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#define RENAME_EXCHANGE	 (1 << 1)
#define RENAME_WHITEOUT	 (1 << 2)
#endif

/* The usage lines of what this header parses. */
#define CALLARGS_USAGE_CALLS                                                                       \
	"  link OLD NEW | rename OLD NEW\n"                                                        \
	"  linkat OLDFD OLD NEWFD NEW FLAGS | renameat OLDFD OLD NEWFD NEW\n"                      \
	"  renameat2 OLDFD OLD NEWFD NEW FLAGS\n"
#define CALLARGS_USAGE_ARGS                                                                        \
	"FD: cwd | closed | N | dir:PATH | path:PATH (O_PATH) | file:PATH | tmpfile:DIR "          \
	"(O_TMPFILE)\n"                                                                            \
	"FLAGS: 0, a number, or names joined by '|' (AT_SYMLINK_FOLLOW, AT_EMPTY_PATH,\n"          \
	"       RENAME_NOREPLACE, RENAME_EXCHANGE, RENAME_WHITEOUT)\n"

static void fail_usage(const char *why);

/* callargs_open: open(path, flags), or exit 2 saying why. */
static inline int callargs_open(const char *path, int flags)
{
	int fd = open(path, flags, 0600);

	if (fd < 0) {
		fprintf(stderr, "%s: cannot open %s: %s\n", CALLARGS_PROG, path, strerror(errno));
		exit(2);
	}
	return fd;
}

/* callargs_fd: the descriptor an FD argument names (see CALLARGS_USAGE_ARGS). */
static inline int callargs_fd(const char *spec)
{
	char *end;
	long n;
	int fd;

	if (strcmp(spec, "cwd") == 0)
		return AT_FDCWD;
	if (strcmp(spec, "closed") == 0) {
		fd = callargs_open("/", O_RDONLY | O_DIRECTORY);
		close(fd);
		return fd;
	}
	if (strncmp(spec, "dir:", 4) == 0)
		return callargs_open(spec + 4, O_RDONLY | O_DIRECTORY);
	if (strncmp(spec, "path:", 5) == 0)
		return callargs_open(spec + 5, O_PATH);
	if (strncmp(spec, "file:", 5) == 0)
		return callargs_open(spec + 5, O_RDONLY);
	if (strncmp(spec, "tmpfile:", 8) == 0)
		return callargs_open(spec + 8, O_TMPFILE | O_RDWR);
	n = strtol(spec, &end, 0);
	if (*spec == '\0' || *end != '\0')
		fail_usage("bad descriptor");
	return (int)n;
}

/* callargs_flags: the value of a FLAGS argument: names and numbers joined by '|'. */
static inline unsigned callargs_flags(const char *spec)
{
	static const struct {
		const char *name;
		unsigned value;
	} names[] = {
	    {"AT_SYMLINK_FOLLOW", AT_SYMLINK_FOLLOW}, {"AT_EMPTY_PATH", AT_EMPTY_PATH},
	    {"RENAME_NOREPLACE", RENAME_NOREPLACE},   {"RENAME_EXCHANGE", RENAME_EXCHANGE},
	    {"RENAME_WHITEOUT", RENAME_WHITEOUT},
	};
	unsigned flags = 0;
	char copy[256], *tok, *save = NULL, *end;

	snprintf(copy, sizeof(copy), "%s", spec);
	for (tok = strtok_r(copy, "|", &save); tok; tok = strtok_r(NULL, "|", &save)) {
		size_t i;

		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (strcmp(tok, names[i].name) == 0)
				break;
		if (i < sizeof(names) / sizeof(names[0])) {
			flags |= names[i].value;
			continue;
		}
		flags |= (unsigned)strtoul(tok, &end, 0);
		if (*end != '\0')
			fail_usage("bad flag");
	}
	return flags;
}

/* callargs_chdir: with "-C DIR" first among args[0..n), enter DIR (or exit 2) and return 2,
 * the arguments it took; else 0. */
static inline int callargs_chdir(char **args, int n)
{
	if (n < 2 || strcmp(args[0], "-C") != 0)
		return 0;
	if (chdir(args[1]) != 0) {
		fprintf(stderr, "%s: cannot chdir to %s: %s\n", CALLARGS_PROG, args[1],
			strerror(errno));
		exit(2);
	}
	return 2;
}

#endif
