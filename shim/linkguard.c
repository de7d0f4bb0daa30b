/* linkguard.c - the launcher: run a command with its hard links and renames confined to roots. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lg_child.h"
#include "lg_collect.h"
#include "lg_contract.h"
#include "lg_kernel.h"
#include "lg_policy.h"

#ifndef LG_VERSION
#define LG_VERSION "unknown"
#endif
#ifndef LG_INSTALL_LIBDIR
#define LG_INSTALL_LIBDIR "/usr/local/lib"
#endif
#ifndef LG_LIBDIR_FROM_BINDIR
#define LG_LIBDIR_FROM_BINDIR "../lib"
#endif
#ifndef LG_LIB_NAME
#define LG_LIB_NAME "liblinkguard.so"
#endif

#define MAX_WRITABLE   16
#define MAX_ALLOW_EXEC 16

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
    "  --allow-exec PATH  let this one program run although LD_PRELOAD can not reach it (a\n"
    "                     static or set-user-ID binary; by identity: device and inode;\n"
    "                     repeatable)\n"
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
    "At exit, linkguard says how many calls were denied and where the full list is; with\n"
    "--audit it ends with the roots that would have let the command through (learn mode),\n"
    "e.g. \"linkguard: to allow these 146 calls: --root ~/.npm\".\n"
    "\n"
    "Exit status: COMMAND's; 125 when linkguard itself fails (bad root, usage, no library, no\n"
    "Landlock for --kernel, a log it can not write); 126 when COMMAND can not be run or is\n"
    "refused (static, setuid); 127 when it is not found. See linkguard(1).\n";

struct options {
	int root_count;
	int writable_count;
	int allow_exec_count;
	int audit;
	int allow_static;
	int allow_setuid;
	int no_new_privs;
	enum lg_kernel_mode kernel;
	int kernel_asked; /* --kernel given: say at start what the layer answers */
	const char *log;
	char roots[LG_MAX_ROOTS][PATH_MAX];
	char writable[MAX_WRITABLE][PATH_MAX];
	struct stat allow_exec[MAX_ALLOW_EXEC]; /* --allow-exec: the programs' identities */
};

/* The library: next to the launcher (build tree), at the libdir relative to the bindir (an
 * install under any prefix: a package), or at the configured install path. */
static void find_library(char *out, size_t size)
{
	char dir[PATH_MAX], candidates[3][PATH_MAX + 64];
	ssize_t n = readlink("/proc/self/exe", dir, sizeof(dir) - 1);

	if (n <= 0)
		lg_die(LG_EXIT_OWN_ERROR,
		       "cannot find where the launcher runs from (is /proc mounted?)");
	dir[n] = '\0';
	*strrchr(dir, '/') = '\0';
	snprintf(candidates[0], sizeof(candidates[0]), "%s/%s", dir, LG_LIB_NAME);
	snprintf(candidates[1], sizeof(candidates[1]), "%s/%s/%s", dir, LG_LIBDIR_FROM_BINDIR,
		 LG_LIB_NAME);
	snprintf(candidates[2], sizeof(candidates[2]), "%s/%s", LG_INSTALL_LIBDIR, LG_LIB_NAME);
	for (int i = 0; i < 3; i++) {
		if (access(candidates[i], R_OK) == 0 && realpath(candidates[i], out) != NULL &&
		    strlen(out) < size)
			return;
	}
	lg_die(LG_EXIT_OWN_ERROR, "cannot find %s next to the launcher or in %s", LG_LIB_NAME,
	       LG_INSTALL_LIBDIR);
}

/* The loader only warns and runs the program unconfined when a preload fails: load it here
 * first, so a broken library stops us instead. */
static void check_library_loads(const char *lib)
{
	if (dlopen(lib, RTLD_NOW | RTLD_LOCAL) == NULL)
		lg_die(LG_EXIT_OWN_ERROR, "the library can not be loaded: %s", dlerror());
}

/* What the exec check (lg_exec_check.c) asks of the program that links it: the launcher is ours,
 * so the loader's own answers do. */
const char *lg_loader_path(void)
{
	Dl_info info;
	void *base = (void *)getauxval(AT_BASE);

	return base != NULL && dladdr(base, &info) != 0 ? info.dli_fname : NULL;
}

