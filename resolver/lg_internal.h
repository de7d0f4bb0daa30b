/* lg_internal.h - what the resolver's own files share; not part of the API. */
#ifndef LG_INTERNAL_H
#define LG_INTERNAL_H

#include "lg_resolve.h"

/* Room for a start directory's path joined to a path, plus symlink targets spliced in. */
#define LG_BUF_SIZE (2 * PATH_MAX + 2)

/* lg_openat2_resolve returns this when the walk must decide instead. */
#define LG_FALLBACK 1

/* lg_next_component: the component at *p (after slashes), its length in *len; NULL at end. */
const char *lg_next_component(const char *p, size_t *len);

/* lg_is_dot / lg_is_dotdot: whether a component of length len is "." / "..". */
int lg_is_dot(const char *c, size_t len);
int lg_is_dotdot(const char *c, size_t len);

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
 * Returns 0 or -ENAMETOOLONG.
 */
int lg_set_final(struct lg_entry *out, const char *name, size_t len, int trailing);

/*
 * lg_openat2_resolve: open rel's parent beneath root `root` with one openat2.
 * Returns 0 (out filled), a negative errno, or LG_FALLBACK when the walk must decide
 * (no openat2, an absolute symlink, an escape to confirm, a final symlink to follow).
 * rel lies in buf and is left as it was found.
 */
int lg_openat2_resolve(struct lg_scope *scope, size_t root, char *rel, unsigned flags,
		       struct lg_entry *out);

/*
 * lg_walk_resolve: the portable walk, one openat(O_PATH|O_NOFOLLOW|O_DIRECTORY) per component.
 * rel lies in buf[0..LG_BUF_SIZE), which the walk reuses to splice symlink targets in front.
 * Returns 0 (out filled) or a negative errno.
 */
int lg_walk_resolve(struct lg_scope *scope, size_t root, char *buf, char *rel, unsigned flags,
		    struct lg_entry *out);

/* lg_scope_root_fd: root i's descriptor, validated once per scope; or -LG_ERR_DENIED. */
int lg_scope_root_fd(struct lg_scope *scope, size_t i);

/* lg_wants_follow: whether the final component must be followed (a lookup, not a create). */
int lg_wants_follow(unsigned flags, int trailing);

#endif
