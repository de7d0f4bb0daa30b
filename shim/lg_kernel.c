/* lg_kernel.c - Landlock, capabilities and seccomp for what LD_PRELOAD can not reach; used by
 * the launcher. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lg_compat.h"
#include "lg_contract.h"
#include "lg_child.h"
#include "lg_kernel.h"
#include "lg_syscall.h"

#ifndef __NR_io_uring_setup
#define __NR_io_uring_setup 425 /* the same numbers on every architecture */
#endif
#define LG_X32_BIT 0x40000000U
#ifndef TIOCLINUX
#define TIOCLINUX 0x541C
#endif
#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT	     47
#define PR_CAP_AMBIENT_LOWER 3
#endif

/* The architecture whose system calls the filter knows; any other is killed. */
#if defined(__x86_64__) && !defined(__ILP32__)
#define LG_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define LG_AUDIT_ARCH AUDIT_ARCH_AARCH64
#else
#define LG_AUDIT_ARCH 0 /* no filter written for it: the kernel layer refuses to start */
#endif

/* Newer than some distributions' kernel headers; the values are the kernel's ABI. */
#ifndef LANDLOCK_ACCESS_FS_REFER
#define LANDLOCK_ACCESS_FS_REFER (1ULL << 13)
#endif
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV (1ULL << 15)
#endif
#define LG_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0) /* ABI 6 */
#define LG_SCOPE_SIGNAL		      (1ULL << 1) /* ABI 6 */

/* struct landlock_ruleset_attr as of ABI 6; older kernels accept the newer fields when zero. */
struct lg_ruleset_attr {
	__u64 handled_access_fs;
	__u64 handled_access_net;
	__u64 scoped;
};

/* The rights a rule on a file (not a directory) may carry. */
#define LG_FILE_RIGHTS                                                                             \
	(LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE |                              \
	 LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_TRUNCATE |                              \
	 LANDLOCK_ACCESS_FS_IOCTL_DEV)
#define LG_WRITE_RIGHTS (LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_IOCTL_DEV)

#define LG_MAX_PROTECTED 256
#define LG_MAX_DEPTH	 32

/* Directories where writing a file reaches the kernel itself: no rule grants writing there. */
struct protected_trees {
	int count;
	char *path[LG_MAX_PROTECTED];
};

static int in_force;

int lg_kernel_mode_parse(const char *text, enum lg_kernel_mode *mode)
{
	if (strcmp(text, "refer") == 0)
		*mode = LG_KERNEL_REFER;
	else if (strcmp(text, "strict") == 0)
		*mode = LG_KERNEL_STRICT;
	else if (strcmp(text, "best-effort") == 0)
		*mode = LG_KERNEL_BEST_EFFORT;
	else
		return -1;
	return 0;
}

int lg_kernel_in_force(void)
{
	return in_force;
}

__attribute__((noreturn)) static void fail(const char *what, int err)
{
	lg_die(
	    LG_EXIT_OWN_ERROR,
	    "kernel layer: %s: %s; refusing to run without it (--no-kernel runs with the library "
	    "alone, --kernel=best-effort continues without Landlock)",
	    what, strerror(err));
}

/*
 * The rights each mode handles, limited to what the kernel's Landlock ABI knows. WRITE_FILE and
 * IOCTL_DEV are handled in every mode: they are granted everywhere but the kernel's control
 * trees and devices (see grant_writing).
 */
static __u64 handled_rights(enum lg_kernel_mode mode, int abi)
{
	__u64 rights = LANDLOCK_ACCESS_FS_REFER | LANDLOCK_ACCESS_FS_WRITE_FILE;

	if (abi >= 5)
		rights |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
	if (mode != LG_KERNEL_STRICT)
		return rights;
	rights |= LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_DIR |
		  LANDLOCK_ACCESS_FS_MAKE_SYM | LANDLOCK_ACCESS_FS_MAKE_FIFO |
		  LANDLOCK_ACCESS_FS_MAKE_SOCK | LANDLOCK_ACCESS_FS_MAKE_CHAR |
		  LANDLOCK_ACCESS_FS_MAKE_BLOCK | LANDLOCK_ACCESS_FS_REMOVE_FILE |
		  LANDLOCK_ACCESS_FS_REMOVE_DIR;
	if (abi >= 3)
		rights |= LANDLOCK_ACCESS_FS_TRUNCATE;
	return rights;
}

