/* The seccomp filter: a deny-list of the kernel's most dangerous surface,
 * compiled once with libseccomp in the supervisor, loaded in the child as the
 * very last step before execve. */
#ifndef AIRLOCK_SECCOMP_H
#define AIRLOCK_SECCOMP_H

#include <linux/filter.h>
#include <stddef.h>

#include "error.h"

struct al_filter {
	struct sock_filter *insns;
	size_t len;
};

int al_seccomp_compile(struct al_filter *f, struct al_error *err);
void al_seccomp_free(struct al_filter *f);
/* Child side: install the filter (needs no_new_privs or CAP_SYS_ADMIN). No allocation. */
int al_seccomp_load(const struct al_filter *f, struct al_error *err);

#endif
