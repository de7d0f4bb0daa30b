/* lg_exec_check.c - read an executable's ELF header or "#!" line, and its set-id bits. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <stdint.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "lg_compat.h"
#include "lg_contract.h"
#include "lg_exec_check.h"
#include "lg_resolve.h"
#include "lg_syscall.h"

/*
 * The path of the dynamic loader this process runs under (AT_BASE), or NULL; and an errno's
 * name. Each program that links this file answers them its own way: the library through libc
 * found from the loader the kernel mapped (lg_dl.c), never a definition of the program's; the
 * launcher through its own libc. Unanswered, no interpreter is trusted and numbers are shown.
 */
__attribute__((weak)) const char *lg_loader_path(void);
__attribute__((weak)) const char *lg_errno_name(int err);

#ifndef SYS_openat2
#define SYS_openat2 437 /* the same number on every architecture */
#endif

#define LG_SCRIPT_DEPTH 5 /* "#!" interpreters followed: the kernel's exec_binprm() stops at 5 */

#if defined(__LP64__)
#define LG_ELF_CLASS ELFCLASS64
typedef Elf64_Ehdr lg_ehdr;
typedef Elf64_Phdr lg_phdr;
#else
#define LG_ELF_CLASS ELFCLASS32
typedef Elf32_Ehdr lg_ehdr;
typedef Elf32_Phdr lg_phdr;
#endif

#if defined(__x86_64__)
#define LG_ELF_MACHINE EM_X86_64
#elif defined(__aarch64__)
#define LG_ELF_MACHINE EM_AARCH64
#elif defined(__i386__)
#define LG_ELF_MACHINE EM_386
#elif defined(__arm__)
#define LG_ELF_MACHINE EM_ARM
#elif defined(__riscv)
#define LG_ELF_MACHINE EM_RISCV
#else
#define LG_ELF_MACHINE EM_NONE /* unknown: judge by class and interpreter only */
#endif

const char *lg_exec_kind_text(enum lg_exec_kind kind)
{
	switch (kind) {
	case LG_EXEC_STATIC:
		return "a statically linked binary";
	case LG_EXEC_FOREIGN:
		return "a binary of another architecture";
	case LG_EXEC_OTHER_LOADER:
		return "a program whose interpreter is not this system's dynamic loader";
	case LG_EXEC_SETUID:
		return "a set-user-ID, set-group-ID or file-capability program";
	case LG_EXEC_UNREADABLE:
		return "a program linkguard can not read to inspect";
	case LG_EXEC_UNKNOWABLE:
		return "a program linkguard can not judge from here";
	case LG_EXEC_NO_LIBRARY:
		return "a program that would start without linkguard's library (the file it would "
		       "load is not the one loaded now: deleted, replaced, or hidden by a chroot "
		       "or "
		       "a mount)";
	default:
		return "a dynamically linked program";
	}
}

void lg_exec_detail(const struct lg_exec_verdict *v, char *out, size_t size)
{
	const char *name = v->err && lg_errno_name ? lg_errno_name(v->err) : NULL;

	if (v->kind == LG_EXEC_UNREADABLE && name)
		snprintf(out, size, " (%s)", name);
	else if (v->kind == LG_EXEC_UNREADABLE)
		snprintf(out, size, " (errno %d)", v->err);
	else if (v->kind == LG_EXEC_UNKNOWABLE && v->why)
		snprintf(out, size, ": %s", v->why);
	else
		out[0] = '\0';
}

static const char *own_loader_path(void)
{
	return lg_loader_path ? lg_loader_path() : NULL;
}

/* Whether st is the file at loader (the path of the loader this process runs under; NULL:
 * unknown), by device and inode. */
static int is_loader_at(const char *loader, const struct stat *st)
{
	struct stat mine;

	return loader != NULL && stat(loader, &mine) == 0 && mine.st_dev == st->st_dev &&
	       mine.st_ino == st->st_ino;
}

static int is_own_loader(const struct stat *st)
{
	return is_loader_at(own_loader_path(), st);
}

/* len bytes at offset at of the program: from its first bytes (head, have bytes) when they
 * hold them (the program headers and PT_INTERP of nearly every program), else read. */
