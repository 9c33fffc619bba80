/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Firecracker's "network-interfaces" section: an array of
 *
 *   { "iface_id": "eth0", "host_dev_name": "tap0",
 *     "guest_mac": "aa:bb:cc:dd:ee:ff",          (optional)
 *     "rx_rate_limiter": RATE_LIMITER,           (optional, null: none)
 *     "tx_rate_limiter": RATE_LIMITER,           (optional, null: none)
 *     "vhost": true }                            (nestbox's own; optional)
 *
 * "vhost" (a boolean; null or absent: false) hands the interface's queues
 * to the host kernel's vhost-net (/dev/vhost-net) at DRIVER_OK: frames no
 * longer pass through nestbox. It cannot go with rate limiters (refused
 * here), the MMDS on that interface or track_dirty_pages (refused by
 * nb_config_check_net()); GET /vm/config shows it only when true.
 *
 * iface_id and host_dev_name are required; iface_id takes drive ids'
 * characters ([A-Za-z0-9_], 1..64), host_dev_name is a Linux interface name
 * (1..15 bytes, no '/', ':' or white space, not "." or ".."). iface_id,
 * host_dev_name and guest_mac are unique among the interfaces, and there
 * are at most NB_MAX_NET_IFACES. Errors follow config.h: "network-interfaces."
 * from the API parser, "network-interfaces[N]." from the file.
 */
#ifndef NB_VMM_CONFIG_NET_H
#define NB_VMM_CONFIG_NET_H

#include <stdbool.h>
#include <stddef.h>

#include "vmm/config.h"

#define NB_NET_SECTION "network-interfaces"
#define NB_MAX_IFNAME_LEN 15 /* IFNAMSIZ less the NUL */

/* Frees @n's strings and zeroes it; safe to call twice. */
void nb_net_iface_free(struct nb_net_iface *n);

/*
 * PUT /network-interfaces/{id}: one interface object. The target must be
 * zeroed or hold a previous result: on success its old strings are freed;
 * on error it is unchanged.
 */
int nb_config_parse_net_iface(struct nb_net_iface *n, struct json_object *o, char *err,
			      size_t errlen);

/*
 * Adds @n to @c, taking its strings (@n is zeroed) on success; on error @c
 * and @n are unchanged. An interface whose iface_id is in @c replaces it
 * when @replace (the API), else is an error. Checks @n's own rules, the
 * uniqueness of host_dev_name and guest_mac, and the count.
 */
int nb_config_add_net_iface(struct nb_vm_config *c, struct nb_net_iface *n, bool replace, char *err,
			    size_t errlen);

/* The config file's array (@a is not NULL: null is the caller's "unused"). */
int nb_config_parse_net_ifaces(struct nb_vm_config *c, struct json_object *a, char *err,
			       size_t errlen);

/* nb_config_validate()'s part: every interface's rules and uniqueness again. */
int nb_config_check_net(const struct nb_vm_config *c, char *err, size_t errlen);

/* "aa:bb:cc:dd:ee:ff" (hex digits of either case) into @mac; 0 or -EINVAL. */
int nb_parse_mac(const char *s, uint8_t mac[6]);

#endif
