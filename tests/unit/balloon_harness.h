/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The balloon device tests' harness (test_virtio_balloon.c,
 * test_balloon_hint.c): memfd guest RAM, a real transport with hand-made
 * rings, a fake event loop for the stats timer, interrupts counted.
 */
#ifndef NB_TESTS_UNIT_BALLOON_HARNESS_H
#define NB_TESTS_UNIT_BALLOON_HARNESS_H

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "devices/virtio_balloon.h"
#include "tests/unit/fake_loop.h"
#include "tests/unit/irq_count.h"

#define RAM_GPA 0x40000000ULL
#define RAM_MIB 4
#define RAM_SIZE ((uint64_t)RAM_MIB << 20)
#define QSIZE 16
#define RING(q) (RAM_GPA + 0x10000ULL * (q)) /* desc, then avail +0x1000, used +0x2000 */
#define BUF_GPA (RAM_GPA + 0x80000)	     /* request buffers */
#define DATA_GPA (RAM_GPA + (2ULL << 20))    /* pages the guest gives */
#define PFN(gpa) ((uint32_t)((gpa) >> 12))

static struct nb_guest_mem mem;
static struct fake_loop loop;
static struct nb_event_ops ev;
static struct nb_virtio_mmio t;
static struct nb_virtio_balloon *b;
static struct nb_virtio_device dev;
static uint16_t avail_idx[8], next_desc[8];
static uint64_t buf_next;

static void setup(void)
{
	nb_mem_init(&mem);
	ck_assert_int_eq(nb_mem_add_ram(&mem, RAM_GPA, RAM_SIZE, false), 0);
	ev = fake_loop_ops(&loop);
	irq_count = 0;
	memset(avail_idx, 0, sizeof(avail_idx));
	memset(next_desc, 0, sizeof(next_desc));
	buf_next = BUF_GPA;
	b = NULL;
}

static void teardown(void)
{
	if (b) {
		nb_virtio_mmio_destroy(&t);
		nb_virtio_balloon_free(b);
	}
	nb_mem_destroy(&mem);
}

static void make_params(const struct nb_balloon_params *p)
{
	struct nb_irq irq = {.trigger = count_trigger, .spi = 40};
	char err[128];

	ck_assert_int_eq(nb_virtio_balloon_new(&b, p, &ev, err, sizeof(err)), 0);
	dev = nb_virtio_balloon_device(b);
	ck_assert_int_eq(nb_virtio_mmio_init(&t, &dev, &mem, irq), 0);
}

static void make(uint32_t amount, uint32_t stats_s, bool oom, bool reporting)
{
	struct nb_balloon_params p = {.amount_mib = amount,
				      .stats_polling_interval_s = stats_s,
				      .deflate_on_oom = oom,
				      .free_page_reporting = reporting,
				      .mem_size_mib = RAM_MIB};

	make_params(&p);
}

/* What the transport does on DRIVER_OK with @features acked: @nq ready queues. */
static int activate(uint64_t features, unsigned nq)
{
	int r;

	ck_assert_uint_le(nq, dev.nr_queues);
	for (unsigned i = 0; i < nq; i++) {
		struct nb_virtq *q = &t.s.queues[i];

		q->size = QSIZE;
		q->desc_addr = RING(i);
		q->avail_addr = RING(i) + 0x1000;
		q->used_addr = RING(i) + 0x2000;
		q->ready = true;
		ck_assert_int_eq(nb_virtq_check(q, &mem), 0);
	}
	t.s.acked_features = features | 1ULL << NB_VIRTIO_F_VERSION_1;
	t.s.status = NB_VIRTIO_STATUS_ACKNOWLEDGE | NB_VIRTIO_STATUS_DRIVER |
		     NB_VIRTIO_STATUS_FEATURES_OK | NB_VIRTIO_STATUS_DRIVER_OK;
	nb_virtio_mmio_lock(&t);
	r = dev.ops->activate(dev.dev, &t);
	t.s.activated = !r;
	nb_virtio_mmio_unlock(&t);
	return r;
}

static void notify(uint16_t q)
{
	nb_virtio_mmio_notify(&t, q);
}

static void reset(void)
{
	nb_virtio_mmio_lock(&t);
	if (t.s.activated)
		dev.ops->reset(dev.dev, &t);
	t.s.activated = false;
	t.s.status = 0;
	nb_virtio_mmio_unlock(&t);
}

