// SPDX-License-Identifier: Apache-2.0
#include "vmm/regs_dump.h"

#include <errno.h>
#include <inttypes.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <sys/ioctl.h>

#include "arch/aarch64/sysreg.h"
#include "arch/aarch64/vcpu.h"

static int dump_vcpu(int fd, uint32_t idx, FILE *out)
{
	uint64_t *ids = NULL;
	size_t n = 0;
	int r = nb_vcpu_reg_list(fd, &ids, &n);

	if (r)
		return r;
	for (size_t i = 0; i < n; i++) {
		uint64_t id = ids[i], val[2] = {0, 0};
		uint64_t size = 1ULL << ((id & KVM_REG_SIZE_MASK) >> KVM_REG_SIZE_SHIFT);
		struct kvm_one_reg reg = {.id = id, .addr = (uintptr_t)val};
		char name[64];

		if (size > sizeof(val))
			continue; /* SVE vectors: not shown */
		if (nb_reg_format_name(id, name, sizeof(name)) < 0)
			snprintf(name, sizeof(name), "REG_0x%" PRIx64, id);
		if (ioctl(fd, KVM_GET_ONE_REG, &reg) < 0) {
			fprintf(out, "vcpu%u %s <%s>\n", idx, name,
				errno == ENOENT ? "absent" : "unreadable");
			continue;
		}
		if (size == 16)
			fprintf(out, "vcpu%u %s 0x%016" PRIx64 "%016" PRIx64 "\n", idx, name,
				val[1], val[0]);
		else
			fprintf(out, "vcpu%u %s 0x%" PRIx64 "\n", idx, name, val[0]);
	}
	free(ids);
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
