// SPDX-License-Identifier: Apache-2.0
/* Custom CPU templates: Firecracker's aarch64 cpu-config JSON as bit filters. */
#include "vmm/cpu_config.h"

#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/aarch64/sysreg.h"
#include "vmm/config_json.h"

#define K_CAPS "kvm_capabilities"
#define K_FEATURES "vcpu_features"
#define K_REGS "reg_modifiers"

/* Room for "cpu-config.reg_modifiers[255]" with a longer caller prefix. */
#define PATH_LEN 96

/* KVM_REG_SIZE_SHIFT: the size field is log2 of the register's bytes. */
#define REG_SIZE_SHIFT 52

/* "PREFIX.NAME", or NAME alone at a template file's root (empty prefix). */
static const char *join(char *buf, size_t n, const char *prefix, const char *name)
{
	snprintf(buf, n, "%s%s%s", prefix, *prefix ? "." : "", name);
	return buf;
}

static bool is_bit_char(char ch)
{
	return ch == '0' || ch == '1' || ch == 'x';
}

int nb_bitmap_parse(const char *s, unsigned int max_bits, struct nb_bitmap *out, char *err,
		    size_t errlen)
{
	struct nb_bitmap b = {0};
	const char *p = s + 2;
	unsigned int bit = 0;
	size_t len, i;
	char ch;

	if (max_bits > NB_BITMAP_MAX_BITS)
		max_bits = NB_BITMAP_MAX_BITS;
	if (strncmp(s, "0b", 2))
		return nb_cj_fail(err, errlen, -EINVAL, "must start with \"0b\"");
	len = strlen(p);
	if (!len)
		return nb_cj_fail(err, errlen, -EINVAL, "has no bits after \"0b\"");
	/* Offsets in messages count from the start of the string, "0b" included. */
	for (i = 0; i < len; i++) {
		ch = p[i];
		if (ch == '_' && (!i || i + 1 == len || p[i + 1] == '_'))
			return nb_cj_fail(err, errlen, -EINVAL,
					  "'_' at offset %zu must stand between two bits", i + 2);
		if (ch == '_')
			continue;
		if (!is_bit_char(ch))
			return nb_cj_fail(
			    err, errlen, -EINVAL,
			    "bad character '%c' at offset %zu: only 0, 1, x and _ may follow "
			    "\"0b\"",
			    (unsigned char)ch < 0x20 || (unsigned char)ch >= 0x7f ? '?' : ch,
			    i + 2);
		b.width++;
	}
	if (b.width > max_bits)
		return nb_cj_fail(err, errlen, -EINVAL, "has %u bits, more than %u", b.width,
				  max_bits);
	/* The last character is bit 0. */
	for (i = len; i-- > 0;) {
		if (p[i] == '_')
			continue;
		if (p[i] != 'x')
			b.filter[bit / 64] |= 1ULL << (bit % 64);
		if (p[i] == '1')
			b.value[bit / 64] |= 1ULL << (bit % 64);
		bit++;
	}
	*out = b;
	return 0;
}

void nb_bitmap_apply64(const struct nb_bitmap *b, uint64_t *v)
{
	*v = (*v & ~b->filter[0]) | (b->value[0] & b->filter[0]);
}

void nb_bitmap_apply32(const struct nb_bitmap *b, uint32_t *v)
{
	uint64_t x = *v;

	nb_bitmap_apply64(b, &x);
	*v = (uint32_t)x;
}

void nb_bitmap_apply128(const struct nb_bitmap *b, uint64_t v[2])
{
	for (unsigned int i = 0; i < 2; i++)
		v[i] = (v[i] & ~b->filter[i]) | (b->value[i] & b->filter[i]);
}

/*
 * How many bits @b reaches: its width, or more in a hand-filled struct
 * whose filter or value has bits above it.
 */
static unsigned int bitmap_span(const struct nb_bitmap *b)
{
	uint64_t lo = b->filter[0] | b->value[0], hi = b->filter[1] | b->value[1];
	unsigned int top = hi ? 128 - __builtin_clzll(hi) : lo ? 64 - __builtin_clzll(lo) : 0;

	return top > b->width ? top : b->width;
}

