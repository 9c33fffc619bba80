// SPDX-License-Identifier: Apache-2.0
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libfdt.h>

#include "arch/aarch64/fdt.h"
#include "arch/aarch64/layout.h"
#include "devices/rtc_pl031.h"
#include "devices/serial.h"
#include "devices/virtio_mmio.h"
#include "tests/unit/check_run.h"

#define BUF_SIZE 0x10000
#define RAM_SIZE 0x10000000ULL
#define INITRD_START 0x90000000ULL
#define INITRD_SIZE 0x123000ULL
#define BOOTARGS "console=ttyS0 reboot=k panic=1"

/* Raw MPIDR_EL1 values: bit 31 (RES1), the U bit and Aff3 must be handled. */
static const uint64_t mpidrs[] = {
    0x80000000ULL,
    0x80000001ULL,
    0xc0000102ULL,
    0x3280010203ULL,
};

static const uint64_t want_reg[] = {
    0x0ULL,
    0x1ULL,
    0x102ULL,
    0x3200010203ULL,
};

/* The VM's devices as the VMM places them: uart, rtc, two virtio-mmio transports. */
#define NR_DEVS 4
#define NR_VIRTIO 2
static struct nb_fdt_mmio_dev devs[NR_DEVS];

static uint64_t buf_storage[BUF_SIZE / 8]; /* 8-byte aligned, like guest RAM */

/* What the VMM does (nb_devmgr_fdt_node): a device's own description, placed. */
static struct nb_fdt_mmio_dev place(struct nb_dev_fdt_desc d, uint64_t base, uint64_t size,
				    uint32_t spi)
{
	return (struct nb_fdt_mmio_dev){
	    .name = d.name,
	    .compatible = d.compatible,
	    .compatible_len = d.compatible_len,
	    .base = base,
	    .size = size,
	    .spi = spi,
	    .edge = d.edge,
	    .clock_frequency = d.clock_frequency,
	    .apb_pclk = d.apb_pclk,
	    .dma_coherent = d.dma_coherent,
	    .stdout_path = d.stdout_path,
	};
}

static void fill_devs(void)
{
	int i;

	devs[0] = place(nb_serial_fdt_desc(), NB_SERIAL_BASE, NB_MMIO_SLOT_SIZE, NB_SPI_SERIAL);
	devs[1] = place(nb_rtc_fdt_desc(), NB_RTC_BASE, NB_MMIO_SLOT_SIZE, NB_SPI_RTC);
	for (i = 0; i < NR_VIRTIO; i++)
		devs[2 + i] =
		    place(nb_virtio_mmio_fdt_desc(), NB_VIRTIO_BASE + i * NB_MMIO_SLOT_SIZE,
			  NB_MMIO_SLOT_SIZE, NB_SPI_VIRTIO_FIRST + i);
}

static struct nb_fdt_params full_params(uint32_t nr_cpus, bool el2)
{
	fill_devs();
	return (struct nb_fdt_params){
	    .ram_base = NB_RAM_BASE,
	    .ram_size = RAM_SIZE,
	    .nr_cpus = nr_cpus,
	    .mpidrs = mpidrs,
	    .el2 = el2,
	    .gic_dist_base = NB_GIC_DIST_BASE,
	    .gic_dist_size = NB_GIC_DIST_SIZE,
	    .gic_redist_base = NB_GIC_REDIST_BASE(nr_cpus),
	    .gic_redist_size = nr_cpus * NB_GIC_REDIST_SIZE,
	    .bootargs = BOOTARGS,
	    .initrd_start = INITRD_START,
	    .initrd_size = INITRD_SIZE,
	    .devs = devs,
	    .nr_devs = NR_DEVS,
	};
}

static struct nb_fdt_params min_params(void)
{
	return (struct nb_fdt_params){
	    .ram_base = NB_RAM_BASE,
	    .ram_size = RAM_SIZE,
	    .nr_cpus = 1,
	    .mpidrs = mpidrs,
	    .gic_dist_base = NB_GIC_DIST_BASE,
	    .gic_dist_size = NB_GIC_DIST_SIZE,
	    .gic_redist_base = NB_GIC_REDIST_BASE(1),
	    .gic_redist_size = NB_GIC_REDIST_SIZE,
	};
}

