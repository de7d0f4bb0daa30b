/* lg_exec_check.c - read an executable's ELF header or "#!" line, and its set-id bits. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "lg_exec_check.h"
#include "lg_resolve.h"

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
	default:
		return "a dynamically linked program";
	}
}

/* The dynamic loader this process runs under (AT_BASE), by device and inode. */
static int own_loader(struct stat *st)
{
	Dl_info info;
	void *base = (void *)getauxval(AT_BASE);

	return base != NULL && dladdr(base, &info) != 0 && info.dli_fname != NULL &&
	       stat(info.dli_fname, st) == 0;
}

/*
 * Whether the program has an interpreter that will load the preload: its PT_INTERP must be the
 * loader this process runs under. Any other "interpreter" may be a static program in disguise.
 */
static enum lg_exec_kind judge_interpreter(int fd, const lg_ehdr *eh)
{
	char interp[PATH_MAX];
	struct stat mine, theirs;
	lg_phdr ph;

	for (unsigned i = 0; i < eh->e_phnum; i++) {
		off_t at = (off_t)eh->e_phoff + (off_t)i * eh->e_phentsize;

		if (pread(fd, &ph, sizeof(ph), at) != (ssize_t)sizeof(ph))
			return LG_EXEC_PRELOADED; /* unreadable: the kernel refuses it */
		if (ph.p_type != PT_INTERP)
			continue;
		if (ph.p_filesz == 0 || ph.p_filesz > sizeof(interp) ||
		    pread(fd, interp, ph.p_filesz, (off_t)ph.p_offset) != (ssize_t)ph.p_filesz)
			return LG_EXEC_PRELOADED;
		interp[ph.p_filesz - 1] = '\0';
		if (!own_loader(&mine) || stat(interp, &theirs) != 0)
			return LG_EXEC_PRELOADED; /* no loader to compare, or exec will fail */
		return mine.st_dev == theirs.st_dev && mine.st_ino == theirs.st_ino
			   ? LG_EXEC_PRELOADED
			   : LG_EXEC_OTHER_LOADER;
	}
	return LG_EXEC_STATIC;
}

static enum lg_exec_kind judge_elf(int fd, const unsigned char *head, size_t len)
{
	lg_ehdr eh;

	if (head[EI_CLASS] != LG_ELF_CLASS || len < sizeof(eh))
		return LG_EXEC_FOREIGN;
	memcpy(&eh, head, sizeof(eh));
	if (LG_ELF_MACHINE != EM_NONE && eh.e_machine != LG_ELF_MACHINE)
		return LG_EXEC_FOREIGN;
	if (eh.e_type != ET_EXEC && eh.e_type != ET_DYN)
		return LG_EXEC_PRELOADED; /* the kernel refuses it */
	return judge_interpreter(fd, &eh);
}

/* Whether exec of this file turns on secure-execution mode (AT_SECURE). */
static int gains_privilege(int fd)
{
	struct stat st;
	struct statvfs vfs;

	if (fstat(fd, &st) != 0)
		return 0;
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1)
		return 0; /* set-id bits and file capabilities are ignored */
	if (fstatvfs(fd, &vfs) == 0 && (vfs.f_flag & ST_NOSUID))
		return 0;
	if ((st.st_mode & S_ISUID) && st.st_uid != getuid())
		return 1;
	/* set-group-ID without group execute is mandatory locking, not privilege */
	if ((st.st_mode & S_ISGID) && (st.st_mode & S_IXGRP) && st.st_gid != getgid())
		return 1;
	return fgetxattr(fd, "security.capability", NULL, 0) > 0;
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

/* fexecve's descriptor may be O_PATH: reopen it for reading through the trusted /proc. */
static int open_descriptor(int fd)
{
	int r = lg_proc_fd_open(fd, O_RDONLY | O_NOCTTY);

	return r < 0 ? -1 : r;
}

/* A descriptor's file as the kernel spells it, for diagnostics of fexecve(). */
static void name_descriptor(int fd, char *out, size_t size)
{
	long n = lg_proc_fd_readlink(fd, out, size - 1);

	out[n > 0 ? n : 0] = '\0';
}

void lg_exec_inspect(int dir_fd, const char *path, int at_flags, struct lg_exec_verdict *v)
{
	unsigned char head[256];
	int saved = errno;
	int fd, depth, by_fd;
	ssize_t len;

	v->kind = LG_EXEC_PRELOADED;
	if (path == NULL || strlen(path) >= sizeof(v->program))
		goto out;
	strcpy(v->program, path);
	by_fd = path[0] == '\0' && (at_flags & AT_EMPTY_PATH);
	if (by_fd)
		name_descriptor(dir_fd, v->program, sizeof(v->program));
	for (depth = 0; depth <= LG_SCRIPT_DEPTH; depth++) {
		if (by_fd)
			fd = open_descriptor(dir_fd);
		else
			fd = openat(dir_fd, v->program, O_RDONLY | O_CLOEXEC | O_NOCTTY);
		if (fd < 0)
			goto out;
		len = pread(fd, head, sizeof(head), 0);
		if (gains_privilege(fd))
			v->kind = LG_EXEC_SETUID;
		else if (len >= 4 && memcmp(head, ELFMAG, SELFMAG) == 0)
			v->kind = judge_elf(fd, head, (size_t)len);
		close(fd);
		if (v->kind != LG_EXEC_PRELOADED || len < 2 || head[0] != '#' || head[1] != '!' ||
		    script_interpreter(head, (size_t)len, v->program, sizeof(v->program)) != 0)
			break;
		dir_fd = AT_FDCWD;
		by_fd = 0;
	}
out:
	errno = saved;
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
