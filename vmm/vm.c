// SPDX-License-Identifier: Apache-2.0
/* The VM builder: from a validated configuration to a VM ready to run. */
#include "vmm/vm.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "arch/aarch64/fdt.h"
#include "arch/aarch64/gic.h"
#include "arch/aarch64/kvm_host.h"
#include "arch/aarch64/layout.h"
#include "arch/aarch64/sysreg.h"
#include "arch/aarch64/vcpu.h"
#include "devices/rtc_pl031.h"
#include "devices/serial.h"
#include "vmm/boot.h"

#define MIB (1024ULL * 1024)
#define KVM_DEFAULT_IPA_BITS 40

#define FAIL(r, ...)                                                                               \
	do {                                                                                       \
		snprintf(err, errlen, __VA_ARGS__);                                               \
		return (r);                                                                        \
	} while (0)

/* The VM type for an address space that must reach @top (exclusive). */
static int vm_type(const struct nb_host_caps *caps, uint64_t top, unsigned long *type,
		   char *err, size_t errlen)
{
	int bits = 64 - __builtin_clzll(top - 1);
	int max = caps->ipa_max ? caps->ipa_max : KVM_DEFAULT_IPA_BITS;

	if (bits > max)
		FAIL(-E2BIG,
		     "machine-config.mem_size_mib: guest RAM would end at 0x%llx, beyond this "
		     "host's %d-bit guest address space (at most %llu MiB)",
		     (unsigned long long)top, max,
		     (unsigned long long)(((1ULL << max) - NB_RAM_BASE) / MIB));
	*type = bits <= KVM_DEFAULT_IPA_BITS ? 0 : KVM_VM_TYPE_ARM_IPA_SIZE(bits);
	return 0;
}

static int check_host(struct nb_vm *vm, const struct nb_machine_config *m,
		      struct nb_host_caps *caps, char *err, size_t errlen)
{
	const char *why;
	int r = nb_host_probe(vm->kvm_fd, caps, NULL, NULL);

	if (r)
		FAIL(r, "KVM: cannot probe the host: %s", strerror(-r));
	why = nb_host_plain_verdict(caps);
	if (why)
		FAIL(-ENOTSUP, "this host cannot run microVMs: %s", why);
	if (m->nested && (why = nb_host_nested_verdict(caps, m->el2_e2h0)))
		FAIL(-ENOTSUP, "machine-config.nested: guest hypervisors are %s", why);
	if (caps->max_vcpus > 0 && m->vcpu_count > (uint32_t)caps->max_vcpus)
		FAIL(-EINVAL, "machine-config.vcpu_count: %u exceeds this host's KVM limit of %d",
		     m->vcpu_count, caps->max_vcpus);
	return 0;
}

/*
 * The capabilities a CPU template requires ("N"). Its "!N" entries are
 * accepted but cannot drop what nestbox itself needs: the verdicts above
 * check that whatever the template says.
 */
