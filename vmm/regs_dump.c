// SPDX-License-Identifier: Apache-2.0
#include "vmm/regs_dump.h"

#include <errno.h>
#include <inttypes.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <sys/ioctl.h>

#include "arch/aarch64/sysreg.h"

/* The vCPU's register ids, malloc'd into *@list. 0 or -errno. */
static int reg_list(int vcpu_fd, struct kvm_reg_list **list)
{
	struct kvm_reg_list probe = { .n = 0 };
	struct kvm_reg_list *l;

	/* The first call fails with E2BIG and says how many there are. */
	if (ioctl(vcpu_fd, KVM_GET_REG_LIST, &probe) == 0)
		return -EINVAL;
	if (errno != E2BIG)
		return -errno;
	l = malloc(sizeof(*l) + probe.n * sizeof(l->reg[0]));
	if (!l)
		return -ENOMEM;
	l->n = probe.n;
	if (ioctl(vcpu_fd, KVM_GET_REG_LIST, l) < 0) {
		int e = errno;

		free(l);
		return -e;
	}
	*list = l;
	return 0;
}

static int dump_vcpu(int fd, uint32_t idx, FILE *out)
{
	struct kvm_reg_list *l = NULL;
	int r = reg_list(fd, &l);

	if (r)
		return r;
	for (uint64_t i = 0; i < l->n; i++) {
		uint64_t id = l->reg[i], val[2] = { 0, 0 };
		uint64_t size = 1ULL << ((id & KVM_REG_SIZE_MASK) >> KVM_REG_SIZE_SHIFT);
		struct kvm_one_reg reg = { .id = id, .addr = (uintptr_t)val };
		char name[64];

		if (size > sizeof(val))
			continue; /* SVE vectors: not shown */
		if (nb_reg_format_name(id, name, sizeof(name)) < 0)
			snprintf(name, sizeof(name), "REG_0x%" PRIx64, id);
		if (ioctl(fd, KVM_GET_ONE_REG, &reg) < 0) {
			fprintf(out, "vcpu%u %s <%s>\n", idx, name, errno == ENOENT ? "absent" : "unreadable");
			continue;
		}
		if (size == 16)
			fprintf(out, "vcpu%u %s 0x%016" PRIx64 "%016" PRIx64 "\n", idx, name, val[1],
				val[0]);
		else
			fprintf(out, "vcpu%u %s 0x%" PRIx64 "\n", idx, name, val[0]);
	}
	free(l);
	return 0;
}

int nb_vm_dump_regs(const struct nb_vm *vm, FILE *out)
{
	for (uint32_t i = 0; i < vm->nr_vcpus; i++) {
		int r = dump_vcpu(vm->vcpus[i].fd, i, out);

		if (r)
			return r;
	}
	return fflush(out) ? -errno : 0;
}
