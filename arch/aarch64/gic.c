// SPDX-License-Identifier: Apache-2.0
#include "arch/aarch64/gic.h"

#include <errno.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "arch/aarch64/layout.h"

static int set_attr(int fd, uint32_t group, uint64_t attr, void *addr)
{
	struct kvm_device_attr a = {.group = group, .attr = attr, .addr = (uintptr_t)addr};

	return ioctl(fd, KVM_SET_DEVICE_ATTR, &a) < 0 ? -errno : 0;
}

int nb_gic_create(int vm_fd, uint32_t nr_vcpus, bool maint_irq)
{
	struct kvm_create_device dev = {.type = KVM_DEV_TYPE_ARM_VGIC_V3};
	uint64_t dist = NB_GIC_DIST_BASE, redist = NB_GIC_REDIST_BASE(nr_vcpus);
	uint32_t nr_irqs = 32 + NB_NR_SPIS, maint = NB_PPI_INTID(NB_PPI_MAINT);
	int r;

	if (ioctl(vm_fd, KVM_CREATE_DEVICE, &dev) < 0)
		return -errno;
	r = set_attr(dev.fd, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V3_ADDR_TYPE_DIST, &dist);
	if (!r)
		r = set_attr(dev.fd, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V3_ADDR_TYPE_REDIST,
			     &redist);
	if (!r)
		r = set_attr(dev.fd, KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0, &nr_irqs);
	/* The kernel reads the maintenance INTID through addr, not attr. */
	if (!r && maint_irq)
		r = set_attr(dev.fd, KVM_DEV_ARM_VGIC_GRP_MAINT_IRQ, 0, &maint);
	if (r) {
		close(dev.fd);
		return r;
	}
	return (int)dev.fd;
}

int nb_gic_init(int gic_fd)
{
	return set_attr(gic_fd, KVM_DEV_ARM_VGIC_GRP_CTRL, KVM_DEV_ARM_VGIC_CTRL_INIT, NULL);
}

int nb_gic_set_spi(int vm_fd, uint32_t spi, bool level)
{
	struct kvm_irq_level irq = {
	    .irq = (KVM_ARM_IRQ_TYPE_SPI << KVM_ARM_IRQ_TYPE_SHIFT) | NB_SPI_INTID(spi),
	    .level = level,
	};

	return ioctl(vm_fd, KVM_IRQ_LINE, &irq) < 0 ? -errno : 0;
}
