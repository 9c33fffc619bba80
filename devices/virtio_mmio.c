// SPDX-License-Identifier: Apache-2.0
/*
 * The virtio-mmio transport, version 2 (virtio 1.x, 4.2.2).
 *
 * Registers take only aligned 4-byte accesses (others read zeros and write
 * nothing); the config space at 0x100 takes any width the bus delivers.
 * The driver's status writes are checked: only reset (0) clears bits,
 * FEATURES_OK is refused (left clear) for a feature set we cannot honour,
 * and DRIVER_OK checks every ready queue before the device sees it.
 */
#include "devices/virtio_mmio.h"

#include <errno.h>
#include <string.h>

#define MAGIC 0x74726976 /* "virt" */
#define VERSION 2
#define VENDOR 0x4e425858 /* "XXBN" */

/* Register offsets (4.2.2). */
enum {
	REG_MAGIC = 0x000,
	REG_VERSION = 0x004,
	REG_DEVICE_ID = 0x008,
	REG_VENDOR_ID = 0x00c,
	REG_DEVICE_FEATURES = 0x010,
	REG_DEVICE_FEATURES_SEL = 0x014,
	REG_DRIVER_FEATURES = 0x020,
	REG_DRIVER_FEATURES_SEL = 0x024,
	REG_QUEUE_SEL = 0x030,
	REG_QUEUE_NUM_MAX = 0x034,
	REG_QUEUE_NUM = 0x038,
	REG_QUEUE_READY = 0x044,
	REG_QUEUE_NOTIFY = NB_VIRTIO_MMIO_QUEUE_NOTIFY,
	REG_INTERRUPT_STATUS = 0x060,
	REG_INTERRUPT_ACK = NB_VIRTIO_MMIO_INTERRUPT_ACK,
	REG_STATUS = 0x070,
	REG_QUEUE_DESC_LOW = 0x080,
	REG_QUEUE_DESC_HIGH = 0x084,
	REG_QUEUE_DRIVER_LOW = 0x090,
	REG_QUEUE_DRIVER_HIGH = 0x094,
	REG_QUEUE_DEVICE_LOW = 0x0a0,
	REG_QUEUE_DEVICE_HIGH = 0x0a4,
	REG_SHM_LEN_LOW = 0x0b0, /* no shared memory regions: all ones */
	REG_SHM_BASE_HIGH = 0x0bc,
	REG_CONFIG_GENERATION = 0x0fc,
};

static bool is_pow2(uint32_t v)
{
	return v && !(v & (v - 1));
}

static uint64_t offered(const struct nb_virtio_mmio *t)
{
	return t->dev.features | 1ULL << NB_VIRTIO_F_VERSION_1;
}

int nb_virtio_mmio_init(struct nb_virtio_mmio *t, const struct nb_virtio_device *dev,
			const struct nb_guest_mem *mem, struct nb_irq irq)
{
	int err;

	if (!dev->device_id || !dev->ops || !mem)
		return -EINVAL;
	if (!dev->nr_queues || dev->nr_queues > NB_VIRTIO_MAX_QUEUES)
		return -EINVAL;
	if (!is_pow2(dev->queue_max_size) || dev->queue_max_size > NB_VIRTQ_MAX_SIZE)
		return -EINVAL;
	if (dev->config_size > NB_VIRTIO_MMIO_SIZE - NB_VIRTIO_MMIO_CONFIG)
		return -EINVAL;
	memset(t, 0, sizeof(*t));
	err = pthread_mutex_init(&t->lock, NULL);
	if (err)
		return -err;
	t->dev = *dev;
	t->mem = mem;
	t->irq = irq;
	for (unsigned i = 0; i < NB_VIRTIO_MAX_QUEUES; i++) {
		t->s.queues[i].max_size = i < dev->nr_queues ? dev->queue_max_size : 0;
		t->kfds.kick_fd[i] = -1;
	}
	t->kfds.irq_fd = -1;
	return 0;
}

