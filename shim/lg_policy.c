/* lg_policy.c - the one decision, for every entry point, the exec gate and the launcher. */
#include <stddef.h>

#include "lg_policy.h"

/* A refusal the kernel layer covers: the program runs, its links and renames stay confined. */
static int kernel_covers(const struct lg_policy *p, enum lg_finding f)
{
	return p->kernel_layer &&
	       (f == LG_FOUND_STATIC || f == LG_FOUND_SETUID || f == LG_FOUND_UNJUDGED);
}

enum lg_decision lg_decide(const struct lg_policy *p, enum lg_finding f)
{
	if (p->broken != NULL)
		return LG_DENY;
	switch (f) {
	case LG_FOUND_UNCHECKED:
		return p->everything ? LG_ALLOW : LG_CHECK;
	case LG_FOUND_CONFINED:
		return LG_ALLOW;
	case LG_FOUND_IO_URING:
		/* Not reported, so not audited: programs fall back to the ordinary calls. */
		return p->allow_io_uring ? LG_ALLOW : LG_DENY;
	case LG_FOUND_STATIC:
	case LG_FOUND_UNJUDGED: /* "let what LD_PRELOAD does not reach run unconfined" */
		if (p->allow_static)
			return LG_ALLOW;
		break;
	case LG_FOUND_SETUID:
		if (p->allow_setuid)
			return LG_ALLOW;
		break;
	default:
		break;
	}
	if (kernel_covers(p, f))
		return LG_NOTE;
	return p->mode == LG_MODE_AUDIT ? LG_AUDIT : LG_DENY;
}

enum lg_finding lg_exec_finding(enum lg_exec_kind kind)
{
	switch (kind) {
	case LG_EXEC_PRELOADED:
		return LG_FOUND_CONFINED;
	case LG_EXEC_SETUID:
		return LG_FOUND_SETUID;
	case LG_EXEC_UNREADABLE:
	case LG_EXEC_UNKNOWABLE:
		return LG_FOUND_UNJUDGED;
	default:
		return LG_FOUND_STATIC;
	}
}

enum lg_decision lg_exec_judge(const struct lg_policy *p, int dir_fd, const char *path,
			       int at_flags, char *const argv[], struct lg_exec_verdict *v)
{
	enum lg_decision d = lg_decide(p, LG_FOUND_UNCHECKED);

	v->kind = LG_EXEC_PRELOADED;
	v->program[0] = '\0';
	if (d != LG_CHECK)
		return d;
	lg_exec_inspect(dir_fd, path, at_flags, argv, v);
	if (v->kind == LG_EXEC_PRELOADED && p->library != NULL &&
	    !lg_same_file_as(p->library, p->library_dev, p->library_ino))
		v->kind = LG_EXEC_NO_LIBRARY;
	return lg_decide(p, lg_exec_finding(v->kind));
}
