/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The "balloon" section of the VM configuration (Firecracker's shape):
 *
 *   "balloon": { "amount_mib", "deflate_on_oom", "stats_polling_interval_s",
 *                "free_page_hinting", "free_page_reporting" }
 *
 * amount_mib (the target balloon size) and deflate_on_oom are required, as
 * in Firecracker; stats_polling_interval_s defaults to 0 (no statistics;
 * Firecracker's u16, so at most 65535), free_page_reporting to false.
 * free_page_hinting is accepted only as false ("not supported yet").
 * nb_config_validate() also checks amount_mib <= machine-config.mem_size_mib.
 *
 * Errors follow config.h: one line, the field's path first
 * ("balloon.amount_mib: is required"), 0 or a negative errno.
 */
#ifndef NB_VMM_CONFIG_BALLOON_H
#define NB_VMM_CONFIG_BALLOON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct json_object;

#define NB_BALLOON_MAX_STATS_INTERVAL_S 65535u

struct nb_balloon_config {
	uint32_t amount_mib;		   /* target, 0..mem_size_mib */
	bool deflate_on_oom;		   /* VIRTIO_BALLOON_F_DEFLATE_ON_OOM */
	uint32_t stats_polling_interval_s; /* 0: statistics off */
	bool free_page_hinting;		   /* VIRTIO_BALLOON_F_FREE_PAGE_HINT */
	bool free_page_reporting;	   /* VIRTIO_BALLOON_F_REPORTING */
};

/*
 * PUT /balloon and the config file's section: the whole section (missing
 * optional fields get their defaults). On error *@b is unchanged.
 */
int nb_config_parse_balloon(struct nb_balloon_config *b, struct json_object *o, char *err,
			    size_t errlen);

/* PATCH /balloon: { "amount_mib" } (required). On error *@amount_mib is unchanged. */
int nb_config_parse_balloon_update(uint32_t *amount_mib, struct json_object *o, char *err,
				   size_t errlen);

/*
 * PATCH /balloon/statistics: { "stats_polling_interval_s" } (required).
 * On error *@secs is unchanged.
 */
int nb_config_parse_balloon_stats_update(uint32_t *secs, struct json_object *o, char *err,
					 size_t errlen);

/* The section's own rules and amount_mib <= @mem_size_mib. 0 or -EINVAL. */
int nb_config_check_balloon(const struct nb_balloon_config *b, uint32_t mem_size_mib, char *err,
			    size_t errlen);

#endif
