#include "tty.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <unistd.h>

void tty_begin(struct tty_session *t, int master)
{
	t->master = master;
	t->raw = false;
	t->dropped = 0;
	/* Writes to the command's terminal must never block the supervisor. */
	fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
	if (isatty(0) && tcgetattr(0, &t->saved) == 0) {
		struct termios raw = t->saved;
		/* Ctrl-C, Ctrl-Z and the rest reach the command's own terminal,
		 * whose line discipline signals the command's process group. */
		cfmakeraw(&raw);
		t->raw = tcsetattr(0, TCSANOW, &raw) == 0;
	}
	tty_resize(t);
}

void tty_resize(const struct tty_session *t)
{
	struct winsize ws;

	if (ioctl(0, TIOCGWINSZ, &ws) == 0 || ioctl(1, TIOCGWINSZ, &ws) == 0)
		ioctl(t->master, TIOCSWINSZ, &ws);
}

int tty_forward(struct tty_session *t)
{
	char buf[4096];
	ssize_t n = read(0, buf, sizeof(buf));

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 1;
	if (n <= 0)
		return 0;
	ssize_t w = t->master >= 0 ? write(t->master, buf, (size_t)n) : -1;
	if (w < n)
		t->dropped += (uint64_t)(n - (w > 0 ? w : 0));
	return 1;
}

void tty_end(struct tty_session *t)
{
	if (t->raw)
		tcsetattr(0, TCSANOW, &t->saved);
	t->raw = false;
	if (t->dropped)
		fprintf(stderr, "airlock: %llu bytes of input dropped: the command did not read them\n",
			(unsigned long long)t->dropped);
}
