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
	int top;     /* where done starts: the root, or a directory top_depth levels below */
	int top_own; /* whether top is ours to close (a ".." of the start directory) */
	long top_depth;
	int climbed;	    /* top was reached by ".." from a start directory, not from a root */
	int cur;	    /* the directory reached */
	int cur_own;	    /* whether cur is ours to close, not a root's descriptor */
	int links;	    /* symlinks followed so far */
	int followed_final; /* the final component was a symlink, and was followed */
	size_t done_len;    /* done: the real directories from top to cur, "/"-joined */
	char *done;	    /* LG_BUF_SIZE bytes of the scratch area */
};

static void set_cur(struct walk *w, int fd, int own)
{
	if (w->cur >= 0 && w->cur_own)
		close(w->cur);
	w->cur = fd;
	w->cur_own = own;
}

static void set_top(struct walk *w, int fd, int own, long depth)
{
	if (w->top >= 0 && w->top_own && w->top != fd)
		close(w->top);
	w->top = fd;
	w->top_own = own;
	w->top_depth = depth;
	w->done_len = 0;
}

/* Make root i the top (an absolute symlink, or the start's ".." that reached the root). */
static int top_at_root(struct walk *w, size_t i)
{
	int root_fd = lg_scope_root_fd(w->scope, i);

	if (root_fd < 0)
		return lg_root_failed(root_fd, w->out);
	w->root = i;
	w->out->root = i;
	set_top(w, root_fd, 0, 0);
	w->climbed = 0;
	return 0;
}

static int restart_at_top(struct walk *w)
{
	set_cur(w, w->top, 0);
	return 0;
}

/*
 * ".." from the top itself: out of the root at depth 0; else the top's parent, which the walk
 * must open by "..": a start directory has no spelling to re-walk from the root (it may lie
 * below a directory the user can not search, or deeper than PATH_MAX). The kernel's own ".."
 * lookup is made even when it leads to the root (the root's descriptor is used then), so that a
 * top the user may not search gives the kernel's EACCES. A parent reached this way is placed
 * again before use (see lg_walk_resolve), since the start may have moved by now.
 */
static int climb_top(struct walk *w)
{
	int fd;

	if (w->top_depth == 0)
		return lg_deny(w->out, w->links > 0 ? LG_WHY_SYMLINK : LG_WHY_DOTDOT);
	fd = openat(w->top, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return lg_failed();
	set_cur(w, -1, 0);
	if (w->top_depth == 1) {
		close(fd);
		return top_at_root(w, w->root);
	}
	set_top(w, fd, 1, w->top_depth - 1);
	w->climbed = 1;
	return 0;
}

/* NOFOLLOW and DIRECTORY: a symlink or a file fails with ENOTDIR and is looked at by the caller. */
static int open_child_dir(struct walk *w, const char *name)
{
	int fd = openat(w->cur, name, O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return errno == ELOOP ? -ENOTDIR : lg_failed();
	set_cur(w, fd, 1);
	return 0;
}

static int descend(struct walk *w, const char *name, size_t len)
{
	int r;

	if (w->done_len + 1 + len >= LG_BUF_SIZE)
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
	char *name = w->scope->scratch->again;
	int r;

	if (len == 0)
		return climb_top(w) ?: restart_at_top(w);
	/* The kernel's ".." needs search permission on the directory it leaves. */
	r = lg_search_probe(w->cur);
	if (r != 0)
		return r;
	while (len > 0 && w->done[len - 1] != '/')
		len--;
	keep = len > 0 ? len - 1 : 0;
	w->done[keep] = '\0';
	w->done_len = 0;
	r = restart_at_top(w);
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
		return lg_failed();
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
	*p = target + off;
	return top_at_root(w, root) ?: restart_at_top(w) ?: LG_CONTINUE;
}

/* The final component: done, unless it is a symlink that the call follows. */
static int finish(struct walk *w, char *buf, char *tail, const char *name, size_t len, int trailing,
		  unsigned flags, char **p)
{
	int r;

	/* A followed final symlink whose target ends in ".." at the root names the root's parent;
	 * a ".." the caller wrote goes to the kernel, which refuses it. */
	if (lg_is_dotdot(name, len) && w->followed_final && w->done_len == 0 && w->top_depth == 0)
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
		if (w->cur == w->top && w->top_own) {
			w->out->own_dir = 1; /* the entry takes the top over */
			w->top_own = 0;
		}
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

/*
 * After a climb from a start directory: the parent reached must still lie beneath a root. Called by
 * the walk's caller, once the walk's own frame is gone: placing the parent walks its spelling
 * from the root (lg_place_dir), a walk within this one.
 */
int lg_walk_recheck(struct lg_scope *scope, struct lg_entry *out)
{
	struct lg_file_id *id = &scope->scratch->where_id; /* off the stack, as in a walk */
	size_t root;
	long len, depth;
	int r = lg_file_id_at(out->dir_fd, "", id);

	if (r == 0)
		r = lg_place_dir(scope, out->dir_fd, id, scope->scratch->where, &len, &root, &depth,
				 out);
	if (r < 0)
		return r;
	return r == 1 ? 0 : lg_deny(out, LG_WHY_DOTDOT);
}

int lg_walk_resolve(struct lg_scope *scope, const struct lg_anchor *a, char *buf, char *rel,
		    unsigned flags, struct lg_entry *out)
{
	struct walk w; /* not "= {...}" */
	char *name = scope->scratch->name;
	char *p = rel, *tail, *next;
	const char *c;
	size_t len;
	int r;

	w.scope = scope;
	w.out = out;
	w.root = a->root;
	w.top = a->fd;
	w.top_own = 0;
	w.top_depth = a->depth;
	w.climbed = 0;
	w.cur = -1;
	w.cur_own = 0;
	w.links = 0;
	w.followed_final = 0;
	w.done_len = 0;
	w.done = scope->scratch->done;
	out->root = a->root;
	r = restart_at_top(&w);
	while (r == 0 || r == LG_CONTINUE) {
		c = lg_next_component(p, &len);
		if (c == NULL) {
			r = lg_deny(out, LG_WHY_ROOT_ENTRY);
			break;
		}
		tail = (char *)c + len;
		for (next = tail; *next == '/'; next++)
			;
		if (len > NAME_MAX) { /* the kernel searches the directory first */
			r = lg_search_probe(w.cur);
			if (r == 0)
				r = *next == '\0' ? lg_set_final(out, c, len, 0) : -ENAMETOOLONG;
			break;
		}
		memcpy(name, c, len);
		name[len] = '\0';
		if (*next == '\0')
			r = finish(&w, buf, tail, name, len, next > tail, flags, &p);
		else
			r = middle(&w, buf, tail, name, len, &p);
		if (r == 0)
			break;
	}
	set_cur(&w, -1, 0);
	set_top(&w, -1, 0, 0);
	return r == 0 && w.climbed ? LG_RECHECK : r;
}
