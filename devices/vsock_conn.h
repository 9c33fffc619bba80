/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One virtio-vsock stream connection between the guest and a host Unix
 * socket, as a pure state machine: what each packet from the guest does,
 * which packet to send the guest next, and the credit accounting of both
 * directions (virtio 1.x 5.10.6.3). No fds, no guest memory: the device
 * (virtio_vsock.c, vsock_mux.c) does the I/O and tells the machine what
 * happened.
 *
 * Credit, guest to host: we advertise buf_alloc (the connection's bounded
 * host-bound buffer) and fwd_cnt (bytes written to the host socket); the
 * guest may have at most buf_alloc bytes sent and not yet forwarded. A
 * guest that sends more is reset. Host to guest: we never send more than
 * peer_buf_alloc - (rx_cnt - peer_fwd_cnt), from the guest's latest header.
 *
 * Also here: the bounded byte ring that holds guest data the host socket
 * did not take yet.
 */
#ifndef NB_DEVICES_VSOCK_CONN_H
#define NB_DEVICES_VSOCK_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "devices/vsock_packet.h"

enum nb_vsock_conn_state {
	NB_VSOCK_CONN_LOCAL_INIT,  /* host-initiated: REQUEST to the guest, no RESPONSE yet */
	NB_VSOCK_CONN_ESTABLISHED, /* data both ways */
	NB_VSOCK_CONN_CLOSED,	   /* finished: nothing more to or from the guest but a RST */
};

/* Control packets waiting to go to the guest. */
#define NB_VSOCK_PEND_REQUEST 1u
#define NB_VSOCK_PEND_RESPONSE 2u
#define NB_VSOCK_PEND_RST 4u
#define NB_VSOCK_PEND_SHUTDOWN 8u
#define NB_VSOCK_PEND_CREDIT 16u

/* What the device must do after nb_vsock_conn_recv() (bits). */
#define NB_VSOCK_ACT_DATA 1u	   /* forward the packet's payload to the host */
#define NB_VSOCK_ACT_CONNECTED 2u  /* the guest accepted a host connection: "OK <port>\n" */
#define NB_VSOCK_ACT_SHUT_WR 4u	   /* shut the host's write side once the buffer is out */
#define NB_VSOCK_ACT_CLOSE 8u	   /* the connection is over: close the host side */
#define NB_VSOCK_ACT_RX 16u	   /* something may now go to the guest */
#define NB_VSOCK_ACT_VIOLATION 32u /* the guest broke the protocol (counted); CLOSE too */

struct nb_vsock_conn {
	uint32_t local_port, peer_port; /* host side, guest side */
	enum nb_vsock_conn_state state;
	uint32_t pending;     /* NB_VSOCK_PEND_* */
	bool host_eof;	      /* the host sent its last byte: SHUTDOWN(SEND) to the guest */
	bool guest_shut_send; /* the guest will send no more */
	bool guest_shut_rcv;  /* the guest will receive no more */
	/* Guest to host. */
	uint32_t buf_alloc;    /* our buffer for this direction */
	uint32_t fwd_cnt;      /* guest bytes written to the host */
	uint32_t last_fwd_cnt; /* fwd_cnt as the guest last heard it */
	uint32_t recv_cnt;     /* guest bytes received (the guest's tx_cnt) */
	/* Host to guest. */
	uint32_t peer_buf_alloc, peer_fwd_cnt;
	uint32_t rx_cnt; /* bytes sent to the guest */
};

/*
 * A host-initiated connection (a client's "CONNECT <peer_port>"): a REQUEST
 * is pending, state LOCAL_INIT.
 */
void nb_vsock_conn_init_local(struct nb_vsock_conn *c, uint32_t local_port, uint32_t peer_port,
			      uint32_t buf_alloc);

/*
 * A guest-initiated connection whose host side is connected: @req is the
 * guest's REQUEST (its credit taken); a RESPONSE is pending, ESTABLISHED.
 */
void nb_vsock_conn_init_peer(struct nb_vsock_conn *c, const struct nb_vsock_hdr *req,
			     uint32_t buf_alloc);

/*
 * A checked packet from the guest for this connection (its ports match).
 * Takes its credit fields, moves the state and returns NB_VSOCK_ACT_* bits.
 * For NB_VSOCK_ACT_DATA the device forwards hdr->len bytes and reports
 * them with nb_vsock_conn_forwarded() as they reach the host.
 */
uint32_t nb_vsock_conn_recv(struct nb_vsock_conn *c, const struct nb_vsock_hdr *h);

/* What the guest may still receive from us (0 when it is out of credit). */
uint32_t nb_vsock_conn_peer_free(const struct nb_vsock_conn *c);

/* Guest bytes received and not yet forwarded (what our buffer holds). */
uint32_t nb_vsock_conn_unforwarded(const struct nb_vsock_conn *c);

/*
 * The next packet for the guest, header filled (CIDs from the host to
 * @guest_cid, credit fields current) and its pending bit cleared. RW is
 * offered only if @host_readable, the connection is ESTABLISHED, the guest
 * still receives and has credit: then hdr->len is the most the device may
 * send (at most NB_VSOCK_MAX_PKT_LEN); it reads, sets hdr->len to what it
 * got and calls nb_vsock_conn_sent(). Returns the op, or
 * NB_VSOCK_OP_INVALID when nothing is due.
 */
enum nb_vsock_op nb_vsock_conn_next_rx(struct nb_vsock_conn *c, bool host_readable,
				       uint64_t guest_cid, struct nb_vsock_hdr *h);

/* Whether a packet is due without the host's data (control packets). */
bool nb_vsock_conn_has_control(const struct nb_vsock_conn *c);

/* An RW packet of @n payload bytes went to the guest (with our credit). */
void nb_vsock_conn_sent(struct nb_vsock_conn *c, uint32_t n);

/*
 * @n guest bytes reached the host. A CREDIT_UPDATE becomes pending when
 * the guest has not heard of a quarter of the buffer; returns
 * NB_VSOCK_ACT_RX then.
 */
uint32_t nb_vsock_conn_forwarded(struct nb_vsock_conn *c, uint32_t n);

/* The host's stream ended: a SHUTDOWN(SEND) is pending. */
void nb_vsock_conn_host_eof(struct nb_vsock_conn *c);

/* The host side failed or closed: RST pending, CLOSED. */
void nb_vsock_conn_reset(struct nb_vsock_conn *c);

/* A bounded byte ring (the host-bound buffer of a connection). */
struct nb_vsock_ring {
	uint8_t *buf; /* NULL until the first push */
	uint32_t size, head, len;
};

void nb_vsock_ring_init(struct nb_vsock_ring *r, uint32_t size);
void nb_vsock_ring_free(struct nb_vsock_ring *r);
/* Appends @len bytes; 0, -ENOSPC (no room for all: nothing appended) or -ENOMEM. */
int nb_vsock_ring_push(struct nb_vsock_ring *r, const struct iovec *iov, unsigned int n,
		       size_t len);
/* The bytes held as at most two iovecs; returns how many. */
unsigned int nb_vsock_ring_peek(const struct nb_vsock_ring *r, struct iovec out[2]);
/* Drops @n bytes from the front (n <= len). */
void nb_vsock_ring_consume(struct nb_vsock_ring *r, uint32_t n);

#endif
