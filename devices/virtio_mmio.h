/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The virtio-mmio transport, version 2 register layout (virtio 1.x, 4.2.2),
 * for any device model. It knows nothing of the device type: a device
 * describes itself with a struct nb_virtio_device, and the transport does
 * feature negotiation (VIRTIO_F_VERSION_1 required: a driver that does not
 * accept it cannot set FEATURES_OK), the status state machine, reset,
 * config space with its generation counter, queue setup, interrupt status
 * and acknowledgement, and queue notifications.
 *
 * Threads: MMIO accesses come from vCPU threads; notifications from
 * ioeventfds and a device's backend events come on the VMM thread. One
 * mutex per transport serialises them all: the device's callbacks run with
 * it held, and a device's own event callbacks take it with
 * nb_virtio_mmio_lock(). Nothing under it may block on a guest or a client.
 *
 * The state (struct nb_virtio_mmio_state) is plain data: a snapshot saves
 * it with each queue's struct nb_virtq.
 */
#ifndef NB_DEVICES_VIRTIO_MMIO_H
#define NB_DEVICES_VIRTIO_MMIO_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "devices/fdt_desc.h"
#include "devices/irq.h"
#include "devices/mmio_bus.h"
#include "devices/virtq.h"
#include "vmm/guest_mem.h"

#define NB_VIRTIO_MMIO_SIZE 0x200	  /* registers and config space */
#define NB_VIRTIO_MMIO_QUEUE_NOTIFY 0x50  /* the ioeventfd address (4 bytes) */
#define NB_VIRTIO_MMIO_INTERRUPT_ACK 0x64 /* kernel_vring devices: an ioeventfd too */
#define NB_VIRTIO_MMIO_CONFIG 0x100	  /* device config space starts here */
#define NB_VIRTIO_MAX_QUEUES 8

/* Device status bits (2.1). */
#define NB_VIRTIO_STATUS_ACKNOWLEDGE 1
#define NB_VIRTIO_STATUS_DRIVER 2
#define NB_VIRTIO_STATUS_DRIVER_OK 4
#define NB_VIRTIO_STATUS_FEATURES_OK 8
#define NB_VIRTIO_STATUS_NEEDS_RESET 0x40
#define NB_VIRTIO_STATUS_FAILED 0x80

/* InterruptStatus bits. */
#define NB_VIRTIO_INT_VRING 1
#define NB_VIRTIO_INT_CONFIG 2

/* Transport and ring feature bits (6). */
#define NB_VIRTIO_F_INDIRECT_DESC 28
#define NB_VIRTIO_F_EVENT_IDX 29
#define NB_VIRTIO_F_VERSION_1 32

/* Device ids (5). */
#define NB_VIRTIO_ID_NET 1
#define NB_VIRTIO_ID_BLOCK 2
#define NB_VIRTIO_ID_CONSOLE 3
#define NB_VIRTIO_ID_RNG 4
#define NB_VIRTIO_ID_BALLOON 5
#define NB_VIRTIO_ID_VSOCK 19

struct nb_virtio_mmio;

struct nb_virtio_dev_ops {
	/*
	 * Device config space: @off + @len lies inside config_size (the
	 * transport checks; reads outside it return zeros and writes outside
	 * it are ignored). NULL config_write: the config space is read-only.
	 */
	void (*config_read)(void *dev, uint32_t off, uint8_t *data, uint32_t len);
	void (*config_write)(void *dev, uint32_t off, const uint8_t *data, uint32_t len);
	/*
	 * The driver set DRIVER_OK: the queues are set up and checked, the
	 * features negotiated (nb_virtio_mmio_features()). The device may now
	 * use its queues and register its backend's fds. 0, or -errno: the
	 * transport then sets DEVICE_NEEDS_RESET.
	 */
	int (*activate)(void *dev, struct nb_virtio_mmio *t);
	/* A queue notification for an active device (the driver kicked @queue). */
	void (*notify)(void *dev, struct nb_virtio_mmio *t, uint16_t queue);
	/*
	 * The driver reset the device (status 0) after activate: drop every
	 * reference to guest buffers and stop using the queues. In-flight
	 * backend I/O must not touch guest memory or the rings afterwards.
	 */
	void (*reset)(void *dev, struct nb_virtio_mmio *t);
};

/* What a device model tells the transport about itself. */
struct nb_virtio_device {
	uint32_t device_id;
	uint64_t features;	 /* offered; VERSION_1 is added by the transport */
	uint16_t nr_queues;	 /* 1..NB_VIRTIO_MAX_QUEUES */
	uint16_t queue_max_size; /* power of 2, <= NB_VIRTQ_MAX_SIZE */
	uint32_t config_size;	 /* bytes, <= NB_VIRTIO_MMIO_SIZE - NB_VIRTIO_MMIO_CONFIG */
	const struct nb_virtio_dev_ops *ops;
	void *dev;
	/*
	 * The device hands its queues to the host kernel (vhost), which
	 * signals used buffers itself (vring_in_kernel below): the VMM may
	 * then complete the driver's InterruptACK of VIRTIO_INT_VRING alone in
	 * KVM (an ioeventfd), as that bit stays set anyway.
	 */
	bool kernel_vring;
};

