// SPDX-License-Identifier: Apache-2.0
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "devices/mmio_bus.h"
#include "tests/unit/check_run.h"

/*
 * Linked with -Wl,--wrap=reallocarray so that the bus's allocation can be
 * made to fail.
 */
void *__real_reallocarray(void *ptr, size_t nmemb, size_t size);
void *__wrap_reallocarray(void *ptr, size_t nmemb, size_t size);
static int fail_allocs;

void *__wrap_reallocarray(void *ptr, size_t nmemb, size_t size)
{
	if (fail_allocs) {
		errno = ENOMEM;
		return NULL;
	}
	return __real_reallocarray(ptr, nmemb, size);
}

/* A device that records its last access and reads back id ^ offset bytes. */
struct fake_dev {
	int id;
	int reads, writes;
	uint64_t offset;
	uint32_t len;
	uint8_t data[8];
};

static void fake_read(void *opaque, uint64_t offset, uint8_t *data, uint32_t len)
{
	struct fake_dev *d = opaque;

	d->reads++;
	d->offset = offset;
	d->len = len;
	for (uint32_t i = 0; i < len; i++)
		data[i] = (uint8_t)(d->id ^ (offset + i));
}

static void fake_write(void *opaque, uint64_t offset, const uint8_t *data, uint32_t len)
{
	struct fake_dev *d = opaque;

	d->writes++;
	d->offset = offset;
	d->len = len;
	memcpy(d->data, data, len);
}

static const struct nb_mmio_ops fake_ops = {.read = fake_read, .write = fake_write};
static const struct nb_mmio_ops null_ops = {0};

START_TEST(test_add_rejects_bad_ranges)
{
	struct nb_mmio_bus bus;
	struct fake_dev d = {0};

	nb_mmio_bus_init(&bus);
	ck_assert_int_eq(nb_mmio_bus_add(&bus, 0x1000, 0, &fake_ops, &d), -EINVAL);
	ck_assert_int_eq(nb_mmio_bus_add(&bus, UINT64_MAX, 2, &fake_ops, &d), -EINVAL);
	ck_assert_int_eq(nb_mmio_bus_add(&bus, 0x1000, UINT64_MAX, &fake_ops, &d), -EINVAL);
	ck_assert_int_eq(nb_mmio_bus_add(&bus, 0x1000, 0x1000, NULL, &d), -EINVAL);
	ck_assert_uint_eq(bus.nr, 0);
	/* Ending exactly at the top of the address space is fine. */
	ck_assert_int_eq(nb_mmio_bus_add(&bus, UINT64_MAX - 0xfff, 0x1000, &fake_ops, &d), 0);
	ck_assert_int_eq(nb_mmio_bus_add(&bus, 0, 1, &fake_ops, &d), 0);
	ck_assert_uint_eq(bus.nr, 2);
	nb_mmio_bus_destroy(&bus);
	ck_assert_ptr_null(bus.regions);
	ck_assert_uint_eq(bus.nr, 0);
}
END_TEST

START_TEST(test_add_rejects_overlap)
{
	struct nb_mmio_bus bus;
	struct fake_dev d = {0};

	nb_mmio_bus_init(&bus);
	ck_assert_int_eq(nb_mmio_bus_add(&bus, 0x2000, 0x1000, &fake_ops, &d), 0);
	ck_assert_int_eq(nb_mmio_bus_add(&bus, 0x2000, 0x1000, &fake_ops, &d), -EEXIST);
	ck_assert_int_eq(nb_mmio_bus_add(&bus, 0x1800, 0x1000, &fake_ops, &d), -EEXIST);
	ck_assert_int_eq(nb_mmio_bus_add(&bus, 0x2fff, 0x10, &fake_ops, &d), -EEXIST);
	ck_assert_int_eq(nb_mmio_bus_add(&bus, 0x2100, 0x10, &fake_ops, &d), -EEXIST);
	ck_assert_int_eq(nb_mmio_bus_add(&bus, 0x1000, 0x3000, &fake_ops, &d), -EEXIST);
	ck_assert_int_eq(nb_mmio_bus_add(&bus, 0x1fff, 1, &fake_ops, &d), 0);
	ck_assert_int_eq(nb_mmio_bus_add(&bus, 0x3000, 1, &fake_ops, &d), 0);
	ck_assert_int_eq(nb_mmio_bus_add(&bus, 0, UINT64_MAX, &fake_ops, &d), -EEXIST);
	ck_assert_uint_eq(bus.nr, 3);
	nb_mmio_bus_destroy(&bus);
}
END_TEST

