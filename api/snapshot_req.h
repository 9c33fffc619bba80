/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The bodies of Firecracker's PUT /snapshot/create and PUT /snapshot/load,
 * checked field by field with the router's messages ("snapshot/load.
 * mem_backend.backend_type: ..."). Strings point into the JSON object and
 * live as long as it.
 */
#ifndef NB_API_SNAPSHOT_REQ_H
#define NB_API_SNAPSHOT_REQ_H

#include <stdbool.h>
#include <stddef.h>

#include "vmm/config.h"

struct json_object;

struct nb_snapshot_create_req {
	const char *snapshot_path; /* required */
	const char *mem_file_path; /* required */
	bool diff;		   /* snapshot_type "Diff" (default "Full") */
};

struct nb_snapshot_override {
	const char *iface_id;
	const char *host_dev_name;
};

struct nb_snapshot_load_req {
	const char *snapshot_path; /* required */
	const char *mem_path;	   /* mem_backend.backend_path, or mem_file_path */
	bool uffd;		   /* mem_backend.backend_type "Uffd" (default "File") */
	bool track_dirty_pages;	   /* or the older enable_diff_snapshots */
	bool resume_vm;
	unsigned int nr_overrides;
	struct nb_snapshot_override overrides[NB_MAX_NET_IFACES];
};

/* 0 or -EINVAL with one line in @err naming the field. */
int nb_snapshot_create_req_parse(struct json_object *o, struct nb_snapshot_create_req *r, char *err,
				 size_t errlen);
int nb_snapshot_load_req_parse(struct json_object *o, struct nb_snapshot_load_req *r, char *err,
			       size_t errlen);

#endif
