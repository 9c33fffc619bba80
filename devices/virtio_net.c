// SPDX-License-Identifier: Apache-2.0
#include "devices/virtio_net.h"

#include <errno.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define BIT(n) (1ULL << (n))
#define RX_BUDGET 256 /* frames per tap event, so other fds get their turn */

enum rx_res { RX_DONE, RX_WAIT_BUFFERS, RX_WAIT_TIMER, RX_BROKEN };

struct nb_virtio_net {
	struct nb_virtio_net_state s;
	char id[72];
	uint8_t config[NB_VIRTIO_NET_CONFIG_SIZE];
	int tap;
	int (*configure_tap)(int fd, unsigned int offloads);
	struct nb_rate_limiter rx_rl, tx_rl;
	struct nb_event_ops ev;	  /* a copy: callers may pass a temporary */
	struct nb_virtio_mmio *t; /* set by the first activate, never cleared */
	bool active;		  /* between activate and reset, under t's lock */
	bool tap_registered, tap_watching, tap_failed;
	bool rx_timer_registered, tx_timer_registered;
	bool rx_pending; /* frame[] holds a frame not delivered yet */
	uint32_t frame_len;
	struct nb_virtio_net_stats stats; /* updated with relaxed atomics */
	struct nb_virtq_chain chain;	  /* too big for the stack */
	struct nb_net_tx tx;
	struct nb_virtq_used_elem used[NB_VIRTIO_NET_QUEUE_SIZE];
	uint16_t bad[NB_VIRTIO_NET_QUEUE_SIZE];
	struct nb_vhost_net *vhost; /* NULL: the userspace data path */
	struct nb_mmds_stack *mmds; /* NULL: no MMDS on this interface */
	uint8_t *mmds_buf;	    /* NB_NET_FRAME_MAX: a TX frame for the MMDS, in one piece */
	uint8_t frame[NB_NET_FRAME_MAX];
};

static void stat_add(uint64_t *counter, uint64_t n)
{
	__atomic_fetch_add(counter, n, __ATOMIC_RELAXED);
}

int nb_net_tap_configure(int fd, unsigned int offloads)
{
	int sz = NB_NET_HDR_LEN;

	if (ioctl(fd, TUNSETVNETHDRSZ, &sz) < 0)
		return -errno;
	if (ioctl(fd, TUNSETOFFLOAD, (unsigned long)offloads) < 0)
		return -errno;
	return 0;
}

static uint64_t features(struct nb_virtio_net *net)
{
	return nb_virtio_mmio_features(net->t);
}

/* Watches the tap for frames or stops; the RX queue's notifications go the other way. */
static void watch_tap(struct nb_virtio_net *net, bool on)
{
	if (!net->tap_registered || net->tap_watching == on)
		return;
	if (nb_event_modify(&net->ev, net->tap, on ? EPOLLIN : 0) < 0)
		return;
	net->tap_watching = on;
	if (on)
		nb_virtq_enable_notify(nb_virtio_mmio_queue(net->t, NB_VIRTIO_NET_RXQ), net->t->mem,
				       false);
}

/* Pushes a chain the device could not use with length 0. */
static bool push_bad(struct nb_virtio_net *net, struct nb_virtq *q, uint16_t head)
{
	if (nb_virtq_push(q, net->t->mem, head, 0) < 0) {
		nb_virtio_mmio_needs_reset(net->t);
		return false;
	}
	return true;
}

static bool rx_limit(struct nb_virtio_net *net, uint32_t len)
{
	bool was_blocked = nb_rate_limiter_is_blocked(&net->rx_rl);

	if (nb_rate_limiter_consume(&net->rx_rl, 1, NB_TOKENS_OPS)) {
		if (nb_rate_limiter_consume(&net->rx_rl, len, NB_TOKENS_BYTES))
			return true;
		nb_rate_limiter_replenish(&net->rx_rl, 1, NB_TOKENS_OPS);
	}
	if (!was_blocked)
		stat_add(&net->stats.rx_throttled, 1);
	return false;
}

