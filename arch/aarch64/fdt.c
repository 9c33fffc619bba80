// SPDX-License-Identifier: Apache-2.0
/*
 * The guest's device tree, written front to back with libfdt's sequential
 * API. Every write goes through a struct fdt_writer that remembers the first
 * libfdt error, so the node builders below read like the tree they emit and
 * the error is checked once, at the end.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include <libfdt.h>

#include "arch/aarch64/fdt.h"
#include "arch/aarch64/layout.h"

/* Interrupt specifier cells (Linux's dt-bindings/interrupt-controller/arm-gic.h). */
#define GIC_SPI 0
#define GIC_PPI 1
#define IRQ_TYPE_EDGE_RISING 1
#define IRQ_TYPE_LEVEL_HIGH 4
#define GIC_PPI_CPU_MASK_SHIFT 8
#define GIC_PPI_MAX_CPUS 8 /* the cpumask field is 8 bits wide */

#define NB_FDT_APB_PCLK_HZ 24000000
#define NB_FDT_MAX_CELLS 16
#define NB_FDT_NODE_NAME_MAX 31 /* the part before '@' (devicetree spec 2.2.1) */
/* A node's full name or a device's path: "/" name "@" 16 hex digits. */
#define NB_FDT_NAME_MAX 64

struct fdt_writer {
	void *fdt;
	int err; /* first libfdt error (negative FDT_ERR_*), 0 while all is well */
};

static void fw_check(struct fdt_writer *w, int ret)
{
	if (ret < 0 && !w->err)
		w->err = ret;
}

static __attribute__((format(printf, 2, 3))) void fw_begin(struct fdt_writer *w, const char *fmt,
							   ...)
{
	char name[NB_FDT_NAME_MAX];
	va_list ap;
	int n;

	if (w->err)
		return;
	va_start(ap, fmt);
	n = vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(name)) {
		w->err = -FDT_ERR_BADVALUE;
		return;
	}
	fw_check(w, fdt_begin_node(w->fdt, name));
}

static void fw_end(struct fdt_writer *w)
{
	if (!w->err)
		fw_check(w, fdt_end_node(w->fdt));
}

static void fw_prop(struct fdt_writer *w, const char *name, const void *val, int len)
{
	if (!w->err)
		fw_check(w, fdt_property(w->fdt, name, val, len));
}

static void fw_empty(struct fdt_writer *w, const char *name)
{
	fw_prop(w, name, "", 0);
}

static void fw_u32(struct fdt_writer *w, const char *name, uint32_t val)
{
	if (!w->err)
		fw_check(w, fdt_property_u32(w->fdt, name, val));
}

static void fw_u64(struct fdt_writer *w, const char *name, uint64_t val)
{
	if (!w->err)
		fw_check(w, fdt_property_u64(w->fdt, name, val));
}

static void fw_str(struct fdt_writer *w, const char *name, const char *val)
{
	if (!w->err)
		fw_check(w, fdt_property_string(w->fdt, name, val));
}

/* A string list literal such as "a\0b": sizeof() counts the final NUL. */
#define fw_strlist(w, name, lit) fw_prop(w, name, lit, sizeof(lit))

static void fw_cells(struct fdt_writer *w, const char *name, const uint32_t *cells, unsigned int n)
{
	fdt32_t be[NB_FDT_MAX_CELLS];
	unsigned int i;

	if (w->err)
		return;
	if (n > NB_FDT_MAX_CELLS) {
		w->err = -FDT_ERR_BADVALUE;
		return;
	}
	for (i = 0; i < n; i++)
		be[i] = cpu_to_fdt32(cells[i]);
	fw_prop(w, name, be, (int)(n * sizeof(be[0])));
}

/* reg = <base size> with #address-cells = #size-cells = 2. */
static void fw_reg(struct fdt_writer *w, uint64_t base, uint64_t size)
{
	const uint32_t reg[] = {base >> 32, (uint32_t)base, size >> 32, (uint32_t)size};

	fw_cells(w, "reg", reg, 4);
}

