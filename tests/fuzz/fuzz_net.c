// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target for the virtio-net chain parsers (net_hdr.h). The input
 * picks the negotiated features and a direction, describes chains (count,
 * each buffer's length and direction) and fills the buffers; the rest is
 * the bytes. TX: the parser's iovecs lie inside the chain and add up to its
 * length, and an accepted header obeys the features. RX: a frame from the
 * input is spread over the chains as the device does; every byte lands
 * inside a writable buffer, the copy matches the frame, and num_buffers
 * counts the chains used.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "devices/net_hdr.h"

#define BIT(n) (1ULL << (n))

static struct nb_virtq_chain chains[8];
static struct nb_net_tx tx;
static uint8_t area[1 << 17];
static uint8_t frame[NB_NET_FRAME_MAX + 1];

static uint64_t take(const uint8_t **p, size_t *n, unsigned bytes)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < bytes && *n; i++, (*p)++, (*n)--)
		v |= (uint64_t) * *p << (8 * i);
	return v;
}

static bool inside(const void *p, uint64_t len)
{
	const uint8_t *b = p;

	return b >= area && len <= sizeof(area) && b - area <= (ptrdiff_t)(sizeof(area) - len);
}

/* A chain from the input, its buffers after *@used in area. */
static void mk_chain(struct nb_virtq_chain *c, const uint8_t **d, size_t *n, size_t *used)
{
	unsigned nr = (unsigned)take(d, n, 1) % 17;
	bool writing = false;

	memset(c, 0, sizeof(*c));
	for (unsigned i = 0; i < nr; i++) {
		struct nb_virtq_buf *b = &c->bufs[i];
		uint32_t len = (uint32_t)take(d, n, 2);
		bool w = len & 0x8000;

		len &= 0x7fff;
		if (*used + len > sizeof(area))
			len = 0;
		w = w || writing;
		writing = w;
		b->gpa = *used;
		b->len = len;
		b->write = w;
		b->host = area + *used;
		*used += len;
		c->nr++;
		if (w) {
			c->write_len += len;
		} else {
			c->nr_read++;
			c->read_len += len;
		}
	}
}

static void check_tx(uint64_t f, const struct nb_virtq_chain *c)
{
	enum nb_net_err e = nb_net_tx_parse(c, f, &tx);
	uint64_t sum = 0;

	if (e == NB_NET_E_WRITABLE || e == NB_NET_E_SHORT || e == NB_NET_E_LONG) {
		if (e == NB_NET_E_WRITABLE && c->nr_read == c->nr)
			abort();
		return;
	}
	for (unsigned i = 0; i < tx.nr_iov; i++) {
		if (!tx.iov[i].iov_len || !inside(tx.iov[i].iov_base, tx.iov[i].iov_len))
			abort();
		sum += tx.iov[i].iov_len;
	}
	if (sum != c->read_len || tx.len != sum || sum < NB_NET_HDR_LEN || sum > NB_NET_FRAME_MAX)
		abort();
	if (e != NB_NET_OK)
		return;
	if ((tx.hdr.flags & NB_NET_HDR_F_NEEDS_CSUM) &&
	    (!(f & BIT(NB_VIRTIO_NET_F_CSUM)) ||
	     (uint32_t)tx.hdr.csum_start + tx.hdr.csum_offset + 2 > sum - NB_NET_HDR_LEN))
		abort();
	if (tx.hdr.flags & ~NB_NET_HDR_F_NEEDS_CSUM)
		abort();
	if (tx.hdr.gso_type != NB_NET_GSO_NONE && !tx.hdr.gso_size)
		abort();
}

static void check_rx(uint64_t f, unsigned nr, uint32_t len, const uint8_t *d, size_t n)
{
	struct nb_net_rx rx;
	uint32_t used, total = 0;
	uint16_t filled = 0;
	uint8_t *first = NULL;

	memset(frame, 0, len);
	memcpy(frame, d, n < len ? n : len);
	if (nb_net_rx_start(&rx, frame, len, f) != NB_NET_OK)
		return;
	for (unsigned i = 0; i < nr && !nb_net_rx_done(&rx); i++) {
		const struct nb_virtq_chain *c = &chains[i];
		enum nb_net_err e = nb_net_rx_fill(&rx, c, &used);

		if (e != NB_NET_OK) {
			if (used)
				abort();
			if (e == NB_NET_E_NO_ROOM && !(f & BIT(NB_VIRTIO_NET_F_MRG_RXBUF)))
				return;
			continue;
		}
		if (c->nr_read || used > c->write_len)
			abort();
		if (!(f & BIT(NB_VIRTIO_NET_F_MRG_RXBUF)) && used != len)
			abort();
		/* The bytes went to this chain's buffers, in order. */
		uint32_t k = 0;

		for (uint16_t b = 0; b < c->nr && k < used; b++) {
			uint32_t m = c->bufs[b].len < used - k ? c->bufs[b].len : used - k;

			if (!filled && !first && m)
				first = c->bufs[b].host;
			if (memcmp(c->bufs[b].host, frame + total + k, m))
				abort();
			k += m;
		}
		total += used;
		filled++;
	}
	if (!nb_net_rx_done(&rx))
		return;
	if (total != len || filled != rx.nr_bufs)
		abort();
	nb_net_rx_finish(&rx);
	if (*rx.nb[0] != (uint8_t)filled || *rx.nb[1] != (uint8_t)(filled >> 8))
		abort();
	(void)first;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned flags = (unsigned)take(&data, &size, 1);
	uint64_t f = take(&data, &size, 2);
	unsigned nr = 1 + (flags >> 1) % 8;
	size_t used = 0;

	for (unsigned i = 0; i < nr; i++)
		mk_chain(&chains[i], &data, &size, &used);
	if (flags & 1) {
		memset(area, 0, used);
		memcpy(area, data, size < used ? size : used);
		for (unsigned i = 0; i < nr; i++)
			check_tx(f, &chains[i]);
	} else {
		uint32_t len = (uint32_t)take(&data, &size, 3) % (NB_NET_FRAME_MAX + 2);

		check_rx(f, nr, len, data, size);
	}
	return 0;
}
