// SPDX-License-Identifier: Apache-2.0
/*
 * The split virtqueue against a synthetic guest: one RAM region holding the
 * rings, buffers and indirect tables, written here like a (sometimes
 * hostile) driver would.
 */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "devices/virtq.h"
#include "tests/unit/check_run.h"

#define RAM 0x100000ULL
#define RAM_SIZE 0x10000ULL
#define DESC RAM
#define AVAIL (RAM + 0x1000)
#define USED (RAM + 0x2000)
#define BUF (RAM + 0x4000)
#define TABLE (RAM + 0x8000)

#define R NB_VIRTQ_DESC_F_NEXT
#define W NB_VIRTQ_DESC_F_WRITE
#define IND NB_VIRTQ_DESC_F_INDIRECT

static struct nb_guest_mem mem;
static struct nb_virtq q;
static struct nb_virtq_chain ch;

static void *gp(uint64_t gpa, uint64_t len)
{
	void *p = nb_mem_ptr(&mem, gpa, len);

	ck_assert_ptr_nonnull(p);
	return p;
}

static void put16(uint64_t gpa, uint16_t v)
{
	memcpy(gp(gpa, 2), &v, 2);
}

static uint16_t get16(uint64_t gpa)
{
	uint16_t v;

	memcpy(&v, gp(gpa, 2), 2);
	return v;
}

static uint32_t get32(uint64_t gpa)
{
	uint32_t v;

	memcpy(&v, gp(gpa, 4), 4);
	return v;
}

/* Queue of @size over the fixed layout. */
static void setup_size(uint16_t size)
{
	nb_mem_destroy(&mem);
	nb_mem_init(&mem);
	ck_assert_int_eq(nb_mem_add_ram(&mem, RAM, RAM_SIZE, false), 0);
	memset(&q, 0, sizeof(q));
	q.max_size = NB_VIRTQ_MAX_SIZE;
	nb_virtq_reset(&q);
	ck_assert_uint_eq(q.max_size, NB_VIRTQ_MAX_SIZE);
	q.size = size;
	q.desc_addr = DESC;
	q.avail_addr = AVAIL;
	q.used_addr = USED;
	q.ready = true;
	ck_assert_int_eq(nb_virtq_check(&q, &mem), 0);
}

static void setup(void)
{
	setup_size(16);
}

static void teardown(void)
{
	nb_mem_destroy(&mem);
}

static void desc_at(uint64_t table, uint16_t i, uint64_t addr, uint32_t len, uint16_t flags,
		    uint16_t next)
{
	uint8_t *d = gp(table + 16ULL * i, 16);

	memcpy(d, &addr, 8);
	memcpy(d + 8, &len, 4);
	memcpy(d + 12, &flags, 2);
	memcpy(d + 14, &next, 2);
}

static void desc(uint16_t i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	desc_at(DESC, i, addr, len, flags, next);
}

static uint16_t avail_idx(void)
{
	return get16(AVAIL + 2);
}

/* Makes chain @head available. */
static void offer(uint16_t head)
{
	uint16_t idx = avail_idx();

	put16(AVAIL + 4 + 2 * (idx & (q.size - 1)), head);
	put16(AVAIL + 2, idx + 1);
}

static uint16_t used_idx(void)
{
	return get16(USED + 2);
}

/* Pops and expects -EINVAL for chain @head, then completes it. */
static void expect_bad_chain(uint16_t head)
{
	ck_assert_int_eq(nb_virtq_pop(&q, &mem, &ch), -EINVAL);
	ck_assert_uint_eq(ch.head, head);
	ck_assert_int_eq(nb_virtq_push(&q, &mem, ch.head, 0), 0);
	ck_assert_uint_eq(used_idx(), q.next_used);
	ck_assert_uint_eq(get32(USED + 4 + 8 * ((q.next_used - 1) & (q.size - 1))), head);
	ck_assert_int_eq(nb_virtq_pop(&q, &mem, &ch), 0);
}

