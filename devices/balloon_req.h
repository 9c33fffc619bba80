/* SPDX-License-Identifier: Apache-2.0 */
/*
 * virtio-balloon requests (virtio 1.x, 5.5.6) turned into what to do, with
 * no I/O: the page frame lists of the inflate and deflate queues, the
 * statistics buffer of the stats queue, the free page ranges of the
 * reporting queue and the buffers of the free page hinting queue. Pure:
 * unit-tested and fuzzed on their own.
 *
 * Every value comes from the guest and is untrusted. A PFN names a 4 KiB
 * page (VIRTIO_BALLOON_PFN_SHIFT, whatever the guest's page size) and is a
 * little-endian 32-bit word; the words may be split across buffers in any
 * way (virtio 1.x allows any framing), but the chain must be readable only
 * and hold a whole number of them.
 */
#ifndef NB_DEVICES_BALLOON_REQ_H
#define NB_DEVICES_BALLOON_REQ_H

#include <stddef.h>
#include <stdint.h>

#include "devices/virtq.h"
#include "vmm/guest_mem.h"

#define NB_BALLOON_PFN_SHIFT 12
#define NB_BALLOON_PAGE_SIZE (1u << NB_BALLOON_PFN_SHIFT)
#define NB_BALLOON_PAGES_PER_MIB 256u
/* PFNs in one inflate or deflate chain, at most (Linux sends up to 256). */
#define NB_BALLOON_MAX_PFNS 4096u
/* Entries in one statistics buffer, at most (Linux sends 10 to 16). */
#define NB_BALLOON_MAX_STAT_ENTRIES 64u
#define NB_BALLOON_STAT_ENTRY_SIZE 10u /* le16 tag, le64 value, packed */

/* Statistics tags (5.5.6.3) that nestbox reports; newer ones are ignored. */
enum nb_balloon_stat_tag {
	NB_BALLOON_S_SWAP_IN = 0,
	NB_BALLOON_S_SWAP_OUT = 1,
	NB_BALLOON_S_MAJFLT = 2,
	NB_BALLOON_S_MINFLT = 3,
	NB_BALLOON_S_MEMFREE = 4,
	NB_BALLOON_S_MEMTOT = 5,
	NB_BALLOON_S_AVAIL = 6,
	NB_BALLOON_S_CACHES = 7,
	NB_BALLOON_S_HTLB_PGALLOC = 8,
	NB_BALLOON_S_HTLB_PGFAIL = 9,
	NB_BALLOON_S_NR = 10,
};

/* A run of guest-physical memory, page aligned, inside one RAM region. */
struct nb_balloon_range {
	uint64_t gpa;
	uint64_t len;
};

struct nb_balloon_pfn_result {
	uint32_t nr_ranges;    /* ranges written */
	uint32_t pages;	       /* distinct PFNs inside guest RAM, all in the ranges */
	uint32_t out_of_range; /* PFNs whose page is not wholly inside one RAM region */
	uint32_t duplicates;   /* repeats of a PFN already in the list */
};

/* The last statistics the guest sent: val[tag] is valid if present has bit tag. */
struct nb_balloon_guest_stats {
	uint64_t val[NB_BALLOON_S_NR];
	uint32_t present;
};

/*
 * Gathers the PFNs of an inflate or deflate chain into @pfns (host order).
 * Returns the number of PFNs (1..@max), -EINVAL (a writable buffer, no
 * bytes, or a length that is not a multiple of 4) or -E2BIG (more than
 * @max PFNs).
 */
int nb_balloon_read_pfns(const struct nb_virtq_chain *c, uint32_t *pfns, size_t max);

/*
 * Turns @n PFNs into ranges of guest RAM: sorts @pfns in place, drops and
 * counts repeats and PFNs whose 4 KiB page is not wholly inside one region
 * of @m, and merges neighbours within a region. @out has room for @max
 * ranges; @max >= @n always suffices. 0, or -EINVAL (@max < @n).
 */
int nb_balloon_pfns_to_ranges(uint32_t *pfns, size_t n, const struct nb_guest_mem *m,
			      struct nb_balloon_range *out, size_t max,
			      struct nb_balloon_pfn_result *res);

/*
 * Parses a statistics chain (readable only, a whole number of 10-byte
 * entries, at most NB_BALLOON_MAX_STAT_ENTRIES) into @s, which it replaces.
 * Tags nestbox does not know are skipped and counted in *@unknown. 0 or
 * -EINVAL (then @s is unchanged).
 */
int nb_balloon_parse_stats(const struct nb_virtq_chain *c, struct nb_balloon_guest_stats *s,
			   uint32_t *unknown);

/*
 * The free page ranges of a reporting chain: one per buffer (Linux makes
 * them device-writable; either direction is taken), each page aligned and
 * not empty, else counted in *@bad and skipped. Ranges inside guest memory
 * are the queue's promise (nb_virtq_pop); the caller maps each to a
 * region. Returns the number of ranges written to @out (room for @max; the
 * chain's buffer count suffices).
 */
size_t nb_balloon_report_ranges(const struct nb_virtq_chain *c, struct nb_balloon_range *out,
				size_t max, uint32_t *bad);

/*
 * Free page hinting (F_FREE_PAGE_HINT): the ids of 5.5.6.4. The host puts
 * a run's id (any other value) in the config space; the guest echoes it on
 * the hinting queue, hints free ranges, and sends STOP when it has no more.
 * DONE from the host tells the guest it may use the hinted pages again.
 */
#define NB_BALLOON_HINT_CMD_STOP 0u
#define NB_BALLOON_HINT_CMD_DONE 1u

enum nb_balloon_hint_kind {
	NB_BALLOON_HINT_CMD,   /* a command id from the guest */
	NB_BALLOON_HINT_RANGE, /* a free range */
	NB_BALLOON_HINT_BAD,   /* neither: skipped */
};

/*
 * Buffer @i of a hinting chain: a readable buffer of exactly 4 bytes is a
 * command id (little-endian, into *@cmd); any other buffer (Linux makes
 * hints device-writable; either direction is taken) is a free range (into
 * *@r) if it is page aligned and not empty, else bad. @i < @c->nr.
 */
enum nb_balloon_hint_kind nb_balloon_hint_buf(const struct nb_virtq_chain *c, uint16_t i,
					      uint32_t *cmd, struct nb_balloon_range *r);

#endif
