// SPDX-License-Identifier: Apache-2.0
#include <check.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>

#include "devices/virtio_rng.h"
#include "tests/unit/check_run.h"
#include "tests/unit/fake_loop.h"
#include "tests/unit/irq_count.h"

#define RAM_GPA 0x40000000ULL
#define RAM_SIZE (4ULL << 20)
#define QSIZE 16
#define DESC_GPA (RAM_GPA + 0x1000)
#define AVAIL_GPA (RAM_GPA + 0x2000)
#define USED_GPA (RAM_GPA + 0x3000)
#define DATA_GPA (RAM_GPA + 0x10000)

/* One test's world: guest memory, a transport, the device and its loop. */
static struct nb_guest_mem mem;
static struct fake_loop loop;
static struct nb_event_ops ev;
static struct nb_virtio_mmio t;
static struct nb_virtio_rng *rng;
static struct nb_virtio_device dev;
static uint16_t avail_idx, next_desc;

static void setup(void)
{
	nb_mem_init(&mem);
	ck_assert_int_eq(nb_mem_add_ram(&mem, RAM_GPA, RAM_SIZE, false), 0);
	ev = fake_loop_ops(&loop);
	irq_count = 0;
	avail_idx = 0;
	next_desc = 0;
	rng = NULL;
}

static void teardown(void)
{
	if (rng) {
		nb_virtio_mmio_destroy(&t);
		nb_virtio_rng_free(rng);
	}
	nb_mem_destroy(&mem);
}

/* A transport for a device made with @bw and @ops; not activated yet. */
static void make_device(const struct nb_token_bucket_params *bw,
			const struct nb_token_bucket_params *ops)
{
	struct nb_irq irq = {.trigger = count_trigger, .spi = 40};

	rng = nb_virtio_rng_new(bw, ops, &ev);
	ck_assert_ptr_nonnull(rng);
	dev = nb_virtio_rng_device(rng);
	ck_assert_int_eq(nb_virtio_mmio_init(&t, &dev, &mem, irq), 0);
}

/* What the transport does on DRIVER_OK, done by hand: a ready queue 0. */
static int activate(void)
{
	struct nb_virtq *q = &t.s.queues[0];
	int r;

	q->size = QSIZE;
	q->desc_addr = DESC_GPA;
	q->avail_addr = AVAIL_GPA;
	q->used_addr = USED_GPA;
	q->ready = true;
	ck_assert_int_eq(nb_virtq_check(q, &mem), 0);
	t.s.status = NB_VIRTIO_STATUS_ACKNOWLEDGE | NB_VIRTIO_STATUS_DRIVER |
		     NB_VIRTIO_STATUS_FEATURES_OK | NB_VIRTIO_STATUS_DRIVER_OK;
	nb_virtio_mmio_lock(&t);
	r = dev.ops->activate(dev.dev, &t);
	t.s.activated = !r;
	nb_virtio_mmio_unlock(&t);
	return r;
}

static void notify(void)
{
	nb_virtio_mmio_lock(&t);
	dev.ops->notify(dev.dev, &t, 0);
	nb_virtio_mmio_unlock(&t);
}

/* What the transport does on a status write of 0 (the rings stay). */
static void reset(void)
{
	nb_virtio_mmio_lock(&t);
	if (t.s.activated)
		dev.ops->reset(dev.dev, &t);
	t.s.activated = false;
	t.s.status = 0;
	nb_virtio_mmio_unlock(&t);
}

static void put_desc(uint16_t i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	uint8_t d[16];

	memcpy(d, &addr, 8);
	memcpy(d + 8, &len, 4);
	memcpy(d + 12, &flags, 2);
	memcpy(d + 14, &next, 2);
	ck_assert_int_eq(nb_mem_write(&mem, DESC_GPA + 16ULL * i, d, sizeof(d)), 0);
}

/* Makes a chain of @n buffers available; returns its head. */
static uint16_t add_chain(unsigned n, const uint64_t *addr, const uint32_t *len, const bool *write)
{
	uint16_t head = next_desc;

	for (unsigned i = 0; i < n; i++) {
		uint16_t idx = (uint16_t)((next_desc + i) % QSIZE);
		uint16_t flags =
		    (write[i] ? NB_VIRTQ_DESC_F_WRITE : 0) | (i + 1 < n ? NB_VIRTQ_DESC_F_NEXT : 0);

		put_desc(idx, addr[i], len[i], flags, (uint16_t)((idx + 1) % QSIZE));
	}
	next_desc = (uint16_t)((next_desc + n) % QSIZE);
	ck_assert_int_eq(nb_mem_write(&mem, AVAIL_GPA + 4 + 2ULL * (avail_idx % QSIZE), &head, 2),
			 0);
	avail_idx++;
	ck_assert_int_eq(nb_mem_write(&mem, AVAIL_GPA + 2, &avail_idx, 2), 0);
	return head;
}

