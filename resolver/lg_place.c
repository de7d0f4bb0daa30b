/* lg_place.c - where a directory lies: beneath which root, how deep, or outside every root. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lg_internal.h"

static int same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/*
 * The kernel's spelling of directory fd (the trusted /proc's) into buf (PATH_MAX + 1 bytes); its
 * length, or -1 (none: no trusted /proc, too long, or unreachable from our root).
 */
static long spelling_of(int fd, char *buf)
{
	long n = lg_proc_fd_readlink(fd, buf, PATH_MAX);

	if (n <= 0 || n >= PATH_MAX || buf[0] != '/')
		return -1;
	buf[n] = '\0';
	return n;
}

/*
 * Whether root i's descriptor is at its canonical path now (so that a spelling beneath that path
 * is beneath the root): 1 or 0, once per scope; a failure of lg_root_fd (see lg_root_failed).
 */
static int root_in_place(struct lg_scope *scope, size_t i)
{
	const struct lg_root *r = &scope->set->root[i];
	int fd;

	if (scope->root_placed[i] >= 0)
		return scope->root_placed[i];
	fd = lg_scope_root_fd(scope, i);
	if (fd < 0)
		return fd;
	scope->root_placed[i] = spelling_of(fd, scope->scratch->root) == (long)r->canon_len &&
				memcmp(scope->scratch->root, r->canon, r->canon_len) == 0;
	return scope->root_placed[i];
}

/* The root whose canonical spelling is the longest component prefix of spell; offset or -1. */
static long match_canon(const struct lg_rootset *set, const char *spell, size_t len, size_t *root)
{
	long best = -1;
	size_t best_len = 0;

	for (size_t i = 0; i < set->count; i++) {
		const struct lg_root *r = &set->root[i];
		long off = lg_after_prefix(spell, len, r->canon, r->canon_len);

		if (off >= 0 && (best < 0 || r->canon_len > best_len)) {
			best = off;
			best_len = r->canon_len;
			*root = i;
		}
	}
	return best;
}

/* The root with the identity st, or -1. */
static long root_with(const struct lg_rootset *set, const struct stat *st)
{
	for (size_t i = 0; i < set->count; i++)
		if (set->root[i].dev == st->st_dev && set->root[i].ino == st->st_ino)
			return (long)i;
	return -1;
}

/*
 * By identity: walk ".." from fd, comparing device and inode with the roots, until a root (the
 * nearest) or "/" (its own parent). For a directory that has no spelling (deeper than PATH_MAX,
 * or no /proc). A directory the user may not search on the way up leaves it unplaced (denied:
 * the kernel itself would have walked the path).
 */
static int place_by_identity(const struct lg_rootset *set, int fd, size_t *root, long *depth,
			     struct lg_entry *out)
{
	struct stat st, up;
	int cur = fd, next, r = lg_deny(out, LG_WHY_UNLOCATABLE);
	long i;

	if (fstat(fd, &st) != 0)
		return lg_failed();
	for (long steps = 0; steps < LG_DEPTH_MAX; steps++) {
		i = root_with(set, &st);
		if (i >= 0) {
			*root = (size_t)i;
			*depth = steps;
			r = 1;
			break;
		}
		next = openat(cur, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (next < 0 || fstat(next, &up) != 0) {
			if (next >= 0)
				close(next);
			break;
		}
		if (cur != fd)
			close(cur);
		cur = next;
		if (same_file(&st, &up)) {
			r = 0; /* "/": outside every root */
			break;
		}
		st = up;
	}
	if (cur != fd)
		close(cur);
	return r;
}

int lg_place_dir(struct lg_scope *scope, int fd, char *spell, long *len, size_t *root, long *depth,
		 struct lg_entry *out)
{
	struct stat st;
	long n = spelling_of(fd, spell), off;
	int placed;

	*len = -1;
	if (n > 0 && lg_deleted_suffix(spell, (size_t)n) != 0) {
		if (fstat(fd, &st) != 0)
			return lg_failed();
		if (st.st_nlink == 0)
			return -ENOENT; /* as a lookup in a removed directory */
	}
	if (n < 0)
		return place_by_identity(scope->set, fd, root, depth, out);
	*len = n;
	off = match_canon(scope->set, spell, (size_t)n, root);
	if (off < 0)
		return 0;
	placed = root_in_place(scope, *root);
	if (placed < 0)
		return lg_root_failed(placed, out);
	if (!placed) { /* the root was moved: its old spelling says nothing */
		*len = -1;
		return place_by_identity(scope->set, fd, root, depth, out);
	}
	*depth = lg_count_components(spell + off);
	return 1;
}
