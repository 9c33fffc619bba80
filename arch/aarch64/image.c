// SPDX-License-Identifier: Apache-2.0
/*
 * arm64 kernel Image header parsing and kernel loading into guest RAM.
 */
#include "arch/aarch64/image.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arch/aarch64/gzip.h"

#define MIB (1ull << 20)

/* EFI zboot header (the kernel's drivers/firmware/efi/libstub/zboot-header.S). */
#define ZBOOT_HDR_SIZE 56
#define ZBOOT_MAGIC_OFF 4     /* "zimg" */
#define ZBOOT_PAYLOAD_OFF 8   /* le32: payload offset from the file start */
#define ZBOOT_PAYLOAD_SIZE 12 /* le32: payload size */
#define ZBOOT_COMP_TYPE 24    /* NUL-terminated compression name, e.g. "gzip" */
#define ZBOOT_COMP_TYPE_LEN 32

static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get_le64(const uint8_t *p)
{
	return (uint64_t)get_le32(p) | (uint64_t)get_le32(p + 4) << 32;
}

__attribute__((format(printf, 3, 4))) static void set_err(char *err, size_t errlen, const char *fmt,
							  ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static bool has_magic(const uint8_t *buf, size_t len)
{
	return len >= NB_IMAGE_HDR_SIZE && get_le32(buf + 56) == NB_IMAGE_MAGIC;
}

/* Parses the header of an Image of @file_size bytes. */
static int parse_header(const uint8_t *buf, size_t len, uint64_t file_size,
			struct nb_image_info *info, char *err, size_t errlen)
{
	uint64_t flags;

	if (len < NB_IMAGE_HDR_SIZE) {
		set_err(err, errlen, "truncated: %zu bytes, the header needs %d", len,
			NB_IMAGE_HDR_SIZE);
		return -ENOEXEC;
	}
	if (!has_magic(buf, len)) {
		set_err(err, errlen, "not an arm64 Image: bad magic");
		return -ENOEXEC;
	}
	flags = get_le64(buf + 24);
	info->image_size = get_le64(buf + 16);
	info->legacy = info->image_size == 0;
	/*
	 * Before Linux 3.17, image_size was 0 and text_offset had the kernel's
	 * endianness, and the flags did not exist: text_offset is 0x80000.
	 */
	if (info->legacy) {
		info->text_offset = NB_IMAGE_LEGACY_TEXT_OFFSET;
		info->flags = 0;
	} else {
		if (flags & NB_IMAGE_FLAG_BE) {
			set_err(err, errlen, "big-endian kernel not supported");
			return -ENOEXEC;
		}
		info->text_offset = get_le64(buf + 8);
		info->flags = flags;
	}
	switch ((info->flags >> NB_IMAGE_FLAG_PAGE_SHIFT) & 3) {
	case 1:
		info->page_size = 4096;
		break;
	case 2:
		info->page_size = 16384;
		break;
	case 3:
		info->page_size = 65536;
		break;
	default:
		info->page_size = 0;
		break;
	}
	info->phys_anywhere = (info->flags & NB_IMAGE_FLAG_PHYS_ANYWHERE) != 0;
	info->file_size = file_size;
	info->load_size = info->image_size > file_size ? info->image_size : file_size;
	return 0;
}

int nb_image_parse_header(const uint8_t *buf, size_t len, struct nb_image_info *info, char *err,
			  size_t errlen)
{
	*info = (struct nb_image_info){0};
	return parse_header(buf, len, len, info, err, errlen);
}

/* ---- loading ---- */

struct kfile {
	const char *path;
	int fd;
	uint64_t size;
	const uint8_t *map; /* the whole file, for compressed formats */
	char *err;
	size_t errlen;
};

/* Reads @len bytes at @off: 0, or -errno (-EIO when the file is shorter). */
static int read_at(int fd, void *buf, size_t len, uint64_t off)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t n = pread(fd, p, len, (off_t)off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO;
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

/* "N MiB" (or "N KiB" below 1 MiB), rounded up or down. */
static const char *fmt_size(char *buf, size_t len, uint64_t n, bool round_up)
{
	uint64_t unit = n >= MIB ? MIB : 1024;

	snprintf(buf, len, "%llu %s", (unsigned long long)(n / unit + (round_up && n % unit != 0)),
		 unit == MIB ? "MiB" : "KiB");
	return buf;
}

static int too_big(const struct kfile *kf, uint64_t need, size_t dst_cap)
{
	char a[32], b[32];

	set_err(kf->err, kf->errlen, "kernel %s: needs %s, guest RAM has %s", kf->path,
		fmt_size(a, sizeof(a), need, true), fmt_size(b, sizeof(b), dst_cap, false));
	return -EFBIG;
}

/* Checks that the kernel fits in @dst_cap bytes from the load base. */
static int check_fit(const struct kfile *kf, const struct nb_image_info *info, size_t dst_cap)
{
	uint64_t end = info->text_offset + info->load_size;

	if (end < info->text_offset)
		return too_big(kf, UINT64_MAX, dst_cap);
	if (end > dst_cap)
		return too_big(kf, end, dst_cap);
	return 0;
}

/* Header errors, prefixed with the file name. */
static int header_error(const struct kfile *kf, const uint8_t *buf, size_t len, int ret,
			const char *why)
{
	if (len >= NB_IMAGE_HDR_SIZE && !has_magic(buf, len))
		set_err(kf->err, kf->errlen, "kernel %s: not an arm64 Image (bad magic%s)",
			kf->path, kf->map ? " after decompression" : "");
	else
		set_err(kf->err, kf->errlen, "kernel %s: %s", kf->path, why);
	return ret;
}

static int load_plain(const struct kfile *kf, const uint8_t *head, size_t head_len, uint8_t *dst,
		      size_t dst_cap, struct nb_image_info *info)
{
	char why[128];
	int ret;

	ret = parse_header(head, head_len, kf->size, info, why, sizeof(why));
	if (ret)
		return header_error(kf, head, head_len, ret, why);
	ret = check_fit(kf, info, dst_cap);
	if (ret)
		return ret;
	ret = read_at(kf->fd, dst + info->text_offset, kf->size, 0);
	if (ret) {
		set_err(kf->err, kf->errlen, "kernel %s: read: %s", kf->path,
			ret == -EIO ? "file shrank while loading" : strerror(-ret));
		return ret;
	}
	return 0;
}

static int gunzip_error(const struct kfile *kf, int ret)
{
	if (ret == -ENOMEM)
		set_err(kf->err, kf->errlen, "kernel %s: out of memory", kf->path);
	else
		set_err(kf->err, kf->errlen, "kernel %s: corrupt gzip data", kf->path);
	return ret;
}

/*
 * Decompresses the gzip data @gz (within the mapped file) to dst + text_offset.
 * The text_offset is in the Image header, known only once decompressed: the
 * data goes to @dst first, then moves up when text_offset is not 0 (kernels
 * before 5.8), the bytes below it zeroed again.
 */
static int load_gzip(const struct kfile *kf, const uint8_t *gz, size_t gz_len, uint8_t *dst,
		     size_t dst_cap, struct nb_image_info *info)
{
	uint32_t isize = nb_gzip_isize(gz, gz_len);
	char why[128], b[32];
	size_t n;
	int ret;

	ret = nb_gunzip(gz, gz_len, dst, dst_cap, &n);
	if (ret == -ENOSPC) {
		/* The last member's trailer, bounded by RAM, tells how much at least. */
		if (isize > dst_cap)
			return too_big(kf, isize, dst_cap);
		set_err(kf->err, kf->errlen,
			"kernel %s: does not fit in guest RAM (%s) once decompressed", kf->path,
			fmt_size(b, sizeof(b), dst_cap, false));
		return -EFBIG;
	}
	if (ret)
		return gunzip_error(kf, ret);
	ret = parse_header(dst, n, n, info, why, sizeof(why));
	if (ret)
		return header_error(kf, dst, n, ret, why);
	info->compressed = true;
	ret = check_fit(kf, info, dst_cap);
	if (ret)
		return ret;
	if (info->text_offset) {
		memmove(dst + info->text_offset, dst, n);
		memset(dst, 0, info->text_offset < n ? info->text_offset : n);
	}
	return 0;
}

static bool is_zboot(const uint8_t *head, size_t len)
{
	return len >= ZBOOT_HDR_SIZE && head[0] == 'M' && head[1] == 'Z' &&
	       !memcmp(head + ZBOOT_MAGIC_OFF, "zimg", 4);
}

static int load_zboot(const struct kfile *kf, const uint8_t *head, uint8_t *dst, size_t dst_cap,
		      struct nb_image_info *info)
{
	uint64_t off = get_le32(head + ZBOOT_PAYLOAD_OFF);
	uint64_t size = get_le32(head + ZBOOT_PAYLOAD_SIZE);
	char comp[ZBOOT_COMP_TYPE_LEN + 1];
	size_t i;
	int ret;

	for (i = 0; i < ZBOOT_COMP_TYPE_LEN && head[ZBOOT_COMP_TYPE + i]; i++) {
		char c = (char)head[ZBOOT_COMP_TYPE + i];

		comp[i] = (c >= 0x21 && c <= 0x7e) ? c : '?';
	}
	comp[i] = '\0';
	if (strcmp(comp, "gzip")) {
		set_err(kf->err, kf->errlen,
			"kernel %s: EFI zboot image with '%s' compression not supported "
			"(only gzip)",
			kf->path, comp);
		return -ENOEXEC;
	}
	if (off > kf->size || size > kf->size - off) {
		set_err(kf->err, kf->errlen,
			"kernel %s: EFI zboot payload (%llu bytes at %llu) lies past the end "
			"of the file",
			kf->path, (unsigned long long)size, (unsigned long long)off);
		return -ENOEXEC;
	}
	ret = load_gzip(kf, kf->map + off, size, dst, dst_cap, info);
	info->zboot = true;
	return ret;
}

/* Names a compression format that is recognised but not supported, or NULL. */
static const char *other_compression(const uint8_t *h, size_t len)
{
	static const struct {
		const char *name;
		uint8_t magic[6];
		size_t len;
	} formats[] = {
	    {"xz", {0xfd, '7', 'z', 'X', 'Z', 0}, 6},
	    {"zstd", {0x28, 0xb5, 0x2f, 0xfd}, 4},
	    {"bzip2", {'B', 'Z', 'h'}, 3},
	    {"lz4", {0x02, 0x21, 0x4c, 0x18}, 4},
	    {"lz4", {0x04, 0x22, 0x4d, 0x18}, 4},
	    {"lzo", {0x89, 'L', 'Z', 'O'}, 4},
	};

	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		if (len >= formats[i].len && !memcmp(h, formats[i].magic, formats[i].len))
			return formats[i].name;
	}
	return NULL;
}

static int map_file(struct kfile *kf)
{
	void *p = mmap(NULL, kf->size, PROT_READ, MAP_PRIVATE, kf->fd, 0);

	if (p == MAP_FAILED) {
		int ret = -errno;

		set_err(kf->err, kf->errlen, "kernel %s: mmap: %s", kf->path, strerror(-ret));
		return ret;
	}
	kf->map = p;
	return 0;
}

int nb_image_load(const char *path, uint8_t *dst, size_t dst_cap, struct nb_image_info *info,
		  char *err, size_t errlen)
{
	struct kfile kf = {.path = path, .fd = -1, .err = err, .errlen = errlen};
	uint8_t head[NB_IMAGE_HDR_SIZE];
	size_t head_len;
	const char *other;
	struct stat st;
	int ret;

	*info = (struct nb_image_info){0};
	kf.fd = open(path, O_RDONLY | O_CLOEXEC);
	if (kf.fd < 0) {
		ret = -errno;
		set_err(err, errlen, "kernel %s: %s", path, strerror(-ret));
		return ret;
	}
	if (fstat(kf.fd, &st) < 0) {
		ret = -errno;
		set_err(err, errlen, "kernel %s: %s", path, strerror(-ret));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		set_err(err, errlen, "kernel %s: not a regular file", path);
		ret = -ENOEXEC;
		goto out;
	}
	kf.size = (uint64_t)st.st_size;
	if (kf.size == 0) {
		set_err(err, errlen, "kernel %s: empty file", path);
		ret = -ENOEXEC;
		goto out;
	}
	if (kf.size > SIZE_MAX / 2) {
		ret = too_big(&kf, kf.size, dst_cap);
		goto out;
	}
	head_len = kf.size < sizeof(head) ? (size_t)kf.size : sizeof(head);
	ret = read_at(kf.fd, head, head_len, 0);
	if (ret) {
		set_err(err, errlen, "kernel %s: read: %s", path, strerror(-ret));
		goto out;
	}

	if (nb_is_gzip(head, head_len) || is_zboot(head, head_len)) {
		ret = map_file(&kf);
		if (ret)
			goto out;
		if (is_zboot(head, head_len))
			ret = load_zboot(&kf, head, dst, dst_cap, info);
		else
			ret = load_gzip(&kf, kf.map, kf.size, dst, dst_cap, info);
		munmap((void *)kf.map, kf.size);
	} else if ((other = other_compression(head, head_len))) {
		set_err(err, errlen,
			"kernel %s: %s-compressed kernels are not supported "
			"(use Image or Image.gz)",
			path, other);
		ret = -ENOEXEC;
	} else {
		ret = load_plain(&kf, head, head_len, dst, dst_cap, info);
	}
out:
	close(kf.fd);
	return ret;
}
