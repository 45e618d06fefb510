/* Debug logging for front ends and the supervisor. The library's errors go
 * through struct al_error; this is only for --verbose diagnostics. */
#ifndef AIRLOCK_LOG_H
#define AIRLOCK_LOG_H

#include <errno.h>
#include <stdio.h>
#include <string.h>

extern int al_log_level; /* 0 quiet, 1 verbose, 2 debug; set by the front end */

#define al_log(lvl, fmt, ...) \
	do { \
		if (al_log_level >= (lvl)) \
			fprintf(stderr, "airlock: " fmt "\n", ##__VA_ARGS__); \
	} while (0)
#define al_info(fmt, ...) al_log(1, fmt, ##__VA_ARGS__)
#define al_debug(fmt, ...) al_log(2, fmt, ##__VA_ARGS__)
/* Same, with ": strerror(errno)" appended. */
#define al_debug_errno(fmt, ...) al_log(2, fmt ": %s", ##__VA_ARGS__, strerror(errno))

#endif
