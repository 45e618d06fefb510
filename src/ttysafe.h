/* Terminal-safe output: the sandboxed command's bytes made harmless for the
 * caller's terminal. A command that writes ESC ] 52 ; c ; ... BEL sets the
 * host's clipboard; other sequences retitle windows, repaint a fake prompt,
 * or make the terminal answer a query as if the user had typed it. When
 * airlock's stdout or stderr is a terminal, the relay passes that stream
 * through this filter (unless --terminal-escapes).
 *
 * What passes as it is: printable ASCII, \n, \t, \r (progress bars), and
 * well-formed UTF-8 (no overlong forms, surrogates or code points past
 * U+10FFFF) except the C1 controls U+0080..U+009F. Everything else is shown
 * so the user sees something was there, never sent raw: ESC as "^[", other
 * C0 controls as "^@".."^_", DEL as "^?", and each byte of a C1 control, of
 * invalid UTF-8, or of a sequence the stream ended in the middle of as
 * "\xNN". A raw 0x9b (the one-byte CSI) is invalid UTF-8, so it is "\x9b".
 *
 * Pure code: state carries over from one chunk to the next, so a sequence
 * split between two reads comes out the same as in one. Each input byte
 * yields at most 4 output bytes over the whole stream. */
#ifndef AIRLOCK_TTYSAFE_H
#define AIRLOCK_TTYSAFE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct al_ttysafe {
	uint8_t held[3]; /* an unfinished UTF-8 sequence, waiting for its next byte */
	uint8_t nheld;
	uint8_t need;	/* continuation bytes still to come */
	uint8_t lo, hi; /* the range the next one must be in */
	bool one_line;	/* \n and \r shown as ^J and ^M too (a quoted string in a log line) */
};

/* Output room a call needs for len input bytes: 4 per byte, plus the held
 * bytes of the previous chunk (3, each as \xNN). */
#define AL_TTYSAFE_MAX(len) ((len)*4 + 12)

/* Zero the state: the start of a stream. */
void al_ttysafe_init(struct al_ttysafe *t, bool one_line);
/* Filter len bytes into out (room: AL_TTYSAFE_MAX(len)); returns the bytes
 * written. An unfinished UTF-8 sequence at the end is held for the next call. */
size_t al_ttysafe_filter(struct al_ttysafe *t, const void *in, size_t len, char *out);
/* The stream ended: what is held comes out as \xNN (room: 12). */
size_t al_ttysafe_end(struct al_ttysafe *t, char *out);
/* A NUL-terminated string made safe for one line, cut to fit out (size > 0). */
void al_ttysafe_str(const char *s, char *out, size_t size);

#endif
