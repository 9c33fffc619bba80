// SPDX-License-Identifier: Apache-2.0
/*
 * The block device driven like a guest driver would: MMIO register writes on
 * a real transport, rings and buffers in synthetic guest memory, a small
 * epoll loop for the device's fds, and a real file. Every test runs with
 * both engines (loop index 0: sync, 1: async, which falls back to sync
 * where io_uring is missing, as under qemu-user).
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "devices/virtio_blk.h"
#include "tests/unit/check_run.h"
#include "tests/unit/epoll_loop.h"

#define RAM_GPA 0x40000000ULL
#define RAM_SIZE (8ULL << 20)
#define QSIZE 64
#define DESC_GPA (RAM_GPA + 0x1000)
#define AVAIL_GPA (RAM_GPA + 0x2000)
#define USED_GPA (RAM_GPA + 0x3000)
#define HDR_GPA(i) (RAM_GPA + 0x10000 + 32ULL * (i))
#define STATUS_GPA(i) (RAM_GPA + 0x18000 + (i))
#define DATA_GPA(i) (RAM_GPA + 0x100000 + 0x10000ULL * (i))
#define DISK_SIZE ((1ULL << 20) + 100) /* a partial last sector */
#define DISK_SECTORS ((1ULL << 20) / 512)

static int irq_count;

static int count_trigger(void *opaque, uint32_t spi)
{
	(void)opaque;
	(void)spi;
	irq_count++;
	return 0;
}

static struct nb_guest_mem mem;
static struct test_loop loop;
static struct nb_event_ops ev;
static struct nb_virtio_mmio t;
static struct nb_virtio_blk *blk;
static struct nb_virtio_device dev;
static char path[64];
static int file_fd;
static uint16_t avail_idx, next_desc;
static bool async_engine;

static void setup(void)
{
	nb_mem_init(&mem);
	ck_assert_int_eq(nb_mem_add_ram(&mem, RAM_GPA, RAM_SIZE, false), 0);
	ck_assert_int_eq(test_loop_init(&loop), 0);
	ev = test_loop_ops(&loop);
	strcpy(path, "/tmp/nb-blk-XXXXXX");
	file_fd = mkstemp(path);
	ck_assert_int_ge(file_fd, 0);
	ck_assert_int_eq(ftruncate(file_fd, DISK_SIZE), 0);
	irq_count = 0;
	avail_idx = 0;
	next_desc = 0;
	blk = NULL;
}

static void teardown(void)
{
	if (blk) {
		nb_virtio_mmio_destroy(&t);
		nb_virtio_blk_free(blk);
	}
	ck_assert_int_eq(loop.nr_fds, 0);
	close(loop.epfd);
	close(file_fd);
	unlink(path);
	nb_mem_destroy(&mem);
}

static uint32_t rd(uint64_t off)
{
	uint8_t b[4];

	nb_virtio_mmio_ops.read(&t, off, b, 4);
	return (uint32_t)nb_mmio_le_get(b, 4);
}

static void wr(uint64_t off, uint32_t v)
{
	uint8_t b[4];

	nb_mmio_le_put(b, 4, v);
	nb_virtio_mmio_ops.write(&t, off, b, 4);
}

static uint64_t device_features(void)
{
	wr(0x14, 0);
	uint64_t f = rd(0x10);

	wr(0x14, 1);
	return f | (uint64_t)rd(0x10) << 32;
}

