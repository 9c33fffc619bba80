// SPDX-License-Identifier: Apache-2.0
/* The configuration model back to JSON, in the config file's shape. */
#include "vmm/config_dump.h"

#include <json-c/json.h>
#include <stdio.h>

#include "vmm/config_json.h"

static const char *const huge_pages_names[] = {"None", "2M"};
static const char *const cache_type_names[] = {"Unsafe", "Writeback"};
static const char *const io_engine_names[] = {"Async", "Sync"};

/* NULL when out of memory: checked through nb_cj_add()'s null_ok false. */
static struct json_object *new_u64(uint64_t x)
{
	return json_object_new_uint64(x);
}

struct json_object *nb_config_machine_to_json(const struct nb_machine_config *m)
{
	struct json_object *o = json_object_new_object();
	bool ok = o;

	ok = ok && nb_cj_add(o, "vcpu_count", new_u64(m->vcpu_count), false);
	ok = ok && nb_cj_add(o, "mem_size_mib", new_u64(m->mem_size_mib), false);
	ok = ok && nb_cj_add(o, "smt", json_object_new_boolean(m->smt), false);
	ok = ok && nb_cj_add(o, "track_dirty_pages", json_object_new_boolean(m->track_dirty_pages),
			     false);
	ok = ok &&
	     nb_cj_add(o, "huge_pages",
		       json_object_new_string(huge_pages_names[m->huge_pages == NB_HUGE_PAGES_2M]),
		       false);
	ok = ok && nb_cj_add(o, "nested", json_object_new_boolean(m->nested), false);
	ok = ok && nb_cj_add(o, "el2_e2h0", json_object_new_boolean(m->el2_e2h0), false);
	ok = ok && nb_cj_add(o, "hide_nv2", json_object_new_boolean(m->hide_nv2), false);
	/* nestbox's own, only when set: unset, the dump is Firecracker's. */
	if (m->ipa_bits)
		ok = ok && nb_cj_add(o, "ipa_bits", new_u64(m->ipa_bits), false);
	return nb_cj_done(o, ok);
}

struct json_object *nb_config_boot_to_json(const struct nb_boot_source *b)
{
	struct json_object *o = json_object_new_object();
	bool ok = o;

	ok = ok && nb_cj_add(o, "kernel_image_path", nb_cj_str_or_null(b->kernel_image_path), true);
	ok = ok && nb_cj_add(o, "initrd_path", nb_cj_str_or_null(b->initrd_path), true);
	ok = ok && nb_cj_add(o, "boot_args", nb_cj_str_or_null(b->boot_args), true);
	return nb_cj_done(o, ok);
}

static struct json_object *bucket(const struct nb_token_bucket_config *b, bool has)
{
	struct json_object *o;
	bool ok;

	if (!has)
		return NULL;
	o = json_object_new_object();
	ok = o;
	ok = ok && nb_cj_add(o, "size", new_u64(b->size), false);
	ok = ok && nb_cj_add(o, "one_time_burst", new_u64(b->one_time_burst), false);
	ok = ok && nb_cj_add(o, "refill_time", new_u64(b->refill_time_ms), false);
	return nb_cj_done(o, ok);
}

struct json_object *nb_config_rate_limiter_to_json(const struct nb_rate_limiter_config *rl)
{
	struct json_object *o;
	bool ok;

	if (!rl->has_bandwidth && !rl->has_ops)
		return NULL;
	o = json_object_new_object();
	ok = o;
	ok = ok && nb_cj_add(o, "bandwidth", bucket(&rl->bandwidth, rl->has_bandwidth),
			     !rl->has_bandwidth);
	ok = ok && nb_cj_add(o, "ops", bucket(&rl->ops, rl->has_ops), !rl->has_ops);
	return nb_cj_done(o, ok);
}

struct json_object *nb_config_drive_to_json(const struct nb_drive *d)
{
	struct json_object *o = json_object_new_object();
	const struct nb_rate_limiter_config *rl = &d->rate_limiter;
	bool ok = o;

	ok = ok && nb_cj_add(o, "drive_id", nb_cj_str_or_null(d->drive_id), true);
	ok = ok && nb_cj_add(o, "path_on_host", nb_cj_str_or_null(d->path_on_host), true);
	ok =
	    ok && nb_cj_add(o, "is_root_device", json_object_new_boolean(d->is_root_device), false);
	ok = ok && nb_cj_add(o, "is_read_only", json_object_new_boolean(d->is_read_only), false);
	ok = ok && nb_cj_add(o, "partuuid", nb_cj_str_or_null(d->partuuid), true);
	ok =
	    ok &&
	    nb_cj_add(o, "cache_type",
		      json_object_new_string(cache_type_names[d->cache_type == NB_CACHE_WRITEBACK]),
		      false);
	ok = ok &&
	     nb_cj_add(o, "io_engine",
		       json_object_new_string(io_engine_names[d->io_engine == NB_IO_SYNC]), false);
	ok = ok && nb_cj_add(o, "rate_limiter", nb_config_rate_limiter_to_json(rl),
			     !rl->has_bandwidth && !rl->has_ops);
	return nb_cj_done(o, ok);
}

