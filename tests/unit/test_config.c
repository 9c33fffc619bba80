// SPDX-License-Identifier: Apache-2.0
#include <check.h>
#include <errno.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmm/config.h"
#include "tests/unit/check_run.h"

#define BOOT "\"boot-source\": {\"kernel_image_path\": \"/k\"}"
#define MACHINE(fields)                                                                            \
	"{\"machine-config\": {\"vcpu_count\": 2, \"mem_size_mib\": 256, " fields "}}"
#define DRIVE(fields) "{\"drive_id\": \"d\", \"path_on_host\": \"/d.img\", " fields "}"
#define DRIVE0 "{\"drive_id\": \"d\", \"path_on_host\": \"/d.img\"}"

static const char *data_path(char *buf, size_t n, const char *name)
{
	const char *dir = getenv("NB_TEST_DATA");

	ck_assert_ptr_nonnull(dir);
	snprintf(buf, n, "%s/config/%s", dir, name);
	return buf;
}

/* Parses @json, expects -EINVAL and an error starting with @prefix. */
static void expect_error(const char *json, const char *prefix)
{
	struct nb_vm_config c;
	char err[512];
	int ret;

	nb_config_init(&c);
	memset(err, 0, sizeof(err));
	ret = nb_config_from_json(&c, json, err, sizeof(err));
	ck_assert_msg(ret == -EINVAL, "%s: returned %d, '%s'", json, ret, err);
	ck_assert_msg(!strncmp(err, prefix, strlen(prefix)), "error '%s', expected '%s...'", err,
		      prefix);
	ck_assert_msg(!strchr(err, '\n'), "error '%s' is not one line", err);
	/* On error the config is left as it was. */
	ck_assert(!c.has_boot && !c.has_machine && !c.nr_drives && !c.serial_output_path);
	ck_assert(!c.has_cpu_config && nb_cpu_config_empty(&c.cpu));
	ck_assert(!c.has_entropy && !c.entropy.rate_limiter.has_bandwidth);
	ck_assert_ptr_null(c.boot.kernel_image_path);
	nb_config_free(&c);
}

static void expect_ok(const char *json, struct nb_vm_config *c)
{
	char err[512] = "";

	nb_config_init(c);
	ck_assert_msg(!nb_config_from_json(c, json, err, sizeof(err)), "%s: %s", json, err);
}

static void expect_valid(const char *json)
{
	struct nb_vm_config c;

	expect_ok(json, &c);
	nb_config_free(&c);
}

/* Validates @c, expects -EINVAL and an error starting with @prefix. */
static void expect_invalid(const struct nb_vm_config *c, const char *prefix)
{
	char err[512] = "";

	ck_assert_int_eq(nb_config_validate(c, err, sizeof(err)), -EINVAL);
	ck_assert_msg(!strncmp(err, prefix, strlen(prefix)), "error '%s', expected '%s...'", err,
		      prefix);
}

START_TEST(test_full_file)
{
	struct nb_vm_config c;
	char path[PATH_MAX], err[256] = "";
	const struct nb_drive *d;

	nb_config_init(&c);
	ck_assert_int_eq(
	    nb_config_from_file(&c, data_path(path, sizeof(path), "full.json"), err, sizeof(err)),
	    0);
	ck_assert_int_eq(nb_config_validate(&c, err, sizeof(err)), 0);
	ck_assert(c.has_boot && c.has_machine);
	ck_assert_str_eq(c.boot.kernel_image_path, "/var/lib/nestbox/vmlinux");
	ck_assert_str_eq(c.boot.initrd_path, "/var/lib/nestbox/initrd.img");
	ck_assert_str_eq(c.boot.boot_args, "console=ttyS0 reboot=k panic=1");
	ck_assert_uint_eq(c.machine.vcpu_count, 4);
	ck_assert_uint_eq(c.machine.mem_size_mib, 1024);
	ck_assert(!c.machine.smt && c.machine.track_dirty_pages);
	ck_assert_int_eq(c.machine.huge_pages, NB_HUGE_PAGES_2M);
	ck_assert(c.machine.nested && c.machine.el2_e2h0);
	ck_assert_uint_eq(c.nr_drives, 2);
	d = &c.drives[0];
	ck_assert_str_eq(d->drive_id, "rootfs");
	ck_assert_str_eq(d->path_on_host, "/var/lib/nestbox/rootfs.ext4");
	ck_assert_str_eq(d->partuuid, "0eaa91a0-01");
	ck_assert(d->is_root_device && !d->is_read_only);
	ck_assert_int_eq(d->cache_type, NB_CACHE_WRITEBACK);
	ck_assert_int_eq(d->io_engine, NB_IO_SYNC);
	ck_assert(d->rate_limiter.has_bandwidth && d->rate_limiter.has_ops);
	ck_assert_uint_eq(d->rate_limiter.bandwidth.size, 52428800);
	ck_assert_uint_eq(d->rate_limiter.bandwidth.one_time_burst, 104857600);
	ck_assert_uint_eq(d->rate_limiter.bandwidth.refill_time_ms, 1000);
	ck_assert_uint_eq(d->rate_limiter.ops.size, 1000);
	ck_assert_uint_eq(d->rate_limiter.ops.one_time_burst, 0);
	ck_assert_uint_eq(d->rate_limiter.ops.refill_time_ms, 100);
	d = &c.drives[1];
	ck_assert_str_eq(d->drive_id, "scratch_1");
	ck_assert_ptr_null(d->partuuid);
	ck_assert(!d->is_root_device && d->is_read_only);
	ck_assert_int_eq(d->cache_type, NB_CACHE_UNSAFE);
	ck_assert_int_eq(d->io_engine, NB_IO_ASYNC); /* nestbox's default */
	ck_assert(!d->rate_limiter.has_bandwidth && !d->rate_limiter.has_ops);
	ck_assert_str_eq(c.serial_output_path, "/tmp/nestbox-serial.log");
	ck_assert(c.has_entropy);
	ck_assert(!c.entropy.rate_limiter.has_bandwidth && c.entropy.rate_limiter.has_ops);
	ck_assert_uint_eq(c.entropy.rate_limiter.ops.size, 10);
	ck_assert_uint_eq(c.entropy.rate_limiter.ops.refill_time_ms, 1000);
	nb_config_free(&c);
	nb_config_free(&c);
	ck_assert_ptr_null(c.boot.kernel_image_path);
	ck_assert_uint_eq(c.nr_drives, 0);
}
END_TEST

START_TEST(test_minimal_file_gets_defaults)
{
	struct nb_vm_config c;
	char path[PATH_MAX], err[256] = "";

	nb_config_init(&c);
	ck_assert_int_eq(nb_config_from_file(&c, data_path(path, sizeof(path), "minimal.json"), err,
					     sizeof(err)),
			 0);
	ck_assert_int_eq(nb_config_validate(&c, err, sizeof(err)), 0);
	ck_assert(c.has_boot && !c.has_machine);
	ck_assert_str_eq(c.boot.kernel_image_path, "/boot/Image");
	ck_assert_ptr_null(c.boot.initrd_path);
	ck_assert_ptr_null(c.boot.boot_args);
	ck_assert_uint_eq(c.machine.vcpu_count, NB_DEFAULT_VCPUS);
	ck_assert_uint_eq(c.machine.mem_size_mib, NB_DEFAULT_MEM_MIB);
	ck_assert(!c.machine.nested && !c.machine.smt && !c.machine.el2_e2h0);
	ck_assert(!c.machine.hide_nv2);
	ck_assert_int_eq(c.machine.huge_pages, NB_HUGE_PAGES_NONE);
	ck_assert_uint_eq(c.nr_drives, 0);
	ck_assert_ptr_null(c.serial_output_path);
	ck_assert(!c.has_cpu_config && nb_cpu_config_empty(&c.cpu));
	ck_assert(!c.has_entropy);
	nb_config_free(&c);
}
END_TEST

START_TEST(test_optional_fields)
{
	struct nb_vm_config c;

	/* null stands for "not given" in optional strings. */
	expect_ok("{\"boot-source\": {\"kernel_image_path\": \"/k\", \"initrd_path\": null, "
		  "\"boot_args\": null}, \"drives\": [" DRIVE(
		      "\"partuuid\": null") "], "
					    "\"serial\": {\"output_path\": null}}",
		  &c);
	ck_assert_ptr_null(c.boot.initrd_path);
	ck_assert_ptr_null(c.boot.boot_args);
	ck_assert_ptr_null(c.drives[0].partuuid);
	ck_assert_ptr_null(c.serial_output_path);
	nb_config_free(&c);

	expect_ok("{\"drives\": [], \"serial\": {}}", &c);
	ck_assert_uint_eq(c.nr_drives, 0);
	nb_config_free(&c);

	expect_ok(MACHINE("\"huge_pages\": \"None\", \"nested\": true"), &c);
	ck_assert(c.has_machine && c.machine.nested && !c.machine.el2_e2h0);
	ck_assert(!c.machine.hide_nv2);
	ck_assert_int_eq(c.machine.huge_pages, NB_HUGE_PAGES_NONE);
	nb_config_free(&c);

	expect_ok(
	    "{\"drives\": [" DRIVE("\"cache_type\": \"Unsafe\", \"io_engine\": \"Sync\", "
				   "\"partuuid\": \"6BA7B810-9DAD-11D1-80B4-00C04FD430C8\"") "]}",
	    &c);
	ck_assert_int_eq(c.drives[0].cache_type, NB_CACHE_UNSAFE);
	ck_assert_int_eq(c.drives[0].io_engine, NB_IO_SYNC);
	nb_config_free(&c);
}
END_TEST