static void *build(const struct nb_fdt_params *p)
{
	void *fdt = buf_storage;

	memset(buf_storage, 0xa5, sizeof(buf_storage));
	ck_assert_int_eq(nb_fdt_build(p, fdt, sizeof(buf_storage)), 0);
	ck_assert_int_eq(fdt_check_header(fdt), 0);
	return fdt;
}

static int node(const void *fdt, const char *path)
{
	int off = fdt_path_offset(fdt, path);

	ck_assert_msg(off >= 0, "no node %s: %s", path, fdt_strerror(off));
	return off;
}

static const void *prop(const void *fdt, int off, const char *name, int want_len)
{
	int len;
	const void *v = fdt_getprop(fdt, off, name, &len);

	ck_assert_msg(v, "no property %s", name);
	if (want_len >= 0)
		ck_assert_int_eq(len, want_len);
	return v;
}

static uint32_t cell(const void *v, int i)
{
	return fdt32_to_cpu(((const fdt32_t *)v)[i]);
}

static uint64_t cell64(const void *v, int i)
{
	return ((uint64_t)cell(v, i) << 32) | cell(v, i + 1);
}

static uint32_t prop_u32(const void *fdt, int off, const char *name)
{
	return cell(prop(fdt, off, name, 4), 0);
}

static uint64_t prop_u64(const void *fdt, int off, const char *name)
{
	return cell64(prop(fdt, off, name, 8), 0);
}

static void assert_str(const void *fdt, int off, const char *name, const char *want)
{
	ck_assert_str_eq(prop(fdt, off, name, (int)strlen(want) + 1), want);
}

static void assert_reg(const void *fdt, int off, uint64_t base, uint64_t size)
{
	const void *reg = prop(fdt, off, "reg", 16);

	ck_assert_uint_eq(cell64(reg, 0), base);
	ck_assert_uint_eq(cell64(reg, 2), size);
}

static void assert_irq(const void *fdt, int off, uint32_t type, uint32_t num, uint32_t flags)
{
	const void *irq = prop(fdt, off, "interrupts", 12);

	ck_assert_uint_eq(cell(irq, 0), type);
	ck_assert_uint_eq(cell(irq, 1), num);
	ck_assert_uint_eq(cell(irq, 2), flags);
}

/* The node's properties: exactly @want (NULL-terminated), in this order. */
static void assert_props(const void *fdt, int off, const char *const *want)
{
	const char *name;
	int p, i = 0;

	fdt_for_each_property_offset(p, fdt, off) {
		ck_assert_ptr_nonnull(fdt_getprop_by_offset(fdt, p, &name, NULL));
		ck_assert_msg(want[i], "unexpected property %s", name);
		ck_assert_str_eq(name, want[i]);
		i++;
	}
	ck_assert_msg(!want[i], "no property %s", want[i]);
}

/* The root's subnodes: exactly @want (NULL-terminated), in this order. */
static void assert_root_nodes(const void *fdt, const char *const *want)
{
	int off, i = 0;

	fdt_for_each_subnode(off, fdt, 0) {
		ck_assert_msg(want[i], "unexpected node %s", fdt_get_name(fdt, off, NULL));
		ck_assert_str_eq(fdt_get_name(fdt, off, NULL), want[i]);
		i++;
	}
	ck_assert_msg(!want[i], "no node %s", want[i]);
}

static uint32_t ppi_flags(uint32_t nr_cpus)
{
	return (((1U << nr_cpus) - 1) << 8) | 4;
}

/* The blob is packed: nothing after the strings block, no free space. */
static void assert_packed(const void *fdt)
{
	ck_assert_uint_eq(fdt_totalsize(fdt), fdt_off_dt_strings(fdt) + fdt_size_dt_strings(fdt));
	ck_assert_uint_eq(fdt_off_dt_strings(fdt),
			  fdt_off_dt_struct(fdt) + fdt_size_dt_struct(fdt));
	ck_assert_uint_lt(fdt_totalsize(fdt), 4096);
}

