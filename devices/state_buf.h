/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The byte codec of snapshots: a growable buffer written with fixed-width
 * little-endian fields, read back with bounds checks, and split into tagged,
 * versioned sections. Each component saves its plain-data state with a save
 * function and restores it with a restore function next to its struct (no
 * raw struct dumps: padding and layout changes cannot corrupt a restore).
 *
 * Reading never goes past the data: an underrun (a truncated or hostile
 * file) sets the buffer's error (-EBADMSG) and reads zeros from then on, so
 * a restore function checks nb_sbuf_error() once at the end.
 */
#ifndef NB_DEVICES_STATE_BUF_H
#define NB_DEVICES_STATE_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NB_SBUF_TAG_LEN 8 /* a section tag: up to 8 characters, NUL-padded */

struct nb_sbuf {
	uint8_t *data;
	size_t len; /* bytes written (writer) or available (reader) */
	size_t cap; /* allocated (writer); 0 for a reader */
	size_t pos; /* read position */
	int err;    /* first error: -ENOMEM (writer), -EBADMSG (reader) */
};

/* A writer; free with nb_sbuf_free. */
void nb_sbuf_init(struct nb_sbuf *b);
void nb_sbuf_free(struct nb_sbuf *b);
/* A reader over @len bytes at @data (not copied, not freed). */
void nb_sbuf_reader(struct nb_sbuf *b, const void *data, size_t len);
/* 0 or the first error. */
int nb_sbuf_error(const struct nb_sbuf *b);

void nb_sbuf_put_u8(struct nb_sbuf *b, uint8_t v);
void nb_sbuf_put_u16(struct nb_sbuf *b, uint16_t v);
void nb_sbuf_put_u32(struct nb_sbuf *b, uint32_t v);
void nb_sbuf_put_u64(struct nb_sbuf *b, uint64_t v);
void nb_sbuf_put_bool(struct nb_sbuf *b, bool v);
void nb_sbuf_put_bytes(struct nb_sbuf *b, const void *p, size_t n);

uint8_t nb_sbuf_get_u8(struct nb_sbuf *b);
uint16_t nb_sbuf_get_u16(struct nb_sbuf *b);
uint32_t nb_sbuf_get_u32(struct nb_sbuf *b);
uint64_t nb_sbuf_get_u64(struct nb_sbuf *b);
/* A byte that is not 0 or 1 is an error. */
bool nb_sbuf_get_bool(struct nb_sbuf *b);
void nb_sbuf_get_bytes(struct nb_sbuf *b, void *p, size_t n);
/* Bytes left to read. */
size_t nb_sbuf_left(const struct nb_sbuf *b);

/*
 * Sections: a tag, a version and a length, then the body. begin returns a
 * handle for end, which fills in the length.
 */
size_t nb_sbuf_begin(struct nb_sbuf *b, const char *tag, uint32_t version);
void nb_sbuf_end(struct nb_sbuf *b, size_t handle);
/*
 * Reads the next section header of @b into @tag (NB_SBUF_TAG_LEN + 1
 * bytes) and @version, and makes @body a reader over its body (and skips
 * it in @b). 1 (a section), 0 (the end) or -EBADMSG (a truncated header
 * or body).
 */
int nb_sbuf_next(struct nb_sbuf *b, char *tag, uint32_t *version, struct nb_sbuf *body);

/* CRC-64/XZ (ECMA-182 polynomial, reflected), for the snapshot file. */
uint64_t nb_crc64(uint64_t crc, const void *p, size_t n);

#endif