/* add_rule: rights beneath the file at path (opened with open_flags); 0, or -errno. */
static int add_rule(int ruleset, const char *path, int open_flags, __u64 rights)
{
	struct landlock_path_beneath_attr rule = {.allowed_access = rights};
	int err = 0;

	rule.parent_fd = open(path, O_PATH | O_CLOEXEC | open_flags);
	if (rule.parent_fd < 0)
		return -errno;
	if (syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &rule, 0) != 0)
		err = -errno;
	close(rule.parent_fd);
	return err;
}

/* allow_beneath: rights beneath dir, a root or a writable dir; exits 125 when it can not. */
static void allow_beneath(int ruleset, const char *dir, __u64 rights)
{
	int err = add_rule(ruleset, dir, O_DIRECTORY, rights);

	if (err != 0)
		fail(dir, -err);
}

/* --- the kernel's control trees ------------------------------------------------------------- */

/* Whether path is tree or beneath it, component by component. */
static int is_beneath(const char *path, const char *tree)
{
	size_t len = strlen(tree);

	if (strcmp(tree, "/") == 0)
		return 1;
	return strncmp(path, tree, len) == 0 && (path[len] == '\0' || path[len] == '/');
}

/* Whether path is a protected tree or beneath one. */
static int in_protected(const struct protected_trees *t, const char *path)
{
	for (int i = 0; i < t->count; i++)
		if (is_beneath(path, t->path[i]))
			return 1;
	return 0;
}

/* Whether a protected tree lies strictly beneath dir. */
static int protected_below(const struct protected_trees *t, const char *dir)
{
	for (int i = 0; i < t->count; i++)
		if (strcmp(t->path[i], dir) != 0 && is_beneath(t->path[i], dir))
			return 1;
	return 0;
}

/* protect: one more protected tree; exits 125 when the list is full (fail closed). */
static void protect(struct protected_trees *t, const char *path)
{
	if (t->count == LG_MAX_PROTECTED)
		fail("listing the kernel's pseudo file systems", E2BIG);
	t->path[t->count] = strdup(path);
	if (t->path[t->count] == NULL)
		fail("listing the kernel's pseudo file systems", ENOMEM);
	t->count++;
}

/* mountinfo escapes blanks and backslashes as \ooo; decodes in place. */
static void unescape_mountinfo(char *s)
{
	char *out = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*out++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*out++ = *s;
		}
	}
	*out = '\0';
}

/* File systems whose files are the kernel's controls: writing one can make the kernel run a
 * helper as root outside the sandbox (core_pattern, binfmt_misc, release_agent, ...). */
static int is_pseudo_fs(const char *type)
{
	static const char *const types[] = {
	    "proc",    "sysfs",	  "devtmpfs",	"cgroup",   "cgroup2",	"binfmt_misc",
	    "debugfs", "tracefs", "securityfs", "configfs", "efivarfs", "bpf",
	    "fusectl", "pstore",  "rpc_pipefs", "nfsd",	    NULL,
	};

	for (int i = 0; types[i]; i++)
		if (strcmp(type, types[i]) == 0)
			return 1;
	return 0;
}

/* One mountinfo line: "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [TAGS...] - TYPE SOURCE ..." */
static void protect_mount(struct protected_trees *t, char *line)
{
	char *sep = strstr(line, " - "), *point = line, *end, *type;

	if (sep == NULL)
		return;
	for (int field = 0; field < 4 && point; field++)
		point = strchr(point, ' ') ? strchr(point, ' ') + 1 : NULL;
	if (point == NULL || (end = strchr(point, ' ')) == NULL)
		return;
	*end = '\0';
	type = sep + 3;
	type[strcspn(type, " ")] = '\0';
	if (!is_pseudo_fs(type))
		return;
	unescape_mountinfo(point);
	protect(t, point);
}

/* /proc, /sys, /dev, and every mount of a pseudo file system, wherever it is. */
static void find_protected(struct protected_trees *t)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char *line = NULL;
	size_t size = 0;

	protect(t, "/proc");
	protect(t, "/sys");
	protect(t, "/dev");
	if (f == NULL)
		fail("reading /proc/self/mountinfo", errno);
	while (getline(&line, &size, f) > 0) {
		line[strcspn(line, "\n")] = '\0';
		protect_mount(t, line);
	}
	free(line);
	fclose(f);
}

