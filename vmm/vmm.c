// SPDX-License-Identifier: Apache-2.0
/* The controller: the VMM thread's loop, the configuration, the VM, the API. */
#include "vmm/vmm.h"

#include "api/mmds_store.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "vmm/logger.h"
#include "vmm/metrics.h"
#include "vmm/metrics_dev.h"
#include "vmm/snapshot.h"
#include "vmm/vmm_devices.h"
#include "vmm/version.h"

#define FAIL(r, ...)                                                                               \
	do {                                                                                       \
		snprintf(err, errlen, __VA_ARGS__);                                                \
		return (r);                                                                        \
	} while (0)

static void on_signal(void *ctx, int fd, uint32_t events)
{
	struct nb_vmm *v = ctx;
	struct signalfd_siginfo si;

	(void)events;
	if (read(fd, &si, sizeof(si)) != sizeof(si))
		return;
	nb_metrics_inc(si.ssi_signo == SIGINT ? NB_M_SIG_INT : NB_M_SIG_TERM);
	nb_log_warn("%s: stopping%s", strsignal((int)si.ssi_signo), v->vm_live ? " the VM" : "");
	if (v->vm_live) {
		nb_vm_request_stop(&v->vm, 128 + (int)si.ssi_signo);
	} else if (!v->quit) {
		v->quit = true;
		v->status = 128 + (int)si.ssi_signo;
	}
}

static void on_api(void *ctx, int fd, uint32_t events);

