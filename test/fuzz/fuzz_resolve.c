/* fuzz_resolve.c - differential fuzzer: lg_resolve()'s backends against a model of the rules. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lg_compat.h"
#include "lg_resolve.h"

#ifndef SYS_openat2
#define SYS_openat2 437
#endif

/*
 * Each input is a recipe, read byte by byte (missing bytes read as 0):
 *
 *   opts       bit 0 LG_FOLLOW_FINAL, bit 1 LG_SLASH_FOLLOWS;
 *              bits 2-3 how the root is spelled: @T/root, @T/rootlink (a symlink to it),
 *              "@T//./root/" (untidy), @T/root;
 *              bits 4-5 a second root: none, @T/out, the directory picked by `root2`, @T;
 *              bits 6-7 the start: a directory fd, an O_TMPFILE file made in that directory,
 *              the cwd, a bad fd
 *   count      low 4 bits: entries in the random tree, each:
 *     parent   index into the directories made so far: @T/root, @T/out, @T, then each new one
 *     name     one of a b c d e x root out
 *     kind     0 mkdir, 1 a file, 2-3 a symlink, whose target is a `spec` that follows
 *   root2      picks the second root's directory (bits 4-5 = 2)
 *   start      picks the start directory; with a bad fd, odd: a file's fd (@T/f, or @T/root/f
 *              when bit 1 is set), even: a closed fd
 *   path       a `spec`
 *   mode2      the call's second path, resolved after the first in one lg_scope: bit 0
 *              LG_FOLLOW_FINAL, bit 1 LG_SLASH_FOLLOWS; bits 2-3 make it the first path's
 *              components: bit 2 with the last replaced by path2's first (one directory, two
 *              names), bit 3 after path2's own prefix (the same names from elsewhere)
 *   path2      a `spec`
 *
 * A spec is: head (bits 0-2: 0-3 relative, 4 "@T/root", 5 "@T", 6 "@T/rootlink", 7 "/";
 * bit 3 an untidy spelling of that prefix; bits 4-5 = 2 or 3: one or two trailing slashes),
 * count (low 4 bits: components), then one byte per component from `tokens`. For the paths
 * only: head bit 6 adds LG_EMPTY_IS_FD; bit 7 makes the path a magic link of the start
 * descriptor, "/proc/self/fd/N" (with bit 3 "/dev/fd/N", with bit 0 "/proc/thread-self/fd/N",
 * with both "/proc/PID/fd/N"), and adds LG_MAGIC_FD.
 *
 * The base of every tree: @T/root (the root), @T/out, @T/rootevil, @T/rootlink -> root, and the
 * files @T/f and @T/root/f.
 *
 * The oracle is a model of the semantics (README, "Semantics in short") written apart from the
 * resolver: components on a stack, a position kept as a canonical path and a floor (the root's
 * depth), symlink bodies spliced in front of what is left; the kernel is asked only facts
 * (lstat, readlink) of symlink-free paths.
 * The model is itself checked against the kernel on every input:
 *   K1  the same model without the root's rules against open(parent, O_PATH|O_DIRECTORY);
 *   K2  the model's in-root walk against openat2(root, parent, RESOLVE_BENEATH);
 *   K3  an accepted answer names what the kernel's own lookup of the path names;
 *   K4  an accepted path's parent (or error) is the kernel's parent (or error).
 * Any disagreement prints a reproducer and aborts.
 */

#define MAX_ENTRIES 15
#define MAX_DIRS    (3 + MAX_ENTRIES)
#define MAX_TOKENS  15
#define MAX_QUEUE   4096
#define ARENA_SIZE  (64 * 1024)
#define POS_DEPTH   512
#define MAX_ROOTS   2

struct spec {
	unsigned prefix;   /* 0-3 relative, else an absolute prefix */
	unsigned untidy;   /* spell the prefix with "//" and "/./" */
	unsigned trailing; /* trailing slashes */
	unsigned count;
	unsigned tok[MAX_TOKENS];
	unsigned empty_fd; /* a path: LG_EMPTY_IS_FD */
	unsigned magic;	   /* a path: "/proc/self/fd/N" of the start, and LG_MAGIC_FD */
};

enum { PFX_ROOT = 4, PFX_T, PFX_ROOTLINK, PFX_SLASH };

#define TOK_TREL 14 /* @T without its leading slash: enters from "/" after enough ".." */
static const char *const tokens[16] = {".", "..",   "..",  "",	       "a",	   "b", "c",  "d",
				       "e", "root", "out", "rootlink", "rootevil", "x", NULL, "f"};
static const char *const names[8] = {"a", "b", "c", "d", "e", "x", "root", "out"};

enum kind { K_DIR, K_FILE, K_LINK };

struct entry {
	unsigned parent_sel, name;
	enum kind kind;
	struct spec target;
	int made;
	unsigned parent; /* index in dirs[] once made */
};

enum start_kind { S_FD, S_CWD, S_CLOSED, S_FILE, S_TMPFILE };

struct recipe {
	unsigned flags;
	unsigned spelling;
	unsigned root2_mode;
	enum start_kind start_kind;
	unsigned nentries;
	struct entry e[MAX_ENTRIES];
	unsigned root2_sel, start_sel;
	struct spec path;
	unsigned flags2; /* the second path, resolved after the first in one lg_scope */
	struct spec path2;
};

/* The world an input builds: the tree, its roots, the start. */
struct root_info {
	char given[PATH_MAX]; /* as handed to lg_rootset_add */
	char canon[PATH_MAX];
	dev_t dev;
	ino_t ino;
	int fd; /* our own O_PATH descriptor, for openat2 */
};

struct world {
	char dirs[MAX_DIRS][PATH_MAX];
	size_t ndirs;
	struct root_info root[MAX_ROOTS];
	size_t nroots;
	size_t start_dir;
	char start_file[PATH_MAX];
	int start_fd;
	int owns_start_fd;
	char path[PATH_MAX];
	char path2[PATH_MAX];
};

static char base[PATH_MAX]; /* mkdtemp'd once per process */
static char T[PATH_MAX];    /* base/t, made and removed for each input */
static size_t T_len;
static int home_fd = -1; /* the cwd we were started in: libFuzzer writes artifacts there */
static long execs, inconclusive, failures;
static int keep_going; /* the replay driver reports every disagreement, then fails */

/* ---------------------------------------------------------------- decoding and rendering */

struct bytes {
	const uint8_t *p;
	size_t n;
};

static unsigned take(struct bytes *b)
{
	if (b->n == 0)
		return 0;
	b->n--;
	return *b->p++;
}

static void take_spec(struct bytes *b, struct spec *s)
{
	unsigned head = take(b);

	s->prefix = head & 7;
	s->untidy = (head >> 3) & 1;
	s->trailing = ((head >> 4) & 3) >= 2 ? ((head >> 4) & 3) - 1 : 0;
	s->empty_fd = (head >> 6) & 1;
	s->magic = (head >> 7) & 1;
	s->count = take(b) & 15;
	for (unsigned i = 0; i < s->count; i++)
		s->tok[i] = take(b) & 15;
}

