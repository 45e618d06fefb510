/* The audit log: writer, keys and verifier (see audit.h for the format).
 * Hashes and signatures are libsodium's, JSON is jansson's. */
#include "audit.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "util.h"

#define SECRET_TAG "airlock-audit-ed25519-secret "
#define PUBLIC_TAG "airlock-audit-ed25519-public "
/* A checkpoint line ends with ,"sig":"<128 hex>"} */
#define SIG_OPEN ",\"sig\":\""
enum {
	HASH_LEN = crypto_hash_sha256_BYTES,
	HEX_HASH = 2 * HASH_LEN,
	HEX_SIG = 2 * crypto_sign_BYTES,
	SIG_SUFFIX = sizeof(SIG_OPEN) - 1 + HEX_SIG + 2,
};
static const int DUMP_FLAGS = JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII | JSON_REAL_PRECISION(9);

struct audit {
	struct audit_options opt;
	char *path;
	int fd;
	uint64_t size;
	unsigned char sk[crypto_sign_SECRETKEYBYTES];
	char key_id[AUDIT_KEY_ID_LEN + 1];
	uint64_t seq; /* of the last record written */
	unsigned char hash[HASH_LEN];
	uint64_t unsealed; /* records since the last checkpoint */
	double last_checkpoint_ms;
};

static double mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* RFC 3339, UTC, milliseconds: 2026-12-03T02:15:00.123Z */
static void now_rfc3339(char out[32])
{
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	size_t n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, 32 - n, ".%03ldZ", ts.tv_nsec / 1000000);
}

void audit_line_hash(const char *buf, size_t len, unsigned char out[HASH_LEN])
{
	crypto_hash_sha256(out, (const unsigned char *)buf, len);
}

json_t *audit_sha256_json(const void *data, size_t len)
{
	unsigned char h[HASH_LEN];
	char hex[HEX_HASH + 1];
	crypto_hash_sha256(h, data, len);
	return json_string(sodium_bin2hex(hex, sizeof(hex), h, sizeof(h)));
}

json_t *audit_file_sha256_json(const char *path, uint64_t *size)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return NULL;
	crypto_hash_sha256_state st;
	crypto_hash_sha256_init(&st);
	unsigned char buf[65536], h[HASH_LEN];
	uint64_t total = 0;
	ssize_t n;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		crypto_hash_sha256_update(&st, buf, (size_t)n);
		total += (uint64_t)n;
	}
	if (n < 0)
		return NULL;
	crypto_hash_sha256_final(&st, h);
	char hex[HEX_HASH + 1];
	if (size)
		*size = total;
	return json_string(sodium_bin2hex(hex, sizeof(hex), h, sizeof(h)));
}

void audit_key_id(const unsigned char pk[crypto_sign_PUBLICKEYBYTES], char out[AUDIT_KEY_ID_LEN + 1])
{
	unsigned char h[HASH_LEN];
	char hex[HEX_HASH + 1];
	crypto_hash_sha256(h, pk, crypto_sign_PUBLICKEYBYTES);
	sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	memcpy(out, hex, AUDIT_KEY_ID_LEN);
	out[AUDIT_KEY_ID_LEN] = '\0';
}

/* --- keys --- */

