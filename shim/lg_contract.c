/* lg_contract.c - what the launcher and the library share: the PATH search, the record write. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lg_contract.h"

const char *lg_find_program(const char *file, char *buf, size_t size)
{
	const char *dirs = getenv("PATH");
	struct stat st;

	if (file == NULL || *file == '\0' || strchr(file, '/'))
		return file;
	if (dirs == NULL)
		dirs = LG_DEFAULT_PATH;
	for (;;) {
		size_t len = strcspn(dirs, ":");

		if ((size_t)snprintf(buf, size, "%.*s%s%s", (int)len, dirs, len ? "/" : "", file) <
			size &&
		    access(buf, X_OK) == 0 && stat(buf, &st) == 0 && S_ISREG(st.st_mode))
			return buf;
		if (dirs[len] == '\0')
			return file;
		dirs += len + 1;
	}
}

void lg_write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		buf += n;
		len -= (size_t)n;
	}
}

int lg_entry_named(const char *entry, const char *name)
{
	size_t len = strlen(name);

	return strncmp(entry, name, len) == 0 && entry[len] == '=';
}
