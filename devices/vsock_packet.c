// SPDX-License-Identifier: Apache-2.0
/* virtio-vsock packet headers: decoding, encoding and the guest's rules. */
#include "devices/vsock_packet.h"

#include <stdbool.h>
#include <string.h>

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) | (uint32_t)get16(p + 2) << 16;
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

/* virtio 1.x struct virtio_vsock_hdr: the offsets of its packed fields. */
void nb_vsock_hdr_decode(const uint8_t b[NB_VSOCK_HDR_SIZE], struct nb_vsock_hdr *h)
{
	h->src_cid = get64(b);
	h->dst_cid = get64(b + 8);
	h->src_port = get32(b + 16);
	h->dst_port = get32(b + 20);
	h->len = get32(b + 24);
	h->type = get16(b + 28);
	h->op = get16(b + 30);
	h->flags = get32(b + 32);
	h->buf_alloc = get32(b + 36);
	h->fwd_cnt = get32(b + 40);
}

void nb_vsock_hdr_encode(const struct nb_vsock_hdr *h, uint8_t b[NB_VSOCK_HDR_SIZE])
{
	put64(b, h->src_cid);
	put64(b + 8, h->dst_cid);
	put32(b + 16, h->src_port);
	put32(b + 20, h->dst_port);
	put32(b + 24, h->len);
	put16(b + 28, h->type);
	put16(b + 30, h->op);
	put32(b + 32, h->flags);
	put32(b + 36, h->buf_alloc);
	put32(b + 40, h->fwd_cnt);
}

const char *nb_vsock_pkt_err_name(enum nb_vsock_pkt_err e)
{
	static const char *const names[] = {"ok", "short",   "len",    "type",
					    "op", "src_cid", "dst_cid"};

	return (unsigned int)e < NB_VSOCK_PKT_NR_ERRS ? names[e] : "?";
}

size_t nb_vsock_iov_len(const struct iovec *iov, unsigned int n)
{
	size_t len = 0;

	for (unsigned int i = 0; i < n; i++)
		len += iov[i].iov_len;
	return len;
}

unsigned int nb_vsock_iov_slice(const struct iovec *iov, unsigned int n, size_t off, size_t len,
				struct iovec *out, unsigned int max)
{
	unsigned int k = 0;

	for (unsigned int i = 0; i < n && len && k < max; i++) {
		size_t l = iov[i].iov_len;

		if (off >= l) {
			off -= l;
			continue;
		}
		l -= off;
		if (l > len)
			l = len;
		out[k].iov_base = (uint8_t *)iov[i].iov_base + off;
		out[k].iov_len = l;
		k++;
		len -= l;
		off = 0;
	}
	return k;
}

/* Copies @len bytes between @buf and the iovecs from @off on, into them when @to_iov. */
static size_t iov_copy(const struct iovec *iov, unsigned int n, size_t off, uint8_t *buf,
		       size_t len, bool to_iov)
{
	size_t done = 0;

	for (unsigned int i = 0; i < n && done < len; i++) {
		size_t l = iov[i].iov_len;
		uint8_t *at;

		if (off >= l) {
			off -= l;
			continue;
		}
		at = (uint8_t *)iov[i].iov_base + off;
		l -= off;
		if (l > len - done)
			l = len - done;
		if (to_iov)
			memcpy(at, buf + done, l);
		else
			memcpy(buf + done, at, l);
		done += l;
		off = 0;
	}
	return done;
}

size_t nb_vsock_iov_read(const struct iovec *iov, unsigned int n, size_t off, void *dst, size_t len)
{
	return iov_copy(iov, n, off, dst, len, false);
}

size_t nb_vsock_iov_write(const struct iovec *iov, unsigned int n, size_t off, const void *src,
			  size_t len)
{
	return iov_copy(iov, n, off, (uint8_t *)(uintptr_t)src, len, true);
}

enum nb_vsock_pkt_err nb_vsock_pkt_parse(const struct iovec *iov, unsigned int n,
					 uint64_t guest_cid, struct nb_vsock_hdr *h)
{
	uint8_t b[NB_VSOCK_HDR_SIZE];
	size_t total = nb_vsock_iov_len(iov, n);

	memset(h, 0, sizeof(*h));
	if (nb_vsock_iov_read(iov, n, 0, b, sizeof(b)) < sizeof(b))
		return NB_VSOCK_PKT_SHORT;
	nb_vsock_hdr_decode(b, h);
	if (h->len > NB_VSOCK_MAX_PKT_LEN || h->len > total - NB_VSOCK_HDR_SIZE)
		return NB_VSOCK_PKT_LEN;
	if (h->type != NB_VSOCK_TYPE_STREAM)
		return NB_VSOCK_PKT_TYPE;
	if (h->op < NB_VSOCK_OP_REQUEST || h->op > NB_VSOCK_OP_CREDIT_REQUEST)
		return NB_VSOCK_PKT_OP;
	if (h->len && h->op != NB_VSOCK_OP_RW)
		return NB_VSOCK_PKT_LEN;
	if (h->src_cid != guest_cid)
		return NB_VSOCK_PKT_SRC_CID;
	if (h->dst_cid != NB_VSOCK_HOST_CID)
		return NB_VSOCK_PKT_DST_CID;
	return NB_VSOCK_PKT_OK;
}
