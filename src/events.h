/* Where the library's typed events go (struct al_event in airlock.h): the
 * caller's callback. The supervisor, the seccomp listener and the proxy
 * each emit what they see, as it happens; the JSON report is built from
 * the same facts. */
#ifndef AIRLOCK_EVENTS_H
#define AIRLOCK_EVENTS_H

#include <airlock.h>

struct al_emit {
	al_event_fn fn;
	void *user;
	unsigned command; /* the command whose events these are */
};

static inline void al_emit_event(const struct al_emit *e, struct al_event *ev)
{
	if (e && e->fn) {
		ev->command = e->command;
		e->fn(e->user, ev);
	}
}

#endif
