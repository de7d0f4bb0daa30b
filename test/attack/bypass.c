/* bypass.c - lg_bypass: a confined program that reaches for libc's link() through the loader.
 *
 * usage: lg_bypass ROUTE SRC DST [EXTRA]
 * Each ROUTE tries to hard-link SRC (outside the root) to DST (inside) by one door of the
 * dynamic loader or of libc that is not link()'s own name. Prints "refused ERRNO-NAME" (the
 * link failed) or "escaped" (it succeeded) and exits 0 or 1; "skip: WHY" and exit 77 when this
 * platform has no such door. The suite checks that nothing outside the root changed.
 *
 *   dlsym-handle  dlsym(dlopen("libc.so.6"), "link")        dlvsym-handle  the same, dlvsym
 *   dlsym-default dlsym(RTLD_DEFAULT, "link")                dlvsym-default
 *   dlsym-next    dlsym(RTLD_NEXT, "link")                   dlvsym-next
 *   dlsym-dlsym   libc's own dlsym, itself found by dlsym    dlvsym-dlsym   ... by dlvsym
 *   dlmopen       link() of libc loaded in a new link-map namespace
 *   deepbind      a plugin (EXTRA) opened RTLD_DEEPBIND calls link()
 *   io-popen      _IO_popen("ln SRC DST") with LD_PRELOAD and LINKGUARD_ROOT unset first
 *   libc-system   __libc_system("ln SRC DST"), the same
 *   ld-audit      run `true` with LD_AUDIT=EXTRA (an auditor that links SRC to DST)
 *   pidfd-spawn   glibc 2.39's pidfd_spawn("/bin/ln", SRC, DST) with the settings unset first
 *   binfmt        in a user and mount namespace of its own, register a binfmt_misc handler
 *                 whose interpreter is EXTRA (a static program that links LG_AUDIT_SRC to
 *                 LG_AUDIT_DST), then exec DST.prog, a file with that handler's magic
 *   binfmt-masked the same, with /proc/self/ns/user masked first: a symlink to the namespace the
 *                 program started in, mounted over it, and this mount namespace's /proc put
 *                 (dup2) in place of every descriptor that reads "/proc" (the library's)
 *   binfmt-uname26 the same as binfmt, under the UNAME26 personality: uname() spells the kernel
 *                 "2.6.x", a version whose namespaces have no handlers of their own
 *   binfmt-warm-unshare, -syscall, -clone, -__clone, -setns  the same as binfmt, after a first
 *                 exec (a posix_spawn of /bin/true) that found the start namespace; then the
 *                 namespace is entered by unshare(), syscall(SYS_unshare), a clone(CLONE_NEWUSER)
 *                 child (by clone, or by glibc's other name for it, __clone), or setns() into
 *                 the user namespace of a child that made one
 *   seccomp-prctl  put descriptor 0 on the directory EXTRA, install (prctl) a seccomp filter that
 *                 answers openat2 and openat with 0 in the kernel's place, then link(SRC, DST):
 *                 the library's look at the parent "opens" descriptor 0
 *   seccomp-syscall the same, the filter installed by syscall(SYS_seccomp)
 *   plain         link(SRC, DST): the library's ordinary answer, for comparison
 *   rename        rename(SRC, DST), the same (through whatever preload wraps it)
 *   next-caller   (not an attack) dlsym(RTLD_NEXT, "lg_probe") from the program finds the
 *                 definition of a preload ahead of the library: prints "ok" or "wrong"
 *   runpath NAME  (not an attack) dlopen(NAME) finds the plugin by the program's RUNPATH
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sched.h>
#include <dirent.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../own_ns.h"
#include "verdict.h"

/* The version link() had in glibc's first release for this architecture. */
#if defined(__x86_64__)
#define LINK_VERSION "GLIBC_2.2.5"
#elif defined(__aarch64__)
#define LINK_VERSION "GLIBC_2.17"
#endif
#define DL_VERSION "GLIBC_2.34" /* dlsym's, since it moved into libc */

typedef int (*link_fn)(const char *, const char *);
typedef void *(*dlsym_fn)(void *, const char *);
typedef void *(*dlvsym_fn)(void *, const char *, const char *);

extern FILE *_IO_popen(const char *command, const char *mode);
extern int __libc_system(const char *command);

