// SPDX-License-Identifier: Apache-2.0
/* The VM configuration model: JSON parsing and every validation rule. */
#include "vmm/config.h"

#include <errno.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/aarch64/ipa.h"
#include "vmm/config_json.h"
#include "vmm/config_net.h"

#define S_BOOT "boot-source"
#define S_MACHINE "machine-config"
#define S_DRIVES "drives"
#define S_SERIAL "serial"
#define S_CPU "cpu-config"
#define S_ENTROPY "entropy"
#define S_BALLOON "balloon"
#define S_VSOCK "vsock"
#define RATE_LIMITER "rate_limiter"

/* Room for "drives[15]". */
#define PREFIX_LEN 32
/* Room for "drives[15].rate_limiter.bandwidth" and the like. */
#define PATH_LEN 64

static const char *const huge_pages_names[] = {"None", "2M", NULL};
static const char *const cache_type_names[] = {"Unsafe", "Writeback", NULL};
static const char *const io_engine_names[] = {"Async", "Sync", NULL};

static int enum_error(const char *sect, const char *key, const char *const *names, char *err,
		      size_t errlen)
{
	char list[128] = "";
	const char *sep;
	size_t len = 0;

	for (unsigned int i = 0; names[i] && len < sizeof(list); i++) {
		sep = !i ? "" : names[i + 1] ? ", " : " or ";
		len += snprintf(list + len, sizeof(list) - len, "%s\"%s\"", sep, names[i]);
	}
	return nb_cj_fail(err, errlen, -EINVAL, "%s.%s: must be %s", sect, key, list);
}

static int check_path(const char *sect, const char *key, const char *s, char *err, size_t errlen)
{
	if (!s)
		return nb_cj_fail(err, errlen, -EINVAL, "%s.%s: is required", sect, key);
	if (!*s)
		return nb_cj_fail(err, errlen, -EINVAL, "%s.%s: must not be empty", sect, key);
	if (strlen(s) >= PATH_MAX)
		return nb_cj_fail(err, errlen, -EINVAL, "%s.%s: must be shorter than %d bytes",
				  sect, key, PATH_MAX);
	return 0;
}

static bool is_id_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '_';
}

static bool is_uuid_char(char ch)
{
	return (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F') || (ch >= '0' && ch <= '9') ||
	       ch == '-';
}

static bool all_of(const char *s, size_t max_len, bool (*ok)(char))
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (i >= max_len || !ok(s[i]))
			return false;
	return i > 0;
}

/* An optional string may be null; a required one must be there. */
static int get_str(struct json_object *o, const char *sect, const char *key, bool required,
		   char **out, char *err, size_t errlen)
{
	const char *s = NULL;
	int ret;

	ret = nb_cj_get_cstr(o, sect, key, required, &s, err, errlen);
	if (ret || !s)
		return ret;
	*out = strdup(s);
	if (!*out)
		return nb_cj_fail(err, errlen, -ENOMEM, "%s.%s: out of memory", sect, key);
	return 0;
}

static int get_enum(struct json_object *o, const char *sect, const char *key,
		    const char *const *names, unsigned int *out, char *err, size_t errlen)
{
	struct json_object *v;

	if (!nb_cj_field(o, key, &v))
		return 0;
	if (json_object_is_type(v, json_type_string)) {
		for (unsigned int i = 0; names[i]; i++) {
			if (!strcmp(json_object_get_string(v), names[i])) {
				*out = i;
				return 0;
			}
		}
	}
	return enum_error(sect, key, names, err, errlen);
}

/* Each section's own rules, for the parsers and nb_config_validate(). */

static int check_bucket(const struct nb_token_bucket_config *b, const char *path, char *err,
			size_t errlen)
{
	static const char *const fmt = "%s.%s: must be between 0 and %llu";
	const unsigned long long max = NB_MAX_TOKENS;

	if (b->size > NB_MAX_TOKENS)
		return nb_cj_fail(err, errlen, -EINVAL, fmt, path, "size", max);
	if (b->one_time_burst > NB_MAX_TOKENS)
		return nb_cj_fail(err, errlen, -EINVAL, fmt, path, "one_time_burst", max);
	if (b->refill_time_ms > NB_MAX_TOKENS)
		return nb_cj_fail(err, errlen, -EINVAL, fmt, path, "refill_time", max);
	return 0;
}

