// SPDX-License-Identifier: Apache-2.0
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

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

int main(void)
{
	Suite *s = suite_create("guest_mem");
	TCase *tc = tcase_create("guest_mem");

	tcase_add_test(tc, test_add_and_translate);
	tcase_add_test(tc, test_out_of_bounds_is_refused);
	tcase_add_test(tc, test_bad_regions);
	suite_add_tcase(s, tc);
	return nb_check_run(s);
}
