// SPDX-License-Identifier: Apache-2.0
#include <check.h>
#include <endian.h>
#include <stdlib.h>
#include <string.h>

#include "devices/blk_request.h"
#include "tests/unit/check_run.h"

/* Chains are built over one scratch area; gpa is the offset into it. */
static uint8_t mem[1 << 16];
static size_t used;
static struct nb_virtq_chain chain;
static struct nb_blk_req req;
static const struct nb_blk_disk disk = {
    .capacity = 100, .read_only = false, .discard = true, .write_zeroes = true};

static void reset_chain(void)
{
	memset(&chain, 0, sizeof(chain));
	memset(mem, 0xee, sizeof(mem));
	used = 0;
}

static uint8_t *add_buf(uint32_t len, bool write)
{
	struct nb_virtq_buf *b = &chain.bufs[chain.nr++];

	ck_assert_uint_le(used + len, sizeof(mem));
	b->gpa = used;
	b->len = len;
	b->write = write;
	b->host = mem + used;
	used += len;
	if (write) {
		chain.write_len += len;
	} else {
		chain.nr_read++;
		chain.read_len += len;
	}
	return b->host;
}

static void put_hdr(uint8_t *p, uint32_t type, uint64_t sector)
{
	uint32_t t = htole32(type), z = 0;
	uint64_t s = htole64(sector);

	memcpy(p, &t, 4);
	memcpy(p + 4, &z, 4);
	memcpy(p + 8, &s, 8);
}

static void put_seg(uint8_t *p, uint64_t sector, uint32_t n, uint32_t flags)
{
	uint64_t s = htole64(sector);
	uint32_t nn = htole32(n), f = htole32(flags);

	memcpy(p, &s, 8);
	memcpy(p + 8, &nn, 4);
	memcpy(p + 12, &f, 4);
}

/* The usual Linux shape: header, data, status. */
static uint8_t *std_chain(uint32_t type, uint64_t sector, uint32_t data_len, bool data_write)
{
	put_hdr(add_buf(16, false), type, sector);
	if (data_len)
		add_buf(data_len, data_write);
	return add_buf(1, true);
}

static enum nb_blk_err parse(void)
{
	return nb_blk_parse(&chain, &disk, &req);
}

START_TEST(test_read)
{
	uint8_t *st;

	reset_chain();
	st = std_chain(NB_BLK_T_IN, 7, 1024, true);
	ck_assert_int_eq(parse(), NB_BLK_OK);
	ck_assert_uint_eq(req.type, NB_BLK_T_IN);
	ck_assert_uint_eq(req.sector, 7);
	ck_assert_ptr_eq(req.status, st);
	ck_assert_uint_eq(req.nr_iov, 1);
	ck_assert_uint_eq(req.data_len, 1024);
	ck_assert_ptr_eq(req.iov[0].iov_base, mem + 16);
	/* The last sectors of the disk. */
	reset_chain();
	std_chain(NB_BLK_T_IN, 98, 1024, true);
	ck_assert_int_eq(parse(), NB_BLK_OK);
}
END_TEST

START_TEST(test_write)
{
	reset_chain();
	std_chain(NB_BLK_T_OUT, 0, 512, false);
	ck_assert_int_eq(parse(), NB_BLK_OK);
	ck_assert_uint_eq(req.data_len, 512);
	ck_assert_ptr_eq(req.iov[0].iov_base, mem + 16);
}
END_TEST

/* Any framing: header split, data in the header's buffer, status in the data's. */
START_TEST(test_any_layout)
{
	reset_chain();
	add_buf(10, false);
	add_buf(0, false);
	add_buf(6 + 512, false);
	put_hdr(mem, NB_BLK_T_OUT, 3);
	add_buf(1, true);
	add_buf(0, true);
	ck_assert_int_eq(parse(), NB_BLK_OK);
	ck_assert_uint_eq(req.type, NB_BLK_T_OUT);
	ck_assert_uint_eq(req.sector, 3);
	ck_assert_uint_eq(req.nr_iov, 1);
	ck_assert_uint_eq(req.data_len, 512);
	ck_assert_ptr_eq(req.iov[0].iov_base, mem + 16);
	ck_assert_ptr_eq(req.status, mem + 16 + 512);

	/* IN: data and status in one writable buffer, data split in two. */
	reset_chain();
	put_hdr(add_buf(16, false), NB_BLK_T_IN, 0);
	add_buf(300, true);
	add_buf(212 + 512 + 1, true);
	ck_assert_int_eq(parse(), NB_BLK_OK);
	ck_assert_uint_eq(req.nr_iov, 2);
	ck_assert_uint_eq(req.iov[0].iov_len, 300);
	ck_assert_uint_eq(req.iov[1].iov_len, 724);
	ck_assert_uint_eq(req.data_len, 1024);
	ck_assert_ptr_eq(req.status, mem + 16 + 300 + 724);
}
END_TEST

