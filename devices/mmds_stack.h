/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The MMDS's network side, behind a virtio-net device: the frames the guest
 * sends to the MMDS address never reach the tap but come here.
 *
 *   - ARP requests for the address are answered with NB_MMDS_MAC;
 *   - IPv4/TCP to port 80 of the address meets a small TCP endpoint: SYN
 *     -> SYN-ACK (MSS option), in-order data acknowledged, each complete
 *     HTTP request handed to the handler and its answer sent back in
 *     segments within the guest's window, FIN and RST as TCP says, at most
 *     NB_MMDS_MAX_CONNS connections (the least recently used makes room);
 *   - anything else to the address is dropped; malformed frames (short or
 *     inconsistent headers, bad checksums, fragments) are dropped and
 *     counted.
 *
 * The guest may offload its TX checksum (VIRTIO_NET_HDR_F_NEEDS_CSUM): the
 * TCP checksum in the frame is then partial and not checked. Frames for the
 * guest are built with complete checksums and a plain virtio-net header.
 *
 * Nothing here sends: the device asks for the next frame for the guest
 * (nb_mmds_stack_output()) when it has room, before frames from the tap,
 * so a frame waits rather than being lost. There is no retransmission
 * timer: our frames are not lost; three duplicate ACKs send again from the
 * first unacknowledged byte.
 *
 * Not thread-safe: the device calls it under its transport's lock.
 */
#ifndef NB_DEVICES_MMDS_STACK_H
#define NB_DEVICES_MMDS_STACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "devices/net_hdr.h"

#define NB_MMDS_MAX_CONNS 8
#define NB_MMDS_MSS 1460
#define NB_MMDS_RCV_BUF 9728	     /* a connection's unanswered request bytes */
#define NB_MMDS_SND_MAX (256 * 1024) /* answers not yet acknowledged, per connection */
#define NB_MMDS_FRAME_MAX (NB_NET_HDR_LEN + 14 + 20 + 24 + NB_MMDS_MSS)
#define NB_MMDS_PEEK_LEN (14 + 28)	 /* Ethernet bytes that nb_mmds_stack_wants() reads */
#define NB_MMDS_DEFAULT_IPV4 0xa9fea9feu /* 169.254.169.254 */

extern const uint8_t NB_MMDS_MAC[6];

/*
 * Answers the request at the start of @buf: the bytes it used (0: wait for
 * more) with the answer in *@out (malloc'd, taken) and whether to close
 * after it, or -ENOMEM. api/mmds_http.h's nb_mmds_http_handler() is one.
 */
typedef long nb_mmds_request_fn(void *ctx, const uint8_t *buf, size_t len, char **out,
				size_t *out_len, bool *close);

struct nb_mmds_stack_stats {
	uint64_t rx_frames; /* taken from the guest */
	uint64_t tx_frames; /* given to the guest */
	uint64_t arp_replies;
	uint64_t dropped;  /* malformed or not for the endpoint */
	uint64_t bad_csum; /* IPv4 or TCP checksum wrong (also counted in dropped) */
	uint64_t conns;	   /* connections accepted */
	uint64_t evicted;  /* connections dropped to make room */
	uint64_t resets;   /* RSTs sent */
	uint64_t requests; /* HTTP requests answered */
	uint64_t out_full; /* control frames dropped: their queue was full */
};

struct nb_mmds_stack;

/* An endpoint at @ipv4 (host byte order). 0 or -ENOMEM. */
int nb_mmds_stack_new(struct nb_mmds_stack **out, uint32_t ipv4, nb_mmds_request_fn *fn, void *ctx);
void nb_mmds_stack_free(struct nb_mmds_stack *s);

/*
 * Whether the Ethernet frame starting @eth (@len bytes, of which at least
 * min(@len, NB_MMDS_PEEK_LEN) are given) is for the MMDS: ARP whose target
 * is the address, or IPv4 to it. Reads only that much.
 */
bool nb_mmds_stack_wants(const struct nb_mmds_stack *s, const uint8_t *eth, size_t len);

/*
 * Takes a frame nb_mmds_stack_wants() (the whole Ethernet frame);
 * @csum_partial: the virtio header had NEEDS_CSUM.
 */
void nb_mmds_stack_input(struct nb_mmds_stack *s, const uint8_t *eth, size_t len,
			 bool csum_partial);

bool nb_mmds_stack_has_output(const struct nb_mmds_stack *s);

/*
 * Writes the next frame for the guest (a virtio-net header, then the
 * Ethernet frame) into @buf (@cap >= NB_MMDS_FRAME_MAX). Its length, or 0
 * when there is none.
 */
size_t nb_mmds_stack_output(struct nb_mmds_stack *s, uint8_t *buf, size_t cap);

void nb_mmds_stack_get_stats(const struct nb_mmds_stack *s, struct nb_mmds_stack_stats *out);

/* The Internet checksum of @len bytes, starting from @sum (host order partial sum). */
uint16_t nb_inet_csum(const uint8_t *p, size_t len, uint32_t sum);

#endif
