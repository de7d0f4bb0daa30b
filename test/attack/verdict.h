/* verdict.h - how an attack program of test/attack/ says how its one try ended. */
#ifndef LG_TEST_VERDICT_H
#define LG_TEST_VERDICT_H

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* "escaped" (exit 1) when the call r answered succeeded, else "refused ERRNO-NAME" (exit 0). */
static inline int verdict(int r)
{
	if (r == 0) {
		puts("escaped");
		return 1;
	}
	printf("refused %s\n", strerrorname_np(errno));
	return 0;
}

#endif
