/* SPDX-License-Identifier: Apache-2.0 */
/*
 * An interrupt line as a device sees it: the VMM decides how it reaches the
 * guest (KVM_IRQ_LINE, irqfd); devices only raise and lower it.
 */
#ifndef NB_DEVICES_IRQ_H
#define NB_DEVICES_IRQ_H

#include <stdbool.h>
#include <stdint.h>

struct nb_irq {
	/* Sets the line's level; returns 0 or -errno. */
	int (*set_level)(void *opaque, uint32_t spi, bool level);
	void *opaque;
	uint32_t spi;
};

static inline int nb_irq_set(const struct nb_irq *irq, bool level)
{
	return irq->set_level ? irq->set_level(irq->opaque, irq->spi, level) : 0;
}

#endif
