// SPDX-License-Identifier: Apache-2.0
#include "devices/virtio_balloon.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "devices/virtio_balloon_dev.h"

#define Q_INFLATE 0
#define Q_DEFLATE 1

const char *const nb_balloon_stat_names[NB_BALLOON_S_NR] = {
    [NB_BALLOON_S_SWAP_IN] = "swap_in",
    [NB_BALLOON_S_SWAP_OUT] = "swap_out",
    [NB_BALLOON_S_MAJFLT] = "major_faults",
    [NB_BALLOON_S_MINFLT] = "minor_faults",
    [NB_BALLOON_S_MEMFREE] = "free_memory",
    [NB_BALLOON_S_MEMTOT] = "total_memory",
    [NB_BALLOON_S_AVAIL] = "available_memory",
    [NB_BALLOON_S_CACHES] = "disk_caches",
    [NB_BALLOON_S_HTLB_PGALLOC] = "hugetlb_allocations",
    [NB_BALLOON_S_HTLB_PGFAIL] = "hugetlb_failures",
};

/*
 * Gives @len bytes of guest RAM at @gpa back to the host: 0 or -errno.
 * MADV_REMOVE punches the range out of a shared memfd (or hugetlbfs) mapping;
 * a private mapping (a restored snapshot's memory file) refuses it (EACCES), and
 * MADV_DONTNEED then drops the guest's copies (the file is never written).
 */
static int release(const struct nb_guest_mem *m, uint64_t gpa, uint64_t len)
{
	for (unsigned int i = 0; i < m->nr; i++) {
		const struct nb_mem_region *r = &m->regions[i];
		uint64_t off = gpa - r->gpa;

		if (gpa < r->gpa || off >= r->size || len > r->size - off)
			continue;
		if (!madvise(r->host + off, len, MADV_REMOVE))
			return 0;
		if ((errno == EACCES || errno == EINVAL) &&
		    !madvise(r->host + off, len, MADV_DONTNEED))
			return 0;
		return -errno;
	}
	return -EFAULT;
}

static void release_ranges(struct nb_virtio_balloon *b, const struct nb_guest_mem *m, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (release(m, b->ranges[i].gpa, b->ranges[i].len))
			count(&b->cnt.release_errors, 1);
		else
			count(&b->cnt.released_bytes, b->ranges[i].len);
	}
}

/* An inflate or deflate request. */
static void handle_pfns(struct nb_virtio_balloon *b, const struct nb_guest_mem *m,
			const struct nb_virtq_chain *c, bool inflate)
{
	struct nb_balloon_pfn_result res;
	int n = nb_balloon_read_pfns(c, b->pfns, NB_BALLOON_MAX_PFNS);

	if (n < 0) {
		count(&b->cnt.bad_requests, 1);
		return;
	}
	nb_balloon_pfns_to_ranges(b->pfns, (size_t)n, m, b->ranges, NB_BALLOON_MAX_PFNS, &res);
	count(&b->cnt.bad_pfns, res.out_of_range);
	count(&b->cnt.duplicate_pfns, res.duplicates);
	count(inflate ? &b->cnt.inflated_pages : &b->cnt.deflated_pages, res.pages);
	/* Deflate: the pages fault back in (zeroed) when the guest uses them. */
	if (inflate)
		release_ranges(b, m, res.nr_ranges);
}

static void handle_report(struct nb_virtio_balloon *b, const struct nb_guest_mem *m,
			  const struct nb_virtq_chain *c)
{
	uint32_t bad = 0;
	size_t n = nb_balloon_report_ranges(c, b->ranges, NB_BALLOON_MAX_PFNS, &bad);

	count(&b->cnt.bad_ranges, bad);
	for (size_t i = 0; i < n; i++)
		count(&b->cnt.reported_bytes, b->ranges[i].len);
	release_ranges(b, m, n);
}

/*
 * Lock held. A chain of the hinting queue: command ids and free ranges in
 * order. A range is released only under the current run: the guest echoed
 * the host's run id and no STOP or DONE came since. *@stopped: the guest
 * sent STOP for the current run.
 */