static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int audit_keygen(const char *path, struct al_error *err)
{
	if (sodium_init() < 0)
		return al_error_set(err, 0, "libsodium: cannot initialise");
	unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
	char line[sizeof(SECRET_TAG) + 2 * sizeof(sk) + 2];
	crypto_sign_keypair(pk, sk);
	cleanup_free char *pub = NULL;
	if (asprintf(&pub, "%s.pub", path) < 0)
		return al_error_set(err, ENOMEM, "keygen");
	/* O_EXCL: never overwrite a key (its log could no longer be checked). */
	cleanup_close int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return al_error_set(err, errno, "%s", path);
	int r = fchmod(fd, 0600);
	memcpy(line, SECRET_TAG, sizeof(SECRET_TAG) - 1);
	sodium_bin2hex(line + sizeof(SECRET_TAG) - 1, 2 * sizeof(sk) + 1, sk, sizeof(sk));
	strcat(line, "\n");
	if (r < 0 || write_all(fd, line, strlen(line)) < 0 || fsync(fd) < 0) {
		sodium_memzero(sk, sizeof(sk));
		sodium_memzero(line, sizeof(line));
		unlink(path);
		return al_error_set(err, errno, "%s", path);
	}
	sodium_memzero(sk, sizeof(sk));
	sodium_memzero(line, sizeof(line));
	cleanup_close int pfd = open(pub, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (pfd < 0)
		return al_error_set(err, errno, "%s", pub);
	memcpy(line, PUBLIC_TAG, sizeof(PUBLIC_TAG) - 1);
	sodium_bin2hex(line + sizeof(PUBLIC_TAG) - 1, 2 * sizeof(pk) + 1, pk, sizeof(pk));
	strcat(line, "\n");
	if (write_all(pfd, line, strlen(line)) < 0 || fsync(pfd) < 0)
		return al_error_set(err, errno, "%s", pub);
	return 0;
}

/* Read a one-line key file "TAG HEX" into out (exactly len bytes). secret:
 * refuse a file that group or others may access. */
static int load_key(const char *path, const char *tag, unsigned char *out, size_t len, bool secret,
		    struct al_error *err)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	if (fd < 0)
		return al_error_set(err, errno, "%s", path);
	struct stat st;
	if (fstat(fd, &st) < 0)
		return al_error_set(err, errno, "%s", path);
	if (!S_ISREG(st.st_mode))
		return al_error_set(err, 0, "%s: not a regular file", path);
	if (secret && (st.st_mode & 077))
		return al_error_set(err, 0,
				    "%s: group or others may read the secret key (mode %04o; chmod 600 it)",
				    path, (unsigned)(st.st_mode & 07777));
	char buf[512];
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0)
		return al_error_set(err, errno, "%s", path);
	buf[n] = '\0';
	size_t tl = strlen(tag), bin = 0;
	const char *end = NULL;
	int r = -1;
	if ((size_t)n > tl && memcmp(buf, tag, tl) == 0)
		r = sodium_hex2bin(out, len, buf + tl, (size_t)n - tl, NULL, &bin, &end);
	bool ok = r == 0 && bin == len && end && (*end == '\0' || strcmp(end, "\n") == 0);
	sodium_memzero(buf, sizeof(buf));
	if (!ok)
		return al_error_set(err, 0, "%s: not an airlock audit %s key (expected \"%sHEX\")", path,
				    secret ? "secret" : "public", tag);
	return 0;
}

int audit_load_public(const char *path, unsigned char pk[crypto_sign_PUBLICKEYBYTES], struct al_error *err)
{
	if (sodium_init() < 0)
		return al_error_set(err, 0, "libsodium: cannot initialise");
	return load_key(path, PUBLIC_TAG, pk, crypto_sign_PUBLICKEYBYTES, false, err);
}

/* --- the writer --- */

static int append(struct audit *a, const char *line, size_t len, struct al_error *err)
{
	/* One write(2) of the whole line and its newline, O_APPEND: a reader
	 * never sees half a record unless the machine itself stops mid-write. */
	char *buf = malloc(len + 1);
	if (!buf)
		return al_error_set(err, ENOMEM, "audit log");
	memcpy(buf, line, len);
	buf[len] = '\n';
	int r = write_all(a->fd, buf, len + 1);
	int e = errno;
	free(buf);
	if (r < 0) {
		/* A short write (the disk full) leaves part of a line: cut it, so
		 * that the next record starts a line of its own. */
		if (ftruncate(a->fd, (off_t)a->size) < 0)
			e = errno;
		return al_error_set(err, e, "audit log %s: write", a->path);
	}
	a->size += len + 1;
	audit_line_hash(line, len, a->hash);
	if (a->opt.syslog)
		syslog(LOG_AUTHPRIV | LOG_INFO, "%.*s", (int)len, line);
	return 0;
}

