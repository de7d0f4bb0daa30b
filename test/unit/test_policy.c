/* test_policy.c - the one policy decision (lg_decide), as a table: every finding, every setting. */
#include "../tap.h"
#include "lg_policy.h"

/* One row: a finding under some settings, and the decision it must get. */
struct row {
	const char *name;
	struct lg_policy policy;
	enum lg_finding finding;
	enum lg_decision want;
};

#define BROKEN	"LINKGUARD_ROOT is unset"
#define AUDIT	.mode = LG_MODE_AUDIT
#define KERNEL	.kernel_layer = 1
#define STATIC_ .allow_static = 1
#define SETUID_ .allow_setuid = 1

static const struct row rows[] = {
    {"unchecked: look at it", {0}, LG_FOUND_UNCHECKED, LG_CHECK},
    {"unchecked, root /: allow", {.everything = 1}, LG_FOUND_UNCHECKED, LG_ALLOW},
    {"unchecked, broken: deny", {.broken = BROKEN}, LG_FOUND_UNCHECKED, LG_DENY},
    {"broken wins over root /", {.broken = BROKEN, .everything = 1}, LG_FOUND_UNCHECKED, LG_DENY},
    {"broken wins over audit", {.broken = BROKEN, AUDIT}, LG_FOUND_ESCAPE, LG_DENY},
    {"broken wins over every switch",
     {.broken = BROKEN, STATIC_, SETUID_, KERNEL},
     LG_FOUND_STATIC,
     LG_DENY},
    {"broken: even a confined call", {.broken = BROKEN}, LG_FOUND_CONFINED, LG_DENY},
    {"confined: allow", {0}, LG_FOUND_CONFINED, LG_ALLOW},
    {"escape: deny", {0}, LG_FOUND_ESCAPE, LG_DENY},
    {"escape, audit: audit", {AUDIT}, LG_FOUND_ESCAPE, LG_AUDIT},
    {"escape: no switch allows it",
     {STATIC_, SETUID_, KERNEL, .allow_io_uring = 1},
     LG_FOUND_ESCAPE,
     LG_DENY},
    {"static: deny", {0}, LG_FOUND_STATIC, LG_DENY},
    {"static, allowed", {STATIC_}, LG_FOUND_STATIC, LG_ALLOW},
    {"static, setuid allowed: deny", {SETUID_}, LG_FOUND_STATIC, LG_DENY},
    {"static, kernel layer: note", {KERNEL}, LG_FOUND_STATIC, LG_NOTE},
    {"static, allowed under the kernel layer: allow, no note",
     {STATIC_, KERNEL},
     LG_FOUND_STATIC,
     LG_ALLOW},
    {"static, audit: audit", {AUDIT}, LG_FOUND_STATIC, LG_AUDIT},
    {"static, kernel layer and audit: note", {KERNEL, AUDIT}, LG_FOUND_STATIC, LG_NOTE},
    {"setuid: deny", {0}, LG_FOUND_SETUID, LG_DENY},
    {"setuid, allowed", {SETUID_}, LG_FOUND_SETUID, LG_ALLOW},
    {"setuid, static allowed: deny", {STATIC_}, LG_FOUND_SETUID, LG_DENY},
    {"setuid, kernel layer: note", {KERNEL}, LG_FOUND_SETUID, LG_NOTE},
    {"unjudged: deny", {0}, LG_FOUND_UNJUDGED, LG_DENY},
    {"unjudged, static allowed", {STATIC_}, LG_FOUND_UNJUDGED, LG_ALLOW},
    {"unjudged, kernel layer: note", {KERNEL}, LG_FOUND_UNJUDGED, LG_NOTE},
    {"unjudged, audit: audit", {AUDIT}, LG_FOUND_UNJUDGED, LG_AUDIT},
    {"io_uring: deny", {0}, LG_FOUND_IO_URING, LG_DENY},
    {"io_uring, allowed", {.allow_io_uring = 1}, LG_FOUND_IO_URING, LG_ALLOW},
    {"io_uring, audit: still deny (not reported)", {AUDIT}, LG_FOUND_IO_URING, LG_DENY},
    {"io_uring, kernel layer: still deny", {KERNEL}, LG_FOUND_IO_URING, LG_DENY},
};

int main(void)
{
	size_t n = sizeof(rows) / sizeof(rows[0]);

	tap_plan((int)n);
	for (size_t i = 0; i < n; i++) {
		enum lg_decision got = lg_decide(&rows[i].policy, rows[i].finding);

		if (!tap_ok(got == rows[i].want, "%s", rows[i].name))
			tap_diag("got decision %d, want %d", (int)got, (int)rows[i].want);
	}
	return tap_status();
}
