#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>

void al_freep(void *p) { free(*(void **)p); }

void al_closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
	*fd = -1;
}

ssize_t al_send_fds(int sock, const void *buf, size_t len, const int *fds, size_t nfds)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int) * AL_SEND_FDS_MAX)];
	} u;
	struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};

	if (nfds > AL_SEND_FDS_MAX) {
		errno = EINVAL;
		return -1;
	}
	if (nfds) {
		memset(&u, 0, sizeof(u));
		mh.msg_control = u.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		struct cmsghdr *h = CMSG_FIRSTHDR(&mh);
		h->cmsg_level = SOL_SOCKET;
		h->cmsg_type = SCM_RIGHTS;
		h->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(h), fds, sizeof(int) * nfds);
	}
	return sendmsg(sock, &mh, MSG_NOSIGNAL);
}

int al_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int al_write_file_at(int dirfd, const char *path, const char *s, struct al_error *err)
{
	cleanup_close int fd = openat(dirfd, path, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return al_error_set(err, errno, "open %s", path);
	/* cgroup and /proc files take one write; a short write is an error. */
	ssize_t n = write(fd, s, strlen(s));
	if (n < 0 || (size_t)n != strlen(s))
		return al_error_set(err, n < 0 ? errno : EIO, "write %s", path);
	return 0;
}

int al_read_file_at(int dirfd, const char *path, char *buf, size_t len, struct al_error *err)
{
	cleanup_close int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	size_t got = 0;

	if (fd < 0)
		return al_error_set(err, errno, "open %s", path);
	while (got + 1 < len) {
		ssize_t n = read(fd, buf + got, len - 1 - got);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return al_error_set(err, errno, "read %s", path);
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	buf[got] = '\0';
	return (int)got;
}

int al_read_u64_at(int dirfd, const char *path, uint64_t *out, struct al_error *err)
{
	char buf[64], *end;

	if (al_read_file_at(dirfd, path, buf, sizeof(buf), err) < 0)
		return -1;
	if (strncmp(buf, "max", 3) == 0) {
		*out = UINT64_MAX;
		return 0;
	}
	errno = 0;
	unsigned long long v = strtoull(buf, &end, 10);
	if (errno || end == buf)
		return al_error_set(err, EINVAL, "parse %s", path);
	*out = v;
	return 0;
}

int al_read_keyed_u64_at(int dirfd, const char *path, const char *key, uint64_t *out)
{
	char buf[4096];
	size_t klen = strlen(key);

	if (al_read_file_at(dirfd, path, buf, sizeof(buf), NULL) < 0)
		return -1;
	for (char *line = buf; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		if (strncmp(line, key, klen) == 0 && line[klen] == ' ') {
			*out = strtoull(line + klen + 1, NULL, 10);
			return 0;
		}
	}
	return -1;
}

int al_parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out, struct al_error *err)
{
	char *end;

	if (!s || !isdigit((unsigned char)*s))
		return al_error_set(err, 0, "'%s' is not a number", s ? s : "");
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno == ERANGE || *end)
		return al_error_set(err, 0, "'%s' is not a number", s);
	if (v < min || v > max)
		return al_error_set(err, 0, "%s is out of range [%llu, %llu]", s, (unsigned long long)min,
				    (unsigned long long)max);
	*out = v;
	return 0;
}

int al_parse_size(const char *s, uint64_t *out, struct al_error *err)
{
	static const char units[] = "kmgtpe";
	char *end;
	double mult = 1;

	/* Decimal only: strtod alone would also take hex, "inf" and exponents,
	 * so the number part is checked to be digits and dots first. */
	size_t digits = s ? strspn(s, "0123456789.") : 0;
	if (!s || !isdigit((unsigned char)*s) || digits == 0)
		return al_error_set(err, 0, "'%s' is not a size (e.g. 64M)", s ? s : "");
	char num[64];
	if (digits >= sizeof(num))
		return al_error_set(err, 0, "'%s' is not a size (e.g. 64M)", s);
	memcpy(num, s, digits);
	num[digits] = '\0';
	errno = 0;
	double v = strtod(num, &end);
	if (errno || !isfinite(v) || *end)
		return al_error_set(err, 0, "'%s' is not a size (e.g. 64M)", s);
	end = (char *)s + digits;
	const char *u = *end ? strchr(units, tolower((unsigned char)*end)) : NULL;
	if (*end && !u)
		return al_error_set(err, 0, "'%s': unknown size unit (K, M, G, T, P, E)", s);
	if (u) {
		for (const char *k = units; k <= u; k++)
			mult *= 1024.0;
		end++;
	}
	/* Accept "64M", "64MB", "64MiB" alike. */
	if (mult > 1 && (strcasecmp(end, "b") == 0 || strcasecmp(end, "ib") == 0))
		end += strlen(end);
	if (*end)
		return al_error_set(err, 0, "'%s': unknown size unit (K, M, G, T, P, E)", s);
	v *= mult;
	/* At most 4 EiB: every consumer (cgroup files, JSON, rlimits) takes it. */
	if (v > 4611686018427387904.0)
		return al_error_set(err, 0, "'%s' is too large (at most 4E)", s);
	if (mult == 1 && v != floor(v))
		return al_error_set(err, 0, "'%s': a byte count must be whole", s);
	*out = (uint64_t)v;
	return 0;
}

