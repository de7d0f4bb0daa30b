/* test_string.c - the library's own string functions and snprintf (shim/lg_string.c, linked in
 * here, hidden, so that this program's calls reach them) answer as libc's do, on random buffers
 * at every alignment and length, overlapping moves, and every conversion the library formats. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tap.h"

#define ROUNDS 4000
#define SPAN   80

static int sign(long v)
{
	return (v > 0) - (v < 0);
}

/* libc's definition of name, past this program's own (lg_string.c's). */
static void *libc(const char *name)
{
	void *f = dlsym(RTLD_NEXT, name);

	if (f == NULL) {
		fprintf(stderr, "no %s in libc\n", name);
		exit(1);
	}
	return f;
}

static unsigned char a[SPAN + 16], b[SPAN + 16];

/* Random bytes from a small alphabet (so that searches and comparisons hit), with NULs. */
static void fill(unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = "ab/=:\0xyz"[rand() % 9];
}

static int check_memory(void)
{
	int (*memcmp_l)(const void *, const void *, size_t) = libc("memcmp");
	void *(*memchr_l)(const void *, int, size_t) = libc("memchr");
	void *(*memrchr_l)(const void *, int, size_t) = libc("memrchr");
	void *(*memmove_l)(void *, const void *, size_t) = libc("memmove");
	void *(*memset_l)(void *, int, size_t) = libc("memset");
	void *(*memcpy_l)(void *, const void *, size_t) = libc("memcpy");
	unsigned char x[SPAN + 16], y[SPAN + 16];
	int bad = 0;

	for (int r = 0; r < ROUNDS && !bad; r++) {
		size_t off = (size_t)rand() % 8, n = (size_t)rand() % (SPAN - 8),
		       d = (size_t)rand() % 9;
		int c = "ab/\0"[rand() % 4];

		fill(a, sizeof(a));
		memcpy(b, a, sizeof(a));
		b[off + (n ? (size_t)rand() % n : 0)] ^= (unsigned char)(rand() % 2);
		bad |= sign(memcmp(a + off, b + off, n)) != sign(memcmp_l(a + off, b + off, n));
		bad |= memchr(a + off, c, n) != memchr_l(a + off, c, n);
		bad |= memrchr(a + off, c, n) != memrchr_l(a + off, c, n);
		memcpy(x, a, sizeof(a));
		memcpy(y, a, sizeof(a));
		memmove(x + off, x + d, n); /* overlapping, either way */
		memmove_l(y + off, y + d, n);
		bad |= memcmp_l(x, y, sizeof(x)) != 0;
		memset(x + off, c, n);
		memset_l(y + off, c, n);
		bad |= memcmp_l(x, y, sizeof(x)) != 0;
		memcpy(x + d, b + off, n);
		memcpy_l(y + d, b + off, n);
		bad |= memcmp_l(x, y, sizeof(x)) != 0;
	}
	return !bad;
}

static int check_strings(void)
{
	size_t (*strlen_l)(const char *) = libc("strlen");
	size_t (*strnlen_l)(const char *, size_t) = libc("strnlen");
	int (*strcmp_l)(const char *, const char *) = libc("strcmp");
	int (*strncmp_l)(const char *, const char *, size_t) = libc("strncmp");
	char *(*strchr_l)(const char *, int) = libc("strchr");
	char *(*strchrnul_l)(const char *, int) = libc("strchrnul");
	char *(*strrchr_l)(const char *, int) = libc("strrchr");
	size_t (*strcspn_l)(const char *, const char *) = libc("strcspn");
	char x[SPAN + 16];
	int bad = 0;

	for (int r = 0; r < ROUNDS && !bad; r++) {
		size_t off = (size_t)rand() % 8, n = (size_t)rand() % 24;
		const char *s = (const char *)a + off, *t = (const char *)b + off;
		const char *reject = (const char *[]){"", "/", ":=", "ab/", "\xff"}[rand() % 5];
		int c = "ab/=\0"[rand() % 5];

		fill(a, sizeof(a));
		a[sizeof(a) - 1] = b[sizeof(b) - 1] = '\0';
		memcpy(b, a, sizeof(a));
		b[off + (size_t)rand() % 12] = (unsigned char)"ab\0\xe9"[rand() % 4];
		bad |= strlen(s) != strlen_l(s) || strnlen(s, n) != strnlen_l(s, n);
		bad |= sign(strcmp(s, t)) != sign(strcmp_l(s, t));
		bad |= sign(strncmp(s, t, n)) != sign(strncmp_l(s, t, n));
		bad |= strchr(s, c) != strchr_l(s, c) || strchrnul(s, c) != strchrnul_l(s, c);
		bad |=
		    strrchr(s, c) != strrchr_l(s, c) || strcspn(s, reject) != strcspn_l(s, reject);
		bad |= strcpy(x, s) != x || strcmp_l(x, s) != 0;
	}
	return !bad;
}

/* One format, through ours and libc's vsnprintf, at every size up to the whole and beyond. */
static int same_format(const char *format, ...)
{
	int (*vsnprintf_l)(char *, size_t, const char *, va_list) = libc("vsnprintf");
	char ours[256], theirs[256];
	int bad = 0;

	for (size_t size = 0; size < 64 && !bad; size++) {
		va_list ap, aq;
		int n, m;

		memset(ours, '#', sizeof(ours));
		memset(theirs, '#', sizeof(theirs));
		va_start(ap, format);
		n = vsnprintf(ours, size, format, ap);
		va_end(ap);
		va_start(aq, format);
		m = vsnprintf_l(theirs, size, format, aq);
		va_end(aq);
		bad = n != m || memcmp(ours, theirs, sizeof(ours)) != 0;
		if (bad)
			tap_diag("\"%s\" at size %zu: %d \"%.40s\", libc %d \"%.40s\"", format,
				 size, n, ours, m, theirs);
	}
	return !bad;
}

static int check_formats(void)
{
	return same_format("plain") && same_format("%s and %s", "root", "") &&
	       same_format("[%.*s]", 3, "abcdef") && same_format("[%.*s]", 10, "ab") &&
	       same_format("%ld %ld %ld", 0L, -42L, LONG_MIN) && same_format("%ld", LONG_MAX) &&
	       same_format("%d %d", INT_MIN, 7) && same_format("%u %u", 0u, UINT_MAX) &&
	       same_format("%zu", (size_t)SIZE_MAX) && same_format("%llx:%llx", 0ULL, ~0ULL) &&
	       same_format("%c%c", 'x', '=') && same_format("%04x %04x", 0x1fu, 0x12345u) &&
	       same_format("100%% of %s", "it");
}

int main(void)
{
	srand(20261130);
	tap_plan(3);
	tap_ok(check_memory(),
	       "memcpy, memmove, memset, memcmp, memchr, memrchr agree with libc's");
	tap_ok(check_strings(), "strlen, strnlen, strcmp, strncmp, strchr, strchrnul, strrchr, "
				"strcspn, strcpy agree with libc's");
	tap_ok(check_formats(), "snprintf agrees with libc's on every conversion the library uses");
	return tap_status();
}
