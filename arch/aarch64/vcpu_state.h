/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A vCPU's state for snapshots: every register KVM_GET_REG_LIST lists
 * (core, FP/SIMD, system registers, the firmware pseudo-registers such as
 * the PSCI version, the timer registers, and for a guest hypervisor the EL2
 * registers: HCR_EL2, VNCR_EL2, VTTBR_EL2, SCTLR_EL2, the EL2 timers, ...)
 * and the MP state (KVM_GET/SET_MP_STATE), written to and read from a
 * state buffer (devices/state_buf.h).
 *
 * Restore happens on a vCPU initialised with the same features, after the
 * VM-wide counter offset is set (the counter registers are then ignored by
 * KVM, so the guest's time is what the offset makes it) and before its
 * first KVM_RUN (ID registers are writable until then).
 */
#ifndef NB_ARCH_VCPU_STATE_H
#define NB_ARCH_VCPU_STATE_H

#include <stdint.h>

#include "devices/state_buf.h"

/* Appends the vCPU's registers and MP state to @b. 0 or -errno. */
int nb_vcpu_state_save(int vcpu_fd, struct nb_sbuf *b);

/*
 * Reads what nb_vcpu_state_save wrote and sets it. A register this vCPU
 * does not have, or one KVM refuses, fails with its name in @err. 0 or
 * -errno.
 */
int nb_vcpu_state_restore(int vcpu_fd, struct nb_sbuf *b, char *err, size_t errlen);

/*
 * The VM's counter: the host counter less the VM-wide offset, which is the
 * counter every vCPU sees when the VM-wide offset is in use (the guest's
 * CNTVCT_EL0 for a microVM, and for a guest hypervisor the counter its own
 * EL2 sees). Read through the physical timer (KVM_REG_ARM_PTIMER_CNT): the
 * virtual one of a guest hypervisor's vCPU also subtracts the CNTVOFF_EL2
 * it set for its own guest, so restoring from it would turn the guest
 * hypervisor's clock back by that much.
 */
int nb_vcpu_guest_counter(int vcpu_fd, uint64_t *cnt);

#endif
