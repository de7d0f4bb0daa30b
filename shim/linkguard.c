/* linkguard.c - the launcher: run a command with its hard links and renames confined to roots. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lg_child.h"
#include "lg_contract.h"
#include "lg_kernel.h"
#include "lg_policy.h"

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
#define MAX_WRITABLE	16

static const char usage[] =
    "usage: linkguard [OPTION]... [--] COMMAND [ARG...]\n"
    "\n"
    "Run COMMAND with every hard link and rename it and its children make confined to the\n"
    "roots: link, linkat, rename, renameat and renameat2 on a path outside them, or escaping\n"
    "them through \"..\", a symlink or a descriptor, fail with EACCES and a line on stderr.\n"
    "Inside the roots everything behaves as without linkguard.\n"
    "\n"
    "  --root DIR         a confinement root (repeatable; default: the current directory)\n"
    "  --audit            report what would be denied, let it through, and count it on exit\n"
    "  --log DEST         stderr (default), none, or a file that gets JSON lines\n"
    "  --allow-static     let static (and foreign-architecture) binaries run unconfined\n"
    "  --allow-setuid     let set-user-ID programs run (the loader drops the preload)\n"
    "  --no-new-privs     run set-user-ID programs without privilege, and so confined\n"
    "  --kernel[=MODE]    the kernel layer (Landlock, seccomp), for what LD_PRELOAD can not\n"
    "                     reach (static binaries, raw system calls, io_uring, root); on by\n"
    "                     default as refer where the kernel has Landlock. MODE: refer: links\n"
    "                     and renames between directories must stay beneath the roots;\n"
    "                     strict: creating, removing and replacing entries too, beneath the\n"
    "                     roots and --allow-write dirs only; best-effort: refer, or a warning\n"
    "                     where the kernel has no Landlock. Plain --kernel fails without it\n"
    "  --no-kernel        the library alone (static and set-user-ID programs are refused)\n"
    "  --allow-write DIR  with --kernel=strict: DIR is writable too (repeatable; e.g. /tmp)\n"
    "  --help, --version\n"
    "\n"
    "Example (a build step that may only link and rename inside its workspace and /tmp):\n"
    "  mkdir -p /tmp/ws && cd /tmp/ws && echo data > a\n"
    "  linkguard --root \"$PWD\" --root /tmp -- sh -c 'ln a b && mv b c && ls'\n"
    "      -> a  c\n"
    "  linkguard --root \"$PWD\" -- mv a /var/tmp/stolen\n"
    "      -> linkguard: denied renameat2(\"a\", \"/var/tmp/stolen\"): \"/var/tmp/stolen\" is\n"
    "         outside root \"/tmp/ws\"\n"
    "         mv: cannot move 'a' to '/var/tmp/stolen': Permission denied    (status 1)\n"
    "\n"
    "Exit status: COMMAND's; 125 when linkguard itself fails (bad root, usage, no library, no\n"
    "Landlock for --kernel); 126 when COMMAND can not be run or is refused (static, setuid);\n"
    "127 when it is not found.\n";

struct options {
	int root_count;
	int writable_count;
	int audit;
	int allow_static;
	int allow_setuid;
	int no_new_privs;
	enum lg_kernel_mode kernel;
	const char *log;
	char roots[LG_MAX_ROOTS][PATH_MAX];
	char writable[MAX_WRITABLE][PATH_MAX];
};

__attribute__((format(printf, 2, 3), noreturn)) static void die(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("linkguard: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputs("\n", stderr);
	va_end(ap);
	exit(status);
}

/* The library: next to the launcher (build tree), in ../<libdir> (a relocated install), or at
 * the configured install path. */
