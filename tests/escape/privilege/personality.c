/* Turn off address-space randomisation (or make data executable) for
 * ourselves and what we exec: personality flags that weaken exploit
 * defences. Prints what /proc/self/personality says afterwards. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/personality.h>

int main(void)
{
	int r = personality(ADDR_NO_RANDOMIZE | READ_IMPLIES_EXEC);
	printf("personality: %s\n", r < 0 ? strerror(errno) : "set");
	FILE *f = fopen("/proc/self/personality", "r");
	char buf[32] = "";
	if (f && fgets(buf, sizeof(buf), f))
		printf("now %s", buf);
	return 0;
}
