// SPDX-License-Identifier: Apache-2.0
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arch/aarch64/image.h"
#include "tests/unit/check_run.h"

#define MIB (1u << 20)
#define IMG_TEXT_OFFSET 0x80000u /* image.bin's header */
#define IMG_IMAGE_SIZE 0x30000u
#define IMG_FILE_SIZE 0x10000u

/* ---- helpers ---- */

struct blob {
	uint8_t *data;
	size_t len;
};

static char *fixture_path(const char *name)
{
	const char *dir = getenv("NB_TEST_DATA");
	char *path;

	ck_assert_ptr_nonnull(dir);
	ck_assert_int_gt(asprintf(&path, "%s/boot/%s", dir, name), 0);
	return path;
}

static struct blob fixture(const char *name)
{
	char *path = fixture_path(name);
	struct blob b = {0};
	FILE *f = fopen(path, "rb");
	long n;

	ck_assert_msg(f != NULL, "cannot open %s", path);
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	b.len = (size_t)n;
	b.data = malloc(b.len + 1);
	ck_assert_ptr_nonnull(b.data);
	ck_assert_uint_eq(fread(b.data, 1, b.len, f), b.len);
	fclose(f);
	free(path);
	return b;
}

/* A scratch directory for generated kernel files. */
struct scratch {
	char dir[64];
	char path[128];
};

static void scratch_init(struct scratch *s)
{
	strcpy(s->dir, "/tmp/nb-test-image-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(s->dir));
}

/* Writes @name in the scratch directory and returns its path. */
static const char *scratch_file(struct scratch *s, const char *name, const void *data, size_t len)
{
	FILE *f;

	snprintf(s->path, sizeof(s->path), "%s/%s", s->dir, name);
	f = fopen(s->path, "wb");
	ck_assert_ptr_nonnull(f);
	if (len)
		ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
	return s->path;
}

static void scratch_cleanup(struct scratch *s)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", s->dir);
	ck_assert_int_eq(system(cmd), 0);
}

static void put_le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* A 64-byte header with the given fields. */
static void make_header(uint8_t *h, uint64_t text_offset, uint64_t image_size, uint64_t flags)
{
	memset(h, 0, 64);
	put_le32(h, 0x91005a4d);
	put_le32(h + 4, 0x14000000);
	put_le64(h + 8, text_offset);
	put_le64(h + 16, image_size);
	put_le64(h + 24, flags);
	put_le32(h + 56, 0x644d5241);
}

/* "Guest RAM" filled with a marker byte. */
static uint8_t *guest_ram(size_t size)
{
	uint8_t *ram = malloc(size);

	ck_assert_ptr_nonnull(ram);
	memset(ram, 0xa5, size);
	return ram;
}

static bool all_marker(const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (p[i] != 0xa5)
			return false;
	}
	return true;
}

static bool all_zero(const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (p[i])
			return false;
	}
	return true;
}

/* Loads @path and checks the error and message (which must name the file). */
static void expect_load_error(const char *path, size_t ram_size, int err, const char *msg)
{
	uint8_t *ram = guest_ram(ram_size);
	struct nb_image_info info;
	char e[256] = "";
	char *want;

	ck_assert_int_eq(nb_image_load(path, ram, ram_size, &info, e, sizeof(e)), err);
	ck_assert_int_gt(asprintf(&want, "kernel %s: %s", path, msg), 0);
	ck_assert_str_eq(e, want);
	ck_assert_ptr_null(strchr(e, '\n'));
	free(want);
	free(ram);
}

/* ---- header ---- */

START_TEST(test_header_good)
{
	struct blob img = fixture("image.bin");
	struct nb_image_info info;
	char err[128] = "";

	ck_assert_int_eq(nb_image_parse_header(img.data, img.len, &info, err, sizeof(err)), 0);
	ck_assert_str_eq(err, "");
	ck_assert_uint_eq(info.text_offset, IMG_TEXT_OFFSET);
	ck_assert_uint_eq(info.image_size, IMG_IMAGE_SIZE);
	ck_assert_uint_eq(info.load_size, IMG_IMAGE_SIZE);
	ck_assert_uint_eq(info.file_size, IMG_FILE_SIZE);
	ck_assert_uint_eq(info.flags, 0xa);
	ck_assert_uint_eq(info.page_size, 4096);
	ck_assert(info.phys_anywhere);
	ck_assert(!info.legacy);
	ck_assert(!info.compressed);
	/* Only the header: the load size is the header's image_size. */
	ck_assert_int_eq(nb_image_parse_header(img.data, 64, &info, NULL, 0), 0);
	ck_assert_uint_eq(info.load_size, IMG_IMAGE_SIZE);
	free(img.data);
}
END_TEST

