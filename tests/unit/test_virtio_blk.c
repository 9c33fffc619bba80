// SPDX-License-Identifier: Apache-2.0
/*
 * The block device driven like a guest driver would: MMIO register writes on
 * a real transport, rings and buffers in synthetic guest memory, a small
 * epoll loop for the device's fds, and a real file. Every test runs with
 * both engines (loop index 0: sync, 1: async, which falls back to sync
 * where io_uring is missing, as under qemu-user).
 */
#include "tests/unit/blk_harness.h"

START_TEST(test_features_and_config)
{
	uint64_t f;
	uint8_t cfg[NB_VIRTIO_BLK_CONFIG_SIZE];

	async_engine = _i;
	start_device(false, false, NULL);
	f = device_features();
	ck_assert(f & 1ULL << NB_VIRTIO_F_VERSION_1);
	ck_assert(f & 1ULL << NB_VIRTIO_F_EVENT_IDX);
	ck_assert(f & 1ULL << NB_VIRTIO_F_INDIRECT_DESC);
	ck_assert(f & 1ULL << NB_VIRTIO_BLK_F_SEG_MAX);
	ck_assert(f & 1ULL << NB_VIRTIO_BLK_F_BLK_SIZE);
	/* Unsafe: no flush offered, as Firecracker; writable: no RO. */
	ck_assert(!(f & 1ULL << NB_VIRTIO_BLK_F_FLUSH));
	ck_assert(!(f & 1ULL << NB_VIRTIO_BLK_F_RO));
	/* The temp file's filesystem punches holes (ext4, tmpfs, xfs, btrfs). */
	ck_assert_int_eq(!!(f & 1ULL << NB_VIRTIO_BLK_F_DISCARD),
			 nb_virtio_blk_state(blk)->discard);
	ck_assert_int_eq(!!(f & 1ULL << NB_VIRTIO_BLK_F_WRITE_ZEROES),
			 nb_virtio_blk_state(blk)->discard);
	for (unsigned i = 0; i < sizeof(cfg); i++)
		cfg[i] = (uint8_t)rd(0x100 + i);
	ck_assert_uint_eq(nb_mmio_le_get(cfg, 8), DISK_SECTORS);
	ck_assert_uint_eq(nb_mmio_le_get(cfg + 12, 4), NB_VIRTQ_MAX_CHAIN - 2);
	ck_assert_uint_eq(nb_mmio_le_get(cfg + 20, 4), 512);
	if (nb_virtio_blk_state(blk)->discard) {
		ck_assert_uint_eq(nb_mmio_le_get(cfg + 36, 4), NB_BLK_MAX_DISCARD_SECTORS);
		ck_assert_uint_eq(nb_mmio_le_get(cfg + 40, 4), 1);
		ck_assert_uint_eq(nb_mmio_le_get(cfg + 52, 4), 1);
		ck_assert_uint_eq(cfg[56], 1);
	}
	/* The config space is read-only. */
	wr(0x100, 0);
	ck_assert_uint_eq(rd(0x100), DISK_SECTORS & 0xffffffff);
	ck_assert_int_eq(nb_virtio_blk_is_async(blk), async_engine && nb_virtio_blk_is_async(blk));
	ck_assert_int_eq(loop.nr_fds, nb_virtio_blk_is_async(blk) ? 1 : 0);
}
END_TEST

START_TEST(test_read_write)
{
	uint8_t buf[2048];
	uint32_t id, len;

	async_engine = _i;
	for (unsigned i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 7 + 1);
	ck_assert_int_eq(pwrite(file_fd, buf, sizeof(buf), 3 * 512), (ssize_t)sizeof(buf));
	start_device(false, false, NULL);

	uint16_t h = add_req(0, NB_BLK_T_IN, 3, 2048, true);
	kick();
	wait_used(1);
	used_elem(0, &id, &len);
	ck_assert_uint_eq(id, h);
	ck_assert_uint_eq(len, 2048 + 1);
	ck_assert_uint_eq(status_of(0), NB_BLK_S_OK);
	ck_assert_mem_eq(data(0), buf, sizeof(buf));

	/* A write of the last sector of the disk. */
	memset(data(1), 0x5a, 512);
	add_req(1, NB_BLK_T_OUT, DISK_SECTORS - 1, 512, false);
	kick();
	wait_used(2);
	used_elem(1, &id, &len);
	ck_assert_uint_eq(len, 1);
	ck_assert_uint_eq(status_of(1), NB_BLK_S_OK);
	ck_assert_int_eq(pread(file_fd, buf, 512, (DISK_SECTORS - 1) * 512), 512);
	ck_assert_mem_eq(buf, data(1), 512);

	struct nb_virtio_blk_stats s = stats();
	ck_assert_uint_eq(s.reads, 1);
	ck_assert_uint_eq(s.writes, 1);
	ck_assert_uint_eq(s.read_bytes, 2048);
	ck_assert_uint_eq(s.write_bytes, 512);
	ck_assert_uint_eq(s.bad_requests, 0);
	ck_assert_int_ge(irq_count, 2);
}
END_TEST

