// SPDX-License-Identifier: Apache-2.0
/* The configuration model back to JSON, in the config file's shape. */
#include "vmm/config_dump.h"

#include <json-c/json.h>
#include <stdio.h>

static const char *const huge_pages_names[] = {"None", "2M"};
static const char *const cache_type_names[] = {"Unsafe", "Writeback"};
static const char *const io_engine_names[] = {"Async", "Sync"};

/* Adds @v under @key; false (and @v put) when out of memory. */
static bool add(struct json_object *o, const char *key, struct json_object *v, bool null_ok)
{
	if (!v && !null_ok)
		return false;
	if (json_object_object_add(o, key, v)) {
		json_object_put(v);
		return false;
	}
	return true;
}

static struct json_object *str_or_null(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

/* NULL when out of memory: checked through add()'s null_ok false. */
static struct json_object *new_u64(uint64_t x)
{
	return json_object_new_uint64(x);
}

static struct json_object *done(struct json_object *o, bool ok)
{
	if (ok)
		return o;
	json_object_put(o);
	return NULL;
}

struct json_object *nb_config_machine_to_json(const struct nb_machine_config *m)
{
	struct json_object *o = json_object_new_object();
	bool ok = o;

	ok = ok && add(o, "vcpu_count", new_u64(m->vcpu_count), false);
	ok = ok && add(o, "mem_size_mib", new_u64(m->mem_size_mib), false);
	ok = ok && add(o, "smt", json_object_new_boolean(m->smt), false);
	ok =
	    ok && add(o, "track_dirty_pages", json_object_new_boolean(m->track_dirty_pages), false);
	ok = ok && add(o, "huge_pages",
		       json_object_new_string(huge_pages_names[m->huge_pages == NB_HUGE_PAGES_2M]),
		       false);
	ok = ok && add(o, "nested", json_object_new_boolean(m->nested), false);
	ok = ok && add(o, "el2_e2h0", json_object_new_boolean(m->el2_e2h0), false);
	ok = ok && add(o, "hide_nv2", json_object_new_boolean(m->hide_nv2), false);
	/* nestbox's own, only when set: unset, the dump is Firecracker's. */
	if (m->ipa_bits)
		ok = ok && add(o, "ipa_bits", new_u64(m->ipa_bits), false);
	return done(o, ok);
}

struct json_object *nb_config_boot_to_json(const struct nb_boot_source *b)
{
	struct json_object *o = json_object_new_object();
	bool ok = o;

	ok = ok && add(o, "kernel_image_path", str_or_null(b->kernel_image_path), true);
	ok = ok && add(o, "initrd_path", str_or_null(b->initrd_path), true);
	ok = ok && add(o, "boot_args", str_or_null(b->boot_args), true);
	return done(o, ok);
}

static struct json_object *bucket(const struct nb_token_bucket_config *b, bool has)
{
	struct json_object *o;
	bool ok;

	if (!has)
		return NULL;
	o = json_object_new_object();
	ok = o;
	ok = ok && add(o, "size", new_u64(b->size), false);
	ok = ok && add(o, "one_time_burst", new_u64(b->one_time_burst), false);
	ok = ok && add(o, "refill_time", new_u64(b->refill_time_ms), false);
	return done(o, ok);
}

struct json_object *nb_config_rate_limiter_to_json(const struct nb_rate_limiter_config *rl)
{
	struct json_object *o;
	bool ok;

	if (!rl->has_bandwidth && !rl->has_ops)
		return NULL;
	o = json_object_new_object();
	ok = o;
	ok = ok &&
	     add(o, "bandwidth", bucket(&rl->bandwidth, rl->has_bandwidth), !rl->has_bandwidth);
	ok = ok && add(o, "ops", bucket(&rl->ops, rl->has_ops), !rl->has_ops);
	return done(o, ok);
}

struct json_object *nb_config_drive_to_json(const struct nb_drive *d)
{
	struct json_object *o = json_object_new_object();
	const struct nb_rate_limiter_config *rl = &d->rate_limiter;
	bool ok = o;

	ok = ok && add(o, "drive_id", str_or_null(d->drive_id), true);
	ok = ok && add(o, "path_on_host", str_or_null(d->path_on_host), true);
	ok = ok && add(o, "is_root_device", json_object_new_boolean(d->is_root_device), false);
	ok = ok && add(o, "is_read_only", json_object_new_boolean(d->is_read_only), false);
	ok = ok && add(o, "partuuid", str_or_null(d->partuuid), true);
	ok =
	    ok && add(o, "cache_type",
		      json_object_new_string(cache_type_names[d->cache_type == NB_CACHE_WRITEBACK]),
		      false);
	ok = ok && add(o, "io_engine",
		       json_object_new_string(io_engine_names[d->io_engine == NB_IO_SYNC]), false);
	ok = ok && add(o, "rate_limiter", nb_config_rate_limiter_to_json(rl),
		       !rl->has_bandwidth && !rl->has_ops);
	return done(o, ok);
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

		ok = f && add(f, "index", new_u64(c->vcpu_features[i].index), false) &&
		     add(f, "bitmap", bitmap(&c->vcpu_features[i].bitmap), false);
		ok = ok ? !json_object_array_add(feats, f) : (json_object_put(f), false);
	}
	for (unsigned int i = 0; ok && i < c->nr_reg_modifiers; i++) {
		struct json_object *r = json_object_new_object();

		snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)c->reg_modifiers[i].addr);
		ok = r && add(r, "addr", json_object_new_string(buf), false) &&
		     add(r, "bitmap", bitmap(&c->reg_modifiers[i].bitmap), false);
		ok = ok ? !json_object_array_add(regs, r) : (json_object_put(r), false);
	}
	if (!ok || !o) {
		json_object_put(caps);
		json_object_put(feats);
		json_object_put(regs);
		json_object_put(o);
		return NULL;
	}
	ok = add(o, "kvm_capabilities", caps, false);
	ok = add(o, "vcpu_features", feats, false) && ok;
	ok = add(o, "reg_modifiers", regs, false) && ok;
	return done(o, ok);
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
	if (o && !add(o, "output_path", json_object_new_string(c->serial_output_path), false)) {
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
	if (o && !add(o, "rate_limiter", nb_config_rate_limiter_to_json(rl),
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
	ok = ok && add(o, "iface_id", str_or_null(n->iface_id), true);
	ok = ok && add(o, "host_dev_name", str_or_null(n->host_dev_name), true);
	ok =
	    ok && add(o, "guest_mac", n->has_mac ? json_object_new_string(mac) : NULL, !n->has_mac);
	ok = ok && add(o, "rx_rate_limiter", nb_config_rate_limiter_to_json(&n->rx_rate_limiter),
		       !n->rx_rate_limiter.has_bandwidth && !n->rx_rate_limiter.has_ops);
	ok = ok && add(o, "tx_rate_limiter", nb_config_rate_limiter_to_json(&n->tx_rate_limiter),
		       !n->tx_rate_limiter.has_bandwidth && !n->tx_rate_limiter.has_ops);
	/* nestbox's own, only when set: unset, the dump is Firecracker's. */
	if (n->vhost)
		ok = ok && add(o, "vhost", json_object_new_boolean(true), false);
	return done(o, ok);
}

struct json_object *nb_config_vsock_to_json(const struct nb_vsock_config *v)
{
	struct json_object *o = json_object_new_object();
	bool ok = o;

	ok = ok && add(o, "guest_cid", new_u64(v->guest_cid), false);
	ok = ok && add(o, "uds_path", str_or_null(v->uds_path), true);
	ok = ok && add(o, "vsock_id", str_or_null(v->vsock_id), true);
	return done(o, ok);
}

struct json_object *nb_config_balloon_to_json(const struct nb_balloon_config *b)
{
	struct json_object *o = json_object_new_object();
	bool ok = o;

	ok = ok && add(o, "amount_mib", new_u64(b->amount_mib), false);
	ok = ok && add(o, "deflate_on_oom", json_object_new_boolean(b->deflate_on_oom), false);
	ok = ok && add(o, "stats_polling_interval_s", new_u64(b->stats_polling_interval_s), false);
	ok =
	    ok && add(o, "free_page_hinting", json_object_new_boolean(b->free_page_hinting), false);
	ok = ok &&
	     add(o, "free_page_reporting", json_object_new_boolean(b->free_page_reporting), false);
	return done(o, ok);
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

	ok = ok && add(o, "boot-source", c->has_boot ? nb_config_boot_to_json(&c->boot) : NULL,
		       !c->has_boot);
	ok = ok && add(o, "machine-config", nb_config_machine_to_json(&c->machine), false);
	ok = ok && add(o, "drives", drives(c), false);
	ok = ok && add(o, "serial", serial(c), !c->serial_output_path);
	ok = ok && add(o, "entropy", entropy(c), !c->has_entropy);
	ok = ok && add(o, "cpu-config", c->has_cpu_config ? nb_cpu_config_to_json(&c->cpu) : NULL,
		       !c->has_cpu_config);
	ok = ok && add(o, "network-interfaces", net_ifaces(c), false);
	ok = ok && add(o, "vsock", c->has_vsock ? nb_config_vsock_to_json(&c->vsock) : NULL,
		       !c->has_vsock);
	ok = ok && add(o, "balloon", c->has_balloon ? nb_config_balloon_to_json(&c->balloon) : NULL,
		       !c->has_balloon);
	ok = ok && add(o, "logger", c->has_logger ? nb_config_logger_to_json(&c->logger) : NULL,
		       !c->has_logger);
	ok = ok && add(o, "metrics", c->has_metrics ? nb_config_metrics_to_json(&c->metrics) : NULL,
		       !c->has_metrics);
	ok = ok && add(o, "mmds-config", c->has_mmds ? nb_config_mmds_to_json(&c->mmds) : NULL,
		       !c->has_mmds);
	return done(o, ok);
}
