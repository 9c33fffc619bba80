/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The VM's metric groups, from the counters each device keeps itself
 * (devices/ knows nothing of metrics: every device has a get_stats
 * function over its own atomics or counters). Totals over the devices of a
 * kind, as deltas since the previous line:
 *
 *   "block":   read_count, write_count, flush_count, read_bytes, write_bytes,
 *              invalid_reqs_count, io_errors, rate_limiter_throttled_events
 *   "net":     rx_bytes_count, rx_packets_count, rx_dropped, rx_fails,
 *              rx_rate_limiter_throttled, tx_bytes_count, tx_packets_count,
 *              tx_dropped, tx_fails, tx_rate_limiter_throttled
 *   "vsock":   rx_packets_count, tx_packets_count, conns_added, conns_refused,
 *              rx_bytes_count, tx_bytes_count, rst_sent, host_errors,
 *              violations
 *   "entropy": entropy_bytes, entropy_event_count, entropy_event_fails,
 *              host_rng_fails, entropy_rate_limiter_throttled
 *   "balloon": inflate_count, deflate_count, released_bytes, stats_updates_count,
 *              event_fails, free_page_hint_freed, free_page_hint_stale,
 *              free_page_hint_cmd_count (vmm/metrics_balloon.c, portable)
 *   "uart":    write_count (bytes out), missed_write_count (bytes dropped)
 */
#ifndef NB_VMM_METRICS_DEV_H
#define NB_VMM_METRICS_DEV_H

#include <stdbool.h>
#include <stdint.h>

struct json_object;
struct nb_vm;
struct nb_virtio_balloon_counters;

/*
 * An nb_metrics_groups_fn: @vm is a struct nb_vm that is built (NULL or not
 * yet built: the groups are all zero). Call it from the VMM thread only
 * (it keeps the previous totals).
 */
bool nb_metrics_vm_groups(void *vm, struct json_object *root);

/* The "balloon" group's field names, and one balloon's values in their order. */
#define NB_METRICS_BALLOON_NR 8
extern const char *const nb_metrics_balloon_names[NB_METRICS_BALLOON_NR];
void nb_metrics_balloon_values(const struct nb_virtio_balloon_counters *s,
			       uint64_t v[NB_METRICS_BALLOON_NR]);

#endif