START_TEST(test_required_fields)
{
	expect_error("{\"boot-source\": {\"initrd_path\": \"/i\"}}",
		     "boot-source.kernel_image_path: is required");
	expect_error("{\"boot-source\": {\"kernel_image_path\": null}}",
		     "boot-source.kernel_image_path: must be a string, not null");
	expect_error("{\"machine-config\": {\"mem_size_mib\": 128}}",
		     "machine-config.vcpu_count: is required");
	expect_error("{\"machine-config\": {\"vcpu_count\": 1}}",
		     "machine-config.mem_size_mib: is required");
	expect_error("{\"drives\": [{\"path_on_host\": \"/d\"}]}",
		     "drives[0].drive_id: is required");
	expect_error("{\"drives\": [{\"drive_id\": \"d\"}]}",
		     "drives[0].path_on_host: is required");
}
END_TEST

START_TEST(test_unknown_fields)
{
	expect_error("{" BOOT ", \"bootsource\": {}}", "bootsource: unknown field");
	expect_error(MACHINE("\"vcpu_cont\": 2"), "machine-config.vcpu_cont: unknown field");
	expect_error("{\"boot-source\": {\"kernel_image_path\": \"/k\", \"kernel\": \"/k\"}}",
		     "boot-source.kernel: unknown field");
	expect_error("{\"drives\": [" DRIVE("\"is_root\": true") "]}",
		     "drives[0].is_root: unknown field");
	expect_error("{\"serial\": {\"path\": \"/s\"}}", "serial.path: unknown field");
	/* A hostile key stays on one line and is cut. */
	expect_error("{\"a\\nb\": 1}", "a?b: unknown field");
	expect_error("{\""
		     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		     "\": 1}",
		     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...: unknown field");
}
END_TEST

START_TEST(test_unsupported_sections)
{
	/* Every section of Firecracker's is built now; some fields are not. */
	expect_error(MACHINE("\"cpu_template\": \"None\""),
		     "machine-config.cpu_template: not supported yet");
	expect_error("{\"drives\": [" DRIVE("\"socket\": \"/s\"") "]}",
		     "drives[0].socket: not supported yet");
}
END_TEST

START_TEST(test_wrong_types)
{
	expect_error("{\"machine-config\": {\"vcpu_count\": \"2\", \"mem_size_mib\": 128}}",
		     "machine-config.vcpu_count: must be an integer, not \"2\"");
	expect_error("{\"machine-config\": {\"vcpu_count\": 2.0, \"mem_size_mib\": 128}}",
		     "machine-config.vcpu_count: must be an integer, not 2.0");
	expect_error("{\"machine-config\": {\"vcpu_count\": 1e12, \"mem_size_mib\": 128}}",
		     "machine-config.vcpu_count: must be an integer, not 1e12");
	expect_error("{\"machine-config\": {\"vcpu_count\": true, \"mem_size_mib\": 128}}",
		     "machine-config.vcpu_count: must be an integer, not true");
	expect_error("{\"machine-config\": {\"vcpu_count\": null, \"mem_size_mib\": 128}}",
		     "machine-config.vcpu_count: must be an integer, not null");
	expect_error("{\"machine-config\": {\"vcpu_count\": [1], \"mem_size_mib\": 128}}",
		     "machine-config.vcpu_count: must be an integer, not an array");
	expect_error("{\"machine-config\": {\"vcpu_count\": 1, \"mem_size_mib\": \"256\"}}",
		     "machine-config.mem_size_mib: must be an integer");
	expect_error(MACHINE("\"smt\": \"false\""), "machine-config.smt: must be a boolean");
	expect_error(MACHINE("\"track_dirty_pages\": 1"),
		     "machine-config.track_dirty_pages: must be a boolean, not 1");
	expect_error(MACHINE("\"nested\": null"), "machine-config.nested: must be a boolean");
	expect_error(MACHINE("\"el2_e2h0\": \"yes\""),
		     "machine-config.el2_e2h0: must be a boolean");
	expect_error(MACHINE("\"nested\": true, \"hide_nv2\": 1"),
		     "machine-config.hide_nv2: must be a boolean, not 1");
	expect_error(MACHINE("\"huge_pages\": \"1G\""),
		     "machine-config.huge_pages: must be \"None\" or \"2M\"");
	expect_error(MACHINE("\"huge_pages\": 2"), "machine-config.huge_pages: must be \"None\"");
	expect_error("{\"boot-source\": {\"kernel_image_path\": 42}}",
		     "boot-source.kernel_image_path: must be a string, not 42");
	expect_error("{\"boot-source\": {\"kernel_image_path\": \"/k\", \"boot_args\": {}}}",
		     "boot-source.boot_args: must be a string, not an object");
	expect_error("{\"drives\": [" DRIVE("\"is_read_only\": \"true\"") "]}",
		     "drives[0].is_read_only: must be a boolean");
	expect_error("{\"drives\": [" DRIVE("\"is_root_device\": 1") "]}",
		     "drives[0].is_root_device: must be a boolean");
	expect_error("{\"drives\": [" DRIVE("\"cache_type\": \"writeback\"") "]}",
		     "drives[0].cache_type: must be \"Unsafe\" or \"Writeback\"");
	expect_error("{\"drives\": [" DRIVE("\"io_engine\": \"Uring\"") "]}",
		     "drives[0].io_engine: must be \"Async\" or \"Sync\"");
	expect_error("{\"drives\": [{\"drive_id\": 7, \"path_on_host\": \"/d\"}]}",
		     "drives[0].drive_id: must be a string, not 7");
	expect_error("{\"serial\": {\"output_path\": false}}",
		     "serial.output_path: must be a string, not false");
	/* Embedded NULs would silently cut a path. */
	expect_error("{\"boot-source\": {\"kernel_image_path\": \"/k\\u0000/x\"}}",
		     "boot-source.kernel_image_path: must not contain a NUL character");
}
END_TEST

START_TEST(test_wrong_section_types)
{
	expect_error("{\"boot-source\": []}", "boot-source: must be an object, not an array");
	expect_error("{\"machine-config\": 4}", "machine-config: must be an object, not 4");
	expect_error("{\"machine-config\": null}", "machine-config: must be an object, not null");
	expect_error("{\"drives\": {}}", "drives: must be an array, not an object");
	expect_error("{\"drives\": [\"rootfs\"]}", "drives[0]: must be an object, not \"rootfs\"");
	expect_error("{\"drives\": [" DRIVE0 ", null]}", "drives[1]: must be an object, not null");
	expect_error("{\"serial\": \"/dev/null\"}", "serial: must be an object");
}
END_TEST

START_TEST(test_vcpu_limits)
{
	static const char *const bad[] = {"0",
					  "33",
					  "-1",
					  "1000000000000",
					  "4294967297",
					  "9223372036854775808",
					  "18446744073709551617",
					  "99999999999999999999999",
					  "-99999999999999999999999"};
	char json[192];
	struct nb_vm_config c;

	for (unsigned int i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		snprintf(json, sizeof(json),
			 "{\"machine-config\": {\"vcpu_count\": %s, \"mem_size_mib\": 128}}",
			 bad[i]);
		expect_error(json, "machine-config.vcpu_count: must be between 1 and 32");
	}
	expect_ok("{\"machine-config\": {\"vcpu_count\": 32, \"mem_size_mib\": 128}}", &c);
	ck_assert_uint_eq(c.machine.vcpu_count, NB_MAX_VCPUS);
	nb_config_free(&c);
	expect_valid("{\"machine-config\": {\"vcpu_count\": 1, \"mem_size_mib\": 128}}");
}
END_TEST

START_TEST(test_mem_limits)
{
	/* 2^44 MiB is 2^64 bytes; 2^32 + 128 would wrap to 128 in 32 bits. */
	static const char *const bad[] = {
	    "0", "15", "-128", "1048577", "4294967424", "17592186044416", "18446744073709551615"};
	char json[192];
	struct nb_vm_config c;

	for (unsigned int i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		snprintf(json, sizeof(json),
			 "{\"machine-config\": {\"vcpu_count\": 1, \"mem_size_mib\": %s}}", bad[i]);
		expect_error(json, "machine-config.mem_size_mib: must be between 16 and 1048576");
	}
	expect_ok("{\"machine-config\": {\"vcpu_count\": 1, \"mem_size_mib\": 16}}", &c);
	ck_assert_uint_eq(c.machine.mem_size_mib, 16);
	nb_config_free(&c);
	expect_ok("{\"machine-config\": {\"vcpu_count\": 1, \"mem_size_mib\": 1048576}}", &c);
	ck_assert_uint_eq(c.machine.mem_size_mib, NB_MAX_MEM_MIB);
	nb_config_free(&c);
}
END_TEST

START_TEST(test_machine_rules)
{
	struct nb_vm_config c;

	expect_error(MACHINE("\"smt\": true"), "machine-config.smt: not supported on arm64");
	expect_valid(MACHINE("\"smt\": false"));
	expect_error(MACHINE("\"el2_e2h0\": true"), "machine-config.el2_e2h0: requires nested");
	expect_error(MACHINE("\"el2_e2h0\": true, \"nested\": false"),
		     "machine-config.el2_e2h0: requires nested");
	expect_valid(MACHINE("\"el2_e2h0\": true, \"nested\": true"));
	expect_error(MACHINE("\"hide_nv2\": true"), "machine-config.hide_nv2: requires nested");
	expect_error(MACHINE("\"hide_nv2\": true, \"nested\": false"),
		     "machine-config.hide_nv2: requires nested");
	expect_valid(MACHINE("\"hide_nv2\": false"));
	expect_ok(MACHINE("\"hide_nv2\": true, \"nested\": true, \"el2_e2h0\": true"), &c);
	ck_assert(c.machine.hide_nv2 && c.machine.nested && c.machine.el2_e2h0);
	nb_config_free(&c);
	expect_error("{\"machine-config\": {\"vcpu_count\": 1, \"mem_size_mib\": 257, "
		     "\"huge_pages\": \"2M\"}}",
		     "machine-config.mem_size_mib: must be a multiple of 2 with huge_pages \"2M\"");
	expect_valid(MACHINE("\"huge_pages\": \"2M\""));
	expect_valid("{\"machine-config\": {\"vcpu_count\": 1, \"mem_size_mib\": 257}}");
}
END_TEST

START_TEST(test_drive_ids)
{
	char json[256], id[NB_MAX_DRIVE_ID_LEN + 2];

	expect_error("{\"drives\": [{\"drive_id\": \"\", \"path_on_host\": \"/d\"}]}",
		     "drives[0].drive_id: must be 1 to 64 letters, digits or underscores");
	expect_error("{\"drives\": [{\"drive_id\": \"root-fs\", \"path_on_host\": \"/d\"}]}",
		     "drives[0].drive_id: must be 1 to 64");
	expect_error("{\"drives\": [{\"drive_id\": \"root fs\", \"path_on_host\": \"/d\"}]}",
		     "drives[0].drive_id: must be 1 to 64");
	expect_error("{\"drives\": [{\"drive_id\": \"r\\u00e9\", \"path_on_host\": \"/d\"}]}",
		     "drives[0].drive_id: must be 1 to 64");
	memset(id, 'a', sizeof(id) - 1);
	id[sizeof(id) - 1] = '\0';
	snprintf(json, sizeof(json),
		 "{\"drives\": [{\"drive_id\": \"%s\", \"path_on_host\": "
		 "\"/d\"}]}",
		 id);
	expect_error(json, "drives[0].drive_id: must be 1 to 64");
	id[sizeof(id) - 2] = '\0';
	snprintf(json, sizeof(json),
		 "{\"drives\": [{\"drive_id\": \"%s\", \"path_on_host\": "
		 "\"/d\"}]}",
		 id);
	expect_valid(json);
	expect_valid("{\"drives\": [{\"drive_id\": \"Root_FS_0\", \"path_on_host\": \"/d\"}]}");
}
END_TEST

START_TEST(test_duplicate_drive_ids)
{
	expect_error("{\"drives\": ["
		     "{\"drive_id\": \"rootfs\", \"path_on_host\": \"/a\"},"
		     "{\"drive_id\": \"data\", \"path_on_host\": \"/b\"},"
		     "{\"drive_id\": \"rootfs\", \"path_on_host\": \"/c\"}]}",
		     "drives[2].drive_id: \"rootfs\" is already used by drives[0]");
}
END_TEST

START_TEST(test_two_root_devices)
{
	expect_error("{\"drives\": ["
		     "{\"drive_id\": \"a\", \"path_on_host\": \"/a\", \"is_root_device\": true},"
		     "{\"drive_id\": \"b\", \"path_on_host\": \"/b\", \"is_root_device\": true}]}",
		     "drives[1].is_root_device: drives[0] is already the root device");
}
END_TEST

START_TEST(test_drive_count)
{
	char json[2048];
	size_t len;
	struct nb_vm_config c;

	len = snprintf(json, sizeof(json), "{\"drives\": [");
	for (unsigned int i = 0; i < NB_MAX_DRIVES; i++)
		len += snprintf(json + len, sizeof(json) - len,
				"%s{\"drive_id\": \"d%u\", \"path_on_host\": \"/d%u\"}",
				i ? "," : "", i, i);
	snprintf(json + len, sizeof(json) - len, "]}");
	expect_ok(json, &c);
	ck_assert_uint_eq(c.nr_drives, NB_MAX_DRIVES);
	ck_assert_str_eq(c.drives[15].drive_id, "d15");
	nb_config_free(&c);
	snprintf(json + len, sizeof(json) - len,
		 ",{\"drive_id\": \"x\", \"path_on_host\": \"/x\"}]}");
	expect_error(json, "drives: at most 16 drives are supported");
}
END_TEST

START_TEST(test_paths)
{
	char *json, *path;
	size_t n = PATH_MAX + 128;

	expect_error("{\"boot-source\": {\"kernel_image_path\": \"\"}}",
		     "boot-source.kernel_image_path: must not be empty");
	expect_error("{\"boot-source\": {\"kernel_image_path\": \"/k\", \"initrd_path\": \"\"}}",
		     "boot-source.initrd_path: must not be empty");
	expect_error("{\"drives\": [{\"drive_id\": \"d\", \"path_on_host\": \"\"}]}",
		     "drives[0].path_on_host: must not be empty");
	expect_error("{\"serial\": {\"output_path\": \"\"}}",
		     "serial.output_path: must not be empty");

	json = malloc(n);
	path = malloc(PATH_MAX + 1);
	ck_assert(json && path);
	memset(path, 'p', PATH_MAX);
	path[0] = '/';
	path[PATH_MAX] = '\0';
	snprintf(json, n, "{\"boot-source\": {\"kernel_image_path\": \"%s\"}}", path);
	expect_error(json, "boot-source.kernel_image_path: must be shorter than 4096 bytes");
	snprintf(json, n, "{\"drives\": [{\"drive_id\": \"d\", \"path_on_host\": \"%s\"}]}", path);
	expect_error(json, "drives[0].path_on_host: must be shorter than 4096 bytes");
	path[PATH_MAX - 1] = '\0';
	snprintf(json, n, "{\"boot-source\": {\"kernel_image_path\": \"%s\"}}", path);
	expect_valid(json);
	free(path);
	free(json);
}
END_TEST

START_TEST(test_boot_args_length)
{
	char json[NB_MAX_BOOT_ARGS_LEN + 128], args[NB_MAX_BOOT_ARGS_LEN + 2];

	memset(args, 'x', sizeof(args) - 1);
	args[sizeof(args) - 1] = '\0';
	snprintf(json, sizeof(json),
		 "{\"boot-source\": {\"kernel_image_path\": \"/k\", \"boot_args\": \"%s\"}}", args);
	expect_error(json, "boot-source.boot_args: must be at most 2047 bytes");
	args[sizeof(args) - 2] = '\0';
	snprintf(json, sizeof(json),
		 "{\"boot-source\": {\"kernel_image_path\": \"/k\", \"boot_args\": \"%s\"}}", args);
	expect_valid(json);
}
END_TEST

START_TEST(test_partuuid)
{
	expect_error("{\"drives\": [" DRIVE("\"partuuid\": \"1234 init=/bin/sh\"") "]}",
		     "drives[0].partuuid: must be 1 to 36 hex digits and dashes");
	expect_error("{\"drives\": [" DRIVE("\"partuuid\": \"\"") "]}",
		     "drives[0].partuuid: must be 1 to 36");
	expect_error("{\"drives\": [" DRIVE("\"partuuid\": "
					    "\"6ba7b810-9dad-11d1-80b4-00c04fd430c8a\"") "]}",
		     "drives[0].partuuid: must be 1 to 36");
	expect_error("{\"drives\": [" DRIVE("\"partuuid\": 12") "]}",
		     "drives[0].partuuid: must be a string");
}
END_TEST

START_TEST(test_syntax_errors)
{
	struct nb_vm_config c;
	char path[PATH_MAX], err[256] = "", want[PATH_MAX + 64];

	expect_error("{\n  \"boot-source\": {\n    \"kernel_image_path\": \"/k\",\n  }\n}",
		     "JSON syntax error at line 4, column 3: unexpected character");
	expect_error("", "JSON syntax error at line 1, column 1: unexpected end of data");
	expect_error("{\"boot-source\": ",
		     "JSON syntax error at line 1, column 17: unexpected end");
	expect_error("{} {}", "JSON syntax error at line 1, column 4");
	expect_error("{\"drives\": [1,]}", "JSON syntax error at line 1, column 15");
	expect_error("/* comment */ {}", "JSON syntax error at line 1, column 1");
	expect_error("{\"machine-config\": {\"vcpu_count\": 01}}", "JSON syntax error at line 1");

	nb_config_init(&c);
	data_path(path, sizeof(path), "syntax_error.json");
	ck_assert_int_eq(nb_config_from_file(&c, path, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want),
		 "config file %s: JSON syntax error at line 4, column 3: ", path);
	ck_assert_msg(!strncmp(err, want, strlen(want)), "got '%s'", err);
	nb_config_free(&c);
}
END_TEST

START_TEST(test_root_must_be_object)
{
	expect_error("[]", "config: must be a JSON object, not an array");
	expect_error("42", "config: must be a JSON object, not 42");
	expect_error("null", "config: must be a JSON object, not null");
	expect_error("\"boot\"", "config: must be a JSON object, not \"boot\"");
	expect_error("  true  \n", "config: must be a JSON object, not true");
}
END_TEST

START_TEST(test_file_errors)
{
	struct nb_vm_config c;
	char path[PATH_MAX], err[PATH_MAX + 128] = "", want[PATH_MAX + 128];

	nb_config_init(&c);
	ck_assert_int_eq(nb_config_from_file(&c, "/nonexistent/x.json", err, sizeof(err)), -ENOENT);
	ck_assert_str_eq(err, "config file /nonexistent/x.json: No such file or directory");

	data_path(path, sizeof(path), "");
	ck_assert_int_eq(nb_config_from_file(&c, path, err, sizeof(err)), -EISDIR);
	snprintf(want, sizeof(want), "config file %s: Is a directory", path);
	ck_assert_str_eq(err, want);

	data_path(path, sizeof(path), "bad_type.json");
	ck_assert_int_eq(nb_config_from_file(&c, path, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want),
		 "config file %s: machine-config.vcpu_count: must be an integer, not \"2\"", path);
	ck_assert_str_eq(err, want);

	ck_assert_int_eq(nb_config_from_file(&c, "/nonexistent/a\nb", err, sizeof(err)), -ENOENT);
	ck_assert_str_eq(err, "config file /nonexistent/a?b: No such file or directory");
	ck_assert(!c.has_boot);
	nb_config_free(&c);
}
END_TEST

/* A temporary file holding @len bytes of @text; the caller unlinks it. */
static void temp_file(char *path, size_t n, const void *text, size_t len)
{
	const char *dir = getenv("TMPDIR");
	int fd;

	snprintf(path, n, "%s/nb-test-config-XXXXXX", dir ? dir : "/tmp");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, len), (ssize_t)len);
	close(fd);
}

