// SPDX-License-Identifier: Apache-2.0
/*
 * GET /vm/config fed back: what nb_config_to_json() writes, nb_config_from_json()
 * reads to a configuration that dumps the same again (dump -> parse -> dump),
 * for an empty configuration and for one with every section.
 */
#include <check.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/check_run.h"
#include "vmm/config.h"
#include "vmm/config_dump.h"

static char *dump(const struct nb_vm_config *c)
{
	struct json_object *o = nb_config_to_json(c);
	char *s;

	ck_assert_ptr_nonnull(o);
	s = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							 JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	ck_assert_ptr_nonnull(s);
	return s;
}

/* @c dumped, parsed again and dumped: the same text; returns it (the caller frees). */
static char *round_trip(const struct nb_vm_config *c)
{
	struct nb_vm_config again;
	char err[512] = "", *first = dump(c), *second;

	nb_config_init(&again);
	ck_assert_msg(!nb_config_from_json(&again, first, err, sizeof(err)), "%s\n%s", err, first);
	second = dump(&again);
	ck_assert_str_eq(second, first);
	nb_config_free(&again);
	free(second);
	return first;
}

START_TEST(empty)
{
	struct nb_vm_config c;
	char *s;

	nb_config_init(&c);
	s = round_trip(&c);
	ck_assert_msg(strstr(s, "\"boot-source\":null"), "%s", s);
	free(s);
	nb_config_free(&c);
}
END_TEST

#define FULL                                                                                       \
	"{\"boot-source\": {\"kernel_image_path\": \"/k\", \"initrd_path\": \"/i\", "              \
	"\"boot_args\": \"console=ttyS0\"},"                                                       \
	"\"machine-config\": {\"vcpu_count\": 2, \"mem_size_mib\": 256, \"nested\": true},"        \
	"\"drives\": [{\"drive_id\": \"root\", \"path_on_host\": \"/r.img\", "                     \
	"\"is_root_device\": true, \"is_read_only\": true, \"rate_limiter\": {\"bandwidth\": "     \
	"{\"size\": 1000, \"one_time_burst\": 5, \"refill_time\": 100}}}, "                        \
	"{\"drive_id\": \"data\", \"path_on_host\": \"/d.img\", \"is_root_device\": false, "       \
	"\"is_read_only\": false, \"cache_type\": \"Writeback\", \"io_engine\": \"Sync\"}],"       \
	"\"serial\": {\"output_path\": \"/s.log\"},"                                               \
	"\"entropy\": {\"rate_limiter\": {\"ops\": {\"size\": 10, \"refill_time\": 1000}}},"       \
	"\"cpu-config\": {\"kvm_capabilities\": [\"!172\"], \"vcpu_features\": [{\"index\": 0, "   \
	"\"bitmap\": \"0b1\"}], \"reg_modifiers\": [{\"addr\": \"0x603000000013c020\", "           \
	"\"bitmap\": \"0b1x\"}]},"                                                                 \
	"\"network-interfaces\": [{\"iface_id\": \"eth0\", \"host_dev_name\": \"tap0\", "          \
	"\"guest_mac\": \"06:00:ac:10:00:02\", \"tx_rate_limiter\": {\"ops\": {\"size\": 1, "      \
	"\"refill_time\": 2}}}],"                                                                  \
	"\"vsock\": {\"guest_cid\": 3, \"uds_path\": \"/v.sock\"},"                                \
	"\"balloon\": {\"amount_mib\": 16, \"deflate_on_oom\": true, "                             \
	"\"stats_polling_interval_s\": 1, \"free_page_reporting\": true}}"

START_TEST(full)
{
	struct nb_vm_config c;
	char err[512] = "", *s;

	nb_config_init(&c);
	ck_assert_msg(!nb_config_from_json(&c, FULL, err, sizeof(err)), "%s", err);
	s = round_trip(&c);
	/* Every section made it (a dropped one would round-trip too). */
	ck_assert_msg(strstr(s, "\"boot-source\":{\"kernel_image_path\":\"/k\""), "%s", s);
	ck_assert(strstr(s, "\"is_root_device\":true"));
	ck_assert(strstr(s, "\"output_path\":\"/s.log\""));
	ck_assert(strstr(s, "\"entropy\":{\"rate_limiter\""));
	ck_assert(strstr(s, "\"0x603000000013c020\""));
	ck_assert(strstr(s, "\"iface_id\":\"eth0\""));
	ck_assert(strstr(s, "\"guest_cid\":3"));
	ck_assert(strstr(s, "\"free_page_reporting\":true"));
	free(s);
	nb_config_free(&c);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("config_roundtrip");
	TCase *tc = tcase_create("dump");

	tcase_add_test(tc, empty);
	tcase_add_test(tc, full);
	suite_add_tcase(s, tc);
	return nb_check_run(s);
}