/* A device on the temp file, set up like Linux does, features minus EVENT_IDX. */
static void start_device(bool ro, bool writeback, const struct nb_token_bucket_params *ops)
{
	struct nb_blk_params p = {.drive_id = "rootfs",
				  .path = path,
				  .read_only = ro,
				  .writeback = writeback,
				  .async = async_engine,
				  .ops = ops};
	struct nb_irq irq = {.trigger = count_trigger, .spi = 40};
	char err[256] = "";
	uint64_t f;

	struct nb_event_ops tmp = ev;

	/* The ops may be a temporary (the device copies them). */
	ck_assert_int_eq(nb_virtio_blk_new(&blk, &p, &tmp, err, sizeof(err)), 0);
	memset(&tmp, 0, sizeof(tmp));
	ck_assert_str_eq(err, "");
	dev = nb_virtio_blk_device(blk);
	ck_assert_int_eq(nb_virtio_mmio_init(&t, &dev, &mem, irq), 0);
	ck_assert_uint_eq(rd(0x008), NB_VIRTIO_ID_BLOCK);
	wr(0x70, 0);
	wr(0x70, NB_VIRTIO_STATUS_ACKNOWLEDGE | NB_VIRTIO_STATUS_DRIVER);
	f = device_features() & ~(1ULL << NB_VIRTIO_F_EVENT_IDX);
	wr(0x24, 0);
	wr(0x20, (uint32_t)f);
	wr(0x24, 1);
	wr(0x20, (uint32_t)(f >> 32));
	wr(0x70,
	   NB_VIRTIO_STATUS_ACKNOWLEDGE | NB_VIRTIO_STATUS_DRIVER | NB_VIRTIO_STATUS_FEATURES_OK);
	ck_assert(rd(0x70) & NB_VIRTIO_STATUS_FEATURES_OK);
	wr(0x30, 0);
	ck_assert_uint_eq(rd(0x34), NB_VIRTIO_BLK_QUEUE_SIZE);
	wr(0x38, QSIZE);
	wr(0x80, (uint32_t)DESC_GPA);
	wr(0x84, 0);
	wr(0x90, (uint32_t)AVAIL_GPA);
	wr(0x94, 0);
	wr(0xa0, (uint32_t)USED_GPA);
	wr(0xa4, 0);
	wr(0x44, 1);
	wr(0x70, rd(0x70) | NB_VIRTIO_STATUS_DRIVER_OK);
	ck_assert_uint_eq(rd(0x70) & NB_VIRTIO_STATUS_NEEDS_RESET, 0);
	ck_assert(rd(0x70) & NB_VIRTIO_STATUS_DRIVER_OK);
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

struct buf {
	uint64_t gpa;
	uint32_t len;
	bool write;
};

/* Makes a chain available (no notification); returns its head. */
static uint16_t add_chain(unsigned n, const struct buf *b)
{
	uint16_t head = next_desc;

	for (unsigned i = 0; i < n; i++) {
		uint16_t idx = (uint16_t)((next_desc + i) % QSIZE);
		uint16_t flags = (b[i].write ? NB_VIRTQ_DESC_F_WRITE : 0) |
				 (i + 1 < n ? NB_VIRTQ_DESC_F_NEXT : 0);

		put_desc(idx, b[i].gpa, b[i].len, flags, (uint16_t)((idx + 1) % QSIZE));
	}
	next_desc = (uint16_t)((next_desc + n) % QSIZE);
	ck_assert_int_eq(nb_mem_write(&mem, AVAIL_GPA + 4 + 2ULL * (avail_idx % QSIZE), &head, 2),
			 0);
	avail_idx++;
	ck_assert_int_eq(nb_mem_write(&mem, AVAIL_GPA + 2, &avail_idx, 2), 0);
	return head;
}

/* Request @i: header, @len bytes of data at DATA_GPA(i) (if any), status. */
static uint16_t add_req(unsigned i, uint32_t type, uint64_t sector, uint32_t len, bool data_write)
{
	uint8_t hdr[16] = {0}, st = 0xff;
	struct buf b[3] = {{HDR_GPA(i), 16, false}};
	unsigned n = 1;

	memcpy(hdr, &type, 4);
	memcpy(hdr + 8, &sector, 8);
	ck_assert_int_eq(nb_mem_write(&mem, HDR_GPA(i), hdr, 16), 0);
	ck_assert_int_eq(nb_mem_write(&mem, STATUS_GPA(i), &st, 1), 0);
	if (len)
		b[n++] = (struct buf){DATA_GPA(i), len, data_write};
	b[n++] = (struct buf){STATUS_GPA(i), 1, true};
	return add_chain(n, b);
}

static void kick(void)
{
	wr(NB_VIRTIO_MMIO_QUEUE_NOTIFY, 0);
}

static uint16_t used_idx(void)
{
	uint16_t v;

	ck_assert_int_eq(nb_mem_read(&mem, USED_GPA + 2, &v, 2), 0);
	return v;
}

/* Runs the loop until @n entries are used (5 s at most). */
static void wait_used(uint16_t n)
{
	for (int i = 0; i < 500 && used_idx() != n; i++)
		loop_run(&loop, 10);
	ck_assert_uint_eq(used_idx(), n);
}

static void used_elem(uint16_t k, uint32_t *id, uint32_t *len)
{
	ck_assert_int_eq(nb_mem_read(&mem, USED_GPA + 4 + 8ULL * (k % QSIZE), id, 4), 0);
	ck_assert_int_eq(nb_mem_read(&mem, USED_GPA + 8 + 8ULL * (k % QSIZE), len, 4), 0);
}

static uint8_t status_of(unsigned i)
{
	uint8_t s;

	ck_assert_int_eq(nb_mem_read(&mem, STATUS_GPA(i), &s, 1), 0);
	return s;
}

static uint8_t *data(unsigned i)
{
	return nb_mem_ptr(&mem, DATA_GPA(i), 0x10000);
}

static struct nb_virtio_blk_stats stats(void)
{
	struct nb_virtio_blk_stats s;

	nb_virtio_blk_get_stats(blk, &s);
	return s;
}

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
