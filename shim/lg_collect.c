/* lg_collect.c - the launcher's end of the report pipe: every confined process sends one JSON
 * record per denial; here they are logged, counted, summed up at exit, and turned into the
 * roots that would have let them through (learn mode). Ordinary launcher code: it allocates. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lg_child.h"
#include "lg_collect.h"
#include "lg_contract.h"

#define FIELD_MAX   1024
#define SHOWN_KINDS 3 /* as the library: lines of one kind a process prints on stderr */
#define FIRST_SHOWN 5 /* distinct denials the summary quotes */
#define LEARN_DIRS  3 /* directories quoted per suggested root */
#define RECORD_MAX  (64 * 1024)

struct record {
	long pid;
	char call[64], decision[16], why[32];
	char old[FIELD_MAX], new_path[FIELD_MAX], reason[FIELD_MAX], path[FIELD_MAX];
	char at[FIELD_MAX];
	int has_old, has_new, has_path, has_at;
};

/* One group of learn mode: a suggested flag and the directories it covers. */
struct dir_count {
	char *dir;
	long calls;
};
struct group {
	char *flag;  /* "--root" or "--allow-exec" */
	char *place; /* its argument */
	int tmp;     /* a temporary directory: TMPDIR inside a root does it too */
	long calls;
	struct dir_count *dirs;
	size_t dir_count;
};

/* Collapsing: how many of one kind each process sent. */
struct kind_count {
	long pid;
	char *call, *why, *first;
	long calls;
};

static struct {
	int audit;
	enum lg_collect_log log;
	int log_fd, copy_fd, dir_fd;
	char log_path[PATH_MAX];     /* as the user gave it: for messages */
	char log_dir[PATH_MAX];	     /* its directory, symlinks resolved, as it was at start */
	char log_name[NAME_MAX + 1]; /* its name in that directory */
	struct stat log_st;	     /* the file the launcher opened, as it was at start */
	char pending[RECORD_MAX];
	size_t pending_len;
	long total, malformed, uncovered;
	char *first[FIRST_SHOWN], *first_key[FIRST_SHOWN];
	long first_pid[FIRST_SHOWN];
	size_t first_count;
	struct group *groups;
	size_t group_count;
	struct kind_count *kinds;
	size_t kind_count;
} c = {.log_fd = -1, .copy_fd = -1, .dir_fd = -1};

__attribute__((noreturn)) static void out_of_memory(void)
{
	lg_die(LG_EXIT_OWN_ERROR, "out of memory");
}

static char *copy(const char *s)
{
	char *p = strdup(s);

	if (p == NULL)
		out_of_memory();
	return p;
}

static void *grow(void *array, size_t count, size_t size)
{
	void *p = reallocarray(array, count + 1, size);

	if (p == NULL)
		out_of_memory();
	return p;
}

/*
 * The log's directory, opened now, before the command runs, and its name there: at exit the
 * launcher acts only through this descriptor, so a command that moved the directory or put a
 * symlink on the log's path can not send the launcher's writes anywhere else.
 */