static void fw_spi(struct fdt_writer *w, uint32_t spi, uint32_t type)
{
	const uint32_t irq[] = {GIC_SPI, spi, type};

	fw_cells(w, "interrupts", irq, 3);
}

static int fdt_errno(int fdt_err)
{
	return fdt_err == -FDT_ERR_NOSPACE ? -ENOSPC : -EINVAL;
}

/* A non-empty region whose end address is representable. */
static bool region_ok(uint64_t base, uint64_t size)
{
	return size && size <= UINT64_MAX - base;
}

/* The characters of a node name (devicetree spec, table 2.1). */
static const char node_name_chars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				      "0123456789,._+-";

/* A node name of 1..31 such characters, a non-empty NUL-terminated string list. */
static bool dev_ok(const struct nb_fdt_mmio_dev *d)
{
	size_t n = d->name ? strlen(d->name) : 0;

	if (!n || n > NB_FDT_NODE_NAME_MAX || strspn(d->name, node_name_chars) != n)
		return false;
	if (!d->compatible || !d->compatible_len || d->compatible_len > INT_MAX ||
	    d->compatible[d->compatible_len - 1])
		return false;
	return region_ok(d->base, d->size) && d->spi < NB_NR_SPIS;
}

static int check_params(const struct nb_fdt_params *p)
{
	uint32_t i, j, nr_stdout = 0;

	if (!p->nr_cpus || !p->mpidrs)
		return -EINVAL;
	for (i = 0; i < p->nr_cpus; i++)
		for (j = 0; j < i; j++)
			if (!((p->mpidrs[i] ^ p->mpidrs[j]) & NB_FDT_MPIDR_AFF_MASK))
				return -EINVAL;
	if (!region_ok(p->ram_base, p->ram_size))
		return -EINVAL;
	if (!region_ok(p->gic_dist_base, p->gic_dist_size) ||
	    !region_ok(p->gic_redist_base, p->gic_redist_size))
		return -EINVAL;
	if (p->initrd_size && !region_ok(p->initrd_start, p->initrd_size))
		return -EINVAL;
	if (p->nr_devs && !p->devs)
		return -EINVAL;
	for (i = 0; i < p->nr_devs; i++) {
		if (!dev_ok(&p->devs[i]))
			return -EINVAL;
		if (p->devs[i].stdout_path && nr_stdout++)
			return -EINVAL;
		for (j = 0; j < i; j++)
			if (p->devs[i].base == p->devs[j].base)
				return -EINVAL; /* one device's registers over another's */
	}
	return 0;
}

static int fill_random(void *buf, size_t len)
{
	uint8_t *b = buf;
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = getrandom(b + done, len - done, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		done += (size_t)n;
	}
	return 0;
}

/* The flags cell of a PPI: level-high, wired to every CPU (up to 8 in the mask). */
static uint32_t ppi_flags(const struct nb_fdt_params *p)
{
	uint32_t n = p->nr_cpus < GIC_PPI_MAX_CPUS ? p->nr_cpus : GIC_PPI_MAX_CPUS;

	return (((1U << n) - 1) << GIC_PPI_CPU_MASK_SHIFT) | IRQ_TYPE_LEVEL_HIGH;
}

static void add_chosen(struct fdt_writer *w, const struct nb_fdt_params *p, const uint8_t *rng_seed,
		       uint64_t kaslr_seed)
{
	char path[NB_FDT_NAME_MAX];
	uint32_t i;

	fw_begin(w, "chosen");
	if (p->bootargs)
		fw_str(w, "bootargs", p->bootargs);
	if (p->initrd_size) {
		fw_u64(w, "linux,initrd-start", p->initrd_start);
		fw_u64(w, "linux,initrd-end", p->initrd_start + p->initrd_size);
	}
	for (i = 0; i < p->nr_devs; i++) {
		if (!p->devs[i].stdout_path)
			continue;
		snprintf(path, sizeof(path), "/%s@%" PRIx64, p->devs[i].name, p->devs[i].base);
		fw_str(w, "stdout-path", path);
	}
	fw_prop(w, "rng-seed", rng_seed, NB_FDT_RNG_SEED_SIZE);
	fw_u64(w, "kaslr-seed", kaslr_seed);
	fw_end(w);
}

