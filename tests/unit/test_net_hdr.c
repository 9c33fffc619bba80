// SPDX-License-Identifier: Apache-2.0
/* virtio-net headers, offloads, the TX parser and RX buffer merging. */
#include <check.h>
#include <string.h>

#include "devices/net_hdr.h"
#include "tests/unit/check_run.h"

#define BIT(n) (1ULL << (n))
#define ALL_TX                                                                                     \
	(BIT(NB_VIRTIO_NET_F_CSUM) | BIT(NB_VIRTIO_NET_F_HOST_TSO4) |                              \
	 BIT(NB_VIRTIO_NET_F_HOST_TSO6) | BIT(NB_VIRTIO_NET_F_HOST_UFO))
#define ALL_RX                                                                                     \
	(BIT(NB_VIRTIO_NET_F_GUEST_CSUM) | BIT(NB_VIRTIO_NET_F_GUEST_TSO4) |                       \
	 BIT(NB_VIRTIO_NET_F_GUEST_TSO6) | BIT(NB_VIRTIO_NET_F_GUEST_UFO))

static uint8_t area[1 << 18];
static struct nb_virtq_chain chain;

/* A chain of buffers of @lens in area at @off; @write: device-writable. */
static void mk_chain(unsigned n, const uint32_t *lens, bool write, size_t off)
{
	memset(&chain, 0, sizeof(chain));
	for (unsigned i = 0; i < n; i++) {
		struct nb_virtq_buf *b = &chain.bufs[i];

		b->len = lens[i];
		b->write = write;
		b->host = area + off;
		off += lens[i];
		chain.nr++;
		if (write) {
			chain.write_len += lens[i];
		} else {
			chain.nr_read++;
			chain.read_len += lens[i];
		}
	}
}

START_TEST(test_hdr_roundtrip_and_offloads)
{
	struct nb_net_hdr h = {1, 4, 0x102, 0x304, 0x506, 0x708, 0x90a}, g;
	uint8_t raw[12];

	nb_net_hdr_put(&h, raw);
	ck_assert_uint_eq(raw[2], 2);
	ck_assert_uint_eq(raw[3], 1);
	ck_assert_uint_eq(raw[11], 9);
	nb_net_hdr_get(&g, raw);
	ck_assert_mem_eq(&g, &h, sizeof(h));

	ck_assert_uint_eq(nb_net_tap_offloads(0), 0);
	/* Segmentation without checksum offload is nothing to the kernel. */
	ck_assert_uint_eq(nb_net_tap_offloads(BIT(NB_VIRTIO_NET_F_GUEST_TSO4)), 0);
	ck_assert_uint_eq(nb_net_tap_offloads(ALL_TX), 0);
	ck_assert_uint_eq(nb_net_tap_offloads(BIT(NB_VIRTIO_NET_F_GUEST_CSUM)), NB_TUN_F_CSUM);
	ck_assert_uint_eq(nb_net_tap_offloads(ALL_RX),
			  NB_TUN_F_CSUM | NB_TUN_F_TSO4 | NB_TUN_F_TSO6 | NB_TUN_F_UFO);
	ck_assert_uint_eq(
	    nb_net_tap_offloads(BIT(NB_VIRTIO_NET_F_GUEST_CSUM) | BIT(NB_VIRTIO_NET_F_GUEST_TSO6)),
	    NB_TUN_F_CSUM | NB_TUN_F_TSO6);
	for (int e = NB_NET_OK; e <= NB_NET_E_NO_ROOM; e++)
		ck_assert_str_ne(nb_net_err_str(e), "unknown");
	ck_assert_str_eq(nb_net_err_str((enum nb_net_err)99), "unknown");
}
END_TEST