static int program_bytes(int fd, const unsigned char *head, size_t have, void *out, size_t len,
			 off_t at)
{
	if (at >= 0 && (size_t)at <= have && len <= have - (size_t)at) {
		memcpy(out, head + at, len);
		return 0;
	}
	return pread(fd, out, len, at) == (ssize_t)len ? 0 : -1;
}

/* The PT_INTERP of the program into interp (size bytes): 1, 0 when it has none, -1 unreadable. */
static int read_interp(int fd, const unsigned char *head, size_t have, const lg_ehdr *eh,
		       char *interp, size_t size)
{
	lg_phdr ph;

	for (unsigned i = 0; i < eh->e_phnum; i++) {
		off_t at = (off_t)eh->e_phoff + (off_t)i * eh->e_phentsize;

		if (program_bytes(fd, head, have, &ph, sizeof(ph), at) != 0)
			return -1;
		if (ph.p_type != PT_INTERP)
			continue;
		if (ph.p_filesz == 0 || ph.p_filesz > size ||
		    program_bytes(fd, head, have, interp, ph.p_filesz, (off_t)ph.p_offset) != 0)
			return -1;
		interp[ph.p_filesz - 1] = '\0';
		return 1;
	}
	return 0;
}

/*
 * Whether a file the spawned child opens next (an interpreter: PT_INTERP, "#!"; the program ld.so
 * or a valgrind tool runs) may be another file there than here: named relative to the child's
 * directory, or through /proc's links to its descriptors and directories, all of which
 * posix_spawn's file actions change.
 */
static enum lg_exec_kind next_file_in_child_view(const char *interp, struct lg_exec_verdict *v)
{
	if (!v->child_view || (interp[0] == '/' && !lg_exec_through_proc(interp)))
		return LG_EXEC_PRELOADED;
	v->why = "the file it runs next is named by a relative path or through /proc (or /dev/fd), "
		 "which the file actions change in the child";
	return LG_EXEC_UNKNOWABLE;
}

/*
 * Whether the program has an interpreter that will load the preload: its PT_INTERP must be the
 * loader this process runs under. Any other "interpreter" may be a static program in disguise.
 */
static enum lg_exec_kind judge_interpreter(int fd, const unsigned char *head, size_t have,
					   const lg_ehdr *eh, struct lg_exec_verdict *v)
{
	char interp[PATH_MAX];
	const char *mine;
	struct stat theirs;
	int r = read_interp(fd, head, have, eh, interp, sizeof(interp));

	if (r < 0)
		return LG_EXEC_PRELOADED; /* unreadable: the kernel refuses it */
	if (r == 0)
		return LG_EXEC_STATIC;
	if (next_file_in_child_view(interp, v) != LG_EXEC_PRELOADED)
		return LG_EXEC_UNKNOWABLE;
	mine = own_loader_path();
	if (mine != NULL && strcmp(mine, interp) == 0)
		return LG_EXEC_PRELOADED; /* nearly every program: one spelling is one file, now */
	if (stat(interp, &theirs) != 0)
		return LG_EXEC_PRELOADED; /* the exec will fail */
	return is_loader_at(mine, &theirs) ? LG_EXEC_PRELOADED : LG_EXEC_OTHER_LOADER;
}

static enum lg_exec_kind judge_elf(int fd, const unsigned char *head, size_t len, lg_ehdr *eh,
				   struct lg_exec_verdict *v)
{
	if (head[EI_CLASS] != LG_ELF_CLASS || len < sizeof(*eh))
		return LG_EXEC_FOREIGN;
	memcpy(eh, head, sizeof(*eh));
	if (LG_ELF_MACHINE != EM_NONE && eh->e_machine != LG_ELF_MACHINE)
		return LG_EXEC_FOREIGN;
	if (eh->e_type != ET_EXEC && eh->e_type != ET_DYN)
		return LG_EXEC_PRELOADED; /* the kernel refuses it */
	return judge_interpreter(fd, head, len, eh, v);
}

/* Whether fd lies on a nosuid mount, where set-ID bits and file capabilities do nothing. */
#ifndef ST_VALID
#define ST_VALID 0x0020 /* the kernel's: f_flags holds the mount's flags */
#endif