/* Makes a chain available on queue @q: buffers at @addr of @len bytes. */
static uint16_t add_chain(unsigned q, unsigned n, const uint64_t *addr, const uint32_t *len,
			  bool write)
{
	uint16_t head = next_desc[q];

	for (unsigned i = 0; i < n; i++) {
		uint16_t idx = (uint16_t)((next_desc[q] + i) % QSIZE);
		uint16_t flags =
		    (write ? NB_VIRTQ_DESC_F_WRITE : 0) | (i + 1 < n ? NB_VIRTQ_DESC_F_NEXT : 0);
		uint16_t next = (uint16_t)((idx + 1) % QSIZE);
		uint8_t d[16];

		memcpy(d, &addr[i], 8);
		memcpy(d + 8, &len[i], 4);
		memcpy(d + 12, &flags, 2);
		memcpy(d + 14, &next, 2);
		ck_assert_int_eq(nb_mem_write(&mem, RING(q) + 16ULL * idx, d, 16), 0);
	}
	next_desc[q] = (uint16_t)((next_desc[q] + n) % QSIZE);
	ck_assert_int_eq(
	    nb_mem_write(&mem, RING(q) + 0x1000 + 4 + 2ULL * (avail_idx[q] % QSIZE), &head, 2), 0);
	avail_idx[q]++;
	ck_assert_int_eq(nb_mem_write(&mem, RING(q) + 0x1000 + 2, &avail_idx[q], 2), 0);
	return head;
}

/* A one-buffer readable chain holding @len bytes of @data. */
static uint16_t add_data(unsigned q, const void *data, uint32_t len)
{
	uint64_t at = buf_next;

	buf_next += (len + 15) & ~15u;
	ck_assert_int_eq(nb_mem_write(&mem, at, data, len), 0);
	return add_chain(q, 1, &at, &len, false);
}

static uint16_t used_idx(unsigned q)
{
	uint16_t v;

	ck_assert_int_eq(nb_mem_read(&mem, RING(q) + 0x2000 + 2, &v, 2), 0);
	return v;
}

__attribute__((unused)) static void assert_used(unsigned q, uint16_t i, uint16_t head)
{
	uint32_t id, len;
	uint64_t at = RING(q) + 0x2000 + 4 + 8ULL * (i % QSIZE);

	ck_assert_int_eq(nb_mem_read(&mem, at, &id, 4), 0);
	ck_assert_int_eq(nb_mem_read(&mem, at + 4, &len, 4), 0);
	ck_assert_uint_eq(id, head);
	ck_assert_uint_eq(len, 0);
}

static struct nb_virtio_balloon_counters counters(void)
{
	struct nb_virtio_balloon_counters c;

	nb_virtio_balloon_get_counters(b, &c);
	return c;
}

/* The memfd's allocated bytes. */
__attribute__((unused)) static uint64_t allocated(void)
{
	struct stat st;

	ck_assert_int_eq(fstat(mem.regions[0].fd, &st), 0);
	return (uint64_t)st.st_blocks * 512;
}

static void fill(uint64_t gpa, uint64_t len, uint8_t v)
{
	memset(nb_mem_ptr(&mem, gpa, len), v, len);
}

static bool all(uint64_t gpa, uint64_t len, uint8_t v)
{
	const uint8_t *p = nb_mem_ptr(&mem, gpa, len);

	for (uint64_t i = 0; i < len; i++)
		if (p[i] != v)
			return false;
	return true;
}

/*
 * Whether madvise() really drops pages here: qemu-user (the cross build's
 * tests) takes MADV_REMOVE as a hint and ignores it. Where it does not,
 * the tests check the counters only; real kernels get the memory checks.
 */
static bool madvise_works(void)
{
	static int works = -1;
	struct nb_guest_mem m;

	if (works < 0) {
		nb_mem_init(&m);
		ck_assert_int_eq(nb_mem_add_ram(&m, 0, 4096, false), 0);
		m.regions[0].host[0] = 1;
		ck_assert_int_eq(madvise(m.regions[0].host, 4096, MADV_REMOVE), 0);
		works = m.regions[0].host[0] == 0;
		nb_mem_destroy(&m);
	}
	return works;
}

/* all() where the host really released the memory. */
#define released_all(gpa, len, v) (!madvise_works() || all(gpa, len, v))

static uint32_t config32(uint32_t off)
{
	uint8_t v[4];

	dev.ops->config_read(dev.dev, off, v, 4);
	return v[0] | v[1] << 8 | v[2] << 16 | (uint32_t)v[3] << 24;
}

#endif
