/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The block device's I/O engines on one file descriptor.
 *
 * Sync: preadv / pwritev / fdatasync / fallocate inline (nb_blk_io_sync).
 * Async: io_uring (liburing), buffered I/O; a FLUSH (IORING_OP_FSYNC with
 * IORING_FSYNC_DATASYNC, IOSQE_IO_DRAIN) starts only after everything
 * submitted before it completed. Operations are queued with nb_blk_io_queue,
 * sent with one nb_blk_io_submit per batch, and their completions signal an
 * eventfd (io_uring_register_eventfd) that the owner watches; it then calls
 * nb_blk_io_reap. A short read or write is the owner's to finish, with
 * nb_blk_io_sync_rest.
 *
 * Not thread-safe: the owner serialises.
 */
#ifndef NB_DEVICES_BLK_IO_H
#define NB_DEVICES_BLK_IO_H

#include <liburing.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

enum nb_blk_op {
	NB_BLK_OP_READ,
	NB_BLK_OP_WRITE,
	NB_BLK_OP_FLUSH, /* fdatasync */
	NB_BLK_OP_PUNCH, /* fallocate PUNCH_HOLE | KEEP_SIZE */
	NB_BLK_OP_ZERO,	 /* fallocate ZERO_RANGE | KEEP_SIZE */
};

struct nb_blk_io_op {
	enum nb_blk_op op;
	uint64_t off;
	uint64_t len;		 /* PUNCH / ZERO: bytes; READ / WRITE: sum of iov */
	const struct iovec *iov; /* READ / WRITE; must live until completion */
	unsigned nr_iov;
};

struct nb_blk_io {
	int fd;
	bool async;
	int event_fd; /* async: completions; -1 otherwise */
	unsigned inflight;
	unsigned queued; /* queued since the last submit */
	struct io_uring ring;
};

/* Called for each completed operation: @res is bytes done or -errno. */
typedef void (*nb_blk_io_done_fn)(void *ctx, uint64_t cookie, int64_t res);

/*
 * Sets up the engine on @fd (not owned). @async asks for io_uring with
 * @entries slots; if that fails the engine is synchronous and the io_uring
 * error is returned in *@uring_err (else 0). 0, or -errno (eventfd).
 */
int nb_blk_io_init(struct nb_blk_io *io, int fd, bool async, unsigned entries, int *uring_err);
/* Waits for in-flight operations (nb_blk_io_drain), then frees the ring. */
void nb_blk_io_destroy(struct nb_blk_io *io);

/* Does @op now. Bytes transferred (all of them unless EOF) or -errno. */
int64_t nb_blk_io_sync(const struct nb_blk_io *io, const struct nb_blk_io_op *op);
/* The same for a READ / WRITE of which @done bytes are already done. */
int64_t nb_blk_io_sync_rest(const struct nb_blk_io *io, const struct nb_blk_io_op *op,
			    uint64_t done);

/* Async: queues @op with @cookie. 0, or -EBUSY (no submission slot). */
int nb_blk_io_queue(struct nb_blk_io *io, const struct nb_blk_io_op *op, uint64_t cookie);
/* Async: sends what was queued. 0 or -errno (then those ops complete with it). */
int nb_blk_io_submit(struct nb_blk_io *io);
/* Async: hands every completion that is there to @fn. Returns how many. */
unsigned nb_blk_io_reap(struct nb_blk_io *io, nb_blk_io_done_fn fn, void *ctx);
/*
 * Async: waits until nothing is in flight, dropping the results (a device
 * reset: the buffers are no longer the device's). Clears the eventfd.
 */
void nb_blk_io_drain(struct nb_blk_io *io);

/*
 * Async: sends what was queued and waits until nothing is in flight, handing
 * each completion to @fn as nb_blk_io_reap does (a change of backing file:
 * every request finishes on the old one). Then io->fd may be replaced.
 */
void nb_blk_io_settle(struct nb_blk_io *io, nb_blk_io_done_fn fn, void *ctx);

/*
 * Whether the file takes fallocate(PUNCH_HOLE | KEEP_SIZE): probed on 4 KiB
 * well past its end (@size), where punching changes nothing. @fd must be
 * writable.
 */
bool nb_blk_io_can_punch(int fd, uint64_t size);

#endif
