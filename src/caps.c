#include "caps.h"

#include <errno.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int al_caps_drop_all(struct al_error *err)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct data[2] = {0};
	unsigned long bits = SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP |
			     SECBIT_NO_SETUID_FIXUP_LOCKED | SECBIT_KEEP_CAPS_LOCKED |
			     SECBIT_NO_CAP_AMBIENT_RAISE | SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED;

	/* What is done already is not done again: a kept sandbox's later
	 * commands come from an init that has dropped everything itself, and
	 * may no longer set the bits (that needs CAP_SETPCAP). The end state
	 * is the same either way. */
	int have = prctl(PR_GET_SECUREBITS, 0, 0, 0, 0);
	if ((have < 0 || ((unsigned long)have & bits) != bits) && prctl(PR_SET_SECUREBITS, bits, 0, 0, 0) < 0)
		return al_error_set(err, errno, "set securebits");
	/* Newer kernels may know more capabilities than our headers: drop until EINVAL. */
	for (unsigned long cap = 0; cap < 64; cap++) {
		int in = prctl(PR_CAPBSET_READ, cap, 0, 0, 0);
		if (in == 0)
			continue;
		if (in < 0 || prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
			if (errno == EINVAL)
				break;
			return al_error_set(err, errno, "drop capability %lu from bounding set", cap);
		}
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
		return al_error_set(err, errno, "clear ambient capabilities");
	if (syscall(SYS_capset, &hdr, data) < 0)
		return al_error_set(err, errno, "capset");
	return 0;
}

int al_caps_no_new_privs(struct al_error *err)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return al_error_set(err, errno, "no_new_privs");
	return 0;
}
