// SPDX-License-Identifier: Apache-2.0
/* The vsock packet parser, the connection state machine and its credit. */
#include <check.h>
#include <errno.h>
#include <string.h>

#include "devices/vsock_conn.h"
#include "devices/vsock_packet.h"
#include "devices/vsock_uds.h"
#include "tests/unit/check_run.h"

#define CID 3
#define BUF 4096

static struct nb_vsock_hdr pkt(uint16_t op, uint32_t src_port, uint32_t dst_port, uint32_t len)
{
	return (struct nb_vsock_hdr){.src_cid = CID,
				     .dst_cid = NB_VSOCK_HOST_CID,
				     .src_port = src_port,
				     .dst_port = dst_port,
				     .len = len,
				     .type = NB_VSOCK_TYPE_STREAM,
				     .op = op,
				     .buf_alloc = 1000,
				     .fwd_cnt = 0};
}

/* Encodes @h followed by @extra payload bytes into @b; checks it with the parser. */
static enum nb_vsock_pkt_err parse_one(const struct nb_vsock_hdr *h, size_t extra,
				       struct nb_vsock_hdr *out)
{
	static uint8_t b[NB_VSOCK_HDR_SIZE + 70000];
	struct iovec iov = {b, NB_VSOCK_HDR_SIZE + extra};

	nb_vsock_hdr_encode(h, b);
	return nb_vsock_pkt_parse(&iov, 1, CID, out);
}

START_TEST(test_hdr_layout)
{
	struct nb_vsock_hdr h = {
	    0x0102030405060708ULL, 2, 0x11223344, 0x55667788, 9, 1, 5, 3, 0xaabbccdd, 0x01020304};
	struct nb_vsock_hdr d;
	uint8_t b[NB_VSOCK_HDR_SIZE], b2[NB_VSOCK_HDR_SIZE];

	nb_vsock_hdr_encode(&h, b);
	/* Little-endian, packed, at the spec's offsets. */
	ck_assert_uint_eq(b[0], 0x08);
	ck_assert_uint_eq(b[7], 0x01);
	ck_assert_uint_eq(b[8], 2);
	ck_assert_uint_eq(b[16], 0x44);
	ck_assert_uint_eq(b[20], 0x88);
	ck_assert_uint_eq(b[24], 9);
	ck_assert_uint_eq(b[28], 1);
	ck_assert_uint_eq(b[30], 5);
	ck_assert_uint_eq(b[32], 3);
	ck_assert_uint_eq(b[36], 0xdd);
	ck_assert_uint_eq(b[43], 0x01);
	nb_vsock_hdr_decode(b, &d);
	ck_assert_uint_eq(d.src_cid, h.src_cid);
	ck_assert_uint_eq(d.dst_port, h.dst_port);
	ck_assert_uint_eq(d.op, h.op);
	ck_assert_uint_eq(d.fwd_cnt, h.fwd_cnt);
	nb_vsock_hdr_encode(&d, b2);
	ck_assert_mem_eq(b, b2, sizeof(b));
}
END_TEST

START_TEST(test_parse_every_op)
{
	struct nb_vsock_hdr h, d;

	for (uint16_t op = NB_VSOCK_OP_REQUEST; op <= NB_VSOCK_OP_CREDIT_REQUEST; op++) {
		h = pkt(op, 1000, 80, op == NB_VSOCK_OP_RW ? 10 : 0);
		ck_assert_int_eq(parse_one(&h, h.len, &d), NB_VSOCK_PKT_OK);
		ck_assert_uint_eq(d.op, op);
	}
	/* Unknown op codes. */
	h = pkt(0, 1, 2, 0);
	ck_assert_int_eq(parse_one(&h, 0, &d), NB_VSOCK_PKT_OP);
	h.op = 8;
	ck_assert_int_eq(parse_one(&h, 0, &d), NB_VSOCK_PKT_OP);
	h.op = 0xffff;
	ck_assert_int_eq(parse_one(&h, 0, &d), NB_VSOCK_PKT_OP);
	ck_assert_str_eq(nb_vsock_pkt_err_name(NB_VSOCK_PKT_OP), "op");
	ck_assert_str_eq(nb_vsock_pkt_err_name(99), "?");
}
END_TEST

