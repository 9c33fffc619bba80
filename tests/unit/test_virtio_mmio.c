// SPDX-License-Identifier: Apache-2.0
/*
 * The virtio-mmio transport driven through its registers the way Linux's
 * virtio_mmio driver does, with a fake device that records every callback
 * (and checks that the transport's lock is held in each).
 */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "devices/virtio_mmio.h"
#include "tests/unit/check_run.h"

#define RAM 0x40000000ULL
#define RAM_SIZE 0x10000ULL
#define DESC RAM
#define AVAIL (RAM + 0x1000)
#define USED (RAM + 0x2000)
#define BUF (RAM + 0x4000)

#define MAGIC 0x000
#define VERSION 0x004
#define DEVICE_ID 0x008
#define VENDOR_ID 0x00c
#define DEV_FEAT 0x010
#define DEV_FEAT_SEL 0x014
#define DRV_FEAT 0x020
#define DRV_FEAT_SEL 0x024
#define QUEUE_SEL 0x030
#define QUEUE_NUM_MAX 0x034
#define QUEUE_NUM 0x038
#define QUEUE_READY 0x044
#define QUEUE_NOTIFY 0x050
#define INT_STATUS 0x060
#define INT_ACK 0x064
#define STATUS 0x070
#define DESC_LO 0x080
#define DESC_HI 0x084
#define DRIVER_LO 0x090
#define DRIVER_HI 0x094
#define DEVICE_LO 0x0a0
#define DEVICE_HI 0x0a4
#define SHM_LEN_LO 0x0b0
#define GENERATION 0x0fc

#define ACK NB_VIRTIO_STATUS_ACKNOWLEDGE
#define DRV NB_VIRTIO_STATUS_DRIVER
#define FOK NB_VIRTIO_STATUS_FEATURES_OK
#define DOK NB_VIRTIO_STATUS_DRIVER_OK
#define NRS NB_VIRTIO_STATUS_NEEDS_RESET

#define F_DEV (1ULL << 5 | 1ULL << NB_VIRTIO_F_EVENT_IDX | 1ULL << NB_VIRTIO_F_INDIRECT_DESC)
#define F_V1 (1ULL << NB_VIRTIO_F_VERSION_1)

struct fake {
	int activates, notifies, resets, config_reads, config_writes;
	int activate_ret;
	uint16_t last_queue;
	uint32_t last_off, last_len;
	uint8_t config[12];
	struct nb_virtio_mmio *t;
};

static struct nb_guest_mem mem;
static struct nb_virtio_mmio t;
static struct fake fk;
static int edges;

static void assert_locked(void)
{
	ck_assert_int_eq(pthread_mutex_trylock(&t.lock), EBUSY);
}

static void fake_config_read(void *dev, uint32_t off, uint8_t *data, uint32_t len)
{
	struct fake *f = dev;

	assert_locked();
	ck_assert_uint_le(off + len, sizeof(f->config));
	f->config_reads++;
	memcpy(data, f->config + off, len);
}

static void fake_config_write(void *dev, uint32_t off, const uint8_t *data, uint32_t len)
{
	struct fake *f = dev;

	assert_locked();
	ck_assert_uint_le(off + len, sizeof(f->config));
	f->config_writes++;
	f->last_off = off;
	f->last_len = len;
	memcpy(f->config + off, data, len);
}

static int fake_activate(void *dev, struct nb_virtio_mmio *tr)
{
	struct fake *f = dev;

	assert_locked();
	f->activates++;
	f->t = tr;
	return f->activate_ret;
}

/* Serves queue 0 like a device would: every chain back with its read length. */
static void fake_notify(void *dev, struct nb_virtio_mmio *tr, uint16_t queue)
{
	struct fake *f = dev;
	static struct nb_virtq_chain c;
	struct nb_virtq *q = nb_virtio_mmio_queue(tr, queue);

	assert_locked();
	f->notifies++;
	f->last_queue = queue;
	if (!q->size)
		return;
	while (nb_virtq_pop(q, tr->mem, &c) == 1)
		ck_assert_int_eq(nb_virtq_push(q, tr->mem, c.head, (uint32_t)c.read_len), 0);
	nb_virtio_mmio_signal_used(tr, queue);
}