START_TEST(test_header_flags)
{
	static const uint32_t pages[4] = {0, 4096, 16384, 65536};
	struct nb_image_info info;
	uint8_t h[64];

	for (int p = 0; p < 4; p++) {
		make_header(h, 0, 0x200000, (uint64_t)p << 1);
		ck_assert_int_eq(nb_image_parse_header(h, sizeof(h), &info, NULL, 0), 0);
		ck_assert_uint_eq(info.page_size, pages[p]);
		ck_assert(!info.phys_anywhere);
		ck_assert_uint_eq(info.text_offset, 0);
		ck_assert_uint_eq(info.load_size, 0x200000);
	}
	/* Reserved bits 4-63 are ignored. */
	make_header(h, 0, 0x200000, 0xfffffffffffffff0ull | 8);
	ck_assert_int_eq(nb_image_parse_header(h, sizeof(h), &info, NULL, 0), 0);
	ck_assert(info.phys_anywhere);
}
END_TEST

START_TEST(test_header_bad_magic)
{
	struct nb_image_info info;
	uint8_t h[64];
	char err[128];

	make_header(h, 0, 0x10000, 2);
	h[59] = 0x65;
	ck_assert_int_eq(nb_image_parse_header(h, sizeof(h), &info, err, sizeof(err)), -ENOEXEC);
	ck_assert_str_eq(err, "not an arm64 Image: bad magic");
}
END_TEST

START_TEST(test_header_truncated)
{
	struct nb_image_info info;
	uint8_t h[64];
	char err[128];

	make_header(h, 0, 0x10000, 2);
	ck_assert_int_eq(nb_image_parse_header(h, 40, &info, err, sizeof(err)), -ENOEXEC);
	ck_assert_str_eq(err, "truncated: 40 bytes, the header needs 64");
	ck_assert_int_eq(nb_image_parse_header(h, 63, &info, err, sizeof(err)), -ENOEXEC);
	ck_assert_int_eq(nb_image_parse_header(h, 0, &info, NULL, 0), -ENOEXEC);
	/* A short error buffer gets a truncated message. */
	ck_assert_int_eq(nb_image_parse_header(h, 40, &info, err, 10), -ENOEXEC);
	ck_assert_str_eq(err, "truncated");
}
END_TEST

START_TEST(test_header_big_endian)
{
	struct nb_image_info info;
	uint8_t h[64];
	char err[128];

	make_header(h, 0, 0x10000, 1 | 2);
	ck_assert_int_eq(nb_image_parse_header(h, sizeof(h), &info, err, sizeof(err)), -ENOEXEC);
	ck_assert_str_eq(err, "big-endian kernel not supported");
}
END_TEST

START_TEST(test_header_legacy)
{
	struct nb_image_info info;
	uint8_t img[4096];

	/* image_size 0: text_offset may be big-endian, 0x80000 is assumed. */
	make_header(img, 0x0000080000000000ull, 0, 0);
	ck_assert_int_eq(nb_image_parse_header(img, sizeof(img), &info, NULL, 0), 0);
	ck_assert(info.legacy);
	ck_assert_uint_eq(info.text_offset, 0x80000);
	ck_assert_uint_eq(info.image_size, 0);
	ck_assert_uint_eq(info.load_size, sizeof(img));
	ck_assert_uint_eq(info.page_size, 0);
}
END_TEST

/* ---- loading ---- */

