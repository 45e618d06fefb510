#include "seccomp.h"

#include <errno.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util.h"

static int add_rule(scmp_filter_ctx ctx, const struct al_sc_rule *r, struct al_error *err)
{
	static const enum scmp_compare ops[] = {
	    [AL_OP_EQ] = SCMP_CMP_EQ,
	    [AL_OP_NE] = SCMP_CMP_NE,
	    [AL_OP_LT] = SCMP_CMP_LT,
	    [AL_OP_LE] = SCMP_CMP_LE,
	    [AL_OP_GT] = SCMP_CMP_GT,
	    [AL_OP_GE] = SCMP_CMP_GE,
	    [AL_OP_MASKED_EQ] = SCMP_CMP_MASKED_EQ,
	};
	struct scmp_arg_cmp cmp[AL_SC_MAX_COND];
	uint32_t action = r->quiet ? SCMP_ACT_ERRNO((uint32_t)r->errnum) : SCMP_ACT_NOTIFY;

	for (unsigned i = 0; i < r->ncond; i++) {
		const struct al_sc_cond *c = &r->cond[i];
		cmp[i] = (struct scmp_arg_cmp){.arg = c->index,
					       .op = ops[c->op],
					       .datum_a = c->op == AL_OP_MASKED_EQ ? c->mask : c->value,
					       .datum_b = c->op == AL_OP_MASKED_EQ ? c->value : 0};
	}
	int rc = seccomp_rule_add_array(ctx, action, r->nr, r->ncond, cmp);
	if (rc < 0)
		return al_error_set(err, -rc, "seccomp: rule for syscall %d", r->nr);
	return 0;
}

/* libseccomp lets an unconditional rule for a call swallow the conditional
 * ones and ignores a second unconditional one, so the policy is resolved
 * here, number by number, into rules that cannot conflict: a call is denied
 * whole, or denied under conditions, or has no rule (the default: allow). */
static int build(scmp_filter_ctx ctx, const struct al_sc_policy *p, struct al_error *err)
{
	size_t nb;
	const struct al_sc_rule *b = al_policy_builtin(&nb);
	int rc;

	/* Foreign ABIs (i386 int 0x80, x32) end the sandbox: the filter only
	 * knows the native table, and a call through another one would slip
	 * past it. libseccomp checks the audit arch and, for x86_64, the x32
	 * bit. They go to the supervisor, which never lets one run
	 * (al_policy_foreign_abi) and kills the sandbox with the call in the
	 * report: a kill in the filter itself left no trace when the caller was
	 * not the command (a shell reaped it). Without a listener the kernel
	 * answers ENOSYS, so the call never runs either way. */
	if ((rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_NOTIFY)) < 0)
		return al_error_set(err, -rc, "seccomp: bad-arch action");
	seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2); /* a binary tree, not a chain */

	/* The numbers that have a rule, marked in one pass over the rules: the
	 * loop below skips the others instead of scanning every rule for each
	 * of the 1024 numbers (that scan was a third of the compile's time). */
	uint8_t ruled[AL_SC_NR_MAX / 8] = {0};
	for (size_t i = 0; i < nb + p->ndeny; i++) {
		const struct al_sc_rule *r = i < nb ? &b[i] : &p->deny[i - nb];
		if (r->nr >= 0 && r->nr < AL_SC_NR_MAX && (i >= nb || al_policy_builtin_active(p, r)))
			ruled[r->nr / 8] |= (uint8_t)(1u << (r->nr % 8));
	}
	for (int nr = 0; nr < AL_SC_NR_MAX; nr++) {
		bool unlisted =
		    p->mode == AL_SC_LEARN || (p->mode == AL_SC_ALLOW_LIST && !al_policy_allowed_p(p, nr));
		if (!(ruled[nr / 8] >> (nr % 8) & 1) && !unlisted)
			continue;
		const struct al_sc_rule *whole = NULL;
		struct al_sc_rule all = {.nr = nr};
		for (size_t i = 0; i < nb && !whole; i++)
			if (b[i].nr == nr && b[i].ncond == 0 && al_policy_builtin_active(p, &b[i]))
				whole = &b[i];
		for (size_t i = 0; i < p->ndeny && !whole; i++)
			if (p->deny[i].nr == nr && p->deny[i].ncond == 0)
				whole = &p->deny[i];
		if (!whole && unlisted)
			whole = &all; /* every call goes to the supervisor */
		if (whole) {
			if (add_rule(ctx, whole, err) < 0)
				return -1;
			continue;
		}
		for (size_t i = 0; i < nb; i++)
			if (b[i].nr == nr && al_policy_builtin_active(p, &b[i]) &&
			    add_rule(ctx, &b[i], err) < 0)
				return -1;
		for (size_t i = 0; i < p->ndeny; i++)
			if (p->deny[i].nr == nr && add_rule(ctx, &p->deny[i], err) < 0)
				return -1;
	}
	return 0;
}

