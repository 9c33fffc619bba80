// SPDX-License-Identifier: Apache-2.0
/* Applying a custom CPU template (and hide_nv2) to KVM vCPUs. */
#include "arch/aarch64/cpu_template.h"

#include <errno.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "arch/aarch64/sysreg.h"

#define FAIL(r, ...)                                                                               \
	do {                                                                                       \
		snprintf(err, errlen, __VA_ARGS__);                                                \
		return (r);                                                                        \
	} while (0)

/*
 * The capabilities a CPU template requires ("N"). Its "!N" entries are
 * accepted but cannot drop what nestbox itself needs: the host verdicts
 * (kvm_host.h) check that whatever the template says.
 */
int nb_cpu_template_check_caps(int kvm_fd, const struct nb_cpu_config *t, char *err, size_t errlen)
{
	for (unsigned int i = 0; i < t->nr_kvm_caps_required; i++)
		if (ioctl(kvm_fd, KVM_CHECK_EXTENSION, (long)t->kvm_caps_required[i]) <= 0)
			FAIL(-ENOTSUP,
			     "cpu-config.kvm_capabilities: this host's KVM lacks capability %u",
			     t->kvm_caps_required[i]);
	return 0;
}

/*
 * The template's changes to the vCPU feature words. The features nestbox
 * manages must come out as nestbox sets them: the rest of the VM (FDT, GIC,
 * timers, entry level, how secondaries start) is built from them.
 */
int nb_cpu_template_features(const struct nb_cpu_config *t, struct nb_vcpu_features *f, char *err,
			     size_t errlen)
{
	static const struct {
		int bit;
		const char *name, *why;
	} managed[] = {
	    {KVM_ARM_VCPU_POWER_OFF, "KVM_ARM_VCPU_POWER_OFF",
	     "nestbox starts vCPU 0 and the others with PSCI CPU_ON"},
	    {KVM_ARM_VCPU_PSCI_0_2, "KVM_ARM_VCPU_PSCI_0_2",
	     "the device tree nestbox builds describes PSCI 0.2"},
	    {KVM_ARM_VCPU_HAS_EL2, "KVM_ARM_VCPU_HAS_EL2", "set machine-config.nested instead"},
	    {KVM_ARM_VCPU_HAS_EL2_E2H0, "KVM_ARM_VCPU_HAS_EL2_E2H0",
	     "set machine-config.el2_e2h0 instead"},
	};
	struct nb_vcpu_features plain = *f;
	uint32_t words[NB_VCPU_FEATURE_WORDS] = {0}, want[NB_VCPU_FEATURE_WORDS] = {0};

	for (unsigned int i = 0; i < t->nr_vcpu_features; i++) {
		const struct nb_vcpu_feature_modifier *mod = &t->vcpu_features[i];

		f->mask[mod->index] = (uint32_t)mod->bitmap.filter[0];
		f->value[mod->index] = (uint32_t)mod->bitmap.value[0];
	}
	nb_vcpu_features_words(&plain, want);
	nb_vcpu_features_words(f, words);
	for (unsigned int i = 0; i < sizeof(managed) / sizeof(managed[0]); i++) {
		uint32_t bit = 1U << managed[i].bit;

		/* POWER_OFF differs between vCPUs: a template may not touch it. */
		if ((words[0] & bit) != (want[0] & bit) ||
		    (managed[i].bit == KVM_ARM_VCPU_POWER_OFF && (f->mask[0] & bit)))
			FAIL(-EINVAL, "cpu-config.vcpu_features: %s %s (word 0, bit %d): %s",
			     words[0] & bit ? "sets" : "clears", managed[i].name, managed[i].bit,
			     managed[i].why);
	}
	return 0;
}

static bool has_reg(const uint64_t *ids, size_t n, uint64_t id)
{
	for (size_t i = 0; i < n; i++)
		if (ids[i] == id)
			return true;
	return false;
}

/*
 * Applies one register change to every vCPU. @what names the change in
 * errors. An ID register field KVM does not let userspace change is refused
 * here with the writable bits (@masks, NULL if unknown), before KVM's plain
 * EINVAL.
 */
