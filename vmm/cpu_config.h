/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Custom CPU templates for arm64 guests: Firecracker's aarch64 "cpu-config"
 * JSON, parsed into bit filters that the VMM applies to the KVM
 * capabilities it requires, to the vCPU feature words it passes to
 * KVM_ARM_VCPU_INIT and to vCPU registers (KVM_GET/SET_ONE_REG). This module
 * only parses, checks and computes; it makes no ioctl and builds on any host.
 *
 * The JSON shape (every key optional):
 *
 *   { "kvm_capabilities": ["171", "!172"],
 *     "vcpu_features": [ { "index": 0, "bitmap": "0b1100000" } ],
 *     "reg_modifiers": [ { "addr": "0x603000000013c020",
 *                          "bitmap": "0bx00100xxx1xxxx00xxx1xxxxxxxxxxx1" } ] }
 *
 * - A bitmap is "0b" then 1 to 128 characters '0', '1' or 'x', most
 *   significant first: the last character is bit 0. '0' and '1' set that
 *   bit; 'x' and every bit above the string's length keep the value it had.
 *   '_' may separate two bit characters for legibility and is ignored (not
 *   first, not last, not doubled).
 * - "kvm_capabilities": strings "N" (KVM_CHECK_EXTENSION must report
 *   capability N) or "!N" (drop N from the capabilities nestbox requires by
 *   default), N a decimal number from 1 to 65535 without leading zeros.
 * - "vcpu_features": "index" is the word of struct kvm_vcpu_init.features
 *   (0 to 6), "bitmap" at most 32 bits; each index at most once.
 * - "reg_modifiers": "addr" is a KVM ONE_REG id, "0x" then 1 to 16 hex
 *   digits, of arm64 (KVM_REG_ARM64) with a size field of u32, u64 or u128;
 *   "bitmap" at most as wide as that register; each addr at most once.
 * - "cpuid_modifiers" and "msr_modifiers" are refused as "x86_64 only", any
 *   other key as "unknown field". At most NB_CPU_MAX_KVM_CAPS capabilities,
 *   NB_CPU_NR_FEATURE_WORDS feature modifiers, NB_CPU_MAX_REG_MODIFIERS
 *   register modifiers.
 *
 * How the VMM applies a template (for every vCPU alike):
 *   1. capabilities: the required set is nestbox's default list, less
 *      kvm_caps_removed (a removed capability that is not in that list is
 *      no error), plus kvm_caps_required; refuse to start if KVM lacks one.
 *   2. features: after filling struct kvm_vcpu_init (preferred target and
 *      nestbox's own features, e.g. PSCI 0.2 and HAS_EL2 when nested), apply
 *      each vcpu_features[i] with nb_bitmap_apply32() to
 *      features[vcpu_features[i].index], then KVM_ARM_VCPU_INIT. The VMM may
 *      refuse a result that contradicts machine-config (nested without
 *      KVM_ARM_VCPU_HAS_EL2).
 *   3. registers: after KVM_ARM_VCPU_INIT and before the first KVM_RUN, for
 *      each reg_modifiers[i]: KVM_GET_ONE_REG of addr, apply the bitmap with
 *      nb_bitmap_apply32/64/128() by reg_bits, KVM_SET_ONE_REG.
 * Order does not matter: indexes and addrs are unique.
 *
 * Errors follow config.h: functions return 0 or a negative errno and write
 * one line into @err (@errlen bytes, always NUL-terminated, @err may be NULL
 * when @errlen is 0) that starts with the path of the offending field, e.g.
 * "cpu-config.reg_modifiers[1].bitmap: has 40 bits, more than the 32 of
 * register 0x6020000000110000".
 */
#ifndef NB_VMM_CPU_CONFIG_H
#define NB_VMM_CPU_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct json_object;

#define NB_BITMAP_MAX_BITS 128
#define NB_CPU_MAX_KVM_CAPS 64	  /* entries of kvm_capabilities, both kinds */
#define NB_CPU_MAX_KVM_CAP 65535  /* the largest capability number */
#define NB_CPU_NR_FEATURE_WORDS 7 /* struct kvm_vcpu_init.features[7] */
#define NB_CPU_FEATURE_BITS 32	  /* a feature word is a __u32 */
#define NB_CPU_MAX_REG_MODIFIERS 256

/*
 * A parsed bitmap: the bits it sets (filter) and their values. Word [0]
 * holds bits 0..63, word [1] bits 64..127. value has no bit outside filter
 * and neither has a bit at or above width.
 */
struct nb_bitmap {
	uint64_t filter[2];
	uint64_t value[2];
	unsigned int width; /* bit characters in the string: 1..NB_BITMAP_MAX_BITS */
};

struct nb_reg_modifier {
	uint64_t addr;		 /* the ONE_REG id */
	unsigned int reg_bits;	 /* 32, 64 or 128: from addr's size field */
	struct nb_bitmap bitmap; /* width <= reg_bits */
};

struct nb_vcpu_feature_modifier {
	unsigned int index;	 /* word of kvm_vcpu_init.features: 0..6 */
	struct nb_bitmap bitmap; /* width <= NB_CPU_FEATURE_BITS */
};

/*
 * A template. All zero is the empty template (nothing changes); entries keep
 * the order of the JSON arrays, except that kvm_capabilities is split in two.
 * nr_kvm_caps_required + nr_kvm_caps_removed <= NB_CPU_MAX_KVM_CAPS, and no
 * capability number appears twice in the two arrays together.
 */
struct nb_cpu_config {
	uint32_t kvm_caps_required[NB_CPU_MAX_KVM_CAPS]; /* "N": 1..65535 */
	unsigned int nr_kvm_caps_required;
	uint32_t kvm_caps_removed[NB_CPU_MAX_KVM_CAPS]; /* "!N": 1..65535 */
	unsigned int nr_kvm_caps_removed;
	struct nb_vcpu_feature_modifier vcpu_features[NB_CPU_NR_FEATURE_WORDS];
	unsigned int nr_vcpu_features;
	struct nb_reg_modifier reg_modifiers[NB_CPU_MAX_REG_MODIFIERS];
	unsigned int nr_reg_modifiers;
};

/*
 * Parses the bitmap string @s (see above) of at most @max_bits (1 to
 * NB_BITMAP_MAX_BITS) bit characters into @out. 0, or -EINVAL with a message
 * that does not name the field (the caller prefixes it), e.g. "bad
 * character 'z' at offset 4: only 0, 1, x and _ may follow \"0b\"" or "has
 * 33 bits, more than 32". @out is written only on success.
 */
int nb_bitmap_parse(const char *s, unsigned int max_bits, struct nb_bitmap *out, char *err,
		    size_t errlen);

/*
 * Applies @b to a register or feature word value in place:
 * new = (old & ~filter) | (value & filter). The 32- and 64-bit forms use the
 * low bits of filter[0]/value[0]; a bitmap that fits the width never has
 * bits above it. @v of the 128-bit form is v[0] bits 0..63, v[1] bits
 * 64..127 (a KVM u128 register read on a little-endian host as uint64_t[2]).
 */
void nb_bitmap_apply32(const struct nb_bitmap *b, uint32_t *v);
void nb_bitmap_apply64(const struct nb_bitmap *b, uint64_t *v);
void nb_bitmap_apply128(const struct nb_bitmap *b, uint64_t v[2]);

/*
 * The section parser, shared by the config file's inline "cpu-config"
 * object and the REST API (PUT /cpu-config): parses the template object @o
 * and checks every rule (as nb_cpu_config_check()). @prefix names @o in
 * errors ("cpu-config" gives "cpu-config.vcpu_features[0].index: ..."); ""
 * makes field paths bare ("vcpu_features[0].index: ...", "must be an
 * object, not an array"), for a template file's root. On success @c is
 * replaced by the new template; on error it is unchanged. -EINVAL, -ENOMEM.
 */
int nb_cpu_config_parse(struct nb_cpu_config *c, struct json_object *o, const char *prefix,
			char *err, size_t errlen);

/*
 * Reads and parses the template file @path (at most NB_CONFIG_MAX_FILE_SIZE
 * bytes, strict JSON as nb_config_from_json()); every error is prefixed by
 * "cpu-config PATH: ", e.g. "cpu-config /t.json: No such file or directory"
 * (-ENOENT), "cpu-config /t.json: JSON syntax error at line 2, column 5:
 * ..." or "cpu-config /t.json: reg_modifiers[0].addr: ...". On error @c is
 * unchanged.
 */
int nb_cpu_config_from_file(struct nb_cpu_config *c, const char *path, char *err, size_t errlen);

/*
 * Checks every rule on @c, however it was filled: counts, capability
 * numbers and uniqueness, feature indexes and their uniqueness, register ids
 * (arm64, size field), reg_bits matching the id, addr uniqueness, and that
 * each bitmap fits its word or register. @prefix as for
 * nb_cpu_config_parse(). 0 or -EINVAL.
 */
int nb_cpu_config_check(const struct nb_cpu_config *c, const char *prefix, char *err,
			size_t errlen);

/* Whether @c changes nothing: no capability, feature or register entry. */
bool nb_cpu_config_empty(const struct nb_cpu_config *c);

#endif