/* "0b" then the bitmap's characters, most significant first. */
static struct json_object *bitmap(const struct nb_bitmap *b)
{
	char s[NB_BITMAP_MAX_BITS + 3] = "0b";
	unsigned int w = b->width <= NB_BITMAP_MAX_BITS ? b->width : NB_BITMAP_MAX_BITS;

	for (unsigned int j = 0; j < w; j++) {
		unsigned int bit = w - 1 - j;
		uint64_t mask = 1ULL << (bit % 64);

		if (!(b->filter[bit / 64] & mask))
			s[2 + j] = 'x';
		else
			s[2 + j] = b->value[bit / 64] & mask ? '1' : '0';
	}
	s[2 + w] = 0;
	return json_object_new_string(s);
}

struct json_object *nb_cpu_config_to_json(const struct nb_cpu_config *c)
{
	struct json_object *o = json_object_new_object(), *caps = json_object_new_array();
	struct json_object *feats = json_object_new_array(), *regs = json_object_new_array();
	bool ok = o && caps && feats && regs;
	char buf[32];

	for (unsigned int i = 0; ok && i < c->nr_kvm_caps_required; i++) {
		snprintf(buf, sizeof(buf), "%u", c->kvm_caps_required[i]);
		ok = !json_object_array_add(caps, json_object_new_string(buf));
	}
	for (unsigned int i = 0; ok && i < c->nr_kvm_caps_removed; i++) {
		snprintf(buf, sizeof(buf), "!%u", c->kvm_caps_removed[i]);
		ok = !json_object_array_add(caps, json_object_new_string(buf));
	}
	for (unsigned int i = 0; ok && i < c->nr_vcpu_features; i++) {
		struct json_object *f = json_object_new_object();

		ok = f && nb_cj_add(f, "index", new_u64(c->vcpu_features[i].index), false) &&
		     nb_cj_add(f, "bitmap", bitmap(&c->vcpu_features[i].bitmap), false);
		ok = ok ? !json_object_array_add(feats, f) : (json_object_put(f), false);
	}
	for (unsigned int i = 0; ok && i < c->nr_reg_modifiers; i++) {
		struct json_object *r = json_object_new_object();

		snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)c->reg_modifiers[i].addr);
		ok = r && nb_cj_add(r, "addr", json_object_new_string(buf), false) &&
		     nb_cj_add(r, "bitmap", bitmap(&c->reg_modifiers[i].bitmap), false);
		ok = ok ? !json_object_array_add(regs, r) : (json_object_put(r), false);
	}
	if (!ok || !o) {
		json_object_put(caps);
		json_object_put(feats);
		json_object_put(regs);
		json_object_put(o);
		return NULL;
	}
	ok = nb_cj_add(o, "kvm_capabilities", caps, false);
	ok = nb_cj_add(o, "vcpu_features", feats, false) && ok;
	ok = nb_cj_add(o, "reg_modifiers", regs, false) && ok;
	return nb_cj_done(o, ok);
}

static struct json_object *drives(const struct nb_vm_config *c)
{
	struct json_object *a = json_object_new_array();

	for (unsigned int i = 0; a && i < c->nr_drives; i++) {
		struct json_object *d = nb_config_drive_to_json(&c->drives[i]);

		if (!d || json_object_array_add(a, d)) {
			json_object_put(d);
			json_object_put(a);
			return NULL;
		}
	}
	return a;
}

static struct json_object *serial(const struct nb_vm_config *c)
{
	struct json_object *o;

