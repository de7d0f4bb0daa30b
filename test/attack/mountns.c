/* mountns.c - lg_mountns: a confined program that changes what paths mean in namespaces of its own.
 *
 * usage: lg_mountns ATTACK ROOT OUTSIDE
 * The library opened ROOT (its LINKGUARD_ROOT) when the program started. Each ATTACK then makes a
 * namespace of its own, where the library's descriptor of ROOT and the program's paths no longer
 * see the same tree, and tries to move a file across the root's boundary with one rename. Prints
 * "refused ERRNO-NAME" (the rename failed) or "escaped" (it succeeded) and exits 0 or 1; "skip:
 * WHY" and exit 77 when this system has no unprivileged user namespaces. The suite checks that
 * nothing outside the root changed.
 *
 *   chroot       unshare(CLONE_NEWUSER) and chroot(OUTSIDE), where OUTSIDE/ROOT/sub exists: a
 *                directory opened as ROOT/sub is OUTSIDE's, /proc spells it ROOT/sub; then
 *                renameat(AT_FDCWD, "ROOT/data", that dirfd, "moved-out")
 *   chroot-locked  the same with ROOT/locked/sub, where the real ROOT/locked has mode 0 (the new
 *                user namespace maps no user: no capability lets the program search it)
 *   bind-dirfd   in a user and mount namespace of its own, OUTSIDE bound at ROOT/mnt; then
 *                renameat(dirfd of ROOT/mnt, "precious", the same, "moved")
 *   bind-cwd     the same mount, the current directory ROOT/mnt, rename("d/precious", "d/moved")
 *                (the library's walk of the current directory's spelling meets ENOENT at "d", so
 *                the path is resolved again from the directory's own descriptor)
 *   bind-closed  the same mount, every descriptor above 2 closed (the library's root among them,
 *                reopened by its path in this namespace), rename("ROOT/mnt/precious",
 *                "ROOT/mnt/moved")
 *   bind-dup2    the same mount, ROOT opened in this namespace dup2()ed over every descriptor
 *                that is the directory ROOT (the library's root among them, its device and
 *                inode the same), then the same rename
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../own_ns.h"
#include "verdict.h"

#define FD_SCAN 4096 /* descriptors closed or examined (the library's lie far below) */

static int skip(const char *why)
{
	printf("skip: %s (%s)\n", why, strerror(errno));
	return 77;
}

static int fail(const char *what)
{
	printf("setup failed: %s: %s\n", what, strerror(errno));
	return 3;
}

static int by_chroot(const char *root, const char *outside, const char *sub)
{
	char path[4096];
	int d;

	if (unshare(CLONE_NEWUSER) != 0)
		return skip("no user namespace");
	if (chroot(outside) != 0)
		return fail("chroot");
	snprintf(path, sizeof(path), "%s/%s", root, sub);
	d = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d < 0)
		return fail(path);
	snprintf(path, sizeof(path), "%s/data", root);
	return verdict(renameat(AT_FDCWD, path, d, "moved-out"));
}

/* Put every descriptor that is the directory root (but fd itself) on fd's directory. */
static void dup_over_root(const char *root, int fd)
{
	struct stat want, st;

	if (stat(root, &want) != 0)
		return;
	for (int i = 3; i < FD_SCAN; i++)
		if (i != fd && fstat(i, &st) == 0 && st.st_dev == want.st_dev &&
		    st.st_ino == want.st_ino)
			dup2(fd, i);
}

static int by_bind(const char *attack, const char *root, const char *outside)
{
	char mnt[4096], old[4200], new[4200];
	int d;

	snprintf(mnt, sizeof(mnt), "%s/mnt", root);
	if (own_namespace() != 0)
		return skip("no user and mount namespace");
	if (mount(outside, mnt, "none", MS_BIND, NULL) != 0) /* (the type of a bind: ignored) */
		return fail("bind mount");
	if (strcmp(attack, "bind-dirfd") == 0) {
		d = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (d < 0)
			return fail(mnt);
		return verdict(renameat(d, "precious", d, "moved"));
	}
	if (strcmp(attack, "bind-cwd") == 0) {
		if (chdir(mnt) != 0)
			return fail(mnt);
		return verdict(rename("d/precious", "d/moved"));
	}
	if (strcmp(attack, "bind-closed") == 0) {
		fflush(stdout);
		for (int i = 3; i < FD_SCAN; i++)
			close(i);
	} else if (strcmp(attack, "bind-dup2") == 0) {
		d = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (d < 0)
			return fail(root);
		dup_over_root(root, d);
	} else {
		fprintf(stderr, "lg_mountns: unknown attack %s\n", attack);
		return 2;
	}
	snprintf(old, sizeof(old), "%s/precious", mnt);
	snprintf(new, sizeof(new), "%s/moved", mnt);
	return verdict(rename(old, new));
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: lg_mountns ATTACK ROOT OUTSIDE\n");
		return 2;
	}
	if (strcmp(argv[1], "chroot") == 0)
		return by_chroot(argv[2], argv[3], "sub");
	if (strcmp(argv[1], "chroot-locked") == 0)
		return by_chroot(argv[2], argv[3], "locked/sub");
	return by_bind(argv[1], argv[2], argv[3]);
}
