// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "devices/blk_io.h"

#define PUNCH_MODE (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE)
#define ZERO_MODE (FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE)

int nb_blk_io_init(struct nb_blk_io *io, int fd, bool async, unsigned entries, int *uring_err)
{
	int r;

	memset(io, 0, sizeof(*io));
	io->fd = fd;
	io->event_fd = -1;
	*uring_err = 0;
	if (!async)
		return 0;
	r = io_uring_queue_init(entries, &io->ring, 0);
	if (r < 0) {
		*uring_err = r;
		return 0;
	}
	io->event_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (io->event_fd < 0) {
		r = -errno;
		io_uring_queue_exit(&io->ring);
		return r;
	}
	r = io_uring_register_eventfd(&io->ring, io->event_fd);
	if (r < 0) {
		*uring_err = r;
		close(io->event_fd);
		io->event_fd = -1;
		io_uring_queue_exit(&io->ring);
		return 0;
	}
	io->async = true;
	return 0;
}

void nb_blk_io_destroy(struct nb_blk_io *io)
{
	if (!io->async)
		return;
	nb_blk_io_drain(io);
	io_uring_queue_exit(&io->ring);
	close(io->event_fd);
	io->event_fd = -1;
	io->async = false;
}

/* Moves past @skip bytes of iov[*i...]: *i and the skip into iov[*i]. */
static uint64_t advance(const struct iovec *iov, unsigned nr, unsigned *i, uint64_t skip)
{
	while (*i < nr && skip >= iov[*i].iov_len) {
		skip -= iov[*i].iov_len;
		(*i)++;
	}
	return skip;
}

