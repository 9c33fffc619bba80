/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The VM configuration model: what to boot and with which machine and
 * drives. The config file, the CLI quick flags and the REST API all fill a
 * struct nb_vm_config, and every rule is checked here, once:
 *
 *   - the JSON parsers check types, unknown fields and each section's own
 *     rules (a field's range, a drive id's characters, ...);
 *   - nb_config_validate() checks the whole struct again, whoever filled it,
 *     plus the cross-section rules (a boot source is present, drive ids are
 *     unique, at most one root device). Call it before building a VM.
 *
 * The JSON shape is Firecracker's config file:
 *
 *   { "boot-source": { "kernel_image_path", "initrd_path", "boot_args" },
 *     "machine-config": { "vcpu_count", "mem_size_mib", "smt",
 *                         "track_dirty_pages", "huge_pages": "None" | "2M",
 *                         "nested", "el2_e2h0", "hide_nv2", "ipa_bits" },
 *     "drives": [ { "drive_id", "path_on_host", "is_root_device",
 *                   "is_read_only", "partuuid",
 *                   "cache_type": "Unsafe" | "Writeback",
 *                   "io_engine": "Async" | "Sync",
 *                   "rate_limiter": RATE_LIMITER } ],
 *     "serial": { "output_path" },
 *     "entropy": { "rate_limiter": RATE_LIMITER },
 *     "balloon": { ...see config_balloon.h... },
 *     "network-interfaces": [ { "iface_id", "host_dev_name", "guest_mac",
 *                               "rx_rate_limiter": RATE_LIMITER,
 *                               "tx_rate_limiter": RATE_LIMITER } ],  (config_net.h)
 *     "vsock": { "guest_cid", "uds_path", "vsock_id" },  (config_vsock.h)
 *     "mmds-config": { "version", "network_interfaces", "ipv4_address",
 *                      "imds_compat" },  (config_mmds.h)
 *     "cpu-config": "PATH" | { ...a custom CPU template... },
 *     "logger": { ... }, "metrics": { "metrics_path" } }  (config_obs.h)
 *
 *   RATE_LIMITER: { "bandwidth": BUCKET, "ops": BUCKET }, each optional
 *   BUCKET: { "size", "one_time_burst", "refill_time" } (refill_time in ms;
 *           size and refill_time required, one_time_burst optional)
 *
 * "nested" (the guest runs at virtual EL2), "el2_e2h0" (... without VHE) and
 * "hide_nv2" (hide FEAT_NV2 from that guest hypervisor, so that it cannot
 * run guest hypervisors of its own; requires nested) are nestbox's own, and
 * so is "ipa_bits" (the guest-physical address size, 32..52 or null: the
 * smallest that holds RAM, 40 at least; see arch/aarch64/ipa.h).
 * "cpu-config" is, as in Firecracker, the path of a custom CPU template file
 * (relative to the current directory); nestbox also takes the template
 * inline as an object. cpu_config.h describes templates; errors from a file
 * read "cpu-config PATH: ...", from an inline object "cpu-config.FIELD: ...".
 * "io_engine" defaults to "Async" (io_uring) in nestbox, where Firecracker
 * defaults to "Sync". A bucket whose size or refill_time is 0 limits
 * nothing, as in Firecracker.
 *
 * JSON types are strict: integers must be JSON integers, booleans JSON
 * booleans. null means "not given" for optional strings, for
 * "one_time_burst", for a rate limiter or one of its buckets, and for the
 * sections "serial", "entropy", "balloon", "mmds-config" and "cpu-config"
 * (tools write every section they know, null or [] when unused); any other
 * unknown field is refused as "unknown field".
 *
 * Errors: functions return 0 or a negative errno (-EINVAL for bad input,
 * -ENOMEM, or the file's errno) and write one line into @err (@errlen bytes,
 * always NUL-terminated and truncated if need be; @err may be NULL when
 * @errlen is 0). The line starts with the path of the offending field, e.g.
 * "machine-config.vcpu_count: must be an integer" or
 * "drives[1].drive_id: \"rootfs\" is already used by drives[0]".
 *
 * Ownership: every string in these structs is heap-allocated and owned by
 * the struct; nb_config_free() (or nb_boot_source_free(), nb_drive_free())
 * releases it. A struct the CLI fills by hand must follow the same rule
 * (strdup() its strings).
 *
 * Limitation: json-c keeps the last of duplicated object keys, so
 * {"vcpu_count": 1, "vcpu_count": 2} reads as 2.
 */
#ifndef NB_VMM_CONFIG_H
#define NB_VMM_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmm/config_vsock.h"
#include "vmm/config_balloon.h"
#include "vmm/config_obs.h"
#include "vmm/config_mmds.h"
#include "vmm/cpu_config.h"

struct json_object;