/* The width of the register @id names: 32, 64, 128, or 0 for other sizes. */
static unsigned int reg_id_bits(uint64_t id)
{
	switch (id & NB_KVM_REG_SIZE_MASK) {
	case NB_KVM_REG_SIZE_U32:
		return 32;
	case NB_KVM_REG_SIZE_U64:
		return 64;
	case NB_KVM_REG_SIZE_U128:
		return 128;
	default:
		return 0;
	}
}

/* Rules of one entry, and that it repeats none before it; @p is its path. */

static int check_feature(const struct nb_cpu_config *c, unsigned int i, const char *p, char *err,
			 size_t errlen)
{
	const struct nb_vcpu_feature_modifier *f = &c->vcpu_features[i];
	unsigned int span = bitmap_span(&f->bitmap);

	if (f->index >= NB_CPU_NR_FEATURE_WORDS)
		return nb_cj_fail(err, errlen, -EINVAL, "%s.index: must be between 0 and %d", p,
				  NB_CPU_NR_FEATURE_WORDS - 1);
	if (span > NB_CPU_FEATURE_BITS)
		return nb_cj_fail(err, errlen, -EINVAL,
				  "%s.bitmap: has %u bits, more than the %d of a feature word", p,
				  span, NB_CPU_FEATURE_BITS);
	for (unsigned int j = 0; j < i; j++)
		if (c->vcpu_features[j].index == f->index)
			return nb_cj_fail(err, errlen, -EINVAL,
					  "%s.index: %u is already used by " K_FEATURES "[%u]", p,
					  f->index, j);
	return 0;
}

static int check_reg(const struct nb_cpu_config *c, unsigned int i, const char *p, char *err,
		     size_t errlen)
{
	const struct nb_reg_modifier *r = &c->reg_modifiers[i];
	unsigned int bits = reg_id_bits(r->addr), span = bitmap_span(&r->bitmap);

	if ((r->addr & NB_KVM_REG_ARCH_MASK) != NB_KVM_REG_ARM64)
		return nb_cj_fail(err, errlen, -EINVAL,
				  "%s.addr: 0x%" PRIx64 " is not an arm64 KVM register id", p,
				  r->addr);
	if (!bits)
		return nb_cj_fail(
		    err, errlen, -EINVAL,
		    "%s.addr: 0x%" PRIx64 " has size field %u, not 2 (u32), 3 (u64) "
		    "or 4 (u128)",
		    p, r->addr, (unsigned int)((r->addr & NB_KVM_REG_SIZE_MASK) >> REG_SIZE_SHIFT));
	if (r->reg_bits != bits)
		return nb_cj_fail(err, errlen, -EINVAL,
				  "%s: reg_bits is %u, not the %u of its addr", p, r->reg_bits,
				  bits);
	if (span > bits)
		return nb_cj_fail(err, errlen, -EINVAL,
				  "%s.bitmap: has %u bits, more than the %u of register 0x%" PRIx64,
				  p, span, bits, r->addr);
	for (unsigned int j = 0; j < i; j++)
		if (c->reg_modifiers[j].addr == r->addr)
			return nb_cj_fail(err, errlen, -EINVAL,
					  "%s.addr: 0x%" PRIx64 " is already used by " K_REGS
					  "[%u]",
					  p, r->addr, j);
	return 0;
}

/* Capability @k of the required ones followed by the removed ones. */
static uint32_t cap_at(const struct nb_cpu_config *c, unsigned int k)
{
	return k < c->nr_kvm_caps_required ? c->kvm_caps_required[k]
					   : c->kvm_caps_removed[k - c->nr_kvm_caps_required];
}

