/* --tty: the caller's terminal in raw mode while the command runs on a
 * pseudo-terminal of its own; the caller's keystrokes go to it, its window
 * size follows the caller's. (The command's output comes back through the
 * relay like any stdout, through the terminal filter unless
 * --terminal-escapes.) */
#ifndef AIRLOCK_CLI_TTY_H
#define AIRLOCK_CLI_TTY_H

#include <stdbool.h>
#include <stdint.h>
#include <termios.h>

struct tty_session {
	int master; /* the command's terminal, master side (the sandbox owns it) */
	bool raw;   /* the caller's stdin was a terminal, now in raw mode */
	struct termios saved;
	uint64_t dropped; /* input bytes the command's terminal had no room for */
};

/* Raw mode on the caller's terminal (if stdin is one) and the window size. */
void tty_begin(struct tty_session *t, int master);
/* SIGWINCH: the caller's window size to the command's terminal. */
void tty_resize(const struct tty_session *t);
/* Stdin is readable: pass what is there on. Returns 0 at end of input (stop
 * watching stdin), 1 otherwise. Never blocks on the command. */
int tty_forward(struct tty_session *t);
/* The caller's terminal as it was. */
void tty_end(struct tty_session *t);

#endif
