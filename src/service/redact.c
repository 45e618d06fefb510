/* The streaming redactor (redact.h). */
#include "redact.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int redact_add(struct redact_set *set, const char *name, const char *value, size_t len)
{
	size_t i;

	for (i = 0; i < set->n; i++)
		if (strcmp(set->s[i].name, name) == 0)
			return 0;
	if (len == 0 || len > REDACT_MAX_VALUE || set->n == REDACT_MAX_SECRETS)
		return -1;
	char *v = malloc(len);
	if (!v)
		return -1;
	memcpy(v, value, len);
	/* Kept sorted, longest first. */
	for (i = set->n; i > 0 && set->s[i - 1].len < len; i--)
		set->s[i] = set->s[i - 1];
	snprintf(set->s[i].name, sizeof(set->s[i].name), "%s", name);
	set->s[i].value = v;
	set->s[i].len = len;
	set->n++;
	if (len > set->longest)
		set->longest = len;
	set->first[(unsigned char)value[0]] = true;
	return 0;
}

void redact_set_free(struct redact_set *set)
{
	for (size_t i = 0; i < set->n; i++) {
		sodium_memzero(set->s[i].value, set->s[i].len);
		free(set->s[i].value);
	}
	memset(set, 0, sizeof(*set));
}

int redactor_init(struct redactor *r, const struct redact_set *set, redact_emit_fn emit, void *user)
{
	memset(r, 0, sizeof(*r));
	r->set = set;
	r->emit = emit;
	r->user = user;
	if (set && set->longest > 1 && !(r->held = malloc(set->longest - 1)))
		return -1;
	return 0;
}

/* At p (n bytes left): the secret whose value is there whole, or -1; *partial
 * when p's bytes are all the start of some value (wait for more). */
static int match_at(const struct redact_set *set, const char *p, size_t n, bool *partial)
{
	*partial = false;
	for (size_t i = 0; i < set->n; i++) {
		const struct redact_secret *s = &set->s[i];
		if (n >= s->len) {
			if (memcmp(p, s->value, s->len) == 0)
				return (int)i;
		} else if (memcmp(p, s->value, n) == 0) {
			*partial = true;
		}
	}
	return -1;
}

/* The bytes of buf in order: runs without a candidate go out whole. final:
 * no more bytes come, so a partial value is no value. */
static void scan(struct redactor *r, const char *buf, size_t n, bool final)
{
	const struct redact_set *set = r->set;
	size_t i = 0, run = 0;

	while (i < n) {
		if (!set->first[(unsigned char)buf[i]]) {
			i++;
			continue;
		}
		bool partial;
		int k = match_at(set, buf + i, n - i, &partial);
		if (k < 0 && (!partial || final)) {
			i++;
			continue;
		}
		if (i > run)
			r->emit(r->user, buf + run, i - run);
		if (k < 0) {
			/* Partial: only the end of buf can be, shorter than the value. */
			memmove(r->held, buf + i, n - i);
			r->nheld = n - i;
			return;
		}
		char tag[96];
		int t = snprintf(tag, sizeof(tag), "[REDACTED:%s]", set->s[k].name);
		r->emit(r->user, tag, (size_t)t);
		i += set->s[k].len;
		run = i;
	}
	if (n > run)
		r->emit(r->user, buf + run, n - run);
	r->nheld = 0;
}

void redactor_feed(struct redactor *r, const char *data, size_t len)
{
	if (!r->set || r->set->n == 0) {
		if (len)
			r->emit(r->user, data, len);
		return;
	}
	if (!r->nheld) {
		scan(r, data, len, false);
		return;
	}
	/* The held tail and the new chunk's first bytes decide it: join at
	 * most longest - 1 of them, then go on in the chunk itself. */
	size_t take = r->set->longest - 1 < len ? r->set->longest - 1 : len;
	size_t n = r->nheld + take;
	char *join = malloc(n);
	if (!join) {
		/* Out of memory: nothing may leak, so the tail is dropped. */
		r->nheld = 0;
		scan(r, data, len, false);
		return;
	}
	memcpy(join, r->held, r->nheld);
	memcpy(join + r->nheld, data, take);
	size_t before = r->nheld;
	/* Scan the joined bytes, but stop a match's consumption accounting
	 * in terms of data: redo with everything when the join is too short
	 * to decide (the whole chunk fits in it). */
	if (take == len) {
		r->nheld = 0;
		scan(r, join, n, false);
		free(join);
		return;
	}
	/* Emit the held bytes that begin no value reaching into data. */
	size_t i = 0;
	r->nheld = 0;
	while (i < before) {
		bool partial;
		int k =
		    r->set->first[(unsigned char)join[i]] ? match_at(r->set, join + i, n - i, &partial) : -1;
		if (k >= 0) {
			char tag[96];
			int t = snprintf(tag, sizeof(tag), "[REDACTED:%s]", r->set->s[k].name);
			r->emit(r->user, tag, (size_t)t);
			i += r->set->s[k].len;
			continue;
		}
		r->emit(r->user, join + i, 1);
		i++;
	}
	free(join);
	/* i - before bytes of data were part of a value already replaced. */
	scan(r, data + (i - before), len - (i - before), false);
}

void redactor_flush(struct redactor *r)
{
	size_t n = r->nheld;
	r->nheld = 0;
	if (n)
		scan(r, r->held, n, true);
}

void redactor_free(struct redactor *r)
{
	if (r->held)
		sodium_memzero(r->held, r->set ? r->set->longest - 1 : 0);
	free(r->held);
	r->held = NULL;
}
