// SPDX-License-Identifier: Apache-2.0
/*
 * The split virtqueue, device side (virtio 1.x, 2.7).
 *
 * The guest may change any ring or descriptor at any time, also while a
 * chain is walked: every value is read once into a local and checked there.
 * The rings are re-mapped (and re-checked) on every call, so a queue
 * restored from a snapshot or never checked cannot lead outside guest
 * memory either. The ring fields are little-endian, like both hosts nestbox
 * runs on; le*toh() keeps that honest.
 */
#include "devices/virtq.h"

#include <endian.h>
#include <errno.h>
#include <string.h>

/* Guest layout (2.7.5, 2.7.6, 2.7.8). */
struct desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

#define DESC_SIZE 16
#define DESC_ALIGN 16
#define AVAIL_ALIGN 2
#define USED_ALIGN 4
#define USED_ELEM_SIZE 8

/* The host view of a queue's three rings, all checked against guest memory. */
struct rings {
	uint8_t *desc;	/* desc[size] */
	uint8_t *avail; /* flags, idx, ring[size], used_event: all 16 bits */
	uint8_t *used;	/* flags, idx (16 bits), ring[size] (32-bit id, len), avail_event */
};

static uint64_t avail_bytes(uint16_t size)
{
	return 6 + 2 * (uint64_t)size;
}

static uint64_t used_bytes(uint16_t size)
{
	return 6 + USED_ELEM_SIZE * (uint64_t)size;
}

static bool is_pow2(uint32_t v)
{
	return v && !(v & (v - 1));
}

/* Maps the rings of @q, or fails if the driver's setup is not usable. */
static int map_rings(const struct nb_virtq *q, const struct nb_guest_mem *m, struct rings *r)
{
	if (q->max_size > NB_VIRTQ_MAX_SIZE || !is_pow2(q->size) || q->size > q->max_size)
		return -EINVAL;
	if (q->desc_addr % DESC_ALIGN || q->avail_addr % AVAIL_ALIGN || q->used_addr % USED_ALIGN)
		return -EINVAL;
	r->desc = nb_mem_ptr(m, q->desc_addr, (uint64_t)q->size * DESC_SIZE);
	r->avail = nb_mem_ptr(m, q->avail_addr, avail_bytes(q->size));
	r->used = nb_mem_ptr(m, q->used_addr, used_bytes(q->size));
	/* The device writes the used ring (and, with event idx, avail_event). */
	nb_mem_mark_dirty(m, q->used_addr, used_bytes(q->size));
	if (!r->desc || !r->avail || !r->used)
		return -EINVAL;
	return 0;
}

/* Field pointers; the rings' alignment was checked, so these are aligned. */
static uint16_t *avail_field(const struct rings *r, uint32_t i)
{
	return (uint16_t *)(r->avail + 2 * i);
}

static uint16_t *avail_flags(const struct rings *r)
{
	return avail_field(r, 0);
}

static uint16_t *avail_idx(const struct rings *r)
{
	return avail_field(r, 1);
}

static uint16_t *avail_ring(const struct rings *r, uint16_t i)
{
	return avail_field(r, 2 + (uint32_t)i);
}

static uint16_t *used_event(const struct rings *r, uint16_t size)
{
	return avail_field(r, 2 + (uint32_t)size);
}

static uint16_t *used_flags(const struct rings *r)
{
	return (uint16_t *)r->used;
}

static uint16_t *used_idx(const struct rings *r)
{
	return (uint16_t *)(r->used + 2);
}

static uint32_t *used_elem(const struct rings *r, uint16_t i)
{
	return (uint32_t *)(r->used + 4 + USED_ELEM_SIZE * (size_t)i);
}

static uint16_t *avail_event(const struct rings *r, uint16_t size)
{
	return (uint16_t *)(r->used + 4 + USED_ELEM_SIZE * (size_t)size);
}

static uint16_t load16(const uint16_t *p)
{
	return le16toh(__atomic_load_n(p, __ATOMIC_RELAXED));
}

static void store16(uint16_t *p, uint16_t v)
{
	__atomic_store_n(p, htole16(v), __ATOMIC_RELAXED);
}

/*
 * One descriptor, read once: an indirect table need not be aligned, so it
 * is copied, and the compiler barrier keeps the compiler from reading the
 * guest's copy again later.
 */