START_TEST(test_parse_hostile)
{
	struct nb_vsock_hdr h = pkt(NB_VSOCK_OP_RW, 1, 2, 100), d;
	uint8_t b[NB_VSOCK_HDR_SIZE + 8];
	struct iovec iov[3];

	/* len beyond the chain, beyond the maximum, payload on a non-RW. */
	ck_assert_int_eq(parse_one(&h, 99, &d), NB_VSOCK_PKT_LEN);
	ck_assert_int_eq(parse_one(&h, 100, &d), NB_VSOCK_PKT_OK);
	h.len = 0xffffffff;
	ck_assert_int_eq(parse_one(&h, 100, &d), NB_VSOCK_PKT_LEN);
	h.len = NB_VSOCK_MAX_PKT_LEN + 1;
	ck_assert_int_eq(parse_one(&h, NB_VSOCK_MAX_PKT_LEN + 1, &d), NB_VSOCK_PKT_LEN);
	h = pkt(NB_VSOCK_OP_REQUEST, 1, 2, 4);
	ck_assert_int_eq(parse_one(&h, 4, &d), NB_VSOCK_PKT_LEN);
	/* Type, CIDs. */
	h = pkt(NB_VSOCK_OP_REQUEST, 1, 2, 0);
	h.type = NB_VSOCK_TYPE_SEQPACKET;
	ck_assert_int_eq(parse_one(&h, 0, &d), NB_VSOCK_PKT_TYPE);
	h = pkt(NB_VSOCK_OP_REQUEST, 1, 2, 0);
	h.src_cid = 4;
	ck_assert_int_eq(parse_one(&h, 0, &d), NB_VSOCK_PKT_SRC_CID);
	h.src_cid = CID | 1ULL << 32; /* the upper half counts */
	ck_assert_int_eq(parse_one(&h, 0, &d), NB_VSOCK_PKT_SRC_CID);
	h = pkt(NB_VSOCK_OP_REQUEST, 1, 2, 0);
	h.dst_cid = CID;
	ck_assert_int_eq(parse_one(&h, 0, &d), NB_VSOCK_PKT_DST_CID);
	/* Short chains, and a header split over buffers. */
	h = pkt(NB_VSOCK_OP_RW, 7, 8, 8);
	nb_vsock_hdr_encode(&h, b);
	iov[0] = (struct iovec){b, 10};
	ck_assert_int_eq(nb_vsock_pkt_parse(iov, 1, CID, &d), NB_VSOCK_PKT_SHORT);
	ck_assert_int_eq(nb_vsock_pkt_parse(iov, 0, CID, &d), NB_VSOCK_PKT_SHORT);
	iov[1] = (struct iovec){b + 10, 1};
	iov[2] = (struct iovec){b + 11, sizeof(b) - 11};
	ck_assert_int_eq(nb_vsock_pkt_parse(iov, 3, CID, &d), NB_VSOCK_PKT_OK);
	ck_assert_uint_eq(d.src_port, 7);
	ck_assert_uint_eq(d.len, 8);
}
END_TEST

START_TEST(test_iov_helpers)
{
	uint8_t a[4] = {1, 2, 3, 4}, b[3] = {5, 6, 7}, out[8];
	struct iovec iov[2] = {{a, 4}, {b, 3}}, s[4];
	unsigned int k;

	ck_assert_uint_eq(nb_vsock_iov_len(iov, 2), 7);
	ck_assert_uint_eq(nb_vsock_iov_read(iov, 2, 3, out, 8), 4);
	ck_assert_uint_eq(out[0], 4);
	ck_assert_uint_eq(out[3], 7);
	ck_assert_uint_eq(nb_vsock_iov_read(iov, 2, 9, out, 8), 0);
	k = nb_vsock_iov_slice(iov, 2, 2, 3, s, 4);
	ck_assert_uint_eq(k, 2);
	ck_assert_ptr_eq(s[0].iov_base, a + 2);
	ck_assert_uint_eq(s[0].iov_len, 2);
	ck_assert_uint_eq(s[1].iov_len, 1);
	/* @max caps the entries. */
	ck_assert_uint_eq(nb_vsock_iov_slice(iov, 2, 0, 7, s, 1), 1);
	ck_assert_uint_eq(nb_vsock_iov_write(iov, 2, 3, "xyz", 3), 3);
	ck_assert_uint_eq(a[3], 'x');
	ck_assert_uint_eq(b[1], 'z');
}
END_TEST