static void fake_reset(void *dev, struct nb_virtio_mmio *tr)
{
	struct fake *f = dev;

	assert_locked();
	ck_assert_ptr_eq(tr, &t);
	f->resets++;
}

static const struct nb_virtio_dev_ops ops = {
    .config_read = fake_config_read,
    .config_write = fake_config_write,
    .activate = fake_activate,
    .notify = fake_notify,
    .reset = fake_reset,
};

static const struct nb_virtio_dev_ops ro_ops = {
    .config_read = fake_config_read,
    .activate = fake_activate,
    .notify = fake_notify,
};

static int count_edge(void *opaque, uint32_t spi)
{
	(void)opaque;
	ck_assert_uint_eq(spi, 42);
	edges++;
	return 0;
}

static struct nb_virtio_device device(const struct nb_virtio_dev_ops *o)
{
	return (struct nb_virtio_device){.device_id = NB_VIRTIO_ID_RNG,
					 .features = F_DEV,
					 .nr_queues = 2,
					 .queue_max_size = 64,
					 .config_size = sizeof(fk.config),
					 .ops = o,
					 .dev = &fk};
}

static void start(const struct nb_virtio_dev_ops *o)
{
	struct nb_virtio_device d = device(o);
	struct nb_irq irq = {.trigger = count_edge, .spi = 42};

	nb_mem_init(&mem);
	ck_assert_int_eq(nb_mem_add_ram(&mem, RAM, RAM_SIZE, false), 0);
	memset(&fk, 0, sizeof(fk));
	for (unsigned i = 0; i < sizeof(fk.config); i++)
		fk.config[i] = (uint8_t)(0xa0 + i);
	edges = 0;
	ck_assert_int_eq(nb_virtio_mmio_init(&t, &d, &mem, irq), 0);
}

static void setup(void)
{
	start(&ops);
}

static void teardown(void)
{
	nb_virtio_mmio_destroy(&t);
	nb_mem_destroy(&mem);
}

static uint64_t rdn(uint64_t off, uint32_t len)
{
	uint8_t b[8];

	memset(b, 0x55, sizeof(b));
	nb_virtio_mmio_ops.read(&t, off, b, len);
	return nb_mmio_le_get(b, len);
}

static void wrn(uint64_t off, uint64_t v, uint32_t len)
{
	uint8_t b[8];

	nb_mmio_le_put(b, len, v);
	nb_virtio_mmio_ops.write(&t, off, b, len);
}

static uint32_t rd(uint64_t off)
{
	return (uint32_t)rdn(off, 4);
}

static void wr(uint64_t off, uint32_t v)
{
	wrn(off, v, 4);
}

static void add_status(uint32_t bits)
{
	wr(STATUS, rd(STATUS) | bits);
}

/* Linux's probe up to FEATURES_OK; returns whether the device took them. */
static bool negotiate(uint64_t features)
{
	uint64_t offered;

	wr(STATUS, 0);
	ck_assert_uint_eq(rd(STATUS), 0);
	add_status(ACK);
	add_status(DRV);
	wr(DEV_FEAT_SEL, 1);
	offered = (uint64_t)rd(DEV_FEAT) << 32;
	wr(DEV_FEAT_SEL, 0);
	offered |= rd(DEV_FEAT);
	ck_assert_uint_eq(offered, F_DEV | F_V1);
	wr(DRV_FEAT_SEL, 1);
	wr(DRV_FEAT, (uint32_t)(features >> 32));
	wr(DRV_FEAT_SEL, 0);
	wr(DRV_FEAT, (uint32_t)features);
	add_status(FOK);
	return rd(STATUS) & FOK;
}

static void setup_queue(uint32_t sel, uint32_t num, uint64_t desc, uint64_t avail, uint64_t used)
{
	wr(QUEUE_SEL, sel);
	ck_assert_uint_eq(rd(QUEUE_READY), 0);
	ck_assert_uint_ne(rd(QUEUE_NUM_MAX), 0);
	wr(QUEUE_NUM, num);
	wr(DESC_LO, (uint32_t)desc);
	wr(DESC_HI, (uint32_t)(desc >> 32));
	wr(DRIVER_LO, (uint32_t)avail);
	wr(DRIVER_HI, (uint32_t)(avail >> 32));
	wr(DEVICE_LO, (uint32_t)used);
	wr(DEVICE_HI, (uint32_t)(used >> 32));
	wr(QUEUE_READY, 1);
	ck_assert_uint_eq(rd(QUEUE_READY), 1);
}

