// SPDX-License-Identifier: Apache-2.0
/* Firecracker's run-time device operations: net rate limiters, the balloon. */
#include "api/runtime_routes.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/config_dump.h"
#include "vmm/config_net.h"

#define S_BALLOON "balloon"
#define S_STATS "balloon/statistics"
#define S_HINT "balloon/hinting"

/* Firecracker's names of the guest's statistics, by virtio tag. */
static const char *const guest_stat_names[NB_API_BALLOON_GUEST_STATS] = {
    "swap_in",	    "swap_out",		"major_faults", "minor_faults",	       "free_memory",
    "total_memory", "available_memory", "disk_caches",	"hugetlb_allocations", "hugetlb_failures",
};

/* 204, 500 when out of memory, else 400 with @err. */
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

/* 200 with @o (put here); 500 when out of memory. */
static void ok_json(struct nb_api_response *r, struct json_object *o)
{
	const char *s = o ? json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
								  JSON_C_TO_STRING_NOSLASHESCAPE)
			  : NULL;

	r->status = 200;
	r->body = s ? strdup(s) : NULL;
	json_object_put(o);
	if (!r->body)
		nb_api_fault(r, 500, "out of memory");
}

static bool started(struct nb_api_ctx *c, const char *what, struct nb_api_response *r)
{
	if (c->state != NB_API_NOT_STARTED)
		return true;
	nb_api_faultf(r, "%s: the requested operation is not supported before starting the microVM",
		      what);
	return false;
}

static bool has_balloon(struct nb_api_ctx *c, struct nb_api_response *r)
{
	if (c->cfg->has_balloon)
		return true;
	nb_api_faultf(r, "balloon: no balloon device is configured");
	return false;
}

static bool no_backend(bool has_op, const char *what, struct nb_api_response *r)
{
	if (has_op)
		return false;
	nb_api_faultf(r, "%s: not supported here", what);
	return true;
}

/* Firecracker's resource ids: [A-Za-z0-9_]+. */
static int find_iface(const struct nb_vm_config *cfg, const char *id)
{
	for (unsigned int i = 0; i < cfg->nr_net_ifaces; i++)
		if (cfg->net_ifaces[i].iface_id && !strcmp(cfg->net_ifaces[i].iface_id, id))
			return (int)i;
	return -1;
}

/* The limiter @key of @body into @rl: false with the answer written on error. */
static bool parse_limiter(struct json_object *body, const char *key,
			  struct nb_rate_limiter_config *rl, struct nb_api_response *r)
{
	struct json_object *v;
	char err[NB_API_ERR_LEN], path[64];
	int ret;

	*rl = (struct nb_rate_limiter_config){0};
	if (!json_object_object_get_ex(body, key, &v) || !v)
		return true; /* absent or null: unchanged */
	snprintf(path, sizeof(path), "%s.%s", NB_NET_SECTION, key);
	ret = nb_config_parse_rate_limiter(rl, v, path, err, sizeof(err));
	if (ret)
		answer(r, ret, err);
	return !ret;
}

/* The buckets @u gives, into the configured limiter @rl. */
static void merge_limiter(struct nb_rate_limiter_config *rl, const struct nb_rate_limiter_config *u)
{
	if (u->has_bandwidth) {
		rl->bandwidth = u->bandwidth;
		rl->has_bandwidth = true;
	}
	if (u->has_ops) {
		rl->ops = u->ops;
		rl->has_ops = true;
	}
}

static bool changes(const struct nb_rate_limiter_config *rl)
{
	return rl->has_bandwidth || rl->has_ops;
}

/* Firecracker's NetworkInterfaceUpdateConfig: iface_id, rx_rate_limiter, tx_rate_limiter. */
void nb_api_patch_net(struct nb_api_ctx *c, const char *id, struct json_object *body,
		      struct nb_api_response *r)
{
	struct nb_rate_limiter_config rx, tx;
	struct json_object *v;
	char err[NB_API_ERR_LEN] = "";
	const char *s;
	int idx, ret;

