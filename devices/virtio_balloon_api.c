// SPDX-License-Identifier: Apache-2.0
/* virtio-balloon: the REST API's functions and the snapshot's state. */
#include <errno.h>

#include "devices/virtio_balloon.h"
#include "devices/virtio_balloon_dev.h"

int nb_virtio_balloon_set_target(struct nb_virtio_balloon *b, uint32_t amount_mib)
{
	struct nb_virtio_mmio *t;

	if (amount_mib > b->s.mem_size_mib || amount_mib > NB_BALLOON_MAX_MIB)
		return -EINVAL;
	t = lock_both(b);
	b->s.num_pages = amount_mib * NB_BALLOON_PAGES_PER_MIB;
	if (b->active)
		nb_virtio_mmio_signal_config(t);
	unlock_both(b, t);
	return 0;
}

int nb_virtio_balloon_set_stats_interval(struct nb_virtio_balloon *b, uint32_t secs)
{
	struct nb_virtio_mmio *t = lock_both(b);
	int r = 0;

	if (!b->s.stats_polling_interval_s && secs)
		r = -ENOTSUP;
	else if (b->s.stats_polling_interval_s && !secs)
		r = -EINVAL;
	else if (secs)
		b->s.stats_polling_interval_s = secs;
	if (!r && secs && b->timer_registered)
		arm_timer(b, secs);
	unlock_both(b, t);
	return r;
}

void nb_virtio_balloon_get_config(struct nb_virtio_balloon *b, struct nb_balloon_params *out)
{
	pthread_mutex_lock(&b->lock);
	out->amount_mib = b->s.num_pages / NB_BALLOON_PAGES_PER_MIB;
	out->deflate_on_oom = b->s.features & 1ULL << NB_VIRTIO_BALLOON_F_DEFLATE_ON_OOM;
	out->stats_polling_interval_s = b->s.stats_polling_interval_s;
	out->free_page_hinting = b->s.features & HINT_F;
	out->free_page_reporting = b->s.features & 1ULL << NB_VIRTIO_BALLOON_F_REPORTING;
	out->mem_size_mib = b->s.mem_size_mib;
	pthread_mutex_unlock(&b->lock);
}

int nb_virtio_balloon_get_stats(struct nb_virtio_balloon *b, struct nb_balloon_stats *out)
{
	int r = 0;

	pthread_mutex_lock(&b->lock);
	if (!b->s.stats_polling_interval_s) {
		r = -ENOTSUP;
	} else {
		out->target_pages = b->s.num_pages;
		out->actual_pages = b->s.actual;
		out->target_mib = b->s.num_pages / NB_BALLOON_PAGES_PER_MIB;
		out->actual_mib = b->s.actual / NB_BALLOON_PAGES_PER_MIB;
		out->guest = b->guest;
	}
	pthread_mutex_unlock(&b->lock);
	return r;
}

int nb_virtio_balloon_hint_start(struct nb_virtio_balloon *b, bool ack_on_stop)
{
	struct nb_virtio_mmio *t;
	uint32_t id;
	int r = 0;

	if (!(b->s.features & HINT_F))
		return -ENOTSUP;
	t = lock_both(b);
	if (!b->active) {
		r = -EAGAIN;
	} else {
		id = b->s.hint_last_run + 1;
		if (!hint_run(id))
			id = NB_BALLOON_HINT_CMD_DONE + 1;
		b->s.hint_last_run = id;
		b->s.hint_ack_on_stop = ack_on_stop;
		hint_set_cmd(b, id);
	}
	unlock_both(b, t);
	return r;
}

int nb_virtio_balloon_hint_stop(struct nb_virtio_balloon *b)
{
	struct nb_virtio_mmio *t;
	int r = 0;

	if (!(b->s.features & HINT_F))
		return -ENOTSUP;
	t = lock_both(b);
	if (!b->active)
		r = -EAGAIN;
	else
		hint_set_cmd(b, NB_BALLOON_HINT_CMD_DONE);
	unlock_both(b, t);
	return r;
}

int nb_virtio_balloon_hint_status(struct nb_virtio_balloon *b, struct nb_balloon_hint_status *out)
{
	if (!(b->s.features & HINT_F))
		return -ENOTSUP;
	pthread_mutex_lock(&b->lock);
	out->host_cmd = b->s.hint_host_cmd;
	out->guest_cmd = b->s.hint_guest_cmd;
	out->has_guest_cmd = b->s.hint_guest_sent;
	pthread_mutex_unlock(&b->lock);
	return 0;
}

void nb_virtio_balloon_set_state(struct nb_virtio_balloon *b,
				 const struct nb_virtio_balloon_state *s)
{
	struct nb_virtio_mmio *t = lock_both(b);
	uint32_t max = b->s.mem_size_mib * NB_BALLOON_PAGES_PER_MIB;

	/* The file is checked, but it is still input: keep the target sane. */
	b->s.num_pages = s->num_pages <= max ? s->num_pages : max;
	b->s.actual = s->actual;
	b->s.hint_guest_cmd = s->hint_guest_cmd;
	b->s.hint_guest_sent = s->hint_guest_sent;
	b->s.hint_last_run = s->hint_last_run;
	b->s.hint_ack_on_stop = s->hint_ack_on_stop;
	b->s.hint_host_cmd = s->hint_host_cmd;
	if (!(b->s.features & HINT_F))
		b->s.hint_host_cmd = NB_BALLOON_HINT_CMD_STOP;
	else if (hint_run(s->hint_host_cmd))
		b->s.hint_host_cmd = NB_BALLOON_HINT_CMD_DONE;
	/* The driver looks at the target (and the command) again. */
	if (b->active)
		nb_virtio_mmio_signal_config(t);
	unlock_both(b, t);
}

void nb_virtio_balloon_get_state(struct nb_virtio_balloon *b, struct nb_virtio_balloon_state *out)
{
	pthread_mutex_lock(&b->lock);
	*out = b->s;
	pthread_mutex_unlock(&b->lock);
}

void nb_virtio_balloon_get_counters(struct nb_virtio_balloon *b,
				    struct nb_virtio_balloon_counters *out)
{
	const uint64_t *src = (const uint64_t *)&b->cnt;
	uint64_t *dst = (uint64_t *)out;

	for (size_t i = 0; i < sizeof(*out) / sizeof(uint64_t); i++)
		dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
}
