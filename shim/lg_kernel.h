/* lg_kernel.h - the launcher's kernel layer: Landlock for links/renames (and for writes to the
 * kernel's own control files), capabilities and seccomp for what Landlock does not cover. */
#ifndef LG_KERNEL_H
#define LG_KERNEL_H

#include <limits.h>

enum lg_kernel_mode {
	LG_KERNEL_NONE = 0, /* --no-kernel: the library alone */
	LG_KERNEL_REFER,    /* reparenting (cross-directory link/rename) beneath the roots only */
	LG_KERNEL_STRICT,   /* also creating, removing, replacing entries */
	LG_KERNEL_BEST_EFFORT, /* refer where the kernel has Landlock; else a warning */
	LG_KERNEL_AUTO,	       /* the default: refer where the kernel has Landlock; else a note */
};

/* lg_kernel_mode_parse: "refer", "strict" or "best-effort" into *mode; 0, or -1 if unknown. */
int lg_kernel_mode_parse(const char *text, enum lg_kernel_mode *mode);

/*
 * lg_kernel_apply: restrict this process and every descendant, for good:
 * - a Landlock ruleset that allows reparenting (and, strict, creating and removing entries)
 *   beneath the roots (strict: and the writable dirs) only, and writing files everywhere except
 *   in the kernel's control trees (/proc, /sys, /dev but its harmless devices, and every
 *   pseudo file system mounted elsewhere), so not even root can hand an escape to a kernel
 *   helper (core_pattern, modprobe, binfmt_misc, uevent helper) or write a raw block device;
 *   where the ABI has them, ioctls only on harmless devices and terminals, and no signals or
 *   abstract unix sockets outside the sandbox;
 * - the capabilities that reach around Landlock dropped for good (modules, raw I/O, mknod,
 *   CAP_SYS_ADMIN, ...);
 * - a seccomp filter: another architecture's system calls kill the process, x32 ones, io_uring,
 *   module loading, kexec and the terminal-injecting ioctls (TIOCSTI, TIOCLINUX) fail.
 * Sets no_new_privs and LINKGUARD_KERNEL (so the shim lets static and setuid programs run, with
 * a notice). Exits with status 125 and a message when it can not; without Landlock,
 * best-effort warns and LG_KERNEL_AUTO prints a note, and both return unrestricted.
 */
void lg_kernel_apply(enum lg_kernel_mode mode, char roots[][PATH_MAX], int root_count,
		     char writable[][PATH_MAX], int writable_count);

/* lg_kernel_in_force: whether lg_kernel_apply restricted this process. */
int lg_kernel_in_force(void);

#endif