/* ---- happy paths ---- */

START_TEST(test_empty)
{
	ck_assert(!nb_virtq_has_avail(&q, &mem));
	ck_assert_int_eq(nb_virtq_pop(&q, &mem, &ch), 0);
}
END_TEST

START_TEST(test_simple_chain)
{
	desc(3, BUF, 16, R, 7);
	desc(7, BUF + 0x100, 100, R | W, 1);
	desc(1, BUF + 0x200, 1, W, 0);
	offer(3);
	ck_assert(nb_virtq_has_avail(&q, &mem));
	ck_assert_int_eq(nb_virtq_pop(&q, &mem, &ch), 1);
	ck_assert_uint_eq(ch.head, 3);
	ck_assert_uint_eq(ch.nr, 3);
	ck_assert_uint_eq(ch.nr_read, 1);
	ck_assert_uint_eq(ch.read_len, 16);
	ck_assert_uint_eq(ch.write_len, 101);
	ck_assert(!ch.bufs[0].write && ch.bufs[1].write && ch.bufs[2].write);
	ck_assert_uint_eq(ch.bufs[1].gpa, BUF + 0x100);
	ck_assert_uint_eq(ch.bufs[1].len, 100);
	ck_assert_ptr_eq(ch.bufs[2].host, gp(BUF + 0x200, 1));
	ck_assert(!nb_virtq_has_avail(&q, &mem));
	ck_assert_int_eq(nb_virtq_pop(&q, &mem, &ch), 0);

	ck_assert_int_eq(nb_virtq_push(&q, &mem, 3, 42), 0);
	ck_assert_uint_eq(used_idx(), 1);
	ck_assert_uint_eq(get32(USED + 4), 3);
	ck_assert_uint_eq(get32(USED + 8), 42);
	ck_assert_int_eq(nb_virtq_push(&q, &mem, 16, 0), -EINVAL);
	ck_assert_uint_eq(used_idx(), 1);
}
END_TEST

/* Under dirty tracking, what a device may write is marked: its buffers, the used ring. */
START_TEST(test_dirty_marks)
{
	uint64_t bits[1] = {0}; /* 16 pages */

	ck_assert_int_eq(nb_mem_track_dirty(&mem, true), 0);
	desc(0, BUF, 16, R, 1);		     /* page 4: the device only reads it */
	desc(1, TABLE + 0x10, 0x1000, W, 0); /* pages 8 and 9 */
	offer(0);
	ck_assert_int_eq(nb_virtq_pop(&q, &mem, &ch), 1);
	nb_mem_take_dirty(&mem, 0, bits);
	ck_assert_uint_eq(bits[0], 1u << 2 | 1u << 8 | 1u << 9);
}
END_TEST

START_TEST(test_zero_length_buffer)
{
	desc(0, BUF, 0, 0, 0);
	offer(0);
	ck_assert_int_eq(nb_virtq_pop(&q, &mem, &ch), 1);
	ck_assert_uint_eq(ch.nr, 1);
	ck_assert_ptr_nonnull(ch.bufs[0].host);
}
END_TEST

START_TEST(test_full_queue_chain)
{
	/* A chain through every descriptor of a 256-entry queue. */
	setup_size(NB_VIRTQ_MAX_SIZE);
	for (int i = 0; i < NB_VIRTQ_MAX_SIZE; i++)
		desc(i, BUF + i, 1, i == NB_VIRTQ_MAX_SIZE - 1 ? 0 : R, i + 1);
	offer(0);
	ck_assert_int_eq(nb_virtq_pop(&q, &mem, &ch), 1);
	ck_assert_uint_eq(ch.nr, NB_VIRTQ_MAX_SIZE);
	ck_assert_uint_eq(ch.read_len, NB_VIRTQ_MAX_SIZE);
}
END_TEST

