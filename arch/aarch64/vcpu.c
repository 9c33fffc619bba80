// SPDX-License-Identifier: Apache-2.0
#include "arch/aarch64/vcpu.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>

#include "arch/aarch64/layout.h"
#include "arch/aarch64/sysreg.h"

/* MPIDR_EL1: op0 3, op1 0, CRn 0, CRm 0, op2 5. */
#define REG_MPIDR_EL1 NB_SYSREG(3, 0, 0, 0, 5)

#define PSTATE_DAIF (PSR_D_BIT | PSR_A_BIT | PSR_I_BIT | PSR_F_BIT)

void nb_vcpu_features_words(const struct nb_vcpu_features *f, uint32_t words[NB_VCPU_FEATURE_WORDS])
{
	words[0] |= 1U << KVM_ARM_VCPU_PSCI_0_2;
	if (f->powered_off)
		words[0] |= 1U << KVM_ARM_VCPU_POWER_OFF;
	if (f->el2)
		words[0] |= 1U << KVM_ARM_VCPU_HAS_EL2;
	if (f->el2 && f->el2_e2h0)
		words[0] |= 1U << KVM_ARM_VCPU_HAS_EL2_E2H0;
	for (int i = 0; i < NB_VCPU_FEATURE_WORDS; i++)
		words[i] = (words[i] & ~f->mask[i]) | (f->value[i] & f->mask[i]);
}

int nb_vcpu_arch_init(int vm_fd, int vcpu_fd, const struct nb_vcpu_features *f)
{
	struct kvm_vcpu_init init = {0};

	_Static_assert(sizeof(init.features) == NB_VCPU_FEATURE_WORDS * sizeof(uint32_t),
		       "kvm_vcpu_init.features");
	if (ioctl(vm_fd, KVM_ARM_PREFERRED_TARGET, &init) < 0)
		return -errno;
	nb_vcpu_features_words(f, init.features);
	if (ioctl(vcpu_fd, KVM_ARM_VCPU_INIT, &init) < 0)
		return -errno;
	return 0;
}

int nb_vcpu_reg_list(int vcpu_fd, uint64_t **ids, size_t *n)
{
	struct kvm_reg_list probe = {.n = 0};
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
	/* Hand out the ids alone: move them to the front of the block. */
	*n = l->n;
	memmove(l, l->reg, *n * sizeof(l->reg[0]));
	*ids = (uint64_t *)l;
	return 0;
}

static int reg_bytes(uint64_t id)
{
	return 1 << ((id & KVM_REG_SIZE_MASK) >> KVM_REG_SIZE_SHIFT);
}

int nb_vcpu_get_reg_wide(int vcpu_fd, uint64_t id, uint64_t val[2])
{
	struct kvm_one_reg reg = {.id = id, .addr = (uintptr_t)val};

	if (reg_bytes(id) > 16)
		return -EINVAL;
	val[0] = val[1] = 0;
	return ioctl(vcpu_fd, KVM_GET_ONE_REG, &reg) < 0 ? -errno : 0;
}

int nb_vcpu_set_reg_wide(int vcpu_fd, uint64_t id, const uint64_t val[2])
{
	struct kvm_one_reg reg = {.id = id, .addr = (uintptr_t)val};

	if (reg_bytes(id) > 16)
		return -EINVAL;
	return ioctl(vcpu_fd, KVM_SET_ONE_REG, &reg) < 0 ? -errno : 0;
}

int nb_vm_id_reg_masks(int vm_fd, uint64_t masks[NB_ID_REG_MASKS])
{
	struct reg_mask_range range = {
	    .addr = (uintptr_t)masks,
	    .range = KVM_ARM_FEATURE_ID_RANGE,
	};

	if (ioctl(vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_ARM_SUPPORTED_REG_MASK_RANGES) <= 0)
		return -ENOTSUP;
	return ioctl(vm_fd, KVM_ARM_GET_REG_WRITABLE_MASKS, &range) < 0 ? -errno : 0;
}

