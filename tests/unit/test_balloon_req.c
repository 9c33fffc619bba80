// SPDX-License-Identifier: Apache-2.0
/* The balloon's request parsers: PFN lists, statistics, reported ranges. */
#include <check.h>
#include <errno.h>
#include <string.h>

#include "devices/balloon_req.h"
#include "tests/unit/check_run.h"

#define R0 0x40000000ULL /* two RAM regions back to back */
#define R0_SIZE (1ULL << 20)
#define R1 (R0 + R0_SIZE)
#define R1_SIZE (1ULL << 20)
#define PFN(gpa) ((uint32_t)((gpa) >> 12))

static struct nb_guest_mem mem;
static struct nb_virtq_chain chain;
static uint8_t bytes[8192];
static size_t used;

static void setup(void)
{
	nb_mem_init(&mem);
	ck_assert_int_eq(nb_mem_add_ram(&mem, R0, R0_SIZE, false), 0);
	ck_assert_int_eq(nb_mem_add_ram(&mem, R1, R1_SIZE, false), 0);
	memset(&chain, 0, sizeof(chain));
	used = 0;
}

static void teardown(void)
{
	nb_mem_destroy(&mem);
}

/* Appends a buffer holding @len bytes of @data (NULL: zeros). */
static void add_buf(const void *data, uint32_t len, bool write)
{
	struct nb_virtq_buf *b = &chain.bufs[chain.nr++];

	ck_assert_uint_le(used + len, sizeof(bytes));
	b->host = bytes + used;
	b->gpa = R0 + used;
	b->len = len;
	b->write = write;
	if (data)
		memcpy(b->host, data, len);
	else
		memset(b->host, 0, len);
	used += len;
	if (write) {
		chain.write_len += len;
	} else {
		chain.nr_read++;
		chain.read_len += len;
	}
}

static void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

START_TEST(test_read_pfns)
{
	uint8_t raw[12];
	uint32_t pfns[8];

	put_le32(raw, 0x40000);
	put_le32(raw + 4, 0x12345678);
	put_le32(raw + 8, 7);
	/* Words split across buffers in any way. */
	add_buf(raw, 3, false);
	add_buf(raw + 3, 6, false);
	add_buf(raw + 9, 3, false);
	ck_assert_int_eq(nb_balloon_read_pfns(&chain, pfns, 8), 3);
	ck_assert_uint_eq(pfns[0], 0x40000);
	ck_assert_uint_eq(pfns[1], 0x12345678);
	ck_assert_uint_eq(pfns[2], 7);
	/* More than the caller takes. */
	ck_assert_int_eq(nb_balloon_read_pfns(&chain, pfns, 2), -E2BIG);
}
END_TEST

START_TEST(test_read_pfns_bad)
{
	uint32_t pfns[8];

	/* No bytes at all. */
	ck_assert_int_eq(nb_balloon_read_pfns(&chain, pfns, 8), -EINVAL);
	add_buf(NULL, 0, false);
	ck_assert_int_eq(nb_balloon_read_pfns(&chain, pfns, 8), -EINVAL);
	/* An odd length. */
	add_buf(NULL, 6, false);
	ck_assert_int_eq(nb_balloon_read_pfns(&chain, pfns, 8), -EINVAL);
	add_buf(NULL, 2, false);
	ck_assert_int_eq(nb_balloon_read_pfns(&chain, pfns, 8), 2);
	/* A writable buffer, even an empty one. */
	add_buf(NULL, 0, true);
	ck_assert_int_eq(nb_balloon_read_pfns(&chain, pfns, 8), -EINVAL);
}
END_TEST

START_TEST(test_ranges_coalesce)
{
	uint32_t pfns[] = {PFN(R0 + 0x3000), PFN(R0),	       PFN(R0 + 0x1000), PFN(R0 + 0x2000),
			   PFN(R0 + 0x9000), PFN(R1 - 0x1000), PFN(R1),		 PFN(R1 + 0x1000)};
	struct nb_balloon_range out[8];
	struct nb_balloon_pfn_result res;

	ck_assert_int_eq(nb_balloon_pfns_to_ranges(pfns, 8, &mem, out, 8, &res), 0);
	ck_assert_uint_eq(res.pages, 8);
	ck_assert_uint_eq(res.out_of_range + res.duplicates, 0);
	/* Sorted, merged; never across two regions even when they touch. */
	ck_assert_uint_eq(res.nr_ranges, 4);
	ck_assert_uint_eq(out[0].gpa, R0);
	ck_assert_uint_eq(out[0].len, 0x4000);
	ck_assert_uint_eq(out[1].gpa, R0 + 0x9000);
	ck_assert_uint_eq(out[1].len, 0x1000);
	ck_assert_uint_eq(out[2].gpa, R1 - 0x1000);
	ck_assert_uint_eq(out[2].len, 0x1000);
	ck_assert_uint_eq(out[3].gpa, R1);
	ck_assert_uint_eq(out[3].len, 0x2000);
}
END_TEST