/* @path: "drives[1].rate_limiter", "entropy.rate_limiter", ... */
static int check_rate_limiter(const struct nb_rate_limiter_config *rl, const char *path, char *err,
			      size_t errlen)
{
	char p[PATH_LEN];
	int ret = 0;

	if (rl->has_bandwidth) {
		snprintf(p, sizeof(p), "%s.bandwidth", path);
		ret = check_bucket(&rl->bandwidth, p, err, errlen);
	}
	if (!ret && rl->has_ops) {
		snprintf(p, sizeof(p), "%s.ops", path);
		ret = check_bucket(&rl->ops, p, err, errlen);
	}
	return ret;
}

int nb_config_check_rate_limiter(const struct nb_rate_limiter_config *rl, const char *path,
				 char *err, size_t errlen)
{
	return check_rate_limiter(rl, path, err, errlen);
}

static int check_boot(const struct nb_boot_source *b, char *err, size_t errlen)
{
	int ret;

	ret = check_path(S_BOOT, "kernel_image_path", b->kernel_image_path, err, errlen);
	if (!ret && b->initrd_path)
		ret = check_path(S_BOOT, "initrd_path", b->initrd_path, err, errlen);
	if (!ret && b->boot_args && strlen(b->boot_args) > NB_MAX_BOOT_ARGS_LEN)
		ret = nb_cj_fail(err, errlen, -EINVAL, "%s.boot_args: must be at most %d bytes",
				 S_BOOT, NB_MAX_BOOT_ARGS_LEN);
	return ret;
}

static int check_machine(const struct nb_machine_config *m, char *err, size_t errlen)
{
	int ret;

	ret =
	    nb_cj_check_range(S_MACHINE, "vcpu_count", m->vcpu_count, 1, NB_MAX_VCPUS, err, errlen);
	if (!ret)
		ret = nb_cj_check_range(S_MACHINE, "mem_size_mib", m->mem_size_mib, NB_MIN_MEM_MIB,
					NB_MAX_MEM_MIB, err, errlen);
	if (ret)
		return ret;
	if (m->smt)
		return nb_cj_fail(err, errlen, -EINVAL, "%s.smt: not supported on arm64",
				  S_MACHINE);
	if (m->huge_pages > NB_HUGE_PAGES_2M)
		return enum_error(S_MACHINE, "huge_pages", huge_pages_names, err, errlen);
	if (m->huge_pages == NB_HUGE_PAGES_2M && m->mem_size_mib % 2)
		return nb_cj_fail(err, errlen, -EINVAL,
				  "%s.mem_size_mib: must be a multiple of 2 with huge_pages \"2M\"",
				  S_MACHINE);
	if (m->el2_e2h0 && !m->nested)
		return nb_cj_fail(err, errlen, -EINVAL, "%s.el2_e2h0: requires nested", S_MACHINE);
	if (m->hide_nv2 && !m->nested)
		return nb_cj_fail(err, errlen, -EINVAL, "%s.hide_nv2: requires nested", S_MACHINE);
	/* The range and RAM against the layout; the host's limit is checked at the start. */
	if (m->ipa_bits && nb_ipa_choose(m->ipa_bits, (uint64_t)m->mem_size_mib << 20,
					 NB_IPA_MAX_BITS, err, errlen) < 0)
		return -EINVAL;
	return 0;
}

