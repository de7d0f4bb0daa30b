/* bypass_audit.c - an LD_AUDIT module: the loader gives it a libc of its own, outside any
 * preload. Loaded into a process meant to be confined (LINKGUARD_ROOT set: not the launcher
 * itself, which sets it later), it links LG_AUDIT_SRC to LG_AUDIT_DST. */
#define _GNU_SOURCE
#include <link.h>
#include <stdlib.h>
#include <unistd.h>

unsigned int la_version(unsigned int version)
{
	const char *src = getenv("LG_AUDIT_SRC"), *dst = getenv("LG_AUDIT_DST");

	/* Refused or not, the suite looks for DST in the file system. */
	if (src && dst && getenv("LINKGUARD_ROOT") && link(src, dst) != 0)
		return version;
	return version;
}
