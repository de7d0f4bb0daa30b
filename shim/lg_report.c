/* lg_report.c - the one-line diagnostic and the JSON-lines log: stack buffers, one write(2). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lg_shim.h"

#define LG_LINE_MAX 8192

struct line {
	size_t len;
	int json; /* escape for JSON strings instead of C-like quoting */
	char buf[LG_LINE_MAX];
};

static void put_bytes(struct line *l, const char *s, size_t n)
{
	static const char cut[] = "...\n";

	/* Keep room for the cut marker, so an over-long line still ends with a newline. */
	if (l->len + n > LG_LINE_MAX - sizeof(cut)) {
		if (l->len <= LG_LINE_MAX - sizeof(cut)) {
			memcpy(l->buf + l->len, cut, sizeof(cut) - 1);
			l->len = LG_LINE_MAX;
		}
		return;
	}
	memcpy(l->buf + l->len, s, n);
	l->len += n;
}

static void put(struct line *l, const char *s)
{
	put_bytes(l, s, strlen(s));
}

static void put_num(struct line *l, long n, int width)
{
	char digits[24];
	int i = sizeof(digits);
	unsigned long u = n < 0 ? -(unsigned long)n : (unsigned long)n;

	do {
		digits[--i] = (char)('0' + u % 10);
		u /= 10;
	} while (u > 0 || (int)sizeof(digits) - i < width);
	if (n < 0)
		digits[--i] = '-';
	put_bytes(l, digits + i, sizeof(digits) - (size_t)i);
}

/* A path in quotes; control bytes, quotes and (in JSON) non-ASCII bytes escaped, so one line. */
static void put_quoted(struct line *l, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	char esc[7];

	if (s == NULL) {
		put(l, l->json ? "null" : "(null)");
		return;
	}
	put(l, "\"");
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			put_bytes(l, esc, 2);
		} else if (c < 0x20 || c == 0x7f || (l->json && c >= 0x80)) {
			memcpy(esc, l->json ? "\\u00" : "\\x", l->json ? 4 : 2);
			esc[l->json ? 4 : 2] = hex[c >> 4];
			esc[l->json ? 5 : 3] = hex[c & 15];
			put_bytes(l, esc, l->json ? 6 : 4);
		} else {
			put_bytes(l, (const char *)&c, 1);
		}
	}
	put(l, "\"");
}

static void put_roots(struct line *l, const struct lg_rootset *set)
{
	put(l, set->count == 1 ? "root " : "roots ");
	for (size_t i = 0; i < set->count; i++) {
		if (i > 0)
			put(l, ", ");
		put_quoted(l, set->root[i].path);
	}
}

/* Where a descriptor points, as the kernel spells it; "?" when it can not be read. */
static void put_fd_place(struct line *l, int fd)
{
	char place[PATH_MAX];
	long n = lg_proc_fd_readlink(fd, place, sizeof(place) - 1);

	place[n > 0 ? n : 0] = '\0';
	put_quoted(l, n > 0 ? place : "?");
}

/* The refused path; a relative one taken from a directory descriptor also says where that
 * descriptor points (mv, ln and tar pass a bare name with the directory's descriptor). */
static void put_culprit(struct line *l, const struct lg_denial *d)
{
	if (d->culprit != NULL && d->culprit[0] != '\0') {
		put_quoted(l, d->culprit);
		if (d->culprit[0] != '/' && d->culprit_fd >= 0) {
			put(l, " (in descriptor ");
			put_num(l, d->culprit_fd, 1);
			put(l, ", ");
			put_fd_place(l, d->culprit_fd);
			put(l, ")");
		}
		return;
	}
	put(l, "descriptor ");
	put_num(l, d->culprit_fd, 1);
}

static void put_reason(struct line *l, const struct lg_config *cfg, const struct lg_denial *d)
{
	const struct lg_entry *e = d->entry;
	const char *root = e ? cfg->roots.root[e->root].path : "";

	if (d->reason != NULL || e == NULL) {
		put(l, d->reason ? d->reason : cfg->policy.broken);
		return;
	}
	if (e->why != LG_WHY_UNLOCATABLE)
		put_culprit(l, d);
	switch (e->why) {
	case LG_WHY_OUTSIDE:
		put(l, " is outside ");
		put_roots(l, &cfg->roots);
		return;
	case LG_WHY_DOTDOT:
		put(l, " climbs out of root ");
		break;
	case LG_WHY_SYMLINK:
		put(l, " follows a symlink out of root ");
		break;
	case LG_WHY_ROOT_ENTRY:
		put(l, " names the root itself, whose entry lies outside root ");
		break;
	case LG_WHY_FD_OUTSIDE:
		put(l, " refers to a file outside ");
		put_roots(l, &cfg->roots);
		return;
	case LG_WHY_ROOT_CHANGED:
		put(l, ": the root was moved or replaced since start-up: root ");
		break;
	case LG_WHY_UNLOCATABLE:
		put(l, "the directory that ");
		put_culprit(l, d);
		put(l, " starts from can not be located (is /proc mounted?)");
		return;
	default:
		put(l, " was refused in root ");
		break;
	}
	put_quoted(l, root);
}

