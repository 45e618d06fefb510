/* Launch-path timestamps for profiling (bench/README.md): built only into
 * build/trace/airlock (-DAIRLOCK_TRACE); in every other build the macro is
 * empty. Each mark is one line "trace PID MS STEP" on fd AL_TRACE_FD, which
 * the trace build's main() duplicates from stderr, close-on-exec, so the
 * supervisor, init and the command's process (until execve) can all write. */
#ifndef AIRLOCK_TRACE_H
#define AIRLOCK_TRACE_H

#define AL_TRACE_FD 1000

#ifdef AIRLOCK_TRACE
void al_trace(const char *step);
void al_trace_open(void);
#define AL_TRACE(step) al_trace(step)
#else
#define AL_TRACE(step) ((void)0)
#endif

#endif
