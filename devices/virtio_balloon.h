/* SPDX-License-Identifier: Apache-2.0 */
/*
 * virtio-balloon (virtio 1.x, 5.5; Firecracker's "balloon" device).
 *
 * Queues, in the driver's order (a queue whose feature was not negotiated
 * takes no index, as Linux numbers them): inflate, deflate, then stats
 * (VIRTIO_BALLOON_F_STATS_VQ, offered when stats_polling_interval_s > 0)
 * then hinting (VIRTIO_BALLOON_F_FREE_PAGE_HINT, when free_page_hinting) and
 * reporting (VIRTIO_BALLOON_F_REPORTING, when free_page_reporting).
 * VIRTIO_BALLOON_F_DEFLATE_ON_OOM is offered when deflate_on_oom: the guest
 * then takes pages back from the balloon under memory pressure by itself.
 *
 * Config space: num_pages (the target, 4 KiB pages, set by the host),
 * actual (what the guest holds, written by the driver) and, with hinting,
 * free_page_hint_cmd_id (the host's command: STOP, DONE or a run's id).
 *
 * Free page hinting (Firecracker's /balloon/hinting/{start,status,stop}):
 * a start puts a new run id in the config space (a config interrupt); the
 * guest echoes it on the hinting queue, then gives free ranges, then STOP.
 * Ranges that come under the current run id are released as inflated pages
 * are; ranges of an older run, or after STOP or DONE, are given back
 * untouched. With acknowledge_on_stop the guest's STOP of the current run
 * makes the host's command DONE at once (the guest may reuse the pages),
 * else a stop does. A guest may take hinted pages back under memory
 * pressure before the host has processed them (as in Firecracker and
 * QEMU): hinting is for a guest at rest.
 *
 * Inflate: each 4 KiB PFN the guest gives back is released on the host
 * (MADV_REMOVE: a hole punched in the region's memfd; on a private mapping
 * of a snapshot's memory file, MADV_DONTNEED, leaving the file alone), so
 * the host's resident memory drops; neighbouring PFNs are released together.
 * Deflate: nothing to do (the pages fault back in, zeroed). Reporting: each
 * free range the guest reports is released the same way. PFNs outside guest
 * RAM and repeated PFNs are skipped and counted; chains that are not a
 * readable list of whole PFNs are refused and counted; every chain is given
 * back to the guest.
 *
 * Statistics: the guest's stats buffer is held and given back every
 * stats_polling_interval_s seconds (a timerfd on the event loop, struct
 * nb_event_ops), and the guest then sends fresh values.
 *
 * Threads: the device's callbacks run under the transport's lock (vCPU
 * threads and the VMM thread); the timer callback takes it. The functions
 * below for the REST API run on the VMM thread; they take the device's own
 * lock (always after the transport's, never before it).
 */
#ifndef NB_DEVICES_VIRTIO_BALLOON_H
#define NB_DEVICES_VIRTIO_BALLOON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "devices/balloon_req.h"
#include "devices/event_ops.h"
#include "devices/virtio_mmio.h"

#define NB_VIRTIO_BALLOON_QUEUE_SIZE 256
#define NB_VIRTIO_BALLOON_CONFIG_SIZE 8	      /* num_pages, actual */
#define NB_VIRTIO_BALLOON_HINT_CONFIG_SIZE 12 /* and free_page_hint_cmd_id */

/* Feature bits (5.5.3). */
#define NB_VIRTIO_BALLOON_F_MUST_TELL_HOST 0
#define NB_VIRTIO_BALLOON_F_STATS_VQ 1
#define NB_VIRTIO_BALLOON_F_DEFLATE_ON_OOM 2
#define NB_VIRTIO_BALLOON_F_FREE_PAGE_HINT 3
#define NB_VIRTIO_BALLOON_F_PAGE_POISON 4
#define NB_VIRTIO_BALLOON_F_REPORTING 5

/* The largest target: the pages of 16 TiB still fit num_pages' 32 bits. */
#define NB_BALLOON_MAX_MIB (UINT32_MAX / NB_BALLOON_PAGES_PER_MIB)

struct nb_virtio_balloon;

/* What the device is built with (the config's "balloon" section). */
struct nb_balloon_params {
	uint32_t amount_mib;		   /* initial target, <= mem_size_mib */
	bool deflate_on_oom;		   /* offer VIRTIO_BALLOON_F_DEFLATE_ON_OOM */
	uint32_t stats_polling_interval_s; /* 0: no stats queue */
	bool free_page_hinting;		   /* offer VIRTIO_BALLOON_F_FREE_PAGE_HINT */
	bool free_page_reporting;	   /* offer VIRTIO_BALLOON_F_REPORTING */
	uint32_t mem_size_mib;		   /* guest RAM: the largest target */
};

/* The device's own state (plain data): what a snapshot saves. */
struct nb_virtio_balloon_state {
	uint64_t features; /* offered */
	uint32_t num_pages;
	uint32_t actual;
	uint32_t stats_polling_interval_s;
	uint32_t mem_size_mib;
	/* Free page hinting: */
	uint32_t hint_host_cmd;	 /* free_page_hint_cmd_id: STOP, DONE or a run's id */
	uint32_t hint_guest_cmd; /* the last id the guest sent, if hint_guest_sent */
	uint32_t hint_last_run;	 /* the last run's id (the next one is one more) */
	bool hint_guest_sent;
	bool hint_ack_on_stop; /* DONE when the guest sends STOP for the run */
};