/* The split arrays lost the JSON order, so errors name the list only. */
static int check_caps(const struct nb_cpu_config *c, const char *p, char *err, size_t errlen)
{
	unsigned int n = c->nr_kvm_caps_required + c->nr_kvm_caps_removed;
	uint32_t cap;
	int ret;

	/* Each count alone first: their sum could wrap around. */
	if (c->nr_kvm_caps_required > NB_CPU_MAX_KVM_CAPS)
		n = c->nr_kvm_caps_required;
	else if (c->nr_kvm_caps_removed > NB_CPU_MAX_KVM_CAPS)
		n = c->nr_kvm_caps_removed;
	ret = nb_cj_check_count(p, n, NB_CPU_MAX_KVM_CAPS, err, errlen);
	if (ret)
		return ret;
	for (unsigned int k = 0; k < n; k++) {
		cap = cap_at(c, k);
		if (!cap || cap > NB_CPU_MAX_KVM_CAP)
			return nb_cj_fail(err, errlen, -EINVAL,
					  "%s: %" PRIu32 " is not a capability number from 1 to %d",
					  p, cap, NB_CPU_MAX_KVM_CAP);
		for (unsigned int j = 0; j < k; j++)
			if (cap_at(c, j) == cap)
				return nb_cj_fail(err, errlen, -EINVAL,
						  "%s: %" PRIu32 " is listed more than once", p,
						  cap);
	}
	return 0;
}

/* One entry's rules: @p is its path, "cpu-config.reg_modifiers[3]". */
typedef int entry_check(const struct nb_cpu_config *c, unsigned int i, const char *p, char *err,
			size_t errlen);

/* The @n entries of the array @key, at most @max, each by @check. */
static int check_entries(const struct nb_cpu_config *c, const char *prefix, const char *key,
			 unsigned int n, unsigned int max, entry_check *check, char *err,
			 size_t errlen)
{
	char p[PATH_LEN], e[PATH_LEN + 16];
	int ret;

	join(p, sizeof(p), prefix, key);
	ret = nb_cj_check_count(p, n, max, err, errlen);
	for (unsigned int i = 0; !ret && i < n; i++) {
		snprintf(e, sizeof(e), "%s[%u]", p, i);
		ret = check(c, i, e, err, errlen);
	}
	return ret;
}

int nb_cpu_config_check(const struct nb_cpu_config *c, const char *prefix, char *err, size_t errlen)
{
	char p[PATH_LEN];
	int ret;

	ret = check_caps(c, join(p, sizeof(p), prefix, K_CAPS), err, errlen);
	if (!ret)
		ret = check_entries(c, prefix, K_FEATURES, c->nr_vcpu_features,
				    NB_CPU_NR_FEATURE_WORDS, check_feature, err, errlen);
	if (!ret)
		ret = check_entries(c, prefix, K_REGS, c->nr_reg_modifiers,
				    NB_CPU_MAX_REG_MODIFIERS, check_reg, err, errlen);
	return ret;
}

bool nb_cpu_config_empty(const struct nb_cpu_config *c)
{
	return !c->nr_kvm_caps_required && !c->nr_kvm_caps_removed && !c->nr_vcpu_features &&
	       !c->nr_reg_modifiers;
}

/* "N" or "!N", N in 1..65535 in plain decimal (no sign, no leading zero). */
static bool parse_cap(const char *s, uint32_t *cap, bool *removed)
{
	uint32_t x = 0;
	size_t i;

	*removed = *s == '!';
	s += *removed;
	/* Six digits at most: enough to see 65536 is too large, and no overflow. */
	for (i = 0; i < 6 && s[i] >= '0' && s[i] <= '9'; i++)
		x = x * 10 + (uint32_t)(s[i] - '0');
	if (!i || s[i] || s[0] == '0' || x > NB_CPU_MAX_KVM_CAP)
		return false;
	*cap = x;
	return true;
}

/* "0x" and 1 to 16 hex digits. */
static bool parse_addr(const char *s, uint64_t *addr)
{
	uint64_t x = 0;
	unsigned int d;
	size_t i;

	if (strncmp(s, "0x", 2))
		return false;
	for (i = 2; s[i]; i++) {
		if (s[i] >= '0' && s[i] <= '9')
			d = s[i] - '0';
		else if (s[i] >= 'a' && s[i] <= 'f')
			d = s[i] - 'a' + 10;
		else if (s[i] >= 'A' && s[i] <= 'F')
			d = s[i] - 'A' + 10;
		else
			return false;
		if (i >= 18)
			return false;
		x = x << 4 | d;
	}
	if (i == 2)
		return false;
	*addr = x;
	return true;
}