static void decode(const uint8_t *data, size_t size, struct recipe *r)
{
	struct bytes b = {data, size};
	unsigned opts = take(&b), kind;

	memset(r, 0, sizeof(*r));
	r->flags = (opts & 1 ? LG_FOLLOW_FINAL : 0) | (opts & 2 ? LG_SLASH_FOLLOWS : 0);
	r->spelling = (opts >> 2) & 3;
	r->root2_mode = (opts >> 4) & 3;
	r->start_kind = (enum start_kind[]){S_FD, S_TMPFILE, S_CWD, S_CLOSED}[opts >> 6];
	r->nentries = take(&b) & 15;
	if (r->nentries > MAX_ENTRIES)
		r->nentries = MAX_ENTRIES;
	for (unsigned i = 0; i < r->nentries; i++) {
		r->e[i].parent_sel = take(&b);
		r->e[i].name = take(&b) & 7;
		kind = take(&b) & 3;
		r->e[i].kind = kind == 0 ? K_DIR : kind == 1 ? K_FILE : K_LINK;
		if (r->e[i].kind == K_LINK)
			take_spec(&b, &r->e[i].target);
	}
	r->root2_sel = take(&b);
	r->start_sel = take(&b);
	if (r->start_kind == S_CLOSED && (r->start_sel & 1))
		r->start_kind = S_FILE;
	take_spec(&b, &r->path);
	opts = take(&b);
	r->flags2 = (opts & 1 ? LG_FOLLOW_FINAL : 0) | (opts & 2 ? LG_SLASH_FOLLOWS : 0);
	take_spec(&b, &r->path2);
	if ((opts & 12) && r->path.count > 0) {
		/* The first path's components: another name in the same directory (a rename or
		 * link within one directory), or the same names from another prefix. */
		struct spec own = r->path2;

		r->path2 = r->path;
		if (opts & 4)
			r->path2.tok[r->path2.count - 1] = own.count > 0 ? own.tok[0] : 13;
		if (opts & 8) {
			r->path2.prefix = own.prefix;
			r->path2.untidy = own.untidy;
		}
		r->path2.trailing = own.trailing;
		r->path2.empty_fd = own.empty_fd;
		r->path2.magic = own.magic;
	}
	r->flags |= (r->path.empty_fd ? LG_EMPTY_IS_FD : 0) | (r->path.magic ? LG_MAGIC_FD : 0);
	r->flags2 |= (r->path2.empty_fd ? LG_EMPTY_IS_FD : 0) | (r->path2.magic ? LG_MAGIC_FD : 0);
}

struct out {
	char *buf;
	size_t len, size;
};

static void put(struct out *o, const char *s)
{
	size_t n = strlen(s);

	if (o->len + n >= o->size)
		n = o->size - 1 - o->len;
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	o->buf[o->len] = '\0';
}

/* T's components, each after a separator ("/" or, untidy, "//./"). */
static void put_T(struct out *o, const char *sep)
{
	const char *c = T;
	char comp[NAME_MAX + 1];
	size_t len;

	while (*c) {
		while (*c == '/')
			c++;
		len = strcspn(c, "/");
		if (len == 0)
			break;
		memcpy(comp, c, len);
		comp[len] = '\0';
		put(o, sep);
		put(o, comp);
		c += len;
	}
}

/* The string a spec stands for; an empty relative spec is "" (a path) or "." (a link body). */
static void render(const struct spec *s, char *buf, size_t size, int link_body)
{
	struct out o = {buf, 0, size};
	const char *sep = s->untidy ? "//./" : "/";
	int absolute = s->prefix >= PFX_ROOT;

	buf[0] = '\0';
	if (s->prefix == PFX_ROOT || s->prefix == PFX_T || s->prefix == PFX_ROOTLINK)
		put_T(&o, sep);
	if (s->prefix == PFX_ROOT || s->prefix == PFX_ROOTLINK) {
		put(&o, sep);
		put(&o, s->prefix == PFX_ROOT ? "root" : "rootlink");
	}
	if (s->prefix == PFX_SLASH && s->untidy)
		put(&o, "/.");
	for (unsigned i = 0; i < s->count; i++) {
		if (absolute || o.len > 0)
			put(&o, "/");
		else if (tokens[s->tok[i]] != NULL && tokens[s->tok[i]][0] == '\0')
			continue; /* a leading empty component would make the path absolute */
		if (s->tok[i] == TOK_TREL)
			put(&o, T + 1);
		else
			put(&o, tokens[s->tok[i]]);
	}
	if (absolute && o.len == 0)
		put(&o, "/");
	for (unsigned i = 0; i < s->trailing && o.len > 0; i++)
		put(&o, "/");
	if (link_body && o.len == 0)
		put(&o, ".");
}

/* A path: a spec, or a magic link of the start descriptor (four spellings). */
static void render_path(const struct spec *s, const struct world *w, char *buf)
{
	static const char *const magic[] = {"/proc/self/fd", "/dev/fd", "/proc/thread-self/fd",
					    NULL};
	const char *dir = magic[s->untidy + 2 * (s->prefix & 1)];

	if (s->magic && dir != NULL)
		snprintf(buf, PATH_MAX, "%s/%d", dir, w->start_fd);
	else if (s->magic)
		snprintf(buf, PATH_MAX, "/proc/%ld/fd/%d", (long)getpid(), w->start_fd);
	else
		render(s, buf, PATH_MAX, 0);
}

/* ---------------------------------------------------------------- building the tree */

static void fail(const char *what, const char *path)
{
	fprintf(stderr, "lg_fuzz: harness failure: %s %s: %s\n", what, path, strerror(errno));
	abort();
}

static void harness_limit(const char *what)
{
	fprintf(stderr, "lg_fuzz: harness limit reached: %s\n", what);
	abort();
}

/* Remove name in dir_fd and everything below it, never following a symlink. */
static void remove_tree(int dir_fd, const char *name)
{
	struct dirent *d;
	DIR *dir;
	int fd;

	if (unlinkat(dir_fd, name, 0) == 0 || errno == ENOENT)
		return;
	fd = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		fail("open", name);
	dir = fdopendir(fd);
	if (dir == NULL)
		fail("fdopendir", name);
	while ((d = readdir(dir)) != NULL)
		if (strcmp(d->d_name, ".") != 0 && strcmp(d->d_name, "..") != 0)
			remove_tree(fd, d->d_name);
	closedir(dir);
	if (unlinkat(dir_fd, name, AT_REMOVEDIR) != 0)
		fail("rmdir", name);
}

/* Remove the base directory, from where we started: libFuzzer writes its crash files there. */
static void remove_base(void)
{
	if (base[0] != '\0' && getenv("LG_FUZZ_KEEP") == NULL && fchdir(home_fd) == 0)
		remove_tree(AT_FDCWD, base);
}

static void init_once(void)
{
	const char *tmp = getenv("TMPDIR");
	char tmpl[PATH_MAX];
	struct stat st;

	if (base[0] != '\0')
		return;
	home_fd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (home_fd < 0)
		fail("open", ".");
	/* A tmpfs when there is one: a disk file system's directory operations are ten times
	 * slower, and each input makes and removes a whole tree. */
	if (tmp == NULL || tmp[0] != '/')
		tmp = stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) &&
			      access("/dev/shm", W_OK) == 0
			  ? "/dev/shm"
			  : "/tmp";
	snprintf(tmpl, sizeof(tmpl), "%s/lgfz-XXXXXX", tmp);
	if (mkdtemp(tmpl) == NULL || realpath(tmpl, base) == NULL)
		fail("mkdtemp", tmpl);
	T_len = strlen(base);
	if (T_len + 3 > sizeof(T) / 2)
		harness_limit("temporary directory name");
	memcpy(T, base, T_len);
	memcpy(T + T_len, "/t", 3);
	T_len += 2;
	atexit(remove_base);
}

/* out = dir/name, in PATH_MAX bytes. */
static void join(char *out, const char *dir, const char *name)
{
	size_t d = strlen(dir), n = strlen(name);

	if (d + 1 + n >= PATH_MAX)
		harness_limit("path length");
	memcpy(out, dir, d);
	out[d] = '/';
	memcpy(out + d + 1, name, n + 1);
}

