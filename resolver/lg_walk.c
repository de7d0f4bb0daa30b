/* lg_walk.c - the portable backend: one openat(O_PATH|O_NOFOLLOW|O_DIRECTORY) per component. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "lg_internal.h"

#define LG_CONTINUE 2 /* a step's answer: the walk goes on from the updated position */

struct walk {
	struct lg_scope *scope;
	struct lg_entry *out;
	size_t root;
	int cur;	    /* the directory reached */
	int cur_own;	    /* whether cur is ours to close, not a root's descriptor */
	int links;	    /* symlinks followed so far */
	int followed_final; /* the final component was a symlink, and was followed */
	size_t done_len;    /* done: the real directories from the root to cur, "/"-joined */
	char done[LG_BUF_SIZE];
};

static void set_cur(struct walk *w, int fd, int own)
{
	if (w->cur >= 0 && w->cur_own)
		close(w->cur);
	w->cur = fd;
	w->cur_own = own;
}

static int restart_at_root(struct walk *w)
{
	int root_fd = lg_scope_root_fd(w->scope, w->root);

	if (root_fd < 0)
		return lg_deny(w->out, LG_WHY_ROOT_CHANGED);
	set_cur(w, root_fd, 0);
	return 0;
}

/* NOFOLLOW and DIRECTORY: a symlink or a file fails with ENOTDIR and is looked at by the caller. */
static int open_child_dir(struct walk *w, const char *name)
{
	int fd = openat(w->cur, name, O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return errno == ELOOP ? -ENOTDIR : -errno;
	set_cur(w, fd, 1);
	return 0;
}

static int descend(struct walk *w, const char *name, size_t len)
{
	int r;

	if (w->done_len + 1 + len >= sizeof(w->done))
		return -ENAMETOOLONG;
	r = open_child_dir(w, name);
	if (r != 0)
		return r;
	if (w->done_len > 0)
		w->done[w->done_len++] = '/';
	memcpy(w->done + w->done_len, name, len);
	w->done_len += len;
	return 0;
}

/*
 * "..": never openat(cur, "..") - cur may have been moved out of the root by now, and its
 * parent with it (the openat2 selftests' rename attack). Walk the remembered real directories
 * again from the root instead, one fewer.
 */
static int climb(struct walk *w)
{
	size_t len = w->done_len, clen, keep;
	const char *c;
	char name[NAME_MAX + 1];
	int r;

	if (len == 0)
		return lg_deny(w->out, w->links > 0 ? LG_WHY_SYMLINK : LG_WHY_DOTDOT);
	while (len > 0 && w->done[len - 1] != '/')
		len--;
	keep = len > 0 ? len - 1 : 0;
	w->done[keep] = '\0';
	w->done_len = 0;
	r = restart_at_root(w);
	for (c = w->done; r == 0 && (c = lg_next_component(c, &clen)) != NULL; c += clen) {
		memcpy(name, c, clen);
		name[clen] = '\0';
		r = descend(w, name, clen);
	}
	return r;
}

/*
 * Splice the target of symlink `name` (in cur) in front of tail, reusing the consumed part of
 * buf. An absolute target continues from the root it lies under; any other is an escape.
 */
static int follow_link(struct walk *w, char *buf, char *tail, const char *name, char **p)
{
	size_t room = (size_t)(tail - buf), root;
	ssize_t n;
	char *target;
	long off;

	n = readlinkat(w->cur, name, buf, room);
	if (n < 0)
		return -errno;
	if (++w->links > LG_SYMLINK_MAX)
		return -ELOOP;
	if ((size_t)n >= room)
		return -ENAMETOOLONG;
	target = memmove(tail - n, buf, (size_t)n);
	*p = target;
	if (target[0] != '/')
		return LG_CONTINUE;
	off = lg_match_root(w->scope->set, target, (size_t)n, &root);
	if (off < 0)
		return lg_deny(w->out, LG_WHY_SYMLINK);
	w->root = root;
	w->out->root = root;
	w->done_len = 0;
	*p = target + off;
	return restart_at_root(w) ?: LG_CONTINUE;
}

/* The final component: done, unless it is a symlink that the call follows. */
static int finish(struct walk *w, char *buf, char *tail, const char *name, size_t len, int trailing,
		  unsigned flags, char **p)
{
	int r;

	/* A followed final symlink whose target ends in ".." at the root names the root's parent;
	 * a ".." the caller wrote goes to the kernel, which refuses it. */
	if (lg_is_dotdot(name, len) && w->followed_final && w->done_len == 0)
		return lg_deny(w->out, LG_WHY_SYMLINK);
	if (lg_wants_follow(flags, trailing) && !lg_is_dot(name, len) && !lg_is_dotdot(name, len)) {
		r = follow_link(w, buf, tail, name, p);
		w->followed_final |= r == LG_CONTINUE;
		if (r != -EINVAL && r != -ENOENT)
			return r;
	}
	r = lg_set_final(w->out, name, len, trailing);
	if (r == 0) {
		w->out->dir_fd = w->cur;
		w->out->own_dir = w->cur_own;
		w->cur = -1;
	}
	return r;
}

static int middle(struct walk *w, char *buf, char *tail, const char *name, size_t len, char **p)
{
	int r;

	*p = tail;
	if (lg_is_dot(name, len))
		return LG_CONTINUE;
	if (lg_is_dotdot(name, len))
		return climb(w) ?: LG_CONTINUE;
	r = descend(w, name, len);
	if (r == 0)
		return LG_CONTINUE;
	if (r != -ENOTDIR)
		return r;
	r = follow_link(w, buf, tail, name, p);
	return r == -EINVAL ? -ENOTDIR : r;
}

int lg_walk_resolve(struct lg_scope *scope, size_t root, char *buf, char *rel, unsigned flags,
		    struct lg_entry *out)
{
	struct walk w; /* not "= {...}": that would clear its 8 KiB buffer on every call */
	char name[NAME_MAX + 1];
	char *p = rel, *tail, *next;
	const char *c;
	size_t len;
	int r;

	w.scope = scope;
	w.out = out;
	w.root = root;
	w.cur = -1;
	w.cur_own = 0;
	w.links = 0;
	w.followed_final = 0;
	w.done_len = 0;
	out->root = root;
	r = restart_at_root(&w);
	while (r == 0 || r == LG_CONTINUE) {
		c = lg_next_component(p, &len);
		if (c == NULL) {
			r = lg_deny(out, LG_WHY_ROOT_ENTRY);
			break;
		}
		if (len > NAME_MAX) {
			r = -ENAMETOOLONG;
			break;
		}
		memcpy(name, c, len);
		name[len] = '\0';
		tail = (char *)c + len;
		for (next = tail; *next == '/'; next++)
			;
		if (*next == '\0')
			r = finish(&w, buf, tail, name, len, next > tail, flags, &p);
		else
			r = middle(&w, buf, tail, name, len, &p);
		if (r == 0)
			break;
	}
	set_cur(&w, -1, 0);
	return r;
}
