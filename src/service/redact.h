/* Secrets' values replaced by [REDACTED:NAME] in what leaves a sandbox
 * (stdout, stderr, artifacts, session files). Pure code, no allocation per
 * byte: a streaming matcher that holds back only a tail that could still
 * become a secret (at most the longest value's length - 1 bytes), so that a
 * value split across two output chunks is found too. */
#ifndef AIRLOCK_SERVICE_REDACT_H
#define AIRLOCK_SERVICE_REDACT_H

#include <stdbool.h>
#include <stddef.h>

enum { REDACT_MAX_SECRETS = 64, REDACT_MAX_VALUE = 64 * 1024 };

struct redact_secret {
	char name[72];
	char *value; /* wiped when freed */
	size_t len;
};

/* The secrets to hide, longest first (a value that contains another is
 * replaced whole). */
struct redact_set {
	struct redact_secret s[REDACT_MAX_SECRETS];
	size_t n, longest;
	bool first[256]; /* a byte that begins some value */
};

/* Add a copy of value under name (a name already there is kept): 0, or -1
 * (empty value, too many, out of memory). */
int redact_add(struct redact_set *set, const char *name, const char *value, size_t len);
void redact_set_free(struct redact_set *set);

typedef void (*redact_emit_fn)(void *user, const char *data, size_t len);

/* One stream's matcher. */
struct redactor {
	const struct redact_set *set;
	char *held; /* a tail that may begin a value, at most longest - 1 */
	size_t nheld;
	redact_emit_fn emit;
	void *user;
};

int redactor_init(struct redactor *r, const struct redact_set *set, redact_emit_fn emit, void *user);
/* Bytes in; what is certain goes to emit (values replaced). */
void redactor_feed(struct redactor *r, const char *data, size_t len);
/* The end of the stream: the held tail goes out as it is. */
void redactor_flush(struct redactor *r);
void redactor_free(struct redactor *r);

#endif
