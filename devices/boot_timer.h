/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Firecracker's boot timer: once the guest's init reaches user space it writes
 * the byte 123 to offset 0 of this device, and the VMM reports how long the
 * guest took to boot, counted from start_ns (usually when the VMM started).
 *
 * The first write of the value 123 at offset 0 reports (and sets fired); later
 * ones are only counted (a guest writing it in a loop must not flood the log).
 * Other values, offsets and all reads (which return 0) are ignored. The
 * report callback runs at most once, on the vCPU thread of that first write.
 * The struct needs no teardown.
 */
#ifndef NB_DEVICES_BOOT_TIMER_H
#define NB_DEVICES_BOOT_TIMER_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/mmio_bus.h"

#define NB_BOOT_TIMER_MAGIC 123
#define NB_BOOT_TIMER_MMIO_SIZE 0x1000

struct nb_boot_timer {
	uint64_t start_ns; /* nb_monotonic_ns() at the start of the count */
	void (*report)(void *opaque, uint64_t elapsed_ns); /* may be NULL */
	void *opaque;
	/* Set on the first report; read it with __atomic_load_n() while vCPUs run. */
	bool fired;
	/* Writes of the value 123 seen, reported or not (__atomic_load_n() too). */
	uint64_t writes;
};

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t nb_monotonic_ns(void);

void nb_boot_timer_init(struct nb_boot_timer *bt, uint64_t start_ns,
			void (*report)(void *opaque, uint64_t elapsed_ns), void *opaque);

/*
 * A report callback: writes "Guest-boot-time = <us> us <ms> ms" and a newline
 * to opaque, a FILE *, and flushes it.
 */
void nb_boot_timer_log(void *opaque, uint64_t elapsed_ns);

/* opaque is the struct nb_boot_timer. */
extern const struct nb_mmio_ops nb_boot_timer_mmio_ops;

#endif
