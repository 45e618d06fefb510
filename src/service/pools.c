/* Warm pools (pools.h). A pool's sandbox is a kept sandbox whose first
 * command is python3 running the driver below, its stdin a pipe the
 * service holds ("stdin-pipe"): the driver imports the pool's modules, says
 * it is ready on stdout (one line before any code, never the program's:
 * the output counts restart when the code comes), and reads its stdin to
 * the end. The run's code is written into that pipe and the pipe closed;
 * the driver puts /dev/null on its stdin (as a cold run has), forgets
 * itself and runs the code as python3 -c would, in __main__. */
#include "pools.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../util.h"
#include "metrics.h"
#include "request.h"
#include "tenants.h"

#define READY_LINE "\x1e" "airlock-warm-ready\n"
static const unsigned pool_ready_len = sizeof(READY_LINE) - 1;
#define POOL_REFILL_DELAY_MS 25.0

/* The holder (x86-64 only; elsewhere the run just ends slower): a process
 * that shares the interpreter's memory (clone with CLONE_VM), so that the
 * interpreter's exit leaves its address space to the holder instead of
 * tearing it down: 2-4 ms with numpy loaded, which the answer would
 * otherwise wait for, since the exit status comes only after it. The
 * holder is init's child (CLONE_PARENT), never the program's: no extra
 * child for its os.wait() to find. It runs no Python, only these
 * instructions, on a stack of its own with every signal blocked, and
 * sleeps until the sandbox's end kills it (its memory is then freed off
 * the answer's path). It costs one process of the pids limit. ctypes,
 * which it needs to run them, leaves sys.modules again unless the
 * preload brought it. */
#define HOLDER_CODE                                                                                    \
	"4889fe"       /* mov rsi, rdi: the holder's stack */                                          \
	"bf11810000"   /* mov edi, CLONE_VM | CLONE_PARENT | SIGCHLD */                               \
	"31d2"         /* xor edx, edx */                                                              \
	"4531d2"       /* xor r10d, r10d */                                                            \
	"4531c0"       /* xor r8d, r8d */                                                              \
	"b838000000"   /* mov eax, 56 (clone) */                                                       \
	"0f05"         /* syscall */                                                                   \
	"4885c0"       /* test rax, rax */                                                             \
	"7401"         /* jz holder */                                                                 \
	"c3"           /* ret: the caller gets the holder's pid (or -errno) */                         \
	"6aff"         /* holder: push -1, a set of every signal */                                    \
	"4889e6"       /* mov rsi, rsp */                                                              \
	"31ff"         /* xor edi, edi: SIG_BLOCK */                                                   \
	"31d2"         /* xor edx, edx */                                                              \
	"41ba08000000" /* mov r10d, 8 */                                                               \
	"b80e000000"   /* mov eax, 14 (rt_sigprocmask) */                                              \
	"0f05"         /* syscall */                                                                   \
	"b822000000"   /* again: mov eax, 34 (pause) */                                                \
	"0f05"         /* syscall */                                                                   \
	"ebf7"         /* jmp again */