int al_parse_duration(const char *s, double *out, struct al_error *err)
{
	char *end;
	double mult = 1;

	if (!s || !(isdigit((unsigned char)*s) || *s == '.'))
		return al_error_set(err, 0, "'%s' is not a duration (e.g. 30, 1.5, 500ms)", s ? s : "");
	errno = 0;
	double v = strtod(s, &end);
	if (errno || !isfinite(v))
		return al_error_set(err, 0, "'%s' is not a duration", s);
	if (strcmp(end, "ms") == 0)
		mult = 0.001;
	else if (strcmp(end, "s") == 0 || *end == '\0')
		mult = 1;
	else if (strcmp(end, "m") == 0)
		mult = 60;
	else if (strcmp(end, "h") == 0)
		mult = 3600;
	else
		return al_error_set(err, 0, "'%s': unknown duration unit (ms, s, m, h)", s);
	v *= mult;
	if (v <= 0 || v > 365.0 * 86400)
		return al_error_set(err, 0, "'%s' is out of range (0, 1 year]", s);
	*out = v;
	return 0;
}

double al_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

#ifdef AIRLOCK_TRACE
#include <sys/syscall.h>

#include "trace.h"

void al_trace_open(void)
{
	int fd = fcntl(2, F_DUPFD_CLOEXEC, AL_TRACE_FD);
	if (fd >= 0 && fd != AL_TRACE_FD) {
		dup3(fd, AL_TRACE_FD, O_CLOEXEC);
		close(fd);
	}
}

/* Async-signal-safe enough for the child: snprintf on the stack, one write. */
void al_trace(const char *step)
{
	struct timespec ts;
	char line[128];

	clock_gettime(CLOCK_MONOTONIC, &ts);
	int n = snprintf(line, sizeof(line), "trace %ld %.3f %s\n", (long)syscall(SYS_getpid),
			 (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6, step);
	if (n > 0)
		(void)!write(AL_TRACE_FD, line, (size_t)n);
}
#endif

int al_home_resolve(char *const env[], char *out, size_t len, struct al_error *err)
{
	const char *home = NULL;
	char buf[4096];
	struct passwd pw, *res = NULL;

	/* env NULL: the passwd entry's home, whatever HOME says. */
	for (size_t i = 0; env && env[i]; i++)
		if (strncmp(env[i], "HOME=", 5) == 0 && env[i][5])
			home = env[i] + 5;
	if (!home) {
		if (getpwuid_r(getuid(), &pw, buf, sizeof(buf), &res) != 0 || !res || !res->pw_dir[0])
			return al_error_set(err, errno ? errno : ENOENT,
					    "$HOME is unset and uid %u has no passwd entry",
					    (unsigned)getuid());
		home = res->pw_dir;
	}
	cleanup_free char *real = realpath(home, NULL);
	if (!real)
		return al_error_set(err, errno, "$HOME %s: cannot be resolved", home);
	if (strlen(real) >= len)
		return al_error_set(err, ENAMETOOLONG, "$HOME %s", home);
	memcpy(out, real, strlen(real) + 1);
	return 0;
}

int al_open_output(const char *path, struct al_error *err)
{
	struct stat st;
	int fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY, 0644);

	/* ENXIO: a FIFO nobody reads (O_NONBLOCK saved us from waiting). */
	if (fd < 0 && errno == ENXIO)
		return al_error_set(err, 0, "%s: not a regular file", path);
	if (fd < 0)
		return al_error_set(err, errno, "%s", path);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return al_error_set(err, 0, "%s: not a regular file", path);
	}
	fcntl(fd, F_SETFL, 0);
	return fd;
}
