/* bypass_env.c - a library whose constructor, run before linkguard's, rewrites the settings:
 * LINKGUARD_ROOT=/ (with setenv) would leave the process and its children unconfined. It also
 * defines lg_probe, for lg_bypass next-caller. */
#include <stdlib.h>

__attribute__((constructor)) static void widen_root(void)
{
	if (getenv("LG_WIDEN_ROOT"))
		setenv("LINKGUARD_ROOT", "/", 1);
}

const char *lg_probe(void)
{
	return "preload";
}