START_TEST(test_hdr_check)
{
	struct nb_net_hdr h = {0};

	ck_assert_int_eq(nb_net_hdr_check(&h, 0, true, 0), NB_NET_OK);
	/* Checksum offload: only negotiated, offsets inside the packet. */
	h.flags = NB_NET_HDR_F_NEEDS_CSUM;
	h.csum_start = 34;
	h.csum_offset = 16;
	ck_assert_int_eq(nb_net_hdr_check(&h, 0, true, 100), NB_NET_E_FLAGS);
	ck_assert_int_eq(nb_net_hdr_check(&h, ALL_RX, true, 100), NB_NET_E_FLAGS);
	ck_assert_int_eq(nb_net_hdr_check(&h, ALL_TX, true, 100), NB_NET_OK);
	ck_assert_int_eq(nb_net_hdr_check(&h, ALL_TX, true, 52), NB_NET_OK);
	ck_assert_int_eq(nb_net_hdr_check(&h, ALL_TX, true, 51), NB_NET_E_CSUM);
	h.csum_start = 0xffff;
	h.csum_offset = 0xffff;
	ck_assert_int_eq(nb_net_hdr_check(&h, ALL_TX, true, 0xffff), NB_NET_E_CSUM);
	ck_assert_int_eq(nb_net_hdr_check(&h, ALL_RX, false, 100), NB_NET_E_CSUM);
	/* DATA_VALID only device to driver; RSC_INFO never. */
	h = (struct nb_net_hdr){.flags = NB_NET_HDR_F_DATA_VALID};
	ck_assert_int_eq(nb_net_hdr_check(&h, ALL_TX, true, 100), NB_NET_E_FLAGS);
	ck_assert_int_eq(nb_net_hdr_check(&h, ALL_RX, false, 100), NB_NET_OK);
	ck_assert_int_eq(nb_net_hdr_check(&h, 0, false, 100), NB_NET_E_FLAGS);
	h.flags = NB_NET_HDR_F_RSC_INFO;
	ck_assert_int_eq(nb_net_hdr_check(&h, ALL_RX, false, 100), NB_NET_E_FLAGS);
	/* GSO types each need their feature, a gso_size and hdr_len in the packet. */
	static const struct {
		uint8_t type;
		int tx_bit, rx_bit;
	} gso[] = {
	    {NB_NET_GSO_TCPV4, NB_VIRTIO_NET_F_HOST_TSO4, NB_VIRTIO_NET_F_GUEST_TSO4},
	    {NB_NET_GSO_TCPV6, NB_VIRTIO_NET_F_HOST_TSO6, NB_VIRTIO_NET_F_GUEST_TSO6},
	    {NB_NET_GSO_UDP, NB_VIRTIO_NET_F_HOST_UFO, NB_VIRTIO_NET_F_GUEST_UFO},
	};
	for (unsigned i = 0; i < 3; i++) {
		h = (struct nb_net_hdr){.gso_type = gso[i].type, .gso_size = 1448, .hdr_len = 54};
		ck_assert_int_eq(nb_net_hdr_check(&h, BIT(gso[i].tx_bit), true, 3000), NB_NET_OK);
		ck_assert_int_eq(nb_net_hdr_check(&h, ALL_TX & ~BIT(gso[i].tx_bit), true, 3000),
				 NB_NET_E_GSO);
		ck_assert_int_eq(nb_net_hdr_check(&h, BIT(gso[i].rx_bit), false, 3000), NB_NET_OK);
		ck_assert_int_eq(nb_net_hdr_check(&h, BIT(gso[i].rx_bit), true, 3000),
				 NB_NET_E_GSO);
		ck_assert_int_eq(nb_net_hdr_check(&h, BIT(gso[i].tx_bit), true, 53), NB_NET_E_GSO);
		h.gso_size = 0;
		ck_assert_int_eq(nb_net_hdr_check(&h, ALL_TX, true, 3000), NB_NET_E_GSO);
	}
	h = (struct nb_net_hdr){.gso_type = NB_NET_GSO_TCPV4 | NB_NET_GSO_ECN, .gso_size = 1};
	ck_assert_int_eq(nb_net_hdr_check(&h, ALL_TX, true, 100), NB_NET_E_GSO);
	h.gso_type = 5; /* UDP_L4: not offered */
	ck_assert_int_eq(nb_net_hdr_check(&h, ALL_TX | ALL_RX, true, 100), NB_NET_E_GSO);
}
END_TEST