static void read_desc(const uint8_t *p, struct desc *d)
{
	memcpy(d, p, sizeof(*d));
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	d->addr = le64toh(d->addr);
	d->len = le32toh(d->len);
	d->flags = le16toh(d->flags);
	d->next = le16toh(d->next);
}

void nb_virtq_reset(struct nb_virtq *q)
{
	uint16_t max_size = q->max_size;

	memset(q, 0, sizeof(*q));
	q->max_size = max_size;
}

int nb_virtq_check(const struct nb_virtq *q, const struct nb_guest_mem *m)
{
	struct rings r;

	return map_rings(q, m, &r);
}

static bool test_and_set(uint64_t *bits, unsigned i)
{
	uint64_t bit = 1ULL << (i % 64);
	bool was = bits[i / 64] & bit;

	bits[i / 64] |= bit;
	return was;
}

/* Appends the buffer @d describes to @c. */
static int add_buf(const struct nb_guest_mem *m, struct nb_virtq_chain *c, const struct desc *d)
{
	bool write = d->flags & NB_VIRTQ_DESC_F_WRITE;
	struct nb_virtq_buf *b;
	uint8_t *host;

	if (c->nr == NB_VIRTQ_MAX_CHAIN)
		return -EINVAL;
	if (!write && c->nr > c->nr_read)
		return -EINVAL; /* readable after writable */
	host = nb_mem_ptr(m, d->addr, d->len);
	if (!host)
		return -EINVAL;
	b = &c->bufs[c->nr++];
	*b = (struct nb_virtq_buf){.gpa = d->addr, .len = d->len, .write = write, .host = host};
	if (write) {
		/* Dirty as soon as it is handed to a device: a superset of what it writes. */
		nb_mem_mark_dirty(m, d->addr, d->len);
		c->write_len += d->len;
	} else {
		c->nr_read++;
		c->read_len += d->len;
	}
	return 0;
}

/*
 * Walks the chain at @c->head. Loops are caught by marking each descriptor
 * visited: in the queue's table (at most size entries) and in an indirect
 * table (at most NB_VIRTQ_MAX_CHAIN entries, which bounds Linux's tables:
 * one entry per buffer).
 */
static int walk(const struct nb_virtq *q, const struct nb_guest_mem *m, const struct rings *r,
		struct nb_virtq_chain *c)
{
	uint64_t seen[NB_VIRTQ_MAX_SIZE / 64] = {0};
	uint64_t seen_ind[NB_VIRTQ_MAX_CHAIN / 64];
	const uint8_t *table = r->desc;
	uint32_t table_len = q->size;
	uint64_t *visited = seen;
	bool in_indirect = false;
	uint16_t i = c->head;
	struct desc d;
	int err;

	for (;;) {
		if (test_and_set(visited, i))
			return -EINVAL;
		read_desc(table + (size_t)i * DESC_SIZE, &d);
		if (d.flags & NB_VIRTQ_DESC_F_INDIRECT) {
			if (!q->indirect || in_indirect || d.flags & NB_VIRTQ_DESC_F_NEXT)
				return -EINVAL;
			if (!d.len || d.len % DESC_SIZE || d.len / DESC_SIZE > NB_VIRTQ_MAX_CHAIN)
				return -EINVAL;
			table = nb_mem_ptr(m, d.addr, d.len);
			if (!table)
				return -EINVAL;
			table_len = d.len / DESC_SIZE;
			memset(seen_ind, 0, sizeof(seen_ind));
			visited = seen_ind;
			in_indirect = true;
			i = 0;
			continue;
		}
		err = add_buf(m, c, &d);
		if (err)
			return err;
		if (!(d.flags & NB_VIRTQ_DESC_F_NEXT))
			return 0;
		if (d.next >= table_len)
			return -EINVAL;
		i = d.next;
	}
}

int nb_virtq_pop(struct nb_virtq *q, const struct nb_guest_mem *m, struct nb_virtq_chain *c)
{
	struct rings r;
	uint16_t idx, head;
	int err;

	if (map_rings(q, m, &r))
		return -EIO;
	/* Acquire: the ring entries and descriptors are read after the index. */
	idx = le16toh(__atomic_load_n(avail_idx(&r), __ATOMIC_ACQUIRE));
	if (idx == q->next_avail)
		return 0;
	if ((uint16_t)(idx - q->next_avail) > q->size)
		return -EIO;
	head = load16(avail_ring(&r, q->next_avail & (q->size - 1)));
	if (head >= q->size)
		return -EIO;
	q->next_avail++;
	c->head = head;
	c->nr = 0;
	c->nr_read = 0;
	c->read_len = 0;
	c->write_len = 0;
	err = walk(q, m, &r, c);
	return err ? err : 1;
}