static int check_drive(const struct nb_drive *d, const char *p, char *err, size_t errlen)
{
	char rl_path[PATH_LEN];
	int ret;

	if (!d->drive_id)
		return nb_cj_fail(err, errlen, -EINVAL, "%s.drive_id: is required", p);
	if (!all_of(d->drive_id, NB_MAX_DRIVE_ID_LEN, is_id_char))
		return nb_cj_fail(err, errlen, -EINVAL,
				  "%s.drive_id: must be 1 to %d letters, digits or underscores", p,
				  NB_MAX_DRIVE_ID_LEN);
	ret = check_path(p, "path_on_host", d->path_on_host, err, errlen);
	if (ret)
		return ret;
	if (d->partuuid && !all_of(d->partuuid, NB_MAX_PARTUUID_LEN, is_uuid_char))
		return nb_cj_fail(err, errlen, -EINVAL,
				  "%s.partuuid: must be 1 to %d hex digits and dashes", p,
				  NB_MAX_PARTUUID_LEN);
	if (d->cache_type > NB_CACHE_WRITEBACK)
		return enum_error(p, "cache_type", cache_type_names, err, errlen);
	if (d->io_engine > NB_IO_SYNC)
		return enum_error(p, "io_engine", io_engine_names, err, errlen);
	snprintf(rl_path, sizeof(rl_path), "%s.%s", p, RATE_LIMITER);
	return check_rate_limiter(&d->rate_limiter, rl_path, err, errlen);
}

void nb_boot_source_free(struct nb_boot_source *b)
{
	free(b->kernel_image_path);
	free(b->initrd_path);
	free(b->boot_args);
	memset(b, 0, sizeof(*b));
}

void nb_drive_free(struct nb_drive *d)
{
	free(d->drive_id);
	free(d->path_on_host);
	free(d->partuuid);
	memset(d, 0, sizeof(*d));
}

void nb_config_init(struct nb_vm_config *c)
{
	memset(c, 0, sizeof(*c));
	c->machine.vcpu_count = NB_DEFAULT_VCPUS;
	c->machine.mem_size_mib = NB_DEFAULT_MEM_MIB;
	c->logger.level = NB_LOG_INFO;
}

void nb_config_free(struct nb_vm_config *c)
{
	nb_boot_source_free(&c->boot);
	for (unsigned int i = 0; i < NB_MAX_DRIVES; i++)
		nb_drive_free(&c->drives[i]);
	for (unsigned int i = 0; i < NB_MAX_NET_IFACES; i++)
		nb_net_iface_free(&c->net_ifaces[i]);
	free(c->serial_output_path);
	nb_vsock_config_free(&c->vsock);
	nb_logger_config_free(&c->logger);
	nb_metrics_config_free(&c->metrics);
	nb_mmds_config_free(&c->mmds);
	nb_config_init(c);
}

int nb_config_parse_boot_source(struct nb_boot_source *b, struct json_object *o, char *err,
				size_t errlen)
{
	static const char *const known[] = {"kernel_image_path", "initrd_path", "boot_args", NULL};
	struct nb_boot_source t = {0};
	int ret;

	ret = nb_cj_check_section(o, S_BOOT, known, NULL, err, errlen);
	if (!ret)
		ret = get_str(o, S_BOOT, "kernel_image_path", true, &t.kernel_image_path, err,
			      errlen);
	if (!ret)
		ret = get_str(o, S_BOOT, "initrd_path", false, &t.initrd_path, err, errlen);
	if (!ret)
		ret = get_str(o, S_BOOT, "boot_args", false, &t.boot_args, err, errlen);
	if (!ret)
		ret = check_boot(&t, err, errlen);
	if (ret) {
		nb_boot_source_free(&t);
		return ret;
	}
	nb_boot_source_free(b);
	*b = t;
	return 0;
}

