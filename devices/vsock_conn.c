// SPDX-License-Identifier: Apache-2.0
/* The virtio-vsock connection state machine and its credit accounting. */
#include "devices/vsock_conn.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void nb_vsock_conn_init_local(struct nb_vsock_conn *c, uint32_t local_port, uint32_t peer_port,
			      uint32_t buf_alloc)
{
	memset(c, 0, sizeof(*c));
	c->local_port = local_port;
	c->peer_port = peer_port;
	c->state = NB_VSOCK_CONN_LOCAL_INIT;
	c->pending = NB_VSOCK_PEND_REQUEST;
	c->buf_alloc = buf_alloc;
}

void nb_vsock_conn_init_peer(struct nb_vsock_conn *c, const struct nb_vsock_hdr *req,
			     uint32_t buf_alloc)
{
	memset(c, 0, sizeof(*c));
	c->local_port = req->dst_port;
	c->peer_port = req->src_port;
	c->state = NB_VSOCK_CONN_ESTABLISHED;
	c->pending = NB_VSOCK_PEND_RESPONSE;
	c->buf_alloc = buf_alloc;
	c->peer_buf_alloc = req->buf_alloc;
	c->peer_fwd_cnt = req->fwd_cnt;
}

uint32_t nb_vsock_conn_peer_free(const struct nb_vsock_conn *c)
{
	uint32_t in_flight = c->rx_cnt - c->peer_fwd_cnt;

	/* A guest that shrank its buffer or counts oddly gets nothing. */
	return in_flight >= c->peer_buf_alloc ? 0 : c->peer_buf_alloc - in_flight;
}

uint32_t nb_vsock_conn_unforwarded(const struct nb_vsock_conn *c)
{
	return c->recv_cnt - c->fwd_cnt;
}

void nb_vsock_conn_reset(struct nb_vsock_conn *c)
{
	c->state = NB_VSOCK_CONN_CLOSED;
	c->pending = NB_VSOCK_PEND_RST;
}

/* The guest broke the rules: RST it and close the host side. */
static uint32_t violation(struct nb_vsock_conn *c)
{
	nb_vsock_conn_reset(c);
	return NB_VSOCK_ACT_CLOSE | NB_VSOCK_ACT_RX | NB_VSOCK_ACT_VIOLATION;
}

uint32_t nb_vsock_conn_recv(struct nb_vsock_conn *c, const struct nb_vsock_hdr *h)
{
	uint32_t before = nb_vsock_conn_peer_free(c), act = 0;

	if (c->state == NB_VSOCK_CONN_CLOSED)
		return 0; /* a RST is on its way, or already went */
	c->peer_buf_alloc = h->buf_alloc;
	c->peer_fwd_cnt = h->fwd_cnt;
	if (nb_vsock_conn_peer_free(c) > before)
		act |= NB_VSOCK_ACT_RX;

	switch (h->op) {
	case NB_VSOCK_OP_RESPONSE:
		if (c->state != NB_VSOCK_CONN_LOCAL_INIT)
			return violation(c);
		c->state = NB_VSOCK_CONN_ESTABLISHED;
		return act | NB_VSOCK_ACT_CONNECTED | NB_VSOCK_ACT_RX;
	case NB_VSOCK_OP_RW:
		if (c->state != NB_VSOCK_CONN_ESTABLISHED || c->guest_shut_send)
			return violation(c);
		if (h->len > c->buf_alloc - nb_vsock_conn_unforwarded(c))
			return violation(c); /* beyond the credit we gave */
		c->recv_cnt += h->len;
		return act | (h->len ? NB_VSOCK_ACT_DATA : 0);
	case NB_VSOCK_OP_SHUTDOWN:
		if (c->state != NB_VSOCK_CONN_ESTABLISHED) {
			/* A refusal of a connection it never took. */
			c->state = NB_VSOCK_CONN_CLOSED;
			c->pending = 0;
			return NB_VSOCK_ACT_CLOSE;
		}
		if (h->flags & NB_VSOCK_SHUTDOWN_RCV)
			c->guest_shut_rcv = true;
		if ((h->flags & NB_VSOCK_SHUTDOWN_SEND) && !c->guest_shut_send) {
			c->guest_shut_send = true;
			act |= NB_VSOCK_ACT_SHUT_WR;
		}
		if (c->guest_shut_rcv && c->guest_shut_send) {
			/* The guest closed: it waits for our RST. */
			nb_vsock_conn_reset(c);
			act |= NB_VSOCK_ACT_CLOSE | NB_VSOCK_ACT_RX;
		}
		return act;
	case NB_VSOCK_OP_RST:
		c->state = NB_VSOCK_CONN_CLOSED;
		c->pending = 0;
		return NB_VSOCK_ACT_CLOSE;
	case NB_VSOCK_OP_CREDIT_UPDATE:
		return act;
	case NB_VSOCK_OP_CREDIT_REQUEST:
		c->pending |= NB_VSOCK_PEND_CREDIT;
		return act | NB_VSOCK_ACT_RX;
	case NB_VSOCK_OP_REQUEST: /* for a connection that already exists */
	default:
		return violation(c);
	}
}

bool nb_vsock_conn_has_control(const struct nb_vsock_conn *c)
{
	return c->pending != 0;
}

static bool can_send_data(const struct nb_vsock_conn *c)
{
	return c->state == NB_VSOCK_CONN_ESTABLISHED && !c->guest_shut_rcv && !c->host_eof &&
	       nb_vsock_conn_peer_free(c) > 0;
}

