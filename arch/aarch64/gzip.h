/* SPDX-License-Identifier: Apache-2.0 */
/*
 * gzip (RFC 1952) decoding with libdeflate, for compressed kernels
 * (Image.gz, the payload of an EFI zboot image). The output goes straight
 * into a caller buffer of fixed capacity, typically guest RAM.
 *
 * The input is untrusted: whatever it holds, nothing is read outside
 * [in, in + in_len) and nothing written outside [out, out + out_cap).
 */
#ifndef NB_ARCH_GZIP_H
#define NB_ARCH_GZIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* True when @in starts with the gzip magic bytes 1f 8b. */
bool nb_is_gzip(const uint8_t *in, size_t len);

/*
 * The ISIZE field of the last member (the uncompressed size of that member
 * mod 2^32, as its trailer claims): the last four bytes of @in, or 0 when
 * @in is shorter than a gzip member can be. Untrusted: a lower bound of the
 * output at best, to refuse early what cannot fit.
 */
uint32_t nb_gzip_isize(const uint8_t *in, size_t len);

/*
 * Decodes the gzip data @in into @out. Concatenated gzip members are
 * decoded one after the other (as gzip(1) does); bytes after the last
 * member that do not start another member are ignored. Every member's
 * CRC32 and ISIZE are checked.
 *
 * Returns 0 with the decoded size in *@out_len, or:
 *   -EINVAL  corrupt data: bad header, bad DEFLATE stream, truncated input,
 *            CRC32 or ISIZE mismatch; or @out is NULL with a capacity;
 *   -ENOSPC  the output does not fit in @out_cap bytes;
 *   -ENOMEM  no memory for the decompressor.
 * *@out_len is always set to the bytes of the members decoded in full.
 * Bytes of @out past *@out_len may have been overwritten.
 */
int nb_gunzip(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_cap, size_t *out_len);

#endif