int nb_config_parse_machine(struct nb_machine_config *m, struct json_object *o, char *err,
			    size_t errlen)
{
	static const char *const known[] = {
	    "vcpu_count", "mem_size_mib", "smt",      "track_dirty_pages", "huge_pages",
	    "nested",	  "el2_e2h0",	  "hide_nv2", "ipa_bits",	   NULL,
	};
	static const char *const unsupported[] = {"cpu_template", NULL};
	struct nb_machine_config t = {0};
	unsigned int huge_pages = NB_HUGE_PAGES_NONE;
	int ret;

	ret = nb_cj_check_section(o, S_MACHINE, known, unsupported, err, errlen);
	if (!ret)
		ret = nb_cj_get_u32(o, S_MACHINE, "vcpu_count", 1, NB_MAX_VCPUS, &t.vcpu_count, err,
				    errlen);
	if (!ret)
		ret = nb_cj_get_u32(o, S_MACHINE, "mem_size_mib", NB_MIN_MEM_MIB, NB_MAX_MEM_MIB,
				    &t.mem_size_mib, err, errlen);
	if (!ret)
		ret = nb_cj_get_bool(o, S_MACHINE, "smt", &t.smt, err, errlen);
	if (!ret)
		ret = nb_cj_get_bool(o, S_MACHINE, "track_dirty_pages", &t.track_dirty_pages, err,
				     errlen);
	if (!ret)
		ret = get_enum(o, S_MACHINE, "huge_pages", huge_pages_names, &huge_pages, err,
			       errlen);
	if (!ret)
		ret = nb_cj_get_bool(o, S_MACHINE, "nested", &t.nested, err, errlen);
	if (!ret)
		ret = nb_cj_get_bool(o, S_MACHINE, "el2_e2h0", &t.el2_e2h0, err, errlen);
	if (!ret)
		ret = nb_cj_get_bool(o, S_MACHINE, "hide_nv2", &t.hide_nv2, err, errlen);
	if (!ret) {
		struct json_object *v;

		/* null or absent: the smallest that fits. */
		if (nb_cj_field(o, "ipa_bits", &v) && v) {
			if (json_object_is_type(v, json_type_int))
				ret = nb_cj_check_range(S_MACHINE, "ipa_bits",
							json_object_get_int64(v), NB_IPA_MIN_BITS,
							NB_IPA_MAX_BITS, err, errlen);
			else
				ret = nb_cj_type_error(S_MACHINE, "ipa_bits", "an integer", v, err,
						       errlen);
			if (!ret)
				t.ipa_bits = (uint32_t)json_object_get_int64(v);
		}
	}
	t.huge_pages = huge_pages;
	if (!ret)
		ret = check_machine(&t, err, errlen);
	if (!ret)
		*m = t;
	return ret;
}

/* A bucket object, or null (*@has false: no limit). */
static int parse_bucket(struct nb_token_bucket_config *b, bool *has, struct json_object *o,
			const char *path, char *err, size_t errlen)
{
	static const char *const known[] = {"size", "one_time_burst", "refill_time", NULL};
	struct nb_token_bucket_config t = {0};
	int ret;

	if (!o) {
		*b = t;
		*has = false;
		return 0;
	}
	ret = nb_cj_check_section(o, path, known, NULL, err, errlen);
	if (!ret)
		ret = nb_cj_get_u64(o, path, "size", true, false, NB_MAX_TOKENS, &t.size, err,
				    errlen);
	if (!ret)
		ret = nb_cj_get_u64(o, path, "one_time_burst", false, true, NB_MAX_TOKENS,
				    &t.one_time_burst, err, errlen);
	if (!ret)
		ret = nb_cj_get_u64(o, path, "refill_time", true, false, NB_MAX_TOKENS,
				    &t.refill_time_ms, err, errlen);
	if (ret)
		return ret;
	*b = t;
	*has = true;
	return 0;
}

int nb_config_parse_rate_limiter(struct nb_rate_limiter_config *rl, struct json_object *o,
				 const char *path, char *err, size_t errlen)
{
	static const char *const known[] = {"bandwidth", "ops", NULL};
	struct nb_rate_limiter_config t = {0};
	struct json_object *v;
	char p[PATH_LEN];
	int ret;

	if (!o) {
		*rl = t;
		return 0;
	}
	ret = nb_cj_check_section(o, path, known, NULL, err, errlen);
	if (!ret && nb_cj_field(o, "bandwidth", &v)) {
		snprintf(p, sizeof(p), "%s.bandwidth", path);
		ret = parse_bucket(&t.bandwidth, &t.has_bandwidth, v, p, err, errlen);
	}
	if (!ret && nb_cj_field(o, "ops", &v)) {
		snprintf(p, sizeof(p), "%s.ops", path);
		ret = parse_bucket(&t.ops, &t.has_ops, v, p, err, errlen);
	}
	if (!ret)
		*rl = t;
	return ret;
}