static const char driver[] =
    "def _airlock_hold():\n"
    "    import os, sys\n"
    "    if os.uname().machine != 'x86_64':\n"
    "        return\n"
    "    had = set(sys.modules)\n"
    "    try:\n"
    "        import ctypes\n"
    "        libc = ctypes.CDLL(None)\n"
    "        libc.mmap.restype = ctypes.c_void_p\n"
    "        libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int,\n"
    "                              ctypes.c_int, ctypes.c_long]\n"
    "        code = bytes.fromhex('" HOLDER_CODE "')\n"
    "        page = libc.mmap(None, 4096, 3, 0x22, -1, 0)\n"
    "        stack = libc.mmap(None, 16384, 3, 0x22, -1, 0)\n"
    "        if page in (None, 2**64 - 1) or stack in (None, 2**64 - 1):\n"
    "            return\n"
    "        ctypes.memmove(page, code, len(code))\n"
    "        if libc.mprotect(ctypes.c_void_p(page), 4096, 5) == 0:\n"
    "            ctypes.CFUNCTYPE(ctypes.c_long, ctypes.c_void_p)(page)(stack + 16384)\n"
    "    except Exception:\n"
    "        pass\n"
    "    finally:\n"
    "        for m in set(sys.modules) - had:\n"
    "            del sys.modules[m]\n"
    "def _airlock_warm():\n"
    "    import os, sys\n"
    "    for m in sys.argv[1:]:\n"
    "        __import__(m)\n"
    "    _airlock_hold()\n"
    "    del globals()['_airlock_hold']\n"
    "    os.write(1, b'\\x1eairlock-warm-ready\\n')\n"
    "    code = sys.stdin.buffer.read()\n"
    "    fd = os.open('/dev/null', os.O_RDONLY)\n"
    "    os.dup2(fd, 0)\n"
    "    os.close(fd)\n"
    "    g = globals()\n"
    "    del g['_airlock_warm']\n"
    "    sys.argv[:] = ['-c']\n"
    "    rc = 0\n"
    /* As python3 -c ends: SystemExit's code, an uncaught exception
     * through sys.excepthook (without this frame), then threads joined,
     * atexit handlers, the streams flushed (120 if that fails). Then
     * _exit: unloading the preloaded modules would cost more than the
     * run (12 ms with numpy). */
    "    try:\n"
    "        exec(compile(code.decode('utf-8', 'surrogateescape'), '<string>', 'exec'), g)\n"
    "    except SystemExit as e:\n"
    "        if isinstance(e.code, int):\n"
    "            rc = e.code & 0xff\n"
    "        elif e.code is not None:\n"
    "            print(e.code, file=sys.stderr)\n"
    "            rc = 1\n"
    "    except BaseException as e:\n"
    "        e.__traceback__ = e.__traceback__.tb_next\n"
    "        sys.excepthook(type(e), e, e.__traceback__)\n"
    "        rc = 1\n"
    "    if 'threading' in sys.modules:\n"
    "        sys.modules['threading']._shutdown()\n"
    "    import atexit\n"
    "    atexit._run_exitfuncs()\n"
    "    for f in (sys.stdout, sys.stderr):\n"
    "        try:\n"
    "            f.flush()\n"
    "        except Exception:\n"
    "            rc = 120\n"
    "    os._exit(rc)\n"
    "_airlock_warm()\n";

struct entry {
	struct entry *next;
	struct pool *pool;
	struct box *box;
	struct op *boot;
	int in_fd; /* the interpreter's stdin: the code goes in there */
	size_t pipe_cap; /* what that pipe holds: the longest code it takes without waiting */
	bool ready, retiring;
	double born;
	size_t nhead; /* bytes of the ready line seen on stdout before the code */
	char err[256]; /* stderr before the code: why it failed */
	size_t nerr;
};

struct pool {
	struct pool *next;
	struct svc *svc;
	struct pool_spec spec; /* preload borrowed from a copy below */
	char **preload;
	char *key; /* al_config_profile_json of its sandboxes */
	struct entry *entries;
	unsigned nready, nstarting;
	double retry_at; /* after a failure: not before */
	unsigned failures;
	bool dead; /* no longer in the config: its entries end */
};

static struct pool *pools_of(const struct svc *svc) { return svc->pools; }

/* A pool sandbox's config: what a python run with no limits, network or
 * environment of its own gets from execute_config for a tenant without
 * ceilings. */
static al_config *pool_config(struct svc *svc, const char *profile, al_error *e)
{
	al_config *cfg = NULL;
	if (al_config_new(svc->ctx, profile, &cfg, e) < 0)
		return NULL;
	if ((svc->opt.allow_degraded && al_config_set(cfg, "allow-degraded", NULL, e) < 0) ||
	    al_config_set(cfg, "keep", NULL, e) < 0 || al_config_check(cfg, e) < 0) {
		al_config_free(cfg);
		return NULL;
	}
	return cfg;
}

static void entry_unlink(struct entry *en)
{
	struct pool *p = en->pool;
	for (struct entry **pp = &p->entries; *pp; pp = &(*pp)->next)
		if (*pp == en) {
			*pp = en->next;
			break;
		}
	if (en->ready)
		p->nready--;
	else
		p->nstarting--;
}

static void entry_free(struct entry *en)
{
	if (en->in_fd >= 0)
		close(en->in_fd);
	free(en);
}

