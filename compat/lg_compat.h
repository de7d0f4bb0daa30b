/*
 * lg_compat.h - the kernel definitions and GNU extensions a C library may lack (musl has no
 * <linux/...> headers and, before 1.2.5, no renameat2). Where the system has the header, it is
 * used; the values below are the kernel's ABI, the same on every architecture linkguard builds
 * for. The library and the test programs include this file instead of the <linux/...> headers.
 */
#ifndef LG_COMPAT_H
#define LG_COMPAT_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#if __has_include(<linux/types.h>)
#include <linux/types.h>
#else
typedef uint8_t __u8;
typedef uint16_t __u16;
typedef uint32_t __u32;
typedef int32_t __s32;
typedef uint64_t __u64;
#endif

/* --- openat2(2) ------------------------------------------------------------------------------ */
#if __has_include(<linux/openat2.h>)
#include <linux/openat2.h>
#else
struct open_how {
	__u64 flags;
	__u64 mode;
	__u64 resolve;
};
#define RESOLVE_NO_XDEV	      0x01
#define RESOLVE_NO_MAGICLINKS 0x02
#define RESOLVE_NO_SYMLINKS   0x04
#define RESOLVE_BENEATH	      0x08
#define RESOLVE_IN_ROOT	      0x10
#define RESOLVE_CACHED	      0x20
#endif
#ifndef SYS_openat2
#define SYS_openat2 437
#endif

/* --- the dynamic loader's GNU extensions (musl has no dlvsym, dlmopen, RTLD_DEEPBIND) ----------
 */
#include <dlfcn.h>
#ifdef LM_ID_BASE
#define LG_HAVE_DLMOPEN 1
#else
#define LG_HAVE_DLMOPEN 0
typedef long Lmid_t;
#define LM_ID_BASE	0
#endif
#ifndef RTLD_DEEPBIND
#define RTLD_DEEPBIND 0 /* no such flag, nothing to take away */
#endif

/* --- file system magic numbers (the resolver trusts only a real /proc) ------------------------ */
#if __has_include(<linux/magic.h>)
#include <linux/magic.h>
#else
#define PROC_SUPER_MAGIC 0x9fa0
#endif

/* --- Landlock (the launcher's kernel layer) --------------------------------------------------- */
#if __has_include(<linux/landlock.h>)
#include <linux/landlock.h>
#else
struct landlock_ruleset_attr {
	__u64 handled_access_fs;
};
struct landlock_path_beneath_attr {
	__u64 allowed_access;
	__s32 parent_fd;
} __attribute__((packed));
#define LANDLOCK_CREATE_RULESET_VERSION (1U << 0)
#define LANDLOCK_RULE_PATH_BENEATH	1
#define LANDLOCK_ACCESS_FS_EXECUTE	(1ULL << 0)
#define LANDLOCK_ACCESS_FS_WRITE_FILE	(1ULL << 1)
#define LANDLOCK_ACCESS_FS_READ_FILE	(1ULL << 2)
#define LANDLOCK_ACCESS_FS_READ_DIR	(1ULL << 3)
#define LANDLOCK_ACCESS_FS_REMOVE_DIR	(1ULL << 4)
#define LANDLOCK_ACCESS_FS_REMOVE_FILE	(1ULL << 5)
#define LANDLOCK_ACCESS_FS_MAKE_CHAR	(1ULL << 6)
#define LANDLOCK_ACCESS_FS_MAKE_DIR	(1ULL << 7)
#define LANDLOCK_ACCESS_FS_MAKE_REG	(1ULL << 8)
#define LANDLOCK_ACCESS_FS_MAKE_SOCK	(1ULL << 9)
#define LANDLOCK_ACCESS_FS_MAKE_FIFO	(1ULL << 10)
#define LANDLOCK_ACCESS_FS_MAKE_BLOCK	(1ULL << 11)
#define LANDLOCK_ACCESS_FS_MAKE_SYM	(1ULL << 12)
#endif
#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#define SYS_landlock_add_rule	    445
#define SYS_landlock_restrict_self  446
#endif

/* --- seccomp and classic BPF (the launcher's io_uring filter) --------------------------------- */
#if __has_include(<linux/seccomp.h>)
#include <linux/seccomp.h>
#else
struct seccomp_data {
	int nr;
	__u32 arch;
	__u64 instruction_pointer;
	__u64 args[6];
};
#define SECCOMP_MODE_FILTER	 2
#define SECCOMP_RET_KILL_PROCESS 0x80000000U
#define SECCOMP_RET_KILL_THREAD	 0x00000000U
#define SECCOMP_RET_TRAP	 0x00030000U
#define SECCOMP_RET_ERRNO	 0x00050000U
#define SECCOMP_RET_ALLOW	 0x7fff0000U
#define SECCOMP_RET_DATA	 0x0000ffffU
#endif
#ifndef SECCOMP_SET_MODE_FILTER
#define SECCOMP_SET_MODE_FILTER 1 /* seccomp(2)'s operation (Linux 3.17) */
#endif
#if __has_include(<linux/filter.h>)
#include <linux/filter.h>
#else
struct sock_filter {
	__u16 code;
	__u8 jt;
	__u8 jf;
	__u32 k;
};
struct sock_fprog {
	unsigned short len;
	struct sock_filter *filter;
};
#define BPF_LD	 0x00
#define BPF_ALU	 0x04
#define BPF_JMP	 0x05
#define BPF_RET	 0x06
#define BPF_W	 0x00
#define BPF_ABS	 0x20
#define BPF_AND	 0x50
#define BPF_JA	 0x00
#define BPF_JEQ	 0x10
#define BPF_JGT	 0x20
#define BPF_JGE	 0x30
#define BPF_JSET 0x40
#define BPF_K	 0x00
#define BPF_STMT(code, k)                                                                          \
	{                                                                                          \
		(unsigned short)(code), 0, 0, k                                                    \
	}
