#include "notify.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

#ifndef SECCOMP_USER_NOTIF_FLAG_CONTINUE
#define SECCOMP_USER_NOTIF_FLAG_CONTINUE (1UL << 0)
#endif

static bool is_listener(int fd)
{
	char path[64], target[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return false;
	target[n] = '\0';
	return strcmp(target, "anon_inode:seccomp notify") == 0;
}

int al_notify_acquire(struct al_notify *n, int pidfd, int fd, struct al_error *err)
{
	n->fd = -1;
	/* One try: the command announced the number just before loading its
	 * filter. EBADF (not loaded yet, or another fd there for now): the
	 * caller tries again on a timer of its loop, never waiting here. */
	int got = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
	if (got < 0)
		return al_error_set(err, errno, "seccomp listener: pidfd_getfd");
	if (!is_listener(got)) {
		close(got);
		return al_error_set(err, EBADF, "seccomp listener: fd %d is not one yet", fd);
	}
	if (al_notify_acquire_fd(n, got) < 0)
		return al_error_set(err, errno, "seccomp notification buffers");
	return 0;
}

int al_notify_acquire_fd(struct al_notify *n, int fd)
{
	struct seccomp_notif_sizes sizes;

	n->fd = fd;
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) < 0)
		return -1;
	n->req_size = sizes.seccomp_notif > sizeof(struct seccomp_notif) ? sizes.seccomp_notif
									 : sizeof(struct seccomp_notif);
	n->resp_size = sizes.seccomp_notif_resp > sizeof(struct seccomp_notif_resp)
			   ? sizes.seccomp_notif_resp
			   : sizeof(struct seccomp_notif_resp);
	n->req = calloc(1, n->req_size);
	n->resp = calloc(1, n->resp_size);
	if (!n->req || !n->resp) {
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

/* The pid as the sandbox sees it: the last NSpid of /proc/PID/status. */
static int inner_pid(pid_t host_pid)
{
	char path[64], buf[2048];
	int pid = -1;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)host_pid);
	if (al_read_file_at(AT_FDCWD, path, buf, sizeof(buf), NULL) <= 0)
		return -1;
	char *line = strstr(buf, "\nNSpid:");
	if (!line)
		return -1;
	for (char *p = line + 7; *p && *p != '\n';) {
		char *end;
		long v = strtol(p, &end, 10);
		if (end == p)
			break;
		pid = (int)v;
		p = end;
	}
	return pid;
}

/* A foreign ABI's call, named for the report ("x32:1", "i386:26"). */
static void foreign_name(const struct seccomp_notif *req, char *buf, size_t len)
{
	if (req->data.arch == SCMP_ARCH_X86)
		snprintf(buf, len, "i386:%d", req->data.nr);
	else if (req->data.arch == SCMP_ARCH_X86_64)
		snprintf(buf, len, "x32:%d", req->data.nr & ~0x40000000);
	else
		snprintf(buf, len, "arch_%x:%d", (unsigned)req->data.arch, req->data.nr);
}

static void describe(const struct seccomp_notif *req, int nr, bool foreign, struct al_violation *v)
{
	if (foreign) {
		foreign_name(req, v->syscall, sizeof(v->syscall));
		snprintf(v->args, sizeof(v->args), "a foreign system call ABI");
	} else {
		al_policy_name(nr, v->syscall, sizeof(v->syscall));
		al_policy_summarize(nr, (const uint64_t *)req->data.args, v->args, sizeof(v->args));
	}
}

/* Count the call in the report's table (one row per call and action) and
 * tell the caller of the library, every time. */
static void record(struct al_violations *out, const struct seccomp_notif *req, enum al_sc_action action,
		   const struct al_emit *emit)
{
	int nr = req->data.nr;
	const uint64_t *args = (const uint64_t *)req->data.args;
	bool foreign = al_policy_foreign_abi(req->data.arch, nr);

	if (emit && emit->fn) {
		struct al_violation v = {0};
		describe(req, nr, foreign, &v);
		al_emit_event(emit, &(struct al_event){.kind = AL_EV_VIOLATION,
						       .syscall = v.syscall,
						       .action = al_policy_action_name(action),
						       .args = v.args,
						       .pid = inner_pid((pid_t)req->pid)});
	}

	if (foreign)
		nr = -1 - (nr & 0xffff); /* never a native number in the table */
	for (size_t i = 0; i < out->n; i++)
		if (out->v[i].nr == nr && out->v[i].action == action) {
			out->v[i].count++;
			return;
		}
	if (out->n == AL_MAX_VIOLATIONS) {
		out->dropped++;
		return;
	}
	struct al_violation *v = &out->v[out->n++];
	v->nr = nr;
	v->action = action;
	v->count = 1;
	v->pid = inner_pid((pid_t)req->pid);
	describe(req, nr, foreign, v);
	(void)args;
}

/* The name a setxattr-family call sets, read from the caller's memory:
 * "security." (capabilities, LSM labels) and "trusted." are refused and
 * reported. This look is for the report: the kernel refuses those names to
 * the sandbox anyway (no CAP_SETFCAP, no CAP_SYS_ADMIN), so a name changed
 * after we read it gains nothing. Unreadable: refused. */