static void entry_ended(struct box *b)
{
	struct entry *en = b->owner;
	entry_unlink(en);
	entry_free(en);
	box_close(b);
}

static void entry_fail(struct entry *en, const char *why)
{
	char q[700], q2[400];
	struct pool *p = en->pool;
	if (!en->retiring) {
		p->failures++;
		/* Back off: 1, 2, 4 ... 60 s, so that a broken preload does not spin. */
		double wait = 1000.0 * (p->failures > 6 ? 60 : 1u << (p->failures - 1));
		p->retry_at = al_now_ms() + wait;
		svc_log("warn", "pool", "profile=%s error=%s stderr=%s retry_in_s=%.0f", p->spec.profile,
			log_q(why, q, sizeof(q)), log_q(en->err, q2, sizeof(q2)), wait / 1000);
	}
	en->retiring = true;
	box_end(en->box);
}

static void boot_output(struct op *op, int stream, const char *data, size_t len)
{
	struct entry *en = op->user;
	if (stream == 2) {
		size_t room = sizeof(en->err) - 1 - en->nerr;
		memcpy(en->err + en->nerr, data, len < room ? len : room);
		en->nerr += len < room ? len : room;
		en->err[en->nerr] = 0;
		return;
	}
	if (en->ready || len > pool_ready_len - en->nhead || memcmp(data, READY_LINE + en->nhead, len) != 0) {
		entry_fail(en, "output before its code came");
		return;
	}
	en->nhead += len;
	if (en->nhead == pool_ready_len) {
		en->ready = true;
		en->pool->nstarting--;
		en->pool->nready++;
		en->pool->failures = 0;
	}
}

static void boot_done(struct op *op)
{
	struct entry *en = op->user;
	char why[600];
	en->boot = NULL;
	if (!en->retiring) {
		snprintf(why, sizeof(why), "the interpreter ended before its code came: %s exit %d%s%s", op->status,
			 op->exit_code, op->error[0] ? ": " : "", op->error);
		entry_fail(en, why);
	}
}

static int entry_start(struct pool *p)
{
	struct svc *svc = p->svc;
	al_error e = {0};
	char msg[600], q[700];
	struct entry *en = calloc(1, sizeof(*en));
	size_t n = 0;
	char **argv = calloc(p->spec.npreload + 4, sizeof(char *));
	al_config *cfg = en && argv ? pool_config(svc, p->spec.profile, &e) : NULL;
	if (en)
		en->in_fd = -1;

	if (!cfg) {
		free(en);
		free(argv);
		svc_log("warn", "pool", "profile=%s error=%s", p->spec.profile,
			log_q(e.msg[0] ? e.msg : "out of memory", q, sizeof(q)));
		p->retry_at = al_now_ms() + 5000;
		return -1;
	}
	argv[n++] = (char *)"python3";
	argv[n++] = (char *)"-c";
	argv[n++] = (char *)driver;
	for (size_t i = 0; i < p->spec.npreload; i++)
		argv[n++] = p->preload[i];
	struct op *op = NULL;
	int rc = al_config_set(cfg, "stdin-pipe", NULL, &e) < 0 ? -1 : box_start(svc, cfg, "-", argv, &en->box, &op, &e);
	al_config_free(cfg);
	free(argv);
	if (rc < 0) {
		svc_log("warn", "pool", "profile=%s error=%s", p->spec.profile,
			log_q(al_error_text(&e, msg, sizeof(msg)), q, sizeof(q)));
		free(en);
		p->retry_at = al_now_ms() + 5000;
		return -1;
	}
	/* A pool's sandbox is not a run: it takes no place among
	 * max_sandboxes until a request takes it. */
	en->box->pooled = true;
	svc->nboxes--;
	en->in_fd = al_sandbox_take_stdin(en->box->sb);
	/* Room for the largest code a request may carry, so that it goes in
	 * at once, never waiting; where the kernel refuses (a user over its
	 * pipe quota), longer code starts cold (pool_take). */
	int cap = fcntl(en->in_fd, F_SETPIPE_SZ, (int)(REQ_MAX_CODE + 1));
	if (cap < 0)
		cap = fcntl(en->in_fd, F_GETPIPE_SZ);
	en->pipe_cap = cap > 0 ? (size_t)cap : 0;
	en->pool = p;
	en->born = al_now_ms();
	en->boot = op;
	en->box->owner = en;
	en->box->on_end = entry_ended;
	op->user = en;
	op->output = boot_output;
	op->done = boot_done;
	en->next = p->entries;
	p->entries = en;
	p->nstarting++;
	return 0;
}

