/* SPDX-License-Identifier: Apache-2.0 */
/* arm64 vCPU set-up: KVM_ARM_VCPU_INIT features, boot registers, MPIDR. */
#ifndef NB_ARCH_VCPU_H
#define NB_ARCH_VCPU_H

#include <stdbool.h>
#include <stdint.h>

struct nb_vcpu_features {
	bool el2;	  /* KVM_ARM_VCPU_HAS_EL2: boot at virtual EL2 */
	bool el2_e2h0;	  /* ... without VHE (KVM_ARM_VCPU_HAS_EL2_E2H0) */
	bool powered_off; /* secondaries: wait for PSCI CPU_ON */
};

/* KVM_ARM_PREFERRED_TARGET + KVM_ARM_VCPU_INIT with PSCI 0.2. 0 or -errno. */
int nb_vcpu_arch_init(int vm_fd, int vcpu_fd, const struct nb_vcpu_features *f);

/*
 * The boot vCPU's entry state: PC = @entry, x0 = @fdt, PSTATE = EL1h (EL2h
 * if @el2) with D, A, I, F masked. 0 or -errno.
 */
int nb_vcpu_set_boot_regs(int vcpu_fd, uint64_t entry, uint64_t fdt, bool el2);

/*
 * Programs the timer PPIs with the KVM_ARM_VCPU_TIMER_IRQ_* attributes so
 * that KVM and the FDT agree (layout.h): the EL1 virtual and physical
 * timers, and for a vCPU with EL2 the EL2 virtual and physical timers too.
 * Every vCPU must get the same numbers, before the first KVM_RUN.
 */
int nb_vcpu_set_timer_irqs(int vcpu_fd, bool el2);

/*
 * Sets the VM-wide counter offset (KVM_ARM_SET_COUNTER_OFFSET) so that the
 * guest's counters start at zero now. 0, or -errno (-EINVAL without
 * KVM_CAP_COUNTER_OFFSET, -EBUSY if a vCPU ioctl runs concurrently).
 */
int nb_vm_set_counter_offset(int vm_fd);

/* Reads one 64-bit register by its KVM id. 0 or -errno. */
int nb_vcpu_get_reg(int vcpu_fd, uint64_t id, uint64_t *val);
int nb_vcpu_set_reg(int vcpu_fd, uint64_t id, uint64_t val);

/* MPIDR_EL1 as KVM assigned it (for the FDT cpu node's reg). */
int nb_vcpu_get_mpidr(int vcpu_fd, uint64_t *mpidr);

#endif
