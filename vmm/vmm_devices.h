/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The controller's run-time device operations, the router's backend ops
 * (api/router.h, api/runtime_routes.h) on a running VM: @backend is the
 * struct nb_vmm. Each finds its device among the VM's transports and calls
 * the device's own function (devices/virtio_net.h, devices/virtio_balloon.h),
 * on the VMM thread. 0, or -errno with one line in @err.
 */
#ifndef NB_VMM_VMM_DEVICES_H
#define NB_VMM_VMM_DEVICES_H

#include <stddef.h>
#include <stdint.h>

#include "api/router.h"

int nb_vmm_update_net(void *backend, unsigned int index, const struct nb_rate_limiter_config *rx,
		      const struct nb_rate_limiter_config *tx, char *err, size_t errlen);
/* PATCH /drives on a running microVM: the backing file and / or the rate limiter. */
int nb_vmm_update_drive(void *backend, unsigned int index, const char *path,
			const struct nb_rate_limiter_config *rl, char *err, size_t errlen);
int nb_vmm_balloon_set_target(void *backend, uint32_t amount_mib, char *err, size_t errlen);
int nb_vmm_balloon_set_stats_interval(void *backend, uint32_t secs, char *err, size_t errlen);
int nb_vmm_balloon_config(void *backend, struct nb_balloon_config *out, char *err, size_t errlen);
int nb_vmm_balloon_stats(void *backend, struct nb_api_balloon_stats *out, char *err, size_t errlen);
int nb_vmm_balloon_hint_start(void *backend, bool ack_on_stop, char *err, size_t errlen);
int nb_vmm_balloon_hint_stop(void *backend, char *err, size_t errlen);
int nb_vmm_balloon_hint_status(void *backend, struct nb_api_balloon_hint_status *out, char *err,
			       size_t errlen);

#endif