/* Parses "bitmap" of the object @o at @p. */
static int get_bitmap(struct json_object *o, const char *p, struct nb_bitmap *b, char *err,
		      size_t errlen)
{
	const char *s = NULL;
	char msg[160];
	int ret;

	ret = nb_cj_get_cstr(o, p, "bitmap", true, &s, err, errlen);
	if (ret)
		return ret;
	/* The widest format here: each use checks its own width with its context. */
	ret = nb_bitmap_parse(s, NB_BITMAP_MAX_BITS, b, msg, sizeof(msg));
	if (ret)
		return nb_cj_fail(err, errlen, ret, "%s.bitmap: %s", p, msg);
	return 0;
}

/* One array element's parser: @p is its path, "cpu-config.reg_modifiers[3]". */
typedef int elem_parser(struct nb_cpu_config *t, struct json_object *e, const char *p, char *err,
			size_t errlen);

static int parse_cap_elem(struct nb_cpu_config *t, struct json_object *e, const char *p, char *err,
			  size_t errlen)
{
	char buf[NB_CJ_QUOTE_LEN];
	const char *s;
	uint32_t cap;
	bool removed;

	if (!json_object_is_type(e, json_type_string))
		return nb_cj_fail(err, errlen, -EINVAL, "%s: must be a string, not %s", p,
				  nb_cj_describe(buf, sizeof(buf), e));
	s = json_object_get_string(e);
	/* An embedded NUL would end the number early: "171\u0000x" is not 171. */
	if (strlen(s) != (size_t)json_object_get_string_len(e) || !parse_cap(s, &cap, &removed))
		return nb_cj_fail(err, errlen, -EINVAL,
				  "%s: must be \"N\" or \"!N\" with N a capability number from 1 "
				  "to %d, not \"%s\"",
				  p, NB_CPU_MAX_KVM_CAP, nb_cj_printable(buf, sizeof(buf), s));
	/* The array's length was checked: neither list can overflow. */
	if (removed)
		t->kvm_caps_removed[t->nr_kvm_caps_removed++] = cap;
	else
		t->kvm_caps_required[t->nr_kvm_caps_required++] = cap;
	return 0;
}

static int parse_feature_elem(struct nb_cpu_config *t, struct json_object *e, const char *p,
			      char *err, size_t errlen)
{
	static const char *const known[] = {"index", "bitmap", NULL};
	struct nb_vcpu_feature_modifier *f = &t->vcpu_features[t->nr_vcpu_features];
	uint32_t index = 0;
	int ret;

	ret = nb_cj_check_section(e, p, known, NULL, err, errlen);
	if (!ret)
		ret = nb_cj_get_u32(e, p, "index", 0, NB_CPU_NR_FEATURE_WORDS - 1, &index, err,
				    errlen);
	if (!ret)
		ret = get_bitmap(e, p, &f->bitmap, err, errlen);
	f->index = index;
	if (!ret)
		ret = check_feature(t, t->nr_vcpu_features, p, err, errlen);
	if (!ret)
		t->nr_vcpu_features++;
	return ret;
}

static int parse_reg_elem(struct nb_cpu_config *t, struct json_object *e, const char *p, char *err,
			  size_t errlen)
{
	static const char *const known[] = {"addr", "bitmap", NULL};
	struct nb_reg_modifier *r = &t->reg_modifiers[t->nr_reg_modifiers];
	char buf[NB_CJ_QUOTE_LEN];
	const char *s = NULL;
	int ret;

	ret = nb_cj_check_section(e, p, known, NULL, err, errlen);
	if (!ret)
		ret = nb_cj_get_cstr(e, p, "addr", true, &s, err, errlen);
	if (ret)
		return ret;
	if (!parse_addr(s, &r->addr))
		return nb_cj_fail(err, errlen, -EINVAL,
				  "%s.addr: must be \"0x\" and 1 to 16 hex digits, not \"%s\"", p,
				  nb_cj_printable(buf, sizeof(buf), s));
	r->reg_bits = reg_id_bits(r->addr);
	ret = get_bitmap(e, p, &r->bitmap, err, errlen);
	if (!ret)
		ret = check_reg(t, t->nr_reg_modifiers, p, err, errlen);
	if (!ret)
		t->nr_reg_modifiers++;
	return ret;
}

