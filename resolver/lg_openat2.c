/* lg_openat2.c - the fast backend: the kernel walks the parent with RESOLVE_BENEATH. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "lg_compat.h"
#include "lg_internal.h"

/*
 * The parent of the final component, beneath dir_fd. Returns an fd or -errno; -EAGAIN only
 * once LG_EAGAIN_MAX retries are spent (any rename on the system during a ".." step makes the
 * kernel unable to prove the walk stayed beneath; the caller then walks).
 */
static int open_beneath(int dir_fd, const char *parent)
{
	struct open_how how = {
	    .flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
	    .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
	};
	long fd;

	for (int i = 0; i < LG_EAGAIN_MAX; i++) {
		fd = lg_sys_openat2(dir_fd, parent, &how, sizeof(how));
		if (fd != -EAGAIN)
			return (int)fd;
	}
	return -EAGAIN;
}

/* Errors after which only the walk can say what happened. */
static int walk_decides(int err)
{
	/* EXDEV: an escape, a ".." above the anchor, or an absolute symlink to a root; ELOOP: a
	 * magic link, or a real loop. */
	return lg_openat2_unusable(err) || err == EXDEV || err == ELOOP;
}

static int is_symlink_at(int dir_fd, const char *name)
{
	char c;

	return readlinkat(dir_fd, name, &c, 1) >= 0;
}

/*
 * The parent directory: the anchor itself, the one this scope opened last (a link or rename in
 * one directory), or one openat2. *own says whether the caller must close it.
 */
static int open_parent(struct lg_scope *scope, const struct lg_anchor *a, char *rel, size_t len,
		       int *own)
{
	char saved;
	int fd;

	*own = 0;
	while (len > 0 && rel[len - 1] == '/')
		len--;
	if (len == 0)
		return a->fd;
	if (scope->parent_len == (long)len && scope->parent_anchor == a->fd &&
	    memcmp(scope->scratch->parent, rel, len) == 0)
		return scope->parent_fd;
	saved = rel[len];
	rel[len] = '\0';
	fd = open_beneath(a->fd, rel);
	rel[len] = saved;
	*own = fd >= 0;
	return fd;
}

/* Remember a parent this scope opened, for the other path of the call. */
static void share_parent(struct lg_scope *scope, const struct lg_anchor *a, const char *rel,
			 size_t len, int fd)
{
	while (len > 0 && rel[len - 1] == '/')
		len--;
	if (len == 0 || len >= sizeof(scope->scratch->parent))
		return;
	memcpy(scope->scratch->parent, rel, len);
	scope->parent_len = (long)len;
	scope->parent_anchor = a->fd;
	scope->parent_fd = fd;
}

int lg_openat2_resolve(struct lg_scope *scope, const struct lg_anchor *a, char *rel, unsigned flags,
		       struct lg_entry *out)
{
	size_t end = strlen(rel), name_end, name_start, name_len;
	int fd, trailing, own, r;

	name_end = end;
	while (name_end > 0 && rel[name_end - 1] == '/')
		name_end--;
	name_start = name_end;
	while (name_start > 0 && rel[name_start - 1] != '/')
		name_start--;
	name_len = name_end - name_start;
	trailing = name_end < end;
	fd = open_parent(scope, a, rel, name_start, &own);
	/* Renames elsewhere on the system kept openat2 from proving a ".." step beneath: the walk
	 * re-walks from the root instead of trusting "..", so it answers without retrying. */
	if (fd == -EAGAIN)
		return LG_FALLBACK;
	if (fd < 0)
		return walk_decides(-fd) ? LG_FALLBACK : fd;
	out->dir_fd = fd;
	out->own_dir = own;
	/* The kernel searches the parent before it looks at the name's length. */
	r = name_len > NAME_MAX ? lg_search_probe(fd) : 0;
	if (r == 0)
		r = lg_set_final(out, rel + name_start, name_len, 0);
	if (r != 0)
		return r;
	if (lg_wants_follow(flags, trailing) && !lg_is_dot(out->name, name_len) &&
	    !lg_is_dotdot(out->name, name_len) && is_symlink_at(fd, out->name)) {
		if (own)
			close(fd);
		out->dir_fd = -1;
		return LG_FALLBACK;
	}
	if (own)
		share_parent(scope, a, rel, name_start, fd);
	return lg_set_final(out, rel + name_start, name_len, trailing);
}
