// SPDX-License-Identifier: Apache-2.0
/*
 * virtio-balloon through a real transport and memfd guest memory: inflate
 * releases host memory (the memfd's blocks drop, the pages read zero),
 * deflate does not, bad requests are counted and given back, statistics
 * come and go with the timer, reporting releases ranges, the REST API's
 * functions, reset.
 */
#include <check.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "devices/virtio_balloon.h"
#include "tests/unit/check_run.h"

#define RAM_GPA 0x40000000ULL
#define RAM_MIB 4
#define RAM_SIZE ((uint64_t)RAM_MIB << 20)
#define QSIZE 16
#define RING(q) (RAM_GPA + 0x10000ULL * (q)) /* desc, then avail +0x1000, used +0x2000 */
#define BUF_GPA (RAM_GPA + 0x80000)	     /* request buffers */
#define DATA_GPA (RAM_GPA + (2ULL << 20))    /* pages the guest gives */
#define PFN(gpa) ((uint32_t)((gpa) >> 12))

/* The event loop as the device sees it: one fd at most. */
struct fake_loop {
	int fd;
	nb_event_fn fn;
	void *ctx;
	int adds, removes, fail_add;
};

static int fake_add(void *lp, int fd, uint32_t events, nb_event_fn fn, void *ctx)
{
	struct fake_loop *l = lp;

	(void)events;
	if (l->fail_add)
		return l->fail_add;
	if (l->fd >= 0)
		return -EEXIST;
	*l = (struct fake_loop){
	    .fd = fd, .fn = fn, .ctx = ctx, .adds = l->adds + 1, .removes = l->removes};
	return 0;
}

static int fake_modify(void *lp, int fd, uint32_t events)
{
	(void)events;
	return fd == ((struct fake_loop *)lp)->fd ? 0 : -ENOENT;
}

static int fake_remove(void *lp, int fd)
{
	struct fake_loop *l = lp;

	if (fd < 0 || fd != l->fd)
		return -ENOENT;
	l->fd = -1;
	l->fn = NULL;
	l->removes++;
	return 0;
}

static int irq_count;

static int count_trigger(void *opaque, uint32_t spi)
{
	(void)opaque;
	(void)spi;
	irq_count++;
	return 0;
}

static struct nb_guest_mem mem;
static struct fake_loop loop;
static struct nb_event_ops ev;
static struct nb_virtio_mmio t;
static struct nb_virtio_balloon *b;
static struct nb_virtio_device dev;
static uint16_t avail_idx[4], next_desc[4];
static uint64_t buf_next;

