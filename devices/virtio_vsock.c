// SPDX-License-Identifier: Apache-2.0
#include "devices/virtio_vsock.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct nb_virtio_vsock {
	uint64_t guest_cid;
	struct nb_vsock_mux *mux;
	struct nb_virtio_mmio *t;	    /* set by the first activate, never cleared */
	bool active;			    /* between activate and reset, under t's lock */
	bool reset_event;		    /* a TRANSPORT_RESET waits for an event buffer */
	struct nb_virtio_vsock_stats stats; /* relaxed atomics; mux's kept there */
	struct nb_virtq_chain chain;	    /* too big for the stack */
	struct iovec iov[NB_VIRTQ_MAX_CHAIN];
};

static void stat_add(uint64_t *counter, uint64_t n)
{
	__atomic_fetch_add(counter, n, __ATOMIC_RELAXED);
}

/* The chain's buffers of one kind as iovecs; returns how many. */
static unsigned int chain_iov(struct nb_virtio_vsock *vs, bool writable)
{
	const struct nb_virtq_chain *c = &vs->chain;
	unsigned int first = writable ? c->nr_read : 0, last = writable ? c->nr : c->nr_read;
	unsigned int n = 0;

	for (unsigned int i = first; i < last; i++)
		vs->iov[n++] = (struct iovec){c->bufs[i].host, c->bufs[i].len};
	return n;
}

/* Pops a chain; 1, 0 (none), -EINVAL (a bad chain, pushed back) or -EIO. */
static int pop(struct nb_virtio_vsock *vs, struct nb_virtq *q, bool *pushed)
{
	const struct nb_guest_mem *m = vs->t->mem;
	int r = nb_virtq_pop(q, m, &vs->chain);

	if (r == -EINVAL) {
		stat_add(&vs->stats.bad_chains, 1);
		if (nb_virtq_push(q, m, vs->chain.head, 0) < 0)
			return -EIO;
		*pushed = true;
	}
	return r;
}

/* Lock held. Gives the guest what the connections have for it. */
static void process_rx(struct nb_virtio_vsock *vs)
{
	struct nb_virtio_mmio *t = vs->t;
	struct nb_virtq *q = nb_virtio_mmio_queue(t, NB_VIRTIO_VSOCK_RXQ);
	bool pushed = false;

	if (!vs->active || !q || !q->ready)
		return;
	while (nb_vsock_mux_has_rx(vs->mux)) {
		struct nb_virtq_chain *c = &vs->chain;
		size_t len;
		int r = pop(vs, q, &pushed);

		if (r == 0)
			break;
		if (r == -EINVAL)
			continue;
		if (r < 0) {
			nb_virtio_mmio_needs_reset(t);
			return;
		}
		if (c->nr_read || c->write_len < NB_VSOCK_HDR_SIZE) {
			stat_add(&vs->stats.bad_chains, 1);
			len = 0;
		} else {
			len = nb_vsock_mux_fill_rx(vs->mux, vs->iov, chain_iov(vs, true));
			if (!len) {
				q->next_avail--; /* nothing after all: the chain stays the driver's
						  */
				break;
			}
			stat_add(&vs->stats.rx_packets, 1);
		}
		if (nb_virtq_push(q, t->mem, c->head, (uint32_t)len) < 0) {
			nb_virtio_mmio_needs_reset(t);
			return;
		}
		pushed = true;
	}
	/* Out of buffers or of packets: hear of the next buffers either way. */
	nb_virtq_enable_notify(q, t->mem, true);
	if (pushed)
		nb_virtio_mmio_signal_used(t, NB_VIRTIO_VSOCK_RXQ);
}

