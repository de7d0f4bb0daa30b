/* bypass_plugin.c - a plugin that calls link() by its name; lg_bypass opens it RTLD_DEEPBIND. */
#include <unistd.h>

int lg_plugin_link(const char *src, const char *dst)
{
	return link(src, dst);
}
