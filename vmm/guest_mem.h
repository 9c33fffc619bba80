/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Guest memory: anonymous mappings that back guest-physical ranges. Every
 * access on behalf of the guest goes through nb_mem_ptr(), which checks the
 * whole range against one region: a guest-supplied address that is out of
 * bounds (or wraps) yields NULL, never a host pointer.
 */
#ifndef NB_VMM_GUEST_MEM_H
#define NB_VMM_GUEST_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NB_MEM_MAX_REGIONS 4

struct nb_mem_region {
	uint64_t gpa;
	uint64_t size;
	uint8_t *host;
};

struct nb_guest_mem {
	struct nb_mem_region regions[NB_MEM_MAX_REGIONS];
	unsigned nr;
};

void nb_mem_init(struct nb_guest_mem *m);

/*
 * Maps @size bytes of anonymous memory (2 MiB huge pages if @hugepages) for
 * guest-physical @gpa. Returns 0, -EINVAL (size 0, not page aligned, wraps,
 * overlaps), -ENOSPC (too many regions) or the mmap error.
 */
int nb_mem_add_ram(struct nb_guest_mem *m, uint64_t gpa, uint64_t size, bool hugepages);

/* Unmaps every region. Safe on an initialised, empty or destroyed map. */
void nb_mem_destroy(struct nb_guest_mem *m);

/* Host pointer for [gpa, gpa + len) if it lies inside one region, else NULL. */
void *nb_mem_ptr(const struct nb_guest_mem *m, uint64_t gpa, uint64_t len);

/* Copies to/from guest memory: 0 or -EFAULT when out of bounds. */
int nb_mem_read(const struct nb_guest_mem *m, uint64_t gpa, void *buf, size_t len);
int nb_mem_write(const struct nb_guest_mem *m, uint64_t gpa, const void *buf, size_t len);

#endif