static int check_template_caps(int kvm_fd, const struct nb_cpu_config *t, char *err,
			       size_t errlen)
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
static int template_features(const struct nb_vm_config *cfg, struct nb_vcpu_features *f,
			     char *err, size_t errlen)
{
	static const struct { int bit; const char *name, *why; } managed[] = {
		{ KVM_ARM_VCPU_POWER_OFF, "KVM_ARM_VCPU_POWER_OFF",
		  "nestbox starts vCPU 0 and the others with PSCI CPU_ON" },
		{ KVM_ARM_VCPU_PSCI_0_2, "KVM_ARM_VCPU_PSCI_0_2",
		  "the device tree nestbox builds describes PSCI 0.2" },
		{ KVM_ARM_VCPU_HAS_EL2, "KVM_ARM_VCPU_HAS_EL2", "set machine-config.nested instead" },
		{ KVM_ARM_VCPU_HAS_EL2_E2H0, "KVM_ARM_VCPU_HAS_EL2_E2H0",
		  "set machine-config.el2_e2h0 instead" },
	};
	const struct nb_cpu_config *t = &cfg->cpu;
	struct nb_vcpu_features plain = *f;
	uint32_t words[NB_VCPU_FEATURE_WORDS] = { 0 }, want[NB_VCPU_FEATURE_WORDS] = { 0 };

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
static int modify_reg(struct nb_vm *vm, const char *what, uint64_t id,
		      const struct nb_bitmap *b, const uint64_t *masks, char *err, size_t errlen)
{
	char name[64];
	int idx = nb_id_reg_mask_index(id);

	if (nb_reg_format_name(id, name, sizeof(name)) < 0)
		snprintf(name, sizeof(name), "0x%llx", (unsigned long long)id);
	for (uint32_t i = 0; i < vm->nr_vcpus; i++) {
		uint64_t old[2], val[2];
		int r = nb_vcpu_get_reg_wide(vm->vcpus[i].fd, id, old);

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
		r = nb_vcpu_set_reg_wide(vm->vcpus[i].fd, id, val);
		if (r)
			FAIL(r, "%s: vCPU %u: KVM_SET_ONE_REG %s = 0x%llx: %s", what, i, name,
			     (unsigned long long)val[0], strerror(-r));
	}
	return 0;
}

/* FEAT_NV2 as an ID register field: register, field's lowest bit. */
static const struct { uint64_t id; int shift; } nv2_fields[] = {
	{ NB_SYSREG(3, 0, 0, 7, 2), 24 }, /* ID_AA64MMFR2_EL1.NV */
	{ NB_SYSREG(3, 0, 0, 7, 4), 20 }, /* ID_AA64MMFR4_EL1.NV_frac */
};

/*
 * The CPU template's register changes, then machine-config.hide_nv2 (both
 * NV fields to 0, so that the guest hypervisor's KVM finds no FEAT_NV2 and
 * offers no EL2 guests of its own). Before the first KVM_RUN: ID registers
 * are writable only until then.
 */
static int modify_regs(struct nb_vm *vm, const struct nb_vm_config *cfg, char *err,
		       size_t errlen)
{
	const struct nb_cpu_config *t = &cfg->cpu;
	uint64_t masks[NB_ID_REG_MASKS], *ids = NULL;
	bool have_masks;
	size_t n = 0;
	int r = 0;

	if (!t->nr_reg_modifiers && !cfg->machine.hide_nv2)
		return 0;
	have_masks = !nb_vm_id_reg_masks(vm->vm_fd, masks);
	r = nb_vcpu_reg_list(vm->vcpus[0].fd, &ids, &n);
	if (r)
		FAIL(r, "KVM_GET_REG_LIST: %s", strerror(-r));
	for (unsigned int i = 0; i < t->nr_reg_modifiers && !r; i++) {
		const struct nb_reg_modifier *mod = &t->reg_modifiers[i];
		char what[48];

		snprintf(what, sizeof(what), "cpu-config.reg_modifiers[%u]", i);
		if (!has_reg(ids, n, mod->addr)) {
			snprintf(err, errlen,
				 "%s.addr: 0x%llx is not a register of this vCPU (KVM_GET_REG_LIST; "
				 "nestbox --dump-regs lists them)",
				 what, (unsigned long long)mod->addr);
			r = -ENOENT;
			break;
		}
		r = modify_reg(vm, what, mod->addr, &mod->bitmap, have_masks ? masks : NULL, err,
			       errlen);
	}
	for (unsigned int i = 0; i < 2 && !r && cfg->machine.hide_nv2; i++) {
		struct nb_bitmap zero = { .filter = { 0xfULL << nv2_fields[i].shift } };

		/* A kernel that does not list the register has no such field. */
		if (has_reg(ids, n, nv2_fields[i].id))
			r = modify_reg(vm, "machine-config.hide_nv2", nv2_fields[i].id, &zero,
				       have_masks ? masks : NULL, err, errlen);
	}
	free(ids);
	return r;
}

static int create_memory(struct nb_vm *vm, const struct nb_machine_config *m, uint64_t size,
			 char *err, size_t errlen)
{
	struct kvm_userspace_memory_region region = {
		.slot = 0,
		.guest_phys_addr = NB_RAM_BASE,
		.memory_size = size,
	};
	int r = nb_mem_add_ram(&vm->mem, NB_RAM_BASE, size, m->huge_pages == NB_HUGE_PAGES_2M);

	if (r)
		FAIL(r, "guest memory: cannot map %llu MiB%s: %s", (unsigned long long)size / MIB,
		     m->huge_pages == NB_HUGE_PAGES_2M ? " of 2 MiB huge pages" : "", strerror(-r));
	region.userspace_addr = (uintptr_t)vm->mem.regions[0].host;
	if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		FAIL(-errno, "guest memory: KVM_SET_USER_MEMORY_REGION: %s", strerror(errno));
	return 0;
}

/* @base: the features of every vCPU (template applied); secondaries start powered off. */
static int create_vcpus(struct nb_vm *vm, const struct nb_machine_config *m,
			const struct nb_vcpu_features *base, char *err, size_t errlen)
{
	int sz = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);

	if (sz < 0)
		FAIL(-errno, "KVM_GET_VCPU_MMAP_SIZE: %s", strerror(errno));
	vm->run_size = (size_t)sz;
	vm->vcpus = calloc(m->vcpu_count, sizeof(*vm->vcpus));
	if (!vm->vcpus)
		FAIL(-ENOMEM, "vCPUs: out of memory");
	for (uint32_t i = 0; i < m->vcpu_count; i++) {
		struct nb_vcpu *v = &vm->vcpus[i];
		struct nb_vcpu_features f = *base;
		int r;

		f.powered_off = i > 0;

		v->vm = vm;
		v->id = i;
		v->fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, (unsigned long)i);
		if (v->fd < 0)
			FAIL(-errno, "vCPU %u: KVM_CREATE_VCPU: %s", i, strerror(errno));
		vm->nr_vcpus = i + 1;
		v->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
		if (v->run == MAP_FAILED) {
			v->run = NULL;
			FAIL(-errno, "vCPU %u: mmap kvm_run: %s", i, strerror(errno));
		}
		r = nb_vcpu_arch_init(vm->vm_fd, v->fd, &f);
		if (r)
			FAIL(r, "vCPU %u: KVM_ARM_VCPU_INIT%s: %s", i,
			     m->nested ? " (HAS_EL2)" : "", strerror(-r));
	}
	return 0;
}