static int open_log_dir(const char *path, const struct stat *st)
{
	char real[PATH_MAX], *slash;
	struct stat there;

	/* Symlinks resolved now, while only the user's own choices are on the path. */
	if (realpath(path, real) == NULL)
		return -errno;
	slash = strrchr(real, '/');
	snprintf(c.log_name, sizeof(c.log_name), "%s", slash + 1);
	*slash = '\0';
	snprintf(c.log_dir, sizeof(c.log_dir), "%s", slash == real ? "/" : real);
	c.dir_fd = open(c.log_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (c.dir_fd < 0)
		return -errno;
	if (fstatat(c.dir_fd, c.log_name, &there, AT_SYMLINK_NOFOLLOW) != 0)
		return -errno;
	/* Something changed the path between the open and now: no place to trust. */
	if (there.st_dev != st->st_dev || there.st_ino != st->st_ino)
		return -ESTALE;
	return 0;
}

/* The launcher's own copy of the whole log: what the log must hold at exit, and what it is
 * written again from when the command changed it. A memfd: the command can not reach it by any
 * path, nor through /proc (the launcher makes itself not dumpable once the command is started). */
static int copy_log(int fd, off_t size)
{
	off_t at = 0;

	c.copy_fd = memfd_create("linkguard-log", MFD_CLOEXEC);
	if (c.copy_fd < 0)
		return -errno;
	while (at < size && sendfile(c.copy_fd, fd, &at, (size_t)(size - at)) > 0)
		;
	return at == size ? 0 : -EIO;
}

static void close_log(void)
{
	int *fds[] = {&c.log_fd, &c.copy_fd, &c.dir_fd};

	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

int lg_collect_open_log(const char *path)
{
	/* Read too: at exit the launcher reads back what it wrote, through this descriptor. */
	int err = 0, fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0644);

	if (fd < 0)
		return -errno;
	c.log_fd = fd;
	if (fstat(fd, &c.log_st) != 0)
		err = -errno;
	else if (!S_ISREG(c.log_st.st_mode))
		err = -EINVAL;
	if (err == 0)
		err = open_log_dir(path, &c.log_st);
	if (err == 0)
		err = copy_log(fd, c.log_st.st_size);
	if (err != 0) {
		close_log();
		return err;
	}
	snprintf(c.log_path, sizeof(c.log_path), "%s", path);
	return 0;
}

void lg_collect_start(int audit, enum lg_collect_log log)
{
	c.audit = audit;
	c.log = log;
}

/* --- reading a record: a flat JSON object of strings, numbers, null ------------------------- */

/* A JSON string at *p into out (size bytes, cut if longer); returns 0, or -1 if malformed. */
static int json_string(const char **p, char *out, size_t size)
{
	const char *s = *p;
	size_t n = 0;

	if (*s++ != '"')
		return -1;
	while (*s != '"') {
		char ch = *s++;

		if (ch == '\0')
			return -1;
		if (ch == '\\') {
			ch = *s++;
			if (ch == 'u') {
				unsigned v = 0;

				for (int i = 0; i < 4; i++, s++) {
					if (!((*s >= '0' && *s <= '9') ||
					      (*s >= 'a' && *s <= 'f') || (*s >= 'A' && *s <= 'F')))
						return -1;
					v = v * 16 +
					    (unsigned)(*s <= '9' ? *s - '0' : (*s | 32) - 'a' + 10);
				}
				ch = v < 256 && v != 0 ? (char)v : '?';
			} else if (ch == 'n' || ch == 't' || ch == 'r' || ch == 'b' || ch == 'f') {
				ch = ch == 'n'	 ? '\n'
				     : ch == 't' ? '\t'
				     : ch == 'r' ? '\r'
				     : ch == 'b' ? '\b'
						 : '\f';
			} else if (ch != '"' && ch != '\\' && ch != '/') {
				return -1;
			}
		}
		if (n + 1 < size)
			out[n++] = ch;
	}
	out[n] = '\0';
	*p = s + 1;
	return 0;
}

/* Where a field's value goes; NULL for a field this launcher does not use. */
static char *field(struct record *r, const char *key, size_t *size, int **present)
{
	static int ignored;
	struct {
		const char *key;
		char *buf;
		size_t size;
		int *present;
	} fields[] = {
	    {"call", r->call, sizeof(r->call), &ignored},
	    {"decision", r->decision, sizeof(r->decision), &ignored},
	    {"why", r->why, sizeof(r->why), &ignored},
	    {"old", r->old, sizeof(r->old), &r->has_old},
	    {"new", r->new_path, sizeof(r->new_path), &r->has_new},
	    {"reason", r->reason, sizeof(r->reason), &ignored},
	    {"path", r->path, sizeof(r->path), &r->has_path},
	    {"at", r->at, sizeof(r->at), &r->has_at},
	};

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		if (strcmp(key, fields[i].key) == 0) {
			*size = fields[i].size;
			*present = fields[i].present;
			return fields[i].buf;
		}
	}
	return NULL;
}

/* Parse one line; returns 0, or -1 when it is not a denial record. */
static int parse_record(const char *line, struct record *r)
{
	const char *p = line;
	char key[32], skip[FIELD_MAX];

	memset(r, 0, sizeof(*r));
	r->pid = -1;
	if (*p++ != '{')
		return -1;
	while (*p != '}') {
		size_t size;
		int *present;
		char *buf;

		if (json_string(&p, key, sizeof(key)) != 0 || *p++ != ':')
			return -1;
		buf = field(r, key, &size, &present);
		if (*p == '"') {
			if (json_string(&p, buf ? buf : skip, buf ? size : sizeof(skip)) != 0)
				return -1;
			if (buf)
				*present = 1;
		} else if (strncmp(p, "null", 4) == 0 || strncmp(p, "true", 4) == 0) {
			p += 4;
		} else if (strncmp(p, "false", 5) == 0) {
			p += 5;
		} else if (strcmp(key, "pid") == 0 && *p >= '0' && *p <= '9') {
			r->pid = strtol(p, (char **)&p, 10);
		} else {
			return -1;
		}
		if (*p == ',')
			p++;
		else if (*p != '}')
			return -1;
	}
	return (p[1] == '\0' || (p[1] == '\n' && p[2] == '\0')) && r->call[0] && r->decision[0] &&
		       r->why[0]
		   ? 0
		   : -1;
}