static void check_root(const void *fdt)
{
	int root = node(fdt, "/");

	assert_str(fdt, root, "compatible", "linux,dummy-virt");
	ck_assert_uint_eq(prop_u32(fdt, root, "#address-cells"), 2);
	ck_assert_uint_eq(prop_u32(fdt, root, "#size-cells"), 2);
	ck_assert_uint_eq(prop_u32(fdt, root, "interrupt-parent"), NB_FDT_PHANDLE_GIC);
}

static void check_cpus(const void *fdt, uint32_t nr_cpus)
{
	int cpus = node(fdt, "/cpus"), off;
	uint32_t n = 0;

	ck_assert_uint_eq(prop_u32(fdt, cpus, "#address-cells"), 2);
	ck_assert_uint_eq(prop_u32(fdt, cpus, "#size-cells"), 0);
	fdt_for_each_subnode(off, fdt, cpus) {
		char name[32];

		ck_assert_uint_lt(n, nr_cpus);
		ck_assert_uint_eq(prop_u64(fdt, off, "reg"), want_reg[n]);
		snprintf(name, sizeof(name), "cpu@%llx", (unsigned long long)want_reg[n]);
		ck_assert_str_eq(fdt_get_name(fdt, off, NULL), name);
		assert_str(fdt, off, "device_type", "cpu");
		assert_str(fdt, off, "compatible", "arm,arm-v8");
		assert_str(fdt, off, "enable-method", "psci");
		n++;
	}
	ck_assert_uint_eq(n, nr_cpus);
}

static void check_psci(const void *fdt, bool el2)
{
	int off = node(fdt, "/psci");
	const char *compat = prop(fdt, off, "compatible", sizeof("arm,psci-1.0\0arm,psci-0.2"));

	ck_assert_str_eq(compat, "arm,psci-1.0");
	ck_assert_str_eq(compat + strlen(compat) + 1, "arm,psci-0.2");
	assert_str(fdt, off, "method", el2 ? "smc" : "hvc");
	ck_assert_int_eq(fdt_node_offset_by_compatible(fdt, -1, "arm,psci-0.2"), off);
}

static void check_gic(const void *fdt, uint32_t nr_cpus, bool el2)
{
	int off = fdt_node_offset_by_compatible(fdt, -1, "arm,gic-v3");
	const void *reg;

	ck_assert_int_eq(off, node(fdt, "/intc@3fff0000"));
	ck_assert_uint_eq(prop_u32(fdt, off, "#interrupt-cells"), 3);
	prop(fdt, off, "interrupt-controller", 0);
	prop(fdt, off, "ranges", 0);
	ck_assert_uint_eq(prop_u32(fdt, off, "#address-cells"), 2);
	ck_assert_uint_eq(prop_u32(fdt, off, "#size-cells"), 2);
	ck_assert_uint_eq(prop_u32(fdt, off, "phandle"), NB_FDT_PHANDLE_GIC);
	ck_assert_int_eq(fdt_node_offset_by_phandle(fdt, NB_FDT_PHANDLE_GIC), off);
	reg = prop(fdt, off, "reg", 32);
	ck_assert_uint_eq(cell64(reg, 0), NB_GIC_DIST_BASE);
	ck_assert_uint_eq(cell64(reg, 2), NB_GIC_DIST_SIZE);
	ck_assert_uint_eq(cell64(reg, 4), NB_GIC_REDIST_BASE(nr_cpus));
	ck_assert_uint_eq(cell64(reg, 6), nr_cpus * NB_GIC_REDIST_SIZE);
	if (el2)
		assert_irq(fdt, off, 1, NB_PPI_MAINT, ppi_flags(nr_cpus));
	else
		ck_assert_ptr_null(fdt_getprop(fdt, off, "interrupts", NULL));
}

static void check_timer(const void *fdt, uint32_t nr_cpus, bool el2)
{
	const uint32_t want[] = {
	    NB_PPI_STIMER, NB_PPI_PTIMER, NB_PPI_VTIMER, NB_PPI_HPTIMER, NB_PPI_HVTIMER,
	};
	int off = fdt_node_offset_by_compatible(fdt, -1, "arm,armv8-timer");
	int i, n = el2 ? 5 : 4;
	const void *irqs;

	ck_assert_int_eq(off, node(fdt, "/timer"));
	prop(fdt, off, "always-on", 0);
	irqs = prop(fdt, off, "interrupts", n * 12);
	for (i = 0; i < n; i++) {
		ck_assert_uint_eq(cell(irqs, 3 * i), 1);
		ck_assert_uint_eq(cell(irqs, 3 * i + 1), want[i]);
		ck_assert_uint_eq(cell(irqs, 3 * i + 2), ppi_flags(nr_cpus));
	}
}

