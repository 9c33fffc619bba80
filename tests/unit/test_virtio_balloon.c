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

#include "tests/unit/balloon_harness.h"

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
