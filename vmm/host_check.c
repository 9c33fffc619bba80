// SPDX-License-Identifier: Apache-2.0
#include "vmm/host_check.h"

#include <json-c/json.h>
#include <string.h>
#include <unistd.h>

#include "arch/aarch64/kvm_host.h"

static const char *yes(bool b)
{
	return b ? "yes" : "no";
}

static void print_table(const char *path, const struct nb_host_caps *c, const char *plain,
			const char *nested, const char *nested_e2h0, FILE *out)
{
	fprintf(out, "nestbox host-check: %s\n", path);
	fprintf(out, "  %-28s %d\n", "KVM API version", c->api_version);
	fprintf(out, "  %-28s %s\n", "KVM_CAP_ARM_EL2", yes(c->el2));
	fprintf(out, "  %-28s %s\n", "KVM_CAP_ARM_EL2_E2H0", yes(c->el2_e2h0));
	if (c->ipa_max)
		fprintf(out, "  %-28s %d bits\n", "max IPA size", c->ipa_max);
	else
		fprintf(out, "  %-28s 40 bits (fixed)\n", "max IPA size");
	fprintf(out, "  %-28s %s\n", "GICv3 (vgic-v3)", yes(c->gicv3));
	fprintf(out, "  %-28s %s\n", "KVM_CAP_COUNTER_OFFSET", yes(c->counter_offset));
	fprintf(out, "  %-28s %s\n", "PSCI 0.2", yes(c->psci_0_2));
	fprintf(out, "  %-28s %d (recommended %d)\n", "max vCPUs", c->max_vcpus, c->nr_vcpus);
	fprintf(out, "  %-28s %s\n", "kvm-arm.mode=nested", yes(c->nested_cmdline));
	fprintf(out, "  %-28s %s\n", "host is itself a VM", yes(c->in_vm));
	fprintf(out, "plain microVMs: %s%s\n", plain ? "not supported: " : "supported",
		plain ? plain : "");
	if (nested)
		fprintf(out, "nested guests: %s\n", nested);
	else if (nested_e2h0)
		fprintf(out, "nested guests: supported (VHE only; non-VHE: %s)\n", nested_e2h0);
	else
		fprintf(out, "nested guests: supported (VHE and non-VHE)\n");
}

static void print_json(const char *path, const struct nb_host_caps *c, const char *plain,
		       const char *nested, const char *nested_e2h0, FILE *out)
{
	json_object *o = json_object_new_object();
	json_object *p = json_object_new_object();
	json_object *n = json_object_new_object();

	json_object_object_add(o, "kvm_path", json_object_new_string(path));
	json_object_object_add(o, "kvm_api_version", json_object_new_int(c->api_version));
	json_object_object_add(o, "cap_arm_el2", json_object_new_boolean(c->el2));
	json_object_object_add(o, "cap_arm_el2_e2h0", json_object_new_boolean(c->el2_e2h0));
	json_object_object_add(o, "max_ipa_bits",
			       json_object_new_int(c->ipa_max ? c->ipa_max : 40));
	json_object_object_add(o, "gicv3", json_object_new_boolean(c->gicv3));
	json_object_object_add(o, "counter_offset", json_object_new_boolean(c->counter_offset));
	json_object_object_add(o, "psci_0_2", json_object_new_boolean(c->psci_0_2));
	json_object_object_add(o, "max_vcpus", json_object_new_int(c->max_vcpus));
	json_object_object_add(o, "recommended_vcpus", json_object_new_int(c->nr_vcpus));
	json_object_object_add(o, "kvm_arm_mode_nested",
			       json_object_new_boolean(c->nested_cmdline));
	json_object_object_add(o, "host_is_vm", json_object_new_boolean(c->in_vm));

	json_object_object_add(p, "supported", json_object_new_boolean(!plain));
	json_object_object_add(p, "reason", plain ? json_object_new_string(plain) : NULL);
	json_object_object_add(o, "plain_microvms", p);
	json_object_object_add(n, "supported", json_object_new_boolean(!nested));
	json_object_object_add(n, "non_vhe", json_object_new_boolean(!nested_e2h0));
	json_object_object_add(n, "reason",
			       nested	     ? json_object_new_string(nested)
			       : nested_e2h0 ? json_object_new_string(nested_e2h0)
					     : NULL);
	json_object_object_add(o, "nested_guests", n);

	fprintf(out, "%s\n",
		json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
						      JSON_C_TO_STRING_SPACED |
						      JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

int nb_host_check(const char *kvm_path, bool json, FILE *out)
{
	struct nb_host_caps caps;
	int fd = nb_kvm_open(kvm_path);
	int r;

	if (fd < 0) {
		fprintf(stderr, "nestbox: %s: %s: %s\n", kvm_path, strerror(-fd),
			nb_kvm_open_advice(fd));
		return 1;
	}
	r = nb_host_probe(fd, &caps, NULL, NULL);
	close(fd);
	if (r < 0) {
		fprintf(stderr, "nestbox: %s: not a KVM device (%s)\n", kvm_path, strerror(-r));
		return 1;
	}
	const char *plain = nb_host_plain_verdict(&caps);
	const char *nested = nb_host_nested_verdict(&caps, false);
	const char *nested_e2h0 = nested ? NULL : nb_host_nested_verdict(&caps, true);

	if (json)
		print_json(kvm_path, &caps, plain, nested, nested_e2h0, out);
	else
		print_table(kvm_path, &caps, plain, nested, nested_e2h0, out);
	return 0;
}