enum nb_vsock_op nb_vsock_conn_next_rx(struct nb_vsock_conn *c, bool host_readable,
				       uint64_t guest_cid, struct nb_vsock_hdr *h)
{
	enum nb_vsock_op op = NB_VSOCK_OP_INVALID;
	uint32_t bit = 0;

	memset(h, 0, sizeof(*h));
	if (c->pending & NB_VSOCK_PEND_RST) {
		op = NB_VSOCK_OP_RST;
		c->pending = 0; /* nothing follows a RST */
	} else if (c->pending & NB_VSOCK_PEND_REQUEST) {
		op = NB_VSOCK_OP_REQUEST;
		bit = NB_VSOCK_PEND_REQUEST;
	} else if (c->pending & NB_VSOCK_PEND_RESPONSE) {
		op = NB_VSOCK_OP_RESPONSE;
		bit = NB_VSOCK_PEND_RESPONSE;
	} else if (host_readable && can_send_data(c)) {
		uint32_t free = nb_vsock_conn_peer_free(c);

		op = NB_VSOCK_OP_RW;
		h->len = free < NB_VSOCK_MAX_PKT_LEN ? free : NB_VSOCK_MAX_PKT_LEN;
	} else if (c->pending & NB_VSOCK_PEND_SHUTDOWN) {
		op = NB_VSOCK_OP_SHUTDOWN;
		bit = NB_VSOCK_PEND_SHUTDOWN;
		h->flags = NB_VSOCK_SHUTDOWN_SEND;
	} else if (c->pending & NB_VSOCK_PEND_CREDIT) {
		op = NB_VSOCK_OP_CREDIT_UPDATE;
	}
	if (op == NB_VSOCK_OP_INVALID)
		return op;
	c->pending &= ~bit;
	/*
	 * Every packet carries our credit: no separate update needed now
	 * (for RW once it goes: the host may have nothing after all).
	 */
	if (op != NB_VSOCK_OP_RW) {
		c->pending &= ~NB_VSOCK_PEND_CREDIT;
		c->last_fwd_cnt = c->fwd_cnt;
	}
	h->src_cid = NB_VSOCK_HOST_CID;
	h->dst_cid = guest_cid;
	h->src_port = c->local_port;
	h->dst_port = c->peer_port;
	h->type = NB_VSOCK_TYPE_STREAM;
	h->op = (uint16_t)op;
	h->buf_alloc = c->buf_alloc;
	h->fwd_cnt = c->fwd_cnt;
	return op;
}

void nb_vsock_conn_sent(struct nb_vsock_conn *c, uint32_t n)
{
	c->rx_cnt += n;
	c->pending &= ~NB_VSOCK_PEND_CREDIT;
	c->last_fwd_cnt = c->fwd_cnt;
}

uint32_t nb_vsock_conn_forwarded(struct nb_vsock_conn *c, uint32_t n)
{
	c->fwd_cnt += n;
	if (c->state == NB_VSOCK_CONN_ESTABLISHED && !c->guest_shut_send &&
	    c->fwd_cnt - c->last_fwd_cnt >= c->buf_alloc / 4) {
		c->pending |= NB_VSOCK_PEND_CREDIT;
		return NB_VSOCK_ACT_RX;
	}
	return 0;
}

void nb_vsock_conn_host_eof(struct nb_vsock_conn *c)
{
	if (c->host_eof || c->state != NB_VSOCK_CONN_ESTABLISHED)
		return;
	c->host_eof = true;
	c->pending |= NB_VSOCK_PEND_SHUTDOWN;
}

void nb_vsock_ring_init(struct nb_vsock_ring *r, uint32_t size)
{
	memset(r, 0, sizeof(*r));
	r->size = size;
}

void nb_vsock_ring_free(struct nb_vsock_ring *r)
{
	free(r->buf);
	r->buf = NULL;
	r->head = r->len = 0;
}

int nb_vsock_ring_push(struct nb_vsock_ring *r, const struct iovec *iov, unsigned int n, size_t len)
{
	size_t done = 0;

	if (len > r->size - r->len)
		return -ENOSPC;
	if (!len)
		return 0;
	if (!r->buf && !(r->buf = malloc(r->size)))
		return -ENOMEM;
	while (done < len) {
		uint32_t tail = (r->head + r->len) % r->size;
		size_t room = r->size - tail, got;

		if (room > len - done)
			room = len - done;
		got = nb_vsock_iov_read(iov, n, done, r->buf + tail, room);
		if (!got)
			break; /* @iov holds fewer than @len bytes */
		r->len += (uint32_t)got;
		done += got;
	}
	return 0;
}

unsigned int nb_vsock_ring_peek(const struct nb_vsock_ring *r, struct iovec out[2])
{
	uint32_t first;

	if (!r->len)
		return 0;
	first = r->size - r->head < r->len ? r->size - r->head : r->len;
	out[0] = (struct iovec){r->buf + r->head, first};
	if (first == r->len)
		return 1;
	out[1] = (struct iovec){r->buf, r->len - first};
	return 2;
}

void nb_vsock_ring_consume(struct nb_vsock_ring *r, uint32_t n)
{
	if (n > r->len)
		n = r->len;
	r->head = (r->head + n) % r->size;
	r->len -= n;
	if (!r->len)
		r->head = 0;
}
