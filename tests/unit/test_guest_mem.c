// SPDX-License-Identifier: Apache-2.0
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmm/guest_mem.h"
#include "tests/unit/check_run.h"

#define MIB (1024ULL * 1024)
#define BASE 0x80000000ULL

START_TEST(test_add_and_translate)
{
	struct nb_guest_mem m;
	uint8_t *p;
	uint32_t v = 0xdeadbeef, r = 0;

	nb_mem_init(&m);
	ck_assert_int_eq(nb_mem_add_ram(&m, BASE, 4 * MIB, false), 0);
	p = nb_mem_ptr(&m, BASE, 4 * MIB);
	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_eq(nb_mem_ptr(&m, BASE + 16, 4), p + 16);
	ck_assert_int_eq(nb_mem_write(&m, BASE + 4 * MIB - 4, &v, 4), 0);
	ck_assert_int_eq(nb_mem_read(&m, BASE + 4 * MIB - 4, &r, 4), 0);
	ck_assert_uint_eq(r, v);
	nb_mem_destroy(&m);
	ck_assert_ptr_null(nb_mem_ptr(&m, BASE, 1));
	nb_mem_destroy(&m);
}
END_TEST

/* Only while tracking: nestbox's writes mark their pages, taking them clears the marks. */
START_TEST(test_dirty_tracking)
{
	struct nb_guest_mem m;
	uint64_t bits[16] = {0}; /* 4 MiB: 1024 pages, 16 words */
	uint32_t v = 1;

	nb_mem_init(&m);
	ck_assert_int_eq(nb_mem_add_ram(&m, BASE, 4 * MIB, false), 0);
	ck_assert_int_eq(nb_mem_write(&m, BASE, &v, 4), 0);
	nb_mem_take_dirty(&m, 0, bits);
	ck_assert_uint_eq(bits[0], 0); /* not tracking yet */
	ck_assert_int_eq(nb_mem_track_dirty(&m, true), 0);
	ck_assert_int_eq(nb_mem_write(&m, BASE + 4096 - 2, &v, 4), 0); /* pages 0 and 1 */
	nb_mem_mark_dirty(&m, BASE + 64 * 4096, 3 * 4096);	       /* 64, 65, 66 */
	nb_mem_mark_dirty(&m, BASE + 4 * MIB - 1, 100);		       /* clipped: 1023 */
	nb_mem_mark_dirty(&m, BASE - 4096, 4096);		       /* outside: nothing */
	nb_mem_mark_dirty(&m, BASE + 8 * MIB, 4096);
	nb_mem_take_dirty(&m, 0, bits);
	ck_assert_uint_eq(bits[0], 3);
	ck_assert_uint_eq(bits[1], 7);
	ck_assert_uint_eq(bits[15], 1ULL << 63);
	for (int w = 2; w < 15; w++)
		ck_assert_uint_eq(bits[w], 0);
	memset(bits, 0, sizeof(bits));
	nb_mem_take_dirty(&m, 0, bits); /* taken: cleared */
	nb_mem_take_dirty(&m, 3, bits); /* no such region: nothing */
	for (int w = 0; w < 16; w++)
		ck_assert_uint_eq(bits[w], 0);
	ck_assert_int_eq(nb_mem_track_dirty(&m, false), 0);
	nb_mem_mark_dirty(&m, BASE, 4096);
	nb_mem_destroy(&m);
}
END_TEST

