/* lg_internal.h - what the resolver's own files share; not part of the API. */
#ifndef LG_INTERNAL_H
#define LG_INTERNAL_H

#include "lg_resolve.h"

/* The walk's real directories from its anchor: a start directory's path joined to a path. */
#define LG_BUF_SIZE (2 * PATH_MAX + 2)
/* The path's buffer: the path, a start spelling in front of it, and in front of those every
 * symlink target the kernel follows before it says ELOOP (each up to PATH_MAX): a long chain
 * must end in ELOOP, as in the kernel, not run out of room. Pages the walk never reaches are
 * never touched. */
#define LG_PATH_BUF_SIZE ((LG_SYMLINK_MAX + 3) * PATH_MAX)

/* lg_openat2_resolve returns this when the walk must decide instead. */
#define LG_FALLBACK 1

/*
 * What the resolver compares of a file: its identity, type and link count, and the mount it was
 * reached on. Two descriptors of one directory reached on different mounts (a bind mount, the
 * copy of a mount in another mount namespace) have the same device and inode, and only the mount
 * tells them apart: resolution from each goes on in its own tree of mounts.
 */
struct lg_file_id {
	dev_t dev;
	ino_t ino;
	mode_t mode;
	nlink_t nlink;
	unsigned long long mnt_id; /* the mount's ID, of the kind mnt_kind says */
	unsigned mnt_kind;	   /* LG_MNT_ID_UNIQUE, LG_MNT_ID, or 0: the kernel can not say */
};
#define LG_MNT_ID	 0x1000u /* statx's STATX_MNT_ID (Linux 5.8): reused once a mount is gone */
#define LG_MNT_ID_UNIQUE 0x4000u /* STATX_MNT_ID_UNIQUE (Linux 6.8): never reused */

/* The buffers of one call (see lg_scope): mapped, so that the stack stays small. */
struct lg_scratch {
	char path[LG_PATH_BUF_SIZE]; /* the path, a start spelling in front, targets spliced */
	char done[LG_BUF_SIZE];	     /* the walk's real directories from its anchor */
	char parent[PATH_MAX];	     /* the scope's shared parent, as spelled from its anchor */
	char start[PATH_MAX + 1];    /* the scope's start directory, as the kernel spells it */
	char cwd[PATH_MAX + 1];	     /* the current directory, as getcwd spells it */
	char where[PATH_MAX + 1];    /* another directory being placed */
	char root[PATH_MAX + 1];     /* a root's descriptor, as the kernel spells it */
	char name[NAME_MAX + 1];     /* the walk's current component */
	char again[NAME_MAX + 1];    /* a component the walk re-walks after ".." */
	struct lg_entry reach;	     /* where a spelling led, to prove it (never nested) */
	struct lg_file_id start_id;  /* what "start" is */
	struct lg_file_id where_id;  /* what "where" is */
};

/* lg_scratch_get / lg_scratch_put: claim a scratch area (NULL: no memory) and give it back. */
struct lg_scratch *lg_scratch_get(void);
void lg_scratch_put(struct lg_scratch *s);

/*
 * Where resolution starts: a root (depth 0, fd the root's validated descriptor) or a directory
 * placed `depth` levels beneath root `root` (fd its descriptor, borrowed).
 */
struct lg_anchor {
	int fd;
	size_t root;
	long depth;
};

/*
 * lg_file_id_at: the identity of name in dir_fd, not followed ("": dir_fd itself), by one statx;
 * without statx (before 4.11), fstatat's, with no mount (mnt_kind 0). 0 or -errno; errno untouched.
 */
int lg_file_id_at(int dir_fd, const char *name, struct lg_file_id *id);

/*
 * lg_slash_unchanged: whether "/" is still the directory, on the same mount, that it was when the
 * first root of set was opened: no chroot and no other mount namespace since, so that /proc spells
 * directories against the root it spelled the roots against. 1 or 0 (also when unknown).
 */
int lg_slash_unchanged(const struct lg_rootset *set);

/* lg_on_mount: whether id was reached on the mount with ID mnt_id of that kind (also where the
 * kernel could tell neither: kind 0). */
int lg_on_mount(const struct lg_file_id *id, unsigned kind, unsigned long long mnt_id);

/*
 * lg_root_match: what id says of root r: 2, its directory on the mount it was opened on; 1, its
 * directory on another mount (a descriptor of it from a mount namespace of the program's own:
 * paths from there cross that namespace's mounts); 0, another file.
 */
int lg_root_match(const struct lg_root *r, const struct lg_file_id *id);

/* lg_sys_getcwd: the getcwd system call (length with the NUL, or -errno; -ENOSYS: none here). */
long lg_sys_getcwd(char *buf, size_t size);

/* lg_next_component: the component at *p (after slashes), its length in *len; NULL at end. */
const char *lg_next_component(const char *p, size_t *len);

/*
 * lg_deleted_suffix: whether the kernel's spelling s[0..len) of an open file ends in the
 * " (deleted)" it appends once the file has no name left. Returns the suffix's length, or 0.
 * NOTE: a file may really be named so; the callers tell by its link count.
 */
size_t lg_deleted_suffix(const char *s, size_t len);

/*
 * lg_openat2_unusable: whether an openat2 failure says only that openat2 can not be used here
 * (ENOSYS before 5.6 or under a filter, EPERM from a seccomp filter, EINVAL or E2BIG from a
 * kernel without one of the flags or this open_how), so another way must answer.
 */
