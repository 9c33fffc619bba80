// SPDX-License-Identifier: Apache-2.0
#include "devices/state_buf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void nb_sbuf_init(struct nb_sbuf *b)
{
	memset(b, 0, sizeof(*b));
}

void nb_sbuf_free(struct nb_sbuf *b)
{
	if (b->cap)
		free(b->data);
	nb_sbuf_init(b);
}

void nb_sbuf_reader(struct nb_sbuf *b, const void *data, size_t len)
{
	nb_sbuf_init(b);
	b->data = (uint8_t *)data;
	b->len = len;
}

int nb_sbuf_error(const struct nb_sbuf *b)
{
	return b->err;
}

/* Room for @n more bytes at the end, or an error. */
static uint8_t *reserve(struct nb_sbuf *b, size_t n)
{
	if (b->err)
		return NULL;
	if (n > b->cap - b->len) {
		size_t cap = b->cap ? b->cap : 256;
		uint8_t *p;

		while (cap - b->len < n) {
			if (cap > SIZE_MAX / 2) {
				b->err = -ENOMEM;
				return NULL;
			}
			cap *= 2;
		}
		p = realloc(b->data, cap);
		if (!p) {
			b->err = -ENOMEM;
			return NULL;
		}
		b->data = p;
		b->cap = cap;
	}
	b->len += n;
	return b->data + b->len - n;
}

static void put_le(struct nb_sbuf *b, uint64_t v, size_t n)
{
	uint8_t *p = reserve(b, n);

	for (size_t i = 0; p && i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

void nb_sbuf_put_u8(struct nb_sbuf *b, uint8_t v)
{
	put_le(b, v, 1);
}

void nb_sbuf_put_u16(struct nb_sbuf *b, uint16_t v)
{
	put_le(b, v, 2);
}

void nb_sbuf_put_u32(struct nb_sbuf *b, uint32_t v)
{
	put_le(b, v, 4);
}

void nb_sbuf_put_u64(struct nb_sbuf *b, uint64_t v)
{
	put_le(b, v, 8);
}

void nb_sbuf_put_bool(struct nb_sbuf *b, bool v)
{
	put_le(b, v ? 1 : 0, 1);
}

void nb_sbuf_put_bytes(struct nb_sbuf *b, const void *p, size_t n)
{
	uint8_t *d = reserve(b, n);

	if (d && n)
		memcpy(d, p, n);
}

/* The next @n bytes to read, or NULL (and the error) past the end. */
static const uint8_t *take(struct nb_sbuf *b, size_t n)
{
	if (b->err)
		return NULL;
	if (n > b->len - b->pos) {
		b->err = -EBADMSG;
		return NULL;
	}
	b->pos += n;
	return b->data + b->pos - n;
}

static uint64_t get_le(struct nb_sbuf *b, size_t n)
{
	const uint8_t *p = take(b, n);
	uint64_t v = 0;

	for (size_t i = 0; p && i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

uint8_t nb_sbuf_get_u8(struct nb_sbuf *b)
{
	return (uint8_t)get_le(b, 1);
}

uint16_t nb_sbuf_get_u16(struct nb_sbuf *b)
{
	return (uint16_t)get_le(b, 2);
}

uint32_t nb_sbuf_get_u32(struct nb_sbuf *b)
{
	return (uint32_t)get_le(b, 4);
}

uint64_t nb_sbuf_get_u64(struct nb_sbuf *b)
{
	return get_le(b, 8);
}

bool nb_sbuf_get_bool(struct nb_sbuf *b)
{
	uint8_t v = nb_sbuf_get_u8(b);

	if (v > 1 && !b->err)
		b->err = -EBADMSG;
	return v == 1;
}

void nb_sbuf_get_bytes(struct nb_sbuf *b, void *p, size_t n)
{
	const uint8_t *s = take(b, n);

	if (s)
		memcpy(p, s, n);
	else
		memset(p, 0, n);
}

size_t nb_sbuf_left(const struct nb_sbuf *b)
{
	return b->len - b->pos;
}

size_t nb_sbuf_begin(struct nb_sbuf *b, const char *tag, uint32_t version)
{
	char t[NB_SBUF_TAG_LEN] = {0};

	memcpy(t, tag, strnlen(tag, NB_SBUF_TAG_LEN));
	nb_sbuf_put_bytes(b, t, NB_SBUF_TAG_LEN);
	nb_sbuf_put_u32(b, version);
	nb_sbuf_put_u64(b, 0);
	return b->len;
}

void nb_sbuf_end(struct nb_sbuf *b, size_t handle)
{
	uint64_t n = b->len - handle;

	if (b->err || handle < 8 || handle > b->len)
		return;
	for (size_t i = 0; i < 8; i++)
		b->data[handle - 8 + i] = (uint8_t)(n >> (8 * i));
}

int nb_sbuf_next(struct nb_sbuf *b, char *tag, uint32_t *version, struct nb_sbuf *body)
{
	const uint8_t *p;
	uint64_t n;

	if (!b->err && nb_sbuf_left(b) == 0)
		return 0;
	nb_sbuf_get_bytes(b, tag, NB_SBUF_TAG_LEN);
	tag[NB_SBUF_TAG_LEN] = '\0';
	*version = nb_sbuf_get_u32(b);
	n = nb_sbuf_get_u64(b);
	if (!b->err && n > nb_sbuf_left(b))
		b->err = -EBADMSG;
	p = take(b, b->err ? 0 : (size_t)n);
	if (b->err)
		return b->err;
	nb_sbuf_reader(body, p, (size_t)n);
	return 1;
}

uint64_t nb_crc64(uint64_t crc, const void *p, size_t n)
{
	const uint8_t *s = p;

	crc = ~crc;
	while (n--) {
		crc ^= *s++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xC96C5795D7870F42ULL & -(crc & 1));
	}
	return ~crc;
}