/* Firecracker's GET /balloon/hinting/status. */
struct nb_balloon_hint_status {
	uint32_t host_cmd;
	uint32_t guest_cmd; /* valid if has_guest_cmd */
	bool has_guest_cmd;
};

/* Firecracker's GET /balloon/statistics; a guest value is valid if present. */
struct nb_balloon_stats {
	uint32_t target_pages, actual_pages, target_mib, actual_mib;
	/* swap_in, swap_out, major_faults, minor_faults, free_memory,
	 * total_memory, available_memory, disk_caches, hugetlb_allocations,
	 * hugetlb_failures: indexed by enum nb_balloon_stat_tag. */
	struct nb_balloon_guest_stats guest;
};

/* Firecracker's JSON name of each guest statistic, by tag. */
extern const char *const nb_balloon_stat_names[NB_BALLOON_S_NR];

/* The device's counters (for metrics and tests). */
struct nb_virtio_balloon_counters {
	uint64_t inflated_pages; /* valid PFNs taken by inflate requests */
	uint64_t deflated_pages; /* valid PFNs taken by deflate requests */
	uint64_t released_bytes; /* host memory released (inflate and reporting) */
	uint64_t reported_bytes; /* free memory the guest reported */
	uint64_t bad_requests;	 /* chains refused */
	uint64_t bad_pfns;	 /* PFNs outside guest RAM */
	uint64_t duplicate_pfns; /* PFNs repeated within a request */
	uint64_t bad_ranges;	 /* reported ranges that are not page aligned */
	uint64_t release_errors; /* a punch or MADV_REMOVE failed */
	uint64_t stats_updates;	 /* statistics buffers read */
	uint64_t unknown_stats;	 /* statistics entries with a tag nestbox does not know */
	uint64_t hinted_bytes;	 /* free memory hinted under the current run */
	uint64_t stale_hints;	 /* hinted ranges of no current run, given back untouched */
	uint64_t hint_cmds;	 /* command ids the guest sent */
};

/*
 * A balloon. @ev is the event loop for the stats timer (needed when
 * stats_polling_interval_s > 0; not copied, it must outlive the device).
 * 0, or -EINVAL (a target above mem_size_mib, stats without @ev) or the
 * timerfd's error, with one line in @err.
 */
int nb_virtio_balloon_new(struct nb_virtio_balloon **out, const struct nb_balloon_params *p,
			  const struct nb_event_ops *ev, char *err, size_t errlen);
/* After the transport is destroyed (or never set up). NULL is fine. */
void nb_virtio_balloon_free(struct nb_virtio_balloon *b);

/* What to give nb_virtio_mmio_init(); the device must outlive the transport. */
struct nb_virtio_device nb_virtio_balloon_device(struct nb_virtio_balloon *b);

/* The balloon behind a transport (from nb_devmgr_transport()), or NULL. */
struct nb_virtio_balloon *nb_virtio_balloon_from_transport(struct nb_virtio_mmio *t);

/*
 * PATCH /balloon: a new target. The guest is told by a config change
 * interrupt once its driver is running (else it reads the target when it
 * starts). 0, or -EINVAL (above mem_size_mib).
 */
int nb_virtio_balloon_set_target(struct nb_virtio_balloon *b, uint32_t amount_mib);

/*
 * PATCH /balloon/statistics: a new polling interval, from the next tick.
 * Statistics are enabled or not for good when the device is built (as in
 * Firecracker): -EINVAL when @secs is 0 but they are enabled, -ENOTSUP
 * when @secs is not 0 but they are not.
 */
int nb_virtio_balloon_set_stats_interval(struct nb_virtio_balloon *b, uint32_t secs);

/* GET /balloon: the current configuration (amount_mib is the target). */
void nb_virtio_balloon_get_config(struct nb_virtio_balloon *b, struct nb_balloon_params *out);

/* GET /balloon/statistics: 0, or -ENOTSUP when statistics are not enabled. */
int nb_virtio_balloon_get_stats(struct nb_virtio_balloon *b, struct nb_balloon_stats *out);

/*
 * PATCH /balloon/hinting/start: a new run, its id one more than the last
 * (never STOP or DONE), told to the guest by a config interrupt.
 * @ack_on_stop: DONE as soon as the guest sends STOP for it. 0, -ENOTSUP
 * (hinting not enabled) or -EAGAIN (the guest's driver is not running).
 */
int nb_virtio_balloon_hint_start(struct nb_virtio_balloon *b, bool ack_on_stop);
/* PATCH /balloon/hinting/stop: DONE (the guest may use the pages again). */
int nb_virtio_balloon_hint_stop(struct nb_virtio_balloon *b);
/* GET /balloon/hinting/status: 0 or -ENOTSUP. */
int nb_virtio_balloon_hint_status(struct nb_virtio_balloon *b, struct nb_balloon_hint_status *out);

/*
 * A snapshot's restore, after the transport's: the saved target, actual
 * and hinting state into a device built from the same configuration. A
 * hinting run in progress ends (DONE, with a config interrupt if the
 * driver runs), as in Firecracker.
 */
void nb_virtio_balloon_set_state(struct nb_virtio_balloon *b,
				 const struct nb_virtio_balloon_state *s);

/* The device's state and counters (copies). */
void nb_virtio_balloon_get_state(struct nb_virtio_balloon *b, struct nb_virtio_balloon_state *out);
void nb_virtio_balloon_get_counters(struct nb_virtio_balloon *b,
				    struct nb_virtio_balloon_counters *out);

#endif