/* The object of the next record: seq, time, action, the fields, prev. */
static json_t *next_record(struct audit *a, const char *action, json_t *fields)
{
	char t[32], prev[HEX_HASH + 1];
	now_rfc3339(t);
	json_t *o = json_object();
	json_object_set_new(o, "seq", json_integer((json_int_t)(a->seq + 1)));
	json_object_set_new(o, "time", json_string(t));
	json_object_set_new(o, "action", json_string(action));
	const char *k;
	json_t *v;
	json_object_foreach(fields, k, v)
	{
		if (strcmp(k, "seq") && strcmp(k, "time") && strcmp(k, "action") && strcmp(k, "prev") &&
		    strcmp(k, "sig"))
			json_object_set(o, k, v);
	}
	json_object_set_new(o, "prev", json_string(sodium_bin2hex(prev, sizeof(prev), a->hash, HASH_LEN)));
	return o;
}

static int checkpoint(struct audit *a, const char *reason, json_t *extra, struct al_error *err)
{
	json_t *f = json_object();
	json_object_set_new(f, "reason", json_string(reason));
	json_object_set_new(f, "count", json_integer((json_int_t)a->unsealed));
	json_object_set_new(f, "key_id", json_string(a->key_id));
	if (extra) {
		json_object_update(f, extra);
		json_decref(extra);
	}
	json_t *o = next_record(a, "checkpoint", f);
	json_decref(f);
	char *s = json_dumps(o, DUMP_FLAGS);
	json_decref(o);
	if (!s)
		return al_error_set(err, ENOMEM, "audit checkpoint");
	size_t n = strlen(s);
	unsigned char sig[crypto_sign_BYTES];
	crypto_sign_detached(sig, NULL, (const unsigned char *)s, n, a->sk);
	char *line = malloc(n - 1 + SIG_SUFFIX + 1);
	if (!line) {
		free(s);
		return al_error_set(err, ENOMEM, "audit checkpoint");
	}
	memcpy(line, s, n - 1); /* without its closing brace */
	memcpy(line + n - 1, SIG_OPEN, sizeof(SIG_OPEN) - 1);
	sodium_bin2hex(line + n - 1 + sizeof(SIG_OPEN) - 1, HEX_SIG + 1, sig, sizeof(sig));
	memcpy(line + n - 1 + sizeof(SIG_OPEN) - 1 + HEX_SIG, "\"}", 3);
	free(s);
	int r = append(a, line, strlen(line), err);
	free(line);
	if (r < 0)
		return r;
	a->seq++;
	a->unsealed = 0;
	a->last_checkpoint_ms = mono_ms();
	if (fsync(a->fd) < 0)
		return al_error_set(err, errno, "audit log %s: fsync", a->path);
	return 0;
}

int audit_checkpoint(struct audit *a, const char *reason, struct al_error *err)
{
	return checkpoint(a, reason, NULL, err);
}

/* Past max_size: seal this file, move it to PATH.<last seq> and start a new
 * one whose first record links to the old file's last. */
