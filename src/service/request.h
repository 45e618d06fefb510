/* Request bodies of the service, decoded with jansson and checked against the
 * documented fields: an unknown field, a wrong type or a value out of range
 * is refused with the field's name ("files[2].encoding"). Pure code: bytes
 * in, a struct or an error out (tests/fuzz/fuzz_request.c). */
#ifndef AIRLOCK_SERVICE_REQUEST_H
#define AIRLOCK_SERVICE_REQUEST_H

#include <stdbool.h>
#include <stddef.h>

/* The limits a request may set, by their API names (the run options'). */
enum { REQ_MEMORY, REQ_PIDS, REQ_TIME, REQ_CPU_TIME, REQ_OUTPUT, REQ_TMPFS_SIZE, REQ_NLIMITS };
extern const char *const req_limit_names[REQ_NLIMITS]; /* "memory" ... "tmpfs_size" */
extern const char *const req_limit_keys[REQ_NLIMITS];  /* al_config_set keys: "cpu-time" ... */
bool req_limit_is_time(int i);

/* Bounds on what one request may hold (the body itself is bounded by
 * the service's --max-body). */
enum {
	REQ_MAX_ARGV = 1024,
	REQ_MAX_ARGS_BYTES = 512 * 1024, /* argv and env: the library takes 1 MiB */
	REQ_MAX_CODE = 128 * 1024 - 1,	 /* one argument: the kernel's MAX_ARG_STRLEN */
	REQ_MAX_ENV = 256,
	REQ_MAX_FILES = 256,
	REQ_MAX_PATH = 1024,
	REQ_MAX_RULES = 64,
	REQ_MAX_RULE = 260,
	REQ_MAX_ARTIFACTS = 64,
	REQ_MAX_NAME = 64,
	REQ_MAX_LABELS = 16,
	REQ_MAX_LABEL = 32,
};

struct req_error {
	unsigned status;  /* 400, or 413 when a bound above was passed */
	char field[128];  /* "limits.memory", "files[1].path"; "" for the body */
	char detail[400]; /* the whole message, naming the field */
};

struct req_limits {
	bool set[REQ_NLIMITS], unlimited[REQ_NLIMITS];
	double value[REQ_NLIMITS];  /* bytes, processes or seconds */
	char text[REQ_NLIMITS][32]; /* the value for al_config_set */
};

struct req_file {
	char *path;
	unsigned char *data;
	size_t len;
	unsigned mode;
	char **labels; /* data labels ("pii", "phi", ...), NULL-terminated, or NULL */
	size_t nlabels;
};

struct req_network {
	bool set;
	char **allow; /* NULL-terminated; empty: no network */
	size_t n;
};

/* POST /v1/execute, POST /v1/sandboxes/{id}/commands. */
struct req_run {
	char **argv; /* NULL-terminated */
	size_t argc;
	const char *language; /* "python", "sh" or NULL (argv given) */
	char *profile;	      /* NULL: python for language python, else default */
	unsigned char *input;
	size_t input_len;
	char **env; /* "NAME=VALUE", NULL-terminated, or NULL */
	size_t nenv;
	struct req_file *files;
	size_t nfiles;
	struct req_limits limits;
	struct req_network network;
	char **artifacts; /* NULL-terminated, or NULL */
	size_t nartifacts;
	char **secrets; /* names from the tenant's config, NULL-terminated, or NULL */
	size_t nsecrets;
};

/* POST /v1/sandboxes. */
struct req_session {
	char *profile;
	double ttl, idle_timeout; /* 0: not given */
	struct req_limits limits;
	struct req_network network;
	char **env;
	size_t nenv;
};

enum req_kind { REQ_EXECUTE, REQ_COMMAND };

int req_decode_run(const char *body, size_t len, enum req_kind kind, struct req_run *out,
		   struct req_error *err);
void req_run_free(struct req_run *r);
/* Fill err (when not NULL) with status and "FIELD: message"; returns -1. */
int req_fail(struct req_error *err, unsigned status, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
int req_decode_session(const char *body, size_t len, struct req_session *out, struct req_error *err);
void req_session_free(struct req_session *s);
/* POST .../restore: {"snapshot": ID}. */
int req_decode_restore(const char *body, size_t len, char *id, size_t idlen, struct req_error *err);
/* POST .../contexts: {"language": "python"} (optional). */
int req_decode_context(const char *body, size_t len, struct req_error *err);
/* POST .../contexts/{cid}/run: {"code": TEXT, "timeout": SECONDS}; code
 * points into a copy the caller frees (*code), timeout 0 when not given. */
int req_decode_context_run(const char *body, size_t len, char **code, double *timeout, struct req_error *err);
/* A body that must be empty or {}. */
int req_decode_empty(const char *body, size_t len, struct req_error *err);
/* A list of data labels "pii,phi" (a query's value) or one label: each
 * [a-z0-9_-], at most REQ_MAX_LABEL bytes. */
int req_check_label(const char *label, const char *field, struct req_error *err);
/* The labels of a run's files, each once (into labels, at most max). */
size_t req_run_labels(const struct req_run *r, const char **labels, size_t max);
/* A path inside the workspace, as files, artifacts and /files/{path} take
 * it: not empty, no NUL or control byte, no "." or ".." part. */
int req_check_path(const char *path, const char *field, struct req_error *err);

#endif