/* The line the library printed for it: denied CALL("OLD", "NEW"): REASON. */
static char *denial_text(const struct record *r)
{
	char *text;
	int n;

	if (r->has_new)
		n = asprintf(&text, "%s %s(\"%s\", \"%s\"): %s",
			     strcmp(r->decision, "audit") == 0 ? "would deny" : "denied", r->call,
			     r->old, r->new_path, r->reason);
	else
		n = asprintf(&text, "%s %s(\"%s\"): %s",
			     strcmp(r->decision, "audit") == 0 ? "would deny" : "denied", r->call,
			     r->old, r->reason);
	if (n < 0)
		out_of_memory();
	return text;
}

/* --- learn mode: which root would have covered an entry ------------------------------------ */

/* Directories a root must never be suggested as: they would confine nothing worth having. */
static int system_dir(const char *dir)
{
	static const char *const dirs[] = {
	    "/",
	    "/etc",
	    "/usr",
	    "/usr/local",
	    "/usr/lib",
	    "/usr/lib64",
	    "/usr/share",
	    "/usr/bin",
	    "/usr/sbin",
	    "/usr/include",
	    "/usr/libexec",
	    "/usr/local/lib",
	    "/usr/local/bin",
	    "/usr/local/share",
	    "/var",
	    "/var/lib",
	    "/var/cache",
	    "/var/log",
	    "/var/spool",
	    "/var/opt",
	    "/home",
	    "/opt",
	    "/srv",
	    "/mnt",
	    "/media",
	    "/run",
	    "/proc",
	    "/sys",
	    "/dev",
	    "/boot",
	    "/root",
	    "/lib",
	    "/lib64",
	    "/lib32",
	    "/bin",
	    "/sbin",
	    "/nix",
	    "/snap",
	    "/run/user",
	};

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (strcmp(dir, dirs[i]) == 0)
			return 1;
	return 0;
}