START_TEST(test_parse_connect)
{
	uint32_t port = 0;

	ck_assert_int_eq(nb_vsock_parse_connect("CONNECT 52", 10, &port), 0);
	ck_assert_uint_eq(port, 52);
	ck_assert_int_eq(nb_vsock_parse_connect("CONNECT 4294967295", 18, &port), 0);
	ck_assert_uint_eq(port, 4294967295u);
	ck_assert_int_eq(nb_vsock_parse_connect("CONNECT 4294967296", 18, &port), -EINVAL);
	ck_assert_int_eq(nb_vsock_parse_connect("CONNECT 12345678901", 19, &port), -EINVAL);
	ck_assert_int_eq(nb_vsock_parse_connect("CONNECT ", 8, &port), -EINVAL);
	ck_assert_int_eq(nb_vsock_parse_connect("CONNECT -1", 10, &port), -EINVAL);
	ck_assert_int_eq(nb_vsock_parse_connect("CONNECT 5 ", 10, &port), -EINVAL);
	ck_assert_int_eq(nb_vsock_parse_connect("connect 5", 9, &port), -EINVAL);
	ck_assert_int_eq(nb_vsock_parse_connect("CONNEC", 6, &port), -EINVAL);
	ck_assert_uint_eq(port, 4294967295u);
}
END_TEST

/* A guest-initiated connection: REQUEST in, RESPONSE out, then data. */
START_TEST(test_guest_initiated)
{
	struct nb_vsock_hdr req = pkt(NB_VSOCK_OP_REQUEST, 1025, 80, 0), h, rw;
	struct nb_vsock_conn c;
	uint32_t act;

	req.buf_alloc = 100;
	nb_vsock_conn_init_peer(&c, &req, BUF);
	ck_assert_uint_eq(c.local_port, 80);
	ck_assert_uint_eq(c.peer_port, 1025);
	ck_assert_uint_eq(nb_vsock_conn_peer_free(&c), 100);
	ck_assert(nb_vsock_conn_has_control(&c));
	/* The RESPONSE comes before any data, even if the host has some. */
	ck_assert_int_eq(nb_vsock_conn_next_rx(&c, true, CID, &h), NB_VSOCK_OP_RESPONSE);
	ck_assert_uint_eq(h.src_cid, NB_VSOCK_HOST_CID);
	ck_assert_uint_eq(h.dst_cid, CID);
	ck_assert_uint_eq(h.src_port, 80);
	ck_assert_uint_eq(h.dst_port, 1025);
	ck_assert_uint_eq(h.type, NB_VSOCK_TYPE_STREAM);
	ck_assert_uint_eq(h.buf_alloc, BUF);
	ck_assert_uint_eq(h.len, 0);
	ck_assert(!nb_vsock_conn_has_control(&c));
	/* Data: at most the guest's credit. */
	ck_assert_int_eq(nb_vsock_conn_next_rx(&c, false, CID, &h), NB_VSOCK_OP_INVALID);
	ck_assert_int_eq(nb_vsock_conn_next_rx(&c, true, CID, &h), NB_VSOCK_OP_RW);
	ck_assert_uint_eq(h.len, 100);
	nb_vsock_conn_sent(&c, 60);
	ck_assert_uint_eq(nb_vsock_conn_peer_free(&c), 40);
	nb_vsock_conn_sent(&c, 40);
	ck_assert_uint_eq(nb_vsock_conn_peer_free(&c), 0);
	ck_assert_int_eq(nb_vsock_conn_next_rx(&c, true, CID, &h), NB_VSOCK_OP_INVALID);
	/* The guest read 50 bytes: a credit update lets 50 more go. */
	rw = pkt(NB_VSOCK_OP_CREDIT_UPDATE, 1025, 80, 0);
	rw.buf_alloc = 100;
	rw.fwd_cnt = 50;
	act = nb_vsock_conn_recv(&c, &rw);
	ck_assert_uint_eq(act, NB_VSOCK_ACT_RX);
	ck_assert_uint_eq(nb_vsock_conn_peer_free(&c), 50);
	/* The guest sends 30 bytes. */
	rw = pkt(NB_VSOCK_OP_RW, 1025, 80, 30);
	rw.buf_alloc = 100;
	rw.fwd_cnt = 50;
	act = nb_vsock_conn_recv(&c, &rw);
	ck_assert_uint_eq(act, NB_VSOCK_ACT_DATA);
	ck_assert_uint_eq(nb_vsock_conn_unforwarded(&c), 30);
	ck_assert_uint_eq(nb_vsock_conn_forwarded(&c, 30), 0);
	ck_assert_uint_eq(nb_vsock_conn_unforwarded(&c), 0);
	/* An empty RW is fine and does nothing. */
	rw.len = 0;
	ck_assert_uint_eq(nb_vsock_conn_recv(&c, &rw), 0);
}
END_TEST