START_TEST(test_indirect)
{
	q.indirect = true;
	desc_at(TABLE, 0, BUF, 8, R, 2);
	desc_at(TABLE, 2, BUF + 8, 8, W | R, 1);
	desc_at(TABLE, 1, BUF + 16, 4, W, 0);
	desc(5, TABLE, 3 * 16, IND, 0);
	offer(5);
	ck_assert_int_eq(nb_virtq_pop(&q, &mem, &ch), 1);
	ck_assert_uint_eq(ch.head, 5);
	ck_assert_uint_eq(ch.nr, 3);
	ck_assert_uint_eq(ch.nr_read, 1);
	ck_assert_uint_eq(ch.read_len, 8);
	ck_assert_uint_eq(ch.write_len, 12);
	ck_assert_uint_eq(ch.bufs[2].gpa, BUF + 16);

	/* Direct buffers, then an indirect table to end the chain. */
	desc_at(TABLE + 0x100, 0, BUF + 0x200, 8, 0, 0);
	desc(0, BUF + 0x100, 10, R, 1);
	desc(1, TABLE + 0x100, 16, IND, 0);
	offer(0);
	ck_assert_int_eq(nb_virtq_pop(&q, &mem, &ch), 1);
	ck_assert_uint_eq(ch.nr, 2);
	ck_assert_uint_eq(ch.read_len, 18);
	/* The WRITE flag of the descriptor naming the table is ignored. */
	desc(1, TABLE + 0x100, 16, IND | W, 0);
	offer(1);
	ck_assert_int_eq(nb_virtq_pop(&q, &mem, &ch), 1);
	ck_assert_uint_eq(ch.nr_read, 1);
}
END_TEST

START_TEST(test_index_wrap)
{
	q.next_avail = q.next_used = 0xfffe;
	put16(AVAIL + 2, 0xfffe);
	put16(USED + 2, 0xfffe);
	for (uint16_t i = 0; i < 4; i++) {
		desc(i, BUF + 16 * i, 16, 0, 0);
		offer(i);
	}
	ck_assert_uint_eq(avail_idx(), 2);
	for (uint16_t i = 0; i < 4; i++) {
		ck_assert_int_eq(nb_virtq_pop(&q, &mem, &ch), 1);
		ck_assert_uint_eq(ch.head, i);
		ck_assert_int_eq(nb_virtq_push(&q, &mem, ch.head, i), 0);
	}
	ck_assert_int_eq(nb_virtq_pop(&q, &mem, &ch), 0);
	ck_assert_uint_eq(used_idx(), 2);
	/* Entries 0xfffe, 0xffff, 0, 1 land in ring slots 14, 15, 0, 1. */
	ck_assert_uint_eq(get32(USED + 4 + 8 * 14), 0);
	ck_assert_uint_eq(get32(USED + 4 + 8 * 15), 1);
	ck_assert_uint_eq(get32(USED + 4 + 8 * 0), 2);
	ck_assert_uint_eq(get32(USED + 4 + 8 * 1), 3);

	/* A full ring across the wrap: exactly size entries are fine. */
	for (uint16_t i = 0; i < q.size; i++) {
		desc(i, BUF, 1, 0, 0);
		offer(i);
	}
	for (uint16_t i = 0; i < q.size; i++)
		ck_assert_int_eq(nb_virtq_pop(&q, &mem, &ch), 1);
	ck_assert_int_eq(nb_virtq_pop(&q, &mem, &ch), 0);
}
END_TEST

START_TEST(test_interrupt_no_event_idx)
{
	desc(0, BUF, 1, 0, 0);
	/* Nothing pushed yet: the first call asks for one (nothing known). */
	ck_assert_int_eq(nb_virtq_push(&q, &mem, 0, 0), 0);
	ck_assert(nb_virtq_needs_interrupt(&q, &mem));
	ck_assert(!nb_virtq_needs_interrupt(&q, &mem)); /* nothing new */
	put16(AVAIL, NB_VIRTQ_AVAIL_F_NO_INTERRUPT);
	ck_assert_int_eq(nb_virtq_push(&q, &mem, 0, 0), 0);
	ck_assert(!nb_virtq_needs_interrupt(&q, &mem));
	put16(AVAIL, 0);
	ck_assert_int_eq(nb_virtq_push(&q, &mem, 0, 0), 0);
	ck_assert(nb_virtq_needs_interrupt(&q, &mem));
}
END_TEST

