/* lg_report.c - the one-line diagnostic, the JSON-lines log and the launcher's report pipe:
 * stack buffers, one write(2). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lg_shim.h"

#define LG_LINE_MAX 6000 /* a report_space fits one scratch area (LG_SCRATCH_MIN) */
/* A record for the launcher is one write of at most PIPE_BUF bytes, which the kernel never
 * splits or interleaves: its six strings are cut to this many bytes each (escapes included). */
#define LG_CHANNEL_STRING_MAX 560
/* Lines of one kind a process prints on stderr before it stops ("collapse"). */
#define LG_SHOWN_PER_KIND 3
#define LG_KINDS	  32

struct line {
	size_t len;
	int json;	   /* escape for JSON strings instead of C-like quoting */
	size_t max_string; /* 0, or the most bytes a quoted string may take (the channel) */
	char *place;	   /* PATH_MAX bytes to read a directory's place into, or NULL */
	char buf[LG_LINE_MAX];
};

/*
 * Where a report is composed: the line, the reason in words before it is quoted into a JSON
 * line, and a directory's place read from /proc (one at a time). Not on the stack: a handler on
 * an alternate stack of 8 KiB may be refused too.
 */
struct report_space {
	struct line out;
	struct line reason;
	char place[PATH_MAX];
};
_Static_assert(sizeof(struct report_space) <= LG_SCRATCH_MIN, "a report fits one scratch area");

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
	size_t start;

	if (s == NULL) {
		put(l, l->json ? "null" : "(null)");
		return;
	}
	put(l, "\"");
	start = l->len;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (l->max_string > 0 && l->len - start + 6 > l->max_string) {
			put(l, "...");
			break;
		}
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
	long n = l->place ? lg_proc_fd_readlink(fd, l->place, PATH_MAX - 1) : -1;

	if (n > 0)
		l->place[n] = '\0';
	put_quoted(l, n > 0 ? l->place : "?");
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

/*
 * Per reason a resolver gives: the JSON "why" tag, and what the text line says after the refused
 * path, closed by every root (all_roots: the path is in none of them) or by the entry's own root.
 * LG_WHY_UNLOCATABLE reads differently (put_reason); it and any other reason are why_other.
 */
struct why_text {
	const char *tag;
	const char *says;
	int all_roots;
};

static const struct why_text why_texts[] = {
    [LG_WHY_OUTSIDE] = {"outside", " is outside ", 1},
    [LG_WHY_DOTDOT] = {"dotdot", " climbs out of root ", 0},
    [LG_WHY_SYMLINK] = {"symlink", " follows a symlink out of root ", 0},
    [LG_WHY_ROOT_ENTRY] = {"root-entry", " names the root itself, whose entry lies outside root ",
			   0},
    [LG_WHY_FD_OUTSIDE] = {"fd-outside", " refers to a file outside ", 1},
    [LG_WHY_ROOT_CHANGED] = {"root-changed",
			     ": the root was moved or replaced since start-up: root ", 0},
    [LG_WHY_ROOT_MOUNT] = {"root-mount",
			   ": the root's descriptor was lost, and its path no longer leads to the "
			   "mount the root was on at start-up (a mount namespace or mount of the "
			   "program's own), or the kernel can not tell: root ",
			   0},
    [LG_WHY_FALSE_SPELLING] =
	{"false-spelling",
	 " is in a directory that /proc spells beneath a root but that is not "
	 "there (a chroot or mount namespace of the program's own, or the root "
	 "moved): it is outside ",
	 1},
};
static const struct why_text why_other = {"other", " was refused in root ", 0};

/* why_text: the words for reason WHY (why_other for one the table does not name). */
static const struct why_text *why_text(enum lg_why why)
{
	if ((size_t)why < sizeof(why_texts) / sizeof(why_texts[0]) && why_texts[why].tag != NULL)
		return &why_texts[why];
	return &why_other;
}

