/* rawcall.c - make one link/rename by a route an LD_PRELOAD shim can not see; print "ok" or
 * "err ENAME", as lgcall does. One source, built three ways (RAWCALL_ROUTE):
 *
 *   RAWCALL_LIBC   the calls through libc; linked -static, so no preloaded library is ever loaded
 *   RAWCALL_ASM    the system calls made by an inline `syscall` (x86_64) / `svc #0` (aarch64)
 *   RAWCALL_URING  IORING_OP_LINKAT / IORING_OP_RENAMEAT submitted on a hand-made io_uring
 *                  (io_uring_setup and io_uring_enter by the inline instruction; with --via-libc
 *                  or RAW_URING_VIA_LIBC=1 through libc's syscall(), which a shim can interpose;
 *                  with --inherited on a ring an unconfined parent set up, see hold-ring)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lg_compat.h"
#include "lg_syscall.h"

#define RAWCALL_LIBC  1
#define RAWCALL_ASM   2
#define RAWCALL_URING 3

#ifndef RAWCALL_ROUTE
#error "define RAWCALL_ROUTE as RAWCALL_LIBC, RAWCALL_ASM or RAWCALL_URING"
#endif

#if RAWCALL_ROUTE == RAWCALL_URING
#include <linux/io_uring.h>
#include <sys/mman.h>
#endif

#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#endif
#define LANDLOCK_CREATE_RULESET_VERSION_FLAG (1U << 0)

#if RAWCALL_ROUTE == RAWCALL_LIBC
#define ROUTE_NAME "libc"
#elif RAWCALL_ROUTE == RAWCALL_ASM
#define ROUTE_NAME "asm"
#elif RAWCALL_ROUTE == RAWCALL_URING
#define ROUTE_NAME "uring"
#else
#error "unknown RAWCALL_ROUTE"
#endif

#define CALLARGS_PROG "rawcall"
#include "../driver/lg_callargs.h"

static const char usage[] =
    "usage: rawcall [--via-libc] [--inherited] [-C DIR] OP ARGS...   (this build: route " ROUTE_NAME
    ")\n" CALLARGS_USAGE_CALLS
    "  route          print the route of this build (libc, asm or uring)\n"
    "  kind           print \"static\" (no program interpreter) or \"dynamic\"\n"
    "  landlock-abi   print the kernel's Landlock ABI version, or \"err ENAME\"\n"
    "  uring-probe    (uring build) set up a ring and print \"ok\", or \"err ENAME\" of the "
    "setup\n" CALLARGS_USAGE_ARGS "uring build only:\n"
    "  hold-ring [--personality] CMD [ARG...]\n"
    "                 set up a ring (with --personality, register this process's credentials\n"
    "                 on it), keep it open across exec, run CMD with RAW_URING_RING set\n"
    "  --via-libc     (or RAW_URING_VIA_LIBC=1) io_uring_setup, io_uring_enter and\n"
    "                 io_uring_register through libc's syscall(), not the inline instruction\n"
    "  --inherited    submit on the ring hold-ring left (RAW_URING_RING), with its personality\n"
    "prints \"ok\" (exit 0) or \"err ENAME\" (exit 1); exit 2 on usage errors\n";

static int report(long ret);

static void fail_usage(const char *why)
{
	fprintf(stderr, "rawcall: %s\n%s", why, usage);
	exit(2);
}

/* Static builds need no strerrorname_np; the names the tests look for, and their neighbours. */
static const char *errno_name(int err)
{
	static const struct {
		int value;
		const char *name;
	} names[] = {
#define E(name) {name, #name}
	    E(EPERM),	  E(ENOENT),	   E(ESRCH),  E(EINTR),	    E(EIO),	E(ENXIO),
	    E(E2BIG),	  E(EBADF),	   E(EAGAIN), E(ENOMEM),    E(EACCES),	E(EFAULT),
	    E(EBUSY),	  E(EEXIST),	   E(EXDEV),  E(ENODEV),    E(ENOTDIR), E(EISDIR),
	    E(EINVAL),	  E(ENFILE),	   E(EMFILE), E(ETXTBSY),   E(ENOSPC),	E(EROFS),
	    E(EMLINK),	  E(ENAMETOOLONG), E(ENOSYS), E(ENOTEMPTY), E(ELOOP),	E(EOPNOTSUPP),
	    E(EOVERFLOW), E(ECANCELED),	   E(EDQUOT),
#undef E
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].value == err)
			return names[i].name;
	return "EUNKNOWN";
}

/* --- the system call instruction ------------------------------------------------------------- */