static void rx_refund(struct nb_virtio_net *net, uint32_t len)
{
	nb_rate_limiter_replenish(&net->rx_rl, 1, NB_TOKENS_OPS);
	nb_rate_limiter_replenish(&net->rx_rl, len, NB_TOKENS_BYTES);
}

/*
 * Copies the frame in hand into the RX queue's chains and pushes them all
 * at once. Chains taken for a frame that cannot be delivered yet are given
 * back (next_avail rewound): nothing was pushed for them. *@pushed tells
 * whether used entries were pushed.
 */
static enum rx_res deliver(struct nb_virtio_net *net, struct nb_virtq *q, bool *pushed)
{
	const struct nb_guest_mem *m = net->t->mem;
	struct nb_virtq_chain *c = &net->chain;
	uint64_t f = features(net);
	uint16_t taken = 0, nr_used = 0, nr_bad = 0;
	uint32_t descs = 0, len;
	struct nb_net_rx rx;
	enum nb_net_err e;
	int r;

	e = nb_net_rx_start(&rx, net->frame, net->frame_len, f);
	if (e != NB_NET_OK) {
		stat_add(&net->stats.rx_dropped, 1);
		return RX_DONE;
	}
	if (!rx_limit(net, net->frame_len))
		return RX_WAIT_TIMER;
	while (!nb_net_rx_done(&rx)) {
		if (taken >= q->size) {
			/* The driver cannot have more chains out than that. */
			q->next_avail = (uint16_t)(q->next_avail - taken);
			rx_refund(net, net->frame_len);
			stat_add(&net->stats.rx_dropped, 1);
			return RX_DONE;
		}
		r = nb_virtq_pop(q, m, c);
		if (r == 0) {
			/* Out of buffers: ask for a notification, then close the race. */
			nb_virtq_enable_notify(q, m, true);
			if (nb_virtq_has_avail(q, m))
				continue;
			q->next_avail = (uint16_t)(q->next_avail - taken);
			rx_refund(net, net->frame_len);
			if (descs < q->size)
				return RX_WAIT_BUFFERS;
			/* The whole ring cannot hold it: it never will. */
			stat_add(&net->stats.rx_dropped, 1);
			return RX_DONE;
		}
		if (r < 0 && r != -EINVAL) {
			nb_virtio_mmio_needs_reset(net->t);
			return RX_BROKEN;
		}
		e = r < 0 ? NB_NET_E_READABLE : nb_net_rx_fill(&rx, c, &len);
		if (e == NB_NET_E_NO_ROOM && !rx.mrg) {
			/* Too small for this frame; the chain may suit the next. */
			q->next_avail = (uint16_t)(q->next_avail - taken - 1);
			stat_add(&net->stats.rx_dropped, 1);
			return RX_DONE;
		}
		if (e != NB_NET_OK && !nr_used) {
			/* Before the frame's first chain: give it back empty. */
			stat_add(&net->stats.rx_errors, 1);
			if (!push_bad(net, q, c->head))
				return RX_BROKEN;
			*pushed = true;
			continue;
		}
		taken++;
		descs += c->nr;
		if (e != NB_NET_OK) {
			/* A bad chain among the frame's: pushed empty after them. */
			stat_add(&net->stats.rx_errors, 1);
			net->bad[nr_bad++] = c->head;
			continue;
		}
		net->used[nr_used].id = c->head;
		net->used[nr_used].len = len;
		nr_used++;
	}
	for (uint16_t i = 0; i < nr_bad; i++) {
		net->used[nr_used + i].id = net->bad[i];
		net->used[nr_used + i].len = 0;
	}
	nb_net_rx_finish(&rx);
	if (nb_virtq_push_many(q, m, net->used, (uint16_t)(nr_used + nr_bad)) < 0) {
		nb_virtio_mmio_needs_reset(net->t);
		return RX_BROKEN;
	}
	*pushed = true;
	stat_add(&net->stats.rx_packets, 1);
	stat_add(&net->stats.rx_bytes, net->frame_len - NB_NET_HDR_LEN);
	return RX_DONE;
}