int al_seccomp_compile(const struct al_sc_policy *p, struct al_filter *f, struct al_error *err)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	cleanup_close int mfd = -1;
	struct stat st;
	int r = -1, rc;

	memset(f, 0, sizeof(*f));
	if (!ctx)
		return al_error_set(err, ENOMEM, "seccomp_init");
	if (build(ctx, p, err) < 0)
		goto out;
	/* libseccomp 2.5 exports BPF only to an fd: use a memfd, read it back. */
	mfd = memfd_create("airlock-bpf", MFD_CLOEXEC);
	if (mfd < 0) {
		al_error_set(err, errno, "memfd");
		goto out;
	}
	if ((rc = seccomp_export_bpf(ctx, mfd)) < 0) {
		al_error_set(err, -rc, "seccomp export");
		goto out;
	}
	if (fstat(mfd, &st) < 0 || st.st_size <= 0 || st.st_size % sizeof(struct sock_filter) ||
	    st.st_size / sizeof(struct sock_filter) > BPF_MAXINSNS) {
		al_error_set(err, EINVAL, "seccomp: filter of %lld bytes", (long long)st.st_size);
		goto out;
	}
	f->insns = malloc((size_t)st.st_size);
	if (!f->insns || pread(mfd, f->insns, (size_t)st.st_size, 0) != st.st_size) {
		al_error_set(err, errno ? errno : EIO, "seccomp read back");
		free(f->insns);
		f->insns = NULL;
		goto out;
	}
	f->len = (size_t)st.st_size / sizeof(struct sock_filter);
	r = 0;
out:
	seccomp_release(ctx);
	return r;
}

void al_seccomp_free(struct al_filter *f)
{
	free(f->insns);
	f->insns = NULL;
	f->len = 0;
}

int al_seccomp_load(const struct al_filter *f, struct al_error *err)
{
	struct sock_fprog prog = {.len = (unsigned short)f->len, .filter = f->insns};
	long fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);

	if (fd < 0)
		return al_error_set(err, errno, "load seccomp filter with a notification listener");
	return (int)fd;
}

/* --- the cache: a short list, searched by the policy's content. */

struct entry {
	struct entry *next;
	struct al_sc_policy policy;
	struct al_filter filter;
};

struct al_filter_cache {
	pthread_mutex_t lock;
	struct entry *head;
};

static bool rule_equal(const struct al_sc_rule *a, const struct al_sc_rule *b)
{
	if (a->nr != b->nr || a->action != b->action || a->errnum != b->errnum || a->ncond != b->ncond ||
	    a->quiet != b->quiet || a->group != b->group || a->inspect != b->inspect)
		return false;
	for (unsigned i = 0; i < a->ncond; i++)
		if (a->cond[i].index != b->cond[i].index || a->cond[i].op != b->cond[i].op ||
		    a->cond[i].value != b->cond[i].value || a->cond[i].mask != b->cond[i].mask)
			return false;
	return true;
}

/* Only what changes the BPF: actions are decided by the supervisor. */
static bool policy_equal(const struct al_sc_policy *a, const struct al_sc_policy *b)
{
	if (a->mode != b->mode || a->ndeny != b->ndeny || a->relax != b->relax ||
	    memcmp(a->allowed, b->allowed, sizeof(a->allowed)))
		return false;
	for (size_t i = 0; i < a->ndeny; i++)
		if (!rule_equal(&a->deny[i], &b->deny[i]))
			return false;
	return true;
}

struct al_filter_cache *al_filter_cache_new(void)
{
	struct al_filter_cache *c = calloc(1, sizeof(*c));
	if (c)
		pthread_mutex_init(&c->lock, NULL);
	return c;
}

const struct al_filter *al_filter_cache_get(struct al_filter_cache *c, const struct al_sc_policy *p,
					    struct al_error *err)
{
	struct entry *e;

	pthread_mutex_lock(&c->lock);
	for (e = c->head; e; e = e->next)
		if (policy_equal(&e->policy, p))
			goto out;
	e = calloc(1, sizeof(*e));
	if (!e) {
		al_error_set(err, ENOMEM, "seccomp cache");
		goto out;
	}
	if (al_seccomp_compile(p, &e->filter, err) < 0) {
		free(e);
		e = NULL;
		goto out;
	}
	e->policy = *p;
	e->next = c->head;
	c->head = e;
out:
	pthread_mutex_unlock(&c->lock);
	return e ? &e->filter : NULL;
}

void al_filter_cache_free(struct al_filter_cache *c)
{
	if (!c)
		return;
	for (struct entry *e = c->head, *next; e; e = next) {
		next = e->next;
		al_seccomp_free(&e->filter);
		free(e);
	}
	pthread_mutex_destroy(&c->lock);
	free(c);
}