/*
 * grant_writing: rights (file rights on files) beneath dir, except beneath the protected trees:
 * a directory with a protected tree below it gets no rule itself, each of its entries gets its
 * own. An entry that can not be read or opened gets nothing (writing there is refused).
 * NOTE: a directory made later in such a directory (e.g. a new top-level one) is not writable.
 */
static void grant_writing(int ruleset, const struct protected_trees *t, const char *dir,
			  __u64 rights, int depth)
{
	char child[PATH_MAX];
	struct dirent *e;
	struct stat st;
	DIR *d;

	if (in_protected(t, dir))
		return;
	if (!protected_below(t, dir)) {
		add_rule(ruleset, dir, O_DIRECTORY | O_NOFOLLOW, rights);
		return;
	}
	if (depth > LG_MAX_DEPTH)
		return;
	d = opendir(dir);
	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
		    (size_t)snprintf(child, sizeof(child), "%s/%s", strcmp(dir, "/") ? dir : "",
				     e->d_name) >= sizeof(child) ||
		    lstat(child, &st) != 0 || S_ISLNK(st.st_mode))
			continue;
		if (S_ISDIR(st.st_mode))
			grant_writing(ruleset, t, child, rights, depth + 1);
		else if (!in_protected(t, child) && (rights & LG_FILE_RIGHTS))
			add_rule(ruleset, child, O_NOFOLLOW, rights & LG_FILE_RIGHTS);
	}
	closedir(d);
}

/* The devices every program may write and (where the ABI handles it) use ioctls on: the
 * harmless character devices, and the terminals and shared memory a build uses. */
static void grant_devices(int ruleset, __u64 rights)
{
	static const char *const chars[] = {"/dev/null",    "/dev/zero", "/dev/full", "/dev/random",
					    "/dev/urandom", "/dev/tty",	 "/dev/ptmx", NULL};
	static const char *const dirs[] = {"/dev/pts", "/dev/shm", "/dev/mqueue", NULL};
	struct stat st;

	for (int i = 0; chars[i]; i++)
		if (lstat(chars[i], &st) == 0 && S_ISCHR(st.st_mode))
			add_rule(ruleset, chars[i], O_NOFOLLOW, rights);
	for (int i = 0; dirs[i]; i++)
		if (lstat(dirs[i], &st) == 0 && S_ISDIR(st.st_mode))
			add_rule(ruleset, dirs[i], O_NOFOLLOW | O_DIRECTORY,
				 strcmp(dirs[i], "/dev/pts") == 0
				     ? rights
				     : rights & ~(__u64)LANDLOCK_ACCESS_FS_IOCTL_DEV);
}

/* --- capabilities ---------------------------------------------------------------------------- */

/*
 * What root could use to reach around Landlock: load code into the kernel (modules, BPF, perf),
 * write raw devices, make device nodes, open files by handle (no path for Landlock to check),
 * inject into a terminal that is not its own (TIOCSTI), reboot, or change MAC policy. A root
 * build keeps the rest: CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_FOWNER, CAP_FSETID, CAP_SETUID, ...
 */
static const int dropped_caps[] = {
    CAP_DAC_READ_SEARCH, CAP_SYS_MODULE,   CAP_SYS_RAWIO, CAP_SYS_ADMIN, CAP_SYS_BOOT,
    CAP_MKNOD,		 CAP_MAC_OVERRIDE, CAP_MAC_ADMIN, CAP_PERFMON,	 CAP_BPF,
};
#define LG_DROPPED_COUNT (int)(sizeof(dropped_caps) / sizeof(dropped_caps[0]))

/* Whether cap is in the effective (which 0), permitted (1) or inheritable (2) set of data. */
static int cap_set_in(const struct __user_cap_data_struct *data, int cap, int which)
{
	__u32 bit = 1U << (cap % 32);
	const struct __user_cap_data_struct *d = &data[cap / 32];

	return ((which == 0   ? d->effective
		 : which == 1 ? d->permitted
			      : d->inheritable) &
		bit) != 0;
}