static void add_cpus(struct fdt_writer *w, const struct nb_fdt_params *p)
{
	uint64_t aff;
	uint32_t i;

	fw_begin(w, "cpus");
	fw_u32(w, "#address-cells", 2);
	fw_u32(w, "#size-cells", 0);
	for (i = 0; i < p->nr_cpus; i++) {
		aff = p->mpidrs[i] & NB_FDT_MPIDR_AFF_MASK;
		fw_begin(w, "cpu@%" PRIx64, aff);
		fw_str(w, "device_type", "cpu");
		fw_str(w, "compatible", "arm,arm-v8");
		fw_str(w, "enable-method", "psci");
		fw_u64(w, "reg", aff);
		fw_end(w);
	}
	fw_end(w);
}

static void add_memory(struct fdt_writer *w, const struct nb_fdt_params *p)
{
	fw_begin(w, "memory@%" PRIx64, p->ram_base);
	fw_str(w, "device_type", "memory");
	fw_reg(w, p->ram_base, p->ram_size);
	fw_end(w);
}

static void add_psci(struct fdt_writer *w, const struct nb_fdt_params *p)
{
	fw_begin(w, "psci");
	fw_strlist(w, "compatible", "arm,psci-1.0\0arm,psci-0.2");
	/* A guest hypervisor's HVCs are its own guests' calls: it reaches KVM by SMC. */
	fw_str(w, "method", p->el2 ? "smc" : "hvc");
	fw_end(w);
}

static void add_gic(struct fdt_writer *w, const struct nb_fdt_params *p)
{
	const uint32_t reg[] = {
	    p->gic_dist_base >> 32,	(uint32_t)p->gic_dist_base,   p->gic_dist_size >> 32,
	    (uint32_t)p->gic_dist_size, p->gic_redist_base >> 32,     (uint32_t)p->gic_redist_base,
	    p->gic_redist_size >> 32,	(uint32_t)p->gic_redist_size,
	};
	const uint32_t maint[] = {GIC_PPI, NB_PPI_MAINT, ppi_flags(p)};

	fw_begin(w, "intc@%" PRIx64, p->gic_dist_base);
	fw_str(w, "compatible", "arm,gic-v3");
	fw_u32(w, "#interrupt-cells", 3);
	fw_empty(w, "interrupt-controller");
	fw_u32(w, "#address-cells", 2);
	fw_u32(w, "#size-cells", 2);
	fw_empty(w, "ranges");
	fw_cells(w, "reg", reg, 8);
	if (p->el2)
		fw_cells(w, "interrupts", maint, 3);
	fw_u32(w, "phandle", NB_FDT_PHANDLE_GIC);
	fw_end(w);
}

static void add_timer(struct fdt_writer *w, const struct nb_fdt_params *p)
{
	/* Binding order: secure phys, non-secure phys, virt, hyp phys, hyp virt. */
	const uint32_t ppis[] = {
	    NB_PPI_STIMER, NB_PPI_PTIMER, NB_PPI_VTIMER, NB_PPI_HPTIMER, NB_PPI_HVTIMER,
	};
	unsigned int i, n = p->el2 ? 5 : 4;
	uint32_t irqs[5 * 3];

	for (i = 0; i < n; i++) {
		irqs[3 * i] = GIC_PPI;
		irqs[3 * i + 1] = ppis[i];
		irqs[3 * i + 2] = ppi_flags(p);
	}
	fw_begin(w, "timer");
	fw_str(w, "compatible", "arm,armv8-timer");
	fw_empty(w, "always-on");
	fw_cells(w, "interrupts", irqs, 3 * n);
	fw_end(w);
}

