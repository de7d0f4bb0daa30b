/* lg_resolve.c - the resolver's front end: copy the path once, anchor it in a root, pick a backend.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lg_internal.h"

static void entry_reset(struct lg_entry *out)
{
	out->kind = LG_ENTRY_NAME;
	out->dir_fd = -1;
	out->own_dir = 1;
	out->file_fd = -1;
	out->root = 0;
	out->why = LG_WHY_NONE;
	out->by = LG_BY_FRONT;
	out->name[0] = '\0';
}

void lg_entry_close(struct lg_entry *entry)
{
	int saved = errno;

	if (entry->dir_fd >= 0 && entry->own_dir)
		close(entry->dir_fd);
	if (entry->file_fd >= 0)
		close(entry->file_fd);
	entry->dir_fd = -1;
	entry->file_fd = -1;
	errno = saved;
}

/*
 * The physical, absolute path of directory fd (AT_FDCWD: the cwd) into buf.
 * Returns its length, -EBADF, -ENOTDIR, -ENOENT (deleted), -ENAMETOOLONG or -LG_ERR_DENIED.
 * The kernel's d_path is trusted only as a spelling: whatever it says is walked again from a
 * root, so a stale answer can make a call fail or act elsewhere inside the root, never outside.
 */
static long locate_dir(struct lg_scope *scope, int fd, char *buf, size_t size, struct lg_entry *out)
{
	struct stat st;
	long n;

	if (fd == AT_FDCWD) {
		if (scope->cwd_len < 0) {
			if (getcwd(scope->cwd, sizeof(scope->cwd)) == NULL)
				return errno == ERANGE ? -ENAMETOOLONG : -errno;
			scope->cwd_len = (long)strlen(scope->cwd);
		}
		if ((size_t)scope->cwd_len >= size)
			return -ENAMETOOLONG;
		memcpy(buf, scope->cwd, (size_t)scope->cwd_len + 1);
		return scope->cwd_len;
	}
	if (fstat(fd, &st) != 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	if (st.st_nlink == 0)
		return -ENOENT;
	n = lg_proc_fd_readlink(fd, buf, size);
	if (n < 0 || (size_t)n >= size || buf[0] != '/')
		return lg_deny(out, LG_WHY_UNLOCATABLE);
	buf[n] = '\0';
	return n;
}

/* Drop the last component of the absolute path buf[0..len); "/" stays "/". */
static size_t parent_of(const char *buf, size_t len)
{
	while (len > 1 && buf[len - 1] == '/')
		len--;
	while (len > 1 && buf[len - 1] != '/')
		len--;
	while (len > 1 && buf[len - 1] == '/')
		len--;
	return len;
}

/*
 * Place head[0..head_len) + "/" just before path (which lies after it in the same buffer) and
 * return the joined string's start. An empty head returns path unchanged.
 */
static char *prepend(char *path, const char *head, size_t head_len)
{
	if (head_len == 0)
		return path;
	memmove(path - 1 - head_len, head, head_len);
	path[-1] = '/';
	return path - 1 - head_len;
}

/*
 * Anchor a relative path: from a start directory inside a root, the path continues from there
 * (its ".." may not climb out); from one outside, its leading ".." apply to the physical start
 * and it must then enter a root by its own components.
 */
static int anchor_relative(struct lg_scope *scope, int start_fd, char *buf, char *path, char **rel,
			   size_t *root, struct lg_entry *out)
{
	struct lg_rootset *set = scope->set;
	long n = locate_dir(scope, start_fd, buf, (size_t)(path - buf) - 1, out);
	size_t len, clen;
	const char *c;
	long off;

	if (n < 0)
		return (int)n;
	len = (size_t)n;
	off = lg_match_root(set, buf, len, root);
	if (off >= 0) {
		*rel = prepend(path, buf + off, len - (size_t)off);
		return 0;
	}
	while ((c = lg_next_component(path, &clen)) != NULL &&
	       (lg_is_dot(c, clen) || lg_is_dotdot(c, clen))) {
		if (lg_is_dotdot(c, clen))
			len = parent_of(buf, len);
		path = (char *)c + clen;
		while (*path == '/')
			path++;
	}
	path = prepend(path, buf, len);
	off = lg_match_root(set, path, strlen(path), root);
	if (off < 0)
		return lg_deny(out, LG_WHY_OUTSIDE);
	*rel = path + off;
	return 0;
}

static int resolve_in_root(struct lg_scope *scope, size_t root, char *buf, char *rel,
			   unsigned flags, struct lg_entry *out)
{
	size_t len;
	int r;

	out->root = root;
	if (lg_next_component(rel, &len) == NULL)
		return lg_deny(out, LG_WHY_ROOT_ENTRY);
	if (scope->set->backend != LG_BACKEND_WALK) {
		out->by = LG_BY_OPENAT2;
		r = lg_openat2_resolve(scope, root, rel, flags, out);
		if (r != LG_FALLBACK)
			return r;
	}
	out->by = LG_BY_WALK;
	return lg_walk_resolve(scope, root, buf, rel, flags, out);
}

static int same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/*
 * Whether the file open as fd lives inside a root: its d_path spelling must resolve, inside a
 * root, to that very file; a file with no name left (O_TMPFILE, unlinked) must have been opened
 * in a directory inside a root. The check runs on a private duplicate, which the call then uses.
 */
static int fd_entry(struct lg_scope *scope, int fd, char *buf, struct lg_entry *out)
{
	struct lg_rootset *set = scope->set;
	struct lg_entry parent;
	struct stat st, seen;
	int dup_fd, r;
	long n;
	size_t root, len;
	char *target;

	dup_fd = fd == AT_FDCWD ? open(".", O_PATH | O_DIRECTORY | O_CLOEXEC)
				: fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (dup_fd < 0)
		return -errno;
	if (fstat(dup_fd, &st) != 0) {
		r = -errno;
		goto out_close_dup;
	}
	/* buf: the descriptor's target, then the target moved where the walk has room in front of
	 * it. */
	target = buf + LG_PROC_FD_PATH_MAX;
	n = lg_proc_fd_readlink(dup_fd, target, PATH_MAX);
	r = lg_deny(out, LG_WHY_FD_OUTSIDE);
	if (n <= 0 || n >= PATH_MAX || target[0] != '/')
		goto out_close_dup;
	len = (size_t)n;
	if (st.st_nlink == 0 && len > 10 && memcmp(target + len - 10, " (deleted)", 10) == 0)
		len -= 10;
	memmove(buf + PATH_MAX + 2, target, len);
	buf[PATH_MAX + 2 + len] = '\0';
	n = lg_match_root(set, buf + PATH_MAX + 2, len, &root);
	if (n < 0)
		goto out_close_dup;
	entry_reset(&parent);
	if (resolve_in_root(scope, root, buf, buf + PATH_MAX + 2 + n, 0, &parent) != 0)
		goto out_close_dup;
	if (st.st_nlink > 0)
		r = fstatat(parent.dir_fd, parent.name, &seen, AT_SYMLINK_NOFOLLOW);
	else
		r = fstat(parent.dir_fd, &seen);
	if (scope->parent_fd == parent.dir_fd)
		scope->parent_len = -1; /* closed below: no later path may borrow it */
	lg_entry_close(&parent);
	if (r != 0 || (st.st_nlink > 0 ? !same_file(&st, &seen) : st.st_dev != seen.st_dev)) {
		r = lg_deny(out, LG_WHY_FD_OUTSIDE);
		goto out_close_dup;
	}
	out->kind = LG_ENTRY_FD;
	out->file_fd = dup_fd;
	out->root = root;
	out->why = LG_WHY_NONE;
	return 0;
out_close_dup:
	close(dup_fd);
	return r;
}

/* The descriptor number N of /proc/self/fd/N, /proc/thread-self/fd/N, /proc/<pid>/fd/N or
 * /dev/fd/N, or -1. */
static int magic_fd_number(const char *path)
{
	static const char *const prefixes[] = {"/proc/self/fd/", "/proc/thread-self/fd/",
					       "/dev/fd/"};
	char own[LG_PROC_FD_PATH_MAX];
	const char *digits = NULL;
	long n = 0;

	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (strncmp(path, prefixes[i], strlen(prefixes[i])) == 0)
			digits = path + strlen(prefixes[i]);
	lg_proc_fd_path(own, (long)getpid(), -1);
	if (digits == NULL && strncmp(path, own, strlen(own)) == 0)
		digits = path + strlen(own);
	if (digits == NULL || *digits == '\0')
		return -1;
	for (; *digits; digits++) {
		if (*digits < '0' || *digits > '9' || n > 1000000000)
			return -1;
		n = n * 10 + (*digits - '0');
	}
	return (int)n;
}

static int resolve(struct lg_scope *scope, int start_fd, const char *unsafe_path, unsigned flags,
		   char *buf, struct lg_entry *out)
{
	struct lg_rootset *set = scope->set;
	size_t len, root;
	char *path, *rel = NULL;
	long off;
	int r, fd;

	entry_reset(out);
	if (unsafe_path == NULL)
		return -EFAULT;
	len = strnlen(unsafe_path, PATH_MAX);
	if (len == PATH_MAX)
		return -ENAMETOOLONG;
	/* One private copy, at the buffer's end: room in front for a start directory. */
	path = buf + LG_BUF_SIZE - len - 1;
	/* Terminate the copy ourselves: another thread may be rewriting the caller's buffer. */
	memcpy(path, unsafe_path, len);
	path[len] = '\0';
	if (len == 0)
		return (flags & LG_EMPTY_IS_FD) ? fd_entry(scope, start_fd, buf, out) : -ENOENT;
	if ((flags & LG_MAGIC_FD) && (flags & LG_FOLLOW_FINAL) && (fd = magic_fd_number(path)) >= 0)
		return fd_entry(scope, fd, buf, out);
	if (path[0] == '/') {
		off = lg_match_root(set, path, len, &root);
		if (off < 0)
			return lg_deny(out, LG_WHY_OUTSIDE);
		rel = path + off;
	} else {
		r = anchor_relative(scope, start_fd, buf, path, &rel, &root, out);
		if (r != 0)
			return r;
	}
	return resolve_in_root(scope, root, buf, rel, flags, out);
}

void lg_scope_init(struct lg_scope *scope, struct lg_rootset *set)
{
	scope->set = set;
	scope->cwd_len = -1;
	scope->parent_len = -1;
	scope->parent_fd = -1;
	for (size_t i = 0; i < set->count; i++)
		scope->root_fd[i] = -1;
}

int lg_resolve_in(struct lg_scope *scope, int start_fd, const char *unsafe_path, unsigned flags,
		  struct lg_entry *out)
{
	char buf[LG_BUF_SIZE];
	int saved = errno;
	int r = resolve(scope, start_fd, unsafe_path, flags, buf, out);

	if (r != 0)
		lg_entry_close(out);
	errno = saved;
	return r;
}

int lg_resolve(struct lg_rootset *set, int start_fd, const char *unsafe_path, unsigned flags,
	       struct lg_entry *out)
{
	struct lg_scope scope;

	lg_scope_init(&scope, set);
	return lg_resolve_in(&scope, start_fd, unsafe_path, flags, out);
}