int nb_id_reg_mask_index(uint64_t id)
{
	unsigned int op0 = (id >> 14) & 3, op1 = (id >> 11) & 7, crn = (id >> 7) & 15;
	unsigned int crm = (id >> 3) & 15, op2 = id & 7;

	if (!nb_sysreg_is_sysreg(id) || op0 != 3 || crn != 0 || crm > 7 ||
	    (op1 != 0 && op1 != 1 && op1 != 3))
		return -1;
	/* KVM_ARM_FEATURE_ID_RANGE_IDX: op1 3 takes the slot after 1. */
	return (int)((op1 == 3 ? 2 : op1) << 6 | crm << 3 | op2);
}

int nb_vcpu_get_reg(int vcpu_fd, uint64_t id, uint64_t *val)
{
	struct kvm_one_reg reg = {.id = id, .addr = (uintptr_t)val};

	return ioctl(vcpu_fd, KVM_GET_ONE_REG, &reg) < 0 ? -errno : 0;
}

int nb_vcpu_set_reg(int vcpu_fd, uint64_t id, uint64_t val)
{
	struct kvm_one_reg reg = {.id = id, .addr = (uintptr_t)&val};

	return ioctl(vcpu_fd, KVM_SET_ONE_REG, &reg) < 0 ? -errno : 0;
}

int nb_vcpu_set_boot_regs(int vcpu_fd, uint64_t entry, uint64_t fdt, bool el2)
{
	uint64_t pstate = PSTATE_DAIF | (el2 ? PSR_MODE_EL2h : PSR_MODE_EL1h);
	int r;

	r = nb_vcpu_set_reg(vcpu_fd, NB_CORE_REG_PSTATE, pstate);
	if (!r)
		r = nb_vcpu_set_reg(vcpu_fd, NB_CORE_REG_X(0), fdt);
	if (!r)
		r = nb_vcpu_set_reg(vcpu_fd, NB_CORE_REG_PC, entry);
	return r;
}

static int set_timer_irq(int vcpu_fd, uint64_t attr, int intid)
{
	struct kvm_device_attr a = {
	    .group = KVM_ARM_VCPU_TIMER_CTRL,
	    .attr = attr,
	    .addr = (uintptr_t)&intid,
	};

	if (ioctl(vcpu_fd, KVM_SET_DEVICE_ATTR, &a) < 0)
		return -errno;
	return 0;
}

int nb_vcpu_set_timer_irqs(int vcpu_fd, bool el2)
{
	int r = set_timer_irq(vcpu_fd, KVM_ARM_VCPU_TIMER_IRQ_VTIMER, NB_PPI_INTID(NB_PPI_VTIMER));

	if (!r)
		r = set_timer_irq(vcpu_fd, KVM_ARM_VCPU_TIMER_IRQ_PTIMER,
				  NB_PPI_INTID(NB_PPI_PTIMER));
	if (!r && el2)
		r = set_timer_irq(vcpu_fd, KVM_ARM_VCPU_TIMER_IRQ_HVTIMER,
				  NB_PPI_INTID(NB_PPI_HVTIMER));
	if (!r && el2)
		r = set_timer_irq(vcpu_fd, KVM_ARM_VCPU_TIMER_IRQ_HPTIMER,
				  NB_PPI_INTID(NB_PPI_HPTIMER));
	return r;
}

static uint64_t read_cntvct(void)
{
	uint64_t v;

	__asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(v));
	return v;
}

uint64_t nb_host_counter(void)
{
	return read_cntvct();
}

int nb_vm_set_guest_counter(int vm_fd, uint64_t guest_cnt)
{
	struct kvm_arm_counter_offset off = {.counter_offset = read_cntvct() - guest_cnt};

	return ioctl(vm_fd, KVM_ARM_SET_COUNTER_OFFSET, &off) < 0 ? -errno : 0;
}

int nb_vm_set_counter_offset(int vm_fd)
{
	return nb_vm_set_guest_counter(vm_fd, 0);
}

int nb_vcpu_create(int vm_fd, uint32_t id)
{
	int fd = ioctl(vm_fd, KVM_CREATE_VCPU, (unsigned long)id);

	return fd < 0 ? -errno : fd;
}

int nb_vcpu_get_mpidr(int vcpu_fd, uint64_t *mpidr)
{
	return nb_vcpu_get_reg(vcpu_fd, REG_MPIDR_EL1, mpidr);
}