int nb_config_parse_entropy(struct nb_entropy_config *e, struct json_object *o, char *err,
			    size_t errlen)
{
	static const char *const known[] = {RATE_LIMITER, NULL};
	struct nb_entropy_config t = {0};
	struct json_object *v;
	int ret;

	ret = nb_cj_check_section(o, S_ENTROPY, known, NULL, err, errlen);
	if (!ret && nb_cj_field(o, RATE_LIMITER, &v))
		ret = nb_config_parse_rate_limiter(&t.rate_limiter, v, S_ENTROPY "." RATE_LIMITER,
						   err, errlen);
	if (!ret)
		*e = t;
	return ret;
}

/* @p names the drive in errors: "drives" or "drives[N]". */
static int parse_drive(struct nb_drive *d, struct json_object *o, const char *p, char *err,
		       size_t errlen)
{
	static const char *const known[] = {
	    "drive_id",	  "path_on_host", "is_root_device", "is_read_only", "partuuid",
	    "cache_type", "io_engine",	  RATE_LIMITER,	    NULL,
	};
	static const char *const unsupported[] = {"socket", NULL};
	struct nb_drive t = {0};
	unsigned int cache_type = NB_CACHE_UNSAFE, io_engine = NB_IO_ASYNC;
	char rl_path[PATH_LEN];
	struct json_object *v;
	int ret;

	ret = nb_cj_check_section(o, p, known, unsupported, err, errlen);
	if (!ret)
		ret = get_str(o, p, "drive_id", true, &t.drive_id, err, errlen);
	if (!ret)
		ret = get_str(o, p, "path_on_host", true, &t.path_on_host, err, errlen);
	if (!ret)
		ret = nb_cj_get_bool(o, p, "is_root_device", &t.is_root_device, err, errlen);
	if (!ret)
		ret = nb_cj_get_bool(o, p, "is_read_only", &t.is_read_only, err, errlen);
	if (!ret)
		ret = get_str(o, p, "partuuid", false, &t.partuuid, err, errlen);
	if (!ret)
		ret = get_enum(o, p, "cache_type", cache_type_names, &cache_type, err, errlen);
	if (!ret)
		ret = get_enum(o, p, "io_engine", io_engine_names, &io_engine, err, errlen);
	if (!ret && nb_cj_field(o, RATE_LIMITER, &v)) {
		snprintf(rl_path, sizeof(rl_path), "%s.%s", p, RATE_LIMITER);
		ret = nb_config_parse_rate_limiter(&t.rate_limiter, v, rl_path, err, errlen);
	}
	t.cache_type = cache_type;
	t.io_engine = io_engine;
	if (!ret)
		ret = check_drive(&t, p, err, errlen);
	if (ret) {
		nb_drive_free(&t);
		return ret;
	}
	nb_drive_free(d);
	*d = t;
	return 0;
}

int nb_config_parse_drive(struct nb_drive *d, struct json_object *o, char *err, size_t errlen)
{
	return parse_drive(d, o, S_DRIVES, err, errlen);
}