int64_t nb_blk_io_sync_rest(const struct nb_blk_io *io, const struct nb_blk_io_op *op,
			    uint64_t done)
{
	bool wr = op->op == NB_BLK_OP_WRITE;
	unsigned i = 0;
	uint64_t skip = advance(op->iov, op->nr_iov, &i, done);

	while (i < op->nr_iov) {
		off_t off = (off_t)(op->off + done);
		ssize_t n;

		if (skip) {
			/* The rest of a buffer a short transfer ended in. */
			uint8_t *p = (uint8_t *)op->iov[i].iov_base + skip;
			size_t len = op->iov[i].iov_len - skip;

			n = wr ? pwrite(io->fd, p, len, off) : pread(io->fd, p, len, off);
		} else {
			int cnt = op->nr_iov - i > IOV_MAX ? IOV_MAX : (int)(op->nr_iov - i);

			n = wr ? pwritev(io->fd, op->iov + i, cnt, off)
			       : preadv(io->fd, op->iov + i, cnt, off);
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break; /* end of file */
		done += (uint64_t)n;
		skip = advance(op->iov, op->nr_iov, &i, skip + (uint64_t)n);
	}
	return (int64_t)done;
}

int64_t nb_blk_io_sync(const struct nb_blk_io *io, const struct nb_blk_io_op *op)
{
	int r;

	switch (op->op) {
	case NB_BLK_OP_READ:
	case NB_BLK_OP_WRITE:
		return nb_blk_io_sync_rest(io, op, 0);
	case NB_BLK_OP_FLUSH:
		r = fdatasync(io->fd);
		break;
	case NB_BLK_OP_PUNCH:
		r = fallocate(io->fd, PUNCH_MODE, (off_t)op->off, (off_t)op->len);
		break;
	case NB_BLK_OP_ZERO:
		r = fallocate(io->fd, ZERO_MODE, (off_t)op->off, (off_t)op->len);
		break;
	default:
		return -EINVAL;
	}
	return r < 0 ? -errno : 0;
}

int nb_blk_io_queue(struct nb_blk_io *io, const struct nb_blk_io_op *op, uint64_t cookie)
{
	struct io_uring_sqe *sqe;

	if (!io->async)
		return -EINVAL;
	sqe = io_uring_get_sqe(&io->ring);
	if (!sqe)
		return -EBUSY;
	switch (op->op) {
	case NB_BLK_OP_READ:
		io_uring_prep_readv(sqe, io->fd, op->iov, op->nr_iov, op->off);
		break;
	case NB_BLK_OP_WRITE:
		io_uring_prep_writev(sqe, io->fd, op->iov, op->nr_iov, op->off);
		break;
	case NB_BLK_OP_FLUSH:
		io_uring_prep_fsync(sqe, io->fd, IORING_FSYNC_DATASYNC);
		/* After every write submitted before it, as the sync engine does. */
		io_uring_sqe_set_flags(sqe, IOSQE_IO_DRAIN);
		break;
	case NB_BLK_OP_PUNCH:
		io_uring_prep_fallocate(sqe, io->fd, PUNCH_MODE, (off_t)op->off, (off_t)op->len);
		break;
	case NB_BLK_OP_ZERO:
		io_uring_prep_fallocate(sqe, io->fd, ZERO_MODE, (off_t)op->off, (off_t)op->len);
		break;
	default:
		io_uring_prep_nop(sqe);
		break;
	}
	io_uring_sqe_set_data64(sqe, cookie);
	io->queued++;
	io->inflight++;
	return 0;
}

int nb_blk_io_submit(struct nb_blk_io *io)
{
	int tries = 0;

	while (io->async && io->queued) {
		int r = io_uring_submit(&io->ring);

		if (r < 0) {
			/* Left in the ring: the next submit sends them. */
			if ((r != -EAGAIN && r != -EINTR) || ++tries > 3)
				return r;
			continue;
		}
		io->queued -= (unsigned)r > io->queued ? io->queued : (unsigned)r;
		if (r == 0 && ++tries > 3)
			return -EAGAIN;
	}
	return 0;
}

static void clear_event(struct nb_blk_io *io)
{
	uint64_t v;

	if (read(io->event_fd, &v, sizeof(v)) < 0) {
		/* EAGAIN: nothing was signalled. */
	}
}

unsigned nb_blk_io_reap(struct nb_blk_io *io, nb_blk_io_done_fn fn, void *ctx)
{
	struct io_uring_cqe *cqe;
	unsigned n = 0;

	if (!io->async)
		return 0;
	/* Read first: a completion posted after this signals again. */
	clear_event(io);
	while (io_uring_peek_cqe(&io->ring, &cqe) == 0) {
		uint64_t cookie = io_uring_cqe_get_data64(cqe);
		int res = cqe->res;

		io_uring_cqe_seen(&io->ring, cqe);
		if (io->inflight)
			io->inflight--;
		fn(ctx, cookie, res);
		n++;
	}
	return n;
}

/* Waits for a completion; false when the ring is broken (nothing more will come). */
static bool wait_cqe(struct nb_blk_io *io, struct io_uring_cqe **cqe)
{
	int r;

	do
		r = io_uring_wait_cqe(&io->ring, cqe);
	while (r == -EINTR);
	return r >= 0;
}

void nb_blk_io_drain(struct nb_blk_io *io)
{
	if (!io->async)
		return;
	nb_blk_io_submit(io);
	while (io->inflight) {
		struct io_uring_cqe *cqe;

		if (!wait_cqe(io, &cqe))
			break;
		io_uring_cqe_seen(&io->ring, cqe);
		io->inflight--;
	}
	io->inflight = 0;
	io->queued = 0;
	clear_event(io);
}

void nb_blk_io_settle(struct nb_blk_io *io, nb_blk_io_done_fn fn, void *ctx)
{
	if (!io->async)
		return;
	nb_blk_io_submit(io);
	while (io->inflight) {
		struct io_uring_cqe *cqe;

		if (!wait_cqe(io, &cqe))
			break;
		nb_blk_io_reap(io, fn, ctx);
	}
}

bool nb_blk_io_can_punch(int fd, uint64_t size)
{
	const uint64_t mib = 1 << 20;
	uint64_t off = (size + 2 * mib - 1) / mib * mib;

	return fallocate(fd, PUNCH_MODE, (off_t)off, 4096) == 0;
}