static void check_loaded(const uint8_t *ram, size_t ram_size, const struct nb_image_info *info,
			 const struct blob *img)
{
	ck_assert_uint_eq(info->text_offset, IMG_TEXT_OFFSET);
	ck_assert_uint_eq(info->image_size, IMG_IMAGE_SIZE);
	ck_assert_uint_eq(info->load_size, IMG_IMAGE_SIZE);
	ck_assert_uint_eq(info->file_size, IMG_FILE_SIZE);
	ck_assert_uint_eq(info->page_size, 4096);
	if (info->compressed) {
		/* Decompressed at the load base, then moved up: zeros where it was. */
		ck_assert(all_zero(ram, img->len));
		ck_assert(all_marker(ram + img->len, IMG_TEXT_OFFSET - img->len));
	} else {
		ck_assert(all_marker(ram, IMG_TEXT_OFFSET));
	}
	ck_assert(memcmp(ram + IMG_TEXT_OFFSET, img->data, img->len) == 0);
	/* The decompressor may leave scratch bytes just past the end. */
	ck_assert(all_marker(ram + IMG_TEXT_OFFSET + img->len + 64,
			     ram_size - IMG_TEXT_OFFSET - img->len - 64));
}

START_TEST(test_load_plain)
{
	struct blob img = fixture("image.bin");
	char *path = fixture_path("image.bin");
	size_t ram_size = 2 * MIB;
	uint8_t *ram = guest_ram(ram_size);
	struct nb_image_info info;
	char err[256] = "";

	ck_assert_int_eq(nb_image_load(path, ram, ram_size, &info, err, sizeof(err)), 0);
	ck_assert_str_eq(err, "");
	check_loaded(ram, ram_size, &info, &img);
	ck_assert(all_marker(ram + IMG_TEXT_OFFSET + img.len, 64));
	ck_assert(!info.compressed);
	ck_assert(!info.zboot);

	/* Exactly enough RAM: text_offset + image_size. */
	memset(ram, 0xa5, ram_size);
	ck_assert_int_eq(nb_image_load(path, ram, IMG_TEXT_OFFSET + IMG_IMAGE_SIZE, &info, NULL, 0),
			 0);
	check_loaded(ram, ram_size, &info, &img);
	free(ram);
	free(path);
	free(img.data);
}
END_TEST

START_TEST(test_load_gzip)
{
	struct blob img = fixture("image.bin");
	char *path = fixture_path("image.gz");
	size_t ram_size = 2 * MIB;
	uint8_t *ram = guest_ram(ram_size);
	struct nb_image_info info;
	char err[256] = "";

	ck_assert_int_eq(nb_image_load(path, ram, ram_size, &info, err, sizeof(err)), 0);
	ck_assert_str_eq(err, "");
	check_loaded(ram, ram_size, &info, &img);
	ck_assert(info.compressed);
	ck_assert(!info.zboot);

	memset(ram, 0xa5, ram_size);
	ck_assert_int_eq(nb_image_load(path, ram, IMG_TEXT_OFFSET + IMG_IMAGE_SIZE, &info, NULL, 0),
			 0);
	check_loaded(ram, ram_size, &info, &img);
	free(ram);
	free(path);
	free(img.data);
}
END_TEST

/* An EFI zboot image around @payload, with compression type @comp. */
static struct blob make_zboot(const struct blob *payload, const char *comp, uint32_t size_delta)
{
	struct blob z = {.len = 512 + payload->len + 100};

	z.data = calloc(1, z.len);
	ck_assert_ptr_nonnull(z.data);
	z.data[0] = 'M';
	z.data[1] = 'Z';
	memcpy(z.data + 4, "zimg", 4);
	put_le32(z.data + 8, 512);
	put_le32(z.data + 12, (uint32_t)payload->len + size_delta);
	strcpy((char *)z.data + 24, comp);
	put_le32(z.data + 0x38, 0x818223cd); /* LINUX_PE_MAGIC */
	memcpy(z.data + 512, payload->data, payload->len);
	memset(z.data + 512 + payload->len, 0x5a, 100); /* rest of the PE image */
	return z;
}