START_TEST(test_host_initiated)
{
	struct nb_vsock_conn c;
	struct nb_vsock_hdr h, in;

	nb_vsock_conn_init_local(&c, (1u << 30), 52, BUF);
	ck_assert_int_eq(nb_vsock_conn_next_rx(&c, true, CID, &h), NB_VSOCK_OP_REQUEST);
	ck_assert_uint_eq(h.src_port, (1u << 30));
	ck_assert_uint_eq(h.dst_port, 52);
	/* No data before the RESPONSE. */
	ck_assert_int_eq(nb_vsock_conn_next_rx(&c, true, CID, &h), NB_VSOCK_OP_INVALID);
	in = pkt(NB_VSOCK_OP_RW, 52, (1u << 30), 1);
	ck_assert_uint_eq(nb_vsock_conn_recv(&c, &in) & NB_VSOCK_ACT_VIOLATION,
			  NB_VSOCK_ACT_VIOLATION);
	ck_assert_int_eq(c.state, NB_VSOCK_CONN_CLOSED);
	ck_assert_int_eq(nb_vsock_conn_next_rx(&c, true, CID, &h), NB_VSOCK_OP_RST);
	ck_assert_int_eq(nb_vsock_conn_next_rx(&c, true, CID, &h), NB_VSOCK_OP_INVALID);
	/* Once closed, packets are ignored. */
	ck_assert_uint_eq(nb_vsock_conn_recv(&c, &in), 0);

	nb_vsock_conn_init_local(&c, 7, 52, BUF);
	nb_vsock_conn_next_rx(&c, false, CID, &h);
	in = pkt(NB_VSOCK_OP_RESPONSE, 52, 7, 0);
	ck_assert_uint_eq(nb_vsock_conn_recv(&c, &in), NB_VSOCK_ACT_CONNECTED | NB_VSOCK_ACT_RX);
	ck_assert_int_eq(c.state, NB_VSOCK_CONN_ESTABLISHED);
	/* A second RESPONSE breaks the protocol. */
	ck_assert_uint_eq(nb_vsock_conn_recv(&c, &in) & NB_VSOCK_ACT_CLOSE, NB_VSOCK_ACT_CLOSE);

	/* The guest refuses: RST (no listener). */
	nb_vsock_conn_init_local(&c, 8, 53, BUF);
	in = pkt(NB_VSOCK_OP_RST, 53, 8, 0);
	ck_assert_uint_eq(nb_vsock_conn_recv(&c, &in), NB_VSOCK_ACT_CLOSE);
	ck_assert_int_eq(nb_vsock_conn_next_rx(&c, false, CID, &h), NB_VSOCK_OP_INVALID);
	/* ... or a SHUTDOWN before any RESPONSE. */
	nb_vsock_conn_init_local(&c, 9, 53, BUF);
	in = pkt(NB_VSOCK_OP_SHUTDOWN, 53, 9, 0);
	ck_assert_uint_eq(nb_vsock_conn_recv(&c, &in), NB_VSOCK_ACT_CLOSE);
}
END_TEST