/* Whether path is dir or below it. */
static int beneath(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	if (n == 1 && dir[0] == '/')
		return 1;
	return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* The directory the refused entry lies in, physically: symlinks and ".." resolved as far as
 * the directory still exists. */
static int entry_dir(const struct record *r, char *out)
{
	char abs[2 * PATH_MAX], *slash;

	if (!r->has_path || r->path[0] == '\0')
		return -1;
	if (r->path[0] == '/')
		snprintf(abs, sizeof(abs), "%s", r->path);
	else if (r->has_at)
		snprintf(abs, sizeof(abs), "%s/%s", r->at, r->path);
	else
		return -1;
	while (strlen(abs) > 1 && abs[strlen(abs) - 1] == '/')
		abs[strlen(abs) - 1] = '\0';
	/* The entry's own name goes; then climb until a directory exists. */
	for (;;) {
		slash = strrchr(abs, '/');
		if (slash == NULL)
			return -1;
		if (slash == abs)
			slash[1] = '\0';
		else
			*slash = '\0';
		if (realpath(abs, out) != NULL)
			return 0;
		if (strcmp(abs, "/") == 0)
			return -1;
	}
}

/* A home directory dir lies in: $HOME, /root, or /home/<name>; "" when none. */
static void home_of(const char *dir, char *home, size_t size)
{
	const char *env = getenv("HOME");
	char real[PATH_MAX];
	size_t n;

	home[0] = '\0';
	if (env && env[0] == '/' && realpath(env, real) && strcmp(real, "/") != 0 &&
	    beneath(dir, real)) {
		snprintf(home, size, "%s", real);
		return;
	}
	if (beneath(dir, "/root")) {
		snprintf(home, size, "/root");
		return;
	}
	if (strncmp(dir, "/home/", 6) == 0 && dir[6] != '\0') {
		n = 6 + strcspn(dir + 6, "/");
		snprintf(home, size, "%.*s", (int)n, dir);
	}
}

/* The temporary directory dir lies in, or "". */
static void tmp_of(const char *dir, char *tmp, size_t size)
{
	const char *candidates[] = {getenv("TMPDIR"), "/tmp", "/var/tmp", "/dev/shm"};
	char real[PATH_MAX];

	tmp[0] = '\0';
	for (size_t i = 0; i < sizeof(candidates) / sizeof(candidates[0]); i++) {
		if (candidates[i] && candidates[i][0] == '/' && realpath(candidates[i], real) &&
		    !system_dir(real) && beneath(dir, real)) {
			snprintf(tmp, size, "%s", real);
			return;
		}
	}
}

/* Containers of per-tool directories under a home: the tool's directory is one level below. */
static int shared_in_home(const char *rel)
{
	static const char *const shared[] = {".cache",	     ".config",	     ".local",
					     ".local/share", ".local/state", ".local/lib"};

	for (size_t i = 0; i < sizeof(shared) / sizeof(shared[0]); i++)
		if (strcmp(rel, shared[i]) == 0)
			return 1;
	return 0;
}

/*
 * The root to suggest for an entry in dir: under a home, the tool's top directory (~/.npm, not
 * ~/.npm/_cacache/tmp; ~/.cache/pip); in a temporary directory, that directory; elsewhere the
 * first directory below the system ones (/var/cache/apt). Never /, a home itself or a system
 * directory: returns -1 then. *tmp says it is a temporary directory.
 */
static int suggest_root(const char *dir, char *out, size_t size, int *tmp)
{
	char home[PATH_MAX], base[PATH_MAX];
	size_t len;

	*tmp = 0;
	home_of(dir, home, sizeof(home));
	tmp_of(dir, base, sizeof(base));
	if (home[0] && (!base[0] || strlen(home) >= strlen(base))) {
		const char *rel = dir + strlen(home);

		if (*rel == '\0')
			return -1;
		rel++;
		len = strcspn(rel, "/");
		while (rel[len] == '/') {
			char prefix[PATH_MAX];

			snprintf(prefix, sizeof(prefix), "%.*s", (int)len, rel);
			if (!shared_in_home(prefix))
				break;
			len += 1 + strcspn(rel + len + 1, "/");
		}
		snprintf(out, size, "%s/%.*s", home, (int)len, rel);
		return 0;
	}
	if (base[0]) {
		*tmp = 1;
		snprintf(out, size, "%s", base);
		return 0;
	}
	if (system_dir(dir))
		return -1;
	/* The first prefix that is not a system directory. */
	for (len = 1; dir[len] != '\0'; len++) {
		if (dir[len] != '/')
			continue;
		snprintf(out, size, "%.*s", (int)len, dir);
		if (!system_dir(out))
			return 0;
	}
	snprintf(out, size, "%s", dir);
	return 0;
}

static void count_dir(struct group *g, const char *dir)
{
	for (size_t i = 0; i < g->dir_count; i++) {
		if (strcmp(g->dirs[i].dir, dir) == 0) {
			g->dirs[i].calls++;
			return;
		}
	}
	g->dirs = grow(g->dirs, g->dir_count, sizeof(*g->dirs));
	g->dirs[g->dir_count++] = (struct dir_count){copy(dir), 1};
}

static void count_group(const char *flag, const char *place, int tmp, const char *dir)
{
	struct group *g = NULL;

	for (size_t i = 0; i < c.group_count && g == NULL; i++)
		if (strcmp(c.groups[i].flag, flag) == 0 && strcmp(c.groups[i].place, place) == 0)
			g = &c.groups[i];
	if (g == NULL) {
		c.groups = grow(c.groups, c.group_count, sizeof(*c.groups));
		g = &c.groups[c.group_count++];
		*g = (struct group){.flag = copy(flag), .place = copy(place), .tmp = tmp};
	}
	g->calls++;
	count_dir(g, dir);
}

static void learn(const struct record *r)
{
	char dir[PATH_MAX], root[PATH_MAX], program[PATH_MAX];
	int tmp;

	if (strcmp(r->why, "exec") == 0 && r->has_path && realpath(r->path, program) != NULL) {
		count_group("--allow-exec", program, 0, program);
		return;
	}
	if ((strcmp(r->why, "outside") != 0 && strcmp(r->why, "dotdot") != 0 &&
	     strcmp(r->why, "symlink") != 0 && strcmp(r->why, "fd-outside") != 0) ||
	    entry_dir(r, dir) != 0 || suggest_root(dir, root, sizeof(root), &tmp) != 0) {
		c.uncovered++;
		return;
	}
	count_group("--root", root, tmp, dir);
}

/* --- each record --------------------------------------------------------------------------- */

static void count_kind(const struct record *r)
{
	struct kind_count *k;

	for (size_t i = 0; i < c.kind_count; i++) {
		k = &c.kinds[i];
		if (k->pid == r->pid && strcmp(k->call, r->call) == 0 &&
		    strcmp(k->why, r->why) == 0) {
			k->calls++;
			return;
		}
	}
	c.kinds = grow(c.kinds, c.kind_count, sizeof(*c.kinds));
	c.kinds[c.kind_count++] =
	    (struct kind_count){r->pid, copy(r->call), copy(r->why), denial_text(r), 1};
}

/* The first few distinct denials: one per call, reason and directory (a loop over many
 * files in one directory is one). */
static void remember_first(const struct record *r)
{
	char *key;
	const char *slash = strrchr(r->path, '/');

	if (c.first_count == FIRST_SHOWN)
		return;
	if (asprintf(&key, "%s\n%s\n%s\n%.*s", r->call, r->why, r->has_at ? r->at : "",
		     slash ? (int)(slash - r->path) : 0, r->path) < 0)
		out_of_memory();
	for (size_t i = 0; i < c.first_count; i++) {
		if (strcmp(c.first_key[i], key) == 0) {
			free(key);
			return;
		}
	}
	c.first_key[c.first_count] = key;
	c.first_pid[c.first_count] = r->pid;
	c.first[c.first_count++] = denial_text(r);
}

/* One denial into the counts, the first few and learn mode. */
static void take_record(const struct record *r)
{
	c.total++;
	remember_first(r);
	count_kind(r);
	learn(r);
}

static void take_line(const char *line, size_t len)
{
	static struct record r;

	if (parse_record(line, &r) != 0) {
		c.malformed++;
		return;
	}
	if (c.log_fd >= 0) {
		/* One write of the line and its newline: the log stays whole lines. */
		lg_write_all(c.log_fd, line, len + 1);
		if (c.copy_fd >= 0)
			lg_write_all(c.copy_fd, line, len + 1);
	}
	take_record(&r);
}

void lg_collect_bytes(const char *buf, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (buf[i] != '\n') {
			if (c.pending_len + 1 < sizeof(c.pending))
				c.pending[c.pending_len++] = buf[i];
			continue;
		}
		c.pending[c.pending_len] = '\n';
		c.pending[c.pending_len + 1] = '\0';
		/* A confined program may write garbage before a record: resynchronise on the last
		 * start of one. */
		{
			char *start = c.pending, *at;

			c.pending[c.pending_len] = '\0';
			while ((at = strstr(start + 1, "{\"time\":")) != NULL)
				start = at;
			c.pending[c.pending_len] = '\n';
			take_line(start, c.pending_len - (size_t)(start - c.pending));
		}
		c.pending_len = 0;
	}
}

