/* Small helpers shared by every mechanism: ownership attributes, fd and file
 * helpers, and the pure parsers of sizes and durations. */
#ifndef AIRLOCK_UTIL_H
#define AIRLOCK_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>

#include "error.h"

void al_freep(void *p);
void al_closep(int *fd);
#define cleanup_free __attribute__((cleanup(al_freep)))
#define cleanup_close __attribute__((cleanup(al_closep)))

/* Ownership hand-off: return the value and leave the variable empty. */
static inline void *al_steal_ptr(void *pp)
{
	void **p = pp, *v = *p;
	*p = NULL;
	return v;
}
#define steal_ptr(p) al_steal_ptr(&(p))
static inline int al_take_fd(int *fd)
{
	int v = *fd;
	*fd = -1;
	return v;
}
#define take_fd(fd) al_take_fd(&(fd))

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Write a whole string to dirfd/path (O_WRONLY|O_CLOEXEC, no create). */
int al_write_file_at(int dirfd, const char *path, const char *s, struct al_error *err);
/* Write all of buf to fd, retrying on EINTR and short writes. */
int al_write_all(int fd, const void *buf, size_t len);
/* One sendmsg of buf with nfds fds (SCM_RIGHTS), MSG_NOSIGNAL: a peer that
 * died must not raise SIGPIPE in the caller. Returns what sendmsg does. */
enum { AL_SEND_FDS_MAX = 128 };
ssize_t al_send_fds(int sock, const void *buf, size_t len, const int *fds, size_t nfds);
/* Read at most len-1 bytes of dirfd/path into buf, NUL-terminated. */
int al_read_file_at(int dirfd, const char *path, char *buf, size_t len, struct al_error *err);
/* Read a file holding one unsigned integer. */
int al_read_u64_at(int dirfd, const char *path, uint64_t *out, struct al_error *err);
/* Value of "key N" in a flat keyed file such as memory.events. */
int al_read_keyed_u64_at(int dirfd, const char *path, const char *key, uint64_t *out);

/* "64M", "1G", "4096", "1.5k" -> bytes (binary units). Rejects overflow. */
int al_parse_size(const char *s, uint64_t *out, struct al_error *err);
/* "30", "1.5", "500ms", "2m" -> seconds (> 0). */
int al_parse_duration(const char *s, double *out, struct al_error *err);
/* Unsigned decimal integer in [min, max]. */
int al_parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out, struct al_error *err);

/* Monotonic time in milliseconds. */
double al_now_ms(void);
/* The caller's home, resolved (no symlink, no "." or ".."): $HOME when set
 * and not empty, else (or with env NULL) the passwd entry of the real uid.
 * Into out; fails (naming what) when it cannot be resolved. */
int al_home_resolve(char *const env[], char *out, size_t len, struct al_error *err);
/* Open a file the supervisor will write after the run, now, before any
 * sandbox could plant a symlink or a FIFO on its path: O_NOFOLLOW on the
 * last component, never blocking, and only a regular file. */
int al_open_output(const char *path, struct al_error *err);

#endif