static void check_devices(const void *fdt)
{
	static const char *const root_nodes[] = {
	    "chosen",
	    "cpus",
	    "memory@80000000",
	    "psci",
	    "intc@3fff0000",
	    "timer",
	    "apb-pclk",
	    "uart@40002000",
	    "rtc@40001000",
	    "virtio_mmio@40003000",
	    "virtio_mmio@40004000",
	    NULL,
	};
	static const char *const clk_props[] = {
	    "compatible", "#clock-cells", "clock-frequency", "clock-output-names", "phandle", NULL,
	};
	static const char *const uart_props[] = {
	    "compatible", "reg", "clock-frequency", "interrupts", NULL,
	};
	static const char *const rtc_props[] = {
	    "compatible", "reg", "interrupts", "clocks", "clock-names", NULL,
	};
	static const char *const virtio_props[] = {
	    "compatible", "reg", "interrupts", "dma-coherent", NULL,
	};
	int clk = fdt_node_offset_by_compatible(fdt, -1, "fixed-clock");
	int off, i;

	assert_root_nodes(fdt, root_nodes);
	ck_assert_int_eq(clk, node(fdt, "/apb-pclk"));
	assert_props(fdt, clk, clk_props);
	ck_assert_uint_eq(prop_u32(fdt, clk, "#clock-cells"), 0);
	ck_assert_uint_eq(prop_u32(fdt, clk, "clock-frequency"), 24000000);
	assert_str(fdt, clk, "clock-output-names", "clk24mhz");
	ck_assert_uint_eq(prop_u32(fdt, clk, "phandle"), NB_FDT_PHANDLE_APB_PCLK);

	off = fdt_node_offset_by_compatible(fdt, -1, "ns16550a");
	ck_assert_int_eq(off, node(fdt, "/uart@40002000"));
	assert_props(fdt, off, uart_props);
	assert_str(fdt, off, "compatible", "ns16550a");
	assert_reg(fdt, off, NB_SERIAL_BASE, 0x1000);
	assert_irq(fdt, off, 0, NB_SPI_SERIAL, 4);
	ck_assert_uint_eq(prop_u32(fdt, off, "clock-frequency"), 1843200);

	off = fdt_node_offset_by_compatible(fdt, -1, "arm,pl031");
	ck_assert_int_eq(off, node(fdt, "/rtc@40001000"));
	assert_props(fdt, off, rtc_props);
	prop(fdt, off, "compatible", sizeof("arm,pl031\0arm,primecell"));
	ck_assert_int_eq(fdt_node_check_compatible(fdt, off, "arm,primecell"), 0);
	assert_reg(fdt, off, NB_RTC_BASE, 0x1000);
	assert_irq(fdt, off, 0, NB_SPI_RTC, 4);
	ck_assert_int_eq(fdt_node_offset_by_phandle(fdt, prop_u32(fdt, off, "clocks")), clk);
	assert_str(fdt, off, "clock-names", "apb_pclk");

	off = -1;
	for (i = 0; i < NR_VIRTIO; i++) {
		const struct nb_fdt_mmio_dev *v = &devs[2 + i];
		char path[40];

		off = fdt_node_offset_by_compatible(fdt, off, "virtio,mmio");
		snprintf(path, sizeof(path), "/virtio_mmio@%llx", (unsigned long long)v->base);
		ck_assert_int_eq(off, node(fdt, path));
		assert_props(fdt, off, virtio_props);
		assert_str(fdt, off, "compatible", "virtio,mmio");
		assert_reg(fdt, off, v->base, v->size);
		assert_irq(fdt, off, 0, NB_SPI_VIRTIO_FIRST + i, 1);
		prop(fdt, off, "dma-coherent", 0);
	}
	ck_assert_int_eq(fdt_node_offset_by_compatible(fdt, off, "virtio,mmio"), -FDT_ERR_NOTFOUND);
}