static void build(struct recipe *r, struct world *w)
{
	char p[PATH_MAX], target[PATH_MAX];
	int fd;

	if (mkdir(T, 0755) != 0)
		fail("mkdir", T);
	w->ndirs = 0;
	join(w->dirs[w->ndirs++], T, "root");
	join(w->dirs[w->ndirs++], T, "out");
	strcpy(w->dirs[w->ndirs++], T);
	join(p, T, "rootevil");
	if (mkdir(w->dirs[0], 0755) != 0 || mkdir(w->dirs[1], 0755) != 0 || mkdir(p, 0755) != 0)
		fail("mkdir", p);
	join(p, T, "rootlink");
	if (symlink("root", p) != 0)
		fail("symlink", p);
	for (int i = 0; i < 2; i++) {
		join(p, w->dirs[i ? 0 : 2], "f");
		fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd < 0)
			fail("create", p);
		close(fd);
	}
	for (unsigned i = 0; i < r->nentries; i++) {
		struct entry *e = &r->e[i];

		e->parent = e->parent_sel % w->ndirs;
		join(p, w->dirs[e->parent], names[e->name]);
		if (e->kind == K_DIR) {
			e->made = mkdir(p, 0755) == 0;
			if (e->made)
				strcpy(w->dirs[w->ndirs++], p);
		} else if (e->kind == K_FILE) {
			fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
			e->made = fd >= 0;
			if (fd >= 0)
				close(fd);
		} else {
			render(&e->target, target, sizeof(target), 1);
			e->made = symlink(target, p) == 0;
		}
		if (!e->made && errno != EEXIST)
			fail("make", p);
	}
}

