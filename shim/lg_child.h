/* lg_child.h - how the launcher ends: its own failures, and how its command ended. */
#ifndef LG_CHILD_H
#define LG_CHILD_H

#define LG_EXIT_OWN_ERROR  125 /* as env(1): the launcher itself failed */
#define LG_EXIT_CANNOT_RUN 126
#define LG_EXIT_NOT_FOUND  127

/* lg_die: "linkguard: MESSAGE" on stderr, then exit with status. The launcher's one way to fail. */
__attribute__((format(printf, 2, 3), noreturn)) void lg_die(int status, const char *fmt, ...);

/*
 * lg_child_exit_status: the launcher's exit status for a child's wait status: the child's
 * own; for a child killed by SIGINT, SIGTERM, SIGHUP, SIGPIPE or SIGKILL the launcher kills
 * itself the same way (so a shell sees the signal), for other signals 128 + the signal.
 */
int lg_child_exit_status(int status);

#endif