static void check_chosen(const void *fdt)
{
	int off = node(fdt, "/chosen");

	assert_str(fdt, off, "bootargs", BOOTARGS);
	ck_assert_uint_eq(prop_u64(fdt, off, "linux,initrd-start"), INITRD_START);
	ck_assert_uint_eq(prop_u64(fdt, off, "linux,initrd-end"), INITRD_START + INITRD_SIZE);
	assert_str(fdt, off, "stdout-path", "/uart@40002000");
	ck_assert_int_eq(fdt_path_offset(fdt, prop(fdt, off, "stdout-path", -1)),
			 fdt_node_offset_by_compatible(fdt, -1, "ns16550a"));
	prop(fdt, off, "rng-seed", NB_FDT_RNG_SEED_SIZE);
	prop(fdt, off, "kaslr-seed", 8);
}

/* _i: 0 = 1 cpu, 1 = 1 cpu el2, 2 = 4 cpus, 3 = 4 cpus el2. */
START_TEST(test_full_tree)
{
	uint32_t nr_cpus = _i < 2 ? 1 : 4;
	bool el2 = _i & 1;
	struct nb_fdt_params p = full_params(nr_cpus, el2);
	const void *fdt = build(&p);
	int mem;

	assert_packed(fdt);
	check_root(fdt);
	check_cpus(fdt, nr_cpus);
	mem = node(fdt, "/memory@80000000");
	assert_str(fdt, mem, "device_type", "memory");
	assert_reg(fdt, mem, NB_RAM_BASE, RAM_SIZE);
	check_psci(fdt, el2);
	check_gic(fdt, nr_cpus, el2);
	check_timer(fdt, nr_cpus, el2);
	check_devices(fdt);
	check_chosen(fdt);
}
END_TEST

START_TEST(test_minimal_tree)
{
	static const struct nb_fdt_mmio_dev bad = {
	    .spi = UINT32_MAX,
	    .base = UINT64_MAX,
	    .apb_pclk = true,
	    .stdout_path = true,
	};
	struct nb_fdt_params p = min_params();
	const void *fdt;
	int off;

	/* Devices beyond nr_devs are ignored, however bad. */
	p.devs = &bad;
	p.initrd_start = UINT64_MAX;
	fdt = build(&p);
	assert_packed(fdt);
	check_cpus(fdt, 1);
	check_timer(fdt, 1, false);
	off = node(fdt, "/chosen");
	ck_assert_ptr_null(fdt_getprop(fdt, off, "bootargs", NULL));
	ck_assert_ptr_null(fdt_getprop(fdt, off, "linux,initrd-start", NULL));
	ck_assert_ptr_null(fdt_getprop(fdt, off, "linux,initrd-end", NULL));
	ck_assert_ptr_null(fdt_getprop(fdt, off, "stdout-path", NULL));
	prop(fdt, off, "rng-seed", NB_FDT_RNG_SEED_SIZE);
	prop(fdt, off, "kaslr-seed", 8);
	ck_assert_int_eq(fdt_node_offset_by_compatible(fdt, -1, "ns16550a"), -FDT_ERR_NOTFOUND);
	ck_assert_int_eq(fdt_node_offset_by_compatible(fdt, -1, "arm,pl031"), -FDT_ERR_NOTFOUND);
	ck_assert_int_eq(fdt_node_offset_by_compatible(fdt, -1, "virtio,mmio"), -FDT_ERR_NOTFOUND);
	ck_assert_int_eq(fdt_node_offset_by_compatible(fdt, -1, "fixed-clock"), -FDT_ERR_NOTFOUND);
}
END_TEST

/*
 * The builder knows no device types: any description becomes its node, the
 * clock only when a device asks for it, stdout-path wherever it says.
 */