/* Lock held. Delivers frames from the tap while the guest has buffers. */
static void rx_process(struct nb_virtio_net *net)
{
	struct nb_virtq *q;
	bool pushed = false;
	int budget = RX_BUDGET;

	if (!net->active || (!net->tap_registered && !net->mmds))
		return;
	q = nb_virtio_mmio_queue(net->t, NB_VIRTIO_NET_RXQ);
	if (!q || !q->ready)
		return;
	while (budget-- > 0) {
		enum rx_res res;

		if (!net->rx_pending) {
			ssize_t n;

			if (!nb_virtq_has_avail(q, net->t->mem)) {
				nb_virtq_enable_notify(q, net->t->mem, true);
				if (!nb_virtq_has_avail(q, net->t->mem)) {
					stat_add(&net->stats.rx_waits, 1);
					watch_tap(net, false);
					break;
				}
			}
			/* The MMDS's frames first: they wait here, not in the tap. */
			n = net->mmds ? (ssize_t)nb_mmds_stack_output(net->mmds, net->frame,
								      sizeof(net->frame))
				      : 0;
			if (n > 0) {
				net->rx_pending = true;
				net->frame_len = (uint32_t)n;
				goto deliver;
			}
			if (!net->tap_registered)
				break;
			n = read(net->tap, net->frame, sizeof(net->frame));
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 && errno != EAGAIN) {
				stat_add(&net->stats.rx_errors, 1);
				n = -1;
			}
			if (n <= 0) {
				watch_tap(net, true);
				break;
			}
			net->rx_pending = true;
			net->frame_len = (uint32_t)n;
		}
	deliver:
		res = deliver(net, q, &pushed);
		if (res == RX_DONE) {
			net->rx_pending = false;
			continue;
		}
		if (res == RX_WAIT_BUFFERS)
			stat_add(&net->stats.rx_waits, 1);
		watch_tap(net, false);
		break;
	}
	if (budget < 0)
		watch_tap(net, true);
	if (pushed)
		nb_virtio_mmio_signal_used(net->t, NB_VIRTIO_NET_RXQ);
}

/*
 * Whether the TX frame in net->tx is for the MMDS: then the endpoint takes
 * it (in one piece) and it does not go to the tap.
 */
static bool mmds_tx(struct nb_virtio_net *net)
{
	uint8_t peek[NB_NET_HDR_LEN + NB_MMDS_PEEK_LEN];
	size_t n = 0, want = net->tx.len, cap = sizeof(peek);
	uint8_t *dst = peek;

	for (int pass = 0; pass < 2; pass++) {
		n = 0;
		for (unsigned int i = 0; i < net->tx.nr_iov && n < cap; i++) {
			size_t k = net->tx.iov[i].iov_len;

			if (k > cap - n)
				k = cap - n;
			memcpy(dst + n, net->tx.iov[i].iov_base, k);
			n += k;
		}
		if (n < NB_NET_HDR_LEN)
			return false;
		if (pass == 0) {
			if (!nb_mmds_stack_wants(net->mmds, peek + NB_NET_HDR_LEN,
						 n - NB_NET_HDR_LEN))
				return false;
			dst = net->mmds_buf;
			cap = want < NB_NET_FRAME_MAX ? want : NB_NET_FRAME_MAX;
		}
	}
	nb_mmds_stack_input(net->mmds, dst + NB_NET_HDR_LEN, n - NB_NET_HDR_LEN,
			    net->tx.hdr.flags & NB_NET_HDR_F_NEEDS_CSUM);
	return true;
}

