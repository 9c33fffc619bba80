// SPDX-License-Identifier: Apache-2.0
#include "api/snapshot_req.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "vmm/config_json.h"

#define CREATE "snapshot/create"
#define LOAD "snapshot/load"

/* A string field that must be there and not be empty. */
static int path_field(struct json_object *o, const char *sect, const char *key, const char **out,
		      char *err, size_t errlen)
{
	int r = nb_cj_get_cstr(o, sect, key, true, out, err, errlen);

	if (!r && !**out) {
		snprintf(err, errlen, "%s.%s: must not be empty", sect, key);
		r = -EINVAL;
	}
	return r;
}

int nb_snapshot_create_req_parse(struct json_object *o, struct nb_snapshot_create_req *r, char *err,
				 size_t errlen)
{
	static const char *const known[] = {"snapshot_type", "snapshot_path", "mem_file_path",
					    NULL};
	const char *type = "Full";
	int ret;

	memset(r, 0, sizeof(*r));
	ret = nb_cj_check_section(o, CREATE, known, NULL, err, errlen);
	if (!ret)
		ret = path_field(o, CREATE, "snapshot_path", &r->snapshot_path, err, errlen);
	if (!ret)
		ret = path_field(o, CREATE, "mem_file_path", &r->mem_file_path, err, errlen);
	if (!ret)
		ret = nb_cj_get_cstr(o, CREATE, "snapshot_type", false, &type, err, errlen);
	if (ret)
		return ret;
	if (strcmp(type, "Full") && strcmp(type, "Diff")) {
		snprintf(err, errlen, CREATE ".snapshot_type: must be \"Full\" or \"Diff\"");
		return -EINVAL;
	}
	r->diff = !strcmp(type, "Diff");
	return 0;
}

static int parse_backend(struct json_object *b, struct nb_snapshot_load_req *r, char *err,
			 size_t errlen)
{
	static const char *const known[] = {"backend_type", "backend_path", NULL};
	const char *sect = LOAD ".mem_backend", *type;
	int ret = nb_cj_check_section(b, sect, known, NULL, err, errlen);

	if (!ret)
		ret = nb_cj_get_cstr(b, sect, "backend_type", true, &type, err, errlen);
	if (!ret)
		ret = path_field(b, sect, "backend_path", &r->mem_path, err, errlen);
	if (ret)
		return ret;
	if (strcmp(type, "File") && strcmp(type, "Uffd")) {
		snprintf(err, errlen, "%s.backend_type: must be \"File\" or \"Uffd\"", sect);
		return -EINVAL;
	}
	r->uffd = !strcmp(type, "Uffd");
	return 0;
}

static int parse_overrides(struct json_object *a, struct nb_snapshot_load_req *r, char *err,
			   size_t errlen)
{
	static const char *const known[] = {"iface_id", "host_dev_name", NULL};
	size_t n;
	int ret;

	if (!json_object_is_type(a, json_type_array))
		return nb_cj_type_error(LOAD, "network_overrides", "an array", a, err, errlen);
	n = json_object_array_length(a);
	ret = nb_cj_check_count(LOAD ".network_overrides", n, NB_MAX_NET_IFACES, err, errlen);
	for (size_t i = 0; i < n && !ret; i++) {
		struct json_object *e = json_object_array_get_idx(a, i);
		struct nb_snapshot_override *ov = &r->overrides[i];
		char sect[64];

		snprintf(sect, sizeof(sect), LOAD ".network_overrides[%zu]", i);
		ret = nb_cj_check_section(e, sect, known, NULL, err, errlen);
		if (!ret)
			ret = path_field(e, sect, "iface_id", &ov->iface_id, err, errlen);
		if (!ret)
			ret = path_field(e, sect, "host_dev_name", &ov->host_dev_name, err, errlen);
		r->nr_overrides = (unsigned int)i + 1;
	}
	return ret;
}

int nb_snapshot_load_req_parse(struct json_object *o, struct nb_snapshot_load_req *r, char *err,
			       size_t errlen)
{
	static const char *const known[] = {
	    "snapshot_path",	 "mem_backend", "mem_file_path",     "enable_diff_snapshots",
	    "track_dirty_pages", "resume_vm",	"network_overrides", NULL};
	struct json_object *v, *old;
	bool diff = false;
	int ret;

	memset(r, 0, sizeof(*r));
	ret = nb_cj_check_section(o, LOAD, known, NULL, err, errlen);
	if (!ret)
		ret = path_field(o, LOAD, "snapshot_path", &r->snapshot_path, err, errlen);
	if (ret)
		return ret;
	/* Exactly one of mem_backend and the older mem_file_path, as Firecracker. */
	if (nb_cj_field(o, "mem_backend", &v) == nb_cj_field(o, "mem_file_path", &old)) {
		snprintf(err, errlen, LOAD ": give one of mem_backend and mem_file_path");
		return -EINVAL;
	}
	if (v)
		ret = parse_backend(v, r, err, errlen);
	else
		ret = path_field(o, LOAD, "mem_file_path", &r->mem_path, err, errlen);
	if (!ret)
		ret = nb_cj_get_bool(o, LOAD, "enable_diff_snapshots", &diff, err, errlen);
	if (!ret)
		ret = nb_cj_get_bool(o, LOAD, "track_dirty_pages", &r->track_dirty_pages, err,
				     errlen);
	if (!ret)
		ret = nb_cj_get_bool(o, LOAD, "resume_vm", &r->resume_vm, err, errlen);
	if (!ret && nb_cj_field(o, "network_overrides", &v) && v)
		ret = parse_overrides(v, r, err, errlen);
	r->track_dirty_pages |= diff;
	return ret;
}
