// SPDX-License-Identifier: Apache-2.0
/* virtio-net headers, offloads and RX buffer merging: pure functions. */
#include "devices/net_hdr.h"

#include <string.h>

#define BIT(n) (1ULL << (n))

const char *nb_net_err_str(enum nb_net_err e)
{
	switch (e) {
	case NB_NET_OK:
		return "ok";
	case NB_NET_E_SHORT:
		return "shorter than the virtio-net header";
	case NB_NET_E_LONG:
		return "frame too long";
	case NB_NET_E_WRITABLE:
		return "TX chain with a device-writable buffer";
	case NB_NET_E_READABLE:
		return "RX chain with a device-readable buffer";
	case NB_NET_E_FLAGS:
		return "header flags not allowed";
	case NB_NET_E_GSO:
		return "GSO type not negotiated or bad gso_size";
	case NB_NET_E_CSUM:
		return "checksum offsets outside the packet";
	case NB_NET_E_NO_ROOM:
		return "buffers too small for the frame";
	}
	return "unknown";
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

void nb_net_hdr_get(struct nb_net_hdr *h, const uint8_t *p)
{
	h->flags = p[0];
	h->gso_type = p[1];
	h->hdr_len = get16(p + 2);
	h->gso_size = get16(p + 4);
	h->csum_start = get16(p + 6);
	h->csum_offset = get16(p + 8);
	h->num_buffers = get16(p + 10);
}

void nb_net_hdr_put(const struct nb_net_hdr *h, uint8_t *p)
{
	p[0] = h->flags;
	p[1] = h->gso_type;
	put16(p + 2, h->hdr_len);
	put16(p + 4, h->gso_size);
	put16(p + 6, h->csum_start);
	put16(p + 8, h->csum_offset);
	put16(p + 10, h->num_buffers);
}

unsigned int nb_net_tap_offloads(uint64_t features)
{
	unsigned int f = 0;

	/* The kernel takes segmentation offloads only with checksum offload. */
	if (!(features & BIT(NB_VIRTIO_NET_F_GUEST_CSUM)))
		return 0;
	f |= NB_TUN_F_CSUM;
	if (features & BIT(NB_VIRTIO_NET_F_GUEST_TSO4))
		f |= NB_TUN_F_TSO4;
	if (features & BIT(NB_VIRTIO_NET_F_GUEST_TSO6))
		f |= NB_TUN_F_TSO6;
	if (features & BIT(NB_VIRTIO_NET_F_GUEST_UFO))
		f |= NB_TUN_F_UFO;
	return f;
}

enum nb_net_err nb_net_hdr_check(const struct nb_net_hdr *h, uint64_t features, bool tx,
				 uint32_t pkt_len)
{
	uint64_t csum = BIT(tx ? NB_VIRTIO_NET_F_CSUM : NB_VIRTIO_NET_F_GUEST_CSUM);
	uint64_t tso4 = BIT(tx ? NB_VIRTIO_NET_F_HOST_TSO4 : NB_VIRTIO_NET_F_GUEST_TSO4);
	uint64_t tso6 = BIT(tx ? NB_VIRTIO_NET_F_HOST_TSO6 : NB_VIRTIO_NET_F_GUEST_TSO6);
	uint64_t ufo = BIT(tx ? NB_VIRTIO_NET_F_HOST_UFO : NB_VIRTIO_NET_F_GUEST_UFO);
	uint8_t allowed = NB_NET_HDR_F_NEEDS_CSUM | (tx ? 0 : NB_NET_HDR_F_DATA_VALID);
	uint64_t need;

	if (h->flags & ~allowed)
		return NB_NET_E_FLAGS;
	if (h->flags && !(features & csum))
		return NB_NET_E_FLAGS;
	if ((h->flags & NB_NET_HDR_F_NEEDS_CSUM) &&
	    (uint32_t)h->csum_start + h->csum_offset + 2 > pkt_len)
		return NB_NET_E_CSUM;
	switch (h->gso_type) {
	case NB_NET_GSO_NONE:
		return NB_NET_OK;
	case NB_NET_GSO_TCPV4:
		need = tso4;
		break;
	case NB_NET_GSO_TCPV6:
		need = tso6;
		break;
	case NB_NET_GSO_UDP:
		need = ufo;
		break;
	default: /* ECN and UDP_L4 are not offered */
		return NB_NET_E_GSO;
	}
	if (!(features & need) || !h->gso_size || h->hdr_len > pkt_len)
		return NB_NET_E_GSO;
	return NB_NET_OK;
}

enum nb_net_err nb_net_tx_parse(const struct nb_virtq_chain *c, uint64_t features,
				struct nb_net_tx *tx)
{
	uint8_t raw[NB_NET_HDR_LEN];
	uint32_t got = 0;

	tx->nr_iov = 0;
	tx->len = 0;
	if (c->nr_read != c->nr)
		return NB_NET_E_WRITABLE;
	if (c->read_len < NB_NET_HDR_LEN)
		return NB_NET_E_SHORT;
	if (c->read_len > NB_NET_FRAME_MAX)
		return NB_NET_E_LONG;
	for (uint16_t i = 0; i < c->nr; i++) {
		const struct nb_virtq_buf *b = &c->bufs[i];

		if (!b->len)
			continue;
		if (got < NB_NET_HDR_LEN) {
			uint32_t n = NB_NET_HDR_LEN - got < b->len ? NB_NET_HDR_LEN - got : b->len;

			/* One read of the guest's bytes: the check sees what the tap gets. */
			memcpy(raw + got, b->host, n);
			got += n;
		}
		tx->iov[tx->nr_iov].iov_base = b->host;
		tx->iov[tx->nr_iov].iov_len = b->len;
		tx->nr_iov++;
	}
	tx->len = (uint32_t)c->read_len;
	nb_net_hdr_get(&tx->hdr, raw);
	return nb_net_hdr_check(&tx->hdr, features, true, tx->len - NB_NET_HDR_LEN);
}

enum nb_net_err nb_net_rx_start(struct nb_net_rx *rx, uint8_t *frame, uint32_t len,
				uint64_t features)
{
	struct nb_net_hdr h;
	enum nb_net_err e;

	memset(rx, 0, sizeof(*rx));
	if (len < NB_NET_HDR_LEN)
		return NB_NET_E_SHORT;
	if (len > NB_NET_FRAME_MAX)
		return NB_NET_E_LONG;
	nb_net_hdr_get(&h, frame);
	if (!(features & BIT(NB_VIRTIO_NET_F_GUEST_CSUM)))
		h.flags &= (uint8_t)~NB_NET_HDR_F_DATA_VALID;
	e = nb_net_hdr_check(&h, features, false, len - NB_NET_HDR_LEN);
	if (e != NB_NET_OK)
		return e;
	h.num_buffers = 1;
	nb_net_hdr_put(&h, frame);
	rx->frame = frame;
	rx->len = len;
	rx->mrg = features & BIT(NB_VIRTIO_NET_F_MRG_RXBUF);
	return NB_NET_OK;
}

enum nb_net_err nb_net_rx_fill(struct nb_net_rx *rx, const struct nb_virtq_chain *c, uint32_t *used)
{
	uint32_t left = rx->len - rx->done, start = rx->done;

	*used = 0;
	if (c->nr_read)
		return NB_NET_E_READABLE;
	if (!rx->mrg && c->write_len < left)
		return NB_NET_E_NO_ROOM;
	if (!c->write_len || (!rx->nr_bufs && c->write_len < NB_NET_HDR_LEN))
		return NB_NET_E_NO_ROOM;
	for (uint16_t i = 0; i < c->nr && rx->done < rx->len; i++) {
		const struct nb_virtq_buf *b = &c->bufs[i];
		uint32_t n = b->len < rx->len - rx->done ? b->len : rx->len - rx->done;

		/* Remember where num_buffers (header bytes 10 and 11) lands. */
		for (uint32_t k = 10; k < 12 && !rx->nr_bufs; k++)
			if (k >= rx->done && k < rx->done + n)
				rx->nb[k - 10] = b->host + (k - rx->done);
		memcpy(b->host, rx->frame + rx->done, n);
		rx->done += n;
	}
	*used = rx->done - start;
	rx->nr_bufs++;
	return NB_NET_OK;
}

void nb_net_rx_finish(struct nb_net_rx *rx)
{
	if (!rx->nr_bufs || !rx->nb[0] || !rx->nb[1])
		return;
	*rx->nb[0] = (uint8_t)rx->nr_bufs;
	*rx->nb[1] = (uint8_t)(rx->nr_bufs >> 8);
}
