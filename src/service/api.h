/* The routes of the API (DESIGN.md "Service"): who is asking, then what. */
#ifndef AIRLOCK_SERVICE_API_H
#define AIRLOCK_SERVICE_API_H

struct svc;
struct hreq;

/* A complete request: answered now, or later (hreq_hold). */
void api_handle(struct svc *svc, struct hreq *r);

#endif
