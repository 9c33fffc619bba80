// SPDX-License-Identifier: Apache-2.0
/*
 * virtio-balloon free page hinting through a real transport and memfd
 * guest memory: the device's shape, the REST API's start, stop and status,
 * the guest's command ids and hinted ranges (released only under the
 * current run, stale and malformed ones counted and given back), the
 * acknowledgement on STOP, run ids that skip STOP and DONE, reset and a
 * snapshot's state.
 */
#include "tests/unit/balloon_harness.h"
#include "tests/unit/check_run.h"
#include "vmm/metrics_dev.h"

#define HINT (1ULL << NB_VIRTIO_BALLOON_F_FREE_PAGE_HINT)
#define STATS (1ULL << NB_VIRTIO_BALLOON_F_STATS_VQ)
#define REPORT (1ULL << NB_VIRTIO_BALLOON_F_REPORTING)
#define QH 2 /* the hinting queue without stats */

static void make_hint(uint32_t stats_s, bool reporting)
{
	struct nb_balloon_params p = {.stats_polling_interval_s = stats_s,
				      .free_page_hinting = true,
				      .free_page_reporting = reporting,
				      .mem_size_mib = RAM_MIB};

	make_params(&p);
}

static struct nb_balloon_hint_status status(void)
{
	struct nb_balloon_hint_status s;

	ck_assert_int_eq(nb_virtio_balloon_hint_status(b, &s), 0);
	return s;
}

/* The guest echoes (or sends) command id @cmd on queue @q. */
static void send_cmd(unsigned q, uint32_t cmd)
{
	uint8_t le[4] = {(uint8_t)cmd, (uint8_t)(cmd >> 8), (uint8_t)(cmd >> 16),
			 (uint8_t)(cmd >> 24)};

	add_data(q, le, 4);
	notify((uint16_t)q);
}

/* The guest hints [@gpa, +@len) on queue @q as Linux does (device-writable). */
static void send_range(unsigned q, uint64_t gpa, uint32_t len)
{
	add_chain(q, 1, &gpa, &len, true);
	notify((uint16_t)q);
}

/* The "balloon" metric group's field @name, from the device's counters. */
static uint64_t metric(const char *name)
{
	struct nb_virtio_balloon_counters c = counters();
	uint64_t v[NB_METRICS_BALLOON_NR];

	nb_metrics_balloon_values(&c, v);
	for (size_t i = 0; i < NB_METRICS_BALLOON_NR; i++)
		if (!strcmp(nb_metrics_balloon_names[i], name))
			return v[i];
	ck_abort_msg("no balloon metric %s", name);
	return 0;
}

static uint32_t config_irqs(void)
{
	return t.s.interrupt_status & NB_VIRTIO_INT_CONFIG;
}

START_TEST(test_shape)
{
	struct nb_balloon_params p;

	make_hint(0, false);
	ck_assert_uint_eq(dev.nr_queues, 3);
	ck_assert_uint_eq(dev.config_size, NB_VIRTIO_BALLOON_HINT_CONFIG_SIZE);
	ck_assert(dev.features & HINT);
	nb_virtio_balloon_get_config(b, &p);
	ck_assert(p.free_page_hinting && !p.free_page_reporting);
	/* free_page_hint_cmd_id starts at STOP; nothing sent by the guest. */
	ck_assert_uint_eq(config32(8), NB_BALLOON_HINT_CMD_STOP);
	ck_assert_uint_eq(status().host_cmd, 0);
	ck_assert(!status().has_guest_cmd);
	nb_virtio_mmio_destroy(&t);
	nb_virtio_balloon_free(b);

	make_hint(1, true);
	ck_assert_uint_eq(dev.nr_queues, 5);
	nb_virtio_mmio_destroy(&t);
	nb_virtio_balloon_free(b);

	/* Without hinting: 8 bytes of config, and the API is refused. */
	make(0, 0, false, false);
	ck_assert_uint_eq(dev.config_size, NB_VIRTIO_BALLOON_CONFIG_SIZE);
	ck_assert(!(dev.features & HINT));
	ck_assert_int_eq(nb_virtio_balloon_hint_start(b, true), -ENOTSUP);
	ck_assert_int_eq(nb_virtio_balloon_hint_stop(b), -ENOTSUP);
	{
		struct nb_balloon_hint_status s;

		ck_assert_int_eq(nb_virtio_balloon_hint_status(b, &s), -ENOTSUP);
	}
}
END_TEST