int nb_config_add_drive(struct nb_vm_config *c, struct nb_drive *d, bool replace, char *err,
			size_t errlen)
{
	unsigned int i, found = c->nr_drives, slot;
	char p[PREFIX_LEN];
	int ret;

	if (c->nr_drives > NB_MAX_DRIVES)
		return nb_cj_fail(err, errlen, -EINVAL, "%s: at most %d drives are supported",
				  S_DRIVES, NB_MAX_DRIVES);
	for (i = 0; d->drive_id && i < c->nr_drives; i++) {
		if (c->drives[i].drive_id && !strcmp(c->drives[i].drive_id, d->drive_id)) {
			found = i;
			break;
		}
	}
	slot = replace ? found : c->nr_drives;
	snprintf(p, sizeof(p), "%s[%u]", S_DRIVES, slot);
	ret = check_drive(d, p, err, errlen);
	if (ret)
		return ret;
	if (found < c->nr_drives && !replace)
		return nb_cj_fail(err, errlen, -EINVAL,
				  "%s.drive_id: \"%s\" is already used by %s[%u]", p, d->drive_id,
				  S_DRIVES, found);
	if (slot >= NB_MAX_DRIVES)
		return nb_cj_fail(err, errlen, -EINVAL, "%s: at most %d drives are supported",
				  S_DRIVES, NB_MAX_DRIVES);
	for (i = 0; d->is_root_device && i < c->nr_drives; i++) {
		if (i != slot && c->drives[i].is_root_device)
			return nb_cj_fail(err, errlen, -EINVAL,
					  "%s.is_root_device: %s[%u] is already the root device", p,
					  S_DRIVES, i);
	}
	nb_drive_free(&c->drives[slot]);
	c->drives[slot] = *d;
	memset(d, 0, sizeof(*d));
	if (slot == c->nr_drives)
		c->nr_drives++;
	return 0;
}

static int parse_drives(struct nb_vm_config *c, struct json_object *a, char *err, size_t errlen)
{
	char buf[NB_CJ_QUOTE_LEN], p[PREFIX_LEN];
	struct nb_drive d = {0};
	size_t i, n;
	int ret;

	if (!json_object_is_type(a, json_type_array))
		return nb_cj_fail(err, errlen, -EINVAL, "%s: must be an array, not %s", S_DRIVES,
				  nb_cj_describe(buf, sizeof(buf), a));
	n = json_object_array_length(a);
	if (n > NB_MAX_DRIVES)
		return nb_cj_fail(err, errlen, -EINVAL, "%s: at most %d drives are supported",
				  S_DRIVES, NB_MAX_DRIVES);
	for (i = 0; i < n; i++) {
		snprintf(p, sizeof(p), "%s[%zu]", S_DRIVES, i);
		ret = parse_drive(&d, json_object_array_get_idx(a, i), p, err, errlen);
		if (!ret)
			ret = nb_config_add_drive(c, &d, false, err, errlen);
		nb_drive_free(&d);
		if (ret)
			return ret;
	}
	return 0;
}

int nb_config_parse_serial(char **output_path, struct json_object *o, char *err, size_t errlen)
{
	static const char *const known[] = {"output_path", NULL};
	char *path = NULL;
	int ret;

	ret = nb_cj_check_section(o, S_SERIAL, known, NULL, err, errlen);
	if (!ret)
		ret = get_str(o, S_SERIAL, "output_path", false, &path, err, errlen);
	if (!ret && path)
		ret = check_path(S_SERIAL, "output_path", path, err, errlen);
	if (ret) {
		free(path);
		return ret;
	}
	free(*output_path);
	*output_path = path;
	return 0;
}

/*
 * As in Firecracker's config file, "cpu-config" names a template file (a
 * relative path is taken from the current directory, as every other path
 * here); an inline object is accepted too, so a config can be one file.
 */
static int parse_cpu_config(struct nb_vm_config *c, struct json_object *v, char *err, size_t errlen)
{
	char buf[NB_CJ_QUOTE_LEN];
	const char *path;

	if (json_object_is_type(v, json_type_object))
		return nb_cpu_config_parse(&c->cpu, v, S_CPU, err, errlen);
	if (!json_object_is_type(v, json_type_string))
		return nb_cj_fail(err, errlen, -EINVAL,
				  "%s: must be a file path or an object, not %s", S_CPU,
				  nb_cj_describe(buf, sizeof(buf), v));
	path = json_object_get_string(v);
	if (!*path)
		return nb_cj_fail(err, errlen, -EINVAL, "%s: must not be empty", S_CPU);
	if (strlen(path) != (size_t)json_object_get_string_len(v))
		return nb_cj_fail(err, errlen, -EINVAL, "%s: must not contain a NUL character",
				  S_CPU);
	return nb_cpu_config_from_file(&c->cpu, path, err, errlen);
}

