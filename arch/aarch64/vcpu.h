/* SPDX-License-Identifier: Apache-2.0 */
/* arm64 vCPU set-up: KVM_ARM_VCPU_INIT features, boot registers, MPIDR. */
#ifndef NB_ARCH_VCPU_H
#define NB_ARCH_VCPU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NB_VCPU_FEATURE_WORDS 7 /* struct kvm_vcpu_init.features */

struct nb_vcpu_features {
	bool el2;	  /* KVM_ARM_VCPU_HAS_EL2: boot at virtual EL2 */
	bool el2_e2h0;	  /* ... without VHE (KVM_ARM_VCPU_HAS_EL2_E2H0) */
	bool powered_off; /* secondaries: wait for PSCI CPU_ON */
	/*
	 * A CPU template's changes, applied last to each feature word:
	 * word = (word & ~mask) | (value & mask).
	 */
	uint32_t mask[NB_VCPU_FEATURE_WORDS], value[NB_VCPU_FEATURE_WORDS];
};

/*
 * The feature words KVM_ARM_VCPU_INIT gets for @f on top of @words (the
 * preferred target's): PSCI 0.2, POWER_OFF, HAS_EL2(_E2H0), then @f's
 * template changes.
 */
void nb_vcpu_features_words(const struct nb_vcpu_features *f,
			    uint32_t words[NB_VCPU_FEATURE_WORDS]);

/* KVM_CREATE_VCPU: the vCPU fd or -errno. */
int nb_vcpu_create(int vm_fd, uint32_t id);

/* KVM_ARM_PREFERRED_TARGET + KVM_ARM_VCPU_INIT as nb_vcpu_features_words(). 0 or -errno. */
int nb_vcpu_arch_init(int vm_fd, int vcpu_fd, const struct nb_vcpu_features *f);

/*
 * The ids of every register of the vCPU (KVM_GET_REG_LIST), malloc'd into
 * *@ids (the caller frees), their number in *@n. 0 or -errno.
 */
int nb_vcpu_reg_list(int vcpu_fd, uint64_t **ids, size_t *n);

/*
 * ONE_REG access of a register of any size up to 128 bits: @val[0] holds
 * bits 0..63, @val[1] bits 64..127 (zero for smaller registers). 0 or -errno.
 */
int nb_vcpu_get_reg_wide(int vcpu_fd, uint64_t id, uint64_t val[2]);
int nb_vcpu_set_reg_wide(int vcpu_fd, uint64_t id, const uint64_t val[2]);

/* How many ID-register masks KVM_ARM_GET_REG_WRITABLE_MASKS returns. */
#define NB_ID_REG_MASKS 192

/*
 * Which bits of each feature ID register userspace may change before the
 * first KVM_RUN (KVM_ARM_GET_REG_WRITABLE_MASKS), indexed by
 * nb_id_reg_mask_index(). 0, -ENOTSUP without
 * KVM_CAP_ARM_SUPPORTED_REG_MASK_RANGES, or -errno.
 */
int nb_vm_id_reg_masks(int vm_fd, uint64_t masks[NB_ID_REG_MASKS]);

/*
 * The index in those masks of the system register @id, or -1 if @id is not
 * in the feature ID range (op0 3, op1 0, 1 or 3, CRn 0, CRm 0..7).
 */
int nb_id_reg_mask_index(uint64_t id);

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

/*
 * The same, so that the guest's virtual counter reads @guest_cnt now: a
 * restored guest's time goes on from where its snapshot left it.
 */
int nb_vm_set_guest_counter(int vm_fd, uint64_t guest_cnt);

/* The host's counter now (what a VM without the VM-wide offset counts). */
uint64_t nb_host_counter(void);

/* Reads one 64-bit register by its KVM id. 0 or -errno. */
int nb_vcpu_get_reg(int vcpu_fd, uint64_t id, uint64_t *val);
int nb_vcpu_set_reg(int vcpu_fd, uint64_t id, uint64_t val);

/* MPIDR_EL1 as KVM assigned it (for the FDT cpu node's reg). */
int nb_vcpu_get_mpidr(int vcpu_fd, uint64_t *mpidr);

#endif
