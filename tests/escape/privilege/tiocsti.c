/* Terminal injection: TIOCSTI pushes characters into a terminal's input as
 * if typed, so a sandboxed command holding the caller's terminal could
 * queue "commands" for the caller's shell to run after it exits. The attack
 * tries every standard fd, and /dev/tty, with the plain request and with
 * bits above the 32 the kernel compares. Each must fail with EPERM (the
 * filter; airlock also gives the command /dev/null and a new session).
 * TIOCLINUX (console selection paste, another injection) is tried on each fd
 * with a harmless subcode: no fd here is a virtual console, so the kernel
 * would answer ENOTTY; EPERM shows the filter stopped it. */
#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "attack.h"

static const char inject[] = "AIRLOCK-INJECTED\n";

static void attempt(int fd, const char *name, unsigned long req, const char *variant)
{
	char what[96];
	long r = 0;
	int e = 0;
	for (const char *c = inject; *c && r == 0; c++) {
		r = ioctl(fd, req, c);
		e = errno;
	}
	snprintf(what, sizeof(what), "TIOCSTI%s on %s", variant, name);
	must_fail(what, r, e, EPERM);
}

int main(void)
{
	static const char *const names[] = {"stdin", "stdout", "stderr"};
	for (int fd = 0; fd < 3; fd++) {
		attempt(fd, names[fd], TIOCSTI, "");
		attempt(fd, names[fd], TIOCSTI | (1UL << 32), " (bit 32 set)");
		char sub[2] = {6 /* TIOCL_GETSHIFTSTATE */, 0};
		char what[64];
		snprintf(what, sizeof(what), "TIOCLINUX on %s", names[fd]);
		long r = ioctl(fd, TIOCLINUX, sub);
		must_fail(what, r, errno, EPERM);
	}
	int tty = open("/dev/tty", O_RDWR | O_NOCTTY);
	if (tty >= 0) {
		attempt(tty, "/dev/tty", TIOCSTI, "");
		close(tty);
	} else {
		printf("denied: open /dev/tty: %s\n", strerror(errno));
	}
	return verdict();
}