static int irq_set_level(void *opaque, uint32_t spi, bool level)
{
	struct nb_vm *vm = opaque;

	return nb_gic_set_spi(vm->vm_fd, spi, level);
}

static int open_serial_out(const char *path, char *err, size_t errlen)
{
	int fd;

	if (!path)
		return STDOUT_FILENO;
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0)
		FAIL(-errno, "serial.output_path %s: %s", path, strerror(errno));
	return fd;
}

static int create_devices(struct nb_vm *vm, const struct nb_vm_config *cfg,
			  const struct nb_vm_opts *opts, char *err, size_t errlen)
{
	struct nb_irq serial_irq = { irq_set_level, vm, NB_SPI_SERIAL };
	struct nb_irq rtc_irq = { irq_set_level, vm, NB_SPI_RTC };
	int r;

	nb_boot_timer_init(&vm->boot_timer, opts->start_ns, nb_boot_timer_log, stderr);
	r = nb_mmio_bus_add(&vm->bus, NB_BOOT_TIMER_BASE, NB_MMIO_SLOT_SIZE,
			    &nb_boot_timer_mmio_ops, &vm->boot_timer);
	if (r)
		FAIL(r, "boot timer: %s", strerror(-r));

	vm->rtc = nb_rtc_new(rtc_irq, NULL, NULL);
	if (!vm->rtc)
		FAIL(-ENOMEM, "rtc: out of memory");
	r = nb_mmio_bus_add(&vm->bus, NB_RTC_BASE, NB_MMIO_SLOT_SIZE, &nb_rtc_mmio_ops, vm->rtc);
	if (r)
		FAIL(r, "rtc: %s", strerror(-r));

	r = open_serial_out(cfg->serial_output_path, err, errlen);
	if (r < 0)
		return r;
	vm->serial_out_fd = r;
	vm->serial = nb_serial_new(vm->serial_out_fd, serial_irq);
	if (!vm->serial)
		FAIL(-ENOMEM, "serial: out of memory");
	r = nb_mmio_bus_add(&vm->bus, NB_SERIAL_BASE, NB_MMIO_SLOT_SIZE, &nb_serial_mmio_ops,
			    vm->serial);
	if (r)
		FAIL(r, "serial: %s", strerror(-r));
	vm->console_in = opts->console_in;
	return 0;
}