START_TEST(test_load_zboot)
{
	struct blob img = fixture("image.bin"), gz = fixture("image.gz");
	struct blob z = make_zboot(&gz, "gzip", 0);
	size_t ram_size = 2 * MIB;
	uint8_t *ram = guest_ram(ram_size);
	struct nb_image_info info;
	struct scratch s;
	const char *path;
	char err[256] = "";

	scratch_init(&s);
	path = scratch_file(&s, "vmlinuz.efi", z.data, z.len);
	ck_assert_int_eq(nb_image_load(path, ram, ram_size, &info, err, sizeof(err)), 0);
	ck_assert_str_eq(err, "");
	check_loaded(ram, ram_size, &info, &img);
	ck_assert(info.compressed);
	ck_assert(info.zboot);
	free(z.data);

	z = make_zboot(&gz, "zstd22", 0);
	path = scratch_file(&s, "vmlinuz.zstd", z.data, z.len);
	expect_load_error(path, ram_size, -ENOEXEC,
			  "EFI zboot image with 'zstd22' compression not supported (only gzip)");
	free(z.data);

	z = make_zboot(&gz, "gzip", 1000);
	path = scratch_file(&s, "vmlinuz.past", z.data, z.len);
	ck_assert_int_eq(nb_image_load(path, ram, ram_size, &info, err, sizeof(err)), -ENOEXEC);
	ck_assert_ptr_nonnull(strstr(err, "lies past the end of the file"));
	free(z.data);

	/* A payload cut short. */
	z = make_zboot(&gz, "gzip", (uint32_t)-100);
	path = scratch_file(&s, "vmlinuz.short", z.data, z.len);
	expect_load_error(path, ram_size, -EINVAL, "corrupt gzip data");
	free(z.data);

	scratch_cleanup(&s);
	free(ram);
	free(img.data);
	free(gz.data);
}
END_TEST

START_TEST(test_load_missing_file)
{
	expect_load_error("/nonexistent/Image", MIB, -ENOENT, "No such file or directory");
}
END_TEST

START_TEST(test_load_not_regular)
{
	struct scratch s;

	scratch_init(&s);
	expect_load_error(s.dir, MIB, -ENOEXEC, "not a regular file");
	scratch_cleanup(&s);
}
END_TEST

START_TEST(test_load_empty_file)
{
	struct scratch s;

	scratch_init(&s);
	expect_load_error(scratch_file(&s, "Image", NULL, 0), MIB, -ENOEXEC, "empty file");
	scratch_cleanup(&s);
}
END_TEST

START_TEST(test_load_bad_headers)
{
	struct blob txt = fixture("dynamic.txt");
	struct scratch s;
	uint8_t h[64];

	scratch_init(&s);
	expect_load_error(scratch_file(&s, "text", txt.data, txt.len), MIB, -ENOEXEC,
			  "not an arm64 Image (bad magic)");
	make_header(h, 0, 0x1000, 2);
	expect_load_error(scratch_file(&s, "short", h, 40), MIB, -ENOEXEC,
			  "truncated: 40 bytes, the header needs 64");
	make_header(h, 0, 0x1000, 3);
	expect_load_error(scratch_file(&s, "be", h, 64), MIB, -ENOEXEC,
			  "big-endian kernel not supported");
	scratch_cleanup(&s);
	free(txt.data);
}
END_TEST

START_TEST(test_load_other_compressions)
{
	static const struct {
		const char *name;
		uint8_t magic[8];
	} formats[] = {
	    {"xz", {0xfd, '7', 'z', 'X', 'Z', 0, 0, 4}},
	    {"zstd", {0x28, 0xb5, 0x2f, 0xfd, 4, 0, 0, 0}},
	    {"bzip2", {'B', 'Z', 'h', '9', '1', 'A', 'Y', '&'}},
	    {"lz4", {0x02, 0x21, 0x4c, 0x18, 1, 2, 3, 4}},
	    {"lz4", {0x04, 0x22, 0x4d, 0x18, 1, 2, 3, 4}},
	    {"lzo", {0x89, 'L', 'Z', 'O', 0, 0x0d, 0x0a, 0x1a}},
	};
	struct scratch s;

	scratch_init(&s);
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		uint8_t data[128] = {0};
		char msg[128];

		memcpy(data, formats[i].magic, 8);
		snprintf(msg, sizeof(msg),
			 "%s-compressed kernels are not supported (use Image or Image.gz)",
			 formats[i].name);
		expect_load_error(scratch_file(&s, "Image.x", data, sizeof(data)), MIB, -ENOEXEC,
				  msg);
	}
	scratch_cleanup(&s);
}
END_TEST