static int on_nosuid_mount(int fd)
{
	struct statfs sfs; /* its f_flags are the mount's (with ST_VALID) since Linux 2.6.36 */

	return fstatfs(fd, &sfs) == 0 && (sfs.f_flags & ST_VALID) && (sfs.f_flags & ST_NOSUID);
}

/* By the instruction where there is one: in the library, prctl is the exported wrapper
 * (lg_seccomp.c), which the library's own code must not bind to. */
int lg_no_new_privs(void)
{
#if LG_HAVE_INLINE_SYSCALL
	return lg_inline_syscall(SYS_prctl, PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0, 0) == 1;
#else
	return prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1;
#endif
}

/* Whether a file capability raises this (non-root) process's capabilities, as the kernel's
 * cap_bprm_creds_from_file: the effective bit always; permitted bits unless no_new_privs caps
 * them at the (empty) permitted set a non-root process normally has. */
static int file_caps_raise(int fd)
{
	struct vfs_ns_cap_data caps;
	ssize_t n = fgetxattr(fd, "security.capability", &caps, sizeof(caps));

	if (n < (ssize_t)sizeof(caps.magic_etc) || on_nosuid_mount(fd))
		return 0;
	if (caps.magic_etc & VFS_CAP_FLAGS_EFFECTIVE)
		return 1;
	return !lg_no_new_privs();
}

/*
 * Whether exec of this file turns on secure-execution mode (AT_SECURE), as the kernel decides:
 * the IDs after the exec (set-ID bits apply unless no_new_privs or a nosuid mount) differ from
 * the real ones (also when this process changed its own effective IDs), or file capabilities
 * raise a process whose real user is not root. The mount and no_new_privs are asked only of a
 * file that has something to raise: most have not, and a build execs thousands.
 */
static int secure_exec(int fd, const struct stat *st)
{
	uid_t ruid, euid, suid;
	gid_t rgid, egid, sgid;
	/* set-group-ID without group execute is mandatory locking, not privilege */
	int setgid = (st->st_mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP);

	if (getresuid(&ruid, &euid, &suid) != 0 || getresgid(&rgid, &egid, &sgid) != 0)
		return 1; /* unknowable: judged as the privileged case */
	if ((st->st_mode & S_ISUID || setgid) && !lg_no_new_privs() && !on_nosuid_mount(fd)) {
		if (st->st_mode & S_ISUID)
			euid = st->st_uid;
		if (setgid)
			egid = st->st_gid;
	}
	if (euid != ruid || egid != rgid)
		return 1;
	return ruid != 0 && file_caps_raise(fd);
}

/* The interpreter of a "#!" line into out; 0, or -1 when there is none. */
static int script_interpreter(const unsigned char *head, size_t len, char *out, size_t size)
{
	size_t i = 2, start, n;

	while (i < len && (head[i] == ' ' || head[i] == '\t'))
		i++;
	start = i;
	while (i < len && head[i] != ' ' && head[i] != '\t' && head[i] != '\n' && head[i] != '\0')
		i++;
	n = i - start;
	if (n == 0 || n >= size)
		return -1;
	memcpy(out, head + start, n);
	out[n] = '\0';
	return 0;
}

/* fexecve's descriptor may be O_PATH: reopen it for reading through the trusted /proc; a
 * descriptor, or -errno. */
static int open_descriptor(int fd)
{
	return lg_proc_fd_open(fd, O_RDONLY | O_NOCTTY);
}