void nb_virtio_mmio_destroy(struct nb_virtio_mmio *t)
{
	pthread_mutex_destroy(&t->lock);
}

void nb_virtio_mmio_lock(struct nb_virtio_mmio *t)
{
	pthread_mutex_lock(&t->lock);
}

void nb_virtio_mmio_unlock(struct nb_virtio_mmio *t)
{
	pthread_mutex_unlock(&t->lock);
}

uint64_t nb_virtio_mmio_features(const struct nb_virtio_mmio *t)
{
	return t->s.acked_features;
}

struct nb_virtq *nb_virtio_mmio_queue(struct nb_virtio_mmio *t, uint16_t idx)
{
	return idx < t->dev.nr_queues ? &t->s.queues[idx] : NULL;
}

static void interrupt(struct nb_virtio_mmio *t, uint32_t why)
{
	t->s.interrupt_status |= why;
	nb_irq_trigger(&t->irq);
}

bool nb_virtio_mmio_signal_used(struct nb_virtio_mmio *t, uint16_t queue)
{
	struct nb_virtq *q = nb_virtio_mmio_queue(t, queue);

	if (!q || !t->s.activated || !nb_virtq_needs_interrupt(q, t->mem))
		return false;
	interrupt(t, NB_VIRTIO_INT_VRING);
	return true;
}

void nb_virtio_mmio_signal_config(struct nb_virtio_mmio *t)
{
	t->s.config_generation++;
	/* No configuration change notification before DRIVER_OK (2.1.2). */
	if (t->s.status & NB_VIRTIO_STATUS_DRIVER_OK)
		interrupt(t, NB_VIRTIO_INT_CONFIG);
}

void nb_virtio_mmio_needs_reset(struct nb_virtio_mmio *t)
{
	if (t->s.status & NB_VIRTIO_STATUS_NEEDS_RESET)
		return;
	t->s.status |= NB_VIRTIO_STATUS_NEEDS_RESET;
	if (t->s.status & NB_VIRTIO_STATUS_DRIVER_OK)
		interrupt(t, NB_VIRTIO_INT_CONFIG);
}

static void notify_locked(struct nb_virtio_mmio *t, uint32_t queue)
{
	if (!t->s.activated || t->s.status & NB_VIRTIO_STATUS_NEEDS_RESET)
		return;
	if (queue >= t->dev.nr_queues || !t->s.queues[queue].ready)
		return;
	if (t->dev.ops->notify)
		t->dev.ops->notify(t->dev.dev, t, (uint16_t)queue);
}

void nb_virtio_mmio_notify(struct nb_virtio_mmio *t, uint16_t queue)
{
	nb_virtio_mmio_lock(t);
	notify_locked(t, queue);
	nb_virtio_mmio_unlock(t);
}

static void reset(struct nb_virtio_mmio *t)
{
	uint32_t generation = t->s.config_generation;

	if (t->s.activated && t->dev.ops->reset)
		t->dev.ops->reset(t->dev.dev, t);
	memset(&t->s, 0, sizeof(t->s));
	/* The generation only moves forward: a driver may still compare it. */
	t->s.config_generation = generation;
	for (unsigned i = 0; i < NB_VIRTIO_MAX_QUEUES; i++)
		t->s.queues[i].max_size = i < t->dev.nr_queues ? t->dev.queue_max_size : 0;
}

static bool features_ok(const struct nb_virtio_mmio *t)
{
	uint64_t f = t->s.driver_features;

	return f & 1ULL << NB_VIRTIO_F_VERSION_1 && !(f & ~offered(t));
}

/* DRIVER_OK: check the queues and start the device. */
static int activate(struct nb_virtio_mmio *t)
{
	uint64_t f = t->s.acked_features;

	if (!(t->s.status & NB_VIRTIO_STATUS_FEATURES_OK))
		return -EINVAL;
	for (unsigned i = 0; i < t->dev.nr_queues; i++) {
		struct nb_virtq *q = &t->s.queues[i];

		if (!q->ready)
			continue;
		if (nb_virtq_check(q, t->mem))
			return -EINVAL;
		q->event_idx = f & 1ULL << NB_VIRTIO_F_EVENT_IDX;
		q->indirect = f & 1ULL << NB_VIRTIO_F_INDIRECT_DESC;
	}
	return t->dev.ops->activate ? t->dev.ops->activate(t->dev.dev, t) : 0;
}