START_TEST(test_load_text_offset_zero_and_legacy)
{
	size_t ram_size = 2 * MIB;
	uint8_t *ram = guest_ram(ram_size);
	struct nb_image_info info;
	uint8_t img[8192];
	struct scratch s;
	const char *path;

	for (size_t i = 64; i < sizeof(img); i++)
		img[i] = (uint8_t)(i * 7);
	scratch_init(&s);

	/* Modern kernels: text_offset 0, the Image at the load base. */
	make_header(img, 0, 0x4000, 2);
	path = scratch_file(&s, "Image", img, sizeof(img));
	ck_assert_int_eq(nb_image_load(path, ram, ram_size, &info, NULL, 0), 0);
	ck_assert_uint_eq(info.text_offset, 0);
	ck_assert_uint_eq(info.load_size, 0x4000);
	ck_assert(memcmp(ram, img, sizeof(img)) == 0);
	ck_assert(all_marker(ram + sizeof(img), ram_size - sizeof(img)));

	/* Legacy kernels: image_size 0, at 0x80000, sized by the file. */
	memset(ram, 0xa5, ram_size);
	make_header(img, 0, 0, 0);
	path = scratch_file(&s, "Image.old", img, sizeof(img));
	ck_assert_int_eq(nb_image_load(path, ram, ram_size, &info, NULL, 0), 0);
	ck_assert(info.legacy);
	ck_assert_uint_eq(info.text_offset, 0x80000);
	ck_assert_uint_eq(info.load_size, sizeof(img));
	ck_assert(all_marker(ram, 0x80000));
	ck_assert(memcmp(ram + 0x80000, img, sizeof(img)) == 0);

	scratch_cleanup(&s);
	free(ram);
}
END_TEST

START_TEST(test_load_too_big)
{
	struct scratch s;
	uint8_t h[4096] = {0};
	const char *path;
	char msg[128];

	scratch_init(&s);
	/* image_size (BSS included) larger than RAM. */
	make_header(h, 0, 5 * MIB, 2);
	path = scratch_file(&s, "Image", h, sizeof(h));
	expect_load_error(path, 4 * MIB, -EFBIG, "needs 5 MiB, guest RAM has 4 MiB");
	/* text_offset counts, and the MiB are rounded up. */
	make_header(h, 0x80000, 4 * MIB - 0x80000 + 1, 2);
	path = scratch_file(&s, "Image", h, sizeof(h));
	expect_load_error(path, 4 * MIB, -EFBIG, "needs 5 MiB, guest RAM has 4 MiB");
	/* text_offset + image_size overflows. */
	make_header(h, 0xfffffffffffff000ull, 0x2000, 2);
	path = scratch_file(&s, "Image", h, sizeof(h));
	snprintf(msg, sizeof(msg), "needs %llu MiB, guest RAM has 1 MiB",
		 (unsigned long long)(UINT64_MAX / MIB + 1));
	expect_load_error(path, MIB, -EFBIG, msg);
	/* The file itself larger than image_size and RAM. */
	make_header(h, 0, 0x800, 2);
	path = scratch_file(&s, "Image", h, sizeof(h));
	expect_load_error(path, 2048, -EFBIG, "needs 4 KiB, guest RAM has 2 KiB");
	scratch_cleanup(&s);

	/* The gzip fixture into too little RAM. */
	char *gz = fixture_path("image.gz");

	expect_load_error(gz, IMG_TEXT_OFFSET + IMG_IMAGE_SIZE - 1, -EFBIG,
			  "needs 704 KiB, guest RAM has 703 KiB");
	free(gz);
}
END_TEST

