/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the host's KVM offers nestbox: capability probing and the verdicts
 * "can this host run plain microVMs / guest hypervisors, and if not, why".
 */
#ifndef NB_ARCH_KVM_HOST_H
#define NB_ARCH_KVM_HOST_H

#include <stdbool.h>
#include <stddef.h>

#define NB_KVM_DEFAULT_PATH "/dev/kvm"

struct nb_host_caps {
	int api_version;     /* KVM_GET_API_VERSION, 12 on every sane host */
	int el2;	     /* KVM_CAP_ARM_EL2: vCPUs may boot at vEL2 */
	int el2_e2h0;	     /* KVM_CAP_ARM_EL2_E2H0: ... without VHE */
	int ipa_max;	     /* KVM_CAP_ARM_VM_IPA_SIZE, 0: fixed 40 bits */
	bool gicv3;	     /* a vgic-v3 device can be created */
	bool irqchip;	     /* KVM_CAP_IRQCHIP */
	bool one_reg;	     /* KVM_CAP_ONE_REG */
	bool psci_0_2;	     /* KVM_CAP_ARM_PSCI_0_2 */
	bool counter_offset; /* KVM_CAP_COUNTER_OFFSET */
	int max_vcpus;	     /* KVM_CAP_MAX_VCPUS */
	int nr_vcpus;	     /* KVM_CAP_NR_VCPUS (recommended) */
	/* Facts about the running kernel, to name the fix precisely. */
	bool nested_cmdline; /* kvm-arm.mode=nested on its command line */
	bool in_vm;	     /* this host is itself a virtual machine */
};

/* Opens the KVM device read-write, close-on-exec: fd or -errno. */
int nb_kvm_open(const char *path);

/* One line saying why @path could not be opened and what to do. */
const char *nb_kvm_open_advice(int err);

/*
 * Fills @caps from an open KVM fd (creates and drops a scratch VM to test
 * for GICv3). @proc_cmdline and @dt_compatible are files read for the
 * kernel facts; NULL selects /proc/cmdline and the device tree's root
 * compatible. Returns 0 or -errno.
 */
int nb_host_probe(int kvm_fd, struct nb_host_caps *caps, const char *proc_cmdline,
		  const char *dt_compatible);

/* NULL when plain microVMs can run, else the reason and the fix. */
const char *nb_host_plain_verdict(const struct nb_host_caps *caps);

/*
 * NULL when guest hypervisors can run (non-VHE ones if @e2h0), else one
 * line with the reason and the fix.
 */
const char *nb_host_nested_verdict(const struct nb_host_caps *caps, bool e2h0);

#endif
