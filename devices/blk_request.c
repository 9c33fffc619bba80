// SPDX-License-Identifier: Apache-2.0
#include <endian.h>
#include <string.h>

#include "devices/blk_request.h"

#define HDR_LEN 16u
#define SEG_LEN 16u

/*
 * Walks buffers [first, end) of @c, skips @skip bytes, and hands the next
 * @len bytes out as iovecs (zero-length pieces left out). The chain's totals
 * guarantee the bytes are there.
 */
static void take_iov(const struct nb_virtq_chain *c, uint16_t first, uint16_t end, uint64_t skip,
		     uint64_t len, struct nb_blk_req *r)
{
	for (uint16_t i = first; i < end && len; i++) {
		const struct nb_virtq_buf *b = &c->bufs[i];
		uint64_t n = b->len;

		if (skip >= n) {
			skip -= n;
			continue;
		}
		n -= skip;
		if (n > len)
			n = len;
		r->iov[r->nr_iov].iov_base = b->host + skip;
		r->iov[r->nr_iov].iov_len = n;
		r->nr_iov++;
		r->data_len += n;
		len -= n;
		skip = 0;
	}
}

/* Copies @len readable bytes starting @skip bytes into the chain. */
static void copy_readable(const struct nb_virtq_chain *c, uint64_t skip, void *out, uint64_t len)
{
	uint8_t *o = out;

	for (uint16_t i = 0; i < c->nr_read && len; i++) {
		const struct nb_virtq_buf *b = &c->bufs[i];
		uint64_t n = b->len;

		if (skip >= n) {
			skip -= n;
			continue;
		}
		n -= skip;
		if (n > len)
			n = len;
		memcpy(o, b->host + skip, n);
		o += n;
		len -= n;
		skip = 0;
	}
}

/* Whether [sector, sector + sectors) lies on the disk, without overflow. */
static bool in_range(const struct nb_blk_disk *d, uint64_t sector, uint64_t sectors)
{
	return sector <= d->capacity && sectors <= d->capacity - sector;
}

/* IN / OUT / GET_ID data: present, and whole sectors for IN and OUT. */
static enum nb_blk_err check_data(const struct nb_blk_req *r, bool sectors)
{
	if (r->data_len == 0 || r->data_len > UINT32_MAX - 1)
		return NB_BLK_E_LENGTH;
	if (sectors && r->data_len % NB_BLK_SECTOR_SIZE)
		return NB_BLK_E_LENGTH;
	return NB_BLK_OK;
}

static enum nb_blk_err parse_rw(const struct nb_virtq_chain *c, const struct nb_blk_disk *d,
				struct nb_blk_req *r)
{
	enum nb_blk_err e;

	if (r->type == NB_BLK_T_OUT) {
		if (c->write_len != 1)
			return NB_BLK_E_DIRECTION;
		take_iov(c, 0, c->nr_read, HDR_LEN, c->read_len - HDR_LEN, r);
	} else {
		if (c->read_len != HDR_LEN)
			return NB_BLK_E_DIRECTION;
		take_iov(c, c->nr_read, c->nr, 0, c->write_len - 1, r);
	}
	e = check_data(r, r->type != NB_BLK_T_GET_ID);
	if (e != NB_BLK_OK || r->type == NB_BLK_T_GET_ID)
		return e;
	if (r->type == NB_BLK_T_OUT && d->read_only)
		return NB_BLK_E_READ_ONLY;
	if (!in_range(d, r->sector, r->data_len >> NB_BLK_SECTOR_SHIFT))
		return NB_BLK_E_RANGE;
	return NB_BLK_OK;
}

static enum nb_blk_err parse_segments(const struct nb_virtq_chain *c, const struct nb_blk_disk *d,
				      struct nb_blk_req *r)
{
	bool discard = r->type == NB_BLK_T_DISCARD;
	uint64_t bytes = c->read_len - HDR_LEN;
	struct {
		uint64_t sector;
		uint32_t num_sectors;
		uint32_t flags;
	} seg;