/* ISO 8601 UTC with milliseconds, by hand: gmtime/strftime are not async-signal-safe. */
static void put_time(struct line *l)
{
	struct timespec ts;
	long days, secs, y, m, d, era, doe, yoe, doy, mp;

	clock_gettime(CLOCK_REALTIME, &ts);
	days = ts.tv_sec / 86400;
	secs = ts.tv_sec % 86400;
	/* Civil date from days since 1970-01-01 (H. Hinnant's days_from_civil, inverted). */
	days += 719468;
	era = days / 146097;
	doe = days - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y = yoe + era * 400 + (m <= 2);
	put_num(l, y, 4), put(l, "-"), put_num(l, m, 2), put(l, "-"), put_num(l, d, 2);
	put(l, "T"), put_num(l, secs / 3600, 2), put(l, ":"), put_num(l, secs / 60 % 60, 2);
	put(l, ":"), put_num(l, secs % 60, 2), put(l, "."), put_num(l, ts.tv_nsec / 1000000, 3);
	put(l, "Z");
}

/* Exec refusals name one path; link and rename calls two. */
static int is_exec(const struct lg_denial *d)
{
	return d->reason != NULL && d->new_path == NULL;
}

/* "audit" when the policy let the call through to be reported (lg_decide said LG_AUDIT). */
static int audited(const struct lg_denial *d)
{
	return d->decision == LG_AUDIT;
}

static void format_text(struct line *l, const struct lg_config *cfg, const struct lg_denial *d)
{
	put(l, LG_DIAG_PREFIX);
	put(l, audited(d) ? "audit: would deny " : "denied ");
	put(l, d->call);
	put(l, "(");
	put_quoted(l, d->old_path);
	if (!is_exec(d)) {
		put(l, ", ");
		put_quoted(l, d->new_path);
	}
	put(l, "): ");
	put_reason(l, cfg, d);
	put(l, "\n");
}

static void format_json(struct line *l, const struct lg_config *cfg, const struct lg_denial *d)
{
	struct line reason = {.json = 0};

	put_reason(&reason, cfg, d);
	reason.buf[reason.len < LG_LINE_MAX ? reason.len : LG_LINE_MAX - 1] = '\0';
	put(l, "{\"time\":\"");
	put_time(l);
	put(l, "\",\"pid\":");
	put_num(l, (long)getpid(), 1);
	put(l, ",\"call\":");
	put_quoted(l, d->call);
	put(l, ",\"old\":");
	put_quoted(l, d->old_path);
	put(l, ",\"new\":");
	put_quoted(l, d->new_path);
	put(l, ",\"decision\":");
	put(l, audited(d) ? "\"audit\"" : "\"deny\"");
	put(l, ",\"reason\":");
	put_quoted(l, reason.buf);
	put(l, "}\n");
}

/* A short write to a pipe or file is retried; a failing log must never fail the call. */
static void write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		buf += n;
		len -= (size_t)n;
	}
}

/* The launcher's audit summary counts these bytes, from every process of the tree. */
static void count_audit(const struct lg_config *cfg)
{
	int fd = open(cfg->audit_counter, O_WRONLY | O_APPEND | O_CLOEXEC);

	if (fd >= 0) {
		write_all(fd, "1", 1);
		close(fd);
	}
}

void lg_report(const struct lg_config *cfg, const struct lg_denial *d)
{
	struct line *l;
	int saved = errno;
	int fd;

	if (audited(d) && cfg->audit_counter[0] == '/')
		count_audit(cfg);
	/* Not on the stack: a handler on an alternate stack of 8 KiB may be refused too. */
	l = cfg->log == LG_LOG_NONE ? NULL : lg_scratch_take();
	if (l == NULL) {
		errno = saved;
		return;
	}
	l->len = 0;
	l->json = cfg->log == LG_LOG_FILE;
	fd = l->json ? open(cfg->log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644) : -1;
	if (fd >= 0) {
		format_json(l, cfg, d);
		/* O_APPEND and one write(2): lines of concurrent processes never interleave. */
		write_all(fd, l->buf, l->len);
		close(fd);
	} else {
		l->json = 0;
		format_text(l, cfg, d);
		write_all(STDERR_FILENO, l->buf, l->len);
	}
	lg_scratch_give(l);
	errno = saved;
}

void lg_note(const struct lg_config *cfg, const char *text)
{
	struct line l = {.len = 0, .json = 0};
	int saved = errno;

	if (cfg->log == LG_LOG_NONE)
		return;
	put(&l, LG_DIAG_PREFIX "note: ");
	put(&l, text);
	put(&l, "\n");
	write_all(STDERR_FILENO, l.buf, l.len);
	errno = saved;
}