START_TEST(test_interrupt_event_idx)
{
	uint64_t used_event = AVAIL + 4 + 2 * 16;

	q.event_idx = true;
	/* NO_INTERRUPT means nothing with event_idx. */
	put16(AVAIL, NB_VIRTQ_AVAIL_F_NO_INTERRUPT);
	put16(used_event, 0);
	ck_assert_int_eq(nb_virtq_push(&q, &mem, 0, 0), 0); /* used 1 */
	ck_assert(nb_virtq_needs_interrupt(&q, &mem));	    /* first: always */
	ck_assert_int_eq(nb_virtq_push(&q, &mem, 0, 0), 0); /* used 2 */
	/* The driver asked for an interrupt once entry 0 was used: done. */
	ck_assert(!nb_virtq_needs_interrupt(&q, &mem));
	put16(used_event, 2);
	ck_assert_int_eq(nb_virtq_push(&q, &mem, 0, 0), 0); /* used 3 */
	ck_assert(nb_virtq_needs_interrupt(&q, &mem));
	/* Wants one after entry 5: pushing 4 and 5 (index 5) is not enough. */
	put16(used_event, 5);
	ck_assert_int_eq(nb_virtq_push(&q, &mem, 0, 0), 0);
	ck_assert_int_eq(nb_virtq_push(&q, &mem, 0, 0), 0);
	ck_assert(!nb_virtq_needs_interrupt(&q, &mem));
	ck_assert_int_eq(nb_virtq_push(&q, &mem, 0, 0), 0);
	ck_assert_int_eq(nb_virtq_push(&q, &mem, 0, 0), 0);
	ck_assert(nb_virtq_needs_interrupt(&q, &mem));
	ck_assert(!nb_virtq_needs_interrupt(&q, &mem));

	/* Across the 16-bit wrap. */
	q.next_used = q.signalled_used = 0xfffe;
	put16(used_event, 0xffff);
	ck_assert_int_eq(nb_virtq_push(&q, &mem, 0, 0), 0); /* 0xffff */
	ck_assert(!nb_virtq_needs_interrupt(&q, &mem));
	ck_assert_int_eq(nb_virtq_push(&q, &mem, 0, 0), 0); /* 0 */
	ck_assert_int_eq(nb_virtq_push(&q, &mem, 0, 0), 0); /* 1 */
	ck_assert(nb_virtq_needs_interrupt(&q, &mem));
}
END_TEST

START_TEST(test_enable_notify)
{
	uint64_t avail_event = USED + 4 + 8 * 16;

	/* Without event_idx: the used ring's NO_NOTIFY flag. */
	nb_virtq_enable_notify(&q, &mem, false);
	ck_assert_uint_eq(get16(USED), NB_VIRTQ_USED_F_NO_NOTIFY);
	nb_virtq_enable_notify(&q, &mem, true);
	ck_assert_uint_eq(get16(USED), 0);

	/* With event_idx: avail_event follows next_avail; flags untouched. */
	q.event_idx = true;
	desc(0, BUF, 1, 0, 0);
	offer(0);
	offer(0);
	ck_assert_int_eq(nb_virtq_pop(&q, &mem, &ch), 1);
	nb_virtq_enable_notify(&q, &mem, true);
	ck_assert_uint_eq(get16(avail_event), 1);
	ck_assert(nb_virtq_has_avail(&q, &mem)); /* the caller's re-check */
	ck_assert_int_eq(nb_virtq_pop(&q, &mem, &ch), 1);
	nb_virtq_enable_notify(&q, &mem, false);
	ck_assert_uint_eq(get16(avail_event), 1);
	nb_virtq_enable_notify(&q, &mem, true);
	ck_assert_uint_eq(get16(avail_event), 2);
	ck_assert(!nb_virtq_has_avail(&q, &mem));
	ck_assert_uint_eq(get16(USED), 0);
}
END_TEST