static void handle_hint(struct nb_virtio_balloon *b, const struct nb_guest_mem *m,
			const struct nb_virtq_chain *c, bool *stopped)
{
	for (uint16_t i = 0; i < c->nr; i++) {
		struct nb_balloon_range r;
		uint32_t cmd, host;
		bool live;

		switch (nb_balloon_hint_buf(c, i, &cmd, &r)) {
		case NB_BALLOON_HINT_CMD:
			count(&b->cnt.hint_cmds, 1);
			pthread_mutex_lock(&b->lock);
			host = b->s.hint_host_cmd;
			if (cmd == NB_BALLOON_HINT_CMD_STOP && b->s.hint_guest_sent &&
			    b->s.hint_guest_cmd == host && hint_run(host))
				*stopped = true;
			b->s.hint_guest_cmd = cmd;
			b->s.hint_guest_sent = true;
			pthread_mutex_unlock(&b->lock);
			break;
		case NB_BALLOON_HINT_RANGE:
			pthread_mutex_lock(&b->lock);
			host = b->s.hint_host_cmd;
			live =
			    hint_run(host) && b->s.hint_guest_sent && b->s.hint_guest_cmd == host;
			pthread_mutex_unlock(&b->lock);
			if (!live) {
				count(&b->cnt.stale_hints, 1);
			} else if (release(m, r.gpa, r.len)) {
				count(&b->cnt.release_errors, 1);
			} else {
				count(&b->cnt.hinted_bytes, r.len);
				count(&b->cnt.released_bytes, r.len);
			}
			break;
		default:
			count(&b->cnt.bad_ranges, 1);
		}
	}
}

/* Lock held. After the hinting queue: acknowledge a finished run if asked. */
static void hint_finished(struct nb_virtio_balloon *b)
{
	pthread_mutex_lock(&b->lock);
	if (b->s.hint_ack_on_stop && hint_run(b->s.hint_host_cmd))
		hint_set_cmd(b, NB_BALLOON_HINT_CMD_DONE);
	pthread_mutex_unlock(&b->lock);
}

/* Lock held. Takes the guest's stats buffer and keeps it until the timer. */
static bool handle_stats(struct nb_virtio_balloon *b, struct nb_virtq *q,
			 const struct nb_guest_mem *m, const struct nb_virtq_chain *c, bool *pushed)
{
	struct nb_balloon_guest_stats g;
	uint32_t unknown = 0;

	if (nb_balloon_parse_stats(c, &g, &unknown)) {
		count(&b->cnt.bad_requests, 1);
		return true; /* given back now */
	}
	count(&b->cnt.unknown_stats, unknown);
	count(&b->cnt.stats_updates, 1);
	pthread_mutex_lock(&b->lock);
	b->guest = g;
	pthread_mutex_unlock(&b->lock);
	/* A driver that sent a second buffer gets the first one back. */
	if (b->stats_held) {
		if (nb_virtq_push(q, m, b->stats_head, 0) < 0)
			return true;
		*pushed = true;
	}
	b->stats_held = true;
	b->stats_head = c->head;
	return false;
}

/* Lock held. Serves every chain of queue @qi; interrupts once at the end. */
static void serve(struct nb_virtio_balloon *b, int qi)
{
	struct nb_virtio_mmio *t = b->t;
	const struct nb_guest_mem *m = t->mem;
	struct nb_virtq_chain *c = &b->chain;
	struct nb_virtq *q;
	bool pushed = false, stopped = false;

	if (!b->active || qi < 0)
		return;
	q = nb_virtio_mmio_queue(t, (uint16_t)qi);
	if (!q || !q->ready)
		return;
	for (;;) {
		int r;

		while ((r = nb_virtq_pop(q, m, c)) != 0) {
			bool give_back = true;

			if (r == -EIO)
				goto broken;
			if (r < 0)
				count(&b->cnt.bad_requests, 1);
			else if (qi == Q_INFLATE || qi == Q_DEFLATE)
				handle_pfns(b, m, c, qi == Q_INFLATE);
			else if (qi == b->q_report)
				handle_report(b, m, c);
			else if (qi == b->q_hint)
				handle_hint(b, m, c, &stopped);
			else
				give_back = handle_stats(b, q, m, c, &pushed);
			if (!give_back)
				continue;
			if (nb_virtq_push(q, m, c->head, 0) < 0)
				goto broken;
			pushed = true;
		}
		/* Empty: ask for notifications, then close the race. */
		nb_virtq_enable_notify(q, m, true);
		if (!nb_virtq_has_avail(q, m))
			break;
	}
	if (pushed)
		nb_virtio_mmio_signal_used(t, (uint16_t)qi);
	if (stopped)
		hint_finished(b);
	return;
broken:
	nb_virtio_mmio_needs_reset(t);
}