/* Out of the bounding set where we may (no_new_privs keeps them out otherwise), and out of the
 * effective, permitted, inheritable and ambient sets for good. */
static void drop_capabilities(void)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct data[2];

	for (int i = 0; i < LG_DROPPED_COUNT; i++) {
		if (prctl(PR_CAPBSET_DROP, dropped_caps[i], 0, 0, 0) != 0 && errno != EPERM &&
		    errno != EINVAL)
			fail("dropping capabilities from the bounding set", errno);
		prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_LOWER, dropped_caps[i], 0, 0);
	}
	if (syscall(SYS_capget, &hdr, data) != 0)
		fail("reading capabilities", errno);
	for (int i = 0; i < LG_DROPPED_COUNT; i++) {
		__u32 bit = 1U << (dropped_caps[i] % 32);

		data[dropped_caps[i] / 32].effective &= ~bit;
		data[dropped_caps[i] / 32].permitted &= ~bit;
		data[dropped_caps[i] / 32].inheritable &= ~bit;
	}
	if (syscall(SYS_capset, &hdr, data) != 0 || syscall(SYS_capget, &hdr, data) != 0)
		fail("dropping capabilities", errno);
	for (int i = 0; i < LG_DROPPED_COUNT; i++)
		for (int which = 0; which < 3; which++)
			if (cap_set_in(data, dropped_caps[i], which))
				fail("dropping capabilities", EPERM);
}

/* --- seccomp --------------------------------------------------------------------------------- */

#define LG_RET(action) BPF_STMT(BPF_RET | BPF_K, (action))
/* if nr == n: return action */
#define LG_REFUSE_NR(n, action) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (n), 0, 1), LG_RET(action)
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define LG_ARG1_LOW (offsetof(struct seccomp_data, args) + sizeof(__u64) + sizeof(__u32))
#else
#define LG_ARG1_LOW (offsetof(struct seccomp_data, args) + sizeof(__u64))
#endif

/*
 * The filter installed by the instruction, not through prctl(): a launcher run by a confined
 * program has the library loaded, and the library refuses the execs of a program that installed
 * a filter of its own through libc (lg_seccomp.c). This one answers nothing in the kernel's place
 * that the library asks. Where there is no instruction here, prctl().
 */
static int seccomp_by_instruction(const struct sock_fprog *prog)
{
#if LG_HAVE_INLINE_SYSCALL
	return (int)lg_syscall_libc(
	    lg_inline_syscall(SYS_prctl, PR_SET_SECCOMP, SECCOMP_MODE_FILTER, (long)prog, 0, 0, 0));
#else
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, prog);
#endif
}

/*
 * The system calls Landlock does not see, or that reach around it:
 * - another architecture's calls (i386 `int 0x80` from a 64-bit program, an i386 or arm32
 *   program) have other numbers, which the checks below would miss: the process is killed;
 *   x32 calls (the x32 bit set) fail with ENOSYS, as on a kernel built without x32;
 * - io_uring: its link and rename operations run in a kernel worker; no new rings, and no use
 *   of a ring inherited from outside (one with a registered personality runs requests with the
 *   credentials of whoever registered it, outside the Landlock domain);
 * - loading modules and kexec (EPERM, as without CAP_SYS_MODULE, whatever capabilities remain);
 * - TIOCSTI and TIOCLINUX, which type into a terminal; the kernel reads only the low 32 bits of
 *   an ioctl's command, so only those are compared.
 */
static void install_filter(void)
{
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, LG_AUDIT_ARCH, 1, 0),
		LG_RET(SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
#if defined(__x86_64__)
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, LG_X32_BIT, 0, 1),
		LG_RET(SECCOMP_RET_ERRNO | ENOSYS),
#endif
		LG_REFUSE_NR(__NR_io_uring_setup, SECCOMP_RET_ERRNO | ENOSYS),
		LG_REFUSE_NR(__NR_io_uring_setup + 1, SECCOMP_RET_ERRNO | ENOSYS), /* _enter */
		LG_REFUSE_NR(__NR_io_uring_setup + 2, SECCOMP_RET_ERRNO | ENOSYS), /* _register */
		LG_REFUSE_NR(__NR_init_module, SECCOMP_RET_ERRNO | EPERM),
		LG_REFUSE_NR(__NR_finit_module, SECCOMP_RET_ERRNO | EPERM),
		LG_REFUSE_NR(__NR_kexec_load, SECCOMP_RET_ERRNO | EPERM),