START_TEST(test_tx_parse)
{
	static struct nb_net_tx tx;
	struct nb_net_hdr h = {.flags = NB_NET_HDR_F_NEEDS_CSUM, .csum_start = 1, .csum_offset = 2};
	uint32_t lens[4] = {5, 0, 7, 100};

	memset(area, 0, 4096);
	nb_net_hdr_put(&h, area);
	/* The header split over two buffers, a zero-length one skipped. */
	mk_chain(4, lens, false, 0);
	ck_assert_int_eq(nb_net_tx_parse(&chain, ALL_TX, &tx), NB_NET_OK);
	ck_assert_uint_eq(tx.len, 112);
	ck_assert_uint_eq(tx.nr_iov, 3);
	ck_assert_ptr_eq(tx.iov[1].iov_base, area + 5);
	ck_assert_uint_eq(tx.iov[2].iov_len, 100);
	ck_assert_uint_eq(tx.hdr.csum_offset, 2);
	/* Not negotiated. */
	ck_assert_int_eq(nb_net_tx_parse(&chain, 0, &tx), NB_NET_E_FLAGS);
	/* Short, long, writable. */
	lens[0] = 11;
	mk_chain(1, lens, false, 0);
	ck_assert_int_eq(nb_net_tx_parse(&chain, ALL_TX, &tx), NB_NET_E_SHORT);
	lens[0] = NB_NET_FRAME_MAX + 1;
	mk_chain(1, lens, false, 0);
	ck_assert_int_eq(nb_net_tx_parse(&chain, ALL_TX, &tx), NB_NET_E_LONG);
	lens[0] = NB_NET_FRAME_MAX;
	mk_chain(1, lens, false, 0);
	ck_assert_int_eq(nb_net_tx_parse(&chain, ALL_TX, &tx), NB_NET_OK);
	lens[0] = 100;
	mk_chain(1, lens, true, 0);
	ck_assert_int_eq(nb_net_tx_parse(&chain, ALL_TX, &tx), NB_NET_E_WRITABLE);
	ck_assert_uint_eq(tx.nr_iov, 0);
}
END_TEST

static uint8_t frame[NB_NET_FRAME_MAX];

static void mk_frame(uint32_t len)
{
	for (uint32_t i = 0; i < len; i++)
		frame[i] = (uint8_t)(i * 7 + 3);
	memset(frame, 0, NB_NET_HDR_LEN);
}

START_TEST(test_rx_single)
{
	struct nb_net_rx rx;
	uint32_t used, lens[3] = {10, 90, 1000};

	mk_frame(500);
	frame[0] = NB_NET_HDR_F_DATA_VALID;
	frame[10] = 0x55; /* whatever the tap left in num_buffers */
	/* Without GUEST_CSUM, DATA_VALID is cleared; num_buffers is 1. */
	ck_assert_int_eq(nb_net_rx_start(&rx, frame, 500, 0), NB_NET_OK);
	ck_assert_uint_eq(frame[0], 0);
	memset(area, 0xee, 2000);
	mk_chain(3, lens, true, 0);
	ck_assert_int_eq(nb_net_rx_fill(&rx, &chain, &used), NB_NET_OK);
	ck_assert_uint_eq(used, 500);
	ck_assert(nb_net_rx_done(&rx));
	nb_net_rx_finish(&rx);
	ck_assert_uint_eq(area[10], 1);
	ck_assert_uint_eq(area[11], 0);
	ck_assert_mem_eq(area + 12, frame + 12, 488);
	ck_assert_uint_eq(area[500], 0xee);

	/* Kept with GUEST_CSUM. */
	frame[0] = NB_NET_HDR_F_DATA_VALID;
	ck_assert_int_eq(nb_net_rx_start(&rx, frame, 500, ALL_RX), NB_NET_OK);
	ck_assert_uint_eq(frame[0], NB_NET_HDR_F_DATA_VALID);
	/* Too small without MRG_RXBUF: nothing written. */
	memset(area, 0xee, 2000);
	lens[0] = 499;
	mk_chain(1, lens, true, 0);
	ck_assert_int_eq(nb_net_rx_fill(&rx, &chain, &used), NB_NET_E_NO_ROOM);
	ck_assert_uint_eq(used, 0);
	ck_assert_uint_eq(area[0], 0xee);
	mk_chain(1, lens, false, 0);
	ck_assert_int_eq(nb_net_rx_fill(&rx, &chain, &used), NB_NET_E_READABLE);
	ck_assert(!nb_net_rx_done(&rx));

	/* Refused frames. */
	ck_assert_int_eq(nb_net_rx_start(&rx, frame, 11, ALL_RX), NB_NET_E_SHORT);
	ck_assert_int_eq(nb_net_rx_start(&rx, frame, NB_NET_FRAME_MAX + 1, ALL_RX), NB_NET_E_LONG);
	frame[0] = NB_NET_HDR_F_NEEDS_CSUM;
	ck_assert_int_eq(nb_net_rx_start(&rx, frame, 500, 0), NB_NET_E_FLAGS);
	frame[0] = 0;
	frame[1] = NB_NET_GSO_TCPV4;
	frame[4] = 100;
	ck_assert_int_eq(nb_net_rx_start(&rx, frame, 500, BIT(NB_VIRTIO_NET_F_GUEST_CSUM)),
			 NB_NET_E_GSO);
	ck_assert_int_eq(nb_net_rx_start(&rx, frame, 500, ALL_RX), NB_NET_OK);
}
END_TEST