START_TEST(test_file_content_limits)
{
	struct nb_vm_config c;
	char path[PATH_MAX], err[PATH_MAX + 128] = "", *big;
	size_t n = NB_CONFIG_MAX_FILE_SIZE + 1;

	nb_config_init(&c);
	temp_file(path, sizeof(path), "{\"boot-source\": {}\0}", 20);
	ck_assert_int_eq(nb_config_from_file(&c, path, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, ": contains a NUL byte"));
	unlink(path);

	/* Over the limit: a valid object padded with blanks. */
	big = malloc(n + 1);
	ck_assert_ptr_nonnull(big);
	memset(big, ' ', n);
	big[0] = '{';
	big[n - 1] = '}';
	big[n] = '\0';
	temp_file(path, sizeof(path), big, n);
	ck_assert_int_eq(nb_config_from_file(&c, path, err, sizeof(err)), -EFBIG);
	ck_assert_ptr_nonnull(strstr(err, ": larger than 1048576 bytes"));
	unlink(path);
	ck_assert_int_eq(nb_config_from_json(&c, big, err, sizeof(err)), -EFBIG);
	ck_assert_str_eq(err, "config: larger than 1048576 bytes");

	/* At the limit, and read in several chunks. */
	big[n - 2] = '}';
	big[n - 1] = '\0';
	temp_file(path, sizeof(path), big, n - 1);
	ck_assert_int_eq(nb_config_from_file(&c, path, err, sizeof(err)), 0);
	unlink(path);
	free(big);
	ck_assert(!c.has_boot);
	nb_config_free(&c);
}
END_TEST

