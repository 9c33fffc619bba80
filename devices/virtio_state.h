/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Snapshot save and restore of a virtio-mmio transport and its queues
 * (struct nb_virtio_mmio_state, struct nb_virtq): the registers the driver
 * wrote, the negotiated features, and each queue's rings and positions.
 * Device-specific state is the device's own business.
 */
#ifndef NB_DEVICES_VIRTIO_STATE_H
#define NB_DEVICES_VIRTIO_STATE_H

#include "devices/state_buf.h"
#include "devices/virtio_mmio.h"

#define NB_VIRTIO_STATE_VERSION 1

/* Appends @t's state. Call with the vCPUs paused. */
void nb_virtio_mmio_save(struct nb_virtio_mmio *t, struct nb_sbuf *b);

/*
 * Restores what nb_virtio_mmio_save wrote into a transport set up for the
 * same device (same id and number of queues), before any vCPU runs. If the
 * driver had started the device, the queues are checked against guest
 * memory and the device is activated again (its backend registers its
 * fds), as if the driver had just set DRIVER_OK. 0, -EBADMSG (corrupt or
 * for another device: @err says which), or the device's activate error.
 */
int nb_virtio_mmio_restore(struct nb_virtio_mmio *t, struct nb_sbuf *b, char *err, size_t errlen);

#endif