/* --- at exit ------------------------------------------------------------------------------- */

/* "~/x" for a place under $HOME, as a shell would expand it back. */
static const char *tilde(const char *place, char *buf, size_t size)
{
	const char *home = getenv("HOME");
	char real[PATH_MAX];

	if (home && home[0] == '/' && realpath(home, real) && strcmp(real, "/") != 0 &&
	    beneath(place, real) && strcmp(place, real) != 0) {
		snprintf(buf, size, "~%s", place + strlen(real));
		return buf;
	}
	return place;
}

static int by_calls(const void *a, const void *b)
{
	long x = ((const struct dir_count *)a)->calls, y = ((const struct dir_count *)b)->calls;

	return x < y ? 1 : x > y ? -1 : 0;
}

static int group_by_calls(const void *a, const void *b)
{
	long x = ((const struct group *)a)->calls, y = ((const struct group *)b)->calls;

	return x < y ? 1 : x > y ? -1 : 0;
}

static void print_learned(void)
{
	char buf[PATH_MAX + 2];
	long covered = 0;

	if (c.group_count == 0)
		return;
	qsort(c.groups, c.group_count, sizeof(*c.groups), group_by_calls);
	for (size_t i = 0; i < c.group_count; i++)
		covered += c.groups[i].calls;
	fprintf(stderr, "linkguard: to allow %s %ld call%s:", covered == 1 ? "this" : "these",
		covered, covered == 1 ? "" : "s");
	for (size_t i = 0; i < c.group_count; i++)
		fprintf(stderr, " %s %s", c.groups[i].flag,
			tilde(c.groups[i].place, buf, sizeof(buf)));
	fputs("\n", stderr);
	for (size_t i = 0; i < c.group_count; i++) {
		struct group *g = &c.groups[i];

		qsort(g->dirs, g->dir_count, sizeof(*g->dirs), by_calls);
		fprintf(stderr, "linkguard:   %s %s: %ld call%s", g->flag,
			tilde(g->place, buf, sizeof(buf)), g->calls, g->calls == 1 ? "" : "s");
		if (strcmp(g->flag, "--root") == 0) {
			fputs(" in", stderr);
			for (size_t j = 0; j < g->dir_count && j < LEARN_DIRS; j++)
				fprintf(stderr, "%s %s (%ld)", j ? "," : "",
					tilde(g->dirs[j].dir, buf, sizeof(buf)), g->dirs[j].calls);
			if (g->dir_count > LEARN_DIRS)
				fprintf(stderr, " and %zu more", g->dir_count - LEARN_DIRS);
		}
		if (g->tmp)
			fputs("; or set TMPDIR to a directory inside a root", stderr);
		fputs("\n", stderr);
	}
}

