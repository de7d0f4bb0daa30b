/* lg_kernel.h - the launcher's kernel layer: Landlock for links/renames, seccomp for io_uring. */
#ifndef LG_KERNEL_H
#define LG_KERNEL_H

#include <limits.h>

enum lg_kernel_mode {
	LG_KERNEL_NONE = 0,
	LG_KERNEL_REFER,  /* reparenting (cross-directory link/rename) beneath the roots only */
	LG_KERNEL_STRICT, /* also creating, removing, replacing entries */
	LG_KERNEL_BEST_EFFORT, /* refer where the kernel has Landlock; else a warning */
};

/* lg_kernel_mode_parse: "refer", "strict" or "best-effort" into *mode; 0, or -1 if unknown. */
int lg_kernel_mode_parse(const char *text, enum lg_kernel_mode *mode);

/*
 * lg_kernel_apply: restrict this process and every descendant, for good: a Landlock ruleset
 * that allows the handled rights beneath the roots (and, strict, the writable dirs) only, and a
 * seccomp filter that makes io_uring_setup fail with ENOSYS. Sets no_new_privs and
 * LINKGUARD_KERNEL (so the shim lets static and setuid programs run, with a notice).
 * Exits with status 125 and a message when it can not (best-effort: warns and returns).
 */
void lg_kernel_apply(enum lg_kernel_mode mode, char roots[][PATH_MAX], int root_count,
		     char writable[][PATH_MAX], int writable_count);

/* lg_kernel_in_force: whether lg_kernel_apply restricted this process. */
int lg_kernel_in_force(void);

#endif