static uint16_t add_writable(uint64_t addr, uint32_t len)
{
	bool w = true;

	return add_chain(1, &addr, &len, &w);
}

static uint16_t used_idx(void)
{
	uint16_t v;

	ck_assert_int_eq(nb_mem_read(&mem, USED_GPA + 2, &v, 2), 0);
	return v;
}

static void used_elem(uint16_t i, uint32_t *id, uint32_t *len)
{
	uint64_t at = USED_GPA + 4 + 8ULL * (i % QSIZE);

	ck_assert_int_eq(nb_mem_read(&mem, at, id, 4), 0);
	ck_assert_int_eq(nb_mem_read(&mem, at + 4, len, 4), 0);
}

static void assert_used(uint16_t i, uint16_t head, uint32_t len)
{
	uint32_t id, l;

	used_elem(i, &id, &l);
	ck_assert_uint_eq(id, head);
	ck_assert_uint_eq(l, len);
}

static bool all_zero(uint64_t gpa, size_t len)
{
	const uint8_t *p = nb_mem_ptr(&mem, gpa, len);

	ck_assert_ptr_nonnull(p);
	for (size_t i = 0; i < len; i++)
		if (p[i])
			return false;
	return true;
}

static struct nb_virtio_rng_stats stats(void)
{
	struct nb_virtio_rng_stats s;

	nb_virtio_rng_get_stats(rng, &s);
	return s;
}

/* Waits for the limiter's timer and runs the callback the device registered. */
static void fire_timer(void)
{
	struct pollfd pfd = {.fd = loop.fd, .events = POLLIN};

	ck_assert_int_ge(loop.fd, 0);
	ck_assert_int_eq(poll(&pfd, 1, 5000), 1);
	loop.fn(loop.ctx, loop.fd, EPOLLIN);
}

static bool timer_armed(void)
{
	struct itimerspec its;

	ck_assert_int_eq(timerfd_gettime(loop.fd, &its), 0);
	return its.it_value.tv_sec || its.it_value.tv_nsec;
}

START_TEST(test_device_description)
{
	make_device(NULL, NULL);
	ck_assert_uint_eq(dev.device_id, NB_VIRTIO_ID_RNG);
	ck_assert_uint_eq(dev.device_id, 4);
	ck_assert_uint_eq(dev.nr_queues, 1);
	ck_assert_uint_eq(dev.config_size, 0);
	ck_assert_uint_eq(dev.queue_max_size, NB_VIRTIO_RNG_QUEUE_SIZE);
	ck_assert_ptr_eq(dev.dev, rng);
	ck_assert_ptr_null(dev.ops->config_write);
	ck_assert(dev.features & (1ULL << NB_VIRTIO_F_EVENT_IDX));
	/* Unlimited: no timer to register. */
	ck_assert_int_eq(activate(), 0);
	ck_assert_int_eq(loop.adds, 0);
}
END_TEST

START_TEST(test_new_errors)
{
	struct nb_token_bucket_params lim = {.size = 10, .refill_time_ms = 100};
	struct nb_token_bucket_params unl = {.size = 0, .refill_time_ms = 100};
	struct nb_virtio_rng *r;

	errno = 0;
	ck_assert_ptr_null(nb_virtio_rng_new(&lim, NULL, NULL));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_ptr_null(nb_virtio_rng_new(NULL, &lim, NULL));
	ck_assert_int_eq(errno, EINVAL);
	/* Unlimited buckets need no event loop. */
	r = nb_virtio_rng_new(&unl, &unl, NULL);
	ck_assert_ptr_nonnull(r);
	nb_virtio_rng_free(r);
	nb_virtio_rng_free(NULL);
}
END_TEST