START_TEST(test_add_out_of_memory)
{
	struct nb_mmio_bus bus;
	struct fake_dev d = {0};
	uint8_t buf[1];

	nb_mmio_bus_init(&bus);
	fail_allocs = 1;
	ck_assert_int_eq(nb_mmio_bus_add(&bus, 0x1000, 0x1000, &fake_ops, &d), -ENOMEM);
	ck_assert_uint_eq(bus.nr, 0);
	fail_allocs = 0;
	/* Fill the first allocation, then fail to grow it: the table is intact. */
	for (uint64_t i = 0; i < 8; i++)
		ck_assert_int_eq(nb_mmio_bus_add(&bus, i * 0x1000, 0x1000, &fake_ops, &d), 0);
	fail_allocs = 1;
	ck_assert_int_eq(nb_mmio_bus_add(&bus, 0x10000, 0x1000, &fake_ops, &d), -ENOMEM);
	fail_allocs = 0;
	ck_assert_uint_eq(bus.nr, 8);
	ck_assert_int_eq(nb_mmio_bus_access(&bus, 0x7fff, buf, 1, false), 0);
	ck_assert_int_eq(nb_mmio_bus_add(&bus, 0x10000, 0x1000, &fake_ops, &d), 0);
	nb_mmio_bus_destroy(&bus);
}
END_TEST

START_TEST(test_unmapped_reads_zero)
{
	struct nb_mmio_bus bus;
	struct fake_dev a = {.id = 0xa0}, b = {.id = 0xb0};
	uint8_t buf[8];
	static const uint64_t holes[] = {0, 0x0fff, 0x3000, 0x4fff, 0x6000, UINT64_MAX};

	nb_mmio_bus_init(&bus);
	memset(buf, 0xee, sizeof(buf));
	ck_assert_int_eq(nb_mmio_bus_access(&bus, 0x1000, buf, 8, false), -ENOENT);
	for (int i = 0; i < 8; i++)
		ck_assert_uint_eq(buf[i], 0);

	ck_assert_int_eq(nb_mmio_bus_add(&bus, 0x5000, 0x1000, &fake_ops, &b), 0);
	ck_assert_int_eq(nb_mmio_bus_add(&bus, 0x1000, 0x2000, &fake_ops, &a), 0);
	for (size_t h = 0; h < sizeof(holes) / sizeof(holes[0]); h++) {
		memset(buf, 0xee, sizeof(buf));
		ck_assert_int_eq(nb_mmio_bus_access(&bus, holes[h], buf, 4, false), -ENOENT);
		ck_assert_uint_eq(nb_mmio_le_get(buf, 8), 0xeeeeeeee00000000ULL);
		ck_assert_int_eq(nb_mmio_bus_access(&bus, holes[h], buf, 1, true), -ENOENT);
	}
	ck_assert_int_eq(a.reads + a.writes + b.reads + b.writes, 0);
	nb_mmio_bus_destroy(&bus);
}
END_TEST

