/* lg_userns.c - binfmt_misc handlers the exec gate can not see.
 *
 * binfmt_misc handlers are tried before the ELF loader: a handler whose magic matches a file
 * (or every ELF file) runs the interpreter it names, which may be a static program, with the
 * file as its argument. Since Linux 6.7 each user namespace may mount a binfmt_misc of its own
 * (a fresh one uses its parent's until then), and an unprivileged program can create one: the
 * handlers it registers there apply to it and its descendants only, listed only where it chose
 * to mount that binfmt_misc, in a mount namespace of its own. The gate can not list them; so in a
 * user namespace other than the one the process started in, every exec is refused (and so no
 * confined process ever starts in a namespace created under the confinement). In the namespace a
 * process started in, only a program privileged there can register handlers (see README, level 2).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/personality.h>
#include <sys/utsname.h>

#include "lg_shim.h"

#define LG_EXPORT __attribute__((visibility("default")))

/*
 * This process's user namespace now, as the kernel spells its link ("user:[4026531837]"), into
 * buf; 0 or -errno. Read as a link that no mount covers: a program in a mount namespace of its own
 * can mount, over /proc/self/ns/user, a symlink to the namespace it started in, and a stat that
 * followed it would answer for that one.
 */
static int current_userns(char *buf, size_t size)
{
	long n = lg_proc_self_readlink("ns/user", buf, size - 1);

	if (n < 0)
		return (int)n;
	buf[n] = '\0';
	return 0;
}

/* Whether value is spelled as the kernel spells a user namespace's link: "user:[" digits "]". */
static int userns_spelling(const char *value, size_t size)
{
	static const char head[] = "user:[";
	size_t len, i;

	if (value == NULL)
		return 0;
	len = strnlen(value, size);
	if (len == size || len < sizeof(head) + 1 || strncmp(value, head, sizeof(head) - 1) != 0 ||
	    value[len - 1] != ']')
		return 0;
	for (i = sizeof(head) - 1; i < len - 1; i++)
		if (value[i] < '0' || value[i] > '9')
			return 0;
	return 1;
}

/* Every child learns it from its parent: a process that starts needs no look at /proc for it. */
void lg_userns_record(struct lg_config *cfg, const char *inherited)
{
	if (userns_spelling(inherited, sizeof(cfg->userns)))
		strcpy(cfg->userns, inherited);
	else if (current_userns(cfg->userns, sizeof(cfg->userns)) != 0)
		cfg->userns[0] = '\0'; /* unknown: every exec judged as from another namespace */
	cfg->userns_entry[0] = '\0';
	if (cfg->userns[0])
		snprintf(cfg->userns_entry, sizeof(cfg->userns_entry), "%s=%s", LG_ENV_USERNS,
			 cfg->userns);
}

/* The decimal number at *p, moving *p past it; -1 when there is none. */
static long leading_number(const char **p)
{
	long n = -1;

	for (; **p >= '0' && **p <= '9' && n < 100000; (*p)++)
		n = (n < 0 ? 0 : n * 10) + (**p - '0');
	return n;
}

/*
 * Whether each user namespace has a binfmt_misc of its own: Linux 6.7 and later. The release
 * uname() gives is the kernel's unless the process asked for another: the UNAME26 personality
 * (any program may set it) spells any kernel "2.6.x". Then the answer is the worst.
 */
static int kernel_has_per_userns_binfmt(void)
{
	struct utsname u;
	const char *p = u.release;
	long major, minor = -1;
	int persona = personality(0xffffffff);

	if (persona == -1 || (persona & UNAME26) || uname(&u) != 0)
		return 1; /* can not tell: assume the worst */
	major = leading_number(&p);
	if (*p++ == '.')
		minor = leading_number(&p);
	if (major < 0 || minor < 0)
		return 1;
	return major > 6 || (major == 6 && minor >= 7);
}

/* The same, asked once (the kernel does not change under a process); 1 or 0. */
static int per_userns_binfmt(void)
{
	static int known; /* 0: not asked; 1: no; 2: yes */
	int k = __atomic_load_n(&known, __ATOMIC_RELAXED);

	if (k == 0) {
		k = kernel_has_per_userns_binfmt() ? 2 : 1;
		__atomic_store_n(&known, k, __ATOMIC_RELAXED);
	}
	return k == 2;
}

/*
 * A look at /proc that found the start namespace holds for later execs until the process makes,
 * through libc, a call that can move it to another (may_move): a build's make or ninja
 * execs thousands of times, and the look is five system calls. Sticky once set: a clone(CLONE_VM)
 * child shares this memory, not its parent's namespace. A raw system call is among what no
 * preload sees (README, level 2).
 */
static int proven; /* a look found the start namespace, and no such call came before it */
static int moved;  /* such a call was made: every exec looks */

static void may_move(void)
{
	__atomic_store_n(&moved, 1, __ATOMIC_SEQ_CST);
}

/* Which calls may move it, for the wrappers below and for syscall(). nstype 0 joins whatever
 * namespace fd is, a user namespace too. */
static int unshare_moves(long flags)
{
	return (flags & CLONE_NEWUSER) != 0;
}