START_TEST(test_generic_devices)
{
	static const char *const plain_props[] = {"compatible", "reg", "interrupts", NULL};
	static const char *const clocked_props[] = {
	    "compatible", "reg",	 "clock-frequency", "interrupts",
	    "clocks",	  "clock-names", "dma-coherent",    NULL,
	};
	const struct nb_fdt_mmio_dev two[] = {
	    {.name = "gpio",
	     .compatible = "vendor,gpio\0generic-gpio",
	     .compatible_len = sizeof("vendor,gpio\0generic-gpio"),
	     .base = 0x1000000000ULL,
	     .size = 0x20,
	     .spi = 7},
	    {.name = "serial",
	     .compatible = "vendor,uart",
	     .compatible_len = 12,
	     .base = 0x50000000,
	     .size = 0x100,
	     .spi = 9,
	     .edge = true,
	     .clock_frequency = 3000000,
	     .apb_pclk = true,
	     .dma_coherent = true,
	     .stdout_path = true},
	};
	struct nb_fdt_params p = min_params();
	const void *fdt;
	int off, chosen;

	/* Virtio transports only: no clock, no stdout-path. */
	fill_devs();
	p.devs = &devs[2];
	p.nr_devs = NR_VIRTIO;
	fdt = build(&p);
	ck_assert_int_eq(fdt_node_offset_by_compatible(fdt, -1, "fixed-clock"), -FDT_ERR_NOTFOUND);
	ck_assert_int_eq(fdt_path_offset(fdt, "/apb-pclk"), -FDT_ERR_NOTFOUND);
	ck_assert_ptr_null(fdt_getprop(fdt, node(fdt, "/chosen"), "stdout-path", NULL));
	node(fdt, "/virtio_mmio@40003000");
	node(fdt, "/virtio_mmio@40004000");

	p.devs = two;
	p.nr_devs = 2;
	fdt = build(&p);
	off = node(fdt, "/gpio@1000000000");
	assert_props(fdt, off, plain_props);
	ck_assert_int_eq(fdt_node_check_compatible(fdt, off, "generic-gpio"), 0);
	assert_reg(fdt, off, 0x1000000000ULL, 0x20);
	assert_irq(fdt, off, 0, 7, 4);
	off = node(fdt, "/serial@50000000");
	assert_props(fdt, off, clocked_props);
	assert_str(fdt, off, "compatible", "vendor,uart");
	assert_reg(fdt, off, 0x50000000, 0x100);
	assert_irq(fdt, off, 0, 9, 1);
	ck_assert_uint_eq(prop_u32(fdt, off, "clock-frequency"), 3000000);
	ck_assert_int_eq(fdt_node_offset_by_phandle(fdt, prop_u32(fdt, off, "clocks")),
			 node(fdt, "/apb-pclk"));
	chosen = node(fdt, "/chosen");
	assert_str(fdt, chosen, "stdout-path", "/serial@50000000");
	/* The nodes come in the order given, after the clock. */
	ck_assert_int_lt(node(fdt, "/apb-pclk"), node(fdt, "/gpio@1000000000"));
	ck_assert_int_lt(node(fdt, "/gpio@1000000000"), off);
}
END_TEST

START_TEST(test_ppi_cpumask_caps_at_8)
{
	uint64_t many[12];
	struct nb_fdt_params p = min_params();
	const void *fdt;
	int i;

	for (i = 0; i < 12; i++)
		many[i] = 0x80000000ULL | ((uint64_t)(i / 4) << 8) | (i % 4);
	p.nr_cpus = 12;
	p.mpidrs = many;
	p.el2 = true;
	fdt = build(&p);
	assert_irq(fdt, node(fdt, "/intc@3fff0000"), 1, NB_PPI_MAINT, 0xff04);
	ck_assert_uint_eq(prop_u64(fdt, node(fdt, "/cpus/cpu@203"), "reg"), 0x203);
}
END_TEST

START_TEST(test_seeds_are_fresh)
{
	struct nb_fdt_params p = min_params();
	uint8_t seed[NB_FDT_RNG_SEED_SIZE];
	const void *fdt = build(&p);

	memcpy(seed, prop(fdt, node(fdt, "/chosen"), "rng-seed", sizeof(seed)), sizeof(seed));
	fdt = build(&p);
	ck_assert_mem_ne(seed, prop(fdt, node(fdt, "/chosen"), "rng-seed", sizeof(seed)),
			 sizeof(seed));
}
END_TEST

