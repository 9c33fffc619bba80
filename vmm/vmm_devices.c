// SPDX-License-Identifier: Apache-2.0
/* Run-time device operations for the REST API: net rate limiters, the balloon. */
#include "vmm/vmm_devices.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "devices/virtio_balloon.h"
#include "devices/virtio_blk.h"
#include "devices/virtio_net.h"
#include "vmm/vmm.h"

_Static_assert(NB_API_BALLOON_GUEST_STATS == NB_BALLOON_S_NR,
	       "the API's balloon statistics are virtio's tags");

#define FAIL(r, ...)                                                                               \
	do {                                                                                       \
		snprintf(err, errlen, __VA_ARGS__);                                                \
		return (r);                                                                        \
	} while (0)

/* The transport of the @index-th device with @device_id, or NULL. */
static struct nb_virtio_mmio *find(struct nb_vmm *v, uint32_t device_id, unsigned int index)
{
	if (!v->vm_live)
		return NULL;
	for (unsigned int i = 0; i < v->vm.devices.nr; i++) {
		struct nb_virtio_mmio *t = nb_devmgr_transport(&v->vm.devices, i);

		if (t && t->dev.device_id == device_id && index-- == 0)
			return t;
	}
	return NULL;
}

static struct nb_virtio_balloon *balloon(struct nb_vmm *v)
{
	return nb_virtio_balloon_from_transport(find(v, NB_VIRTIO_ID_BALLOON, 0));
}

/* @c's bucket as the device takes it, or NULL when @has is false (unchanged). */
static const struct nb_token_bucket_params *bucket(struct nb_token_bucket_params *p,
						   const struct nb_token_bucket_config *c, bool has)
{
	if (!has)
		return NULL;
	*p = (struct nb_token_bucket_params){c->size, c->one_time_burst, c->refill_time_ms};
	return p;
}

/* Interfaces are added in the configuration's order (vm.c): the @index-th net device. */
int nb_vmm_update_net(void *b, unsigned int index, const struct nb_rate_limiter_config *rx,
		      const struct nb_rate_limiter_config *tx, char *err, size_t errlen)
{
	struct nb_token_bucket_params rx_bw, rx_ops, tx_bw, tx_ops;
	struct nb_virtio_mmio *t = find(b, NB_VIRTIO_ID_NET, index);
	struct nb_net_rl_update u = {0};
	int r;

	if (!t)
		FAIL(-ENODEV, "network-interfaces: interface %u has no device", index);
	if (rx) {
		u.rx_bw = bucket(&rx_bw, &rx->bandwidth, rx->has_bandwidth);
		u.rx_ops = bucket(&rx_ops, &rx->ops, rx->has_ops);
	}
	if (tx) {
		u.tx_bw = bucket(&tx_bw, &tx->bandwidth, tx->has_bandwidth);
		u.tx_ops = bucket(&tx_ops, &tx->ops, tx->has_ops);
	}
	r = nb_virtio_net_update_rate_limiters(t, &u);
	if (r == -EOPNOTSUPP)
		FAIL(r,
		     "network-interfaces: rate limiters cannot work with vhost (the kernel moves "
		     "the frames)");
	if (r)
		FAIL(r, "network-interfaces: updating the rate limiters: %s", strerror(-r));
	return 0;
}

/*
 * Drives are added root first, then the others in the configuration's order
 * (vm.c): the device index of the configuration's @index-th drive.
 */
static unsigned int drive_device(const struct nb_vm_config *cfg, unsigned int index)
{
	unsigned int n = 0;

	if (cfg->drives[index].is_root_device)
		return 0;
	for (unsigned int i = 0; i < cfg->nr_drives; i++)
		if (cfg->drives[i].is_root_device || i < index)
			n++;
	return n;
}

int nb_vmm_update_drive(void *b, unsigned int index, const char *path,
			const struct nb_rate_limiter_config *rl, char *err, size_t errlen)
{
	struct nb_vmm *v = b;
	struct nb_token_bucket_params bw, ops;
	struct nb_virtio_mmio *t = NULL;
	int r;

	if (index < v->cfg.nr_drives)
		t = find(v, NB_VIRTIO_ID_BLOCK, drive_device(&v->cfg, index));
	if (!t)
		FAIL(-ENODEV, "drives: drive %u has no device", index);
	if (path) {
		r = nb_virtio_blk_update_path(t, path, err, errlen);
		if (r)
			return r;
	}
	if (rl) {
		r = nb_virtio_blk_update_rate_limiter(
		    t, bucket(&bw, &rl->bandwidth, rl->has_bandwidth),
		    bucket(&ops, &rl->ops, rl->has_ops));
		if (r)
			FAIL(r, "drives.rate_limiter: updating the rate limiter: %s", strerror(-r));
	}
	return 0;
}

