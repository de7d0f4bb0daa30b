/* lg_root.c - the root set: opening roots, their two spellings, and re-validating their fds. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lg_compat.h"
#include "lg_internal.h"

void lg_rootset_init(struct lg_rootset *set, enum lg_backend backend)
{
	set->count = 0;
	set->backend = backend;
	set->nested = 0;
	set->slash_known = 0;
}

/* Tidy an absolute spelling lexically: no repeated slashes, no "." and no trailing slash. */
static size_t tidy_spelling(char *dst, const char *src)
{
	size_t n = 0, len;
	const char *c = src;

	while ((c = lg_next_component(c, &len)) != NULL) {
		if (!lg_is_dot(c, len)) {
			dst[n++] = '/';
			memcpy(dst + n, c, len);
			n += len;
		}
		c += len;
	}
	if (n == 0)
		dst[n++] = '/';
	dst[n] = '\0';
	return n;
}

/* The canonical path of an open directory, as the trusted /proc spells it; 0 or -errno. */
static int canonical_path(int fd, char *out)
{
	long n = lg_proc_fd_readlink(fd, out, PATH_MAX - 1);

	if (n < 0)
		return (int)n;
	if (n == 0 || n >= PATH_MAX - 1 || out[0] != '/')
		return -ENAMETOOLONG; /* unreachable from our root, or too long to use */
	out[n] = '\0';
	return 0;
}

/* Whether a spelling has a ".." component, which only the kernel can place. */
static int has_dotdot(const char *path)
{
	size_t len;

	for (const char *c = path; (c = lg_next_component(c, &len)) != NULL; c += len)
		if (lg_is_dotdot(c, len))
			return 1;
	return 0;
}

/*
 * Open a root and learn its canonical path. A spelling the kernel walked without meeting a
 * symlink (RESOLVE_NO_SYMLINKS) and with no "..", once tidied, is the path /proc would give:
 * every process starts by opening its roots, and the readlink there is three system calls
 * through procfs a root. Other spellings (and kernels without openat2) ask /proc. Returns the
 * fd or -errno; r->canon is set on success.
 */
