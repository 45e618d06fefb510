/* The command is uid 0 of its user namespace but must hold no capability:
 * every capability set in /proc/self/status is empty, the securebits keep
 * uid 0 from regaining them at execve, and what they would allow fails:
 * sethostname (CAP_SYS_ADMIN over the sandbox's UTS namespace), a raw
 * socket (CAP_NET_RAW in its network namespace; nothing is sent), raising a
 * capability with capset. */
#include <linux/capability.h>
#include <linux/securebits.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "attack.h"

int main(void)
{
	char line[256];
	FILE *f = fopen("/proc/self/status", "r");
	if (!f)
		return perror("/proc/self/status"), 2;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "Cap", 3) != 0)
			continue;
		char *v = strchr(line, ':');
		unsigned long long bits = strtoull(v + 1, NULL, 16);
		line[strcspn(line, "\n")] = '\0';
		if (bits)
			escaped(line, "capabilities held");
		else
			printf("empty: %s\n", line);
	}
	fclose(f);

	int sb = prctl(PR_GET_SECUREBITS);
	if (sb < 0 || !(sb & SECBIT_NOROOT) || !(sb & SECBIT_NOROOT_LOCKED))
		escaped("securebits", "NOROOT not set and locked (%#x): uid 0 regains capabilities at execve",
			sb);
	else
		printf("securebits %#x: NOROOT locked\n", sb);

	long r = sethostname("pwned", 5);
	must_fail("sethostname", r, errno, EPERM);
	r = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
	must_fail("raw socket", r, errno, EPERM);
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct data[2] = {{0}};
	data[0].effective = data[0].permitted = 1u << CAP_SYS_ADMIN;
	r = syscall(SYS_capset, &hdr, data);
	must_fail("capset raising CAP_SYS_ADMIN", r, errno, EPERM);
	return verdict();
}