/* The asm and uring routes make their system calls by lg_inline_syscall. */
#if RAWCALL_ROUTE != RAWCALL_LIBC && !LG_HAVE_INLINE_SYSCALL
#error "rawcall's asm and uring routes support x86_64 and aarch64 only"
#endif

/* The route's answer as the kernel gives it: 0, or -errno. */
static long landlock_abi(void)
{
#if RAWCALL_ROUTE == RAWCALL_LIBC
	long r =
	    syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION_FLAG);

	return r < 0 ? -errno : r;
#else
	return lg_inline_syscall(SYS_landlock_create_ruleset, 0, 0,
				 LANDLOCK_CREATE_RULESET_VERSION_FLAG, 0, 0, 0);
#endif
}

/* --- the routes ------------------------------------------------------------------------------ */

enum op { OP_LINK, OP_RENAME };

struct req {
	enum op op;
	int old_fd;
	const char *old;
	int new_fd;
	const char *new;
	unsigned flags;
};

#if RAWCALL_ROUTE == RAWCALL_LIBC
static long route_call(const struct req *r)
{
	int ret;

	if (r->op == OP_LINK)
		ret = linkat(r->old_fd, r->old, r->new_fd, r->new, (int)r->flags);
	else if (r->flags != 0)
		ret = renameat2(r->old_fd, r->old, r->new_fd, r->new, r->flags);
	else
		ret = renameat(r->old_fd, r->old, r->new_fd, r->new);
	return ret == 0 ? 0 : -errno;
}
#elif RAWCALL_ROUTE == RAWCALL_ASM
static long route_call(const struct req *r)
{
#if defined(SYS_link) && defined(SYS_rename)
	/* What glibc's link() and rename() do on x86_64, so the shim sees the same call numbers. */
	if (r->old_fd == AT_FDCWD && r->new_fd == AT_FDCWD && r->flags == 0)
		return lg_inline_syscall(r->op == OP_LINK ? SYS_link : SYS_rename, (long)r->old,
					 (long)r->new, 0, 0, 0, 0);
#endif
	if (r->op == OP_LINK)
		return lg_inline_syscall(SYS_linkat, r->old_fd, (long)r->old, r->new_fd,
					 (long)r->new, (long)r->flags, 0);
	return lg_inline_syscall(SYS_renameat2, r->old_fd, (long)r->old, r->new_fd, (long)r->new,
				 (long)r->flags, 0);
}
#elif RAWCALL_ROUTE == RAWCALL_URING

#ifndef SYS_io_uring_setup
#define SYS_io_uring_setup 425
#endif
#ifndef SYS_io_uring_enter
#define SYS_io_uring_enter 426
#endif
#ifndef SYS_io_uring_register
#define SYS_io_uring_register 427
#endif

static int via_libc;
static int inherited; /* use the ring hold-ring left in RAW_URING_RING instead of a new one */

/* io_uring_setup/io_uring_enter/io_uring_register by the chosen route: the result, or -errno. */
static long uring_syscall(long nr, long a, long b, long c, long d, long e)
{
	if (via_libc) {
		long r = syscall(nr, a, b, c, d, e, 0L);

		return r < 0 ? -errno : r;
	}
	return lg_inline_syscall(nr, a, b, c, d, e, 0);
}

struct ring {
	int fd;
	unsigned personality; /* 0, or the id hold-ring registered */
	unsigned *sq_tail, *sq_mask, *sq_array;
	unsigned *cq_head, *cq_tail, *cq_mask;
	struct io_uring_sqe *sqes;
	struct io_uring_cqe *cqes;
};

/* Map the rings of fd, whose parameters are p: 0, or -errno. */
static long ring_map(struct ring *ring, int fd, const struct io_uring_params *p)
{
	size_t sq_size = p->sq_off.array + p->sq_entries * sizeof(unsigned);
	size_t cq_size = p->cq_off.cqes + p->cq_entries * sizeof(struct io_uring_cqe);
	char *sq, *cq;

	ring->fd = fd;
	if ((p->features & IORING_FEAT_SINGLE_MMAP) && cq_size > sq_size)
		sq_size = cq_size;
	sq = mmap(NULL, sq_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd,
		  IORING_OFF_SQ_RING);
	if (sq == MAP_FAILED)
		return -errno;
	cq = sq;
	if (!(p->features & IORING_FEAT_SINGLE_MMAP)) {
		cq = mmap(NULL, cq_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd,
			  IORING_OFF_CQ_RING);
		if (cq == MAP_FAILED)
			return -errno;
	}
	ring->sqes = mmap(NULL, p->sq_entries * sizeof(struct io_uring_sqe), PROT_READ | PROT_WRITE,
			  MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQES);
	if (ring->sqes == MAP_FAILED)
		return -errno;
	ring->sq_tail = (unsigned *)(sq + p->sq_off.tail);
	ring->sq_mask = (unsigned *)(sq + p->sq_off.ring_mask);
	ring->sq_array = (unsigned *)(sq + p->sq_off.array);
	ring->cq_head = (unsigned *)(cq + p->cq_off.head);
	ring->cq_tail = (unsigned *)(cq + p->cq_off.tail);
	ring->cq_mask = (unsigned *)(cq + p->cq_off.ring_mask);
	ring->cqes = (struct io_uring_cqe *)(cq + p->cq_off.cqes);
	return 0;
}

