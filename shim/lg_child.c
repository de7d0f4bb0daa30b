/* lg_child.c - the launcher as the parent of its command: how the command ended becomes its own
 * exit. */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/wait.h>

#include "lg_child.h"

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
