/* lg_child.h - the launcher as the parent of its command: it hands on how the command ended. */
#ifndef LG_CHILD_H
#define LG_CHILD_H

/*
 * lg_child_exit_status: the launcher's exit status for a child's wait status: the child's
 * own; for a child killed by SIGINT, SIGTERM, SIGHUP, SIGPIPE or SIGKILL the launcher kills
 * itself the same way (so a shell sees the signal), for other signals 128 + the signal.
 */
int lg_child_exit_status(int status);

#endif
