// SPDX-License-Identifier: Apache-2.0
/* The VM builder: from a validated configuration to a VM ready to run. */
#include "vmm/vm.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "arch/aarch64/cpu_template.h"
#include "arch/aarch64/fdt.h"
#include "arch/aarch64/gic.h"
#include "arch/aarch64/kvm_host.h"
#include "arch/aarch64/kvm_vm.h"
#include "arch/aarch64/ipa.h"
#include "arch/aarch64/layout.h"
#include "arch/aarch64/vcpu.h"
#include "devices/rtc_pl031.h"
#include "devices/serial.h"
#include "devices/virtio_balloon.h"
#include "devices/virtio_blk.h"
#include "api/mmds_http.h"
#include "devices/virtio_net.h"
#include "devices/virtio_rng.h"
#include "devices/virtio_vsock.h"
#include "vmm/boot.h"
#include "vmm/tap.h"

#define MIB (1024ULL * 1024)
/* What the serial console may write into serial.output_path. */
#define SERIAL_FILE_LIMIT (64 * MIB)

#define FAIL(r, ...)                                                                               \
	do {                                                                                       \
		snprintf(err, errlen, __VA_ARGS__);                                                \
		return (r);                                                                        \
	} while (0)

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
	if (m->nested && (why = nb_host_nested_verdict(caps, false)))
		FAIL(-ENOTSUP, "machine-config.nested: guest hypervisors are %s", why);
	if (m->nested && m->el2_e2h0 && (why = nb_host_nested_verdict(caps, true)))
		FAIL(-ENOTSUP, "machine-config.el2_e2h0: non-VHE guest hypervisors are %s", why);
	if (caps->max_vcpus > 0 && m->vcpu_count > (uint32_t)caps->max_vcpus)
		FAIL(-EINVAL, "machine-config.vcpu_count: %u exceeds this host's KVM limit of %d",
		     m->vcpu_count, caps->max_vcpus);
	return 0;
}

/* The IPA size: machine-config ipa_bits, or the smallest that fits (40 at least). */
static int create_vm(struct nb_vm *vm, const struct nb_machine_config *m,
		     const struct nb_host_caps *caps, char *err, size_t errlen)
{
	int bits = nb_ipa_choose(m->ipa_bits, vm->ram_size, caps->ipa_max, err, errlen);

	if (bits < 0)
		return bits;
	vm->vm_fd = nb_kvm_create_vm(vm->kvm_fd, (unsigned int)bits);
	if (vm->vm_fd < 0)
		FAIL(vm->vm_fd, "KVM_CREATE_VM: %s", strerror(-vm->vm_fd));
	/* Optional: without it such an access fails KVM_RUN with ENOSYS. */
	nb_kvm_enable_nisv_to_user(vm->kvm_fd, vm->vm_fd);
	return 0;
}

/*
 * Guest RAM: a memfd, or (a snapshot's memory) opts->mem_file mapped
 * privately, or anonymous memory served by the handler at opts->uffd_path.
 * A guest hypervisor's memory file is read into the memfd instead: each page
 * a private mapping copies on a first write makes KVM drop every shadow
 * stage 2 it built for the guest's own guests (see nb_mem_fill_from_file).
 */