/* The APB bus clock of AMBA PrimeCells, if some device asks for it. */
static void add_apb_pclk(struct fdt_writer *w, const struct nb_fdt_params *p)
{
	bool wanted = false;
	uint32_t i;

	for (i = 0; i < p->nr_devs; i++)
		wanted |= p->devs[i].apb_pclk;
	if (!wanted)
		return;
	fw_begin(w, "apb-pclk");
	fw_str(w, "compatible", "fixed-clock");
	fw_u32(w, "#clock-cells", 0);
	fw_u32(w, "clock-frequency", NB_FDT_APB_PCLK_HZ);
	fw_str(w, "clock-output-names", "clk24mhz");
	fw_u32(w, "phandle", NB_FDT_PHANDLE_APB_PCLK);
	fw_end(w);
}

static void add_devices(struct fdt_writer *w, const struct nb_fdt_params *p)
{
	const struct nb_fdt_mmio_dev *d;
	uint32_t i;

	for (i = 0; i < p->nr_devs; i++) {
		d = &p->devs[i];
		fw_begin(w, "%s@%" PRIx64, d->name, d->base);
		fw_prop(w, "compatible", d->compatible, (int)d->compatible_len);
		fw_reg(w, d->base, d->size);
		if (d->clock_frequency)
			fw_u32(w, "clock-frequency", d->clock_frequency);
		fw_spi(w, d->spi, d->edge ? IRQ_TYPE_EDGE_RISING : IRQ_TYPE_LEVEL_HIGH);
		if (d->apb_pclk) {
			fw_u32(w, "clocks", NB_FDT_PHANDLE_APB_PCLK);
			fw_str(w, "clock-names", "apb_pclk");
		}
		if (d->dma_coherent)
			fw_empty(w, "dma-coherent");
		fw_end(w);
	}
}

int nb_fdt_build(const struct nb_fdt_params *p, void *buf, size_t bufsize)
{
	uint8_t rng_seed[NB_FDT_RNG_SEED_SIZE];
	struct fdt_writer w = {.fdt = buf};
	uint64_t kaslr_seed;
	int ret;

	if (!p || !buf)
		return -EINVAL;
	ret = check_params(p);
	if (ret)
		return ret;
	ret = fill_random(rng_seed, sizeof(rng_seed));
	if (!ret)
		ret = fill_random(&kaslr_seed, sizeof(kaslr_seed));
	if (ret)
		return ret;

	fw_check(&w, fdt_create(buf, bufsize > INT_MAX ? INT_MAX : (int)bufsize));
	if (!w.err)
		fw_check(&w, fdt_finish_reservemap(buf));
	fw_begin(&w, "%s", ""); /* the root node */
	fw_str(&w, "compatible", "linux,dummy-virt");
	fw_u32(&w, "#address-cells", 2);
	fw_u32(&w, "#size-cells", 2);
	fw_u32(&w, "interrupt-parent", NB_FDT_PHANDLE_GIC);
	add_chosen(&w, p, rng_seed, kaslr_seed);
	add_cpus(&w, p);
	add_memory(&w, p);
	add_psci(&w, p);
	add_gic(&w, p);
	add_timer(&w, p);
	add_apb_pclk(&w, p);
	add_devices(&w, p);
	fw_end(&w);
	explicit_bzero(rng_seed, sizeof(rng_seed));
	explicit_bzero(&kaslr_seed, sizeof(kaslr_seed));
	if (!w.err)
		fw_check(&w, fdt_finish(buf));
	if (!w.err)
		fw_check(&w, fdt_pack(buf));
	return w.err ? fdt_errno(w.err) : 0;
}

int nb_fdt_write_file(const void *fdt, const char *path)
{
	const char *p = fdt;
	size_t left;
	ssize_t n;
	int fd, err;

	if (!fdt || !path || fdt_check_header(fdt))
		return -EINVAL;
	left = fdt_totalsize(fdt);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	while (left) {
		n = write(fd, p, left);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			close(fd);
			return err;
		}
		p += n;
		left -= (size_t)n;
	}
	if (close(fd))
		return -errno;
	return 0;
}
