// SPDX-License-Identifier: Apache-2.0
#include "vmm/device_manager.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "arch/aarch64/gic.h"
#include "arch/aarch64/kvm_vm.h"
#include "arch/aarch64/layout.h"

struct nb_virtio_slot;

/* The context of one queue's ioeventfd in the event loop. */
struct queue_notify {
	struct nb_virtio_slot *slot;
	uint16_t queue;
	int fd;
};

struct nb_virtio_slot {
	struct nb_devmgr *dm;
	uint64_t base;
	uint32_t spi;
	int irq_fd;	 /* irqfd's eventfd, -1: KVM_IRQ_LINE pulses */
	int ack_fd;	 /* kernel_vring: InterruptACK of VRING done in KVM, never read */
	bool registered; /* on the MMIO bus */
	struct nb_virtio_mmio t;
	struct queue_notify notify[NB_VIRTIO_MAX_QUEUES];
	void (*free_dev)(void *);
	void *dev;
};

void nb_devmgr_init(struct nb_devmgr *dm, int vm_fd, struct nb_mmio_bus *bus,
		    const struct nb_guest_mem *mem, struct nb_evmgr *em)
{
	memset(dm, 0, sizeof(*dm));
	dm->vm_fd = vm_fd;
	dm->bus = bus;
	dm->mem = mem;
	dm->em = em;
}

static int irq_line(void *opaque, uint32_t spi, bool level)
{
	struct nb_virtio_slot *s = opaque;

	return nb_gic_set_spi(s->dm->vm_fd, spi, level);
}

static int irq_edge(void *opaque, uint32_t spi)
{
	struct nb_virtio_slot *s = opaque;
	uint64_t one = 1;

	(void)spi;
	/* An eventfd write blocks only when the counter is about to overflow. */
	return write(s->irq_fd, &one, sizeof(one)) == sizeof(one) ? 0 : -errno;
}

static void on_notify(void *ctx, int fd, uint32_t events)
{
	struct queue_notify *n = ctx;
	uint64_t v;

	(void)events;
	if (read(fd, &v, sizeof(v)) == sizeof(v))
		nb_virtio_mmio_notify(&n->slot->t, n->queue);
}

/* The device hands queue @queue to the kernel (vhost): the loop stops reading its kick. */
static int watch_kick(void *opaque, uint16_t queue, bool on)
{
	struct nb_virtio_slot *s = opaque;
	struct queue_notify *n;
	int r;

	if (queue >= NB_VIRTIO_MAX_QUEUES || s->notify[queue].fd < 0)
		return -EINVAL;
	n = &s->notify[queue];
	if (on) {
		r = nb_evmgr_add(s->dm->em, n->fd, EPOLLIN, on_notify, n);
		return r == -EEXIST ? 0 : r;
	}
	r = nb_evmgr_remove(s->dm->em, n->fd);
	return r == -ENOENT ? 0 : r;
}

/*
 * A kernel_vring device: the driver's InterruptACK of VIRTIO_INT_VRING alone
 * (datamatch 1) completes in KVM, as the transport keeps that bit set; any
 * other value still reaches the transport. Without it, one exit more per
 * interrupt.
 */
static void setup_ack(struct nb_virtio_slot *s)
{
	s->ack_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (s->ack_fd >= 0 && nb_kvm_ioeventfd(s->dm->vm_fd, s->base + NB_VIRTIO_MMIO_INTERRUPT_ACK,
					       4, NB_VIRTIO_INT_VRING, s->ack_fd, true)) {
		close(s->ack_fd);
		s->ack_fd = -1;
	}
}

/* What a device that hands its queues to the kernel needs (virtio_mmio.h). */
static void set_kernel_fds(struct nb_virtio_slot *s)
{
	struct nb_virtio_kernel_fds *k = &s->t.kfds;

	k->irq_fd = s->irq_fd;
	for (unsigned int q = 0; q < NB_VIRTIO_MAX_QUEUES; q++)
		k->kick_fd[q] = s->notify[q].fd;
	k->watch_kick = watch_kick;
	k->opaque = s;
}

/* One eventfd per queue on QueueNotify; false if KVM or the loop refused. */
static bool setup_notify(struct nb_virtio_slot *s, uint16_t nr_queues)
{
	for (uint16_t q = 0; q < nr_queues; q++) {
		struct queue_notify *n = &s->notify[q];

		n->slot = s;
		n->queue = q;
		n->fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (n->fd < 0)
			return false;
		if (nb_kvm_ioeventfd(s->dm->vm_fd, s->base + NB_VIRTIO_MMIO_QUEUE_NOTIFY, 4, q,
				     n->fd, true) ||
		    nb_evmgr_add(s->dm->em, n->fd, EPOLLIN, on_notify, n)) {
			close(n->fd);
			n->fd = -1;
			return false;
		}
	}
	return true;
}

