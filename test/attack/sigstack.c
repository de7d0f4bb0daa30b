/* sigstack.c - lg_sigstack: link and rename from signal handlers on small alternate stacks.
 *
 * usage: lg_sigstack DIR [deny]   (run with the library preloaded, DIR inside the root)
 *
 * link, rename and friends are async-signal-safe, so a handler may call them; a handler often
 * runs on an alternate stack of SIGSTKSZ bytes. Each stack here (SIGSTKSZ, 8 KiB, 16 KiB) is
 * mapped with an inaccessible guard page below it: a call that needs more stack faults instead
 * of silently writing past it. The handler links and renames inside DIR (the cwd) by every entry
 * point; with "deny" it also makes one call the library refuses (which writes its diagnostic
 * from the handler). Then the same in four threads at once, each on its own 8 KiB stack,
 * signalled over and over. Prints TAP; exits 0 only when all passed.
 * LG_SIGSTACK_SCALE=N multiplies the sizes (a sanitizer build's frames are several times larger).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define THREADS 4
#define ROUNDS	200

static int tap_n, tap_failed, with_deny;
static size_t scale = 1;

static void tap(int ok, const char *what, size_t size, int detail)
{
	tap_n++;
	tap_failed += !ok;
	printf("%sok %d - %s (stack of %zu bytes)%s", ok ? "" : "not ", tap_n, what, size,
	       ok ? "\n" : "");
	if (!ok)
		printf(" # failed step %d\n", detail);
}

/* One thread's names and outcome; the handler reads the thread's own slot. */
struct slot {
	char f[16], l[16], m[16];
	volatile sig_atomic_t failed_step; /* 0: every step as expected */
	volatile sig_atomic_t runs;
};

static struct slot slots[THREADS + 1];
static __thread struct slot *mine;

/* Each step: the call and what it must give (0, or -1 with errno). */
static int expect(int r, int want_errno)
{
	return want_errno == 0 ? r == 0 : r == -1 && errno == want_errno;
}

static void handler(int sig)
{
	struct slot *s = mine;
	int saved = errno, step = 0;

	(void)sig;
	if (!expect(link(s->f, s->l), 0))
		step = 1;
	else if (!expect(rename(s->l, s->m), 0))
		step = 2;
	else if (!expect(renameat2(AT_FDCWD, s->m, AT_FDCWD, s->l, RENAME_NOREPLACE), 0))
		step = 3;
	else if (!expect(linkat(AT_FDCWD, s->l, AT_FDCWD, s->m, 0), 0))
		step = 4;
	else if (!expect((int)syscall(SYS_renameat, AT_FDCWD, s->m, AT_FDCWD, s->l), 0))
		step = 5;
	else if (!expect(link(s->f, s->l), EEXIST))
		step = 6;
	else if (with_deny && !expect(rename(s->l, "/lg-sigstack-never"), EACCES))
		step = 7;
	unlink(s->l);
	unlink(s->m); /* step 5 renamed one hard link over another of the same file: a no-op */
	if (step != 0)
		s->failed_step = step;
	s->runs++;
	errno = saved;
}

/* An alternate stack of size bytes with a guard page below it; NULL on failure. */
static void *map_stack(size_t size, stack_t *ss)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t len = (size + (size_t)page - 1) / (size_t)page * (size_t)page + (size_t)page;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED || mprotect(p, (size_t)page, PROT_NONE) != 0)
		return NULL;
	/* The usable stack is the top `size` bytes, right above... the guard's end at most. */
	ss->ss_sp = p + len - size;
	ss->ss_size = size;
	ss->ss_flags = 0;
	return p;
}

static void make_file(const char *name)
{
	int fd = open(name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0) {
		printf("Bail out! cannot create %s: %s\n", name, strerror(errno));
		exit(2);
	}
	close(fd);
}

static void name_slot(struct slot *s, int i)
{
	snprintf(s->f, sizeof(s->f), "f%d", i);
	snprintf(s->l, sizeof(s->l), "l%d", i);
	snprintf(s->m, sizeof(s->m), "m%d", i);
	make_file(s->f);
	unlink(s->l);
	unlink(s->m);
}

static void one_stack(size_t size)
{
	stack_t ss, old;
	struct slot *s = &slots[THREADS];
	size_t used;

	s->failed_step = 0;
	s->runs = 0;
	if (map_stack(size, &ss) == NULL || sigaltstack(&ss, &old) != 0) {
		printf("Bail out! sigaltstack of %zu bytes: %s\n", size, strerror(errno));
		exit(2);
	}
	memset(ss.ss_sp, 0xa5, size);
	raise(SIGUSR1);
	sigaltstack(&old, NULL);
	tap(s->runs == 1 && s->failed_step == 0, "link and rename from a handler", size,
	    s->failed_step);
	for (used = 0; used < size && ((unsigned char *)ss.ss_sp)[used] == 0xa5; used++)
		;
	printf("# the handler used %zu bytes of it, the signal frame included\n", size - used);
}

static void *thread_main(void *arg)
{
	struct slot *s = arg;
	stack_t ss;

	mine = s;
	if (map_stack(8192 * scale, &ss) == NULL || sigaltstack(&ss, NULL) != 0) {
		s->failed_step = 100;
		return NULL;
	}
	for (int i = 0; i < ROUNDS; i++)
		pthread_kill(pthread_self(), SIGUSR1);
	return NULL;
}

int main(int argc, char **argv)
{
	struct sigaction sa = {.sa_handler = handler, .sa_flags = SA_ONSTACK | SA_RESTART};
	pthread_t t[THREADS];
	const size_t sizes[] = {SIGSTKSZ, 8192, 16384};
	int ok = 1;

	if (argc < 2 || chdir(argv[1]) != 0) {
		printf("Bail out! usage: lg_sigstack DIR [deny]\n");
		return 2;
	}
	with_deny = argc > 2 && strcmp(argv[2], "deny") == 0;
	if (getenv("LG_SIGSTACK_SCALE") != NULL && atoi(getenv("LG_SIGSTACK_SCALE")) > 0)
		scale = (size_t)atoi(getenv("LG_SIGSTACK_SCALE"));
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	for (int i = 0; i <= THREADS; i++)
		name_slot(&slots[i], i);
	mine = &slots[THREADS];
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		one_stack(sizes[i] * scale);
	for (int i = 0; i < THREADS; i++)
		pthread_create(&t[i], NULL, thread_main, &slots[i]);
	for (int i = 0; i < THREADS; i++) {
		pthread_join(t[i], NULL);
		ok &= slots[i].runs == ROUNDS && slots[i].failed_step == 0;
	}
	tap(ok, "four threads, each signalled 200 times, calls from their handlers", 8192 * scale,
	    slots[0].failed_step);
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}
