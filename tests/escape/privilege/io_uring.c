/* io_uring: a second system-call interface that seccomp cannot see into
 * (its operations are not syscalls) and a rich source of kernel bugs. The
 * kernel lets anyone set up a ring here (kernel.io_uring_disabled=0). All
 * three calls must fail with EPERM; with a ring, the attack runs a NOP. */
#include <linux/io_uring.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "attack.h"

int main(void)
{
	struct io_uring_params p;
	memset(&p, 0, sizeof(p));
	long fd = syscall(SYS_io_uring_setup, 4, &p);
	must_fail("io_uring_setup", fd, errno, EPERM);
	if (fd >= 0) {
		/* Submit one NOP and reap it. */
		size_t sq_sz = p.sq_off.array + p.sq_entries * sizeof(unsigned);
		size_t cq_sz = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
		if (p.features & IORING_FEAT_SINGLE_MMAP)
			sq_sz = cq_sz = sq_sz > cq_sz ? sq_sz : cq_sz;
		char *sq = mmap(NULL, sq_sz, PROT_READ | PROT_WRITE, MAP_SHARED, (int)fd, IORING_OFF_SQ_RING);
		struct io_uring_sqe *sqes = mmap(NULL, p.sq_entries * sizeof(*sqes), PROT_READ | PROT_WRITE,
						 MAP_SHARED, (int)fd, IORING_OFF_SQES);
		if (sq != MAP_FAILED && sqes != MAP_FAILED) {
			memset(&sqes[0], 0, sizeof(sqes[0]));
			sqes[0].opcode = IORING_OP_NOP;
			sqes[0].user_data = 42;
			unsigned *tail = (unsigned *)(sq + p.sq_off.tail);
			unsigned *array = (unsigned *)(sq + p.sq_off.array);
			array[*tail & *(unsigned *)(sq + p.sq_off.ring_mask)] = 0;
			__atomic_store_n(tail, *tail + 1, __ATOMIC_RELEASE);
			long n = syscall(SYS_io_uring_enter, (int)fd, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0);
			printf("io_uring_enter submitted %ld operation(s)\n", n);
		}
	}
	/* On a bad fd the kernel answers EBADF or EINVAL: EPERM is the filter's. */
	long r = syscall(SYS_io_uring_enter, -1, 0, 0, 0, NULL, 0);
	filtered("io_uring_enter on a bad fd", r, errno, EPERM);
	r = syscall(SYS_io_uring_register, -1, 0, NULL, 0);
	filtered("io_uring_register on a bad fd", r, errno, EPERM);
	return verdict();
}
