// SPDX-License-Identifier: Apache-2.0
/* "network-interfaces": parsing and every rule of an interface. */
#include "vmm/config_net.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/config_json.h"
#include "vmm/config_mmds.h"

#define S_NET NB_NET_SECTION
#define PREFIX_LEN 40 /* "network-interfaces[7]" */
#define PATH_LEN 80   /* "network-interfaces[7].rx_rate_limiter.bandwidth" */

void nb_net_iface_free(struct nb_net_iface *n)
{
	free(n->iface_id);
	free(n->host_dev_name);
	memset(n, 0, sizeof(*n));
}

static int hex(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

int nb_parse_mac(const char *s, uint8_t mac[6])
{
	uint8_t t[6];

	if (strlen(s) != 17)
		return -EINVAL;
	for (int i = 0; i < 6; i++) {
		int hi = hex(s[3 * i]), lo = hex(s[3 * i + 1]);

		if (hi < 0 || lo < 0 || (i < 5 && s[3 * i + 2] != ':'))
			return -EINVAL;
		t[i] = (uint8_t)(hi << 4 | lo);
	}
	memcpy(mac, t, 6);
	return 0;
}

static bool is_id(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > NB_MAX_DRIVE_ID_LEN)
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '_'))
			return false;
	}
	return true;
}

/* What Linux takes as an interface name (dev_valid_name()). */
static bool is_ifname(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > NB_MAX_IFNAME_LEN || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] == '/' || s[i] == ':' || (unsigned char)s[i] <= ' ' || s[i] == 0x7f)
			return false;
	return true;
}

/* One interface's own rules; @p is "network-interfaces" or "network-interfaces[N]". */
static int check_iface(const struct nb_net_iface *n, const char *p, char *err, size_t errlen)
{
	char rl[PATH_LEN];
	int ret;

	if (!n->iface_id)
		return nb_cj_fail(err, errlen, -EINVAL, "%s.iface_id: is required", p);
	if (!is_id(n->iface_id))
		return nb_cj_fail(err, errlen, -EINVAL,
				  "%s.iface_id: must be 1 to %d letters, digits or underscores", p,
				  NB_MAX_DRIVE_ID_LEN);
	if (!n->host_dev_name)
		return nb_cj_fail(err, errlen, -EINVAL, "%s.host_dev_name: is required", p);
	if (!is_ifname(n->host_dev_name))
		return nb_cj_fail(err, errlen, -EINVAL,
				  "%s.host_dev_name: must be an interface name of 1 to %d bytes "
				  "without '/', ':' or white space",
				  p, NB_MAX_IFNAME_LEN);
	snprintf(rl, sizeof(rl), "%s.rx_rate_limiter", p);
	ret = nb_config_check_rate_limiter(&n->rx_rate_limiter, rl, err, errlen);
	if (ret)
		return ret;
	snprintf(rl, sizeof(rl), "%s.tx_rate_limiter", p);
	ret = nb_config_check_rate_limiter(&n->tx_rate_limiter, rl, err, errlen);
	if (ret)
		return ret;
	/* vhost-net moves the frames in the kernel: nestbox never sees them. */
	if (n->vhost && (n->rx_rate_limiter.has_bandwidth || n->rx_rate_limiter.has_ops ||
			 n->tx_rate_limiter.has_bandwidth || n->tx_rate_limiter.has_ops))
		return nb_cj_fail(
		    err, errlen, -EINVAL,
		    "%s.vhost: rate limiters cannot work with vhost (the kernel moves "
		    "the frames): drop rx_rate_limiter and tx_rate_limiter, or vhost",
		    p);
	return 0;
}

static int get_str(struct json_object *o, const char *p, const char *key, bool required, char **out,
		   char *err, size_t errlen)
{
	const char *s = NULL;
	int ret = nb_cj_get_cstr(o, p, key, required, &s, err, errlen);

	if (ret || !s)
		return ret;
	*out = strdup(s);
	return *out ? 0 : nb_cj_fail(err, errlen, -ENOMEM, "%s.%s: out of memory", p, key);
}

