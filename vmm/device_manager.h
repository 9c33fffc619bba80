/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The device manager: hands out virtio-mmio slots (from NB_VIRTIO_BASE, one
 * NB_MMIO_SLOT_SIZE slot each) and SPIs (from NB_SPI_VIRTIO_FIRST), puts
 * each device behind a virtio-mmio transport on the MMIO bus, registers its
 * QueueNotify with KVM_IOEVENTFD (one eventfd per queue, served by the
 * event loop) and its interrupt with KVM_IRQFD, and describes the devices
 * for the FDT. Where KVM refuses an ioeventfd or irqfd, the device still
 * works: notifications then come as MMIO exits and interrupts as
 * KVM_IRQ_LINE pulses.
 *
 * Each device describes its own FDT node (struct nb_dev_fdt_desc); the
 * manager adds the base, size and SPI it assigned (nb_devmgr_fdt_node()).
 */
#ifndef NB_VMM_DEVICE_MANAGER_H
#define NB_VMM_DEVICE_MANAGER_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/aarch64/fdt.h"
#include "devices/fdt_desc.h"
#include "devices/mmio_bus.h"
#include "devices/virtio_mmio.h"
#include "vmm/event_manager.h"
#include "vmm/guest_mem.h"

#define NB_MAX_VIRTIO_DEVICES 32

struct nb_virtio_slot;

struct nb_devmgr {
	int vm_fd;
	struct nb_mmio_bus *bus;
	const struct nb_guest_mem *mem;
	struct nb_evmgr *em;
	struct nb_virtio_slot *slots[NB_MAX_VIRTIO_DEVICES];
	unsigned int nr;
	struct nb_fdt_mmio_dev fdt[NB_MAX_VIRTIO_DEVICES]; /* the nodes of slots[0..nr) */
};

/* The FDT node of a device described by @d at @base (@size bytes) on @spi. */
struct nb_fdt_mmio_dev nb_devmgr_fdt_node(const struct nb_dev_fdt_desc *d, uint64_t base,
					  uint64_t size, uint32_t spi);

void nb_devmgr_init(struct nb_devmgr *dm, int vm_fd, struct nb_mmio_bus *bus,
		    const struct nb_guest_mem *mem, struct nb_evmgr *em);

/*
 * Adds a virtio device named @name (for messages: "drive rootfs") in the
 * next slot. @free_dev(dev->dev) is called by nb_devmgr_destroy, or here on
 * failure. 0 or -errno with one line in @err.
 */
int nb_devmgr_add_virtio(struct nb_devmgr *dm, const char *name, const struct nb_virtio_device *dev,
			 void (*free_dev)(void *), char *err, size_t errlen);

/* The transport of device @i (in the order added), for stats and snapshots. */
struct nb_virtio_mmio *nb_devmgr_transport(struct nb_devmgr *dm, unsigned int i);

/* Whether every device got its ioeventfds and irqfd (for messages and tests). */
bool nb_devmgr_all_in_kernel(const struct nb_devmgr *dm);

/*
 * Stops and frees every device: the event loop forgets their fds, KVM
 * their ioeventfds and irqfds. The vCPUs must have stopped.
 */
void nb_devmgr_destroy(struct nb_devmgr *dm);

#endif