/* The whole of a good probe: features, queue 0 of 16, DRIVER_OK. */
static void probe(uint64_t features)
{
	ck_assert(negotiate(features));
	setup_queue(0, 16, DESC, AVAIL, USED);
	add_status(DOK);
}

/* Puts one readable buffer of @len on queue 0 (size 16) as chain @head. */
static void offer(uint16_t head, uint32_t len)
{
	uint8_t *d = nb_mem_ptr(&mem, DESC + 16ULL * head, 16);
	uint16_t *avail = nb_mem_ptr(&mem, AVAIL, 6 + 32);
	uint64_t addr = BUF;

	memset(d, 0, 16);
	memcpy(d, &addr, 8);
	memcpy(d + 8, &len, 4);
	avail[2 + (avail[1] & 15)] = head;
	avail[1]++;
}

START_TEST(test_init_rejects_bad_devices)
{
	struct nb_virtio_device d;
	struct nb_virtio_mmio x;
	struct nb_irq irq = {0};

	d = device(&ops);
	d.device_id = 0;
	ck_assert_int_eq(nb_virtio_mmio_init(&x, &d, &mem, irq), -EINVAL);
	d = device(NULL);
	ck_assert_int_eq(nb_virtio_mmio_init(&x, &d, &mem, irq), -EINVAL);
	d = device(&ops);
	d.nr_queues = 0;
	ck_assert_int_eq(nb_virtio_mmio_init(&x, &d, &mem, irq), -EINVAL);
	d.nr_queues = NB_VIRTIO_MAX_QUEUES + 1;
	ck_assert_int_eq(nb_virtio_mmio_init(&x, &d, &mem, irq), -EINVAL);
	d = device(&ops);
	d.queue_max_size = 48;
	ck_assert_int_eq(nb_virtio_mmio_init(&x, &d, &mem, irq), -EINVAL);
	d.queue_max_size = 2 * NB_VIRTQ_MAX_SIZE;
	ck_assert_int_eq(nb_virtio_mmio_init(&x, &d, &mem, irq), -EINVAL);
	d = device(&ops);
	d.config_size = NB_VIRTIO_MMIO_SIZE - NB_VIRTIO_MMIO_CONFIG + 1;
	ck_assert_int_eq(nb_virtio_mmio_init(&x, &d, &mem, irq), -EINVAL);
}
END_TEST

START_TEST(test_identity)
{
	ck_assert_uint_eq(rd(MAGIC), 0x74726976);
	ck_assert_uint_eq(rd(VERSION), 2);
	ck_assert_uint_eq(rd(DEVICE_ID), NB_VIRTIO_ID_RNG);
	ck_assert_uint_eq(rd(VENDOR_ID), 0x4e425858);
	wr(QUEUE_SEL, 1);
	ck_assert_uint_eq(rd(QUEUE_NUM_MAX), 64);
	wr(QUEUE_SEL, 2); /* no such queue */
	ck_assert_uint_eq(rd(QUEUE_NUM_MAX), 0);
	ck_assert_uint_eq(rd(QUEUE_READY), 0);
	wr(DEV_FEAT_SEL, 2);
	ck_assert_uint_eq(rd(DEV_FEAT), 0);
	ck_assert_uint_eq(rd(SHM_LEN_LO), 0xffffffff); /* no shared memory */
	ck_assert_uint_eq(rd(0x0f8), 0);	       /* unknown */
	wr(MAGIC, 0);				       /* read-only */
	ck_assert_uint_eq(rd(MAGIC), 0x74726976);
}
END_TEST

