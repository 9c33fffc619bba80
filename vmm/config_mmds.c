// SPDX-License-Identifier: Apache-2.0
/* The "mmds-config" section of the VM configuration. */
#include "vmm/config_mmds.h"

#include <arpa/inet.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/config.h"
#include "vmm/config_json.h"

#define S NB_MMDS_SECTION
#define DEFAULT_IPV4 0xa9fea9feu /* 169.254.169.254 */

static bool link_local(uint32_t ip)
{
	return (ip >> 16) == 0xa9fe;
}

static int parse_ifaces(struct nb_mmds_config *t, struct json_object *a, char *err, size_t errlen)
{
	char buf[NB_CJ_QUOTE_LEN];
	size_t n;

	if (!json_object_is_type(a, json_type_array))
		return nb_cj_type_error(S, "network_interfaces", "an array of interface ids", a,
					err, errlen);
	n = json_object_array_length(a);
	if (!n)
		return nb_cj_fail(err, errlen, -EINVAL,
				  "%s.network_interfaces: the list of network interface IDs that "
				  "allow forwarding MMDS requests is empty",
				  S);
	if (n > NB_MMDS_MAX_IFACES)
		return nb_cj_fail(err, errlen, -EINVAL,
				  "%s.network_interfaces: at most %d entries are supported", S,
				  NB_MMDS_MAX_IFACES);
	for (size_t i = 0; i < n; i++) {
		struct json_object *v = json_object_array_get_idx(a, i);
		const char *s = json_object_get_string(v);

		if (!json_object_is_type(v, json_type_string) || !*s ||
		    strlen(s) != (size_t)json_object_get_string_len(v))
			return nb_cj_fail(err, errlen, -EINVAL,
					  "%s.network_interfaces[%zu]: must be an interface id, "
					  "not %s",
					  S, i, nb_cj_describe(buf, sizeof(buf), v));
		t->ifaces[i] = strdup(s);
		if (!t->ifaces[i])
			return nb_cj_fail(err, errlen, -ENOMEM, "%s: out of memory", S);
		t->nr_ifaces++;
	}
	return 0;
}

int nb_config_parse_mmds(struct nb_mmds_config *m, struct json_object *o, char *err, size_t errlen)
{
	static const char *const known[] = {"version", "network_interfaces", "ipv4_address",
					    "imds_compat", NULL};
	struct nb_mmds_config t = {.ipv4 = DEFAULT_IPV4};
	struct json_object *v;
	char buf[NB_CJ_QUOTE_LEN];
	const char *s = NULL;
	struct in_addr a;
	int ret;

	ret = nb_cj_check_section(o, S, known, NULL, err, errlen);
	if (!ret)
		ret = nb_cj_get_cstr(o, S, "version", false, &s, err, errlen);
	if (!ret && s) {
		if (!strcmp(s, "V2"))
			t.v2 = true;
		else if (strcmp(s, "V1"))
			ret = nb_cj_fail(err, errlen, -EINVAL,
					 "%s.version: must be \"V1\" or \"V2\", not \"%s\"", S,
					 nb_cj_printable(buf, sizeof(buf), s));
	}
	if (!ret && !nb_cj_field(o, "network_interfaces", &v))
		ret = nb_cj_fail(err, errlen, -EINVAL, "%s.network_interfaces: is required", S);
	if (!ret)
		ret = parse_ifaces(&t, v, err, errlen);
	s = NULL;
	if (!ret)
		ret = nb_cj_get_cstr(o, S, "ipv4_address", false, &s, err, errlen);
	if (!ret && s) {
		if (inet_pton(AF_INET, s, &a) != 1)
			ret = nb_cj_fail(err, errlen, -EINVAL,
					 "%s.ipv4_address: \"%s\" is not an IPv4 address", S,
					 nb_cj_printable(buf, sizeof(buf), s));
		else
			t.ipv4 = ntohl(a.s_addr);
	}
	if (!ret && !link_local(t.ipv4))
		ret = nb_cj_fail(err, errlen, -EINVAL,
				 "%s.ipv4_address: the MMDS IPv4 address is not link local "
				 "(169.254.0.0/16)",
				 S);
	if (!ret)
		ret = nb_cj_get_bool(o, S, "imds_compat", &t.imds_compat, err, errlen);
	if (ret) {
		nb_mmds_config_free(&t);
		return ret;
	}
	nb_mmds_config_free(m);
	*m = t;
	return 0;
}

bool nb_mmds_config_has_iface(const struct nb_mmds_config *m, const char *iface_id)
{
	for (unsigned int i = 0; i < m->nr_ifaces; i++)
		if (!strcmp(m->ifaces[i], iface_id))
			return true;
	return false;
}

int nb_config_check_mmds(const struct nb_vm_config *c, char *err, size_t errlen)
{
	char buf[NB_CJ_QUOTE_LEN];

	if (!c->has_mmds)
		return 0;
	if (!c->mmds.nr_ifaces)
		return nb_cj_fail(err, errlen, -EINVAL,
				  "%s.network_interfaces: the list of network interface IDs that "
				  "allow forwarding MMDS requests is empty",
				  S);
	if (!link_local(c->mmds.ipv4))
		return nb_cj_fail(err, errlen, -EINVAL,
				  "%s.ipv4_address: the MMDS IPv4 address is not link local", S);
	for (unsigned int i = 0; i < c->mmds.nr_ifaces; i++) {
		bool found = false;

		for (unsigned int k = 0; k < c->nr_net_ifaces && !found; k++)
			found = !strcmp(c->net_ifaces[k].iface_id, c->mmds.ifaces[i]);
		if (!found)
			return nb_cj_fail(err, errlen, -EINVAL,
					  "%s.network_interfaces[%u]: \"%s\" does not correspond "
					  "to any existing network interface",
					  S, i,
					  nb_cj_printable(buf, sizeof(buf), c->mmds.ifaces[i]));
	}
	return 0;
}

struct json_object *nb_config_mmds_to_json(const struct nb_mmds_config *m)
{
	struct json_object *o = json_object_new_object(), *a = json_object_new_array();
	char ip[INET_ADDRSTRLEN];
	struct in_addr in = {.s_addr = htonl(m->ipv4)};
	bool ok = o && a;

	for (unsigned int i = 0; ok && i < m->nr_ifaces; i++)
		ok = !json_object_array_add(a, json_object_new_string(m->ifaces[i]));
	inet_ntop(AF_INET, &in, ip, sizeof(ip));
	ok = ok &&
	     !json_object_object_add(o, "version", json_object_new_string(m->v2 ? "V2" : "V1"));
	ok = ok && !json_object_object_add(o, "network_interfaces", a);
	if (!ok) {
		json_object_put(a);
		json_object_put(o);
		return NULL;
	}
	ok = !json_object_object_add(o, "ipv4_address", json_object_new_string(ip));
	ok = ok &&
	     !json_object_object_add(o, "imds_compat", json_object_new_boolean(m->imds_compat));
	if (!ok) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

void nb_mmds_config_free(struct nb_mmds_config *m)
{
	for (unsigned int i = 0; i < m->nr_ifaces; i++)
		free(m->ifaces[i]);
	memset(m, 0, sizeof(*m));
}