static void find_library(char *out, size_t size)
{
	const char *libdir_name = strrchr(LG_INSTALL_LIBDIR, '/');
	char dir[PATH_MAX], candidates[3][PATH_MAX + 64];
	ssize_t n = readlink("/proc/self/exe", dir, sizeof(dir) - 1);

	if (n <= 0)
		die(EXIT_OWN_ERROR, "cannot find where the launcher runs from (is /proc mounted?)");
	dir[n] = '\0';
	*strrchr(dir, '/') = '\0';
	snprintf(candidates[0], sizeof(candidates[0]), "%s/%s", dir, LG_LIB_NAME);
	snprintf(candidates[1], sizeof(candidates[1]), "%s/..%s/%s", dir,
		 libdir_name ? libdir_name : "/lib", LG_LIB_NAME);
	snprintf(candidates[2], sizeof(candidates[2]), "%s/%s", LG_INSTALL_LIBDIR, LG_LIB_NAME);
	for (int i = 0; i < 3; i++) {
		if (access(candidates[i], R_OK) == 0 && realpath(candidates[i], out) != NULL &&
		    strlen(out) < size)
			return;
	}
	die(EXIT_OWN_ERROR, "cannot find %s next to the launcher or in %s", LG_LIB_NAME,
	    LG_INSTALL_LIBDIR);
}

/* The loader only warns and runs the program unconfined when a preload fails: load it here
 * first, so a broken library stops us instead. */
static void check_library_loads(const char *lib)
{
	if (dlopen(lib, RTLD_NOW | RTLD_LOCAL) == NULL)
		die(EXIT_OWN_ERROR, "the library can not be loaded: %s", dlerror());
}

/* An absolute spelling of dir as the user wrote it (both it and its canonical form count). */
static void absolute_dir(const char *what, const char *dir, char *out, size_t size)
{
	char cwd[PATH_MAX];
	struct stat st;
	int dot = strcmp(dir, ".") == 0;

	if (dir[0] == '\0')
		die(EXIT_OWN_ERROR, "%s needs a directory, not an empty string", what);
	if (strchr(dir, ':'))
		die(EXIT_OWN_ERROR, "%s \"%s\" contains ':', which separates roots", what, dir);
	if (stat(dir, &st) != 0)
		die(EXIT_OWN_ERROR, "%s \"%s\" does not exist", what, dir);
	if (!S_ISDIR(st.st_mode))
		die(EXIT_OWN_ERROR, "%s \"%s\" is not a directory", what, dir);
	if (dir[0] == '/') {
		if (strlen(dir) >= size)
			die(EXIT_OWN_ERROR, "%s \"%s\" is too long", what, dir);
		strcpy(out, dir);
		return;
	}
	if (getcwd(cwd, sizeof(cwd)) == NULL)
		die(EXIT_OWN_ERROR, "cannot read the current directory for %s \"%s\"", what, dir);
	if ((size_t)snprintf(out, size, "%s%s%s", cwd, dot ? "" : "/", dot ? "" : dir) >= size)
		die(EXIT_OWN_ERROR, "%s \"%s\" is too long", what, dir);
}

static const char *log_destination(const char *dest, char *buf, size_t size)
{
	char cwd[PATH_MAX];

	if (strcmp(dest, "stderr") == 0 || strcmp(dest, "none") == 0 || dest[0] == '/')
		return dest;
	if (dest[0] == '\0' || getcwd(cwd, sizeof(cwd)) == NULL ||
	    (size_t)snprintf(buf, size, "%s/%s", cwd, dest) >= size)
		die(EXIT_OWN_ERROR, "--log \"%s\" is not a usable destination", dest);
	return buf;
}

