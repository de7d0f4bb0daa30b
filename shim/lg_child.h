/* lg_child.h - the launcher as the parent of its command: it forwards the signals a terminal,
 * a job control or a supervisor sends it, and hands on how the command ended. */
#ifndef LG_CHILD_H
#define LG_CHILD_H

/*
 * lg_child_run: fork; the child (with new_session, in a session of its own: no controlling
 * terminal, so it can not type into the caller's with TIOCSTI nor get its job-control signals)
 * calls run(argv), which must exec or exit. The parent forwards SIGTERM, SIGHUP, SIGWINCH and,
 * with new_session, SIGINT and SIGQUIT (without, the terminal sends them to both), stops the
 * child with itself on SIGTSTP and continues it after, and waits. Returns the child's wait
 * status; exits 125 when it can not fork.
 */
int lg_child_run(char **argv, int new_session, void (*run)(char **argv));

/*
 * lg_child_exit_status: the launcher's exit status for a child's wait status: the child's
 * own; for a child killed by SIGINT, SIGTERM, SIGHUP, SIGPIPE or SIGKILL the launcher kills
 * itself the same way (so a shell sees the signal), for other signals 128 + the signal.
 */
int lg_child_exit_status(int status);

#endif
