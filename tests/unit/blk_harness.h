/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The block device tests' harness: a real transport driven like a guest
 * driver, rings and buffers in synthetic guest memory, a small epoll loop
 * and a temp file as the disk. One test file includes it.
 */
#ifndef NB_TESTS_UNIT_BLK_HARNESS_H
#define NB_TESTS_UNIT_BLK_HARNESS_H

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
#include "tests/unit/irq_count.h"

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

static inline void setup(void)
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

static inline void teardown(void)
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

static inline uint32_t rd(uint64_t off)
{
	uint8_t b[4];

	nb_virtio_mmio_ops.read(&t, off, b, 4);
	return (uint32_t)nb_mmio_le_get(b, 4);
}

static inline void wr(uint64_t off, uint32_t v)
{
	uint8_t b[4];

	nb_mmio_le_put(b, 4, v);
	nb_virtio_mmio_ops.write(&t, off, b, 4);
}

static inline uint64_t device_features(void)
{
	wr(0x14, 0);
	uint64_t f = rd(0x10);

	wr(0x14, 1);
	return f | (uint64_t)rd(0x10) << 32;
}

/* A device on the temp file, set up like Linux does, features minus EVENT_IDX. */
static inline void start_device(bool ro, bool writeback, const struct nb_token_bucket_params *ops)
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

static inline void put_desc(uint16_t i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
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
static inline uint16_t add_chain(unsigned n, const struct buf *b)
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
static inline uint16_t add_req(unsigned i, uint32_t type, uint64_t sector, uint32_t len,
			       bool data_write)
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

static inline void kick(void)
{
	wr(NB_VIRTIO_MMIO_QUEUE_NOTIFY, 0);
}

static inline uint16_t used_idx(void)
{
	uint16_t v;

	ck_assert_int_eq(nb_mem_read(&mem, USED_GPA + 2, &v, 2), 0);
	return v;
}

/* Runs the loop until @n entries are used (5 s at most). */
static inline void wait_used(uint16_t n)
{
	for (int i = 0; i < 500 && used_idx() != n; i++)
		loop_run(&loop, 10);
	ck_assert_uint_eq(used_idx(), n);
}

static inline void used_elem(uint16_t k, uint32_t *id, uint32_t *len)
{
	ck_assert_int_eq(nb_mem_read(&mem, USED_GPA + 4 + 8ULL * (k % QSIZE), id, 4), 0);
	ck_assert_int_eq(nb_mem_read(&mem, USED_GPA + 8 + 8ULL * (k % QSIZE), len, 4), 0);
}

static inline uint8_t status_of(unsigned i)
{
	uint8_t s;

	ck_assert_int_eq(nb_mem_read(&mem, STATUS_GPA(i), &s, 1), 0);
	return s;
}

static inline uint8_t *data(unsigned i)
{
	return nb_mem_ptr(&mem, DATA_GPA(i), 0x10000);
}

static inline struct nb_virtio_blk_stats stats(void)
{
	struct nb_virtio_blk_stats s;

	nb_virtio_blk_get_stats(blk, &s);
	return s;
}

#endif
