/* SPDX-License-Identifier: Apache-2.0 */
/*
 * virtio-vsock (virtio 1.x, 5.10; Firecracker's "vsock" device): three
 * queues (0 RX, 1 TX, 2 event), config space holding the guest's CID (le64).
 * The host side is Firecracker's hybrid model over Unix sockets
 * (devices/vsock_mux.h): the device listens at uds_path from its creation
 * and accepts clients once the driver is up.
 *
 * TX: every chain is one packet, checked by nb_vsock_pkt_parse() (a bad one
 * is counted by reason and dropped) and handed to the connections; TX
 * chains are always taken (the credit bounds what a connection buffers).
 * RX: each chain gets the next packet the connections have for the guest
 * (RSTs first, then round robin between connections).
 *
 * The state is plain data: the transport's registers and queues, and
 * guest_cid. Connections are host resources: a reset of the device or a
 * snapshot restore drops them, and nb_virtio_vsock_transport_reset() tells
 * the guest with the event queue's TRANSPORT_RESET event.
 *
 * Give nb_virtio_vsock_device() to nb_virtio_mmio_init(); the device's
 * callbacks run under the transport's lock, its fd callbacks take it.
 */
#ifndef NB_DEVICES_VIRTIO_VSOCK_H
#define NB_DEVICES_VIRTIO_VSOCK_H

#include <stddef.h>
#include <stdint.h>

#include "devices/event_ops.h"
#include "devices/virtio_mmio.h"
#include "devices/vsock_mux.h"
#include "devices/vsock_packet.h"

#define NB_VIRTIO_VSOCK_QUEUE_SIZE 256
#define NB_VIRTIO_VSOCK_RXQ 0
#define NB_VIRTIO_VSOCK_TXQ 1
#define NB_VIRTIO_VSOCK_EVQ 2
#define NB_VSOCK_MIN_CID 3 /* 0..2 are reserved */

struct nb_virtio_vsock;

struct nb_virtio_vsock_stats {
	uint64_t tx_packets;			    /* packets taken from the guest */
	uint64_t rx_packets;			    /* packets given to the guest */
	uint64_t bad_packets[NB_VSOCK_PKT_NR_ERRS]; /* refused, by nb_vsock_pkt_err */
	uint64_t bad_chains;			    /* chains of the wrong shape */
	uint64_t reset_events;			    /* TRANSPORT_RESET events delivered */
	struct nb_vsock_mux_stats mux;
};

/*
 * A vsock device for the guest @guest_cid (>= NB_VSOCK_MIN_CID), listening
 * at @uds_path (see nb_vsock_mux_new() for a socket file already there).
 * @ev is copied. 0 or -errno with one line in @err.
 */
int nb_virtio_vsock_new(struct nb_virtio_vsock **out, uint64_t guest_cid, const char *uds_path,
			const struct nb_event_ops *ev, char *err, size_t errlen);
/* After the transport is destroyed (or never set up). NULL is fine. */
void nb_virtio_vsock_free(struct nb_virtio_vsock *vs);

/* What to give nb_virtio_mmio_init(); the device must outlive the transport. */
struct nb_virtio_device nb_virtio_vsock_device(struct nb_virtio_vsock *vs);

/*
 * Drops every connection and sends the guest VIRTIO_VSOCK_EVENT_TRANSPORT_RESET
 * (after a snapshot restore): now if the event queue has a buffer, else at
 * its next notification. Takes the transport's lock; the device must have
 * been activated once. 0, or -EAGAIN (the event waits for a buffer).
 */
int nb_virtio_vsock_transport_reset(struct nb_virtio_vsock *vs);

/* Open connections (lingering ones too), for tests and metrics. */
unsigned int nb_virtio_vsock_nr_conns(const struct nb_virtio_vsock *vs);

void nb_virtio_vsock_get_stats(const struct nb_virtio_vsock *vs, struct nb_virtio_vsock_stats *out);

#endif
