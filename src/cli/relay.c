#include "relay.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "../ttysafe.h"
#include "../util.h"

struct chunk {
	struct chunk *next;
	int fd;
	size_t len;
	char data[];
};

struct relay {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t more;
	struct chunk *head, *tail;
	int done;
	int may_start; /* the sandbox is spawned: a thread is no hazard now */
	int started;
	size_t queued;	/* bytes waiting */
	size_t dropped; /* bytes given up because the reader does not keep up */
	bool safe[3];	/* by fd: the stream goes to a terminal, through ttysafe */
	struct al_ttysafe tty[3];
};

/* What the relay holds for a reader that does not read; past it, output is
 * dropped (and said so) rather than stalling the supervisor or growing. */
enum { RELAY_MAX_QUEUED = 64 << 20 };

/* Input bytes filtered per write to a terminal: the output fits on the
 * writer's stack. */
enum { SAFE_SLICE = 16 << 10 };

/* Write a chunk for a terminal: its control bytes shown, not sent. Only the
 * writer thread touches r->tty, and only relay_finish after it has ended. */
static void write_safe(struct relay *r, int fd, const char *buf, size_t len)
{
	char out[AL_TTYSAFE_MAX(SAFE_SLICE)];

	for (size_t off = 0; off < len; off += SAFE_SLICE) {
		size_t n = len - off < SAFE_SLICE ? len - off : SAFE_SLICE;
		(void)al_write_all(fd, out, al_ttysafe_filter(&r->tty[fd], buf + off, n, out));
	}
}

static void *writer(void *arg)
{
	struct relay *r = arg;

	pthread_mutex_lock(&r->lock);
	for (;;) {
		while (!r->head && !r->done)
			pthread_cond_wait(&r->more, &r->lock);
		struct chunk *c = r->head;
		if (!c)
			break;
		r->head = c->next;
		if (!r->head)
			r->tail = NULL;
		r->queued -= c->len;
		pthread_mutex_unlock(&r->lock);
		/* A caller that closed its end loses the output, nothing else. */
		if (c->fd >= 1 && c->fd <= 2 && r->safe[c->fd])
			write_safe(r, c->fd, c->data, c->len);
		else
			(void)al_write_all(c->fd, c->data, c->len);
		free(c);
		pthread_mutex_lock(&r->lock);
	}
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

struct relay *relay_new(bool safe_stdout, bool safe_stderr)
{
	struct relay *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->safe[1] = safe_stdout;
	r->safe[2] = safe_stderr;
	al_ttysafe_init(&r->tty[1], false);
	al_ttysafe_init(&r->tty[2], false);
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->more, NULL);
	return r;
}

/* The writer starts with the first output: a run that writes nothing (or
 * little, before it ends) pays for no thread. */
static void start_writer(struct relay *r)
{
	sigset_t all, old;

	/* Signals are for the main thread's signalfd, not for the writer. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	int e = pthread_create(&r->thread, NULL, writer, r);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	/* Without a thread the output waits for relay_finish: late, not lost. */
	if (e == 0)
		r->started = 1;
}

bool relay_filters(const struct relay *r, int fd) { return fd >= 1 && fd <= 2 && r->safe[fd]; }

void relay_start(struct relay *r) { r->may_start = 1; }

void relay_push(void *arg, int stream, const char *buf, size_t len)
{
	struct relay *r = arg;
	struct chunk *c;

	pthread_mutex_lock(&r->lock);
	if (r->queued + len > RELAY_MAX_QUEUED) {
		r->dropped += len;
		pthread_mutex_unlock(&r->lock);
		return;
	}
	pthread_mutex_unlock(&r->lock);
	c = malloc(sizeof(*c) + len);
	if (!c)
		return;
	c->next = NULL;
	c->fd = stream;
	c->len = len;
	memcpy(c->data, buf, len);
	pthread_mutex_lock(&r->lock);
	if (r->tail)
		r->tail->next = c;
	else
		r->head = c;
	r->tail = c;
	r->queued += len;
	pthread_cond_signal(&r->more);
	pthread_mutex_unlock(&r->lock);
	if (r->may_start && !r->started)
		start_writer(r);
}

size_t relay_finish(struct relay *r)
{
	if (!r)
		return 0;
	pthread_mutex_lock(&r->lock);
	r->done = 1;
	pthread_cond_signal(&r->more);
	pthread_mutex_unlock(&r->lock);
	if (r->started)
		pthread_join(r->thread, NULL);
	else
		writer(r); /* never started: write out what was queued here */
	/* A UTF-8 sequence the command left unfinished is shown, not dropped. */
	for (int fd = 1; fd <= 2; fd++) {
		char tail[AL_TTYSAFE_MAX(0)];
		if (r->safe[fd])
			(void)al_write_all(fd, tail, al_ttysafe_end(&r->tty[fd], tail));
	}
	size_t dropped = r->dropped;
	pthread_mutex_destroy(&r->lock);
	pthread_cond_destroy(&r->more);
	free(r);
	return dropped;
}
