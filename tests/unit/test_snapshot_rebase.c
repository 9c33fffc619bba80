// SPDX-License-Identifier: Apache-2.0
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/unit/check_run.h"
#include "vmm/snapshot_rebase.h"

#define PAGE 4096
#define PAGES 64

static int tmpfile_of(size_t size)
{
	char path[] = "/tmp/nb-rebase-XXXXXX";
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	unlink(path);
	ck_assert_int_eq(ftruncate(fd, (off_t)size), 0);
	return fd;
}

static void fill_page(int fd, unsigned page, char c)
{
	char buf[PAGE];

	memset(buf, c, sizeof(buf));
	ck_assert_int_eq(pwrite(fd, buf, PAGE, (off_t)page * PAGE), PAGE);
}

static char page_byte(int fd, unsigned page)
{
	char buf[PAGE];

	ck_assert_int_eq(pread(fd, buf, PAGE, (off_t)page * PAGE), PAGE);
	ck_assert(!memcmp(buf, buf + 1, PAGE - 1)); /* one byte throughout */
	return buf[0];
}

/* The diff's data pages land on the base; its holes leave the base as it was. */
START_TEST(test_rebase)
{
	int base = tmpfile_of(PAGES * PAGE), diff = tmpfile_of(PAGES * PAGE);
	char err[128] = "";

	for (unsigned p = 0; p < PAGES; p++)
		fill_page(base, p, 'a');
	fill_page(diff, 3, 'b');
	fill_page(diff, 4, 'c');
	fill_page(diff, PAGES - 1, 'd');
	ck_assert_int_eq(nb_snapshot_rebase(base, diff, err, sizeof(err)), 0);
	for (unsigned p = 0; p < PAGES; p++) {
		char want = p == 3 ? 'b' : p == 4 ? 'c' : p == PAGES - 1 ? 'd' : 'a';

		ck_assert_int_eq(page_byte(base, p), want);
	}
	close(base);
	close(diff);
}
END_TEST

START_TEST(test_rebase_refuses_other_size)
{
	int base = tmpfile_of(PAGES * PAGE), diff = tmpfile_of(PAGE);
	char err[128] = "";

	ck_assert_int_eq(nb_snapshot_rebase(base, diff, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "the memory files differ in size (base 262144 bytes, diff 4096): not "
			      "of one microVM");
	close(base);
	close(diff);
}
END_TEST

START_TEST(test_rebase_read_only_base)
{
	int diff = tmpfile_of(PAGES * PAGE), base;
	char path[] = "/tmp/nb-rebase-XXXXXX", err[128] = "";

	base = mkstemp(path);
	ck_assert_int_ge(base, 0);
	ck_assert_int_eq(ftruncate(base, PAGES * PAGE), 0);
	close(base);
	base = open(path, O_RDONLY);
	unlink(path);
	fill_page(diff, 1, 'x');
	ck_assert_int_eq(nb_snapshot_rebase(base, diff, err, sizeof(err)), -EBADF);
	ck_assert_str_eq(err, "copy: Bad file descriptor");
	close(base);
	close(diff);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("snapshot_rebase");
	TCase *tc = tcase_create("rebase");

	tcase_add_test(tc, test_rebase);
	tcase_add_test(tc, test_rebase_refuses_other_size);
	tcase_add_test(tc, test_rebase_read_only_base);
	suite_add_tcase(s, tc);
	return nb_check_run(s);
}
