/* airlock mcp: the Model Context Protocol over stdio (src/mcp/mcp.h), on a
 * running `airlock serve` reached over its unix socket (or TCP with a
 * token). One JSON-RPC message per line in, one per line out; stdout
 * carries nothing else. A tool call runs on a thread of its own so that
 * this thread keeps reading (a cancellation, a ping); end of input ends
 * the MCP session once the calls in flight are answered (SIGTERM cancels
 * them), then its sandboxes are destroyed. */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../mcp/mcp.h"
#include "../util.h"
#include "../version.h"
#include "cli.h"

enum { MAX_CALLS = 16 };

/* SIGTERM, SIGINT, SIGHUP end the session as end of input does (the SDK's
 * stdio client stops its server with SIGTERM): the reading thread alone
 * takes them, its read() cut short. */
static volatile sig_atomic_t stopping;
static void on_stop(int sig) { stopping = sig; }
static const int stop_signals[] = {SIGTERM, SIGINT, SIGHUP};

static pthread_mutex_t out_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t calls_done = PTHREAD_COND_INITIALIZER;
static unsigned ncalls;

/* One message out, a line (jansson escapes every newline in a string). */
static void send_msg(json_t *j)
{
	char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (!text)
		return;
	pthread_mutex_lock(&out_mu);
	size_t n = strlen(text);
	text[n] = '\n'; /* the NUL's place: written with the text */
	(void)al_write_all(STDOUT_FILENO, text, n + 1);
	pthread_mutex_unlock(&out_mu);
	free(text);
}

struct call_job {
	struct mcp *m;
	struct mcp_msg msg;
	struct mcp_call *call;
};

static void *call_thread(void *arg)
{
	struct call_job *j = arg;
	json_t *reply = mcp_handle(j->m, &j->msg, j->call);
	if (reply) /* none for a cancelled call */
		send_msg(reply);
	mcp_call_free(j->m, j->call);
	mcp_msg_free(&j->msg);
	free(j);
	pthread_mutex_lock(&out_mu);
	ncalls--;
	pthread_cond_broadcast(&calls_done);
	pthread_mutex_unlock(&out_mu);
	return NULL;
}

static void dispatch(struct mcp *m, const char *line, size_t len)
{
	struct mcp_msg msg;
	json_t *err;

	if (mcp_parse(line, len, &msg, &err) < 0) {
		send_msg(err);
		return;
	}
	if (!mcp_is_call(&msg)) {
		send_msg(mcp_handle(m, &msg, NULL));
		mcp_msg_free(&msg);
		return;
	}
	pthread_mutex_lock(&out_mu);
	bool room = ncalls < MAX_CALLS;
	ncalls += room;
	pthread_mutex_unlock(&out_mu);
	struct call_job *j = room ? calloc(1, sizeof(*j)) : NULL;
	pthread_t t;
	pthread_attr_t attr;
	if (j) {
		*j = (struct call_job){.m = m, .msg = msg, .call = mcp_call_new(m, msg.id)};
		sigset_t stop, old;
		sigemptyset(&stop);
		for (size_t i = 0; i < ARRAY_SIZE(stop_signals); i++)
			sigaddset(&stop, stop_signals[i]);
		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		pthread_sigmask(SIG_BLOCK, &stop, &old); /* the thread's mask */
		int rc = j->call ? pthread_create(&t, &attr, call_thread, j) : -1;
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		pthread_attr_destroy(&attr);
		if (rc == 0)
			return;
		mcp_call_free(m, j->call);
		free(j);
	}
	if (room) {
		pthread_mutex_lock(&out_mu);
		ncalls--;
		pthread_mutex_unlock(&out_mu);
	}
	send_msg(mcp_error(msg.id, RPC_INTERNAL, "%s",
			   room ? "could not start the call" : "too many calls at once"));
	mcp_msg_free(&msg);
}

/* Lines from fd 0, each at most MCP_MAX_MESSAGE bytes: a longer one is
 * answered with an error and skipped. */
