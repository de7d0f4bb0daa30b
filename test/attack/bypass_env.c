/* bypass_env.c - a library whose constructor, run before linkguard's, rewrites the settings:
 * LINKGUARD_ROOT=/ (with setenv) would leave the process and its children unconfined. Preloaded
 * ahead of linkguard instead, it is an ordinary interposer (as fakeroot or a sanitizer runtime
 * is): it defines lg_probe, for lg_bypass next-caller, and wraps rename() by dlsym(RTLD_NEXT). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
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

int rename(const char *oldpath, const char *newpath)
{
	int (*next)(const char *, const char *) =
	    (int (*)(const char *, const char *))dlsym(RTLD_NEXT, "rename");

	return next ? next(oldpath, newpath) : -1;
}
