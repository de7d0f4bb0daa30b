/* lg_child.c - the launcher as the parent of its command: fork, forward signals, wait. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lg_child.h"

static volatile pid_t child_pid;

static void forward(int sig)
{
	int errsv = errno;

	kill(child_pid, sig);
	errno = errsv;
}

/* Stopped by the terminal (^Z): a child in a session of its own ignores SIGTSTP (its process
 * group is orphaned), so stop it with SIGSTOP, stop ourselves, and continue it on return. */
static void stop_both(int sig)
{
	int errsv = errno;

	(void)sig;
	kill(child_pid, SIGSTOP);
	kill(getpid(), SIGSTOP);
	kill(child_pid, SIGCONT);
	errno = errsv;
}

static void set_handler(int sig, void (*handler)(int))
{
	struct sigaction sa = {.sa_handler = handler, .sa_flags = SA_RESTART};

	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

int lg_child_run(char **argv, int new_session, void (*run)(char **argv))
{
	static const int forwarded[] = {SIGTERM, SIGHUP, SIGWINCH, SIGINT, SIGQUIT};
	int count = new_session ? 5 : 3, status;
	sigset_t all, old;

	/* No signal may arrive between the fork and the handlers knowing the child. */
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	child_pid = fork();
	if (child_pid < 0) {
		fprintf(stderr, "linkguard: fork: %s\n", strerror(errno));
		exit(125);
	}
	if (child_pid == 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		if (new_session && setsid() < 0) {
			fprintf(stderr, "linkguard: setsid: %s\n", strerror(errno));
			_exit(125);
		}
		run(argv);
		_exit(126);
	}
	for (int i = 0; i < count; i++)
		set_handler(forwarded[i], forward);
	if (!new_session) {
		signal(SIGINT, SIG_IGN); /* the child gets them from the terminal and decides */
		signal(SIGQUIT, SIG_IGN);
	} else {
		set_handler(SIGTSTP, stop_both);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	while (waitpid(child_pid, &status, 0) < 0)
		if (errno != EINTR) {
			fprintf(stderr, "linkguard: waitpid: %s\n", strerror(errno));
			exit(125);
		}
	return status;
}

int lg_child_exit_status(int status)
{
	int sig;
	sigset_t set;

	if (!WIFSIGNALED(status))
		return WEXITSTATUS(status);
	sig = WTERMSIG(status);
	if (sig == SIGINT || sig == SIGTERM || sig == SIGHUP || sig == SIGPIPE || sig == SIGKILL) {
		signal(sig, SIG_DFL);
		sigemptyset(&set);
		sigaddset(&set, sig);
		sigprocmask(SIG_UNBLOCK, &set, NULL);
		raise(sig);
	}
	return 128 + sig;
}
