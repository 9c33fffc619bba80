// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target for the virtio-blk request parser. The input describes a
 * chain (buffer count, each buffer's length and direction) and the disk
 * (capacity, read-only, discard, write-zeroes); the rest of it is the bytes
 * the buffers hold. Every result is checked against what the parser
 * promises: iovecs and the status byte inside the chain's buffers, data
 * lengths that add up, requests that fit on the disk.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "devices/blk_request.h"

static struct nb_virtq_chain chain;
static struct nb_blk_req req;
static uint8_t area[1 << 16];

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nb_blk_disk disk;
	unsigned nr, flags;
	size_t used = 0;
	bool writing = false;
	enum nb_blk_err e;

	flags = (unsigned)take(&data, &size, 1);
	disk.capacity = take(&data, &size, flags & 0x80 ? 8 : 2);
	disk.read_only = flags & 1;
	disk.discard = flags & 2;
	disk.write_zeroes = flags & 4;
	nr = (unsigned)take(&data, &size, 1) % (NB_VIRTQ_MAX_CHAIN + 1);

	memset(&chain, 0, sizeof(chain));
	for (unsigned i = 0; i < nr; i++) {
		struct nb_virtq_buf *b = &chain.bufs[i];
		uint32_t len = (uint32_t)take(&data, &size, 2) & 0x7fff;
		bool w = len & 0x4000;

		len &= 0x3fff;
		if (used + len > sizeof(area))
			len = 0;
		/* The queue guarantees: readable buffers first. */
		w = w || writing;
		writing = w;
		b->gpa = used;
		b->len = len;
		b->write = w;
		b->host = area + used;
		used += len;
		chain.nr++;
		if (w) {
			chain.write_len += len;
		} else {
			chain.nr_read++;
			chain.read_len += len;
		}
	}
	memset(area, 0, used);
	memcpy(area, data, size < used ? size : used);

	e = nb_blk_parse(&chain, &disk, &req);
	if (e == NB_BLK_E_NO_STATUS) {
		if (req.status || chain.write_len)
			abort();
		return 0;
	}
	if (!req.status || !inside(req.status, 1))
		abort();
	if (nb_blk_err_status(e) > NB_BLK_S_UNSUPP)
		abort();
	if (e != NB_BLK_OK)
		return 0;

	uint64_t sum = 0;

	for (unsigned i = 0; i < req.nr_iov; i++) {
		if (!req.iov[i].iov_len || !inside(req.iov[i].iov_base, req.iov[i].iov_len))
			abort();
		sum += req.iov[i].iov_len;
	}
	if (sum != req.data_len)
		abort();
	switch (req.type) {
	case NB_BLK_T_IN:
	case NB_BLK_T_OUT:
		if (!req.data_len || req.data_len % NB_BLK_SECTOR_SIZE)
			abort();
		if (req.sector > disk.capacity ||
		    req.data_len / NB_BLK_SECTOR_SIZE > disk.capacity - req.sector)
			abort();
		if (req.type == NB_BLK_T_OUT && disk.read_only)
			abort();
		break;
	case NB_BLK_T_DISCARD:
	case NB_BLK_T_WRITE_ZEROES:
		if (disk.read_only || req.seg_sector > disk.capacity ||
		    req.seg_sectors > disk.capacity - req.seg_sector)
			abort();
		break;
	case NB_BLK_T_FLUSH:
	case NB_BLK_T_GET_ID:
		break;
	default:
		abort();
	}
	return 0;
}