static int setns_moves(long nstype)
{
	return nstype == 0 || (nstype & CLONE_NEWUSER);
}

/* Every clone and clone3 through syscall() is marked: clone's flags are not its first argument on
 * every architecture, and clone3's lie in the caller's memory, which is not read here. */
void lg_userns_note_syscall(long nr, const long *a)
{
	if ((nr == SYS_unshare && unshare_moves(a[0])) || (nr == SYS_setns && setns_moves(a[1])) ||
	    nr == SYS_clone
#ifdef SYS_clone3
	    || nr == SYS_clone3
#endif
	)
		may_move();
}

/*
 * Whether no binfmt_misc handler of the process's own can choose an exec's interpreter: before
 * Linux 6.7 every namespace uses the first one's handlers, which only a privileged program can
 * register; since, a namespace may have its own, so the process must still be in the one it
 * started in.
 */
static int in_start_userns(const struct lg_config *cfg)
{
	char now[sizeof(cfg->userns)];
	int in;

	if (!per_userns_binfmt())
		return 1;
	if (__atomic_load_n(&proven, __ATOMIC_ACQUIRE) &&
	    !__atomic_load_n(&moved, __ATOMIC_SEQ_CST))
		return 1;
	in = cfg->userns[0] && current_userns(now, sizeof(now)) == 0 &&
	     strcmp(now, cfg->userns) == 0;
	/* moved is read after the look: a call that began before it may have moved the process. */
	if (in && !__atomic_load_n(&moved, __ATOMIC_SEQ_CST))
		__atomic_store_n(&proven, 1, __ATOMIC_RELEASE);
	return in;
}

int lg_refuse_userns(const char *call, const char *path)
{
	struct lg_config *cfg = lg_config();
	const char *reason =
	    "runs in a user namespace created under linkguard, where a binfmt_misc "
	    "handler the exec gate can not see may choose the interpreter; use "
	    "linkguard --kernel";
	enum lg_decision decision = lg_decide(&cfg->policy, LG_FOUND_UNCHECKED);
	int saved = errno;

	if (decision == LG_CHECK) {
		if (in_start_userns(cfg)) {
			errno = saved;
			return 0;
		}
		/* Landlock confines whatever interpreter a handler picks. */
		decision = cfg->policy.kernel_layer ? LG_ALLOW
						    : lg_decide(&cfg->policy, LG_FOUND_UNJUDGED);
	}
	errno = saved;
	if (decision == LG_ALLOW || decision == LG_NOTE)
		return 0;
	if (cfg->policy.broken) /* a bad setting refuses every exec: it is the reason */
		reason = cfg->policy.broken;
	{
		struct lg_denial d = {call, path, NULL, path, -1, NULL, reason, decision};

		lg_report(cfg, &d);
	}
	return decision == LG_AUDIT ? 0 : -LG_ERR_DENIED;
}

/* libc's own, looked up at the first call; -1 and ENOSYS where libc has none. */
static void *real_or_enosys(enum lg_lazy which)
{
	void *fn = lg_real_lazy(which);

	if (fn == NULL)
		errno = ENOSYS;
	return fn;
}

typedef int (*lg_unshare_fn)(int);
typedef int (*lg_setns_fn)(int, int);
typedef int (*lg_clone_fn)(int (*)(void *), void *, int, void *, ...);

LG_EXPORT int unshare(int flags)
{
	lg_unshare_fn fn = (lg_unshare_fn)real_or_enosys(LG_LAZY_UNSHARE);

	if (unshare_moves(flags))
		may_move();
	return fn ? fn(flags) : -1;
}

LG_EXPORT int setns(int fd, int nstype)
{
	lg_setns_fn fn = (lg_setns_fn)real_or_enosys(LG_LAZY_SETNS);

	if (setns_moves(nstype))
		may_move();
	return fn ? fn(fd, nstype) : -1;
}

/*
 * The three optional arguments are passed on whether the caller gave them or not, as libc's own
 * clone reads them: the kernel looks only at those its flags name.
 */
static int marked_clone(int (*child)(void *), void *stack, int flags, void *arg, va_list ap)
{
	lg_clone_fn fn = (lg_clone_fn)real_or_enosys(LG_LAZY_CLONE);
	void *parent_tid = va_arg(ap, void *), *tls = va_arg(ap, void *);
	void *child_tid = va_arg(ap, void *);

	if (unshare_moves(flags))
		may_move();
	return fn ? fn(child, stack, flags, arg, parent_tid, tls, child_tid) : -1;
}

/* clone, and __clone: glibc exports its clone under both names. */
#define LG_CLONE_WRAPPER(name)                                                                     \
	LG_EXPORT int name(int (*child)(void *), void *stack, int flags, void *arg, ...)           \
	{                                                                                          \
		va_list ap;                                                                        \
		int r;                                                                             \
                                                                                                   \
		va_start(ap, arg);                                                                 \
		r = marked_clone(child, stack, flags, arg, ap);                                    \
		va_end(ap);                                                                        \
		return r;                                                                          \
	}

LG_CLONE_WRAPPER(clone)
LG_CLONE_WRAPPER(__clone)
