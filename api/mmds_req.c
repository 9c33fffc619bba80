// SPDX-License-Identifier: Apache-2.0
/* The MMDS routes: the data store and mmds-config. */
#include "api/mmds_req.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/mmds_store.h"
#include "vmm/config_mmds.h"

static bool has_store(struct nb_api_ctx *c, struct nb_api_response *r)
{
	if (c->mmds)
		return true;
	nb_api_fault(r, 400, "mmds: the MMDS data store is not available");
	return false;
}

/* 204, or the store's error: 413 over the limit, 500 out of memory, else 400. */
static void answer(struct nb_api_response *r, int ret, const char *err)
{
	if (!ret) {
		r->status = 204;
		r->body = NULL;
	} else {
		nb_api_fault(r, ret == -EFBIG ? 413 : ret == -ENOMEM ? 500 : 400, err);
	}
}

void nb_api_get_mmds(struct nb_api_ctx *c, const char *id, struct json_object *body,
		     struct nb_api_response *r)
{
	(void)id, (void)body;
	if (!has_store(c, r))
		return;
	r->body = nb_mmds_get_json(c->mmds);
	r->status = 200;
	if (!r->body)
		nb_api_fault(r, 500, "out of memory");
}

void nb_api_put_mmds(struct nb_api_ctx *c, const char *id, struct json_object *body,
		     struct nb_api_response *r)
{
	char err[NB_API_ERR_LEN] = "";

	(void)id;
	if (has_store(c, r))
		answer(r, nb_mmds_put(c->mmds, body, err, sizeof(err)), err);
}

void nb_api_patch_mmds(struct nb_api_ctx *c, const char *id, struct json_object *body,
		       struct nb_api_response *r)
{
	char err[NB_API_ERR_LEN] = "";

	(void)id;
	if (has_store(c, r))
		answer(r, nb_mmds_patch(c->mmds, body, err, sizeof(err)), err);
}

void nb_api_put_mmds_config(struct nb_api_ctx *c, const char *id, struct json_object *body,
			    struct nb_api_response *r)
{
	struct nb_mmds_config old, t = {0};
	char err[NB_API_ERR_LEN] = "";
	bool had;
	int ret;

	(void)id;
	if (c->state != NB_API_NOT_STARTED) {
		nb_api_fault(r, 400,
			     NB_MMDS_SECTION ": the requested operation is not supported "
					     "after starting the microVM");
		return;
	}
	ret = nb_config_parse_mmds(&t, body, err, sizeof(err));
	if (ret) {
		answer(r, ret, err);
		return;
	}
	/* The interfaces must exist now: checked on the configuration as it would be. */
	old = c->cfg->mmds;
	had = c->cfg->has_mmds;
	c->cfg->mmds = t;
	c->cfg->has_mmds = true;
	ret = nb_config_check_mmds(c->cfg, err, sizeof(err));
	if (ret) {
		c->cfg->mmds = old;
		c->cfg->has_mmds = had;
		nb_mmds_config_free(&t);
	} else {
		nb_mmds_config_free(&old);
	}
	answer(r, ret, err);
}