START_TEST(test_flush_get_id)
{
	reset_chain();
	std_chain(NB_BLK_T_FLUSH, 0, 0, false);
	ck_assert_int_eq(parse(), NB_BLK_OK);
	reset_chain();
	std_chain(NB_BLK_T_GET_ID, 0, 20, true);
	ck_assert_int_eq(parse(), NB_BLK_OK);
	ck_assert_uint_eq(req.data_len, 20);
	/* Flush with data either way. */
	reset_chain();
	std_chain(NB_BLK_T_FLUSH, 0, 512, false);
	ck_assert_int_eq(parse(), NB_BLK_E_DIRECTION);
	reset_chain();
	std_chain(NB_BLK_T_FLUSH, 0, 512, true);
	ck_assert_int_eq(parse(), NB_BLK_E_DIRECTION);
	/* GET_ID: readable data, no room for the id. */
	reset_chain();
	std_chain(NB_BLK_T_GET_ID, 0, 20, false);
	ck_assert_int_eq(parse(), NB_BLK_E_DIRECTION);
	reset_chain();
	std_chain(NB_BLK_T_GET_ID, 0, 0, true);
	ck_assert_int_eq(parse(), NB_BLK_E_LENGTH);
	/* GET_ID works on a read-only disk and at any sector. */
	reset_chain();
	std_chain(NB_BLK_T_GET_ID, UINT64_MAX, 20, true);
	ck_assert_int_eq(nb_blk_parse(&chain, &(struct nb_blk_disk){.read_only = true}, &req),
			 NB_BLK_OK);
}
END_TEST

START_TEST(test_no_status)
{
	/* No writable buffer at all. */
	reset_chain();
	put_hdr(add_buf(16, false), NB_BLK_T_FLUSH, 0);
	ck_assert_int_eq(parse(), NB_BLK_E_NO_STATUS);
	ck_assert_ptr_null(req.status);
	/* Only empty writable buffers. */
	add_buf(0, true);
	ck_assert_int_eq(parse(), NB_BLK_E_NO_STATUS);
	/* An empty chain. */
	reset_chain();
	ck_assert_int_eq(parse(), NB_BLK_E_NO_STATUS);
	ck_assert_uint_eq(nb_blk_err_status(NB_BLK_E_NO_STATUS), NB_BLK_S_IOERR);
}
END_TEST

START_TEST(test_short_header)
{
	uint8_t *st;

	reset_chain();
	add_buf(15, false);
	st = add_buf(1, true);
	ck_assert_int_eq(parse(), NB_BLK_E_HEADER);
	ck_assert_ptr_eq(req.status, st);
	ck_assert_uint_eq(nb_blk_err_status(NB_BLK_E_HEADER), NB_BLK_S_IOERR);
	/* The header is never taken from writable bytes. */
	reset_chain();
	add_buf(32, true);
	ck_assert_int_eq(parse(), NB_BLK_E_HEADER);
}
END_TEST

START_TEST(test_direction)
{
	/* IN with readable data. */
	reset_chain();
	std_chain(NB_BLK_T_IN, 0, 512, false);
	ck_assert_int_eq(parse(), NB_BLK_E_DIRECTION);
	/* OUT with writable data. */
	reset_chain();
	std_chain(NB_BLK_T_OUT, 0, 512, true);
	ck_assert_int_eq(parse(), NB_BLK_E_DIRECTION);
	ck_assert_uint_eq(nb_blk_err_status(NB_BLK_E_DIRECTION), NB_BLK_S_IOERR);
}
END_TEST

START_TEST(test_length)
{
	/* No data. */
	reset_chain();
	std_chain(NB_BLK_T_IN, 0, 0, true);
	ck_assert_int_eq(parse(), NB_BLK_E_LENGTH);
	reset_chain();
	std_chain(NB_BLK_T_OUT, 0, 0, false);
	ck_assert_int_eq(parse(), NB_BLK_E_LENGTH);
	/* Not whole sectors. */
	reset_chain();
	std_chain(NB_BLK_T_IN, 0, 513, true);
	ck_assert_int_eq(parse(), NB_BLK_E_LENGTH);
	reset_chain();
	std_chain(NB_BLK_T_OUT, 0, 100, false);
	ck_assert_int_eq(parse(), NB_BLK_E_LENGTH);
}
END_TEST