static int create_memory(struct nb_vm *vm, const struct nb_machine_config *m,
			 const struct nb_vm_opts *opts, char *err, size_t errlen)
{
	const char *file = opts->mem_file;
	bool private_file = file && !m->nested;
	bool huge = m->huge_pages == NB_HUGE_PAGES_2M && !private_file && !opts->uffd_path;
	int r, fd = -1;

	if (opts->uffd_path) {
		r = nb_mem_add_anon(&vm->mem, NB_RAM_BASE, vm->ram_size);
		if (!r && (r = nb_uffd_setup(&vm->uffd, &vm->mem, opts->uffd_path, err, errlen)))
			return r;
		vm->mem_from_file = !r;
	} else {
		if (file && (fd = open(file, O_RDONLY | O_CLOEXEC)) < 0)
			FAIL(-errno, "mem_backend.backend_path %s: %s", file, strerror(errno));
		if (private_file)
			r = nb_mem_add_file(&vm->mem, NB_RAM_BASE, vm->ram_size, fd);
		else
			r = nb_mem_add_ram(&vm->mem, NB_RAM_BASE, vm->ram_size, huge);
		vm->mem_from_file = private_file && !r;
		if (!r && file && !private_file)
			r = nb_mem_fill_from_file(&vm->mem, 0, fd);
		if (fd >= 0)
			close(fd);
		if (r == -EINVAL && file)
			FAIL(r, "mem_backend.backend_path %s: shorter than the guest's %llu MiB",
			     file, (unsigned long long)(vm->ram_size / MIB));
	}
	if (r == -ENOMEM && huge)
		FAIL(r,
		     "machine-config.huge_pages: the hugetlbfs pool has fewer than the %llu free "
		     "2 MiB pages %llu MiB of guest RAM needs (raise /proc/sys/vm/nr_hugepages)",
		     (unsigned long long)(vm->ram_size / (2 * MIB)),
		     (unsigned long long)(vm->ram_size / MIB));
	if (r)
		FAIL(r, "guest memory: %s %llu MiB%s: %s", file ? "cannot load" : "cannot map",
		     (unsigned long long)(vm->ram_size / MIB), huge ? " of 2 MiB huge pages" : "",
		     strerror(-r));
	/* Diff snapshots: KVM logs what the guest writes, guest_mem what nestbox writes. */
	if (m->track_dirty_pages && (r = nb_mem_track_dirty(&vm->mem, true)))
		FAIL(r, "machine-config.track_dirty_pages: %s", strerror(-r));
	r = nb_kvm_set_memory(vm->vm_fd, 0, NB_RAM_BASE, vm->ram_size, vm->mem.regions[0].host,
			      m->track_dirty_pages);
	if (r)
		FAIL(r, "guest memory: KVM_SET_USER_MEMORY_REGION: %s", strerror(-r));
	return 0;
}

