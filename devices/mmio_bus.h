/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The MMIO bus: guest-physical address ranges mapped to device callbacks.
 *
 * Devices are registered while the VM is being built, before any vCPU thread
 * runs; after that the bus is read-only and nb_mmio_bus_access() may be called
 * from several vCPU threads at once without locking. Each device serialises
 * its own state.
 */
#ifndef NB_DEVICES_MMIO_BUS_H
#define NB_DEVICES_MMIO_BUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A device's view of an access: offset is relative to the device's base,
 * data holds len little-endian bytes (len is 1, 2, 4 or 8, and the access
 * lies inside the region the device was registered with). read must fill
 * all len bytes. A NULL read reads zeros; a NULL write ignores the access.
 */
struct nb_mmio_ops {
	void (*read)(void *opaque, uint64_t offset, uint8_t *data, uint32_t len);
	void (*write)(void *opaque, uint64_t offset, const uint8_t *data, uint32_t len);
};

struct nb_mmio_region {
	uint64_t base;
	uint64_t size;
	const struct nb_mmio_ops *ops;
	void *opaque;
};

/* Regions sorted by base, never overlapping. */
struct nb_mmio_bus {
	struct nb_mmio_region *regions;
	size_t nr;
	size_t cap;
};

void nb_mmio_bus_init(struct nb_mmio_bus *bus);
/* Frees the region table; the devices themselves belong to their owners. */
void nb_mmio_bus_destroy(struct nb_mmio_bus *bus);

/*
 * Maps [base, base + size) to a device. The range may end at the very top of
 * the address space but not wrap. Returns 0, -EINVAL (size 0, wrap, no ops),
 * -EEXIST (overlaps a registered region) or -ENOMEM.
 */
int nb_mmio_bus_add(struct nb_mmio_bus *bus, uint64_t base, uint64_t size,
		    const struct nb_mmio_ops *ops, void *opaque);

/*
 * Dispatches a guest access of len bytes at addr (data holds len bytes).
 * Returns 0, -ENOENT (no region at addr) or -EINVAL (len not 1, 2, 4 or 8, or
 * the access runs past the end of its region). On any error a read fills
 * data with zeros (its first len bytes, at most 8) and a write reaches no
 * device.
 */
int nb_mmio_bus_access(const struct nb_mmio_bus *bus, uint64_t addr, uint8_t *data, uint32_t len,
		       bool is_write);

/* Little-endian helpers for devices; at most 8 bytes are used. */
static inline uint64_t nb_mmio_le_get(const uint8_t *data, uint32_t len)
{
	uint64_t v = 0;

	for (uint32_t i = 0; i < len && i < 8; i++)
		v |= (uint64_t)data[i] << (8 * i);
	return v;
}

static inline void nb_mmio_le_put(uint8_t *data, uint32_t len, uint64_t v)
{
	for (uint32_t i = 0; i < len && i < 8; i++)
		data[i] = (uint8_t)(v >> (8 * i));
}

#endif
