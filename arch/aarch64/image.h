/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Loading an arm64 Linux kernel (Documentation/arch/arm64/booting.rst):
 * a plain `Image`, a gzip-compressed `Image.gz`, or an EFI zboot image
 * (`vmlinuz.efi`) with a gzip payload. The kernel is placed text_offset
 * bytes above a 2 MiB-aligned load base in guest RAM.
 */
#ifndef NB_ARCH_IMAGE_H
#define NB_ARCH_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NB_IMAGE_HDR_SIZE 64
#define NB_IMAGE_MAGIC 0x644d5241u	       /* "ARM\x64", le32 at offset 56 */
#define NB_IMAGE_LEGACY_TEXT_OFFSET 0x80000ull /* kernels before 3.17 (image_size 0) */

/* Header flags (le64 at offset 24). */
#define NB_IMAGE_FLAG_BE (1ull << 0)		/* big-endian kernel */
#define NB_IMAGE_FLAG_PAGE_SHIFT 1		/* 2 bits: 0 unspecified, 1 4K, 2 16K, 3 64K */
#define NB_IMAGE_FLAG_PHYS_ANYWHERE (1ull << 3) /* may be placed anywhere in RAM */

struct nb_image_info {
	uint64_t text_offset; /* offset of the kernel from the 2 MiB-aligned load base */
	uint64_t image_size;  /* the header's effective size; 0 in a legacy kernel */
	uint64_t load_size;   /* RAM the kernel needs from text_offset (incl. BSS):
			       * max(image_size, file_size) */
	uint64_t file_size;   /* bytes of Image (after decompression) */
	uint64_t flags;	      /* the header's raw flags */
	uint32_t page_size;   /* the kernel's page size from the flags, 0: unspecified */
	bool phys_anywhere;   /* flag bit 3: 2 MiB-aligned anywhere, not near RAM start */
	bool legacy;	      /* image_size was 0: text_offset assumed 0x80000 */
	bool compressed;      /* the file was gzip-compressed */
	bool zboot;	      /* the file was an EFI zboot image */
};

/*
 * Parses the 64-byte Image header at @buf; @len is the length of the whole
 * Image when known (it is the file size of a legacy kernel), else at least
 * the header. Returns 0, or -ENOEXEC with a one-line reason in @err (which
 * may be NULL): "not an arm64 Image: bad magic", "truncated: 40 bytes, the
 * header needs 64", "big-endian kernel not supported".
 */
int nb_image_parse_header(const uint8_t *buf, size_t len, struct nb_image_info *info, char *err,
			  size_t errlen);

/*
 * Loads the kernel file @path (plain Image, gzip-compressed Image, or EFI
 * zboot image with a gzip payload) to @dst + text_offset, where @dst is the
 * 2 MiB-aligned load base in guest RAM and @dst_cap the bytes available
 * from it. Gzip data is decompressed straight into @dst. Fills @info.
 *
 * Returns 0, or a negative errno with a one-line message naming the file
 * in @err (which may be NULL):
 *   -errno    the file cannot be opened or read ("kernel /x: No such file
 *             or directory")
 *   -ENOEXEC  not a kernel: empty, not a regular file, bad magic,
 *             truncated header, big-endian, unsupported compression
 *   -EINVAL   corrupt gzip data
 *   -EFBIG    the kernel does not fit ("kernel /x: needs 40 MiB, guest RAM
 *             has 32 MiB")
 *   -ENOMEM   out of memory
 * On failure, @dst may have been partly written.
 */
int nb_image_load(const char *path, uint8_t *dst, size_t dst_cap, struct nb_image_info *info,
		  char *err, size_t errlen);

#endif
