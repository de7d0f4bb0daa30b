/* lg_string.c - the string functions and the formatting the library itself calls, defined here,
 * hidden: for the reason in lg_libc.c (a program's own memcmp() must not decide whether a path
 * lies in the root, nor its strlen() how much the library copies).
 *
 * The scans of a string go a byte at a time: a word at a time would read past its end, which
 * valgrind reports in code it does not know as libc's. What has a length (the copies,
 * comparisons and memchr) goes a word at a time, within it. snprintf knows the conversions the
 * library uses (%s %.*s %c %d %u %ld %zu %llx %04x %%) and nothing else: any other is written
 * out as it stands. test/unit/test_string.c holds them all against libc's.
 */
#define _GNU_SOURCE
#undef _FORTIFY_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LG_PRIVATE __attribute__((visibility("hidden")))

typedef uint64_t word;

LG_PRIVATE void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	for (; n >= sizeof(word); n -= sizeof(word), d += sizeof(word), s += sizeof(word)) {
		word w;

		__builtin_memcpy(&w, s, sizeof(w));
		__builtin_memcpy(d, &w, sizeof(w));
	}
	while (n--)
		*d++ = *s++;
	return dst;
}

LG_PRIVATE void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;
	word w;

	if ((uintptr_t)d - (uintptr_t)s >= n) { /* d before s, or apart: forwards, each word read */
		for (; n >= sizeof(word); n -= sizeof(word), d += sizeof(word), s += sizeof(word)) {
			__builtin_memcpy(&w, s, sizeof(w)); /* before it is overwritten */
			__builtin_memcpy(d, &w, sizeof(w));
		}
		while (n--)
			*d++ = *s++;
		return dst;
	}
	for (; n >= sizeof(word); n -= sizeof(word)) { /* d inside s: backwards */
		__builtin_memcpy(&w, s + n - sizeof(word), sizeof(w));
		__builtin_memcpy(d + n - sizeof(word), &w, sizeof(w));
	}
	while (n--)
		d[n] = s[n];
	return dst;
}

LG_PRIVATE void *memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;
	word w = 0x0101010101010101ull * (unsigned char)c;

	for (; n >= sizeof(word); n -= sizeof(word), d += sizeof(word))
		__builtin_memcpy(d, &w, sizeof(w));
	while (n--)
		*d++ = (unsigned char)c;
	return dst;
}

LG_PRIVATE int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (; n >= sizeof(word); n -= sizeof(word), x += sizeof(word), y += sizeof(word)) {
		word u, v;

		__builtin_memcpy(&u, x, sizeof(u));
		__builtin_memcpy(&v, y, sizeof(v));
		if (u != v)
			break;
	}
	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

/* A word at a time within the n bytes (the environment is scanned so at every start). */
LG_PRIVATE void *memchr(const void *p, int c, size_t n)
{
	const word ones = 0x0101010101010101ull, highs = ones << 7;
	const word pattern = ones * (unsigned char)c;
	const unsigned char *s = p;

	for (; n >= sizeof(word); n -= sizeof(word), s += sizeof(word)) {
		word w;

		__builtin_memcpy(&w, s, sizeof(w));
		w ^= pattern; /* a zero byte where s has c */
		if ((w - ones) & ~w & highs)
			break;
	}
	for (; n; n--, s++)
		if (*s == (unsigned char)c)
			return (void *)s;
	return NULL;
}

LG_PRIVATE void *memrchr(const void *p, int c, size_t n)
{
	const unsigned char *s = p;

	while (n--)
		if (s[n] == (unsigned char)c)
			return (void *)(s + n);
	return NULL;
}

/* Four bytes a round: the test of each byte is all the work. */
LG_PRIVATE size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;

	for (; n + 4 <= max; n += 4) {
		if (!s[n])
			return n;
		if (!s[n + 1])
			return n + 1;
		if (!s[n + 2])
			return n + 2;
		if (!s[n + 3])
			return n + 3;
	}
	while (n < max && s[n])
		n++;
	return n;
}

LG_PRIVATE size_t strlen(const char *s)
{
	return strnlen(s, (size_t)-1);
}

LG_PRIVATE int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return (unsigned char)*a - (unsigned char)*b;
}

LG_PRIVATE int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++)
		if (*a != *b || *a == '\0')
			return (unsigned char)*a - (unsigned char)*b;
	return 0;
}

LG_PRIVATE char *strchrnul(const char *s, int c)
{
	while (*s && *s != (char)c)
		s++;
	return (char *)s;
}

LG_PRIVATE char *strchr(const char *s, int c)
{
	s = strchrnul(s, c);
	return *s == (char)c ? (char *)s : NULL;
}

LG_PRIVATE char *strrchr(const char *s, int c)
{
	const char *last = NULL;

	do {
		if (*s == (char)c)
			last = s;
	} while (*s++);
	return (char *)last;
}

