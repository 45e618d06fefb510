/* The egress proxy: runs in the supervisor, on the host's side, and is the
 * sandbox's only way out. It accepts on a listening socket that the child
 * made in the sandbox's network namespace (127.0.0.1:3128 there) and handed
 * over, speaks HTTP/1.1 forward proxying and CONNECT, decides each attempt
 * on the allow-list and the address class of every address a name
 * resolves to, and records every attempt. Event-driven from the sandbox's
 * epoll set; names are resolved in a short-lived thread each. */
#ifndef AIRLOCK_NET_PROXY_H
#define AIRLOCK_NET_PROXY_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "events.h"
#include "net/rules.h"

struct al_plan;

enum { AL_NET_MAX_ENTRIES = 128 };

/* One attempt: a request or a tunnel. */
struct al_net_entry {
	char host[AL_NET_HOST_MAX]; /* as the client named it ("" if it never said) */
	uint16_t port;
	bool allowed;
	char method[12];   /* CONNECT, GET, ... */
	char addr[48];	   /* the address connected to, "" if none */
	uint64_t up, down; /* bytes sent to the destination, received from it */
	char reason[160];  /* why denied, or why an allowed one was cut; "" if neither */
};

struct al_net_log {
	struct al_net_entry e[AL_NET_MAX_ENTRIES];
	size_t n;
	uint64_t dropped; /* attempts beyond the table */
	uint64_t bytes;	  /* through the proxy, both ways, all connections */
};

struct al_proxy;

/* emit (may be NULL): where each decision goes as it is made. */
int al_proxy_new(const struct al_plan *plan, const struct al_emit *emit, struct al_proxy **out,
		 struct al_error *err);
/* The proxy's own epoll set, to nest in the sandbox's (EPOLLIN). */
int al_proxy_fd(const struct al_proxy *p);
/* Take the listening socket (ownership moves, whatever the result). */
int al_proxy_adopt(struct al_proxy *p, int listen_fd, struct al_error *err);
/* Handle whatever is ready; never blocks. */
void al_proxy_handle(struct al_proxy *p);
/* Close every connection (the sandbox is gone) and copy out the record. */
void al_proxy_finish(struct al_proxy *p, struct al_net_log *out);
void al_proxy_free(struct al_proxy *p);

#endif