/* One option at argv[*i]; returns 0 at the end of the options. */
static int parse_option(struct options *o, int argc, char **argv, int *i)
{
	const char *a = argv[*i];
	const char *value = *i + 1 < argc ? argv[*i + 1] : NULL;

	if (strcmp(a, "--") == 0) {
		(*i)++;
		return 0;
	}
	if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
		fputs(usage, stdout);
		exit(0);
	}
	if (strcmp(a, "--version") == 0) {
		printf("linkguard %s\n", LG_VERSION);
		exit(0);
	}
	if (strcmp(a, "--audit") == 0)
		o->audit = 1;
	else if (strcmp(a, "--allow-static") == 0)
		o->allow_static = 1;
	else if (strcmp(a, "--allow-setuid") == 0)
		o->allow_setuid = 1;
	else if (strcmp(a, "--no-new-privs") == 0)
		o->no_new_privs = 1;
	else if (strcmp(a, "--kernel") == 0)
		o->kernel = LG_KERNEL_REFER;
	else if (strcmp(a, "--no-kernel") == 0)
		o->kernel = LG_KERNEL_NONE;
	else if (strncmp(a, "--kernel=", 9) == 0 && lg_kernel_mode_parse(a + 9, &o->kernel) == 0)
		;
	else if (strcmp(a, "--root") == 0 && value && o->root_count < LG_MAX_ROOTS)
		absolute_dir("root", argv[++*i], o->roots[o->root_count++], PATH_MAX);
	else if (strncmp(a, "--root=", 7) == 0 && o->root_count < LG_MAX_ROOTS)
		absolute_dir("root", a + 7, o->roots[o->root_count++], PATH_MAX);
	else if (strcmp(a, "--allow-write") == 0 && value && o->writable_count < MAX_WRITABLE)
		absolute_dir("--allow-write", argv[++*i], o->writable[o->writable_count++],
			     PATH_MAX);
	else if (strcmp(a, "--log") == 0 && value)
		o->log = argv[++*i];
	else {
		fprintf(stderr, "linkguard: bad option \"%s\"%s\n\n%s", a,
			value ? "" : " (or its value is missing)", usage);
		exit(EXIT_OWN_ERROR);
	}
	(*i)++;
	return 1;
}

static void set_roots(const struct options *o)
{
	static char list[LG_MAX_ROOTS * (PATH_MAX + 1)];
	size_t len = 0;

	for (int i = 0; i < o->root_count; i++)
		len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s",
					i ? LG_ROOT_SEP_STR : "", o->roots[i]);
	setenv(LG_ENV_ROOT, list, 1);
}

/* LD_AUDIT modules run with a libc of their own, out of the library's reach: not for the command.
 */
static void drop_audit_modules(void)
{
	if (getenv(LG_ENV_AUDIT) == NULL)
		return;
	fprintf(stderr, "linkguard: note: LD_AUDIT removed: an auditor module runs with a libc of "
			"its own, out of linkguard's reach\n");
	unsetenv(LG_ENV_AUDIT);
}

/* LD_PRELOAD with the library first (after a sanitizer runtime), once. */
static void preload_first(const char *lib)
{
	const char *old = getenv(LG_ENV_PRELOAD);
	size_t size;
	char *value;

	if (old != NULL && lg_preload_names(old, lib))
		return;
	size = strlen(lib) + (old ? strlen(old) : 0) + 2;
	value = malloc(size);
	if (value == NULL)
		die(EXIT_OWN_ERROR, "out of memory");
	setenv(LG_ENV_PRELOAD, lg_preload_with("", old, lib, value, size), 1);
	free(value);
}

/* The launcher's options as the policy the library will read from the environment. */
static void command_policy(const struct options *o, struct lg_policy *p)
{
	*p =
	    (struct lg_policy){.mode = o->audit ? LG_MODE_AUDIT : LG_MODE_ENFORCE,
			       .allow_static = o->allow_static,
			       .allow_setuid = o->allow_setuid,
			       .kernel_layer = o->kernel != LG_KERNEL_NONE && lg_kernel_in_force()};
}

/* The shim refuses these at exec; the launcher refuses them the same way for its command.
 * Returns 1 when --audit let a refusal through, for the exit summary. */
static int check_command(const struct options *o, char **argv)
{
	struct lg_policy policy;
	struct lg_exec_verdict v;
	char found[PATH_MAX], detail[160];
	enum lg_decision d;

	command_policy(o, &policy);
	d = lg_exec_judge(&policy, AT_FDCWD, lg_find_program(argv[0], found, sizeof(found)), 0,
			  argv, &v);
	if (d == LG_ALLOW)
		return 0;
	lg_exec_detail(&v, detail, sizeof(detail));
	if (d == LG_NOTE) {
		fprintf(stderr,
			"linkguard: note: \"%s\" is %s%s: not preloaded; kernel layer in force\n",
			v.program, lg_exec_kind_text(v.kind), detail);
		return 0;
	}
	if (d == LG_AUDIT) {
		fprintf(stderr, "linkguard: audit: would refuse \"%s\": it is %s%s\n", v.program,
			lg_exec_kind_text(v.kind), detail);
		return 1;
	}
	die(EXIT_CANNOT_RUN,
	    "refusing to run \"%s\": it is %s%s, which LD_PRELOAD can not confine; allow it with "
	    "%s "
	    "or confine it with --kernel",
	    v.program, lg_exec_kind_text(v.kind), detail,
	    v.kind == LG_EXEC_SETUID ? "--allow-setuid (or --no-new-privs)" : "--allow-static");
}

