/* SPDX-License-Identifier: Apache-2.0 */
/*
 * nestbox's metrics (Firecracker's): counters any thread bumps with one
 * relaxed atomic add, written as one JSON object per line to metrics_path
 * on PUT /actions FlushMetrics, every NB_METRICS_PERIOD_S seconds (a
 * timerfd on the VMM thread's loop) and at exit.
 *
 * A line, with Firecracker's group names where nestbox has the equivalent:
 *
 *   { "utc_timestamp_ms": ...,
 *     "api_server": { "process_startup_time_us", "sync_response_fails" },
 *     "get_api_requests":   { "<resource>_count", "<resource>_fails", ... },
 *     "put_api_requests":   { ... }, "patch_api_requests": { ... },
 *     "vcpu":    { "exit_mmio_read", "exit_mmio_write", "exit_system_event",
 *                  "exit_kicked", "failures" },
 *     "vmm":     { "device_events", "rss_kib" },
 *     "signals": { "sigint", "sigterm" },
 *     "logger":  { "missed_log_count", "missed_metrics_count", "metrics_fails" },
 *     "latencies_us": { "vmm_pause_vm", "vmm_resume_vm" },
 *     ...and the device groups the VM adds ("block", "net", "vsock",
 *     "entropy", "balloon", "uart": vmm/metrics_dev.c) }
 *
 * Counters are deltas: each line holds what happened since the previous
 * line (Firecracker's SharedIncMetric, reset at each flush). The
 * exceptions are values, not counts: utc_timestamp_ms,
 * api_server.process_startup_time_us, vmm.rss_kib (nestbox's resident
 * memory now) and latencies_us (the last pause or resume, in us).
 *
 * The metrics destination is process-wide state, like the logger's:
 * configured once from the VMM thread, before the VM starts.
 */
#ifndef NB_VMM_METRICS_H
#define NB_VMM_METRICS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmm/config_obs.h"

struct json_object;

#define NB_METRICS_PERIOD_S 60

/* X(ID, group, name, is_delta): the counters outside the API and the devices. */
#define NB_METRICS_COUNTERS(X)                                                                     \
	X(API_STARTUP_US, "api_server", "process_startup_time_us", false)                          \
	X(API_SYNC_FAILS, "api_server", "sync_response_fails", true)                               \
	X(VCPU_EXIT_MMIO_READ, "vcpu", "exit_mmio_read", true)                                     \
	X(VCPU_EXIT_MMIO_WRITE, "vcpu", "exit_mmio_write", true)                                   \
	X(VCPU_EXIT_SYSTEM_EVENT, "vcpu", "exit_system_event", true)                               \
	X(VCPU_EXIT_KICKED, "vcpu", "exit_kicked", true)                                           \
	X(VCPU_FAILURES, "vcpu", "failures", true)                                                 \
	X(VMM_DEVICE_EVENTS, "vmm", "device_events", true)                                         \
	X(SIG_INT, "signals", "sigint", true)                                                      \
	X(SIG_TERM, "signals", "sigterm", true)                                                    \
	X(LAT_PAUSE_US, "latencies_us", "vmm_pause_vm", false)                                     \
	X(LAT_RESUME_US, "latencies_us", "vmm_resume_vm", false)

enum nb_metric {
#define NB_METRIC_ENUM(id, g, n, d) NB_M_##id,
	NB_METRICS_COUNTERS(NB_METRIC_ENUM)
#undef NB_METRIC_ENUM
	    NB_M_NR
};

extern atomic_uint_fast64_t nb_metrics_counters[NB_M_NR];

/* Hot paths: one relaxed add. */
static inline void nb_metrics_add(enum nb_metric m, uint64_t n)
{
	atomic_fetch_add_explicit(&nb_metrics_counters[m], n, memory_order_relaxed);
}

static inline void nb_metrics_inc(enum nb_metric m)
{
	nb_metrics_add(m, 1);
}

/* A value rather than a count (the exceptions above). */
static inline void nb_metrics_set(enum nb_metric m, uint64_t v)
{
	atomic_store_explicit(&nb_metrics_counters[m], v, memory_order_relaxed);
}

/*
 * One API request, answered with @status: counted under its method's group
 * and the resource of @path (Firecracker's names: "drive", "machine_cfg",
 * "instance_info", ...; an unknown path under "invalid"); "_fails" too when
 * @status >= 400. @method: 0 GET, 1 PUT, 2 PATCH (enum nb_http_method).
 */
void nb_metrics_api_request(unsigned int method, const char *path, size_t path_len, int status);

/*
 * Opens @m->metrics_path (a file, created 0600 if missing and appended to,
 * or a FIFO; O_NONBLOCK and read-write as the logger's) and a timerfd that
 * fires every NB_METRICS_PERIOD_S seconds. 0; -EALREADY when already
 * configured; or -errno with one line in @err ("metrics.metrics_path: open
 * /x: ..."), nothing changed then.
 */
int nb_metrics_init(const struct nb_metrics_config *m, char *err, size_t errlen);
bool nb_metrics_configured(void);
/* The timerfd (-1 when not configured): the VMM loop reads it and flushes. */
int nb_metrics_timer_fd(void);
/* Closes the file and the timerfd. */
void nb_metrics_close(void);

/* Adds the VM's groups to @root (vmm/metrics_dev.c); false when out of memory. */
typedef bool nb_metrics_groups_fn(void *ctx, struct json_object *root);

/*
 * The line now: every group above, then @groups(@ctx, root) if not NULL;
 * counters are reset. NULL when out of memory.
 */
struct json_object *nb_metrics_snapshot(nb_metrics_groups_fn *groups, void *ctx);

/*
 * nb_metrics_snapshot() written to metrics_path as one line (one write;
 * a line the destination cannot take whole is dropped and counted in
 * logger.missed_metrics_count). 0, -ENOTCONN when not configured, -ENOMEM,
 * or the write's -errno (-EAGAIN: a full FIFO).
 */
int nb_metrics_flush(nb_metrics_groups_fn *groups, void *ctx);

/*
 * For the device groups: adds to @root the group @group (made if missing)
 * with @n counters @names whose totals are @now, as deltas against @prev
 * (then updated). false when out of memory.
 */
bool nb_metrics_add_deltas(struct json_object *root, const char *group, const char *const *names,
			   const uint64_t *now, uint64_t *prev, unsigned int n);

#endif
