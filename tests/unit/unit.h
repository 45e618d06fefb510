/* A minimal unit-test harness: CHECK prints "ok NAME" or "not ok NAME". */
#ifndef AIRLOCK_UNIT_H
#define AIRLOCK_UNIT_H

#include <stdio.h>
#include <string.h>

static int unit_failures;

#define CHECK(name, cond)                                                                                    \
	do {                                                                                                 \
		if (cond) {                                                                                  \
			printf("ok %s\n", name);                                                             \
		} else {                                                                                     \
			printf("not ok %s (%s:%d: %s)\n", name, __FILE__, __LINE__, #cond);                  \
			unit_failures++;                                                                     \
		}                                                                                            \
	} while (0)

#endif