static int build_fdt(struct nb_vm *vm, const struct nb_vm_config *cfg, uint64_t ram_size,
		     const struct nb_boot_layout *l, const char *dump, char *err, size_t errlen)
{
	uint64_t mpidrs[NB_MAX_VCPUS];
	void *fdt = nb_mem_ptr(&vm->mem, l->fdt_addr, NB_FDT_MAX_SIZE);
	struct nb_fdt_params p = {
		.ram_base = NB_RAM_BASE,
		.ram_size = ram_size,
		.nr_cpus = vm->nr_vcpus,
		.mpidrs = mpidrs,
		.el2 = vm->el2,
		.gic_dist_base = NB_GIC_DIST_BASE,
		.gic_dist_size = NB_GIC_DIST_SIZE,
		.gic_redist_base = NB_GIC_REDIST_BASE(vm->nr_vcpus),
		.gic_redist_size = vm->nr_vcpus * NB_GIC_REDIST_SIZE,
		.bootargs = cfg->boot.boot_args,
		.initrd_start = l->initrd_start,
		.initrd_size = l->initrd_size,
		.serial = true,
		.serial_base = NB_SERIAL_BASE,
		.serial_spi = NB_SPI_SERIAL,
		.rtc = true,
		.rtc_base = NB_RTC_BASE,
		.rtc_spi = NB_SPI_RTC,
	};
	int r;

	for (uint32_t i = 0; i < vm->nr_vcpus; i++) {
		r = nb_vcpu_get_mpidr(vm->vcpus[i].fd, &mpidrs[i]);
		if (r)
			FAIL(r, "vCPU %u: read MPIDR_EL1: %s", i, strerror(-r));
	}
	r = nb_fdt_build(&p, fdt, NB_FDT_MAX_SIZE);
	if (r)
		FAIL(r, "device tree: %s", strerror(-r));
	if (dump && (r = nb_fdt_write_file(fdt, dump)))
		FAIL(r, "--dump-dtb %s: %s", dump, strerror(-r));
	return 0;
}