int pools_tick(struct svc *svc)
{
	double now = al_now_ms(), next = -1;
	for (struct pool *p = pools_of(svc); p; p = p->next) {
		/* Replace what waited too long (its start is a while ago). */
		/* An entry still starting after as long (an import that hangs)
		 * fails: logged, with back-off. */
		for (struct entry *en = p->entries; en; en = en->next)
			if (!en->retiring && now - en->born > p->spec.max_age * 1000.0) {
				if (en->ready) {
					en->retiring = true;
					box_end(en->box);
				} else {
					entry_fail(en, "not ready within max_age");
				}
			} else if (!en->retiring) {
				double at = en->born + p->spec.max_age * 1000.0;
				if (next < 0 || at < next)
					next = at;
			}
		if (p->dead || svc->draining || svc->stop)
			continue;
		unsigned live = 0;
		for (struct entry *en = p->entries; en; en = en->next)
			live += !en->retiring;
		if (now < p->retry_at) {
			if (next < 0 || p->retry_at < next)
				next = p->retry_at;
			continue;
		}
		/* One start per pool per turn: filling never stalls the loop. */
		if (live < p->spec.ready && entry_start(p) == 0 && live + 1 < p->spec.ready)
			next = now;
	}
	return next < 0 ? -1 : next <= now ? 0 : (int)(next - now) + 1;
}

static char *config_key(al_config *cfg)
{
	al_error e = {0};
	return al_config_profile_json(cfg, &e);
}

static void pool_free(struct pool *p)
{
	for (size_t i = 0; i < p->spec.npreload; i++)
		free(p->preload[i]);
	free(p->preload);
	free(p->key);
	free(p);
}

static void pool_end(struct pool *p)
{
	p->dead = true;
	for (struct entry *en = p->entries; en; en = en->next)
		if (!en->retiring) {
			en->retiring = true;
			box_end(en->box);
		}
}

static bool same_spec(const struct pool_spec *a, const struct pool_spec *b)
{
	if (strcmp(a->profile, b->profile) != 0 || a->ready != b->ready || a->max_age != b->max_age ||
	    a->npreload != b->npreload)
		return false;
	for (size_t i = 0; i < a->npreload; i++)
		if (strcmp(a->preload[i], b->preload[i]) != 0)
			return false;
	return true;
}

void pools_sync(struct svc *svc)
{
	const struct tenants *ts = svc->tenants;
	size_t n = ts ? ts->npools : 0;
	char q[700];

	/* Pools that left the config, or changed, end. */
	for (struct pool *p = svc->pools; p; p = p->next) {
		bool kept = false;
		for (size_t i = 0; i < n && !kept && !p->dead; i++)
			kept = same_spec(&p->spec, &ts->pools[i]);
		if (!kept)
			pool_end(p);
	}
	for (size_t i = 0; i < n; i++) {
		bool have = false;
		for (struct pool *p = svc->pools; p && !have; p = p->next)
			have = !p->dead && same_spec(&p->spec, &ts->pools[i]);
		if (have)
			continue;
		al_error e = {0};
		struct pool *p = calloc(1, sizeof(*p));
		al_config *cfg = p ? pool_config(svc, ts->pools[i].profile, &e) : NULL;
		if (p)
			p->preload = calloc(ts->pools[i].npreload + 1, sizeof(char *));
		if (!cfg || !p->preload || !(p->key = config_key(cfg))) {
			svc_log("error", "pool", "profile=%s error=%s", ts->pools[i].profile,
				log_q(e.msg[0] ? e.msg : "out of memory", q, sizeof(q)));
			al_config_free(cfg);
			if (p)
				pool_free(p);
			continue;
		}
		al_config_free(cfg);
		p->svc = svc;
		p->spec = ts->pools[i];
		for (size_t k = 0; k < p->spec.npreload; k++)
			p->preload[k] = strdup(ts->pools[i].preload[k]);
		p->spec.preload = p->preload;
		p->next = svc->pools;
		svc->pools = p;
		svc_log("info", "pool", "profile=%s ready=%u preload=%zu max_age_s=%u", p->spec.profile,
			p->spec.ready, p->spec.npreload, p->spec.max_age);
	}
	/* Dead pools whose sandboxes have all ended are freed. */
	for (struct pool **pp = &svc->pools; *pp;) {
		struct pool *p = *pp;
		if (p->dead && !p->entries) {
			*pp = p->next;
			pool_free(p);
		} else {
			pp = &p->next;
		}
	}
}