/* Every interval: give the stats buffer back; the guest refills it. */
static void stats_timer(void *ctx, int fd, uint32_t events)
{
	struct nb_virtio_balloon *b = ctx;
	struct nb_virtq *q;
	uint64_t ticks;

	(void)events;
	if (read(fd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
		return;
	nb_virtio_mmio_lock(b->t);
	if (b->active && b->stats_held) {
		q = nb_virtio_mmio_queue(b->t, (uint16_t)b->q_stats);
		b->stats_held = false;
		if (!q || nb_virtq_push(q, b->t->mem, b->stats_head, 0) < 0)
			nb_virtio_mmio_needs_reset(b->t);
		else
			nb_virtio_mmio_signal_used(b->t, (uint16_t)b->q_stats);
	}
	nb_virtio_mmio_unlock(b->t);
}

static void stop_timer(struct nb_virtio_balloon *b)
{
	if (!b->timer_registered)
		return;
	arm_timer(b, 0);
	nb_event_remove(b->ev, b->timer_fd);
	b->timer_registered = false;
}

static void balloon_config_read(void *dev, uint32_t off, uint8_t *data, uint32_t len)
{
	struct nb_virtio_balloon *b = dev;
	uint8_t cfg[NB_VIRTIO_BALLOON_HINT_CONFIG_SIZE];

	pthread_mutex_lock(&b->lock);
	for (unsigned int i = 0; i < 4; i++) {
		cfg[i] = (uint8_t)(b->s.num_pages >> (8 * i));
		cfg[4 + i] = (uint8_t)(b->s.actual >> (8 * i));
		cfg[8 + i] = (uint8_t)(b->s.hint_host_cmd >> (8 * i));
	}
	pthread_mutex_unlock(&b->lock);
	memcpy(data, cfg + off, len);
}

/* The driver writes actual; num_pages is the device's. */
static void balloon_config_write(void *dev, uint32_t off, const uint8_t *data, uint32_t len)
{
	struct nb_virtio_balloon *b = dev;

	pthread_mutex_lock(&b->lock);
	for (uint32_t i = 0; i < len; i++) {
		uint32_t at = off + i;

		if (at < 4 || at >= 8)
			continue;
		at = 8 * (at - 4);
		b->s.actual = (b->s.actual & ~(0xffu << at)) | (uint32_t)data[i] << at;
	}
	pthread_mutex_unlock(&b->lock);
}

static int balloon_activate(void *dev, struct nb_virtio_mmio *t)
{
	struct nb_virtio_balloon *b = dev;
	uint64_t f = nb_virtio_mmio_features(t);
	int idx = 2, r;

	__atomic_store_n(&b->t, t, __ATOMIC_RELEASE);
	b->q_stats = f & 1ULL << NB_VIRTIO_BALLOON_F_STATS_VQ ? idx++ : -1;
	b->q_hint = f & HINT_F ? idx++ : -1;
	b->q_report = f & 1ULL << NB_VIRTIO_BALLOON_F_REPORTING ? idx++ : -1;
	if (b->q_stats >= 0 && b->timer_fd >= 0 && !b->timer_registered) {
		r = nb_event_add(b->ev, b->timer_fd, EPOLLIN, stats_timer, b);
		if (r < 0)
			return r;
		b->timer_registered = true;
		pthread_mutex_lock(&b->lock);
		arm_timer(b, b->s.stats_polling_interval_s);
		pthread_mutex_unlock(&b->lock);
	}
	b->active = true;
	/* Linux primes the stats queue before DRIVER_OK: take that buffer now. */
	serve(b, b->q_stats);
	return 0;
}

static void balloon_notify(void *dev, struct nb_virtio_mmio *t, uint16_t queue)
{
	struct nb_virtio_balloon *b = dev;

	(void)t;
	if (queue == Q_INFLATE || queue == Q_DEFLATE || queue == b->q_stats || queue == b->q_hint ||
	    queue == b->q_report)
		serve(b, queue);
}

static void balloon_reset(void *dev, struct nb_virtio_mmio *t)
{
	struct nb_virtio_balloon *b = dev;

	(void)t;
	b->active = false;
	b->stats_held = false;
	b->q_stats = b->q_hint = b->q_report = -1;
	stop_timer(b);
	/* A new driver starts with an empty balloon and no hinting run. */
	pthread_mutex_lock(&b->lock);
	b->s.actual = 0;
	b->s.hint_host_cmd = NB_BALLOON_HINT_CMD_STOP;
	b->s.hint_guest_sent = false;
	pthread_mutex_unlock(&b->lock);
}

static const struct nb_virtio_dev_ops balloon_ops = {
    .config_read = balloon_config_read,
    .config_write = balloon_config_write,
    .activate = balloon_activate,
    .notify = balloon_notify,
    .reset = balloon_reset,
};

int nb_virtio_balloon_new(struct nb_virtio_balloon **out, const struct nb_balloon_params *p,
			  const struct nb_event_ops *ev, char *err, size_t errlen)
{
	struct nb_virtio_balloon *b;
	uint64_t f = 0;

	*out = NULL;
	if (p->amount_mib > p->mem_size_mib || p->amount_mib > NB_BALLOON_MAX_MIB) {
		snprintf(err, errlen, "balloon: amount_mib %u is more than the guest's %u MiB",
			 p->amount_mib, p->mem_size_mib);
		return -EINVAL;
	}
	if (p->stats_polling_interval_s && !ev) {
		snprintf(err, errlen, "balloon: statistics need an event loop");
		return -EINVAL;
	}
	b = calloc(1, sizeof(*b));
	if (!b) {
		snprintf(err, errlen, "balloon: out of memory");
		return -ENOMEM;
	}
	b->timer_fd = -1;
	if (p->stats_polling_interval_s) {
		b->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
		if (b->timer_fd < 0) {
			int r = -errno;

			snprintf(err, errlen, "balloon: timerfd: %s", strerror(errno));
			free(b);
			return r;
		}
		f |= 1ULL << NB_VIRTIO_BALLOON_F_STATS_VQ;
	}
	if (p->deflate_on_oom)
		f |= 1ULL << NB_VIRTIO_BALLOON_F_DEFLATE_ON_OOM;
	if (p->free_page_hinting)
		f |= HINT_F;
	if (p->free_page_reporting)
		f |= 1ULL << NB_VIRTIO_BALLOON_F_REPORTING;
	pthread_mutex_init(&b->lock, NULL);
	b->ev = ev;
	b->q_stats = b->q_hint = b->q_report = -1;
	b->s.features = f;
	b->s.num_pages = p->amount_mib * NB_BALLOON_PAGES_PER_MIB;
	b->s.stats_polling_interval_s = p->stats_polling_interval_s;
	b->s.mem_size_mib = p->mem_size_mib;
	*out = b;
	return 0;
}

void nb_virtio_balloon_free(struct nb_virtio_balloon *b)
{
	if (!b)
		return;
	stop_timer(b);
	if (b->timer_fd >= 0)
		close(b->timer_fd);
	pthread_mutex_destroy(&b->lock);
	free(b);
}

struct nb_virtio_device nb_virtio_balloon_device(struct nb_virtio_balloon *b)
{
	uint64_t f = b->s.features;
	struct nb_virtio_device d = {
	    .device_id = NB_VIRTIO_ID_BALLOON,
	    .features = f | 1ULL << NB_VIRTIO_F_EVENT_IDX | 1ULL << NB_VIRTIO_F_INDIRECT_DESC,
	    .nr_queues = (uint16_t)(2 + !!(f & 1ULL << NB_VIRTIO_BALLOON_F_STATS_VQ) +
				    !!(f & HINT_F) + !!(f & 1ULL << NB_VIRTIO_BALLOON_F_REPORTING)),
	    .queue_max_size = NB_VIRTIO_BALLOON_QUEUE_SIZE,
	    .config_size =
		f & HINT_F ? NB_VIRTIO_BALLOON_HINT_CONFIG_SIZE : NB_VIRTIO_BALLOON_CONFIG_SIZE,
	    .ops = &balloon_ops,
	    .dev = b,
	};

	return d;
}

struct nb_virtio_balloon *nb_virtio_balloon_from_transport(struct nb_virtio_mmio *t)
{
	if (!t || t->dev.device_id != NB_VIRTIO_ID_BALLOON || t->dev.ops != &balloon_ops)
		return NULL;
	return t->dev.dev;
}