#define NB_MAX_VCPUS 32
#define NB_MIN_MEM_MIB 16
#define NB_MAX_MEM_MIB (1024u * 1024u) /* 1 TiB */
#define NB_DEFAULT_VCPUS 1
#define NB_DEFAULT_MEM_MIB 128
#define NB_MAX_DRIVES 16
#define NB_MAX_DRIVE_ID_LEN 64
#define NB_MAX_NET_IFACES 8
#define NB_MAX_PARTUUID_LEN 36
#define NB_MAX_BOOT_ARGS_LEN 2047 /* arm64 COMMAND_LINE_SIZE less the NUL */
#define NB_CONFIG_MAX_FILE_SIZE (1024 * 1024)
#define NB_MAX_TOKENS INT64_MAX /* a bucket's size, one_time_burst, refill_time */

enum nb_huge_pages {
	NB_HUGE_PAGES_NONE, /* "None" (default) */
	NB_HUGE_PAGES_2M,   /* "2M": guest memory from 2 MiB hugetlbfs pages */
};

enum nb_cache_type {
	NB_CACHE_UNSAFE,    /* "Unsafe" (default): flush requests are ignored */
	NB_CACHE_WRITEBACK, /* "Writeback": flush requests reach the disk */
};

enum nb_io_engine {
	NB_IO_ASYNC, /* "Async" (default): io_uring */
	NB_IO_SYNC,  /* "Sync": blocking I/O */
};

/*
 * One token bucket of a rate limiter (the device's own struct is
 * nb_token_bucket_params in devices/rate_limiter.h, field for field).
 */
struct nb_token_bucket_config {
	uint64_t size;		 /* tokens; 0: unlimited */
	uint64_t one_time_burst; /* extra tokens, spent first and never refilled */
	uint64_t refill_time_ms; /* "refill_time": ms to refill size; 0: unlimited */
};

/* A rate limiter: a bucket that was not given limits nothing. */
struct nb_rate_limiter_config {
	struct nb_token_bucket_config bandwidth; /* bytes */
	struct nb_token_bucket_config ops;	 /* requests */
	bool has_bandwidth;
	bool has_ops;
};

struct nb_boot_source {
	char *kernel_image_path; /* required */
	char *initrd_path;	 /* NULL: none */
	char *boot_args;	 /* NULL: the VMM's default command line */
};

struct nb_machine_config {
	uint32_t vcpu_count;   /* 1..NB_MAX_VCPUS */
	uint32_t mem_size_mib; /* NB_MIN_MEM_MIB..NB_MAX_MEM_MIB */
	bool smt;	       /* must be false on arm64 */
	bool track_dirty_pages;
	enum nb_huge_pages huge_pages; /* 2M: mem_size_mib must be even */
	bool nested;		       /* vCPUs boot at virtual EL2 */
	bool el2_e2h0;		       /* ... without VHE; requires nested */
	bool hide_nv2;		       /* ... without FEAT_NV2; requires nested */
	uint32_t ipa_bits;	       /* 0: the smallest that fits, 40 at least; 32..52 */
};

struct nb_drive {
	char *drive_id;	     /* [A-Za-z0-9_]{1,64}, unique */
	char *path_on_host;  /* required */
	char *partuuid;	     /* NULL: none; else hex digits and '-' */
	bool is_root_device; /* at most one drive */
	bool is_read_only;
	enum nb_cache_type cache_type;
	enum nb_io_engine io_engine;
	struct nb_rate_limiter_config rate_limiter;
};

/* A virtio-net device on a tap ("network-interfaces"; config_net.h parses it). */
struct nb_net_iface {
	char *iface_id;	      /* [A-Za-z0-9_]{1,64}, unique */
	char *host_dev_name;  /* the tap's name: 1..15 bytes, unique */
	bool has_mac;	      /* guest_mac was given (VIRTIO_NET_F_MAC) */
	uint8_t guest_mac[6]; /* unique among the interfaces */
	struct nb_rate_limiter_config rx_rate_limiter, tx_rate_limiter;
	bool vhost; /* nestbox's own: the kernel's data path (/dev/vhost-net) */
};

/* The virtio-rng device (Firecracker's "entropy" section). */
struct nb_entropy_config {
	struct nb_rate_limiter_config rate_limiter;
};

struct nb_vm_config {
	struct nb_boot_source boot;
	bool has_boot; /* boot was set (required to boot) */
	struct nb_machine_config machine;
	bool has_machine; /* machine was set, else the defaults */
	struct nb_drive drives[NB_MAX_DRIVES];
	unsigned int nr_drives;
	char *serial_output_path; /* NULL: the serial console goes to stdout */
	struct nb_cpu_config cpu; /* a custom CPU template; no heap strings */
	bool has_cpu_config;	  /* cpu was set, else no template */
	struct nb_entropy_config entropy;
	bool has_entropy;		  /* entropy was set: the VM gets a virtio-rng device */
	struct nb_balloon_config balloon; /* config_balloon.h */
	bool has_balloon;		  /* balloon was set: the VM gets a virtio-balloon device */
	struct nb_net_iface net_ifaces[NB_MAX_NET_IFACES];
	unsigned int nr_net_ifaces;
	struct nb_vsock_config vsock;	/* config_vsock.h */
	bool has_vsock;			/* vsock was set: the VM gets a virtio-vsock device */
	struct nb_logger_config logger; /* config_obs.h */
	bool has_logger;		/* logger was set (it is applied once) */
	struct nb_metrics_config metrics;
	bool has_metrics;	    /* metrics was set */
	struct nb_mmds_config mmds; /* config_mmds.h */
	bool has_mmds;		    /* mmds-config was set: MMDS on its interfaces */
};