int lg_openat2_unusable(int err);

/* lg_put_decimal: n in decimal at out, unterminated; returns its length (at most 20). */
size_t lg_put_decimal(char *out, unsigned long n);

/* lg_is_dot / lg_is_dotdot: whether a component of length len is "." / "..". */
int lg_is_dot(const char *c, size_t len);
int lg_is_dotdot(const char *c, size_t len);

/* lg_count_components: the number of components of a tidy path (no "." nor ".."). */
long lg_count_components(const char *p);

/*
 * lg_after_prefix: the offset in abs[0..len) after the tidy spelling spelled (compared component
 * by component), slashes skipped; or -1 when abs does not begin with it.
 */
long lg_after_prefix(const char *abs, size_t len, const char *spelled, size_t spelled_len);

/*
 * lg_match_root: whether the absolute path abs[0..len) lies under a root, compared component by
 * component with both spellings of every root (the longest match wins, for nested roots).
 * Returns the offset of the remainder (slashes skipped) and sets *root, or -1.
 */
long lg_match_root(const struct lg_rootset *set, const char *abs, size_t len, size_t *root);

/* lg_deny: record why in out and return -LG_ERR_DENIED. */
int lg_deny(struct lg_entry *out, enum lg_why why);

/*
 * lg_set_final: copy the final component (and a '/' when trailing) into out->name.
 * Returns 0 or -ENAMETOOLONG (and marks out->final_err).
 */
int lg_set_final(struct lg_entry *out, const char *name, size_t len, int trailing);

/*
 * lg_openat2_resolve: open rel's parent beneath the anchor with one openat2.
 * Returns 0 (out filled), a negative errno, or LG_FALLBACK when the walk must decide
 * (no openat2, an absolute symlink, a ".." above the anchor, an escape to confirm, a final
 * symlink to follow). rel lies in buf and is left as it was found.
 */
int lg_openat2_resolve(struct lg_scope *scope, const struct lg_anchor *a, char *rel, unsigned flags,
		       struct lg_entry *out);

/*
 * lg_walk_resolve: the portable walk, one openat(O_PATH|O_NOFOLLOW|O_DIRECTORY) per component.
 * rel lies in buf[0..LG_PATH_BUF_SIZE), which the walk reuses to splice symlink targets in front.
 * Returns 0 (out filled), a negative errno, or LG_RECHECK: out is filled, but its parent was
 * reached by ".." from a start directory, and lg_walk_recheck must place it again first.
 */
#define LG_RECHECK 3
int lg_walk_resolve(struct lg_scope *scope, const struct lg_anchor *a, char *buf, char *rel,
		    unsigned flags, struct lg_entry *out);
/* lg_walk_recheck: after LG_RECHECK, 0 when out's parent lies beneath a root, else a denial. */
int lg_walk_recheck(struct lg_scope *scope, struct lg_entry *out);

/*
 * lg_scope_root_fd: root i's descriptor, validated once per scope; or a failure of lg_root_fd
 * (-LG_ERR_DENIED, -LG_ERR_ROOT_MOUNT, -errno), which lg_root_failed turns into what the resolver
 * returns: a denial that says why in out, or the kernel's -errno.
 */
int lg_scope_root_fd(struct lg_scope *scope, size_t i);
int lg_root_failed(int r, struct lg_entry *out);

/*
 * lg_place_dir: where directory fd (whose identity is id) lies. Returns 1 (beneath root *root,
 * *depth levels down), 0 (outside every root); either way its spelling in spell[0..*len) (*len =
 * -1: none; LG_SPELLING_FALSE: /proc's spelling does not reach it from the root, so none to use);
 * or -LG_ERR_DENIED (out->why set) / -errno. spell holds PATH_MAX + 1 bytes. A spelling beneath a
 * root places fd only once the resolver, walking it from the root's descriptor, reaches fd's very
 * directory on fd's very mount (lg_dir_reaches), which also proves it beneath the root wherever
 * the root is now; else fd is placed by walking "..".
 */
#define LG_SPELLING_FALSE (-2)
int lg_place_dir(struct lg_scope *scope, int fd, const struct lg_file_id *id, char *spell,
		 long *len, size_t *root, long *depth, struct lg_entry *out);

/*
 * lg_dir_reaches: whether rest[0..len), a path beneath root `root` (no leading slash, not empty),
 * resolved from the root's descriptor, names the directory id describes, on the same mount: 1; 0
 * when it names another file or nothing (ENOENT, ENOTDIR, ELOOP, an escape); or the kernel's
 * -errno where the walk could not tell (EACCES: a directory on the way the user may not search).
 * Uses the scope's path buffer from PATH_MAX + 2 on (free while a start directory is placed).
 */
int lg_dir_reaches(struct lg_scope *scope, size_t root, const char *rest, size_t len,
		   const struct lg_file_id *id);

/*
 * lg_search_probe: the kernel's own check that the user may search dir_fd (a lookup of "." in it),
 * made where the resolver would otherwise answer before the kernel's permission check would
 * (an over-long name, a ".."). Returns 0 or -errno (EACCES). Error paths and ".." only.
 */
int lg_search_probe(int dir_fd);

/* lg_wants_follow: whether the final component must be followed (a lookup, not a create). */
int lg_wants_follow(unsigned flags, int trailing);

#endif