#ifndef LINK_VERSION
static int skip(const char *why)
{
	printf("skip: %s\n", why);
	return 77;
}
#endif

static void *libc_handle(void)
{
	void *h = dlopen("libc.so.6", RTLD_NOW);

	if (h == NULL) {
		fprintf(stderr, "dlopen libc.so.6: %s\n", dlerror());
		exit(3);
	}
	return h;
}

/* link() as found by lookup in handle; NULL lookups are a refusal too. */
static int by_symbol(link_fn f, const char *src, const char *dst)
{
	if (f == NULL) {
		printf("refused (no symbol: %s)\n", dlerror());
		return 0;
	}
	return verdict(f(src, dst));
}

static int by_version(void *handle, const char *src, const char *dst)
{
#ifdef LINK_VERSION
	return by_symbol((link_fn)dlvsym(handle, "link", LINK_VERSION), src, dst);
#else
	(void)handle, (void)src, (void)dst;
	return skip("no known version of link() on this architecture");
#endif
}

static int by_namespace(const char *src, const char *dst)
{
	void *h = dlmopen(LM_ID_NEWLM, "libc.so.6", RTLD_NOW);

	if (h == NULL) {
		printf("refused (dlmopen: %s)\n", dlerror());
		return 0;
	}
	return by_symbol((link_fn)dlsym(h, "link"), src, dst);
}

static int by_deepbind(const char *plugin, const char *src, const char *dst)
{
	void *h = dlopen(plugin, RTLD_NOW | RTLD_DEEPBIND);
	link_fn f;

	if (h == NULL) {
		fprintf(stderr, "dlopen %s: %s\n", plugin, dlerror());
		return 3;
	}
	f = (link_fn)dlsym(h, "lg_plugin_link");
	if (f == NULL)
		return 3;
	return verdict(f(src, dst));
}

/* A shell command run by the alias after the settings are gone from the environment. */
static int by_shell(int use_popen, const char *src, const char *dst)
{
	char command[8192];
	FILE *p;
	int status;

	snprintf(command, sizeof(command), "ln '%s' '%s'", src, dst);
	unsetenv("LD_PRELOAD");
	unsetenv("LINKGUARD_ROOT");
	if (use_popen) {
		p = _IO_popen(command, "r");
		if (p == NULL)
			return 3;
		status = pclose(p);
	} else {
		status = __libc_system(command);
	}
	return verdict(WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : (errno = EPERM, -1));
}