START_TEST(test_bad_accesses_rejected)
{
	struct nb_mmio_bus bus;
	struct fake_dev d = {.id = 0x11};
	uint8_t buf[16];
	static const uint32_t bad_lens[] = {0, 3, 5, 7, 16, UINT32_MAX};

	nb_mmio_bus_init(&bus);
	ck_assert_int_eq(nb_mmio_bus_add(&bus, 0x1000, 0x100, &fake_ops, &d), 0);

	/* Crossing the end of the region. */
	memset(buf, 0xee, sizeof(buf));
	ck_assert_int_eq(nb_mmio_bus_access(&bus, 0x10ff, buf, 2, false), -EINVAL);
	ck_assert_uint_eq(buf[0], 0);
	ck_assert_uint_eq(buf[1], 0);
	ck_assert_int_eq(nb_mmio_bus_access(&bus, 0x10f9, buf, 8, true), -EINVAL);
	ck_assert_int_eq(nb_mmio_bus_access(&bus, 0x10fc, buf, 8, false), -EINVAL);
	/* ...but ending exactly on it is fine. */
	ck_assert_int_eq(nb_mmio_bus_access(&bus, 0x10f8, buf, 8, false), 0);
	ck_assert_int_eq(nb_mmio_bus_access(&bus, 0x10ff, buf, 1, true), 0);
	ck_assert_int_eq(d.reads, 1);
	ck_assert_int_eq(d.writes, 1);

	/* Lengths other than 1, 2, 4, 8: zeros, at most 8 bytes of them. */
	for (size_t i = 0; i < sizeof(bad_lens) / sizeof(bad_lens[0]); i++) {
		memset(buf, 0xee, sizeof(buf));
		ck_assert_int_eq(nb_mmio_bus_access(&bus, 0x1000, buf, bad_lens[i], false),
				 -EINVAL);
		for (uint32_t j = 0; j < 16; j++)
			ck_assert_uint_eq(buf[j], j < bad_lens[i] && j < 8 ? 0 : 0xee);
		ck_assert_int_eq(nb_mmio_bus_access(&bus, 0x1000, buf, bad_lens[i], true), -EINVAL);
	}
	ck_assert_int_eq(d.reads, 1);
	ck_assert_int_eq(d.writes, 1);
	nb_mmio_bus_destroy(&bus);
}
END_TEST

START_TEST(test_dispatch_offset_and_data)
{
	struct nb_mmio_bus bus;
	struct fake_dev a = {.id = 0xa0}, b = {.id = 0xb0};
	uint8_t buf[8];

	nb_mmio_bus_init(&bus);
	ck_assert_int_eq(nb_mmio_bus_add(&bus, 0x40002000, 0x1000, &fake_ops, &b), 0);
	ck_assert_int_eq(nb_mmio_bus_add(&bus, 0x40001000, 0x1000, &fake_ops, &a), 0);

	ck_assert_int_eq(nb_mmio_bus_access(&bus, 0x40002010, buf, 4, false), 0);
	ck_assert_int_eq(b.reads, 1);
	ck_assert_uint_eq(b.offset, 0x10);
	ck_assert_uint_eq(b.len, 4);
	ck_assert_uint_eq(nb_mmio_le_get(buf, 4), 0xa3a2a1a0);

	nb_mmio_le_put(buf, 8, 0x0102030405060708ULL);
	ck_assert_int_eq(nb_mmio_bus_access(&bus, 0x40001ff8, buf, 8, true), 0);
	ck_assert_int_eq(a.writes, 1);
	ck_assert_uint_eq(a.offset, 0xff8);
	ck_assert_uint_eq(a.len, 8);
	ck_assert_uint_eq(nb_mmio_le_get(a.data, 8), 0x0102030405060708ULL);
	ck_assert_int_eq(a.reads + b.writes, 0);
	nb_mmio_bus_destroy(&bus);
}
END_TEST