static void put_reason(struct line *l, const struct lg_config *cfg, const struct lg_denial *d)
{
	const struct lg_entry *e = d->entry;
	const struct why_text *w;

	if (d->reason != NULL || e == NULL) {
		put(l, d->reason ? d->reason : cfg->policy.broken);
		return;
	}
	if (e->why == LG_WHY_UNLOCATABLE) {
		put(l, "the directory that ");
		put_culprit(l, d);
		put(l, " starts from can not be located (is /proc mounted?)");
		return;
	}
	w = why_text(e->why);
	put_culprit(l, d);
	put(l, w->says);
	if (w->all_roots)
		put_roots(l, &cfg->roots);
	else
		put_quoted(l, cfg->roots.root[e->root].path);
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

/* A short name of why the call was refused: the JSON "why" field, and the launcher's groups. */
static const char *why_tag(const struct lg_denial *d)
{
	if (d->entry == NULL)
		return d->reason == NULL ? "config" : is_exec(d) ? "exec" : "other";
	return why_text(d->entry->why)->tag;
}

/*
 * "path": the refused path as given (for a bare descriptor, where it points), and "at": the
 * absolute directory a relative one starts from, or null. The launcher turns them into the
 * directory a root would have to cover (learn mode).
 */
static void put_place(struct line *l, const struct lg_denial *d)
{
	char *at = l->place;
	const char *path = d->culprit;
	long n = -1;

	put(l, ",\"path\":");
	if ((path == NULL || path[0] == '\0') && d->culprit_fd >= 0) {
		n = at ? lg_proc_fd_readlink(d->culprit_fd, at, PATH_MAX - 1) : -1;
		if (n > 0)
			at[n] = '\0';
		put_quoted(l, n > 0 ? at : NULL);
		put(l, ",\"at\":null");
		return;
	}
	put_quoted(l, path);
	put(l, ",\"at\":");
	if (path == NULL || path[0] == '/' || at == NULL) {
		put(l, "null");
		return;
	}
	if (d->culprit_fd == AT_FDCWD || d->culprit_fd < 0) {
		n = getcwd(at, PATH_MAX) ? (long)strlen(at) : -1;
	} else {
		n = lg_proc_fd_readlink(d->culprit_fd, at, PATH_MAX - 1);
		if (n > 0)
			at[n] = '\0';
	}
	put_quoted(l, n > 0 ? at : NULL);
}

/* direct: the process appends the line to the log itself (no launcher's pipe): marked so, so
 * that a launcher still counts it in its summary. */
static void format_json(struct report_space *sp, const struct lg_config *cfg,
			const struct lg_denial *d, int direct)
{
	struct line *l = &sp->out, *reason = &sp->reason;

	reason->len = 0;
	reason->json = 0;
	reason->max_string = 0;
	reason->place = sp->place;
	put_reason(reason, cfg, d);
	reason->buf[reason->len < LG_LINE_MAX ? reason->len : LG_LINE_MAX - 1] = '\0';
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
	put_quoted(l, reason->buf);
	put(l, ",\"why\":\"");
	put(l, why_tag(d));
	put(l, "\"");
	put_place(l, d);
	put(l, direct ? ",\"direct\":true}\n" : "}\n");
}

/*
 * Collapsing: how often this process reported each kind of denial (call and why), so that a
 * loop of denials prints a few lines, not thousands. Slots are claimed with atomics (thread-
 * and signal-safe, no allocation); a child starts counting afresh.
 */
static struct {
	pid_t owner;
	unsigned long key[LG_KINDS];
	const char *call[LG_KINDS];
	const char *why[LG_KINDS];
	unsigned long count[LG_KINDS];
} seen;

static unsigned long kind_key(const struct lg_denial *d)
{
	unsigned long h = 5381;

	for (const char *c = d->call; c && *c; c++)
		h = h * 33 + (unsigned char)*c;
	for (const char *c = why_tag(d); *c; c++)
		h = h * 33 + (unsigned char)*c;
	return h | 1; /* never 0, which marks a free slot */
}

/* The how-manieth denial of this kind in this process (1 for the first). */
static unsigned long count_kind(const struct lg_denial *d)
{
	pid_t me = getpid();
	unsigned long key = kind_key(d);

	if (__atomic_load_n(&seen.owner, __ATOMIC_ACQUIRE) != me) {
		memset(seen.key, 0, sizeof(seen.key));
		memset(seen.count, 0, sizeof(seen.count));
		__atomic_store_n(&seen.owner, me, __ATOMIC_RELEASE);
	}
	for (int i = 0; i < LG_KINDS; i++) {
		unsigned long expected = 0;

		if (__atomic_load_n(&seen.key[i], __ATOMIC_ACQUIRE) != key &&
		    !__atomic_compare_exchange_n(&seen.key[i], &expected, key, 0, __ATOMIC_ACQ_REL,
						 __ATOMIC_ACQUIRE) &&
		    expected != key)
			continue;
		seen.call[i] = d->call;
		seen.why[i] = why_tag(d);
		return __atomic_add_fetch(&seen.count[i], 1, __ATOMIC_ACQ_REL);
	}
	return 1; /* more kinds than slots: never collapsed */
}

/* Whether the launcher's pipe is still the one it handed us (the program may have closed it,
 * or put another file at that number). */
static int channel_intact(const struct lg_config *cfg)
{
	struct stat st;

	return cfg->report_fd >= 0 && fstat(cfg->report_fd, &st) == 0 &&
	       st.st_dev == cfg->report_dev && st.st_ino == cfg->report_ino;
}

/*
 * One record to the launcher, in one write(2) of at most PIPE_BUF bytes, so records of
 * concurrent processes never interleave. A launcher that is gone must not kill us with SIGPIPE,
 * and a pipe the program made non-blocking is waited for. Returns 0 when the record went.
 */
static int send_record(const struct lg_config *cfg, const struct lg_denial *d,
		       struct report_space *sp)
{
	struct line *l = &sp->out;
	static const struct timespec no_wait;
	sigset_t pipe_only, old, pending;
	int was_pending;
	ssize_t n;

	if (!channel_intact(cfg))
		return -1;
	*l = (struct line){
	    .len = 0, .json = 1, .max_string = LG_CHANNEL_STRING_MAX, .place = sp->place};
	format_json(sp, cfg, d, 0);
	if (l->len > PIPE_BUF)
		return -1;
	sigemptyset(&pipe_only);
	sigaddset(&pipe_only, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_only, &old);
	was_pending = sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE);
	for (;;) {
		struct pollfd p = {.fd = cfg->report_fd, .events = POLLOUT};

		n = write(cfg->report_fd, l->buf, l->len);
		if (n < 0 && errno == EAGAIN && poll(&p, 1, -1) >= 0 && !(p.revents & POLLERR))
			continue;
		if (n < 0 && errno == EINTR)
			continue;
		break;
	}
	if (n < 0 && errno == EPIPE && !was_pending)
		sigtimedwait(&pipe_only, NULL, &no_wait);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return n == (ssize_t)l->len ? 0 : -1;
}