/* What tools write for a section they know but do not use: null or []. */
static bool is_unused(struct json_object *v)
{
	return !v || (json_object_is_type(v, json_type_array) && !json_object_array_length(v));
}

/* Firecracker's sections that nestbox does not build yet. */
static const char *const unsupported_sections[] = {NULL};

static int check_unsupported(struct json_object *root, char *err, size_t errlen)
{
	struct json_object *v;

	for (unsigned int i = 0; unsupported_sections[i]; i++) {
		if (nb_cj_field(root, unsupported_sections[i], &v) && !is_unused(v))
			return nb_cj_fail(err, errlen, -EINVAL, "%s: not supported yet",
					  unsupported_sections[i]);
	}
	return 0;
}

static int parse_root(struct nb_vm_config *c, struct json_object *root, char *err, size_t errlen)
{
	static const char *const known[] = {S_BOOT,
					    S_MACHINE,
					    S_DRIVES,
					    S_SERIAL,
					    S_CPU,
					    S_ENTROPY,
					    "network-interfaces",
					    S_VSOCK,
					    "logger",
					    "metrics",
					    S_BALLOON,
					    "mmds-config",
					    NULL};
	struct json_object *v;
	char buf[NB_CJ_QUOTE_LEN];
	int ret;

	if (!json_object_is_type(root, json_type_object))
		return nb_cj_fail(err, errlen, -EINVAL, "config: must be a JSON object, not %s",
				  nb_cj_describe(buf, sizeof(buf), root));
	ret = nb_cj_check_keys(root, "", known, NULL, err, errlen);
	if (!ret)
		ret = check_unsupported(root, err, errlen);
	/* null: not configured yet, as GET /vm/config writes it. */
	if (!ret && nb_cj_field(root, S_BOOT, &v) && v) {
		ret = nb_config_parse_boot_source(&c->boot, v, err, errlen);
		c->has_boot = !ret;
	}
	if (!ret && nb_cj_field(root, S_MACHINE, &v)) {
		ret = nb_config_parse_machine(&c->machine, v, err, errlen);
		c->has_machine = !ret;
	}
	if (!ret && nb_cj_field(root, S_DRIVES, &v))
		ret = parse_drives(c, v, err, errlen);
	if (!ret && nb_cj_field(root, NB_NET_SECTION, &v) && v)
		ret = nb_config_parse_net_ifaces(c, v, err, errlen);
	/* null: not used, as tools write it. */
	if (!ret && nb_cj_field(root, S_SERIAL, &v) && v)
		ret = nb_config_parse_serial(&c->serial_output_path, v, err, errlen);
	if (!ret && nb_cj_field(root, S_ENTROPY, &v) && v) {
		ret = nb_config_parse_entropy(&c->entropy, v, err, errlen);
		c->has_entropy = !ret;
	}
	if (!ret && nb_cj_field(root, NB_MMDS_SECTION, &v) && !is_unused(v)) {
		ret = nb_config_parse_mmds(&c->mmds, v, err, errlen);
		c->has_mmds = !ret;
		if (!ret)
			ret = nb_config_check_mmds(c, err, errlen);
	}
	if (!ret && nb_cj_field(root, S_VSOCK, &v) && !is_unused(v)) {
		ret = nb_config_parse_vsock(&c->vsock, v, err, errlen);
		c->has_vsock = !ret;
	}
	if (!ret && nb_cj_field(root, S_BALLOON, &v) && v) {
		ret = nb_config_parse_balloon(&c->balloon, v, err, errlen);
		c->has_balloon = !ret;
	}
	if (!ret && nb_cj_field(root, S_CPU, &v) && v) {
		ret = parse_cpu_config(c, v, err, errlen);
		c->has_cpu_config = !ret;
	}
	if (!ret && nb_cj_field(root, "logger", &v) && !is_unused(v)) {
		ret = nb_config_parse_logger(&c->logger, v, err, errlen);
		c->has_logger = !ret;
	}
	if (!ret && nb_cj_field(root, "metrics", &v) && !is_unused(v)) {
		ret = nb_config_parse_metrics(&c->metrics, v, err, errlen);
		c->has_metrics = !ret;
	}
	return ret;
}

