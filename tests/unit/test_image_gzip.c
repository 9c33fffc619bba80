// SPDX-License-Identifier: Apache-2.0
/*
 * Compressed kernels through nb_image_load: a kernel-like Image (text_offset
 * 0, as every kernel since 5.8) gzip'd here with libdeflate's compressor,
 * decompressed into "guest RAM"; truncated, corrupt and lying ones refused
 * with one line naming the file.
 */
#include <check.h>
#include <errno.h>
#include <libdeflate.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arch/aarch64/image.h"
#include "tests/unit/check_run.h"

#define MIB (1u << 20)
#define KERNEL_SIZE (3 * MIB)	    /* the Image file */
#define KERNEL_IMAGE_SIZE (4 * MIB) /* with its BSS */
#define RAM_SIZE (8 * MIB)

struct blob {
	uint8_t *data;
	size_t len;
};

static char tmpdir[64];

static void make_tmpdir(void)
{
	strcpy(tmpdir, "/tmp/nb-test-imgz-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void remove_tmpdir(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
}

static void put_le(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* An Image of KERNEL_SIZE bytes: header, then text-like, compressible bytes. */
static struct blob kernel_image(void)
{
	struct blob k = {.data = malloc(KERNEL_SIZE), .len = KERNEL_SIZE};
	uint32_t x = 2463534242u;

	ck_assert_ptr_nonnull(k.data);
	for (size_t i = 0; i < k.len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		k.data[i] = (i & 0x3ff) < 0x300 ? (uint8_t) "nestbox kernel "[i % 15] : (uint8_t)x;
	}
	memset(k.data, 0, 64);
	put_le(k.data, 0x91005a4d, 4);	   /* code0: MZ, a branch */
	put_le(k.data + 4, 0x14000000, 4); /* code1 */
	put_le(k.data + 8, 0, 8);	   /* text_offset */
	put_le(k.data + 16, KERNEL_IMAGE_SIZE, 8);
	put_le(k.data + 24, 0xa, 8);	    /* LE, 4K pages, anywhere */
	put_le(k.data + 56, 0x644d5241, 4); /* "ARM\x64" */
	return k;
}

static struct blob gzip_of(const struct blob *in)
{
	struct libdeflate_compressor *c = libdeflate_alloc_compressor(6);
	struct blob gz;

	ck_assert_ptr_nonnull(c);
	gz.len = libdeflate_gzip_compress_bound(c, in->len);
	gz.data = malloc(gz.len);
	ck_assert_ptr_nonnull(gz.data);
	gz.len = libdeflate_gzip_compress(c, in->data, in->len, gz.data, gz.len);
	ck_assert_uint_gt(gz.len, 0);
	libdeflate_free_compressor(c);
	return gz;
}

static const char *write_file(const char *name, const uint8_t *data, size_t len)
{
	static char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
	return path;
}

/* Loads @path into @ram_size bytes and checks the error and its one line. */
static void expect_refused(const char *path, size_t ram_size, int err, const char *msg)
{
	uint8_t *ram = calloc(1, ram_size);
	struct nb_image_info info;
	char e[256] = "", want[256];

	ck_assert_ptr_nonnull(ram);
	ck_assert_int_eq(nb_image_load(path, ram, ram_size, &info, e, sizeof(e)), err);
	snprintf(want, sizeof(want), "kernel %s: %s", path, msg);
	ck_assert_str_eq(e, want);
	ck_assert_ptr_null(strchr(e, '\n'));
	free(ram);
}

START_TEST(test_kernel_decompresses)
{
	struct blob k = kernel_image(), gz = gzip_of(&k);
	uint8_t *ram = malloc(RAM_SIZE);
	struct nb_image_info info;
	const char *path;
	char err[256] = "";

	make_tmpdir();
	ck_assert_ptr_nonnull(ram);
	ck_assert_uint_lt(gz.len, k.len / 2);
	memset(ram, 0xa5, RAM_SIZE);
	path = write_file("Image.gz", gz.data, gz.len);
	ck_assert_int_eq(nb_image_load(path, ram, RAM_SIZE, &info, err, sizeof(err)), 0);
	ck_assert_str_eq(err, "");
	ck_assert(info.compressed);
	ck_assert(!info.zboot);
	ck_assert_uint_eq(info.text_offset, 0);
	ck_assert_uint_eq(info.file_size, KERNEL_SIZE);
	ck_assert_uint_eq(info.load_size, KERNEL_IMAGE_SIZE);
	ck_assert_uint_eq(info.page_size, 4096);
	ck_assert(info.phys_anywhere);
	ck_assert(memcmp(ram, k.data, k.len) == 0);

	/* Exactly enough RAM (image_size), and one byte less. */
	ck_assert_int_eq(nb_image_load(path, ram, KERNEL_IMAGE_SIZE, &info, NULL, 0), 0);
	ck_assert(memcmp(ram, k.data, k.len) == 0);
	expect_refused(path, KERNEL_IMAGE_SIZE - 1, -EFBIG, "needs 4 MiB, guest RAM has 3 MiB");
	/* Less RAM than the Image itself: the trailer's ISIZE names the size. */
	expect_refused(path, 2 * MIB, -EFBIG, "needs 3 MiB, guest RAM has 2 MiB");
	remove_tmpdir();
	free(ram);
	free(k.data);
	free(gz.data);
}
END_TEST

START_TEST(test_truncated_and_corrupt)
{
	struct blob k = kernel_image(), gz = gzip_of(&k);
	static const size_t cuts[] = {1, 2, 9, 10, 100, 4096};

	make_tmpdir();
	/* Cut anywhere: the trailer is gone or is part of the DEFLATE data. */
	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++)
		expect_refused(write_file("cut.gz", gz.data, gz.len - cuts[i]), RAM_SIZE, -EINVAL,
			       "corrupt gzip data");
	expect_refused(write_file("cut.gz", gz.data, gz.len / 2), RAM_SIZE, -EINVAL,
		       "corrupt gzip data");
	/* Only the gzip header left: no Image at all. */
	expect_refused(write_file("head.gz", gz.data, 10), RAM_SIZE, -EINVAL, "corrupt gzip data");
	/* A flipped byte in the DEFLATE data, and in the CRC32. */
	gz.data[gz.len / 3] ^= 0x10;
	expect_refused(write_file("flip.gz", gz.data, gz.len), RAM_SIZE, -EINVAL,
		       "corrupt gzip data");
	gz.data[gz.len / 3] ^= 0x10;
	gz.data[gz.len - 8] ^= 1;
	expect_refused(write_file("crc.gz", gz.data, gz.len), RAM_SIZE, -EINVAL,
		       "corrupt gzip data");
	gz.data[gz.len - 8] ^= 1;
	/* A compression method other than DEFLATE. */
	gz.data[2] = 7;
	expect_refused(write_file("cm.gz", gz.data, gz.len), RAM_SIZE, -EINVAL,
		       "corrupt gzip data");
	remove_tmpdir();
	free(k.data);
	free(gz.data);
}
END_TEST

START_TEST(test_isize_lies)
{
	struct blob k = kernel_image(), gz = gzip_of(&k);
	static const uint32_t lies[] = {0, 1, KERNEL_SIZE - 1, KERNEL_SIZE + 1, 5 * MIB};
	uint8_t *isize = gz.data + gz.len - 4;

	make_tmpdir();
	/* Smaller or larger than the data, but within RAM: the check fails. */
	for (size_t i = 0; i < sizeof(lies) / sizeof(lies[0]); i++) {
		put_le(isize, lies[i], 4);
		expect_refused(write_file("isize.gz", gz.data, gz.len), RAM_SIZE, -EINVAL,
			       "corrupt gzip data");
	}
	/*
	 * Larger than RAM: not trusted to refuse early; the data fits, and
	 * the trailer check refuses it.
	 */
	put_le(isize, 0xffffffffu, 4);
	expect_refused(write_file("isize.gz", gz.data, gz.len), RAM_SIZE, -EINVAL,
		       "corrupt gzip data");
	/* The data does not fit: the (bounded) ISIZE is the size named. */
	expect_refused(write_file("isize.gz", gz.data, gz.len), 2 * MIB, -EFBIG,
		       "needs 4096 MiB, guest RAM has 2 MiB");
	put_le(isize, 1000, 4);
	expect_refused(write_file("isize.gz", gz.data, gz.len), 2 * MIB, -EFBIG,
		       "does not fit in guest RAM (2 MiB) once decompressed");
	remove_tmpdir();
	free(k.data);
	free(gz.data);
}
END_TEST

START_TEST(test_two_members)
{
	/* gzip(1)'s concatenated members: the Image in two parts. */
	struct blob k = kernel_image();
	struct blob a = {k.data, MIB + 123}, b = {k.data + MIB + 123, k.len - MIB - 123};
	struct blob ga = gzip_of(&a), gb = gzip_of(&b);
	uint8_t *both = malloc(ga.len + gb.len), *ram = calloc(1, RAM_SIZE);
	struct nb_image_info info;
	const char *path;

	make_tmpdir();
	ck_assert_ptr_nonnull(both);
	ck_assert_ptr_nonnull(ram);
	memcpy(both, ga.data, ga.len);
	memcpy(both + ga.len, gb.data, gb.len);
	path = write_file("Image.gz", both, ga.len + gb.len);
	ck_assert_int_eq(nb_image_load(path, ram, RAM_SIZE, &info, NULL, 0), 0);
	ck_assert_uint_eq(info.file_size, KERNEL_SIZE);
	ck_assert(memcmp(ram, k.data, k.len) == 0);
	/* The second member cut short. */
	expect_refused(write_file("cut.gz", both, ga.len + gb.len - 3), RAM_SIZE, -EINVAL,
		       "corrupt gzip data");
	remove_tmpdir();
	free(ram);
	free(both);
	free(ga.data);
	free(gb.data);
	free(k.data);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("image_gzip");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_kernel_decompresses);
	tcase_add_test(tc, test_truncated_and_corrupt);
	tcase_add_test(tc, test_isize_lies);
	tcase_add_test(tc, test_two_members);
	suite_add_tcase(s, tc);
	return nb_check_run(s);
}
