/* lg_seccomp.c - a seccomp filter of the program's own: the kernel's answers stop being only its.
 *
 * A filter answers any system call in the kernel's place: SECCOMP_RET_ERRNO with 0 makes an
 * openat2 of the library "return" descriptor 0, which the program put on a directory outside, and
 * SECCOMP_RET_TRAP hands the call to a SIGSYS handler of the program's that writes whatever
 * result it likes. Once the program has installed one through libc (prctl, or syscall() with
 * SYS_seccomp or SYS_prctl), nothing the library learns from the kernel can be believed: its links,
 * renames and execs are refused, unless the strict kernel layer confines them anyway (a child
 * keeps the filter, and does not know it). Installing stays allowed, and so does everything that
 * does not pass through the library. A filter installed by a raw system call is among what no
 * preload can close (README, level 2).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "lg_compat.h" /* seccomp's constants, which musl's include path lacks */
#include "lg_shim.h"
#include "lg_syscall.h"

#define LG_EXPORT __attribute__((visibility("default")))

/*
 * Filters being installed now, and whether one ever was. An interposed call reads both after its
 * look at the kernel, before it acts: a filter that answered that look was counted before it was
 * installed. A failed install (a probe with no program) leaves nothing behind.
 */
static int installing;
static int installed;

int lg_own_filter(void)
{
	return __atomic_load_n(&installing, __ATOMIC_SEQ_CST) != 0 ||
	       __atomic_load_n(&installed, __ATOMIC_SEQ_CST) != 0;
}

int lg_installs_filter(long nr, const long *a)
{
#ifdef SYS_seccomp
	if (nr == SYS_seccomp && a[0] == SECCOMP_SET_MODE_FILTER)
		return 1;
#endif
	return nr == SYS_prctl && a[0] == PR_SET_SECCOMP && a[1] == SECCOMP_MODE_FILTER;
}

/* The system call nr itself, with -1 and errno on failure, as libc's syscall(). */
static long raw(long nr, const long *a)
{
#if LG_HAVE_INLINE_SYSCALL
	return lg_syscall_libc(lg_inline_syscall(nr, a[0], a[1], a[2], a[3], a[4], 0));
#else
	return lg_real_syscall(nr, a[0], a[1], a[2], a[3], a[4], 0);
#endif
}

long lg_install_filter(long nr, const long *a)
{
	long r;

	__atomic_add_fetch(&installing, 1, __ATOMIC_SEQ_CST);
	r = raw(nr, a);
	if (r >= 0)
		__atomic_store_n(&installed, 1, __ATOMIC_SEQ_CST);
	__atomic_sub_fetch(&installing, 1, __ATOMIC_SEQ_CST);
	return r;
}

LG_EXPORT int prctl(int option, ...)
{
	long a[5] = {option};
	va_list ap;

	va_start(ap, option);
	for (int i = 1; i < 5; i++)
		a[i] = (long)va_arg(ap, unsigned long);
	va_end(ap);
	if (lg_installs_filter(SYS_prctl, a))
		return (int)lg_install_filter(SYS_prctl, a);
	return (int)raw(SYS_prctl, a);
}

static const char own_filter_reason[] =
    "the program installed a seccomp filter of its own, which can answer the library's system "
    "calls in the kernel's place; confine it with linkguard --kernel=strict";

int lg_refuse_own_filter(const char *call, const char *old_path, const char *new_path)
{
	struct lg_config *cfg;
	struct lg_denial d = {.call = call,
			      .old_path = old_path,
			      .new_path = new_path,
			      .culprit = old_path,
			      .culprit_fd = -1,
			      .reason = own_filter_reason};

	if (!lg_own_filter())
		return 0;
	cfg = lg_config();
	d.decision = lg_decide(&cfg->policy, LG_FOUND_OWN_FILTER);
	if (d.decision == LG_ALLOW)
		return 0;
	if (cfg->policy.broken) /* a bad setting refuses every call: it is the reason */
		d.reason = cfg->policy.broken;
	lg_report(cfg, &d);
	return d.decision == LG_AUDIT ? 0 : -LG_ERR_DENIED;
}