/* A new ring of one entry: 0, or -errno of the step that failed. */
static long ring_setup(struct ring *ring, struct io_uring_params *p)
{
	long fd;

	memset(p, 0, sizeof(*p));
	fd = uring_syscall(SYS_io_uring_setup, 1, (long)p, 0, 0, 0);
	if (fd < 0)
		return fd;
	ring->personality = 0;
	return ring_map(ring, (int)fd, p);
}

/* RAW_URING_RING is "FD:PERSONALITY:" and the io_uring_params in hex. */
#define RING_ENV "RAW_URING_RING"

static long ring_inherited(struct ring *ring)
{
	const char *env = getenv(RING_ENV), *hex;
	struct io_uring_params p;
	unsigned char *bytes = (unsigned char *)&p;
	unsigned fd, personality;
	int used = 0;

	if (env == NULL || sscanf(env, "%u:%u:%n", &fd, &personality, &used) != 2 ||
	    strlen(env + used) != 2 * sizeof(p)) {
		fprintf(stderr, "rawcall: --inherited needs %s, as hold-ring sets it\n", RING_ENV);
		exit(2);
	}
	hex = env + used;
	for (size_t i = 0; i < sizeof(p); i++) {
		unsigned byte;

		if (sscanf(hex + 2 * i, "%2x", &byte) != 1) {
			fprintf(stderr, "rawcall: bad %s\n", RING_ENV);
			exit(2);
		}
		bytes[i] = (unsigned char)byte;
	}
	ring->personality = personality;
	return ring_map(ring, (int)fd, &p);
}

/* hold-ring [--personality] CMD [ARG...]: set up a ring (and register this process's
 * credentials as a personality of it), leave it open across exec and run CMD with its
 * parameters in RAW_URING_RING. */
static int hold_ring(int argc, char **argv)
{
	struct io_uring_params p;
	struct ring ring;
	char env[32 + 2 * sizeof(p) + 1];
	const unsigned char *bytes = (const unsigned char *)&p;
	long personality = 0, r;
	int n, with_personality = argc > 0 && strcmp(argv[0], "--personality") == 0;

	argc -= with_personality;
	argv += with_personality;
	if (argc < 1)
		fail_usage("hold-ring needs a command");
	r = ring_setup(&ring, &p);
	if (r < 0)
		return report(r);
	if (with_personality) {
		personality = uring_syscall(SYS_io_uring_register, ring.fd,
					    IORING_REGISTER_PERSONALITY, 0, 0, 0);
		if (personality < 0)
			return report(personality);
	}
	if (fcntl(ring.fd, F_SETFD, 0) != 0) /* io_uring descriptors are close-on-exec */
		return report(-errno);
	n = snprintf(env, sizeof(env), "%d:%ld:", ring.fd, personality);
	for (size_t i = 0; i < sizeof(p); i++)
		n += snprintf(env + n, sizeof(env) - (size_t)n, "%02x", bytes[i]);
	setenv(RING_ENV, env, 1);
	execvp(argv[0], argv);
	fprintf(stderr, "rawcall: cannot run %s: %s\n", argv[0], strerror(errno));
	return 127;
}