/* A snapshot's memory file read into RAM: its data where it has data, zeros elsewhere. */
START_TEST(test_fill_from_file)
{
	char path[] = "/tmp/nb-fill-XXXXXX";
	int fd = mkstemp(path);
	struct nb_guest_mem m;
	uint8_t page[4096], *p;

	ck_assert_int_ge(fd, 0);
	unlink(path);
	ck_assert_int_eq(ftruncate(fd, 4 * MIB), 0);
	memset(page, 0xab, sizeof(page));
	ck_assert_int_eq(pwrite(fd, page, sizeof(page), 3 * 4096), 4096);
	ck_assert_int_eq(pwrite(fd, page, sizeof(page), 4 * MIB - 4096), 4096);
	nb_mem_init(&m);
	ck_assert_int_eq(nb_mem_fill_from_file(&m, 0, fd), -EINVAL); /* no region yet */
	ck_assert_int_eq(nb_mem_add_ram(&m, BASE, 4 * MIB, false), 0);
	ck_assert_int_eq(nb_mem_fill_from_file(&m, 0, fd), 0);
	p = nb_mem_ptr(&m, BASE, 4 * MIB);
	ck_assert(!memcmp(p + 3 * 4096, page, 4096));
	ck_assert(!memcmp(p + 4 * MIB - 4096, page, 4096));
	ck_assert_uint_eq(p[0], 0);
	ck_assert_uint_eq(p[3 * 4096 - 1], 0);
	ck_assert_uint_eq(p[4 * 4096], 0);
	ck_assert_int_eq(ftruncate(fd, 4 * MIB - 1), 0); /* shorter than the region */
	ck_assert_int_eq(nb_mem_fill_from_file(&m, 0, fd), -EINVAL);
	nb_mem_destroy(&m);
	close(fd);
}
END_TEST

START_TEST(test_out_of_bounds_is_refused)
{
	struct nb_guest_mem m;
	uint8_t b[8];

	nb_mem_init(&m);
	ck_assert_int_eq(nb_mem_add_ram(&m, BASE, 2 * MIB, false), 0);
	ck_assert_ptr_null(nb_mem_ptr(&m, BASE - 1, 1));
	ck_assert_ptr_null(nb_mem_ptr(&m, BASE - 1, 2));
	ck_assert_ptr_null(nb_mem_ptr(&m, BASE + 2 * MIB, 1));
	ck_assert_ptr_null(nb_mem_ptr(&m, BASE + 2 * MIB - 4, 8));
	ck_assert_ptr_null(nb_mem_ptr(&m, BASE + 8, UINT64_MAX));
	ck_assert_ptr_null(nb_mem_ptr(&m, UINT64_MAX, 2));
	ck_assert_ptr_null(nb_mem_ptr(&m, 0, 8));
	ck_assert_int_eq(nb_mem_read(&m, BASE + 2 * MIB - 4, b, 8), -EFAULT);
	ck_assert_int_eq(nb_mem_write(&m, 0, b, 8), -EFAULT);
	nb_mem_destroy(&m);
}
END_TEST

START_TEST(test_bad_regions)
{
	struct nb_guest_mem m;

	nb_mem_init(&m);
	ck_assert_int_eq(nb_mem_add_ram(&m, BASE, 0, false), -EINVAL);
	ck_assert_int_eq(nb_mem_add_ram(&m, BASE + 1, MIB, false), -EINVAL);
	ck_assert_int_eq(nb_mem_add_ram(&m, BASE, MIB + 1, false), -EINVAL);
	ck_assert_int_eq(nb_mem_add_ram(&m, UINT64_MAX - 0xfff, 0x2000, false), -EINVAL);
	ck_assert_int_eq(nb_mem_add_ram(&m, BASE, MIB, false), 0);
	ck_assert_int_eq(nb_mem_add_ram(&m, BASE + MIB / 2, MIB, false), -EINVAL);
	ck_assert_int_eq(nb_mem_add_ram(&m, BASE - MIB / 2, MIB, false), -EINVAL);
	for (unsigned i = 1; i < NB_MEM_MAX_REGIONS; i++)
		ck_assert_int_eq(nb_mem_add_ram(&m, BASE + 2 * i * MIB, MIB, false), 0);
	ck_assert_int_eq(nb_mem_add_ram(&m, 0, MIB, false), -ENOSPC);
	nb_mem_destroy(&m);
}
END_TEST