/* The transport's registers: plain data, saved and restored by snapshots. */
struct nb_virtio_mmio_state {
	uint32_t device_features_sel, driver_features_sel;
	uint64_t driver_features; /* what the driver wrote */
	uint64_t acked_features;  /* driver_features, fixed at FEATURES_OK */
	uint32_t queue_sel;
	uint32_t status;
	uint32_t interrupt_status;
	uint32_t config_generation;
	bool activated; /* activate() succeeded, reset() not yet called */
	struct nb_virtq queues[NB_VIRTIO_MAX_QUEUES];
};

/*
 * The eventfds the VMM wired into KVM for a transport (the device manager
 * sets them after nb_virtio_mmio_init(), which makes them -1), for a device
 * that hands its queues to the host kernel (vhost): kick_fd[q] is
 * signalled by the guest's QueueNotify writes of q, irq_fd interrupts the
 * guest. watch_kick(opaque, q, false) stops the VMM's own reading of
 * kick_fd[q] (true: reads it again); 0 or -errno.
 */
struct nb_virtio_kernel_fds {
	int irq_fd;
	int kick_fd[NB_VIRTIO_MAX_QUEUES];
	int (*watch_kick)(void *opaque, uint16_t queue, bool on);
	void *opaque;
};

struct nb_virtio_mmio {
	pthread_mutex_t lock;
	struct nb_virtio_device dev;
	const struct nb_guest_mem *mem;
	struct nb_irq irq; /* edge-triggered SPI */
	struct nb_virtio_mmio_state s;
	struct nb_virtio_kernel_fds kfds;
	/*
	 * Under the lock, set by the device: the host kernel signals used
	 * buffers through irq_fd without the transport knowing, so
	 * InterruptStatus always reads VIRTIO_INT_VRING (the driver then looks
	 * at its rings) and the driver's ack cannot clear it.
	 */
	bool vring_in_kernel;
};

/*
 * Sets up @t for @dev (the device is not copied: dev->dev must outlive
 * @t). 0, or -EINVAL (a bad nb_virtio_device).
 */
int nb_virtio_mmio_init(struct nb_virtio_mmio *t, const struct nb_virtio_device *dev,
			const struct nb_guest_mem *mem, struct nb_irq irq);
void nb_virtio_mmio_destroy(struct nb_virtio_mmio *t);

/* opaque is the struct nb_virtio_mmio; register NB_VIRTIO_MMIO_SIZE bytes. */
extern const struct nb_mmio_ops nb_virtio_mmio_ops;

/*
 * The device tree node of a transport, whatever the device behind it: an
 * edge-triggered interrupt, and DMA coherent (the rings are plain guest RAM).
 */
static inline struct nb_dev_fdt_desc nb_virtio_mmio_fdt_desc(void)
{
	return (struct nb_dev_fdt_desc){
	    .name = "virtio_mmio",
	    NB_DEV_FDT_STRLIST("virtio,mmio"),
	    .edge = true,
	    .dma_coherent = true,
	};
}

/*
 * A notification for @queue from outside the MMIO path (the ioeventfd on
 * QueueNotify): takes the lock and calls the device's notify if it is
 * active and the queue is ready. A write to QueueNotify that reaches the
 * MMIO handler does the same.
 */
void nb_virtio_mmio_notify(struct nb_virtio_mmio *t, uint16_t queue);

/* For a device's own event callbacks (its backend's completions). */
void nb_virtio_mmio_lock(struct nb_virtio_mmio *t);
void nb_virtio_mmio_unlock(struct nb_virtio_mmio *t);

/* Lock held. The features both sides agreed on (acked at FEATURES_OK). */
uint64_t nb_virtio_mmio_features(const struct nb_virtio_mmio *t);
/* Lock held. Queue @idx (< dev.nr_queues), or NULL. */
struct nb_virtq *nb_virtio_mmio_queue(struct nb_virtio_mmio *t, uint16_t idx);

/*
 * Lock held. The device pushed used entries on @queue: interrupts the driver
 * if it wants one (nb_virtq_needs_interrupt). Returns whether it did.
 */
bool nb_virtio_mmio_signal_used(struct nb_virtio_mmio *t, uint16_t queue);
/* Lock held. The config space changed: bump the generation and interrupt. */
void nb_virtio_mmio_signal_config(struct nb_virtio_mmio *t);
/* Lock held. Something went wrong that only a reset mends (DEVICE_NEEDS_RESET). */
void nb_virtio_mmio_needs_reset(struct nb_virtio_mmio *t);

#endif
