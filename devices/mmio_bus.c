// SPDX-License-Identifier: Apache-2.0
#include "devices/mmio_bus.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define NB_MMIO_BUS_MIN_CAP 8

void nb_mmio_bus_init(struct nb_mmio_bus *bus)
{
	bus->regions = NULL;
	bus->nr = 0;
	bus->cap = 0;
}

void nb_mmio_bus_destroy(struct nb_mmio_bus *bus)
{
	free(bus->regions);
	nb_mmio_bus_init(bus);
}

/* The number of regions whose base is <= addr (the index to insert at). */
static size_t bus_upper_bound(const struct nb_mmio_bus *bus, uint64_t addr)
{
	size_t lo = 0, hi = bus->nr;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (bus->regions[mid].base <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Last byte of a region (inclusive), which cannot overflow once added. */
static uint64_t region_last(const struct nb_mmio_region *r)
{
	return r->base + (r->size - 1);
}

static int bus_reserve(struct nb_mmio_bus *bus)
{
	struct nb_mmio_region *regions;
	size_t cap;

	if (bus->nr < bus->cap)
		return 0;
	/* cap * 2 cannot overflow: cap regions were allocated already. */
	cap = bus->cap ? bus->cap * 2 : NB_MMIO_BUS_MIN_CAP;
	regions = reallocarray(bus->regions, cap, sizeof(*regions));
	if (!regions)
		return -ENOMEM;
	bus->regions = regions;
	bus->cap = cap;
	return 0;
}

int nb_mmio_bus_add(struct nb_mmio_bus *bus, uint64_t base, uint64_t size,
		    const struct nb_mmio_ops *ops, void *opaque)
{
	uint64_t last;
	size_t i;
	int ret;

	if (!ops || size == 0 || size - 1 > UINT64_MAX - base)
		return -EINVAL;
	last = base + (size - 1);

	i = bus_upper_bound(bus, base);
	if (i > 0 && region_last(&bus->regions[i - 1]) >= base)
		return -EEXIST;
	if (i < bus->nr && bus->regions[i].base <= last)
		return -EEXIST;

	ret = bus_reserve(bus);
	if (ret)
		return ret;
	memmove(&bus->regions[i + 1], &bus->regions[i], (bus->nr - i) * sizeof(bus->regions[0]));
	bus->regions[i] = (struct nb_mmio_region){
	    .base = base,
	    .size = size,
	    .ops = ops,
	    .opaque = opaque,
	};
	bus->nr++;
	return 0;
}

static const struct nb_mmio_region *bus_find(const struct nb_mmio_bus *bus, uint64_t addr)
{
	size_t i = bus_upper_bound(bus, addr);
	const struct nb_mmio_region *r;

	if (i == 0)
		return NULL;
	r = &bus->regions[i - 1];
	return addr - r->base < r->size ? r : NULL;
}

int nb_mmio_bus_access(const struct nb_mmio_bus *bus, uint64_t addr, uint8_t *data, uint32_t len,
		       bool is_write)
{
	const struct nb_mmio_region *r = NULL;
	uint64_t offset = 0;
	int ret = 0;

	if (len != 1 && len != 2 && len != 4 && len != 8) {
		ret = -EINVAL;
	} else {
		r = bus_find(bus, addr);
		if (!r) {
			ret = -ENOENT;
		} else {
			offset = addr - r->base;
			if (len - 1 > r->size - 1 - offset)
				ret = -EINVAL;
		}
	}

	if (ret) {
		/* Even a bogus len must not make us write past an 8-byte buffer. */
		if (!is_write)
			memset(data, 0, len < 8 ? len : 8);
		return ret;
	}
	if (is_write) {
		if (r->ops->write)
			r->ops->write(r->opaque, offset, data, len);
	} else if (r->ops->read) {
		r->ops->read(r->opaque, offset, data, len);
	} else {
		memset(data, 0, len);
	}
	return 0;
}
