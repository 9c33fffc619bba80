/* SPDX-License-Identifier: Apache-2.0 */
/*
 * An interrupt line as a device sees it: the VMM decides how it reaches the
 * guest (KVM_IRQ_LINE, irqfd); devices only raise and lower a level
 * (legacy devices) or trigger an edge (virtio-mmio).
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
	/*
	 * Edge-triggered lines only: one rising edge (an irqfd write). Must
	 * not block. NULL: the edge is a level raised then lowered.
	 */
	int (*trigger)(void *opaque, uint32_t spi);
};

static inline int nb_irq_set(const struct nb_irq *irq, bool level)
{
	return irq->set_level ? irq->set_level(irq->opaque, irq->spi, level) : 0;
}

/* One interrupt on an edge-triggered line. */
static inline int nb_irq_trigger(const struct nb_irq *irq)
{
	int r;

	if (irq->trigger)
		return irq->trigger(irq->opaque, irq->spi);
	r = nb_irq_set(irq, true);
	return r ? r : nb_irq_set(irq, false);
}

#endif