static void write_status(struct nb_virtio_mmio *t, uint32_t val)
{
	const uint32_t keep = NB_VIRTIO_STATUS_NEEDS_RESET; /* the device's bit */
	uint32_t cur = t->s.status & ~keep, want = (val & 0xff) & ~keep;
	uint32_t added = want & ~cur;

	if (!val) {
		reset(t);
		return;
	}
	if ((want & cur) != cur)
		return; /* only a reset clears bits */
	if (added & NB_VIRTIO_STATUS_FEATURES_OK) {
		if (features_ok(t))
			t->s.acked_features = t->s.driver_features;
		else
			want &= ~NB_VIRTIO_STATUS_FEATURES_OK;
	}
	t->s.status = want | (t->s.status & keep);
	if (added & NB_VIRTIO_STATUS_DRIVER_OK && !(t->s.status & keep)) {
		if (activate(t))
			nb_virtio_mmio_needs_reset(t);
		else
			t->s.activated = true;
	}
}

static struct nb_virtq *selected(struct nb_virtio_mmio *t)
{
	return t->s.queue_sel < t->dev.nr_queues ? &t->s.queues[t->s.queue_sel] : NULL;
}

/* The selected queue if the driver may still set it up. */
static struct nb_virtq *setup_queue(struct nb_virtio_mmio *t)
{
	struct nb_virtq *q = selected(t);

	if (!q || q->ready || t->s.status & NB_VIRTIO_STATUS_DRIVER_OK)
		return NULL;
	return q;
}

static void set_low(uint64_t *v, uint32_t val)
{
	*v = (*v & ~0xffffffffULL) | val;
}

static void set_high(uint64_t *v, uint32_t val)
{
	*v = (*v & 0xffffffffULL) | (uint64_t)val << 32;
}

static uint32_t reg_read(struct nb_virtio_mmio *t, uint64_t off)
{
	struct nb_virtq *q = selected(t);

	switch (off) {
	case REG_MAGIC:
		return MAGIC;
	case REG_VERSION:
		return VERSION;
	case REG_DEVICE_ID:
		return t->dev.device_id;
	case REG_VENDOR_ID:
		return VENDOR;
	case REG_DEVICE_FEATURES:
		if (t->s.device_features_sel > 1)
			return 0;
		return (uint32_t)(offered(t) >> (32 * t->s.device_features_sel));
	case REG_QUEUE_NUM_MAX:
		return q ? q->max_size : 0;
	case REG_QUEUE_READY:
		return q ? q->ready : 0;
	case REG_INTERRUPT_STATUS:
		return t->s.interrupt_status | (t->vring_in_kernel ? NB_VIRTIO_INT_VRING : 0);
	case REG_STATUS:
		return t->s.status;
	case REG_CONFIG_GENERATION:
		return t->s.config_generation;
	default:
		if (off >= REG_SHM_LEN_LOW && off <= REG_SHM_BASE_HIGH)
			return 0xffffffff;
		return 0;
	}
}

static void queue_write(struct nb_virtio_mmio *t, uint64_t off, uint32_t val)
{
	struct nb_virtq *q = setup_queue(t);

	if (off == REG_QUEUE_READY) {
		/* Clearing ready is allowed (Linux does it when it tears down). */
		q = selected(t);
		if (q && !(t->s.status & NB_VIRTIO_STATUS_DRIVER_OK))
			q->ready = val & 1;
		return;
	}
	if (!q)
		return;
	switch (off) {
	case REG_QUEUE_NUM:
		/* Checked at DRIVER_OK: a bad size leaves the device needing reset. */
		q->size = val <= UINT16_MAX ? (uint16_t)val : 0;
		break;
	case REG_QUEUE_DESC_LOW:
		set_low(&q->desc_addr, val);
		break;
	case REG_QUEUE_DESC_HIGH:
		set_high(&q->desc_addr, val);
		break;
	case REG_QUEUE_DRIVER_LOW:
		set_low(&q->avail_addr, val);
		break;
	case REG_QUEUE_DRIVER_HIGH:
		set_high(&q->avail_addr, val);
		break;
	case REG_QUEUE_DEVICE_LOW:
		set_low(&q->used_addr, val);
		break;
	case REG_QUEUE_DEVICE_HIGH:
		set_high(&q->used_addr, val);
		break;
	}
}

