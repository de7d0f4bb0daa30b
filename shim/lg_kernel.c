/* lg_kernel.c - Landlock and seccomp for what LD_PRELOAD can not reach; used by the launcher. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/landlock.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lg_contract.h"
#include "lg_kernel.h"

#ifndef __NR_io_uring_setup
#define __NR_io_uring_setup 425 /* the same number on every architecture */
#endif
#define LG_X32_BIT 0x40000000
/* Newer than some distributions' kernel headers; the values are the kernel's ABI. */
#ifndef LANDLOCK_ACCESS_FS_REFER
#define LANDLOCK_ACCESS_FS_REFER (1ULL << 13)
#endif
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif

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
	fprintf(stderr,
		"linkguard: --kernel: %s: %s; refusing to run without the kernel layer "
		"(--kernel=best-effort continues without it)\n",
		what, strerror(err));
	exit(125);
}

/* The rights each mode handles, limited to what the kernel's Landlock ABI knows. */
static __u64 handled_rights(enum lg_kernel_mode mode, int abi)
{
	__u64 rights = LANDLOCK_ACCESS_FS_REFER;

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

static void allow_beneath(int ruleset, const char *dir, __u64 rights)
{
	struct landlock_path_beneath_attr rule = {.allowed_access = rights};

	rule.parent_fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rule.parent_fd < 0)
		fail(dir, errno);
	if (syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &rule, 0) != 0)
		fail(dir, errno);
	close(rule.parent_fd);
}

/*
 * io_uring's link and rename operations would bypass the preload: no new rings, and no use of
 * a ring inherited from outside (one with a registered personality runs requests with the
 * credentials of whoever registered it, outside the Landlock domain). io_uring_setup, _enter
 * and _register are 425, 426 and 427 on every architecture.
 */
static void refuse_io_uring(void)
{
	struct sock_filter code[] = {
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
	    BPF_STMT(BPF_ALU | BPF_AND | BPF_K, ~(__u32)LG_X32_BIT),
	    BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, __NR_io_uring_setup, 0, 2),
	    BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, __NR_io_uring_setup + 2, 1, 0),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {.len = sizeof(code) / sizeof(code[0]), .filter = code};

	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0)
		fail("installing the io_uring filter", errno);
}

void lg_kernel_apply(enum lg_kernel_mode mode, char roots[][PATH_MAX], int root_count,
		     char writable[][PATH_MAX], int writable_count)
{
	struct landlock_ruleset_attr attr = {0};
	int abi =
	    (int)syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
	int ruleset;

	if (abi < 2) {
		int err = abi < 0 ? errno : EOPNOTSUPP;

		if (mode != LG_KERNEL_BEST_EFFORT)
			fail("Landlock (ABI 2 or later) is not available", err);
		fprintf(stderr,
			"linkguard: warning: Landlock is not available (%s); continuing "
			"with the LD_PRELOAD layer alone\n",
			strerror(err));
		return;
	}
	attr.handled_access_fs = handled_rights(mode, abi);
	ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);
	if (ruleset < 0)
		fail("creating the Landlock ruleset", errno);
	for (int i = 0; i < root_count; i++)
		allow_beneath(ruleset, roots[i], attr.handled_access_fs);
	/* Writable, but no reparenting: a raw rename must not carry a root's entry out there. */
	for (int i = 0; i < writable_count; i++)
		allow_beneath(ruleset, writable[i],
			      attr.handled_access_fs & ~(__u64)LANDLOCK_ACCESS_FS_REFER);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		fail("setting no_new_privs", errno);
	if (syscall(SYS_landlock_restrict_self, ruleset, 0) != 0)
		fail("enforcing the Landlock ruleset", errno);
	close(ruleset);
	refuse_io_uring();
	setenv(LG_ENV_KERNEL, mode == LG_KERNEL_STRICT ? "strict" : "refer", 1);
	in_force = 1;
}
