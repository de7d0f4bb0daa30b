/* lg_collect.h - the launcher's end of the report pipe: the log, the exit summary, learn mode. */
#ifndef LG_COLLECT_H
#define LG_COLLECT_H

#include <stddef.h>

enum lg_collect_log {
	LG_COLLECT_STDERR = 0, /* the library prints each denial on the command's stderr */
	LG_COLLECT_NONE,       /* --log none: nothing printed, the audit count excepted */
	LG_COLLECT_FILE,       /* JSON lines: written here, by the launcher */
};

/*
 * lg_collect_open_log: open (create) the JSON log the launcher will write, and its directory,
 * before the command runs. Returns 0, or -errno when it can not be written (or read back).
 */
int lg_collect_open_log(const char *path);

/* lg_collect_start: what the exit summary should say: audit mode, where denials go. */
void lg_collect_start(int audit, enum lg_collect_log log);

/* lg_collect_bytes: n bytes read from the pipe; records are lines, split here. */
void lg_collect_bytes(const char *buf, size_t n);

/*
 * lg_collect_finish: after the command ended: the summary on stderr (how many calls, the first
 * few, where the full list is; in audit mode the roots that would let them through), the
 * summary record in the log, and the log written again, through the directory opened at start,
 * when the command emptied, rewrote or replaced it.
 */
void lg_collect_finish(void);

#endif