START_TEST(test_rx_merge)
{
	uint64_t f = ALL_RX | BIT(NB_VIRTIO_NET_F_MRG_RXBUF);
	static uint8_t out[NB_NET_FRAME_MAX];
	struct nb_net_rx rx;
	uint32_t used, got = 0, lens[2];
	unsigned chains = 0;

	mk_frame(NB_NET_FRAME_MAX);
	ck_assert_int_eq(nb_net_rx_start(&rx, frame, NB_NET_FRAME_MAX, f), NB_NET_OK);
	/* The first chain must hold the header: 11 bytes are refused. */
	lens[0] = 11;
	mk_chain(1, lens, true, 0);
	ck_assert_int_eq(nb_net_rx_fill(&rx, &chain, &used), NB_NET_E_NO_ROOM);
	/* num_buffers split over the first chain's two buffers: bytes 10 | 11. */
	memset(area, 0, sizeof(area));
	lens[0] = 11;
	lens[1] = 1489;
	while (!nb_net_rx_done(&rx)) {
		size_t off = chains * 1500;

		mk_chain(chains ? 1 : 2, chains ? (uint32_t[]){1500} : lens, true, off);
		ck_assert_int_eq(nb_net_rx_fill(&rx, &chain, &used), NB_NET_OK);
		ck_assert_uint_eq(used,
				  got + 1500 <= NB_NET_FRAME_MAX ? 1500 : NB_NET_FRAME_MAX - got);
		got += used;
		chains++;
		if (chains == 2) {
			/* An empty chain in the middle is refused. */
			mk_chain(1, (uint32_t[]){0}, true, 0);
			ck_assert_int_eq(nb_net_rx_fill(&rx, &chain, &used), NB_NET_E_NO_ROOM);
		}
	}
	ck_assert_uint_eq(chains, (NB_NET_FRAME_MAX + 1499) / 1500);
	ck_assert_uint_eq(rx.nr_bufs, chains);
	nb_net_rx_finish(&rx);
	memcpy(out, area, NB_NET_FRAME_MAX);
	ck_assert_uint_eq(out[10] | out[11] << 8, chains);
	ck_assert_mem_eq(out + 12, frame + 12, NB_NET_FRAME_MAX - 12);
	/* finish before any chain writes nothing. */
	ck_assert_int_eq(nb_net_rx_start(&rx, frame, 100, f), NB_NET_OK);
	nb_net_rx_finish(&rx);
	ck_assert(!nb_net_rx_done(&rx));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("net_hdr");
	TCase *tc = tcase_create("net_hdr");

	tcase_add_test(tc, test_hdr_roundtrip_and_offloads);
	tcase_add_test(tc, test_hdr_check);
	tcase_add_test(tc, test_tx_parse);
	tcase_add_test(tc, test_rx_single);
	tcase_add_test(tc, test_rx_merge);
	suite_add_tcase(s, tc);
	return nb_check_run(s);
}