static int open_root(const char *path, struct lg_root *r)
{
	struct open_how how = {.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
			       .resolve = RESOLVE_NO_SYMLINKS};
	int fd = has_dotdot(path) ? -ELOOP : (int)lg_sys_openat2(AT_FDCWD, path, &how, sizeof(how));
	int err;

	if (fd >= 0) {
		tidy_spelling(r->canon, path);
		return fd;
	}
	if (fd != -ELOOP && !lg_openat2_unusable(-fd))
		return fd;
	fd = openat(AT_FDCWD, path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return lg_failed();
	err = canonical_path(fd, r->canon);
	if (err != 0) {
		close(fd);
		return err;
	}
	return fd;
}

/* "/" now, as lg_slash_unchanged compares it later (one statx, as each process opens its roots). */
static void record_slash(struct lg_rootset *set)
{
	struct lg_file_id id;

	set->slash_known = lg_file_id_at(AT_FDCWD, "/", &id) == 0;
	if (!set->slash_known)
		return;
	set->slash_dev = id.dev;
	set->slash_ino = id.ino;
	set->slash_mnt_id = id.mnt_id;
	set->slash_mnt_kind = id.mnt_kind;
}

int lg_rootset_add(struct lg_rootset *set, const char *path)
{
	struct lg_root *r;
	struct lg_file_id id;
	int fd, err;

	if (path == NULL || path[0] != '/')
		return -EINVAL;
	if (strnlen(path, PATH_MAX) >= PATH_MAX)
		return -ENAMETOOLONG;
	if (set->count == LG_MAX_ROOTS)
		return -ENOSPC;
	r = &set->root[set->count];
	fd = open_root(path, r);
	if (fd < 0)
		return fd;
	err = lg_file_id_at(fd, "", &id);
	if (err != 0) {
		close(fd);
		return err;
	}
	if (set->count == 0)
		record_slash(set);
	r->fd = fd;
	r->dev = id.dev;
	r->ino = id.ino;
	r->mnt_id = id.mnt_id;
	r->mnt_kind = id.mnt_kind;
	r->path_len = tidy_spelling(r->path, path);
	r->canon_len = strlen(r->canon);
	for (size_t i = 0; i < set->count; i++)
		set->nested |= lg_after_prefix(r->canon, r->canon_len, set->root[i].canon,
					       set->root[i].canon_len) >= 0 ||
			       lg_after_prefix(set->root[i].canon, set->root[i].canon_len, r->canon,
					       r->canon_len) >= 0;
	set->count++;
	return 0;
}

/* By identity: whatever /proc spells, a root that is the directory at "/" confines nothing. */
int lg_rootset_is_everything(const struct lg_rootset *set)
{
	for (size_t i = 0; set->slash_known && i < set->count; i++)
		if (set->root[i].dev == set->slash_dev && set->root[i].ino == set->slash_ino)
			return 1;
	return 0;
}

int lg_slash_unchanged(const struct lg_rootset *set)
{
	struct lg_file_id now;

	return set->slash_known && lg_file_id_at(AT_FDCWD, "/", &now) == 0 &&
	       now.dev == set->slash_dev && now.ino == set->slash_ino &&
	       lg_on_mount(&now, set->slash_mnt_kind, set->slash_mnt_id);
}

int lg_root_match(const struct lg_root *r, const struct lg_file_id *id)
{
	if (!S_ISDIR(id->mode) || id->dev != r->dev || id->ino != r->ino)
		return 0;
	return lg_on_mount(id, r->mnt_kind, r->mnt_id) ? 2 : 1;
}

static int is_root_fd(const struct lg_root *r, int fd)
{
	struct lg_file_id id;

	return fd >= 0 && lg_file_id_at(fd, "", &id) == 0 && lg_root_match(r, &id) == 2;
}

/*
 * O_NOFOLLOW: a root replaced by a symlink must not be followed to wherever it points. The path
 * is looked up in the process's mount namespace of now, which may be one of its own, with mounts
 * of its own inside the root: the reopened root must be on the very mount it was on.
 * Returns the fd; -LG_ERR_DENIED (another directory, or none, at the root's path);
 * -LG_ERR_ROOT_MOUNT (the root's directory on another mount, or the kernel can not say which);
 * or the kernel's -errno for a failure that says nothing about the root (EACCES, EMFILE, ...).
 */
static int reopen_root(const struct lg_root *r)
{
	struct lg_file_id id;
	int fd = openat(AT_FDCWD, r->canon, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int match;

	if (fd < 0)
		return errno == ENOENT || errno == ENOTDIR || errno == ELOOP ? -LG_ERR_DENIED
									     : lg_failed();
	match = lg_file_id_at(fd, "", &id) == 0 ? lg_root_match(r, &id) : 0;
	if (match == 2 && r->mnt_kind != 0)
		return fd;
	close(fd);
	return match != 0 ? -LG_ERR_ROOT_MOUNT : -LG_ERR_DENIED;
}

int lg_root_fd(struct lg_rootset *set, size_t i)
{
	struct lg_root *r = &set->root[i];
	int saved = errno;
	int fd = __atomic_load_n(&r->fd, __ATOMIC_ACQUIRE);
	int fresh;

	if (is_root_fd(r, fd))
		goto out;
	/* The program closed or dup2()ed over our descriptor: never close that number again. */
	fresh = reopen_root(r);
	if (fresh < 0) {
		fd = fresh;
		goto out;
	}
	if (__atomic_compare_exchange_n(&r->fd, &fd, fresh, 0, __ATOMIC_ACQ_REL,
					__ATOMIC_ACQUIRE)) {
		fd = fresh;
		goto out;
	}
	/* Another thread reopened it first; use theirs if it is still the root. */
	close(fresh);
	if (!is_root_fd(r, fd))
		fd = -LG_ERR_DENIED;
out:
	errno = saved;
	return fd;
}

int lg_root_failed(int r, struct lg_entry *out)
{
	if (r == -LG_ERR_DENIED)
		return lg_deny(out, LG_WHY_ROOT_CHANGED);
	if (r == -LG_ERR_ROOT_MOUNT)
		return lg_deny(out, LG_WHY_ROOT_MOUNT);
	return r;
}

int lg_scope_root_fd(struct lg_scope *scope, size_t i)
{
	if (scope->root_fd[i] < 0)
		scope->root_fd[i] = lg_root_fd(scope->set, i);
	return scope->root_fd[i];
}
