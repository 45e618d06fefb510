/* One sandbox of the service: a kept al_sandbox and its commands ("ops") by
 * id. The library's events are collected into the op they belong to; an op
 * that has ended is handed to its owner's done() after al_sandbox_handle
 * has returned, never from inside the library's callback, so that done()
 * may start the next command or close the box. */
#ifndef AIRLOCK_SERVICE_BOX_H
#define AIRLOCK_SERVICE_BOX_H

#include <airlock.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "service.h"

struct buf {
	char *data;
	size_t len, cap;
};
int buf_add(struct buf *b, const void *data, size_t len);
void buf_free(struct buf *b);

enum op_kind { OP_EXEC, OP_PUT, OP_GET, OP_SNAPSHOT, OP_RESTORE };
enum { OP_MAX_VIOLATIONS = 32, OP_MAX_NETWORK = 128 };
/* Bytes of a stream an op keeps: a command's output (the service allows no
 * larger output limit), a file or a snapshot that comes out whole. */
#define OP_MAX_OUTPUT (64ULL << 20)
#define OP_MAX_FILE (256ULL << 20)
/* The op's stdout came out whole (a file, a snapshot). */
#define op_whole(op) ((op)->seen[0] == (op)->out[0].len)

struct op {
	struct op *next;
	struct box *box;
	unsigned id;
	enum op_kind kind;
	struct buf out[2]; /* stdout, stderr: at most cap[i] bytes kept */
	size_t cap[2];
	uint64_t seen[2];   /* bytes that came, kept or not */
	json_t *violations; /* [{syscall, action, args, pid}] */
	json_t *vcounts;    /* {syscall: count}, every violation counted (the audit log) */
	json_t *network;    /* [{host, port, verdict, reason, ...}] */
	unsigned violations_dropped;
	/* The EXITED event. */
	char status[32];
	int exit_code, signal;
	double wall_ms, started_ms;
	char error[512];
	uint64_t output_bytes[2];
	int truncated[2];
	/* The owner's. */
	void (*done)(struct op *op);
	void (*output)(struct op *op, int stream, const char *data, size_t len); /* NULL: kept in out */
	void *user;
};

struct box {
	struct watch w;
	struct box *next, *prev;
	struct svc *svc;
	al_sandbox *sb;
	char id[40];
	char tenant[64];
	char profile[64];
	struct op *ops;	 /* running */
	struct op *done; /* ended, for their owners */
	bool ended, closing, end_told;
	bool pooled; /* a warm pool's, not yet taken: not counted in nboxes */
	/* STARTED */
	char cgroup[8];
	int landlock;
	char degraded[256];
	/* ENDED */
	char status[32];
	char *report;
	double cpu_ms;
	uint64_t max_rss_kb;
	/* The profile after overrides: its environment (commands' env is it
	 * plus their own) and limits, as al_config_profile_json gives them. */
	json_t *env, *limits;
	/* Told once, when the sandbox has ended and no op is left. */
	void (*on_end)(struct box *b);
	void *owner;
};

/* Start a kept sandbox from cfg (which the caller still frees). first:
 * NULL, or a command that starts with the sandbox (the profile's
 * environment, stdin /dev/null), its op in *first_op: no request to init,
 * no round trip, for a one-shot run that needs nothing put in first. */
int box_start(struct svc *svc, al_config *cfg, const char *tenant, char *const first[], struct box **out,
	      struct op **first_op, al_error *err);
/* argv with the profile's environment plus extra ("NAME=VALUE", may be
 * NULL), input as stdin. */
struct op *box_exec(struct box *b, char *const argv[], char *const extra_env[], const void *input, size_t len,
		    al_error *err);
struct op *box_put(struct box *b, const char *path, const void *data, size_t len, unsigned mode,
		   al_error *err);
struct op *box_get(struct box *b, const char *path, al_error *err);
struct op *box_snapshot(struct box *b, al_error *err);
struct op *box_restore(struct box *b, const void *data, size_t len, al_error *err);
/* End the sandbox (its processes killed); ENDED, then on_end, follow. */
void box_end(struct box *b);
/* A box whose ops have all ended takes its sandbox's report as it stands
 * (al_sandbox_report_now), as if ENDED had come, so that its owner can
 * answer and close it at once; the sandbox's teardown then happens off the
 * answer's path (the context reaps it). No on_end follows. -1 if an op
 * still runs, the box ended, or the report could not be had. */
int box_settle(struct box *b);
/* Free the box at the end of this turn of the loop; an op still running
 * ends with status "deleted" first. */
void box_close(struct box *b);
/* The loop's end of turn: free what was closed. */
void box_reap(struct svc *svc);
/* One line for an op that failed: its error, or its stderr's last line. */
const char *op_why(const struct op *op, char *buf, size_t len);

#endif
