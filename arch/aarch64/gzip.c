// SPDX-License-Identifier: Apache-2.0
/*
 * gzip decoding for kernels: libdeflate decodes each member (header,
 * DEFLATE data, CRC32 and ISIZE checks); this file walks the members.
 */
#include "arch/aarch64/gzip.h"

#include <errno.h>
#include <libdeflate.h>

#define GZ_ID1 0x1f
#define GZ_ID2 0x8b
#define GZ_MIN_MEMBER 18 /* 10-byte header, an empty final block, 8-byte trailer */

bool nb_is_gzip(const uint8_t *in, size_t len)
{
	return in && len >= 2 && in[0] == GZ_ID1 && in[1] == GZ_ID2;
}

uint32_t nb_gzip_isize(const uint8_t *in, size_t len)
{
	const uint8_t *p;

	if (!in || len < GZ_MIN_MEMBER)
		return 0;
	p = in + len - 4;
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int nb_gunzip(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_cap, size_t *out_len)
{
	struct libdeflate_decompressor *d;
	enum libdeflate_result r;
	size_t off = 0, pos = 0;
	uint8_t dummy;
	int ret = 0;

	*out_len = 0;
	if (!in)
		in_len = 0;
	if (!out) {
		if (out_cap)
			return -EINVAL;
		out = &dummy;
	}
	if (!nb_is_gzip(in, in_len))
		return -EINVAL;
	d = libdeflate_alloc_decompressor();
	if (!d)
		return -ENOMEM;
	do {
		size_t used = 0, n = 0;

		r = libdeflate_gzip_decompress_ex(d, in + off, in_len - off, out + pos,
						  out_cap - pos, &used, &n);
		if (r == LIBDEFLATE_INSUFFICIENT_SPACE) {
			ret = -ENOSPC;
			break;
		}
		/* LIBDEFLATE_SHORT_OUTPUT cannot happen with an actual size asked for. */
		if (r != LIBDEFLATE_SUCCESS || used == 0 || used > in_len - off ||
		    n > out_cap - pos) {
			ret = -EINVAL;
			break;
		}
		off += used;
		pos += n;
		*out_len = pos;
	} while (nb_is_gzip(in + off, in_len - off));
	libdeflate_free_decompressor(d);
	return ret;
}
