/* Errors that carry context: every fallible library function takes a struct
 * al_error, fills it on failure and returns a negative value. Callers may add
 * context with al_error_wrap(); the front end prints the message once. */
#ifndef AIRLOCK_ERROR_H
#define AIRLOCK_ERROR_H

#include <stddef.h>

#include <airlock.h> /* struct al_error, al_error_text */

/* Set the error and return -1. errnum may be 0 for validation errors. */
int al_error_set(struct al_error *err, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Prefix the existing message with context ("cgroup: " + msg); returns -1. */
int al_error_wrap(struct al_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