static void read_loop(struct mcp *m)
{
	size_t cap = 65536, len = 0;
	char *buf = malloc(cap);
	bool skipping = false;

	while (buf && !stopping) {
		ssize_t n = read(STDIN_FILENO, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		size_t end = len + (size_t)n, start = 0;
		for (size_t i = len; i < end; i++) {
			if (buf[i] != '\n')
				continue;
			if (!skipping && i > start)
				dispatch(m, buf + start, i - start);
			skipping = false;
			start = i + 1;
		}
		memmove(buf, buf + start, end - start);
		len = end - start;
		if (len == cap) {
			if (cap > MCP_MAX_MESSAGE) {
				if (!skipping)
					send_msg(mcp_error(NULL, RPC_INVALID,
							   "a message is larger than %u bytes",
							   MCP_MAX_MESSAGE));
				skipping = true;
				len = 0;
				continue;
			}
			char *b = realloc(buf, cap * 2);
			if (!b)
				break;
			buf = b;
			cap *= 2;
		}
	}
	free(buf);
}

static void usage(FILE *f)
{
	fputs("usage: airlock mcp [--socket PATH | --url http://HOST:PORT] [--profile NAME] [--ttl S] "
	      "[--idle S]\n"
	      "Speaks the Model Context Protocol on stdin and stdout, running its tools on airlock serve.\n"
	      "  --socket PATH   the service's unix socket (AIRLOCK_SOCKET, else /run/airlock/airlock.sock)\n"
	      "  --url URL       the service over TCP (AIRLOCK_URL); the token comes from AIRLOCK_TOKEN\n"
	      "  --profile NAME  the default sandbox's profile (python)\n"
	      "  --ttl S, --idle S  its lifetime (3600) and idle timeout (600), seconds\n",
	      f);
}

int cli_mcp(int argc, char **argv)
{
	static const struct option opts[] = {{"socket", required_argument, NULL, 's'},
					     {"url", required_argument, NULL, 'u'},
					     {"profile", required_argument, NULL, 'p'},
					     {"ttl", required_argument, NULL, 't'},
					     {"idle", required_argument, NULL, 'i'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	const char *where = NULL, *env;
	struct mcp_options mo = {.profile = "python", .server_version = AIRLOCK_VERSION};
	struct api_target target;
	char err[600];
	uint64_t v;
	al_error e = {0};
	int c;

	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
		case 'u':
			where = optarg;
			break;
		case 'p':
			mo.profile = optarg;
			break;
		case 't':
		case 'i':
			if (al_parse_uint(optarg, 1, 86400, &v, &e) < 0) {
				fprintf(stderr, "airlock mcp: --%s: from 1 to 86400 seconds\n",
					c == 't' ? "ttl" : "idle");
				return 2;
			}
			*(c == 't' ? &mo.ttl : &mo.idle) = (unsigned)v;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (!where)
		where = (env = getenv("AIRLOCK_SOCKET")) && *env ? env
			: (env = getenv("AIRLOCK_URL")) && *env	 ? env
								 : "/run/airlock/airlock.sock";
	if (api_target_parse(&target, where, getenv("AIRLOCK_TOKEN"), err, sizeof(err)) < 0) {
		fprintf(stderr, "airlock mcp: %s\n", err);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	struct sigaction sa = {.sa_handler = on_stop}; /* no SA_RESTART: read() returns */
	for (size_t i = 0; i < ARRAY_SIZE(stop_signals); i++)
		sigaction(stop_signals[i], &sa, NULL);
	struct mcp *m = mcp_new(&target, &mo);
	if (!m) {
		fprintf(stderr, "airlock mcp: out of memory\n");
		return EXIT_SETUP;
	}
	read_loop(m);
	/* The session ends. At the end of input, calls in flight are answered
	 * first (the client may still read); on a signal they are cancelled.
	 * Then its sandboxes go. */
	pthread_mutex_lock(&out_mu);
	while (ncalls) {
		if (stopping)
			mcp_cancel_calls(m); /* cheap: shuts their connections down */
		struct timespec t;
		clock_gettime(CLOCK_REALTIME, &t);
		t.tv_nsec += 200 * 1000000L;
		if (t.tv_nsec >= 1000000000L) {
			t.tv_sec++;
			t.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&calls_done, &out_mu, &t);
	}
	pthread_mutex_unlock(&out_mu);
	mcp_end(m);
	mcp_free(m);
	return 0;
}
