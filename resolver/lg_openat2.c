/* lg_openat2.c - the fast backend: the kernel walks the parent with RESOLVE_BENEATH. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lg_internal.h"

#ifndef SYS_openat2
#define SYS_openat2 437
#endif

/*
 * The parent of the final component, beneath root_fd. Returns an fd or -errno; -EAGAIN only
 * once LG_EAGAIN_MAX retries are spent (any rename on the system during a ".." step makes the
 * kernel unable to prove the walk stayed beneath).
 */
static int open_beneath(int root_fd, const char *parent)
{
	struct open_how how = {
	    .flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
	    .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
	};
	long fd;

	for (int i = 0; i < LG_EAGAIN_MAX; i++) {
		fd = syscall(SYS_openat2, root_fd, parent, &how, sizeof(how));
		if (fd >= 0)
			return (int)fd;
		if (errno != EAGAIN)
			return -errno;
	}
	return -EAGAIN;
}

/* Errors after which only the walk can say what happened. */
static int walk_decides(int err)
{
	switch (err) {
	case ENOSYS: /* no openat2 (before 5.6, or filtered) */
	case EPERM:  /* a seccomp filter that refuses it */
	case E2BIG:
	case EINVAL: /* an older kernel without one of the RESOLVE_ flags */
	case EXDEV:  /* an escape, or an absolute symlink that may lie under a root */
	case ELOOP:  /* a magic link, or a real loop */
		return 1;
	default:
		return 0;
	}
}

static int is_symlink_at(int dir_fd, const char *name)
{
	char c;

	return readlinkat(dir_fd, name, &c, 1) >= 0;
}

int lg_openat2_resolve(struct lg_rootset *set, size_t root, char *rel, unsigned flags,
		       struct lg_entry *out)
{
	size_t end = strlen(rel), name_end, name_start;
	int root_fd, fd, trailing, r;
	char saved;

	name_end = end;
	while (name_end > 0 && rel[name_end - 1] == '/')
		name_end--;
	name_start = name_end;
	while (name_start > 0 && rel[name_start - 1] != '/')
		name_start--;
	trailing = name_end < end;
	root_fd = lg_root_fd(set, root);
	if (root_fd < 0)
		return lg_deny(out, LG_WHY_ROOT_CHANGED);
	saved = rel[name_start];
	rel[name_start] = '\0';
	fd = open_beneath(root_fd, name_start > 0 ? rel : ".");
	rel[name_start] = saved;
	if (fd == -EAGAIN)
		return lg_deny(out, LG_WHY_RACE);
	if (fd < 0)
		return walk_decides(-fd) ? LG_FALLBACK : fd;
	out->dir_fd = fd;
	r = lg_set_final(out, rel + name_start, name_end - name_start, 0);
	if (r != 0)
		return r;
	if (lg_wants_follow(flags, trailing) && !lg_is_dot(out->name, name_end - name_start) &&
	    !lg_is_dotdot(out->name, name_end - name_start) && is_symlink_at(fd, out->name)) {
		close(fd);
		out->dir_fd = -1;
		return LG_FALLBACK;
	}
	return lg_set_final(out, rel + name_start, name_end - name_start, trailing);
}
