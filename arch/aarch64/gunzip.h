/* SPDX-License-Identifier: Apache-2.0 */
/*
 * gzip (RFC 1952) decoding with a built-in DEFLATE (RFC 1951) decoder, for
 * compressed kernels (Image.gz). The output goes straight into a caller
 * buffer of fixed capacity, typically guest RAM.
 *
 * The input is untrusted: whatever it holds, the decoder reads nothing
 * outside [in, in + in_len) and writes nothing outside [out, out + out_cap).
 */
#ifndef NB_ARCH_GUNZIP_H
#define NB_ARCH_GUNZIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* True when @in starts with the gzip magic bytes 1f 8b. */
bool nb_is_gzip(const uint8_t *in, size_t len);

/*
 * Decodes the gzip data @in into @out. Concatenated gzip members are
 * decoded one after the other (as gzip(1) does); bytes after the last
 * member that do not start another member are ignored.
 *
 * Returns 0 with the decoded size in *@out_len, or:
 *   -EINVAL  corrupt data: bad header, bad Huffman code, a distance reaching
 *            before the start of the output, truncated input, CRC32 or
 *            ISIZE mismatch;
 *   -ENOSPC  the output does not fit in @out_cap bytes: @out then holds
 *            the first @out_cap bytes of the output (so a small buffer
 *            can be used to peek at the start of the data);
 *   -ENOMEM  no memory for the decoder's tables (about 20 KiB).
 * *@out_len is always set to the number of bytes of valid output written.
 * Bytes of @out past *@out_len may have been overwritten with scratch data.
 */
int nb_gunzip(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_cap, size_t *out_len);

#endif
