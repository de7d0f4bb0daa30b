/* lg_place.c - where a directory lies: beneath which root, how deep, or outside every root. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lg_internal.h"

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

/* The root that id is (the same directory on the same mount), or -1. */
static long root_with(const struct lg_rootset *set, const struct lg_file_id *id)
{
	for (size_t i = 0; i < set->count; i++)
		if (lg_root_match(&set->root[i], id) == 2)
			return (long)i;
	return -1;
}

/*
 * By identity: walk ".." from fd (whose identity is id), comparing device, inode and mount with
 * the roots, until a root (the nearest) or "/" (its own parent). For a directory that has no
 * spelling (deeper than PATH_MAX, or no /proc), or one its spelling does not reach. A directory
 * the user may not search on the way up leaves it unplaced (denied: the kernel itself would have
 * walked the path). The mount matters: in a mount namespace of the program's own, ".." from a
 * mount it made inside the root leads to the root's directory, but on that namespace's copy of
 * the root's mount, where paths cross its mounts.
 */
static int place_by_identity(const struct lg_rootset *set, int fd, const struct lg_file_id *id,
			     size_t *root, long *depth, struct lg_entry *out)
{
	struct lg_file_id st = *id, up;
	int cur = fd, next, r = lg_deny(out, LG_WHY_UNLOCATABLE);
	long i;

	for (long steps = 0; steps < LG_DEPTH_MAX; steps++) {
		i = root_with(set, &st);
		if (i >= 0) {
			*root = (size_t)i;
			*depth = steps;
			r = 1;
			break;
		}
		next = openat(cur, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (next < 0 || lg_file_id_at(next, "", &up) != 0) {
			if (next >= 0)
				close(next);
			break;
		}
		if (cur != fd)
			close(cur);
		cur = next;
		if (st.dev == up.dev && st.ino == up.ino) {
			r = 0; /* "/": outside every root */
			break;
		}
		st = up;
	}
	if (cur != fd)
		close(cur);
	return r;
}

/*
 * Whether the spelling spell[off..len) beneath root i is the directory id describes, proven from
 * the root's own descriptor: a chroot of the program's own spells a directory outside as if it
 * were beneath the root, and so does a mount namespace of its own for a mount it made inside the
 * root. Where the walk can not tell (a directory on the way that the user may not search), the
 * spelling is believed only while the root's descriptor is at its canonical path and "/" is still
 * what /proc spelled the roots against. 1, 0, or a denial / -errno from the root's descriptor.
 */
static int spelling_is_dir(struct lg_scope *scope, size_t i, const char *spell, long off, long len,
			   const struct lg_file_id *id)
{
	int reached;

	if (off >= len) /* the root itself */
		return lg_root_match(&scope->set->root[i], id) == 2;
	reached = lg_dir_reaches(scope, i, spell + off, (size_t)(len - off), id);
	if (reached >= 0)
		return reached;
	reached = root_in_place(scope, i);
	return reached == 1 ? lg_slash_unchanged(scope->set) : reached;
}

int lg_place_dir(struct lg_scope *scope, int fd, const struct lg_file_id *id, char *spell,
		 long *len, size_t *root, long *depth, struct lg_entry *out)
{
	long n = spelling_of(fd, spell), off;
	int placed;

	*len = -1;
	if (n > 0 && lg_deleted_suffix(spell, (size_t)n) != 0 && id->nlink == 0)
		return -ENOENT; /* as a lookup in a removed directory */
	if (n < 0)
		return place_by_identity(scope->set, fd, id, root, depth, out);
	*len = n;
	off = match_canon(scope->set, spell, (size_t)n, root);
	if (off < 0)
		return 0;
	/* The root's descriptor, validated here rather than deep in the walk of the spelling. */
	placed = lg_scope_root_fd(scope, *root);
	if (placed >= 0)
		placed = spelling_is_dir(scope, *root, spell, off, n, id);
	if (placed < 0)
		return lg_root_failed(placed, out);
	if (!placed) { /* not the directory's spelling (or the root moved): it says nothing */
		*len = LG_SPELLING_FALSE;
		return place_by_identity(scope->set, fd, id, root, depth, out);
	}
	*depth = lg_count_components(spell + off);
	return 1;
}