LG_PRIVATE size_t strcspn(const char *s, const char *reject)
{
	uint64_t set[4] = {0, 0, 0, 0};
	size_t n = 0;

	if (reject[0] != '\0' && reject[1] == '\0') /* one byte, as the resolver's "/" */
		return (size_t)(strchrnul(s, reject[0]) - s);

	for (; *reject; reject++)
		set[(unsigned char)*reject / 64] |= 1ull << ((unsigned char)*reject % 64);
	set[0] |= 1; /* the terminator ends every span */
	while (!(set[(unsigned char)s[n] / 64] & (1ull << ((unsigned char)s[n] % 64))))
		n++;
	return n;
}

LG_PRIVATE char *strcpy(char *restrict dst, const char *restrict src)
{
	return memcpy(dst, src, strlen(src) + 1);
}

/* Fortified calls from the library's other files (_FORTIFY_SOURCE): the object is too small. */
static void overflow(void)
{
	__builtin_trap();
}

LG_PRIVATE void *__memcpy_chk(void *dst, const void *src, size_t n, size_t dst_len)
{
	if (n > dst_len)
		overflow();
	return memcpy(dst, src, n);
}

LG_PRIVATE void *__memmove_chk(void *dst, const void *src, size_t n, size_t dst_len)
{
	if (n > dst_len)
		overflow();
	return memmove(dst, src, n);
}

LG_PRIVATE void *__memset_chk(void *dst, int c, size_t n, size_t dst_len)
{
	if (n > dst_len)
		overflow();
	return memset(dst, c, n);
}

LG_PRIVATE char *__strcpy_chk(char *dst, const char *src, size_t dst_len)
{
	if (strlen(src) >= dst_len)
		overflow();
	return strcpy(dst, src);
}

/* --- formatting ------------------------------------------------------------------------------ */

/* Where vsnprintf writes: size bytes at buf, len counts what the whole result would take. */
struct out {
	char *buf;
	size_t size, len;
};

static void put(struct out *o, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++, o->len++)
		if (o->len + 1 < o->size)
			o->buf[o->len] = s[i];
}

static void put_unsigned(struct out *o, unsigned long long v, unsigned base, size_t width)
{
	char digits[24];
	size_t n = 0;

	do {
		digits[sizeof(digits) - ++n] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	while (n < width && n < sizeof(digits))
		digits[sizeof(digits) - ++n] = '0';
	put(o, digits + sizeof(digits) - n, n);
}

static void put_signed(struct out *o, long long v)
{
	if (v < 0)
		put(o, "-", 1);
	put_unsigned(o, v < 0 ? -(unsigned long long)v : (unsigned long long)v, 10, 0);
}

/* One conversion at *f (just after '%'); returns where the format goes on. */
static const char *convert(struct out *o, const char *f, va_list *ap)
{
	const char *start = f - 1;
	size_t width = 0, precision = (size_t)-1;
	int longs = 0;

	if (*f == '0')
		while (*f >= '0' && *f <= '9')
			width = width * 10 + (size_t)(*f++ - '0');
	if (f[0] == '.' && f[1] == '*') {
		int p = va_arg(*ap, int);

		precision = p < 0 ? (size_t)-1 : (size_t)p;
		f += 2;
	}
	for (; *f == 'l' || *f == 'z'; f++)
		longs++;
	switch (*f) {
	case 's': {
		const char *s = va_arg(*ap, const char *);

		s = s ? s : "(null)";
		put(o, s, strnlen(s, precision));
		break;
	}
	case 'c': {
		char c = (char)va_arg(*ap, int);

		put(o, &c, 1);
		break;
	}
	case 'd':
		put_signed(o, longs ? va_arg(*ap, long long) : va_arg(*ap, int));
		break;
	case 'u':
	case 'x':
		put_unsigned(o, longs ? va_arg(*ap, unsigned long long) : va_arg(*ap, unsigned),
			     *f == 'x' ? 16 : 10, width);
		break;
	case '%':
		put(o, "%", 1);
		break;
	default:
		put(o, start, (size_t)(f - start) + (*f != '\0'));
		return *f ? f + 1 : f;
	}
	return f + 1;
}

LG_PRIVATE int vsnprintf(char *buf, size_t size, const char *format, va_list ap)
{
	struct out o = {buf, size, 0};
	va_list args;

	va_copy(args, ap);
	for (const char *f = format; *f;) {
		const char *pct = strchrnul(f, '%');

		put(&o, f, (size_t)(pct - f));
		f = *pct ? convert(&o, pct + 1, &args) : pct;
	}
	va_end(args);
	if (size > 0)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

LG_PRIVATE int snprintf(char *buf, size_t size, const char *format, ...)
{
	va_list ap;
	int n;

	va_start(ap, format);
	n = vsnprintf(buf, size, format, ap);
	va_end(ap);
	return n;
}

LG_PRIVATE int __vsnprintf_chk(char *buf, size_t size, int flag, size_t buf_len, const char *format,
			       va_list ap)
{
	(void)flag;
	if (size > buf_len)
		overflow();
	return vsnprintf(buf, size, format, ap);
}

LG_PRIVATE int __snprintf_chk(char *buf, size_t size, int flag, size_t buf_len, const char *format,
			      ...)
{
	va_list ap;
	int n;

	va_start(ap, format);
	n = __vsnprintf_chk(buf, size, flag, buf_len, format, ap);
	va_end(ap);
	return n;
}
