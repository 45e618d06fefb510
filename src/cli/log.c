/* The debug log's one writer (log.h). */
#include "log.h"

#include <stdarg.h>

#include "../ttysafe.h"
#include "../util.h"

/* Set once from --verbose. */
int al_log_level;

void al_log_line(const char *fmt, ...)
{
	char msg[512], line[sizeof("airlock: ") + 4 * sizeof(msg)];
	va_list ap;
	int errno_saved = errno;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	memcpy(line, "airlock: ", 9);
	al_ttysafe_str(msg, line + 9, sizeof(line) - 10);
	size_t n = strlen(line);
	line[n++] = '\n';
	(void)al_write_all(2, line, n);
	errno = errno_saved;
}
