/* lg_userns.c - binfmt_misc handlers the exec gate can not see.
 *
 * binfmt_misc handlers are tried before the ELF loader: a handler whose magic matches a file
 * (or every ELF file) runs the interpreter it names, which may be a static program, with the
 * file as its argument. Since Linux 6.7 each user namespace may mount a binfmt_misc of its own
 * (a fresh one uses its parent's until then), and an unprivileged program can create one: the
 * handlers it registers there apply to it and its descendants only, listed only where it chose
 * to mount that binfmt_misc, in a mount namespace of its own. The gate can not list them; so in a
 * user namespace other than the one the process started in, every exec is refused (and so no
 * confined process ever starts in a namespace created under the confinement). In the namespace a
 * process started in, only a program privileged there can register handlers (see README, level 2).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include "lg_shim.h"

/* "dev:ino" of this process's user namespace now, into buf; 0 or -errno. */
static int current_userns(char *buf, size_t size)
{
	struct stat st;
	int r = lg_proc_self_stat("self/ns", "user", &st);

	if (r != 0)
		return r;
	snprintf(buf, size, "%llx:%llx", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino);
	return 0;
}

/* Whether value is "dev:ino" as current_userns writes it (lower-case hexadecimal). */
static int userns_spelling(const char *value, size_t size)
{
	size_t len, colon = 0;

	if (value == NULL)
		return 0;
	len = strnlen(value, size);
	if (len == 0 || len == size)
		return 0;
	for (size_t i = 0; i < len; i++) {
		if (value[i] == ':' && colon == 0 && i > 0)
			colon = i;
		else if (!((value[i] >= '0' && value[i] <= '9') ||
			   (value[i] >= 'a' && value[i] <= 'f')))
			return 0;
	}
	return colon > 0 && colon < len - 1;
}

/* Every child learns it from its parent: a process that starts needs no look at /proc for it. */
void lg_userns_record(struct lg_config *cfg, const char *inherited)
{
	if (userns_spelling(inherited, sizeof(cfg->userns)))
		strcpy(cfg->userns, inherited);
	else if (current_userns(cfg->userns, sizeof(cfg->userns)) != 0)
		cfg->userns[0] = '\0'; /* unknown: every exec judged as from another namespace */
	cfg->userns_entry[0] = '\0';
	if (cfg->userns[0])
		snprintf(cfg->userns_entry, sizeof(cfg->userns_entry), "%s=%s", LG_ENV_USERNS,
			 cfg->userns);
}

/* The decimal number at *p, moving *p past it; -1 when there is none. */
static long leading_number(const char **p)
{
	long n = -1;

	for (; **p >= '0' && **p <= '9' && n < 100000; (*p)++)
		n = (n < 0 ? 0 : n * 10) + (**p - '0');
	return n;
}

/* Whether each user namespace has a binfmt_misc of its own: Linux 6.7 and later. */
static int per_userns_binfmt(void)
{
	struct utsname u;
	const char *p = u.release;
	long major, minor = -1;

	if (uname(&u) != 0)
		return 1; /* can not tell: assume the worst */
	major = leading_number(&p);
	if (*p++ == '.')
		minor = leading_number(&p);
	if (major < 0 || minor < 0)
		return 1;
	return major > 6 || (major == 6 && minor >= 7);
}

/* Whether this process still runs in the user namespace it started in (or can not have
 * handlers of its own elsewhere). */
static int in_start_userns(const struct lg_config *cfg)
{
	char now[48];

	if (cfg->userns[0] && current_userns(now, sizeof(now)) == 0 &&
	    strcmp(now, cfg->userns) == 0)
		return 1;
	return cfg->userns[0] && !per_userns_binfmt();
}

int lg_refuse_userns(const char *call, const char *path)
{
	struct lg_config *cfg = lg_config();
	const char *reason =
	    "runs in a user namespace created under linkguard, where a binfmt_misc "
	    "handler the exec gate can not see may choose the interpreter; use "
	    "linkguard --kernel";
	enum lg_decision decision = lg_decide(&cfg->policy, LG_FOUND_UNCHECKED);
	int saved = errno;

	if (decision == LG_CHECK) {
		if (in_start_userns(cfg)) {
			errno = saved;
			return 0;
		}
		/* Landlock confines whatever interpreter a handler picks. */
		decision = cfg->policy.kernel_layer ? LG_ALLOW
						    : lg_decide(&cfg->policy, LG_FOUND_UNJUDGED);
	}
	errno = saved;
	if (decision == LG_ALLOW || decision == LG_NOTE)
		return 0;
	{
		struct lg_denial d = {call, path, NULL, path, -1, NULL, reason, decision};

		lg_report(cfg, &d);
	}
	return decision == LG_AUDIT ? 0 : -LG_ERR_DENIED;
}
