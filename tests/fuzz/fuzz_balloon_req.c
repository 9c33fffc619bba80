// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target for the balloon's request parsers. The input describes
 * a chain (buffer count, each buffer's length and direction) whose bytes
 * follow; it goes through the PFN list reader and the range builder (over
 * guest RAM of two touching regions and a distant one), the statistics
 * parser, the reported-range reader and the free page hinting buffer
 * classifier (command id, range or bad). Every result is checked against
 * what balloon_req.h promises: ranges sorted, disjoint, page aligned, each
 * inside one region, every PFN accounted for exactly once.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "devices/balloon_req.h"

#define R0 0x40000000ULL
#define R_SIZE (1ULL << 20)
#define R2 0x80000000ULL

static struct nb_guest_mem mem;
static struct nb_virtq_chain chain;
static uint8_t area[1 << 16];
static uint32_t pfns[NB_BALLOON_MAX_PFNS];
static struct nb_balloon_range ranges[NB_BALLOON_MAX_PFNS];

static uint64_t take(const uint8_t **p, size_t *n, unsigned bytes)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < bytes && *n; i++, (*p)++, (*n)--)
		v |= (uint64_t) * *p << (8 * i);
	return v;
}

static void check_ranges(size_t n, bool near)
{
	struct nb_balloon_pfn_result res;
	uint64_t pages = 0;

	/* Aim most PFNs at guest RAM so that merging gets exercised. */
	if (near)
		for (size_t i = 0; i < n; i++)
			pfns[i] = (uint32_t)(R0 >> 12) - 4 + pfns[i] % 0x220;
	if (nb_balloon_pfns_to_ranges(pfns, n, &mem, ranges, n, &res))
		abort();
	if ((uint64_t)res.pages + res.out_of_range + res.duplicates != n || res.nr_ranges > n)
		abort();
	for (uint32_t i = 0; i < res.nr_ranges; i++) {
		const struct nb_balloon_range *r = &ranges[i];

		if (!r->len || r->gpa % NB_BALLOON_PAGE_SIZE || r->len % NB_BALLOON_PAGE_SIZE)
			abort();
		if (!nb_mem_ptr(&mem, r->gpa, r->len))
			abort();
		if (i && ranges[i - 1].gpa + ranges[i - 1].len > r->gpa)
			abort();
		pages += r->len / NB_BALLOON_PAGE_SIZE;
	}
	if (pages != res.pages)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nb_balloon_guest_stats st;
	uint32_t unknown = 0, bad = 0;
	unsigned nr, flags;
	size_t used = 0, n;
	int r;

	if (!mem.nr) {
		nb_mem_init(&mem);
		if (nb_mem_add_ram(&mem, R0, R_SIZE, false) ||
		    nb_mem_add_ram(&mem, R0 + R_SIZE, R_SIZE, false) ||
		    nb_mem_add_ram(&mem, R2, R_SIZE, false))
			abort();
	}
	flags = (unsigned)take(&data, &size, 1);
	nr = (unsigned)take(&data, &size, 1) % 17;
	memset(&chain, 0, sizeof(chain));
	for (unsigned i = 0; i < nr; i++) {
		struct nb_virtq_buf *b = &chain.bufs[i];
		uint32_t len = (uint32_t)take(&data, &size, 2);
		bool w = len & 0x8000 && (flags & 1);

		len &= 0x3fff;
		if (used + len > sizeof(area))
			len = 0;
		if (!w && chain.write_len) /* the queue's promise: readable first */
			w = true;
		b->gpa = (flags & 2 ? R0 : 0) + used * (flags & 4 ? 1 : 4096);
		b->len = len;
		b->write = w;
		b->host = area + used;
		used += len;
		chain.nr++;
		if (w) {
			chain.write_len += len;
		} else {
			chain.nr_read++;
			chain.read_len += len;
		}
	}
	memset(area, 0, used);
	memcpy(area, data, size < used ? size : used);

	r = nb_balloon_read_pfns(&chain, pfns, NB_BALLOON_MAX_PFNS);
	if (r > 0) {
		if (chain.read_len % 4 || chain.write_len || (uint64_t)r != chain.read_len / 4)
			abort();
		check_ranges((size_t)r, flags & 8);
	} else if (r == 0 || (r != -EINVAL && r != -E2BIG)) {
		abort();
	}

	memset(&st, 0, sizeof(st));
	if (!nb_balloon_parse_stats(&chain, &st, &unknown)) {
		if (chain.read_len % NB_BALLOON_STAT_ENTRY_SIZE || chain.write_len ||
		    st.present >> NB_BALLOON_S_NR ||
		    unknown > chain.read_len / NB_BALLOON_STAT_ENTRY_SIZE)
			abort();
	}

	n = nb_balloon_report_ranges(&chain, ranges, NB_BALLOON_MAX_PFNS, &bad);
	if (n + bad != chain.nr)
		abort();
	for (size_t i = 0; i < n; i++)
		if (!ranges[i].len || ranges[i].gpa % NB_BALLOON_PAGE_SIZE ||
		    ranges[i].len % NB_BALLOON_PAGE_SIZE)
			abort();

	for (uint16_t i = 0; i < chain.nr; i++) {
		const struct nb_virtq_buf *b = &chain.bufs[i];
		struct nb_balloon_range hr = {0};
		uint32_t cmd = 0;

		switch (nb_balloon_hint_buf(&chain, i, &cmd, &hr)) {
		case NB_BALLOON_HINT_CMD:
			if (i >= chain.nr_read || b->len != 4 || memcmp(&cmd, b->host, 4))
				abort();
			break;
		case NB_BALLOON_HINT_RANGE:
			if (hr.gpa != b->gpa || hr.len != b->len || !hr.len ||
			    hr.gpa % NB_BALLOON_PAGE_SIZE || hr.len % NB_BALLOON_PAGE_SIZE)
				abort();
			break;
		case NB_BALLOON_HINT_BAD:
			if ((i < chain.nr_read && b->len == 4) ||
			    (b->len && !(b->gpa % NB_BALLOON_PAGE_SIZE) &&
			     !(b->len % NB_BALLOON_PAGE_SIZE)))
				abort();
			break;
		default:
			abort();
		}
	}
	return 0;
}
