// SPDX-License-Identifier: Apache-2.0
#include "devices/virtio_blk.h"

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "devices/blk_io.h"

/* One request between pop and push. */
struct blk_slot {
	struct nb_blk_req req;
	struct nb_blk_io_op op;
	uint16_t head;
	uint32_t used_len; /* bytes written into the chain on success */
};

struct nb_virtio_blk {
	struct nb_virtio_blk_state s;
	uint8_t config[NB_VIRTIO_BLK_CONFIG_SIZE];
	int fd;
	struct nb_blk_io io;
	struct nb_rate_limiter rl;
	struct nb_event_ops ev;	  /* a copy: callers may pass a temporary */
	struct nb_virtio_mmio *t; /* set by the first activate, never cleared */
	bool active;		  /* between activate and reset, under t's lock */
	bool io_registered, timer_registered;
	bool pushed; /* used entries since the last interrupt */
	struct nb_blk_disk disk;
	struct nb_virtio_blk_stats stats; /* updated with relaxed atomics */
	uint16_t nr_free;
	uint16_t free_ids[NB_VIRTIO_BLK_QUEUE_SIZE];
	struct blk_slot *slots;	     /* NB_VIRTIO_BLK_QUEUE_SIZE of them */
	struct nb_virtq_chain chain; /* too big for the stack */
};

static void stat_add(uint64_t *counter, uint64_t n)
{
	__atomic_fetch_add(counter, n, __ATOMIC_RELAXED);
}