START_TEST(test_reset)
{
	q.next_avail = 5;
	q.event_idx = true;
	nb_virtq_reset(&q);
	ck_assert_uint_eq(q.max_size, NB_VIRTQ_MAX_SIZE);
	ck_assert_uint_eq(q.size, 0);
	ck_assert(!q.ready && !q.event_idx && !q.next_avail && !q.desc_addr);
}
END_TEST

/* ---- broken queues ---- */

START_TEST(test_bad_setup)
{
	static const struct {
		uint16_t size;
		uint64_t desc, avail, used;
	} bad[] = {
	    {0, DESC, AVAIL, USED},
	    {12, DESC, AVAIL, USED},	 /* not a power of 2 */
	    {512, DESC, AVAIL, USED},	 /* > max_size */
	    {16, DESC + 8, AVAIL, USED}, /* misaligned */
	    {16, DESC, AVAIL + 1, USED},
	    {16, DESC, AVAIL, USED + 2},
	    {16, RAM + RAM_SIZE - 16 * 15, AVAIL, USED}, /* past the end */
	    {16, DESC, RAM + RAM_SIZE - 36, USED},	 /* used_event outside */
	    {16, DESC, AVAIL, RAM + RAM_SIZE - 132},	 /* avail_event outside */
	    {16, 0, AVAIL, USED},			 /* not RAM */
	    {16, DESC, UINT64_MAX - 1, USED},		 /* wraps */
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		q.size = bad[i].size;
		q.desc_addr = bad[i].desc;
		q.avail_addr = bad[i].avail;
		q.used_addr = bad[i].used;
		ck_assert_msg(nb_virtq_check(&q, &mem) == -EINVAL, "case %zu", i);
		ck_assert_msg(nb_virtq_pop(&q, &mem, &ch) == -EIO, "case %zu", i);
		ck_assert(!nb_virtq_has_avail(&q, &mem));
		ck_assert_int_eq(nb_virtq_push(&q, &mem, 0, 0), -EFAULT);
		ck_assert(!nb_virtq_needs_interrupt(&q, &mem));
		nb_virtq_enable_notify(&q, &mem, true);
	}
	/* Exactly fitting at the end of RAM is fine. */
	q.size = 16;
	q.desc_addr = RAM + RAM_SIZE - 256;
	q.avail_addr = RAM + RAM_SIZE - 256 - 38;
	q.used_addr = RAM + RAM_SIZE - 256 - 40 - 132;
	ck_assert_int_eq(nb_virtq_check(&q, &mem), 0);
	/* max_size itself beyond what the walker supports. */
	q.max_size = 512;
	q.size = 512;
	ck_assert_int_eq(nb_virtq_check(&q, &mem), -EINVAL);
}
END_TEST

START_TEST(test_avail_idx_jump)
{
	desc(0, BUF, 1, 0, 0);
	put16(AVAIL + 2, 17);
	ck_assert_int_eq(nb_virtq_pop(&q, &mem, &ch), -EIO);
	/* Behind the device by one is a jump of 0xffff. */
	put16(AVAIL + 2, 0xffff);
	ck_assert_int_eq(nb_virtq_pop(&q, &mem, &ch), -EIO);
	ck_assert_uint_eq(q.next_avail, 0);
	put16(AVAIL + 2, 16);
	ck_assert_int_eq(nb_virtq_pop(&q, &mem, &ch), 1);
}
END_TEST

START_TEST(test_head_out_of_range)
{
	offer(16);
	ck_assert_int_eq(nb_virtq_pop(&q, &mem, &ch), -EIO);
	put16(AVAIL + 4, 0xffff);
	ck_assert_int_eq(nb_virtq_pop(&q, &mem, &ch), -EIO);
}
END_TEST

/* ---- bad chains: consumed, reported with their head ---- */