START_TEST(test_ranges_refused)
{
	uint32_t pfns[] = {0,
			   PFN(R0) - 1,
			   PFN(R1 + R1_SIZE),
			   UINT32_MAX,
			   PFN(R0 + 0x5000),
			   PFN(R0 + 0x5000),
			   PFN(R0 + 0x5000),
			   PFN(R0 + 0x6000),
			   PFN(R1 + R1_SIZE - 0x1000)};
	struct nb_balloon_range out[9];
	struct nb_balloon_pfn_result res;

	ck_assert_int_eq(nb_balloon_pfns_to_ranges(pfns, 9, &mem, out, 8, &res), -EINVAL);
	ck_assert_int_eq(nb_balloon_pfns_to_ranges(pfns, 9, &mem, out, 9, &res), 0);
	ck_assert_uint_eq(res.out_of_range, 4);
	ck_assert_uint_eq(res.duplicates, 2);
	ck_assert_uint_eq(res.pages, 3);
	ck_assert_uint_eq(res.nr_ranges, 2);
	ck_assert_uint_eq(out[0].gpa, R0 + 0x5000);
	ck_assert_uint_eq(out[0].len, 0x2000);
	ck_assert_uint_eq(out[1].gpa, R1 + R1_SIZE - 0x1000);
	/* Nothing at all. */
	ck_assert_int_eq(nb_balloon_pfns_to_ranges(pfns, 0, &mem, out, 0, &res), 0);
	ck_assert_uint_eq(res.nr_ranges + res.pages, 0);
}
END_TEST

static void stat(uint8_t *p, uint16_t tag, uint64_t val)
{
	p[0] = (uint8_t)tag;
	p[1] = (uint8_t)(tag >> 8);
	for (int i = 0; i < 8; i++)
		p[2 + i] = (uint8_t)(val >> (8 * i));
}

START_TEST(test_stats)
{
	struct nb_balloon_guest_stats s;
	uint8_t raw[40];
	uint32_t unknown = 0;

	stat(raw, NB_BALLOON_S_MEMFREE, 123456789012ULL);
	stat(raw + 10, NB_BALLOON_S_MEMTOT, 1ULL << 28);
	stat(raw + 20, 15, 5); /* a newer tag */
	stat(raw + 30, NB_BALLOON_S_HTLB_PGFAIL, 3);
	add_buf(raw, 13, false);
	add_buf(raw + 13, 27, false);
	ck_assert_int_eq(nb_balloon_parse_stats(&chain, &s, &unknown), 0);
	ck_assert_uint_eq(unknown, 1);
	ck_assert_uint_eq(s.present, 1u << NB_BALLOON_S_MEMFREE | 1u << NB_BALLOON_S_MEMTOT |
					 1u << NB_BALLOON_S_HTLB_PGFAIL);
	ck_assert_uint_eq(s.val[NB_BALLOON_S_MEMFREE], 123456789012ULL);
	ck_assert_uint_eq(s.val[NB_BALLOON_S_MEMTOT], 1ULL << 28);
	ck_assert_uint_eq(s.val[NB_BALLOON_S_HTLB_PGFAIL], 3);
}
END_TEST

START_TEST(test_stats_bad)
{
	struct nb_balloon_guest_stats s = {.present = 1, .val = {42}};
	uint32_t unknown = 0;

	ck_assert_int_eq(nb_balloon_parse_stats(&chain, &s, &unknown), -EINVAL);
	add_buf(NULL, 15, false); /* not whole entries */
	ck_assert_int_eq(nb_balloon_parse_stats(&chain, &s, &unknown), -EINVAL);
	add_buf(NULL, 5, false);
	ck_assert_int_eq(nb_balloon_parse_stats(&chain, &s, &unknown), 0);
	ck_assert_uint_eq(s.present, 1); /* tag 0 twice */
	ck_assert_uint_eq(s.val[0], 0);
	add_buf(NULL, 10, true);
	ck_assert_int_eq(nb_balloon_parse_stats(&chain, &s, &unknown), -EINVAL);
	/* Too many entries. */
	memset(&chain, 0, sizeof(chain));
	used = 0;
	add_buf(NULL, (NB_BALLOON_MAX_STAT_ENTRIES + 1) * NB_BALLOON_STAT_ENTRY_SIZE, false);
	ck_assert_int_eq(nb_balloon_parse_stats(&chain, &s, &unknown), -EINVAL);
	ck_assert_uint_eq(unknown, 0);
}
END_TEST

START_TEST(test_report_ranges)
{
	struct nb_balloon_range out[4];
	uint32_t bad = 0;

	chain.nr = 5;
	chain.bufs[0] = (struct nb_virtq_buf){.gpa = R0, .len = 0x200000, .write = true};
	chain.bufs[1] = (struct nb_virtq_buf){.gpa = R0 + 0x800, .len = 0x1000, .write = true};
	chain.bufs[2] = (struct nb_virtq_buf){.gpa = R0, .len = 0x1800, .write = true};
	chain.bufs[3] = (struct nb_virtq_buf){.gpa = R1, .len = 0, .write = true};
	chain.bufs[4] = (struct nb_virtq_buf){.gpa = R1, .len = 0x1000, .write = false};
	ck_assert_uint_eq(nb_balloon_report_ranges(&chain, out, 4, &bad), 2);
	ck_assert_uint_eq(bad, 3);
	ck_assert_uint_eq(out[0].gpa, R0);
	ck_assert_uint_eq(out[0].len, 0x200000);
	ck_assert_uint_eq(out[1].gpa, R1);
	/* No room: counted, not written. */
	bad = 0;
	ck_assert_uint_eq(nb_balloon_report_ranges(&chain, out, 1, &bad), 1);
	ck_assert_uint_eq(bad, 4);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("balloon_req");
	TCase *tc = tcase_create("balloon_req");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_read_pfns);
	tcase_add_test(tc, test_read_pfns_bad);
	tcase_add_test(tc, test_ranges_coalesce);
	tcase_add_test(tc, test_ranges_refused);
	tcase_add_test(tc, test_stats);
	tcase_add_test(tc, test_stats_bad);
	tcase_add_test(tc, test_report_ranges);
	suite_add_tcase(s, tc);
	return nb_check_run(s);
}
