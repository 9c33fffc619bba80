/* SPDX-License-Identifier: Apache-2.0 */
/*
 * virtio-vsock packets (virtio 1.x, 5.10.6): the 44-byte little-endian
 * header and the checks every packet the guest sends must pass before the
 * device looks at it. Pure functions, no I/O: unit-tested and fuzzed.
 *
 * A packet from the guest is a TX chain's readable bytes, given here as an
 * iovec list: the header (possibly split over buffers), then hdr.len bytes
 * of payload. Everything in it is untrusted.
 */
#ifndef NB_DEVICES_VSOCK_PACKET_H
#define NB_DEVICES_VSOCK_PACKET_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#define NB_VSOCK_HDR_SIZE 44
#define NB_VSOCK_HOST_CID 2		 /* VMADDR_CID_HOST */
#define NB_VSOCK_MAX_PKT_LEN (64 * 1024) /* payload of one packet, at most */
#define NB_VSOCK_MAX_IOV 256		 /* buffers of one chain, at most */

#define NB_VSOCK_TYPE_STREAM 1
#define NB_VSOCK_TYPE_SEQPACKET 2

enum nb_vsock_op {
	NB_VSOCK_OP_INVALID = 0,
	NB_VSOCK_OP_REQUEST = 1,
	NB_VSOCK_OP_RESPONSE = 2,
	NB_VSOCK_OP_RST = 3,
	NB_VSOCK_OP_SHUTDOWN = 4,
	NB_VSOCK_OP_RW = 5,
	NB_VSOCK_OP_CREDIT_UPDATE = 6,
	NB_VSOCK_OP_CREDIT_REQUEST = 7,
};

/* SHUTDOWN flags. */
#define NB_VSOCK_SHUTDOWN_RCV 1	 /* the sender will receive no more */
#define NB_VSOCK_SHUTDOWN_SEND 2 /* the sender will send no more */

/* The event queue's one event (5.10.6.5). */
#define NB_VSOCK_EVENT_TRANSPORT_RESET 0
#define NB_VSOCK_EVENT_SIZE 4

struct nb_vsock_hdr {
	uint64_t src_cid, dst_cid;
	uint32_t src_port, dst_port;
	uint32_t len; /* payload bytes after the header */
	uint16_t type, op;
	uint32_t flags;
	uint32_t buf_alloc, fwd_cnt;
};

/* Why a packet was refused (0: it was not). */
enum nb_vsock_pkt_err {
	NB_VSOCK_PKT_OK = 0,
	NB_VSOCK_PKT_SHORT, /* fewer than NB_VSOCK_HDR_SIZE readable bytes */
	NB_VSOCK_PKT_LEN, /* len beyond the chain or NB_VSOCK_MAX_PKT_LEN, or payload on a non-RW */
	NB_VSOCK_PKT_TYPE,    /* not a stream */
	NB_VSOCK_PKT_OP,      /* op code unknown (or INVALID) */
	NB_VSOCK_PKT_SRC_CID, /* not from the guest's CID */
	NB_VSOCK_PKT_DST_CID, /* not to the host */
	NB_VSOCK_PKT_NR_ERRS,
};

/* A short name of an error, for stats and messages ("short", "len", ...). */
const char *nb_vsock_pkt_err_name(enum nb_vsock_pkt_err e);

void nb_vsock_hdr_decode(const uint8_t b[NB_VSOCK_HDR_SIZE], struct nb_vsock_hdr *h);
void nb_vsock_hdr_encode(const struct nb_vsock_hdr *h, uint8_t b[NB_VSOCK_HDR_SIZE]);

/* The total bytes of @iov. */
size_t nb_vsock_iov_len(const struct iovec *iov, unsigned int n);

/* Copies up to @len bytes of @iov from byte @off into @dst; returns how many. */
size_t nb_vsock_iov_read(const struct iovec *iov, unsigned int n, size_t off, void *dst,
			 size_t len);
/* Copies up to @len bytes of @src into @iov from byte @off; returns how many. */
size_t nb_vsock_iov_write(const struct iovec *iov, unsigned int n, size_t off, const void *src,
			  size_t len);

/*
 * The part of @iov from byte @off, at most @len bytes, as iovecs in @out
 * (at most @max). Returns how many entries it filled; the bytes they cover
 * are min(@len, total - @off) unless @max ran out.
 */
unsigned int nb_vsock_iov_slice(const struct iovec *iov, unsigned int n, size_t off, size_t len,
				struct iovec *out, unsigned int max);

/*
 * Decodes and checks a packet from the guest whose CID is @guest_cid: the
 * header from the first NB_VSOCK_HDR_SIZE bytes of @iov, then its rules:
 * hdr.len within what follows the header and NB_VSOCK_MAX_PKT_LEN (and 0
 * unless op is RW), a stream, a known op code, from @guest_cid to the host.
 * Returns NB_VSOCK_PKT_OK with *@h filled, or the first rule broken (*@h
 * filled as far as it could be).
 */
enum nb_vsock_pkt_err nb_vsock_pkt_parse(const struct iovec *iov, unsigned int n,
					 uint64_t guest_cid, struct nb_vsock_hdr *h);

#endif
