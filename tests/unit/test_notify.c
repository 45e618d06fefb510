/* The supervisor's budget for denied calls: a token bucket of CPU time. */
#include "notify.h"
#include "unit.h"

int main(void)
{
	struct al_notify_budget b;
	const uint64_t ms = 1000000, t0 = 1000 * ms;

	al_notify_budget_init(&b, t0);
	CHECK("full at start", al_notify_budget_wait_ns(&b, t0) == 0);
	al_notify_budget_spend(&b, t0, 10 * ms);
	CHECK("a burst within the bucket needs no wait", al_notify_budget_wait_ns(&b, t0) == 0);
	al_notify_budget_spend(&b, t0, 20 * ms);
	CHECK("spent counts all", b.spent_ns == 30 * ms);
	/* 5 ms over: back in 5 ms / 5% = 100 ms of wall time. */
	uint64_t w = al_notify_budget_wait_ns(&b, t0);
	CHECK("empty bucket waits for the share to refill it", w > 99 * ms && w < 101 * ms);
	CHECK("waiting half of it is not enough", al_notify_budget_wait_ns(&b, t0 + 50 * ms) > 49 * ms);
	CHECK("after the wait it may answer again", al_notify_budget_wait_ns(&b, t0 + w) == 0);
	/* Sustained: at most the share of wall time, plus one burst. */
	al_notify_budget_init(&b, t0);
	uint64_t now = t0, answered = 0;
	while (now < t0 + 10000 * ms) {
		uint64_t wait = al_notify_budget_wait_ns(&b, now);
		if (wait) {
			now += wait;
			continue;
		}
		al_notify_budget_spend(&b, now, 7000); /* 7 us an answer */
		answered += 7000;
		now += 1000; /* the caller's own 1 us */
	}
	CHECK("ten seconds of flood cost at most 5% and a burst",
	      answered <= 10000 * ms / 100 * AL_NOTIFY_SHARE_PCT + AL_NOTIFY_BURST_NS + 7000);
	CHECK("and not much less (the share is usable)",
	      answered >= 10000 * ms / 100 * AL_NOTIFY_SHARE_PCT * 9 / 10);
	/* Idle time refills only up to the burst. */
	al_notify_budget_init(&b, t0);
	al_notify_budget_spend(&b, t0 + 3600000 * ms, 0);
	CHECK("an hour idle saves no more than a burst", b.tokens_ns == AL_NOTIFY_BURST_NS);
	al_notify_budget_spend(&b, t0 - ms, 0);
	CHECK("a clock going back adds nothing", b.tokens_ns == AL_NOTIFY_BURST_NS);
	return unit_failures != 0;
}
