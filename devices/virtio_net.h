/* SPDX-License-Identifier: Apache-2.0 */
/*
 * virtio-net (virtio 1.x, 5.1) on a tap, Firecracker's "network-interfaces":
 * one RX queue (0) and one TX queue (1), the guest MAC in config space with
 * VIRTIO_NET_F_MAC (no MAC given: no feature), VIRTIO_NET_F_MRG_RXBUF, and
 * the checksum and TSO/UFO offloads both ways. At activation the tap gets a
 * 12-byte vnet header (TUNSETVNETHDRSZ) and the RX offloads the driver
 * accepted (TUNSETOFFLOAD): the headers pass through unchanged apart from
 * checks (net_hdr.h).
 *
 * RX: frames are read from the tap when its fd is readable, into one fixed
 * frame buffer (no allocation per packet), and copied into the driver's
 * buffers; with MRG_RXBUF a frame may take several chains, pushed together.
 * The tap is watched (EPOLLIN) only while the RX queue has buffers: when it
 * runs dry the frame in hand waits and the device waits for the driver's
 * RX notification. A frame that the driver's buffers could never hold (a
 * chain too small without MRG_RXBUF, the whole ring too small with it) is
 * dropped and counted. TX: on the TX notification each chain is written to
 * the tap with one writev(), zero-copy.
 *
 * Rate limiters on RX and TX (bytes and frames): a blocked direction waits
 * for its limiter's timerfd.
 *
 * The device owns the tap fd it is given (closed by nb_virtio_net_free).
 * Give nb_virtio_net_device() to nb_virtio_mmio_init(); the device's
 * callbacks run under the transport's lock, its event callbacks take it.
 */
#ifndef NB_DEVICES_VIRTIO_NET_H
#define NB_DEVICES_VIRTIO_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "devices/event_ops.h"
#include "devices/mmds_stack.h"
#include "devices/net_hdr.h"
#include "devices/rate_limiter.h"
#include "devices/vhost_net.h"
#include "devices/virtio_mmio.h"

#define NB_VIRTIO_NET_QUEUE_SIZE 256
#define NB_VIRTIO_NET_RXQ 0
#define NB_VIRTIO_NET_TXQ 1
#define NB_VIRTIO_NET_CONFIG_SIZE 8 /* mac[6], status */

struct nb_virtio_net;

struct nb_net_params {
	const char *iface_id; /* for messages */
	int tap_fd;	      /* non-blocking, IFF_TAP | IFF_NO_PI | IFF_VNET_HDR; taken */
	const uint8_t *mac;   /* 6 bytes, or NULL: no VIRTIO_NET_F_MAC */
	const struct nb_token_bucket_params *rx_bw, *rx_ops; /* NULL: unlimited */
	const struct nb_token_bucket_params *tx_bw, *tx_ops;
	/*
	 * Sets the vnet header size (12) and the TUN_F_* offloads on the tap
	 * at activation; 0 or -errno. NULL: the tap ioctls (tests pass their
	 * own, for a socketpair standing in for the tap).
	 */
	int (*configure_tap)(int fd, unsigned int offloads);
	/*
	 * The MMDS on this interface (mmds_stack.h): frames to @mmds_ipv4
	 * (host byte order) go to an endpoint answering with @mmds_fn
	 * (@mmds_ctx), never to the tap. NULL @mmds_fn: no MMDS.
	 */
	uint32_t mmds_ipv4;
	nb_mmds_request_fn *mmds_fn;
	void *mmds_ctx;
	/*
	 * The kernel's data path (vhost_net.h), taken (freed with the device,
	 * or on failure): the device offers only the ring features it has,
	 * and at DRIVER_OK hands it the queues (the transport's kfds), the tap
	 * and guest memory instead of watching the tap itself. No rate
	 * limiters and no MMDS with it (the configuration refuses them).
	 */
	struct nb_vhost_net *vhost;
};

struct nb_virtio_net_stats {
	uint64_t rx_bytes, rx_packets; /* delivered to the guest */
	uint64_t rx_dropped;	       /* frames no buffer could hold, or refused headers */
	uint64_t rx_errors;	       /* tap read errors, bad RX chains */
	uint64_t rx_throttled;	       /* times the RX limiter stopped delivery */
	uint64_t tx_bytes, tx_packets; /* written to the tap (header included) */
	uint64_t tx_dropped;	       /* chains refused by the parser */
	uint64_t tx_errors;	       /* tap write errors */
	uint64_t tx_throttled;
	uint64_t rx_waits; /* times RX waited for the driver's buffers */
};

/* What a snapshot records of the device itself (plain data). */
struct nb_virtio_net_state {
	uint64_t features; /* offered */
	bool has_mac;
	uint8_t mac[6];
	unsigned int tap_offloads; /* TUN_F_* set at the last activation */
};

/* The tap ioctls: TUNSETVNETHDRSZ 12, then TUNSETOFFLOAD @offloads. */
int nb_net_tap_configure(int fd, unsigned int offloads);

/*
 * A device on @p->tap_fd; @ev is copied (its loop must outlive the device).
 * 0, or -errno with one line naming the interface in @err; the tap fd is
 * closed on failure too.
 */
int nb_virtio_net_new(struct nb_virtio_net **out, const struct nb_net_params *p,
		      const struct nb_event_ops *ev, char *err, size_t errlen);
/* After the transport is destroyed (or never set up). NULL is fine. */
void nb_virtio_net_free(struct nb_virtio_net *net);

struct nb_virtio_device nb_virtio_net_device(struct nb_virtio_net *net);
void nb_virtio_net_get_stats(const struct nb_virtio_net *net, struct nb_virtio_net_stats *out);
const struct nb_virtio_net_state *nb_virtio_net_state(const struct nb_virtio_net *net);
/* The MMDS endpoint's counters; false (nothing written) without MMDS. */
bool nb_virtio_net_mmds_stats(struct nb_virtio_net *net, struct nb_mmds_stack_stats *out);

/* The device behind a transport (from nb_devmgr_transport()), or NULL. */
struct nb_virtio_net *nb_virtio_net_from_transport(struct nb_virtio_mmio *t);

/* New limits for a running device: NULL leaves a bucket as it is. */
struct nb_net_rl_update {
	const struct nb_token_bucket_params *rx_bw, *rx_ops;
	const struct nb_token_bucket_params *tx_bw, *tx_ops;
};

/*
 * PATCH /network-interfaces/{id}: the device behind @t gets new RX and TX
 * limits (nb_rate_limiter_update(): a given bucket starts afresh, size 0
 * is unlimited). From the VMM thread, under @t's lock; a direction that
 * waited for its limiter is retried at once. 0, -ENODEV (@t is not a net
 * device), -EOPNOTSUPP (a vhost device) or a timerfd error (the RX limits
 * may then be updated already).
 */
int nb_virtio_net_update_rate_limiters(struct nb_virtio_mmio *t, const struct nb_net_rl_update *u);

#endif