/* Lock held. Writes every chain the driver queued on TX to the tap. */
static void tx_process(struct nb_virtio_net *net)
{
	const struct nb_guest_mem *m;
	struct nb_virtq_chain *c = &net->chain;
	struct nb_virtq *q;
	bool pushed = false, mmds = false;

	if (!net->active)
		return;
	m = net->t->mem;
	q = nb_virtio_mmio_queue(net->t, NB_VIRTIO_NET_TXQ);
	if (!q || !q->ready)
		return;
	nb_virtq_enable_notify(q, m, false);
	for (;;) {
		bool was_blocked = nb_rate_limiter_is_blocked(&net->tx_rl);
		enum nb_net_err e;
		ssize_t n;
		int r;

		if (!nb_virtq_has_avail(q, m)) {
			nb_virtq_enable_notify(q, m, true);
			if (!nb_virtq_has_avail(q, m))
				break;
		}
		if (!nb_rate_limiter_consume(&net->tx_rl, 1, NB_TOKENS_OPS)) {
			if (!was_blocked)
				stat_add(&net->stats.tx_throttled, 1);
			break;
		}
		r = nb_virtq_pop(q, m, c);
		if (r == 0) {
			nb_rate_limiter_replenish(&net->tx_rl, 1, NB_TOKENS_OPS);
			continue;
		}
		if (r < 0 && r != -EINVAL) {
			nb_virtio_mmio_needs_reset(net->t);
			break;
		}
		e = r < 0 ? NB_NET_E_WRITABLE : nb_net_tx_parse(c, features(net), &net->tx);
		if (e != NB_NET_OK) {
			stat_add(&net->stats.tx_dropped, 1);
			if (!push_bad(net, q, c->head))
				break;
			pushed = true;
			continue;
		}
		if (!nb_rate_limiter_consume(&net->tx_rl, net->tx.len, NB_TOKENS_BYTES)) {
			nb_rate_limiter_replenish(&net->tx_rl, 1, NB_TOKENS_OPS);
			q->next_avail--; /* taken again when the timer fires */
			if (!was_blocked)
				stat_add(&net->stats.tx_throttled, 1);
			break;
		}
		if (net->mmds && mmds_tx(net)) {
			mmds = true;
			if (!push_bad(net, q, c->head))
				break;
			pushed = true;
			continue;
		}
		do
			n = writev(net->tap, net->tx.iov, (int)net->tx.nr_iov);
		while (n < 0 && errno == EINTR);
		if (n < 0) {
			stat_add(&net->stats.tx_errors, 1);
		} else {
			stat_add(&net->stats.tx_packets, 1);
			stat_add(&net->stats.tx_bytes, net->tx.len - NB_NET_HDR_LEN);
		}
		if (!push_bad(net, q, c->head)) /* TX chains are pushed with 0 */
			break;
		pushed = true;
	}
	if (pushed)
		nb_virtio_mmio_signal_used(net->t, NB_VIRTIO_NET_TXQ);
	/* The MMDS's answers go to the guest now. */
	if (mmds && nb_mmds_stack_has_output(net->mmds))
		rx_process(net);
}

static void tap_event(void *ctx, int fd, uint32_t events)
{
	struct nb_virtio_net *net = ctx;

	(void)fd;
	nb_virtio_mmio_lock(net->t);
	if ((events & (EPOLLERR | EPOLLHUP)) && !(events & EPOLLIN)) {
		/* The tap went away under us: stop, or the loop spins on it. */
		if (!net->tap_failed)
			fprintf(stderr, "net %s: the tap failed; no more frames from it\n",
				net->id);
		net->tap_failed = true;
		stat_add(&net->stats.rx_errors, 1);
		nb_event_remove(&net->ev, net->tap);
		net->tap_registered = net->tap_watching = false;
	} else {
		rx_process(net);
	}
	nb_virtio_mmio_unlock(net->t);
}

static void rx_timer(void *ctx, int fd, uint32_t events)
{
	struct nb_virtio_net *net = ctx;

	(void)fd;
	(void)events;
	nb_virtio_mmio_lock(net->t);
	nb_rate_limiter_event(&net->rx_rl);
	rx_process(net);
	nb_virtio_mmio_unlock(net->t);
}

static void tx_timer(void *ctx, int fd, uint32_t events)
{
	struct nb_virtio_net *net = ctx;

	(void)fd;
	(void)events;
	nb_virtio_mmio_lock(net->t);
	nb_rate_limiter_event(&net->tx_rl);
	tx_process(net);
	nb_virtio_mmio_unlock(net->t);
}