int nb_config_from_json(struct nb_vm_config *c, const char *text, char *err, size_t errlen)
{
	struct json_object *root = NULL;
	struct nb_vm_config t;
	int ret;

	ret = nb_cj_parse_text(text, "config", &root, err, errlen);
	if (ret)
		return ret;
	nb_config_init(&t);
	ret = parse_root(&t, root, err, errlen);
	json_object_put(root);
	if (ret) {
		nb_config_free(&t);
		return ret;
	}
	nb_config_free(c);
	*c = t;
	return 0;
}

static int parse_text(void *c, const char *text, char *err, size_t errlen)
{
	return nb_config_from_json(c, text, err, errlen);
}

int nb_config_from_file(struct nb_vm_config *c, const char *path, char *err, size_t errlen)
{
	return nb_cj_from_file(path, "config file", parse_text, c, err, errlen);
}

int nb_config_validate(const struct nb_vm_config *c, char *err, size_t errlen)
{
	const struct nb_drive *d;
	char p[PREFIX_LEN];
	unsigned int i, j;
	int ret;

	if (!c->has_boot)
		return nb_cj_fail(err, errlen, -EINVAL, "%s: is required", S_BOOT);
	ret = check_boot(&c->boot, err, errlen);
	if (!ret)
		ret = check_machine(&c->machine, err, errlen);
	if (ret)
		return ret;
	if (c->nr_drives > NB_MAX_DRIVES)
		return nb_cj_fail(err, errlen, -EINVAL, "%s: at most %d drives are supported",
				  S_DRIVES, NB_MAX_DRIVES);
	for (i = 0; i < c->nr_drives; i++) {
		d = &c->drives[i];
		snprintf(p, sizeof(p), "%s[%u]", S_DRIVES, i);
		ret = check_drive(d, p, err, errlen);
		if (ret)
			return ret;
		for (j = 0; j < i; j++) {
			if (!strcmp(c->drives[j].drive_id, d->drive_id))
				return nb_cj_fail(err, errlen, -EINVAL,
						  "%s.drive_id: \"%s\" is already used by %s[%u]",
						  p, d->drive_id, S_DRIVES, j);
			if (c->drives[j].is_root_device && d->is_root_device)
				return nb_cj_fail(
				    err, errlen, -EINVAL,
				    "%s.is_root_device: %s[%u] is already the root device", p,
				    S_DRIVES, j);
		}
	}
	if (c->serial_output_path) {
		ret = check_path(S_SERIAL, "output_path", c->serial_output_path, err, errlen);
		if (ret)
			return ret;
	}
	if (c->has_entropy) {
		ret = check_rate_limiter(&c->entropy.rate_limiter, S_ENTROPY "." RATE_LIMITER, err,
					 errlen);
		if (ret)
			return ret;
	}
	ret = nb_config_check_net(c, err, errlen);
	if (!ret)
		ret = nb_config_check_mmds(c, err, errlen);
	if (ret)
		return ret;
	if (c->has_logger) {
		ret = nb_config_check_logger(&c->logger, err, errlen);
		if (ret)
			return ret;
	}
	if (c->has_metrics) {
		ret = nb_config_check_metrics(&c->metrics, err, errlen);
		if (ret)
			return ret;
	}
	if (c->has_vsock) {
		ret = nb_config_check_vsock(&c->vsock, err, errlen);
		if (ret)
			return ret;
	}
	if (c->has_balloon) {
		ret = nb_config_check_balloon(&c->balloon, c->machine.mem_size_mib, err, errlen);
		if (ret)
			return ret;
	}
	if (c->has_cpu_config)
		return nb_cpu_config_check(&c->cpu, S_CPU, err, errlen);
	return 0;
}