	if (discard ? !d->discard : !d->write_zeroes)
		return NB_BLK_E_UNSUPPORTED;
	if (c->write_len != 1)
		return NB_BLK_E_DIRECTION;
	if (bytes == 0 || bytes % SEG_LEN ||
	    bytes / SEG_LEN > (discard ? NB_BLK_MAX_DISCARD_SEG : NB_BLK_MAX_WZ_SEG))
		return NB_BLK_E_SEGMENTS;
	copy_readable(c, HDR_LEN, &seg, SEG_LEN);
	r->seg_sector = le64toh(seg.sector);
	r->seg_sectors = le32toh(seg.num_sectors);
	r->seg_flags = le32toh(seg.flags);
	/* 5.2.6.2: UNSUPP for unmap on a discard, or any unknown flag. */
	if (r->seg_flags & ~(discard ? 0u : NB_BLK_WZ_F_UNMAP))
		return NB_BLK_E_FLAGS;
	if (r->seg_sectors > (discard ? NB_BLK_MAX_DISCARD_SECTORS : NB_BLK_MAX_WZ_SECTORS))
		return NB_BLK_E_SEG_SIZE;
	if (d->read_only)
		return NB_BLK_E_READ_ONLY;
	if (!in_range(d, r->seg_sector, r->seg_sectors))
		return NB_BLK_E_RANGE;
	return NB_BLK_OK;
}

enum nb_blk_err nb_blk_parse(const struct nb_virtq_chain *c, const struct nb_blk_disk *disk,
			     struct nb_blk_req *r)
{
	struct {
		uint32_t type;
		uint32_t reserved;
		uint64_t sector;
	} hdr;

	r->type = UINT32_MAX;
	r->sector = 0;
	r->status = NULL;
	r->data_len = 0;
	r->nr_iov = 0;
	r->seg_sector = 0;
	r->seg_sectors = 0;
	r->seg_flags = 0;

	/* The status: the last byte of the last non-empty writable buffer. */
	for (uint16_t i = c->nr; i > c->nr_read; i--) {
		const struct nb_virtq_buf *b = &c->bufs[i - 1];

		if (b->len) {
			r->status = b->host + b->len - 1;
			break;
		}
	}
	if (!r->status)
		return NB_BLK_E_NO_STATUS;
	if (c->read_len < HDR_LEN)
		return NB_BLK_E_HEADER;
	copy_readable(c, 0, &hdr, HDR_LEN);
	r->type = le32toh(hdr.type);
	r->sector = le64toh(hdr.sector);

	switch (r->type) {
	case NB_BLK_T_IN:
	case NB_BLK_T_OUT:
	case NB_BLK_T_GET_ID:
		return parse_rw(c, disk, r);
	case NB_BLK_T_FLUSH:
		if (c->read_len != HDR_LEN || c->write_len != 1)
			return NB_BLK_E_DIRECTION;
		return NB_BLK_OK;
	case NB_BLK_T_DISCARD:
	case NB_BLK_T_WRITE_ZEROES:
		return parse_segments(c, disk, r);
	default:
		return NB_BLK_E_UNSUPPORTED;
	}
}

uint8_t nb_blk_err_status(enum nb_blk_err e)
{
	switch (e) {
	case NB_BLK_OK:
		return NB_BLK_S_OK;
	case NB_BLK_E_FLAGS:
	case NB_BLK_E_UNSUPPORTED:
		return NB_BLK_S_UNSUPP;
	default:
		return NB_BLK_S_IOERR;
	}
}

const char *nb_blk_err_name(enum nb_blk_err e)
{
	static const char *const names[] = {
	    [NB_BLK_OK] = "ok",
	    [NB_BLK_E_NO_STATUS] = "no status byte",
	    [NB_BLK_E_HEADER] = "short header",
	    [NB_BLK_E_DIRECTION] = "data direction",
	    [NB_BLK_E_LENGTH] = "data length",
	    [NB_BLK_E_RANGE] = "out of range",
	    [NB_BLK_E_READ_ONLY] = "read-only",
	    [NB_BLK_E_SEGMENTS] = "segments",
	    [NB_BLK_E_SEG_SIZE] = "segment size",
	    [NB_BLK_E_FLAGS] = "flags",
	    [NB_BLK_E_UNSUPPORTED] = "unsupported",
	};

	if ((unsigned)e < sizeof(names) / sizeof(names[0]) && names[e])
		return names[e];
	return "?";
}