static void add_root(struct world *w, const char *given)
{
	struct root_info *ri = &w->root[w->nroots];
	struct stat st;

	snprintf(ri->given, sizeof(ri->given), "%s", given);
	if (realpath(given, ri->canon) == NULL || stat(given, &st) != 0)
		fail("realpath", given);
	for (size_t i = 0; i < w->nroots; i++)
		if (w->root[i].dev == st.st_dev && w->root[i].ino == st.st_ino)
			return; /* the same directory twice is no second root */
	ri->dev = st.st_dev;
	ri->ino = st.st_ino;
	ri->fd = open(given, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (ri->fd < 0)
		fail("open", given);
	w->nroots++;
}

static void choose_roots(const struct recipe *r, struct world *w)
{
	char p[PATH_MAX];

	w->nroots = 0;
	if (r->spelling == 1) {
		join(p, T, "rootlink");
	} else if (r->spelling == 2) {
		memcpy(p, T, T_len);
		memcpy(p + T_len, "//./root/", 10);
	} else {
		join(p, T, "root");
	}
	add_root(w, p);
	if (r->root2_mode == 1)
		add_root(w, w->dirs[1]);
	else if (r->root2_mode == 2)
		add_root(w, w->dirs[r->root2_sel % w->ndirs]);
	else if (r->root2_mode == 3)
		add_root(w, T);
}

/* A descriptor number that is not open (above the ones in use, so nothing reuses it). */
static int closed_fd(void)
{
	int any = open("/", O_PATH | O_CLOEXEC);
	int fd = any < 0 ? -1 : fcntl(any, F_DUPFD_CLOEXEC, 600);

	if (fd < 0)
		fail("dup", "/");
	close(fd);
	close(any);
	return fd;
}

static void open_start(const struct recipe *r, struct world *w)
{
	w->start_dir = r->start_sel % w->ndirs;
	w->owns_start_fd = r->start_kind != S_CWD && r->start_kind != S_CLOSED;
	switch (r->start_kind) {
	case S_FD:
		w->start_fd = open(w->dirs[w->start_dir], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (w->start_fd < 0)
			fail("open", w->dirs[w->start_dir]);
		break;
	case S_CWD:
		if (chdir(w->dirs[w->start_dir]) != 0)
			fail("chdir", w->dirs[w->start_dir]);
		w->start_fd = AT_FDCWD;
		break;
	case S_CLOSED:
		w->start_fd = closed_fd();
		break;
	case S_TMPFILE:
		w->start_fd = open(w->dirs[w->start_dir], O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
		if (w->start_fd < 0)
			fail("O_TMPFILE", w->dirs[w->start_dir]);
		break;
	case S_FILE:
		join(w->start_file, w->dirs[r->start_sel & 2 ? 0 : 2], "f");
		w->start_fd = open(w->start_file, O_RDONLY | O_CLOEXEC);
		if (w->start_fd < 0)
			fail("open", w->start_file);
		break;
	}
}

static void teardown(struct world *w, struct lg_rootset *sets, size_t nsets)
{
	if (w->owns_start_fd)
		close(w->start_fd);
	for (size_t i = 0; i < w->nroots; i++)
		close(w->root[i].fd);
	for (size_t s = 0; s < nsets; s++)
		for (size_t i = 0; i < sets[s].count; i++)
			close(sets[s].root[i].fd);
	if (fchdir(home_fd) != 0)
		fail("fchdir", "the starting directory");
	remove_tree(AT_FDCWD, T);
}

/* ---------------------------------------------------------------- the model */

#define KERNEL_MAXSYMLINKS 40 /* Linux's MAXSYMLINKS, which the semantics adopt */

enum esc {
	ESC_NONE = 0,
	ESC_OUTSIDE,	  /* the path never enters a root */
	ESC_ROOT_ENTRY,	  /* it names a root itself */
	ESC_DOTDOT,	  /* a written ".." climbs out before any symlink was followed */
	ESC_DOTDOT_LATER, /* a written ".." climbs out after some symlink was followed */
	ESC_LINK_DOTDOT,  /* a ".." from a symlink's body climbs out */
	ESC_LINK_ABS,	  /* an absolute symlink body under no root */
	ESC_FD_OUTSIDE,	  /* a descriptor's file is not strictly below a root */
};

static const char *const esc_names[] = {"none",		"outside",     "root-entry", "dotdot",
					"dotdot-later", "link-dotdot", "link-abs",   "fd-outside"};

struct comp {
	const char *s;
	size_t len;
	int from_link; /* spliced in from a symlink's body */
};

struct verdict {
	int err; /* 0, or a positive errno (EACCES with esc for an escape) */
	enum esc esc;
	size_t root;
	dev_t dev; /* the parent directory, when err == 0 */
	ino_t ino;
	char where[2 * PATH_MAX];
	char name[NAME_MAX + 2];
	int used_abs; /* an absolute symlink was followed before this point */
	int is_fd;    /* the answer is a descriptor of the file (dev, ino) */
};

#define MAX_COMPS 512

struct model {
	const struct world *w;
	int confined; /* the spec's rules; else the kernel's plain lookup */
	unsigned flags;
	size_t root, floor; /* the root walked in, and its depth in pos */
	char pos[2 * PATH_MAX];
	size_t pos_len, depth;
	size_t pos_off[POS_DEPTH];
	struct comp q[MAX_QUEUE]; /* what is left, the next component last */
	size_t nq;
	size_t anchor_root; /* the root the path entered, and its components from there */
	struct comp rest[MAX_COMPS];
	size_t nrest;
	int trailing, links, used_abs;
	char arena[ARENA_SIZE];
	size_t arena_len;
	int have_first, done;
	int fd_mode;	      /* the path names the start descriptor's file */
	struct verdict first; /* at the path's own last component, before it is followed */
	struct verdict end;
};

static int is_dot(const struct comp *c)
{
	return c->len == 1 && c->s[0] == '.';
}

static int is_dotdot(const struct comp *c)
{
	return c->len == 2 && c->s[0] == '.' && c->s[1] == '.';
}

static size_t tokenize(const char *s, struct comp *out, size_t max, int *trailing, int from_link)
{
	size_t n = 0, len;
	size_t total = strlen(s);

	*trailing = total > 0 && s[total - 1] == '/';
	for (;;) {
		while (*s == '/')
			s++;
		len = strcspn(s, "/");
		if (len == 0)
			return n;
		if (n == max)
			harness_limit("components");
		out[n].s = s;
		out[n].len = len;
		out[n].from_link = from_link;
		n++;
		s += len;
	}
}

static void pos_clear(struct model *m)
{
	m->pos_len = 0;
	m->depth = 0;
	m->pos[0] = '\0';
}

static void pos_push(struct model *m, const char *s, size_t len)
{
	if (m->depth == POS_DEPTH || m->pos_len + 1 + len >= sizeof(m->pos))
		harness_limit("position");
	m->pos_off[m->depth++] = m->pos_len;
	m->pos[m->pos_len++] = '/';
	memcpy(m->pos + m->pos_len, s, len);
	m->pos_len += len;
	m->pos[m->pos_len] = '\0';
}

static void pos_pop(struct model *m)
{
	if (m->depth == 0)
		return;
	m->pos_len = m->pos_off[--m->depth];
	m->pos[m->pos_len] = '\0';
}

static void pos_set(struct model *m, const char *canon)
{
	struct comp c[MAX_COMPS];
	int trailing;
	size_t n = tokenize(canon, c, MAX_COMPS, &trailing, 0);

	pos_clear(m);
	for (size_t i = 0; i < n; i++)
		pos_push(m, c[i].s, c[i].len);
}

static const char *pos_str(const struct model *m)
{
	return m->pos_len > 0 ? m->pos : "/";
}

static void child_path(const struct model *m, const struct comp *c, char *out, size_t size)
{
	snprintf(out, size, "%s/%.*s", m->pos, (int)c->len, c->s);
}

static void push(struct model *m, const struct comp *c, size_t n)
{
	if (m->nq + n > MAX_QUEUE)
		harness_limit("queue");
	for (size_t i = n; i-- > 0;)
		m->q[m->nq++] = c[i];
}

/* Whether an absolute spelling (tidy or not) prefixes c[0..n), component by component ("." in
 * the path skipped). Sets *used to the components it took and returns its length, or -1. */
static long prefix_of(const char *spelled, const struct comp *c, size_t n, size_t *used)
{
	const char *p = spelled;
	size_t j = 0, k = 0, len;

	for (;;) {
		while (*p == '/')
			p++;
		len = strcspn(p, "/");
		if (len == 0)
			break;
		if (len == 1 && p[0] == '.') {
			p++;
			continue;
		}
		while (j < n && is_dot(&c[j]))
			j++;
		if (j == n || c[j].len != len || memcmp(c[j].s, p, len) != 0)
			return -1;
		j++;
		k++;
		p += len;
	}
	*used = j;
	return (long)k;
}

/* The root whose given or canonical spelling prefixes c[0..n) (the longest wins), or -1. */
static int which_root(const struct world *w, const struct comp *c, size_t n, size_t *used)
{
	long best = -1, k;
	int root = -1;
	size_t u;

	for (size_t i = 0; i < w->nroots; i++) {
		k = prefix_of(w->root[i].given, c, n, &u);
		if (k < 0)
			k = prefix_of(w->root[i].canon, c, n, &u);
		if (k > best) {
			best = k;
			root = (int)i;
			*used = u;
		}
	}
	return root;
}

static void here(struct model *m, struct verdict *v)
{
	struct stat st;

	memset(v, 0, sizeof(*v));
	if (lstat(pos_str(m), &st) != 0)
		fail("lstat", pos_str(m));
	v->root = m->root;
	v->dev = st.st_dev;
	v->ino = st.st_ino;
	snprintf(v->where, sizeof(v->where), "%s", pos_str(m));
	v->used_abs = m->used_abs;
}

static void finish_ok(struct model *m, const struct comp *c)
{
	here(m, &m->end);
	if (c->len > NAME_MAX)
		harness_limit("name");
	snprintf(m->end.name, sizeof(m->end.name), "%.*s%s", (int)c->len, c->s,
		 m->trailing ? "/" : "");
	m->done = 1;
	if (!m->have_first) {
		m->first = m->end;
		m->have_first = 1;
	}
}

static void finish_err(struct model *m, int err, enum esc esc)
{
	memset(&m->end, 0, sizeof(m->end));
	m->end.err = err;
	m->end.esc = esc;
	m->end.root = m->root;
	m->end.used_abs = m->used_abs;
	m->done = 1;
	if (!m->have_first) {
		m->first = m->end;
		m->have_first = 1;
	}
}

static int wants_follow(unsigned flags, int trailing)
{
	return (flags & LG_FOLLOW_FINAL) || (trailing && (flags & LG_SLASH_FOLLOWS));
}

/* Splice the body of symlink c in front of what is left. Returns 0, or -1 when that ended it. */
static int follow(struct model *m, const struct comp *c, int final)
{
	char p[3 * PATH_MAX];
	char *body = m->arena + m->arena_len;
	size_t room = sizeof(m->arena) - m->arena_len - 1, n, used;
	struct comp tc[MAX_COMPS];
	int trailing, k;
	ssize_t len;

	if (++m->links > KERNEL_MAXSYMLINKS) {
		finish_err(m, ELOOP, ESC_NONE);
		return -1;
	}
	child_path(m, c, p, sizeof(p));
	len = readlink(p, body, room);
	if (len <= 0)
		fail("readlink", p);
	if ((size_t)len >= room)
		harness_limit("arena");
	body[len] = '\0';
	m->arena_len += (size_t)len + 1;
	n = tokenize(body, tc, MAX_COMPS, &trailing, 1);
	if (final && trailing)
		m->trailing = 1;
	if (body[0] != '/') {
		push(m, tc, n);
		return 0;
	}
	m->used_abs = 1;
	if (!m->confined) {
		pos_clear(m);
		push(m, tc, n);
		return 0;
	}
	k = which_root(m->w, tc, n, &used);
	if (k < 0) {
		finish_err(m, EACCES, ESC_LINK_ABS);
		return -1;
	}
	m->root = (size_t)k;
	pos_set(m, m->w->root[k].canon);
	m->floor = m->depth;
	push(m, tc + used, n - used);
	return 0;
}

static void run(struct model *m)
{
	char p[3 * PATH_MAX];
	struct comp c;
	struct stat st;
	int final, r;

	while (m->nq > 0) {
		c = m->q[--m->nq];
		final = m->nq == 0;
		if (final && !m->have_first) {
			here(m, &m->first);
			m->have_first = 1;
			if (!m->confined)
				return;
		}
		if (is_dot(&c) || is_dotdot(&c)) {
			/* A ".." that a followed final symlink leaves at the root names the
			 * root's parent, an escape; one written in the path goes to the kernel. */
			if (final && is_dotdot(&c) && c.from_link && m->confined &&
			    m->depth == m->floor) {
				finish_err(m, EACCES, ESC_LINK_DOTDOT);
				return;
			}
			if (final) {
				finish_ok(m, &c);
				return;
			}
			if (is_dot(&c))
				continue;
			if (m->depth > m->floor) {
				pos_pop(m);
			} else if (m->confined) {
				finish_err(m, EACCES,
					   c.from_link ? ESC_LINK_DOTDOT
					   : m->links  ? ESC_DOTDOT_LATER
						       : ESC_DOTDOT);
				return;
			}
			continue;
		}
		child_path(m, &c, p, sizeof(p));
		r = lstat(p, &st) == 0 ? 0 : errno;
		if (final) {
			if (r == 0 && S_ISLNK(st.st_mode) && wants_follow(m->flags, m->trailing)) {
				if (follow(m, &c, 1) != 0)
					return;
				continue;
			}
			finish_ok(m, &c);
			return;
		}
		if (r != 0) {
			finish_err(m, r, ESC_NONE);
			return;
		}
		if (S_ISDIR(st.st_mode)) {
			pos_push(m, c.s, c.len);
		} else if (S_ISLNK(st.st_mode)) {
			if (follow(m, &c, 0) != 0)
				return;
		} else {
			finish_err(m, ENOTDIR, ESC_NONE);
			return;
		}
	}
	/* Nothing left: a followed symlink named a root itself. */
	finish_err(m, EACCES, ESC_ROOT_ENTRY);
}

static void model_reset(struct model *m, const struct world *w, int confined, unsigned flags)
{
	m->w = w;
	m->confined = confined;
	m->flags = flags;
	m->root = m->floor = m->anchor_root = 0;
	m->nq = m->nrest = 0;
	m->trailing = m->links = m->used_abs = 0;
	m->arena_len = 0;
	m->have_first = m->done = m->fd_mode = 0;
	pos_clear(m);
}

static int start_error(const struct recipe *r)
{
	return r->start_kind == S_CLOSED			       ? EBADF
	       : r->start_kind == S_FILE || r->start_kind == S_TMPFILE ? ENOTDIR
								       : 0;
}

/* AT_EMPTY_PATH and /proc/self/fd/N: allowed when the file lives inside a root, that is, its
 * name is in a directory inside (the root's own entry is outside), or, with no name left, when
 * it was made in a directory inside. */
static void model_fd(struct model *m, const struct recipe *r, const struct world *w)
{
	static struct comp c[MAX_COMPS];
	const char *file = r->start_kind == S_FILE ? w->start_file : w->dirs[w->start_dir];
	size_t n, used = 0;
	int trailing, k;
	struct stat st;

	m->fd_mode = 1;
	if (r->start_kind == S_CLOSED) {
		finish_err(m, EBADF, ESC_NONE);
		return;
	}
	/* An O_TMPFILE file has no name; it counts as inside when its directory is. */
	n = tokenize(file, c, MAX_COMPS, &trailing, 0);
	k = which_root(w, c, n, &used);
	if (k < 0 || (used == n && r->start_kind != S_TMPFILE)) {
		finish_err(m, EACCES, ESC_FD_OUTSIDE);
		return;
	}
	if (r->start_kind == S_TMPFILE ? fstat(w->start_fd, &st) != 0 : stat(file, &st) != 0)
		fail("stat", file);
	memset(&m->end, 0, sizeof(m->end));
	m->end.is_fd = 1;
	m->end.root = (size_t)k;
	m->end.dev = st.st_dev;
	m->end.ino = st.st_ino;
	snprintf(m->end.where, sizeof(m->end.where), "%s", file);
	m->done = 1;
}

/* The semantics: where a path starts, which root it enters, then the walk inside it. */
static void model_spec(struct model *m, const struct recipe *r, const struct world *w,
		       const struct spec *s, const char *path, unsigned flags)
{
	static struct comp pc[MAX_COMPS], sc[MAX_COMPS], all[2 * MAX_COMPS];
	size_t np, ns, nall = 0, i = 0, used = 0;
	int trailing, ignored, k;

	model_reset(m, w, 1, flags);
	if ((path[0] == '\0' && (flags & LG_EMPTY_IS_FD)) ||
	    (s->magic && (flags & LG_MAGIC_FD) && (flags & LG_FOLLOW_FINAL) &&
	     r->start_kind != S_CWD)) {
		model_fd(m, r, w);
		return;
	}
	if (path[0] == '\0') {
		finish_err(m, ENOENT, ESC_NONE);
		return;
	}
	np = tokenize(path, pc, MAX_COMPS, &trailing, 0);
	if (path[0] == '/') {
		k = which_root(w, pc, np, &used);
		memcpy(all, pc, np * sizeof(pc[0]));
		nall = np;
	} else if (start_error(r)) {
		finish_err(m, start_error(r), ESC_NONE);
		return;
	} else {
		/* A start inside a root goes on from there (in the root the joined spelling names,
		 * for nested roots); one outside must enter by the path's own leading components,
		 * after its leading ".." have climbed from the start. */
		ns = tokenize(w->dirs[w->start_dir], sc, MAX_COMPS, &ignored, 0);
		k = which_root(w, sc, ns, &used);
		if (k < 0)
			for (; i < np && (is_dot(&pc[i]) || is_dotdot(&pc[i])); i++)
				if (is_dotdot(&pc[i]) && ns > 0)
					ns--;
		memcpy(all, sc, ns * sizeof(sc[0]));
		memcpy(all + ns, pc + i, (np - i) * sizeof(pc[0]));
		nall = ns + np - i;
		k = which_root(w, all, nall, &used);
	}
	if (k < 0) {
		finish_err(m, EACCES, ESC_OUTSIDE);
		return;
	}
	m->root = m->anchor_root = (size_t)k;
	m->nrest = nall - used;
	memcpy(m->rest, all + used, m->nrest * sizeof(all[0]));
	if (m->nrest == 0) {
		finish_err(m, EACCES, ESC_ROOT_ENTRY);
		return;
	}
	pos_set(m, w->root[k].canon);
	m->floor = m->depth;
	m->trailing = trailing;
	push(m, m->rest, m->nrest);
	run(m);
}

/* The kernel's own lookup of the path's parent, as a model: no root, ".." at "/" stays. */
static int model_kernel(struct model *m, const struct recipe *r, const struct world *w,
			const char *path)
{
	static struct comp pc[MAX_COMPS];
	int trailing;
	size_t np = tokenize(path, pc, MAX_COMPS, &trailing, 0);

	model_reset(m, w, 0, 0);
	if (np == 0)
		return 0;
	if (path[0] != '/') {
		if (start_error(r)) {
			finish_err(m, start_error(r), ESC_NONE);
			return 1;
		}
		pos_set(m, w->dirs[w->start_dir]);
	}
	push(m, pc, np);
	run(m);
	return 1;
}

/* ---------------------------------------------------------------- the resolver and the kernel */

#define FD_SCAN 64

struct answer {
	int rc;
	enum lg_why why;
	size_t root;
	enum lg_kind kind;
	dev_t dev;
	ino_t ino;
	char where[PATH_MAX];
	char name[NAME_MAX + 2];
	int errno_touched, fd_leak;
};

static const char *const why_names[] = {"none",	      "outside",    "dotdot",	    "symlink",
					"root-entry", "fd-outside", "root-changed", "unlocatable"};

static const char *why_name(enum lg_why why)
{
	return (size_t)why < sizeof(why_names) / sizeof(why_names[0]) ? why_names[why] : "?";
}

static void fd_scan(unsigned char *open_fds)
{
	for (int fd = 0; fd < FD_SCAN; fd++)
		open_fds[fd] = fcntl(fd, F_GETFD) != -1;
}

static void fd_where(int fd, char *out, size_t size)
{
	char link[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, out, size - 1);
	out[n > 0 ? n : 0] = '\0';
}

/* What an entry says, read while it is open. */
static void record(struct answer *a, int rc, const struct lg_entry *e, int errno_touched)
{
	struct stat st;

	memset(a, 0, sizeof(*a));
	a->rc = rc;
	a->errno_touched = errno_touched;
	a->why = e->why;
	a->root = e->root;
	a->kind = e->kind;
	if (rc != 0)
		return;
	if (fstat(e->kind == LG_ENTRY_FD ? e->file_fd : e->dir_fd, &st) == 0) {
		a->dev = st.st_dev;
		a->ino = st.st_ino;
		fd_where(e->kind == LG_ENTRY_FD ? e->file_fd : e->dir_fd, a->where,
			 sizeof(a->where));
	}
	snprintf(a->name, sizeof(a->name), "%s", e->name);
}

/* One path, with lg_resolve(): no descriptor may stay open after lg_entry_close(). */
static void ask(struct lg_rootset *set, const struct world *w, unsigned flags, struct answer *a)
{
	unsigned char before[FD_SCAN], after[FD_SCAN];
	struct lg_entry e;
	int rc;

	fd_scan(before);
	errno = 4242;
	rc = lg_resolve(set, w->start_fd, w->path, flags, &e);
	record(a, rc, &e, errno != 4242);
	if (rc == 0)
		lg_entry_close(&e);
	fd_scan(after);
	a->fd_leak = memcmp(before, after, sizeof(before)) != 0;
}

/* A call's two paths in one lg_scope, both entries open until both were read. */
static void ask_pair(struct lg_rootset *set, const struct world *w, const struct recipe *r,
		     struct answer *a1, struct answer *a2)
{
	unsigned char before[FD_SCAN], after[FD_SCAN];
	struct lg_scope scope;
	struct lg_entry e1, e2;
	int rc1, rc2, t1, t2;

	fd_scan(before);
	lg_scope_init(&scope, set);
	errno = 4242;
	rc1 = lg_resolve_in(&scope, w->start_fd, w->path, r->flags, &e1);
	t1 = errno != 4242;
	errno = 4242;
	rc2 = lg_resolve_in(&scope, w->start_fd, w->path2, r->flags2, &e2);
	t2 = errno != 4242;
	lg_scope_end(&scope);
	record(a1, rc1, &e1, t1);
	record(a2, rc2, &e2, t2);
	if (rc2 == 0)
		lg_entry_close(&e2);
	if (rc1 == 0)
		lg_entry_close(&e1);
	fd_scan(after);
	a2->fd_leak = memcmp(before, after, sizeof(before)) != 0;
}

/* What the kernel says of a lookup: 0 and the file's identity, or an errno. */
struct fact {
	int err;
	dev_t dev;
	ino_t ino;
	char where[PATH_MAX];
};

static void fact_of_fd(int fd, struct fact *f)
{
	struct stat st;

	memset(f, 0, sizeof(*f));
	if (fd < 0) {
		f->err = errno;
		return;
	}
	if (fstat(fd, &st) != 0)
		fail("fstat", "a kernel answer");
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	fd_where(fd, f->where, sizeof(f->where));
	close(fd);
}

static void fact_of_stat(int dir_fd, const char *path, struct fact *f)
{
	struct stat st;

	memset(f, 0, sizeof(*f));
	if (fstatat(dir_fd, path, &st, 0) != 0) {
		f->err = errno;
		return;
	}
	f->dev = st.st_dev;
	f->ino = st.st_ino;
}

/* The path's parent as the kernel reads it: the path without its last component. */
static void parent_string(const char *path, char *out, size_t size)
{
	size_t len = strlen(path);

	while (len > 0 && path[len - 1] == '/')
		len--;
	while (len > 0 && path[len - 1] != '/')
		len--;
	if (len == 0)
		snprintf(out, size, ".");
	else
		snprintf(out, size, "%.*s", (int)len, path);
}

static int openat2_beneath(int root_fd, const char *parent)
{
	struct open_how how = {
	    .flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
	    .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
	};
	long fd;

	for (int i = 0; i < 1000; i++) {
		fd = syscall(SYS_openat2, root_fd, parent, &how, sizeof(how));
		if (fd >= 0 || errno != EAGAIN)
			return (int)fd;
	}
	return -1;
}

/* ---------------------------------------------------------------- comparing */

struct problems {
	char text[8192];
	size_t len;
	int count;
};

static void problem(struct problems *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void problem(struct problems *p, const char *fmt, ...)
{
	va_list ap;
	int n;

	p->count++;
	if (p->len >= sizeof(p->text) - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(p->text + p->len, sizeof(p->text) - p->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		p->len += (size_t)n;
	if (p->len >= sizeof(p->text))
		p->len = sizeof(p->text) - 1;
}

static const char *err_name(int err)
{
	const char *s = err ? strerrorname_np(err) : "0";

	return s ? s : "E?";
}

static int why_fits(enum esc esc, enum lg_why why)
{
	switch (esc) {
	case ESC_OUTSIDE:
		return why == LG_WHY_OUTSIDE;
	case ESC_ROOT_ENTRY:
		return why == LG_WHY_ROOT_ENTRY;
	case ESC_DOTDOT:
		return why == LG_WHY_DOTDOT;
	case ESC_DOTDOT_LATER:
		return why == LG_WHY_DOTDOT || why == LG_WHY_SYMLINK;
	case ESC_LINK_DOTDOT:
	case ESC_LINK_ABS:
		return why == LG_WHY_SYMLINK;
	case ESC_FD_OUTSIDE:
		return why == LG_WHY_FD_OUTSIDE;
	case ESC_NONE:
		break;
	}
	return 0;
}

static void compare_answer(struct problems *p, const char *who, const struct verdict *v,
			   const struct answer *a)
{
	if (a->errno_touched)
		problem(p, "%s: errno was changed\n", who);
	if (a->fd_leak)
		problem(p, "%s: descriptors leaked (or closed)\n", who);
	if (v->err == 0 && v->is_fd) {
		if (a->rc != 0 || a->kind != LG_ENTRY_FD || a->dev != v->dev || a->ino != v->ino ||
		    a->root != v->root)
			problem(p, "%s: want a descriptor of %s (root %zu), got %s kind %d of %s\n",
				who, v->where, v->root, err_name(-a->rc), (int)a->kind, a->where);
	} else if (v->err == 0) {
		if (a->rc != 0)
			problem(p, "%s: want the entry, got %s\n", who, err_name(-a->rc));
		else if (a->kind != LG_ENTRY_NAME || a->dev != v->dev || a->ino != v->ino ||
			 strcmp(a->name, v->name) != 0 || a->root != v->root)
			problem(p,
				"%s: want root %zu parent %s name \"%s\", got root %zu parent %s "
				"name \"%s\"\n",
				who, v->root, v->where, v->name, a->root, a->where, a->name);
	} else if (v->err == EACCES) {
		if (a->rc != -LG_ERR_DENIED || !why_fits(v->esc, a->why))
			problem(p, "%s: want EACCES (%s), got %s (why %s)\n", who,
				esc_names[v->esc], err_name(-a->rc),
				a->rc == -LG_ERR_DENIED ? why_name(a->why) : "-");
	} else if (a->rc != -v->err) {
		problem(p, "%s: want %s, got %s\n", who, err_name(v->err), err_name(-a->rc));
	}
}

static void compare_backends(struct problems *p, const char *who, const struct answer *a,
			     const struct answer *b)
{
	if (a->rc != b->rc || (a->rc == -LG_ERR_DENIED && a->why != b->why) ||
	    (a->rc == 0 && (a->dev != b->dev || a->ino != b->ino || a->root != b->root ||
			    strcmp(a->name, b->name) != 0)))
		problem(p, "%s: auto and walk differ\n", who);
}

static int same_fact(const struct fact *f, int err, dev_t dev, ino_t ino)
{
	return f->err == err && (err != 0 || (f->dev == dev && f->ino == ino));
}

/*
 * K1 and K4: the kernel's own lookup of the path's parent (open(O_PATH|O_DIRECTORY) from the
 * start) lands where the kernel model says; and where the spec model lets the path through,
 * its parent (or its error) is the kernel's. Symlink counts may differ when the spec's walk
 * jumps to a root by a spelling that the kernel walks through a symlink (@T/rootlink).
 */
static void check_lookup(struct problems *p, const char *who, const struct recipe *r,
			 const struct world *w, const char *path, const struct model *spec,
			 const struct model *kern)
{
	const struct verdict *f = &spec->first;
	char parent[PATH_MAX + 2];
	int loop_may_differ = f->used_abs || r->spelling == 1;
	struct fact k;

	parent_string(path, parent, sizeof(parent));
	fact_of_fd(openat(w->start_fd, parent, O_PATH | O_DIRECTORY | O_CLOEXEC), &k);
	if (!same_fact(&k, kern->first.err, kern->first.dev, kern->first.ino))
		problem(p, "%s K1 kernel model: parent \"%s\" is %s %s, the kernel says %s %s\n",
			who, parent, err_name(kern->first.err), kern->first.where, err_name(k.err),
			k.where);
	if (f->err != EACCES && !(loop_may_differ && (f->err == ELOOP || k.err == ELOOP)) &&
	    !same_fact(&k, f->err, f->dev, f->ino))
		problem(p, "%s K4 spec model: parent is %s %s, the kernel says %s %s\n", who,
			err_name(f->err), f->where, err_name(k.err), k.where);
}

/*
 * K2: from the root the path entered, openat2(RESOLVE_BENEATH) walks the in-root components as
 * the spec model does, except that it refuses every absolute symlink (EXDEV), and that it
 * reports every escape as EXDEV.
 */
static void check_beneath(struct problems *p, const char *who, const struct world *w,
			  const struct model *spec)
{
	const struct verdict *f = &spec->first;
	char parent[PATH_MAX + 2], comp[NAME_MAX + 2];
	struct out o = {parent, 0, sizeof(parent)};
	struct fact b;

	parent[0] = '\0';
	for (size_t i = 0; i + 1 < spec->nrest; i++) {
		snprintf(comp, sizeof(comp), "%s%.*s", i ? "/" : "", (int)spec->rest[i].len,
			 spec->rest[i].s);
		put(&o, comp);
	}
	if (o.len == 0)
		put(&o, ".");
	fact_of_fd(openat2_beneath(w->root[spec->anchor_root].fd, parent), &b);
	if (b.err == ENOSYS || b.err == EPERM || b.err == E2BIG)
		return; /* no openat2 here (an old kernel, a seccomp filter, valgrind) */
	if (b.err == EAGAIN)
		inconclusive++;
	else if ((f->used_abs || f->err == EACCES) && b.err != EXDEV)
		problem(p, "%s K2 beneath \"%s\": model escapes (%s), the kernel says %s %s\n", who,
			parent, esc_names[f->esc], err_name(b.err), b.where);
	else if (!f->used_abs && f->err != EACCES && !same_fact(&b, f->err, f->dev, f->ino))
		problem(p, "%s K2 beneath \"%s\": model says %s %s, the kernel says %s %s\n", who,
			parent, err_name(f->err), f->where, err_name(b.err), b.where);
}

/* K3: an accepted answer (parent, name) names what the kernel's lookup of the path names. */
static void check_names(struct problems *p, const char *who, const struct world *w,
			const char *path, const struct verdict *v)
{
	struct fact got, want;
	int fd = open(v->where, O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		fail("open", v->where);
	fact_of_stat(w->start_fd, path, &want);
	fact_of_stat(fd, v->name, &got);
	close(fd);
	if (want.err != ELOOP && got.err != ELOOP && !same_fact(&got, want.err, want.dev, want.ino))
		problem(p, "%s K3 the answer names %s %s, the path names %s\n", who,
			err_name(got.err), got.where, err_name(want.err));
}

/* K1-K4: the models against the kernel, for one path. */
static void check_model(struct problems *p, const char *who, const struct recipe *r,
			const struct world *w, const char *path, const struct model *spec,
			const struct model *kern, int have_kern)
{
	if (spec->fd_mode)
		return;
	if (have_kern)
		check_lookup(p, who, r, w, path, spec, kern);
	if (spec->nrest > 0)
		check_beneath(p, who, w, spec);
	if (spec->done && spec->end.err == 0)
		check_names(p, who, w, path, &spec->end);
}

/* ---------------------------------------------------------------- reporting */

static const char *const kind_names[] = {"mkdir", "touch", "ln -s"};
static const char *const start_names[] = {"dirfd", "cwd", "closed fd", "file fd",
					  "O_TMPFILE fd in"};

/* Print s with T spelled @T (but not in "../tmp/...", T's relative spelling). */
static void print_path(FILE *out, const char *s)
{
	const char *t;

	while ((t = strstr(s, T)) != NULL) {
		if (t > s && t[-1] == '.')
			fprintf(out, "%.*s", (int)(t - s + T_len), s);
		else
			fprintf(out, "%.*s@T", (int)(t - s), s);
		s = t + T_len;
	}
	fputs(s, out);
}

/* A success, the model's or the resolver's: a descriptor of WHERE, or the entry (parent WHERE,
 * NAME), in ROOT. */
static void print_found(FILE *out, int is_fd, size_t root, const char *where, const char *name)
{
	if (is_fd) {
		fprintf(out, "descriptor of ");
		print_path(out, where);
		fprintf(out, " (root %zu)\n", root);
		return;
	}
	fprintf(out, "entry: root %zu, parent ", root);
	print_path(out, where);
	fprintf(out, ", name \"%s\"\n", name);
}

static void print_verdict(FILE *out, const char *who, const struct verdict *v)
{
	fprintf(out, "  %-6s ", who);
	if (v->err == 0) {
		print_found(out, v->is_fd, v->root, v->where, v->name);
	} else if (v->err == EACCES) {
		fprintf(out, "EACCES (%s)\n", esc_names[v->esc]);
	} else {
		fprintf(out, "%s\n", err_name(v->err));
	}
}

static void print_answer(FILE *out, const char *who, const struct answer *a)
{
	fprintf(out, "  %-6s ", who);
	if (a->rc == 0) {
		print_found(out, a->kind == LG_ENTRY_FD, a->root, a->where, a->name);
	} else if (a->rc == -LG_ERR_DENIED) {
		fprintf(out, "denied (why %s)\n", why_name(a->why));
	} else {
		fprintf(out, "%s\n", err_name(-a->rc));
	}
}

static void print_flags(FILE *out, unsigned flags)
{
	fprintf(out, "\"%s%s%s%s\n", flags & LG_FOLLOW_FINAL ? " LG_FOLLOW_FINAL" : "",
		flags & LG_SLASH_FOLLOWS ? " LG_SLASH_FOLLOWS" : "",
		flags & LG_EMPTY_IS_FD ? " LG_EMPTY_IS_FD" : "",
		flags & LG_MAGIC_FD ? " LG_MAGIC_FD" : "");
}

static void print_recipe(FILE *out, const struct recipe *r, const struct world *w)
{
	char p[PATH_MAX], target[PATH_MAX];

	fprintf(out, "  @T is %s\n", T);
	fprintf(out, "  tree: mkdir @T/root @T/out @T/rootevil; ln -s root @T/rootlink;"
		     " touch @T/f @T/root/f\n");
	for (unsigned i = 0; i < r->nentries; i++) {
		const struct entry *e = &r->e[i];

		if (!e->made)
			continue;
		join(p, w->dirs[e->parent], names[e->name]);
		fprintf(out, "        %s ", kind_names[e->kind]);
		if (e->kind == K_LINK) {
			render(&e->target, target, sizeof(target), 1);
			fputc('\'', out);
			print_path(out, target);
			fputs("' ", out);
		}
		print_path(out, p);
		fputc('\n', out);
	}
	fprintf(out, "  roots:");
	for (size_t i = 0; i < w->nroots; i++) {
		fputs(" \"", out);
		print_path(out, w->root[i].given);
		fputc('"', out);
	}
	fprintf(out, "\n  start: %s", start_names[r->start_kind]);
	if (r->start_kind != S_CLOSED) {
		fputc(' ', out);
		print_path(out, r->start_kind == S_FILE ? w->start_file : w->dirs[w->start_dir]);
	}
	fprintf(out, "\n  path:  \"");
	print_path(out, w->path);
	print_flags(out, r->flags);
	fprintf(out, "  then in the same lg_scope: \"");
	print_path(out, w->path2);
	print_flags(out, r->flags2);
}

/* ---------------------------------------------------------------- one input */

static struct {
	long entry, escape[8], error;
} stats;

static void count(const struct verdict *v)
{
	execs++;
	if (v->err == 0)
		stats.entry++;
	else if (v->err == EACCES)
		stats.escape[v->esc]++;
	else
		stats.error++;
}

static void print_stats(void)
{
	fprintf(stderr, "lg_fuzz: %ld inputs: %ld entries, %ld errors, escapes:", execs,
		stats.entry, stats.error);
	for (int i = 1; i <= ESC_FD_OUTSIDE; i++)
		fprintf(stderr, " %s %ld", esc_names[i], stats.escape[i]);
	fprintf(stderr, "; %ld kernel checks skipped (openat2 kept failing with EAGAIN)\n",
		inconclusive);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Everything one input asks and what the oracle says of it. */
struct run {
	struct recipe r;
	struct world w;
	struct lg_rootset sets[2]; /* LG_BACKEND_AUTO, LG_BACKEND_WALK */
	struct model spec, kern, spec2, kern2;
	int have_kern, have_kern2;
	struct answer one[2], pair1[2], pair2[2];
	struct problems p;
};

static void set_up(struct run *x, const uint8_t *data, size_t size)
{
	decode(data, size, &x->r);
	build(&x->r, &x->w);
	choose_roots(&x->r, &x->w);
	for (int b = 0; b < 2; b++) {
		lg_rootset_init(&x->sets[b], b ? LG_BACKEND_WALK : LG_BACKEND_AUTO);
		for (size_t i = 0; i < x->w.nroots; i++)
			if (lg_rootset_add(&x->sets[b], x->w.root[i].given) != 0)
				fail("lg_rootset_add", x->w.root[i].given);
	}
	/* The trusted /proc's one descriptor stays open from its first use on, which may be
	 * the first lookup: made here, it is no leak of a lookup's. */
	(void)lg_proc_root();
	open_start(&x->r, &x->w);
	render_path(&x->r.path, &x->w, x->w.path);
	render_path(&x->r.path2, &x->w, x->w.path2);
}

static void compare(struct run *x)
{
	static const char *const who[2][3] = {{"auto", "auto scope 1", "auto scope 2"},
					      {"walk", "walk scope 1", "walk scope 2"}};

	x->p.len = 0;
	x->p.count = 0;
	x->p.text[0] = '\0';
	for (int b = 0; b < 2; b++) {
		compare_answer(&x->p, who[b][0], &x->spec.end, &x->one[b]);
		compare_answer(&x->p, who[b][1], &x->spec.end, &x->pair1[b]);
		compare_answer(&x->p, who[b][2], &x->spec2.end, &x->pair2[b]);
	}
	compare_backends(&x->p, "lg_resolve", &x->one[0], &x->one[1]);
	compare_backends(&x->p, "scope 1", &x->pair1[0], &x->pair1[1]);
	compare_backends(&x->p, "scope 2", &x->pair2[0], &x->pair2[1]);
	check_model(&x->p, "path", &x->r, &x->w, x->w.path, &x->spec, &x->kern, x->have_kern);
	check_model(&x->p, "path 2", &x->r, &x->w, x->w.path2, &x->spec2, &x->kern2, x->have_kern2);
}

static void report(const struct run *x, size_t size)
{
	fprintf(stderr, "lg_fuzz: %s (%zu bytes)\n", x->p.count ? "DISAGREEMENT" : "input", size);
	print_recipe(stderr, &x->r, &x->w);
	print_verdict(stderr, "spec", &x->spec.end);
	print_answer(stderr, "auto", &x->one[0]);
	print_answer(stderr, "walk", &x->one[1]);
	print_verdict(stderr, "spec 2", &x->spec2.end);
	print_answer(stderr, "auto 2", &x->pair2[0]);
	print_answer(stderr, "walk 2", &x->pair2[1]);
	if (x->p.count > 0) {
		fprintf(stderr, "  problems:\n");
		print_path(stderr, x->p.text);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct run x;
	static int verbose = -1;

	if (verbose < 0) {
		verbose = getenv("LG_FUZZ_VERBOSE") != NULL;
		if (getenv("LG_FUZZ_STATS") != NULL)
			atexit(print_stats);
	}
	init_once();
	set_up(&x, data, size);
	for (int b = 0; b < 2; b++) {
		ask(&x.sets[b], &x.w, x.r.flags, &x.one[b]);
		ask_pair(&x.sets[b], &x.w, &x.r, &x.pair1[b], &x.pair2[b]);
	}
	model_spec(&x.spec, &x.r, &x.w, &x.r.path, x.w.path, x.r.flags);
	x.have_kern = model_kernel(&x.kern, &x.r, &x.w, x.w.path);
	model_spec(&x.spec2, &x.r, &x.w, &x.r.path2, x.w.path2, x.r.flags2);
	x.have_kern2 = model_kernel(&x.kern2, &x.r, &x.w, x.w.path2);
	compare(&x);
	count(&x.spec.end);
	if (x.p.count > 0 || verbose)
		report(&x, size);
	if (x.p.count > 0 && getenv("LG_FUZZ_KEEP") != NULL) {
		fprintf(stderr, "  the tree is kept in %s\n", T);
		abort();
	}
	teardown(&x.w, x.sets, 2);
	if (x.p.count > 0 && !keep_going) {
		remove_base(); /* abort() skips atexit() */
		abort();
	}
	failures += x.p.count > 0;
	return 0;
}

#ifdef LG_FUZZ_STANDALONE
/* A replay driver for builds without libFuzzer: every file named, and every file in every
 * directory named, is one input. Unlike libFuzzer it goes on after a disagreement. */
static int replay_file(const char *path)
{
	static uint8_t buf[1 << 16];
	FILE *f = fopen(path, "rb");
	long before;
	size_t n;

	if (f == NULL) {
		fprintf(stderr, "lg_fuzz_replay: %s: %s\n", path, strerror(errno));
		return 1;
	}
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	before = failures;
	LLVMFuzzerTestOneInput(buf, n);
	if (failures > before)
		fprintf(stderr, "lg_fuzz_replay: that was %s\n", path);
	return 0;
}

static int replay(const char *path)
{
	struct dirent **list;
	char p[PATH_MAX];
	struct stat st;
	int n, bad = 0;

	if (stat(path, &st) == 0 && !S_ISDIR(st.st_mode))
		return replay_file(path);
	n = scandir(path, &list, NULL, alphasort);
	if (n < 0) {
		fprintf(stderr, "lg_fuzz_replay: %s: %s\n", path, strerror(errno));
		return 1;
	}
	for (int i = 0; i < n; i++) {
		snprintf(p, sizeof(p), "%s/%s", path, list[i]->d_name);
		if (list[i]->d_name[0] != '.' && stat(p, &st) == 0 && S_ISREG(st.st_mode))
			bad |= replay_file(p);
		free(list[i]);
	}
	free(list);
	return bad;
}

int main(int argc, char **argv)
{
	int bad = 0;

	if (argc < 2) {
		fprintf(stderr,
			"usage: %s FILE|DIR...\n"
			"  replays fuzzer inputs, prints a reproducer for each disagreement and\n"
			"  fails if there was one\n",
			argv[0]);
		return 2;
	}
	keep_going = 1;
	for (int i = 1; i < argc; i++)
		bad |= replay(argv[i]);
	print_stats();
	if (failures > 0)
		fprintf(stderr, "lg_fuzz_replay: %ld of %ld inputs disagree\n", failures, execs);
	return bad || failures > 0;
}
#endif