int lg_report_channel(struct lg_config *cfg, const char *value)
{
	struct stat st;
	long fd = 0;
	int flags;

	cfg->report_fd = -1;
	if (value == NULL)
		return 0;
	for (const char *c = value; *c; c++) {
		if (*c < '0' || *c > '9' || fd > INT_MAX / 10)
			return -1;
		fd = fd * 10 + (*c - '0');
	}
	if (value[0] == '\0' || fd > INT_MAX)
		return -1;
	flags = fcntl((int)fd, F_GETFL);
	if (flags < 0 || (flags & O_ACCMODE) != O_WRONLY || fstat((int)fd, &st) != 0 ||
	    !S_ISFIFO(st.st_mode))
		return 0;
	cfg->report_fd = (int)fd;
	cfg->report_dev = st.st_dev;
	cfg->report_ino = st.st_ino;
	return 0;
}

/* The stderr line, unless this kind already printed LG_SHOWN_PER_KIND of them; the first one
 * held back says so once. */
static void print_collapsed(const struct lg_config *cfg, const struct lg_denial *d,
			    unsigned long nth, struct report_space *sp)
{
	struct line *l = &sp->out;

	*l = (struct line){.len = 0, .json = 0, .place = sp->place};
	if (nth <= LG_SHOWN_PER_KIND) {
		format_text(l, cfg, d);
	} else if (nth == LG_SHOWN_PER_KIND + 1) {
		put(l, LG_DIAG_PREFIX "more denials like the last one (");
		put(l, d->call);
		put(l, ", ");
		put(l, why_tag(d));
		put(l, ") in this process are not shown; ");
		put(l, cfg->report_fd >= 0 ? "the launcher counts them at exit"
					   : LG_ENV_LOG "=FILE keeps every one");
		put(l, "\n");
	}
	lg_write_all(STDERR_FILENO, l->buf, l->len);
}