static void print_uncovered(void)
{
	if (c.uncovered > 0)
		fprintf(
		    stderr,
		    "linkguard:   %ld call%s no root would allow (the root's own entry, a system "
		    "or home directory itself, or a broken setting): see the lines above%s\n",
		    c.uncovered, c.uncovered == 1 ? "" : "s",
		    c.log == LG_COLLECT_FILE ? " or the log" : "");
}

/* A JSON string for the summary record (the places are the launcher's own, but escape). */
static void json_put(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20 || ch >= 0x7f)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

/* The learn-mode result as the log's last record: {"summary": {...}}. */
static void log_summary_record(void)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	if (c.log_fd < 0 || (f = open_memstream(&text, &len)) == NULL)
		return;
	fprintf(f, "{\"summary\":{\"mode\":\"%s\",\"calls\":%ld,\"uncovered\":%ld,\"allow\":[",
		c.audit ? "audit" : "enforce", c.total, c.uncovered);
	for (size_t i = 0; i < c.group_count; i++) {
		struct group *g = &c.groups[i];

		fprintf(f, "%s{\"flag\":\"%s\",\"place\":", i ? "," : "", g->flag);
		json_put(f, g->place);
		fprintf(f, ",\"calls\":%ld,\"tmp\":%s,\"dirs\":[", g->calls,
			g->tmp ? "true" : "false");
		for (size_t j = 0; j < g->dir_count; j++) {
			fprintf(f, "%s{\"dir\":", j ? "," : "");
			json_put(f, g->dirs[j].dir);
			fprintf(f, ",\"calls\":%ld}", g->dirs[j].calls);
		}
		fputs("]}", f);
	}
	fputs("]}}\n", f);
	if (fclose(f) == 0) {
		lg_write_all(c.log_fd, text, len);
		if (c.copy_fd >= 0)
			lg_write_all(c.copy_fd, text, len);
	}
	free(text);
}

/* Where the log's directory is now: the command may have moved or removed it (the launcher
 * keeps to the one it opened). */
enum log_dir_state { LOG_DIR_UNKNOWN, LOG_DIR_IN_PLACE, LOG_DIR_MOVED, LOG_DIR_REMOVED };

static enum log_dir_state log_dir_now(char *now, size_t size)
{
	char link[64];
	struct stat st;
	ssize_t n;

	if (fstat(c.dir_fd, &st) == 0 && st.st_nlink == 0)
		return LOG_DIR_REMOVED;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", c.dir_fd);
	n = readlink(link, now, size - 1);
	if (n <= 0)
		return LOG_DIR_UNKNOWN;
	now[n] = '\0';
	return strcmp(now, c.log_dir) == 0 ? LOG_DIR_IN_PLACE : LOG_DIR_MOVED;
}

/* The log's path for a message: as given, or where its directory is now when it moved. */
static const char *log_place(char *buf, size_t size)
{
	char now[PATH_MAX];

	if (log_dir_now(now, sizeof(now)) != LOG_DIR_MOVED)
		return c.log_path;
	snprintf(buf, size, "%s/%s", now, c.log_name);
	return buf;
}