static void reg_write(struct nb_virtio_mmio *t, uint64_t off, uint32_t val)
{
	switch (off) {
	case REG_DEVICE_FEATURES_SEL:
		t->s.device_features_sel = val;
		break;
	case REG_DRIVER_FEATURES:
		if (t->s.status & NB_VIRTIO_STATUS_FEATURES_OK || t->s.driver_features_sel > 1)
			break;
		if (t->s.driver_features_sel)
			set_high(&t->s.driver_features, val);
		else
			set_low(&t->s.driver_features, val);
		break;
	case REG_DRIVER_FEATURES_SEL:
		t->s.driver_features_sel = val;
		break;
	case REG_QUEUE_SEL:
		t->s.queue_sel = val;
		break;
	case REG_QUEUE_NOTIFY:
		notify_locked(t, val);
		break;
	case REG_INTERRUPT_ACK:
		t->s.interrupt_status &= ~val;
		break;
	case REG_STATUS:
		write_status(t, val);
		break;
	case REG_QUEUE_NUM:
	case REG_QUEUE_READY:
	case REG_QUEUE_DESC_LOW:
	case REG_QUEUE_DESC_HIGH:
	case REG_QUEUE_DRIVER_LOW:
	case REG_QUEUE_DRIVER_HIGH:
	case REG_QUEUE_DEVICE_LOW:
	case REG_QUEUE_DEVICE_HIGH:
		queue_write(t, off, val);
		break;
	}
}

/* Whether [off, off + len) lies in the device's config space. */
static bool in_config(const struct nb_virtio_mmio *t, uint64_t off, uint32_t len)
{
	return off >= NB_VIRTIO_MMIO_CONFIG && len <= t->dev.config_size &&
	       off - NB_VIRTIO_MMIO_CONFIG <= t->dev.config_size - len;
}

static bool is_reg(uint64_t off, uint32_t len)
{
	return off < NB_VIRTIO_MMIO_CONFIG && len == 4 && !(off & 3);
}

static void mmio_read(void *opaque, uint64_t off, uint8_t *data, uint32_t len)
{
	struct nb_virtio_mmio *t = opaque;

	memset(data, 0, len > 8 ? 8 : len);
	nb_virtio_mmio_lock(t);
	if (is_reg(off, len))
		nb_mmio_le_put(data, 4, reg_read(t, off));
	else if (len <= 8 && in_config(t, off, len) && t->dev.ops->config_read)
		t->dev.ops->config_read(t->dev.dev, (uint32_t)(off - NB_VIRTIO_MMIO_CONFIG), data,
					len);
	nb_virtio_mmio_unlock(t);
}

static void mmio_write(void *opaque, uint64_t off, const uint8_t *data, uint32_t len)
{
	struct nb_virtio_mmio *t = opaque;

	nb_virtio_mmio_lock(t);
	if (is_reg(off, len))
		reg_write(t, off, (uint32_t)nb_mmio_le_get(data, 4));
	else if (len <= 8 && in_config(t, off, len) && t->dev.ops->config_write)
		t->dev.ops->config_write(t->dev.dev, (uint32_t)(off - NB_VIRTIO_MMIO_CONFIG), data,
					 len);
	nb_virtio_mmio_unlock(t);
}

const struct nb_mmio_ops nb_virtio_mmio_ops = {
    .read = mmio_read,
    .write = mmio_write,
};