START_TEST(test_buffer_outside_memory)
{
	desc(2, RAM + RAM_SIZE, 1, 0, 0);
	offer(2);
	expect_bad_chain(2);
	desc(2, RAM - 1, 1, 0, 0); /* starts before RAM */
	offer(2);
	expect_bad_chain(2);
	desc(2, RAM + RAM_SIZE - 8, 9, 0, 0); /* runs past the end */
	offer(2);
	expect_bad_chain(2);
	desc(2, UINT64_MAX - 7, 16, 0, 0); /* wraps */
	offer(2);
	expect_bad_chain(2);
	desc(1, BUF, 16, R, 2); /* second buffer bad, writable */
	desc(2, RAM + RAM_SIZE - 0x100, 0x101, W, 0);
	offer(1);
	expect_bad_chain(1);
	/* The queue carries on. */
	desc(2, RAM + RAM_SIZE - 8, 8, 0, 0);
	offer(2);
	ck_assert_int_eq(nb_virtq_pop(&q, &mem, &ch), 1);
}
END_TEST

START_TEST(test_next_out_of_range)
{
	/* What lies past the table is a valid descriptor: it must not be used. */
	desc(16, BUF, 1, 0, 0);
	desc(0, BUF, 1, R, 16);
	offer(0);
	expect_bad_chain(0);
}
END_TEST

START_TEST(test_loop)
{
	desc(0, BUF, 1, R, 0); /* itself */
	offer(0);
	expect_bad_chain(0);
	desc(4, BUF, 1, R, 5);
	desc(5, BUF, 1, R, 6);
	desc(6, BUF, 1, R, 5);
	offer(4);
	expect_bad_chain(4);
}
END_TEST

START_TEST(test_read_after_write)
{
	desc(0, BUF, 1, W | R, 1);
	desc(1, BUF, 1, 0, 0);
	offer(0);
	expect_bad_chain(0);
}
END_TEST

START_TEST(test_chain_too_long)
{
	/* One direct buffer and a full indirect table: MAX_CHAIN + 1 buffers. */
	q.indirect = true;
	for (int i = 0; i < NB_VIRTQ_MAX_CHAIN; i++)
		desc_at(TABLE, i, BUF, 1, i == NB_VIRTQ_MAX_CHAIN - 1 ? 0 : R, i + 1);
	desc(0, BUF, 1, R, 1);
	desc(1, TABLE, NB_VIRTQ_MAX_CHAIN * 16, IND, 0);
	offer(1); /* the table alone fits */
	ck_assert_int_eq(nb_virtq_pop(&q, &mem, &ch), 1);
	ck_assert_uint_eq(ch.nr, NB_VIRTQ_MAX_CHAIN);
	offer(0);
	expect_bad_chain(0);
}
END_TEST

START_TEST(test_indirect_not_negotiated)
{
	desc_at(TABLE, 0, BUF, 8, 0, 0);
	desc(0, TABLE, 16, IND, 0);
	offer(0);
	expect_bad_chain(0);
}
END_TEST

START_TEST(test_indirect_bad_len)
{
	static const uint32_t lens[] = {0, 8, 17, 24, (NB_VIRTQ_MAX_CHAIN + 1) * 16};

	q.indirect = true;
	/* A table that would be fine but for the length that names it. */
	desc_at(TABLE, 0, BUF, 8, 0, 0);
	desc_at(TABLE, 1, BUF, 8, 0, 0);
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		desc(0, TABLE, lens[i], IND, 0);
		offer(0);
		expect_bad_chain(0);
	}
}
END_TEST

START_TEST(test_indirect_outside_memory)
{
	q.indirect = true;
	desc(0, RAM + RAM_SIZE - 16, 32, IND, 0);
	offer(0);
	expect_bad_chain(0);
	desc(0, UINT64_MAX - 15, 32, IND, 0);
	offer(0);
	expect_bad_chain(0);
	/* A buffer named by the table, outside memory. */
	desc_at(TABLE, 0, RAM + RAM_SIZE, 4, 0, 0);
	desc(0, TABLE, 16, IND, 0);
	offer(0);
	expect_bad_chain(0);
}
END_TEST

