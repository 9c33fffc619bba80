// SPDX-License-Identifier: Apache-2.0
/* The "balloon" section: parsing and rules. */
#include "vmm/config_balloon.h"

#include <errno.h>
#include <json-c/json.h>

#include "vmm/config.h"
#include "vmm/config_json.h"

#define S_BALLOON "balloon"
#define S_STATS "balloon/statistics"

static int require(struct json_object *o, const char *sect, const char *key, char *err,
		   size_t errlen)
{
	struct json_object *v;

	if (!nb_cj_field(o, key, &v))
		return nb_cj_fail(err, errlen, -EINVAL, "%s.%s: is required", sect, key);
	return 0;
}

static int get_u32(struct json_object *o, const char *sect, const char *key, bool required,
		   uint32_t max, uint32_t *out, char *err, size_t errlen)
{
	uint64_t v = *out;
	int ret = nb_cj_get_u64(o, sect, key, required, false, max, &v, err, errlen);

	if (!ret)
		*out = (uint32_t)v;
	return ret;
}

int nb_config_check_balloon(const struct nb_balloon_config *b, uint32_t mem_size_mib, char *err,
			    size_t errlen)
{
	if (b->stats_polling_interval_s > NB_BALLOON_MAX_STATS_INTERVAL_S)
		return nb_cj_fail(err, errlen, -EINVAL,
				  "%s.stats_polling_interval_s: must be between 0 and %u",
				  S_BALLOON, NB_BALLOON_MAX_STATS_INTERVAL_S);
	if (b->amount_mib > mem_size_mib)
		return nb_cj_fail(err, errlen, -EINVAL,
				  "%s.amount_mib: %u is more than machine-config.mem_size_mib (%u)",
				  S_BALLOON, b->amount_mib, mem_size_mib);
	return 0;
}

int nb_config_parse_balloon(struct nb_balloon_config *b, struct json_object *o, char *err,
			    size_t errlen)
{
	static const char *const known[] = {
	    "amount_mib",	 "deflate_on_oom",	"stats_polling_interval_s",
	    "free_page_hinting", "free_page_reporting", NULL};
	struct nb_balloon_config t = {0};
	int ret;

	ret = nb_cj_check_section(o, S_BALLOON, known, NULL, err, errlen);
	if (!ret)
		ret = get_u32(o, S_BALLOON, "amount_mib", true, NB_MAX_MEM_MIB, &t.amount_mib, err,
			      errlen);
	if (!ret)
		ret = require(o, S_BALLOON, "deflate_on_oom", err, errlen);
	if (!ret)
		ret =
		    nb_cj_get_bool(o, S_BALLOON, "deflate_on_oom", &t.deflate_on_oom, err, errlen);
	if (!ret)
		ret = get_u32(o, S_BALLOON, "stats_polling_interval_s", false,
			      NB_BALLOON_MAX_STATS_INTERVAL_S, &t.stats_polling_interval_s, err,
			      errlen);
	if (!ret)
		ret = nb_cj_get_bool(o, S_BALLOON, "free_page_hinting", &t.free_page_hinting, err,
				     errlen);
	if (!ret)
		ret = nb_cj_get_bool(o, S_BALLOON, "free_page_reporting", &t.free_page_reporting,
				     err, errlen);
	/* The guest's memory size is checked by nb_config_validate(). */
	if (!ret)
		ret = nb_config_check_balloon(&t, NB_MAX_MEM_MIB, err, errlen);
	if (!ret)
		*b = t;
	return ret;
}

int nb_config_parse_balloon_update(uint32_t *amount_mib, struct json_object *o, char *err,
				   size_t errlen)
{
	static const char *const known[] = {"amount_mib", NULL};
	int ret;

	ret = nb_cj_check_section(o, S_BALLOON, known, NULL, err, errlen);
	if (!ret)
		ret = get_u32(o, S_BALLOON, "amount_mib", true, NB_MAX_MEM_MIB, amount_mib, err,
			      errlen);
	return ret;
}

int nb_config_parse_balloon_stats_update(uint32_t *secs, struct json_object *o, char *err,
					 size_t errlen)
{
	static const char *const known[] = {"stats_polling_interval_s", NULL};
	int ret;

	ret = nb_cj_check_section(o, S_STATS, known, NULL, err, errlen);
	if (!ret)
		ret = get_u32(o, S_STATS, "stats_polling_interval_s", true,
			      NB_BALLOON_MAX_STATS_INTERVAL_S, secs, err, errlen);
	return ret;
}
