/* The command's output, relayed to airlock's own stdout and stderr by a
 * writer thread, so that a caller who reads slowly (or not at all) never
 * stalls the supervisor's clocks and limits. Memory is bounded by the
 * output limit: the library hands over at most that much per stream. */
#ifndef AIRLOCK_CLI_RELAY_H
#define AIRLOCK_CLI_RELAY_H

#include <stdbool.h>
#include <stddef.h>

struct relay;

/* Allocate the relay; nothing runs yet. A stream marked safe goes through
 * the terminal filter (src/ttysafe.h): its control sequences are shown, not
 * sent; the others are written as they come. */
struct relay *relay_new(bool safe_stdout, bool safe_stderr);
/* Let the writer thread start (it does at the first output). Call it after
 * the sandbox is spawned: a thread that exists when the supervisor clones
 * is a hazard to the child. */
void relay_start(struct relay *r);
/* Whether fd's stream goes through the terminal filter. */
bool relay_filters(const struct relay *r, int fd);
/* An al_output_fn: queue a copy of buf for fd `stream` (1 or 2). */
void relay_push(void *relay, int stream, const char *buf, size_t len);
/* Write out what is queued, stop the thread, free everything. Returns the
 * bytes dropped because more than 64 MiB waited for a reader. */
size_t relay_finish(struct relay *r);

#endif