int nb_vm_create(struct nb_vm *vm, const struct nb_vm_config *cfg, const struct nb_vm_opts *opts,
		 char *err, size_t errlen)
{
	const struct nb_machine_config *m = &cfg->machine;
	uint64_t ram_size = (uint64_t)m->mem_size_mib * MIB;
	const char *kvm_path = opts->kvm_path ? opts->kvm_path : NB_KVM_DEFAULT_PATH;
	struct nb_host_caps caps;
	struct nb_boot_layout layout;
	struct nb_vcpu_features features = { .el2 = m->nested, .el2_e2h0 = m->el2_e2h0 };
	unsigned long type;
	int r;

	memset(vm, 0, sizeof(*vm));
	vm->kvm_fd = vm->vm_fd = vm->gic_fd = vm->stop_fd = vm->serial_out_fd = -1;
	vm->console_in = -1;
	vm->el2 = m->nested;
	nb_mem_init(&vm->mem);
	nb_mmio_bus_init(&vm->bus);

	vm->kvm_fd = nb_kvm_open(kvm_path);
	if (vm->kvm_fd < 0)
		FAIL(vm->kvm_fd, "%s: %s: %s", kvm_path, strerror(-vm->kvm_fd),
		     nb_kvm_open_advice(vm->kvm_fd));
	r = check_host(vm, m, &caps, err, errlen);
	if (!r)
		r = check_template_caps(vm->kvm_fd, &cfg->cpu, err, errlen);
	/* The template's feature words are checked before anything is built. */
	if (!r)
		r = template_features(cfg, &features, err, errlen);
	if (r)
		return r;
	r = vm_type(&caps, NB_RAM_BASE + ram_size, &type, err, errlen);
	if (r)
		return r;
	vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, type);
	if (vm->vm_fd < 0)
		FAIL(-errno, "KVM_CREATE_VM: %s", strerror(errno));
	vm->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (vm->stop_fd < 0)
		FAIL(-errno, "eventfd: %s", strerror(errno));

	r = create_memory(vm, m, ram_size, err, errlen);
	if (!r)
		r = nb_boot_load(&cfg->boot, &vm->mem, ram_size, &layout, err, errlen);
	if (!r)
		r = create_vcpus(vm, m, &features, err, errlen);
	if (r)
		return r;
	vm->gic_fd = nb_gic_create(vm->vm_fd, vm->nr_vcpus, vm->el2);
	if (vm->gic_fd < 0)
		FAIL(vm->gic_fd, "GICv3: %s", strerror(-vm->gic_fd));
	/* Timer PPIs need the in-kernel GIC to exist. */
	for (uint32_t i = 0; i < vm->nr_vcpus; i++)
		if ((r = nb_vcpu_set_timer_irqs(vm->vcpus[i].fd, vm->el2)))
			FAIL(r, "vCPU %u: timer interrupts: %s", i, strerror(-r));
	r = nb_gic_init(vm->gic_fd);
	if (r)
		FAIL(r, "GICv3: KVM_DEV_ARM_VGIC_CTRL_INIT: %s", strerror(-r));
	/*
	 * The guest's counters start at zero, whatever the host's uptime. Not
	 * for a non-VHE guest hypervisor: with a VM-wide offset (which moves the
	 * physical counter too) one did not reach its init in 15 minutes under
	 * the emulated host, against 5 without; KVM's own per-VM virtual offset
	 * still starts its virtual counter near zero.
	 */
	if (caps.counter_offset && !m->el2_e2h0 && (r = nb_vm_set_counter_offset(vm->vm_fd)))
		FAIL(r, "KVM_ARM_SET_COUNTER_OFFSET: %s", strerror(-r));
	/* Before the FDT is built: it shows MPIDR_EL1 as the template leaves it. */
	r = modify_regs(vm, cfg, err, errlen);
	if (r)
		return r;
	r = create_devices(vm, cfg, opts, err, errlen);
	if (!r)
		r = build_fdt(vm, cfg, ram_size, &layout, opts->dump_dtb, err, errlen);
	if (r)
		return r;
	r = nb_vcpu_set_boot_regs(vm->vcpus[0].fd, layout.entry, layout.fdt_addr, vm->el2);
	if (r)
		FAIL(r, "vCPU 0: boot registers: %s", strerror(-r));
	return 0;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

void nb_vm_destroy(struct nb_vm *vm)
{
	/*
	 * Close every fd of the VM before unmapping its memory: the kernel then
	 * drops the whole VM at once instead of unmapping guest memory from a
	 * live VM (slow for guest hypervisors under nested virtualization).
	 */
	for (uint32_t i = 0; i < vm->nr_vcpus; i++) {
		if (vm->vcpus[i].run)
			munmap(vm->vcpus[i].run, vm->run_size);
		close_fd(&vm->vcpus[i].fd);
	}
	free(vm->vcpus);
	vm->vcpus = NULL;
	vm->nr_vcpus = 0;
	close_fd(&vm->gic_fd);
	close_fd(&vm->vm_fd);
	close_fd(&vm->kvm_fd);
	close_fd(&vm->stop_fd);
	nb_mem_destroy(&vm->mem);
	nb_mmio_bus_destroy(&vm->bus);
	if (vm->serial)
		nb_serial_free(vm->serial);
	vm->serial = NULL;
	if (vm->rtc)
		nb_rtc_free(vm->rtc);
	vm->rtc = NULL;
	if (vm->serial_out_fd > STDERR_FILENO)
		close(vm->serial_out_fd);
	vm->serial_out_fd = -1;
}
