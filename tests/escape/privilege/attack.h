/* Shared by the privilege attack programs. Each attempt prints one line:
 *   denied: ...      the call failed as the sandbox wants
 *   ESCAPED: ...     the call did what the attacker wanted
 *   UNEXPECTED: ...  it failed, but not the way the defence fails it (the
 *                    defence may be gone and something else stopped it)
 * and main ends with `return verdict();`: 1 if anything escaped, 2 if
 * anything was unexpected, else 0 after printing CONTAINED. */
#ifndef ATTACK_H
#define ATTACK_H
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int n_escaped, n_unexpected;

__attribute__((unused)) static void say(const char *tag, const char *what, const char *fmt, ...)
{
	va_list ap;
	printf("%s: %s", tag, what);
	if (fmt) {
		printf(": ");
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
	}
	printf("\n");
	fflush(stdout);
}

/* The call (result r, errno err) must fail with errno want; success is an escape. */
__attribute__((unused)) static void must_fail(const char *what, long r, int err, int want)
{
	if (r >= 0) {
		say("ESCAPED", what, "worked (returned %ld)", r);
		n_escaped++;
	} else if (err != want) {
		say("UNEXPECTED", what, "%s, wanted %s", strerror(err), strerror(want));
		n_unexpected++;
	} else {
		say("denied", what, "%s", strerror(err));
	}
}

/* The call must be stopped by the seccomp filter before the kernel sees it:
 * the filter answers want (EPERM or ENOSYS), and the arguments are chosen so
 * that the kernel itself would answer anything else. Any other result means
 * the call reached the kernel's implementation. */
__attribute__((unused)) static void filtered(const char *what, long r, int err, int want)
{
	if (r >= 0 || err != want) {
		say("ESCAPED", what, "reached the kernel (%s)", r >= 0 ? "success" : strerror(err));
		n_escaped++;
	} else {
		say("denied", what, "%s", strerror(err));
	}
}

__attribute__((unused)) static void escaped(const char *what, const char *fmt, ...)
{
	va_list ap;
	printf("ESCAPED: %s", what);
	if (fmt) {
		printf(": ");
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
	}
	printf("\n");
	fflush(stdout);
	n_escaped++;
}

static int verdict(void)
{
	if (n_escaped)
		return 1;
	if (n_unexpected)
		return 2;
	printf("CONTAINED\n");
	return 0;
}
#endif