START_TEST(test_flush)
{
	uint64_t f;

	async_engine = _i;
	start_device(false, true, NULL);
	f = device_features();
	ck_assert(f & 1ULL << NB_VIRTIO_BLK_F_FLUSH);
	memset(data(0), 0x33, 4096);
	add_req(0, NB_BLK_T_OUT, 8, 4096, false);
	add_req(1, NB_BLK_T_FLUSH, 0, 0, false);
	kick();
	wait_used(2);
	ck_assert_uint_eq(status_of(0), NB_BLK_S_OK);
	ck_assert_uint_eq(status_of(1), NB_BLK_S_OK);
	ck_assert_uint_eq(stats().flushes, 1);
}
END_TEST

START_TEST(test_flush_unsafe)
{
	async_engine = _i;
	start_device(false, false, NULL);
	add_req(0, NB_BLK_T_FLUSH, 0, 0, false);
	kick();
	wait_used(1);
	ck_assert_uint_eq(status_of(0), NB_BLK_S_OK);
	ck_assert_uint_eq(stats().flushes, 1);
}
END_TEST

START_TEST(test_get_id)
{
	uint8_t want[NB_BLK_ID_BYTES] = "rootfs";
	uint32_t id, len;

	async_engine = _i;
	start_device(false, false, NULL);
	memset(data(0), 0xff, 64);
	add_req(0, NB_BLK_T_GET_ID, 0, NB_BLK_ID_BYTES, true);
	kick();
	wait_used(1);
	used_elem(0, &id, &len);
	ck_assert_uint_eq(len, NB_BLK_ID_BYTES + 1);
	ck_assert_uint_eq(status_of(0), NB_BLK_S_OK);
	ck_assert_mem_eq(data(0), want, sizeof(want));
	ck_assert_uint_eq(data(0)[NB_BLK_ID_BYTES], 0xff);
	ck_assert_uint_eq(stats().get_ids, 1);
}
END_TEST

START_TEST(test_read_only)
{
	uint8_t buf[512], zero[512] = {0};
	uint64_t f;

	async_engine = _i;
	start_device(true, true, NULL);
	f = device_features();
	ck_assert(f & 1ULL << NB_VIRTIO_BLK_F_RO);
	ck_assert(!(f & 1ULL << NB_VIRTIO_BLK_F_DISCARD));
	ck_assert(!(f & 1ULL << NB_VIRTIO_BLK_F_WRITE_ZEROES));
	memset(data(0), 0x77, 512);
	add_req(0, NB_BLK_T_OUT, 0, 512, false);
	add_req(1, NB_BLK_T_IN, 0, 512, true);
	add_req(2, NB_BLK_T_FLUSH, 0, 0, false);
	kick();
	wait_used(3);
	ck_assert_uint_eq(status_of(0), NB_BLK_S_IOERR);
	ck_assert_uint_eq(status_of(1), NB_BLK_S_OK);
	ck_assert_uint_eq(status_of(2), NB_BLK_S_OK);
	ck_assert_int_eq(pread(file_fd, buf, 512, 0), 512);
	ck_assert_mem_eq(buf, zero, 512);
	ck_assert_uint_eq(stats().bad_requests, 1);
	ck_assert_uint_eq(stats().writes, 0);
}
END_TEST

START_TEST(test_bad_requests)
{
	uint32_t id, len;

	async_engine = _i;
	start_device(false, false, NULL);
	/* Past the end: the partial last sector is unreachable. */
	add_req(0, NB_BLK_T_IN, DISK_SECTORS, 512, true);
	/* An unknown type. */
	add_req(1, 99, 0, 0, false);
	/* No status byte. */
	add_chain(1, &(struct buf){HDR_GPA(2), 16, false});
	/* A descriptor outside guest memory: the queue refuses the chain. */
	add_chain(2, (struct buf[]){{HDR_GPA(3), 16, false}, {RAM_GPA + RAM_SIZE, 1, true}});
	/* Writable data for a write. */
	add_req(4, NB_BLK_T_OUT, 0, 512, true);
	kick();
	wait_used(5);
	ck_assert_uint_eq(status_of(0), NB_BLK_S_IOERR);
	ck_assert_uint_eq(status_of(1), NB_BLK_S_UNSUPP);
	used_elem(2, &id, &len);
	ck_assert_uint_eq(len, 0);
	used_elem(3, &id, &len);
	ck_assert_uint_eq(len, 0);
	ck_assert_uint_eq(status_of(4), NB_BLK_S_IOERR);
	ck_assert_uint_eq(stats().bad_requests, 5);
	/* The device goes on. */
	add_req(5, NB_BLK_T_IN, 0, 512, true);
	kick();
	wait_used(6);
	ck_assert_uint_eq(status_of(5), NB_BLK_S_OK);
	ck_assert_uint_eq(rd(0x70) & NB_VIRTIO_STATUS_NEEDS_RESET, 0);
}
END_TEST