static void say_if_moved(void)
{
	char now[PATH_MAX];
	enum log_dir_state state = log_dir_now(now, sizeof(now));

	if (state == LOG_DIR_MOVED)
		fprintf(stderr,
			"linkguard: the log's directory %s was moved during the run; the launcher "
			"kept to the directory it opened at start, now %s\n",
			c.log_dir, now);
	else if (state == LOG_DIR_REMOVED)
		fprintf(
		    stderr,
		    "linkguard: the log's directory %s was removed during the run; the log went "
		    "with it\n",
		    c.log_dir);
}

/* Lines the library held back, per process and kind. */
static void print_collapsed(void)
{
	size_t printed = 0, more = 0;

	if (c.log != LG_COLLECT_STDERR)
		return;
	for (size_t i = 0; i < c.kind_count; i++) {
		struct kind_count *k = &c.kinds[i];

		if (k->calls <= SHOWN_KINDS)
			continue;
		if (printed++ == FIRST_SHOWN) {
			more++;
			continue;
		}
		fprintf(stderr, "linkguard: %ld more like this not shown (pid %ld): %s\n",
			k->calls - SHOWN_KINDS, k->pid, k->first);
	}
	if (more > 0)
		fprintf(stderr, "linkguard: and as many lines for %zu more kinds of denial\n",
			more);
}

static void print_summary(void)
{
	char place[2 * PATH_MAX];

	if (c.audit) {
		fprintf(stderr, "linkguard: audit: %ld call%s would have been denied\n", c.total,
			c.total == 1 ? "" : "s");
		print_collapsed();
		print_learned();
		print_uncovered();
		return;
	}
	if (c.total == 0 || c.log == LG_COLLECT_NONE)
		return;
	fprintf(stderr, "linkguard: %ld call%s denied; the first distinct one%s:\n", c.total,
		c.total == 1 ? " was" : "s were", c.first_count == 1 ? "" : "s");
	for (size_t i = 0; i < c.first_count; i++)
		fprintf(stderr, "linkguard:   %s (pid %ld)\n", c.first[i], c.first_pid[i]);
	print_collapsed();
	if (c.log == LG_COLLECT_FILE)
		fprintf(stderr, "linkguard: every one is in %s\n", log_place(place, sizeof(place)));
	else
		fprintf(stderr, "linkguard: the command's stderr had each (a few per kind and "
				"process); --log FILE keeps every one; --audit lists the roots the "
				"command needs\n");
}

/* --- at exit: the log as the launcher wrote it ---------------------------------------------- */

/* The launcher's copy, mapped: the lines the log must hold, in order. */
struct expected {
	const char *next, *end;
	void *map;
	size_t size;
};

static int map_copy(struct expected *e)
{
	struct stat st;

	*e = (struct expected){0};
	if (fstat(c.copy_fd, &st) != 0)
		return -1;
	e->size = (size_t)st.st_size;
	if (e->size > 0) {
		e->map = mmap(NULL, e->size, PROT_READ, MAP_PRIVATE, c.copy_fd, 0);
		if (e->map == MAP_FAILED)
			return -1;
	}
	/* Not NULL + 0 when the copy is empty: an empty string to point at. */
	e->next = e->size > 0 ? (const char *)e->map : "";
	e->end = e->next + e->size;
	return 0;
}

/* Whether line (len bytes, with its newline) is the copy's next line; if so, past it. */
static int expected_line(struct expected *e, const char *line, size_t len)
{
	if ((size_t)(e->end - e->next) < len || memcmp(e->next, line, len) != 0)
		return 0;
	/* Only a whole line of the copy: a cut line at the end of the log is not one. */
	if (line[len - 1] != '\n' && e->next + len != e->end)
		return 0;
	e->next += len;
	return 1;
}

/*
 * A line of the log that is not the launcher's: a denial record (another process appended it:
 * one that lost the pipe, "direct", or another launcher sharing the file) or anything else.
 * Direct records of this run are counted, and added to the copy, so that a log written again
 * keeps them. Returns whether it was a record.
 */
static int other_line(char *line, size_t len, off_t at)
{
	static struct record r;

	if (parse_record(line, &r) != 0)
		return 0;
	if (at >= c.log_st.st_size && strstr(line, ",\"direct\":true}") != NULL) {
		take_record(&r);
		lg_write_all(c.copy_fd, line, len);
		if (line[len - 1] != '\n')
			lg_write_all(c.copy_fd, "\n", 1);
	}
	return 1;
}