/* The JSON line appended to the log file by this process itself (no launcher to take it);
 * returns -1 when the file can not be opened. */
static int append_json(const struct lg_config *cfg, const struct lg_denial *d,
		       struct report_space *sp)
{
	int fd = openat(AT_FDCWD, cfg->log_path,
			O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);

	if (fd < 0)
		return -1;
	sp->out = (struct line){.len = 0, .json = 1, .place = sp->place};
	format_json(sp, cfg, d, 1);
	/* O_APPEND and one write(2): lines of concurrent processes never interleave. */
	lg_write_all(fd, sp->out.buf, sp->out.len);
	close(fd);
	return 0;
}

/* Without room for the whole line (no memory to map), still one line that says a call was
 * denied. */
static void report_tersely(const struct lg_denial *d)
{
	lg_write_all(STDERR_FILENO, LG_DIAG_PREFIX "denied ", sizeof(LG_DIAG_PREFIX "denied ") - 1);
	lg_write_all(STDERR_FILENO, d->call, strlen(d->call));
	lg_write_all(STDERR_FILENO, " (no memory for the whole line)\n",
		     sizeof(" (no memory for the whole line)\n") - 1);
}

void lg_report(const struct lg_config *cfg, const struct lg_denial *d)
{
	int saved = errno;
	unsigned long nth = count_kind(d);
	struct report_space *sp = lg_scratch_take();
	int sent, logged;

	if (sp == NULL) {
		if (cfg->log != LG_LOG_NONE)
			report_tersely(d);
		errno = saved;
		return;
	}
	sent = send_record(cfg, d, sp) == 0;
	logged = cfg->log == LG_LOG_FILE && (sent || append_json(cfg, d, sp) == 0);
	/* With the launcher's pipe, the launcher writes the log file and counts; stderr lines stay
	 * here, next to the program's own message. */
	if (!logged && cfg->log != LG_LOG_NONE)
		print_collapsed(cfg, d, nth, sp);
	lg_scratch_give(sp);
	errno = saved;
}

/* Without the launcher, a process that held lines back says how many when it exits. */
__attribute__((destructor)) static void lg_report_collapsed_at_exit(void)
{
	pid_t owner = __atomic_load_n(&seen.owner, __ATOMIC_ACQUIRE);
	const struct lg_config *cfg;
	int saved = errno;

	if (owner == 0) /* no line held back: most processes */
		return;
	cfg = lg_config();
	if (cfg->report_fd >= 0 || cfg->log != LG_LOG_STDERR || owner != getpid())
		return;
	for (int i = 0; i < LG_KINDS; i++) {
		unsigned long n = __atomic_load_n(&seen.count[i], __ATOMIC_ACQUIRE);
		struct line l = {.len = 0, .json = 0};

		if (n <= LG_SHOWN_PER_KIND)
			continue;
		put(&l, LG_DIAG_PREFIX);
		put_num(&l, (long)(n - LG_SHOWN_PER_KIND), 1);
		put(&l, " more like this not shown: ");
		put(&l, seen.call[i]);
		put(&l, ", ");
		put(&l, seen.why[i]);
		put(&l, "\n");
		lg_write_all(STDERR_FILENO, l.buf, l.len);
	}
	errno = saved;
}

void lg_note(const struct lg_config *cfg, const char *text)
{
	int saved = errno;
	struct line *l = cfg->log == LG_LOG_NONE ? NULL : lg_scratch_take();

	if (l != NULL) {
		*l = (struct line){.len = 0, .json = 0};
		put(l, LG_DIAG_PREFIX "note: ");
		put(l, text);
		put(l, "\n");
		lg_write_all(STDERR_FILENO, l->buf, l->len);
		lg_scratch_give(l);
	}
	errno = saved;
}
