/* The audit log (DESIGN.md, "Audit log"): one JSON line per action, each
 * holding the SHA-256 of the line before it ("prev") and a sequence number
 * ("seq"); every N records, every T seconds, at shutdown and after a crash
 * a checkpoint record signed with Ed25519 seals the chain.
 *
 * A record's line is {"seq":N,"time":"...","action":"...",FIELDS...,"prev":"HEX"}
 * (keys in that order, jansson's compact form). A checkpoint's line ends
 * with ,"sig":"HEX"}: the signature covers the line's bytes with that
 * suffix replaced by "}", so nothing is ever re-serialised to verify.
 *
 * Key files (text, one line): KEY is "airlock-audit-ed25519-secret HEX128"
 * (libsodium's 64-byte secret key), mode 0600; KEY.pub is
 * "airlock-audit-ed25519-public HEX64". The key id is the first 16 hex
 * digits of the public key's SHA-256.
 *
 * Writer (audit_open ... audit_close) has side effects; the verifier
 * (audit_verify_*) is pure and reads the log as untrusted input. */
#ifndef AIRLOCK_AUDIT_H
#define AIRLOCK_AUDIT_H

#include <jansson.h>
#include <sodium.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <airlock.h> /* struct al_error */

enum {
	AUDIT_LINE_MAX = 1 << 20, /* longest line the reader accepts */
	AUDIT_KEY_ID_LEN = 16,
};

struct audit_options {
	const char *path;	     /* the log */
	const char *key;	     /* the secret key file (0600) */
	unsigned checkpoint_records; /* 0: default 1000 */
	unsigned checkpoint_seconds; /* 0: default 60 */
	uint64_t max_size;	     /* rotate past this many bytes; 0: never */
	bool syslog;		     /* copy every line to syslog (LOG_AUTHPRIV) */
	const char *who;	     /* "serve", "run", "scan": in the open/crash records */
};

struct audit;

/* Open (or create) the log, read its last record to continue the chain and,
 * if it does not end in a checkpoint (a crash), seal that tail with a
 * checkpoint whose reason is "crash". Refuses a key file that group or
 * others may access. */
int audit_open(struct audit **out, const struct audit_options *opt, struct al_error *err);
/* Append one record: fields (stolen; may be NULL) come after seq, time and
 * action. Returns once write(2) has taken the whole line. */
int audit_record(struct audit *a, const char *action, json_t *fields, struct al_error *err);
/* Seal the chain now (fsync'd). reason: "records", "time", "shutdown", ... */
int audit_checkpoint(struct audit *a, const char *reason, struct al_error *err);
/* The checkpoint timer: ms until it is due (-1: nothing unsealed), and the
 * work when due. */
int audit_timeout_ms(const struct audit *a);
int audit_tick(struct audit *a, struct al_error *err);
/* A checkpoint "shutdown" if anything is unsealed, then close. NULL is fine. */
void audit_close(struct audit *a);

/* Keys. */
int audit_keygen(const char *path, struct al_error *err);
int audit_load_public(const char *path, unsigned char pk[crypto_sign_PUBLICKEYBYTES], struct al_error *err);
void audit_key_id(const unsigned char pk[crypto_sign_PUBLICKEYBYTES], char out[AUDIT_KEY_ID_LEN + 1]);

/* Helpers for record fields: hex SHA-256 of bytes and of a file's content
 * (NULL if it cannot be read). */
json_t *audit_sha256_json(const void *data, size_t len);
json_t *audit_file_sha256_json(const char *path, uint64_t *size);

/* --- the verifier: feed it the lines of one or more files in order. --- */
struct audit_verify {
	unsigned char pk[crypto_sign_PUBLICKEYBYTES];
	char key_id[AUDIT_KEY_ID_LEN + 1];
	bool started;
	uint64_t seq;				      /* of the last good record */
	unsigned char hash[crypto_hash_sha256_BYTES]; /* of the last good line */
	uint64_t since_checkpoint;		      /* records since the last checkpoint */
	uint64_t records, checkpoints;
	/* The unsealed tail: its first record (0: none). */
	uint64_t tail_seq;
	unsigned long tail_line;
	const char *tail_file;
	bool shutdown; /* the last checkpoint's reason was "shutdown" */
	uint64_t first_seq;
	char err[512]; /* why the line was refused */
};

void audit_verify_init(struct audit_verify *v, const unsigned char pk[crypto_sign_PUBLICKEYBYTES]);
/* One line (without its newline) at line `line` of `file`: 0 good, -1 bad
 * (v->err says why). After a bad line the verifier's state is not advanced. */
int audit_verify_line(struct audit_verify *v, const char *buf, size_t len, const char *file,
		      unsigned long line);

/* Hex SHA-256 of a line, for the writer and the tests. */
void audit_line_hash(const char *buf, size_t len, unsigned char out[crypto_hash_sha256_BYTES]);

#endif