int nb_vmm_balloon_set_target(void *b, uint32_t amount_mib, char *err, size_t errlen)
{
	struct nb_virtio_balloon *bl = balloon(b);
	int r;

	if (!bl)
		FAIL(-ENODEV, "balloon: the microVM has no balloon device");
	r = nb_virtio_balloon_set_target(bl, amount_mib);
	if (r)
		FAIL(r, "balloon.amount_mib: %u is more than the guest's memory", amount_mib);
	return 0;
}

int nb_vmm_balloon_set_stats_interval(void *b, uint32_t secs, char *err, size_t errlen)
{
	struct nb_virtio_balloon *bl = balloon(b);
	int r;

	if (!bl)
		FAIL(-ENODEV, "balloon: the microVM has no balloon device");
	r = nb_virtio_balloon_set_stats_interval(bl, secs);
	if (r)
		FAIL(r,
		     "balloon/statistics.stats_polling_interval_s: statistics cannot be turned "
		     "%s after the microVM started",
		     secs ? "on" : "off");
	return 0;
}

int nb_vmm_balloon_config(void *b, struct nb_balloon_config *out, char *err, size_t errlen)
{
	struct nb_virtio_balloon *bl = balloon(b);
	struct nb_balloon_params p;

	if (!bl)
		FAIL(-ENODEV, "balloon: the microVM has no balloon device");
	nb_virtio_balloon_get_config(bl, &p);
	out->amount_mib = p.amount_mib;
	out->deflate_on_oom = p.deflate_on_oom;
	out->stats_polling_interval_s = p.stats_polling_interval_s;
	out->free_page_hinting = p.free_page_hinting;
	out->free_page_reporting = p.free_page_reporting;
	return 0;
}

int nb_vmm_balloon_stats(void *b, struct nb_api_balloon_stats *out, char *err, size_t errlen)
{
	struct nb_virtio_balloon *bl = balloon(b);
	struct nb_balloon_stats s;
	int r;

	if (!bl)
		FAIL(-ENODEV, "balloon: the microVM has no balloon device");
	r = nb_virtio_balloon_get_stats(bl, &s);
	if (r)
		FAIL(r, "balloon/statistics: statistics are not enabled");
	out->target_pages = s.target_pages;
	out->actual_pages = s.actual_pages;
	out->target_mib = s.target_mib;
	out->actual_mib = s.actual_mib;
	memcpy(out->guest, s.guest.val, sizeof(out->guest));
	out->present = s.guest.present;
	return 0;
}

/* The device's answer to a hinting operation as one line. */
static int hint_result(int r, char *err, size_t errlen)
{
	if (r == -ENOTSUP)
		FAIL(r, "balloon/hinting: free page hinting is not enabled");
	if (r == -EAGAIN)
		FAIL(r, "balloon/hinting: the guest's balloon driver is not running yet");
	if (r)
		FAIL(r, "balloon/hinting: %s", strerror(-r));
	return 0;
}

int nb_vmm_balloon_hint_start(void *b, bool ack_on_stop, char *err, size_t errlen)
{
	struct nb_virtio_balloon *bl = balloon(b);

	if (!bl)
		FAIL(-ENODEV, "balloon: the microVM has no balloon device");
	return hint_result(nb_virtio_balloon_hint_start(bl, ack_on_stop), err, errlen);
}

int nb_vmm_balloon_hint_stop(void *b, char *err, size_t errlen)
{
	struct nb_virtio_balloon *bl = balloon(b);

	if (!bl)
		FAIL(-ENODEV, "balloon: the microVM has no balloon device");
	return hint_result(nb_virtio_balloon_hint_stop(bl), err, errlen);
}

int nb_vmm_balloon_hint_status(void *b, struct nb_api_balloon_hint_status *out, char *err,
			       size_t errlen)
{
	struct nb_virtio_balloon *bl = balloon(b);
	struct nb_balloon_hint_status s;
	int r;

	if (!bl)
		FAIL(-ENODEV, "balloon: the microVM has no balloon device");
	r = hint_result(nb_virtio_balloon_hint_status(bl, &s), err, errlen);
	if (!r)
		*out =
		    (struct nb_api_balloon_hint_status){s.host_cmd, s.guest_cmd, s.has_guest_cmd};
	return r;
}
