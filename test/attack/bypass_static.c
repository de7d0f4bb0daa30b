/* bypass_static.c - a static program (no preload reaches it): links LG_AUDIT_SRC to
 * LG_AUDIT_DST. lg_bypass binfmt registers it as a binfmt_misc interpreter. */
#include <stdlib.h>
#include <unistd.h>

int main(void)
{
	const char *src = getenv("LG_AUDIT_SRC"), *dst = getenv("LG_AUDIT_DST");

	return src && dst && link(src, dst) == 0 ? 0 : 1;
}
