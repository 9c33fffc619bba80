/* SPDX-License-Identifier: Apache-2.0 */
/* A fake interrupt line for device tests: it records what the device does. */
#ifndef NB_TESTS_IRQ_LOG_H
#define NB_TESTS_IRQ_LOG_H

#include <check.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include "devices/irq.h"

struct irq_log {
	int calls;
	bool level;
	int fail;     /* fail this many calls with -EIO */
	uint32_t spi; /* the SPI the device must signal on */
};

static inline int irq_log_set_level(void *opaque, uint32_t spi, bool level)
{
	struct irq_log *l = opaque;

	ck_assert_uint_eq(spi, l->spi);
	if (l->fail) {
		l->fail--;
		return -EIO;
	}
	l->calls++;
	l->level = level;
	return 0;
}

/* The line a device under test gets: SPI @spi, recorded in @l. */
static inline struct nb_irq irq_log_line(struct irq_log *l, uint32_t spi)
{
	l->spi = spi;
	return (struct nb_irq){.set_level = irq_log_set_level, .opaque = l, .spi = spi};
}

#endif
