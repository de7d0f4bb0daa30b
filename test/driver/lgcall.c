/* lgcall.c - make one link/rename call from the command line and print "ok" or "err ENAME". */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lg_compat.h"

#define CALLARGS_PROG "lgcall"
#include "lg_callargs.h"

#define SENTINEL_ERRNO 4242 /* no call sets it: a success that changes errno is a bug */

static const char usage[] =
    "usage: lgcall [-C DIR] OP ARGS...\n" CALLARGS_USAGE_CALLS
    "  sys_link, sys_rename, sys_linkat, sys_renameat, sys_renameat2: the same through "
    "syscall()\n"
    "  dl_link OLD NEW: link() as dlsym finds it in libc's own handle\n"
    "  probe: print the kernel features this platform sees (openat2, Landlock ABI)\n"
    "  exec VIA PROGRAM [ARG...]: empty the environment, run PROGRAM by VIA (execve, execv,\n"
    "       execvp, execl, posix_spawn, posix_spawnp; system and popen take one "
    "COMMAND)\n"
    "  respawn PROGRAM CHANGE: posix_spawn PROGRAM, run CHANGE (a shell command,\n"
    "       seteuid:N, or mapped:OLD:NEW to write NEW over OLD in PROGRAM through a shared\n"
    "       mapping), posix_spawn it again; print each spawn's status\n" CALLARGS_USAGE_ARGS
    "PATH: NULL for a NULL pointer; %o and %n become the OLDFD and NEWFD numbers, %p the pid\n"
    "prints \"ok\" (exit 0) or \"err ENAME\" (exit 1); exit 3 when a success changed errno\n";

static void fail_usage(const char *why)
{
	fprintf(stderr, "lgcall: %s\n%s", why, usage);
	exit(2);
}

/* NULL for "NULL"; %o and %n replaced by the descriptor numbers, %p by the driver's own pid
 * (for /proc/self/fd/N and /proc/<pid>/fd/N without a shell in between). */
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
		} else if (spec[0] == '%' && spec[1] == 'p') {
			n += (size_t)sprintf(out + n, "%d", (int)getpid());
			spec++;
		} else {
			out[n++] = *spec;
		}
	}
	out[n] = '\0';
	return out;
}

/* dl_link OLD NEW: link() as dlsym hands it out of libc's own handle (a level-2 bypass the
 * library closes: it must hand back its wrapper, on glibc and on musl alike). */
