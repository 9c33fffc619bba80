// SPDX-License-Identifier: Apache-2.0
/* The "vsock" section of the VM configuration. */
#include "vmm/config_vsock.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/config_json.h"

#define S_VSOCK "vsock"

int nb_config_check_vsock(const struct nb_vsock_config *v, char *err, size_t errlen)
{
	if (v->guest_cid < NB_VSOCK_CID_MIN)
		return nb_cj_fail(err, errlen, -EINVAL, "%s.guest_cid: must be between %d and %u",
				  S_VSOCK, NB_VSOCK_CID_MIN, UINT32_MAX);
	if (!v->uds_path)
		return nb_cj_fail(err, errlen, -EINVAL, "%s.uds_path: is required", S_VSOCK);
	if (!*v->uds_path)
		return nb_cj_fail(err, errlen, -EINVAL, "%s.uds_path: must not be empty", S_VSOCK);
	if (strlen(v->uds_path) > NB_VSOCK_UDS_PATH_MAX)
		return nb_cj_fail(err, errlen, -EINVAL,
				  "%s.uds_path: must be at most %d bytes (a Unix socket path)",
				  S_VSOCK, NB_VSOCK_UDS_PATH_MAX);
	return 0;
}

static int dup_str(const char *s, char **out, const char *key, char *err, size_t errlen)
{
	if (!s)
		return 0;
	*out = strdup(s);
	if (!*out)
		return nb_cj_fail(err, errlen, -ENOMEM, "%s.%s: out of memory", S_VSOCK, key);
	return 0;
}

int nb_config_parse_vsock(struct nb_vsock_config *v, struct json_object *o, char *err,
			  size_t errlen)
{
	static const char *const known[] = {"guest_cid", "uds_path", "vsock_id", NULL};
	struct nb_vsock_config t = {0};
	const char *path = NULL, *id = NULL;
	int ret;

	ret = nb_cj_check_section(o, S_VSOCK, known, NULL, err, errlen);
	if (!ret)
		ret = nb_cj_get_u32(o, S_VSOCK, "guest_cid", NB_VSOCK_CID_MIN, UINT32_MAX,
				    &t.guest_cid, err, errlen);
	if (!ret)
		ret = nb_cj_get_cstr(o, S_VSOCK, "uds_path", true, &path, err, errlen);
	if (!ret)
		ret = nb_cj_get_cstr(o, S_VSOCK, "vsock_id", false, &id, err, errlen);
	if (!ret)
		ret = dup_str(path, &t.uds_path, "uds_path", err, errlen);
	if (!ret)
		ret = dup_str(id, &t.vsock_id, "vsock_id", err, errlen);
	if (!ret)
		ret = nb_config_check_vsock(&t, err, errlen);
	if (ret) {
		nb_vsock_config_free(&t);
		return ret;
	}
	nb_vsock_config_free(v);
	*v = t;
	return 0;
}

void nb_vsock_config_free(struct nb_vsock_config *v)
{
	free(v->uds_path);
	free(v->vsock_id);
	memset(v, 0, sizeof(*v));
}
