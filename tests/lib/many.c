/* 50 sandboxes at once on one event loop, one of them stalled: the others
 * run to their end unaffected, each with its own output and status; the
 * stalled one is then freed without waiting, and its context finishes it. */
#include <sys/epoll.h>

#include "lib.h"

enum { N = 50, STALLED = 7 };

struct box {
	al_sandbox *sb;
	char out[64];
	size_t len;
	int exited, ended, code;
	char status[32];
};

static void on_event(void *user, const struct al_event *ev)
{
	struct box *b = user;

	if (ev->kind == AL_EV_OUTPUT && ev->stream == 1 && b->len + ev->len < sizeof(b->out)) {
		memcpy(b->out + b->len, ev->data, ev->len);
		b->len += ev->len;
	} else if (ev->kind == AL_EV_EXITED) {
		b->exited++;
		b->code = ev->exit_code;
	} else if (ev->kind == AL_EV_ENDED) {
		b->ended++;
		snprintf(b->status, sizeof(b->status), "%s", ev->status);
	}
}

int main(void)
{
	static struct box boxes[N];
	al_ctx *ctx;
	al_error err = {0};
	int ep = epoll_create1(EPOLL_CLOEXEC);

	if (al_ctx_new(&ctx, &err) < 0)
		die("context", &err);
	for (int i = 0; i < N; i++) {
		char script[64];
		snprintf(script, sizeof(script), i == STALLED ? "sleep 600" : "echo %d", i);
		const char *argv[] = {"/bin/sh", "-c", script, NULL};
		al_config *cfg = test_config(ctx, argv);
		if (al_sandbox_start(ctx, cfg, on_event, &boxes[i], &boxes[i].sb, &err) < 0)
			die("start", &err);
		al_config_free(cfg);
		struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
		epoll_ctl(ep, EPOLL_CTL_ADD, al_sandbox_fd(boxes[i].sb), &ev);
	}
	/* The loop: whichever is ready is handled; the stalled one is never
	 * waited for. (Bounded: 600 s of nothing would be a hang.) */
	int done = 0;
	while (done < N - 1) {
		struct epoll_event evs[16];
		int n = epoll_wait(ep, evs, 16, 600000);
		if (n <= 0)
			break;
		for (int k = 0; k < n; k++) {
			struct box *b = &boxes[evs[k].data.u32];
			if (!b->ended && al_sandbox_handle(b->sb) == 1) {
				epoll_ctl(ep, EPOLL_CTL_DEL, al_sandbox_fd(b->sb), NULL);
				done++;
			}
		}
	}
	int right = 0;
	for (int i = 0; i < N; i++) {
		char want[16];
		snprintf(want, sizeof(want), "%d\n", i);
		if (i != STALLED && boxes[i].ended == 1 && boxes[i].exited == 1 && boxes[i].code == 0 &&
		    strcmp(boxes[i].status, "exited") == 0 && boxes[i].len == strlen(want) &&
		    memcmp(boxes[i].out, want, boxes[i].len) == 0)
			right++;
	}
	CHECK(right == N - 1,
	      "49 of 50 sandboxes on one loop ran to their end with their own output (%d did)", right);
	CHECK(boxes[STALLED].ended == 0, "the stalled sandbox is still running meanwhile");
	/* Freed while running: killed at once, finished by the context. */
	al_sandbox_free(boxes[STALLED].sb);
	for (int i = 0; i < N; i++)
		if (i != STALLED)
			al_sandbox_free(boxes[i].sb);
	CHECK(al_ctx_fd(ctx) >= 0, "the context has an fd for what it finishes");
	al_ctx_free(ctx);
	close(ep);
	return failures ? 1 : 0;
}
