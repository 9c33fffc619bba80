/* SPDX-License-Identifier: Apache-2.0 */
/* A fake edge-triggered line for virtio device tests: it counts the interrupts. */
#ifndef NB_TESTS_IRQ_COUNT_H
#define NB_TESTS_IRQ_COUNT_H

#include <stdint.h>

static int irq_count;

/* The trigger of the test device's struct nb_irq. */
static inline int count_trigger(void *opaque, uint32_t spi)
{
	(void)opaque;
	(void)spi;
	irq_count++;
	return 0;
}

#endif