START_TEST(test_length_over_4g)
{
	/* 4 GiB of data: more than a used length can say (never dereferenced). */
	reset_chain();
	put_hdr(add_buf(16, false), NB_BLK_T_OUT, 0);
	for (int i = 0; i < 2; i++) {
		struct nb_virtq_buf *b = &chain.bufs[chain.nr++];

		b->len = 0x80000000u;
		b->host = mem;
		chain.nr_read++;
		chain.read_len += b->len;
	}
	add_buf(1, true);
	ck_assert_int_eq(nb_blk_parse(&chain, &(struct nb_blk_disk){.capacity = UINT64_MAX}, &req),
			 NB_BLK_E_LENGTH);
}
END_TEST

START_TEST(test_range)
{
	reset_chain();
	std_chain(NB_BLK_T_IN, 99, 1024, true);
	ck_assert_int_eq(parse(), NB_BLK_E_RANGE);
	reset_chain();
	std_chain(NB_BLK_T_OUT, 100, 512, false);
	ck_assert_int_eq(parse(), NB_BLK_E_RANGE);
	reset_chain();
	std_chain(NB_BLK_T_IN, 101, 512, true);
	ck_assert_int_eq(parse(), NB_BLK_E_RANGE);
	/* sector + sectors overflows 64 bits. */
	reset_chain();
	std_chain(NB_BLK_T_IN, UINT64_MAX, 512, true);
	ck_assert_int_eq(parse(), NB_BLK_E_RANGE);
	reset_chain();
	std_chain(NB_BLK_T_IN, UINT64_MAX, 512, true);
	ck_assert_int_eq(nb_blk_parse(&chain, &(struct nb_blk_disk){.capacity = UINT64_MAX}, &req),
			 NB_BLK_E_RANGE);
	/* An empty disk has nothing to read. */
	reset_chain();
	std_chain(NB_BLK_T_IN, 0, 512, true);
	ck_assert_int_eq(nb_blk_parse(&chain, &(struct nb_blk_disk){0}, &req), NB_BLK_E_RANGE);
	ck_assert_uint_eq(nb_blk_err_status(NB_BLK_E_RANGE), NB_BLK_S_IOERR);
}
END_TEST

START_TEST(test_read_only)
{
	struct nb_blk_disk ro = disk;

	ro.read_only = true;
	reset_chain();
	std_chain(NB_BLK_T_OUT, 0, 512, false);
	ck_assert_int_eq(nb_blk_parse(&chain, &ro, &req), NB_BLK_E_READ_ONLY);
	ck_assert_uint_eq(nb_blk_err_status(NB_BLK_E_READ_ONLY), NB_BLK_S_IOERR);
	reset_chain();
	std_chain(NB_BLK_T_IN, 0, 512, true);
	ck_assert_int_eq(nb_blk_parse(&chain, &ro, &req), NB_BLK_OK);
	reset_chain();
	std_chain(NB_BLK_T_FLUSH, 0, 0, true);
	ck_assert_int_eq(nb_blk_parse(&chain, &ro, &req), NB_BLK_OK);
	/* A discard on a read-only disk whose driver acked the feature anyway. */
	reset_chain();
	put_hdr(add_buf(16, false), NB_BLK_T_DISCARD, 0);
	put_seg(add_buf(16, false), 0, 8, 0);
	add_buf(1, true);
	ck_assert_int_eq(nb_blk_parse(&chain, &ro, &req), NB_BLK_E_READ_ONLY);
}
END_TEST

START_TEST(test_unsupported)
{
	reset_chain();
	std_chain(2, 0, 0, true);
	ck_assert_int_eq(parse(), NB_BLK_E_UNSUPPORTED);
	ck_assert_uint_eq(req.type, 2);
	ck_assert_uint_eq(nb_blk_err_status(NB_BLK_E_UNSUPPORTED), NB_BLK_S_UNSUPP);
	/* Discard and write-zeroes without the features. */
	reset_chain();
	put_hdr(add_buf(16, false), NB_BLK_T_DISCARD, 0);
	put_seg(add_buf(16, false), 0, 8, 0);
	add_buf(1, true);
	ck_assert_int_eq(nb_blk_parse(&chain, &(struct nb_blk_disk){.capacity = 100}, &req),
			 NB_BLK_E_UNSUPPORTED);
	put_hdr(mem, NB_BLK_T_WRITE_ZEROES, 0);
	ck_assert_int_eq(nb_blk_parse(&chain, &(struct nb_blk_disk){.capacity = 100}, &req),
			 NB_BLK_E_UNSUPPORTED);
}
END_TEST