START_TEST(test_indirect_nested)
{
	q.indirect = true;
	desc_at(TABLE + 0x100, 0, BUF, 8, 0, 0);
	desc_at(TABLE, 0, TABLE + 0x100, 16, IND, 0);
	desc(0, TABLE, 16, IND, 0);
	offer(0);
	expect_bad_chain(0);
}
END_TEST

START_TEST(test_indirect_with_next)
{
	q.indirect = true;
	desc_at(TABLE, 0, BUF, 8, 0, 0);
	desc(0, TABLE, 16, IND | R, 1);
	desc(1, BUF, 8, 0, 0);
	offer(0);
	expect_bad_chain(0);
}
END_TEST

START_TEST(test_indirect_bad_links)
{
	q.indirect = true;
	/* next past the table's end (though inside the queue's size). */
	desc_at(TABLE, 0, BUF, 8, R, 2);
	desc_at(TABLE, 1, BUF, 8, 0, 0);
	desc_at(TABLE, 2, BUF, 8, 0, 0);
	desc(0, TABLE, 32, IND, 0);
	offer(0);
	expect_bad_chain(0);
	/* A loop inside the table. */
	desc_at(TABLE, 0, BUF, 8, R, 1);
	desc_at(TABLE, 1, BUF, 8, R, 0);
	offer(0);
	expect_bad_chain(0);
	/* Readable after writable inside the table. */
	desc_at(TABLE, 0, BUF, 8, R | W, 1);
	desc_at(TABLE, 1, BUF, 8, 0, 0);
	offer(0);
	expect_bad_chain(0);
	/* Readable in the table after a writable direct buffer. */
	desc_at(TABLE, 0, BUF, 8, 0, 0);
	desc(1, BUF, 8, W | R, 2);
	desc(2, TABLE, 16, IND, 0);
	offer(1);
	expect_bad_chain(1);
}
END_TEST

static Suite *virtq_suite(void)
{
	Suite *s = suite_create("virtq");
	TCase *ok = tcase_create("ok"), *bad = tcase_create("bad");

	tcase_add_checked_fixture(ok, setup, teardown);
	tcase_add_checked_fixture(bad, setup, teardown);
	tcase_add_test(ok, test_empty);
	tcase_add_test(ok, test_simple_chain);
	tcase_add_test(ok, test_dirty_marks);
	tcase_add_test(ok, test_zero_length_buffer);
	tcase_add_test(ok, test_full_queue_chain);
	tcase_add_test(ok, test_indirect);
	tcase_add_test(ok, test_index_wrap);
	tcase_add_test(ok, test_interrupt_no_event_idx);
	tcase_add_test(ok, test_interrupt_event_idx);
	tcase_add_test(ok, test_enable_notify);
	tcase_add_test(ok, test_reset);
	tcase_add_test(bad, test_bad_setup);
	tcase_add_test(bad, test_avail_idx_jump);
	tcase_add_test(bad, test_head_out_of_range);
	tcase_add_test(bad, test_buffer_outside_memory);
	tcase_add_test(bad, test_next_out_of_range);
	tcase_add_test(bad, test_loop);
	tcase_add_test(bad, test_read_after_write);
	tcase_add_test(bad, test_chain_too_long);
	tcase_add_test(bad, test_indirect_not_negotiated);
	tcase_add_test(bad, test_indirect_bad_len);
	tcase_add_test(bad, test_indirect_outside_memory);
	tcase_add_test(bad, test_indirect_nested);
	tcase_add_test(bad, test_indirect_with_next);
	tcase_add_test(bad, test_indirect_bad_links);
	suite_add_tcase(s, ok);
	suite_add_tcase(s, bad);
	return s;
}

int main(void)
{
	return nb_check_run(virtq_suite());
}
