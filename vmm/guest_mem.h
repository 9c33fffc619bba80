/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Guest memory: memfd-backed shared mappings for guest-physical ranges, its
 * own small library (no dependency on the rest of the VMM) so that devices
 * use it directly. Every access on behalf of the guest goes through
 * nb_mem_ptr(), which checks the whole range against one region: a
 * guest-supplied address that is out of bounds (or wraps) yields NULL,
 * never a host pointer.
 *
 * Each region is a memfd (a snapshot writes it out, a restore maps a file
 * in its place). Plain RAM asks for transparent huge pages (MADV_HUGEPAGE:
 * effective where the host's shmem_enabled is "advise" or "always");
 * "2M" RAM comes from the hugetlbfs pool, reserved when it is mapped, so a
 * pool that is too small fails here and never later with SIGBUS.
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
	int fd;		 /* the memfd (or file) behind it, -1 for anonymous memory */
	uint64_t *dirty; /* while tracking: a bit per 4 KiB page nestbox wrote */
};

struct nb_guest_mem {
	struct nb_mem_region regions[NB_MEM_MAX_REGIONS];
	unsigned nr;
};

void nb_mem_init(struct nb_guest_mem *m);

/*
 * Maps @size bytes of memfd memory (2 MiB hugetlbfs pages if @hugepages,
 * all reserved now) for guest-physical @gpa. Returns 0, -EINVAL (size 0,
 * not page aligned, wraps, overlaps), -ENOSPC (too many regions), -ENOMEM
 * (with @hugepages: the pool has fewer free 2 MiB pages than @size needs)
 * or the memfd/mmap error.
 */
int nb_mem_add_ram(struct nb_guest_mem *m, uint64_t gpa, uint64_t size, bool hugepages);

/*
 * Maps @size bytes of the file @fd from offset 0 privately (copy-on-write:
 * a snapshot's memory file, read lazily as the guest touches it and never
 * written) for guest-physical @gpa. @fd is duplicated. The file must hold
 * @size bytes. Returns 0, -EINVAL (as nb_mem_add_ram, or the file is
 * shorter), -ENOSPC or the mmap error.
 */
int nb_mem_add_file(struct nb_guest_mem *m, uint64_t gpa, uint64_t size, int fd);

/*
 * Maps @size bytes of anonymous private memory (no fd: fd is -1) for
 * guest-physical @gpa, for a page-fault handler to fill (vmm/uffd.h).
 * Returns 0, -EINVAL (as nb_mem_add_ram), -ENOSPC or the mmap error.
 */
int nb_mem_add_anon(struct nb_guest_mem *m, uint64_t gpa, uint64_t size);

/*
 * Copies the data ranges of the file @fd (SEEK_DATA; its holes stay holes)
 * into region @i, which must be memfd RAM no larger than the file. For a
 * guest hypervisor restored from a snapshot: a private mapping of the file
 * would copy each page on the guest's first write to it, and KVM drops every
 * shadow stage 2 of the guest's own guests on each such change. 0, -EINVAL
 * (no such region, or the file is shorter) or the read's error.
 */
int nb_mem_fill_from_file(struct nb_guest_mem *m, unsigned i, int fd);

/* Unmaps and closes every region. Safe on an initialised, empty or destroyed map. */
void nb_mem_destroy(struct nb_guest_mem *m);

/* Host pointer for [gpa, gpa + len) if it lies inside one region, else NULL. */
void *nb_mem_ptr(const struct nb_guest_mem *m, uint64_t gpa, uint64_t len);

/*
 * Dirty tracking of what nestbox itself writes into guest memory (devices,
 * the boot loader), for Diff snapshots: KVM's dirty log sees only what the
 * guest writes. nb_mem_track_dirty allocates (or, @on false, frees) a bitmap
 * per region: 0 or -ENOMEM. nb_mem_mark_dirty marks the pages of [gpa, gpa +
 * len) (any thread; nothing when not tracking). nb_mem_take_dirty ORs
 * region @i's marks into @bits (a bit per 4 KiB page of the region) and
 * clears them.
 */
int nb_mem_track_dirty(struct nb_guest_mem *m, bool on);
void nb_mem_mark_dirty(const struct nb_guest_mem *m, uint64_t gpa, uint64_t len);
void nb_mem_take_dirty(struct nb_guest_mem *m, unsigned i, uint64_t *bits);

/* Copies to/from guest memory (a write is marked dirty): 0 or -EFAULT when out of bounds. */
int nb_mem_read(const struct nb_guest_mem *m, uint64_t gpa, void *buf, size_t len);
int nb_mem_write(const struct nb_guest_mem *m, uint64_t gpa, const void *buf, size_t len);

#endif