START_TEST(test_needs_driver)
{
	make_hint(0, false);
	ck_assert_int_eq(nb_virtio_balloon_hint_start(b, true), -EAGAIN);
	ck_assert_int_eq(nb_virtio_balloon_hint_stop(b), -EAGAIN);
	ck_assert_uint_eq(status().host_cmd, 0);
	ck_assert_int_eq(activate(HINT, 3), 0);
	ck_assert_int_eq(nb_virtio_balloon_hint_start(b, true), 0);
	reset();
	/* A reset driver: no run, and a new one must start first. */
	ck_assert_uint_eq(config32(8), NB_BALLOON_HINT_CMD_STOP);
	ck_assert(!status().has_guest_cmd);
	ck_assert_int_eq(nb_virtio_balloon_hint_start(b, true), -EAGAIN);
}
END_TEST

START_TEST(test_run_acknowledged)
{
	make_hint(0, false);
	ck_assert_int_eq(activate(HINT, 3), 0);
	fill(DATA_GPA, 0x100000, 0x77);

	ck_assert_int_eq(nb_virtio_balloon_hint_start(b, true), 0);
	ck_assert_uint_eq(config32(8), 2); /* the first run's id */
	ck_assert(config_irqs());
	t.s.interrupt_status = 0;

	send_cmd(QH, 2);
	ck_assert_uint_eq(status().guest_cmd, 2);
	ck_assert(status().has_guest_cmd);
	send_range(QH, DATA_GPA, 0x40000);
	send_range(QH, DATA_GPA + 0x80000, 0x1000);
	send_range(QH, DATA_GPA + 0xc0800, 0x1000); /* not page aligned */
	ck_assert_uint_eq(used_idx(QH), 4);
	ck_assert_uint_eq(counters().hinted_bytes, 0x41000);
	ck_assert_uint_eq(counters().released_bytes, 0x41000);
	ck_assert_uint_eq(counters().bad_ranges, 1);
	ck_assert_uint_eq(counters().hint_cmds, 1);
	ck_assert(released_all(DATA_GPA, 0x40000, 0));
	ck_assert(all(DATA_GPA + 0x40000, 0x40000, 0x77));
	ck_assert(released_all(DATA_GPA + 0x80000, 0x1000, 0));
	ck_assert(all(DATA_GPA + 0xc0000, 0x2000, 0x77));
	ck_assert(!config_irqs());

	/* STOP of this run: DONE at once, the guest told. */
	send_cmd(QH, NB_BALLOON_HINT_CMD_STOP);
	ck_assert_uint_eq(config32(8), NB_BALLOON_HINT_CMD_DONE);
	ck_assert(config_irqs());
	ck_assert_uint_eq(status().host_cmd, 1);
	ck_assert_uint_eq(status().guest_cmd, 0);

	/* A hint after DONE (in flight) is given back untouched. */
	send_range(QH, DATA_GPA + 0xc0000, 0x1000);
	ck_assert_uint_eq(counters().stale_hints, 1);
	ck_assert(all(DATA_GPA + 0xc0000, 0x1000, 0x77));
	ck_assert_uint_eq(used_idx(QH), 6);

	/* The metrics' names for the hinting counters. */
	ck_assert_uint_eq(metric("free_page_hint_freed"), 0x41000);
	ck_assert_uint_eq(metric("free_page_hint_stale"), 1);
	ck_assert_uint_eq(metric("free_page_hint_cmd_count"), 2);
	ck_assert_uint_eq(metric("released_bytes"), 0x41000);
	ck_assert_uint_eq(metric("event_fails"), 0);
}
END_TEST