/*
 * Whether the log still holds what the launcher wrote: its file still under its name in its
 * directory, every line of the copy in it, in order and byte for byte, and between them only
 * denial records. Size and inode alone would miss a line rewritten in place ("deny" ->
 * "xxxx"). Read through the launcher's own descriptor, never by path.
 */
static int log_intact(void)
{
	struct expected e;
	struct stat now;
	char *line = NULL;
	size_t size = 0;
	ssize_t n;
	off_t at = 0;
	int intact, fd = dup(c.log_fd);
	FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;

	if (f == NULL || fseeko(f, 0, SEEK_SET) != 0 || map_copy(&e) != 0) {
		if (f != NULL)
			fclose(f);
		else if (fd >= 0)
			close(fd);
		return 0;
	}
	intact = fstatat(c.dir_fd, c.log_name, &now, AT_SYMLINK_NOFOLLOW) == 0 &&
		 now.st_dev == c.log_st.st_dev && now.st_ino == c.log_st.st_ino;
	while ((n = getline(&line, &size, f)) > 0) {
		if (!expected_line(&e, line, (size_t)n) && !other_line(line, (size_t)n, at))
			intact = 0;
		at += n;
	}
	intact = intact && !ferror(f) && e.next == e.end;
	free(line);
	fclose(f);
	if (e.map != NULL)
		munmap(e.map, e.size);
	return intact;
}

/* A file for the new log next to the old, under a name nobody else took; created, never
 * followed (O_EXCL), in the directory opened at start. */
static int create_beside(char *tmp, size_t size)
{
	for (unsigned tries = 0; tries < 100; tries++) {
		unsigned r;
		int fd;

		if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r))
			r = (unsigned)getpid() * 2654435761u + tries;
		snprintf(tmp, size, "%.200s.linkguard-%08x", c.log_name, r);
		fd = openat(c.dir_fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			    0600);
		if (fd >= 0 || errno != EEXIST)
			return fd;
	}
	errno = EEXIST;
	return -1;
}

/* The new log: the copy, with the old file's mode and owner (a private log stays private). */
static int write_copy(int fd)
{
	off_t at = 0;
	struct stat st;

	if (fstat(c.copy_fd, &st) != 0)
		return -1;
	while (at < st.st_size && sendfile(fd, c.copy_fd, &at, (size_t)(st.st_size - at)) > 0)
		;
	/* Another owner is only root's to give; as a user it stays the user's own. */
	(void)!fchown(fd, c.log_st.st_uid, c.log_st.st_gid);
	if (at != st.st_size || fchmod(fd, c.log_st.st_mode & 0777) != 0)
		return -1;
	return fsync(fd);
}

/* The command changed the log: write it again from the launcher's copy, beside it, and rename it
 * into place, all through the directory opened at start. */
static void restore_log(void)
{
	char tmp[NAME_MAX + 1], place[2 * PATH_MAX];
	const char *log = log_place(place, sizeof(place));
	int fd = create_beside(tmp, sizeof(tmp));

	if (fd < 0) {
		fprintf(
		    stderr,
		    "linkguard: the log %s was emptied, rewritten or replaced during the run, and "
		    "can not be written again: %s\n",
		    log, strerror(errno));
		return;
	}
	if (write_copy(fd) != 0 || renameat(c.dir_fd, tmp, c.dir_fd, c.log_name) != 0) {
		fprintf(
		    stderr,
		    "linkguard: the log %s was emptied, rewritten or replaced during the run, and "
		    "can not be put back: %s\n",
		    log, strerror(errno));
		unlinkat(c.dir_fd, tmp, 0);
	} else {
		fprintf(stderr,
			"linkguard: the log %s was emptied, rewritten or replaced during the run; "
			"the launcher wrote it again from its own copy\n",
			log);
	}
	close(fd);
}

void lg_collect_finish(void)
{
	int intact = 1;

	if (c.pending_len > 0)
		lg_collect_bytes("\n", 1);
	/* Before the summary: it counts the direct records found here, and its record must stay
	 * the last line of the log, of one written again too. */
	if (c.log_fd >= 0)
		intact = log_intact();
	if (c.audit)
		log_summary_record();
	print_summary();
	if (c.malformed > 0)
		fprintf(stderr,
			"linkguard: %ld malformed report%s ignored (a confined program wrote "
			"to the report pipe)\n",
			c.malformed, c.malformed == 1 ? "" : "s");
	if (!intact)
		restore_log();
	if (c.log_fd >= 0)
		say_if_moved();
}