/* The array @key of @o, if there, element by element; at most @max elements. */
static int parse_array(struct nb_cpu_config *t, struct json_object *o, const char *prefix,
		       const char *key, unsigned int max, elem_parser *parse, char *err,
		       size_t errlen)
{
	char p[PATH_LEN], e[PATH_LEN + 16], buf[NB_CJ_QUOTE_LEN];
	struct json_object *a;
	size_t i, n;
	int ret;

	if (!nb_cj_field(o, key, &a))
		return 0;
	join(p, sizeof(p), prefix, key);
	if (!json_object_is_type(a, json_type_array))
		return nb_cj_fail(err, errlen, -EINVAL, "%s: must be an array, not %s", p,
				  nb_cj_describe(buf, sizeof(buf), a));
	n = json_object_array_length(a);
	ret = nb_cj_check_count(p, n, max, err, errlen);
	for (i = 0; !ret && i < n; i++) {
		snprintf(e, sizeof(e), "%s[%u]", p, (unsigned int)i);
		ret = parse(t, json_object_array_get_idx(a, i), e, err, errlen);
	}
	return ret;
}

int nb_cpu_config_parse(struct nb_cpu_config *c, struct json_object *o, const char *prefix,
			char *err, size_t errlen)
{
	static const char *const known[] = {K_CAPS, K_FEATURES, K_REGS, NULL};
	static const char *const x86[] = {"cpuid_modifiers", "msr_modifiers", NULL};
	char buf[NB_CJ_QUOTE_LEN], p[PATH_LEN];
	struct nb_cpu_config *t;
	struct json_object *v;
	int ret;

	if (!json_object_is_type(o, json_type_object))
		return nb_cj_fail(err, errlen, -EINVAL, "%s%smust be an object, not %s", prefix,
				  *prefix ? ": " : "", nb_cj_describe(buf, sizeof(buf), o));
	/* Firecracker's x86 template keys: say why, not just "unknown". */
	for (const char *const *k = x86; *k; k++)
		if (nb_cj_field(o, *k, &v))
			return nb_cj_fail(err, errlen, -EINVAL, "%s: x86_64 only",
					  join(p, sizeof(p), prefix, *k));
	ret = nb_cj_check_keys(o, prefix, known, NULL, err, errlen);
	if (ret)
		return ret;
	/* About 15 KiB: on the heap, to spare the stacks of API threads. */
	t = calloc(1, sizeof(*t));
	if (!t)
		return nb_cj_fail(err, errlen, -ENOMEM, "%s: out of memory",
				  *prefix ? prefix : "cpu-config");
	ret = parse_array(t, o, prefix, K_CAPS, NB_CPU_MAX_KVM_CAPS, parse_cap_elem, err, errlen);
	if (!ret)
		ret = parse_array(t, o, prefix, K_FEATURES, NB_CPU_NR_FEATURE_WORDS,
				  parse_feature_elem, err, errlen);
	if (!ret)
		ret = parse_array(t, o, prefix, K_REGS, NB_CPU_MAX_REG_MODIFIERS, parse_reg_elem,
				  err, errlen);
	/* The entries were checked one by one; this adds the capability rules. */
	if (!ret)
		ret = nb_cpu_config_check(t, prefix, err, errlen);
	if (!ret)
		*c = *t;
	free(t);
	return ret;
}

static int parse_text(void *c, const char *text, char *err, size_t errlen)
{
	struct json_object *root = NULL;
	int ret;

	ret = nb_cj_parse_text(text, "cpu-config", &root, err, errlen);
	if (!ret)
		ret = nb_cpu_config_parse(c, root, "", err, errlen);
	json_object_put(root);
	return ret;
}

int nb_cpu_config_from_file(struct nb_cpu_config *c, const char *path, char *err, size_t errlen)
{
	return nb_cj_from_file(path, "cpu-config", parse_text, c, err, errlen);
}
