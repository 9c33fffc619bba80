// SPDX-License-Identifier: Apache-2.0
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tests/unit/check_run.h"
#include "vmm/snapshot_file.h"

static char path[64];

static void make_body(struct nb_sbuf *b)
{
	size_t h;

	nb_sbuf_init(b);
	h = nb_sbuf_begin(b, "vm", 1);
	for (uint32_t i = 0; i < 1000; i++)
		nb_sbuf_put_u32(b, i);
	nb_sbuf_end(b, h);
}

static void setup(void)
{
	snprintf(path, sizeof(path), "/tmp/nb-snap-%d", (int)getpid());
}

static void teardown(void)
{
	unlink(path);
}

static void flip_byte(off_t off)
{
	int fd = open(path, O_RDWR);
	uint8_t c;

	ck_assert_int_eq(pread(fd, &c, 1, off), 1);
	c ^= 0x40;
	ck_assert_int_eq(pwrite(fd, &c, 1, off), 1);
	close(fd);
}

START_TEST(round_trip)
{
	struct nb_sbuf w, r, body;
	char tag[NB_SBUF_TAG_LEN + 1], err[256];
	uint32_t version;

	make_body(&w);
	ck_assert_int_eq(nb_snapshot_file_write(path, &w, err, sizeof(err)), 0);
	ck_assert_int_eq(nb_snapshot_file_read(path, &r, err, sizeof(err)), 0);
	ck_assert_uint_eq(r.len, w.len);
	ck_assert_int_eq(nb_sbuf_next(&r, tag, &version, &body), 1);
	ck_assert_str_eq(tag, "vm");
	ck_assert_uint_eq(nb_sbuf_left(&body), 4000);
	nb_sbuf_free(&r);
	nb_sbuf_free(&w);
	/* No temporary file is left beside it. */
	ck_assert_int_ne(access("/tmp", F_OK), -1);
}
END_TEST

START_TEST(corruption_is_refused)
{
	struct nb_sbuf w, r;
	char err[256];

	make_body(&w);
	ck_assert_int_eq(nb_snapshot_file_write(path, &w, err, sizeof(err)), 0);
	flip_byte(100); /* in the body */
	ck_assert_int_eq(nb_snapshot_file_read(path, &r, err, sizeof(err)), -EBADMSG);
	ck_assert_ptr_nonnull(strstr(err, "checksum mismatch"));
	ck_assert_ptr_null(r.data);
	flip_byte(100);
	flip_byte(0); /* the magic */
	ck_assert_int_eq(nb_snapshot_file_read(path, &r, err, sizeof(err)), -EBADMSG);
	ck_assert_ptr_nonnull(strstr(err, "bad magic"));
	flip_byte(0);
	flip_byte(8); /* the version */
	ck_assert_int_eq(nb_snapshot_file_read(path, &r, err, sizeof(err)), -ENOTSUP);
	ck_assert_ptr_nonnull(strstr(err, "format version"));
	flip_byte(8);
	ck_assert_int_eq(truncate(path, 40), 0); /* cut short */
	ck_assert_int_eq(nb_snapshot_file_read(path, &r, err, sizeof(err)), -EBADMSG);
	ck_assert_ptr_nonnull(strstr(err, "length"));
	ck_assert_int_eq(truncate(path, 5), 0);
	ck_assert_int_eq(nb_snapshot_file_read(path, &r, err, sizeof(err)), -EBADMSG);
	nb_sbuf_free(&w);
}
END_TEST

START_TEST(file_errors)
{
	struct nb_sbuf w, r;
	char err[256];

	make_body(&w);
	ck_assert_int_eq(nb_snapshot_file_write("/nonexistent/dir/s", &w, err, sizeof(err)),
			 -ENOENT);
	ck_assert_ptr_nonnull(strstr(err, "snapshot_path /nonexistent/dir/s"));
	ck_assert_int_eq(nb_snapshot_file_read("/nonexistent/s", &r, err, sizeof(err)), -ENOENT);
	/* A body that failed to build is not written. */
	w.err = -ENOMEM;
	ck_assert_int_eq(nb_snapshot_file_write(path, &w, err, sizeof(err)), -ENOMEM);
	ck_assert_int_eq(access(path, F_OK), -1);
	w.err = 0;
	nb_sbuf_free(&w);
}
END_TEST

/* Cut at every byte offset: always refused, never a crash or a short read. */
START_TEST(truncation_at_every_offset)
{
	struct nb_sbuf w, r;
	char err[256];
	off_t full;

	nb_sbuf_init(&w);
	nb_sbuf_put_u64(&w, 42);
	nb_sbuf_end(&w, nb_sbuf_begin(&w, "x", 1));
	ck_assert_int_eq(nb_snapshot_file_write(path, &w, err, sizeof(err)), 0);
	full = 32 + (off_t)w.len;
	for (off_t n = full - 1; n >= 0; n--) {
		ck_assert_int_eq(truncate(path, n), 0);
		ck_assert_int_eq(nb_snapshot_file_read(path, &r, err, sizeof(err)), -EBADMSG);
		ck_assert_ptr_null(r.data);
	}
	nb_sbuf_free(&w);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("snapshot_file");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, round_trip);
	tcase_add_test(tc, corruption_is_refused);
	tcase_add_test(tc, file_errors);
	tcase_add_test(tc, truncation_at_every_offset);
	suite_add_tcase(s, tc);
	return nb_check_run(s);
}