/* Lock held. Takes every packet the guest sent. */
static void process_tx(struct nb_virtio_vsock *vs)
{
	struct nb_virtio_mmio *t = vs->t;
	struct nb_virtq *q = nb_virtio_mmio_queue(t, NB_VIRTIO_VSOCK_TXQ);
	bool pushed = false;

	if (!vs->active || !q || !q->ready)
		return;
	for (;;) {
		struct nb_virtq_chain *c = &vs->chain;
		struct nb_vsock_hdr h;
		enum nb_vsock_pkt_err e;
		unsigned int n;
		int r = pop(vs, q, &pushed);

		if (r == 0) {
			nb_virtq_enable_notify(q, t->mem, true);
			if (!nb_virtq_has_avail(q, t->mem))
				break;
			continue;
		}
		if (r == -EINVAL)
			continue;
		if (r < 0) {
			nb_virtio_mmio_needs_reset(t);
			return;
		}
		n = chain_iov(vs, false);
		e = nb_vsock_pkt_parse(vs->iov, n, vs->guest_cid, &h);
		if (e) {
			stat_add(&vs->stats.bad_packets[e], 1);
		} else {
			struct iovec payload[NB_VIRTQ_MAX_CHAIN];
			unsigned int k = nb_vsock_iov_slice(vs->iov, n, NB_VSOCK_HDR_SIZE, h.len,
							    payload, NB_VIRTQ_MAX_CHAIN);

			stat_add(&vs->stats.tx_packets, 1);
			nb_vsock_mux_recv(vs->mux, &h, payload, k);
		}
		if (nb_virtq_push(q, t->mem, c->head, 0) < 0) {
			nb_virtio_mmio_needs_reset(t);
			return;
		}
		pushed = true;
	}
	if (pushed)
		nb_virtio_mmio_signal_used(t, NB_VIRTIO_VSOCK_TXQ);
	process_rx(vs);
}

/* Lock held. Delivers a waiting TRANSPORT_RESET; 0 or -EAGAIN. */
static int process_event(struct nb_virtio_vsock *vs)
{
	struct nb_virtio_mmio *t = vs->t;
	struct nb_virtq *q = nb_virtio_mmio_queue(t, NB_VIRTIO_VSOCK_EVQ);
	bool pushed = false;
	int r = 0;

	if (!vs->reset_event)
		return 0;
	if (!vs->active || !q || !q->ready)
		return -EAGAIN;
	for (;;) {
		struct nb_virtq_chain *c = &vs->chain;
		uint8_t ev[NB_VSOCK_EVENT_SIZE] = {NB_VSOCK_EVENT_TRANSPORT_RESET};

		r = pop(vs, q, &pushed);
		if (r == -EINVAL)
			continue;
		if (r < 0) {
			nb_virtio_mmio_needs_reset(t);
			return r;
		}
		if (r == 0) {
			nb_virtq_enable_notify(q, t->mem, true);
			r = -EAGAIN;
			break;
		}
		if (c->nr_read || c->write_len < sizeof(ev)) {
			stat_add(&vs->stats.bad_chains, 1);
			r = nb_virtq_push(q, t->mem, c->head, 0);
			pushed = true;
			if (r < 0)
				break;
			continue;
		}
		nb_vsock_iov_write(vs->iov, chain_iov(vs, true), 0, ev, sizeof(ev));
		r = nb_virtq_push(q, t->mem, c->head, sizeof(ev));
		pushed = true;
		if (!r) {
			vs->reset_event = false;
			stat_add(&vs->stats.reset_events, 1);
		}
		break;
	}
	if (r < 0 && r != -EAGAIN)
		nb_virtio_mmio_needs_reset(t);
	if (pushed)
		nb_virtio_mmio_signal_used(t, NB_VIRTIO_VSOCK_EVQ);
	return r;
}

static void hook_lock(void *ctx)
{
	struct nb_virtio_vsock *vs = ctx;

	nb_virtio_mmio_lock(vs->t);
}

static void hook_unlock(void *ctx)
{
	struct nb_virtio_vsock *vs = ctx;

	nb_virtio_mmio_unlock(vs->t);
}

static void hook_rx_ready(void *ctx)
{
	process_rx(ctx);
}

static void vsock_config_read(void *dev, uint32_t off, uint8_t *data, uint32_t len)
{
	struct nb_virtio_vsock *vs = dev;
	uint8_t cfg[8];

	for (unsigned int i = 0; i < 8; i++)
		cfg[i] = (uint8_t)(vs->guest_cid >> (8 * i));
	/* The transport keeps @off + @len within config_size. */
	memcpy(data, cfg + off, len);
}

