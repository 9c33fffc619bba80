/* SPDX-License-Identifier: Apache-2.0 */
/*
 * virtio-net frames as pure functions (virtio 1.x, 5.1.6), for the device
 * (virtio_net.c), its unit tests and the fuzzer:
 *
 *   - the offload features: which TUN_F_* flags the tap gets for what the
 *     driver accepted (TUNSETOFFLOAD);
 *   - TX: a chain from the driver becomes the iovecs written to the tap,
 *     after its struct virtio_net_hdr_v1 was checked against the features;
 *   - RX: a frame read from the tap (header first) is checked against the
 *     features and copied into one chain, or into several with
 *     VIRTIO_NET_F_MRG_RXBUF, whose count goes into num_buffers.
 *
 * Everything in a chain is the guest's and untrusted; the chains' buffers
 * were checked against guest memory by the virtqueue (virtq.h).
 */
#ifndef NB_DEVICES_NET_HDR_H
#define NB_DEVICES_NET_HDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "devices/virtq.h"

/* Feature bits (5.1.3). */
#define NB_VIRTIO_NET_F_CSUM 0
#define NB_VIRTIO_NET_F_GUEST_CSUM 1
#define NB_VIRTIO_NET_F_MAC 5
#define NB_VIRTIO_NET_F_GUEST_TSO4 7
#define NB_VIRTIO_NET_F_GUEST_TSO6 8
#define NB_VIRTIO_NET_F_GUEST_UFO 10
#define NB_VIRTIO_NET_F_HOST_TSO4 11
#define NB_VIRTIO_NET_F_HOST_TSO6 12
#define NB_VIRTIO_NET_F_HOST_UFO 14
#define NB_VIRTIO_NET_F_MRG_RXBUF 15

/* struct virtio_net_hdr_v1 (5.1.6): flags, gso_type, hdr_len, gso_size, csum_start,
 * csum_offset, num_buffers; little-endian. */
#define NB_NET_HDR_LEN 12
#define NB_NET_HDR_F_NEEDS_CSUM 1
#define NB_NET_HDR_F_DATA_VALID 2
#define NB_NET_HDR_F_RSC_INFO 4
#define NB_NET_GSO_NONE 0
#define NB_NET_GSO_TCPV4 1
#define NB_NET_GSO_UDP 3
#define NB_NET_GSO_TCPV6 4
#define NB_NET_GSO_ECN 0x80

/* The largest frame: the header and a 64 KiB GSO packet with its Ethernet header. */
#define NB_NET_FRAME_MAX (NB_NET_HDR_LEN + 65550)

/* TUN_F_* (linux/if_tun.h), restated so this header stays portable. */
#define NB_TUN_F_CSUM 0x01
#define NB_TUN_F_TSO4 0x02
#define NB_TUN_F_TSO6 0x04
#define NB_TUN_F_UFO 0x10

struct nb_net_hdr {
	uint8_t flags;
	uint8_t gso_type;
	uint16_t hdr_len;
	uint16_t gso_size;
	uint16_t csum_start;
	uint16_t csum_offset;
	uint16_t num_buffers;
};

/* Why a frame was refused. */
enum nb_net_err {
	NB_NET_OK,
	NB_NET_E_SHORT,	   /* shorter than the header */
	NB_NET_E_LONG,	   /* longer than NB_NET_FRAME_MAX */
	NB_NET_E_WRITABLE, /* a TX chain with device-writable buffers */
	NB_NET_E_READABLE, /* an RX chain with device-readable buffers */
	NB_NET_E_FLAGS,	   /* a flag the direction or the features do not allow */
	NB_NET_E_GSO,	   /* a GSO type not negotiated, or a bad gso_size */
	NB_NET_E_CSUM,	   /* csum_start/csum_offset outside the packet */
	NB_NET_E_NO_ROOM,  /* RX: the chain is too small for the frame */
};

/* "bad GSO type" and the like, for logs and tests. */
const char *nb_net_err_str(enum nb_net_err e);

/* The header's fields from 12 bytes, and back. */
void nb_net_hdr_get(struct nb_net_hdr *h, const uint8_t *p);
void nb_net_hdr_put(const struct nb_net_hdr *h, uint8_t *p);

/* The TUN_F_* flags for the tap from the negotiated @features (RX offloads). */
unsigned int nb_net_tap_offloads(uint64_t features);

/*
 * Checks a header the driver sent (@tx) or the tap gave for the guest (!@tx)
 * against the negotiated @features; @pkt_len is the packet's length after
 * the header. NB_NET_OK or why not.
 */
enum nb_net_err nb_net_hdr_check(const struct nb_net_hdr *h, uint64_t features, bool tx,
				 uint32_t pkt_len);

/* A TX chain, ready for writev(): the header and the packet, zero-copy. */
struct nb_net_tx {
	struct nb_net_hdr hdr;
	uint32_t len; /* header and packet */
	unsigned int nr_iov;
	struct iovec iov[NB_VIRTQ_MAX_CHAIN];
};

/*
 * Parses the chain the driver queued on TX: only readable buffers, at least
 * the header, at most NB_NET_FRAME_MAX bytes, a header the features allow
 * (the header may be split over buffers). @tx->iov covers the whole chain
 * (header included, zero-length buffers left out) for the tap.
 */
enum nb_net_err nb_net_tx_parse(const struct nb_virtq_chain *c, uint64_t features,
				struct nb_net_tx *tx);

/*
 * RX: one frame (header first, as the tap gives it) copied into chains.
 * nb_net_rx_start(), then nb_net_rx_fill() with chains until
 * nb_net_rx_done(), then nb_net_rx_finish() writes num_buffers into the
 * first chain's header. Nothing is pushed here: the caller pushes the
 * chains with the lengths it got, all at once.
 */
struct nb_net_rx {
	const uint8_t *frame;
	uint32_t len;	  /* frame bytes */
	uint32_t done;	  /* bytes copied so far */
	uint16_t nr_bufs; /* chains filled */
	bool mrg;	  /* VIRTIO_NET_F_MRG_RXBUF */
	uint8_t *nb[2];	  /* where num_buffers lies in the first chain */
};

/*
 * Checks the frame's header against @features (as nb_net_hdr_check(..., false, ...))
 * and starts the copy. The tap marks checksums it verified with DATA_VALID
 * whatever the offloads: without GUEST_CSUM that flag is cleared in @frame.
 * NB_NET_OK or why the frame must be dropped.
 */
enum nb_net_err nb_net_rx_start(struct nb_net_rx *rx, uint8_t *frame, uint32_t len,
				uint64_t features);

/*
 * Copies the next part of the frame into @c's writable buffers; *@used is
 * what to push @c with. Without MRG_RXBUF the chain must take the whole
 * frame; with it the first chain must take the header. Errors (nothing
 * copied, the chain is untouched): NB_NET_E_READABLE (readable buffers),
 * NB_NET_E_NO_ROOM (too small as said).
 */
enum nb_net_err nb_net_rx_fill(struct nb_net_rx *rx, const struct nb_virtq_chain *c,
			       uint32_t *used);

static inline bool nb_net_rx_done(const struct nb_net_rx *rx)
{
	return rx->done == rx->len && rx->nr_bufs > 0;
}

/* Writes num_buffers (the chains filled) into the first chain. */
void nb_net_rx_finish(struct nb_net_rx *rx);

#endif
