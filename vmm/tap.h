/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Opens an existing tap by name for a virtio-net device: /dev/net/tun with
 * IFF_TAP | IFF_NO_PI | IFF_VNET_HDR (TUNSETIFF), non-blocking, close on
 * exec. Unlike TUNSETIFF alone it never creates a tap: a name that is not an
 * interface is refused, so a typo is an error and not a new, unconfigured
 * tap. The device sets the vnet header size and offloads at activation.
 */
#ifndef NB_VMM_TAP_H
#define NB_VMM_TAP_H

#include <stddef.h>

/*
 * The tap's fd, or -errno with one line in @err that starts with @what
 * (e.g. "network-interfaces[0].host_dev_name") and names the tap:
 * "network-interfaces[0].host_dev_name tap0: no such interface (create it
 * first: ip tuntap add tap0 mode tap)". @tun_path is /dev/net/tun, or a
 * test's path.
 */
int nb_tap_open(const char *name, const char *tun_path, const char *what, char *err, size_t errlen);

#endif