START_TEST(test_too_small_buffer)
{
	struct nb_fdt_params p = full_params(4, true);
	static uint8_t small[BUF_SIZE];
	size_t need = fdt_totalsize(build(&p)), size;
	int ret;

	/*
	 * The tree is built in place, in at most a few bytes more than the
	 * packed result (libfdt aligns the reserve map to 16 while building);
	 * every smaller buffer is refused with -ENOSPC.
	 */
	for (size = 0; size < BUF_SIZE; size++) {
		ret = nb_fdt_build(&p, small, size);
		if (ret != -ENOSPC)
			break;
	}
	ck_assert_int_eq(ret, 0);
	ck_assert_uint_ge(size, need);
	ck_assert_uint_le(size, need + 16);
	ck_assert_int_eq(fdt_check_header(small), 0);
	ck_assert_uint_eq(fdt_totalsize(small), need);
}
END_TEST

START_TEST(test_bad_params)
{
	const uint64_t dup[] = {0x80000100ULL, 0x40000100ULL}; /* same affinity */
	static const char name31[] = "abcdefghijklmnopqrstuvwxyz01234";
	static const char name32[] = "abcdefghijklmnopqrstuvwxyz012345";
	struct nb_fdt_mmio_dev bad[NR_DEVS];
	struct nb_fdt_params good = full_params(4, true), p;
	void *buf = buf_storage;

	ck_assert_int_eq(nb_fdt_build(NULL, buf, BUF_SIZE), -EINVAL);
	ck_assert_int_eq(nb_fdt_build(&good, NULL, BUF_SIZE), -EINVAL);

#define EXPECT_EINVAL(change)                                                                      \
	do {                                                                                       \
		p = good;                                                                          \
		change;                                                                            \
		ck_assert_int_eq(nb_fdt_build(&p, buf, BUF_SIZE), -EINVAL);                        \
	} while (0)

	EXPECT_EINVAL(p.nr_cpus = 0);
	EXPECT_EINVAL(p.mpidrs = NULL);
	EXPECT_EINVAL((p.mpidrs = dup, p.nr_cpus = 2));
	EXPECT_EINVAL(p.ram_size = 0);
	EXPECT_EINVAL(p.ram_base = UINT64_MAX - RAM_SIZE + 1);
	EXPECT_EINVAL(p.gic_dist_size = 0);
	EXPECT_EINVAL(p.gic_redist_size = 0);
	EXPECT_EINVAL(p.gic_redist_base = UINT64_MAX);
	EXPECT_EINVAL(p.initrd_start = UINT64_MAX - INITRD_SIZE + 1);
	EXPECT_EINVAL(p.devs = NULL);

	/* devs[0] is the uart, devs[1] the rtc, devs[2..3] virtio-mmio. */
#define EXPECT_BAD_DEV(change)                                                                     \
	do {                                                                                       \
		memcpy(bad, devs, sizeof(bad));                                                    \
		change;                                                                            \
		EXPECT_EINVAL(p.devs = bad);                                                       \
	} while (0)

	EXPECT_BAD_DEV(bad[0].spi = NB_NR_SPIS);
	EXPECT_BAD_DEV(bad[0].base = UINT64_MAX - 0xfff);
	EXPECT_BAD_DEV(bad[1].spi = NB_NR_SPIS);
	EXPECT_BAD_DEV(bad[1].base = UINT64_MAX - 0xfff);
	EXPECT_BAD_DEV(bad[3].size = 0);
	EXPECT_BAD_DEV(bad[3].spi = NB_NR_SPIS);
	EXPECT_BAD_DEV(bad[3].base = bad[2].base);
	EXPECT_BAD_DEV(bad[2].base = bad[1].base); /* different names, same registers */
	EXPECT_BAD_DEV(bad[3].stdout_path = true); /* two consoles */
	EXPECT_BAD_DEV(bad[1].name = NULL);
	EXPECT_BAD_DEV(bad[1].name = "");
	EXPECT_BAD_DEV(bad[1].name = "rtc/x");
	EXPECT_BAD_DEV(bad[1].name = "rtc@1");
	EXPECT_BAD_DEV(bad[1].name = name32);
	EXPECT_BAD_DEV(bad[1].compatible = NULL);
	EXPECT_BAD_DEV(bad[1].compatible_len = 0);
	EXPECT_BAD_DEV(bad[1].compatible_len--); /* not NUL-terminated */
	EXPECT_BAD_DEV(bad[1].compatible_len = (size_t)INT_MAX + 1);
#undef EXPECT_BAD_DEV
#undef EXPECT_EINVAL

	/* The boundaries themselves are fine. */
	p = good;
	memcpy(bad, devs, sizeof(bad));
	bad[0].spi = bad[1].spi = NB_NR_SPIS - 1;
	bad[1].name = name31;
	bad[1].compatible_len = sizeof("arm,pl031"); /* the list's first string alone */
	p.devs = bad;
	ck_assert_int_eq(nb_fdt_build(&p, buf, BUF_SIZE), 0);
	prop(buf, node(buf, "/abcdefghijklmnopqrstuvwxyz01234@40001000"), "compatible",
	     sizeof("arm,pl031"));
	p.nr_devs = 0;
	p.devs = NULL;
	ck_assert_int_eq(nb_fdt_build(&p, buf, BUF_SIZE), 0);
	/* Invalid params win over a too-small buffer. */
	p.ram_size = 0;
	ck_assert_int_eq(nb_fdt_build(&p, buf, 0), -EINVAL);
}
END_TEST