static int parse_iface(struct nb_net_iface *n, struct json_object *o, const char *p, char *err,
		       size_t errlen)
{
	static const char *const known[] = {
	    "iface_id",	       "host_dev_name", "guest_mac", "rx_rate_limiter",
	    "tx_rate_limiter", "vhost",		NULL};
	struct nb_net_iface t = {0};
	char path[PATH_LEN], buf[NB_CJ_QUOTE_LEN];
	const char *mac = NULL;
	struct json_object *v;
	int ret;

	ret = nb_cj_check_section(o, p, known, NULL, err, errlen);
	if (!ret)
		ret = get_str(o, p, "iface_id", true, &t.iface_id, err, errlen);
	if (!ret)
		ret = get_str(o, p, "host_dev_name", true, &t.host_dev_name, err, errlen);
	if (!ret)
		ret = nb_cj_get_cstr(o, p, "guest_mac", false, &mac, err, errlen);
	if (!ret && mac) {
		t.has_mac = true;
		if (nb_parse_mac(mac, t.guest_mac))
			ret = nb_cj_fail(err, errlen, -EINVAL,
					 "%s.guest_mac: \"%s\" is not a MAC address like "
					 "\"06:00:ac:10:00:02\"",
					 p, nb_cj_printable(buf, sizeof(buf), mac));
	}
	if (!ret && nb_cj_field(o, "rx_rate_limiter", &v)) {
		snprintf(path, sizeof(path), "%s.rx_rate_limiter", p);
		ret = nb_config_parse_rate_limiter(&t.rx_rate_limiter, v, path, err, errlen);
	}
	if (!ret && nb_cj_field(o, "tx_rate_limiter", &v)) {
		snprintf(path, sizeof(path), "%s.tx_rate_limiter", p);
		ret = nb_config_parse_rate_limiter(&t.tx_rate_limiter, v, path, err, errlen);
	}
	if (!ret && nb_cj_field(o, "vhost", &v) && v)
		ret = nb_cj_get_bool(o, p, "vhost", &t.vhost, err, errlen);
	if (!ret)
		ret = check_iface(&t, p, err, errlen);
	if (ret) {
		nb_net_iface_free(&t);
		return ret;
	}
	nb_net_iface_free(n);
	*n = t;
	return 0;
}

int nb_config_parse_net_iface(struct nb_net_iface *n, struct json_object *o, char *err,
			      size_t errlen)
{
	return parse_iface(n, o, S_NET, err, errlen);
}

