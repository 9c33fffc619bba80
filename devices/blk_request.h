/* SPDX-License-Identifier: Apache-2.0 */
/*
 * virtio-blk requests (virtio 1.x, 5.2.6): a descriptor chain turned into
 * what to do, with no I/O. Pure: unit-tested and fuzzed on its own.
 *
 * The layout is not assumed (any framing, as virtio 1.x requires): the
 * 16-byte header is the first 16 readable bytes, wherever the buffers split
 * them; the status is the last writable byte; the data is what lies in
 * between (readable bytes after the header for OUT, DISCARD and
 * WRITE_ZEROES; writable bytes before the status for IN and GET_ID).
 */
#ifndef NB_DEVICES_BLK_REQUEST_H
#define NB_DEVICES_BLK_REQUEST_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "devices/virtq.h"

#define NB_BLK_SECTOR_SHIFT 9
#define NB_BLK_SECTOR_SIZE 512u
#define NB_BLK_ID_BYTES 20

/* Request types (5.2.6). */
#define NB_BLK_T_IN 0
#define NB_BLK_T_OUT 1
#define NB_BLK_T_FLUSH 4
#define NB_BLK_T_GET_ID 8
#define NB_BLK_T_DISCARD 11
#define NB_BLK_T_WRITE_ZEROES 13

/* Status byte values. */
#define NB_BLK_S_OK 0
#define NB_BLK_S_IOERR 1
#define NB_BLK_S_UNSUPP 2

/* The flag of a discard / write-zeroes segment. */
#define NB_BLK_WZ_F_UNMAP 1u

/* Limits the device advertises in its config space. */
#define NB_BLK_SEG_MAX (NB_VIRTQ_MAX_CHAIN - 2)
#define NB_BLK_MAX_DISCARD_SECTORS 0x3fffffu /* 2 GiB - 512 */
#define NB_BLK_MAX_DISCARD_SEG 1u
#define NB_BLK_MAX_WZ_SECTORS 0x3fffffu
#define NB_BLK_MAX_WZ_SEG 1u

/* What the disk allows, as negotiated with the driver. */
struct nb_blk_disk {
	uint64_t capacity; /* 512-byte sectors */
	bool read_only;
	bool discard;	   /* VIRTIO_BLK_F_DISCARD offered and acked */
	bool write_zeroes; /* VIRTIO_BLK_F_WRITE_ZEROES offered and acked */
};

/* Why a request was refused; NB_BLK_OK means "do it". */
enum nb_blk_err {
	NB_BLK_OK = 0,
	NB_BLK_E_NO_STATUS,   /* no writable byte for the status: push len 0 */
	NB_BLK_E_HEADER,      /* fewer than 16 readable bytes */
	NB_BLK_E_DIRECTION,   /* data readable where it must be writable, or the reverse */
	NB_BLK_E_LENGTH,      /* data missing, not whole sectors, or over 4 GiB */
	NB_BLK_E_RANGE,	      /* past the end of the disk, or the sector overflows */
	NB_BLK_E_READ_ONLY,   /* a write to a read-only disk */
	NB_BLK_E_SEGMENTS,    /* discard / write-zeroes: not whole segments, too many */
	NB_BLK_E_SEG_SIZE,    /* a segment over the advertised maximum */
	NB_BLK_E_FLAGS,	      /* a segment flag the command does not take */
	NB_BLK_E_UNSUPPORTED, /* an unknown type, or a feature not negotiated */
};

/* A parsed request. Pointers point into guest memory (the chain's buffers). */
struct nb_blk_req {
	uint32_t type;
	uint64_t sector;
	uint8_t *status;   /* the status byte; NULL when unreachable */
	uint64_t data_len; /* bytes in iov[] */
	uint16_t nr_iov;
	/* DISCARD / WRITE_ZEROES: the one segment (NB_BLK_MAX_*_SEG is 1). */
	uint64_t seg_sector;
	uint32_t seg_sectors;
	uint32_t seg_flags;
	struct iovec iov[NB_VIRTQ_MAX_CHAIN];
};

/*
 * Parses chain @c against @disk into @r. On anything but NB_BLK_OK, r->type
 * and r->status are still set as far as they could be read: complete the
 * request with nb_blk_err_status() in *r->status if r->status is non-NULL,
 * else push it with len 0.
 */
enum nb_blk_err nb_blk_parse(const struct nb_virtq_chain *c, const struct nb_blk_disk *disk,
			     struct nb_blk_req *r);

/* The status byte for a refused request: UNSUPP or IOERR (OK for NB_BLK_OK). */
uint8_t nb_blk_err_status(enum nb_blk_err e);

/* A short name for logs and tests ("range", "header", ...). */
const char *nb_blk_err_name(enum nb_blk_err e);

#endif