static void exec_command(char **argv)
{
	execvp(argv[0], argv);
	fprintf(stderr, "linkguard: cannot run \"%s\": %s\n", argv[0], strerror(errno));
	exit(errno == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_RUN);
}

/* --audit: run the command as a child and say, on exit, how much would have been denied. */
static int run_audited(char **argv, long refused_here)
{
	char counter[] = "/tmp/linkguard-audit-XXXXXX";
	int fd = mkostemp(counter, O_CLOEXEC), status;
	struct stat st;

	if (fd < 0)
		die(EXIT_OWN_ERROR, "cannot create the audit counter: %s", strerror(errno));
	setenv(LG_ENV_AUDIT_COUNTER, counter, 1);
	status = lg_child_run(argv, lg_kernel_in_force(), exec_command);
	fstat(fd, &st);
	unlink(counter);
	st.st_size += refused_here;
	fprintf(stderr, "linkguard: audit: %lld call%s would have been denied\n",
		(long long)st.st_size, st.st_size == 1 ? "" : "s");
	return lg_child_exit_status(status);
}

int main(int argc, char **argv)
{
	static struct options o = {.kernel = LG_KERNEL_AUTO};
	char lib[PATH_MAX], log_buf[PATH_MAX];
	int i = 1, refused;

	while (i < argc && argv[i][0] == '-' && parse_option(&o, argc, argv, &i))
		;
	if (i >= argc) {
		fprintf(stderr, "linkguard: no command given\n\n%s", usage);
		return EXIT_OWN_ERROR;
	}
	/* Audit (--audit, or LINKGUARD_MODE=audit for the library) lets escapes through to report
	 * them; the default kernel layer would refuse them. */
	if (o.kernel == LG_KERNEL_AUTO &&
	    (o.audit || (getenv(LG_ENV_MODE) && strcmp(getenv(LG_ENV_MODE), "audit") == 0)))
		o.kernel = LG_KERNEL_NONE;
	if (o.writable_count > 0 && o.kernel != LG_KERNEL_STRICT)
		die(EXIT_OWN_ERROR, "--allow-write only means something with --kernel=strict");
	if (o.root_count == 0)
		absolute_dir("root", ".", o.roots[o.root_count++], PATH_MAX);
	find_library(lib, sizeof(lib));
	set_roots(&o);
	if (o.audit)
		setenv(LG_ENV_MODE, "audit", 1);
	if (o.log)
		setenv(LG_ENV_LOG, log_destination(o.log, log_buf, sizeof(log_buf)), 1);
	if (o.allow_static)
		setenv(LG_ENV_STATIC, LG_ALLOW_VALUE, 1);
	if (o.allow_setuid)
		setenv(LG_ENV_SETUID, LG_ALLOW_VALUE, 1);
	if (o.no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		die(EXIT_OWN_ERROR, "cannot set no_new_privs: %s", strerror(errno));
	if (o.kernel != LG_KERNEL_NONE)
		lg_kernel_apply(o.kernel, o.roots, o.root_count, o.writable, o.writable_count);
	check_library_loads(lib);
	refused = check_command(&o, argv + i);
	preload_first(lib);
	drop_audit_modules();
	if (o.audit)
		return run_audited(argv + i, refused);
	/* Under the kernel layer the command gets a session of its own (no terminal to type into);
	 * the launcher stays its parent, for the signals the terminal now sends to it alone. */
	if (lg_kernel_in_force())
		return lg_child_exit_status(lg_child_run(argv + i, 1, exec_command));
	exec_command(argv + i);
	return EXIT_CANNOT_RUN;
}