START_TEST(test_batch_one_interrupt)
{
	const unsigned n = 12;

	async_engine = _i;
	start_device(false, true, NULL);
	for (unsigned i = 0; i < n; i++) {
		memset(data(i), (int)i, 4096);
		if (i % 3 == 2)
			add_req(i, NB_BLK_T_FLUSH, 0, 0, false);
		else
			add_req(i, i % 3 ? NB_BLK_T_IN : NB_BLK_T_OUT, 8 * i, 4096, i % 3);
	}
	irq_count = 0;
	kick();
	if (nb_virtio_blk_is_async(blk)) {
		/* Let every completion arrive: one event reaps them all. */
		struct timespec ts = {0, 200 * 1000 * 1000};

		nanosleep(&ts, NULL);
	}
	wait_used(n);
	for (unsigned i = 0; i < n; i++)
		ck_assert_uint_eq(status_of(i), NB_BLK_S_OK);
	/*
	 * Sync: exactly one. Async: one per reaped batch; those done during
	 * the submit are reaped there, the rest by the one event.
	 */
	if (nb_virtio_blk_is_async(blk))
		ck_assert_int_le(irq_count, 2);
	else
		ck_assert_int_eq(irq_count, 1);
	ck_assert_int_ge(irq_count, 1);
}
END_TEST

START_TEST(test_discard_write_zeroes)
{
	uint8_t ones[8192], buf[8192], zero[8192] = {0};
	uint8_t seg[16];
	uint64_t sector;
	uint32_t num, flags;

	async_engine = _i;
	memset(ones, 0xa5, sizeof(ones));
	ck_assert_int_eq(pwrite(file_fd, ones, sizeof(ones), 0), (ssize_t)sizeof(ones));
	ck_assert_int_eq(pwrite(file_fd, ones, sizeof(ones), 65536), (ssize_t)sizeof(ones));
	start_device(false, false, NULL);
	if (!nb_virtio_blk_state(blk)->discard)
		return; /* a filesystem without PUNCH_HOLE */
	for (unsigned i = 0; i < 3; i++) {
		uint32_t type = i == 0 ? NB_BLK_T_DISCARD : NB_BLK_T_WRITE_ZEROES;

		sector = i == 0 ? 0 : 128;
		num = i == 0 ? 16 : 8;
		flags = i == 2 ? NB_BLK_WZ_F_UNMAP : 0;
		if (i == 2)
			sector = 136;
		memcpy(seg, &sector, 8);
		memcpy(seg + 8, &num, 4);
		memcpy(seg + 12, &flags, 4);
		ck_assert_int_eq(nb_mem_write(&mem, DATA_GPA(i), seg, 16), 0);
		add_req(i, type, 0, 16, false);
	}
	kick();
	wait_used(3);
	for (unsigned i = 0; i < 3; i++)
		ck_assert_uint_eq(status_of(i), NB_BLK_S_OK);
	ck_assert_int_eq(pread(file_fd, buf, sizeof(buf), 0), (ssize_t)sizeof(buf));
	ck_assert_mem_eq(buf, zero, sizeof(buf));
	ck_assert_int_eq(pread(file_fd, buf, sizeof(buf), 65536), (ssize_t)sizeof(buf));
	ck_assert_mem_eq(buf, zero, sizeof(buf));
	/* Neighbours untouched, size kept. */
	ck_assert_int_eq(pread(file_fd, buf, 512, 65536 + 8192), 512);
	ck_assert_uint_eq(buf[0], 0);
	ck_assert_int_eq(lseek(file_fd, 0, SEEK_END), (off_t)DISK_SIZE);
	ck_assert_uint_eq(stats().discards, 1);
	ck_assert_uint_eq(stats().write_zeroes, 2);
	/* Unmap is not a discard flag. */
	flags = NB_BLK_WZ_F_UNMAP;
	memcpy(seg + 12, &flags, 4);
	ck_assert_int_eq(nb_mem_write(&mem, DATA_GPA(3), seg, 16), 0);
	add_req(3, NB_BLK_T_DISCARD, 0, 16, false);
	kick();
	wait_used(4);
	ck_assert_uint_eq(status_of(3), NB_BLK_S_UNSUPP);
}
END_TEST

