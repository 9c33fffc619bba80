/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The "vsock" section (Firecracker's, also PUT /vsock):
 *
 *   { "guest_cid": 3.., "uds_path": "PATH", "vsock_id": "ID" (optional) }
 *
 * guest_cid is the guest's context id (0..2 are reserved; a 32-bit value,
 * as Firecracker's). uds_path is the host Unix socket the device listens on
 * (Firecracker's hybrid model); guest connections to host port P go to
 * "<uds_path>_P". vsock_id is accepted and kept (Firecracker deprecated
 * it). Whether a socket file at uds_path is live (an error) or stale
 * (replaced) is checked when the device binds it.
 *
 * Errors follow config.h: one line naming the field, "vsock.guest_cid: must
 * be between 3 and 4294967295".
 */
#ifndef NB_VMM_CONFIG_VSOCK_H
#define NB_VMM_CONFIG_VSOCK_H

#include <stddef.h>
#include <stdint.h>

struct json_object;

#define NB_VSOCK_CID_MIN 3
#define NB_VSOCK_UDS_PATH_MAX 107 /* sun_path less the NUL */

struct nb_vsock_config {
	uint32_t guest_cid;
	char *uds_path; /* required */
	char *vsock_id; /* NULL: not given */
};

/*
 * Parses the section @o into @v: on success @v's old strings are freed and
 * it holds the new section; on error it is unchanged. 0 or -EINVAL/-ENOMEM.
 */
int nb_config_parse_vsock(struct nb_vsock_config *v, struct json_object *o, char *err,
			  size_t errlen);

/* The section's rules again, however it was filled. 0 or -EINVAL. */
int nb_config_check_vsock(const struct nb_vsock_config *v, char *err, size_t errlen);

/* Frees the strings and zeroes @v; safe to call twice. */
void nb_vsock_config_free(struct nb_vsock_config *v);

#endif
