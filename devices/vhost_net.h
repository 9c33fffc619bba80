/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The kernel's data path for virtio-net: vhost-net (/dev/vhost-net) moves
 * the frames between the guest's rings and the tap itself, so that a
 * notification or an interrupt never passes through nestbox. nestbox's
 * own "vhost": true on an interface (vmm/config_net.h).
 *
 * At start (before the guest runs) nb_vhost_net_open() opens the device,
 * makes this process its owner (VHOST_SET_OWNER) and reads what it supports
 * (VHOST_GET_FEATURES): a missing module or device is one line then. The
 * virtio-net device offers the guest only the ring features vhost-net has
 * (nb_vhost_net_offer()). At DRIVER_OK nb_vhost_net_start() hands it the
 * queues: the ring features the guest acked (nb_vhost_net_ack()), guest
 * memory (VHOST_SET_MEM_TABLE, nb_vhost_mem_table()), per queue its size,
 * position, ring addresses (nb_vhost_vring_addr()), the queue's ioeventfd
 * as the kick and the device's irqfd as the call, then the tap as the
 * backend (VHOST_NET_SET_BACKEND). The tap keeps the 12-byte vnet header
 * and offloads the device set on it (vhost-net passes the header through).
 * On a reset nb_vhost_net_stop() takes the backend away, reads each
 * queue's position back (VHOST_GET_VRING_BASE) and unbinds the eventfds.
 *
 * The ioctls go through a function (ioctl(2) unless a test gives its own),
 * so the sequence and its failures are tested without /dev/vhost-net.
 */
#ifndef NB_DEVICES_VHOST_NET_H
#define NB_DEVICES_VHOST_NET_H

#include <linux/vhost.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "devices/virtq.h"
#include "vmm/guest_mem.h"

#define NB_VHOST_NET_PATH "/dev/vhost-net"
#define NB_VHOST_NET_QUEUES 2 /* RX (0) and TX (1), as devices/virtio_net.h */

/* ioctl(2)'s shape: 0 or more on success, -1 with errno on failure. */
typedef int (*nb_vhost_ioctl_fn)(int fd, unsigned long req, void *arg);

struct nb_vhost_net {
	int fd;			 /* /dev/vhost-net, owned */
	uint64_t features;	 /* what vhost-net supports (VHOST_GET_FEATURES) */
	uint64_t acked;		 /* what VHOST_SET_FEATURES got at the last start */
	nb_vhost_ioctl_fn ioctl; /* ioctl(2), or a test's */
	bool running;		 /* between a successful start and stop */
	const char *failed;	 /* the ioctl that failed last, for messages */
};

/* What nb_vhost_net_start() needs of the device; fds are not taken. */
struct nb_vhost_queues {
	struct nb_virtq *q[NB_VHOST_NET_QUEUES]; /* ready, checked (nb_virtq_check) */
	int kick[NB_VHOST_NET_QUEUES];		 /* the queues' ioeventfds */
	int call;				 /* the device's irqfd (both queues) */
	int tap;				 /* IFF_TAP | IFF_NO_PI | IFF_VNET_HDR */
};

/*
 * Opens @path (NB_VHOST_NET_PATH, or a test's), VHOST_SET_OWNER,
 * VHOST_GET_FEATURES; VIRTIO_F_VERSION_1 is required. @fn NULL: ioctl(2).
 * 0, or -errno with one line in @err that starts with @what
 * ("network-interfaces[0].vhost") and says what to do (e.g. load the
 * vhost_net module).
 */
int nb_vhost_net_open(struct nb_vhost_net **out, const char *path, const char *what,
		      nb_vhost_ioctl_fn fn, char *err, size_t errlen);
/* Closes the device (the kernel stops whatever still runs). NULL is fine. */
void nb_vhost_net_free(struct nb_vhost_net *v);

/*
 * A virtio-net device's @offered features less the ring features that
 * @vhost (VHOST_GET_FEATURES) lacks: the guest must not ack what the
 * kernel cannot do.
 */
uint64_t nb_vhost_net_offer(uint64_t offered, uint64_t vhost);
/*
 * What VHOST_SET_FEATURES gets: the ring features (VERSION_1, EVENT_IDX,
 * INDIRECT_DESC, MRG_RXBUF) of @acked that @vhost has. The offloads are
 * the tap's business, not vhost's.
 */
uint64_t nb_vhost_net_ack(uint64_t acked, uint64_t vhost);

/*
 * A struct vhost_memory with room for every region of a struct
 * nb_guest_mem (the same layout: its header, then the regions).
 */
struct nb_vhost_mem {
	uint32_t nregions;
	uint32_t padding;
	struct vhost_memory_region regions[NB_MEM_MAX_REGIONS];
};

/*
 * Guest memory as VHOST_SET_MEM_TABLE takes it: each region's guest-physical
 * address, size and host address. 0, or -EINVAL (no regions).
 */
int nb_vhost_mem_table(const struct nb_guest_mem *m, struct nb_vhost_mem *out);

/*
 * Queue @q's rings as host addresses for VHOST_SET_VRING_ADDR (index @idx):
 * each whole ring (with event_idx, its event field too) inside one region
 * of @m. 0, or -EINVAL (size 0 or a ring outside guest memory).
 */
int nb_vhost_vring_addr(const struct nb_virtq *q, unsigned int idx, const struct nb_guest_mem *m,
			struct vhost_vring_addr *out);

/*
 * Hands @qs to the kernel with the ring features of @acked (the guest's),
 * in the order vhost-net needs: features, memory table, per queue num,
 * base (q->next_avail), addr, kick, call, then the backends. 0, or -errno
 * with v->failed naming the ioctl; on failure what was set is undone.
 */
int nb_vhost_net_start(struct nb_vhost_net *v, const struct nb_guest_mem *m, uint64_t acked,
		       const struct nb_vhost_queues *qs);

/*
 * Stops a running @v: no backend, each queue's position read back into
 * q->next_avail (VHOST_GET_VRING_BASE), kick and call unbound. Failures are
 * left to the kernel's own cleanup (the fd's release). Nothing if not
 * running.
 */
void nb_vhost_net_stop(struct nb_vhost_net *v, const struct nb_vhost_queues *qs);

#endif
