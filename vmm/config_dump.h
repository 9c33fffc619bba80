/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The configuration model back to JSON, in the config file's shape (the
 * REST API's GET /vm/config and GET /machine-config, and PATCH
 * /machine-config, which overlays its fields on the current section and
 * parses the result again). What these functions write, nb_config_from_json()
 * reads back to the same struct: absent sections are null (drives []),
 * absent optional fields null, a CPU template an inline object.
 *
 * Each returns a new json-c object (the caller puts it), or NULL when out of
 * memory.
 */
#ifndef NB_VMM_CONFIG_DUMP_H
#define NB_VMM_CONFIG_DUMP_H

#include "vmm/config.h"

struct json_object *nb_config_machine_to_json(const struct nb_machine_config *m);
struct json_object *nb_config_boot_to_json(const struct nb_boot_source *b);
struct json_object *nb_config_drive_to_json(const struct nb_drive *d);
struct json_object *nb_config_rate_limiter_to_json(const struct nb_rate_limiter_config *rl);
struct json_object *nb_config_net_iface_to_json(const struct nb_net_iface *n);
struct json_object *nb_config_vsock_to_json(const struct nb_vsock_config *v);
struct json_object *nb_config_balloon_to_json(const struct nb_balloon_config *b);
struct json_object *nb_cpu_config_to_json(const struct nb_cpu_config *c);

/*
 * The whole configuration, every section Firecracker's GET /vm/config
 * names ("logger", "metrics", "mmds-config" null until nestbox builds them).
 */
struct json_object *nb_config_to_json(const struct nb_vm_config *c);

#endif