static void unregister_all(struct nb_virtio_net *net)
{
	if (net->tap_registered)
		nb_event_remove(&net->ev, net->tap);
	if (net->rx_timer_registered)
		nb_event_remove(&net->ev, nb_rate_limiter_fd(&net->rx_rl));
	if (net->tx_timer_registered)
		nb_event_remove(&net->ev, nb_rate_limiter_fd(&net->tx_rl));
	net->tap_registered = net->tap_watching = false;
	net->rx_timer_registered = net->tx_timer_registered = false;
}

static int register_timer(struct nb_virtio_net *net, struct nb_rate_limiter *rl, nb_event_fn fn,
			  bool *registered)
{
	int fd = nb_rate_limiter_fd(rl), r;

	if (fd < 0 || *registered)
		return 0;
	r = nb_event_add(&net->ev, fd, EPOLLIN, fn, net);
	if (r == 0)
		*registered = true;
	return r;
}

/* The queues as vhost-net takes them (vhost_net.h). */
static struct nb_vhost_queues vhost_queues(struct nb_virtio_net *net, struct nb_virtio_mmio *t)
{
	struct nb_vhost_queues qs = {.call = t->kfds.irq_fd, .tap = net->tap};

	for (uint16_t i = 0; i < NB_VHOST_NET_QUEUES; i++) {
		qs.q[i] = nb_virtio_mmio_queue(t, i);
		qs.kick[i] = t->kfds.kick_fd[i];
	}
	return qs;
}

/* DRIVER_OK with vhost: the kernel takes the queues; nestbox stops reading their kicks. */
static int vhost_activate(struct nb_virtio_net *net, struct nb_virtio_mmio *t)
{
	struct nb_vhost_queues qs = vhost_queues(net, t);
	int r;

	if (qs.call < 0 || qs.kick[0] < 0 || qs.kick[1] < 0 || !t->kfds.watch_kick) {
		fprintf(stderr,
			"net %s: vhost needs KVM's ioeventfds and irqfd, which it refused\n",
			net->id);
		return -ENODEV;
	}
	r = nb_vhost_net_start(net->vhost, t->mem, nb_virtio_mmio_features(t), &qs);
	if (r < 0) {
		fprintf(stderr, "net %s: vhost-net: %s: %s\n", net->id,
			net->vhost->failed ? net->vhost->failed : "?", strerror(-r));
		return r;
	}
	for (uint16_t i = 0; i < NB_VHOST_NET_QUEUES; i++)
		t->kfds.watch_kick(t->kfds.opaque, i, false);
	t->vring_in_kernel = true;
	net->active = true;
	return 0;
}

/* Reset: the kernel lets go of the queues (their positions read back), nestbox reads the kicks. */
static void vhost_reset(struct nb_virtio_net *net)
{
	struct nb_virtio_mmio *t = net->t;
	struct nb_vhost_queues qs = vhost_queues(net, t);

	nb_vhost_net_stop(net->vhost, &qs);
	for (uint16_t i = 0; i < NB_VHOST_NET_QUEUES; i++)
		t->kfds.watch_kick(t->kfds.opaque, i, true);
	t->vring_in_kernel = false;
}

static void net_config_read(void *dev, uint32_t off, uint8_t *data, uint32_t len)
{
	struct nb_virtio_net *net = dev;

	memcpy(data, net->config + off, len);
}

static int net_activate(void *dev, struct nb_virtio_mmio *t)
{
	struct nb_virtio_net *net = dev;
	unsigned int off;
	int r;

	net->t = t;
	off = nb_net_tap_offloads(nb_virtio_mmio_features(t));
	r = net->configure_tap(net->tap, off);
	if (r < 0) {
		fprintf(stderr, "net %s: setting the tap's offloads: %s\n", net->id, strerror(-r));
		return r;
	}
	net->s.tap_offloads = off;
	if (net->vhost)
		return vhost_activate(net, t);
	r = register_timer(net, &net->rx_rl, rx_timer, &net->rx_timer_registered);
	if (!r)
		r = register_timer(net, &net->tx_rl, tx_timer, &net->tx_timer_registered);
	if (!r && !net->tap_failed) {
		r = nb_event_add(&net->ev, net->tap, EPOLLIN, tap_event, net);
		net->tap_registered = net->tap_watching = !r;
	}
	if (r < 0) {
		unregister_all(net);
		return r;
	}
	net->rx_pending = false;
	net->active = true;
	return 0;
}