/* The file execveat(dir_fd, path) names, opened for reading: a descriptor, or -errno. */
static int open_program(int dir_fd, const char *path, int by_fd)
{
	int fd;

	if (by_fd)
		return open_descriptor(dir_fd);
#if LG_HAVE_INLINE_SYSCALL
	/* The kernel's own answer, not errno: failed_look lets some errnos through. */
	fd = (int)lg_inline_syscall(SYS_openat, dir_fd, (long)path, O_RDONLY | O_CLOEXEC | O_NOCTTY,
				    0, 0, 0);
	return fd;
#else
	fd = openat(dir_fd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	return fd < 0 ? lg_failed() : fd;
#endif
}

/* A descriptor's file as the kernel spells it, for diagnostics of fexecve(). */
static void name_descriptor(int fd, char *out, size_t size)
{
	long n = lg_proc_fd_readlink(fd, out, size - 1);

	out[n > 0 ? n : 0] = '\0';
}

/*
 * A look that failed with err: when the exec of the path fails anyway the kernel answers
 * (PRELOADED); otherwise (also for a descriptor, which execveat runs without /proc) the program
 * might run, and nobody looked at it.
 */
static enum lg_exec_kind unreadable(int err, struct lg_exec_verdict *v)
{
	v->err = err;
	return LG_EXEC_UNREADABLE;
}

static enum lg_exec_kind failed_look(int dir_fd, const char *path, int by_fd, int err,
				     struct lg_exec_verdict *v)
{
	if (by_fd) /* a closed descriptor: the kernel's EBADF */
		return fcntl(dir_fd, F_GETFD) < 0 ? LG_EXEC_PRELOADED : unreadable(err, v);
	if (err == ENOENT || err == ENOTDIR || err == ELOOP || err == ENAMETOOLONG)
		return LG_EXEC_PRELOADED;
	/* not executable, or a directory on the way not searchable: the kernel's EACCES */
	if (err == EACCES && faccessat(dir_fd, path, X_OK, AT_EACCESS) != 0)
		return LG_EXEC_PRELOADED;
	return unreadable(err, v);
}

static enum lg_exec_kind judge_run(int fd, const struct stat *st, const unsigned char *head,
				   size_t len, char *const argv[], struct lg_exec_verdict *v);

void lg_exec_inspect(int dir_fd, const char *path, int at_flags, char *const argv[],
		     struct lg_exec_verdict *v)
{
	unsigned char head[1024]; /* the ELF header, program headers and PT_INTERP, usually */
	int saved = errno;
	int fd, depth, by_fd;
	struct stat st;
	ssize_t len;

	v->kind = LG_EXEC_PRELOADED;
	v->err = 0;
	v->why = NULL;
	if (path == NULL || strlen(path) >= sizeof(v->program))
		goto out;
	strcpy(v->program, path);
	v->child_view = (at_flags & LG_INSPECT_CHILD_VIEW) != 0;
	by_fd = path[0] == '\0' && (at_flags & AT_EMPTY_PATH);
	if (by_fd)
		name_descriptor(dir_fd, v->program, sizeof(v->program));
	for (depth = 0; depth <= LG_SCRIPT_DEPTH; depth++) {
		fd = open_program(dir_fd, v->program, by_fd);
		if (fd < 0) {
			v->kind = failed_look(dir_fd, v->program, by_fd, -fd, v);
			break;
		}
		len = -1;
		if (fstat(fd, &st) != 0)
			v->kind = unreadable(errno, v);
		else if (!S_ISREG(st.st_mode))
			v->kind = LG_EXEC_PRELOADED; /* the kernel refuses it (EACCES) */
		else if ((len = pread(fd, head, sizeof(head), 0)) < 0)
			v->kind = unreadable(errno, v);
		else if (secure_exec(fd, &st))
			v->kind = LG_EXEC_SETUID;
		else
			v->kind =
			    judge_run(fd, &st, head, (size_t)len, depth == 0 ? argv : NULL, v);
		close(fd);
		if (v->kind != LG_EXEC_PRELOADED || len < 2 || head[0] != '#' || head[1] != '!' ||
		    script_interpreter(head, (size_t)len, v->program, sizeof(v->program)) != 0)
			break;
		v->kind = next_file_in_child_view(v->program, v);
		if (v->kind != LG_EXEC_PRELOADED)
			break;
		dir_fd = AT_FDCWD;
		by_fd = 0;
	}
out:
	errno = saved;
}

/* What a valgrind tool, after its options, names to run; NULL if none. */
static const char *first_operand(char *const argv[])
{
	for (size_t i = 1; argv[i] != NULL; i++) {
		if (argv[i][0] != '-')
			return argv[i];
		if (strcmp(argv[i], "--") == 0)
			return argv[i + 1];
	}
	return NULL;
}

/* Whether a is one of the NULL-terminated list. */
static int one_of(const char *a, const char *const list[])
{
	for (size_t k = 0; list[k] != NULL; k++)
		if (strcmp(a, list[k]) == 0)
			return 1;
	return 0;
}

/* Judge the program another one will run (a loader's or a valgrind tool's), into v. */
static enum lg_exec_kind judge_operand(const char *operand, struct lg_exec_verdict *v)
{
	struct lg_exec_verdict *sub = v; /* the operand's verdict replaces the runner's */

	if (next_file_in_child_view(operand, v) != LG_EXEC_PRELOADED)
		return LG_EXEC_UNKNOWABLE;
	lg_exec_inspect(AT_FDCWD, operand, v->child_view ? LG_INSPECT_CHILD_VIEW : 0, NULL, sub);
	return sub->kind;
}

/* What the dynamic loader run directly (ld.so [OPTION]... PROGRAM) is asked to do. */
struct loader_call {
	const char *program; /* NULL: none */
	int audit;	     /* --audit modules, which can rebind every symbol */
	int runs_nothing;    /* it only looks, prints or stops at a bad option */
};

/*
 * ld.so's options, read as its own loop reads them (glibc's elf/rtld.c): in order, each of those
 * that take a value consuming the next argument whatever it looks like, up to the first argument
 * that does not begin with "--", which is the program; "--version" and an unknown "--" option
 * (including "--" itself) stop it before anything is loaded.
 */
static void read_loader_call(char *const argv[], struct loader_call *c)
{
	static const char *const with_value[] = {
	    "--library-path",	      "--inhibit-rpath",     "--audit", "--preload", "--argv0",
	    "--glibc-hwcaps-prepend", "--glibc-hwcaps-mask", NULL};
	static const char *const looks_only[] = {"--verify", "--help", "--list-tunables",
						 "--list-diagnostics", NULL};
	static const char *const runs[] = {"--list", "--inhibit-cache", NULL};

	c->program = NULL;
	c->audit = c->runs_nothing = 0;
	for (size_t i = 1; argv[i] != NULL; i++) {
		const char *a = argv[i];

		if (argv[i + 1] != NULL && one_of(a, with_value)) {
			c->audit |= strcmp(a, "--audit") == 0;
			i++;
		} else if (one_of(a, looks_only)) {
			c->runs_nothing = 1;
		} else if (!one_of(a, runs)) {
			if (a[0] == '-' && a[1] == '-')
				c->runs_nothing = 1; /* --version, or ld.so's usage message */
			else
				c->program = a;
			return;
		}
	}
}

/*
 * The dynamic loader run directly: it loads the preload, then PROGRAM, which must be dynamic for
 * the preload to reach it (ld.so also runs static ones).
 */
static enum lg_exec_kind judge_loader_run(char *const argv[], struct lg_exec_verdict *v)
{
	struct loader_call c;

	if (argv == NULL || argv[0] == NULL)
		return LG_EXEC_STATIC;
	read_loader_call(argv, &c);
	if (c.audit) {
		v->why =
		    "the dynamic loader is given --audit modules, which can rebind every symbol";
		return LG_EXEC_UNKNOWABLE;
	}
	if (c.program == NULL || c.runs_nothing)
		return LG_EXEC_PRELOADED; /* runs no program */
	if (strchr(c.program, '/') == NULL) {
		v->why = "the dynamic loader looks a program without a '/' up in its library path";
		return LG_EXEC_UNKNOWABLE;
	}
	/* ld.so is the loader itself: any other PT_INTERP of the program is ignored */
	if (judge_operand(c.program, v) == LG_EXEC_OTHER_LOADER)
		return LG_EXEC_PRELOADED;
	return v->kind;
}

/* Owned by root and writable by nobody else: what an unprivileged program can not swap. */
static int root_only(const struct stat *st)
{
	return st->st_uid == 0 && !(st->st_mode & (S_IWGRP | S_IWOTH));
}

/*
 * A tool of a valgrind installation (TOOL-PLATFORM, e.g. memcheck-amd64-linux): a static
 * program next to its vgpreload_core-PLATFORM.so, both in a directory only root can change.
 */
static int is_valgrind_tool(const char *program, const struct stat *st)
{
	const char *slash = strrchr(program, '/'), *platform = NULL;
	char other[PATH_MAX];
	struct stat dir, core;
	int dir_len;

	if (program[0] != '/' || slash == NULL || !root_only(st))
		return 0;
	for (const char *p = slash + 1, *last = strrchr(slash, '-'); last && p < last; p++)
		if (*p == '-')
			platform = p; /* the dash before the last one: "-amd64-linux" */
	if (platform == NULL)
		return 0;
	dir_len = (int)(slash - program);
	snprintf(other, sizeof(other), "%.*s/", dir_len, program);
	if (stat(other, &dir) != 0 || !root_only(&dir))
		return 0;
	snprintf(other, sizeof(other), "%.*s/vgpreload_core%s.so", dir_len, program, platform);
	return stat(other, &core) == 0 && root_only(&core) && S_ISREG(core.st_mode);
}

/*
 * A valgrind tool (TOOL [OPTION]... CLIENT): it runs CLIENT on its own CPU, through the client's
 * loader, which loads the preload; a static client runs without it. The client must be a
 * program the library confines (found along PATH, as valgrind does).
 */
static enum lg_exec_kind judge_valgrind_run(char *const argv[], struct lg_exec_verdict *v)
{
	const char *client = argv && argv[0] ? first_operand(argv) : NULL;
	char found[PATH_MAX];

	if (argv == NULL || argv[0] == NULL)
		return LG_EXEC_STATIC;
	if (client == NULL)
		return LG_EXEC_PRELOADED; /* usage, --version: runs no program */
	return judge_operand(lg_find_program(client, found, sizeof(found)), v);
}

/* What an exec of this file runs: the file, or the program a loader or valgrind tool runs. */
static enum lg_exec_kind judge_run(int fd, const struct stat *st, const unsigned char *head,
				   size_t len, char *const argv[], struct lg_exec_verdict *v)
{
	lg_ehdr eh;
	enum lg_exec_kind kind;

	if (len < 4 || memcmp(head, ELFMAG, SELFMAG) != 0)
		return LG_EXEC_PRELOADED; /* a "#!" script (followed) or the kernel's to refuse */
	kind = judge_elf(fd, head, len, &eh, v);
	if (kind != LG_EXEC_STATIC)
		return kind;
	if (is_own_loader(st))
		return judge_loader_run(argv, v);
	if (is_valgrind_tool(v->program, st))
		return judge_valgrind_run(argv, v);
	return kind;
}

/* Spelled under /proc, /dev/fd or /dev/std*: where a process's own descriptors show. */
static int spelled_in_proc(const char *path)
{
	return strncmp(path, "/proc/", 6) == 0 || strncmp(path, "/dev/fd/", 8) == 0 ||
	       strncmp(path, "/dev/std", 8) == 0;
}

/*
 * Whether a component of path, as far as it exists here, is a symlink: it may lead to a
 * descriptor the child has and this process has not. A prefix missing here is missing there.
 */
static int passes_a_symlink(const char *path)
{
	char prefix[PATH_MAX];
	size_t len = strlen(path);
	struct stat st;

	if (len >= sizeof(prefix))
		return 1;
	for (size_t i = 1; i <= len; i++) {
		if (path[i] != '/' && path[i] != '\0')
			continue;
		memcpy(prefix, path, i);
		prefix[i] = '\0';
		if (lstat(prefix, &st) != 0)
			return 0;
		if (S_ISLNK(st.st_mode))
			return 1;
	}
	return 0;
}

int lg_exec_through_proc(const char *path)
{
	struct open_how how = {.flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_NO_MAGICLINKS};
	int saved = errno, through = 1;
	/* Not libc's syscall(): that name is this library's own export. */
	long fd = lg_sys_openat2(AT_FDCWD, path, &how, sizeof(how));
	int err = fd < 0 ? (int)-fd : 0;

	if (fd >= 0) {
		close((int)fd);
		through = 0;
	} else if (err == ENOENT || err == ENOTDIR || err == EACCES || err == ENOSYS ||
		   err == EPERM) {
		/* missing here, or no openat2: a child's descriptor is still spelled so */
		through = spelled_in_proc(path) || passes_a_symlink(path);
	} /* ELOOP: a magic link on the way; any other error: nobody can tell */
	errno = saved;
	return through;
}

int lg_same_file_as(const char *path, dev_t dev, ino_t ino)
{
	struct stat st;
	int saved = errno;
	int same = stat(path, &st) == 0 && st.st_dev == dev && st.st_ino == ino;

	errno = saved;
	return same;
}

/* The lower-case hexadecimal number at *p (as /proc/self/maps writes them); *p moves past it. */
static unsigned long hex_field(const char **p)
{
	unsigned long v = 0;

	for (;; (*p)++) {
		char c = **p;

		if (c >= '0' && c <= '9')
			v = v * 16 + (unsigned long)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v = v * 16 + (unsigned long)(c - 'a' + 10);
		else
			return v;
	}
}

/* Past the field at *p and the one space after it. */
static void skip_field(const char **p)
{
	while (**p != ' ' && **p != '\0')
		(*p)++;
	if (**p == ' ')
		(*p)++;
}

/*
 * One line of /proc/self/maps ("start-end perms offset major:minor inode path"): whether it
 * maps addr, and then its device and inode. By hand, not sscanf(): async-signal-safe (the first
 * exec may come in a vfork child), and cheap on the lines that do not map addr.
 */
static int maps_line(const char *line, uintptr_t addr, dev_t *dev, ino_t *ino)
{
	const char *p = line;
	unsigned long start = hex_field(&p), end, major, minor, inode = 0;

	if (*p++ != '-')
		return 0;
	end = hex_field(&p);
	if (*p++ != ' ' || addr < start || addr >= end)
		return 0;
	skip_field(&p); /* perms */
	skip_field(&p); /* offset */
	major = hex_field(&p);
	if (*p++ != ':')
		return 0;
	minor = hex_field(&p);
	if (*p++ != ' ' || *p < '0' || *p > '9')
		return 0;
	while (*p >= '0' && *p <= '9')
		inode = inode * 10 + (unsigned long)(*p++ - '0');
	*dev = makedev(major, minor);
	*ino = (ino_t)inode;
	return 1;
}

int lg_mapped_file(const void *addr, dev_t *dev, ino_t *ino)
{
	char buf[PATH_MAX + 256]; /* one line of maps: addresses, offset, device, inode, path */
	size_t have = 0;
	int saved = errno, found = 0;
	int fd = lg_proc_self_open("maps", O_RDONLY);
	ssize_t n;

	while (fd >= 0 && !found && (n = read(fd, buf + have, sizeof(buf) - 1 - have)) > 0) {
		char *line = buf, *nl;

		have += (size_t)n;
		buf[have] = '\0';
		while (!found && (nl = strchr(line, '\n')) != NULL) {
			*nl = '\0';
			found = maps_line(line, (uintptr_t)addr, dev, ino);
			line = nl + 1;
		}
		have -= (size_t)(line - buf);
		memmove(buf, line, have);
		if (have == sizeof(buf) - 1)
			have = 0; /* a line longer than any path: skip it */
	}
	if (fd >= 0)
		close(fd);
	errno = saved;
	return found && *ino != 0 ? 0 : -1;
}
int lg_preload_names(const char *value, const char *lib)
{
	size_t lib_len = strlen(lib);

	while (lib_len > 0 && *value) {
		size_t len = strcspn(value, ": ");

		if (len == lib_len && strncmp(value, lib, len) == 0)
			return 1;
		value += len + (value[len] != '\0');
	}
	return 0;
}

/* The length of a leading sanitizer runtime entry and its separator, or 0. */
static size_t sanitizer_prefix(const char *value)
{
	size_t len = strcspn(value, ": ");
	const char *base = memrchr(value, '/', len);

	base = base ? base + 1 : value;
	if (strncmp(base, "libasan", 7) != 0 && strncmp(base, "libclang_rt.asan", 16) != 0)
		return 0;
	return len + (value[len] != '\0');
}

char *lg_preload_with(const char *prefix, const char *value, const char *lib, char *buf,
		      size_t size)
{
	size_t keep = value ? sanitizer_prefix(value) : 0;

	if (value == NULL || *value == '\0') {
		snprintf(buf, size, "%s%s", prefix, lib);
		return buf;
	}
	snprintf(buf, size, "%s%.*s%s%s%s%s", prefix, (int)keep, value,
		 keep && value[keep - 1] != ':' ? ":" : "", lib, value[keep] ? ":" : "",
		 value + keep);
	return buf;
}