const char *lg_errno_name(int err)
{
#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 32)
	return strerrorname_np(err); /* strerror may allocate */
#else
	(void)err;
	return NULL;
#endif
}

/* dir as one shell word: as it is when it is plain, else in single quotes. */
static const char *shell_word(const char *dir, char *buf, size_t size)
{
	size_t n = 0;

	if (dir[strspn(
		dir, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_/.,:@%+=-")] ==
	    '\0')
		return dir;
	buf[n++] = '\'';
	for (; *dir && n + 5 < size; dir++) {
		if (*dir == '\'') {
			memcpy(buf + n, "'\\''", 4);
			n += 4;
		} else {
			buf[n++] = *dir;
		}
	}
	buf[n++] = '\'';
	buf[n] = '\0';
	return buf;
}

/* An absolute spelling of dir as the user wrote it (both it and its canonical form count). */
static void absolute_dir(const char *what, const char *dir, char *out, size_t size)
{
	char cwd[PATH_MAX], quoted[2 * PATH_MAX];
	struct stat st;
	int dot = strcmp(dir, ".") == 0;

	if (dir[0] == '\0')
		lg_die(LG_EXIT_OWN_ERROR, "%s needs a directory, not an empty string", what);
	if (strchr(dir, ':'))
		lg_die(LG_EXIT_OWN_ERROR, "%s \"%s\" contains ':', which separates roots", what,
		       dir);
	if (stat(dir, &st) != 0 && errno == ENOENT)
		lg_die(LG_EXIT_OWN_ERROR, "%s \"%s\" does not exist; create it with: mkdir -p %s",
		       what, dir, shell_word(dir, quoted, sizeof(quoted)));
	if (stat(dir, &st) != 0)
		lg_die(LG_EXIT_OWN_ERROR, "%s \"%s\" can not be used: %s", what, dir,
		       strerror(errno));
	if (!S_ISDIR(st.st_mode))
		lg_die(LG_EXIT_OWN_ERROR, "%s \"%s\" is not a directory", what, dir);
	if (dir[0] == '/') {
		if (strlen(dir) >= size)
			lg_die(LG_EXIT_OWN_ERROR, "%s \"%s\" is too long", what, dir);
		strcpy(out, dir);
		return;
	}
	if (getcwd(cwd, sizeof(cwd)) == NULL)
		lg_die(LG_EXIT_OWN_ERROR, "cannot read the current directory for %s \"%s\"", what,
		       dir);
	if ((size_t)snprintf(out, size, "%s%s%s", cwd, dot ? "" : "/", dot ? "" : dir) >= size)
		lg_die(LG_EXIT_OWN_ERROR, "%s \"%s\" is too long", what, dir);
}

static const char *log_destination(const char *dest, char *buf, size_t size)
{
	char cwd[PATH_MAX];

	if (strcmp(dest, "stderr") == 0 || strcmp(dest, "none") == 0 || dest[0] == '/')
		return dest;
	if (dest[0] == '\0' || getcwd(cwd, sizeof(cwd)) == NULL ||
	    (size_t)snprintf(buf, size, "%s/%s", cwd, dest) >= size)
		lg_die(LG_EXIT_OWN_ERROR, "--log \"%s\" is not a usable destination", dest);
	return buf;
}

/* No --root: the current directory, unless it can not be one or would confine nothing. */
static void default_root(struct options *o)
{
	char cwd[PATH_MAX];

	if (getcwd(cwd, sizeof(cwd)) == NULL)
		lg_die(LG_EXIT_OWN_ERROR, "cannot read the current directory, the default root: %s",
		       strerror(errno));
	if (strchr(cwd, ':'))
		lg_die(
		    LG_EXIT_OWN_ERROR,
		    "the current directory \"%s\", the default root, contains ':', which separates "
		    "roots; run linkguard from another directory, or pass --root",
		    cwd);
	if (strcmp(cwd, "/") == 0)
		lg_die(
		    LG_EXIT_OWN_ERROR,
		    "the current directory is /, which as the default root would confine nothing; "
		    "pass --root DIR (--root / if that is what you mean)");
	absolute_dir("root", ".", o->roots[o->root_count++], PATH_MAX);
}

/* --allow-exec: the program, by identity (a rename or a copy elsewhere is not it). */
static void allow_exec(struct options *o, const char *program)
{
	char found[PATH_MAX];
	const char *path = program;

	if (o->allow_exec_count == MAX_ALLOW_EXEC)
		lg_die(LG_EXIT_OWN_ERROR, "--allow-exec: at most %d programs", MAX_ALLOW_EXEC);
	path = lg_find_program(program, found, sizeof(found));
	if (strchr(path, '/') == NULL)
		lg_die(LG_EXIT_OWN_ERROR, "--allow-exec \"%s\": not found in PATH", program);
	if (stat(path, &o->allow_exec[o->allow_exec_count]) != 0)
		lg_die(LG_EXIT_OWN_ERROR, "--allow-exec \"%s\": %s", program, strerror(errno));
	if (!S_ISREG(o->allow_exec[o->allow_exec_count].st_mode))
		lg_die(LG_EXIT_OWN_ERROR, "--allow-exec \"%s\" is not a regular file", program);
	o->allow_exec_count++;
}

/* LINKGUARD_ALLOW_EXEC: "DEV:INO,..." for the library's exec gate. */
static void set_allow_exec(const struct options *o)
{
	char list[MAX_ALLOW_EXEC * 48] = "";
	size_t len = 0;

	if (o->allow_exec_count == 0)
		return;
	for (int i = 0; i < o->allow_exec_count; i++)
		len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%llu:%llu", i ? "," : "",
					(unsigned long long)o->allow_exec[i].st_dev,
					(unsigned long long)o->allow_exec[i].st_ino);
	setenv(LG_ENV_ALLOW_EXEC, list, 1);
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
		o->kernel = LG_KERNEL_REFER, o->kernel_asked = 1;
	else if (strcmp(a, "--no-kernel") == 0)
		o->kernel = LG_KERNEL_NONE;
	else if (strncmp(a, "--kernel=", 9) == 0 && lg_kernel_mode_parse(a + 9, &o->kernel) == 0)
		o->kernel_asked = 1;
	else if (strcmp(a, "--root") == 0 && value && o->root_count < LG_MAX_ROOTS)
		absolute_dir("root", argv[++*i], o->roots[o->root_count++], PATH_MAX);
	else if (strncmp(a, "--root=", 7) == 0 && o->root_count < LG_MAX_ROOTS)
		absolute_dir("root", a + 7, o->roots[o->root_count++], PATH_MAX);
	else if (strcmp(a, "--allow-write") == 0 && value && o->writable_count < MAX_WRITABLE)
		absolute_dir("--allow-write", argv[++*i], o->writable[o->writable_count++],
			     PATH_MAX);
	else if (strcmp(a, "--allow-exec") == 0 && value)
		allow_exec(o, argv[++*i]);
	else if (strcmp(a, "--log") == 0 && value)
		o->log = argv[++*i];
	else {
		fprintf(stderr, "linkguard: bad option \"%s\"%s\n\n%s", a,
			value ? "" : " (or its value is missing)", usage);
		exit(LG_EXIT_OWN_ERROR);
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

/* The user namespace a process started in is the library's to hand on (LG_ENV_USERNS); a value
 * from the caller's environment would name another and refuse every exec. */
static void drop_inherited_userns(void)
{
	unsetenv(LG_ENV_USERNS);
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
		lg_die(LG_EXIT_OWN_ERROR, "out of memory");
	setenv(LG_ENV_PRELOAD, lg_preload_with("", old, lib, value, size), 1);
	free(value);
}

/* The launcher's options as the policy the library will read from the environment. */
static void command_policy(const struct options *o, struct lg_policy *p)
{
	*p = (struct lg_policy){.mode = o->audit ? LG_MODE_AUDIT : LG_MODE_ENFORCE,
				.allow_static = o->allow_static,
				.allow_setuid = o->allow_setuid,
				.kernel_layer = o->kernel != LG_KERNEL_NONE && lg_kernel_in_force(),
				.allow_exec = getenv(LG_ENV_ALLOW_EXEC)};
}

/* The launcher's own record of a refusal --audit lets through: the same pipe as the library's
 * records, so the summary counts it and learn mode suggests --allow-exec. */
static void report_audited_refusal(int report_fd, const char *program, const char *kind)
{
	char record[PIPE_BUF];
	int n = snprintf(record, sizeof(record),
			 "{\"pid\":%ld,\"call\":\"execve\",\"old\":\"%.*s\",\"new\":null,"
			 "\"decision\":\"audit\",\"reason\":\"it is %s\",\"why\":\"exec\","
			 "\"path\":\"%.*s\",\"at\":null}\n",
			 (long)getpid(), 1000, program, kind, 1000, program);

	/* A path with a quote or a control character would need escaping; it only loses the
	 * suggestion, not the count. */
	if (strpbrk(program, "\"\\") != NULL)
		n = snprintf(record, sizeof(record),
			     "{\"pid\":%ld,\"call\":\"execve\",\"old\":null,\"new\":null,"
			     "\"decision\":\"audit\",\"reason\":\"it is %s\",\"why\":\"exec\"}\n",
			     (long)getpid(), kind);
	if (report_fd >= 0 && n > 0 && (size_t)n < sizeof(record))
		(void)!write(report_fd, record, (size_t)n);
}

/* The shim refuses these at exec; the launcher refuses them the same way for its command. */
static void check_command(const struct options *o, char **argv, int report_fd)
{
	struct lg_policy policy;
	struct lg_exec_verdict v;
	char found[PATH_MAX], detail[LG_EXEC_DETAIL_MAX];
	enum lg_decision d;

	command_policy(o, &policy);
	d = lg_exec_judge(&policy, AT_FDCWD, lg_find_program(argv[0], found, sizeof(found)), 0,
			  argv, &v);
	if (d == LG_ALLOW)
		return;
	lg_exec_detail(&v, detail, sizeof(detail));
	if (d == LG_NOTE) {
		fprintf(stderr,
			"linkguard: note: \"%s\" is %s%s: not preloaded; kernel layer in force\n",
			v.program, lg_exec_kind_text(v.kind), detail);
		return;
	}
	if (d == LG_AUDIT) {
		fprintf(stderr, "linkguard: audit: would refuse \"%s\": it is %s%s\n", v.program,
			lg_exec_kind_text(v.kind), detail);
		report_audited_refusal(report_fd, v.program, lg_exec_kind_text(v.kind));
		return;
	}
	lg_die(
	    LG_EXIT_CANNOT_RUN,
	    "refusing to run \"%s\": it is %s%s, which LD_PRELOAD can not confine; allow it with "
	    "%s, --allow-exec %s, or confine it with --kernel",
	    v.program, lg_exec_kind_text(v.kind), detail,
	    v.kind == LG_EXEC_SETUID ? "--allow-setuid (or --no-new-privs)" : "--allow-static",
	    v.program);
}

static void exec_command(char **argv)
{
	execvp(argv[0], argv);
	fprintf(stderr, "linkguard: cannot run \"%s\": %s\n", argv[0], strerror(errno));
	exit(errno == ENOENT ? LG_EXIT_NOT_FOUND : LG_EXIT_CANNOT_RUN);
}

/* Once, at start: Landlock answers with no message of its own, so say what it answers (when
 * the layer was asked for: a default layer stays quiet, as the library answers first). */
static void say_kernel_layer(const struct options *o)
{
	if (!o->kernel_asked || !lg_kernel_in_force() || (o->log && strcmp(o->log, "none") == 0))
		return;
	if (o->kernel == LG_KERNEL_STRICT)
		fputs(
		    "linkguard: kernel layer in force (Landlock, strict): what escapes the library "
		    "fails in the kernel, EXDEV for a link or rename out of the roots, EACCES for "
		    "creating, removing or replacing entries outside them\n",
		    stderr);
	else
		fputs(
		    "linkguard: kernel layer in force (Landlock, refer): a link or rename between "
		    "directories out of the roots that escapes the library fails with EXDEV\n",
		    stderr);
}

/* Signals the launcher passes on to the command, and SIGCHLD; blocked, read from a signalfd. */
static const int forwarded[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};

static void signal_set(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGCHLD);
	sigaddset(set, SIGTSTP);
	for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
		sigaddset(set, forwarded[i]);
}

/* Whether the launcher was dumpable before it made itself not dumpable (see run()). */
static int was_dumpable = 1;

/* The command's side of the fork: the kernel layer, the checks, the exec. */
__attribute__((noreturn)) static void run_child(struct options *o, const char *lib, char **argv,
						int report_fd, const sigset_t *old_mask)
{
	/* The pipe crosses exec; the library reads its number from LINKGUARD_REPORT_FD. */
	if (report_fd >= 0)
		fcntl(report_fd, F_SETFD, 0);
	sigprocmask(SIG_SETMASK, old_mask, NULL);
	/* The launcher made itself not dumpable for its own sake; the command is as it was. */
	prctl(PR_SET_DUMPABLE, was_dumpable, 0, 0, 0);
	if (o->kernel != LG_KERNEL_NONE)
		lg_kernel_apply(o->kernel, o->roots, o->root_count, o->writable, o->writable_count);
	/* Under the kernel layer the command gets a session of its own: no terminal to type into
	 * (TIOCSTI); the launcher, its parent, passes on the signals the terminal sends it alone.
	 */
	if (lg_kernel_in_force() && setsid() < 0)
		lg_die(LG_EXIT_OWN_ERROR, "setsid: %s", strerror(errno));
	say_kernel_layer(o);
	check_command(o, argv, report_fd);
	preload_first(lib);
	drop_audit_modules();
	drop_inherited_userns();
	exec_command(argv);
	_exit(LG_EXIT_CANNOT_RUN);
}

/* Pass a signal on: to the command's process group when it leads one, else to it. */
static void forward(pid_t child, int sig)
{
	if (getpgid(child) == child && getpgid(0) != child)
		kill(-child, sig);
	else
		kill(child, sig);
}

/* A terminal's ^C or ^\ reaches the command's process group itself when it shares the
 * launcher's session: passing it on would deliver it twice. */
static int from_own_terminal(pid_t child, int sig)
{
	return (sig == SIGINT || sig == SIGQUIT) && getsid(child) == getsid(0);
}

/* The launcher's side: read the records until the command has ended, pass signals on.
 * Returns the command's wait status. */
static int supervise(pid_t child, int report_fd, int signals)
{
	char buf[PIPE_BUF * 4];
	int status = 0, done = 0;

	while (!done) {
		struct pollfd p[2] = {{.fd = report_fd, .events = POLLIN},
				      {.fd = signals, .events = POLLIN}};
		struct signalfd_siginfo si;

		if (poll(p, 2, -1) < 0 && errno != EINTR)
			lg_die(LG_EXIT_OWN_ERROR, "poll: %s", strerror(errno));
		if (p[0].revents & POLLIN) {
			ssize_t n = read(report_fd, buf, sizeof(buf));

			if (n > 0)
				lg_collect_bytes(buf, (size_t)n);
		} else if (p[0].revents & (POLLHUP | POLLERR)) {
			p[0].fd = -1;
			report_fd = -1;
		}
		if (!(p[1].revents & POLLIN) || read(signals, &si, sizeof(si)) != sizeof(si))
			continue;
		if ((int)si.ssi_signo == SIGTSTP) {
			/* ^Z: a child in a session of its own ignores SIGTSTP (an orphaned process
			 * group); stop it, stop ourselves, continue it on return. */
			kill(child, SIGSTOP);
			kill(getpid(), SIGSTOP);
			kill(child, SIGCONT);
		} else if ((int)si.ssi_signo != SIGCHLD) {
			if (!from_own_terminal(child, (int)si.ssi_signo))
				forward(child, (int)si.ssi_signo);
		} else
			done = waitpid(child, &status, WNOHANG) == child;
	}
	/* What the command's processes wrote before it ended. */
	if (report_fd >= 0) {
		ssize_t n;

		fcntl(report_fd, F_SETFL, O_NONBLOCK);
		while ((n = read(report_fd, buf, sizeof(buf))) > 0)
			lg_collect_bytes(buf, (size_t)n);
	}
	return status;
}

/*
 * Run the command as a child, and stay its parent: every confined process sends its denials
 * through a pipe the launcher opened, which gives the log, the summary at exit and learn mode
 * without a temporary file; signals sent to the launcher reach the command.
 */
__attribute__((noreturn)) static void run(struct options *o, const char *lib, char **argv,
					  int logging)
{
	int channel[2] = {-1, -1}, signals, status;
	sigset_t mask, old_mask;
	char number[16];
	pid_t child;

	if (logging) {
		if (pipe2(channel, O_CLOEXEC) != 0)
			lg_die(LG_EXIT_OWN_ERROR, "cannot open the report pipe: %s",
			       strerror(errno));
		snprintf(number, sizeof(number), "%d", channel[1]);
		setenv(LG_ENV_REPORT_FD, number, 1);
	}
	signal_set(&mask);
	sigprocmask(SIG_BLOCK, &mask, &old_mask);
	signals = signalfd(-1, &mask, SFD_CLOEXEC);
	if (signals < 0)
		lg_die(LG_EXIT_OWN_ERROR, "signalfd: %s", strerror(errno));
	fflush(NULL);
	/* The command runs as the same user: it must not read the launcher's memory or take over
	 * its descriptors (/proc/PID/fd) to rewrite the log or the launcher's copy of it. Before
	 * the fork, so that there is no moment after the command starts when it could. */
	was_dumpable = prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	child = fork();
	if (child < 0)
		lg_die(LG_EXIT_OWN_ERROR, "fork: %s", strerror(errno));
	if (child == 0)
		run_child(o, lib, argv, channel[1], &old_mask);
	close(channel[1]);
	status = supervise(child, channel[0], signals);
	lg_collect_finish();
	fflush(NULL);
	sigprocmask(SIG_SETMASK, &old_mask, NULL);
	exit(lg_child_exit_status(status));
}

int main(int argc, char **argv)
{
	static struct options o = {.kernel = LG_KERNEL_AUTO};
	char lib[PATH_MAX], log_buf[PATH_MAX];
	enum lg_collect_log where = LG_COLLECT_STDERR;
	const char *log = "stderr";
	int i = 1, err;

	while (i < argc && argv[i][0] == '-' && parse_option(&o, argc, argv, &i))
		;
	if (i >= argc) {
		fprintf(stderr, "linkguard: no command given\n\n%s", usage);
		return LG_EXIT_OWN_ERROR;
	}
	if (o.writable_count > 0 && o.kernel != LG_KERNEL_STRICT)
		lg_die(LG_EXIT_OWN_ERROR,
		       "--allow-write only means something with --kernel=strict");
	if (o.root_count == 0)
		default_root(&o);
	find_library(lib, sizeof(lib));
	set_roots(&o);
	set_allow_exec(&o);
	/* The environment's settings are the defaults of the options. */
	if (!o.log && getenv(LG_ENV_LOG))
		o.log = getenv(LG_ENV_LOG);
	if (!o.audit && getenv(LG_ENV_MODE) && strcmp(getenv(LG_ENV_MODE), "audit") == 0)
		o.audit = 1;
	/* Audit lets escapes through to report them; the default kernel layer would refuse them. */
	if (o.kernel == LG_KERNEL_AUTO && o.audit)
		o.kernel = LG_KERNEL_NONE;
	if (o.audit)
		setenv(LG_ENV_MODE, "audit", 1);
	if (o.log) {
		log = log_destination(o.log, log_buf, sizeof(log_buf));
		setenv(LG_ENV_LOG, log, 1);
	}
	if (strcmp(log, "none") == 0)
		where = LG_COLLECT_NONE;
	else if (strcmp(log, "stderr") != 0)
		where = LG_COLLECT_FILE;
	/* Before the command starts: a job must not run for an hour and lose its log. */
	if (where == LG_COLLECT_FILE && (err = lg_collect_open_log(log)) != 0)
		lg_die(LG_EXIT_OWN_ERROR, "cannot write the log \"%s\": %s", log, strerror(-err));
	if (o.allow_static)
		setenv(LG_ENV_STATIC, LG_ALLOW_VALUE, 1);
	if (o.allow_setuid)
		setenv(LG_ENV_SETUID, LG_ALLOW_VALUE, 1);
	if (o.no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		lg_die(LG_EXIT_OWN_ERROR, "cannot set no_new_privs: %s", strerror(errno));
	check_library_loads(lib);
	lg_collect_start(o.audit, where);
	run(&o, lib, argv + i, where != LG_COLLECT_NONE || o.audit);
}