START_TEST(test_null_callbacks)
{
	struct nb_mmio_bus bus;
	uint8_t buf[8];

	nb_mmio_bus_init(&bus);
	ck_assert_int_eq(nb_mmio_bus_add(&bus, 0x1000, 0x1000, &null_ops, NULL), 0);
	memset(buf, 0xee, sizeof(buf));
	ck_assert_int_eq(nb_mmio_bus_access(&bus, 0x1000, buf, 8, false), 0);
	ck_assert_uint_eq(nb_mmio_le_get(buf, 8), 0);
	ck_assert_int_eq(nb_mmio_bus_access(&bus, 0x1000, buf, 8, true), 0);
	nb_mmio_bus_destroy(&bus);
}
END_TEST

START_TEST(test_many_regions_random_order)
{
	enum { N = 300 };
	static struct fake_dev devs[N];
	size_t order[N];
	struct nb_mmio_bus bus;
	uint32_t seed = 12345;
	uint8_t buf[2];

	nb_mmio_bus_init(&bus);
	for (size_t i = 0; i < N; i++) {
		devs[i] = (struct fake_dev){.id = (int)i};
		order[i] = i;
	}
	for (size_t i = N - 1; i > 0; i--) {
		size_t j, t;

		seed = seed * 1103515245 + 12345;
		j = (seed >> 8) % (i + 1);
		t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
	/* Region i: [i * 0x1000, i * 0x1000 + 0x800), a hole after each. */
	for (size_t k = 0; k < N; k++) {
		size_t i = order[k];

		ck_assert_int_eq(nb_mmio_bus_add(&bus, i * 0x1000, 0x800, &fake_ops, &devs[i]), 0);
	}
	ck_assert_uint_eq(bus.nr, N);
	for (size_t i = 1; i < N; i++)
		ck_assert_uint_lt(bus.regions[i - 1].base, bus.regions[i].base);

	for (size_t i = 0; i < N; i++) {
		uint64_t base = i * 0x1000;

		ck_assert_int_eq(nb_mmio_bus_access(&bus, base, buf, 1, false), 0);
		ck_assert_int_eq(nb_mmio_bus_access(&bus, base + 0x7fe, buf, 2, true), 0);
		ck_assert_int_eq(devs[i].reads, 1);
		ck_assert_int_eq(devs[i].writes, 1);
		ck_assert_uint_eq(devs[i].offset, 0x7fe);
		ck_assert_int_eq(nb_mmio_bus_access(&bus, base + 0x800, buf, 1, false), -ENOENT);
		ck_assert_int_eq(nb_mmio_bus_access(&bus, base + 0xfff, buf, 1, false), -ENOENT);
		ck_assert_int_eq(nb_mmio_bus_add(&bus, base + 0x7ff, 2, &fake_ops, NULL), -EEXIST);
	}
	ck_assert_uint_eq(bus.nr, N);
	nb_mmio_bus_destroy(&bus);
}
END_TEST

START_TEST(test_le_helpers)
{
	uint8_t buf[8] = {0};

	nb_mmio_le_put(buf, 2, 0xabcd1234);
	ck_assert_uint_eq(buf[0], 0x34);
	ck_assert_uint_eq(buf[1], 0x12);
	ck_assert_uint_eq(buf[2], 0);
	ck_assert_uint_eq(nb_mmio_le_get(buf, 1), 0x34);
	ck_assert_uint_eq(nb_mmio_le_get(buf, 4), 0x1234);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("mmio_bus");
	TCase *tc = tcase_create("bus");

	tcase_add_test(tc, test_add_rejects_bad_ranges);
	tcase_add_test(tc, test_add_rejects_overlap);
	tcase_add_test(tc, test_add_out_of_memory);
	tcase_add_test(tc, test_unmapped_reads_zero);
	tcase_add_test(tc, test_bad_accesses_rejected);
	tcase_add_test(tc, test_dispatch_offset_and_data);
	tcase_add_test(tc, test_null_callbacks);
	tcase_add_test(tc, test_many_regions_random_order);
	tcase_add_test(tc, test_le_helpers);
	suite_add_tcase(s, tc);
	return nb_check_run(s);
}