int nb_vmm_init(struct nb_vmm *v, const struct nb_vm_opts *opts, const char *default_boot_args,
		char *err, size_t errlen)
{
	sigset_t sigs;
	int r;

	memset(v, 0, sizeof(*v));
	v->sfd = -1;
	nb_config_init(&v->cfg);
	v->opts = *opts;
	v->opts.em = &v->em;
	v->default_boot_args = default_boot_args;
	r = nb_mmds_new(&v->opts.mmds,
			opts->mmds_size_limit ? opts->mmds_size_limit : NB_MMDS_DEFAULT_SIZE_LIMIT);
	if (r)
		FAIL(r, "mmds: %s", strerror(-r));
	r = nb_evmgr_init(&v->em);
	if (r)
		FAIL(r, "event loop: %s", strerror(-r));
	v->em_ready = true;
	/* Every thread started from here on inherits the mask. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	v->sfd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK);
	if (v->sfd < 0)
		FAIL(-errno, "signalfd: %s", strerror(errno));
	r = nb_evmgr_add(&v->em, v->sfd, EPOLLIN, on_signal, v);
	if (r)
		FAIL(r, "event loop: %s", strerror(-r));
	return 0;
}

void nb_vmm_set_config(struct nb_vmm *v, struct nb_vm_config *cfg)
{
	nb_config_free(&v->cfg);
	v->cfg = *cfg;
	nb_config_init(cfg);
}

/* The router's backend. */

static int backend_start(void *b, char *err, size_t errlen)
{
	return nb_vmm_start(b, err, errlen);
}

static int backend_pause(void *b, char *err, size_t errlen)
{
	struct nb_vmm *v = b;
	uint64_t t0 = nb_monotonic_ns();
	int r = nb_vm_pause(&v->vm);

	if (r)
		FAIL(r, "vm: the vCPUs did not pause: %s", strerror(-r));
	nb_metrics_set(NB_M_LAT_PAUSE_US, (nb_monotonic_ns() - t0) / 1000);
	v->ctx.state = NB_API_PAUSED;
	return 0;
}

static int backend_resume(void *b, char *err, size_t errlen)
{
	struct nb_vmm *v = b;
	uint64_t t0 = nb_monotonic_ns();
	int r = nb_vm_resume(&v->vm);

	if (r)
		FAIL(r, "vm: the vCPUs did not resume: %s", strerror(-r));
	nb_metrics_set(NB_M_LAT_RESUME_US, (nb_monotonic_ns() - t0) / 1000);
	v->ctx.state = NB_API_RUNNING;
	return 0;
}

static int backend_snapshot_create(void *b, const struct nb_snapshot_create_req *req, char *err,
				   size_t errlen)
{
	struct nb_vmm *v = b;

	return nb_snapshot_create(&v->vm, &v->cfg, req->snapshot_path, req->mem_file_path,
				  req->diff, err, errlen);
}

/* network_overrides: a saved interface gets another tap. */
static int apply_overrides(struct nb_vm_config *cfg, const struct nb_snapshot_load_req *req,
			   char *err, size_t errlen)
{
	for (unsigned int i = 0; i < req->nr_overrides; i++) {
		const struct nb_snapshot_override *o = &req->overrides[i];
		struct nb_net_iface *n = NULL;
		char *name;

		for (unsigned int k = 0; k < cfg->nr_net_ifaces && !n; k++)
			if (!strcmp(cfg->net_ifaces[k].iface_id, o->iface_id))
				n = &cfg->net_ifaces[k];
		if (!n)
			FAIL(-EINVAL,
			     "snapshot/load.network_overrides[%u].iface_id: the snapshot has no "
			     "interface \"%.64s\"",
			     i, o->iface_id);
		name = strdup(o->host_dev_name);
		if (!name)
			FAIL(-ENOMEM, "out of memory");
		free(n->host_dev_name);
		n->host_dev_name = name;
	}
	return 0;
}

static int backend_snapshot_load(void *b, const struct nb_snapshot_load_req *req, char *err,
				 size_t errlen)
{
	struct nb_vmm *v = b;
	struct nb_vm_opts o = v->opts;
	struct nb_vm_config cfg;
	int r;

	if (v->vm_live)
		FAIL(-EALREADY, "snapshot/load: the microVM is already running");
	/* Uffd: guest RAM filled by the page-fault handler listening at backend_path. */
	if (req->uffd)
		o.uffd_path = req->mem_path;
	nb_config_init(&cfg);
	r = nb_snapshot_read_config(req->snapshot_path, &cfg, err, errlen);
	/* Tracking is the load's choice (Firecracker's), not the snapshot's. */
	cfg.machine.track_dirty_pages = req->track_dirty_pages;
	if (!r)
		r = apply_overrides(&cfg, req, err, errlen);
	if (!r)
		r = nb_config_validate(&cfg, err, errlen);
	/* The MMDS's version and format are restored; its data is not (Firecracker's). */
	if (!r && cfg.has_mmds)
		nb_mmds_set_version(v->opts.mmds, cfg.mmds.v2 ? NB_MMDS_V2 : NB_MMDS_V1,
				    cfg.mmds.imds_compat);
	if (!r)
		r = nb_snapshot_restore(&v->vm, &cfg, &o, req->snapshot_path,
					req->uffd ? NULL : req->mem_path, err, errlen);
	if (r) {
		nb_config_free(&cfg);
		return r;
	}
	v->vm.start_paused = !req->resume_vm;
	r = nb_vm_start(&v->vm, err, errlen);
	if (r) {
		nb_vm_destroy(&v->vm);
		nb_config_free(&cfg);
		return r;
	}
	/* The logger and the metrics are this process's, not the snapshot's. */
	nb_logger_config_free(&cfg.logger);
	nb_metrics_config_free(&cfg.metrics);
	cfg.logger = v->cfg.logger, cfg.has_logger = v->cfg.has_logger;
	cfg.metrics = v->cfg.metrics, cfg.has_metrics = v->cfg.has_metrics;
	memset(&v->cfg.logger, 0, sizeof(v->cfg.logger));
	memset(&v->cfg.metrics, 0, sizeof(v->cfg.metrics));
	nb_vmm_set_config(v, &cfg);
	v->vm_live = true;
	v->ctx.state = req->resume_vm ? NB_API_RUNNING : NB_API_PAUSED;
	return 0;
}

/* The logger and the metrics (process-wide: vmm/logger.h, vmm/metrics.h). */

static bool flush_groups(void *ctx, struct json_object *root)
{
	struct nb_vmm *v = ctx;

	return nb_metrics_vm_groups(v->vm_live ? &v->vm : NULL, root);
}

static void on_metrics_timer(void *ctx, int fd, uint32_t events)
{
	uint64_t n;

	(void)events;
	if (read(fd, &n, sizeof(n)) == sizeof(n))
		nb_metrics_flush(flush_groups, ctx);
}

static int backend_configure_logger(void *b, const struct nb_logger_config *l, char *err,
				    size_t errlen)
{
	struct nb_vmm *v = b;

	return nb_logger_init(l, v->opts.id, NB_VERSION, err, errlen);
}

static int backend_configure_metrics(void *b, const struct nb_metrics_config *m, char *err,
				     size_t errlen)
{
	struct nb_vmm *v = b;
	int r = nb_metrics_init(m, err, errlen);

	if (r)
		return r;
	r = nb_evmgr_add(&v->em, nb_metrics_timer_fd(), EPOLLIN, on_metrics_timer, v);
	if (r) {
		nb_metrics_close();
		FAIL(r, "metrics: event loop: %s", strerror(-r));
	}
	return 0;
}

static int backend_flush_metrics(void *b, char *err, size_t errlen)
{
	int r = nb_metrics_flush(flush_groups, b);

	if (r == -EAGAIN)
		FAIL(r, "FlushMetrics: the metrics destination is full (no reader?)");
	if (r)
		FAIL(r, "FlushMetrics: %s", strerror(-r));
	return 0;
}

/* The configuration's logger and metrics (flags, file), unless already applied. */
int nb_vmm_apply_obs(struct nb_vmm *v, char *err, size_t errlen)
{
	int r = 0;

	if (v->cfg.has_logger && !nb_logger_configured())
		r = backend_configure_logger(v, &v->cfg.logger, err, errlen);
	if (!r && v->cfg.has_metrics && !nb_metrics_configured())
		r = backend_configure_metrics(v, &v->cfg.metrics, err, errlen);
	return r;
}

static const struct nb_api_backend_ops backend_ops = {
    .configure_logger = backend_configure_logger,
    .configure_metrics = backend_configure_metrics,
    .flush_metrics = backend_flush_metrics,
    .start = backend_start,
    .pause = backend_pause,
    .resume = backend_resume,
    .update_drive = nb_vmm_update_drive,
    .snapshot_create = backend_snapshot_create,
    .snapshot_load = backend_snapshot_load,
    .update_net = nb_vmm_update_net,
    .balloon_set_target = nb_vmm_balloon_set_target,
    .balloon_set_stats_interval = nb_vmm_balloon_set_stats_interval,
    .balloon_config = nb_vmm_balloon_config,
    .balloon_stats = nb_vmm_balloon_stats,
    .balloon_hint_start = nb_vmm_balloon_hint_start,
    .balloon_hint_stop = nb_vmm_balloon_hint_stop,
    .balloon_hint_status = nb_vmm_balloon_hint_status,
};

static void handle(void *ctx, enum nb_http_method method, const char *path, size_t path_len,
		   const char *body, size_t body_len, struct nb_api_response *r)
{
	struct nb_vmm *v = ctx;

	nb_api_route(&v->ctx, method, path, path_len, body, body_len, r);
	nb_metrics_api_request((unsigned int)method, path, path_len, r->status);
}

static void on_api(void *ctx, int fd, uint32_t events)
{
	struct nb_vmm *v = ctx;

	(void)fd, (void)events;
	nb_api_server_serve(v->api, handle, v);
}

int nb_vmm_serve_api(struct nb_vmm *v, struct nb_api_server *s, char *err, size_t errlen)
{
	int r;

	v->api = s;
	v->ctx = (struct nb_api_ctx){
	    .ops = &backend_ops,
	    .backend = v,
	    .cfg = &v->cfg,
	    .state = v->vm_live ? NB_API_RUNNING : NB_API_NOT_STARTED,
	    .id = v->opts.id,
	    .version = NB_VERSION,
	    .mmds = v->opts.mmds,
	};
	r = nb_evmgr_add(&v->em, nb_api_server_fd(s), EPOLLIN, on_api, v);
	if (r)
		FAIL(r, "API channel: %s", strerror(-r));
	r = nb_api_server_start(s);
	if (r) {
		nb_evmgr_remove(&v->em, nb_api_server_fd(s));
		FAIL(r, "API thread: %s", strerror(-r));
	}
	if (v->opts.start_ns)
		nb_metrics_set(NB_M_API_STARTUP_US, (nb_monotonic_ns() - v->opts.start_ns) / 1000);
	return 0;
}

int nb_vmm_start(struct nb_vmm *v, char *err, size_t errlen)
{
	int r;

	if (v->vm_live)
		FAIL(-EALREADY, "the microVM is already running");
	r = nb_vmm_apply_obs(v, err, errlen);
	if (r)
		return r;
	if (v->cfg.has_boot && !v->cfg.boot.boot_args && v->default_boot_args) {
		v->cfg.boot.boot_args = strdup(v->default_boot_args);
		if (!v->cfg.boot.boot_args)
			FAIL(-ENOMEM, "boot-source.boot_args: out of memory");
	}
	r = nb_config_validate(&v->cfg, err, errlen);
	if (!r && v->cfg.has_mmds)
		nb_mmds_set_version(v->opts.mmds, v->cfg.mmds.v2 ? NB_MMDS_V2 : NB_MMDS_V1,
				    v->cfg.mmds.imds_compat);
	if (!r)
		r = nb_vm_create(&v->vm, &v->cfg, &v->opts, err, errlen);
	if (r)
		return r;
	r = nb_vm_boot_load(&v->vm, &v->cfg, &v->opts, err, errlen);
	if (!r)
		r = nb_vm_start(&v->vm, err, errlen);
	if (r) {
		nb_vm_destroy(&v->vm);
		return r;
	}
	v->vm_live = true;
	v->ctx.state = NB_API_RUNNING;
	nb_log_info("the microVM is running: %u vCPUs, %u MiB", v->cfg.machine.vcpu_count,
		    v->cfg.machine.mem_size_mib);
	return 0;
}

int nb_vmm_run(struct nb_vmm *v)
{
	while (!v->quit && !(v->vm_live && nb_vm_stopping(&v->vm))) {
		int r = nb_evmgr_run_once(&v->em, -1);

		if (r >= 0) {
			nb_metrics_add(NB_M_VMM_DEVICE_EVENTS, (uint64_t)r);
			continue;
		}
		nb_log_error("event loop: epoll_wait: %s", strerror(-r));
		if (v->vm_live) {
			nb_vm_request_stop(&v->vm, 1);
		} else {
			v->quit = true;
			v->status = 1;
		}
	}
	if (v->vm_live)
		v->status = nb_vm_stop(&v->vm);
	if (nb_metrics_configured())
		nb_metrics_flush(flush_groups, v); /* the last line, at exit */
	return v->status;
}

void nb_vmm_destroy(struct nb_vmm *v)
{
	if (v->api) {
		nb_evmgr_remove(&v->em, nb_api_server_fd(v->api));
		nb_api_server_free(v->api);
		v->api = NULL;
	}
	if (v->vm_live)
		nb_vm_destroy(&v->vm);
	v->vm_live = false;
	if (v->sfd >= 0) {
		if (v->em_ready)
			nb_evmgr_remove(&v->em, v->sfd);
		close(v->sfd);
	}
	v->sfd = -1;
	if (nb_metrics_configured()) {
		if (v->em_ready)
			nb_evmgr_remove(&v->em, nb_metrics_timer_fd());
		nb_metrics_close();
	}
	nb_logger_close();
	if (v->em_ready)
		nb_evmgr_destroy(&v->em);
	v->em_ready = false;
	nb_config_free(&v->cfg);
	nb_mmds_free(v->opts.mmds);
	v->opts.mmds = NULL;
}