#ifdef __NR_kexec_file_load
		LG_REFUSE_NR(__NR_kexec_file_load, SECCOMP_RET_ERRNO | EPERM),
#endif
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_ioctl, 0, 5),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, LG_ARG1_LOW),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, TIOCSTI, 2, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, TIOCLINUX, 1, 0),
		LG_RET(SECCOMP_RET_ALLOW),
		LG_RET(SECCOMP_RET_ERRNO | EPERM),
		LG_RET(SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {.len = sizeof(code) / sizeof(code[0]), .filter = code};

	if (LG_AUDIT_ARCH == 0)
		fail("the seccomp filter knows x86_64 and aarch64 only", ENOSYS);
	if (seccomp_by_instruction(&prog) != 0)
		fail("installing the seccomp filter", errno);
}

/* --- the whole layer ------------------------------------------------------------------------- */

/* The kernel's Landlock ABI version, or -1 (errno set) when it has none we can use. */
static int landlock_abi(void)
{
	int abi =
	    (int)syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);

	if (abi >= 0 && abi < 2) {
		errno = EOPNOTSUPP;
		return -1;
	}
	return abi;
}

/* The ruleset: the roots (and writable dirs) as the mode says, writing outside the kernel's
 * control trees, the harmless devices. */
static int build_ruleset(enum lg_kernel_mode mode, int abi, char roots[][PATH_MAX], int root_count,
			 char writable[][PATH_MAX], int writable_count)
{
	static struct protected_trees trees;
	struct lg_ruleset_attr attr = {.handled_access_fs = handled_rights(mode, abi)};
	__u64 inside = attr.handled_access_fs & ~(__u64)LG_WRITE_RIGHTS;
	int ruleset;

	if (abi >= 6)
		attr.scoped = LG_SCOPE_ABSTRACT_UNIX_SOCKET | LG_SCOPE_SIGNAL;
	ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);
	if (ruleset < 0)
		fail("creating the Landlock ruleset", errno);
	/* Writing comes from grant_writing below, which leaves out a /proc mounted in a root. */
	for (int i = 0; i < root_count; i++)
		allow_beneath(ruleset, roots[i], inside);
	/* Writable, but no reparenting: a raw rename must not carry a root's entry out there. */
	for (int i = 0; i < writable_count; i++)
		if (inside & ~(__u64)LANDLOCK_ACCESS_FS_REFER)
			allow_beneath(ruleset, writable[i],
				      inside & ~(__u64)LANDLOCK_ACCESS_FS_REFER);
	find_protected(&trees);
	grant_writing(ruleset, &trees, "/", LANDLOCK_ACCESS_FS_WRITE_FILE, 0);
	grant_devices(ruleset, attr.handled_access_fs & LG_WRITE_RIGHTS);
	return ruleset;
}

void lg_kernel_apply(enum lg_kernel_mode mode, char roots[][PATH_MAX], int root_count,
		     char writable[][PATH_MAX], int writable_count)
{
	int abi = landlock_abi();
	int ruleset;

	if (abi < 0) {
		int err = errno;

		if (mode == LG_KERNEL_AUTO) {
			fprintf(stderr,
				"linkguard: note: no kernel layer: Landlock (ABI 2 or later) is "
				"not available (%s); running with the LD_PRELOAD layer alone\n",
				strerror(err));
			return;
		}
		if (mode != LG_KERNEL_BEST_EFFORT)
			fail("Landlock (ABI 2 or later) is not available", err);
		fprintf(stderr,
			"linkguard: warning: Landlock is not available (%s); continuing "
			"with the LD_PRELOAD layer alone\n",
			strerror(err));
		return;
	}
	ruleset = build_ruleset(mode, abi, roots, root_count, writable, writable_count);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		fail("setting no_new_privs", errno);
	drop_capabilities();
	if (syscall(SYS_landlock_restrict_self, ruleset, 0) != 0)
		fail("enforcing the Landlock ruleset", errno);
	close(ruleset);
	install_filter();
	setenv(LG_ENV_KERNEL, mode == LG_KERNEL_STRICT ? "strict" : "refer", 1);
	in_force = 1;
}