static long route_call(const struct req *r)
{
	struct io_uring_params p;
	struct ring ring;
	struct io_uring_sqe *sqe;
	unsigned tail, head;
	long ret = inherited ? ring_inherited(&ring) : ring_setup(&ring, &p);

	if (ret < 0)
		return ret;
	tail = *ring.sq_tail;
	sqe = &ring.sqes[tail & *ring.sq_mask];
	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = r->op == OP_LINK ? IORING_OP_LINKAT : IORING_OP_RENAMEAT;
	sqe->fd = r->old_fd;
	sqe->addr = (uint64_t)(uintptr_t)r->old;
	sqe->len = (uint32_t)r->new_fd;
	sqe->addr2 = (uint64_t)(uintptr_t)r->new;
	if (r->op == OP_LINK)
		sqe->hardlink_flags = r->flags;
	else
		sqe->rename_flags = r->flags;
	sqe->personality = (uint16_t)ring.personality;
	ring.sq_array[tail & *ring.sq_mask] = tail & *ring.sq_mask;
	__atomic_store_n(ring.sq_tail, tail + 1, __ATOMIC_RELEASE);

	do {
		ret = uring_syscall(SYS_io_uring_enter, ring.fd, 1, 1, IORING_ENTER_GETEVENTS, 0);
	} while (ret == -EINTR);
	if (ret < 0)
		return ret;
	head = __atomic_load_n(ring.cq_head, __ATOMIC_RELAXED);
	if (head == __atomic_load_n(ring.cq_tail, __ATOMIC_ACQUIRE)) {
		fprintf(stderr, "rawcall: io_uring_enter returned with no completion\n");
		return -EIO;
	}
	ret = ring.cqes[head & *ring.cq_mask].res;
	__atomic_store_n(ring.cq_head, head + 1, __ATOMIC_RELEASE);
	close(ring.fd);
	return ret;
}
#endif

/* --- the command line ------------------------------------------------------------------------ */

static int report(long ret)
{
	if (ret >= 0) {
		printf("ok\n");
		return 0;
	}
	printf("err %s\n", errno_name((int)-ret));
	if (strcmp(errno_name((int)-ret), "EUNKNOWN") == 0)
		fprintf(stderr, "rawcall: errno %ld\n", -ret);
	return 1;
}

/* Queries that make no link or rename: 0 when op was one of them, with *status set. */
static int query(const char *op, int argc, int *status)
{
	long abi;

	if (argc != 0)
		return 0;
	if (strcmp(op, "route") == 0) {
		printf("%s\n", ROUTE_NAME);
	} else if (strcmp(op, "kind") == 0) {
		/* AT_BASE is where the program interpreter was loaded; 0 when there was none. */
		printf("%s\n", getauxval(AT_BASE) == 0 ? "static" : "dynamic");
	} else if (strcmp(op, "landlock-abi") == 0) {
		abi = landlock_abi();
		if (abi < 0) {
			*status = report(abi);
			return 1;
		}
		printf("%ld\n", abi);
#if RAWCALL_ROUTE == RAWCALL_URING
	} else if (strcmp(op, "uring-probe") == 0) {
		struct io_uring_params p;
		struct ring ring;
		long r = ring_setup(&ring, &p);

		if (r == 0)
			close(ring.fd);
		*status = report(r);
		return 1;
#endif
	} else {
		return 0;
	}
	*status = 0;
	return 1;
}

int main(int argc, char **argv)
{
	struct req r = {OP_LINK, AT_FDCWD, NULL, AT_FDCWD, NULL, 0};
	const char *op;
	char **a;
	int n, status;

	argc--;
	argv++;
	for (; argc >= 1 &&
	       (strcmp(argv[0], "--via-libc") == 0 || strcmp(argv[0], "--inherited") == 0);
	     argc--, argv++) {
#if RAWCALL_ROUTE == RAWCALL_URING
		if (strcmp(argv[0], "--via-libc") == 0)
			via_libc = 1;
		else
			inherited = 1;
#else
		fail_usage("--via-libc and --inherited apply to the uring build only");
#endif
	}
#if RAWCALL_ROUTE == RAWCALL_URING
	if (getenv("RAW_URING_VIA_LIBC") && strcmp(getenv("RAW_URING_VIA_LIBC"), "1") == 0)
		via_libc = 1;
	if (argc >= 1 && strcmp(argv[0], "hold-ring") == 0)
		return hold_ring(argc - 1, argv + 1);
#endif
	n = callargs_chdir(argv, argc);
	argc -= n;
	argv += n;
	if (argc < 1)
		fail_usage("no operation");
	op = argv[0];
	a = argv + 1;
	n = argc - 1;
	if (query(op, n, &status))
		return status;
	if (n == 2 && (strcmp(op, "link") == 0 || strcmp(op, "rename") == 0)) {
		r.op = strcmp(op, "link") == 0 ? OP_LINK : OP_RENAME;
		r.old = a[0];
		r.new = a[1];
	} else if ((n == 5 && (strcmp(op, "linkat") == 0 || strcmp(op, "renameat2") == 0)) ||
		   (n == 4 && strcmp(op, "renameat") == 0)) {
		r.op = strcmp(op, "linkat") == 0 ? OP_LINK : OP_RENAME;
		r.old_fd = callargs_fd(a[0]);
		r.old = a[1];
		r.new_fd = callargs_fd(a[2]);
		r.new = a[3];
		r.flags = n == 5 ? callargs_flags(a[4]) : 0;
	} else {
		fail_usage("unknown operation or wrong number of arguments");
	}
	return report(route_call(&r));
}