static int by_audit(const char *auditor)
{
	char value[4096];
	int status;
	pid_t pid;

	snprintf(value, sizeof(value), "LD_AUDIT=%s", auditor);
	putenv(value);
	pid = fork();
	if (pid == 0) {
		execlp("true", "true", (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return 3;
	/* The auditor leaves its verdict in the file system: the suite looks at DST. */
	puts(WIFEXITED(status) && WEXITSTATUS(status) == 0 ? "ran" : "refused");
	return 0;
}

typedef int (*pidfd_spawn_fn)(int *, const char *, const void *, const void *, char *const[],
			      char *const[]);

static int by_pidfd_spawn(const char *src, const char *dst)
{
	pidfd_spawn_fn f = (pidfd_spawn_fn)dlsym(libc_handle(), "pidfd_spawn");
	char *argv[] = {"ln", (char *)src, (char *)dst, NULL};
	extern char **environ;
	int pidfd, r, status;

	if (f == NULL) {
		/* Before glibc 2.39 only the library's wrapper has the name: it must answer ENOSYS
		 * and start nothing, as a libc without the function would. */
		f = (pidfd_spawn_fn)dlsym(RTLD_DEFAULT, "pidfd_spawn");
		r = f ? f(&pidfd, "/bin/ln", NULL, NULL, argv, environ) : -1;
		if (r != ENOSYS)
			return 3;
		puts("absent: this libc has no pidfd_spawn; the library's answers ENOSYS");
		return 0;
	}
	unsetenv("LD_PRELOAD");
	unsetenv("LINKGUARD_ROOT");
	r = f(&pidfd, "/bin/ln", NULL, NULL, argv, environ);
	if (r != 0) {
		errno = r;
		return verdict(-1);
	}
	if (wait(&status) < 0)
		return 3;
	return verdict(WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : (errno = EPERM, -1));
}

/* This mount namespace's /proc in place of every descriptor that reads "/proc" (the library's). */
static int replace_proc_descriptors(void)
{
	int fresh = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;

	if (fresh < 0 || d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		char link[64], target[16];
		int fd = atoi(e->d_name);
		ssize_t n;

		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		n = readlink(link, target, sizeof(target) - 1);
		if (n == 5 && memcmp(target, "/proc", 5) == 0 && fd != fresh && fd != dirfd(d))
			dup3(fresh, fd, O_CLOEXEC);
	}
	closedir(d);
	return 0;
}

/*
 * Over /proc/self/ns/user, mount a symlink (made at base.nslink) to start_ns, a descriptor of the
 * namespace the program started in: a stat that follows it, crossing the mount, finds that one.
 */
static int mask_userns(const char *base, int start_ns)
{
#if defined(SYS_open_tree) && defined(SYS_move_mount) && defined(OPEN_TREE_CLONE)
	char link[4096], target[64];
	int tree;

	snprintf(link, sizeof(link), "%s.nslink", base);
	snprintf(target, sizeof(target), "/proc/self/fd/%d", start_ns);
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 || symlink(target, link) != 0)
		return -1;
	tree = (int)syscall(SYS_open_tree, AT_FDCWD, link,
			    OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_SYMLINK_NOFOLLOW);
	if (tree < 0 || syscall(SYS_move_mount, tree, "", AT_FDCWD, "/proc/self/ns/user",
				MOVE_MOUNT_F_EMPTY_PATH) != 0)
		return -1;
	return replace_proc_descriptors();
#else
	(void)base;
	(void)start_ns;
	errno = ENOSYS;
	return -1;
#endif
}

enum binfmt_way {
	PLAIN,
	MASKED,
	UNAME26_PERSONA,
	WARM_UNSHARE,
	WARM_SYSCALL,
	WARM_CLONE,
	WARM_UNDERSCORE_CLONE,
	WARM_SETNS
};

/* glibc exports clone under this name as well. */
extern int __clone(int (*fn)(void *), void *stack, int flags, void *arg, ...);

/* Join the user namespace a child makes (setns), then make a mount namespace it owns. */
static int join_child_namespace(void)
{
	char pid_text[32], ns[64];
	int ready[2], fd, r = -1;
	uid_t uid = getuid();
	gid_t gid = getgid();
	pid_t pid;

	if (pipe(ready) != 0 || (pid = fork()) < 0)
		return -1;
	if (pid == 0) {
		char c = unshare(CLONE_NEWUSER) == 0 ? 'y' : 'n';

		if (write(ready[1], &c, 1) == 1 && c == 'y')
			pause();
		_exit(0);
	}
	snprintf(pid_text, sizeof(pid_text), "%d", (int)pid);
	snprintf(ns, sizeof(ns), "/proc/%d/ns/user", (int)pid);
	if (read(ready[0], pid_text + 16, 1) == 1 && pid_text[16] == 'y' &&
	    own_ns_map_root(pid_text, uid, gid) == 0 &&
	    (fd = open(ns, O_RDONLY | O_CLOEXEC)) >= 0) {
		r = setns(fd, CLONE_NEWUSER);
		close(fd);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return r == 0 ? unshare(CLONE_NEWNS) : -1;
}

/* A first exec, which finds the process in the namespace it started in. */
static int exec_once(void)
{
	char *argv[] = {"/bin/true", NULL};
	extern char **environ;
	pid_t pid;
	int status;

	return posix_spawn(&pid, argv[0], NULL, NULL, argv, environ) == 0 &&
		       waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
		       WEXITSTATUS(status) == 0
		   ? 0
		   : -1;
}

/* The IDs of the process that made the clone's child: inside, unmapped, they read as nobody. */
static uid_t outer_uid;
static gid_t outer_gid;

/* Enter a user and mount namespace of our own, the way way says. */
static int enter_namespace(enum binfmt_way way)
{
	uid_t uid = way == WARM_CLONE ? outer_uid : getuid();
	gid_t gid = way == WARM_CLONE ? outer_gid : getgid();

	if (way >= WARM_UNSHARE && way != WARM_CLONE && exec_once() != 0)
		return -1;
	switch (way) {
	case WARM_SYSCALL:
		if (syscall(SYS_unshare, CLONE_NEWUSER | CLONE_NEWNS) != 0)
			return -1;
		return own_ns_map_root("self", uid, gid);
	case WARM_SETNS:
		return join_child_namespace();
	case WARM_CLONE: /* the caller is the clone's child already */
		return own_ns_map_root("self", uid, gid);
	default:
		return own_namespace();
	}
}

static int by_binfmt(const char *dst, const char *interpreter, enum binfmt_way way)
{
	char mnt[4096], file[4096], entry[4096 + 64];
	int fd, start_ns = open("/proc/self/ns/user", O_RDONLY | O_CLOEXEC);

	snprintf(mnt, sizeof(mnt), "%s.binfmt", dst);

	if (enter_namespace(way) != 0) {
		printf("skip: no user namespace (%s)\n", strerror(errno));
		return 77;
	}
	if (way == UNAME26_PERSONA && personality(PER_LINUX | UNAME26) == -1)
		return 3;
	if (way == MASKED && (start_ns < 0 || mask_userns(dst, start_ns) != 0)) {
		printf("skip: can not mount over /proc/self/ns/user (%s)\n", strerror(errno));
		return 77;
	}
	if (mkdir(mnt, 0755) != 0 || mount("binfmt_misc", mnt, "binfmt_misc", 0, NULL) != 0) {
		printf("skip: no binfmt_misc of a user namespace (Linux 6.7) (%s)\n",
		       strerror(errno));
		return 77;
	}
	snprintf(entry, sizeof(entry), ":lgbypass:M::LGBYPASS::%s:", interpreter);
	if (own_ns_put(strcat(strcpy(file, mnt), "/register"), entry) != 0) {
		printf("skip: binfmt_misc registration failed (%s)\n", strerror(errno));
		return 77;
	}
	snprintf(file, sizeof(file), "%s.prog", dst);
	fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	if (fd < 0 || write(fd, "LGBYPASS\n", 9) != 9)
		return 3;
	close(fd);
	execl(file, file, (char *)NULL);
	return verdict(-1);
}

static enum binfmt_way binfmt_way_of(const char *route)
{
	static const struct {
		const char *route;
		enum binfmt_way way;
	} ways[] = {{"binfmt-masked", MASKED},
		    {"binfmt-uname26", UNAME26_PERSONA},
		    {"binfmt-warm-unshare", WARM_UNSHARE},
		    {"binfmt-warm-syscall", WARM_SYSCALL},
		    {"binfmt-warm-clone", WARM_CLONE},
		    {"binfmt-warm-__clone", WARM_UNDERSCORE_CLONE},
		    {"binfmt-warm-setns", WARM_SETNS}};

	for (size_t i = 0; i < sizeof(ways) / sizeof(ways[0]); i++)
		if (strcmp(route, ways[i].route) == 0)
			return ways[i].way;
	return PLAIN;
}

/* by_binfmt in a clone(CLONE_NEWUSER | CLONE_NEWNS) child, on its own stack. */
struct binfmt_call {
	const char *dst, *interpreter;
};
static char clone_stack[256 * 1024] __attribute__((aligned(16)));

static int binfmt_child(void *arg)
{
	const struct binfmt_call *call = arg;
	int r = by_binfmt(call->dst, call->interpreter, WARM_CLONE);

	fflush(stdout);
	_exit(r);
}

/* The program's own seccomp filter answers the library's openat2 (and openat) with descriptor 0. */
static int by_own_filter(const char *src, const char *dst, const char *outside, int by_syscall)
{
	struct sock_filter insns[] = {
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_openat2, 2, 0),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_openat, 1, 0),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 0), /* "returns" 0 */
	};
	struct sock_fprog prog = {sizeof(insns) / sizeof(insns[0]), insns};
	int fd = open(outside, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	long r;

	if (fd < 0 || dup2(fd, 0) != 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		return 3;
	r = by_syscall ? syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog)
		       : prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
	if (r != 0) {
		printf("skip: no seccomp filters here (%s)\n", strerror(errno));
		return 77;
	}
	return verdict(link(src, dst));
}

static int next_caller(void)
{
	typedef const char *(*probe_fn)(void);
	probe_fn f = (probe_fn)dlsym(RTLD_NEXT, "lg_probe");
	const char *who = f ? f() : "nothing";

	puts(strcmp(who, "preload") == 0 ? "ok" : "wrong");
	return strcmp(who, "preload") == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	const char *route = argc > 1 ? argv[1] : "", *src = argc > 3 ? argv[2] : "";
	const char *dst = argc > 3 ? argv[3] : "", *extra = argc > 4 ? argv[4] : "";

	if (strcmp(route, "next-caller") == 0)
		return next_caller();
	if (strcmp(route, "runpath") == 0 && argc > 2) {
		void *h = dlopen(argv[2], RTLD_NOW);

		puts(h ? "ok" : dlerror());
		return h ? 0 : 1;
	}
	if (argc < 4) {
		fprintf(stderr, "usage: lg_bypass ROUTE SRC DST [EXTRA]\n");
		return 2;
	}
	if (strcmp(route, "plain") == 0)
		return verdict(link(src, dst));
	if (strcmp(route, "rename") == 0)
		return verdict(rename(src, dst));
	if (strcmp(route, "dlsym-handle") == 0)
		return by_symbol((link_fn)dlsym(libc_handle(), "link"), src, dst);
	if (strcmp(route, "dlsym-default") == 0)
		return by_symbol((link_fn)dlsym(RTLD_DEFAULT, "link"), src, dst);
	if (strcmp(route, "dlsym-next") == 0)
		return by_symbol((link_fn)dlsym(RTLD_NEXT, "link"), src, dst);
	if (strcmp(route, "dlsym-dlsym") == 0) {
		dlsym_fn f = (dlsym_fn)dlsym(libc_handle(), "dlsym");

		return by_symbol(f ? (link_fn)f(libc_handle(), "link") : NULL, src, dst);
	}
	if (strcmp(route, "dlvsym-handle") == 0)
		return by_version(libc_handle(), src, dst);
	if (strcmp(route, "dlvsym-default") == 0)
		return by_version(RTLD_DEFAULT, src, dst);
	if (strcmp(route, "dlvsym-next") == 0)
		return by_version(RTLD_NEXT, src, dst);
	if (strcmp(route, "dlvsym-dlsym") == 0) {
		dlsym_fn f = (dlsym_fn)dlvsym(libc_handle(), "dlsym", DL_VERSION);

		return by_symbol(f ? (link_fn)f(libc_handle(), "link") : NULL, src, dst);
	}
	if (strcmp(route, "dlmopen") == 0)
		return by_namespace(src, dst);
	if (strcmp(route, "deepbind") == 0)
		return by_deepbind(extra, src, dst);
	if (strcmp(route, "io-popen") == 0 || strcmp(route, "libc-system") == 0)
		return by_shell(route[0] == 'i', src, dst);
	if (strcmp(route, "pidfd-spawn") == 0)
		return by_pidfd_spawn(src, dst);
	if (strncmp(route, "binfmt", 6) == 0) {
		enum binfmt_way way = binfmt_way_of(route);
		int status;
		pid_t pid;

		if (way == WARM_CLONE || way == WARM_UNDERSCORE_CLONE) {
			struct binfmt_call call = {dst, extra};

			if (exec_once() != 0)
				return 3;
			outer_uid = getuid();
			outer_gid = getgid();
			pid = (way == WARM_CLONE ? clone : __clone)(
			    binfmt_child, clone_stack + sizeof(clone_stack),
			    CLONE_NEWUSER | CLONE_NEWNS | SIGCHLD, &call);
			if (pid < 0) {
				printf("skip: no user namespace (%s)\n", strerror(errno));
				return 77;
			}
		} else if ((pid = fork()) == 0) {
			int r = by_binfmt(dst, extra, way);

			fflush(stdout);
			_exit(r);
		}
		if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
			return 3;
		/* The interpreter's exit status, or ours: only the file system tells. */
		return WEXITSTATUS(status) == 77 ? 77 : 0;
	}
	if (strcmp(route, "ld-audit") == 0)
		return by_audit(extra);
	if (strcmp(route, "seccomp-prctl") == 0 || strcmp(route, "seccomp-syscall") == 0)
		return by_own_filter(src, dst, extra, route[8] == 's');
	fprintf(stderr, "lg_bypass: unknown route %s\n", route);
	return 2;
}
