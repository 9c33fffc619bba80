// SPDX-License-Identifier: Apache-2.0
/* PUT /logger, PUT /metrics, FlushMetrics. */
#include "api/obs_req.h"

#include <errno.h>
#include <stdio.h>

#include "vmm/config_obs.h"

/* 204, 500 (out of memory) or 400 with @err. */
static void answer(struct nb_api_response *r, int ret, const char *err)
{
	if (ret == -ENOMEM) {
		nb_api_fault(r, 500, "out of memory");
	} else if (ret) {
		nb_api_fault(r, 400, err);
	} else {
		r->status = 204;
		r->body = NULL;
	}
}

/* Before InstanceStart, once (@done: already configured), with a backend. */
static bool may_configure(struct nb_api_ctx *c, const char *what, bool done, bool has_op,
			  struct nb_api_response *r)
{
	char msg[NB_API_ERR_LEN];

	if (c->state != NB_API_NOT_STARTED)
		snprintf(msg, sizeof(msg),
			 "%s: the requested operation is not supported after starting the "
			 "microVM",
			 what);
	else if (done)
		snprintf(msg, sizeof(msg), "%s: the %s can be configured only once", what, what);
	else if (!has_op)
		snprintf(msg, sizeof(msg), "%s: not supported here", what);
	else
		return true;
	nb_api_fault(r, 400, msg);
	return false;
}

void nb_api_put_logger(struct nb_api_ctx *c, const char *id, struct json_object *body,
		       struct nb_api_response *r)
{
	struct nb_logger_config l = {.level = NB_LOG_INFO};
	char err[NB_API_ERR_LEN] = "";
	int ret;

	(void)id;
	if (!may_configure(c, "logger", c->cfg->has_logger, c->ops->configure_logger, r))
		return;
	ret = nb_config_parse_logger(&l, body, err, sizeof(err));
	if (!ret)
		ret = c->ops->configure_logger(c->backend, &l, err, sizeof(err));
	if (!ret) {
		nb_logger_config_free(&c->cfg->logger);
		c->cfg->logger = l;
		c->cfg->has_logger = true;
	} else {
		nb_logger_config_free(&l);
	}
	answer(r, ret, err);
}

void nb_api_put_metrics(struct nb_api_ctx *c, const char *id, struct json_object *body,
			struct nb_api_response *r)
{
	struct nb_metrics_config m = {0};
	char err[NB_API_ERR_LEN] = "";
	int ret;

	(void)id;
	if (!may_configure(c, "metrics", c->cfg->has_metrics, c->ops->configure_metrics, r))
		return;
	ret = nb_config_parse_metrics(&m, body, err, sizeof(err));
	if (!ret)
		ret = c->ops->configure_metrics(c->backend, &m, err, sizeof(err));
	if (!ret) {
		nb_metrics_config_free(&c->cfg->metrics);
		c->cfg->metrics = m;
		c->cfg->has_metrics = true;
	} else {
		nb_metrics_config_free(&m);
	}
	answer(r, ret, err);
}

void nb_api_flush_metrics(struct nb_api_ctx *c, struct nb_api_response *r)
{
	char err[NB_API_ERR_LEN] = "";

	if (!c->cfg->has_metrics || !c->ops->flush_metrics) {
		nb_api_fault(r, 400,
			     "FlushMetrics: the metrics are not configured (PUT /metrics first)");
		return;
	}
	answer(r, c->ops->flush_metrics(c->backend, err, sizeof(err)), err);
}
