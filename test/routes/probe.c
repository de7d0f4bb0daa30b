/* probe.c - one attempt on the kernel layer's boundary from the command line; prints "ok" or
 * "err ENAME" (exit 0 / 1), as lgcall does. Used by test/routes/kernel.bats:
 *
 *   write PATH DATA          open(PATH, O_WRONLY) and write DATA (a sysctl, a sysfs file, ...)
 *   open PATH ro|wo|rw       open only (a raw block device: nothing is written)
 *   blk-size PATH            ioctl(BLKGETSIZE64) on a block device opened read-only
 *   tiocsti FD|PATH TEXT     type TEXT into a terminal with TIOCSTI, one byte at a time
 *   finit-module PATH        load PATH as a kernel module (a file that is not one is refused
 *                            by the loader with ENOEXEC; that is far enough)
 *   mknod-block PATH         make a block device node (7, 0: loop0)
 *   kill PID SIG             send signal SIG to PID (0: only check that it may)
 *   abstract-listen NAME     listen on the abstract unix socket @NAME, print "ready", accept
 *                            one connection, print "accepted"
 *   abstract-connect NAME    connect to @NAME
 *   crash                    die of SIGSEGV (a core dump, for core_pattern)
 *   i386-getpid, x32-getpid  (x86_64) getpid by `int $0x80` (the i386 table), and with the x32
 *                            bit set: another architecture's system calls
 *   no-landlock CMD [ARG...] run CMD where landlock_create_ruleset fails with ENOSYS (a seccomp
 *                            filter), as on a kernel without Landlock
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/fs.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#endif

static int report(long ret, int err)
{
	const char *name;

	if (ret >= 0) {
		printf("ok\n");
		return 0;
	}
	name = strerrorname_np(err);
	printf("err %s\n", name ? name : "EUNKNOWN");
	return 1;
}

/* report(r, errno) evaluates errno before the call: one step at a time. */
static int report_call(long r)
{
	return report(r, errno);
}

static int do_write(const char *path, const char *data)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), errsv;
	ssize_t n;

	if (fd < 0)
		return report(-1, errno);
	n = write(fd, data, strlen(data));
	errsv = errno;
	close(fd);
	return report(n, errsv);
}

static int do_open(const char *path, const char *how)
{
	int flags = strcmp(how, "rw") == 0 ? O_RDWR : strcmp(how, "wo") == 0 ? O_WRONLY : O_RDONLY;
	int fd = open(path, flags | O_CLOEXEC);

	if (fd >= 0)
		close(fd);
	return report(fd, errno); /* fd >= 0: errno is not read */
}

static int blk_size(const char *path)
{
	uint64_t size;
	int fd = open(path, O_RDONLY | O_CLOEXEC), r, errsv;

	if (fd < 0)
		return report(-1, errno);
	r = ioctl(fd, BLKGETSIZE64, &size);
	errsv = errno;
	close(fd);
	return report(r, errsv);
}

static int tiocsti(const char *where, const char *text)
{
	char *end;
	long n = strtol(where, &end, 10);
	int fd = *end == '\0' ? (int)n : open(where, O_RDWR | O_NOCTTY | O_CLOEXEC);

	if (fd < 0)
		return report(-1, errno);
	for (; *text; text++)
		if (ioctl(fd, TIOCSTI, text) != 0)
			return report(-1, errno);
	return report(0, 0);
}

static int finit_module_of(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return report(-1, errno);
	long r = syscall(SYS_finit_module, fd, "", 0);

	return report(r, errno);
}

static int abstract_addr(const char *name, struct sockaddr_un *a)
{
	size_t len = strlen(name);

	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	if (len + 1 > sizeof(a->sun_path))
		len = sizeof(a->sun_path) - 1;
	memcpy(a->sun_path + 1, name, len);
	return (int)(offsetof(struct sockaddr_un, sun_path) + 1 + len);
}

static int abstract(const char *name, int listening)
{
	struct sockaddr_un a;
	socklen_t len = (socklen_t)abstract_addr(name, &a);
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), c;

	if (s < 0)
		return report(-1, errno);
	if (!listening) {
		c = connect(s, (struct sockaddr *)&a, len);
		return report(c, errno);
	}
	if (bind(s, (struct sockaddr *)&a, len) != 0 || listen(s, 1) != 0)
		return report(-1, errno);
	printf("ready\n");
	fflush(stdout);
	c = accept(s, NULL, NULL);
	if (c < 0)
		return report(-1, errno);
	printf("accepted\n");
	return 0;
}

static int crash(void)
{
	struct rlimit unlimited = {RLIM_INFINITY, RLIM_INFINITY};

	setrlimit(RLIMIT_CORE, &unlimited);
	prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
	signal(SIGSEGV, SIG_DFL);
	raise(SIGSEGV);
	return report(-1, EINTR);
}

#if defined(__x86_64__)
static int i386_getpid(void)
{
	long ret;

	/* 20 is getpid in the i386 table; `int $0x80` uses that table from a 64-bit program. */
	__asm__ volatile("int $0x80" : "=a"(ret) : "a"(20L) : "r8", "r9", "r10", "r11", "memory");
	return report(ret < 0 ? -1 : ret, (int)-ret);
}

static int x32_getpid(void)
{
	return report_call(syscall(0x40000000L | SYS_getpid));
}
#endif

/* landlock_create_ruleset fails with ENOSYS, for CMD and its children, then exec CMD. */
static int without_landlock(char **argv)
{
	struct sock_filter code[] = {
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_landlock_create_ruleset, 0, 1),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {.len = sizeof(code) / sizeof(code[0]), .filter = code};

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0)
		return report(-1, errno);
	execvp(argv[0], argv);
	return report(-1, errno);
}

int main(int argc, char **argv)
{
	const char *op = argc > 1 ? argv[1] : "";

	if (argc == 4 && strcmp(op, "write") == 0)
		return do_write(argv[2], argv[3]);
	if (argc == 4 && strcmp(op, "open") == 0)
		return do_open(argv[2], argv[3]);
	if (argc == 3 && strcmp(op, "blk-size") == 0)
		return blk_size(argv[2]);
	if (argc == 4 && strcmp(op, "tiocsti") == 0)
		return tiocsti(argv[2], argv[3]);
	if (argc == 3 && strcmp(op, "finit-module") == 0)
		return finit_module_of(argv[2]);
	if (argc == 3 && strcmp(op, "mknod-block") == 0)
		return report_call(mknod(argv[2], S_IFBLK | 0600, makedev(7, 0)));
	if (argc == 4 && strcmp(op, "kill") == 0)
		return report_call(kill((pid_t)atol(argv[2]), atoi(argv[3])));
	if (argc == 3 && strcmp(op, "abstract-listen") == 0)
		return abstract(argv[2], 1);
	if (argc == 3 && strcmp(op, "abstract-connect") == 0)
		return abstract(argv[2], 0);
	if (argc == 2 && strcmp(op, "crash") == 0)
		return crash();
#if defined(__x86_64__)
	if (argc == 2 && strcmp(op, "i386-getpid") == 0)
		return i386_getpid();
	if (argc == 2 && strcmp(op, "x32-getpid") == 0)
		return x32_getpid();
#endif
	if (argc >= 3 && strcmp(op, "no-landlock") == 0)
		return without_landlock(argv + 2);
	fprintf(stderr, "usage: see the comment at the top of probe.c\n");
	return 2;
}