bool nb_virtq_has_avail(const struct nb_virtq *q, const struct nb_guest_mem *m)
{
	struct rings r;

	if (map_rings(q, m, &r))
		return false;
	return le16toh(__atomic_load_n(avail_idx(&r), __ATOMIC_ACQUIRE)) != q->next_avail;
}

int nb_virtq_push(struct nb_virtq *q, const struct nb_guest_mem *m, uint16_t head, uint32_t len)
{
	struct rings r;
	uint32_t *elem;

	if (map_rings(q, m, &r))
		return -EFAULT;
	if (head >= q->size)
		return -EINVAL;
	elem = used_elem(&r, q->next_used & (q->size - 1));
	__atomic_store_n(&elem[0], htole32(head), __ATOMIC_RELAXED);
	__atomic_store_n(&elem[1], htole32(len), __ATOMIC_RELAXED);
	q->next_used++;
	/* Release: the driver sees the entry before the index that covers it. */
	__atomic_store_n(used_idx(&r), htole16(q->next_used), __ATOMIC_RELEASE);
	return 0;
}

int nb_virtq_push_many(struct nb_virtq *q, const struct nb_guest_mem *m,
		       const struct nb_virtq_used_elem *e, uint16_t n)
{
	struct rings r;

	if (map_rings(q, m, &r))
		return -EFAULT;
	if (n > q->size)
		return -EINVAL;
	for (uint16_t i = 0; i < n; i++)
		if (e[i].id >= q->size)
			return -EINVAL;
	for (uint16_t i = 0; i < n; i++) {
		uint32_t *elem = used_elem(&r, (uint16_t)(q->next_used + i) & (q->size - 1));

		__atomic_store_n(&elem[0], htole32(e[i].id), __ATOMIC_RELAXED);
		__atomic_store_n(&elem[1], htole32(e[i].len), __ATOMIC_RELAXED);
	}
	q->next_used = (uint16_t)(q->next_used + n);
	/* One release for all: the driver sees every entry or none. */
	__atomic_store_n(used_idx(&r), htole16(q->next_used), __ATOMIC_RELEASE);
	return 0;
}

/* 2.7.10: whether @new_idx passed @event since @old. */
static bool need_event(uint16_t event, uint16_t new_idx, uint16_t old)
{
	return (uint16_t)(new_idx - event - 1) < (uint16_t)(new_idx - old);
}

bool nb_virtq_needs_interrupt(struct nb_virtq *q, const struct nb_guest_mem *m)
{
	uint16_t old = q->signalled_used;
	bool valid = q->signalled_valid;
	struct rings r;

	if (map_rings(q, m, &r))
		return false;
	/*
	 * The used index we published must be visible before we read what the
	 * driver wants, or we may miss a driver that just re-enabled
	 * interrupts and then found nothing new.
	 */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	q->signalled_used = q->next_used;
	q->signalled_valid = true;
	if (valid && old == q->next_used)
		return false; /* nothing pushed since the last interrupt */
	if (q->event_idx)
		return !valid || need_event(load16(used_event(&r, q->size)), q->next_used, old);
	return !(load16(avail_flags(&r)) & NB_VIRTQ_AVAIL_F_NO_INTERRUPT);
}

void nb_virtq_enable_notify(struct nb_virtq *q, const struct nb_guest_mem *m, bool enable)
{
	struct rings r;

	if (map_rings(q, m, &r))
		return;
	if (q->event_idx) {
		/* Nothing suppresses notifications short of not asking again. */
		if (!enable)
			return;
		store16(avail_event(&r, q->size), q->next_avail);
	} else {
		uint16_t flags = load16(used_flags(&r));

		if (enable)
			flags &= ~NB_VIRTQ_USED_F_NO_NOTIFY;
		else
			flags |= NB_VIRTQ_USED_F_NO_NOTIFY;
		store16(used_flags(&r), flags);
	}
	/*
	 * The published avail_event (or flags) must be visible before the
	 * caller reads the avail index again: otherwise a driver adding a
	 * chain now may see notifications still off while we see no chain.
	 */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}
