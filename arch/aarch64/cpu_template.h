/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A custom CPU template (vmm/cpu_config.h: parsed and checked there, no
 * ioctls) applied to KVM, and machine-config.hide_nv2. The builder calls
 * these in order: the capabilities before the VM exists, the feature words
 * at KVM_ARM_VCPU_INIT, the register changes after the GIC is initialised
 * and before the FDT is built (it shows MPIDR_EL1 as the template leaves
 * it), all before the first KVM_RUN (ID registers are writable until then).
 * Errors are one line naming the template entry.
 */
#ifndef NB_ARCH_CPU_TEMPLATE_H
#define NB_ARCH_CPU_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/aarch64/vcpu.h"
#include "vmm/cpu_config.h"

/* The capabilities @t requires ("N"); its "!N" entries cannot drop what nestbox needs. */
int nb_cpu_template_check_caps(int kvm_fd, const struct nb_cpu_config *t, char *err, size_t errlen);

/*
 * @t's changes to the vCPU feature words, into @f; the features nestbox
 * manages (POWER_OFF, PSCI_0_2, HAS_EL2, HAS_EL2_E2H0) must come out as
 * nestbox sets them.
 */
int nb_cpu_template_features(const struct nb_cpu_config *t, struct nb_vcpu_features *f, char *err,
			     size_t errlen);

/*
 * @t's register modifiers on every vCPU, then hide_nv2 (the NV fields of
 * the ID registers to 0), each checked against KVM_GET_REG_LIST and, for ID
 * registers, KVM_ARM_GET_REG_WRITABLE_MASKS.
 */
int nb_cpu_template_apply_regs(int vm_fd, const int *vcpu_fds, uint32_t nr_vcpus,
			       const struct nb_cpu_config *t, bool hide_nv2, char *err,
			       size_t errlen);

#endif
