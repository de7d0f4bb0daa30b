/* own_ns.h - for the test programs that attack from a user and mount namespace of their own. */
#ifndef LG_TEST_OWN_NS_H
#define LG_TEST_OWN_NS_H

#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Write text to file; 0 or -1. */
static inline int own_ns_put(const char *file, const char *text)
{
	int fd = open(file, O_WRONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : write(fd, text, strlen(text));

	if (fd >= 0)
		close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* Map uid and gid to root in the user namespace of process pid ("self" or a number); 0, or -1. */
static inline int own_ns_map_root(const char *pid, uid_t uid, gid_t gid)
{
	char file[64], map[64];

	snprintf(file, sizeof(file), "/proc/%s/setgroups", pid);
	if (own_ns_put(file, "deny") != 0)
		return -1;
	snprintf(file, sizeof(file), "/proc/%s/uid_map", pid);
	snprintf(map, sizeof(map), "0 %u 1", (unsigned)uid);
	if (own_ns_put(file, map) != 0)
		return -1;
	snprintf(file, sizeof(file), "/proc/%s/gid_map", pid);
	snprintf(map, sizeof(map), "0 %u 1", (unsigned)gid);
	return own_ns_put(file, map);
}

/* Become root of a user and mount namespace of our own, as `unshare -Urm` does; 0, or -1. */
static inline int own_namespace(void)
{
	uid_t uid = getuid();
	gid_t gid = getgid();

	if (unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0)
		return -1;
	return own_ns_map_root("self", uid, gid);
}

#endif
