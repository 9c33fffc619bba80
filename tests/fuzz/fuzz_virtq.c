// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target for the virtqueue walker. The input is the queue's setup
 * (size, features, the device's indices, where the rings are) followed by
 * the contents of a 64 KiB guest RAM region: a driver that can write
 * anything anywhere. The device pops until the queue is empty or broken,
 * uses every buffer it is given, pushes every head back and asks whether to
 * interrupt. Whatever the guest wrote, every buffer must lie in guest
 * memory and every chain must keep the shape virtq.h promises.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "devices/virtq.h"

/* At 0: small addresses in the input are in RAM, as most should be. */
#define RAM 0x0ULL
#define RAM_SIZE 0x10000ULL

static struct nb_guest_mem mem;
static struct nb_virtq_chain chain;
static uint8_t *ram;

static uint64_t take(const uint8_t **p, size_t *n, unsigned bytes)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < bytes && *n; i++, (*p)++, (*n)--)
		v |= (uint64_t) * *p << (8 * i);
	return v;
}

static void check(bool ok)
{
	if (!ok)
		abort();
}

/* The promises of nb_virtq_pop about a chain it returned. */
static void use_chain(const struct nb_virtq_chain *c)
{
	uint64_t rd = 0, wr = 0;
	volatile uint8_t sink = 0;

	check(c->nr >= 1 && c->nr <= NB_VIRTQ_MAX_CHAIN && c->nr_read <= c->nr);
	for (unsigned i = 0; i < c->nr; i++) {
		const struct nb_virtq_buf *b = &c->bufs[i];

		check(b->write == (i >= c->nr_read));
		check(b->host && b->host == nb_mem_ptr(&mem, b->gpa, b->len));
		check(b->len <= RAM_SIZE && b->gpa - RAM <= RAM_SIZE - b->len);
		if (b->write) {
			memset(b->host, 0xee, b->len);
			wr += b->len;
		} else {
			for (uint32_t j = 0; j < b->len; j += 512)
				sink += b->host[j];
			rd += b->len;
		}
	}
	check(rd == c->read_len && wr == c->write_len);
	(void)sink;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nb_virtq q = {.max_size = NB_VIRTQ_MAX_SIZE};
	unsigned flags, rounds;
	int r;

	if (!ram) {
		nb_mem_init(&mem);
		if (nb_mem_add_ram(&mem, RAM, RAM_SIZE, false))
			abort();
		ram = nb_mem_ptr(&mem, RAM, RAM_SIZE);
	}
	q.size = (uint16_t)(1u << (take(&data, &size, 1) % 10)); /* up to 512: too big */
	flags = (unsigned)take(&data, &size, 1);
	q.event_idx = flags & 1;
	q.indirect = flags & 2;
	q.next_avail = (uint16_t)take(&data, &size, 2);
	q.next_used = (uint16_t)take(&data, &size, 2);
	q.desc_addr = RAM + take(&data, &size, 2);
	q.avail_addr = RAM + take(&data, &size, 2);
	q.used_addr = RAM + take(&data, &size, 2);
	if (!(flags & 4)) { /* mostly aligned, as nb_virtq_check wants */
		q.desc_addr &= ~15ULL;
		q.avail_addr &= ~1ULL;
		q.used_addr &= ~3ULL;
	}
	if (flags & 8)
		q.used_addr = RAM + RAM_SIZE; /* outside guest memory */
	q.ready = true;
	memset(ram, 0, RAM_SIZE);
	memcpy(ram, data, size < RAM_SIZE ? size : RAM_SIZE);

	(void)nb_virtq_check(&q, &mem);
	/* Pushes may rewrite the avail ring (the rings may overlap): bound it. */
	for (rounds = 0; rounds < 2u * NB_VIRTQ_MAX_SIZE + 2; rounds++) {
		r = nb_virtq_pop(&q, &mem, &chain);
		if (r == 0) {
			nb_virtq_enable_notify(&q, &mem, true);
			if (!nb_virtq_has_avail(&q, &mem))
				break;
			continue;
		}
		if (r == -EIO)
			break;
		check(r == 1 || r == -EINVAL);
		check(chain.head < q.size);
		if (r == 1)
			use_chain(&chain);
		check(nb_virtq_push(&q, &mem, chain.head, r == 1 ? (uint32_t)chain.write_len : 0) ==
		      0);
		if (flags & 16)
			(void)nb_virtq_needs_interrupt(&q, &mem);
	}
	nb_virtq_enable_notify(&q, &mem, false);
	(void)nb_virtq_needs_interrupt(&q, &mem);
	return 0;
}