START_TEST(test_segments)
{
	uint8_t *p;

	/* A good discard, the segment split across buffers. */
	reset_chain();
	put_hdr(add_buf(16, false), NB_BLK_T_DISCARD, 0);
	p = add_buf(5, false);
	add_buf(11, false);
	put_seg(p, 90, 10, 0);
	add_buf(1, true);
	ck_assert_int_eq(parse(), NB_BLK_OK);
	ck_assert_uint_eq(req.seg_sector, 90);
	ck_assert_uint_eq(req.seg_sectors, 10);
	ck_assert_uint_eq(req.seg_flags, 0);
	/* Write zeroes with unmap. */
	put_hdr(mem, NB_BLK_T_WRITE_ZEROES, 0);
	put_seg(p, 0, 100, NB_BLK_WZ_F_UNMAP);
	ck_assert_int_eq(parse(), NB_BLK_OK);
	ck_assert_uint_eq(req.seg_flags, NB_BLK_WZ_F_UNMAP);
	/* Past the end. */
	put_seg(p, 91, 10, 0);
	ck_assert_int_eq(parse(), NB_BLK_E_RANGE);
	put_seg(p, UINT64_MAX, 1, 0);
	ck_assert_int_eq(parse(), NB_BLK_E_RANGE);
	/* Too big. */
	put_seg(p, 0, NB_BLK_MAX_WZ_SECTORS + 1, 0);
	ck_assert_int_eq(parse(), NB_BLK_E_SEG_SIZE);
	ck_assert_uint_eq(nb_blk_err_status(NB_BLK_E_SEG_SIZE), NB_BLK_S_IOERR);
	/* Flags: unknown ones, or unmap on a discard. */
	put_seg(p, 0, 1, 2);
	ck_assert_int_eq(parse(), NB_BLK_E_FLAGS);
	put_hdr(mem, NB_BLK_T_DISCARD, 0);
	put_seg(p, 0, 1, NB_BLK_WZ_F_UNMAP);
	ck_assert_int_eq(parse(), NB_BLK_E_FLAGS);
	ck_assert_uint_eq(nb_blk_err_status(NB_BLK_E_FLAGS), NB_BLK_S_UNSUPP);

	/* No segment, a partial one, two of them. */
	reset_chain();
	std_chain(NB_BLK_T_DISCARD, 0, 0, false);
	ck_assert_int_eq(parse(), NB_BLK_E_SEGMENTS);
	reset_chain();
	std_chain(NB_BLK_T_DISCARD, 0, 8, false);
	ck_assert_int_eq(parse(), NB_BLK_E_SEGMENTS);
	reset_chain();
	std_chain(NB_BLK_T_WRITE_ZEROES, 0, 32, false);
	ck_assert_int_eq(parse(), NB_BLK_E_SEGMENTS);
	ck_assert_uint_eq(nb_blk_err_status(NB_BLK_E_SEGMENTS), NB_BLK_S_IOERR);
	/* Writable bytes before the status. */
	reset_chain();
	put_hdr(add_buf(16, false), NB_BLK_T_DISCARD, 0);
	put_seg(add_buf(16, false), 0, 8, 0);
	add_buf(2, true);
	ck_assert_int_eq(parse(), NB_BLK_E_DIRECTION);
}
END_TEST

START_TEST(test_names)
{
	for (int e = NB_BLK_OK; e <= NB_BLK_E_UNSUPPORTED; e++)
		ck_assert_str_ne(nb_blk_err_name(e), "?");
	ck_assert_str_eq(nb_blk_err_name((enum nb_blk_err)99), "?");
	ck_assert_uint_eq(nb_blk_err_status(NB_BLK_OK), NB_BLK_S_OK);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("blk_request");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, test_read);
	tcase_add_test(tc, test_write);
	tcase_add_test(tc, test_any_layout);
	tcase_add_test(tc, test_flush_get_id);
	tcase_add_test(tc, test_no_status);
	tcase_add_test(tc, test_short_header);
	tcase_add_test(tc, test_direction);
	tcase_add_test(tc, test_length);
	tcase_add_test(tc, test_length_over_4g);
	tcase_add_test(tc, test_range);
	tcase_add_test(tc, test_read_only);
	tcase_add_test(tc, test_unsupported);
	tcase_add_test(tc, test_segments);
	tcase_add_test(tc, test_names);
	suite_add_tcase(s, tc);
	return nb_check_run(s);
}
