/* The network namespace, the child's half: only loopback, brought up, and
 * the proxy's listening socket made there. */
#ifndef AIRLOCK_NET_H
#define AIRLOCK_NET_H

#include "error.h"

int al_net_loopback_up(struct al_error *err);
/* In the child: listen on 127.0.0.1:port of this namespace and send the
 * socket to the supervisor over the unix socket sock (SCM_RIGHTS), which
 * proxies whatever connects; our copy is closed, so nothing in the sandbox
 * holds it. Allocates nothing. */
int al_net_proxy_listen(int sock, int port, struct al_error *err);

#endif
