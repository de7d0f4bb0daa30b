/* lg_path.c - lexical helpers: components, root prefixes, the final name. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "lg_internal.h"

const char *lg_next_component(const char *p, size_t *len)
{
	while (*p == '/')
		p++;
	if (*p == '\0')
		return NULL;
	*len = strcspn(p, "/");
	return p;
}

int lg_is_dot(const char *c, size_t len)
{
	return len == 1 && c[0] == '.';
}

int lg_is_dotdot(const char *c, size_t len)
{
	return len == 2 && c[0] == '.' && c[1] == '.';
}

/* Like lg_next_component, but bounded by end and skipping "." components. */
static const char *next_real_component(const char *p, const char *end, size_t *len)
{
	for (;;) {
		while (p < end && *p == '/')
			p++;
		if (p == end)
			return NULL;
		const char *c = p;
		while (p < end && *p != '/')
			p++;
		*len = (size_t)(p - c);
		if (!lg_is_dot(c, *len))
			return c;
	}
}

long lg_after_prefix(const char *abs, size_t len, const char *spelled, size_t spelled_len)
{
	const char *p = abs, *end = abs + len;
	const char *s = spelled, *s_end = spelled + spelled_len;
	size_t plen, slen;
	const char *sc, *pc;

	/* The common case, the path spelled as the root is: one memcmp. */
	if (len >= spelled_len && memcmp(abs, spelled, spelled_len) == 0 &&
	    (spelled_len == 1 || len == spelled_len || abs[spelled_len] == '/')) {
		p = abs + spelled_len;
		while (p < end && *p == '/')
			p++;
		return p - abs;
	}
	while ((sc = next_real_component(s, s_end, &slen)) != NULL) {
		pc = next_real_component(p, end, &plen);
		if (pc == NULL || plen != slen || memcmp(pc, sc, slen) != 0)
			return -1;
		p = pc + plen;
		s = sc + slen;
	}
	while (p < end && *p == '/')
		p++;
	return p - abs;
}

long lg_match_root(const struct lg_rootset *set, const char *abs, size_t len, size_t *root)
{
	long best = -1;
	size_t best_len = 0;

	if (len == 0 || abs[0] != '/')
		return -1;
	for (size_t i = 0; i < set->count; i++) {
		const struct lg_root *r = &set->root[i];
		long off = lg_after_prefix(abs, len, r->path, r->path_len);
		size_t spelled = r->path_len;

		if (off < 0) {
			off = lg_after_prefix(abs, len, r->canon, r->canon_len);
			spelled = r->canon_len;
		}
		if (off >= 0 && (best < 0 || spelled > best_len)) {
			best = off;
			best_len = spelled;
			*root = i;
		}
	}
	return best;
}

int lg_deny(struct lg_entry *out, enum lg_why why)
{
	out->why = why;
	return -LG_ERR_DENIED;
}

long lg_count_components(const char *p)
{
	long n = 0;
	size_t len;

	while ((p = lg_next_component(p, &len)) != NULL) {
		n++;
		p += len;
	}
	return n;
}

int lg_set_final(struct lg_entry *out, const char *name, size_t len, int trailing)
{
	if (len > NAME_MAX) {
		out->final_err = 1;
		return -ENAMETOOLONG;
	}
	memcpy(out->name, name, len);
	if (trailing)
		out->name[len++] = '/';
	out->name[len] = '\0';
	return 0;
}

int lg_search_probe(int dir_fd)
{
	int fd = openat(dir_fd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return lg_failed();
	close(fd);
	return 0;
}

int lg_wants_follow(unsigned flags, int trailing)
{
	return (flags & LG_FOLLOW_FINAL) || (trailing && (flags & LG_SLASH_FOLLOWS));
}

size_t lg_put_decimal(char *out, unsigned long n)
{
	char digits[24];
	size_t len = 0, i;

	do {
		digits[len++] = (char)('0' + n % 10);
		n /= 10;
	} while (n > 0);
	for (i = 0; i < len; i++)
		out[i] = digits[len - 1 - i];
	return len;
}

size_t lg_proc_fd_path(char *buf, long pid, int fd)
{
	size_t n = 6;

	memcpy(buf, "/proc/", 6);
	if (pid > 0) {
		n += lg_put_decimal(buf + n, (unsigned long)pid);
	} else {
		memcpy(buf + n, "self", 4);
		n += 4;
	}
	memcpy(buf + n, "/fd/", 4);
	n += 4;
	if (fd >= 0)
		n += lg_put_decimal(buf + n, (unsigned long)fd);
	buf[n] = '\0';
	return n;
}

size_t lg_deleted_suffix(const char *s, size_t len)
{
	static const char suffix[] = " (deleted)";
	const size_t n = sizeof(suffix) - 1;

	return len > n && memcmp(s + len - n, suffix, n) == 0 ? n : 0;
}