static void setup(void)
{
	nb_mem_init(&mem);
	ck_assert_int_eq(nb_mem_add_ram(&mem, RAM_GPA, RAM_SIZE, false), 0);
	memset(&loop, 0, sizeof(loop));
	loop.fd = -1;
	ev = (struct nb_event_ops){
	    .add = fake_add, .modify = fake_modify, .remove = fake_remove, .loop = &loop};
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

static void make(uint32_t amount, uint32_t stats_s, bool oom, bool reporting)
{
	struct nb_balloon_params p = {.amount_mib = amount,
				      .stats_polling_interval_s = stats_s,
				      .deflate_on_oom = oom,
				      .free_page_reporting = reporting,
				      .mem_size_mib = RAM_MIB};
	struct nb_irq irq = {.trigger = count_trigger, .spi = 40};
	char err[128];

	ck_assert_int_eq(nb_virtio_balloon_new(&b, &p, &ev, err, sizeof(err)), 0);
	dev = nb_virtio_balloon_device(b);
	ck_assert_int_eq(nb_virtio_mmio_init(&t, &dev, &mem, irq), 0);
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

static void assert_used(unsigned q, uint16_t i, uint16_t head)
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
static uint64_t allocated(void)
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

START_TEST(test_device_shape)
{
	make(2, 0, false, false);
	ck_assert_uint_eq(dev.device_id, NB_VIRTIO_ID_BALLOON);
	ck_assert_uint_eq(dev.nr_queues, 2);
	ck_assert_uint_eq(dev.config_size, 8);
	ck_assert(!(dev.features & 1ULL << NB_VIRTIO_BALLOON_F_DEFLATE_ON_OOM));
	ck_assert(!(dev.features & 1ULL << NB_VIRTIO_BALLOON_F_FREE_PAGE_HINT));
	ck_assert(!(dev.features & 1ULL << NB_VIRTIO_BALLOON_F_STATS_VQ));
	ck_assert_ptr_eq(nb_virtio_balloon_from_transport(&t), b);
	ck_assert_ptr_null(nb_virtio_balloon_from_transport(NULL));
	nb_virtio_mmio_destroy(&t);
	nb_virtio_balloon_free(b);

	make(0, 5, true, true);
	ck_assert_uint_eq(dev.nr_queues, 4);
	ck_assert(dev.features & 1ULL << NB_VIRTIO_BALLOON_F_DEFLATE_ON_OOM);
	ck_assert(dev.features & 1ULL << NB_VIRTIO_BALLOON_F_STATS_VQ);
	ck_assert(dev.features & 1ULL << NB_VIRTIO_BALLOON_F_REPORTING);
	/* Another device behind a transport is not a balloon. */
	t.dev.device_id = NB_VIRTIO_ID_RNG;
	ck_assert_ptr_null(nb_virtio_balloon_from_transport(&t));
	t.dev.device_id = NB_VIRTIO_ID_BALLOON;
}
END_TEST

START_TEST(test_new_errors)
{
	struct nb_balloon_params p = {.amount_mib = 5, .mem_size_mib = 4};
	char err[128];

	ck_assert_int_eq(nb_virtio_balloon_new(&b, &p, &ev, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "balloon: amount_mib 5 is more than the guest's 4 MiB");
	ck_assert_ptr_null(b);
	p.amount_mib = 1;
	p.stats_polling_interval_s = 1;
	ck_assert_int_eq(nb_virtio_balloon_new(&b, &p, NULL, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "balloon: statistics need an event loop");
	ck_assert_ptr_null(b);
	nb_virtio_balloon_free(NULL);
}
END_TEST

START_TEST(test_inflate_releases)
{
	uint32_t pfns[64];
	uint64_t before;
	uint16_t h;

	make(1, 0, false, false);
	ck_assert_int_eq(activate(0, 2), 0);
	fill(DATA_GPA, 64 * 4096, 0xab);
	/* Pages in any order, as Linux sends them. */
	for (int i = 0; i < 64; i++)
		pfns[i] = PFN(DATA_GPA) + (uint32_t)((i * 37) % 64);
	h = add_data(0, pfns, sizeof(pfns));
	before = allocated();
	notify(0);
	ck_assert_uint_eq(used_idx(0), 1);
	assert_used(0, 0, h);
	ck_assert_int_eq(irq_count, 1);
	ck_assert_uint_eq(counters().inflated_pages, 64);
	ck_assert_uint_eq(counters().released_bytes, 64 * 4096);
	ck_assert_uint_eq(counters().release_errors, 0);
	/* The memfd holds 64 pages fewer (the used ring may take one). */
	ck_assert(!madvise_works() || allocated() + 63 * 4096 <= before);
	ck_assert(released_all(DATA_GPA, 64 * 4096, 0));

	/* Deflate gives nothing back and touches nothing. */
	fill(DATA_GPA, 4096, 0xcd);
	h = add_data(1, pfns, 4);
	notify(1);
	ck_assert_uint_eq(used_idx(1), 1);
	assert_used(1, 0, h);
	ck_assert_uint_eq(counters().deflated_pages, 1);
	ck_assert(all(DATA_GPA, 4096, 0xcd));
}
END_TEST

/* A restored snapshot's memory: a file mapped privately. Inflate drops the
 * guest's copies (the pages read the file again) and never writes the file. */
START_TEST(test_inflate_private_file)
{
	char path[] = "/tmp/nb-balloon-XXXXXX";
	uint8_t page[4096];
	uint32_t pfns[2] = {PFN(DATA_GPA), PFN(DATA_GPA + 0x1000)};
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	unlink(path);
	memset(page, 0x5a, sizeof(page));
	for (uint64_t off = 0; off < RAM_SIZE; off += sizeof(page))
		ck_assert_int_eq(pwrite(fd, page, sizeof(page), (off_t)off), (ssize_t)sizeof(page));
	nb_mem_destroy(&mem);
	nb_mem_init(&mem);
	ck_assert_int_eq(nb_mem_add_file(&mem, RAM_GPA, RAM_SIZE, fd), 0);
	make(1, 0, false, false);
	ck_assert_int_eq(activate(0, 2), 0);
	fill(DATA_GPA, 0x2000, 0x11);
	add_data(0, pfns, sizeof(pfns));
	notify(0);
	ck_assert_uint_eq(counters().released_bytes, 0x2000);
	ck_assert_uint_eq(counters().release_errors, 0);
	ck_assert(released_all(DATA_GPA, 0x2000, 0x5a));
	ck_assert_int_eq(pread(fd, page, sizeof(page), (off_t)(DATA_GPA - RAM_GPA)),
			 (ssize_t)sizeof(page));
	ck_assert_uint_eq(page[0], 0x5a);
	ck_assert_uint_eq(page[4095], 0x5a);
	close(fd);
}
END_TEST

START_TEST(test_bad_requests)
{
	uint32_t pfns[] = {
	    0, UINT32_MAX, PFN(RAM_GPA + RAM_SIZE), PFN(DATA_GPA), PFN(DATA_GPA), PFN(RAM_GPA) - 1};
	uint8_t odd[6] = {0};
	uint64_t addr = BUF_GPA;
	uint32_t len = 8;
	uint16_t h[4];

	make(1, 0, false, false);
	ck_assert_int_eq(activate(0, 2), 0);
	fill(DATA_GPA, 4096, 0x11);
	h[0] = add_data(0, pfns, sizeof(pfns));
	h[1] = add_data(0, odd, sizeof(odd));
	h[2] = add_chain(0, 1, &addr, &len, true); /* writable */
	len = 0;
	h[3] = add_chain(0, 1, &addr, &len, false); /* empty */
	notify(0);
	ck_assert_uint_eq(used_idx(0), 4);
	for (int i = 0; i < 4; i++)
		assert_used(0, (uint16_t)i, h[i]);
	ck_assert_uint_eq(counters().bad_pfns, 4);
	ck_assert_uint_eq(counters().duplicate_pfns, 1);
	ck_assert_uint_eq(counters().inflated_pages, 1);
	ck_assert_uint_eq(counters().bad_requests, 3);
	ck_assert(released_all(DATA_GPA, 4096, 0));
	/* A chain the queue refuses (a buffer outside guest RAM). */
	addr = RAM_GPA + RAM_SIZE;
	len = 4;
	h[0] = add_chain(0, 1, &addr, &len, false);
	notify(0);
	ck_assert_uint_eq(used_idx(0), 5);
	assert_used(0, 4, h[0]);
	ck_assert_uint_eq(counters().bad_requests, 4);
	/* More PFNs than one request may hold. */
	addr = DATA_GPA;
	len = (NB_BALLOON_MAX_PFNS + 1) * 4;
	add_chain(0, 1, &addr, &len, false);
	notify(0);
	ck_assert_uint_eq(counters().bad_requests, 5);
	/* A broken queue: the avail index jumps. */
	avail_idx[0] += 100;
	ck_assert_int_eq(nb_mem_write(&mem, RING(0) + 0x1000 + 2, &avail_idx[0], 2), 0);
	notify(0);
	ck_assert(t.s.status & NB_VIRTIO_STATUS_NEEDS_RESET);
}
END_TEST

START_TEST(test_config_and_target)
{
	uint8_t w[4] = {0x34, 0x12, 0, 0};
	struct nb_balloon_params p;
	struct nb_virtio_balloon_state s;

	make(3, 0, true, false);
	ck_assert_uint_eq(config32(0), 3 * 256);
	ck_assert_uint_eq(config32(4), 0);
	/* The driver writes actual; num_pages is the device's. */
	dev.ops->config_write(dev.dev, 4, w, 4);
	dev.ops->config_write(dev.dev, 0, w, 4);
	ck_assert_uint_eq(config32(4), 0x1234);
	ck_assert_uint_eq(config32(0), 3 * 256);
	dev.ops->config_write(dev.dev, 6, w, 2); /* bytes 6 and 7 only */
	ck_assert_uint_eq(config32(4), 0x12341234);
	dev.ops->config_write(dev.dev, 3, w, 2); /* byte 3 ignored, byte 4 taken */
	ck_assert_uint_eq(config32(4), 0x12341212);
	ck_assert_uint_eq(config32(0), 3 * 256);

	/* Before the driver runs: no interrupt. */
	ck_assert_int_eq(nb_virtio_balloon_set_target(b, 2), 0);
	ck_assert_uint_eq(config32(0), 2 * 256);
	ck_assert_int_eq(irq_count, 0);
	ck_assert_int_eq(activate(1ULL << NB_VIRTIO_BALLOON_F_DEFLATE_ON_OOM, 2), 0);
	ck_assert_int_eq(nb_virtio_balloon_set_target(b, 4), 0);
	ck_assert_uint_eq(config32(0), 4 * 256);
	ck_assert_int_eq(irq_count, 1);
	ck_assert(t.s.interrupt_status & NB_VIRTIO_INT_CONFIG);
	ck_assert_int_eq(nb_virtio_balloon_set_target(b, 5), -EINVAL);
	ck_assert_uint_eq(config32(0), 4 * 256);
	ck_assert_int_eq(nb_virtio_balloon_set_target(b, 0), 0);
	ck_assert_int_eq(irq_count, 2);

	nb_virtio_balloon_get_config(b, &p);
	ck_assert_uint_eq(p.amount_mib, 0);
	ck_assert(p.deflate_on_oom && !p.free_page_reporting);
	ck_assert_uint_eq(p.stats_polling_interval_s, 0);
	ck_assert_uint_eq(p.mem_size_mib, RAM_MIB);
	nb_virtio_balloon_get_state(b, &s);
	ck_assert_uint_eq(s.actual, 0x12341212);
	ck_assert_uint_eq(s.num_pages, 0);

	/* A reset empties the balloon. */
	reset();
	ck_assert_uint_eq(config32(4), 0);
}
END_TEST

static void stat_entry(uint8_t *p, uint16_t tag, uint64_t val)
{
	memcpy(p, &tag, 2);
	memcpy(p + 2, &val, 8);
}

static void fire_timer(void)
{
	struct pollfd pfd = {.fd = loop.fd, .events = POLLIN};

	ck_assert_int_ge(loop.fd, 0);
	ck_assert_int_eq(poll(&pfd, 1, 5000), 1);
	loop.fn(loop.ctx, loop.fd, EPOLLIN);
}

START_TEST(test_stats)
{
	struct nb_balloon_stats st;
	struct nb_balloon_params p;
	struct itimerspec its;
	uint8_t raw[30];
	uint8_t w[4] = {0, 1, 0, 0}; /* actual 256 pages */
	uint16_t h;

	make(2, 1, false, false);
	stat_entry(raw, NB_BALLOON_S_MEMFREE, 1000);
	stat_entry(raw + 10, NB_BALLOON_S_MEMTOT, 4000);
	stat_entry(raw + 20, 12, 1);
	/* Linux primes the stats queue before DRIVER_OK. */
	h = add_data(2, raw, sizeof(raw));
	ck_assert_int_eq(activate(1ULL << NB_VIRTIO_BALLOON_F_STATS_VQ, 3), 0);
	ck_assert_int_eq(loop.adds, 1);
	ck_assert_int_eq(timerfd_gettime(loop.fd, &its), 0);
	ck_assert_int_eq(its.it_interval.tv_sec, 1);
	ck_assert_uint_eq(used_idx(2), 0); /* held */
	dev.ops->config_write(dev.dev, 4, w, 4);
	ck_assert_int_eq(nb_virtio_balloon_get_stats(b, &st), 0);
	ck_assert_uint_eq(st.target_pages, 512);
	ck_assert_uint_eq(st.target_mib, 2);
	ck_assert_uint_eq(st.actual_pages, 256);
	ck_assert_uint_eq(st.actual_mib, 1);
	ck_assert_uint_eq(st.guest.present, 1u << NB_BALLOON_S_MEMFREE | 1u << NB_BALLOON_S_MEMTOT);
	ck_assert_uint_eq(st.guest.val[NB_BALLOON_S_MEMFREE], 1000);
	ck_assert_uint_eq(counters().unknown_stats, 1);
	ck_assert_str_eq(nb_balloon_stat_names[NB_BALLOON_S_AVAIL], "available_memory");

	/* The timer gives the buffer back; the guest sends fresh values. */
	fire_timer();
	ck_assert_uint_eq(used_idx(2), 1);
	assert_used(2, 0, h);
	ck_assert_int_eq(irq_count, 1);
	fire_timer(); /* nothing held: nothing to give */
	ck_assert_uint_eq(used_idx(2), 1);
	stat_entry(raw, NB_BALLOON_S_MEMFREE, 2000);
	h = add_data(2, raw, 10);
	notify(2);
	ck_assert_int_eq(nb_virtio_balloon_get_stats(b, &st), 0);
	ck_assert_uint_eq(st.guest.present, 1u << NB_BALLOON_S_MEMFREE);
	ck_assert_uint_eq(st.guest.val[NB_BALLOON_S_MEMFREE], 2000);
	ck_assert_uint_eq(counters().stats_updates, 2);
	/* A second buffer: the first goes back; a bad one is refused and given back. */
	add_data(2, raw, 10);
	add_data(2, raw, 7);
	notify(2);
	ck_assert_uint_eq(used_idx(2), 3);
	assert_used(2, 1, h);
	ck_assert_uint_eq(counters().bad_requests, 1);

	/* The polling interval. */
	ck_assert_int_eq(nb_virtio_balloon_set_stats_interval(b, 7), 0);
	ck_assert_int_eq(timerfd_gettime(loop.fd, &its), 0);
	ck_assert_int_eq(its.it_interval.tv_sec, 7);
	ck_assert_int_eq(nb_virtio_balloon_set_stats_interval(b, 0), -EINVAL);
	nb_virtio_balloon_get_config(b, &p);
	ck_assert_uint_eq(p.stats_polling_interval_s, 7);

	/* A reset: the timer leaves the loop, the held buffer is forgotten. */
	reset();
	ck_assert_int_eq(loop.removes, 1);
	ck_assert_int_eq(loop.fd, -1);
	ck_assert_int_eq(nb_virtio_balloon_get_stats(b, &st), 0);
}
END_TEST

START_TEST(test_no_stats)
{
	struct nb_balloon_stats st;

	make(0, 0, false, false);
	ck_assert_int_eq(nb_virtio_balloon_get_stats(b, &st), -ENOTSUP);
	ck_assert_int_eq(nb_virtio_balloon_set_stats_interval(b, 1), -ENOTSUP);
	ck_assert_int_eq(nb_virtio_balloon_set_stats_interval(b, 0), 0);
	ck_assert_int_eq(activate(0, 2), 0);
	ck_assert_int_eq(loop.adds, 0);
}
END_TEST

START_TEST(test_stats_loop_fails)
{
	make(0, 1, false, false);
	loop.fail_add = -ENOMEM;
	ck_assert_int_eq(activate(1ULL << NB_VIRTIO_BALLOON_F_STATS_VQ, 3), -ENOMEM);
	/* The driver did not take the stats queue: no timer. */
	loop.fail_add = 0;
	reset();
	ck_assert_int_eq(activate(0, 2), 0);
	ck_assert_int_eq(loop.adds, 0);
}
END_TEST

START_TEST(test_reporting)
{
	uint64_t addr[3] = {DATA_GPA, DATA_GPA + 0x40000, DATA_GPA + 0x80800};
	uint32_t len[3] = {0x20000, 0x1000, 0x1000};
	uint16_t h;

	/* Stats offered but not taken by the driver: reporting is queue 2. */
	make(0, 1, false, true);
	ck_assert_int_eq(activate(1ULL << NB_VIRTIO_BALLOON_F_REPORTING, 3), 0);
	fill(DATA_GPA, 0x100000, 0x77);
	h = add_chain(2, 3, addr, len, true);
	notify(2);
	ck_assert_uint_eq(used_idx(2), 1);
	assert_used(2, 0, h);
	ck_assert_uint_eq(counters().reported_bytes, 0x21000);
	ck_assert_uint_eq(counters().released_bytes, 0x21000);
	ck_assert_uint_eq(counters().bad_ranges, 1);
	ck_assert(released_all(DATA_GPA, 0x20000, 0));
	ck_assert(all(DATA_GPA + 0x20000, 0x20000, 0x77));
	ck_assert(released_all(DATA_GPA + 0x40000, 0x1000, 0));
	ck_assert(all(DATA_GPA + 0x80000, 0x2000, 0x77));
	reset();

	/* With stats too, reporting is queue 3. */
	ck_assert_int_eq(
	    activate(1ULL << NB_VIRTIO_BALLOON_F_REPORTING | 1ULL << NB_VIRTIO_BALLOON_F_STATS_VQ,
		     4),
	    0);
	fill(DATA_GPA, 0x1000, 0x77);
	add_chain(3, 1, addr, len + 1, true);
	notify(3);
	ck_assert(released_all(DATA_GPA, 0x1000, 0));
	ck_assert_uint_eq(counters().reported_bytes, 0x22000);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("virtio_balloon");
	TCase *tc = tcase_create("balloon");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_device_shape);
	tcase_add_test(tc, test_new_errors);
	tcase_add_test(tc, test_inflate_releases);
	tcase_add_test(tc, test_inflate_private_file);
	tcase_add_test(tc, test_bad_requests);
	tcase_add_test(tc, test_config_and_target);
	tcase_add_test(tc, test_stats);
	tcase_add_test(tc, test_no_stats);
	tcase_add_test(tc, test_stats_loop_fails);
	tcase_add_test(tc, test_reporting);
	suite_add_tcase(s, tc);
	return nb_check_run(s);
}