static int dl_link(const char *old, const char *new)
{
	typedef int (*link_fn)(const char *, const char *);
	Dl_info info;
	void *libc;
	link_fn fn;

	if (dladdr((void *)getpid, &info) == 0 ||
	    (libc = dlopen(info.dli_fname, RTLD_NOW | RTLD_NOLOAD)) == NULL) {
		fprintf(stderr, "lgcall: no handle of libc: %s\n", dlerror());
		exit(2);
	}
	fn = (link_fn)dlsym(libc, "link");
	if (fn == NULL) {
		fprintf(stderr, "lgcall: no link in libc: %s\n", dlerror());
		exit(2);
	}
	return fn(old, new);
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
	if (two && strcmp(op, "dl_link") == 0)
		return dl_link(old, new);
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

/*
 * exec VIA PROGRAM [ARG...]: with the environment emptied (as env -i does), run PROGRAM through
 * one member of the exec family; the spawning ones wait and exit with the child's status.
 * system and popen take one shell command instead.
 */
static int run_via(const char *via, char **a, int argc)
{
	static char *const no_env[] = {NULL};
	int status = 0;
	pid_t pid;

	if (argc < 1 || clearenv() != 0)
		fail_usage("exec: VIA PROGRAM [ARG...]");
	errno = 0;
	if (strcmp(via, "execve") == 0)
		execve(a[0], a, no_env);
	else if (strcmp(via, "execv") == 0)
		execv(a[0], a);
	else if (strcmp(via, "execvp") == 0)
		execvp(a[0], a);
	else if (strcmp(via, "execl") == 0 && argc <= 6)
		execl(a[0], a[0], argc > 1 ? a[1] : NULL, argc > 2 ? a[2] : NULL,
		      argc > 3 ? a[3] : NULL, argc > 4 ? a[4] : NULL, argc > 5 ? a[5] : NULL,
		      (char *)NULL);
	else if (strcmp(via, "posix_spawn") == 0 || strcmp(via, "posix_spawnp") == 0) {
		errno = (via[11] == 'p' ? posix_spawnp : posix_spawn)(&pid, a[0], NULL, NULL, a,
								      no_env);
		if (errno == 0 && waitpid(pid, &status, 0) == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	} else if (strcmp(via, "system") == 0 && argc == 1) {
		status = system(a[0]);
		if (status != -1)
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	} else if (strcmp(via, "popen") == 0 && argc == 1) {
		FILE *f = popen(a[0], "r");
		char line[512];

		if (f != NULL) {
			while (fgets(line, sizeof(line), f) != NULL)
				fputs(line, stdout);
			status = pclose(f);
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		}
	} else
		fail_usage("exec: unknown VIA or wrong number of arguments");
	printf("err %s\n", strerrorname_np(errno) ? strerrorname_np(errno) : "EUNKNOWN");
	return 1;
}

/* posix_spawn program (no arguments), wait: "0" (its exit status) or "err ENAME". */
static void spawn_and_say(const char *label, char *program)
{
	char *argv[] = {program, NULL};
	extern char **environ;
	int status, err;
	pid_t pid;

	err = posix_spawn(&pid, program, NULL, NULL, argv, environ);
	if (err == 0 && waitpid(pid, &status, 0) == pid)
		printf("%s: %d\n", label, WIFEXITED(status) ? WEXITSTATUS(status) : 128);
	else
		printf("%s: err %s\n", label,
		       strerrorname_np(err) ? strerrorname_np(err) : "EUNKNOWN");
	fflush(stdout);
}

/*
 * Through a shared writable mapping of file, write new (padded with NULs to old's length) over
 * the first old in it: on tmpfs such a write changes neither mtime nor ctime. 0 or -1.
 */
static int patch_mapped(const char *file, const char *old, const char *new)
{
	size_t old_len = strlen(old), new_len = strlen(new);
	struct stat st;
	char *map, *at;
	int fd = open(file, O_RDWR | O_CLOEXEC), r = -1;

	if (fd < 0 || fstat(fd, &st) != 0 || new_len > old_len || st.st_size <= 0)
		goto out;
	map = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		goto out;
	at = memmem(map, (size_t)st.st_size, old, old_len);
	if (at != NULL) {
		memcpy(at, new, new_len);
		memset(at + new_len, 0, old_len - new_len);
		r = 0;
	}
	munmap(map, (size_t)st.st_size);
out:
	if (fd >= 0)
		close(fd);
	return r;
}

/*
 * respawn PROGRAM CHANGE: spawn PROGRAM, make the change, spawn it again, in one process (whose
 * exec gate might remember the first look). CHANGE: a shell command (system()), "seteuid:N", or
 * "mapped:OLD:NEW" (patch_mapped).
 */
static int respawn(char *program, const char *change)
{
	char old[PATH_MAX];
	const char *colon;

	spawn_and_say("first", program);
	if (strncmp(change, "seteuid:", 8) == 0) {
		if (seteuid((uid_t)strtoul(change + 8, NULL, 10)) != 0)
			return 2;
	} else if (strncmp(change, "mapped:", 7) == 0) {
		colon = strchr(change + 7, ':');
		if (colon == NULL || (size_t)(colon - change - 7) >= sizeof(old))
			return 2;
		memcpy(old, change + 7, (size_t)(colon - change - 7));
		old[colon - change - 7] = '\0';
		if (patch_mapped(program, old, colon + 1) != 0)
			return 2;
	} else if (system(change) != 0) {
		return 2;
	}
	spawn_and_say("second", program);
	return 0;
}

/* The errno name of a failed system call's answer, or "ok". */
static const char *answer(long r)
{
	if (r >= 0)
		return "ok";
	return strerrorname_np(errno) ? strerrorname_np(errno) : "EUNKNOWN";
}

/* What the kernel, as this program sees it (an emulator may hide some), offers the resolver and
 * the launcher: for the platform table in README.md. */
static int probe(void)
{
	struct open_how how = {.flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_BENEATH};
	long r = syscall(SYS_openat2, AT_FDCWD, ".", &how, sizeof(how));

	printf("openat2: %s\n", answer(r));
	if (r >= 0)
		close((int)r);
	r = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
	if (r >= 0)
		printf("landlock: ABI %ld\n", r);
	else
		printf("landlock: %s\n", answer(r));
	return 0;
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
	if (argc == 2 && strcmp(argv[1], "probe") == 0)
		return probe();
	if (argc >= 4 && strcmp(argv[1], "exec") == 0)
		return run_via(argv[2], argv + 3, argc - 3);
	if (argc == 4 && strcmp(argv[1], "respawn") == 0)
		return respawn(argv[2], argv[3]);
	r = call(argv[1], argv + 2, argc - 2);
	err = errno;
	if (r == 0) {
		printf(err == SENTINEL_ERRNO ? "ok\n" : "ok errno-clobbered\n");
		return err == SENTINEL_ERRNO ? 0 : 3;
	}
	printf("err %s\n", strerrorname_np(err) ? strerrorname_np(err) : "EUNKNOWN");
	return 1;
}