START_TEST(test_fills_writable_buffers)
{
	uint64_t addr[2] = {DATA_GPA, DATA_GPA + 0x1000};
	uint32_t len[2] = {16, 48};
	bool w[2] = {true, true};
	uint16_t head;

	make_device(NULL, NULL);
	ck_assert_int_eq(activate(), 0);
	ck_assert_uint_eq(used_idx(), 0);
	head = add_chain(2, addr, len, w);
	notify();
	ck_assert_uint_eq(used_idx(), 1);
	assert_used(0, head, 64);
	ck_assert(!all_zero(addr[0], 16));
	ck_assert(!all_zero(addr[1], 48));
	/* Nothing beyond the buffers. */
	ck_assert(all_zero(addr[0] + 16, 0x1000 - 16));
	ck_assert(all_zero(addr[1] + 48, 0x1000));
	ck_assert_int_eq(irq_count, 1);
	ck_assert_uint_eq(t.s.interrupt_status & NB_VIRTIO_INT_VRING, NB_VIRTIO_INT_VRING);

	/* Several chains at once: one interrupt. */
	for (int i = 0; i < 5; i++)
		add_writable(DATA_GPA + 0x4000 + 0x100ULL * i, 32);
	notify();
	ck_assert_uint_eq(used_idx(), 6);
	ck_assert_int_eq(irq_count, 2);
	ck_assert_uint_eq(stats().bytes, 64 + 5 * 32);
	ck_assert_uint_eq(stats().requests, 6);
	ck_assert_uint_eq(stats().bad_requests, 0);

	/* A notification with nothing new pushes nothing. */
	notify();
	ck_assert_uint_eq(used_idx(), 6);
	ck_assert_int_eq(irq_count, 2);
}
END_TEST

START_TEST(test_bad_requests)
{
	uint64_t addr[2] = {DATA_GPA, DATA_GPA + 0x1000};
	uint32_t len[2] = {16, 16};
	bool rw[2] = {false, true};
	uint16_t h[4];

	make_device(NULL, NULL);
	ck_assert_int_eq(activate(), 0);
	h[0] = add_chain(2, addr, len, rw);		 /* a readable buffer */
	h[1] = add_chain(1, addr, len, rw);		 /* only readable */
	h[2] = add_writable(DATA_GPA, 0);		 /* no writable bytes */
	h[3] = add_writable(RAM_GPA + RAM_SIZE - 8, 16); /* outside guest memory */
	notify();
	ck_assert_uint_eq(used_idx(), 4);
	for (int i = 0; i < 4; i++)
		assert_used((uint16_t)i, h[i], 0);
	ck_assert(all_zero(DATA_GPA, 0x2000));
	ck_assert_uint_eq(stats().bad_requests, 4);
	ck_assert_uint_eq(stats().requests, 0);
	ck_assert_uint_eq(stats().bytes, 0);
	ck_assert_int_eq(irq_count, 1);

	/* The queue goes on working. */
	h[0] = add_writable(DATA_GPA, 8);
	notify();
	assert_used(4, h[0], 8);
}
END_TEST

START_TEST(test_large_request_capped)
{
	uint16_t head;

	make_device(NULL, NULL);
	ck_assert_int_eq(activate(), 0);
	head = add_writable(DATA_GPA, 2 * NB_VIRTIO_RNG_MAX_REQUEST);
	notify();
	assert_used(0, head, NB_VIRTIO_RNG_MAX_REQUEST);
	ck_assert(all_zero(DATA_GPA + NB_VIRTIO_RNG_MAX_REQUEST, NB_VIRTIO_RNG_MAX_REQUEST));
	ck_assert_uint_eq(stats().bytes, NB_VIRTIO_RNG_MAX_REQUEST);
}
END_TEST

START_TEST(test_chains_before_activate)
{
	uint16_t head;

	make_device(NULL, NULL);
	head = add_writable(DATA_GPA, 32);
	/* Not active: a notification does nothing. */
	notify();
	ck_assert_uint_eq(used_idx(), 0);
	/* Served at the first notification after DRIVER_OK, with an interrupt. */
	ck_assert_int_eq(activate(), 0);
	ck_assert_uint_eq(used_idx(), 0);
	notify();
	ck_assert_uint_eq(used_idx(), 1);
	assert_used(0, head, 32);
	ck_assert_int_eq(irq_count, 1);
}
END_TEST

START_TEST(test_ops_limited)
{
	struct nb_token_bucket_params ops = {.size = 1, .refill_time_ms = 20};
	uint16_t h[3];

	make_device(NULL, &ops);
	ck_assert_int_eq(activate(), 0);
	ck_assert_int_eq(loop.adds, 1);
	ck_assert_int_ge(loop.fd, 0);
	ck_assert_uint_eq(loop.events, EPOLLIN);
	ck_assert(!timer_armed());

	for (int i = 0; i < 3; i++)
		h[i] = add_writable(DATA_GPA + 0x100ULL * i, 16);
	notify();
	ck_assert_uint_eq(used_idx(), 1);
	assert_used(0, h[0], 16);
	ck_assert(timer_armed());
	ck_assert_uint_eq(stats().rate_limited, 1);
	/* Blocked: a notification takes nothing. */
	notify();
	ck_assert_uint_eq(used_idx(), 1);
	ck_assert_uint_eq(stats().rate_limited, 1);

	fire_timer();
	ck_assert_uint_eq(used_idx(), 2);
	assert_used(1, h[1], 16);
	fire_timer();
	ck_assert_uint_eq(used_idx(), 3);
	assert_used(2, h[2], 16);
	ck_assert_int_eq(irq_count, 3);
	ck_assert_uint_eq(stats().requests, 3);
}
END_TEST