START_TEST(test_run_stopped_by_host)
{
	make_hint(0, false);
	ck_assert_int_eq(activate(HINT, 3), 0);
	fill(DATA_GPA, 0x100000, 0x77);
	ck_assert_int_eq(nb_virtio_balloon_hint_start(b, false), 0);
	send_cmd(QH, 2);
	send_cmd(QH, NB_BALLOON_HINT_CMD_STOP);
	/* No acknowledgement: the run's id stays until the host stops it. */
	ck_assert_uint_eq(config32(8), 2);
	ck_assert_uint_eq(status().guest_cmd, 0);
	/* After the guest's STOP, its hints are no longer the run's. */
	send_range(QH, DATA_GPA, 0x1000);
	ck_assert_uint_eq(counters().stale_hints, 1);
	ck_assert(all(DATA_GPA, 0x1000, 0x77));
	t.s.interrupt_status = 0;
	ck_assert_int_eq(nb_virtio_balloon_hint_stop(b), 0);
	ck_assert_uint_eq(config32(8), NB_BALLOON_HINT_CMD_DONE);
	ck_assert(config_irqs());

	/* The next run is 3; hints under the old id are stale. */
	ck_assert_int_eq(nb_virtio_balloon_hint_start(b, true), 0);
	ck_assert_uint_eq(status().host_cmd, 3);
	send_cmd(QH, 2);
	send_range(QH, DATA_GPA, 0x1000);
	ck_assert_uint_eq(counters().stale_hints, 2);
	ck_assert(all(DATA_GPA, 0x1000, 0x77));
	/* STOP of an old run acknowledges nothing. */
	send_cmd(QH, NB_BALLOON_HINT_CMD_STOP);
	ck_assert_uint_eq(status().host_cmd, 3);
	/* The echo of run 3, then its hints count, in one chain too. */
	{
		uint32_t cmd = 3;
		uint64_t at = BUF_GPA + 0x8000, addr[2] = {at, DATA_GPA + 0x2000};
		uint32_t len[2] = {4, 0x2000};

		ck_assert_int_eq(nb_mem_write(&mem, at, &cmd, 4), 0);
		add_chain(QH, 2, addr, len, false);
		notify(QH);
	}
	ck_assert_uint_eq(status().guest_cmd, 3);
	ck_assert_uint_eq(counters().hinted_bytes, 0x2000);
	ck_assert(released_all(DATA_GPA + 0x2000, 0x2000, 0));
	/* A guest that sends DONE itself ends nothing either. */
	send_cmd(QH, NB_BALLOON_HINT_CMD_DONE);
	ck_assert_uint_eq(status().host_cmd, 3);
	ck_assert_uint_eq(status().guest_cmd, 1);
}
END_TEST

START_TEST(test_bad_buffers)
{
	uint64_t addr[2] = {BUF_GPA + 0x9000, BUF_GPA + 0xa000};
	uint32_t len[2] = {8, 4};

	make_hint(0, false);
	ck_assert_int_eq(activate(HINT, 3), 0);
	ck_assert_int_eq(nb_virtio_balloon_hint_start(b, true), 0);
	/* A range before any echo is no run's. */
	send_range(QH, DATA_GPA, 0x1000);
	ck_assert_uint_eq(counters().stale_hints, 1);
	/* 8 readable bytes: neither an id nor a page range. */
	add_chain(QH, 1, addr, len, false);
	notify(QH);
	/* A writable 4-byte buffer is not an id (and no page range). */
	add_chain(QH, 1, addr + 1, len + 1, true);
	notify(QH);
	/* An empty buffer. */
	len[0] = 0;
	add_chain(QH, 1, addr, len, true);
	notify(QH);
	ck_assert_uint_eq(counters().bad_ranges, 3);
	ck_assert_uint_eq(counters().hint_cmds, 0);
	ck_assert(!status().has_guest_cmd);
	ck_assert_uint_eq(used_idx(QH), 4);
	/* A buffer outside guest RAM fails the chain, which is still given back. */
	addr[0] = RAM_GPA + RAM_SIZE;
	len[0] = 0x1000;
	add_chain(QH, 1, addr, len, true);
	notify(QH);
	ck_assert_uint_eq(counters().bad_requests, 1);
	ck_assert_uint_eq(used_idx(QH), 5);
}
END_TEST

