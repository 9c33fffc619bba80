// SPDX-License-Identifier: Apache-2.0
/*
 * Firecracker's PATCH /drives on a running block device: a new backing file
 * (requests in flight finish on the old one, the capacity changes, a
 * configuration change interrupt) and a new rate limiter. Both engines, as
 * test_virtio_blk.c.
 */
#include <dirent.h>

#include "tests/unit/blk_harness.h"

#define NEW_SIZE (3ULL << 20) /* the new file: 3 MiB of 'B' */

static char new_path[64];

/* A second temp file of NEW_SIZE bytes of @fill; its path in new_path. */
static void make_new_file(char fill)
{
	static char buf[NEW_SIZE];
	int fd;

	strcpy(new_path, "/tmp/nb-blk2-XXXXXX");
	fd = mkstemp(new_path);
	ck_assert_int_ge(fd, 0);
	memset(buf, fill, sizeof(buf));
	ck_assert_int_eq(write(fd, buf, sizeof(buf)), (ssize_t)sizeof(buf));
	close(fd);
}

static unsigned int open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	unsigned int n = 0;

	ck_assert_ptr_nonnull(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static uint64_t capacity(void)
{
	return rd(0x100) | (uint64_t)rd(0x104) << 32;
}

START_TEST(test_new_backing_file)
{
	char a[512], err[256] = "";
	uint32_t gen;
	unsigned int fds;

	async_engine = _i;
	memset(a, 'A', sizeof(a));
	ck_assert_int_eq(pwrite(file_fd, a, sizeof(a), 0), (ssize_t)sizeof(a));
	make_new_file('B');
	start_device(false, false, NULL);
	gen = rd(0xfc);
	ck_assert_uint_eq(capacity(), DISK_SECTORS);
	/* Sixteen reads of the old file in flight: they finish on it. */
	for (unsigned i = 0; i < 16; i++)
		add_req(i, NB_BLK_T_IN, 0, 512, true);
	kick();
	fds = open_fds();
	irq_count = 0;
	ck_assert_int_eq(nb_virtio_blk_update_path(&t, new_path, err, sizeof(err)), 0);
	ck_assert_str_eq(err, "");
	ck_assert_uint_eq(used_idx(), 16);
	for (unsigned i = 0; i < 16; i++) {
		ck_assert_uint_eq(status_of(i), NB_BLK_S_OK);
		ck_assert_mem_eq(data(i), a, 512);
	}
	/* The old file is closed, the new one open. */
	ck_assert_uint_eq(open_fds(), fds);
	/* The driver hears of the new capacity. */
	ck_assert_uint_eq(capacity(), NEW_SIZE / 512);
	ck_assert_uint_eq(nb_virtio_blk_state(blk)->capacity, NEW_SIZE / 512);
	ck_assert_uint_eq(rd(0xfc), gen + 1);
	ck_assert(rd(0x60) & NB_VIRTIO_INT_CONFIG);
	ck_assert_int_ge(irq_count, 1);
	ck_assert_uint_eq(stats().updates, 1);
	/* Reads and writes go to the new file, past the old end too. */
	add_req(16, NB_BLK_T_IN, DISK_SECTORS + 8, 512, true);
	memset(data(17), 'W', 512);
	add_req(17, NB_BLK_T_OUT, 1, 512, false);
	kick();
	wait_used(18);
	ck_assert_uint_eq(status_of(16), NB_BLK_S_OK);
	ck_assert_uint_eq(data(16)[0], 'B');
	ck_assert_uint_eq(data(16)[511], 'B');
	ck_assert_uint_eq(status_of(17), NB_BLK_S_OK);
	ck_assert_int_eq(pread(file_fd, a, 1, 512), 1);
	ck_assert_uint_ne(a[0], 'W'); /* not the old file */
	unlink(new_path);
}
END_TEST

/* A read-only drive stays read-only on its new file. */
START_TEST(test_new_file_read_only)
{
	char err[256] = "";

	async_engine = _i;
	make_new_file('C');
	start_device(true, false, NULL);
	ck_assert_int_eq(nb_virtio_blk_update_path(&t, new_path, err, sizeof(err)), 0);
	ck_assert(nb_virtio_blk_state(blk)->read_only);
	add_req(0, NB_BLK_T_OUT, 0, 512, false);
	add_req(1, NB_BLK_T_IN, 0, 512, true);
	kick();
	wait_used(2);
	ck_assert_uint_eq(status_of(0), NB_BLK_S_IOERR);
	ck_assert_uint_eq(status_of(1), NB_BLK_S_OK);
	ck_assert_uint_eq(data(1)[0], 'C');
	unlink(new_path);
}
END_TEST

START_TEST(test_new_file_errors)
{
	struct nb_virtio_mmio other = {0};
	char err[256] = "";

	async_engine = _i;
	start_device(false, false, NULL);
	irq_count = 0;
	ck_assert_int_eq(nb_virtio_blk_update_path(&t, "/nonexistent/x.img", err, sizeof(err)),
			 -ENOENT);
	ck_assert_str_eq(err,
			 "drives.path_on_host: open /nonexistent/x.img: No such file or directory");
	ck_assert_int_eq(nb_virtio_blk_update_path(&t, "/tmp", err, sizeof(err)), -EISDIR);
	ck_assert_str_eq(err, "drives.path_on_host: open /tmp: Is a directory");
	/* Nothing changed: the same capacity, no interrupt, the old file serves. */
	ck_assert_uint_eq(capacity(), DISK_SECTORS);
	ck_assert_int_eq(irq_count, 0);
	ck_assert_uint_eq(stats().updates, 0);
	add_req(0, NB_BLK_T_IN, 0, 512, true);
	kick();
	wait_used(1);
	ck_assert_uint_eq(status_of(0), NB_BLK_S_OK);
	/* Not a block device. */
	ck_assert_int_eq(nb_virtio_blk_update_path(&other, path, err, sizeof(err)), -ENODEV);
	ck_assert_str_eq(err, "drives: not a block device");
	ck_assert_int_eq(nb_virtio_blk_update_path(NULL, path, err, sizeof(err)), -ENODEV);
	ck_assert_int_eq(nb_virtio_blk_update_rate_limiter(&other, NULL, NULL), -ENODEV);
	ck_assert_ptr_null(nb_virtio_blk_from_transport(NULL));
	ck_assert_ptr_eq(nb_virtio_blk_from_transport(&t), blk);
}
END_TEST

/* A limiter that holds the queue for a minute, lifted by an update. */
START_TEST(test_rate_limiter_lifted)
{
	struct nb_token_bucket_params slow = {.size = 1, .refill_time_ms = 60000};
	struct nb_token_bucket_params off = {0};

	async_engine = _i;
	start_device(false, false, &slow);
	add_req(0, NB_BLK_T_IN, 0, 512, true);
	add_req(1, NB_BLK_T_IN, 1, 512, true);
	kick();
	loop_run(&loop, 50);
	ck_assert_uint_eq(used_idx(), 1); /* the second waits */
	ck_assert_int_eq(nb_virtio_blk_update_rate_limiter(&t, NULL, &off), 0);
	wait_used(2);
	ck_assert_uint_eq(status_of(1), NB_BLK_S_OK);
}
END_TEST

/* An unlimited drive gets a limiter: its timer is watched from then on. */
START_TEST(test_rate_limiter_added)
{
	struct nb_token_bucket_params ops = {.size = 1, .refill_time_ms = 100};
	int fds;

	async_engine = _i;
	start_device(false, false, NULL);
	fds = loop.nr_fds;
	ck_assert_int_eq(nb_virtio_blk_update_rate_limiter(&t, NULL, &ops), 0);
	ck_assert_int_eq(loop.nr_fds, fds + 1);
	for (unsigned i = 0; i < 3; i++)
		add_req(i, NB_BLK_T_IN, i, 512, true);
	kick();
	/* One token now, one per 100 ms after: the timer brings the rest. */
	wait_used(3);
	ck_assert_uint_ge(stats().rate_limited, 1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("virtio_blk_update");
	TCase *tc = tcase_create("update");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_new_backing_file, 0, 2);
	tcase_add_loop_test(tc, test_new_file_read_only, 0, 2);
	tcase_add_loop_test(tc, test_new_file_errors, 0, 2);
	tcase_add_loop_test(tc, test_rate_limiter_lifted, 0, 2);
	tcase_add_loop_test(tc, test_rate_limiter_added, 0, 2);
	suite_add_tcase(s, tc);
	return nb_check_run(s);
}
