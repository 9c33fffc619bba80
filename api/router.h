/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Firecracker's REST routes: a request (method, path, JSON body) becomes a
 * change to the pre-boot configuration (the config model's own section
 * parsers: one set of rules and messages for the config file and the API)
 * or a call to the VMM (start, pause, resume, a running drive's update),
 * and an answer: 204, 200 with a JSON body, or 400 with
 * {"fault_message": "..."} naming the field.
 *
 * The route table is data (router.c): adding a route is a line. Routes for
 * what nestbox does not build yet answer a clear 400 "not supported yet".
 *
 * State rules: a pre-boot resource (boot-source, machine-config,
 * cpu-config, drives (PUT), entropy, serial) can be changed only before
 * InstanceStart; after it the answer is a 400 saying so. PATCH /vm,
 * PATCH /drives/{id} and the run-time device routes (PATCH
 * /network-interfaces/{id}, PATCH /balloon, GET|PATCH /balloon/statistics:
 * api/runtime_routes.h) need a started microVM, as in Firecracker.
 *
 * nb_api_route() runs on the VMM thread (the API thread hands requests
 * over, api/server.h); it is single-threaded, like the config it changes.
 */
#ifndef NB_API_ROUTER_H
#define NB_API_ROUTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api/http.h"
#include "api/snapshot_req.h"
#include "vmm/config.h"

#define NB_API_ERR_LEN 512

enum nb_api_state { NB_API_NOT_STARTED, NB_API_RUNNING, NB_API_PAUSED };

struct nb_mmds;

/*
 * GET /balloon/statistics: the sizes, then the guest's values by virtio's
 * tag (0 swap_in .. 9 hugetlb_failures, Firecracker's names in that order),
 * each shown only when @present has its bit (the guest may not send all).
 */
#define NB_API_BALLOON_GUEST_STATS 10
struct nb_api_balloon_stats {
	uint32_t target_pages, actual_pages, target_mib, actual_mib;
	uint64_t guest[NB_API_BALLOON_GUEST_STATS];
	uint32_t present;
};

/* GET /balloon/hinting/status: guest_cmd is shown when has_guest_cmd. */
struct nb_api_balloon_hint_status {
	uint32_t host_cmd, guest_cmd;
	bool has_guest_cmd;
};

/* What the router asks of the VMM (vmm/vmm.c; a fake in unit tests). */
struct nb_api_backend_ops {
	/*
	 * PUT /logger, PUT /metrics (api/obs_req.h: before InstanceStart, once
	 * each): open the destination and start using it. PUT /actions
	 * FlushMetrics (metrics configured): write a line now. NULL: not
	 * supported. 0 or -errno with @err.
	 */
	int (*configure_logger)(void *backend, const struct nb_logger_config *l, char *err,
				size_t errlen);
	int (*configure_metrics)(void *backend, const struct nb_metrics_config *m, char *err,
				 size_t errlen);
	int (*flush_metrics)(void *backend, char *err, size_t errlen);
	/*
	 * InstanceStart: validate the configuration, build and boot the VM,
	 * start its vCPUs. 0, or -errno with one line in @err (the microVM is
	 * then still not started).
	 */
	int (*start)(void *backend, char *err, size_t errlen);
	/* PATCH /vm. 0 or -errno with @err. */
	int (*pause)(void *backend, char *err, size_t errlen);
	int (*resume)(void *backend, char *err, size_t errlen);
	/*
	 * PATCH /drives/{id} on a started microVM: drive @index gets the new
	 * backing file @path (NULL: unchanged) and rate limiter @rl (NULL:
	 * unchanged). 0 or -errno with @err.
	 */
	int (*update_drive)(void *backend, unsigned int index, const char *path,
			    const struct nb_rate_limiter_config *rl, char *err, size_t errlen);
	/*
	 * PUT /snapshot/create on a paused microVM, PUT /snapshot/load on a
	 * fresh one (the backend sets the state: Running if resume_vm, else
	 * Paused). NULL: not supported. 0 or -errno with @err.
	 */
	int (*snapshot_create)(void *backend, const struct nb_snapshot_create_req *req, char *err,
			       size_t errlen);
	int (*snapshot_load)(void *backend, const struct nb_snapshot_load_req *req, char *err,
			     size_t errlen);
	/*
	 * On a started microVM (api/runtime_routes.h); NULL: not supported.
	 * PATCH /network-interfaces/{id}: interface @index gets new RX and
	 * TX limits (NULL: unchanged; within one, a bucket without has_*
	 * unchanged, a bucket of size 0 unlimited).
	 */
	int (*update_net)(void *backend, unsigned int index,
			  const struct nb_rate_limiter_config *rx,
			  const struct nb_rate_limiter_config *tx, char *err, size_t errlen);
	/* PATCH /balloon: the balloon's new target. */
	int (*balloon_set_target)(void *backend, uint32_t amount_mib, char *err, size_t errlen);
	/* PATCH /balloon/statistics: the new polling interval (never 0 here). */
	int (*balloon_set_stats_interval)(void *backend, uint32_t secs, char *err, size_t errlen);
	/* GET /balloon: the running device's configuration. */
	int (*balloon_config)(void *backend, struct nb_balloon_config *out, char *err,
			      size_t errlen);
	/* GET /balloon/statistics (the router checked that statistics are on). */
	int (*balloon_stats)(void *backend, struct nb_api_balloon_stats *out, char *err,
			     size_t errlen);
	/*
	 * PATCH /balloon/hinting/start and stop, GET /balloon/hinting/status
	 * (the router checked that free_page_hinting is on).
	 */
	int (*balloon_hint_start)(void *backend, bool ack_on_stop, char *err, size_t errlen);
	int (*balloon_hint_stop)(void *backend, char *err, size_t errlen);
	int (*balloon_hint_status)(void *backend, struct nb_api_balloon_hint_status *out, char *err,
				   size_t errlen);
};

struct nb_api_ctx {
	const struct nb_api_backend_ops *ops;
	void *backend;
	struct nb_vm_config *cfg; /* the configuration, the router changes it */
	enum nb_api_state state;  /* kept by the backend */
	const char *id;		  /* the instance id, or NULL ("anonymous-instance") */
	const char *version;	  /* vmm_version */
	struct nb_mmds *mmds;	  /* the MMDS data store (api/mmds_store.h), or NULL */
};

struct nb_api_response {
	int status;
	char *body; /* JSON (malloc'd), or NULL for none */
};

/*
 * Answers one request. @body (@body_len bytes, NULL for none) need not be
 * NUL-terminated. @r->body is the caller's to free.
 */
void nb_api_route(struct nb_api_ctx *c, enum nb_http_method method, const char *path,
		  size_t path_len, const char *body, size_t body_len, struct nb_api_response *r);

/* A 400 (or other @status) with {"fault_message": @msg} into @r. */
void nb_api_fault(struct nb_api_response *r, int status, const char *msg);
/* Whether @id is a valid resource id (alphanumerics and _); if not, a 400 into @r. */
bool nb_api_check_id(const char *id, struct nb_api_response *r);
/* The same as nb_api_fault with status 400 and a printf-style message. */
void nb_api_faultf(struct nb_api_response *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