static int rotate(struct audit *a, struct al_error *err)
{
	if (checkpoint(a, "rotate", NULL, err) < 0)
		return -1;
	char *old = NULL;
	if (asprintf(&old, "%s.%012llu", a->path, (unsigned long long)a->seq) < 0)
		return al_error_set(err, ENOMEM, "audit rotate");
	int r = rename(a->path, old);
	int e = errno;
	free(old);
	if (r < 0)
		return al_error_set(err, e, "audit log %s: rotate", a->path);
	int fd = open(a->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return al_error_set(err, errno, "audit log %s", a->path);
	close(a->fd);
	a->fd = fd;
	a->size = 0;
	return 0;
}

static char *record_line(struct audit *a, const char *action, json_t *fields)
{
	json_t *o = next_record(a, action, fields);
	char *s = json_dumps(o, DUMP_FLAGS);
	json_decref(o);
	return s;
}

int audit_record(struct audit *a, const char *action, json_t *fields, struct al_error *err)
{
	json_t *f = fields ? fields : json_object();
	char *s = record_line(a, action, f);
	if (s && a->opt.max_size && a->size > 0 && a->size + strlen(s) + 1 > a->opt.max_size) {
		/* The record's prev changes with the rotation's checkpoint: make it again. */
		free(s);
		s = NULL;
		if (rotate(a, err) < 0) {
			json_decref(f);
			return -1;
		}
		s = record_line(a, action, f);
	}
	json_decref(f);
	if (!s)
		return al_error_set(err, ENOMEM, "audit record");
	int r = append(a, s, strlen(s), err);
	free(s);
	if (r < 0)
		return r;
	a->seq++;
	a->unsealed++;
	if (a->unsealed >= a->opt.checkpoint_records)
		return checkpoint(a, "records", NULL, err);
	return 0;
}

int audit_timeout_ms(const struct audit *a)
{
	if (!a || a->unsealed == 0)
		return -1;
	double left = a->last_checkpoint_ms + a->opt.checkpoint_seconds * 1e3 - mono_ms();
	return left <= 0 ? 0 : (int)left + 1;
}

int audit_tick(struct audit *a, struct al_error *err)
{
	if (audit_timeout_ms(a) != 0)
		return 0;
	return checkpoint(a, "time", NULL, err);
}

/* The last line of a file (at most AUDIT_LINE_MAX bytes a line): 0 and *out
 * (malloc'd, no newline), 1 if the file has no complete line, -1. */
static int last_line(const char *path, char **out, size_t *len)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return -1;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	*out = NULL;
	while ((n = getline(&line, &cap, f)) > 0) {
		if (line[n - 1] != '\n' || (size_t)n > AUDIT_LINE_MAX + 1)
			break;
		free(*out);
		*out = strndup(line, (size_t)n - 1);
		*len = (size_t)n - 1;
	}
	free(line);
	fclose(f);
	return *out ? 0 : 1;
}

/* An empty log beside rotated ones (PATH.<12 digits>): the service stopped
 * between a rotation's rename and the new file's first record. The chain
 * goes on from the newest rotated file's last line. */
static void resume_rotated(struct audit *a)
{
	char *d = strdup(a->path), *b = strdup(a->path), best[512] = "";
	if (!d || !b)
		goto out;
	const char *dir = dirname(d), *base = basename(b);
	size_t bl = strlen(base);
	DIR *dh = opendir(dir);
	if (!dh)
		goto out;
	struct dirent *e;
	while ((e = readdir(dh))) {
		const char *n = e->d_name;
		if (strncmp(n, base, bl) != 0 || n[bl] != '.' || strlen(n + bl + 1) != 12 ||
		    strspn(n + bl + 1, "0123456789") != 12)
			continue;
		if (strcmp(n, best) > 0)
			snprintf(best, sizeof(best), "%s", n);
	}
	closedir(dh);
	char *path = NULL, *line = NULL;
	size_t len = 0;
	if (best[0] && asprintf(&path, "%s/%s", dir, best) >= 0 && last_line(path, &line, &len) == 0) {
		json_t *o = json_loadb(line, len, 0, NULL);
		json_t *seq = json_object_get(o, "seq");
		if (json_is_integer(seq) && json_integer_value(seq) > 0) {
			a->seq = (uint64_t)json_integer_value(seq);
			audit_line_hash(line, len, a->hash);
		}
		json_decref(o);
	}
	free(line);
	free(path);
out:
	free(d);
	free(b);
}

/* Read what is already in the log: the last line (to continue the chain),
 * whether a checkpoint ends it, and where the unsealed tail begins. A
 * fragment after the last newline (the machine stopped mid-write) is cut
 * off: it was never a record. */