START_TEST(test_probe)
{
	const uint64_t want = F_V1 | 1ULL << NB_VIRTIO_F_EVENT_IDX | 1ULL << 5;
	struct nb_virtq *q;

	probe(want);
	ck_assert_uint_eq(rd(STATUS), ACK | DRV | FOK | DOK);
	ck_assert_int_eq(fk.activates, 1);
	ck_assert_ptr_eq(fk.t, &t);
	nb_virtio_mmio_lock(&t);
	ck_assert_uint_eq(nb_virtio_mmio_features(&t), want);
	q = nb_virtio_mmio_queue(&t, 0);
	ck_assert_ptr_nonnull(q);
	ck_assert(q->ready && q->event_idx && !q->indirect);
	ck_assert_uint_eq(q->size, 16);
	ck_assert_uint_eq(q->desc_addr, DESC);
	ck_assert_uint_eq(q->avail_addr, AVAIL);
	ck_assert_uint_eq(q->used_addr, USED);
	ck_assert(!nb_virtio_mmio_queue(&t, 1)->ready);
	ck_assert_ptr_null(nb_virtio_mmio_queue(&t, 2));
	nb_virtio_mmio_unlock(&t);
	ck_assert_int_eq(edges, 0);
}
END_TEST

START_TEST(test_notify_and_interrupt)
{
	uint16_t *used_idx = nb_mem_ptr(&mem, USED + 2, 2);
	uint32_t *used_len = nb_mem_ptr(&mem, USED + 8, 4);

	/* Before DRIVER_OK notifications go nowhere. */
	wr(QUEUE_NOTIFY, 0);
	ck_assert_int_eq(fk.notifies, 0);

	probe(F_V1);
	offer(3, 77);
	wr(QUEUE_NOTIFY, 0); /* the no-ioeventfd path */
	ck_assert_int_eq(fk.notifies, 1);
	ck_assert_uint_eq(*used_idx, 1);
	ck_assert_uint_eq(*used_len, 77);
	ck_assert_int_eq(edges, 1);
	ck_assert_uint_eq(rd(INT_STATUS), NB_VIRTIO_INT_VRING);
	wr(INT_ACK, NB_VIRTIO_INT_VRING);
	ck_assert_uint_eq(rd(INT_STATUS), 0);

	/* The ioeventfd path; the driver asked for no interrupts. */
	*(uint16_t *)nb_mem_ptr(&mem, AVAIL, 2) = NB_VIRTQ_AVAIL_F_NO_INTERRUPT;
	offer(4, 5);
	nb_virtio_mmio_notify(&t, 0);
	ck_assert_int_eq(fk.notifies, 2);
	ck_assert_uint_eq(*used_idx, 2);
	ck_assert_int_eq(edges, 1);
	ck_assert_uint_eq(rd(INT_STATUS), 0);

	/* Queue 1 is not ready; queue 7 does not exist. */
	nb_virtio_mmio_notify(&t, 1);
	wr(QUEUE_NOTIFY, 7);
	wr(QUEUE_NOTIFY, 0x10000);
	ck_assert_int_eq(fk.notifies, 2);
}
END_TEST

START_TEST(test_config_space)
{
	ck_assert_uint_eq(rdn(0x100, 1), 0xa0);
	ck_assert_uint_eq(rdn(0x101, 2), 0xa2a1);
	ck_assert_uint_eq(rdn(0x104, 4), 0xa7a6a5a4);
	ck_assert_uint_eq(rdn(0x104, 8), 0xabaaa9a8a7a6a5a4ULL);
	ck_assert_int_eq(fk.config_reads, 4);
	/* Past the end of the config space: zeros, the device is not asked. */
	ck_assert_uint_eq(rdn(0x105, 8), 0);
	ck_assert_uint_eq(rdn(0x10c, 1), 0);
	ck_assert_uint_eq(rdn(0x1f8, 8), 0);
	ck_assert_int_eq(fk.config_reads, 4);

	wrn(0x102, 0x1234, 2);
	ck_assert_int_eq(fk.config_writes, 1);
	ck_assert_uint_eq(fk.last_off, 2);
	ck_assert_uint_eq(fk.last_len, 2);
	ck_assert_uint_eq(rdn(0x102, 2), 0x1234);
	wrn(0x10b, 0x1234, 2); /* straddles the end */
	ck_assert_int_eq(fk.config_writes, 1);
}
END_TEST

START_TEST(test_config_read_only)
{
	teardown();
	start(&ro_ops);
	wrn(0x100, 0xff, 1);
	ck_assert_uint_eq(rdn(0x100, 1), 0xa0);
}
END_TEST