#define BPF_JUMP(code, k, jt, jf)                                                                  \
	{                                                                                          \
		(unsigned short)(code), jt, jf, k                                                  \
	}
#endif
#if __has_include(<linux/audit.h>)
#include <linux/audit.h>
#else
#define AUDIT_ARCH_I386	   0x40000003U
#define AUDIT_ARCH_X86_64  0xc000003eU
#define AUDIT_ARCH_ARM	   0x40000028U
#define AUDIT_ARCH_AARCH64 0xc00000b7U
#endif

/* --- capabilities (the launcher drops the ones that reach around Landlock) ---------------------
 */
#if __has_include(<linux/capability.h>)
#include <linux/capability.h>
#else
struct __user_cap_header_struct {
	__u32 version;
	int pid;
};
struct __user_cap_data_struct {
	__u32 effective;
	__u32 permitted;
	__u32 inheritable;
};
#define _LINUX_CAPABILITY_VERSION_3 0x20080522
#define CAP_CHOWN		    0
#define CAP_DAC_OVERRIDE	    1
#define CAP_DAC_READ_SEARCH	    2
#define CAP_FOWNER		    3
#define CAP_FSETID		    4
#define CAP_SETUID		    7
#define CAP_SYS_MODULE		    16
#define CAP_SYS_RAWIO		    17
#define CAP_SYS_ADMIN		    21
#define CAP_SYS_BOOT		    22
#define CAP_MKNOD		    27
#define CAP_MAC_OVERRIDE	    32
#define CAP_MAC_ADMIN		    33
#define CAP_PERFMON		    38
#define CAP_BPF			    39
#define VFS_CAP_FLAGS_EFFECTIVE	    0x000001
struct vfs_ns_cap_data {
	__u32 magic_etc;
	struct {
		__u32 permitted;
		__u32 inheritable;
	} data[2];
	__u32 rootid;
};
#endif

/*
 * --- GNU extensions the test programs call (never include this part where the library defines
 * the same symbol: it redirects the names) --------------------------------------------------------
 */

/* renameat2: glibc 2.28 and musl 1.2.5 declare it, with its flags, in <stdio.h>. */
#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#define RENAME_EXCHANGE	 (1 << 1)
#define RENAME_WHITEOUT	 (1 << 2)
/* libc's renameat2 if some loaded object has one (the preloaded library does), weakly. */
int lg_compat_libc_renameat2(int, const char *, int, const char *,
			     unsigned int) __asm__("renameat2") __attribute__((weak));
/* renameat2 through the preloaded library when it is loaded, else the system call. */
static inline int lg_compat_renameat2(int old_fd, const char *old_path, int new_fd,
				      const char *new_path, unsigned int flags)
{
	if (lg_compat_libc_renameat2)
		return lg_compat_libc_renameat2(old_fd, old_path, new_fd, new_path, flags);
	return (int)syscall(SYS_renameat2, old_fd, old_path, new_fd, new_path, flags);
}
#define renameat2 lg_compat_renameat2
#endif

/* strerrorname_np: glibc 2.32 and later only. */
#if !defined(__GLIBC__) || (__GLIBC__ == 2 && __GLIBC_MINOR__ < 32)
#include <errno.h>
/* The errno name of err ("ENOENT"), NULL when it is not one of these. */
static inline const char *lg_compat_strerrorname_np(int err)
{
#define LG_E(name)                                                                                 \
	case name:                                                                                 \
		return #name
	switch (err) {
		LG_E(EPERM);
		LG_E(ENOENT);
		LG_E(ESRCH);
		LG_E(EINTR);
		LG_E(EIO);
		LG_E(ENXIO);
		LG_E(E2BIG);
		LG_E(ENOEXEC);
		LG_E(EBADF);
		LG_E(ECHILD);
		LG_E(EAGAIN);
		LG_E(ENOMEM);
		LG_E(EACCES);
		LG_E(EFAULT);
		LG_E(EBUSY);
		LG_E(EEXIST);
		LG_E(EXDEV);
		LG_E(ENODEV);
		LG_E(ENOTDIR);
		LG_E(EISDIR);
		LG_E(EINVAL);
		LG_E(ENFILE);
		LG_E(EMFILE);
		LG_E(ETXTBSY);
		LG_E(EFBIG);
		LG_E(ENOSPC);
		LG_E(ESPIPE);
		LG_E(EROFS);
		LG_E(EMLINK);
		LG_E(EPIPE);
		LG_E(ERANGE);
		LG_E(ENAMETOOLONG);
		LG_E(ENOSYS);
		LG_E(ENOTEMPTY);
		LG_E(ELOOP);
		LG_E(EOVERFLOW);
		LG_E(EOPNOTSUPP);
		LG_E(ESTALE);
		LG_E(EDQUOT);
		LG_E(ECANCELED);
		LG_E(EOWNERDEAD);
	}
#undef LG_E
	return NULL;
}
#define strerrorname_np lg_compat_strerrorname_np
#endif

#endif
