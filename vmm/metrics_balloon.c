// SPDX-License-Identifier: Apache-2.0
/* The "balloon" metric group's fields from a balloon's counters (portable). */
#include "vmm/metrics_dev.h"

#include "devices/virtio_balloon.h"

const char *const nb_metrics_balloon_names[NB_METRICS_BALLOON_NR] = {
    "inflate_count", "deflate_count",	     "released_bytes",	     "stats_updates_count",
    "event_fails",   "free_page_hint_freed", "free_page_hint_stale", "free_page_hint_cmd_count"};

void nb_metrics_balloon_values(const struct nb_virtio_balloon_counters *s,
			       uint64_t v[NB_METRICS_BALLOON_NR])
{
	v[0] = s->inflated_pages, v[1] = s->deflated_pages, v[2] = s->released_bytes;
	v[3] = s->stats_updates, v[4] = s->bad_requests + s->release_errors;
	v[5] = s->hinted_bytes, v[6] = s->stale_hints, v[7] = s->hint_cmds;
}
