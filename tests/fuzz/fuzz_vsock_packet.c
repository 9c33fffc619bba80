// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target for the virtio-vsock packet parser and the connection
 * state machine. The input's first byte splits the rest into up to 8
 * buffers (a TX chain's readable buffers); what the parser accepts must
 * keep its promises (a known op, a stream, the guest's CID to the host,
 * hdr.len within the buffers and the maximum, payload only on RW), and is
 * then fed to a connection, whose credit must stay within its buffer and
 * the guest's.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "devices/vsock_conn.h"
#include "devices/vsock_packet.h"

#define CID 3
#define BUF 4096
/* Checked in every build (CHECK() is gone under NDEBUG). */
#define CHECK(x)                                                                                   \
	do {                                                                                       \
		if (!(x))                                                                          \
			abort();                                                                   \
	} while (0)

static struct nb_vsock_conn conn;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct iovec iov[8];
	struct nb_vsock_hdr h, out;
	unsigned int n = 0;
	size_t off = 1, total;
	uint32_t act;

	if (!size)
		return 0;
	/* Buffer boundaries from the first byte's bits. */
	for (unsigned int k = 0; k < 8 && off < size; k++) {
		size_t len = (data[0] >> k & 1) ? (size - off) / 2 + 1 : size - off;

		if (len > size - off || k == 7)
			len = size - off;
		iov[n++] = (struct iovec){(void *)(data + off), len};
		off += len;
	}
	total = nb_vsock_iov_len(iov, n);
	if (nb_vsock_pkt_parse(iov, n, CID, &h) != NB_VSOCK_PKT_OK)
		return 0;
	CHECK(total >= NB_VSOCK_HDR_SIZE);
	CHECK(h.len <= total - NB_VSOCK_HDR_SIZE && h.len <= NB_VSOCK_MAX_PKT_LEN);
	CHECK(h.op >= NB_VSOCK_OP_REQUEST && h.op <= NB_VSOCK_OP_CREDIT_REQUEST);
	CHECK(h.type == NB_VSOCK_TYPE_STREAM && h.src_cid == CID);
	CHECK(h.dst_cid == NB_VSOCK_HOST_CID);
	CHECK(!h.len || h.op == NB_VSOCK_OP_RW);

	/* A connection kept across inputs: a stream of packets. */
	if (conn.state == NB_VSOCK_CONN_CLOSED || !conn.buf_alloc) {
		if (data[0] & 1)
			nb_vsock_conn_init_local(&conn, h.dst_port, h.src_port, BUF);
		else
			nb_vsock_conn_init_peer(&conn, &h, BUF);
	}
	act = nb_vsock_conn_recv(&conn, &h);
	if (act & NB_VSOCK_ACT_DATA)
		nb_vsock_conn_forwarded(&conn, h.len / 2);
	CHECK(nb_vsock_conn_unforwarded(&conn) <= BUF);
	for (int i = 0; i < 64 && nb_vsock_conn_next_rx(&conn, data[0] & 2, CID, &out); i++) {
		uint32_t free = nb_vsock_conn_peer_free(&conn);

		if (out.op == NB_VSOCK_OP_RW) {
			CHECK(out.len <= free && out.len <= NB_VSOCK_MAX_PKT_LEN && out.len > 0);
			nb_vsock_conn_sent(&conn, out.len);
			CHECK(nb_vsock_conn_peer_free(&conn) == free - out.len);
		}
		CHECK(out.dst_cid == CID && out.src_cid == NB_VSOCK_HOST_CID);
	}
	return 0;
}