/* RAM is a memfd: what the guest writes is in the file a snapshot saves. */
START_TEST(test_memfd_backing)
{
	struct nb_guest_mem m;
	uint64_t v = 0x1122334455667788ULL, r = 0;

	nb_mem_init(&m);
	ck_assert_int_eq(nb_mem_add_ram(&m, BASE, 2 * MIB, false), 0);
	ck_assert_int_ge(m.regions[0].fd, 0);
	ck_assert_int_eq(nb_mem_write(&m, BASE + MIB, &v, sizeof(v)), 0);
	ck_assert_int_eq(pread(m.regions[0].fd, &r, sizeof(r), MIB), sizeof(r));
	ck_assert_uint_eq(r, v);
	nb_mem_destroy(&m);
}
END_TEST

static long free_huge_pages(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[128];
	long n = -1;

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "HugePages_Free: %ld", &n) == 1)
			break;
	if (f)
		fclose(f);
	return n;
}

/* A pool too small for "2M" RAM fails at once, not with SIGBUS later. */
START_TEST(test_hugepages_pool_too_small)
{
	struct nb_guest_mem m;
	long free_pages = free_huge_pages();
	int r;

	if (free_pages < 0)
		return; /* no hugetlbfs on this kernel */
	nb_mem_init(&m);
	r = nb_mem_add_ram(&m, BASE, (uint64_t)(free_pages + 1) * 2 * MIB, true);
	ck_assert_int_eq(r, -ENOMEM);
	ck_assert_uint_eq(m.nr, 0);
	nb_mem_destroy(&m);
}
END_TEST

/* A snapshot's memory file, mapped copy-on-write: the guest's writes stay private. */
START_TEST(test_file_backing)
{
	struct nb_guest_mem m;
	char path[] = "/tmp/nb-mem-XXXXXX";
	int fd = mkstemp(path);
	uint64_t v = 0xfeedfacecafef00dULL, r = 0, w = 1;

	ck_assert_int_ge(fd, 0);
	unlink(path);
	ck_assert_int_eq(ftruncate(fd, 2 * MIB), 0);
	ck_assert_int_eq(pwrite(fd, &v, sizeof(v), MIB), sizeof(v));
	nb_mem_init(&m);
	/* A file shorter than the RAM it should back. */
	ck_assert_int_eq(nb_mem_add_file(&m, BASE, 4 * MIB, fd), -EINVAL);
	ck_assert_int_eq(nb_mem_add_file(&m, BASE, 2 * MIB, fd), 0);
	ck_assert_int_eq(nb_mem_read(&m, BASE + MIB, &r, sizeof(r)), 0);
	ck_assert_uint_eq(r, v);
	ck_assert_int_eq(nb_mem_write(&m, BASE + MIB, &w, sizeof(w)), 0);
	ck_assert_int_eq(pread(fd, &r, sizeof(r), MIB), sizeof(r));
	ck_assert_uint_eq(r, v); /* the file is untouched */
	close(fd);		 /* the region holds its own descriptor */
	ck_assert_int_eq(nb_mem_read(&m, BASE + MIB, &r, sizeof(r)), 0);
	ck_assert_uint_eq(r, w);
	nb_mem_destroy(&m);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("guest_mem");
	TCase *tc = tcase_create("guest_mem");

	tcase_add_test(tc, test_add_and_translate);
	tcase_add_test(tc, test_memfd_backing);
	tcase_add_test(tc, test_file_backing);
	tcase_add_test(tc, test_hugepages_pool_too_small);
	tcase_add_test(tc, test_out_of_bounds_is_refused);
	tcase_add_test(tc, test_bad_regions);
	tcase_add_test(tc, test_dirty_tracking);
	tcase_add_test(tc, test_fill_from_file);
	suite_add_tcase(s, tc);
	return nb_check_run(s);
}