static void mac_str(char *buf, size_t n, const uint8_t *m)
{
	snprintf(buf, n, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

/* @n (at @p) against the interface @o at index @j. */
static int check_pair(const struct nb_net_iface *n, const char *p, const struct nb_net_iface *o,
		      unsigned int j, char *err, size_t errlen)
{
	char mac[18];

	if (!strcmp(n->iface_id, o->iface_id))
		return nb_cj_fail(err, errlen, -EINVAL,
				  "%s.iface_id: \"%s\" is already used by %s[%u]", p, n->iface_id,
				  S_NET, j);
	if (!strcmp(n->host_dev_name, o->host_dev_name))
		return nb_cj_fail(err, errlen, -EINVAL,
				  "%s.host_dev_name: \"%s\" is already used by %s[%u]", p,
				  n->host_dev_name, S_NET, j);
	if (n->has_mac && o->has_mac && !memcmp(n->guest_mac, o->guest_mac, 6)) {
		mac_str(mac, sizeof(mac), n->guest_mac);
		return nb_cj_fail(err, errlen, -EINVAL,
				  "%s.guest_mac: %s is already used by %s[%u]", p, mac, S_NET, j);
	}
	return 0;
}

int nb_config_add_net_iface(struct nb_vm_config *c, struct nb_net_iface *n, bool replace, char *err,
			    size_t errlen)
{
	unsigned int i, found = c->nr_net_ifaces, slot;
	char p[PREFIX_LEN];
	int ret;

	if (c->nr_net_ifaces > NB_MAX_NET_IFACES)
		return nb_cj_fail(err, errlen, -EINVAL, "%s: at most %d interfaces are supported",
				  S_NET, NB_MAX_NET_IFACES);
	for (i = 0; n->iface_id && i < c->nr_net_ifaces; i++) {
		if (c->net_ifaces[i].iface_id && !strcmp(c->net_ifaces[i].iface_id, n->iface_id)) {
			found = i;
			break;
		}
	}
	slot = replace ? found : c->nr_net_ifaces;
	snprintf(p, sizeof(p), "%s[%u]", S_NET, slot);
	ret = check_iface(n, p, err, errlen);
	if (ret)
		return ret;
	if (slot >= NB_MAX_NET_IFACES)
		return nb_cj_fail(err, errlen, -EINVAL, "%s: at most %d interfaces are supported",
				  S_NET, NB_MAX_NET_IFACES);
	for (i = 0; i < c->nr_net_ifaces; i++) {
		if (i == slot)
			continue;
		ret = check_pair(n, p, &c->net_ifaces[i], i, err, errlen);
		if (ret)
			return ret;
	}
	nb_net_iface_free(&c->net_ifaces[slot]);
	c->net_ifaces[slot] = *n;
	memset(n, 0, sizeof(*n));
	if (slot == c->nr_net_ifaces)
		c->nr_net_ifaces++;
	return 0;
}

int nb_config_parse_net_ifaces(struct nb_vm_config *c, struct json_object *a, char *err,
			       size_t errlen)
{
	char buf[NB_CJ_QUOTE_LEN], p[PREFIX_LEN];
	struct nb_net_iface n = {0};
	size_t i, len;
	int ret;

	if (!json_object_is_type(a, json_type_array))
		return nb_cj_fail(err, errlen, -EINVAL, "%s: must be an array, not %s", S_NET,
				  nb_cj_describe(buf, sizeof(buf), a));
	len = json_object_array_length(a);
	if (len > NB_MAX_NET_IFACES)
		return nb_cj_fail(err, errlen, -EINVAL, "%s: at most %d interfaces are supported",
				  S_NET, NB_MAX_NET_IFACES);
	for (i = 0; i < len; i++) {
		snprintf(p, sizeof(p), "%s[%zu]", S_NET, i);
		ret = parse_iface(&n, json_object_array_get_idx(a, i), p, err, errlen);
		if (!ret)
			ret = nb_config_add_net_iface(c, &n, false, err, errlen);
		nb_net_iface_free(&n);
		if (ret)
			return ret;
	}
	return 0;
}

/* What a vhost interface cannot have: the MMDS, dirty page tracking. */
static int check_vhost(const struct nb_vm_config *c, const struct nb_net_iface *n, const char *p,
		       char *err, size_t errlen)
{
	if (!n->vhost)
		return 0;
	if (c->has_mmds && nb_mmds_config_has_iface(&c->mmds, n->iface_id))
		return nb_cj_fail(err, errlen, -EINVAL,
				  "%s.vhost: the MMDS cannot answer on a vhost interface (the "
				  "kernel moves its frames): take \"%s\" out of "
				  "mmds-config.network_interfaces, or drop vhost",
				  p, n->iface_id);
	if (c->machine.track_dirty_pages)
		return nb_cj_fail(err, errlen, -EINVAL,
				  "%s.vhost: machine-config.track_dirty_pages cannot see what "
				  "vhost-net writes into guest memory: drop one of them",
				  p);
	return 0;
}

int nb_config_check_net(const struct nb_vm_config *c, char *err, size_t errlen)
{
	char p[PREFIX_LEN];
	int ret;

	if (c->nr_net_ifaces > NB_MAX_NET_IFACES)
		return nb_cj_fail(err, errlen, -EINVAL, "%s: at most %d interfaces are supported",
				  S_NET, NB_MAX_NET_IFACES);
	for (unsigned int i = 0; i < c->nr_net_ifaces; i++) {
		const struct nb_net_iface *n = &c->net_ifaces[i];

		snprintf(p, sizeof(p), "%s[%u]", S_NET, i);
		ret = check_iface(n, p, err, errlen);
		if (!ret)
			ret = check_vhost(c, n, p, err, errlen);
		for (unsigned int j = 0; !ret && j < i; j++)
			ret = check_pair(&c->net_ifaces[i], p, &c->net_ifaces[j], j, err, errlen);
		if (ret)
			return ret;
	}
	return 0;
}