static void tmp_path(char *path, size_t size, const char *name)
{
	const char *dir = getenv("TMPDIR");

	snprintf(path, size, "%s/nb_test_fdt_%d_%s", dir && *dir ? dir : "/tmp", (int)getpid(),
		 name);
}

START_TEST(test_write_file)
{
	struct nb_fdt_params p = full_params(2, true);
	static uint8_t back[BUF_SIZE];
	const void *fdt = build(&p);
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	tmp_path(path, sizeof(path), "dump.dtb");
	/* A longer file gets truncated. */
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	memset(back, 'x', sizeof(back));
	ck_assert_int_eq(write(fd, back, sizeof(back)), sizeof(back));
	close(fd);

	ck_assert_int_eq(nb_fdt_write_file(fdt, path), 0);
	fd = open(path, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	n = read(fd, back, sizeof(back));
	close(fd);
	unlink(path);
	ck_assert_int_eq(n, fdt_totalsize(fdt));
	ck_assert_mem_eq(back, fdt, (size_t)n);
}
END_TEST

START_TEST(test_write_file_errors)
{
	struct nb_fdt_params p = min_params();
	const void *fdt = build(&p);
	static uint8_t junk[64];

	ck_assert_int_eq(nb_fdt_write_file(NULL, "/tmp/x.dtb"), -EINVAL);
	ck_assert_int_eq(nb_fdt_write_file(fdt, NULL), -EINVAL);
	ck_assert_int_eq(nb_fdt_write_file(junk, "/tmp/x.dtb"), -EINVAL);
	ck_assert_int_eq(nb_fdt_write_file(fdt, "/nonexistent-dir/x.dtb"), -ENOENT);
	ck_assert_int_eq(nb_fdt_write_file(fdt, "/"), -EISDIR);
	if (access("/dev/full", W_OK) == 0) /* a write that fails */
		ck_assert_int_eq(nb_fdt_write_file(fdt, "/dev/full"), -ENOSPC);
}
END_TEST

/*
 * With NB_FDT_DUMP=path, writes the 2-CPU el2 example for eyeballing with
 * `dtc -I dtb -O dts`.
 */
START_TEST(test_dump_example)
{
	const char *path = getenv("NB_FDT_DUMP");
	struct nb_fdt_params p = full_params(2, true);

	if (path && *path)
		ck_assert_int_eq(nb_fdt_write_file(build(&p), path), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("fdt");
	TCase *tc = tcase_create("fdt");

	tcase_add_loop_test(tc, test_full_tree, 0, 4);
	tcase_add_test(tc, test_minimal_tree);
	tcase_add_test(tc, test_generic_devices);
	tcase_add_test(tc, test_ppi_cpumask_caps_at_8);
	tcase_add_test(tc, test_seeds_are_fresh);
	tcase_add_test(tc, test_too_small_buffer);
	tcase_add_test(tc, test_bad_params);
	tcase_add_test(tc, test_write_file);
	tcase_add_test(tc, test_write_file_errors);
	tcase_add_test(tc, test_dump_example);
	suite_add_tcase(s, tc);
	return nb_check_run(s);
}