START_TEST(test_bandwidth_limited)
{
	struct nb_token_bucket_params bw = {.size = 100, .refill_time_ms = 20};
	uint16_t h[2];

	make_device(&bw, NULL);
	ck_assert_int_eq(activate(), 0);
	h[0] = add_writable(DATA_GPA, 64);
	h[1] = add_writable(DATA_GPA + 0x100, 64);
	notify();
	ck_assert_uint_eq(used_idx(), 1);
	assert_used(0, h[0], 64);
	/* The second chain went back to the ring, untouched. */
	ck_assert_uint_eq(t.s.queues[0].next_avail, 1);
	ck_assert(all_zero(DATA_GPA + 0x100, 64));
	ck_assert(timer_armed());

	fire_timer();
	ck_assert_uint_eq(used_idx(), 2);
	assert_used(1, h[1], 64);
	ck_assert(!all_zero(DATA_GPA + 0x100, 64));
	ck_assert_uint_eq(stats().bytes, 128);
}
END_TEST

START_TEST(test_reset_and_free_unregister)
{
	struct nb_token_bucket_params ops = {.size = 1, .refill_time_ms = 20};

	make_device(NULL, &ops);
	ck_assert_int_eq(activate(), 0);
	ck_assert_int_eq(loop.adds, 1);
	add_writable(DATA_GPA, 8);
	add_writable(DATA_GPA + 0x100, 8);
	notify();
	ck_assert_uint_eq(used_idx(), 1);

	reset();
	ck_assert_int_eq(loop.removes, 1);
	ck_assert_int_eq(loop.fd, -1);
	/* Not active any more: a notification does nothing. */
	notify();
	ck_assert_uint_eq(used_idx(), 1);

	/* The driver sets the queue up again: new rings, one chain. */
	nb_virtq_reset(&t.s.queues[0]);
	memset(nb_mem_ptr(&mem, AVAIL_GPA, 0x2000), 0, 0x2000);
	avail_idx = 0;
	next_desc = 0;
	add_writable(DATA_GPA + 0x200, 8);
	/* Registered again; still blocked, so served once the timer fires. */
	ck_assert_int_eq(activate(), 0);
	ck_assert_int_eq(loop.adds, 2);
	notify();
	ck_assert_uint_eq(used_idx(), 0);
	fire_timer();
	ck_assert_uint_eq(used_idx(), 1);

	/* Free while active removes the fd; teardown frees. */
	nb_virtio_mmio_destroy(&t);
	nb_virtio_rng_free(rng);
	rng = NULL;
	ck_assert_int_eq(loop.removes, 2);
	ck_assert_int_eq(loop.fd, -1);
}
END_TEST

START_TEST(test_activate_fails_when_add_fails)
{
	struct nb_token_bucket_params ops = {.size = 1, .refill_time_ms = 20};

	make_device(NULL, &ops);
	loop.fail_add = -ENOMEM;
	ck_assert_int_eq(activate(), -ENOMEM);
	/* Reset after a failed activate removes nothing. */
	reset();
	ck_assert_int_eq(loop.removes, 0);
}
END_TEST

START_TEST(test_broken_queue_needs_reset)
{
	uint16_t idx = QSIZE + 5;

	make_device(NULL, NULL);
	ck_assert_int_eq(activate(), 0);
	/* The avail index jumped more than the queue's size ahead. */
	ck_assert_int_eq(nb_mem_write(&mem, AVAIL_GPA + 2, &idx, 2), 0);
	notify();
	ck_assert(t.s.status & NB_VIRTIO_STATUS_NEEDS_RESET);
	ck_assert_uint_eq(used_idx(), 0);
	ck_assert_uint_eq(stats().requests, 0);
}
END_TEST

static void reg_write(uint64_t off, uint32_t v)
{
	uint8_t b[4];

	memcpy(b, &v, 4);
	nb_virtio_mmio_ops.write(&t, off, b, 4);
}

static uint32_t reg_read(uint64_t off)
{
	uint8_t b[4];
	uint32_t v;

	nb_virtio_mmio_ops.read(&t, off, b, 4);
	memcpy(&v, b, 4);
	return v;
}