	if (!started(c, NB_NET_SECTION, r) || !nb_api_check_id(id, r))
		return;
	if (!json_object_is_type(body, json_type_object)) {
		nb_api_faultf(r, "%s: must be an object", NB_NET_SECTION);
		return;
	}
	json_object_object_foreach(body, key, val)
	{
		(void)val;
		if (strcmp(key, "iface_id") && strcmp(key, "rx_rate_limiter") &&
		    strcmp(key, "tx_rate_limiter")) {
			nb_api_faultf(
			    r,
			    "%s.%.64s: unknown field (PATCH takes iface_id, rx_rate_limiter and "
			    "tx_rate_limiter)",
			    NB_NET_SECTION, key);
			return;
		}
	}
	if (!json_object_object_get_ex(body, "iface_id", &v) ||
	    !json_object_is_type(v, json_type_string)) {
		nb_api_faultf(r, "%s.iface_id: is required (a string)", NB_NET_SECTION);
		return;
	}
	s = json_object_get_string(v);
	if (strcmp(s, id)) {
		nb_api_faultf(r, "%s.iface_id: \"%.64s\" does not match the path's id \"%s\"",
			      NB_NET_SECTION, s, id);
		return;
	}
	idx = find_iface(c->cfg, id);
	if (idx < 0) {
		nb_api_faultf(r, "%s.iface_id: there is no interface \"%s\"", NB_NET_SECTION, id);
		return;
	}
	if (!parse_limiter(body, "rx_rate_limiter", &rx, r) ||
	    !parse_limiter(body, "tx_rate_limiter", &tx, r))
		return;
	if (!changes(&rx) && !changes(&tx)) {
		answer(r, 0, NULL); /* nothing to change */
		return;
	}
	if (no_backend(c->ops->update_net != NULL, NB_NET_SECTION, r))
		return;
	ret = c->ops->update_net(c->backend, (unsigned int)idx, changes(&rx) ? &rx : NULL,
				 changes(&tx) ? &tx : NULL, err, sizeof(err));
	if (!ret) {
		merge_limiter(&c->cfg->net_ifaces[idx].rx_rate_limiter, &rx);
		merge_limiter(&c->cfg->net_ifaces[idx].tx_rate_limiter, &tx);
	}
	answer(r, ret, err);
}

void nb_api_get_balloon(struct nb_api_ctx *c, const char *id, struct json_object *body,
			struct nb_api_response *r)
{
	struct nb_balloon_config b;
	char err[NB_API_ERR_LEN] = "";
	int ret;

	(void)id, (void)body;
	if (!has_balloon(c, r))
		return;
	if (c->state == NB_API_NOT_STARTED || !c->ops->balloon_config) {
		ok_json(r, nb_config_balloon_to_json(&c->cfg->balloon));
		return;
	}
	b = c->cfg->balloon;
	ret = c->ops->balloon_config(c->backend, &b, err, sizeof(err));
	if (ret)
		answer(r, ret, err);
	else
		ok_json(r, nb_config_balloon_to_json(&b));
}

/* Firecracker's BalloonUpdate: amount_mib. */
void nb_api_patch_balloon(struct nb_api_ctx *c, const char *id, struct json_object *body,
			  struct nb_api_response *r)
{
	struct nb_balloon_config b;
	char err[NB_API_ERR_LEN] = "";
	uint32_t mib = 0;
	int ret;

	(void)id;
	if (!started(c, S_BALLOON, r) || !has_balloon(c, r))
		return;
	ret = nb_config_parse_balloon_update(&mib, body, err, sizeof(err));
	b = c->cfg->balloon;
	b.amount_mib = mib;
	if (!ret)
		ret = nb_config_check_balloon(&b, c->cfg->machine.mem_size_mib, err, sizeof(err));
	if (ret) {
		answer(r, ret, err);
		return;
	}
	if (no_backend(c->ops->balloon_set_target != NULL, S_BALLOON, r))
		return;
	ret = c->ops->balloon_set_target(c->backend, mib, err, sizeof(err));
	if (!ret)
		c->cfg->balloon.amount_mib = mib;
	answer(r, ret, err);
}

static bool stats_on(struct nb_api_ctx *c, struct nb_api_response *r)
{
	if (c->cfg->balloon.stats_polling_interval_s)
		return true;
	nb_api_faultf(r,
		      "%s: statistics are not enabled (the balloon was configured with "
		      "stats_polling_interval_s 0)",
		      S_STATS);
	return false;
}

static struct json_object *stats_to_json(const struct nb_api_balloon_stats *s)
{
	struct json_object *o = json_object_new_object();
	const uint64_t sizes[] = {s->target_pages, s->actual_pages, s->target_mib, s->actual_mib};
	const char *const size_names[] = {"target_pages", "actual_pages", "target_mib",
					  "actual_mib"};
	bool ok = o;

	for (unsigned int i = 0; ok && i < 4; i++) {
		struct json_object *v = json_object_new_uint64(sizes[i]);

		ok = v && !json_object_object_add(o, size_names[i], v);
		if (!ok)
			json_object_put(v);
	}
	for (unsigned int i = 0; ok && i < NB_API_BALLOON_GUEST_STATS; i++) {
		struct json_object *v;

		if (!(s->present & 1u << i))
			continue;
		v = json_object_new_uint64(s->guest[i]);
		ok = v && !json_object_object_add(o, guest_stat_names[i], v);
		if (!ok)
			json_object_put(v);
	}
	if (ok)
		return o;
	json_object_put(o);
	return NULL;
}

void nb_api_get_balloon_stats(struct nb_api_ctx *c, const char *id, struct json_object *body,
			      struct nb_api_response *r)
{
	struct nb_api_balloon_stats s = {0};
	char err[NB_API_ERR_LEN] = "";
	int ret;

	(void)id, (void)body;
	if (!started(c, S_STATS, r) || !has_balloon(c, r) || !stats_on(c, r) ||
	    no_backend(c->ops->balloon_stats != NULL, S_STATS, r))
		return;
	ret = c->ops->balloon_stats(c->backend, &s, err, sizeof(err));
	if (ret)
		answer(r, ret, err);
	else
		ok_json(r, stats_to_json(&s));
}

