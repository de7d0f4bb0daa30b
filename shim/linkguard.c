/* linkguard.c - the launcher: run a command with its hard links and renames confined to roots. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef LG_VERSION
#define LG_VERSION "unknown"
#endif
#ifndef LG_INSTALL_LIBDIR
#define LG_INSTALL_LIBDIR "/usr/local/lib"
#endif
#ifndef LG_LIB_NAME
#define LG_LIB_NAME "liblinkguard.so"
#endif

#define EXIT_OWN_ERROR	125 /* as env(1): the launcher itself failed */
#define EXIT_CANNOT_RUN 126
#define EXIT_NOT_FOUND	127
#define MAX_ROOTS	16

static const char usage[] =
    "usage: linkguard [--root DIR]... [--] COMMAND [ARG...]\n"
    "\n"
    "Run COMMAND with every hard link and rename it (and its dynamically linked children)\n"
    "makes confined to DIR: link, linkat, rename, renameat and renameat2 on a path outside DIR,\n"
    "or escaping it through \"..\", a symlink or a descriptor, fail with EACCES and a line on\n"
    "stderr. Inside DIR everything behaves as without linkguard.\n"
    "\n"
    "  --root DIR   the confinement root (repeatable; default: the current directory)\n"
    "  --help       this text\n"
    "  --version    the version\n"
    "\n"
    "Environment passed on: LINKGUARD_ROOT (the roots, ':'-separated), LD_PRELOAD (the library\n"
    "first). Also read by the library: LINKGUARD_MODE=enforce|audit, LINKGUARD_LOG=stderr|none|\n"
    "/abs/file.jsonl, LINKGUARD_RESOLVER=auto|walk.\n"
    "\n"
    "Example (a build step that may only link and rename inside its workspace):\n"
    "  mkdir -p /tmp/ws && cd /tmp/ws && echo data > a\n"
    "  linkguard --root /tmp/ws -- sh -c 'ln a b && mv b c && ls'\n"
    "      -> a  c\n"
    "  linkguard --root /tmp/ws -- mv a /tmp/stolen\n"
    "      -> linkguard: denied rename(\"a\", \"/tmp/stolen\"): \"/tmp/stolen\" is outside root\n"
    "         \"/tmp/ws\"\n"
    "         mv: cannot move 'a' to '/tmp/stolen': Permission denied    (exit status 1)\n"
    "\n"
    "Exit status: COMMAND's; 125 when linkguard itself fails (bad root, usage, no library);\n"
    "126 when COMMAND can not be run; 127 when it is not found.\n";

__attribute__((format(printf, 1, 2), noreturn)) static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("linkguard: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputs("\n", stderr);
	va_end(ap);
	exit(EXIT_OWN_ERROR);
}

/* dir of the running launcher into out; the build tree and the install both start from it. */
static void launcher_dir(char *out, size_t size)
{
	ssize_t n = readlink("/proc/self/exe", out, size - 1);

	if (n <= 0)
		die("cannot find where %s runs from (is /proc mounted?)", "linkguard");
	out[n] = '\0';
	*strrchr(out, '/') = '\0';
}

/* The library: next to the launcher (build tree), in ../<libdir> (relocated install), or at
 * the configured install path. */
static void find_library(char *out, size_t size)
{
	char dir[PATH_MAX];
	const char *libdir_name = strrchr(LG_INSTALL_LIBDIR, '/');
	char candidates[3][PATH_MAX + 64];

	launcher_dir(dir, sizeof(dir));
	snprintf(candidates[0], sizeof(candidates[0]), "%s/%s", dir, LG_LIB_NAME);
	snprintf(candidates[1], sizeof(candidates[1]), "%s/..%s/%s", dir,
		 libdir_name ? libdir_name : "/lib", LG_LIB_NAME);
	snprintf(candidates[2], sizeof(candidates[2]), "%s/%s", LG_INSTALL_LIBDIR, LG_LIB_NAME);
	for (int i = 0; i < 3; i++) {
		if (access(candidates[i], R_OK) == 0 && realpath(candidates[i], out) != NULL &&
		    strlen(out) < size)
			return;
	}
	die("cannot find %s next to the launcher or in the install's library directory",
	    LG_LIB_NAME);
}

/* An absolute spelling of dir, as the user wrote it (so both it and its canonical form
 * count); it must be an existing directory. */
static void absolute_root(const char *dir, char *out, size_t size)
{
	char cwd[PATH_MAX];
	struct stat st;

	if (dir[0] == '\0')
		die("--root needs a directory, not an empty string");
	if (strchr(dir, ':'))
		die("root \"%s\" contains ':', which separates roots in LINKGUARD_ROOT", dir);
	if (stat(dir, &st) != 0)
		die("root \"%s\" does not exist", dir);
	if (!S_ISDIR(st.st_mode))
		die("root \"%s\" is not a directory", dir);
	if (dir[0] == '/') {
		if (strlen(dir) >= size)
			die("root \"%s\" is too long", dir);
		strcpy(out, dir);
		return;
	}
	if (getcwd(cwd, sizeof(cwd)) == NULL)
		die("cannot read the current directory for root \"%s\"", dir);
	if ((size_t)snprintf(out, size, "%s%s%s", cwd, strcmp(dir, ".") ? "/" : "",
			     strcmp(dir, ".") ? dir : "") >= size)
		die("root \"%s\" is too long", dir);
}

/* LD_PRELOAD with the library first, once. */
static void preload_first(const char *lib)
{
	const char *old = getenv("LD_PRELOAD");
	char *value;

	if (old == NULL || *old == '\0') {
		setenv("LD_PRELOAD", lib, 1);
		return;
	}
	if (asprintf(&value, "%s:%s", lib, old) < 0)
		die("out of memory");
	setenv("LD_PRELOAD", value, 1);
	free(value);
}

static void set_roots(char roots[][PATH_MAX], int count)
{
	char list[MAX_ROOTS * (PATH_MAX + 1)];
	size_t len = 0;

	for (int i = 0; i < count; i++) {
		len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s", i ? ":" : "",
					roots[i]);
	}
	setenv("LINKGUARD_ROOT", list, 1);
}

int main(int argc, char **argv)
{
	static char roots[MAX_ROOTS][PATH_MAX];
	char lib[PATH_MAX];
	int count = 0, i;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		} else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(usage, stdout);
			return 0;
		} else if (strcmp(argv[i], "--version") == 0) {
			printf("linkguard %s\n", LG_VERSION);
			return 0;
		} else if (strcmp(argv[i], "--root") == 0 && i + 1 < argc) {
			if (count == MAX_ROOTS)
				die("at most %d roots", MAX_ROOTS);
			absolute_root(argv[++i], roots[count++], PATH_MAX);
		} else if (strncmp(argv[i], "--root=", 7) == 0) {
			if (count == MAX_ROOTS)
				die("at most %d roots", MAX_ROOTS);
			absolute_root(argv[i] + 7, roots[count++], PATH_MAX);
		} else {
			fprintf(stderr, "linkguard: unknown option \"%s\"\n\n%s", argv[i], usage);
			return EXIT_OWN_ERROR;
		}
	}
	if (i >= argc) {
		fprintf(stderr, "linkguard: no command given\n\n%s", usage);
		return EXIT_OWN_ERROR;
	}
	if (count == 0)
		absolute_root(".", roots[count++], PATH_MAX);
	find_library(lib, sizeof(lib));
	set_roots(roots, count);
	preload_first(lib);
	execvp(argv[i], argv + i);
	fprintf(stderr, "linkguard: cannot run \"%s\": %s\n", argv[i], strerror(errno));
	return errno == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_RUN;
}
