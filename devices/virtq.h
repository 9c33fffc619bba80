/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A split virtqueue (virtio 1.x, section 2.7), device side. It knows nothing
 * of the transport or the device type: the transport fills in the ring
 * addresses the driver wrote, a device pops descriptor chains and pushes
 * used entries.
 *
 * Everything the guest controls is untrusted: ring addresses, the avail
 * index, descriptor addresses, lengths, flags and next links, indirect
 * tables. Every buffer a chain yields lies wholly inside guest memory
 * (nb_mem_ptr), never wraps, and a chain is at most NB_VIRTQ_MAX_CHAIN
 * buffers and visits no descriptor twice.
 *
 * The struct is plain data: what a snapshot saves and restores.
 * Not thread-safe: the owner (the virtio-mmio transport's lock) serialises.
 */
#ifndef NB_DEVICES_VIRTQ_H
#define NB_DEVICES_VIRTQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmm/guest_mem.h"

#define NB_VIRTQ_MAX_SIZE 256  /* largest queue size a nestbox device offers */
#define NB_VIRTQ_MAX_CHAIN 256 /* buffers in one chain, indirect ones included */

/* Descriptor flags (virtio 1.x 2.7.5). */
#define NB_VIRTQ_DESC_F_NEXT 1
#define NB_VIRTQ_DESC_F_WRITE 2
#define NB_VIRTQ_DESC_F_INDIRECT 4
/* avail->flags / used->flags */
#define NB_VIRTQ_AVAIL_F_NO_INTERRUPT 1
#define NB_VIRTQ_USED_F_NO_NOTIFY 1

struct nb_virtq {
	/* Written by the driver through the transport. */
	uint16_t size;	   /* QueueNum: a power of 2, 1..max_size */
	uint16_t max_size; /* QueueNumMax, set by the device */
	bool ready;	   /* QueueReady */
	uint64_t desc_addr, avail_addr, used_addr;
	/* Negotiated features that change how the rings are used. */
	bool event_idx; /* VIRTIO_F_RING_EVENT_IDX */
	bool indirect;	/* VIRTIO_F_INDIRECT_DESC */
	/* The device's position. */
	uint16_t next_avail;	 /* the next avail ring entry to take */
	uint16_t next_used;	 /* the used index after the last push */
	uint16_t signalled_used; /* next_used when the driver was last interrupted */
	bool signalled_valid;	 /* signalled_used means something */
};

/* One buffer of a chain, already checked against guest memory. */
struct nb_virtq_buf {
	uint64_t gpa;
	uint32_t len;
	bool write;    /* device-writable */
	uint8_t *host; /* nb_mem_ptr(gpa, len); non-NULL even if len is 0 */
};

/*
 * A descriptor chain: its readable buffers first, then its writable ones
 * (a readable buffer after a writable one makes the chain invalid).
 */
struct nb_virtq_chain {
	uint16_t head;		      /* the id to push back */
	uint16_t nr;		      /* buffers in bufs[] */
	uint16_t nr_read;	      /* the first nr_read buffers are device-readable */
	uint64_t read_len, write_len; /* total bytes of each kind */
	struct nb_virtq_buf bufs[NB_VIRTQ_MAX_CHAIN];
};

/* Forgets the driver's setup and the device's position (device reset). */
void nb_virtq_reset(struct nb_virtq *q);

/*
 * Checks the rings the driver set up before the queue is used (on
 * QueueReady or DRIVER_OK): size a power of 2 <= max_size, each ring
 * aligned as the spec says and wholly inside guest memory. 0 or -EINVAL.
 */
int nb_virtq_check(const struct nb_virtq *q, const struct nb_guest_mem *m);

/*
 * Takes the next available chain into @c.
 * Returns 1 (a chain), 0 (nothing available), -EINVAL (that chain is bad:
 * out of guest memory, a loop, too long, a readable buffer after a writable
 * one, a bad indirect table; it has been consumed, @c->head is valid and
 * the caller completes it with nb_virtq_push(q, m, c->head, 0)), or -EIO
 * (the queue itself is broken: the avail index jumped more than size ahead,
 * a head id >= size, rings unreachable; the transport should set
 * DEVICE_NEEDS_RESET and stop using the queue).
 */
int nb_virtq_pop(struct nb_virtq *q, const struct nb_guest_mem *m, struct nb_virtq_chain *c);

/* Whether a chain is available, without taking it. */
bool nb_virtq_has_avail(const struct nb_virtq *q, const struct nb_guest_mem *m);

/*
 * Returns the chain @head to the driver with @len bytes written into its
 * writable buffers. 0, or -EINVAL (head >= size) / -EFAULT (used ring
 * unreachable).
 */
int nb_virtq_push(struct nb_virtq *q, const struct nb_guest_mem *m, uint16_t head, uint32_t len);

/* A used entry for nb_virtq_push_many(). */
struct nb_virtq_used_elem {
	uint32_t id;
	uint32_t len;
};

/*
 * Pushes @n used entries and then moves the used index once, so the driver
 * sees all of them or none (a frame spread over several chains with
 * VIRTIO_NET_F_MRG_RXBUF). 0, -EINVAL (an id >= size or @n > size: nothing
 * pushed) or -EFAULT (used ring unreachable).
 */
int nb_virtq_push_many(struct nb_virtq *q, const struct nb_guest_mem *m,
		       const struct nb_virtq_used_elem *e, uint16_t n);

/*
 * Whether the driver wants an interrupt for the entries pushed since the
 * last time this returned true: VIRTQ_AVAIL_F_NO_INTERRUPT, or with
 * event_idx the used_event field. Updates signalled_used.
 */
bool nb_virtq_needs_interrupt(struct nb_virtq *q, const struct nb_guest_mem *m);

/*
 * With event_idx: publishes avail_event = next_avail in the used ring so the
 * driver notifies again for the next chain it adds. Without event_idx it
 * clears (enable) or sets (!enable) USED_F_NO_NOTIFY. Call with enable when
 * the device has emptied the queue; afterwards check nb_virtq_has_avail()
 * again to close the race with the driver.
 */
void nb_virtq_enable_notify(struct nb_virtq *q, const struct nb_guest_mem *m, bool enable);

#endif