START_TEST(test_file_from_pipe)
{
	static const char text[] = "{" BOOT "}";
	struct nb_vm_config c;
	char path[64], err[256] = "";
	int fds[2];

	ck_assert_int_eq(pipe(fds), 0);
	ck_assert_int_eq(write(fds[1], text, strlen(text)), (ssize_t)strlen(text));
	close(fds[1]);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fds[0]);
	nb_config_init(&c);
	ck_assert_msg(!nb_config_from_file(&c, path, err, sizeof(err)), "%s", err);
	ck_assert_str_eq(c.boot.kernel_image_path, "/k");
	close(fds[0]);
	nb_config_free(&c);
}
END_TEST

/* Writes @text into the file @dir/@name, its path in @path. */
static void write_file(char *path, size_t n, const char *dir, const char *name, const char *text)
{
	FILE *f;

	snprintf(path, n, "%s/%s", dir, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_ge(fputs(text, f), 0);
	ck_assert_int_eq(fclose(f), 0);
}

#define TEMPLATE                                                                                   \
	"{\"kvm_capabilities\": [\"!172\"], \"vcpu_features\": [{\"index\": 0, \"bitmap\": "       \
	"\"0b1\"}]}"
#define BAD_TEMPLATE "{\"vcpu_features\": [{\"index\": 7, \"bitmap\": \"0b1\"}]}"

START_TEST(test_cpu_config_key)
{
	const char *tmp = getenv("TMPDIR");
	struct nb_vm_config c;
	char dir[PATH_MAX], path[PATH_MAX + 16], vm[PATH_MAX + 16], cwd[PATH_MAX];
	char json[PATH_MAX + 128], err[3 * PATH_MAX] = "", want[3 * PATH_MAX];

	snprintf(dir, sizeof(dir), "%s/nb-test-config-XXXXXX", tmp ? tmp : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	write_file(path, sizeof(path), dir, "t.json", TEMPLATE);

	/* A template file's path, as in Firecracker's config file. */
	snprintf(json, sizeof(json), "{" BOOT ", \"cpu-config\": \"%s\"}", path);
	expect_ok(json, &c);
	ck_assert(c.has_cpu_config);
	ck_assert_uint_eq(c.cpu.nr_kvm_caps_removed, 1);
	ck_assert_uint_eq(c.cpu.kvm_caps_removed[0], 172);
	ck_assert_uint_eq(c.cpu.nr_vcpu_features, 1);
	ck_assert_uint_eq(c.cpu.vcpu_features[0].bitmap.value[0], 1);
	ck_assert_int_eq(nb_config_validate(&c, err, sizeof(err)), 0);
	nb_config_free(&c);
	ck_assert(!c.has_cpu_config && nb_cpu_config_empty(&c.cpu));

	/* A relative path is taken from the current directory. */
	ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
	ck_assert_int_eq(chdir(dir), 0);
	expect_ok("{\"cpu-config\": \"t.json\"}", &c);
	ck_assert(c.has_cpu_config && c.cpu.nr_vcpu_features == 1);
	nb_config_free(&c);
	ck_assert_int_eq(nb_config_from_json(&c, "{\"cpu-config\": \"nt.json\"}", err, sizeof(err)),
			 -ENOENT);
	ck_assert_int_eq(chdir(cwd), 0);
	ck_assert_str_eq(err, "cpu-config nt.json: No such file or directory");
	ck_assert_int_eq(
	    nb_config_from_json(&c, "{\"cpu-config\": \"/nonexistent/t.json\"}", err, sizeof(err)),
	    -ENOENT);
	ck_assert_str_eq(err, "cpu-config /nonexistent/t.json: No such file or directory");
	ck_assert(!c.has_cpu_config);

	/* The template inline, and an empty one. */
	expect_ok("{\"cpu-config\": {\"reg_modifiers\": [{\"addr\": \"0x603000000013c020\", "
		  "\"bitmap\": \"0b1\"}]}}",
		  &c);
	ck_assert(c.has_cpu_config);
	ck_assert_uint_eq(c.cpu.nr_reg_modifiers, 1);
	ck_assert_uint_eq(c.cpu.reg_modifiers[0].reg_bits, 64);
	/* A failed parse keeps it. */
	ck_assert_int_eq(nb_config_from_json(&c, "{\"cpu-config\": {\"x\": 1}}", err, sizeof(err)),
			 -EINVAL);
	ck_assert_str_eq(err, "cpu-config.x: unknown field");
	ck_assert(c.has_cpu_config && c.cpu.nr_reg_modifiers == 1);
	nb_config_free(&c);
	expect_ok("{\"cpu-config\": {}}", &c);
	ck_assert(c.has_cpu_config && nb_cpu_config_empty(&c.cpu));
	nb_config_free(&c);

	expect_error("{\"cpu-config\": 42}",
		     "cpu-config: must be a file path or an object, not 42");
	expect_error("{\"cpu-config\": []}",
		     "cpu-config: must be a file path or an object, not an array");
	/* null: no template, as tools write it. */
	expect_ok("{\"cpu-config\": null}", &c);
	ck_assert(!c.has_cpu_config && nb_cpu_config_empty(&c.cpu));
	nb_config_free(&c);
	expect_error("{\"cpu-config\": true}",
		     "cpu-config: must be a file path or an object, not true");
	expect_error("{\"cpu-config\": \"\"}", "cpu-config: must not be empty");
	expect_error("{\"cpu-config\": \"t.json\\u0000x\"}",
		     "cpu-config: must not contain a NUL character");

	/* Errors name the file, or the field of the inline template. */
	expect_error("{\"cpu-config\": " BAD_TEMPLATE "}",
		     "cpu-config.vcpu_features[0].index: must be between 0 and 6");
	expect_error("{\"cpu-config\": {\"cpuid_modifiers\": []}}",
		     "cpu-config.cpuid_modifiers: x86_64 only");
	write_file(path, sizeof(path), dir, "t.json", BAD_TEMPLATE);
	snprintf(want, sizeof(want),
		 "cpu-config %s: vcpu_features[0].index: must be between 0 and 6", path);
	expect_error(json, want);

	/* From a config file, both files are named. */
	snprintf(json, sizeof(json), "{\"cpu-config\": \"%s\"}", path);
	write_file(vm, sizeof(vm), dir, "vm.json", json);
	nb_config_init(&c);
	ck_assert_int_eq(nb_config_from_file(&c, vm, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want),
		 "config file %s: cpu-config %s: vcpu_features[0].index: must be between 0 and 6",
		 vm, path);
	ck_assert_str_eq(err, want);
	ck_assert(!c.has_cpu_config);
	nb_config_free(&c);

	ck_assert_int_eq(unlink(vm), 0);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

START_TEST(test_error_buffer)
{
	struct nb_vm_config c;
	const char *bad = "{\"machine-config\": {\"vcpu_count\": \"2\", \"mem_size_mib\": 1}}";
	char err[16];

	nb_config_init(&c);
	memset(err, 'X', sizeof(err));
	ck_assert_int_eq(nb_config_from_json(&c, bad, err, 8), -EINVAL);
	ck_assert_str_eq(err, "machine");
	ck_assert_int_eq(err[8], 'X');
	ck_assert_int_eq(nb_config_from_json(&c, bad, err, 1), -EINVAL);
	ck_assert_str_eq(err, "");
	ck_assert_int_eq(nb_config_from_json(&c, bad, NULL, 0), -EINVAL);
	ck_assert_int_eq(nb_config_from_file(&c, "/nonexistent", NULL, 0), -ENOENT);
	ck_assert_int_eq(nb_config_validate(&c, NULL, 0), -EINVAL);
	nb_config_free(&c);
}
END_TEST

START_TEST(test_replace_and_keep)
{
	struct nb_vm_config c;
	char err[256];

	expect_ok("{\"boot-source\": {\"kernel_image_path\": \"/old\"}, \"drives\": [" DRIVE0
		  "], \"serial\": {\"output_path\": \"/s\"}}",
		  &c);
	/* A failed parse leaves the config as it was. */
	ck_assert_int_eq(
	    nb_config_from_json(&c, "{\"drives\": [" DRIVE0 "," DRIVE0 "]}", err, sizeof(err)),
	    -EINVAL);
	ck_assert_str_eq(c.boot.kernel_image_path, "/old");
	ck_assert_uint_eq(c.nr_drives, 1);
	ck_assert_str_eq(c.serial_output_path, "/s");
	/* A good one replaces all of it, freeing the old strings. */
	ck_assert_int_eq(nb_config_from_json(&c,
					     "{\"boot-source\": {\"kernel_image_path\": "
					     "\"/new\"}}",
					     err, sizeof(err)),
			 0);
	ck_assert_str_eq(c.boot.kernel_image_path, "/new");
	ck_assert_uint_eq(c.nr_drives, 0);
	ck_assert_ptr_null(c.drives[0].drive_id);
	ck_assert_ptr_null(c.serial_output_path);
	nb_config_free(&c);
}
END_TEST

START_TEST(test_free_partial)
{
	struct nb_vm_config c;

	nb_config_init(&c);
	c.boot.initrd_path = strdup("/i");
	c.drives[3].partuuid = strdup("ab"); /* beyond nr_drives: still freed */
	c.serial_output_path = strdup("/s");
	nb_config_free(&c);
	nb_config_free(&c);
	ck_assert_uint_eq(c.machine.vcpu_count, NB_DEFAULT_VCPUS);
	ck_assert_ptr_null(c.drives[3].partuuid);
}
END_TEST

START_TEST(test_section_parsers)
{
	struct nb_boot_source b = {0};
	struct nb_machine_config m = {.vcpu_count = 3, .mem_size_mib = 64};
	struct nb_drive d = {0};
	struct json_object *o;
	char err[256];

	o = json_tokener_parse("{\"kernel_image_path\": \"/a\", \"boot_args\": \"quiet\"}");
	ck_assert_int_eq(nb_config_parse_boot_source(&b, o, err, sizeof(err)), 0);
	json_object_put(o);
	o = json_tokener_parse("{\"kernel_image_path\": \"/b\"}");
	ck_assert_int_eq(nb_config_parse_boot_source(&b, o, err, sizeof(err)), 0);
	json_object_put(o);
	ck_assert_str_eq(b.kernel_image_path, "/b");
	ck_assert_ptr_null(b.boot_args);
	o = json_tokener_parse("{\"initrd_path\": \"/i\"}");
	ck_assert_int_eq(nb_config_parse_boot_source(&b, o, err, sizeof(err)), -EINVAL);
	json_object_put(o);
	ck_assert_str_eq(err, "boot-source.kernel_image_path: is required");
	ck_assert_str_eq(b.kernel_image_path, "/b");
	nb_boot_source_free(&b);
	nb_boot_source_free(&b);

	o = json_tokener_parse("{\"vcpu_count\": 2, \"mem_size_mib\": 99, \"smt\": true}");
	ck_assert_int_eq(nb_config_parse_machine(&m, o, err, sizeof(err)), -EINVAL);
	json_object_put(o);
	ck_assert_str_eq(err, "machine-config.smt: not supported on arm64");
	ck_assert_uint_eq(m.vcpu_count, 3);
	o = json_tokener_parse("{\"vcpu_count\": 2, \"mem_size_mib\": 99}");
	ck_assert_int_eq(nb_config_parse_machine(&m, o, err, sizeof(err)), 0);
	json_object_put(o);
	ck_assert_uint_eq(m.vcpu_count, 2);
	ck_assert_uint_eq(m.mem_size_mib, 99);
	o = json_tokener_parse("{\"vcpu_count\": 2, \"mem_size_mib\": 99, \"hide_nv2\": true}");
	ck_assert_int_eq(nb_config_parse_machine(&m, o, err, sizeof(err)), -EINVAL);
	json_object_put(o);
	ck_assert_str_eq(err, "machine-config.hide_nv2: requires nested");
	ck_assert(!m.hide_nv2);
	o = json_tokener_parse("{\"vcpu_count\": 2, \"mem_size_mib\": 99, \"nested\": true, "
			       "\"hide_nv2\": true}");
	ck_assert_int_eq(nb_config_parse_machine(&m, o, err, sizeof(err)), 0);
	json_object_put(o);
	ck_assert(m.nested && m.hide_nv2);
	ck_assert_int_eq(nb_config_parse_machine(&m, NULL, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "machine-config: must be an object, not null");

	o = json_tokener_parse("{\"drive_id\": \"x\", \"path_on_host\": \"/x\"}");
	ck_assert_int_eq(nb_config_parse_drive(&d, o, err, sizeof(err)), 0);
	json_object_put(o);
	ck_assert_str_eq(d.drive_id, "x");
	o = json_tokener_parse("{\"drive_id\": \"y\", \"path_on_host\": \"\"}");
	ck_assert_int_eq(nb_config_parse_drive(&d, o, err, sizeof(err)), -EINVAL);
	json_object_put(o);
	ck_assert_str_eq(err, "drives.path_on_host: must not be empty");
	ck_assert_str_eq(d.drive_id, "x");
	nb_drive_free(&d);
	ck_assert_ptr_null(d.drive_id);
}
END_TEST

static struct nb_drive make_drive(const char *id, bool root)
{
	return (struct nb_drive){
	    .drive_id = strdup(id), .path_on_host = strdup("/p"), .is_root_device = root};
}

START_TEST(test_add_drive)
{
	struct nb_vm_config c;
	struct nb_drive d;
	char err[256];

	nb_config_init(&c);
	d = make_drive("a", true);
	ck_assert_int_eq(nb_config_add_drive(&c, &d, false, err, sizeof(err)), 0);
	ck_assert_ptr_null(d.drive_id);
	d = make_drive("b", false);
	ck_assert_int_eq(nb_config_add_drive(&c, &d, false, err, sizeof(err)), 0);

	/* PUT /drives/a again: replaces, and may stay the root device. */
	d = make_drive("a", true);
	free(d.path_on_host);
	d.path_on_host = strdup("/new");
	ck_assert_int_eq(nb_config_add_drive(&c, &d, true, err, sizeof(err)), 0);
	ck_assert_uint_eq(c.nr_drives, 2);
	ck_assert_str_eq(c.drives[0].path_on_host, "/new");

	d = make_drive("b", true);
	ck_assert_int_eq(nb_config_add_drive(&c, &d, true, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "drives[1].is_root_device: drives[0] is already the root device");
	ck_assert_str_eq(d.drive_id, "b");
	ck_assert_int_eq(nb_config_add_drive(&c, &d, false, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "drives[2].drive_id: \"b\" is already used by drives[1]");
	nb_drive_free(&d);

	d = make_drive("bad-id", false);
	ck_assert_int_eq(nb_config_add_drive(&c, &d, true, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "drives[2].drive_id: must be 1 to 64 letters, digits or "
			      "underscores");
	nb_drive_free(&d);
	ck_assert_int_eq(nb_config_add_drive(&c, &d, true, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "drives[2].drive_id: is required");

	for (unsigned int i = c.nr_drives; i < NB_MAX_DRIVES; i++) {
		char id[8];

		snprintf(id, sizeof(id), "d%u", i);
		d = make_drive(id, false);
		ck_assert_int_eq(nb_config_add_drive(&c, &d, false, err, sizeof(err)), 0);
	}
	d = make_drive("one_more", false);
	ck_assert_int_eq(nb_config_add_drive(&c, &d, true, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "drives: at most 16 drives are supported");
	/* Replacing still works when full. */
	free(d.drive_id);
	d.drive_id = strdup("d15");
	ck_assert_int_eq(nb_config_add_drive(&c, &d, true, err, sizeof(err)), 0);
	ck_assert_uint_eq(c.nr_drives, NB_MAX_DRIVES);

	c.nr_drives = NB_MAX_DRIVES + 1;
	d = make_drive("z", false);
	ck_assert_int_eq(nb_config_add_drive(&c, &d, false, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "drives: at most 16 drives are supported");
	nb_drive_free(&d);
	nb_config_free(&c);
}
END_TEST

/* A config as the CLI quick flags would fill it, checked by validate. */
static void cli_config(struct nb_vm_config *c)
{
	nb_config_init(c);
	c->has_boot = true;
	c->boot.kernel_image_path = strdup("/k");
	c->drives[0] = make_drive("root", true);
	c->drives[1] = make_drive("data", false);
	c->nr_drives = 2;
}

START_TEST(test_validate)
{
	struct nb_vm_config c;
	char err[256];

	nb_config_init(&c);
	expect_invalid(&c, "boot-source: is required");
	c.has_boot = true;
	expect_invalid(&c, "boot-source.kernel_image_path: is required");
	nb_config_free(&c);

	cli_config(&c);
	ck_assert_int_eq(nb_config_validate(&c, err, sizeof(err)), 0);

	c.boot.boot_args = calloc(1, NB_MAX_BOOT_ARGS_LEN + 2);
	memset(c.boot.boot_args, 'a', NB_MAX_BOOT_ARGS_LEN + 1);
	expect_invalid(&c, "boot-source.boot_args: must be at most 2047 bytes");
	c.boot.boot_args[NB_MAX_BOOT_ARGS_LEN] = '\0';
	ck_assert_int_eq(nb_config_validate(&c, err, sizeof(err)), 0);

	c.machine.vcpu_count = 0;
	expect_invalid(&c, "machine-config.vcpu_count: must be between 1 and 32");
	c.machine.vcpu_count = 33;
	expect_invalid(&c, "machine-config.vcpu_count: must be between 1 and 32");
	c.machine.vcpu_count = 2;
	c.machine.mem_size_mib = UINT32_MAX;
	expect_invalid(&c, "machine-config.mem_size_mib: must be between 16 and 1048576");
	c.machine.mem_size_mib = 129;
	c.machine.huge_pages = NB_HUGE_PAGES_2M;
	expect_invalid(&c, "machine-config.mem_size_mib: must be a multiple of 2");
	c.machine.mem_size_mib = 128;
	c.machine.huge_pages = (enum nb_huge_pages)7;
	expect_invalid(&c, "machine-config.huge_pages: must be \"None\" or \"2M\"");
	c.machine.huge_pages = NB_HUGE_PAGES_NONE;
	c.machine.smt = true;
	expect_invalid(&c, "machine-config.smt: not supported on arm64");
	c.machine.smt = false;
	c.machine.el2_e2h0 = true;
	expect_invalid(&c, "machine-config.el2_e2h0: requires nested");
	c.machine.nested = true;
	ck_assert_int_eq(nb_config_validate(&c, err, sizeof(err)), 0);
	c.machine.el2_e2h0 = false;
	c.machine.hide_nv2 = true;
	ck_assert_int_eq(nb_config_validate(&c, err, sizeof(err)), 0);
	c.machine.nested = false;
	expect_invalid(&c, "machine-config.hide_nv2: requires nested");
	c.machine.hide_nv2 = false;

	/* A template is checked only when it was set. */
	c.cpu.nr_vcpu_features = 1;
	c.cpu.vcpu_features[0].index = 7;
	ck_assert_int_eq(nb_config_validate(&c, err, sizeof(err)), 0);
	c.has_cpu_config = true;
	expect_invalid(&c, "cpu-config.vcpu_features[0].index: must be between 0 and 6");
	c.cpu.vcpu_features[0].index = 6;
	ck_assert_int_eq(nb_config_validate(&c, err, sizeof(err)), 0);
	c.serial_output_path = strdup("");
	expect_invalid(&c, "serial.output_path: must not be empty");
	free(c.serial_output_path);
	c.serial_output_path = NULL;

	c.drives[1].is_root_device = true;
	expect_invalid(&c, "drives[1].is_root_device: drives[0] is already the root device");
	c.drives[1].is_root_device = false;
	free(c.drives[1].drive_id);
	c.drives[1].drive_id = strdup("root");
	expect_invalid(&c, "drives[1].drive_id: \"root\" is already used by drives[0]");
	c.drives[1].drive_id[0] = 'R';
	ck_assert_int_eq(nb_config_validate(&c, err, sizeof(err)), 0);
	c.drives[1].cache_type = (enum nb_cache_type)5;
	expect_invalid(&c, "drives[1].cache_type: must be \"Unsafe\" or \"Writeback\"");
	c.drives[1].cache_type = NB_CACHE_WRITEBACK;
	c.drives[1].io_engine = (enum nb_io_engine)5;
	expect_invalid(&c, "drives[1].io_engine: must be \"Async\" or \"Sync\"");
	c.drives[1].io_engine = NB_IO_SYNC;
	c.drives[1].partuuid = strdup("xyz");
	expect_invalid(&c, "drives[1].partuuid: must be 1 to 36 hex digits and dashes");
	free(c.drives[1].partuuid);
	c.drives[1].partuuid = strdup("ab-12");
	ck_assert_int_eq(nb_config_validate(&c, err, sizeof(err)), 0);
	free(c.drives[1].path_on_host);
	c.drives[1].path_on_host = NULL;
	expect_invalid(&c, "drives[1].path_on_host: is required");
	c.drives[1].path_on_host = strdup("/d");
	free(c.drives[0].drive_id);
	c.drives[0].drive_id = NULL;
	expect_invalid(&c, "drives[0].drive_id: is required");
	c.drives[0].drive_id = strdup("root");

	c.nr_drives = NB_MAX_DRIVES + 1;
	expect_invalid(&c, "drives: at most 16 drives are supported");
	c.nr_drives = 2;

	c.serial_output_path = strdup("");
	expect_invalid(&c, "serial.output_path: must not be empty");
	free(c.serial_output_path);
	c.serial_output_path = strdup("/s");
	ck_assert_int_eq(nb_config_validate(&c, err, sizeof(err)), 0);

	free(c.boot.kernel_image_path);
	c.boot.kernel_image_path = strdup("");
	expect_invalid(&c, "boot-source.kernel_image_path: must not be empty");
	c.boot.initrd_path = strdup("");
	free(c.boot.kernel_image_path);
	c.boot.kernel_image_path = strdup("/k");
	expect_invalid(&c, "boot-source.initrd_path: must not be empty");
	nb_config_free(&c);
}
END_TEST

START_TEST(test_unused_sections_file)
{
	struct nb_vm_config c;
	char path[PATH_MAX], err[256] = "";

	/* What a tool that writes every section it knows writes. */
	nb_config_init(&c);
	ck_assert_int_eq(nb_config_from_file(&c,
					     data_path(path, sizeof(path), "unused_sections.json"),
					     err, sizeof(err)),
			 0);
	ck_assert_int_eq(nb_config_validate(&c, err, sizeof(err)), 0);
	ck_assert(c.has_boot && c.has_machine);
	ck_assert_uint_eq(c.nr_drives, 0);
	ck_assert_ptr_null(c.serial_output_path);
	ck_assert(!c.has_entropy && !c.has_cpu_config);
	nb_config_free(&c);

	expect_ok("{\"serial\": null, \"entropy\": null, \"cpu-config\": null, \"drives\": []}",
		  &c);
	ck_assert(!c.has_entropy && !c.has_cpu_config && !c.serial_output_path);
	nb_config_free(&c);
	/* Sections nestbox builds are not null-or-[] by accident. */
	expect_error("{\"entropy\": []}", "entropy: must be an object, not an array");
	expect_error("{\"serial\": []}", "serial: must be an object, not an array");
	expect_error("{\"drives\": null}", "drives: must be an array, not null");
	/* What GET /vm/config writes before a boot source is set. */
	expect_ok("{\"boot-source\": null}", &c);
	ck_assert(!c.has_boot);
	nb_config_free(&c);
}
END_TEST

START_TEST(test_io_engine_default)
{
	struct nb_vm_config c;
	struct nb_drive d = {0};

	/* nestbox defaults to io_uring; a zeroed drive says the same. */
	ck_assert_int_eq(d.io_engine, NB_IO_ASYNC);
	expect_ok("{\"drives\": [" DRIVE0 ", {\"drive_id\": \"s\", \"path_on_host\": \"/s\", "
		  "\"io_engine\": \"Sync\"}, {\"drive_id\": \"a\", \"path_on_host\": \"/a\", "
		  "\"io_engine\": \"Async\"}]}",
		  &c);
	ck_assert_int_eq(c.drives[0].io_engine, NB_IO_ASYNC);
	ck_assert_int_eq(c.drives[1].io_engine, NB_IO_SYNC);
	ck_assert_int_eq(c.drives[2].io_engine, NB_IO_ASYNC);
	nb_config_free(&c);
	expect_error("{\"drives\": [" DRIVE("\"io_engine\": null") "]}",
		     "drives[0].io_engine: must be \"Async\" or \"Sync\"");
}
END_TEST

#define RL_DRIVE(rl) "{\"drives\": [" DRIVE("\"rate_limiter\": " rl) "]}"
#define BUCKET(fields) "{\"size\": 100, \"refill_time\": 10" fields "}"

START_TEST(test_drive_rate_limiter)
{
	const struct nb_rate_limiter_config *rl;
	struct nb_vm_config c;

	/* Absent, null, empty, and null buckets: no limits. */
	static const char *const none[] = {"{\"drives\": [" DRIVE0 "]}", RL_DRIVE("null"),
					   RL_DRIVE("{}"),
					   RL_DRIVE("{\"bandwidth\": null, \"ops\": null}")};
	for (unsigned int i = 0; i < sizeof(none) / sizeof(*none); i++) {
		expect_ok(none[i], &c);
		rl = &c.drives[0].rate_limiter;
		ck_assert(!rl->has_bandwidth && !rl->has_ops);
		ck_assert_uint_eq(rl->bandwidth.size, 0);
		nb_config_free(&c);
	}

	expect_ok(RL_DRIVE("{\"bandwidth\": " BUCKET("") "}"), &c);
	rl = &c.drives[0].rate_limiter;
	ck_assert(rl->has_bandwidth && !rl->has_ops);
	ck_assert_uint_eq(rl->bandwidth.size, 100);
	ck_assert_uint_eq(rl->bandwidth.one_time_burst, 0);
	ck_assert_uint_eq(rl->bandwidth.refill_time_ms, 10);
	nb_config_free(&c);

	expect_ok(RL_DRIVE("{\"ops\": " BUCKET(", \"one_time_burst\": null") "}"), &c);
	rl = &c.drives[0].rate_limiter;
	ck_assert(!rl->has_bandwidth && rl->has_ops);
	ck_assert_uint_eq(rl->ops.one_time_burst, 0);
	nb_config_free(&c);

	/* 0 is allowed (no limit), and so is the largest value. */
	expect_ok(RL_DRIVE("{\"bandwidth\": {\"size\": 0, \"refill_time\": 0, \"one_time_burst\": "
			   "0}, \"ops\": {\"size\": 9223372036854775807, \"refill_time\": "
			   "9223372036854775807, \"one_time_burst\": 9223372036854775807}}"),
		  &c);
	rl = &c.drives[0].rate_limiter;
	ck_assert(rl->has_bandwidth && rl->has_ops);
	ck_assert_uint_eq(rl->bandwidth.size, 0);
	ck_assert_uint_eq(rl->ops.size, INT64_MAX);
	ck_assert_uint_eq(rl->ops.refill_time_ms, INT64_MAX);
	ck_assert_uint_eq(rl->ops.one_time_burst, INT64_MAX);
	ck_assert_int_eq(nb_config_validate(&c, NULL, 0), -EINVAL); /* no boot source */
	nb_config_free(&c);
}
END_TEST

START_TEST(test_rate_limiter_errors)
{
	static const char *const bad_values[] = {"-1", "9223372036854775808",
						 "18446744073709551615", "18446744073709551616",
						 "-99999999999999999999"};
	char json[256], msg[128];

	expect_error(RL_DRIVE("42"), "drives[0].rate_limiter: must be an object, not 42");
	expect_error(RL_DRIVE("[]"), "drives[0].rate_limiter: must be an object, not an array");
	expect_error(RL_DRIVE("{\"bandwith\": null}"),
		     "drives[0].rate_limiter.bandwith: unknown field");
	expect_error(RL_DRIVE("{\"bandwidth\": 5}"),
		     "drives[0].rate_limiter.bandwidth: must be an object, not 5");
	expect_error(RL_DRIVE("{\"ops\": \"fast\"}"),
		     "drives[0].rate_limiter.ops: must be an object, not \"fast\"");
	expect_error(RL_DRIVE("{\"ops\": {\"refill_time\": 1}}"),
		     "drives[0].rate_limiter.ops.size: is required");
	expect_error(RL_DRIVE("{\"ops\": {\"size\": 1}}"),
		     "drives[0].rate_limiter.ops.refill_time: is required");
	expect_error(RL_DRIVE("{\"ops\": " BUCKET(", \"refill_time_ms\": 1") "}"),
		     "drives[0].rate_limiter.ops.refill_time_ms: unknown field");
	expect_error(RL_DRIVE("{\"bandwidth\": {\"size\": null, \"refill_time\": 1}}"),
		     "drives[0].rate_limiter.bandwidth.size: must be an integer, not null");
	expect_error(RL_DRIVE("{\"bandwidth\": {\"size\": 1, \"refill_time\": null}}"),
		     "drives[0].rate_limiter.bandwidth.refill_time: must be an integer, not null");
	expect_error(RL_DRIVE("{\"bandwidth\": {\"size\": \"1\", \"refill_time\": 1}}"),
		     "drives[0].rate_limiter.bandwidth.size: must be an integer, not \"1\"");
	expect_error(RL_DRIVE("{\"bandwidth\": {\"size\": 1.5, \"refill_time\": 1}}"),
		     "drives[0].rate_limiter.bandwidth.size: must be an integer, not 1.5");
	expect_error(RL_DRIVE("{\"bandwidth\": " BUCKET(", \"one_time_burst\": true") "}"),
		     "drives[0].rate_limiter.bandwidth.one_time_burst: must be an integer, not "
		     "true");
	for (unsigned int i = 0; i < sizeof(bad_values) / sizeof(*bad_values); i++) {
		static const char *const keys[] = {"size", "one_time_burst", "refill_time"};

		for (unsigned int k = 0; k < 3; k++) {
			snprintf(json, sizeof(json),
				 "{\"drives\": [" DRIVE("\"rate_limiter\": {\"ops\": {\"size\": 1, "
							"\"refill_time\": 1, \"%s\": %s}}") "]}",
				 keys[k], bad_values[i]);
			snprintf(msg, sizeof(msg),
				 "drives[0].rate_limiter.ops.%s: must be between 0 and "
				 "9223372036854775807",
				 keys[k]);
			expect_error(json, msg);
		}
	}
	/* The second drive's path. */
	expect_error("{\"drives\": [" DRIVE0 ", {\"drive_id\": \"e\", \"path_on_host\": \"/e\", "
		     "\"rate_limiter\": {\"ops\": {}}}]}",
		     "drives[1].rate_limiter.ops.size: is required");
}
END_TEST

START_TEST(test_entropy)
{
	struct nb_vm_config c;

	expect_ok("{\"entropy\": {}}", &c);
	ck_assert(c.has_entropy);
	ck_assert(!c.entropy.rate_limiter.has_bandwidth && !c.entropy.rate_limiter.has_ops);
	nb_config_free(&c);
	ck_assert(!c.has_entropy);

	expect_ok("{\"entropy\": {\"rate_limiter\": null}}", &c);
	ck_assert(c.has_entropy && !c.entropy.rate_limiter.has_ops);
	nb_config_free(&c);

	expect_ok("{" BOOT ", \"entropy\": {\"rate_limiter\": {\"bandwidth\": {\"size\": 4096, "
		  "\"one_time_burst\": 65536, \"refill_time\": 100}, \"ops\": " BUCKET("") "}}}",
		  &c);
	ck_assert(c.has_entropy);
	ck_assert(c.entropy.rate_limiter.has_bandwidth && c.entropy.rate_limiter.has_ops);
	ck_assert_uint_eq(c.entropy.rate_limiter.bandwidth.size, 4096);
	ck_assert_uint_eq(c.entropy.rate_limiter.bandwidth.one_time_burst, 65536);
	ck_assert_uint_eq(c.entropy.rate_limiter.bandwidth.refill_time_ms, 100);
	ck_assert_uint_eq(c.entropy.rate_limiter.ops.size, 100);
	ck_assert_uint_eq(c.entropy.rate_limiter.ops.refill_time_ms, 10);
	ck_assert_int_eq(nb_config_validate(&c, NULL, 0), 0);
	nb_config_free(&c);

	expect_error("{\"entropy\": 1}", "entropy: must be an object, not 1");
	expect_error("{\"entropy\": {\"rate\": {}}}", "entropy.rate: unknown field");
	expect_error("{\"entropy\": {\"rate_limiter\": true}}",
		     "entropy.rate_limiter: must be an object, not true");
	expect_error("{\"entropy\": {\"rate_limiter\": {\"ops\": {\"size\": -5, \"refill_time\": "
		     "1}}}}",
		     "entropy.rate_limiter.ops.size: must be between 0 and 9223372036854775807");
	expect_error("{\"entropy\": {\"rate_limiter\": {\"bandwidth\": {\"size\": 1}}}}",
		     "entropy.rate_limiter.bandwidth.refill_time: is required");
}
END_TEST

START_TEST(test_rate_limiter_parsers)
{
	struct nb_rate_limiter_config rl = {.has_ops = true, .ops = {.size = 7}};
	struct nb_entropy_config e = {0};
	struct json_object *o;
	char err[256];

	/* PATCH /drives/{id}'s rate limiter: NULL or a JSON null clears it. */
	o = json_tokener_parse("{\"bandwidth\": {\"size\": 1, \"refill_time\": 2}}");
	ck_assert_int_eq(nb_config_parse_rate_limiter(&rl, o, "rl", err, sizeof(err)), 0);
	json_object_put(o);
	ck_assert(rl.has_bandwidth && !rl.has_ops);
	ck_assert_uint_eq(rl.bandwidth.refill_time_ms, 2);
	ck_assert_uint_eq(rl.ops.size, 0);
	o = json_tokener_parse("{\"ops\": {\"size\": 1}}");
	ck_assert_int_eq(nb_config_parse_rate_limiter(&rl, o, "rl", err, sizeof(err)), -EINVAL);
	json_object_put(o);
	ck_assert_str_eq(err, "rl.ops.refill_time: is required");
	ck_assert(rl.has_bandwidth && !rl.has_ops); /* unchanged */
	o = json_tokener_parse("{\"bandwidth\": {\"size\": 1, \"refill_time\": 2, \"x\": 0}}");
	ck_assert_int_eq(nb_config_parse_rate_limiter(&rl, o, "rl", err, sizeof(err)), -EINVAL);
	json_object_put(o);
	ck_assert_str_eq(err, "rl.bandwidth.x: unknown field");
	ck_assert_int_eq(nb_config_parse_rate_limiter(&rl, NULL, "rl", err, sizeof(err)), 0);
	ck_assert(!rl.has_bandwidth && !rl.has_ops);

	/* PUT /entropy. */
	o = json_tokener_parse("{\"rate_limiter\": {\"ops\": {\"size\": 3, \"refill_time\": 4}}}");
	ck_assert_int_eq(nb_config_parse_entropy(&e, o, err, sizeof(err)), 0);
	json_object_put(o);
	ck_assert(e.rate_limiter.has_ops);
	ck_assert_uint_eq(e.rate_limiter.ops.size, 3);
	o = json_tokener_parse("{\"rate_limiter\": {\"ops\": {\"size\": 3}}}");
	ck_assert_int_eq(nb_config_parse_entropy(&e, o, err, sizeof(err)), -EINVAL);
	json_object_put(o);
	ck_assert_str_eq(err, "entropy.rate_limiter.ops.refill_time: is required");
	ck_assert_uint_eq(e.rate_limiter.ops.size, 3);
	ck_assert_int_eq(nb_config_parse_entropy(&e, NULL, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "entropy: must be an object, not null");
	o = json_tokener_parse("{}");
	ck_assert_int_eq(nb_config_parse_entropy(&e, o, err, sizeof(err)), 0);
	json_object_put(o);
	ck_assert(!e.rate_limiter.has_ops);

	/* A drive parsed alone (PUT /drives/{id}) names "drives.". */
	o = json_tokener_parse(DRIVE("\"rate_limiter\": {\"ops\": 1}"));
	{
		struct nb_drive d = {0};

		ck_assert_int_eq(nb_config_parse_drive(&d, o, err, sizeof(err)), -EINVAL);
		ck_assert_str_eq(err, "drives.rate_limiter.ops: must be an object, not 1");
		nb_drive_free(&d);
	}
	json_object_put(o);
}
END_TEST

START_TEST(test_validate_rate_limiters)
{
	struct nb_vm_config c;
	struct nb_drive d = {0};
	char err[256];

	nb_config_init(&c);
	c.has_boot = true;
	c.boot.kernel_image_path = strdup("/k");
	c.drives[0] = (struct nb_drive){.drive_id = strdup("a"), .path_on_host = strdup("/a")};
	c.nr_drives = 1;
	ck_assert_int_eq(nb_config_validate(&c, err, sizeof(err)), 0);

	/* Values beyond what JSON allows, filled by hand. */
	c.drives[0].rate_limiter.bandwidth.size = UINT64_MAX;
	ck_assert_int_eq(nb_config_validate(&c, err, sizeof(err)), 0); /* not has_bandwidth */
	c.drives[0].rate_limiter.has_bandwidth = true;
	expect_invalid(&c, "drives[0].rate_limiter.bandwidth.size: must be between 0 and "
			   "9223372036854775807");
	c.drives[0].rate_limiter.bandwidth.size = 1;
	c.drives[0].rate_limiter.bandwidth.one_time_burst = (uint64_t)INT64_MAX + 1;
	expect_invalid(&c, "drives[0].rate_limiter.bandwidth.one_time_burst: must be between");
	c.drives[0].rate_limiter.bandwidth.one_time_burst = INT64_MAX;
	c.drives[0].rate_limiter.bandwidth.refill_time_ms = UINT64_MAX;
	expect_invalid(&c, "drives[0].rate_limiter.bandwidth.refill_time: must be between");
	c.drives[0].rate_limiter.bandwidth.refill_time_ms = 1000;
	c.drives[0].rate_limiter.has_ops = true;
	c.drives[0].rate_limiter.ops.size = UINT64_MAX;
	expect_invalid(&c, "drives[0].rate_limiter.ops.size: must be between");
	c.drives[0].rate_limiter.ops.size = 5;
	ck_assert_int_eq(nb_config_validate(&c, err, sizeof(err)), 0);

	/* add_drive checks it too. */
	d = (struct nb_drive){.drive_id = strdup("b"), .path_on_host = strdup("/b")};
	d.rate_limiter.has_ops = true;
	d.rate_limiter.ops.refill_time_ms = UINT64_MAX;
	ck_assert_int_eq(nb_config_add_drive(&c, &d, false, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "drives[1].rate_limiter.ops.refill_time: must be between 0 and "
			      "9223372036854775807");
	nb_drive_free(&d);

	/* The entropy device's, only when it is there. */
	c.entropy.rate_limiter.has_ops = true;
	c.entropy.rate_limiter.ops.one_time_burst = UINT64_MAX;
	ck_assert_int_eq(nb_config_validate(&c, err, sizeof(err)), 0);
	c.has_entropy = true;
	expect_invalid(&c, "entropy.rate_limiter.ops.one_time_burst: must be between 0 and");
	c.entropy.rate_limiter.ops.one_time_burst = 0;
	c.entropy.rate_limiter.has_bandwidth = true;
	c.entropy.rate_limiter.bandwidth.size = UINT64_MAX;
	expect_invalid(&c, "entropy.rate_limiter.bandwidth.size: must be between 0 and");
	c.entropy.rate_limiter.bandwidth.size = 0;
	ck_assert_int_eq(nb_config_validate(&c, err, sizeof(err)), 0);
	nb_config_free(&c);
	ck_assert(!c.has_entropy && !c.entropy.rate_limiter.has_ops);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("config");

	tcase_add_test(tc, test_full_file);
	tcase_add_test(tc, test_minimal_file_gets_defaults);
	tcase_add_test(tc, test_optional_fields);
	tcase_add_test(tc, test_required_fields);
	tcase_add_test(tc, test_unknown_fields);
	tcase_add_test(tc, test_unsupported_sections);
	tcase_add_test(tc, test_wrong_types);
	tcase_add_test(tc, test_wrong_section_types);
	tcase_add_test(tc, test_vcpu_limits);
	tcase_add_test(tc, test_mem_limits);
	tcase_add_test(tc, test_machine_rules);
	tcase_add_test(tc, test_drive_ids);
	tcase_add_test(tc, test_duplicate_drive_ids);
	tcase_add_test(tc, test_two_root_devices);
	tcase_add_test(tc, test_drive_count);
	tcase_add_test(tc, test_paths);
	tcase_add_test(tc, test_boot_args_length);
	tcase_add_test(tc, test_partuuid);
	tcase_add_test(tc, test_syntax_errors);
	tcase_add_test(tc, test_root_must_be_object);
	tcase_add_test(tc, test_file_errors);
	tcase_add_test(tc, test_file_content_limits);
	tcase_add_test(tc, test_file_from_pipe);
	tcase_add_test(tc, test_cpu_config_key);
	tcase_add_test(tc, test_error_buffer);
	tcase_add_test(tc, test_replace_and_keep);
	tcase_add_test(tc, test_free_partial);
	tcase_add_test(tc, test_section_parsers);
	tcase_add_test(tc, test_add_drive);
	tcase_add_test(tc, test_validate);
	tcase_add_test(tc, test_unused_sections_file);
	tcase_add_test(tc, test_io_engine_default);
	tcase_add_test(tc, test_drive_rate_limiter);
	tcase_add_test(tc, test_rate_limiter_errors);
	tcase_add_test(tc, test_entropy);
	tcase_add_test(tc, test_rate_limiter_parsers);
	tcase_add_test(tc, test_validate_rate_limiters);
	suite_add_tcase(s, tc);
	return nb_check_run(s);
}