START_TEST(test_load_gzip_larger_than_announced)
{
	/*
	 * image.gz then 256 KiB of zeros: more than image_size promises, found
	 * once decompressed. When even the load base cannot hold the output,
	 * the last member's ISIZE tells how much it needs, unless it is lower
	 * than RAM (here with an empty member after the zeros).
	 */
	struct blob a = fixture("image.gz"), b = fixture("zeros.gz"), c = fixture("empty.gz");
	size_t len = a.len + b.len + c.len, ram_size = IMG_TEXT_OFFSET + IMG_IMAGE_SIZE;
	uint8_t *gz = malloc(len), *ram;
	struct nb_image_info info;
	struct scratch s;
	const char *path;

	memcpy(gz, a.data, a.len);
	memcpy(gz + a.len, b.data, b.len);
	memcpy(gz + a.len + b.len, c.data, c.len);
	scratch_init(&s);
	path = scratch_file(&s, "Image.gz", gz, a.len + b.len);
	expect_load_error(path, ram_size, -EFBIG, "needs 832 KiB, guest RAM has 704 KiB");
	expect_load_error(path, 200 * 1024, -EFBIG, "needs 256 KiB, guest RAM has 200 KiB");
	expect_load_error(path, 300 * 1024, -EFBIG,
			  "does not fit in guest RAM (300 KiB) once decompressed");
	path = scratch_file(&s, "Image.gz", gz, len);
	expect_load_error(path, ram_size, -EFBIG, "needs 832 KiB, guest RAM has 704 KiB");
	expect_load_error(path, 200 * 1024, -EFBIG,
			  "does not fit in guest RAM (200 KiB) once decompressed");

	/* With room, the kernel is 64 KiB + 256 KiB of zeros. */
	ram = guest_ram(2 * MIB);
	ck_assert_int_eq(nb_image_load(path, ram, 2 * MIB, &info, NULL, 0), 0);
	ck_assert_uint_eq(info.file_size, IMG_FILE_SIZE + 256 * 1024);
	ck_assert_uint_eq(info.load_size, IMG_FILE_SIZE + 256 * 1024);
	free(ram);

	scratch_cleanup(&s);
	free(gz);
	free(a.data);
	free(b.data);
	free(c.data);
}
END_TEST

START_TEST(test_load_bad_gzip)
{
	struct blob gz = fixture("image.gz");
	char *txt = fixture_path("dynamic.gz"), *empty = fixture_path("empty.gz");
	struct scratch s;

	scratch_init(&s);
	/* Corrupt in the middle: found when decompressing into RAM. */
	gz.data[gz.len / 2] ^= 0xff;
	expect_load_error(scratch_file(&s, "mid.gz", gz.data, gz.len), 2 * MIB, -EINVAL,
			  "corrupt gzip data");
	/* Corrupt at the start: found when reading the header. */
	gz.data[gz.len / 2] ^= 0xff;
	gz.data[3] = 0xe0;
	expect_load_error(scratch_file(&s, "hdr.gz", gz.data, gz.len), 2 * MIB, -EINVAL,
			  "corrupt gzip data");
	/* Truncated. */
	gz.data[3] = 0;
	expect_load_error(scratch_file(&s, "cut.gz", gz.data, gz.len - 9), 2 * MIB, -EINVAL,
			  "corrupt gzip data");
	/* Valid gzip, but not of a kernel. */
	expect_load_error(txt, 2 * MIB, -ENOEXEC,
			  "not an arm64 Image (bad magic after decompression)");
	expect_load_error(empty, 2 * MIB, -ENOEXEC, "truncated: 0 bytes, the header needs 64");
	scratch_cleanup(&s);
	free(txt);
	free(empty);
	free(gz.data);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("image");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_header_good);
	tcase_add_test(tc, test_header_flags);
	tcase_add_test(tc, test_header_bad_magic);
	tcase_add_test(tc, test_header_truncated);
	tcase_add_test(tc, test_header_big_endian);
	tcase_add_test(tc, test_header_legacy);
	tcase_add_test(tc, test_load_plain);
	tcase_add_test(tc, test_load_gzip);
	tcase_add_test(tc, test_load_zboot);
	tcase_add_test(tc, test_load_missing_file);
	tcase_add_test(tc, test_load_not_regular);
	tcase_add_test(tc, test_load_empty_file);
	tcase_add_test(tc, test_load_bad_headers);
	tcase_add_test(tc, test_load_other_compressions);
	tcase_add_test(tc, test_load_text_offset_zero_and_legacy);
	tcase_add_test(tc, test_load_too_big);
	tcase_add_test(tc, test_load_gzip_larger_than_announced);
	tcase_add_test(tc, test_load_bad_gzip);
	suite_add_tcase(s, tc);
	return nb_check_run(s);
}