struct box *pool_take(struct svc *svc, al_config *cfg, const char *profile, const char *tenant, size_t code_len,
		      struct op **boot, int *in_fd)
{
	struct pool *p = pools_of(svc);
	while (p && (p->dead || strcmp(p->spec.profile, profile) != 0))
		p = p->next;
	if (!p)
		return NULL;
	char *key = config_key(cfg);
	bool same = key && strcmp(key, p->key) == 0;
	free(key);
	struct entry *en = p->entries;
	while (same && en && !(en->ready && !en->retiring && en->boot && en->pipe_cap >= code_len))
		en = en->next;
	if (!same || !en) {
		svc->metrics.pool_misses++;
		return NULL;
	}
	svc->metrics.pool_hits++;
	/* The refill waits a moment: starting a sandbox takes the loop for a
	 * few milliseconds, which the run just taken would wait for. */
	double soon = al_now_ms() + POOL_REFILL_DELAY_MS;
	if (p->retry_at < soon)
		p->retry_at = soon;
	entry_unlink(en);
	struct box *b = en->box;
	*boot = en->boot;
	(*boot)->output = NULL;
	(*boot)->done = NULL;
	(*boot)->user = NULL;
	b->owner = NULL;
	b->on_end = NULL;
	b->pooled = false;
	svc->nboxes++;
	snprintf(b->tenant, sizeof(b->tenant), "%s", tenant);
	*in_fd = en->in_fd;
	en->in_fd = -1;
	entry_free(en);
	return b;
}

int pool_give(struct box *b, struct op *boot, int in_fd, const char *code, al_error *err)
{
	size_t len = strlen(code), off = 0;
	(void)al_sandbox_restart_clock(b->sb, boot->id);
	/* All of it at once, never waiting: pool_take gave a sandbox whose
	 * pipe holds it. */
	(void)fcntl(in_fd, F_SETFL, O_NONBLOCK);
	while (off < len) {
		ssize_t n = write(in_fd, code + off, len - off);
		if (n <= 0) {
			int e = n < 0 ? errno : EAGAIN;
			close(in_fd);
			return al_error_set(err, e, "the code into the interpreter's stdin");
		}
		off += (size_t)n;
	}
	close(in_fd);
	return 0;
}

void pools_free(struct svc *svc)
{
	while (svc->pools) {
		struct pool *p = svc->pools;
		svc->pools = p->next;
		while (p->entries) {
			struct entry *en = p->entries;
			p->entries = en->next;
			if (en->boot) {
				en->boot->done = NULL;
				en->boot->output = NULL;
				en->boot->user = NULL;
			}
			en->box->owner = NULL;
			en->box->on_end = NULL;
			box_close(en->box);
			entry_free(en);
		}
		pool_free(p);
	}
}

void pools_count(const struct svc *svc, unsigned *ready, unsigned *starting)
{
	*ready = *starting = 0;
	for (const struct pool *p = svc->pools; p; p = p->next)
		if (!p->dead) {
			*ready += p->nready;
			*starting += p->nstarting;
		}
}

bool pools_ready(const struct svc *svc, char *why, size_t len)
{
	for (const struct pool *p = svc->pools; p; p = p->next)
		if (!p->dead && !p->nready) {
			snprintf(why, len, "pool %s has no ready sandbox yet%s", p->spec.profile,
				 p->failures ? " (its sandboxes fail to start: see the log)" : "");
			return false;
		}
	return true;
}
