/* tap.h - the TAP output of every C test: numbered checks, reasons for failures, explicit skips.
 *
 * Header-only (each test is one program): include it once per program. A skip is a pass unless
 * LG_TESTS_MUST_WORK=1 (CI sets it), which makes every skip a failure, so that a check that
 * stopped running can not pass unnoticed.
 */
#ifndef LG_TAP_H
#define LG_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_count;	 /* checks printed so far */
static int tap_failures; /* of which failed */

/* tap_must_work: whether LG_TESTS_MUST_WORK=1 asks that nothing be skipped. */
static inline int tap_must_work(void)
{
	const char *v = getenv("LG_TESTS_MUST_WORK");

	return v != NULL && strcmp(v, "1") == 0;
}

/* tap_vline: print "ok N - " or "not ok N - ", the description, and no newline. */
static inline void tap_vline(int ok, const char *fmt, va_list ap)
{
	tap_count++;
	if (!ok)
		tap_failures++;
	printf("%sok %d - ", ok ? "" : "not ", tap_count);
	vprintf(fmt, ap);
}

/* tap_ok: one check, described by fmt; returns ok, so that a caller can explain a failure. */
__attribute__((format(printf, 2, 3))) static inline int tap_ok(int ok, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_vline(ok, fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	return ok;
}

/* tap_diag: a "# " line under the last check: why it failed, or what it saw. */
__attribute__((format(printf, 1, 2))) static inline void tap_diag(const char *fmt, ...)
{
	va_list ap;

	printf("#   ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

/* tap_skip: a check that could not run here, and why; a failure under LG_TESTS_MUST_WORK=1. */
__attribute__((format(printf, 2, 3))) static inline void tap_skip(const char *reason,
								  const char *fmt, ...)
{
	int must = tap_must_work();
	va_list ap;

	va_start(ap, fmt);
	tap_vline(!must, fmt, ap);
	va_end(ap);
	if (must)
		printf("\n#   skipped (%s), and LG_TESTS_MUST_WORK=1 allows no skip\n", reason);
	else
		printf(" # SKIP %s\n", reason);
	fflush(stdout);
}

/* tap_bail: stop the whole program: the setup failed, so no later check would mean anything. */
__attribute__((format(printf, 1, 2), noreturn)) static inline void tap_bail(const char *fmt, ...)
{
	va_list ap;

	printf("Bail out! ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	exit(2);
}

/* tap_plan: the "1..N" line (first or last), N being the checks printed so far when n < 0. */
static inline void tap_plan(int n)
{
	printf("1..%d\n", n < 0 ? tap_count : n);
	fflush(stdout);
}

/* tap_status: the program's exit status: 0 when no check failed. */
static inline int tap_status(void)
{
	return tap_failures ? 1 : 0;
}

#endif