static void put_le(uint8_t *p, uint64_t v, unsigned len)
{
	for (unsigned i = 0; i < len; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Pushes @head with @len; a used ring the guest broke needs a reset. */
static void push(struct nb_virtio_blk *blk, uint16_t head, uint32_t len)
{
	struct nb_virtq *q = nb_virtio_mmio_queue(blk->t, 0);

	if (nb_virtq_push(q, blk->t->mem, head, len) < 0)
		nb_virtio_mmio_needs_reset(blk->t);
	else
		blk->pushed = true;
}

static void free_slot(struct nb_virtio_blk *blk, struct blk_slot *sl)
{
	blk->free_ids[blk->nr_free++] = (uint16_t)(sl - blk->slots);
}

/* Completes @sl with @status (and used_len bytes of data if OK). */
static void complete(struct nb_virtio_blk *blk, struct blk_slot *sl, uint8_t status)
{
	struct nb_virtio_blk_stats *st = &blk->stats;
	const struct nb_blk_req *r = &sl->req;

	*r->status = status;
	if (status == NB_BLK_S_OK) {
		switch (r->type) {
		case NB_BLK_T_IN:
			stat_add(&st->reads, 1);
			stat_add(&st->read_bytes, r->data_len);
			break;
		case NB_BLK_T_OUT:
			stat_add(&st->writes, 1);
			stat_add(&st->write_bytes, r->data_len);
			break;
		case NB_BLK_T_FLUSH:
			stat_add(&st->flushes, 1);
			break;
		case NB_BLK_T_GET_ID:
			stat_add(&st->get_ids, 1);
			break;
		case NB_BLK_T_DISCARD:
			stat_add(&st->discards, 1);
			break;
		default:
			stat_add(&st->write_zeroes, 1);
			break;
		}
	} else {
		stat_add(&st->io_errors, 1);
	}
	push(blk, sl->head, status == NB_BLK_S_OK ? sl->used_len : 1);
	free_slot(blk, sl);
}

/* The host I/O of @sl finished with @res: bytes or -errno. */
static void io_done(void *ctx, uint64_t cookie, int64_t res)
{
	struct nb_virtio_blk *blk = ctx;
	struct blk_slot *sl = &blk->slots[cookie];
	struct nb_blk_io_op *op = &sl->op;
	bool rw = op->op == NB_BLK_OP_READ || op->op == NB_BLK_OP_WRITE;

	if (rw && res >= 0 && (uint64_t)res < op->len)
		res = nb_blk_io_sync_rest(&blk->io, op, (uint64_t)res);
	if (op->op == NB_BLK_OP_ZERO && (res == -EOPNOTSUPP || res == -EINVAL)) {
		/* The file does not zero ranges: punch instead (reads give zeros). */
		blk->s.zero_range = false;
		op->op = NB_BLK_OP_PUNCH;
		res = nb_blk_io_sync(&blk->io, op);
	}
	if (rw ? res != (int64_t)op->len : res < 0)
		complete(blk, sl, NB_BLK_S_IOERR);
	else
		complete(blk, sl, NB_BLK_S_OK);
}

/* GET_ID: the drive id, zero padded, into as much of the buffer as there is. */
static uint32_t copy_id(const struct nb_virtio_blk *blk, const struct nb_blk_req *r)
{
	uint32_t done = 0;

	for (uint16_t i = 0; i < r->nr_iov && done < NB_BLK_ID_BYTES; i++) {
		size_t n = r->iov[i].iov_len;

		if (n > NB_BLK_ID_BYTES - done)
			n = NB_BLK_ID_BYTES - done;
		memcpy(r->iov[i].iov_base, blk->s.id + done, n);
		done += (uint32_t)n;
	}
	return done;
}

/* Starts the parsed request in @sl: now (sync) or queued on the ring. */
static void start(struct nb_virtio_blk *blk, struct blk_slot *sl)
{
	const struct nb_blk_req *r = &sl->req;
	struct nb_blk_io_op *op = &sl->op;

	sl->used_len = 1;
	memset(op, 0, sizeof(*op));
	switch (r->type) {
	case NB_BLK_T_IN:
	case NB_BLK_T_OUT:
		op->op = r->type == NB_BLK_T_IN ? NB_BLK_OP_READ : NB_BLK_OP_WRITE;
		op->off = r->sector << NB_BLK_SECTOR_SHIFT;
		op->len = r->data_len;
		op->iov = r->iov;
		op->nr_iov = r->nr_iov;
		if (r->type == NB_BLK_T_IN)
			sl->used_len += (uint32_t)r->data_len;
		break;
	case NB_BLK_T_FLUSH:
		if (!blk->s.writeback || blk->s.read_only) {
			/* Unsafe: nothing is promised, as Firecracker. */
			complete(blk, sl, NB_BLK_S_OK);
			return;
		}
		op->op = NB_BLK_OP_FLUSH;
		break;
	case NB_BLK_T_GET_ID:
		sl->used_len += copy_id(blk, r);
		complete(blk, sl, NB_BLK_S_OK);
		return;
	default: /* DISCARD, WRITE_ZEROES */
		if (r->seg_sectors == 0) {
			complete(blk, sl, NB_BLK_S_OK);
			return;
		}
		op->off = r->seg_sector << NB_BLK_SECTOR_SHIFT;
		op->len = (uint64_t)r->seg_sectors << NB_BLK_SECTOR_SHIFT;
		op->op = NB_BLK_OP_PUNCH;
		if (r->type == NB_BLK_T_WRITE_ZEROES && !(r->seg_flags & NB_BLK_WZ_F_UNMAP) &&
		    blk->s.zero_range)
			op->op = NB_BLK_OP_ZERO;
		break;
	}
	if (blk->io.async) {
		uint64_t cookie = (uint64_t)(sl - blk->slots);

		if (nb_blk_io_queue(&blk->io, op, cookie) == 0)
			return;
		/* The submission ring is full: send it and try once more. */
		nb_blk_io_submit(&blk->io);
		if (nb_blk_io_queue(&blk->io, op, cookie) == 0)
			return;
	}
	io_done(blk, (uint64_t)(sl - blk->slots), nb_blk_io_sync(&blk->io, op));
}

/* A chain the device refuses: status if it can be written, else len 0. */
static void refuse(struct nb_virtio_blk *blk, const struct nb_blk_req *r, uint16_t head,
		   enum nb_blk_err e)
{
	stat_add(&blk->stats.bad_requests, 1);
	if (r->status) {
		*r->status = nb_blk_err_status(e);
		push(blk, head, 1);
	} else {
		push(blk, head, 0);
	}
}

/*
 * Takes chains until the queue is empty (true) or a full slot table, the
 * limiter or a broken queue stops it (false).
 */
static bool drain(struct nb_virtio_blk *blk, struct nb_virtq *q, const struct nb_guest_mem *m)
{
	struct nb_virtq_chain *c = &blk->chain;

	for (;;) {
		bool was_blocked = nb_rate_limiter_is_blocked(&blk->rl);
		struct blk_slot *sl;
		enum nb_blk_err e;
		int r;

		if (blk->nr_free == 0)
			return false; /* completions bring us back */
		if (!nb_virtq_has_avail(q, m))
			return true;
		if (!nb_rate_limiter_consume(&blk->rl, 1, NB_TOKENS_OPS)) {
			if (!was_blocked)
				stat_add(&blk->stats.rate_limited, 1);
			return false;
		}
		r = nb_virtq_pop(q, m, c);
		if (r == 0) {
			nb_rate_limiter_replenish(&blk->rl, 1, NB_TOKENS_OPS);
			return true;
		}
		if (r < 0 && r != -EINVAL) { /* -EIO: the queue is broken */
			nb_rate_limiter_replenish(&blk->rl, 1, NB_TOKENS_OPS);
			nb_virtio_mmio_needs_reset(blk->t);
			return false;
		}
		if (r == -EINVAL) {
			stat_add(&blk->stats.bad_requests, 1);
			push(blk, c->head, 0);
			continue;
		}
		sl = &blk->slots[blk->free_ids[blk->nr_free - 1]];
		e = nb_blk_parse(c, &blk->disk, &sl->req);
		if (e != NB_BLK_OK) {
			refuse(blk, &sl->req, c->head, e);
			continue;
		}
		if ((sl->req.type == NB_BLK_T_IN || sl->req.type == NB_BLK_T_OUT) &&
		    !nb_rate_limiter_consume(&blk->rl, sl->req.data_len, NB_TOKENS_BYTES)) {
			/* Give the chain back: it is taken again when the timer fires. */
			nb_rate_limiter_replenish(&blk->rl, 1, NB_TOKENS_OPS);
			q->next_avail--;
			if (!was_blocked)
				stat_add(&blk->stats.rate_limited, 1);
			return false;
		}
		blk->nr_free--;
		sl->head = c->head;
		start(blk, sl);
	}
}

/* Serves the queue until it is empty (true) or something stops it (false). */
static bool serve(struct nb_virtio_blk *blk, struct nb_virtq *q, const struct nb_guest_mem *m)
{
	for (;;) {
		if (!drain(blk, q, m))
			return false;
		/* Empty: ask for notifications, then close the race. */
		nb_virtq_enable_notify(q, m, true);
		if (!nb_virtq_has_avail(q, m))
			return true;
	}
}

/* Lock held. Serves the queue, sends the batch, interrupts once. */
static void kick(struct nb_virtio_blk *blk)
{
	struct nb_virtio_mmio *t = blk->t;
	struct nb_virtq *q;

	if (!blk->active)
		return;
	q = nb_virtio_mmio_queue(t, 0);
	if (!q || !q->ready)
		return;
	for (;;) {
		bool empty = serve(blk, q, t->mem);

		if (!blk->io.async)
			break;
		nb_blk_io_submit(&blk->io);
		/*
		 * Requests served from the page cache are done already; the
		 * eventfd was cleared, so go on here if they made room.
		 */
		if (nb_blk_io_reap(&blk->io, io_done, blk) == 0 || empty || !blk->active)
			break;
	}
	if (blk->pushed) {
		blk->pushed = false;
		nb_virtio_mmio_signal_used(t, 0);
	}
}

static void blk_io_event(void *ctx, int fd, uint32_t events)
{
	struct nb_virtio_blk *blk = ctx;

	(void)fd;
	(void)events;
	nb_virtio_mmio_lock(blk->t);
	if (blk->active) {
		nb_blk_io_reap(&blk->io, io_done, blk);
		kick(blk);
	} else {
		/* After a reset nothing is in flight: just clear the eventfd. */
		nb_blk_io_drain(&blk->io);
	}
	nb_virtio_mmio_unlock(blk->t);
}

static void blk_timer(void *ctx, int fd, uint32_t events)
{
	struct nb_virtio_blk *blk = ctx;

	(void)fd;
	(void)events;
	nb_virtio_mmio_lock(blk->t);
	nb_rate_limiter_event(&blk->rl);
	kick(blk);
	nb_virtio_mmio_unlock(blk->t);
}

static void unregister(struct nb_virtio_blk *blk)
{
	if (blk->timer_registered)
		nb_event_remove(&blk->ev, nb_rate_limiter_fd(&blk->rl));
	if (blk->io_registered)
		nb_event_remove(&blk->ev, blk->io.event_fd);
	blk->timer_registered = false;
	blk->io_registered = false;
}

static void blk_config_read(void *dev, uint32_t off, uint8_t *data, uint32_t len)
{
	struct nb_virtio_blk *blk = dev;

	memcpy(data, blk->config + off, len);
}

/* The limiter's timerfd, if it has one, into the loop. */
static int watch_timer(struct nb_virtio_blk *blk)
{
	int fd = nb_rate_limiter_fd(&blk->rl), r;

	if (fd < 0 || blk->timer_registered)
		return 0;
	r = nb_event_add(&blk->ev, fd, EPOLLIN, blk_timer, blk);
	if (r == 0)
		blk->timer_registered = true;
	return r;
}

static int blk_activate(void *dev, struct nb_virtio_mmio *t)
{
	struct nb_virtio_blk *blk = dev;
	uint64_t acked = nb_virtio_mmio_features(t);
	int r;

	blk->t = t;
	if (blk->io.async && !blk->io_registered) {
		r = nb_event_add(&blk->ev, blk->io.event_fd, EPOLLIN, blk_io_event, blk);
		if (r < 0)
			return r;
		blk->io_registered = true;
	}
	r = watch_timer(blk);
	if (r < 0) {
		unregister(blk);
		return r;
	}
	blk->disk.discard = acked & (1ULL << NB_VIRTIO_BLK_F_DISCARD);
	blk->disk.write_zeroes = acked & (1ULL << NB_VIRTIO_BLK_F_WRITE_ZEROES);
	blk->pushed = false;
	blk->active = true;
	/* Chains made available before DRIVER_OK are served now. */
	kick(blk);
	return 0;
}

static void blk_notify(void *dev, struct nb_virtio_mmio *t, uint16_t queue)
{
	(void)t;
	if (queue == 0)
		kick(dev);
}

static void blk_reset(void *dev, struct nb_virtio_mmio *t)
{
	struct nb_virtio_blk *blk = dev;

	(void)t;
	blk->active = false;
	/* In-flight requests must not write guest memory after this. */
	nb_blk_io_drain(&blk->io);
	blk->nr_free = 0;
	for (unsigned i = 0; i < NB_VIRTIO_BLK_QUEUE_SIZE; i++)
		blk->free_ids[blk->nr_free++] = (uint16_t)i;
	blk->pushed = false;
	unregister(blk);
}

static const struct nb_virtio_dev_ops blk_ops = {
    .config_read = blk_config_read,
    .config_write = NULL,
    .activate = blk_activate,
    .notify = blk_notify,
    .reset = blk_reset,
};

static void build_config(struct nb_virtio_blk *blk)
{
	uint8_t *c = blk->config;

	memset(c, 0, sizeof(blk->config));
	put_le(c + 0, blk->s.capacity, 8);     /* capacity */
	put_le(c + 12, NB_BLK_SEG_MAX, 4);     /* seg_max */
	put_le(c + 20, NB_BLK_SECTOR_SIZE, 4); /* blk_size */
	if (!blk->s.discard)
		return;
	put_le(c + 36, NB_BLK_MAX_DISCARD_SECTORS, 4); /* max_discard_sectors */
	put_le(c + 40, NB_BLK_MAX_DISCARD_SEG, 4);     /* max_discard_seg */
	put_le(c + 44, 4096 / NB_BLK_SECTOR_SIZE, 4);  /* discard_sector_alignment */
	put_le(c + 48, NB_BLK_MAX_WZ_SECTORS, 4);      /* max_write_zeroes_sectors */
	put_le(c + 52, NB_BLK_MAX_WZ_SEG, 4);	       /* max_write_zeroes_seg */
	c[56] = 1;				       /* write_zeroes_may_unmap */
}

/* One line naming the drive, and nothing left behind. */
static int fail(struct nb_virtio_blk *blk, const struct nb_blk_params *p, int r, char *err,
		size_t errlen, const char *what, bool with_path)
{
	snprintf(err, errlen, "drive %s: %s%s%s: %s", p->drive_id, what, with_path ? " " : "",
		 with_path ? p->path : "", strerror(-r));
	nb_virtio_blk_free(blk);
	return r;
}

int nb_virtio_blk_new(struct nb_virtio_blk **out, const struct nb_blk_params *p,
		      const struct nb_event_ops *ev, char *err, size_t errlen)
{
	struct nb_virtio_blk *blk = calloc(1, sizeof(*blk));
	uint64_t f = (1ULL << NB_VIRTIO_F_EVENT_IDX) | (1ULL << NB_VIRTIO_F_INDIRECT_DESC) |
		     (1ULL << NB_VIRTIO_BLK_F_SEG_MAX) | (1ULL << NB_VIRTIO_BLK_F_BLK_SIZE);
	int uring_err, r;
	off_t size;

	*out = NULL;
	if (!blk) {
		snprintf(err, errlen, "drive %s: %s", p->drive_id, strerror(ENOMEM));
		return -ENOMEM;
	}
	blk->fd = -1;
	blk->io.event_fd = -1;
	blk->rl.timer_fd = -1;
	memcpy(blk->s.id, p->drive_id, strnlen(p->drive_id, sizeof(blk->s.id)));
	blk->slots = calloc(NB_VIRTIO_BLK_QUEUE_SIZE, sizeof(*blk->slots));
	if (!blk->slots)
		return fail(blk, p, -ENOMEM, err, errlen, "allocate", false);
	for (unsigned i = 0; i < NB_VIRTIO_BLK_QUEUE_SIZE; i++)
		blk->free_ids[blk->nr_free++] = (uint16_t)i;

	blk->fd = open(p->path, (p->read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (blk->fd < 0)
		return fail(blk, p, -errno, err, errlen, "open", true);
	size = lseek(blk->fd, 0, SEEK_END);
	if (size < 0)
		return fail(blk, p, -errno, err, errlen, "size of", true);
	blk->s.capacity = (uint64_t)size >> NB_BLK_SECTOR_SHIFT;
	blk->s.read_only = p->read_only;
	blk->s.writeback = p->writeback;
	blk->s.zero_range = true;
	blk->s.discard = !p->read_only && nb_blk_io_can_punch(blk->fd, (uint64_t)size);
	if (p->read_only)
		f |= 1ULL << NB_VIRTIO_BLK_F_RO;
	if (p->writeback)
		f |= 1ULL << NB_VIRTIO_BLK_F_FLUSH;
	if (blk->s.discard)
		f |= (1ULL << NB_VIRTIO_BLK_F_DISCARD) | (1ULL << NB_VIRTIO_BLK_F_WRITE_ZEROES);
	blk->s.features = f;
	blk->disk.capacity = blk->s.capacity;
	blk->disk.read_only = p->read_only;
	build_config(blk);

	r = nb_rate_limiter_init(&blk->rl, p->bw, p->ops, NULL);
	if (r < 0) {
		blk->rl.timer_fd = -1;
		return fail(blk, p, r, err, errlen, "rate limiter", false);
	}
	if ((p->async || nb_rate_limiter_fd(&blk->rl) >= 0) && !ev)
		return fail(blk, p, -EINVAL, err, errlen, "no event loop", false);
	if (ev)
		blk->ev = *ev;
	r = nb_blk_io_init(&blk->io, blk->fd, p->async, NB_VIRTIO_BLK_QUEUE_SIZE, &uring_err);
	if (r < 0)
		return fail(blk, p, r, err, errlen, "eventfd", false);
	if (p->async && !blk->io.async)
		fprintf(stderr,
			"drive %s: io_uring unavailable (%s): using the synchronous engine\n",
			p->drive_id, strerror(-uring_err));
	*out = blk;
	return 0;
}

void nb_virtio_blk_free(struct nb_virtio_blk *blk)
{
	if (!blk)
		return;
	unregister(blk);
	nb_blk_io_destroy(&blk->io);
	nb_rate_limiter_destroy(&blk->rl);
	if (blk->fd >= 0)
		close(blk->fd);
	free(blk->slots);
	free(blk);
}

struct nb_virtio_device nb_virtio_blk_device(struct nb_virtio_blk *blk)
{
	struct nb_virtio_device d = {
	    .device_id = NB_VIRTIO_ID_BLOCK,
	    .features = blk->s.features,
	    .nr_queues = 1,
	    .queue_max_size = NB_VIRTIO_BLK_QUEUE_SIZE,
	    .config_size = NB_VIRTIO_BLK_CONFIG_SIZE,
	    .ops = &blk_ops,
	    .dev = blk,
	};

	return d;
}

_Static_assert(sizeof(struct nb_virtio_blk_stats) % sizeof(uint64_t) == 0, "stats: all uint64_t");

void nb_virtio_blk_get_stats(const struct nb_virtio_blk *blk, struct nb_virtio_blk_stats *out)
{
	const uint64_t *src = (const uint64_t *)&blk->stats;
	uint64_t *dst = (uint64_t *)out;

	for (size_t i = 0; i < sizeof(*out) / sizeof(uint64_t); i++)
		dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
}

const struct nb_virtio_blk_state *nb_virtio_blk_state(const struct nb_virtio_blk *blk)
{
	return &blk->s;
}

bool nb_virtio_blk_is_async(const struct nb_virtio_blk *blk)
{
	return blk->io.async;
}

struct nb_virtio_blk *nb_virtio_blk_from_transport(struct nb_virtio_mmio *t)
{
	if (!t || t->dev.device_id != NB_VIRTIO_ID_BLOCK || t->dev.ops != &blk_ops)
		return NULL;
	return t->dev.dev;
}

int nb_virtio_blk_update_rate_limiter(struct nb_virtio_mmio *t,
				      const struct nb_token_bucket_params *bw,
				      const struct nb_token_bucket_params *ops)
{
	struct nb_virtio_blk *blk = nb_virtio_blk_from_transport(t);
	int r;

	if (!blk)
		return -ENODEV;
	nb_virtio_mmio_lock(t);
	r = nb_rate_limiter_update(&blk->rl, bw, ops);
	/* A timer that appeared is watched now; else at the next activation. */
	if (!r && blk->active)
		r = watch_timer(blk);
	kick(blk); /* chains the old limiter held back */
	nb_virtio_mmio_unlock(t);
	return r;
}

int nb_virtio_blk_update_path(struct nb_virtio_mmio *t, const char *path, char *err, size_t errlen)
{
	struct nb_virtio_blk *blk = nb_virtio_blk_from_transport(t);
	off_t size;
	int fd, r;

	if (!blk) {
		snprintf(err, errlen, "drives: not a block device");
		return -ENODEV;
	}
	fd = open(path, (blk->s.read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (fd < 0 || (size = lseek(fd, 0, SEEK_END)) < 0) {
		r = -errno;
		snprintf(err, errlen, "drives.path_on_host: %s %s: %s", fd < 0 ? "open" : "size of",
			 path, strerror(-r));
		if (fd >= 0)
			close(fd);
		return r;
	}
	nb_virtio_mmio_lock(t);
	/* What is in flight finishes on the old file (and reaches the guest). */
	if (blk->active)
		nb_blk_io_settle(&blk->io, io_done, blk);
	close(blk->fd);
	blk->fd = blk->io.fd = fd;
	blk->s.capacity = blk->disk.capacity = (uint64_t)size >> NB_BLK_SECTOR_SHIFT;
	blk->s.zero_range = true;
	build_config(blk);
	stat_add(&blk->stats.updates, 1);
	nb_virtio_mmio_signal_config(t);
	kick(blk);
	nb_virtio_mmio_unlock(t);
	return 0;
}