static void free_slot(struct nb_virtio_slot *s)
{
	for (unsigned int q = 0; q < NB_VIRTIO_MAX_QUEUES; q++) {
		if (s->notify[q].fd < 0)
			continue;
		nb_evmgr_remove(s->dm->em, s->notify[q].fd);
		close(s->notify[q].fd);
	}
	if (s->irq_fd >= 0)
		close(s->irq_fd);
	if (s->ack_fd >= 0)
		close(s->ack_fd);
	if (s->free_dev)
		s->free_dev(s->dev);
	nb_virtio_mmio_destroy(&s->t);
	free(s);
}

int nb_devmgr_add_virtio(struct nb_devmgr *dm, const char *name, const struct nb_virtio_device *dev,
			 void (*free_dev)(void *), char *err, size_t errlen)
{
	struct nb_dev_fdt_desc desc;
	struct nb_virtio_slot *s;
	struct nb_irq irq;
	int r;

	if (dm->nr == NB_MAX_VIRTIO_DEVICES || NB_SPI_VIRTIO_FIRST + dm->nr >= NB_NR_SPIS) {
		snprintf(err, errlen, "%s: at most %d virtio devices", name, NB_MAX_VIRTIO_DEVICES);
		if (free_dev)
			free_dev(dev->dev);
		return -ENOSPC;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "%s: out of memory", name);
		if (free_dev)
			free_dev(dev->dev);
		return -ENOMEM;
	}
	s->dm = dm;
	s->base = NB_VIRTIO_BASE + dm->nr * NB_MMIO_SLOT_SIZE;
	s->spi = NB_SPI_VIRTIO_FIRST + dm->nr;
	s->free_dev = free_dev;
	s->dev = dev->dev;
	for (unsigned int q = 0; q < NB_VIRTIO_MAX_QUEUES; q++)
		s->notify[q].fd = -1;
	s->ack_fd = -1;
	s->irq_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (s->irq_fd >= 0 && nb_kvm_irqfd(dm->vm_fd, s->spi, s->irq_fd, true)) {
		close(s->irq_fd);
		s->irq_fd = -1;
	}
	irq = (struct nb_irq){.set_level = irq_line,
			      .opaque = s,
			      .spi = s->spi,
			      .trigger = s->irq_fd >= 0 ? irq_edge : NULL};
	r = nb_virtio_mmio_init(&s->t, dev, dm->mem, irq);
	if (r) {
		snprintf(err, errlen, "%s: virtio-mmio: %s", name, strerror(-r));
		s->t.dev.nr_queues = 0;
		goto fail;
	}
	setup_notify(s, dev->nr_queues);
	set_kernel_fds(s);
	if (dev->kernel_vring)
		setup_ack(s);
	r = nb_mmio_bus_add(dm->bus, s->base, NB_MMIO_SLOT_SIZE, &nb_virtio_mmio_ops, &s->t);
	if (r) {
		snprintf(err, errlen, "%s: MMIO bus: %s", name, strerror(-r));
		goto fail;
	}
	desc = nb_virtio_mmio_fdt_desc();
	dm->fdt[dm->nr] = nb_devmgr_fdt_node(&desc, s->base, NB_MMIO_SLOT_SIZE, s->spi);
	dm->slots[dm->nr++] = s;
	return 0;
fail:
	free_slot(s);
	return r;
}

struct nb_fdt_mmio_dev nb_devmgr_fdt_node(const struct nb_dev_fdt_desc *d, uint64_t base,
					  uint64_t size, uint32_t spi)
{
	return (struct nb_fdt_mmio_dev){
	    .name = d->name,
	    .compatible = d->compatible,
	    .compatible_len = d->compatible_len,
	    .base = base,
	    .size = size,
	    .spi = spi,
	    .edge = d->edge,
	    .clock_frequency = d->clock_frequency,
	    .apb_pclk = d->apb_pclk,
	    .dma_coherent = d->dma_coherent,
	    .stdout_path = d->stdout_path,
	};
}

struct nb_virtio_mmio *nb_devmgr_transport(struct nb_devmgr *dm, unsigned int i)
{
	return i < dm->nr ? &dm->slots[i]->t : NULL;
}

bool nb_devmgr_all_in_kernel(const struct nb_devmgr *dm)
{
	for (unsigned int i = 0; i < dm->nr; i++) {
		const struct nb_virtio_slot *s = dm->slots[i];

		if (s->irq_fd < 0)
			return false;
		for (uint16_t q = 0; q < s->t.dev.nr_queues; q++)
			if (s->notify[q].fd < 0)
				return false;
	}
	return true;
}

void nb_devmgr_destroy(struct nb_devmgr *dm)
{
	for (unsigned int i = 0; i < dm->nr; i++)
		free_slot(dm->slots[i]);
	dm->nr = 0;
}