/* @base: the features of every vCPU (template applied); secondaries start powered off. */
static int create_vcpus(struct nb_vm *vm, const struct nb_machine_config *m,
			const struct nb_vcpu_features *base, char *err, size_t errlen)
{
	int sz = nb_kvm_run_size(vm->kvm_fd);

	if (sz < 0)
		FAIL(sz, "KVM_GET_VCPU_MMAP_SIZE: %s", strerror(-sz));
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
		v->fd = nb_vcpu_create(vm->vm_fd, i);
		if (v->fd < 0)
			FAIL(v->fd, "vCPU %u: KVM_CREATE_VCPU: %s", i, strerror(-v->fd));
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

/* The vGIC, the timers' PPIs, the counter offset, then the CPU template's registers. */
static int create_irqchip(struct nb_vm *vm, const struct nb_vm_config *cfg,
			  const struct nb_host_caps *caps, char *err, size_t errlen)
{
	int fds[NB_MAX_VCPUS];
	int r;

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
	if (caps->counter_offset && !cfg->machine.el2_e2h0 &&
	    (r = nb_vm_set_counter_offset(vm->vm_fd)))
		FAIL(r, "KVM_ARM_SET_COUNTER_OFFSET: %s", strerror(-r));
	for (uint32_t i = 0; i < vm->nr_vcpus; i++)
		fds[i] = vm->vcpus[i].fd;
	if (cfg->cpu.nr_reg_modifiers || cfg->machine.hide_nv2)
		return nb_cpu_template_apply_regs(vm->vm_fd, fds, vm->nr_vcpus, &cfg->cpu,
						  cfg->machine.hide_nv2, err, errlen);
	return 0;
}

static int irq_set_level(void *opaque, uint32_t spi, bool level)
{
	struct nb_vm *vm = opaque;

	return nb_gic_set_spi(vm->vm_fd, spi, level);
}

static void bucket(struct nb_token_bucket_params *p, const struct nb_token_bucket_config *c,
		   bool has)
{
	*p = (struct nb_token_bucket_params){0};
	if (has)
		*p = (struct nb_token_bucket_params){c->size, c->one_time_burst, c->refill_time_ms};
}

static void free_blk(void *dev)
{
	nb_virtio_blk_free(dev);
}

static void free_rng(void *dev)
{
	nb_virtio_rng_free(dev);
}

static void free_balloon(void *dev)
{
	nb_virtio_balloon_free(dev);
}

/* The REST API finds it again with nb_virtio_balloon_from_transport(). */
static int add_balloon(struct nb_vm *vm, const struct nb_vm_config *cfg, char *err, size_t errlen)
{
	const struct nb_balloon_config *c = &cfg->balloon;
	struct nb_balloon_params p = {
	    .amount_mib = c->amount_mib,
	    .deflate_on_oom = c->deflate_on_oom,
	    .stats_polling_interval_s = c->stats_polling_interval_s,
	    .free_page_hinting = c->free_page_hinting,
	    .free_page_reporting = c->free_page_reporting,
	    .mem_size_mib = cfg->machine.mem_size_mib,
	};
	struct nb_virtio_balloon *b;
	struct nb_virtio_device dev;
	int r;

	r = nb_virtio_balloon_new(&b, &p, &vm->ev, err, errlen);
	if (r)
		return r;
	dev = nb_virtio_balloon_device(b);
	return nb_devmgr_add_virtio(&vm->devices, "balloon", &dev, free_balloon, err, errlen);
}

static int add_drive(struct nb_vm *vm, const struct nb_drive *d, char *err, size_t errlen)
{
	struct nb_token_bucket_params bw, ops;
	struct nb_blk_params p = {
	    .drive_id = d->drive_id,
	    .path = d->path_on_host,
	    .read_only = d->is_read_only,
	    .writeback = d->cache_type == NB_CACHE_WRITEBACK,
	    .async = d->io_engine == NB_IO_ASYNC,
	    .bw = &bw,
	    .ops = &ops,
	};
	struct nb_virtio_blk *b;
	struct nb_virtio_device dev;
	char name[NB_MAX_DRIVE_ID_LEN + 8];
	int r;

	bucket(&bw, &d->rate_limiter.bandwidth, d->rate_limiter.has_bandwidth);
	bucket(&ops, &d->rate_limiter.ops, d->rate_limiter.has_ops);
	r = nb_virtio_blk_new(&b, &p, &vm->ev, err, errlen);
	if (r)
		return r;
	dev = nb_virtio_blk_device(b);
	snprintf(name, sizeof(name), "drive %s", d->drive_id);
	return nb_devmgr_add_virtio(&vm->devices, name, &dev, free_blk, err, errlen);
}

static int add_entropy(struct nb_vm *vm, const struct nb_entropy_config *e, char *err,
		       size_t errlen)
{
	struct nb_token_bucket_params bw, ops;
	struct nb_virtio_rng *rng;
	struct nb_virtio_device dev;

	bucket(&bw, &e->rate_limiter.bandwidth, e->rate_limiter.has_bandwidth);
	bucket(&ops, &e->rate_limiter.ops, e->rate_limiter.has_ops);
	rng = nb_virtio_rng_new(&bw, &ops, &vm->ev);
	if (!rng)
		FAIL(-errno, "entropy: %s", strerror(errno));
	dev = nb_virtio_rng_device(rng);
	return nb_devmgr_add_virtio(&vm->devices, "entropy", &dev, free_rng, err, errlen);
}

static void free_vsock(void *dev)
{
	nb_virtio_vsock_free(dev);
}

/* The socket at uds_path is bound here: a live one is refused before the guest starts. */
static int add_vsock(struct nb_vm *vm, const struct nb_vsock_config *v, char *err, size_t errlen)
{
	struct nb_virtio_vsock *vs;
	struct nb_virtio_device dev;
	int r = nb_virtio_vsock_new(&vs, v->guest_cid, v->uds_path, &vm->ev, err, errlen);

	if (r)
		return r;
	dev = nb_virtio_vsock_device(vs);
	return nb_devmgr_add_virtio(&vm->devices, "vsock", &dev, free_vsock, err, errlen);
}

static void free_net(void *dev)
{
	nb_virtio_net_free(dev);
}

/* The tap is opened here, before the guest starts: a bad one is one line naming it. */
static int add_net(struct nb_vm *vm, const struct nb_vm_config *cfg, unsigned int i,
		   struct nb_mmds *mmds, char *err, size_t errlen)
{
	const struct nb_net_iface *n = &cfg->net_ifaces[i];
	struct nb_token_bucket_params rx_bw, rx_ops, tx_bw, tx_ops;
	struct nb_net_params p = {
	    .iface_id = n->iface_id,
	    .mac = n->has_mac ? n->guest_mac : NULL,
	    .rx_bw = &rx_bw,
	    .rx_ops = &rx_ops,
	    .tx_bw = &tx_bw,
	    .tx_ops = &tx_ops,
	};
	struct nb_virtio_net *net;
	struct nb_virtio_device dev;
	char what[48], name[NB_MAX_DRIVE_ID_LEN + 24];
	int r;

	if (mmds && cfg->has_mmds && nb_mmds_config_has_iface(&cfg->mmds, n->iface_id)) {
		p.mmds_ipv4 = cfg->mmds.ipv4;
		p.mmds_fn = nb_mmds_http_handler;
		p.mmds_ctx = mmds;
	}
	bucket(&rx_bw, &n->rx_rate_limiter.bandwidth, n->rx_rate_limiter.has_bandwidth);
	bucket(&rx_ops, &n->rx_rate_limiter.ops, n->rx_rate_limiter.has_ops);
	bucket(&tx_bw, &n->tx_rate_limiter.bandwidth, n->tx_rate_limiter.has_bandwidth);
	bucket(&tx_ops, &n->tx_rate_limiter.ops, n->tx_rate_limiter.has_ops);
	snprintf(what, sizeof(what), "network-interfaces[%u].host_dev_name", i);
	p.tap_fd = nb_tap_open(n->host_dev_name, "/dev/net/tun", what, err, errlen);
	if (p.tap_fd < 0)
		return p.tap_fd;
	/* vhost-net is opened now too: a missing module is one line before the guest runs. */
	snprintf(what, sizeof(what), "network-interfaces[%u].vhost", i);
	if (n->vhost &&
	    (r = nb_vhost_net_open(&p.vhost, NB_VHOST_NET_PATH, what, NULL, err, errlen))) {
		close(p.tap_fd);
		return r;
	}
	r = nb_virtio_net_new(&net, &p, &vm->ev, err, errlen);
	if (r)
		return r;
	dev = nb_virtio_net_device(net);
	snprintf(name, sizeof(name), "network interface %s", n->iface_id);
	r = nb_devmgr_add_virtio(&vm->devices, name, &dev, free_net, err, errlen);
	if (!r && n->vhost) {
		const struct nb_virtio_kernel_fds *k =
		    &nb_devmgr_transport(&vm->devices, vm->devices.nr - 1)->kfds;

		if (k->irq_fd < 0 || k->kick_fd[NB_VIRTIO_NET_RXQ] < 0 ||
		    k->kick_fd[NB_VIRTIO_NET_TXQ] < 0)
			FAIL(-ENODEV, "%s: KVM refused the ioeventfds or the irqfd vhost-net needs",
			     what);
	}
	return r;
}

/* Firecracker's order: the root drive first (/dev/vda), then the others. */
static int create_virtio_devices(struct nb_vm *vm, const struct nb_vm_config *cfg,
				 struct nb_mmds *mmds, char *err, size_t errlen)
{
	int r = 0;

	nb_devmgr_init(&vm->devices, vm->vm_fd, &vm->bus, &vm->mem, vm->em);
	vm->devices_ready = true;
	for (unsigned int i = 0; i < cfg->nr_drives && !r; i++)
		if (cfg->drives[i].is_root_device)
			r = add_drive(vm, &cfg->drives[i], err, errlen);
	for (unsigned int i = 0; i < cfg->nr_drives && !r; i++)
		if (!cfg->drives[i].is_root_device)
			r = add_drive(vm, &cfg->drives[i], err, errlen);
	for (unsigned int i = 0; i < cfg->nr_net_ifaces && !r; i++)
		r = add_net(vm, cfg, i, mmds, err, errlen);
	if (!r && cfg->has_entropy)
		r = add_entropy(vm, &cfg->entropy, err, errlen);
	if (!r && cfg->has_vsock)
		r = add_vsock(vm, &cfg->vsock, err, errlen);
	if (!r && cfg->has_balloon)
		r = add_balloon(vm, cfg, err, errlen);
	return r;
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

static int create_legacy_devices(struct nb_vm *vm, const struct nb_vm_config *cfg,
				 const struct nb_vm_opts *opts, char *err, size_t errlen)
{
	struct nb_irq serial_irq = {irq_set_level, vm, NB_SPI_SERIAL, NULL};
	struct nb_irq rtc_irq = {irq_set_level, vm, NB_SPI_RTC, NULL};
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
	vm->serial = nb_serial_new_limited(vm->serial_out_fd, serial_irq,
					   cfg->serial_output_path ? SERIAL_FILE_LIMIT : 0);
	if (!vm->serial)
		FAIL(-errno, "serial: %s", strerror(errno));
	r = nb_mmio_bus_add(&vm->bus, NB_SERIAL_BASE, NB_MMIO_SLOT_SIZE, &nb_serial_mmio_ops,
			    vm->serial);
	if (r)
		FAIL(r, "serial: %s", strerror(-r));
	vm->console_in = opts->console_in;
	return 0;
}

static int create(struct nb_vm *vm, const struct nb_vm_config *cfg, const struct nb_vm_opts *opts,
		  char *err, size_t errlen)
{
	const struct nb_machine_config *m = &cfg->machine;
	const char *kvm_path = opts->kvm_path ? opts->kvm_path : NB_KVM_DEFAULT_PATH;
	struct nb_host_caps caps;
	struct nb_vcpu_features features = {.el2 = m->nested, .el2_e2h0 = m->el2_e2h0};
	int r;

	vm->kvm_fd = nb_kvm_open(kvm_path);
	if (vm->kvm_fd < 0)
		FAIL(vm->kvm_fd, "%s: %s: %s", kvm_path, strerror(-vm->kvm_fd),
		     nb_kvm_open_advice(vm->kvm_fd));
	r = check_host(vm, m, &caps, err, errlen);
	/* The template is checked before anything is built. */
	if (!r)
		r = nb_cpu_template_check_caps(vm->kvm_fd, &cfg->cpu, err, errlen);
	if (!r)
		r = nb_cpu_template_features(&cfg->cpu, &features, err, errlen);
	if (!r)
		r = create_vm(vm, m, &caps, err, errlen);
	if (r)
		return r;
	/* The caller's event loop (vmm/vmm.c): devices register their fds there. */
	vm->em = opts->em;
	vm->ev = nb_evmgr_ops(vm->em);
	vm->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (vm->stop_fd < 0)
		FAIL(-errno, "eventfd: %s", strerror(errno));
	r = create_memory(vm, m, opts, err, errlen);
	if (!r)
		r = create_vcpus(vm, m, &features, err, errlen);
	if (!r)
		r = create_irqchip(vm, cfg, &caps, err, errlen);
	if (!r)
		r = create_legacy_devices(vm, cfg, opts, err, errlen);
	if (!r)
		r = create_virtio_devices(vm, cfg, opts->mmds, err, errlen);
	return r;
}

int nb_vm_create(struct nb_vm *vm, const struct nb_vm_config *cfg, const struct nb_vm_opts *opts,
		 char *err, size_t errlen)
{
	int r;

	memset(vm, 0, sizeof(*vm));
	vm->kvm_fd = vm->vm_fd = vm->gic_fd = vm->stop_fd = vm->serial_out_fd = -1;
	vm->console_in = -1;
	vm->el2 = cfg->machine.nested;
	vm->seccomp = opts->seccomp;
	vm->ram_size = (uint64_t)cfg->machine.mem_size_mib * MIB;
	nb_mem_init(&vm->mem);
	nb_uffd_init(&vm->uffd);
	nb_mmio_bus_init(&vm->bus);
	r = create(vm, cfg, opts, err, errlen);
	if (r)
		nb_vm_destroy(vm);
	return r;
}

/* The command line with Firecracker's root= for a root drive. */
static char *boot_args(const struct nb_vm_config *cfg)
{
	const char *base = cfg->boot.boot_args ? cfg->boot.boot_args : "";
	char *s = NULL;

	for (unsigned int i = 0; i < cfg->nr_drives; i++) {
		const struct nb_drive *d = &cfg->drives[i];

		if (!d->is_root_device)
			continue;
		if (d->partuuid) {
			if (asprintf(&s, "%s root=PARTUUID=%s %s", base, d->partuuid,
				     d->is_read_only ? "ro" : "rw") < 0)
				return NULL;
		} else if (asprintf(&s, "%s root=/dev/vda %s", base,
				    d->is_read_only ? "ro" : "rw") < 0) {
			return NULL;
		}
		return s;
	}
	return strdup(base);
}

static int build_fdt(struct nb_vm *vm, const struct nb_vm_config *cfg,
		     const struct nb_boot_layout *l, const char *dump, char *err, size_t errlen)
{
	uint64_t mpidrs[NB_MAX_VCPUS];
	struct nb_dev_fdt_desc serial = nb_serial_fdt_desc(), rtc = nb_rtc_fdt_desc();
	struct nb_fdt_mmio_dev devs[2 + NB_MAX_VIRTIO_DEVICES];
	void *fdt = nb_mem_ptr(&vm->mem, l->fdt_addr, NB_FDT_MAX_SIZE);
	char *args = boot_args(cfg);
	struct nb_fdt_params p = {
	    .ram_base = NB_RAM_BASE,
	    .ram_size = vm->ram_size,
	    .nr_cpus = vm->nr_vcpus,
	    .mpidrs = mpidrs,
	    .el2 = vm->el2,
	    .gic_dist_base = NB_GIC_DIST_BASE,
	    .gic_dist_size = NB_GIC_DIST_SIZE,
	    .gic_redist_base = NB_GIC_REDIST_BASE(vm->nr_vcpus),
	    .gic_redist_size = vm->nr_vcpus * NB_GIC_REDIST_SIZE,
	    .bootargs = args,
	    .initrd_start = l->initrd_start,
	    .initrd_size = l->initrd_size,
	    .devs = devs,
	};
	int r = 0;

	/* Each device's own node description at the place it was given: uart, rtc, virtio. */
	devs[p.nr_devs++] =
	    nb_devmgr_fdt_node(&serial, NB_SERIAL_BASE, NB_MMIO_SLOT_SIZE, NB_SPI_SERIAL);
	devs[p.nr_devs++] = nb_devmgr_fdt_node(&rtc, NB_RTC_BASE, NB_MMIO_SLOT_SIZE, NB_SPI_RTC);
	for (unsigned int i = 0; i < vm->devices.nr; i++)
		devs[p.nr_devs++] = vm->devices.fdt[i];

	if (!args)
		FAIL(-ENOMEM, "boot-source.boot_args: out of memory");
	if (strlen(args) > NB_MAX_BOOT_ARGS_LEN) {
		snprintf(err, errlen,
			 "boot-source.boot_args: with the root drive's root= it is %zu bytes, "
			 "over the kernel's %d",
			 strlen(args), NB_MAX_BOOT_ARGS_LEN);
		r = -E2BIG;
	}
	for (uint32_t i = 0; i < vm->nr_vcpus && !r; i++) {
		r = nb_vcpu_get_mpidr(vm->vcpus[i].fd, &mpidrs[i]);
		if (r)
			snprintf(err, errlen, "vCPU %u: read MPIDR_EL1: %s", i, strerror(-r));
	}
	if (!r && (r = nb_fdt_build(&p, fdt, NB_FDT_MAX_SIZE)))
		snprintf(err, errlen, "device tree: %s", strerror(-r));
	if (!r && dump && (r = nb_fdt_write_file(fdt, dump)))
		snprintf(err, errlen, "--dump-dtb %s: %s", dump, strerror(-r));
	free(args);
	return r;
}

int nb_vm_boot_load(struct nb_vm *vm, const struct nb_vm_config *cfg, const struct nb_vm_opts *opts,
		    char *err, size_t errlen)
{
	struct nb_boot_layout layout;
	int r = nb_boot_load(&cfg->boot, &vm->mem, vm->ram_size, &layout, err, errlen);

	if (!r)
		r = build_fdt(vm, cfg, &layout, opts->dump_dtb, err, errlen);
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
	/* Devices finish their in-flight I/O before guest memory goes. */
	if (vm->devices_ready)
		nb_devmgr_destroy(&vm->devices);
	vm->devices_ready = false;
	close_fd(&vm->stop_fd);
	nb_mem_destroy(&vm->mem);
	nb_uffd_close(&vm->uffd);
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
