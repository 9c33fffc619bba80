/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The vGICv3's state for snapshots (Documentation/virt/kvm/devices/
 * arm-vgic-v3.rst): the distributor registers, each redistributor's
 * (keyed by its vCPU's affinity), each CPU interface's system registers
 * (the ICC_*_EL1 ones and, for a guest hypervisor on Linux >= 6.17, its
 * ICH_*_EL2 state) and the level of level-triggered lines. Saved as
 * (group, attribute, value) records in the order a restore must write them:
 * distributor, redistributors, CPU interfaces, line levels. Registers KVM
 * does not have (KVM_HAS_DEVICE_ATTR) are left out of the save.
 */
#ifndef NB_ARCH_GIC_STATE_H
#define NB_ARCH_GIC_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "devices/state_buf.h"

/*
 * Appends the state of the vGIC @gic_fd with @nr_vcpus vCPUs whose MPIDR_EL1
 * values are @mpidrs, for NB_NR_SPIS SPIs. The vCPUs must be paused. 0 or
 * -errno.
 */
int nb_gic_state_save(int gic_fd, uint32_t nr_vcpus, const uint64_t *mpidrs, struct nb_sbuf *b);

/*
 * Writes the records back into a vGIC created and initialised the same way
 * (before any vCPU runs). A record KVM refuses fails with its group and
 * attribute in @err. 0 or -errno.
 */
int nb_gic_state_restore(int gic_fd, struct nb_sbuf *b, char *err, size_t errlen);

#endif
