/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Thin wrappers over the VM-wide KVM ioctls the builder and the device
 * manager use, so that the rest of the VMM does not include <linux/kvm.h>.
 * Each returns 0 (or an fd) or -errno.
 */
#ifndef NB_ARCH_KVM_VM_H
#define NB_ARCH_KVM_VM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * KVM_CREATE_VM with an IPA size of @ipa_bits (32..52, from nb_ipa_choose()
 * in ipa.h, which checks it against the host). The VM fd, or -errno.
 */
int nb_kvm_create_vm(int kvm_fd, unsigned int ipa_bits);

/* KVM_GET_VCPU_MMAP_SIZE: the size of a vCPU's kvm_run mapping, or -errno. */
int nb_kvm_run_size(int kvm_fd);

/* KVM_SET_USER_MEMORY_REGION, with KVM_MEM_LOG_DIRTY_PAGES if @log_dirty. */
int nb_kvm_set_memory(int vm_fd, uint32_t slot, uint64_t gpa, uint64_t size, void *host,
		      bool log_dirty);

/*
 * KVM_GET_DIRTY_LOG: the pages of @slot the guest wrote since the last call
 * (a bit per 4 KiB page into @bitmap, 64-bit words), and the log restarts.
 */
int nb_kvm_get_dirty_log(int vm_fd, uint32_t slot, uint64_t *bitmap);

/*
 * KVM_IOEVENTFD: a guest write of @len bytes of value @datamatch at @addr
 * signals @fd without an exit to userspace (@assign false removes it).
 */
int nb_kvm_ioeventfd(int vm_fd, uint64_t addr, uint32_t len, uint64_t datamatch, int fd,
		     bool assign);

/* KVM_IRQFD: a write to @fd raises SPI @spi (an edge) without an ioctl. */
int nb_kvm_irqfd(int vm_fd, uint32_t spi, int fd, bool assign);

/*
 * KVM_CAP_ARM_NISV_TO_USER: a guest access without a valid syndrome (an
 * instruction KVM cannot decode) exits to userspace as
 * KVM_EXIT_ARM_NISV instead of failing KVM_RUN with ENOSYS.
 */
int nb_kvm_enable_nisv_to_user(int kvm_fd, int vm_fd);

#endif
