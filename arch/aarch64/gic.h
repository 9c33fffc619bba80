/* SPDX-License-Identifier: Apache-2.0 */
/* The in-kernel GICv3 (vgic-v3): creation, addresses, init, SPI lines. */
#ifndef NB_ARCH_GIC_H
#define NB_ARCH_GIC_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Creates the vgic-v3 device with its distributor and one redistributor
 * region for @nr_vcpus (layout.h) and NB_NR_SPIS SPIs; with @maint_irq
 * (guest hypervisors) it sets the maintenance interrupt to NB_PPI_MAINT.
 * Returns the device fd or -errno. Call after creating the vCPUs.
 */
int nb_gic_create(int vm_fd, uint32_t nr_vcpus, bool maint_irq);

/* KVM_DEV_ARM_VGIC_CTRL_INIT: after every vCPU is initialised. */
int nb_gic_init(int gic_fd);

/* Sets the level of SPI @spi with KVM_IRQ_LINE. 0 or -errno. */
int nb_gic_set_spi(int vm_fd, uint32_t spi, bool level);

#endif
