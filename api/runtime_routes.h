/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Firecracker's run-time operations on devices, routed by api/router.c:
 *
 *   PATCH /network-interfaces/{id}  { "iface_id", "rx_rate_limiter",
 *                                     "tx_rate_limiter" }: a running
 *       interface's limits (a limiter or bucket left out is unchanged; a
 *       bucket of size 0 is unlimited), 204.
 *   GET   /balloon                  the balloon's configuration (before the
 *       start the configured one, after it the device's: amount_mib is the
 *       current target), 200.
 *   PATCH /balloon                  { "amount_mib" }: a new target, 204.
 *   GET   /balloon/statistics       the sizes and the guest's last values
 *       (Firecracker's BalloonStats), 200.
 *   PATCH /balloon/statistics       { "stats_polling_interval_s" }: a new
 *       interval, 204. Statistics stay on or off as they were built, as in
 *       Firecracker: 0 when they are on, or non-zero when they are off, is
 *       refused.
 *   PATCH /balloon/hinting/start    { "acknowledge_on_stop" } (optional,
 *       default true): a new free page hinting run, 204.
 *   GET   /balloon/hinting/status   { "host_cmd", "guest_cmd" } (guest_cmd
 *       once the guest sent one), 200.
 *   PATCH /balloon/hinting/stop     (no body): DONE, the guest may use the
 *       hinted pages again, 204.
 *
 * Every PATCH, GET /balloon/statistics and the hinting routes need a
 * started microVM (before it, a 400 saying so, as Firecracker), statistics
 * need stats_polling_interval_s > 0 and the hinting routes
 * free_page_hinting (else 400). A successful change is written
 * back into the configuration too, so GET /vm/config shows it.
 */
#ifndef NB_API_RUNTIME_ROUTES_H
#define NB_API_RUNTIME_ROUTES_H

#include "api/router.h"

struct json_object;

/* Route handlers: @id is the path's {id} (or NULL), @body the parsed JSON. */
void nb_api_patch_net(struct nb_api_ctx *c, const char *id, struct json_object *body,
		      struct nb_api_response *r);
void nb_api_get_balloon(struct nb_api_ctx *c, const char *id, struct json_object *body,
			struct nb_api_response *r);
void nb_api_patch_balloon(struct nb_api_ctx *c, const char *id, struct json_object *body,
			  struct nb_api_response *r);
void nb_api_get_balloon_stats(struct nb_api_ctx *c, const char *id, struct json_object *body,
			      struct nb_api_response *r);
void nb_api_patch_balloon_stats(struct nb_api_ctx *c, const char *id, struct json_object *body,
				struct nb_api_response *r);

void nb_api_patch_balloon_hint_start(struct nb_api_ctx *c, const char *id, struct json_object *body,
				     struct nb_api_response *r);
void nb_api_patch_balloon_hint_stop(struct nb_api_ctx *c, const char *id, struct json_object *body,
				    struct nb_api_response *r);
void nb_api_get_balloon_hint_status(struct nb_api_ctx *c, const char *id, struct json_object *body,
				    struct nb_api_response *r);

#endif