static void establish(struct nb_vsock_conn *c)
{
	struct nb_vsock_hdr req = pkt(NB_VSOCK_OP_REQUEST, 1025, 80, 0), h;

	req.buf_alloc = 1 << 20;
	nb_vsock_conn_init_peer(c, &req, BUF);
	ck_assert_int_eq(nb_vsock_conn_next_rx(c, false, CID, &h), NB_VSOCK_OP_RESPONSE);
}

START_TEST(test_credit_violation)
{
	struct nb_vsock_conn c;
	struct nb_vsock_hdr in = pkt(NB_VSOCK_OP_RW, 1025, 80, BUF);

	establish(&c);
	ck_assert_uint_eq(nb_vsock_conn_recv(&c, &in), NB_VSOCK_ACT_DATA);
	/* The buffer is full (nothing forwarded): one more byte is too many. */
	in.len = 1;
	ck_assert_uint_eq(nb_vsock_conn_recv(&c, &in),
			  NB_VSOCK_ACT_CLOSE | NB_VSOCK_ACT_RX | NB_VSOCK_ACT_VIOLATION);
	ck_assert(c.pending & NB_VSOCK_PEND_RST);

	/* Forwarding gives room back, and a quarter of it is worth an update. */
	establish(&c);
	in.len = BUF;
	nb_vsock_conn_recv(&c, &in);
	ck_assert_uint_eq(nb_vsock_conn_forwarded(&c, BUF / 4 - 1), 0);
	ck_assert_uint_eq(nb_vsock_conn_forwarded(&c, 1), NB_VSOCK_ACT_RX);
	ck_assert(c.pending & NB_VSOCK_PEND_CREDIT);
	in.len = BUF / 4;
	ck_assert_uint_eq(nb_vsock_conn_recv(&c, &in), NB_VSOCK_ACT_DATA);
	in.len = 1;
	ck_assert_uint_eq(nb_vsock_conn_recv(&c, &in) & NB_VSOCK_ACT_VIOLATION,
			  NB_VSOCK_ACT_VIOLATION);
}
END_TEST

START_TEST(test_credit_update_and_request)
{
	struct nb_vsock_conn c;
	struct nb_vsock_hdr in = pkt(NB_VSOCK_OP_CREDIT_REQUEST, 1025, 80, 0), h;

	establish(&c);
	in.buf_alloc = 1 << 20;
	ck_assert_uint_eq(nb_vsock_conn_recv(&c, &in), NB_VSOCK_ACT_RX);
	ck_assert_int_eq(nb_vsock_conn_next_rx(&c, false, CID, &h), NB_VSOCK_OP_CREDIT_UPDATE);
	ck_assert_uint_eq(h.buf_alloc, BUF);
	ck_assert_uint_eq(h.fwd_cnt, 0);
	/* Any packet carries the credit: a data packet answers the request too. */
	ck_assert_uint_eq(nb_vsock_conn_recv(&c, &in), NB_VSOCK_ACT_RX);
	ck_assert_int_eq(nb_vsock_conn_next_rx(&c, true, CID, &h), NB_VSOCK_OP_RW);
	/* ... once it went: the host may have had nothing to read. */
	ck_assert(c.pending & NB_VSOCK_PEND_CREDIT);
	nb_vsock_conn_sent(&c, 1);
	ck_assert_int_eq(nb_vsock_conn_next_rx(&c, false, CID, &h), NB_VSOCK_OP_INVALID);
	/* A guest that shrinks its buffer below what is in flight gets nothing. */
	nb_vsock_conn_sent(&c, 999);
	in = pkt(NB_VSOCK_OP_CREDIT_UPDATE, 1025, 80, 0);
	in.buf_alloc = 10;
	nb_vsock_conn_recv(&c, &in);
	ck_assert_uint_eq(nb_vsock_conn_peer_free(&c), 0);
	/* Counters wrap: 2^32 - 10 sent, the guest forwarded 2^32 - 20. */
	c.rx_cnt = 0xfffffff6u;
	in.buf_alloc = 100;
	in.fwd_cnt = 0xffffffecu;
	nb_vsock_conn_recv(&c, &in);
	ck_assert_uint_eq(nb_vsock_conn_peer_free(&c), 90);
	c.rx_cnt = 5; /* wrapped */
	ck_assert_uint_eq(nb_vsock_conn_peer_free(&c), 75);
}
END_TEST