static int resume(struct audit *a, json_t **crash, struct al_error *err)
{
	struct stat st;
	if (fstat(a->fd, &st) < 0)
		return al_error_set(err, errno, "audit log %s", a->path);
	if (!S_ISREG(st.st_mode))
		return al_error_set(err, 0, "audit log %s: not a regular file", a->path);
	a->size = (uint64_t)st.st_size;
	if (st.st_size == 0) {
		resume_rotated(a);
		return 0;
	}
	FILE *f = fdopen(dup(a->fd), "r");
	if (!f)
		return al_error_set(err, errno, "audit log %s", a->path);
	char *line = NULL, *last = NULL;
	size_t cap = 0, last_len = 0;
	ssize_t n;
	unsigned long lineno = 0, tail_line = 0;
	uint64_t good = 0; /* bytes up to the last newline */
	bool last_is_checkpoint = false;
	while ((n = getline(&line, &cap, f)) > 0) {
		if (line[n - 1] != '\n')
			break; /* the fragment */
		lineno++;
		if ((size_t)n > AUDIT_LINE_MAX + 1) {
			free(line);
			free(last);
			fclose(f);
			return al_error_set(err, 0,
					    "audit log %s: line %lu is longer than %d bytes: not a record "
					    "(airlock audit verify it)",
					    a->path, lineno, AUDIT_LINE_MAX);
		}
		good += (uint64_t)n;
		bool cp = strstr(line, "\"action\":\"checkpoint\"") != NULL;
		if (!cp && last_is_checkpoint)
			tail_line = lineno;
		if (lineno == 1 && !cp)
			tail_line = 1;
		last_is_checkpoint = cp;
		free(last);
		last = strndup(line, (size_t)n - 1);
		last_len = (size_t)n - 1;
	}
	free(line);
	fclose(f);
	uint64_t dropped = a->size - good;
	if (dropped && ftruncate(a->fd, (off_t)good) < 0) {
		free(last);
		return al_error_set(err, errno, "audit log %s: cutting a partial last line", a->path);
	}
	a->size = good;
	if (!last) {
		if (dropped)
			*crash = json_pack("{s:I}", "discarded_bytes", (json_int_t)dropped);
		return 0;
	}
	json_error_t je;
	json_t *o = json_loadb(last, last_len, 0, &je);
	json_t *seq = json_object_get(o, "seq");
	if (!json_is_integer(seq) || json_integer_value(seq) < 1) {
		json_decref(o);
		free(last);
		return al_error_set(
		    err, 0,
		    "audit log %s: its last line (%lu) is not a record; run airlock audit verify on it",
		    a->path, lineno);
	}
	a->seq = (uint64_t)json_integer_value(seq);
	json_decref(o);
	audit_line_hash(last, last_len, a->hash);
	free(last);
	if (!last_is_checkpoint || dropped) {
		*crash = json_object();
		if (!last_is_checkpoint) {
			/* Count the unsealed records: seq of the tail's first to the last. */
			json_object_set_new(*crash, "unsealed_from_line",
					    json_integer((json_int_t)tail_line));
			json_object_set_new(*crash, "unsealed_records",
					    json_integer((json_int_t)(lineno - tail_line + 1)));
			a->unsealed = lineno - tail_line + 1; /* the crash checkpoint counts them */
		}
		if (dropped)
			json_object_set_new(*crash, "discarded_bytes", json_integer((json_int_t)dropped));
	}
	return 0;
}