START_TEST(test_queue_order)
{
	/* Stats, hinting, reporting: the hinting queue is 3, reporting 4. */
	make_hint(1, true);
	ck_assert_int_eq(activate(STATS | HINT | REPORT, 5), 0);
	fill(DATA_GPA, 0x10000, 0x77);
	ck_assert_int_eq(nb_virtio_balloon_hint_start(b, true), 0);
	send_cmd(3, 2);
	send_range(3, DATA_GPA, 0x1000);
	ck_assert_uint_eq(counters().hinted_bytes, 0x1000);
	send_range(4, DATA_GPA + 0x1000, 0x1000);
	ck_assert_uint_eq(counters().reported_bytes, 0x1000);
	ck_assert_uint_eq(counters().hinted_bytes, 0x1000);
	ck_assert(released_all(DATA_GPA, 0x2000, 0));
	reset();
	/* Hinting not taken by the driver: reporting moves to 2. */
	ck_assert_int_eq(activate(REPORT, 3), 0);
	send_range(2, DATA_GPA + 0x2000, 0x1000);
	ck_assert_uint_eq(counters().reported_bytes, 0x2000);
	ck_assert_int_eq(nb_virtio_balloon_hint_start(b, true), 0);
	ck_assert_uint_eq(status().host_cmd, 3);
}
END_TEST

START_TEST(test_state)
{
	struct nb_virtio_balloon_state s;

	make_hint(0, false);
	/* Restored before the driver runs: the run ends (DONE), ids go on. */
	nb_virtio_balloon_get_state(b, &s);
	s.num_pages = 512;
	s.actual = 300;
	s.hint_host_cmd = 7;
	s.hint_guest_cmd = 7;
	s.hint_guest_sent = true;
	s.hint_last_run = UINT32_MAX;
	s.hint_ack_on_stop = false;
	nb_virtio_balloon_set_state(b, &s);
	nb_virtio_balloon_get_state(b, &s);
	ck_assert_uint_eq(s.num_pages, 512);
	ck_assert_uint_eq(s.actual, 300);
	ck_assert_uint_eq(s.hint_host_cmd, NB_BALLOON_HINT_CMD_DONE);
	ck_assert_uint_eq(status().guest_cmd, 7);
	/* A target above guest RAM (a bad file) is cut to RAM. */
	s.num_pages = UINT32_MAX;
	nb_virtio_balloon_set_state(b, &s);
	nb_virtio_balloon_get_state(b, &s);
	ck_assert_uint_eq(s.num_pages, RAM_MIB * NB_BALLOON_PAGES_PER_MIB);

	/* With a running driver: told by a config interrupt. */
	ck_assert_int_eq(activate(HINT, 3), 0);
	t.s.interrupt_status = 0;
	s.hint_host_cmd = 9;
	nb_virtio_balloon_set_state(b, &s);
	ck_assert(config_irqs());
	ck_assert_uint_eq(config32(8), NB_BALLOON_HINT_CMD_DONE);
	/* After UINT32_MAX the next run's id skips STOP and DONE. */
	ck_assert_int_eq(nb_virtio_balloon_hint_start(b, true), 0);
	ck_assert_uint_eq(config32(8), 2);
	nb_virtio_mmio_destroy(&t);
	nb_virtio_balloon_free(b);

	/* A device without hinting keeps STOP whatever the file says. */
	make(0, 0, false, false);
	s.hint_host_cmd = 5;
	nb_virtio_balloon_set_state(b, &s);
	nb_virtio_balloon_get_state(b, &s);
	ck_assert_uint_eq(s.hint_host_cmd, NB_BALLOON_HINT_CMD_STOP);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("balloon_hint");
	TCase *tc = tcase_create("hint");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_shape);
	tcase_add_test(tc, test_needs_driver);
	tcase_add_test(tc, test_run_acknowledged);
	tcase_add_test(tc, test_run_stopped_by_host);
	tcase_add_test(tc, test_bad_buffers);
	tcase_add_test(tc, test_queue_order);
	tcase_add_test(tc, test_state);
	suite_add_tcase(s, tc);
	return nb_check_run(s);
}