START_TEST(test_config_generation)
{
	uint32_t gen = rd(GENERATION);

	nb_virtio_mmio_lock(&t);
	nb_virtio_mmio_signal_config(&t);
	nb_virtio_mmio_unlock(&t);
	/* Before DRIVER_OK: the generation moves, no interrupt. */
	ck_assert_uint_eq(rd(GENERATION), gen + 1);
	ck_assert_int_eq(edges, 0);
	ck_assert_uint_eq(rd(INT_STATUS), 0);

	probe(F_V1);
	nb_virtio_mmio_lock(&t);
	nb_virtio_mmio_signal_config(&t);
	nb_virtio_mmio_unlock(&t);
	ck_assert_uint_eq(rd(GENERATION), gen + 2);
	ck_assert_int_eq(edges, 1);
	ck_assert_uint_eq(rd(INT_STATUS), NB_VIRTIO_INT_CONFIG);
	/* Both kinds pending: each acknowledgement clears its own bit. */
	offer(0, 1);
	wr(QUEUE_NOTIFY, 0);
	ck_assert_uint_eq(rd(INT_STATUS), NB_VIRTIO_INT_CONFIG | NB_VIRTIO_INT_VRING);
	wr(INT_ACK, NB_VIRTIO_INT_CONFIG);
	ck_assert_uint_eq(rd(INT_STATUS), NB_VIRTIO_INT_VRING);
	wr(INT_ACK, NB_VIRTIO_INT_VRING);
	ck_assert_uint_eq(rd(INT_STATUS), 0);
}
END_TEST

START_TEST(test_reset)
{
	/* A reset before activation does not reach the device. */
	wr(STATUS, ACK);
	wr(STATUS, 0);
	ck_assert_int_eq(fk.resets, 0);

	probe(F_V1 | 1ULL << NB_VIRTIO_F_INDIRECT_DESC);
	offer(0, 1);
	wr(QUEUE_NOTIFY, 0);
	ck_assert_uint_ne(rd(INT_STATUS), 0);
	wr(STATUS, 0);
	ck_assert_int_eq(fk.resets, 1);
	ck_assert_uint_eq(rd(STATUS), 0);
	ck_assert_uint_eq(rd(INT_STATUS), 0);
	ck_assert_uint_eq(t.s.driver_features, 0);
	ck_assert_uint_eq(nb_virtio_mmio_features(&t), 0);
	ck_assert(!t.s.activated);
	wr(QUEUE_SEL, 0);
	ck_assert_uint_eq(rd(QUEUE_READY), 0);
	ck_assert_uint_eq(rd(QUEUE_NUM_MAX), 64);
	ck_assert_uint_eq(t.s.queues[0].next_avail, 0);
	ck_assert(!t.s.queues[0].indirect);
	/* Notifications stop; a second reset does not reach the device. */
	wr(QUEUE_NOTIFY, 0);
	ck_assert_int_eq(fk.notifies, 1);
	wr(STATUS, 0);
	ck_assert_int_eq(fk.resets, 1);
	/* And the driver can start over. */
	memset(nb_mem_ptr(&mem, RAM, 0x3000), 0, 0x3000);
	probe(F_V1);
	ck_assert_int_eq(fk.activates, 2);
}
END_TEST

START_TEST(test_status_bits_only_added)
{
	add_status(ACK);
	add_status(DRV);
	wr(STATUS, ACK); /* clears DRIVER: ignored */
	ck_assert_uint_eq(rd(STATUS), ACK | DRV);
	wr(STATUS, DRV | NB_VIRTIO_STATUS_FAILED);
	ck_assert_uint_eq(rd(STATUS), ACK | DRV);
	add_status(NB_VIRTIO_STATUS_FAILED);
	ck_assert_uint_eq(rd(STATUS), ACK | DRV | NB_VIRTIO_STATUS_FAILED);
	/* The driver cannot set NEEDS_RESET. */
	add_status(NRS);
	ck_assert_uint_eq(rd(STATUS) & NRS, 0);
}
END_TEST

START_TEST(test_no_version_1)
{
	ck_assert(!negotiate(F_DEV)); /* legacy driver */
	ck_assert_uint_eq(rd(STATUS), ACK | DRV);
	setup_queue(0, 16, DESC, AVAIL, USED);
	add_status(DOK);
	ck_assert_int_eq(fk.activates, 0);
	ck_assert_uint_eq(rd(STATUS) & NRS, NRS);
}
END_TEST

