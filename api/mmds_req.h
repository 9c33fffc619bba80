/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Firecracker's MMDS routes, for the router's table (api/router.c):
 *
 *   GET /mmds          the data store as JSON (200; {} before any PUT)
 *   PUT /mmds          replace it with the body (204; 413 over the size limit)
 *   PATCH /mmds        JSON merge patch (RFC 7396) into it (204; 400 before
 *                      any PUT; 413 over the limit)
 *   PUT /mmds/config   the mmds-config section (vmm/config_mmds.h), before
 *                      InstanceStart only; the interfaces must exist
 *
 * The store is the context's (struct nb_api_ctx.mmds); without one the
 * data routes answer 400.
 */
#ifndef NB_API_MMDS_REQ_H
#define NB_API_MMDS_REQ_H

#include "api/router.h"

struct json_object;

void nb_api_get_mmds(struct nb_api_ctx *c, const char *id, struct json_object *body,
		     struct nb_api_response *r);
void nb_api_put_mmds(struct nb_api_ctx *c, const char *id, struct json_object *body,
		     struct nb_api_response *r);
void nb_api_patch_mmds(struct nb_api_ctx *c, const char *id, struct json_object *body,
		       struct nb_api_response *r);
void nb_api_put_mmds_config(struct nb_api_ctx *c, const char *id, struct json_object *body,
			    struct nb_api_response *r);

#endif