START_TEST(test_shutdowns)
{
	struct nb_vsock_conn c;
	struct nb_vsock_hdr in = pkt(NB_VSOCK_OP_SHUTDOWN, 1025, 80, 0), h;

	/* The guest stops sending: the host's write side is shut. */
	establish(&c);
	in.flags = NB_VSOCK_SHUTDOWN_SEND;
	ck_assert_uint_eq(nb_vsock_conn_recv(&c, &in), NB_VSOCK_ACT_SHUT_WR);
	ck_assert_uint_eq(nb_vsock_conn_recv(&c, &in), 0);
	in.op = NB_VSOCK_OP_RW;
	in.len = 1;
	ck_assert_uint_eq(nb_vsock_conn_recv(&c, &in) & NB_VSOCK_ACT_VIOLATION,
			  NB_VSOCK_ACT_VIOLATION);

	/* The guest stops receiving: no more data to it, then it closes. */
	establish(&c);
	in = pkt(NB_VSOCK_OP_SHUTDOWN, 1025, 80, 0);
	in.flags = NB_VSOCK_SHUTDOWN_RCV;
	ck_assert_uint_eq(nb_vsock_conn_recv(&c, &in), 0);
	ck_assert_int_eq(nb_vsock_conn_next_rx(&c, true, CID, &h), NB_VSOCK_OP_INVALID);
	in.flags = NB_VSOCK_SHUTDOWN_SEND;
	ck_assert_uint_eq(nb_vsock_conn_recv(&c, &in),
			  NB_VSOCK_ACT_SHUT_WR | NB_VSOCK_ACT_CLOSE | NB_VSOCK_ACT_RX);
	ck_assert_int_eq(nb_vsock_conn_next_rx(&c, true, CID, &h), NB_VSOCK_OP_RST);

	/* The host's stream ends: SHUTDOWN(SEND) after the data, once. */
	establish(&c);
	nb_vsock_conn_host_eof(&c);
	nb_vsock_conn_host_eof(&c);
	ck_assert_int_eq(nb_vsock_conn_next_rx(&c, true, CID, &h), NB_VSOCK_OP_SHUTDOWN);
	ck_assert_uint_eq(h.flags, NB_VSOCK_SHUTDOWN_SEND);
	ck_assert_int_eq(nb_vsock_conn_next_rx(&c, true, CID, &h), NB_VSOCK_OP_INVALID);
	/* The guest's data still flows the other way, then it closes. */
	in = pkt(NB_VSOCK_OP_RW, 1025, 80, 5);
	ck_assert_uint_eq(nb_vsock_conn_recv(&c, &in), NB_VSOCK_ACT_DATA);
	in = pkt(NB_VSOCK_OP_SHUTDOWN, 1025, 80, 0);
	in.flags = NB_VSOCK_SHUTDOWN_RCV | NB_VSOCK_SHUTDOWN_SEND;
	ck_assert_uint_eq(nb_vsock_conn_recv(&c, &in) & NB_VSOCK_ACT_CLOSE, NB_VSOCK_ACT_CLOSE);
	/* A host error: RST. */
	establish(&c);
	nb_vsock_conn_reset(&c);
	ck_assert_int_eq(nb_vsock_conn_next_rx(&c, true, CID, &h), NB_VSOCK_OP_RST);
	/* No EOF on a connection that is not up. */
	nb_vsock_conn_init_local(&c, 1, 2, BUF);
	nb_vsock_conn_host_eof(&c);
	ck_assert(!c.host_eof);
}
END_TEST

