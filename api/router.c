// SPDX-License-Identifier: Apache-2.0
/* Firecracker's routes -> the configuration model and the VMM. */
#include "api/router.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/runtime_routes.h"
#include "api/mmds_req.h"
#include "api/obs_req.h"
#include "vmm/config_dump.h"
#include "vmm/config_net.h"
#include "vmm/cpu_config.h"

#define MAX_SEGMENTS 4
#define SEGMENT_LEN 128

typedef void handler_fn(struct nb_api_ctx *c, const char *id, struct json_object *body,
			struct nb_api_response *r);

struct route {
	enum nb_http_method method;
	const char *pattern; /* segments; "*" matches one (the {id}) */
	handler_fn *fn;	     /* NULL: answer 400 with @msg */
	const char *msg;
};

void nb_api_fault(struct nb_api_response *r, int status, const char *msg)
{
	r->status = status;
	r->body = nb_http_fault_body(msg);
}

void nb_api_faultf(struct nb_api_response *r, const char *fmt, ...)
{
	char msg[NB_API_ERR_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	nb_api_fault(r, 400, msg);
}

static void ok_empty(struct nb_api_response *r)
{
	r->status = 204;
	r->body = NULL;
}

/* 200 with @o as the body (put here); 500 when out of memory. */
static void ok_json(struct nb_api_response *r, struct json_object *o)
{
	const char *s;

	if (!o) {
		nb_api_fault(r, 500, "out of memory");
		return;
	}
	s = json_object_to_json_string_ext(o,
					   JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	r->status = 200;
	r->body = s ? strdup(s) : NULL;
	json_object_put(o);
	if (!r->body)
		nb_api_fault(r, 500, "out of memory");
}

/* The parsers' result: 204, or 400 with their message. */
static void answer(struct nb_api_response *r, int ret, const char *err)
{
	if (ret == -ENOMEM)
		nb_api_fault(r, 500, "out of memory");
	else if (ret)
		nb_api_fault(r, 400, err);
	else
		ok_empty(r);
}

static bool pre_boot(struct nb_api_ctx *c, const char *what, struct nb_api_response *r)
{
	if (c->state == NB_API_NOT_STARTED)
		return true;
	nb_api_faultf(r, "%s: the requested operation is not supported after starting the microVM",
		      what);
	return false;
}

static bool started(struct nb_api_ctx *c, const char *what, struct nb_api_response *r)
{
	if (c->state != NB_API_NOT_STARTED)
		return true;
	nb_api_faultf(r, "%s: the requested operation is not supported before starting the microVM",
		      what);
	return false;
}

static const char *state_name(enum nb_api_state s)
{
	return s == NB_API_RUNNING ? "Running" : s == NB_API_PAUSED ? "Paused" : "Not started";
}

/* Firecracker's resource ids: [A-Za-z0-9_]+. */
bool nb_api_check_id(const char *id, struct nb_api_response *r)
{
	for (const char *p = id; *p; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_')) {
			nb_api_faultf(
			    r, "API resource ids can only contain alphanumeric characters and "
			       "underscores");
			return false;
		}
	}
	return true;
}

static void get_instance(struct nb_api_ctx *c, const char *id, struct json_object *body,
			 struct nb_api_response *r)
{
	struct json_object *o = json_object_new_object();

	(void)id, (void)body;
	if (o) {
		json_object_object_add(
		    o, "id", json_object_new_string(c->id ? c->id : "anonymous-instance"));
		json_object_object_add(o, "state", json_object_new_string(state_name(c->state)));
		json_object_object_add(o, "vmm_version", json_object_new_string(c->version));
		json_object_object_add(o, "app_name", json_object_new_string("Nestbox"));
	}
	ok_json(r, o);
}

static void get_version(struct nb_api_ctx *c, const char *id, struct json_object *body,
			struct nb_api_response *r)
{
	struct json_object *o = json_object_new_object();

	(void)id, (void)body;
	if (o)
		json_object_object_add(o, "firecracker_version",
				       json_object_new_string(c->version));
	ok_json(r, o);
}

static void get_vm_config(struct nb_api_ctx *c, const char *id, struct json_object *body,
			  struct nb_api_response *r)
{
	(void)id, (void)body;
	ok_json(r, nb_config_to_json(c->cfg));
}

static void get_machine(struct nb_api_ctx *c, const char *id, struct json_object *body,
			struct nb_api_response *r)
{
	(void)id, (void)body;
	ok_json(r, nb_config_machine_to_json(&c->cfg->machine));
}

static void put_machine(struct nb_api_ctx *c, const char *id, struct json_object *body,
			struct nb_api_response *r)
{
	char err[NB_API_ERR_LEN];
	int ret;

	(void)id;
	if (!pre_boot(c, "machine-config", r))
		return;
	ret = nb_config_parse_machine(&c->cfg->machine, body, err, sizeof(err));
	if (!ret)
		c->cfg->has_machine = true;
	answer(r, ret, err);
}

/* The given fields over the current ones, then the section parser on the whole. */
static void patch_machine(struct nb_api_ctx *c, const char *id, struct json_object *body,
			  struct nb_api_response *r)
{
	struct json_object *cur;
	char err[NB_API_ERR_LEN];
	int ret;

	(void)id;
	if (!pre_boot(c, "machine-config", r))
		return;
	if (!json_object_is_type(body, json_type_object)) {
		answer(r, nb_config_parse_machine(&c->cfg->machine, body, err, sizeof(err)), err);
		return;
	}
	cur = nb_config_machine_to_json(&c->cfg->machine);
	if (!cur) {
		nb_api_fault(r, 500, "out of memory");
		return;
	}
	json_object_object_foreach(body, key, val)
	{
		json_object_object_add(cur, key, json_object_get(val));
	}
	ret = nb_config_parse_machine(&c->cfg->machine, cur, err, sizeof(err));
	json_object_put(cur);
	if (!ret)
		c->cfg->has_machine = true;
	answer(r, ret, err);
}

static void put_boot_source(struct nb_api_ctx *c, const char *id, struct json_object *body,
			    struct nb_api_response *r)
{
	char err[NB_API_ERR_LEN];
	int ret;

	(void)id;
	if (!pre_boot(c, "boot-source", r))
		return;
	ret = nb_config_parse_boot_source(&c->cfg->boot, body, err, sizeof(err));
	if (!ret)
		c->cfg->has_boot = true;
	answer(r, ret, err);
}

static void put_cpu_config(struct nb_api_ctx *c, const char *id, struct json_object *body,
			   struct nb_api_response *r)
{
	char err[NB_API_ERR_LEN];
	int ret;

	(void)id;
	if (!pre_boot(c, "cpu-config", r))
		return;
	ret = nb_cpu_config_parse(&c->cfg->cpu, body, "cpu-config", err, sizeof(err));
	if (!ret)
		c->cfg->has_cpu_config = true;
	answer(r, ret, err);
}

static void put_entropy(struct nb_api_ctx *c, const char *id, struct json_object *body,
			struct nb_api_response *r)
{
	char err[NB_API_ERR_LEN];
	int ret;

	(void)id;
	if (!pre_boot(c, "entropy", r))
		return;
	ret = nb_config_parse_entropy(&c->cfg->entropy, body, err, sizeof(err));
	if (!ret)
		c->cfg->has_entropy = true;
	answer(r, ret, err);
}

static void put_serial(struct nb_api_ctx *c, const char *id, struct json_object *body,
		       struct nb_api_response *r)
{
	char err[NB_API_ERR_LEN];

	(void)id;
	if (!pre_boot(c, "serial", r))
		return;
	answer(r, nb_config_parse_serial(&c->cfg->serial_output_path, body, err, sizeof(err)), err);
}

/* The body's id (@key of section @sect) against the path's. */
static bool same_id(struct json_object *body, const char *sect, const char *key, const char *id,
		    struct nb_api_response *r)
{
	struct json_object *v;
	const char *s;

	if (!json_object_object_get_ex(body, key, &v) || !json_object_is_type(v, json_type_string))
		return true; /* the section parser says what is wrong */
	s = json_object_get_string(v);
	if (!strcmp(s, id))
		return true;
	nb_api_faultf(r, "%s.%s: \"%.64s\" does not match the path's id \"%s\"", sect, key, s, id);
	return false;
}

static void put_drive(struct nb_api_ctx *c, const char *id, struct json_object *body,
		      struct nb_api_response *r)
{
	struct nb_drive d = {0};
	char err[NB_API_ERR_LEN];
	int ret;

	if (!pre_boot(c, "drives", r) || !nb_api_check_id(id, r) ||
	    !same_id(body, "drives", "drive_id", id, r))
		return;
	ret = nb_config_parse_drive(&d, body, err, sizeof(err));
	if (!ret)
		ret = nb_config_add_drive(c->cfg, &d, true, err, sizeof(err));
	nb_drive_free(&d);
	answer(r, ret, err);
}

static int find_drive(const struct nb_vm_config *cfg, const char *id)
{
	for (unsigned int i = 0; i < cfg->nr_drives; i++)
		if (cfg->drives[i].drive_id && !strcmp(cfg->drives[i].drive_id, id))
			return (int)i;
	return -1;
}

/* Firecracker's PartialDriveConfig: drive_id, path_on_host, rate_limiter. */
static void patch_drive(struct nb_api_ctx *c, const char *id, struct json_object *body,
			struct nb_api_response *r)
{
	struct nb_rate_limiter_config rl = {0};
	struct json_object *v, *rlv = NULL;
	const char *path = NULL;
	char err[NB_API_ERR_LEN];
	bool has_rl;
	int idx, ret;

	if (!started(c, "drives", r) || !nb_api_check_id(id, r) ||
	    !same_id(body, "drives", "drive_id", id, r))
		return;
	if (!json_object_is_type(body, json_type_object)) {
		nb_api_faultf(r, "drives: must be an object");
		return;
	}
	json_object_object_foreach(body, key, val)
	{
		(void)val;
		if (strcmp(key, "drive_id") && strcmp(key, "path_on_host") &&
		    strcmp(key, "rate_limiter")) {
			nb_api_faultf(
			    r,
			    "drives.%.64s: unknown field (PATCH takes drive_id, path_on_host "
			    "and rate_limiter)",
			    key);
			return;
		}
	}
	if (!json_object_object_get_ex(body, "drive_id", &v) ||
	    !json_object_is_type(v, json_type_string)) {
		nb_api_faultf(r, "drives.drive_id: is required (a string)");
		return;
	}
	idx = find_drive(c->cfg, id);
	if (idx < 0) {
		nb_api_faultf(r, "drives.drive_id: there is no drive \"%s\"", id);
		return;
	}
	if (json_object_object_get_ex(body, "path_on_host", &v)) {
		if (!json_object_is_type(v, json_type_string) || !*json_object_get_string(v)) {
			nb_api_faultf(r, "drives.path_on_host: must be a non-empty string");
			return;
		}
		path = json_object_get_string(v);
	}
	/* Absent or null: unchanged; a bucket it leaves out stays as it is. */
	has_rl = json_object_object_get_ex(body, "rate_limiter", &rlv) && rlv;
	if (has_rl) {
		ret =
		    nb_config_parse_rate_limiter(&rl, rlv, "drives.rate_limiter", err, sizeof(err));
		if (ret) {
			answer(r, ret, err);
			return;
		}
	}
	if (!path && !has_rl) {
		ok_empty(r); /* nothing to change */
		return;
	}
	err[0] = 0;
	ret = c->ops->update_drive(c->backend, (unsigned int)idx, path, has_rl ? &rl : NULL, err,
				   sizeof(err));
	if (!ret && path) {
		char *copy = strdup(path);

		if (copy) {
			free(c->cfg->drives[idx].path_on_host);
			c->cfg->drives[idx].path_on_host = copy;
		}
	}
	if (!ret && rl.has_bandwidth) {
		c->cfg->drives[idx].rate_limiter.bandwidth = rl.bandwidth;
		c->cfg->drives[idx].rate_limiter.has_bandwidth = true;
	}
	if (!ret && rl.has_ops) {
		c->cfg->drives[idx].rate_limiter.ops = rl.ops;
		c->cfg->drives[idx].rate_limiter.has_ops = true;
	}
	answer(r, ret, err);
}

static void put_net(struct nb_api_ctx *c, const char *id, struct json_object *body,
		    struct nb_api_response *r)
{
	struct nb_net_iface n = {0};
	char err[NB_API_ERR_LEN];
	int ret;

	if (!pre_boot(c, NB_NET_SECTION, r) || !nb_api_check_id(id, r) ||
	    !same_id(body, NB_NET_SECTION, "iface_id", id, r))
		return;
	ret = nb_config_parse_net_iface(&n, body, err, sizeof(err));
	if (!ret)
		ret = nb_config_add_net_iface(c->cfg, &n, true, err, sizeof(err));
	nb_net_iface_free(&n);
	answer(r, ret, err);
}

static void put_vsock(struct nb_api_ctx *c, const char *id, struct json_object *body,
		      struct nb_api_response *r)
{
	char err[NB_API_ERR_LEN];
	int ret;

	(void)id;
	if (!pre_boot(c, "vsock", r))
		return;
	ret = nb_config_parse_vsock(&c->cfg->vsock, body, err, sizeof(err));
	if (!ret)
		c->cfg->has_vsock = true;
	answer(r, ret, err);
}

static void put_balloon(struct nb_api_ctx *c, const char *id, struct json_object *body,
			struct nb_api_response *r)
{
	char err[NB_API_ERR_LEN];
	int ret;

	(void)id;
	if (!pre_boot(c, "balloon", r))
		return;
	ret = nb_config_parse_balloon(&c->cfg->balloon, body, err, sizeof(err));
	if (!ret)
		c->cfg->has_balloon = true;
	answer(r, ret, err);
}

static void put_actions(struct nb_api_ctx *c, const char *id, struct json_object *body,
			struct nb_api_response *r)
{
	struct json_object *v;
	char err[NB_API_ERR_LEN];
	const char *a;
	int ret;

	(void)id;
	if (!json_object_is_type(body, json_type_object)) {
		nb_api_faultf(r, "actions: must be an object");
		return;
	}
	json_object_object_foreach(body, key, val)
	{
		(void)val;
		if (strcmp(key, "action_type")) {
			nb_api_faultf(r, "actions.%.64s: unknown field", key);
			return;
		}
	}
	if (!json_object_object_get_ex(body, "action_type", &v) ||
	    !json_object_is_type(v, json_type_string)) {
		nb_api_faultf(r,
			      "actions.action_type: must be \"InstanceStart\", \"FlushMetrics\" or "
			      "\"SendCtrlAltDel\"");
		return;
	}
	a = json_object_get_string(v);
	if (!strcmp(a, "InstanceStart")) {
		if (!pre_boot(c, "InstanceStart", r))
			return;
		err[0] = 0;
		ret = c->ops->start(c->backend, err, sizeof(err));
		answer(r, ret, err);
	} else if (!strcmp(a, "FlushMetrics")) {
		nb_api_flush_metrics(c, r);
	} else if (!strcmp(a, "SendCtrlAltDel")) {
		nb_api_faultf(
		    r, "SendCtrlAltDel: x86_64 only (an arm64 guest has no i8042 controller)");
	} else {
		nb_api_faultf(r,
			      "actions.action_type: must be \"InstanceStart\", \"FlushMetrics\" or "
			      "\"SendCtrlAltDel\"");
	}
}

static void patch_vm(struct nb_api_ctx *c, const char *id, struct json_object *body,
		     struct nb_api_response *r)
{
	struct json_object *v;
	char err[NB_API_ERR_LEN];
	const char *s = NULL;
	int ret;

	(void)id;
	if (json_object_is_type(body, json_type_object)) {
		json_object_object_foreach(body, key, val)
		{
			(void)val;
			if (strcmp(key, "state")) {
				nb_api_faultf(r, "vm.%.64s: unknown field", key);
				return;
			}
		}
		if (json_object_object_get_ex(body, "state", &v) &&
		    json_object_is_type(v, json_type_string))
			s = json_object_get_string(v);
	}
	if (!s || (strcmp(s, "Paused") && strcmp(s, "Resumed"))) {
		nb_api_faultf(r, "vm.state: must be \"Paused\" or \"Resumed\"");
		return;
	}
	if (!started(c, "vm", r))
		return;
	err[0] = 0;
	if (!strcmp(s, "Paused"))
		ret = c->state == NB_API_PAUSED ? 0 : c->ops->pause(c->backend, err, sizeof(err));
	else
		ret = c->state == NB_API_RUNNING ? 0 : c->ops->resume(c->backend, err, sizeof(err));
	answer(r, ret, err);
}

/* Whether anything was configured for a boot (a snapshot load must come first). */
static bool configured(const struct nb_vm_config *cfg)
{
	return cfg->has_boot || cfg->has_machine || cfg->nr_drives || cfg->has_entropy ||
	       cfg->has_cpu_config || cfg->nr_net_ifaces || cfg->has_vsock || cfg->has_balloon;
}

static void put_snapshot_create(struct nb_api_ctx *c, const char *id, struct json_object *body,
				struct nb_api_response *r)
{
	struct nb_snapshot_create_req req;
	char err[NB_API_ERR_LEN] = "";

	(void)id;
	if (nb_snapshot_create_req_parse(body, &req, err, sizeof(err))) {
		nb_api_fault(r, 400, err);
	} else if (req.diff && !c->cfg->machine.track_dirty_pages) {
		nb_api_faultf(
		    r, "snapshot/create.snapshot_type: Diff snapshots need dirty page tracking "
		       "(machine-config track_dirty_pages, or track_dirty_pages at "
		       "snapshot/load)");
	} else if (!c->ops->snapshot_create) {
		nb_api_faultf(r, "snapshot/create: snapshots are not supported here");
	} else if (c->state != NB_API_PAUSED) {
		nb_api_faultf(r, "snapshot/create: the microVM must be paused first (PATCH /vm "
				 "{\"state\": \"Paused\"})");
	} else {
		answer(r, c->ops->snapshot_create(c->backend, &req, err, sizeof(err)), err);
	}
}

static void put_snapshot_load(struct nb_api_ctx *c, const char *id, struct json_object *body,
			      struct nb_api_response *r)
{
	struct nb_snapshot_load_req req;
	char err[NB_API_ERR_LEN] = "";

	(void)id;
	if (nb_snapshot_load_req_parse(body, &req, err, sizeof(err))) {
		nb_api_fault(r, 400, err);
	} else if (!c->ops->snapshot_load) {
		nb_api_faultf(r, "snapshot/load: snapshots are not supported here");
	} else if (c->state != NB_API_NOT_STARTED) {
		nb_api_faultf(
		    r, "snapshot/load: the microVM is already started: load a snapshot into a "
		       "fresh nestbox");
	} else if (configured(c->cfg)) {
		nb_api_faultf(r,
			      "snapshot/load: loading a snapshot is not allowed after configuring "
			      "boot-specific resources");
	} else {
		answer(r, c->ops->snapshot_load(c->backend, &req, err, sizeof(err)), err);
	}
}

#define NOT_YET(what) what ": not supported yet"

/* The routes, in Firecracker's swagger order. */
static const struct route routes[] = {
    {NB_HTTP_GET, "", get_instance, NULL},
    {NB_HTTP_GET, "version", get_version, NULL},
    {NB_HTTP_GET, "vm/config", get_vm_config, NULL},
    {NB_HTTP_PUT, "actions", put_actions, NULL},
    {NB_HTTP_PUT, "boot-source", put_boot_source, NULL},
    {NB_HTTP_PUT, "cpu-config", put_cpu_config, NULL},
    {NB_HTTP_PUT, "drives/*", put_drive, NULL},
    {NB_HTTP_PATCH, "drives/*", patch_drive, NULL},
    {NB_HTTP_GET, "machine-config", get_machine, NULL},
    {NB_HTTP_PUT, "machine-config", put_machine, NULL},
    {NB_HTTP_PATCH, "machine-config", patch_machine, NULL},
    {NB_HTTP_PUT, "entropy", put_entropy, NULL},
    {NB_HTTP_PUT, "serial", put_serial, NULL},
    {NB_HTTP_PATCH, "vm", patch_vm, NULL},
    {NB_HTTP_PUT, "snapshot/create", put_snapshot_create, NULL},
    {NB_HTTP_PUT, "snapshot/load", put_snapshot_load, NULL},
    /* The devices: a route is a line. */
    {NB_HTTP_PUT, "network-interfaces/*", put_net, NULL},
    {NB_HTTP_PATCH, "network-interfaces/*", nb_api_patch_net, NULL},
    {NB_HTTP_PUT, "vsock", put_vsock, NULL},
    {NB_HTTP_GET, "balloon", nb_api_get_balloon, NULL},
    {NB_HTTP_PUT, "balloon", put_balloon, NULL},
    {NB_HTTP_PATCH, "balloon", nb_api_patch_balloon, NULL},
    {NB_HTTP_GET, "balloon/statistics", nb_api_get_balloon_stats, NULL},
    {NB_HTTP_PATCH, "balloon/statistics", nb_api_patch_balloon_stats, NULL},
    {NB_HTTP_PATCH, "balloon/hinting/start", nb_api_patch_balloon_hint_start, NULL},
    {NB_HTTP_GET, "balloon/hinting/status", nb_api_get_balloon_hint_status, NULL},
    {NB_HTTP_PATCH, "balloon/hinting/stop", nb_api_patch_balloon_hint_stop, NULL},
    /* Not nestbox's yet. */
    {NB_HTTP_PUT, "logger", nb_api_put_logger, NULL},
    {NB_HTTP_PUT, "metrics", nb_api_put_metrics, NULL},
    {NB_HTTP_GET, "mmds", nb_api_get_mmds, NULL},
    {NB_HTTP_PUT, "mmds", nb_api_put_mmds, NULL},
    {NB_HTTP_PATCH, "mmds", nb_api_patch_mmds, NULL},
    {NB_HTTP_PUT, "mmds/config", nb_api_put_mmds_config, NULL},
    {NB_HTTP_PUT, "pmem/*", NULL, NOT_YET("pmem")},
    {NB_HTTP_GET, "hotplug/memory", NULL, NOT_YET("memory hotplug")},
    {NB_HTTP_PUT, "hotplug/memory", NULL, NOT_YET("memory hotplug")},
    {NB_HTTP_PATCH, "hotplug/memory", NULL, NOT_YET("memory hotplug")},
};

/*
 * Splits @path as Firecracker does (leading slashes and one trailing slash
 * dropped) into @seg; the count, or -1 when there are too many or one is
 * too long (no route has them).
 */
static int split(const char *path, size_t len, char seg[MAX_SEGMENTS][SEGMENT_LEN])
{
	size_t i = 0;
	int n = 0;

	while (i < len && path[i] == '/')
		i++;
	while (i < len) {
		size_t s = i;

		while (i < len && path[i] != '/')
			i++;
		if (n >= MAX_SEGMENTS || i - s >= SEGMENT_LEN)
			return -1;
		memcpy(seg[n], path + s, i - s);
		seg[n++][i - s] = 0;
		if (i < len)
			i++; /* the slash; a trailing one ends the path */
	}
	return n;
}

/* Whether @seg matches @pattern; *@id is the "*" segment. */
static bool match(const char *pattern, char seg[MAX_SEGMENTS][SEGMENT_LEN], int n, const char **id)
{
	char p[64];
	int k = 0;

	snprintf(p, sizeof(p), "%s", pattern);
	*id = NULL;
	if (!*p)
		return n == 0;
	for (char *save, *tok = strtok_r(p, "/", &save); tok; tok = strtok_r(NULL, "/", &save)) {
		if (k >= n)
			return false;
		if (!strcmp(tok, "*"))
			*id = seg[k];
		else if (strcmp(tok, seg[k]))
			return false;
		k++;
	}
	return k == n;
}

/*
 * The body's JSON value into *@out (NULL for a JSON null, which is a value:
 * the handler answers it); false with the answer written when it is not JSON.
 */
static bool parse_body(const char *body, size_t len, struct json_object **out,
		       struct nb_api_response *r)
{
	struct json_tokener *tok;
	struct json_object *o;
	enum json_tokener_error e;
	size_t end;

	*out = NULL;
	if (memchr(body, 0, len)) {
		nb_api_faultf(r, "request body: must not contain a NUL byte");
		return false;
	}
	tok = json_tokener_new();
	if (!tok) {
		nb_api_fault(r, 500, "out of memory");
		return false;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	o = json_tokener_parse_ex(tok, body, (int)len);
	e = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	/* A top-level number or literal ends at the end of the body. */
	if (e == json_tokener_continue) {
		o = json_tokener_parse_ex(tok, "", 1);
		e = json_tokener_get_error(tok);
		end = len;
	}
	if (e == json_tokener_success && end < len && strspn(body + end, " \t\r\n") != len - end) {
		json_object_put(o);
		o = NULL;
		nb_api_faultf(r, "request body: JSON syntax error: text after the JSON value");
	} else if (e != json_tokener_success) {
		json_object_put(o);
		o = NULL;
		nb_api_faultf(r, "request body: JSON syntax error at offset %zu: %s", end,
			      json_tokener_error_desc(e));
	}
	json_tokener_free(tok);
	*out = o;
	return e == json_tokener_success && r->status == 0;
}

void nb_api_route(struct nb_api_ctx *c, enum nb_http_method method, const char *path,
		  size_t path_len, const char *body, size_t body_len, struct nb_api_response *r)
{
	char seg[MAX_SEGMENTS][SEGMENT_LEN];
	const struct route *rt = NULL;
	struct json_object *o = NULL;
	const char *id = NULL;
	int n = split(path, path_len, seg);

	r->status = 0;
	r->body = NULL;
	if (method == NB_HTTP_GET && body) {
		nb_api_faultf(r, "GET request cannot have a body");
		return;
	}
	for (size_t i = 0; n >= 0 && i < sizeof(routes) / sizeof(routes[0]) && !rt; i++)
		if (routes[i].method == method && match(routes[i].pattern, seg, n, &id))
			rt = &routes[i];
	/* Firecracker's hinting start and stop may come without a body. */
	if (method != NB_HTTP_GET && !body &&
	    !(rt && (rt->fn == nb_api_patch_balloon_hint_start ||
		     rt->fn == nb_api_patch_balloon_hint_stop))) {
		nb_api_faultf(r, "Empty %s request", nb_http_method_name(method));
		return;
	}
	if (!rt) {
		nb_api_faultf(r, "Invalid request method and/or path: %s %.*s",
			      nb_http_method_name(method), (int)(path_len > 200 ? 200 : path_len),
			      path);
		return;
	}
	if (!rt->fn) {
		nb_api_faultf(r, "%s", rt->msg);
		return;
	}
	if (id && !*id) {
		nb_api_faultf(r, "The ID cannot be empty");
		return;
	}
	if (body && !parse_body(body, body_len, &o, r))
		return;
	rt->fn(c, id, o, r);
	json_object_put(o);
}