static int modify_reg(const int *vcpu_fds, uint32_t nr_vcpus, const char *what, uint64_t id,
		      const struct nb_bitmap *b, const uint64_t *masks, char *err, size_t errlen)
{
	char name[64];
	int idx = nb_id_reg_mask_index(id);

	if (nb_reg_format_name(id, name, sizeof(name)) < 0)
		snprintf(name, sizeof(name), "0x%llx", (unsigned long long)id);
	for (uint32_t i = 0; i < nr_vcpus; i++) {
		uint64_t old[2], val[2];
		int r = nb_vcpu_get_reg_wide(vcpu_fds[i], id, old);

		if (r)
			FAIL(r, "%s: vCPU %u: KVM_GET_ONE_REG %s: %s", what, i, name, strerror(-r));
		memcpy(val, old, sizeof(val));
		nb_bitmap_apply128(b, val);
		if (!memcmp(val, old, sizeof(val)))
			continue;
		if (idx >= 0 && masks && ((val[0] ^ old[0]) & ~masks[idx]))
			FAIL(-EPERM,
			     "%s: bits 0x%llx of %s cannot be changed on this host (its KVM lets "
			     "userspace change 0x%llx)",
			     what, (unsigned long long)((val[0] ^ old[0]) & ~masks[idx]), name,
			     (unsigned long long)masks[idx]);
		r = nb_vcpu_set_reg_wide(vcpu_fds[i], id, val);
		if (r)
			FAIL(r, "%s: vCPU %u: KVM_SET_ONE_REG %s = 0x%llx: %s", what, i, name,
			     (unsigned long long)val[0], strerror(-r));
	}
	return 0;
}

/* FEAT_NV2 as an ID register field: register, field's lowest bit. */
static const struct {
	uint64_t id;
	int shift;
} nv2_fields[] = {
    {NB_SYSREG(3, 0, 0, 7, 2), 24}, /* ID_AA64MMFR2_EL1.NV */
    {NB_SYSREG(3, 0, 0, 7, 4), 20}, /* ID_AA64MMFR4_EL1.NV_frac */
};

/*
 * The CPU template's register changes, then machine-config.hide_nv2 (both
 * NV fields to 0, so that the guest hypervisor's KVM finds no FEAT_NV2 and
 * offers no EL2 guests of its own). Before the first KVM_RUN: ID registers
 * are writable only until then.
 */
int nb_cpu_template_apply_regs(int vm_fd, const int *vcpu_fds, uint32_t nr_vcpus,
			       const struct nb_cpu_config *t, bool hide_nv2, char *err,
			       size_t errlen)
{
	uint64_t masks[NB_ID_REG_MASKS], *ids = NULL;
	bool have_masks;
	size_t n = 0;
	int r = 0;

	if (!t->nr_reg_modifiers && !hide_nv2)
		return 0;
	have_masks = !nb_vm_id_reg_masks(vm_fd, masks);
	r = nb_vcpu_reg_list(vcpu_fds[0], &ids, &n);
	if (r)
		FAIL(r, "KVM_GET_REG_LIST: %s", strerror(-r));
	for (unsigned int i = 0; i < t->nr_reg_modifiers && !r; i++) {
		const struct nb_reg_modifier *mod = &t->reg_modifiers[i];
		char what[48];

		snprintf(what, sizeof(what), "cpu-config.reg_modifiers[%u]", i);
		if (!has_reg(ids, n, mod->addr)) {
			snprintf(
			    err, errlen,
			    "%s.addr: 0x%llx is not a register of this vCPU (KVM_GET_REG_LIST; "
			    "nestbox --dump-regs lists them)",
			    what, (unsigned long long)mod->addr);
			r = -ENOENT;
			break;
		}
		r = modify_reg(vcpu_fds, nr_vcpus, what, mod->addr, &mod->bitmap,
			       have_masks ? masks : NULL, err, errlen);
	}
	for (unsigned int i = 0; i < 2 && !r && hide_nv2; i++) {
		struct nb_bitmap zero = {.filter = {0xfULL << nv2_fields[i].shift}};

		/* A kernel that does not list the register has no such field. */
		if (has_reg(ids, n, nv2_fields[i].id))
			r = modify_reg(vcpu_fds, nr_vcpus, "machine-config.hide_nv2",
				       nv2_fields[i].id, &zero, have_masks ? masks : NULL, err,
				       errlen);
	}
	free(ids);
	return r;
}