static void net_notify(void *dev, struct nb_virtio_mmio *t, uint16_t queue)
{
	struct nb_virtio_net *net = dev;

	(void)t;
	if (net->vhost) /* the kernel's; a kick that reached us anyway is its too */
		return;
	if (queue == NB_VIRTIO_NET_RXQ)
		rx_process(net);
	else if (queue == NB_VIRTIO_NET_TXQ)
		tx_process(net);
}

static void net_reset(void *dev, struct nb_virtio_mmio *t)
{
	struct nb_virtio_net *net = dev;

	(void)t;
	if (net->vhost && net->active)
		vhost_reset(net);
	net->active = false;
	net->rx_pending = false;
	unregister_all(net);
}

static const struct nb_virtio_dev_ops net_ops = {
    .config_read = net_config_read,
    .config_write = NULL,
    .activate = net_activate,
    .notify = net_notify,
    .reset = net_reset,
};

static uint64_t offered(bool mac)
{
	return BIT(NB_VIRTIO_NET_F_CSUM) | BIT(NB_VIRTIO_NET_F_GUEST_CSUM) |
	       BIT(NB_VIRTIO_NET_F_GUEST_TSO4) | BIT(NB_VIRTIO_NET_F_GUEST_TSO6) |
	       BIT(NB_VIRTIO_NET_F_GUEST_UFO) | BIT(NB_VIRTIO_NET_F_HOST_TSO4) |
	       BIT(NB_VIRTIO_NET_F_HOST_TSO6) | BIT(NB_VIRTIO_NET_F_HOST_UFO) |
	       BIT(NB_VIRTIO_NET_F_MRG_RXBUF) | BIT(NB_VIRTIO_F_EVENT_IDX) |
	       BIT(NB_VIRTIO_F_INDIRECT_DESC) | (mac ? BIT(NB_VIRTIO_NET_F_MAC) : 0);
}

int nb_virtio_net_new(struct nb_virtio_net **out, const struct nb_net_params *p,
		      const struct nb_event_ops *ev, char *err, size_t errlen)
{
	const char *id = p->iface_id ? p->iface_id : "?";
	struct nb_virtio_net *net;
	int r;

	*out = NULL;
	net = calloc(1, sizeof(*net));
	if (!net) {
		r = -ENOMEM;
		goto fail;
	}
	net->tap = -1;
	r = nb_rate_limiter_init(&net->rx_rl, p->rx_bw, p->rx_ops, NULL);
	if (r < 0)
		goto fail;
	r = nb_rate_limiter_init(&net->tx_rl, p->tx_bw, p->tx_ops, NULL);
	if (r < 0) {
		nb_rate_limiter_destroy(&net->rx_rl);
		goto fail;
	}
	if (p->tap_fd < 0 || !ev) {
		r = -EINVAL;
		nb_rate_limiter_destroy(&net->rx_rl);
		nb_rate_limiter_destroy(&net->tx_rl);
		goto fail;
	}
	snprintf(net->id, sizeof(net->id), "%s", id);
	net->tap = p->tap_fd;
	net->ev = *ev;
	net->configure_tap = p->configure_tap ? p->configure_tap : nb_net_tap_configure;
	if (p->mmds_fn) {
		net->mmds_buf = malloc(NB_NET_FRAME_MAX);
		if (!net->mmds_buf ||
		    nb_mmds_stack_new(&net->mmds, p->mmds_ipv4, p->mmds_fn, p->mmds_ctx) < 0) {
			free(net->mmds_buf);
			nb_rate_limiter_destroy(&net->rx_rl);
			nb_rate_limiter_destroy(&net->tx_rl);
			r = -ENOMEM;
			goto fail;
		}
	}
	net->s.has_mac = p->mac != NULL;
	if (p->mac) {
		memcpy(net->s.mac, p->mac, 6);
		memcpy(net->config, p->mac, 6);
	}
	net->s.features = offered(p->mac != NULL);
	if (p->vhost) {
		net->vhost = p->vhost;
		net->s.features = nb_vhost_net_offer(net->s.features, p->vhost->features);
	}
	*out = net;
	return 0;
fail:
	free(net);
	if (p->tap_fd >= 0)
		close(p->tap_fd);
	nb_vhost_net_free(p->vhost);
	if (errlen)
		snprintf(err, errlen, "network-interface %s: %s", id, strerror(-r));
	return r;
}

