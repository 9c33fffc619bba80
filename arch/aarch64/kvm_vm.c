// SPDX-License-Identifier: Apache-2.0
#include "arch/aarch64/kvm_vm.h"

#include <errno.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>

int nb_kvm_create_vm(int kvm_fd, unsigned int ipa_bits)
{
	/* Type 0 is 40 bits, and the only type a host without KVM_CAP_ARM_VM_IPA_SIZE takes. */
	unsigned long type = ipa_bits == 40 ? 0 : KVM_VM_TYPE_ARM_IPA_SIZE(ipa_bits);
	int fd = ioctl(kvm_fd, KVM_CREATE_VM, type);

	return fd < 0 ? -errno : fd;
}

int nb_kvm_run_size(int kvm_fd)
{
	int sz = ioctl(kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);

	return sz < 0 ? -errno : sz;
}

int nb_kvm_set_memory(int vm_fd, uint32_t slot, uint64_t gpa, uint64_t size, void *host,
		      bool log_dirty)
{
	struct kvm_userspace_memory_region r = {
	    .slot = slot,
	    .flags = log_dirty ? KVM_MEM_LOG_DIRTY_PAGES : 0,
	    .guest_phys_addr = gpa,
	    .memory_size = size,
	    .userspace_addr = (uintptr_t)host,
	};

	return ioctl(vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0 ? -errno : 0;
}

int nb_kvm_get_dirty_log(int vm_fd, uint32_t slot, uint64_t *bitmap)
{
	struct kvm_dirty_log d = {.slot = slot, .dirty_bitmap = bitmap};

	return ioctl(vm_fd, KVM_GET_DIRTY_LOG, &d) < 0 ? -errno : 0;
}

int nb_kvm_ioeventfd(int vm_fd, uint64_t addr, uint32_t len, uint64_t datamatch, int fd,
		     bool assign)
{
	struct kvm_ioeventfd io = {
	    .datamatch = datamatch,
	    .addr = addr,
	    .len = len,
	    .fd = fd,
	    .flags = KVM_IOEVENTFD_FLAG_DATAMATCH | (assign ? 0 : KVM_IOEVENTFD_FLAG_DEASSIGN),
	};

	return ioctl(vm_fd, KVM_IOEVENTFD, &io) < 0 ? -errno : 0;
}

int nb_kvm_irqfd(int vm_fd, uint32_t spi, int fd, bool assign)
{
	/* With the vGIC's default routing, GSI n is SPI n (INTID 32 + n). */
	struct kvm_irqfd irq = {
	    .fd = (uint32_t)fd,
	    .gsi = spi,
	    .flags = assign ? 0 : KVM_IRQFD_FLAG_DEASSIGN,
	};

	return ioctl(vm_fd, KVM_IRQFD, &irq) < 0 ? -errno : 0;
}

int nb_kvm_enable_nisv_to_user(int kvm_fd, int vm_fd)
{
	struct kvm_enable_cap cap = {.cap = KVM_CAP_ARM_NISV_TO_USER};

	if (ioctl(kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_ARM_NISV_TO_USER) <= 0)
		return -ENOTSUP;
	return ioctl(vm_fd, KVM_ENABLE_CAP, &cap) < 0 ? -errno : 0;
}