START_TEST(test_reset_with_requests_in_flight)
{
	uint16_t before;

	async_engine = _i;
	start_device(false, false, NULL);
	for (unsigned i = 0; i < 16; i++)
		add_req(i, i % 2 ? NB_BLK_T_IN : NB_BLK_T_OUT, 8 * i, 0x10000, i % 2);
	kick();
	wr(0x70, 0); /* reset: waits for what is in flight */
	ck_assert_uint_eq(rd(0x70), 0);
	ck_assert_int_eq(loop.nr_fds, 0);
	before = used_idx();
	ck_assert_uint_le(before, 16);
	loop_run(&loop, 50);
	ck_assert_uint_eq(used_idx(), before);
	/* And the device works again after a new setup. */
	avail_idx = 0;
	next_desc = 0;
	memset(nb_mem_ptr(&mem, AVAIL_GPA, 0x2000), 0, 0x2000); /* avail and used rings */
	nb_virtio_mmio_destroy(&t);
	nb_virtio_blk_free(blk);
	blk = NULL;
	start_device(false, false, NULL);
	add_req(0, NB_BLK_T_IN, 0, 512, true);
	kick();
	wait_used(1);
	ck_assert_uint_eq(status_of(0), NB_BLK_S_OK);
}
END_TEST

START_TEST(test_rate_limited)
{
	struct nb_token_bucket_params ops = {.size = 1, .refill_time_ms = 100};

	async_engine = _i;
	start_device(false, false, &ops);
	add_req(0, NB_BLK_T_IN, 0, 512, true);
	add_req(1, NB_BLK_T_IN, 1, 512, true);
	kick();
	/* The second waits for the timer, still in the avail ring. */
	if (!nb_virtio_blk_is_async(blk))
		ck_assert_uint_eq(used_idx(), 1);
	wait_used(2);
	ck_assert_uint_eq(status_of(0), NB_BLK_S_OK);
	ck_assert_uint_eq(status_of(1), NB_BLK_S_OK);
	ck_assert_uint_ge(stats().rate_limited, 1);
}
END_TEST

START_TEST(test_new_errors)
{
	struct nb_blk_params p = {.drive_id = "rootfs", .path = "/nonexistent/x.img"};
	struct nb_virtio_blk *b = (void *)1;
	char err[256];

	ck_assert_int_eq(nb_virtio_blk_new(&b, &p, &ev, err, sizeof(err)), -ENOENT);
	ck_assert_ptr_null(b);
	ck_assert_str_eq(err, "drive rootfs: open /nonexistent/x.img: No such file or directory");
	/* The async engine needs an event loop. */
	p.path = path;
	p.async = true;
	ck_assert_int_eq(nb_virtio_blk_new(&b, &p, NULL, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_null(b);
	ck_assert_ptr_nonnull(strstr(err, "drive rootfs: "));
	/* A long id is cut to 20 bytes for GET_ID. */
	p.drive_id = "a-very-long-drive-identifier";
	p.async = false;
	ck_assert_int_eq(nb_virtio_blk_new(&b, &p, &ev, err, sizeof(err)), 0);
	ck_assert_mem_eq(nb_virtio_blk_state(b)->id, "a-very-long-drive-id", NB_BLK_ID_BYTES);
	nb_virtio_blk_free(b);
	nb_virtio_blk_free(NULL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("virtio_blk");
	TCase *tc = tcase_create("device");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_features_and_config, 0, 2);
	tcase_add_loop_test(tc, test_read_write, 0, 2);
	tcase_add_loop_test(tc, test_flush, 0, 2);
	tcase_add_loop_test(tc, test_flush_unsafe, 0, 2);
	tcase_add_loop_test(tc, test_get_id, 0, 2);
	tcase_add_loop_test(tc, test_read_only, 0, 2);
	tcase_add_loop_test(tc, test_bad_requests, 0, 2);
	tcase_add_loop_test(tc, test_batch_one_interrupt, 0, 2);
	tcase_add_loop_test(tc, test_discard_write_zeroes, 0, 2);
	tcase_add_loop_test(tc, test_reset_with_requests_in_flight, 0, 2);
	tcase_add_loop_test(tc, test_rate_limited, 0, 2);
	tcase_add_test(tc, test_new_errors);
	suite_add_tcase(s, tc);
	return nb_check_run(s);
}
