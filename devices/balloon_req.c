// SPDX-License-Identifier: Apache-2.0
#include "devices/balloon_req.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* A chain the device only reads: no writable buffer, some bytes. */
static bool readable_only(const struct nb_virtq_chain *c)
{
	return c->nr_read == c->nr && c->write_len == 0 && c->read_len > 0;
}

/*
 * Calls @fn with each @unit-byte little-endian word of @c's readable
 * buffers in order, however the buffers split them.
 */
static void for_each_word(const struct nb_virtq_chain *c, unsigned int unit,
			  void (*fn)(void *ctx, const uint8_t *w), void *ctx)
{
	uint8_t w[16];
	unsigned int have = 0;

	for (uint16_t i = 0; i < c->nr_read; i++) {
		const struct nb_virtq_buf *b = &c->bufs[i];
		uint32_t off = 0;

		while (off < b->len) {
			uint32_t take = unit - have;

			if (take > b->len - off)
				take = b->len - off;
			memcpy(w + have, b->host + off, take);
			have += take;
			off += take;
			if (have == unit) {
				fn(ctx, w);
				have = 0;
			}
		}
	}
}

static uint64_t le(const uint8_t *p, unsigned int bytes)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < bytes; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/* Page aligned and not empty. */
static bool page_range(const struct nb_virtq_buf *b)
{
	return b->len && !(b->gpa % NB_BALLOON_PAGE_SIZE) && !(b->len % NB_BALLOON_PAGE_SIZE);
}

struct pfn_ctx {
	uint32_t *pfns;
	size_t n;
};

static void put_pfn(void *ctx, const uint8_t *w)
{
	struct pfn_ctx *p = ctx;

	p->pfns[p->n++] = (uint32_t)le(w, 4);
}

int nb_balloon_read_pfns(const struct nb_virtq_chain *c, uint32_t *pfns, size_t max)
{
	struct pfn_ctx p = {.pfns = pfns};

	if (!readable_only(c) || c->read_len % 4)
		return -EINVAL;
	if (c->read_len / 4 > max)
		return -E2BIG;
	for_each_word(c, 4, put_pfn, &p);
	return (int)p.n;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

int nb_balloon_pfns_to_ranges(uint32_t *pfns, size_t n, const struct nb_guest_mem *m,
			      struct nb_balloon_range *out, size_t max,
			      struct nb_balloon_pfn_result *res)
{
	struct nb_balloon_range *cur = NULL;

	memset(res, 0, sizeof(*res));
	if (max < n)
		return -EINVAL;
	if (n > 1)
		qsort(pfns, n, sizeof(*pfns), cmp_u32);
	for (size_t i = 0; i < n; i++) {
		uint64_t gpa = (uint64_t)pfns[i] << NB_BALLOON_PFN_SHIFT;

		if (i > 0 && pfns[i] == pfns[i - 1]) {
			res->duplicates++;
			continue;
		}
		if (!nb_mem_ptr(m, gpa, NB_BALLOON_PAGE_SIZE)) {
			res->out_of_range++;
			continue;
		}
		res->pages++;
		/* One host mapping for the whole run: the same region. */
		if (cur && cur->gpa + cur->len == gpa &&
		    nb_mem_ptr(m, cur->gpa, cur->len + NB_BALLOON_PAGE_SIZE)) {
			cur->len += NB_BALLOON_PAGE_SIZE;
			continue;
		}
		cur = &out[res->nr_ranges++];
		cur->gpa = gpa;
		cur->len = NB_BALLOON_PAGE_SIZE;
	}
	return 0;
}

struct stat_ctx {
	struct nb_balloon_guest_stats s;
	uint32_t unknown;
};

static void put_stat(void *ctx, const uint8_t *w)
{
	struct stat_ctx *p = ctx;
	uint16_t tag = (uint16_t)le(w, 2);

	if (tag >= NB_BALLOON_S_NR) {
		p->unknown++;
		return;
	}
	p->s.val[tag] = le(w + 2, 8);
	p->s.present |= 1u << tag;
}

int nb_balloon_parse_stats(const struct nb_virtq_chain *c, struct nb_balloon_guest_stats *s,
			   uint32_t *unknown)
{
	struct stat_ctx p = {0};

	if (!readable_only(c) || c->read_len % NB_BALLOON_STAT_ENTRY_SIZE ||
	    c->read_len / NB_BALLOON_STAT_ENTRY_SIZE > NB_BALLOON_MAX_STAT_ENTRIES)
		return -EINVAL;
	for_each_word(c, NB_BALLOON_STAT_ENTRY_SIZE, put_stat, &p);
	*s = p.s;
	*unknown += p.unknown;
	return 0;
}

size_t nb_balloon_report_ranges(const struct nb_virtq_chain *c, struct nb_balloon_range *out,
				size_t max, uint32_t *bad)
{
	size_t n = 0;

	for (uint16_t i = 0; i < c->nr; i++) {
		const struct nb_virtq_buf *b = &c->bufs[i];

		if (!page_range(b) || n >= max) {
			(*bad)++;
			continue;
		}
		out[n].gpa = b->gpa;
		out[n].len = b->len;
		n++;
	}
	return n;
}

enum nb_balloon_hint_kind nb_balloon_hint_buf(const struct nb_virtq_chain *c, uint16_t i,
					      uint32_t *cmd, struct nb_balloon_range *r)
{
	const struct nb_virtq_buf *b = &c->bufs[i];

	if (i < c->nr_read && b->len == 4) {
		*cmd = (uint32_t)le(b->host, 4);
		return NB_BALLOON_HINT_CMD;
	}
	if (!page_range(b))
		return NB_BALLOON_HINT_BAD;
	r->gpa = b->gpa;
	r->len = b->len;
	return NB_BALLOON_HINT_RANGE;
}
