/* The rest of the deny-list, where a harmless call shows whether the filter
 * or the kernel answered: arguments the kernel itself rejects with another
 * errno (EINVAL, ENOENT, ENOSYS...) or read-only queries it allows anyone.
 * Every call must come back EPERM. None of them changes anything even when
 * it reaches the kernel. (kexec_*, *_module, acct, swapon/off, reboot,
 * syslog and vhangup are left out: the kernel checks privilege first and
 * answers EPERM too, so no harmless call tells the two apart.) */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/fanotify.h>
#include <sys/quota.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timex.h>
#include <time.h>
#include <unistd.h>

#include "attack.h"

int main(void)
{
	long r;
	struct timex tx = {.modes = 0}; /* read only */

	r = syscall(SYS_adjtimex, &tx);
	filtered("adjtimex (read the clock state)", r, errno, EPERM);
	memset(&tx, 0, sizeof(tx));
	r = syscall(SYS_clock_adjtime, CLOCK_REALTIME, &tx);
	filtered("clock_adjtime (read)", r, errno, EPERM);
	struct timespec bad_ts = {.tv_sec = 0, .tv_nsec = -1};
	r = syscall(SYS_clock_settime, CLOCK_REALTIME, &bad_ts);
	filtered("clock_settime with an invalid time (kernel: EINVAL)", r, errno, EPERM);
	struct timeval bad_tv = {.tv_sec = 0, .tv_usec = -1};
	r = syscall(SYS_settimeofday, &bad_tv, NULL);
	filtered("settimeofday with an invalid time (kernel: EINVAL)", r, errno, EPERM);

	r = syscall(SYS_fanotify_init, FAN_CLASS_NOTIF | FAN_REPORT_FID, O_RDONLY);
	filtered("fanotify_init (unprivileged group)", r, errno, EPERM);
	r = syscall(SYS_iopl, 0);
	filtered("iopl(0) (no change)", r, errno, EPERM);
	r = syscall(SYS_ioperm, 0x80, 1, 0);
	filtered("ioperm off (no change)", r, errno, EPERM);
	r = syscall(SYS_quotactl, QCMD(Q_GETFMT, USRQUOTA), "/nonexistent-airlock", 0, NULL);
	filtered("quotactl on a missing device (kernel: ENOENT)", r, errno, EPERM);
	r = syscall(SYS_uselib, "/nonexistent-airlock");
	filtered("uselib (kernel: ENOSYS or ENOENT)", r, errno, EPERM);
	r = syscall(SYS_nfsservctl, 0, NULL, NULL);
	filtered("nfsservctl (kernel: ENOSYS)", r, errno, EPERM);
	r = syscall(SYS_lookup_dcookie, 0, NULL, 0);
	filtered("lookup_dcookie (kernel: ENOSYS)", r, errno, EPERM);
	return verdict();
}
