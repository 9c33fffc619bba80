/* SPDX-License-Identifier: Apache-2.0 */
/*
 * PUT /logger, PUT /metrics and PUT /actions FlushMetrics (router.c's
 * table points here). As in Firecracker, the logger and the metrics are
 * configured before InstanceStart and once each: a second PUT is a 400
 * ("logger: the logger can be configured only once"). FlushMetrics
 * before PUT /metrics (or the config file's "metrics") is a 400 too. The
 * sections' parsers are the config model's (vmm/config_obs.h); what was
 * applied shows in GET /vm/config.
 */
#ifndef NB_API_OBS_REQ_H
#define NB_API_OBS_REQ_H

#include "api/router.h"

struct json_object;

void nb_api_put_logger(struct nb_api_ctx *c, const char *id, struct json_object *body,
		       struct nb_api_response *r);
void nb_api_put_metrics(struct nb_api_ctx *c, const char *id, struct json_object *body,
			struct nb_api_response *r);
void nb_api_flush_metrics(struct nb_api_ctx *c, struct nb_api_response *r);

#endif
