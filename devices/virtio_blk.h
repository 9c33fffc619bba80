/* SPDX-License-Identifier: Apache-2.0 */
/*
 * virtio-blk (virtio 1.x, 5.2) on a raw image file, with Firecracker's drive
 * semantics: one queue of NB_VIRTIO_BLK_QUEUE_SIZE, capacity in 512-byte
 * sectors (a trailing partial sector is unreachable), read-only drives
 * (VIRTIO_BLK_F_RO, writes fail with IOERR), and the cache type: Unsafe
 * (writeback false, Firecracker's default) offers no VIRTIO_BLK_F_FLUSH and
 * completes a flush without syncing; Writeback offers it and completes a
 * flush only after fdatasync returned, so a flushed write survives the VMM
 * being killed. GET_ID answers the drive id, zero padded to 20 bytes.
 *
 * DISCARD and WRITE_ZEROES are offered on a writable drive whose file takes
 * fallocate(PUNCH_HOLE) (probed past its end at open, changing nothing);
 * write-zeroes uses ZERO_RANGE, or PUNCH_HOLE when the driver allows unmap
 * or the file does not take ZERO_RANGE (found on first use).
 *
 * Engines: Async (io_uring, one submit per notification, completions on an
 * eventfd watched through struct nb_event_ops, one interrupt per batch) or
 * Sync (inline preadv / pwritev / fdatasync). Async falls back to Sync with
 * one line on stderr when io_uring cannot be set up. At most the queue size
 * of requests are in flight; a reset waits for them before returning.
 *
 * An optional rate limiter (bytes and ops): when it is blocked the device
 * leaves chains in the queue and goes on when its timerfd fires.
 *
 * Give nb_virtio_blk_device() to nb_virtio_mmio_init(); the device's
 * callbacks run under the transport's lock, its event callbacks take it.
 */
#ifndef NB_DEVICES_VIRTIO_BLK_H
#define NB_DEVICES_VIRTIO_BLK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "devices/blk_request.h"
#include "devices/event_ops.h"
#include "devices/rate_limiter.h"
#include "devices/virtio_mmio.h"

#define NB_VIRTIO_BLK_QUEUE_SIZE 256
#define NB_VIRTIO_BLK_CONFIG_SIZE 60 /* up to write_zeroes_may_unmap */

/* Feature bits (5.2.3). */
#define NB_VIRTIO_BLK_F_SEG_MAX 2
#define NB_VIRTIO_BLK_F_RO 5
#define NB_VIRTIO_BLK_F_BLK_SIZE 6
#define NB_VIRTIO_BLK_F_FLUSH 9
#define NB_VIRTIO_BLK_F_DISCARD 13
#define NB_VIRTIO_BLK_F_WRITE_ZEROES 14

struct nb_virtio_blk;

struct nb_blk_params {
	const char *drive_id; /* GET_ID answer (first 20 bytes) and log prefix */
	const char *path;
	bool read_only;
	bool writeback;				       /* cache_type Writeback (else Unsafe) */
	bool async;				       /* io_uring engine (else synchronous) */
	const struct nb_token_bucket_params *bw, *ops; /* NULL: unlimited */
};

struct nb_virtio_blk_stats {
	uint64_t reads, writes, flushes; /* requests completed OK */
	uint64_t read_bytes, write_bytes;
	uint64_t discards, write_zeroes, get_ids;
	uint64_t bad_requests; /* refused by the parser (or an unusable chain) */
	uint64_t io_errors;    /* the host I/O failed */
	uint64_t rate_limited; /* times the rate limiter stopped the queue */
	uint64_t updates;      /* backing files changed (PATCH /drives) */
};

/* What a snapshot records of the device itself (plain data). */
struct nb_virtio_blk_state {
	uint64_t features; /* offered */
	uint64_t capacity; /* sectors */
	bool read_only, writeback;
	bool discard;	 /* DISCARD / WRITE_ZEROES offered */
	bool zero_range; /* ZERO_RANGE not (yet) found unsupported */
	char id[NB_BLK_ID_BYTES];
};

/*
 * Opens @p->path (O_RDWR or O_RDONLY, O_CLOEXEC) and sets up the device.
 * @ev is needed for the async engine and a rate limiter; it is copied (its
 * loop must outlive the device). 0, or -errno with one line naming the drive in @err
 * ("drive rootfs: open /x.img: No such file or directory"); nothing is left
 * behind then.
 */
int nb_virtio_blk_new(struct nb_virtio_blk **out, const struct nb_blk_params *p,
		      const struct nb_event_ops *ev, char *err, size_t errlen);
/* After the transport is destroyed (or never set up). NULL is fine. */
void nb_virtio_blk_free(struct nb_virtio_blk *blk);

/* What to give nb_virtio_mmio_init(); the device must outlive the transport. */
struct nb_virtio_device nb_virtio_blk_device(struct nb_virtio_blk *blk);

/* A consistent-enough copy of the counters, from any thread. */
void nb_virtio_blk_get_stats(const struct nb_virtio_blk *blk, struct nb_virtio_blk_stats *out);
/* The device's own state (the transport's is struct nb_virtio_mmio_state). */
const struct nb_virtio_blk_state *nb_virtio_blk_state(const struct nb_virtio_blk *blk);
/* Whether requests go through io_uring (false: the synchronous engine). */
bool nb_virtio_blk_is_async(const struct nb_virtio_blk *blk);

/* The device behind @t, or NULL when @t is not a block device's. */
struct nb_virtio_blk *nb_virtio_blk_from_transport(struct nb_virtio_mmio *t);

/*
 * Firecracker's PATCH /drives on a running device (the VMM thread; takes
 * the transport's lock). The rate limiter: each non-NULL bucket starts
 * afresh with its parameters (nb_rate_limiter_update), held-back chains are
 * retried. -ENODEV when @t is not a block device, or -errno from timerfd.
 */
int nb_virtio_blk_update_rate_limiter(struct nb_virtio_mmio *t,
				      const struct nb_token_bucket_params *bw,
				      const struct nb_token_bucket_params *ops);
/*
 * The backing file: @path is opened with the drive's read-only mode; the
 * requests in flight complete on the old file, which is then closed; the
 * capacity becomes the new file's and a configuration change interrupt
 * tells the driver. 0, or -errno with one line naming drives.path_on_host
 * in @err (nothing changed then).
 */
int nb_virtio_blk_update_path(struct nb_virtio_mmio *t, const char *path, char *err, size_t errlen);

#endif
