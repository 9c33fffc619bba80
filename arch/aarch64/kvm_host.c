// SPDX-License-Identifier: Apache-2.0
#include "arch/aarch64/kvm_host.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define DT_COMPATIBLE "/sys/firmware/devicetree/base/compatible"

int nb_kvm_open(const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

const char *nb_kvm_open_advice(int err)
{
	switch (err) {
	case -ENOENT:
	case -ENODEV:
	case -ENXIO:
		return "no KVM on this host: run nestbox on arm64 Linux with KVM "
		       "(CONFIG_KVM, booted at EL2), or inside a nestbox guest "
		       "hypervisor";
	case -EACCES:
	case -EPERM:
		return "permission denied: run as root or add this user to the "
		       "group owning the KVM device (usually 'kvm')";
	default:
		return "cannot use KVM on this host";
	}
}

static int check_ext(int fd, long cap)
{
	int r = ioctl(fd, KVM_CHECK_EXTENSION, cap);

	return r < 0 ? 0 : r;
}

/* Whether @path (a small text or NUL-separated file) contains @needle. */
static bool file_contains(const char *path, const char *needle)
{
	char buf[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	for (ssize_t i = 0; i < n; i++)
		if (buf[i] == '\0')
			buf[i] = ' ';
	buf[n] = '\0';
	return strstr(buf, needle) != NULL;
}

static bool probe_gicv3(int kvm_fd)
{
	struct kvm_create_device dev = {
	    .type = KVM_DEV_TYPE_ARM_VGIC_V3,
	    .flags = KVM_CREATE_DEVICE_TEST,
	};
	int vm = ioctl(kvm_fd, KVM_CREATE_VM, 0);
	bool ok;

	if (vm < 0)
		return false;
	ok = ioctl(vm, KVM_CREATE_DEVICE, &dev) == 0;
	close(vm);
	return ok;
}

int nb_host_probe(int kvm_fd, struct nb_host_caps *c, const char *proc_cmdline,
		  const char *dt_compatible)
{
	memset(c, 0, sizeof(*c));
	c->api_version = ioctl(kvm_fd, KVM_GET_API_VERSION, 0);
	if (c->api_version < 0)
		return -errno;
	c->el2 = check_ext(kvm_fd, KVM_CAP_ARM_EL2);
	c->el2_e2h0 = check_ext(kvm_fd, KVM_CAP_ARM_EL2_E2H0);
	c->ipa_max = check_ext(kvm_fd, KVM_CAP_ARM_VM_IPA_SIZE);
	c->irqchip = check_ext(kvm_fd, KVM_CAP_IRQCHIP) > 0;
	c->one_reg = check_ext(kvm_fd, KVM_CAP_ONE_REG) > 0;
	c->psci_0_2 = check_ext(kvm_fd, KVM_CAP_ARM_PSCI_0_2) > 0;
	c->counter_offset = check_ext(kvm_fd, KVM_CAP_COUNTER_OFFSET) > 0;
	c->max_vcpus = check_ext(kvm_fd, KVM_CAP_MAX_VCPUS);
	c->nr_vcpus = check_ext(kvm_fd, KVM_CAP_NR_VCPUS);
	c->gicv3 = probe_gicv3(kvm_fd);
	c->nested_cmdline =
	    file_contains(proc_cmdline ? proc_cmdline : "/proc/cmdline", "kvm-arm.mode=nested");
	c->in_vm = file_contains(dt_compatible ? dt_compatible : DT_COMPATIBLE, "linux,dummy-virt");
	return 0;
}

const char *nb_host_plain_verdict(const struct nb_host_caps *c)
{
	if (c->api_version != KVM_API_VERSION)
		return "unsupported KVM API version (nestbox needs 12)";
	if (!c->irqchip || !c->gicv3)
		return "KVM cannot emulate a GICv3 here: nestbox needs a host "
		       "with a GICv3 (or GICv4) interrupt controller";
	if (!c->psci_0_2)
		return "KVM lacks PSCI 0.2 (KVM_CAP_ARM_PSCI_0_2): update the "
		       "host kernel";
	if (!c->one_reg)
		return "KVM lacks KVM_CAP_ONE_REG: update the host kernel";
	return NULL;
}

const char *nb_host_nested_verdict(const struct nb_host_caps *c, bool e2h0)
{
	const char *plain = nb_host_plain_verdict(c);

	if (plain)
		return plain;
	if (!c->el2) {
		if (c->in_vm && !c->nested_cmdline)
			return "not offered: this host is itself a guest "
			       "hypervisor whose KVM does not nest further; boot "
			       "its kernel with kvm-arm.mode=nested (the outer "
			       "VMM must expose FEAT_NV2)";
		if (c->in_vm)
			return "not offered: this host is itself a guest "
			       "hypervisor and its outer VMM hides FEAT_NV2";
		if (c->nested_cmdline)
			return "not offered: the CPU lacks FEAT_NV2 or the kernel "
			       "is older than 6.16; use an Armv8.4+ CPU with "
			       "FEAT_NV2 and Linux >= 6.16";
		return "not offered: boot the host kernel (>= 6.16) with "
		       "kvm-arm.mode=nested on a CPU with FEAT_NV2";
	}
	if (e2h0 && !c->el2_e2h0)
		return "not offered (KVM_CAP_ARM_EL2_E2H0 is 0): use a VHE guest "
		       "hypervisor";
	return NULL;
}
