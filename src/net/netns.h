/* The network namespace: only loopback, brought up. */
#ifndef AIRLOCK_NET_H
#define AIRLOCK_NET_H

#include "error.h"

int al_net_loopback_up(struct al_error *err);

#endif
