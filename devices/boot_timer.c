// SPDX-License-Identifier: Apache-2.0
#include "devices/boot_timer.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

uint64_t nb_monotonic_ns(void)
{
	struct timespec ts = {0};

	clock_gettime(CLOCK_MONOTONIC, &ts); /* cannot fail for this clock */
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

void nb_boot_timer_init(struct nb_boot_timer *bt, uint64_t start_ns,
			void (*report)(void *opaque, uint64_t elapsed_ns), void *opaque)
{
	bt->start_ns = start_ns;
	bt->report = report;
	bt->opaque = opaque;
	bt->fired = false;
	bt->writes = 0;
}

void nb_boot_timer_log(void *opaque, uint64_t elapsed_ns)
{
	FILE *f = opaque;
	unsigned long long us = elapsed_ns / 1000, ms = elapsed_ns / 1000000;

	fprintf(f, "Guest-boot-time = %llu us %llu ms\n", us, ms);
	fflush(f);
}

static void boot_timer_read(void *opaque, uint64_t offset, uint8_t *data, uint32_t len)
{
	(void)opaque;
	(void)offset;
	memset(data, 0, len);
}

static void boot_timer_write(void *opaque, uint64_t offset, const uint8_t *data, uint32_t len)
{
	struct nb_boot_timer *bt = opaque;
	uint64_t now, elapsed;

	if (offset != 0 || nb_mmio_le_get(data, len) != NB_BOOT_TIMER_MAGIC)
		return;
	now = nb_monotonic_ns();
	__atomic_add_fetch(&bt->writes, 1, __ATOMIC_RELAXED);
	/* Only the first write reports, even if two vCPUs race to it. */
	if (__atomic_exchange_n(&bt->fired, true, __ATOMIC_ACQ_REL))
		return;
	/* A start in the future (a bogus start_ns) counts as no time at all. */
	elapsed = now > bt->start_ns ? now - bt->start_ns : 0;
	if (bt->report)
		bt->report(bt->opaque, elapsed);
}

const struct nb_mmio_ops nb_boot_timer_mmio_ops = {
    .read = boot_timer_read,
    .write = boot_timer_write,
};
