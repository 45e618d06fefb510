/* The kernel keyring: add_key, request_key and keyctl reach a subsystem
 * with a history of reference-count bugs, shared across the whole uid. Any
 * user may add keys to its own keyrings. All three must fail with EPERM;
 * with a key, the attack reads it back. */
#include <linux/keyctl.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "attack.h"

int main(void)
{
	const char data[] = "airlock-key-data";
	long key =
	    syscall(SYS_add_key, "user", "airlock-test", data, sizeof(data) - 1, KEY_SPEC_PROCESS_KEYRING);
	must_fail("add_key user key to the process keyring", key, errno, EPERM);
	if (key >= 0) {
		char buf[64] = {0};
		long n = syscall(SYS_keyctl, KEYCTL_READ, key, buf, sizeof(buf) - 1);
		printf("keyctl read back %ld bytes: %s\n", n, buf);
	}
	long r = syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_PROCESS_KEYRING, 1);
	must_fail("keyctl GET_KEYRING_ID (create the process keyring)", r, errno, EPERM);
	r = syscall(SYS_request_key, "user", "airlock-missing", NULL, KEY_SPEC_PROCESS_KEYRING);
	/* the kernel: ENOKEY */
	filtered("request_key of a missing key", r, errno, EPERM);
	return verdict();
}