START_TEST(test_request_on_existing)
{
	struct nb_vsock_conn c;
	struct nb_vsock_hdr in = pkt(NB_VSOCK_OP_REQUEST, 1025, 80, 0);

	establish(&c);
	ck_assert_uint_eq(nb_vsock_conn_recv(&c, &in) & NB_VSOCK_ACT_VIOLATION,
			  NB_VSOCK_ACT_VIOLATION);
	establish(&c);
	in.op = 42; /* the parser refuses these; the machine is safe anyway */
	ck_assert_uint_eq(nb_vsock_conn_recv(&c, &in) & NB_VSOCK_ACT_CLOSE, NB_VSOCK_ACT_CLOSE);
}
END_TEST

START_TEST(test_ring)
{
	struct nb_vsock_ring r;
	uint8_t data[10] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
	struct iovec in = {data, 10}, out[2];

	nb_vsock_ring_init(&r, 16);
	ck_assert_ptr_null(r.buf);
	ck_assert_int_eq(nb_vsock_ring_push(&r, &in, 1, 0), 0);
	ck_assert_ptr_null(r.buf); /* nothing pushed, nothing allocated */
	ck_assert_uint_eq(nb_vsock_ring_peek(&r, out), 0);
	ck_assert_int_eq(nb_vsock_ring_push(&r, &in, 1, 10), 0);
	ck_assert_int_eq(nb_vsock_ring_push(&r, &in, 1, 10), -ENOSPC);
	ck_assert_uint_eq(r.len, 10);
	nb_vsock_ring_consume(&r, 8);
	ck_assert_int_eq(nb_vsock_ring_push(&r, &in, 1, 10), 0);
	/* Wrapped: two pieces, in order. */
	ck_assert_uint_eq(nb_vsock_ring_peek(&r, out), 2);
	ck_assert_uint_eq(out[0].iov_len, 8);
	ck_assert_uint_eq(((uint8_t *)out[0].iov_base)[0], 8);
	ck_assert_uint_eq(((uint8_t *)out[0].iov_base)[2], 0);
	ck_assert_uint_eq(out[1].iov_len, 4);
	ck_assert_uint_eq(((uint8_t *)out[1].iov_base)[3], 9);
	nb_vsock_ring_consume(&r, 100);
	ck_assert_uint_eq(r.len, 0);
	ck_assert_uint_eq(r.head, 0);
	nb_vsock_ring_free(&r);
	nb_vsock_ring_free(&r);
}
END_TEST

/* Many connections at once, each with its own credit. */
START_TEST(test_storm)
{
	static struct nb_vsock_conn c[1000];
	struct nb_vsock_hdr h;

	for (unsigned int i = 0; i < 1000; i++) {
		struct nb_vsock_hdr req = pkt(NB_VSOCK_OP_REQUEST, 2000 + i, 80, 0);

		req.buf_alloc = 100 + i;
		nb_vsock_conn_init_peer(&c[i], &req, BUF);
	}
	for (unsigned int i = 0; i < 1000; i++) {
		ck_assert_int_eq(nb_vsock_conn_next_rx(&c[i], true, CID, &h), NB_VSOCK_OP_RESPONSE);
		ck_assert_uint_eq(h.dst_port, 2000 + i);
		ck_assert_int_eq(nb_vsock_conn_next_rx(&c[i], true, CID, &h), NB_VSOCK_OP_RW);
		ck_assert_uint_eq(h.len, 100 + i);
		nb_vsock_conn_sent(&c[i], h.len);
	}
	for (unsigned int i = 0; i < 1000; i++)
		ck_assert_uint_eq(nb_vsock_conn_peer_free(&c[i]), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("vsock_conn");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_hdr_layout);
	tcase_add_test(tc, test_parse_every_op);
	tcase_add_test(tc, test_parse_hostile);
	tcase_add_test(tc, test_iov_helpers);
	tcase_add_test(tc, test_parse_connect);
	tcase_add_test(tc, test_guest_initiated);
	tcase_add_test(tc, test_host_initiated);
	tcase_add_test(tc, test_credit_violation);
	tcase_add_test(tc, test_credit_update_and_request);
	tcase_add_test(tc, test_shutdowns);
	tcase_add_test(tc, test_request_on_existing);
	tcase_add_test(tc, test_ring);
	tcase_add_test(tc, test_storm);
	suite_add_tcase(s, tc);
	return nb_check_run(s);
}