START_TEST(test_unoffered_feature)
{
	ck_assert(!negotiate(F_V1 | 1ULL << 6));
	ck_assert(!negotiate(F_V1 | 1ULL << 40));
	ck_assert(negotiate(F_V1 | F_DEV));
}
END_TEST

START_TEST(test_features_fixed_at_features_ok)
{
	ck_assert(negotiate(F_V1));
	wr(DRV_FEAT_SEL, 0);
	wr(DRV_FEAT, 1u << 5);
	ck_assert_uint_eq(nb_virtio_mmio_features(&t), F_V1);
	ck_assert_uint_eq(t.s.driver_features, F_V1);
}
END_TEST

/* Queue setups a device cannot use: DRIVER_OK leaves it needing reset. */
static void expect_bad_queue(uint32_t num, uint64_t desc, uint64_t avail, uint64_t used)
{
	teardown();
	setup();
	ck_assert(negotiate(F_V1));
	setup_queue(1, num, desc, avail, used);
	add_status(DOK);
	ck_assert_int_eq(fk.activates, 0);
	ck_assert_uint_eq(rd(STATUS), ACK | DRV | FOK | DOK | NRS);
	ck_assert_int_eq(edges, 1);
	ck_assert_uint_eq(rd(INT_STATUS), NB_VIRTIO_INT_CONFIG);
	wr(QUEUE_NOTIFY, 1);
	ck_assert_int_eq(fk.notifies, 0);
	/* The driver's answer: reset, which the device never needs to see. */
	wr(STATUS, 0);
	ck_assert_uint_eq(rd(STATUS), 0);
	ck_assert_int_eq(fk.resets, 0);
}

START_TEST(test_bad_queues)
{
	expect_bad_queue(48, DESC, AVAIL, USED);	      /* not a power of 2 */
	expect_bad_queue(128, DESC, AVAIL, USED);	      /* > QueueNumMax */
	expect_bad_queue(0x10010, DESC, AVAIL, USED);	      /* > 16 bits */
	expect_bad_queue(0, DESC, AVAIL, USED);		      /* zero */
	expect_bad_queue(16, RAM + RAM_SIZE, AVAIL, USED);    /* outside RAM */
	expect_bad_queue(16, DESC, RAM + RAM_SIZE - 4, USED); /* runs off the end */
	expect_bad_queue(16, DESC, AVAIL, 1ULL << 40);	      /* high half */
	expect_bad_queue(16, DESC + 8, AVAIL, USED);	      /* misaligned */
	expect_bad_queue(16, DESC, AVAIL, USED + 2);	      /* misaligned */
}
END_TEST

START_TEST(test_activate_fails)
{
	fk.activate_ret = -ENOMEM;
	probe(F_V1);
	ck_assert_int_eq(fk.activates, 1);
	ck_assert_uint_eq(rd(STATUS) & NRS, NRS);
	ck_assert_int_eq(edges, 1);
	ck_assert(!t.s.activated);
	wr(QUEUE_NOTIFY, 0);
	ck_assert_int_eq(fk.notifies, 0);
	/* Further status writes keep NEEDS_RESET; only a reset clears it. */
	add_status(NB_VIRTIO_STATUS_FAILED);
	ck_assert_uint_eq(rd(STATUS) & NRS, NRS);
	wr(STATUS, 0);
	ck_assert_int_eq(fk.resets, 0);
	fk.activate_ret = 0;
	probe(F_V1);
	ck_assert(t.s.activated);
}
END_TEST

START_TEST(test_needs_reset_from_device)
{
	probe(F_V1);
	nb_virtio_mmio_lock(&t);
	nb_virtio_mmio_needs_reset(&t);
	nb_virtio_mmio_needs_reset(&t); /* once is enough */
	nb_virtio_mmio_unlock(&t);
	ck_assert_uint_eq(rd(STATUS) & NRS, NRS);
	ck_assert_int_eq(edges, 1);
	ck_assert_uint_eq(rd(INT_STATUS), NB_VIRTIO_INT_CONFIG);
	wr(QUEUE_NOTIFY, 0);
	ck_assert_int_eq(fk.notifies, 0);
	wr(STATUS, 0);
	ck_assert_int_eq(fk.resets, 1);
}
END_TEST

