// SPDX-License-Identifier: Apache-2.0
#include "devices/virtio_state.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static void save_queue(const struct nb_virtq *q, struct nb_sbuf *b)
{
	nb_sbuf_put_u16(b, q->size);
	nb_sbuf_put_bool(b, q->ready);
	nb_sbuf_put_u64(b, q->desc_addr);
	nb_sbuf_put_u64(b, q->avail_addr);
	nb_sbuf_put_u64(b, q->used_addr);
	nb_sbuf_put_bool(b, q->event_idx);
	nb_sbuf_put_bool(b, q->indirect);
	nb_sbuf_put_u16(b, q->next_avail);
	nb_sbuf_put_u16(b, q->next_used);
	nb_sbuf_put_u16(b, q->signalled_used);
	nb_sbuf_put_bool(b, q->signalled_valid);
}

static void load_queue(struct nb_virtq *q, struct nb_sbuf *b)
{
	q->size = nb_sbuf_get_u16(b);
	q->ready = nb_sbuf_get_bool(b);
	q->desc_addr = nb_sbuf_get_u64(b);
	q->avail_addr = nb_sbuf_get_u64(b);
	q->used_addr = nb_sbuf_get_u64(b);
	q->event_idx = nb_sbuf_get_bool(b);
	q->indirect = nb_sbuf_get_bool(b);
	q->next_avail = nb_sbuf_get_u16(b);
	q->next_used = nb_sbuf_get_u16(b);
	q->signalled_used = nb_sbuf_get_u16(b);
	q->signalled_valid = nb_sbuf_get_bool(b);
}

void nb_virtio_mmio_save(struct nb_virtio_mmio *t, struct nb_sbuf *b)
{
	const struct nb_virtio_mmio_state *s = &t->s;

	nb_virtio_mmio_lock(t);
	nb_sbuf_put_u32(b, t->dev.device_id);
	nb_sbuf_put_u16(b, t->dev.nr_queues);
	nb_sbuf_put_u32(b, s->device_features_sel);
	nb_sbuf_put_u32(b, s->driver_features_sel);
	nb_sbuf_put_u64(b, s->driver_features);
	nb_sbuf_put_u64(b, s->acked_features);
	nb_sbuf_put_u32(b, s->queue_sel);
	nb_sbuf_put_u32(b, s->status);
	nb_sbuf_put_u32(b, s->interrupt_status);
	nb_sbuf_put_u32(b, s->config_generation);
	nb_sbuf_put_bool(b, s->activated);
	for (uint16_t i = 0; i < t->dev.nr_queues; i++)
		save_queue(&s->queues[i], b);
	nb_virtio_mmio_unlock(t);
}

static int fail(char *err, size_t errlen, const char *what)
{
	snprintf(err, errlen, "virtio state: %s", what);
	return -EBADMSG;
}

int nb_virtio_mmio_restore(struct nb_virtio_mmio *t, struct nb_sbuf *b, char *err, size_t errlen)
{
	struct nb_virtio_mmio_state s;
	uint32_t id = nb_sbuf_get_u32(b);
	uint16_t nr = nb_sbuf_get_u16(b);
	int r = 0;

	if (nb_sbuf_error(b))
		return fail(err, errlen, "truncated");
	if (id != t->dev.device_id || nr != t->dev.nr_queues) {
		snprintf(
		    err, errlen,
		    "virtio state: saved for device id %u with %u queues, this is id %u with %u",
		    id, nr, t->dev.device_id, t->dev.nr_queues);
		return -EBADMSG;
	}
	memset(&s, 0, sizeof(s));
	s.device_features_sel = nb_sbuf_get_u32(b);
	s.driver_features_sel = nb_sbuf_get_u32(b);
	s.driver_features = nb_sbuf_get_u64(b);
	s.acked_features = nb_sbuf_get_u64(b);
	s.queue_sel = nb_sbuf_get_u32(b);
	s.status = nb_sbuf_get_u32(b);
	s.interrupt_status = nb_sbuf_get_u32(b);
	s.config_generation = nb_sbuf_get_u32(b);
	s.activated = nb_sbuf_get_bool(b);
	for (uint16_t i = 0; i < nr; i++) {
		struct nb_virtq *q = &s.queues[i];

		load_queue(q, b);
		q->max_size = t->dev.queue_max_size;
		if (q->size > q->max_size || (q->size & (q->size - 1)))
			return fail(err, errlen, "a queue size the device does not offer");
		if (q->ready && s.activated && nb_virtq_check(q, t->mem))
			return fail(err, errlen, "a queue's rings are not in guest memory");
	}
	if (nb_sbuf_error(b))
		return fail(err, errlen, "truncated");
	if (s.activated && !(s.status & NB_VIRTIO_STATUS_DRIVER_OK))
		return fail(err, errlen, "active without DRIVER_OK");
	nb_virtio_mmio_lock(t);
	t->s = s;
	t->s.activated = false;
	if (s.activated && t->dev.ops->activate)
		r = t->dev.ops->activate(t->dev.dev, t);
	if (r)
		nb_virtio_mmio_needs_reset(t);
	else
		t->s.activated = s.activated;
	nb_virtio_mmio_unlock(t);
	if (r)
		snprintf(err, errlen, "virtio state: the device did not start again: %s",
			 strerror(-r));
	return r;
}