	if (!c->serial_output_path)
		return NULL;
	o = json_object_new_object();
	if (o &&
	    !nb_cj_add(o, "output_path", json_object_new_string(c->serial_output_path), false)) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static struct json_object *entropy(const struct nb_vm_config *c)
{
	const struct nb_rate_limiter_config *rl = &c->entropy.rate_limiter;
	struct json_object *o;

	if (!c->has_entropy)
		return NULL;
	o = json_object_new_object();
	if (o && !nb_cj_add(o, "rate_limiter", nb_config_rate_limiter_to_json(rl),
			    !rl->has_bandwidth && !rl->has_ops)) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

struct json_object *nb_config_net_iface_to_json(const struct nb_net_iface *n)
{
	struct json_object *o = json_object_new_object();
	const uint8_t *m = n->guest_mac;
	char mac[18];
	bool ok = o;

	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4],
		 m[5]);
	ok = ok && nb_cj_add(o, "iface_id", nb_cj_str_or_null(n->iface_id), true);
	ok = ok && nb_cj_add(o, "host_dev_name", nb_cj_str_or_null(n->host_dev_name), true);
	ok = ok && nb_cj_add(o, "guest_mac", n->has_mac ? json_object_new_string(mac) : NULL,
			     !n->has_mac);
	ok = ok &&
	     nb_cj_add(o, "rx_rate_limiter", nb_config_rate_limiter_to_json(&n->rx_rate_limiter),
		       !n->rx_rate_limiter.has_bandwidth && !n->rx_rate_limiter.has_ops);
	ok = ok &&
	     nb_cj_add(o, "tx_rate_limiter", nb_config_rate_limiter_to_json(&n->tx_rate_limiter),
		       !n->tx_rate_limiter.has_bandwidth && !n->tx_rate_limiter.has_ops);
	/* nestbox's own, only when set: unset, the dump is Firecracker's. */
	if (n->vhost)
		ok = ok && nb_cj_add(o, "vhost", json_object_new_boolean(true), false);
	return nb_cj_done(o, ok);
}

struct json_object *nb_config_vsock_to_json(const struct nb_vsock_config *v)
{
	struct json_object *o = json_object_new_object();
	bool ok = o;

	ok = ok && nb_cj_add(o, "guest_cid", new_u64(v->guest_cid), false);
	ok = ok && nb_cj_add(o, "uds_path", nb_cj_str_or_null(v->uds_path), true);
	ok = ok && nb_cj_add(o, "vsock_id", nb_cj_str_or_null(v->vsock_id), true);
	return nb_cj_done(o, ok);
}

struct json_object *nb_config_balloon_to_json(const struct nb_balloon_config *b)
{
	struct json_object *o = json_object_new_object();
	bool ok = o;

	ok = ok && nb_cj_add(o, "amount_mib", new_u64(b->amount_mib), false);
	ok =
	    ok && nb_cj_add(o, "deflate_on_oom", json_object_new_boolean(b->deflate_on_oom), false);
	ok = ok &&
	     nb_cj_add(o, "stats_polling_interval_s", new_u64(b->stats_polling_interval_s), false);
	ok = ok && nb_cj_add(o, "free_page_hinting", json_object_new_boolean(b->free_page_hinting),
			     false);
	ok = ok && nb_cj_add(o, "free_page_reporting",
			     json_object_new_boolean(b->free_page_reporting), false);
	return nb_cj_done(o, ok);
}

static struct json_object *net_ifaces(const struct nb_vm_config *c)
{
	struct json_object *a = json_object_new_array();

	for (unsigned int i = 0; a && i < c->nr_net_ifaces; i++) {
		struct json_object *n = nb_config_net_iface_to_json(&c->net_ifaces[i]);

		if (!n || json_object_array_add(a, n)) {
			json_object_put(n);
			json_object_put(a);
			return NULL;
		}
	}
	return a;
}

struct json_object *nb_config_to_json(const struct nb_vm_config *c)
{
	struct json_object *o = json_object_new_object();
	bool ok = o;

	ok = ok && nb_cj_add(o, "boot-source",
			     c->has_boot ? nb_config_boot_to_json(&c->boot) : NULL, !c->has_boot);
	ok = ok && nb_cj_add(o, "machine-config", nb_config_machine_to_json(&c->machine), false);
	ok = ok && nb_cj_add(o, "drives", drives(c), false);
	ok = ok && nb_cj_add(o, "serial", serial(c), !c->serial_output_path);
	ok = ok && nb_cj_add(o, "entropy", entropy(c), !c->has_entropy);
	ok = ok &&
	     nb_cj_add(o, "cpu-config", c->has_cpu_config ? nb_cpu_config_to_json(&c->cpu) : NULL,
		       !c->has_cpu_config);
	ok = ok && nb_cj_add(o, "network-interfaces", net_ifaces(c), false);
	ok = ok && nb_cj_add(o, "vsock", c->has_vsock ? nb_config_vsock_to_json(&c->vsock) : NULL,
			     !c->has_vsock);
	ok = ok &&
	     nb_cj_add(o, "balloon", c->has_balloon ? nb_config_balloon_to_json(&c->balloon) : NULL,
		       !c->has_balloon);
	ok = ok &&
	     nb_cj_add(o, "logger", c->has_logger ? nb_config_logger_to_json(&c->logger) : NULL,
		       !c->has_logger);
	ok = ok &&
	     nb_cj_add(o, "metrics", c->has_metrics ? nb_config_metrics_to_json(&c->metrics) : NULL,
		       !c->has_metrics);
	ok = ok && nb_cj_add(o, "mmds-config",
			     c->has_mmds ? nb_config_mmds_to_json(&c->mmds) : NULL, !c->has_mmds);
	return nb_cj_done(o, ok);
}