/*
 * Empties @c: no boot source, no drives, serial to stdout, and the default
 * machine (NB_DEFAULT_VCPUS vCPU, NB_DEFAULT_MEM_MIB MiB, everything else
 * off) with has_machine false, no CPU template. @c must not hold allocations.
 */
void nb_config_init(struct nb_vm_config *c);

/*
 * Frees everything @c holds and leaves it as nb_config_init() does. Safe on
 * a partially filled config and when called twice.
 */
void nb_config_free(struct nb_vm_config *c);

/* Free the strings of one section and zero it; safe to call twice. */
void nb_boot_source_free(struct nb_boot_source *b);
void nb_drive_free(struct nb_drive *d);

/*
 * Section parsers, shared with the REST API (PUT /boot-source,
 * /machine-config, /drives/{id}). Each takes the JSON object of that section
 * and checks its types, unknown fields and the section's own rules; missing
 * optional fields get their defaults (so a parse replaces the whole
 * section). Errors name the field prefixed by the section: "boot-source.",
 * "machine-config.", "drives." (the file parser says "drives[N].").
 *
 * The target must be zeroed or hold a previous result: on success its old
 * strings are freed and it holds the new section; on error it is unchanged.
 */
int nb_config_parse_boot_source(struct nb_boot_source *b, struct json_object *o, char *err,
				size_t errlen);
int nb_config_parse_machine(struct nb_machine_config *m, struct json_object *o, char *err,
			    size_t errlen);
int nb_config_parse_drive(struct nb_drive *d, struct json_object *o, char *err, size_t errlen);
/* PUT /entropy; errors "entropy.". */
int nb_config_parse_entropy(struct nb_entropy_config *e, struct json_object *o, char *err,
			    size_t errlen);
/* PUT /serial; errors "serial.". On success *@output_path (NULL: stdout) is replaced. */
int nb_config_parse_serial(char **output_path, struct json_object *o, char *err, size_t errlen);
/*
 * A rate limiter object (PATCH /drives/{id} replaces only a drive's); @o may
 * be NULL or a JSON null (no limits). Errors are prefixed by @path, e.g.
 * "drives[0].rate_limiter". On error *@rl is unchanged.
 */
int nb_config_parse_rate_limiter(struct nb_rate_limiter_config *rl, struct json_object *o,
				 const char *path, char *err, size_t errlen);
/* A rate limiter's values again (nb_config_validate()); errors prefixed by @path. */
int nb_config_check_rate_limiter(const struct nb_rate_limiter_config *rl, const char *path,
				 char *err, size_t errlen);

/*
 * Adds the drive @d to @c, taking its strings (@d is zeroed) on success; on
 * error @c and @d are unchanged. A drive whose id is already in @c replaces
 * that drive when @replace (the REST API's PUT /drives/{id}), else is an
 * error (the config file). Also checks @d's own rules and refuses a 17th
 * drive and a second root device. Errors name the drive by the index it
 * would take: "drives[2].is_root_device: drives[0] is already the root
 * device".
 */
int nb_config_add_drive(struct nb_vm_config *c, struct nb_drive *d, bool replace, char *err,
			size_t errlen);

/*
 * Parses a whole config file's text (NUL-terminated). @c must have been
 * initialized: on success its old content is freed and it holds the new
 * config; on error it is unchanged. Syntax errors say where:
 * "JSON syntax error at line 3, column 7: unexpected character". A missing
 * "boot-source" is not an error here but in nb_config_validate(), so that CLI
 * flags can complete a file.
 */
int nb_config_from_json(struct nb_vm_config *c, const char *text, char *err, size_t errlen);

/*
 * Reads and parses the config file @path (at most NB_CONFIG_MAX_FILE_SIZE
 * bytes); as nb_config_from_json(), with every error prefixed by
 * "config file PATH: ", e.g. "config file /x.json: No such file or
 * directory" (-ENOENT).
 */
int nb_config_from_file(struct nb_vm_config *c, const char *path, char *err, size_t errlen);

/*
 * Checks every rule on @c, however it was filled: each section's own rules
 * again, then that a boot source is present, at most NB_MAX_DRIVES drives,
 * drive ids unique, at most one root device, the rate limiters' values
 * (drives and entropy), and the CPU template's rules (nb_cpu_config_check())
 * if has_cpu_config. 0 or -EINVAL.
 */
int nb_config_validate(const struct nb_vm_config *c, char *err, size_t errlen);

#endif