/* Firecracker's BalloonStatsUpdate: stats_polling_interval_s, on or off as built. */
void nb_api_patch_balloon_stats(struct nb_api_ctx *c, const char *id, struct json_object *body,
				struct nb_api_response *r)
{
	char err[NB_API_ERR_LEN] = "";
	uint32_t secs = 0, cur = c->cfg->balloon.stats_polling_interval_s;
	int ret;

	(void)id;
	if (!started(c, S_STATS, r) || !has_balloon(c, r))
		return;
	ret = nb_config_parse_balloon_stats_update(&secs, body, err, sizeof(err));
	if (ret) {
		answer(r, ret, err);
		return;
	}
	if (secs == cur) {
		answer(r, 0, NULL);
		return;
	}
	if (!cur || !secs) {
		nb_api_faultf(
		    r,
		    "%s.stats_polling_interval_s: statistics cannot be turned %s after the "
		    "microVM started (the balloon was configured with stats_polling_interval_s "
		    "%u)",
		    S_STATS, cur ? "off" : "on", cur);
		return;
	}
	if (no_backend(c->ops->balloon_set_stats_interval != NULL, S_STATS, r))
		return;
	ret = c->ops->balloon_set_stats_interval(c->backend, secs, err, sizeof(err));
	if (!ret)
		c->cfg->balloon.stats_polling_interval_s = secs;
	answer(r, ret, err);
}

static bool hinting_on(struct nb_api_ctx *c, struct nb_api_response *r)
{
	if (c->cfg->balloon.free_page_hinting)
		return true;
	nb_api_faultf(r,
		      "%s: free page hinting is not enabled (the balloon was configured with "
		      "free_page_hinting false)",
		      S_HINT);
	return false;
}

/* The checks every hinting route makes; false with the answer written. */
static bool hint_ready(struct nb_api_ctx *c, bool has_op, struct nb_api_response *r)
{
	return started(c, S_HINT, r) && has_balloon(c, r) && hinting_on(c, r) &&
	       !no_backend(has_op, S_HINT, r);
}

/* Firecracker's BalloonStartCmd: acknowledge_on_stop (default true); the body is optional. */
void nb_api_patch_balloon_hint_start(struct nb_api_ctx *c, const char *id, struct json_object *body,
				     struct nb_api_response *r)
{
	char err[NB_API_ERR_LEN] = "";
	bool ack = true;

	(void)id;
	if (!hint_ready(c, c->ops->balloon_hint_start != NULL, r))
		return;
	if (body && !json_object_is_type(body, json_type_object)) {
		nb_api_faultf(r, "%s/start: must be an object", S_HINT);
		return;
	}
	if (body) {
		json_object_object_foreach(body, key, val)
		{
			if (strcmp(key, "acknowledge_on_stop")) {
				nb_api_faultf(r, "%s/start.%.64s: unknown field", S_HINT, key);
				return;
			}
			if (!json_object_is_type(val, json_type_boolean)) {
				nb_api_faultf(r, "%s/start.acknowledge_on_stop: must be a boolean",
					      S_HINT);
				return;
			}
			ack = json_object_get_boolean(val);
		}
	}
	answer(r, c->ops->balloon_hint_start(c->backend, ack, err, sizeof(err)), err);
}

void nb_api_patch_balloon_hint_stop(struct nb_api_ctx *c, const char *id, struct json_object *body,
				    struct nb_api_response *r)
{
	char err[NB_API_ERR_LEN] = "";

	(void)id, (void)body; /* as Firecracker, a body is ignored */
	if (!hint_ready(c, c->ops->balloon_hint_stop != NULL, r))
		return;
	answer(r, c->ops->balloon_hint_stop(c->backend, err, sizeof(err)), err);
}

/* Firecracker's BalloonHintingStatus: host_cmd, and guest_cmd once the guest sent one. */
void nb_api_get_balloon_hint_status(struct nb_api_ctx *c, const char *id, struct json_object *body,
				    struct nb_api_response *r)
{
	struct nb_api_balloon_hint_status s = {0};
	char err[NB_API_ERR_LEN] = "";
	struct json_object *o, *v;
	bool ok;
	int ret;

	(void)id, (void)body;
	if (!hint_ready(c, c->ops->balloon_hint_status != NULL, r))
		return;
	ret = c->ops->balloon_hint_status(c->backend, &s, err, sizeof(err));
	if (ret) {
		answer(r, ret, err);
		return;
	}
	o = json_object_new_object();
	v = json_object_new_uint64(s.host_cmd);
	ok = o && v && !json_object_object_add(o, "host_cmd", v);
	if (!ok)
		json_object_put(v);
	if (ok && s.has_guest_cmd) {
		v = json_object_new_uint64(s.guest_cmd);
		ok = v && !json_object_object_add(o, "guest_cmd", v);
		if (!ok)
			json_object_put(v);
	}
	if (!ok) {
		json_object_put(o);
		o = NULL;
	}
	ok_json(r, o);
}