static bool xattr_name_refused(const struct al_notify *n, const struct seccomp_notif *req)
{
	char path[64], name[32];
	uint64_t addr = req->data.args[1];

	snprintf(path, sizeof(path), "/proc/%d/mem", (int)req->pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return true;
	ssize_t r = addr <= (uint64_t)INT64_MAX ? pread(fd, name, sizeof(name) - 1, (off_t)addr) : -1;
	close(fd);
	/* The pid may have been reused by another process since: only an id
	 * still valid proves the memory read was the caller's. */
	if (r <= 0 || ioctl(n->fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &req->id) < 0)
		return true;
	name[r] = '\0';
	return strncmp(name, "security.", 9) == 0 || strncmp(name, "trusted.", 8) == 0;
}

int al_notify_handle(struct al_notify *n, const struct al_sc_policy *p, struct al_violations *out,
		     const struct al_emit *emit)
{
	struct seccomp_notif *req = n->req;
	struct seccomp_notif_resp *resp = n->resp;

	memset(req, 0, n->req_size);
	if (ioctl(n->fd, SECCOMP_IOCTL_NOTIF_RECV, req) < 0)
		return 0; /* the caller died meanwhile (ENOENT), or EINTR */
	int nr = req->data.nr;
	/* A call through a foreign ABI never runs, whatever the policy (learn
	 * mode included): the sandbox ends, and the report says why. */
	if (al_policy_foreign_abi(req->data.arch, nr)) {
		record(out, req, AL_SC_KILL, emit);
		return 1;
	}
	struct al_sc_decision d = al_policy_decide(p, nr, (const uint64_t *)req->data.args);
	/* An inspected call is a violation only if the look says so (a user.*
	 * attribute is no violation, whatever --on-violation says). */
	if (d.inspect == AL_SC_INSPECT_XATTR_NAME && d.action != AL_SC_ALLOW && !xattr_name_refused(n, req))
		d = (struct al_sc_decision){AL_SC_ALLOW, 0, 0};
	/* Learn mode records what ran; what the built-in list denied is not
	 * something a learned profile may allow. */
	if (p->mode == AL_SC_LEARN && d.action == AL_SC_ALLOW && nr >= 0 && nr < AL_SC_NR_MAX)
		out->used[nr / 8] |= (uint8_t)(1u << (nr % 8));

	memset(resp, 0, n->resp_size);
	resp->id = req->id;
	switch (d.action) {
	case AL_SC_ALLOW: /* learn mode, or a call the filter sent here for nothing */
		resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
		break;
	case AL_SC_LOG:
		record(out, req, d.action, emit);
		resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
		break;
	case AL_SC_KILL:
		/* No answer: the caller stays blocked in the call until the
		 * sandbox is killed, so it never runs past the violation. */
		record(out, req, d.action, emit);
		return 1;
	case AL_SC_ERRNO:
		record(out, req, d.action, emit);
		resp->error = -(d.errnum ? d.errnum : EPERM);
		break;
	}
	/* ENOENT: the caller was killed while we decided; nothing to answer. */
	ioctl(n->fd, SECCOMP_IOCTL_NOTIF_SEND, resp);
	return 0;
}

void al_notify_close(struct al_notify *n)
{
	al_closep(&n->fd);
	free(n->req);
	free(n->resp);
	n->req = n->resp = NULL;
}

void al_notify_budget_init(struct al_notify_budget *b, uint64_t now_ns)
{
	b->tokens_ns = AL_NOTIFY_BURST_NS;
	b->last_ns = now_ns;
	b->spent_ns = 0;
}

static void refill(struct al_notify_budget *b, uint64_t now_ns)
{
	if (now_ns <= b->last_ns)
		return;
	uint64_t gained = (now_ns - b->last_ns) / 100 * AL_NOTIFY_SHARE_PCT;
	b->tokens_ns = gained >= (uint64_t)(AL_NOTIFY_BURST_NS - b->tokens_ns)
			   ? AL_NOTIFY_BURST_NS
			   : b->tokens_ns + (int64_t)gained;
	b->last_ns = now_ns;
}

void al_notify_budget_spend(struct al_notify_budget *b, uint64_t now_ns, uint64_t cost_ns)
{
	refill(b, now_ns);
	if (cost_ns > (uint64_t)INT64_MAX / 2)
		cost_ns = (uint64_t)INT64_MAX / 2;
	b->tokens_ns -= (int64_t)cost_ns;
	b->spent_ns += cost_ns;
}

uint64_t al_notify_budget_wait_ns(const struct al_notify_budget *b, uint64_t now_ns)
{
	struct al_notify_budget t = *b;

	refill(&t, now_ns);
	if (t.tokens_ns > 0)
		return 0;
	/* Until one nanosecond of CPU is back, rounded as refill() rounds. */
	uint64_t need = (uint64_t)-t.tokens_ns + 1;
	return (need + AL_NOTIFY_SHARE_PCT - 1) / AL_NOTIFY_SHARE_PCT * 100;
}
