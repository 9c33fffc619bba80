// SPDX-License-Identifier: Apache-2.0
#include <check.h>
#include <errno.h>
#include <string.h>

#include "devices/state_buf.h"
#include "tests/unit/check_run.h"

START_TEST(round_trip)
{
	struct nb_sbuf w, r;
	uint8_t blob[300], back[300];

	for (size_t i = 0; i < sizeof(blob); i++)
		blob[i] = (uint8_t)(i * 7);
	nb_sbuf_init(&w);
	nb_sbuf_put_u8(&w, 0xab);
	nb_sbuf_put_u16(&w, 0xbeef);
	nb_sbuf_put_u32(&w, 0xdeadbeef);
	nb_sbuf_put_u64(&w, 0x0123456789abcdefULL);
	nb_sbuf_put_bool(&w, true);
	nb_sbuf_put_bytes(&w, blob, sizeof(blob));
	ck_assert_int_eq(nb_sbuf_error(&w), 0);
	ck_assert_uint_eq(w.len, 1 + 2 + 4 + 8 + 1 + sizeof(blob));
	/* Little-endian on the wire, whatever the host. */
	ck_assert_uint_eq(w.data[1], 0xef);
	ck_assert_uint_eq(w.data[2], 0xbe);
	nb_sbuf_reader(&r, w.data, w.len);
	ck_assert_uint_eq(nb_sbuf_get_u8(&r), 0xab);
	ck_assert_uint_eq(nb_sbuf_get_u16(&r), 0xbeef);
	ck_assert_uint_eq(nb_sbuf_get_u32(&r), 0xdeadbeef);
	ck_assert_uint_eq(nb_sbuf_get_u64(&r), 0x0123456789abcdefULL);
	ck_assert(nb_sbuf_get_bool(&r));
	nb_sbuf_get_bytes(&r, back, sizeof(back));
	ck_assert_mem_eq(back, blob, sizeof(blob));
	ck_assert_uint_eq(nb_sbuf_left(&r), 0);
	ck_assert_int_eq(nb_sbuf_error(&r), 0);
	nb_sbuf_free(&w);
}
END_TEST

/* A truncated or hostile input: an error, zeros, never a read past the end. */
START_TEST(underrun_and_bad_bool)
{
	uint8_t d[3] = {1, 2, 3}, out[8];
	struct nb_sbuf r;

	nb_sbuf_reader(&r, d, sizeof(d));
	ck_assert_uint_eq(nb_sbuf_get_u16(&r), 0x0201);
	ck_assert_uint_eq(nb_sbuf_get_u32(&r), 0);
	ck_assert_int_eq(nb_sbuf_error(&r), -EBADMSG);
	/* Once failed, every read is zero. */
	ck_assert_uint_eq(nb_sbuf_get_u8(&r), 0);
	memset(out, 0xff, sizeof(out));
	nb_sbuf_get_bytes(&r, out, sizeof(out));
	ck_assert_uint_eq(out[0] | out[7], 0);

	nb_sbuf_reader(&r, d + 1, 1); /* a bool of 2 */
	nb_sbuf_get_bool(&r);
	ck_assert_int_eq(nb_sbuf_error(&r), -EBADMSG);
}
END_TEST

START_TEST(sections)
{
	struct nb_sbuf w, r, body;
	char tag[NB_SBUF_TAG_LEN + 1];
	uint32_t version;
	size_t h;

	nb_sbuf_init(&w);
	h = nb_sbuf_begin(&w, "vcpu", 3);
	nb_sbuf_put_u64(&w, 42);
	nb_sbuf_end(&w, h);
	h = nb_sbuf_begin(&w, "a-long-tag-cut", 1);
	nb_sbuf_end(&w, h);
	nb_sbuf_reader(&r, w.data, w.len);
	ck_assert_int_eq(nb_sbuf_next(&r, tag, &version, &body), 1);
	ck_assert_str_eq(tag, "vcpu");
	ck_assert_uint_eq(version, 3);
	ck_assert_uint_eq(nb_sbuf_get_u64(&body), 42);
	ck_assert_uint_eq(nb_sbuf_left(&body), 0);
	ck_assert_int_eq(nb_sbuf_next(&r, tag, &version, &body), 1);
	ck_assert_str_eq(tag, "a-long-t");
	ck_assert_uint_eq(nb_sbuf_left(&body), 0);
	ck_assert_int_eq(nb_sbuf_next(&r, tag, &version, &body), 0);
	/* A section whose length runs past the data. */
	w.data[8 + 4] = 0xff;
	nb_sbuf_reader(&r, w.data, w.len);
	ck_assert_int_eq(nb_sbuf_next(&r, tag, &version, &body), -EBADMSG);
	/* A header cut short. */
	nb_sbuf_reader(&r, w.data, 10);
	ck_assert_int_eq(nb_sbuf_next(&r, tag, &version, &body), -EBADMSG);
	nb_sbuf_free(&w);
}
END_TEST

START_TEST(crc64_check_value)
{
	/* CRC-64/XZ of "123456789". */
	ck_assert_uint_eq(nb_crc64(0, "123456789", 9), 0x995DC9BBDF1939FAULL);
	/* Incremental. */
	ck_assert_uint_eq(nb_crc64(nb_crc64(0, "1234", 4), "56789", 5), 0x995DC9BBDF1939FAULL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("state_buf");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, round_trip);
	tcase_add_test(tc, underrun_and_bad_bool);
	tcase_add_test(tc, sections);
	tcase_add_test(tc, crc64_check_value);
	suite_add_tcase(s, tc);
	return nb_check_run(s);
}
