/* bpf(2): the verifier and the JIT have been the way into the kernel for
 * many exploits. This kernel refuses unprivileged program loads already
 * (kernel.unprivileged_bpf_disabled), so the attack uses calls whose own
 * answer is not EPERM: an unknown command (EINVAL) and BPF_OBJ_GET of a
 * missing pinned object (ENOENT). EPERM there means the filter stopped the
 * call; anything else means bpf() reached the kernel. A socket-filter load
 * and an array map are tried too and must not work. */
#include <linux/bpf.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "attack.h"

static long sys_bpf(int cmd, union bpf_attr *attr) { return syscall(SYS_bpf, cmd, attr, sizeof(*attr)); }

int main(void)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	long r = sys_bpf(0x7fff, &attr);
	filtered("bpf(unknown command)", r, errno, EPERM);

	char missing[] = "/sys/fs/bpf/airlock-missing";
	memset(&attr, 0, sizeof(attr));
	attr.pathname = (uint64_t)(uintptr_t)missing;
	r = sys_bpf(BPF_OBJ_GET, &attr);
	filtered("BPF_OBJ_GET of a missing object", r, errno, EPERM);

	/* return 0: the smallest socket filter */
	struct bpf_insn prog[] = {
	    {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 0},
	    {.code = BPF_JMP | BPF_EXIT},
	};
	char license[] = "GPL";
	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	attr.insns = (uint64_t)(uintptr_t)prog;
	attr.insn_cnt = 2;
	attr.license = (uint64_t)(uintptr_t)license;
	r = sys_bpf(BPF_PROG_LOAD, &attr);
	must_fail("BPF_PROG_LOAD socket filter", r, errno, EPERM);

	memset(&attr, 0, sizeof(attr));
	attr.map_type = BPF_MAP_TYPE_ARRAY;
	attr.key_size = 4;
	attr.value_size = 4;
	attr.max_entries = 1;
	r = sys_bpf(BPF_MAP_CREATE, &attr);
	must_fail("BPF_MAP_CREATE array", r, errno, EPERM);
	return verdict();
}