START_TEST(test_queue_registers_locked)
{
	struct nb_virtq *q = &t.s.queues[0];

	ck_assert(negotiate(F_V1));
	setup_queue(0, 16, DESC, AVAIL, USED);
	/* Ready: the setup is fixed. */
	wr(QUEUE_NUM, 32);
	wr(DESC_LO, 0x1000);
	wr(DRIVER_HI, 1);
	wr(DEVICE_LO, 0);
	ck_assert_uint_eq(q->size, 16);
	ck_assert_uint_eq(q->desc_addr, DESC);
	ck_assert_uint_eq(q->avail_addr, AVAIL);
	ck_assert_uint_eq(q->used_addr, USED);
	/* Before DRIVER_OK the driver may take the queue down again. */
	wr(QUEUE_READY, 0);
	ck_assert_uint_eq(rd(QUEUE_READY), 0);
	setup_queue(0, 16, DESC, AVAIL, USED);
	/* A queue that does not exist takes nothing. */
	wr(QUEUE_SEL, 5);
	wr(QUEUE_NUM, 16);
	wr(QUEUE_READY, 1);
	ck_assert_uint_eq(rd(QUEUE_READY), 0);
	add_status(DOK);
	ck_assert_int_eq(fk.activates, 1);
	/* After DRIVER_OK nothing changes, not even on an idle queue. */
	wr(QUEUE_SEL, 0);
	wr(QUEUE_READY, 0);
	ck_assert_uint_eq(rd(QUEUE_READY), 1);
	wr(QUEUE_SEL, 1);
	wr(QUEUE_NUM, 16);
	wr(QUEUE_READY, 1);
	ck_assert_uint_eq(rd(QUEUE_READY), 0);
	ck_assert_uint_eq(t.s.queues[1].size, 0);
}
END_TEST

START_TEST(test_bad_accesses)
{
	/* Registers: 4 bytes, aligned, or nothing. */
	ck_assert_uint_eq(rdn(MAGIC, 2), 0);
	ck_assert_uint_eq(rdn(MAGIC, 1), 0);
	ck_assert_uint_eq(rdn(MAGIC, 8), 0);
	ck_assert_uint_eq(rdn(MAGIC + 2, 4), 0);
	ck_assert_uint_eq(rdn(0x0fe, 2), 0);
	ck_assert_uint_eq(rdn(SHM_LEN_LO + 1, 4), 0);
	wrn(STATUS, ACK, 1);
	wrn(STATUS, ACK, 2);
	wrn(STATUS, ACK, 8);
	wrn(STATUS + 1, ACK, 4);
	ck_assert_uint_eq(rd(STATUS), 0);
	/* An access that starts in the registers and runs into config. */
	ck_assert_uint_eq(rdn(0x0fc, 8), 0);
	ck_assert_int_eq(fk.config_reads, 0);
	/* Past the end of the config space, up to the region's end. */
	ck_assert_uint_eq(rdn(0x1fc, 4), 0);
	wrn(0x1f8, 1, 8);
	ck_assert_int_eq(fk.config_writes, 0);
}
END_TEST

static Suite *virtio_mmio_suite(void)
{
	Suite *s = suite_create("virtio_mmio");
	TCase *tc = tcase_create("transport");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_init_rejects_bad_devices);
	tcase_add_test(tc, test_identity);
	tcase_add_test(tc, test_probe);
	tcase_add_test(tc, test_notify_and_interrupt);
	tcase_add_test(tc, test_config_space);
	tcase_add_test(tc, test_config_read_only);
	tcase_add_test(tc, test_config_generation);
	tcase_add_test(tc, test_reset);
	tcase_add_test(tc, test_status_bits_only_added);
	tcase_add_test(tc, test_no_version_1);
	tcase_add_test(tc, test_unoffered_feature);
	tcase_add_test(tc, test_features_fixed_at_features_ok);
	tcase_add_test(tc, test_bad_queues);
	tcase_add_test(tc, test_activate_fails);
	tcase_add_test(tc, test_needs_reset_from_device);
	tcase_add_test(tc, test_queue_registers_locked);
	tcase_add_test(tc, test_bad_accesses);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return nb_check_run(virtio_mmio_suite());
}
