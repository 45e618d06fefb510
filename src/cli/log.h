/* The command line's log: --verbose lines on stderr. The library never
 * writes there itself: its errors come as al_error, what it sees as events. */
#ifndef AIRLOCK_LOG_H
#define AIRLOCK_LOG_H

#include <errno.h>
#include <stdio.h>
#include <string.h>

extern int al_log_level; /* 0 quiet, 1 verbose, 2 debug; set by the front end */

/* One line "airlock: ...\n" on stderr in one write. The message quotes what
 * the sandbox sent (host names, reasons), so its control bytes are shown
 * the way src/ttysafe.h shows them, never sent raw to a terminal. */
void al_log_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define al_log(lvl, fmt, ...)                                                                                \
	do {                                                                                                 \
		if (al_log_level >= (lvl))                                                                   \
			al_log_line(fmt, ##__VA_ARGS__);                                                     \
	} while (0)
#define al_info(fmt, ...) al_log(1, fmt, ##__VA_ARGS__)
#define al_debug(fmt, ...) al_log(2, fmt, ##__VA_ARGS__)
/* Same, with ": strerror(errno)" appended. */
#define al_debug_errno(fmt, ...) al_log(2, fmt ": %s", ##__VA_ARGS__, strerror(errno))

#endif