void nb_virtio_net_free(struct nb_virtio_net *net)
{
	if (!net)
		return;
	unregister_all(net);
	nb_vhost_net_free(net->vhost); /* the kernel lets go of the tap and the rings */
	nb_rate_limiter_destroy(&net->rx_rl);
	nb_rate_limiter_destroy(&net->tx_rl);
	nb_mmds_stack_free(net->mmds);
	free(net->mmds_buf);
	close(net->tap);
	free(net);
}

struct nb_virtio_device nb_virtio_net_device(struct nb_virtio_net *net)
{
	struct nb_virtio_device d = {
	    .device_id = NB_VIRTIO_ID_NET,
	    .features = net->s.features,
	    .nr_queues = 2,
	    .queue_max_size = NB_VIRTIO_NET_QUEUE_SIZE,
	    .config_size = NB_VIRTIO_NET_CONFIG_SIZE,
	    .ops = &net_ops,
	    .dev = net,
	    .kernel_vring = net->vhost != NULL,
	};

	return d;
}

void nb_virtio_net_get_stats(const struct nb_virtio_net *net, struct nb_virtio_net_stats *out)
{
	const uint64_t *in = (const uint64_t *)&net->stats;
	uint64_t *o = (uint64_t *)out;

	for (size_t i = 0; i < sizeof(*out) / sizeof(uint64_t); i++)
		o[i] = __atomic_load_n(&in[i], __ATOMIC_RELAXED);
}

const struct nb_virtio_net_state *nb_virtio_net_state(const struct nb_virtio_net *net)
{
	return &net->s;
}

struct nb_virtio_net *nb_virtio_net_from_transport(struct nb_virtio_mmio *t)
{
	if (!t || t->dev.device_id != NB_VIRTIO_ID_NET || t->dev.ops != &net_ops)
		return NULL;
	return t->dev.dev;
}

int nb_virtio_net_update_rate_limiters(struct nb_virtio_mmio *t, const struct nb_net_rl_update *u)
{
	struct nb_virtio_net *net = nb_virtio_net_from_transport(t);
	int r;

	if (!net)
		return -ENODEV;
	if (net->vhost)
		return -EOPNOTSUPP; /* the kernel moves the frames */
	nb_virtio_mmio_lock(t);
	r = nb_rate_limiter_update(&net->rx_rl, u->rx_bw, u->rx_ops);
	if (!r)
		r = nb_rate_limiter_update(&net->tx_rl, u->tx_bw, u->tx_ops);
	/* A timer that appeared is watched now; else at the next activation. */
	if (net->active) {
		int r2 = register_timer(net, &net->rx_rl, rx_timer, &net->rx_timer_registered);

		if (!r2)
			r2 = register_timer(net, &net->tx_rl, tx_timer, &net->tx_timer_registered);
		if (!r)
			r = r2;
		rx_process(net);
		tx_process(net);
	}
	nb_virtio_mmio_unlock(t);
	return r;
}

bool nb_virtio_net_mmds_stats(struct nb_virtio_net *net, struct nb_mmds_stack_stats *out)
{
	if (!net->mmds)
		return false;
	if (net->t)
		nb_virtio_mmio_lock(net->t);
	nb_mmds_stack_get_stats(net->mmds, out);
	if (net->t)
		nb_virtio_mmio_unlock(net->t);
	return true;
}