/* The whole path as a Linux driver takes it, through the registers. */
START_TEST(test_through_registers)
{
	struct nb_token_bucket_params ops = {.size = 100, .refill_time_ms = 1000};
	uint64_t features;
	uint16_t head, avail_event;
	uint32_t status = 0;

	make_device(NULL, &ops);
	ck_assert_uint_eq(reg_read(0x000), 0x74726976);
	ck_assert_uint_eq(reg_read(0x004), 2);
	ck_assert_uint_eq(reg_read(0x008), NB_VIRTIO_ID_RNG);
	reg_write(0x014, 0);
	features = reg_read(0x010);
	reg_write(0x014, 1);
	features |= (uint64_t)reg_read(0x010) << 32;
	ck_assert(features & 1ULL << NB_VIRTIO_F_VERSION_1);
	ck_assert(features & 1ULL << NB_VIRTIO_F_EVENT_IDX);

	status |= NB_VIRTIO_STATUS_ACKNOWLEDGE | NB_VIRTIO_STATUS_DRIVER;
	reg_write(0x070, status);
	reg_write(0x024, 0);
	reg_write(0x020, 1u << NB_VIRTIO_F_EVENT_IDX);
	reg_write(0x024, 1);
	reg_write(0x020, 1); /* VERSION_1 */
	status |= NB_VIRTIO_STATUS_FEATURES_OK;
	reg_write(0x070, status);
	ck_assert(reg_read(0x070) & NB_VIRTIO_STATUS_FEATURES_OK);

	reg_write(0x030, 0);
	ck_assert_uint_eq(reg_read(0x034), NB_VIRTIO_RNG_QUEUE_SIZE);
	reg_write(0x038, QSIZE);
	reg_write(0x080, (uint32_t)DESC_GPA);
	reg_write(0x084, (uint32_t)(DESC_GPA >> 32));
	reg_write(0x090, (uint32_t)AVAIL_GPA);
	reg_write(0x094, (uint32_t)(AVAIL_GPA >> 32));
	reg_write(0x0a0, (uint32_t)USED_GPA);
	reg_write(0x0a4, (uint32_t)(USED_GPA >> 32));
	reg_write(0x044, 1);
	status |= NB_VIRTIO_STATUS_DRIVER_OK;
	reg_write(0x070, status);
	ck_assert_uint_eq(reg_read(0x070), status);
	ck_assert(t.s.activated);
	ck_assert_int_eq(loop.adds, 1);

	head = add_writable(DATA_GPA, 40);
	reg_write(NB_VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	ck_assert_uint_eq(used_idx(), 1);
	assert_used(0, head, 40);
	ck_assert(!all_zero(DATA_GPA, 40));
	ck_assert_int_eq(irq_count, 1);
	ck_assert_uint_eq(reg_read(0x060), NB_VIRTIO_INT_VRING);
	reg_write(0x064, NB_VIRTIO_INT_VRING);
	ck_assert_uint_eq(reg_read(0x060), 0);
	/* With EVENT_IDX the device asks for the next notification. */
	ck_assert_int_eq(nb_mem_read(&mem, USED_GPA + 4 + 8 * QSIZE, &avail_event, 2), 0);
	ck_assert_uint_eq(avail_event, 1);

	/* The ioeventfd path. */
	head = add_writable(DATA_GPA + 0x100, 8);
	nb_virtio_mmio_notify(&t, 0);
	assert_used(1, head, 8);

	/* The driver resets the device: the timer leaves the event loop. */
	reg_write(0x070, 0);
	ck_assert_uint_eq(reg_read(0x070), 0);
	ck_assert_int_eq(loop.removes, 1);
	ck_assert_int_eq(loop.fd, -1);
	ck_assert_uint_eq(stats().requests, 2);
	ck_assert_uint_eq(stats().bytes, 48);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("virtio_rng");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_device_description);
	tcase_add_test(tc, test_new_errors);
	tcase_add_test(tc, test_fills_writable_buffers);
	tcase_add_test(tc, test_bad_requests);
	tcase_add_test(tc, test_large_request_capped);
	tcase_add_test(tc, test_chains_before_activate);
	tcase_add_test(tc, test_ops_limited);
	tcase_add_test(tc, test_bandwidth_limited);
	tcase_add_test(tc, test_reset_and_free_unregister);
	tcase_add_test(tc, test_activate_fails_when_add_fails);
	tcase_add_test(tc, test_through_registers);
	tcase_add_test(tc, test_broken_queue_needs_reset);
	suite_add_tcase(s, tc);
	return nb_check_run(s);
}