static int vsock_activate(void *dev, struct nb_virtio_mmio *t)
{
	struct nb_virtio_vsock *vs = dev;
	int r;

	vs->t = t;
	r = nb_vsock_mux_start(vs->mux);
	if (r < 0)
		return r;
	vs->active = true;
	return 0;
}

static void vsock_notify(void *dev, struct nb_virtio_mmio *t, uint16_t queue)
{
	struct nb_virtio_vsock *vs = dev;

	(void)t;
	if (queue == NB_VIRTIO_VSOCK_TXQ)
		process_tx(vs);
	else if (queue == NB_VIRTIO_VSOCK_RXQ)
		process_rx(vs);
	else if (queue == NB_VIRTIO_VSOCK_EVQ)
		process_event(vs);
}

static void vsock_reset(void *dev, struct nb_virtio_mmio *t)
{
	struct nb_virtio_vsock *vs = dev;

	(void)t;
	vs->active = false;
	vs->reset_event = false; /* a new driver starts afresh */
	nb_vsock_mux_stop(vs->mux);
}

static const struct nb_virtio_dev_ops vsock_ops = {
    .config_read = vsock_config_read,
    .config_write = NULL,
    .activate = vsock_activate,
    .notify = vsock_notify,
    .reset = vsock_reset,
};

int nb_virtio_vsock_new(struct nb_virtio_vsock **out, uint64_t guest_cid, const char *uds_path,
			const struct nb_event_ops *ev, char *err, size_t errlen)
{
	struct nb_virtio_vsock *vs;
	struct nb_vsock_mux_hooks hooks = {hook_lock, hook_unlock, hook_rx_ready, NULL};
	int r;

	if (guest_cid < NB_VSOCK_MIN_CID || guest_cid > UINT32_MAX) {
		snprintf(err, errlen, "vsock.guest_cid: must be between %d and %u",
			 NB_VSOCK_MIN_CID, UINT32_MAX);
		return -EINVAL;
	}
	vs = calloc(1, sizeof(*vs));
	if (!vs) {
		snprintf(err, errlen, "vsock: out of memory");
		return -ENOMEM;
	}
	vs->guest_cid = guest_cid;
	hooks.ctx = vs;
	r = nb_vsock_mux_new(&vs->mux, guest_cid, uds_path, ev, &hooks, err, errlen);
	if (r) {
		free(vs);
		return r;
	}
	*out = vs;
	return 0;
}

void nb_virtio_vsock_free(struct nb_virtio_vsock *vs)
{
	if (!vs)
		return;
	nb_vsock_mux_free(vs->mux);
	free(vs);
}

struct nb_virtio_device nb_virtio_vsock_device(struct nb_virtio_vsock *vs)
{
	struct nb_virtio_device d = {
	    .device_id = NB_VIRTIO_ID_VSOCK,
	    .features = (1ULL << NB_VIRTIO_F_EVENT_IDX) | (1ULL << NB_VIRTIO_F_INDIRECT_DESC),
	    .nr_queues = 3,
	    .queue_max_size = NB_VIRTIO_VSOCK_QUEUE_SIZE,
	    .config_size = 8,
	    .ops = &vsock_ops,
	    .dev = vs,
	};

	return d;
}

int nb_virtio_vsock_transport_reset(struct nb_virtio_vsock *vs)
{
	int r;

	if (!vs->t)
		return -EAGAIN;
	nb_virtio_mmio_lock(vs->t);
	nb_vsock_mux_stop(vs->mux);
	if (vs->active)
		nb_vsock_mux_start(vs->mux);
	vs->reset_event = true;
	r = process_event(vs);
	nb_virtio_mmio_unlock(vs->t);
	return r;
}

void nb_virtio_vsock_get_stats(const struct nb_virtio_vsock *vs, struct nb_virtio_vsock_stats *out)
{
	const uint64_t *src = (const uint64_t *)&vs->stats;
	uint64_t *dst = (uint64_t *)out;

	for (size_t i = 0; i < offsetof(struct nb_virtio_vsock_stats, mux) / sizeof(uint64_t); i++)
		dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
	nb_vsock_mux_get_stats(vs->mux, &out->mux);
}

unsigned int nb_virtio_vsock_nr_conns(const struct nb_virtio_vsock *vs)
{
	return nb_vsock_mux_nr_conns(vs->mux);
}
