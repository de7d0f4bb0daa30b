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
	out->keep_fd = -1;
	out->final_err = 0;
	out->name[0] = '\0';
}

void lg_entry_close(struct lg_entry *entry)
{
	int saved = errno;

	if (entry->dir_fd >= 0 && entry->own_dir)
		close(entry->dir_fd);
	if (entry->file_fd >= 0)
		close(entry->file_fd);
	if (entry->keep_fd >= 0)
		close(entry->keep_fd);
	entry->dir_fd = -1;
	entry->file_fd = -1;
	entry->keep_fd = -1;
	errno = saved;
}

/*
 * The start directory of a relative path, placed (see lg_place_dir), in the scope: the current
 * directory is opened once per scope (out keeps it; later entries borrow it), a dirfd is used as
 * given. Returns 0 or -LG_ERR_DENIED / -errno.
 */
static __attribute__((noinline)) int start_dir(struct lg_scope *scope, int given,
					       struct lg_entry *out)
{
	char *spell = scope->scratch->start;
	struct lg_file_id *id = &scope->scratch->start_id; /* off the stack: /proc is read below */
	size_t root = 0;
	long depth = 0, len, n;
	int fd = given, r;

	if (scope->start_given == given)
		return 0;
	scope->start_given = LG_NO_START;
	if (given == AT_FDCWD) {
		fd = openat(AT_FDCWD, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			return lg_failed();
		out->keep_fd = fd;
		r = lg_file_id_at(fd, "", id);
		if (r != 0)
			return r;
	} else {
		r = lg_file_id_at(given, "", id);
		if (r != 0)
			return r;
		if (!S_ISDIR(id->mode))
			return -ENOTDIR;
		if (id->nlink == 0)
			return -ENOENT;
	}
	r = lg_place_dir(scope, fd, id, spell, &len, &root, &depth, out);
	if (r < 0)
		return r;
	/* Outside, unspelled by /proc: the current directory's spelling from the kernel (not where
	 * /proc's spelling was proven false: getcwd's would be the same claim). */
	if (r == 0 && len == -1 && given == AT_FDCWD && (n = lg_sys_getcwd(spell, PATH_MAX)) > 1 &&
	    spell[0] == '/')
		len = n - 1;
	scope->start_given = given;
	scope->start_fd = fd;
	scope->start_in = r;
	scope->start_root = root;
	scope->start_depth = depth;
	scope->start_len = len;
	return 0;
}

/* An anchor at root i itself. */
static int root_anchor(struct lg_scope *scope, size_t i, struct lg_anchor *a, struct lg_entry *out)
{
	int fd = lg_scope_root_fd(scope, i);

	out->root = i;
	if (fd < 0)
		return lg_root_failed(fd, out);
	a->fd = fd;
	a->root = i;
	a->depth = 0;
	return 0;
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
 * From a start directory outside every root: its leading ".." apply to the physical start (its
 * spelling), and the path must then enter a root by its own components.
 */
static int anchor_outside(struct lg_scope *scope, const char *spell, long spell_len, char *path,
			  char **rel, struct lg_anchor *a, struct lg_entry *out)
{
	size_t len = (size_t)spell_len, clen, root;
	const char *c;
	long off;

	/* Deeper than PATH_MAX (or no /proc and not the current directory): no spelling to enter a
	 * root by; nor one that does not reach the start from the root. */
	if (spell_len < 0)
		return lg_deny(out, spell_len == LG_SPELLING_FALSE ? LG_WHY_FALSE_SPELLING
								   : LG_WHY_OUTSIDE);
	while ((c = lg_next_component(path, &clen)) != NULL &&
	       (lg_is_dot(c, clen) || lg_is_dotdot(c, clen))) {
		if (lg_is_dotdot(c, clen))
			len = parent_of(spell, len);
		path = (char *)c + clen;
		while (*path == '/')
			path++;
	}
	path = prepend(path, spell, len);
	off = lg_match_root(scope->set, path, strlen(path), &root);
	if (off < 0)
		return lg_deny(out, LG_WHY_OUTSIDE);
	*rel = path + off;
	return root_anchor(scope, root, a, out);
}

/*
 * Anchor a relative path at its start directory. Beneath a root, it continues from that
 * directory's descriptor (its ".." may climb to the root, not out of it); with nested roots, the
 * root is the one its joined spelling names, as for an absolute path. Outside, see
 * anchor_outside().
 */
static int anchor_relative(struct lg_scope *scope, int start_fd, char *path, char **rel,
			   struct lg_anchor *a, struct lg_entry *out)
{
	char *joined;
	size_t root;
	long off;
	int r = start_dir(scope, start_fd, out);

	if (r != 0)
		return r;
	if (!scope->start_in)
		return anchor_outside(scope, scope->scratch->start, scope->start_len, path, rel, a,
				      out);
	*rel = path;
	if (scope->set->nested && scope->start_len >= 0) {
		joined = prepend(path, scope->scratch->start, (size_t)scope->start_len);
		off = lg_match_root(scope->set, joined, strlen(joined), &root);
		if (off >= 0 && root != scope->start_root) {
			*rel = joined + off;
			return root_anchor(scope, root, a, out);
		}
	}
	r = root_anchor(scope, scope->start_root, a, out);
	if (r == 0 && scope->start_depth > 0) {
		a->fd = scope->start_fd;
		a->depth = scope->start_depth;
	}
	return r;
}

/*
 * The cheap way for the current directory, as absolute paths go: its getcwd spelling joined to
 * the path, resolved from the root that the joined spelling names. Whatever the spelling says by
 * the time it is walked, the walk starts at the root's descriptor, so it stays inside. Returns 0,
 * a denial, or LG_FALLBACK where only the directory's own descriptor can answer (no spelling:
 * deeper than PATH_MAX or removed).
 */
static int anchor_by_spelling(struct lg_scope *scope, char *path, char **rel, struct lg_anchor *a,
			      struct lg_entry *out)
{
	char *cwd = scope->scratch->cwd, *joined;
	size_t root;
	long n, off;

	if (scope->cwd_len == -1) {
		n = lg_sys_getcwd(cwd, PATH_MAX + 1);
		scope->cwd_len = n > 1 && cwd[0] == '/' ? n - 1 : -2;
	}
	if (scope->cwd_len < 0)
		return LG_FALLBACK;
	if (lg_match_root(scope->set, cwd, (size_t)scope->cwd_len, &root) < 0)
		return anchor_outside(scope, cwd, scope->cwd_len, path, rel, a, out);
	joined = prepend(path, cwd, (size_t)scope->cwd_len);
	off = lg_match_root(scope->set, joined, strlen(joined), &root);
	*rel = joined + off;
	return root_anchor(scope, root, a, out);
}

static int resolve_from(struct lg_scope *scope, const struct lg_anchor *a, char *buf, char *rel,
			unsigned flags, struct lg_entry *out)
{
	size_t len;
	int r;

	out->root = a->root;
	if (a->depth == 0 && lg_next_component(rel, &len) == NULL)
		return lg_deny(out, LG_WHY_ROOT_ENTRY);
	if (scope->set->backend != LG_BACKEND_WALK) {
		out->by = LG_BY_OPENAT2;
		r = lg_openat2_resolve(scope, a, rel, flags, out);
		if (r != LG_FALLBACK)
			return r;
	}
	out->by = LG_BY_WALK;
	r = lg_walk_resolve(scope, a, buf, rel, flags, out);
	return r == LG_RECHECK ? lg_walk_recheck(scope, out) : r;
}

/*
 * The spelling the trusted /proc gives dup_fd (whose identity is id), at buf + PATH_MAX + 2 where
 * the walk has room in front of it, without a deleted file's " (deleted)"; its length, or -1 when
 * there is none to place.
 */
static long fd_spelling(int dup_fd, const struct lg_file_id *id, char *buf)
{
	char *target = buf + LG_PROC_FD_PATH_MAX;
	long n = lg_proc_fd_readlink(dup_fd, target, PATH_MAX);
	size_t len;

	if (n <= 0 || n >= PATH_MAX || target[0] != '/')
		return -1;
	len = (size_t)n;
	if (id->nlink == 0)
		len -= lg_deleted_suffix(target, len);
	memmove(buf + PATH_MAX + 2, target, len);
	buf[PATH_MAX + 2 + len] = '\0';
	return (long)len;
}

/*
 * Whether that spelling, walked from root (its part after the root's at offset after) by the
 * resolver itself, still reaches the file id describes: a spelling is only a claim, as the file
 * may have moved, or the spelling be a chroot's or another mount namespace's. A deleted file is
 * judged by its directory's device. A directory (same_mount) must be reached on its own mount too:
 * a path resolved from it goes on across the mounts of that mount's namespace. 1; 0 (another file,
 * or none there); or the kernel's -errno where the walk could not tell (EACCES).
 */
static int spelling_reaches(struct lg_scope *scope, size_t root, long after, char *buf,
			    const struct lg_file_id *id, int same_mount)
{
	struct lg_entry *parent = &scope->scratch->reach; /* off the stack: a walk may be below */
	struct lg_anchor a;
	struct lg_file_id seen;
	int r;

	entry_reset(parent);
	r = root_anchor(scope, root, &a, parent);
	if (r == 0)
		r = resolve_from(scope, &a, buf, buf + PATH_MAX + 2 + after, 0, parent);
	if (r == 0)
		r = lg_file_id_at(parent->dir_fd, id->nlink > 0 ? parent->name : "", &seen);
	if (scope->parent_fd == parent->dir_fd)
		scope->parent_len = -1; /* closed below: no later path may borrow it */
	lg_entry_close(parent);
	if (r != 0)
		return r == -LG_ERR_DENIED || r == -ENOENT || r == -ENOTDIR || r == -ELOOP ? 0 : r;
	if (id->nlink == 0)
		return id->dev == seen.dev;
	return id->dev == seen.dev && id->ino == seen.ino &&
	       (!same_mount || lg_on_mount(id, seen.mnt_kind, seen.mnt_id));
}

int lg_dir_reaches(struct lg_scope *scope, size_t root, const char *rest, size_t len,
		   const struct lg_file_id *id)
{
	char *buf = scope->scratch->path;

	memmove(buf + PATH_MAX + 2, rest, len);
	buf[PATH_MAX + 2 + len] = '\0';
	return spelling_reaches(scope, root, 0, buf, id, 1);
}

/*
 * Whether the file open as fd lives inside a root: its d_path spelling must resolve, inside a
 * root, to that very file; a file with no name left (O_TMPFILE, unlinked) must have been opened
 * in a directory inside a root. The check runs on a private duplicate, which the call then uses.
 */
static int fd_entry(struct lg_scope *scope, int fd, char *buf, struct lg_entry *out)
{
	struct lg_file_id id;
	size_t root;
	long len, after = -1;
	int dup_fd, r;

	dup_fd = fd == AT_FDCWD ? openat(AT_FDCWD, ".", O_PATH | O_DIRECTORY | O_CLOEXEC)
				: fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (dup_fd < 0)
		return lg_failed();
	r = lg_file_id_at(dup_fd, "", &id);
	if (r != 0) {
		close(dup_fd);
		return r;
	}
	len = fd_spelling(dup_fd, &id, buf);
	if (len >= 0)
		after = lg_match_root(scope->set, buf + PATH_MAX + 2, (size_t)len, &root);
	if (after < 0 || spelling_reaches(scope, root, after, buf, &id, 0) != 1) {
		close(dup_fd);
		return lg_deny(out, LG_WHY_FD_OUTSIDE);
	}
	out->kind = LG_ENTRY_FD;
	out->file_fd = dup_fd;
	out->root = root;
	out->why = LG_WHY_NONE;
	return 0;
}

/* The descriptor number N of /proc/self/fd/N, /proc/thread-self/fd/N, /proc/<pid>/fd/N or
 * /dev/fd/N, or -1. */
static __attribute__((noinline)) int magic_fd_number(const char *path)
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

/* A failed entry is closed at once: the scope must not lend its descriptors to a later path. */
static void forget_entry(struct lg_scope *scope, struct lg_entry *out)
{
	if (out->keep_fd >= 0 && out->keep_fd == scope->start_fd)
		scope->start_given = LG_NO_START;
	if (out->dir_fd >= 0 && out->own_dir && out->dir_fd == scope->parent_fd)
		scope->parent_len = -1;
	lg_entry_close(out);
}

/*
 * by_spelling: a path relative to the current directory may go the cheap way first (see
 * anchor_by_spelling); where that walk meets a kernel error, the path is resolved again from the
 * directory's own descriptor, whose answer is the kernel's (a directory above it that the user
 * may not search is no error there).
 */
static int resolve(struct lg_scope *scope, int start_fd, const char *unsafe_path, unsigned flags,
		   char *buf, int by_spelling, struct lg_entry *out)
{
	struct lg_rootset *set = scope->set;
	struct lg_anchor a;
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
	path = buf + LG_PATH_BUF_SIZE - len - 1;
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
		r = root_anchor(scope, root, &a, out);
	} else if (start_fd == AT_FDCWD && by_spelling &&
		   (r = anchor_by_spelling(scope, path, &rel, &a, out)) != LG_FALLBACK) {
		if (r == 0)
			r = resolve_from(scope, &a, buf, rel, flags, out);
		if (r >= 0 || r == -LG_ERR_DENIED)
			return r;
		forget_entry(scope, out);
		return resolve(scope, start_fd, unsafe_path, flags, buf, 0, out);
	} else {
		r = anchor_relative(scope, start_fd, path, &rel, &a, out);
	}
	return r != 0 ? r : resolve_from(scope, &a, buf, rel, flags, out);
}

void lg_scope_init(struct lg_scope *scope, struct lg_rootset *set)
{
	scope->set = set;
	scope->scratch = NULL;
	scope->cwd_len = -1;
	scope->start_given = LG_NO_START;
	scope->start_fd = -1;
	scope->parent_anchor = -1;
	scope->parent_len = -1;
	scope->parent_fd = -1;
	for (size_t i = 0; i < set->count; i++) {
		scope->root_fd[i] = -1;
		scope->root_placed[i] = -1;
	}
}

void lg_scope_end(struct lg_scope *scope)
{
	if (scope->scratch != NULL)
		lg_scratch_put(scope->scratch);
	scope->scratch = NULL;
}

int lg_resolve_in(struct lg_scope *scope, int start_fd, const char *unsafe_path, unsigned flags,
		  struct lg_entry *out)
{
	int saved = errno;
	int r;

	if (scope->scratch == NULL)
		scope->scratch = lg_scratch_get();
	if (scope->scratch == NULL) {
		entry_reset(out);
		errno = saved;
		return -ENOMEM;
	}
	r = resolve(scope, start_fd, unsafe_path, flags, scope->scratch->path, 1, out);
	if (r != 0)
		forget_entry(scope, out);
	errno = saved;
	return r;
}

int lg_resolve(struct lg_rootset *set, int start_fd, const char *unsafe_path, unsigned flags,
	       struct lg_entry *out)
{
	struct lg_scope scope;
	int r;

	lg_scope_init(&scope, set);
	r = lg_resolve_in(&scope, start_fd, unsafe_path, flags, out);
	lg_scope_end(&scope);
	return r;
}