int audit_open(struct audit **out, const struct audit_options *opt, struct al_error *err)
{
	if (sodium_init() < 0)
		return al_error_set(err, 0, "libsodium: cannot initialise");
	struct audit *a = calloc(1, sizeof(*a));
	if (!a)
		return al_error_set(err, ENOMEM, "audit");
	a->opt = *opt;
	a->fd = -1;
	(void)sodium_mlock(a->sk, sizeof(a->sk)); /* the secret key never in swap (best effort) */
	if (!a->opt.checkpoint_records)
		a->opt.checkpoint_records = 1000;
	if (!a->opt.checkpoint_seconds)
		a->opt.checkpoint_seconds = 60;
	a->path = strdup(opt->path);
	json_t *crash = NULL;
	unsigned char pk[crypto_sign_PUBLICKEYBYTES];
	if (!a->path || load_key(opt->key, SECRET_TAG, a->sk, sizeof(a->sk), true, err) < 0)
		goto fail;
	crypto_sign_ed25519_sk_to_pk(pk, a->sk);
	audit_key_id(pk, a->key_id);
	a->fd = open(a->path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
	if (a->fd < 0) {
		al_error_set(err, errno, "audit log %s", a->path);
		goto fail;
	}
	if (resume(a, &crash, err) < 0)
		goto fail;
	a->last_checkpoint_ms = mono_ms();
	if (opt->syslog)
		openlog("airlock-audit", LOG_PID | LOG_NDELAY, LOG_AUTHPRIV);
	if (crash) {
		if (opt->who)
			json_object_set_new(crash, "by", json_string(opt->who));
		if (checkpoint(a, "crash", crash, err) < 0) {
			crash = NULL;
			goto fail;
		}
	}
	*out = a;
	return 0;
fail:
	json_decref(crash);
	if (a->fd >= 0)
		close(a->fd);
	sodium_munlock(a->sk, sizeof(a->sk)); /* zeroes it too */
	free(a->path);
	free(a);
	return -1;
}

void audit_close(struct audit *a)
{
	if (!a)
		return;
	struct al_error err = {0};
	if (a->unsealed > 0 || a->size == 0)
		checkpoint(a, "shutdown", NULL, &err);
	else
		fsync(a->fd);
	close(a->fd);
	if (a->opt.syslog)
		closelog();
	sodium_munlock(a->sk, sizeof(a->sk)); /* zeroes it too */
	free(a->path);
	free(a);
}

/* --- the verifier --- */

void audit_verify_init(struct audit_verify *v, const unsigned char pk[crypto_sign_PUBLICKEYBYTES])
{
	memset(v, 0, sizeof(*v));
	memcpy(v->pk, pk, sizeof(v->pk));
	audit_key_id(pk, v->key_id);
}

static bool is_hex(const char *s, size_t n)
{
	if (strlen(s) != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

static int bad(struct audit_verify *v, json_t *o, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int bad(struct audit_verify *v, json_t *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(v->err, sizeof(v->err), fmt, ap);
	va_end(ap);
	json_decref(o);
	return -1;
}

/* A checkpoint's signature: over the line with its ,"sig":"..."} suffix
 * replaced by }. */
static int check_signature(struct audit_verify *v, const char *buf, size_t len, json_t *o)
{
	if (len < SIG_SUFFIX + 2 || memcmp(buf + len - SIG_SUFFIX, SIG_OPEN, sizeof(SIG_OPEN) - 1) != 0 ||
	    memcmp(buf + len - 2, "\"}", 2) != 0)
		return bad(v, o, "checkpoint: its line does not end with its signature");
	unsigned char sig[crypto_sign_BYTES];
	size_t bin = 0;
	const char *hex = buf + len - SIG_SUFFIX + sizeof(SIG_OPEN) - 1;
	if (sodium_hex2bin(sig, sizeof(sig), hex, HEX_SIG, NULL, &bin, NULL) != 0 || bin != sizeof(sig))
		return bad(v, o, "checkpoint: the signature is not hex");
	size_t mlen = len - SIG_SUFFIX + 1;
	char *msg = malloc(mlen);
	if (!msg)
		return bad(v, o, "out of memory");
	memcpy(msg, buf, mlen - 1);
	msg[mlen - 1] = '}';
	int r = crypto_sign_verify_detached(sig, (const unsigned char *)msg, mlen, v->pk);
	free(msg);
	if (r != 0)
		return bad(v, o, "checkpoint: the Ed25519 signature does not verify (forged or edited)");
	return 0;
}

int audit_verify_line(struct audit_verify *v, const char *buf, size_t len, const char *file,
		      unsigned long line)
{
	v->err[0] = '\0';
	if (len > AUDIT_LINE_MAX)
		return bad(v, NULL, "line longer than %d bytes", AUDIT_LINE_MAX);
	json_error_t je;
	json_t *o = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
	if (!json_is_object(o))
		return bad(v, o, "not a JSON object (%s)", o ? "another JSON value" : je.text);
	json_t *jseq = json_object_get(o, "seq"), *jtime = json_object_get(o, "time"),
	       *jact = json_object_get(o, "action"), *jprev = json_object_get(o, "prev");
	if (!json_is_integer(jseq) || json_integer_value(jseq) < 1 || !json_is_string(jtime) ||
	    !json_is_string(jact) || !json_is_string(jprev) || !is_hex(json_string_value(jprev), HEX_HASH))
		return bad(v, o, "not an audit record (seq, time, action and prev)");
	uint64_t seq = (uint64_t)json_integer_value(jseq);
	const char *action = json_string_value(jact);
	char want[HEX_HASH + 1];
	/* What this line must continue: the last good line, or for a first
	 * line the chain's start (seq 1, prev zero) or, for a file that
	 * continues an earlier one, its own prev taken on trust. The
	 * verifier's state changes only once the line is found good. */
	uint64_t last_seq = v->seq, first_seq = v->first_seq;
	unsigned char last_hash[HASH_LEN];
	memcpy(last_hash, v->hash, sizeof(last_hash));
	if (!v->started) {
		memset(last_hash, 0, sizeof(last_hash));
		if (seq != 1)
			sodium_hex2bin(last_hash, sizeof(last_hash), json_string_value(jprev), HEX_HASH, NULL,
				       NULL, NULL);
		first_seq = seq;
		last_seq = seq - 1;
	}
	if (seq != last_seq + 1)
		return bad(v, o, "seq %llu where %llu was due (a record removed, inserted or moved)",
			   (unsigned long long)seq, (unsigned long long)(last_seq + 1));
	sodium_bin2hex(want, sizeof(want), last_hash, sizeof(last_hash));
	if (strcmp(want, json_string_value(jprev)) != 0)
		return bad(v, o,
			   "prev is not the SHA-256 of the line before (that line was edited, or a record "
			   "removed or inserted before this one)");
	if (strcmp(action, "checkpoint") == 0) {
		json_t *kid = json_object_get(o, "key_id"), *count = json_object_get(o, "count");
		if (!json_is_string(kid) || strcmp(json_string_value(kid), v->key_id) != 0)
			return bad(v, o, "checkpoint signed with key %s, not with the key given (%s)",
				   json_is_string(kid) ? json_string_value(kid) : "?", v->key_id);
		if (check_signature(v, buf, len, o) < 0)
			return -1;
		/* The count is known only from the start of the chain or a checkpoint on. */
		if ((first_seq == 1 || v->checkpoints) &&
		    (!json_is_integer(count) || (uint64_t)json_integer_value(count) != v->since_checkpoint))
			return bad(v, o, "checkpoint counts %lld records, %llu came before it",
				   json_is_integer(count) ? (long long)json_integer_value(count) : -1LL,
				   (unsigned long long)v->since_checkpoint);
		const char *reason = json_string_value(json_object_get(o, "reason"));
		v->shutdown = reason && strcmp(reason, "shutdown") == 0;
		v->checkpoints++;
		v->since_checkpoint = 0;
		v->tail_seq = 0;
		v->tail_line = 0;
		v->tail_file = NULL;
	} else {
		if (json_object_get(o, "sig"))
			return bad(v, o, "a record that is not a checkpoint carries a signature");
		v->records++;
		v->since_checkpoint++;
		if (!v->tail_seq) {
			v->tail_seq = seq;
			v->tail_line = line;
			v->tail_file = file;
		}
	}
	v->started = true;
	v->first_seq = first_seq;
	v->seq = seq;
	audit_line_hash(buf, len, v->hash);
	json_decref(o);
	return 0;
}
