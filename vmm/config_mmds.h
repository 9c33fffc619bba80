/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The "mmds-config" section (Firecracker's, also PUT /mmds/config):
 *
 *   { "version": "V1" | "V2" (default V1),
 *     "network_interfaces": [ "IFACE_ID", ... ]   (required, not empty),
 *     "ipv4_address": "169.254.x.y" (default 169.254.169.254, link-local),
 *     "imds_compat": false }   (true: always answer in IMDS format)
 *
 * The interfaces must exist (network-interfaces) when the section is set
 * and when the configuration is validated: nb_config_check_mmds(). Their
 * virtio-net devices answer the guest's ARP and HTTP to the address from
 * the MMDS data store (api/mmds_store.h, devices/mmds_stack.h).
 */
#ifndef NB_VMM_CONFIG_MMDS_H
#define NB_VMM_CONFIG_MMDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct json_object;
struct nb_vm_config;

#define NB_MMDS_SECTION "mmds-config"
#define NB_MMDS_MAX_IFACES 8 /* NB_MAX_NET_IFACES */

struct nb_mmds_config {
	bool v2; /* "V2", else "V1" */
	bool imds_compat;
	uint32_t ipv4; /* host byte order */
	char *ifaces[NB_MMDS_MAX_IFACES];
	unsigned int nr_ifaces;
};

/*
 * Parses the section @o into @m: on success @m's old strings are freed and
 * it holds the new section; on error it is unchanged. The interfaces'
 * existence is not checked here. 0 or -EINVAL/-ENOMEM.
 */
int nb_config_parse_mmds(struct nb_mmds_config *m, struct json_object *o, char *err, size_t errlen);

/* @c's mmds-config (if set): its own rules, and every interface exists. 0 or -EINVAL. */
int nb_config_check_mmds(const struct nb_vm_config *c, char *err, size_t errlen);

/* Whether @m lists @iface_id. */
bool nb_mmds_config_has_iface(const struct nb_mmds_config *m, const char *iface_id);

struct json_object *nb_config_mmds_to_json(const struct nb_mmds_config *m);

void nb_mmds_config_free(struct nb_mmds_config *m);

#endif
