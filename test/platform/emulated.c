/*
 * emulated.c - run a program built for another architecture under its emulator (qemu-user),
 * with LD_PRELOAD handed to the emulated program's loader instead of this machine's.
 *
 * The suites run the driver through $LGCALL with LD_PRELOAD set to the library under test. In
 * a cross build both are foreign: this machine's loader can not preload the library, and
 * binfmt_misc may not be registered. CTest points LGCALL at this wrapper, built statically for
 * the host, so no loader ever sees LD_PRELOAD here; it removes LD_PRELOAD from the environment
 * the emulator gets and passes it on with the emulator's -E option, which sets it for the guest.
 * emulated_config.h (generated) gives the emulator's command and the program to run.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emulated_config.h" /* emulator[] (NULL-terminated) and program[] */

#define MAX_ARGS 256

int main(int argc, char **argv)
{
	static char preload[8192];
	const char *args[MAX_ARGS];
	const char *value = getenv("LD_PRELOAD");
	size_t n = 0;

	for (size_t i = 0; emulator[i] != NULL && n < MAX_ARGS - 8; i++)
		args[n++] = emulator[i];
	if (value != NULL) {
		if ((size_t)snprintf(preload, sizeof(preload), "LD_PRELOAD=%s", value) >=
		    sizeof(preload)) {
			fprintf(stderr, "emulated: LD_PRELOAD is too long\n");
			return 126;
		}
		args[n++] = "-E";
		args[n++] = preload;
		unsetenv("LD_PRELOAD");
	}
	args[n++] = program;
	for (int i = 1; i < argc; i++) {
		if (n >= MAX_ARGS - 1) {
			fprintf(stderr, "emulated: too many arguments\n");
			return 126;
		}
		args[n++] = argv[i];
	}
	args[n] = NULL;
	execvp(args[0], (char *const *)args);
	fprintf(stderr, "emulated: cannot run %s: %s\n", args[0], strerror(errno));
	return 127;
}
